//! `sleep`, `sleep_until` and the `Sleep` future.

use crate::task::coop;
use crate::time::entry::TimerEntry;
use crate::time::{driver, Duration, Instant};
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
    deadline: Instant,
    entry: TimerEntry,
}

impl Sleep {
    #[track_caller]
    #[inline]
    pub(crate) fn new_timeout(deadline: Instant) -> Sleep {
        let handle = driver_handle("tern::time::sleep");
        let ns = handle.to_ns(deadline.into_std());
        Sleep { deadline, entry: TimerEntry::new(handle, ns) }
    }

    /// Returns the instant at which the future will complete.
    pub fn deadline(&self) -> Instant {
        self.deadline
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
        me.deadline = deadline;
        let ns = me.entry.handle().to_ns(deadline.into_std());
        // SAFETY: `me` is pinned (we came through `Pin<&mut Self>`).
        unsafe { me.entry.reset(ns) };
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
        f.debug_struct("Sleep").field("deadline", &self.deadline).finish_non_exhaustive()
    }
}

/// The current runtime's time driver, or a panic saying what is missing.
#[track_caller]
#[inline]
pub(crate) fn driver_handle(what: &str) -> driver::Handle {
    match crate::runtime::context::with_current_ref(|h| h.time_handle().cloned()) {
        Ok(Some(handle)) => handle,
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
