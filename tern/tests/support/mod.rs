//! Bounds for tests whose only way to fail would otherwise be a hang, and
//! (in `tcp`) the TCP helpers of the net tests.
//!
//! A lost wake-up or a shutdown that waits for the wrong thing shows up as
//! a test that never returns; these helpers turn it into a failed
//! assertion that names what did not happen. The bound is generous (it
//! never decides a passing run): it only has to end a hung one.

// Each test binary uses the helpers it needs.
#![allow(dead_code)]

pub mod tcp;

use std::future::Future;
use std::pin::Pin;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long a step that should take microseconds may take before the test
/// calls it hung.
pub const HANG: Duration = Duration::from_secs(60);

/// Runs `f` on a thread of its own and returns its result, panicking with
/// `what` if it has not finished within [`HANG`]. A panic in `f` is
/// resumed here (so `should_panic` tests see it). A hung `f` is left
/// behind: the test binary's exit ends it.
pub fn within<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    let t = std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(HANG) {
        Ok(v) => {
            let _ = t.join();
            v
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => match t.join() {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(()) => unreachable!("the thread sends before it ends"),
        },
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("hung: {what} (not done within {HANG:?})"),
    }
}

/// Joins `t`, panicking with `what` if it has not finished within
/// [`HANG`]; a panic on `t` is resumed here.
pub fn join_within<T>(t: JoinHandle<T>, what: &str) -> T {
    wait_until(what, || t.is_finished());
    t.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// Polls `cond` until it holds, panicking with `what` if it does not
/// within [`HANG`]. For states another thread reaches (a flag it sets, a
/// thread blocking), where there is nothing to wait on.
pub fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + HANG;
    while !cond() {
        assert!(Instant::now() < deadline, "hung: {what} (not done within {HANG:?})");
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Spawns a thread running `f` and returns once that thread is asleep in
/// the kernel (blocked in `f`, in the call under test) or done: the step
/// that lets the caller then release it, instead of sleeping a while and
/// hoping it has blocked by then.
pub fn spawn_until_blocked<T: Send + 'static>(
    what: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> JoinHandle<T> {
    let (tid_tx, tid_rx) = mpsc::channel();
    let t = std::thread::spawn(move || {
        tid_tx.send(current_tid()).unwrap();
        f()
    });
    let tid = tid_rx.recv_timeout(HANG).expect("the thread starts");
    wait_until(what, || is_blocked(tid) || t.is_finished());
    t
}

/// Whether thread `tid` (of this process) is asleep in the kernel: blocked
/// on a futex, a condvar, a pipe. Lets a test wait until another thread
/// has really blocked in the call under test instead of sleeping for a
/// while and hoping it has.
pub fn is_blocked(tid: libc::pid_t) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")) else {
        return false;
    };
    // "tid (comm) S ...": the name may hold spaces, so split after ')'.
    stat.rfind(')').and_then(|i| stat[i + 1..].split_whitespace().next()) == Some("S")
}

/// The calling thread's kernel id, for [`is_blocked`].
pub fn current_tid() -> libc::pid_t {
    // SAFETY: `gettid` has no preconditions and cannot fail.
    unsafe { libc::gettid() }
}

/// A one-shot signal usable from any runtime or thread.
#[derive(Clone, Default)]
pub struct Signal(Arc<Mutex<(bool, Option<Waker>)>>);

impl Signal {
    pub fn set(&self) {
        let waker = {
            let mut s = self.0.lock().unwrap();
            s.0 = true;
            s.1.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }
    pub fn is_set(&self) -> bool {
        self.0.lock().unwrap().0
    }
    pub fn has_waiter(&self) -> bool {
        self.0.lock().unwrap().1.is_some()
    }
}

impl Future for Signal {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut s = self.0.lock().unwrap();
        if s.0 {
            return Poll::Ready(());
        }
        s.1 = Some(cx.waker().clone());
        Poll::Pending
    }
}
