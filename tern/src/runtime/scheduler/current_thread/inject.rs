//! The queue through which other threads hand tasks to a current-thread
//! scheduler: tasks spawned through a `Handle` from outside, and tasks
//! woken from outside.
//!
//! A mutex around two `VecDeque`s plus an atomic length, so the scheduler
//! can see "nothing to take" without locking. The scheduler takes
//! everything in one lock acquisition by swapping in its own empty buffers
//! (`take_all`), which keeps the lock hold short and allocates nothing in
//! the steady state.
//!
//! Spawned tasks travel with two references (the owned-list one and the
//! `Notified`): the scheduler binds them into its owned list when it takes
//! them, on its own thread, so the list needs no lock.

use crate::loom::sync::atomic::{AtomicUsize, Ordering::*};
use crate::loom::sync::Mutex;
use crate::task::{Notified, Schedule, Task};
use std::collections::VecDeque;

pub(super) struct Inject<S: 'static> {
    len: AtomicUsize,
    /// How many of them are spawned (not yet owned) tasks, for
    /// `num_alive_tasks`; written under the lock.
    spawned_len: std::sync::atomic::AtomicUsize,
    queue: Mutex<Queue<S>>,
}

pub(super) struct Queue<S: 'static> {
    pub(super) spawned: VecDeque<(Task<S>, Notified<S>)>,
    pub(super) woken: VecDeque<Notified<S>>,
    closed: bool,
}

impl<S: 'static> Queue<S> {
    pub(super) fn new() -> Self {
        Queue { spawned: VecDeque::new(), woken: VecDeque::new(), closed: false }
    }
}

impl<S: Schedule> Inject<S> {
    pub(super) fn new() -> Self {
        Inject {
            len: AtomicUsize::new(0),
            spawned_len: std::sync::atomic::AtomicUsize::new(0),
            queue: Mutex::new(Queue::new()),
        }
    }

    /// Tasks queued, spawned or woken (`global_queue_depth`).
    pub(super) fn len(&self) -> usize {
        self.len.load(Relaxed)
    }

    /// Spawned tasks queued, not yet in the core's owned list.
    pub(super) fn spawned_len(&self) -> usize {
        self.spawned_len.load(Relaxed)
    }

    #[inline]
    pub(super) fn is_empty(&self) -> bool {
        self.len.load(Acquire) == 0
    }

    /// Queues a spawned task. Returns it back if the scheduler shut down.
    pub(super) fn push_spawned(
        &self,
        task: Task<S>,
        notified: Notified<S>,
    ) -> Result<(), (Task<S>, Notified<S>)> {
        let mut q = self.queue.lock();
        if q.closed {
            return Err((task, notified));
        }
        q.spawned.push_back((task, notified));
        self.spawned_len.store(q.spawned.len(), Relaxed);
        self.len.fetch_add(1, Release);
        Ok(())
    }

    /// Queues a woken task. Returns it back if the scheduler shut down.
    pub(super) fn push_woken(&self, notified: Notified<S>) -> Result<(), Notified<S>> {
        let mut q = self.queue.lock();
        if q.closed {
            return Err(notified);
        }
        q.woken.push_back(notified);
        self.len.fetch_add(1, Release);
        Ok(())
    }

    /// Swaps the queued tasks into `into` (which must be empty) in one lock
    /// acquisition.
    pub(super) fn take_all(&self, into: &mut Queue<S>) {
        debug_assert!(into.spawned.is_empty() && into.woken.is_empty());
        let mut q = self.queue.lock();
        std::mem::swap(&mut q.spawned, &mut into.spawned);
        std::mem::swap(&mut q.woken, &mut into.woken);
        self.spawned_len.store(0, Relaxed);
        self.len.store(0, Release);
    }

    /// Refuses further pushes and returns what was queued.
    pub(super) fn close(&self) -> Queue<S> {
        let mut q = self.queue.lock();
        q.closed = true;
        self.spawned_len.store(0, Relaxed);
        self.len.store(0, Release);
        Queue { spawned: std::mem::take(&mut q.spawned), woken: std::mem::take(&mut q.woken), closed: true }
    }
}
