//! `sleep`, `sleep_until` and the `Sleep` future.
//!
//! Creating a `Sleep` reads the runtime context once, to panic there (as
//! Tokio does) when no runtime is current or it has no time driver, and to
//! record which driver the timer belongs to. It takes no reference to the
//! driver: that happens on the first poll that has to file the timer (see
//! `entry.rs`, "Binding"). A `Sleep` that completes before then (a
//! `timeout` whose future is ready first, a deadline already past) costs
//! no reference count, lock or allocation. (A deadline that passed after
//! the driver last processed timers yields once first: `entry.rs`, "A
//! first poll of a due timer".)

use crate::task::coop;
use crate::time::driver::{DriverId, Handle};
use crate::time::entry::TimerEntry;
use crate::time::{Duration, Instant};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// Waits until `deadline` is reached.
///
/// No work is performed while awaiting on the sleep future to complete.
/// `Sleep` fires at its deadline with sub-millisecond precision (Tokio
/// rounds every deadline up to the next millisecond); a deadline that has
/// already passed completes on the first poll.
///
/// # Panics
///
/// Panics outside of a tern runtime, or on a runtime built without the time
/// driver (`enable_time`).
///
/// # Examples
///
/// ```
/// use tern::time::{sleep_until, Duration, Instant};
///
/// # tern::runtime::Runtime::new().unwrap().block_on(async {
/// sleep_until(Instant::now() + Duration::from_millis(10)).await;
/// # });
/// ```
#[track_caller]
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep::new_timeout(deadline)
}

/// Waits until `duration` has elapsed.
///
/// Equivalent to `sleep_until(Instant::now() + duration)`. A zero duration
/// completes at once.
///
/// # Panics
///
/// As [`sleep_until`].
///
/// # Examples
///
/// ```
/// use tern::time::{sleep, Duration};
///
/// # tern::runtime::Runtime::new().unwrap().block_on(async {
/// sleep(Duration::from_millis(10)).await;
/// println!("10 ms have elapsed");
/// # });
/// ```
#[track_caller]
pub fn sleep(duration: Duration) -> Sleep {
    match Instant::now().checked_add(duration) {
        Some(deadline) => Sleep::new_timeout(deadline),
        None => Sleep::new_timeout(Instant::far_future()),
    }
}

/// Future returned by [`sleep`] and [`sleep_until`].
///
/// It is `!Unpin` (the timer entry is linked into the wheel while pending):
/// pin it with `std::pin::pin!` or `Box::pin` to poll it by hand or to
/// [`reset`](Sleep::reset) it.
///
/// # Examples
///
/// ```
/// use tern::time::{sleep, Duration, Instant};
///
/// # tern::runtime::Runtime::new().unwrap().block_on(async {
/// let sleep = sleep(Duration::from_millis(10));
/// tern::pin!(sleep);
/// // Push the deadline out (the idle-timeout pattern); costs no lock.
/// sleep.as_mut().reset(Instant::now() + Duration::from_millis(20));
/// sleep.await;
/// # });
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Sleep {
    entry: TimerEntry,
}

impl Sleep {
    #[track_caller]
    #[inline]
    pub(crate) fn new_timeout(deadline: Instant) -> Sleep {
        let driver = current_driver("tern::time::sleep");
        Sleep { entry: TimerEntry::new(driver, deadline.into_std()) }
    }

    /// Returns the instant at which the future will complete.
    pub fn deadline(&self) -> Instant {
        Instant::from_std(self.entry.when())
    }

    /// Returns `true` if `Sleep` has elapsed.
    ///
    /// A `Sleep` instance is elapsed when the requested duration has elapsed.
    pub fn is_elapsed(&self) -> bool {
        self.entry.is_elapsed()
    }

    /// Resets the `Sleep` instance to a new deadline.
    ///
    /// Calling this function allows changing the instant at which the
    /// `Sleep` future completes without having to create new associated
    /// state. This function can be called both before and after the future
    /// has completed. Pushing a pending deadline later is a single atomic
    /// operation.
    pub fn reset(self: Pin<&mut Self>, deadline: Instant) {
        // SAFETY: the entry is not moved out; it stays pinned in place.
        let me = unsafe { self.get_unchecked_mut() };
        // SAFETY: `me` is pinned (we came through `Pin<&mut Self>`).
        unsafe { me.entry.reset(deadline.into_std()) };
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let coop = ready!(coop::poll_proceed(cx));
        // SAFETY: the entry is not moved out; it stays pinned in place.
        let me = unsafe { self.get_unchecked_mut() };
        // SAFETY: pinned, as above.
        let res = unsafe { me.entry.poll_elapsed(cx) };
        if res.is_ready() {
            coop.made_progress();
        }
        res
    }
}

impl fmt::Debug for Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sleep").field("deadline", &self.deadline()).finish_non_exhaustive()
    }
}

