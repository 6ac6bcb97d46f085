//! Parking a thread until it is unparked: the idle wait of the scheduler and
//! of `block_on` on threads that drive no scheduler.
//!
//! A token protocol on one atomic, so an `unpark` that lands before `park`
//! is not lost:
//!
//! | state      | meaning                                   |
//! |------------|-------------------------------------------|
//! | `EMPTY`    | no token, nobody parked                   |
//! | `PARKED`   | the owner sleeps on the condvar           |
//! | `NOTIFIED` | a token is waiting; the next park returns at once |
//! | `PARKED_IO`| the owner waits in the I/O driver's `epoll_wait`; `unpark` writes its `mio::Waker` |
//!
//! The I/O driver's park (`runtime/driver.rs`) steps through `PARKED_IO`
//! with `enter_driver_wait`, `leave_driver_wait` (as soon as `epoll_wait`
//! returns, before the dispatch) and `end_driver_wait`; this module only
//! knows that a thread in that state is woken through the driver's
//! handle, set by `Drivers::new_parker`.
//!
//! `unpark` swaps in `NOTIFIED` (one atomic RMW when nobody sleeps) and
//! signals the condvar only if it found `PARKED`; it takes the mutex
//! before signalling so the sleeper cannot miss it between its check and
//! its wait.

use crate::loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use crate::loom::sync::{Condvar, Mutex};
use crate::runtime::driver::IoWaker;
use std::sync::Arc;
use std::task::{Wake, Waker};
use std::time::Duration;

const EMPTY: usize = 0;
const PARKED: usize = 1;
const NOTIFIED: usize = 2;
/// Parked in the I/O driver's `epoll_wait`: woken through its `mio::Waker`.
const PARKED_IO: usize = 3;

pub(crate) struct ParkInner {
    state: AtomicUsize,
    mutex: Mutex<()>,
    condvar: Condvar,
    /// Reaches this thread while it waits in the I/O driver (`PARKED_IO`).
    io: std::sync::OnceLock<IoWaker>,
    /// Driver waits that found a token already waiting (unit tests only):
    /// each is one `epoll_wait` that could not sleep.
    #[cfg(test)]
    pub(crate) token_waits: std::sync::atomic::AtomicUsize,
}

impl std::fmt::Debug for ParkInner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParkInner").field("state", &self.state).finish_non_exhaustive()
    }
}

impl ParkInner {
    pub(crate) fn new() -> ParkInner {
        ParkInner {
            state: AtomicUsize::new(EMPTY),
            mutex: Mutex::new(()),
            condvar: Condvar::new(),
            io: std::sync::OnceLock::new(),
            #[cfg(test)]
            token_waits: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    #[cfg(test)]
    fn count_token_wait(&self) {
        self.token_waits.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    #[cfg(not(test))]
    fn count_token_wait(&self) {}

    /// Whether the owner waits in the I/O driver's poll now (unit tests).
    #[cfg(all(test, not(tern_loom)))]
    pub(crate) fn waits_in_driver(&self) -> bool {
        self.state.load(SeqCst) == PARKED_IO
    }

    /// Lets `unpark` reach this thread while it waits in `io`'s poll
    /// (`Drivers::new_parker`).
    pub(crate) fn set_io_waker(&self, io: IoWaker) {
        let _ = self.io.set(io);
    }

    /// Whether a token is waiting (a snapshot: one may arrive right
    /// after).
    pub(crate) fn is_notified(&self) -> bool {
        self.state.load(SeqCst) == NOTIFIED
    }

    /// Consumes a waiting token, if there is one (the driver's park
    /// then polls without sleeping).
    pub(crate) fn take_token(&self) -> bool {
        let taken = self.state.compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst).is_ok();
        if taken {
            self.count_token_wait();
        }
        taken
    }

    /// About to wait in the I/O driver (`runtime/driver.rs`): from now on
    /// `unpark` wakes the driver's poll. `false`: a token arrived first,
    /// and was consumed; do not wait.
    pub(crate) fn enter_driver_wait(&self) -> bool {
        if self.state.compare_exchange(EMPTY, PARKED_IO, SeqCst, SeqCst).is_ok() {
            return true;
        }
        self.state.swap(EMPTY, SeqCst);
        self.count_token_wait();
        false
    }

    /// The driver's poll returned: an `unpark` from here on only leaves
    /// a token.
    pub(crate) fn leave_driver_wait(&self) {
        let _ = self.state.compare_exchange(PARKED_IO, EMPTY, SeqCst, SeqCst);
    }

    /// The turn that waited is over: consumes a token left meanwhile and
    /// returns whether there was one.
    pub(crate) fn end_driver_wait(&self) -> bool {
        self.state.swap(EMPTY, SeqCst) == NOTIFIED
    }

    /// Blocks until a token is available (or `timeout` passes), and
    /// consumes it. Returns whether a token was consumed (`false`: timed
    /// out). May return spuriously; callers re-check their condition.
    pub(crate) fn park(&self, timeout: Option<Duration>) -> bool {
        if self.state.compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst).is_ok() {
            return true;
        }
        if timeout == Some(Duration::ZERO) {
            return false;
        }
        let mut guard = self.mutex.lock();
        match self.state.compare_exchange(EMPTY, PARKED, SeqCst, SeqCst) {
            Ok(_) => {}
            Err(NOTIFIED) => {
                // Must read NOTIFIED with the swap to synchronise with the
                // unparker's write.
                let old = self.state.swap(EMPTY, SeqCst);
                debug_assert_eq!(old, NOTIFIED);
                return true;
            }
            Err(actual) => panic!("inconsistent park state: {actual}"),
        }
        match timeout {
            None => loop {
                guard = self.condvar.wait(guard);
                if self.state.compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst).is_ok() {
                    return true;
                }
            },
            Some(timeout) => {
                let _guard = self.condvar.wait_timeout(guard, timeout);
                // Timed out or notified: leave with the state no longer
                // PARKED, reporting which.
                self.state.swap(EMPTY, SeqCst) == NOTIFIED
            }
        }
    }

