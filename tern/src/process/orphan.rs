//! Children whose `Child` was dropped before their exit was collected.
//!
//! Their pids live in a fixed table of atomics that the `SIGCHLD` handler
//! scans, calling `waitpid(pid, WNOHANG)` on each (async-signal-safe), so
//! an orphan is reaped as soon as it exits, with or without a runtime.
//! Pids that do not fit go to an overflow list, moved into the table by
//! later passes from ordinary code (every spawn and every new orphan).
//!
//! # Slot states
//!
//! | value | meaning | who moves it |
//! |-------|---------|--------------|
//! | `0` | free | [`push`] claims it: `0 -> pid` |
//! | `pid > 0` | an unreaped orphan | a reaper claims it: `pid -> -pid` |
//! | `-pid` | a reaper is calling `waitpid` | that reaper: `-pid -> 0` (reaped) or `-pid -> pid` (running) |
//!
//! Claiming keeps two reapers (a handler and ordinary code, or handlers
//! on two threads) from both calling `waitpid` on one pid, which could
//! reap a new child that reused the pid. A reaper that skipped a claimed
//! slot may have missed that orphan's exit; so every pass records the
//! `SIGCHLD` delivery count first and runs again if it moved meanwhile:
//! the claimer, who sees the count move, retries the slot.

use crate::signal::registry;
use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

const SLOTS: usize = 4096;

static PIDS: [AtomicI32; SLOTS] = [const { AtomicI32::new(0) }; SLOTS];
/// One past the highest slot ever used: passes scan `PIDS[..USED]`.
static USED: AtomicUsize = AtomicUsize::new(0);
static OVERFLOW: Mutex<Vec<libc::pid_t>> = Mutex::new(Vec::new());
static OVERFLOW_LEN: AtomicUsize = AtomicUsize::new(0);

/// Hands the unreaped child `pid` to the background reaper.
pub(crate) fn push(pid: libc::pid_t) {
    // The SIGCHLD handler stays installed for the rest of the process
    // (a user that is never released).
    // Without it (installation failed) orphans are still reaped by the
    // passes of later spawns.
    static HANDLER: OnceLock<bool> = OnceLock::new();
    HANDLER.get_or_init(|| registry::acquire(libc::SIGCHLD).is_ok());
    if !insert(pid) {
        let mut overflow = OVERFLOW.lock().unwrap_or_else(|e| e.into_inner());
        overflow.push(pid);
        OVERFLOW_LEN.store(overflow.len(), Ordering::Release);
    }
    // The child may have exited before the handler was installed.
    reap();
}

fn insert(pid: libc::pid_t) -> bool {
    for (i, slot) in PIDS.iter().enumerate() {
        if slot.compare_exchange(0, pid, Ordering::AcqRel, Ordering::Relaxed).is_ok() {
            USED.fetch_max(i + 1, Ordering::AcqRel);
            return true;
        }
    }
    false
}

/// Reaps every exited orphan; from ordinary code.
pub(crate) fn reap() {
    reap_slots();
    if OVERFLOW_LEN.load(Ordering::Acquire) > 0 {
        let mut overflow = OVERFLOW.lock().unwrap_or_else(|e| e.into_inner());
        overflow.retain(|&pid| !try_reap(pid) && !insert(pid));
        OVERFLOW_LEN.store(overflow.len(), Ordering::Release);
    }
}

/// The `SIGCHLD` handler's part: async-signal-safe (atomics, `waitpid`).
pub(crate) fn reap_from_handler() {
    reap_slots();
}

/// Orphans not reaped yet (tests).
#[cfg(all(test, not(tern_loom)))]
pub(crate) fn pending() -> usize {
    PIDS.iter().filter(|s| s.load(Ordering::Acquire) != 0).count() + OVERFLOW_LEN.load(Ordering::Acquire)
}

fn reap_slots() {
    loop {
        let before = registry::delivered(libc::SIGCHLD);
        let used = USED.load(Ordering::Acquire);
        for slot in &PIDS[..used] {
            let pid = slot.load(Ordering::Acquire);
            if pid <= 0 || slot.compare_exchange(pid, -pid, Ordering::AcqRel, Ordering::Relaxed).is_err() {
                continue;
            }
            let next = if try_reap(pid) { 0 } else { pid };
            slot.store(next, Ordering::Release);
        }
        if registry::delivered(libc::SIGCHLD) == before {
            return;
        }
    }
}

/// `waitpid(pid, WNOHANG)`: whether `pid` is gone (reaped now, or not our
/// child any more).
fn try_reap(pid: libc::pid_t) -> bool {
    let mut status = 0;
    loop {
        // SAFETY: `waitpid` is async-signal-safe; `status` is valid for writes.
        let r = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        if r == pid {
            return true;
        }
        if r == 0 {
            return false;
        }
        // SAFETY: reads this thread's errno (no allocation, signal-safe).
        match unsafe { *libc::__errno_location() } {
            libc::EINTR => continue,
            _ => return true,
        }
    }
}
