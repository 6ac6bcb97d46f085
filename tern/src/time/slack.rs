//! Timer slack: the kernel may delay a thread's timed wake-up by up to its
//! "slack" (50 µs by default on Linux) to batch wake-ups. The thread that
//! drives tern's timers lowers it to 1 ns while it does, so a timed park
//! ends when the deadline is due, not up to 50 µs later.
//!
//! This is the one platform switch of the time driver; elsewhere it is a
//! no-op.

/// Lowers this thread's timer slack until dropped (then restores it).
pub(crate) struct PreciseTimers {
    #[cfg(target_os = "linux")]
    previous: libc::c_int,
}

impl PreciseTimers {
    pub(crate) fn enter() -> PreciseTimers {
        #[cfg(target_os = "linux")]
        {
            // SAFETY: PR_GET_TIMERSLACK and PR_SET_TIMERSLACK take no
            // pointers; they only read or set this thread's slack.
            let previous = unsafe { libc::prctl(libc::PR_GET_TIMERSLACK, 0, 0, 0, 0) };
            // SAFETY: as above.
            unsafe { libc::prctl(libc::PR_SET_TIMERSLACK, 1 as libc::c_ulong, 0, 0, 0) };
            PreciseTimers { previous }
        }
        #[cfg(not(target_os = "linux"))]
        PreciseTimers {}
    }
}

impl Drop for PreciseTimers {
    fn drop(&mut self) {
        #[cfg(target_os = "linux")]
        if self.previous > 0 {
            // SAFETY: as in `enter`.
            unsafe { libc::prctl(libc::PR_SET_TIMERSLACK, self.previous as libc::c_ulong, 0, 0, 0) };
        }
    }
}