    /// Before a `block_on` thread sleeps: if its last poll woke senders
    /// waiting on a full channel (they are runnable now and about to send
    /// to it) and no token is waiting, gives its CPU away once
    /// (`sched_yield`), so that they run before it sleeps rather than wake
    /// it right after.
    pub(crate) fn yield_if_senders_woken(&self) {
        if take_woke_blocked_sender() && self.state.load(SeqCst) != NOTIFIED {
            #[cfg(not(tern_loom))]
            std::thread::yield_now();
        }
    }

    pub(crate) fn unpark(&self) {
        match self.state.swap(NOTIFIED, SeqCst) {
            EMPTY | NOTIFIED => {}
            PARKED => {
                drop(self.mutex.lock());
                self.condvar.notify_one();
            }
            PARKED_IO => {
                if let Some(io) = self.io.get() {
                    io.wake();
                }
            }
            actual => panic!("inconsistent park state: {actual}"),
        }
    }
}

impl Wake for ParkInner {
    fn wake(self: Arc<Self>) {
        self.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.unpark();
    }
}

thread_local! {
    static THREAD_PARKER: Arc<ParkInner> = Arc::new(ParkInner::new());
    /// This thread handed capacity to a sender waiting on a full bounded
    /// channel since the flag was last taken (`take_woke_blocked_sender`).
    static WOKE_BLOCKED_SENDER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Notes that this thread just woke a sender waiting for capacity.
pub(crate) fn note_woke_blocked_sender() {
    let _ = WOKE_BLOCKED_SENDER.try_with(|f| f.set(true));
}

/// Whether this thread woke a waiting sender since the last call.
fn take_woke_blocked_sender() -> bool {
    WOKE_BLOCKED_SENDER.try_with(|f| f.replace(false)).unwrap_or(false)
}

/// Runs `f` with this thread's parker and a `Waker` that unparks it.
pub(crate) fn with_thread_parker<R>(f: impl FnOnce(&Arc<ParkInner>, &Waker) -> R) -> R {
    THREAD_PARKER.with(|p| {
        let waker = Waker::from(p.clone());
        f(p, &waker)
    })
}

/// Blocks this thread on `future`, parking while it is pending. Drives no
/// scheduler: tasks only progress if some other thread runs them.
pub(crate) fn block_on<F: std::future::Future>(future: F) -> F::Output {
    block_on_with(future, false)
}

/// As [`block_on`]; with `yield_first`, see [`ParkInner::yield_if_senders_woken`].
pub(crate) fn block_on_with<F: std::future::Future>(future: F, yield_first: bool) -> F::Output {
    let mut future = std::pin::pin!(future);
    with_thread_parker(|parker, waker| {
        let mut cx = std::task::Context::from_waker(waker);
        loop {
            if let std::task::Poll::Ready(v) = crate::task::coop::budget(|| future.as_mut().poll(&mut cx)) {
                return v;
            }
            if yield_first {
                parker.yield_if_senders_woken();
            }
            parker.park(None);
        }
    })
}

#[cfg(all(test, not(tern_loom)))]
mod tests {
    use super::*;

    #[test]
    fn unpark_before_park_is_not_lost() {
        let p = ParkInner::new();
        p.unpark();
        assert!(p.park(None)); // returns at once
    }

    #[test]
    fn unpark_from_another_thread_wakes_the_parked_one() {
        let p = Arc::new(ParkInner::new());
        let p2 = p.clone();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || tx.send(p2.park(None)).unwrap());
        // Unparks only once the thread is parked (not a token left for a
        // park still to come, which the test above covers).
        let parked = (0..60_000).any(|_| {
            std::thread::sleep(Duration::from_millis(1));
            p.state.load(SeqCst) == PARKED
        });
        assert!(parked, "the thread never parked");
        p.unpark();
        let woken = rx.recv_timeout(Duration::from_secs(60)).expect("the parked thread was not woken");
        assert!(woken);
    }

    #[test]
    fn block_on_outside_runtime_completes_a_future_woken_from_a_thread() {
        let (tx, rx) = std::sync::mpsc::channel::<Waker>();
        let flag = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let f2 = flag.clone();
        let t = std::thread::spawn(move || {
            let w = rx.recv().unwrap();
            f2.store(true, SeqCst);
            w.wake();
        });
        let (done_tx, done_rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut sent = false;
            block_on(std::future::poll_fn(|cx| {
                if flag.load(SeqCst) {
                    return std::task::Poll::Ready(());
                }
                if !sent {
                    tx.send(cx.waker().clone()).unwrap();
                    sent = true;
                }
                std::task::Poll::Pending
            }));
            done_tx.send(()).unwrap();
        });
        done_rx.recv_timeout(Duration::from_secs(60)).expect("block_on missed the wake");
        t.join().unwrap();
    }
}