/// The current runtime's time driver (by id: no reference count), or a
/// panic saying what is missing.
#[track_caller]
#[inline]
fn current_driver(what: &str) -> DriverId {
    match Handle::current_id() {
        Ok(Some(id)) => id,
        Ok(None) => no_time_driver(),
        Err(e) => no_runtime(e, what),
    }
}

#[cold]
#[track_caller]
fn no_time_driver() -> ! {
    panic!("{}", crate::runtime::messages::TIME_DISABLED)
}

#[cold]
#[track_caller]
fn no_runtime(e: crate::runtime::TryCurrentError, what: &str) -> ! {
    panic!("{}", e.panic_message(what))
}

#[cfg(all(test, not(tern_loom)))]
mod tests {
    use super::*;
    use crate::runtime::{Builder, Runtime};
    use crate::time::timeout;
    use std::pin::pin;
    use std::task::Waker;

    fn time_driver(rt: &Runtime) -> Handle {
        rt.handle().inner.time_handle().expect("time enabled").clone()
    }

    fn poll_once(sleep: Pin<&mut Sleep>) -> Poll<()> {
        sleep.poll(&mut Context::from_waker(Waker::noop()))
    }

    /// Unpaused first, then paused: once any clock was paused, due-ness is
    /// read through the context instead of from the system clock.
    #[test]
    fn a_sleep_that_completes_before_filing_never_touches_the_driver() {
        for paused in [false, true] {
            let rt = Builder::new_current_thread().enable_time().start_paused(paused).build().unwrap();
            completes_unfiled(&rt);
        }
    }

    fn ready_within_two_polls(mut s: Pin<&mut Sleep>) -> bool {
        poll_once(s.as_mut()).is_ready() || poll_once(s.as_mut()).is_ready()
    }

    fn completes_unfiled(rt: &Runtime) {
        let driver = time_driver(rt);
        let refs = driver.ref_count();
        rt.block_on(async {
            // A timeout around a ready future: the sleep is never polled.
            let t = timeout(Duration::from_secs(1), async { 7 });
            assert_eq!(driver.ref_count(), refs, "construction takes no reference");
            assert_eq!(t.await, Ok(7));
            // A sleep already due when first polled completes unbound (at
            // that poll, or at the next when the first yields because the
            // driver has not yet processed its time).
            let mut s = pin!(sleep(Duration::ZERO));
            assert!(ready_within_two_polls(s.as_mut()));
            assert!(s.is_elapsed() && !s.entry.is_bound());
            // Re-armed (to its past deadline) and polled again: still
            // unbound, and neither step needed the driver.
            let deadline = s.deadline();
            s.as_mut().reset(deadline);
            assert!(!s.is_elapsed());
            assert!(ready_within_two_polls(s.as_mut()));
            assert!(!s.entry.is_bound());
            assert_eq!(driver.ref_count(), refs);
            assert_eq!(driver.len(), 0, "nothing was filed");
        });
    }

    #[test]
    fn a_pending_sleep_binds_and_files_then_unfiles_on_drop() {
        let rt = Builder::new_current_thread().enable_time().start_paused(true).build().unwrap();
        let driver = time_driver(&rt);
        let refs = driver.ref_count();
        rt.block_on(async {
            let mut s = Box::pin(sleep(Duration::from_secs(1)));
            // An unpolled reset leaves it unbound.
            s.as_mut().reset(Instant::now() + Duration::from_secs(2));
            assert!(!s.entry.is_bound());
            assert!(poll_once(s.as_mut()).is_pending());
            assert!(s.entry.is_bound());
            assert_eq!((driver.ref_count(), driver.len()), (refs + 1, 1));
            drop(s);
            assert_eq!((driver.ref_count(), driver.len()), (refs, 0));
        });
    }

    /// Created in runtime A, first polled in runtime B: the timer is filed
    /// with A's driver, as in Tokio (which binds the runtime at creation).
    #[test]
    fn a_sleep_first_polled_in_another_runtime_uses_the_one_it_was_created_in() {
        let a = Builder::new_current_thread().enable_time().build().unwrap();
        let b = Builder::new_current_thread().enable_time().build().unwrap();
        let (da, db) = (time_driver(&a), time_driver(&b));
        let s = {
            let _a = a.enter();
            sleep(Duration::from_secs(60))
        };
        b.block_on(async {
            let mut s = pin!(s);
            assert!(poll_once(s.as_mut()).is_pending());
            assert_eq!((da.len(), db.len()), (1, 0));
        });
        assert_eq!(da.len(), 0);
        // The same from a thread with no runtime at all.
        let s = {
            let _a = a.enter();
            sleep(Duration::from_secs(60))
        };
        std::thread::spawn(move || {
            let mut s = pin!(s);
            assert!(poll_once(s.as_mut()).is_pending());
            assert_eq!(da.len(), 1);
        })
        .join()
        .unwrap();
    }
}
