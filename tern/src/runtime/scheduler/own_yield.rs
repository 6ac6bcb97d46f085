//! Which task a scheduler thread is polling, and whether that task yielded
//! (`yield_now`, or a spent coop budget, deferring its own waker through
//! `context::defer`). Both schedulers keep one in their thread context:
//! the current-thread scheduler then queues the task as it is, still
//! running (`Schedule::yield_in_place`), and a multi-thread worker keeps it
//! back until its next driver poll (`worker/yielded.rs`).

use std::cell::Cell;
use std::task::Waker;

/// Plain cells: only the scheduler thread that owns the context reads or
/// writes them.
pub(crate) struct OwnYield {
    /// The header address of the task being polled (null between polls).
    running: Cell<*const ()>,
    /// The running task deferred its own waker during this poll.
    pending: Cell<bool>,
}

impl OwnYield {
    pub(crate) const fn new() -> OwnYield {
        OwnYield { running: Cell::new(std::ptr::null()), pending: Cell::new(false) }
    }

    /// Runs `poll` with the task at `header` recorded as the running one,
    /// its yield flag cleared first.
    #[inline]
    pub(crate) fn polling<R>(&self, header: *const (), poll: impl FnOnce() -> R) -> R {
        self.running.set(header);
        self.pending.set(false);
        let r = poll();
        self.running.set(std::ptr::null());
        r
    }

    /// `waker` is being deferred: if it is the running task's own, notes the
    /// yield and returns `true`.
    #[inline]
    pub(crate) fn note(&self, waker: &Waker) -> bool {
        let running = self.running.get();
        let own = !running.is_null() && crate::task::is_waker_of(waker, running);
        if own {
            self.pending.set(true);
        }
        own
    }

    /// Whether the running task yielded since the last call (or since its
    /// poll began), clearing the flag.
    #[inline]
    pub(crate) fn take(&self) -> bool {
        self.pending.replace(false)
    }
}
