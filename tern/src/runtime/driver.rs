//! What every scheduler needs around the drivers: a turn of the I/O driver
//! that always puts the driver back, and wakes that cannot unwind through
//! a driver.
//!
//! # Panics on a thread that holds the drivers
//!
//! A driver wakes whatever waker a task registered, and a waker is user
//! code: it may panic. Unwinding out of a driver turn would drop the I/O
//! driver (no thread could poll I/O again), leave the time-driver role
//! taken and skip the worker's exit bookkeeping, so the runtime's drop
//! would wait forever. Two layers keep that from happening:
//!
//! 1. Every wake a driver performs goes through [`wake`], which catches a
//!    panic (the panic hook has already reported it, as it does for a task
//!    that panics) and carries on with the next event: the other wakers of
//!    the batch still run, the driver stays where it is.
//! 2. Whatever else unwinds (the driver's own `epoll_wait` failure, a bug),
//!    an [`IoTurn`] still puts the driver back when it drops, and the
//!    schedulers' own guards release their roles.

use crate::io::driver::{Driver, Handle as IoHandle};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::task::Waker;
use std::time::Duration;

/// Wakes `waker` for a driver; a panic in it is contained here.
///
/// The default panic hook prints the panic where it happens, as for a
/// task's panic; the payload is then dropped and the dispatch continues.
#[inline]
pub(crate) fn wake(waker: Waker) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(|| waker.wake())) {
        drop_payload(payload);
    }
}

/// Runs a runtime hook (`on_thread_park`, ...) on a worker thread, where
/// no caller could receive its panic: the panic is reported by the panic
/// hook and the worker carries on.
pub(crate) fn run_hook(hook: &dyn Fn()) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(hook)) {
        drop_payload(payload);
    }
}

/// Drops a panic payload; a payload whose own drop panics is leaked
/// rather than allowed to unwind into the driver.
fn drop_payload(payload: Box<dyn std::any::Any + Send>) {
    if let Err(again) = catch_unwind(AssertUnwindSafe(move || drop(payload))) {
        std::mem::forget(again);
    }
}

/// The I/O driver, taken for one turn. Dropping it (also while
/// unwinding) puts the driver back and calls `after_put` with whether a
/// thread wanted the driver meanwhile ([`IoHandle::put_driver`]), so the
/// caller can wake that thread and answer a handover.
pub(crate) struct IoTurn<'a, F: FnMut(bool)> {
    io: &'a IoHandle,
    driver: Option<Driver>,
    after_put: F,
}

impl<'a, F: FnMut(bool)> IoTurn<'a, F> {
    /// Takes the driver if it is free and uncontended (non-blocking turns).
    pub(crate) fn try_take(io: &'a IoHandle, after_put: F) -> Option<Self> {
        io.try_take_driver().map(|driver| IoTurn { io, driver: Some(driver), after_put })
    }

    /// Takes the driver, or marks it wanted if another thread has it
    /// ([`IoHandle::take_driver_or_want`]).
    pub(crate) fn take_or_want(io: &'a IoHandle, after_put: F) -> Option<Self> {
        io.take_driver_or_want().map(|driver| IoTurn { io, driver: Some(driver), after_put })
    }

    /// The I/O handle this turn belongs to.
    pub(crate) fn io(&self) -> &'a IoHandle {
        self.io
    }

    /// The driver, for a parker to wait in.
    pub(crate) fn driver(&mut self) -> &mut Driver {
        self.driver.as_mut().expect("held until the turn drops")
    }

    /// One turn of the driver: waits up to `timeout` and dispatches.
    pub(crate) fn turn(&mut self, timeout: Option<Duration>, precise: bool) {
        let io = self.io;
        self.driver().turn(io, timeout, precise);
    }
}

impl<F: FnMut(bool)> Drop for IoTurn<'_, F> {
    fn drop(&mut self) {
        if let Some(driver) = self.driver.take() {
            let wanted = self.io.put_driver(driver);
            (self.after_put)(wanted);
        }
    }
}

#[cfg(all(test, not(tern_loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use std::sync::Arc;
    use std::task::Wake;

    struct Counter(AtomicUsize, bool);

    impl Wake for Counter {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, SeqCst);
            if self.1 {
                panic!("panicking waker (expected in this test)");
            }
        }
    }

    #[test]
    fn a_panicking_waker_is_contained_and_the_next_one_still_runs() {
        let bad = Arc::new(Counter(AtomicUsize::new(0), true));
        let good = Arc::new(Counter(AtomicUsize::new(0), false));
        wake(Waker::from(bad.clone()));
        wake(Waker::from(good.clone()));
        assert_eq!(bad.0.load(SeqCst), 1);
        assert_eq!(good.0.load(SeqCst), 1);
    }

    #[test]
    fn a_turn_puts_the_driver_back_when_unwinding() {
        let io = IoHandle::new(1024, 1024).unwrap();
        let puts = AtomicUsize::new(0);
        let r = catch_unwind(AssertUnwindSafe(|| {
            let _turn = IoTurn::try_take(&io, |_| {
                puts.fetch_add(1, SeqCst);
            })
            .expect("free");
            panic!("unwinding with the driver (expected in this test)");
        }));
        assert!(r.is_err());
        assert_eq!(puts.load(SeqCst), 1);
        assert!(io.try_take_driver().is_some(), "the driver is back");
    }
}
