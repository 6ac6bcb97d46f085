//! Timer slack: the kernel may delay a thread's timed wake-up by up to its
//! "slack" (50 µs by default on Linux) to batch wake-ups. A thread that
//! drives tern's timers lowers it to 1 ns before its first timed park, so
//! a timed park ends when the deadline is due, not up to 50 µs later, and
//! restores it when it stops driving.
//!
//! Lowering is lazy: a `block_on` that never sleeps on a deadline (most
//! short ones) makes no system call for it (three `prctl`s used to cost a
//! current-thread `block_on` about half a microsecond).
//!
//! This is the one platform switch of the time driver; elsewhere it is a
//! no-op.

use std::cell::Cell;

/// Lowers this thread's timer slack from [`arm`](Self::arm) on, until
/// dropped (then restores it). Lives on the thread it was made on.
pub(crate) struct PreciseTimers {
    /// The slack to restore: `None` until `arm` lowered it.
    #[cfg(target_os = "linux")]
    previous: Cell<Option<libc::c_int>>,
    /// Not `Send`: the slack is the creating thread's.
    _thread: std::marker::PhantomData<*const ()>,
}

impl PreciseTimers {
    /// Nothing is changed until [`arm`](Self::arm).
    pub(crate) fn new() -> PreciseTimers {
        PreciseTimers {
            #[cfg(target_os = "linux")]
            previous: Cell::new(None),
            _thread: std::marker::PhantomData,
        }
    }

    /// Lowers the slack if this guard has not yet: called before a park
    /// whose timeout is a deadline.
    #[inline]
    pub(crate) fn arm(&self) {
        #[cfg(target_os = "linux")]
        if self.previous.get().is_none() {
            // SAFETY: PR_GET_TIMERSLACK and PR_SET_TIMERSLACK take no
            // pointers; they only read or set this thread's slack.
            let previous = unsafe { libc::prctl(libc::PR_GET_TIMERSLACK, 0, 0, 0, 0) };
            // SAFETY: as above.
            unsafe { libc::prctl(libc::PR_SET_TIMERSLACK, 1 as libc::c_ulong, 0, 0, 0) };
            self.previous.set(Some(previous));
        }
    }
}

impl Drop for PreciseTimers {
    fn drop(&mut self) {
        #[cfg(target_os = "linux")]
        if let Some(previous) = self.previous.get().filter(|&p| p > 0) {
            // SAFETY: as in `arm`.
            unsafe { libc::prctl(libc::PR_SET_TIMERSLACK, previous as libc::c_ulong, 0, 0, 0) };
        }
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::PreciseTimers;

    fn slack() -> libc::c_int {
        // SAFETY: as in `arm`.
        unsafe { libc::prctl(libc::PR_GET_TIMERSLACK, 0, 0, 0, 0) }
    }

    #[test]
    fn lowers_only_when_armed_and_restores_on_drop() {
        std::thread::spawn(|| {
            let before = slack();
            let guard = PreciseTimers::new();
            assert_eq!(slack(), before, "made, not armed: unchanged");
            guard.arm();
            assert_eq!(slack(), 1);
            guard.arm();
            assert_eq!(slack(), 1);
            drop(guard);
            assert_eq!(slack(), before);
        })
        .join()
        .unwrap();
    }
}
