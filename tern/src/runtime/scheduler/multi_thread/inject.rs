//! The global injection queue of the multi-thread scheduler: tasks spawned
//! or woken from outside the workers, and the overflow of full local rings.
//!
//! A mutex around a `VecDeque`, with the length mirrored in an atomic so
//! workers can skip the lock when it is empty. Overflow arrives as a batch
//! (half a ring) in one lock acquisition, and workers take batches too.

use crate::loom::sync::atomic::{AtomicUsize, Ordering::*};
use crate::loom::sync::Mutex;
use crate::task::{Notified, Schedule};
use std::collections::VecDeque;

pub(crate) struct Inject<S: 'static> {
    len: AtomicUsize,
    queue: Mutex<Queue<S>>,
}

struct Queue<S: 'static> {
    tasks: VecDeque<Notified<S>>,
    closed: bool,
}

impl<S: Schedule> Inject<S> {
    pub(crate) fn new() -> Self {
        Inject {
            len: AtomicUsize::new(0),
            queue: Mutex::new(Queue { tasks: VecDeque::new(), closed: false }),
        }
    }

    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.len.load(Acquire) == 0
    }

    pub(crate) fn len(&self) -> usize {
        self.len.load(Acquire)
    }

    /// Queues a task; after `close`, drops it instead (its task has been or
    /// will be cancelled by the shutdown). Returns whether the queue was
    /// empty before (only then must a worker be woken: whoever takes the
    /// first task also finds the rest, see `notify_parked`'s callers).
    pub(crate) fn push(&self, task: Notified<S>) -> bool {
        let mut q = self.queue.lock();
        if q.closed {
            drop(q);
            drop(task);
            return false;
        }
        let was_empty = q.tasks.is_empty();
        q.tasks.push_back(task);
        self.len.store(q.tasks.len(), Release);
        was_empty
    }

    pub(crate) fn push_batch(&self, tasks: impl Iterator<Item = Notified<S>>) {
        let mut q = self.queue.lock();
        if q.closed {
            drop(q);
            tasks.for_each(drop);
            return;
        }
        q.tasks.extend(tasks);
        self.len.store(q.tasks.len(), Release);
    }

    pub(crate) fn pop(&self) -> Option<Notified<S>> {
        if self.is_empty() {
            return None;
        }
        let mut q = self.queue.lock();
        let task = q.tasks.pop_front();
        self.len.store(q.tasks.len(), Release);
        task
    }

    /// Pops up to `max` tasks under one lock; `f` receives them.
    pub(crate) fn pop_batch<R>(
        &self,
        max: usize,
        f: impl FnOnce(std::collections::vec_deque::Drain<'_, Notified<S>>) -> R,
    ) -> Option<R> {
        if self.is_empty() || max == 0 {
            return None;
        }
        let mut q = self.queue.lock();
        let n = max.min(q.tasks.len());
        if n == 0 {
            return None;
        }
        self.len.store(q.tasks.len() - n, Release);
        Some(f(q.tasks.drain(..n)))
    }

    /// Refuses further pushes; returns what was queued.
    pub(crate) fn close(&self) -> VecDeque<Notified<S>> {
        let mut q = self.queue.lock();
        q.closed = true;
        self.len.store(0, Release);
        std::mem::take(&mut q.tasks)
    }
}
