//! Utilities for tracking time: `sleep`, `timeout`, `interval`, and the
//! paused clock for tests.
//!
//! # The driver
//!
//! One time driver per runtime (`driver.rs`) holds a hierarchical timing
//! wheel (`wheel.rs`: 6 levels of 64 slots, 1 ms at level 0, a bitmap of
//! occupied slots per level) behind one mutex. Timer entries (`entry.rs`)
//! live inside their `Sleep` and are linked into the wheel, so filing,
//! moving and cancelling a timer allocate nothing and are O(1); pushing a
//! deadline later is a single CAS that does not even take the lock.
//!
//! Creating a `Sleep` (or a `Timeout`) reads the runtime context, panicking
//! there as Tokio does, but records only which driver it belongs to: the
//! entry takes a driver handle and is filed on the first poll that finds it
//! not yet due (`entry.rs`, "Binding"). So a `timeout` whose future is
//! ready at once, or a sleep whose deadline has passed, never touches the
//! driver: it costs a clock read and a context read, and no reference
//! count, lock or allocation.
//!
//! The scheduler thread that drives time (the current-thread scheduler's
//! `block_on` thread; on the multi-thread scheduler, the worker holding the
//! driver role, `runtime/driver.rs`) parks until the earliest deadline with nanosecond precision, then
//! fires every due entry. Tokio rounds deadlines up to the next millisecond
//! and parks on epoll's millisecond timeout; tern keeps 1 ms slots for
//! bookkeeping but parks and fires on the exact deadline (a timerfd when the
//! I/O driver is the parker, a 1 ns timer slack on the driving thread). A
//! park longer than 2 ms ends 500 µs early and finishes with a short park:
//! one extra wake-up per long sleep, which keeps the overshoot of a 20 ms
//! sleep to tens of microseconds on a VM.
//!
//! # Examples
//!
//! ```
//! use tern::time::{sleep, timeout, Duration};
//!
//! # tern::runtime::Runtime::new().unwrap().block_on(async {
//! sleep(Duration::from_millis(5)).await;
//! let res = timeout(Duration::from_millis(5), std::future::pending::<()>()).await;
//! assert!(res.is_err());
//! # });
//! ```

mod clock;
pub(crate) mod driver;
mod entry;
pub mod error;
mod instant;
mod interval;
pub(crate) mod slack;
mod sleep;
mod timeout;
pub(crate) mod wheel;

#[cfg(all(test, tern_loom))]
mod loom;

pub use instant::Instant;
pub use interval::{interval, interval_at, Interval, MissedTickBehavior};
pub use sleep::{sleep, sleep_until, Sleep};
pub use std::time::Duration;
pub use timeout::{timeout, timeout_at, Timeout};

use crate::runtime::{context, RuntimeFlavor};
use std::sync::atomic::Ordering::Relaxed;

/// `Instant::now()`: the runtime clock if some clock was ever paused (and a
/// runtime is current), else the system's monotonic clock.
#[inline]
pub(crate) fn clock_now() -> std::time::Instant {
    if clock::EVER_PAUSED.load(Relaxed) == 0 {
        return std::time::Instant::now();
    }
    runtime_clock_now()
}

#[cold]
#[inline(never)]
fn runtime_clock_now() -> std::time::Instant {
    context::with_current_ref(|h| h.time_handle().map(|t| t.clock().now()))
        .ok()
        .flatten()
        .unwrap_or_else(std::time::Instant::now)
}

#[track_caller]
fn paused_clock_driver(what: &str) -> driver::Handle {
    let handle = context::with_current(|h| {
        let flavor = h.flavor();
        (flavor, h.time_handle().cloned())
    });
    match handle {
        Ok((RuntimeFlavor::CurrentThread, Some(t))) => t,
        Ok((RuntimeFlavor::CurrentThread, None)) => {
            panic!("{} ({what} needs the time driver)", crate::runtime::messages::TIME_DISABLED)
        }
        Ok(_) => panic!(
            "{} (tern: `#[tern::test]` uses the current-thread runtime by default.)",
            crate::runtime::messages::PAUSE_NEEDS_CURRENT_THREAD
        ),
        Err(e) if e.is_missing_context() => panic!(
            "time cannot be frozen from outside the Tokio runtime (tern: {what} was called outside \
             of a tern runtime; call it from a current-thread runtime's async code)"
        ),
        Err(e) => panic!("{e}"),
    }
}

/// Pauses time.
///
/// The current value of `Instant::now()` is saved and all subsequent calls
/// to `Instant::now()` return it until [`resume`] is called or time is
/// moved with [`advance`]. While paused, when the runtime has no work to do,
/// time auto-advances to the next pending timer: a test of a one-hour
/// timeout completes at once.
///
/// # Panics
///
/// Panics if time is already frozen, if called outside of a current-thread
/// runtime, or on a runtime without the time driver.
///
/// # Examples
///
/// ```
/// use tern::time::{self, Duration, Instant};
///
/// tern::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
///     time::pause();
///     let start = Instant::now();
///     time::sleep(Duration::from_secs(3600)).await; // returns at once
///     assert_eq!(start.elapsed(), Duration::from_secs(3600));
/// });
/// ```
#[track_caller]
pub fn pause() {
    let driver = paused_clock_driver("time::pause()");
    if driver.clock().is_paused() {
        panic!("time is already frozen");
    }
    driver.clock().pause();
}

/// Resumes time.
///
/// Clears the saved `Instant::now()` value; time then advances normally
/// from where it was.
///
/// # Panics
///
/// Panics if time is not frozen or if called from outside of a tern
/// runtime.
#[track_caller]
pub fn resume() {
    let driver = paused_clock_driver("time::resume()");
    // Not `unwrap_or_else`: a closure would report its own location, not
    // the caller's.
    if let Err(e) = driver.clock().resume() {
        panic!("{e}");
    }
}

/// Advances time.
///
/// Increments the saved `Instant::now()` value by `duration`; every timer
/// whose deadline is now past fires. Then yields, so the runtime runs them.
///
/// # Panics
///
/// Panics if time is not frozen or if called from outside of a tern
/// runtime.
pub async fn advance(duration: Duration) {
    let driver = paused_clock_driver("time::advance()");
    driver.clock().advance(duration).unwrap_or_else(|e| panic!("{}", e));
    driver.process();
    crate::task::yield_now().await;
}
