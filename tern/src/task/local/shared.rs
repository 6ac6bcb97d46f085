//! The part of a `LocalSet` that any thread may reach: the scheduler its
//! tasks hold.

use super::{with_current, Context, Sched};
use crate::loom::sync::atomic::{AtomicBool, Ordering::*};
use crate::loom::sync::Mutex;
use crate::task::{Notified, Schedule, Task};
use std::collections::VecDeque;
use std::task::Waker;

pub(super) struct Shared {
    /// Address of the owning [`Context`]: compared with the thread's
    /// entered context, never dereferenced through this field.
    context: usize,
    /// Wakes from outside the set's context. `None` once the set is dropped.
    remote: Mutex<Option<VecDeque<Notified<Sched>>>>,
    /// The remote queue may be non-empty (a hint that spares the owner the
    /// lock on every poll; set under the lock by a push).
    remote_pending: AtomicBool,
    /// The waker of whatever polls the set (`run_until`, the set itself).
    poller: Mutex<Option<Waker>>,
    pub(super) id: crate::runtime::Id,
}

impl Shared {
    pub(super) fn new(context: usize) -> Shared {
        Shared {
            context,
            remote: Mutex::new(Some(VecDeque::new())),
            remote_pending: AtomicBool::new(false),
            poller: Mutex::new(None),
            id: crate::runtime::Id::next(),
        }
    }

    /// Whether `cx` is this set's context.
    fn is_mine(&self, cx: &Context) -> bool {
        std::ptr::from_ref(cx) as usize == self.context
    }

    pub(super) fn register_poller(&self, waker: &Waker) {
        let mut poller = self.poller.lock();
        match &*poller {
            Some(w) if w.will_wake(waker) => {}
            _ => *poller = Some(waker.clone()),
        }
    }

    pub(super) fn wake_poller(&self) {
        let waker = self.poller.lock().clone();
        if let Some(w) = waker {
            w.wake();
        }
    }

    pub(super) fn pop_remote(&self) -> Option<Notified<Sched>> {
        if !self.remote_pending.load(Acquire) {
            return None;
        }
        let mut remote = self.remote.lock();
        let queue = remote.as_mut()?;
        let task = queue.pop_front();
        if queue.is_empty() {
            self.remote_pending.store(false, Relaxed);
        }
        task
    }

    /// Closes the remote queue, returning what it held.
    pub(super) fn close(&self) -> Option<VecDeque<Notified<Sched>>> {
        self.remote_pending.store(false, Relaxed);
        self.remote.lock().take()
    }
}

impl Schedule for Sched {
    fn release(&self, task: &Task<Self>) -> Option<Task<Self>> {
        with_current(|cx| {
            let cx = cx.filter(|cx| self.is_mine(cx))?;
            // SAFETY: a task of this set is in the set's list or in none
            // (the invariant on `Context::owned`).
            unsafe { cx.owned.borrow_mut().remove(task) }
        })
    }

    fn schedule(&self, task: Notified<Self>) {
        let task = with_current(|cx| match cx.filter(|cx| self.is_mine(cx)) {
            Some(cx) => {
                cx.queue.borrow_mut().push_back(task);
                if !cx.ticking.get() {
                    self.wake_poller();
                }
                None
            }
            None => Some(task),
        });
        let Some(task) = task else { return };
        let pushed = {
            let mut remote = self.remote.lock();
            match remote.as_mut() {
                Some(queue) => {
                    queue.push_back(task);
                    self.remote_pending.store(true, Release);
                    None
                }
                None => Some(task),
            }
        };
        match pushed {
            None => self.wake_poller(),
            // The set is gone and its tasks with it: drop the notification
            // (outside the lock: it may free the task).
            Some(task) => drop(task),
        }
    }
}
