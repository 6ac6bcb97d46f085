//! `interval`, `interval_at`, `Interval` and `MissedTickBehavior`.

use crate::time::{sleep_until, Duration, Instant, Sleep};
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// Creates new [`Interval`] that yields with interval of `period`. The
/// first tick completes immediately.
///
/// # Panics
///
/// Panics if `period` is zero.
///
/// # Examples
///
/// ```
/// use tern::time::{self, Duration};
///
/// # tern::runtime::Runtime::new().unwrap().block_on(async {
/// let mut interval = time::interval(Duration::from_millis(10));
/// interval.tick().await; // ticks immediately
/// interval.tick().await; // ticks after 10ms
/// # });
/// ```
#[track_caller]
pub fn interval(period: Duration) -> Interval {
    assert!(period > Duration::ZERO, "`period` must be non-zero.");
    interval_at(Instant::now(), period)
}

/// Creates new [`Interval`] that yields with interval of `period` with the
/// first tick completing at `start`.
///
/// # Panics
///
/// Panics if `period` is zero.
#[track_caller]
pub fn interval_at(start: Instant, period: Duration) -> Interval {
    assert!(period > Duration::ZERO, "`period` must be non-zero.");
    Interval {
        delay: Box::pin(sleep_until(start)),
        period,
        missed_tick_behavior: MissedTickBehavior::default(),
    }
}

/// Defines the behavior of an [`Interval`] when it misses a tick (the
/// tick is late by more than 5 ms, as in Tokio).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MissedTickBehavior {
    /// Ticks as fast as possible until caught up: the schedule stays the
    /// original `start + n * period`.
    #[default]
    Burst,
    /// Tick at multiples of `period` from when `tick` was called, rather
    /// than from `start`.
    Delay,
    /// Skips missed ticks and tick on the next multiple of `period` from
    /// `start`.
    Skip,
}

impl MissedTickBehavior {
    /// The next tick's deadline; far in the future if it cannot be
    /// represented (a period near `Duration::MAX`).
    fn next_timeout(&self, timeout: Instant, now: Instant, period: Duration) -> Instant {
        let next = match self {
            Self::Burst => timeout.checked_add(period),
            Self::Delay => now.checked_add(period),
            Self::Skip => {
                let behind = (now - timeout).as_nanos() % period.as_nanos();
                now.checked_add(period - Duration::from_nanos(behind as u64))
            }
        };
        next.unwrap_or_else(Instant::far_future)
    }
}

/// Interval returned by [`interval`] and [`interval_at`].
#[derive(Debug)]
pub struct Interval {
    delay: Pin<Box<Sleep>>,
    period: Duration,
    missed_tick_behavior: MissedTickBehavior,
}

impl Interval {
    /// Completes when the next instant in the interval has been reached,
    /// returning that instant.
    ///
    /// Cancel safe: dropping the future before it completes does not lose a
    /// tick.
    pub async fn tick(&mut self) -> Instant {
        poll_fn(|cx| self.poll_tick(cx)).await
    }

    /// Polls for the next instant in the interval to be reached.
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Instant> {
        ready!(self.delay.as_mut().poll(cx));
        let timeout = self.delay.deadline();
        let now = Instant::now();
        let next = if now > timeout + Duration::from_millis(5) {
            self.missed_tick_behavior.next_timeout(timeout, now, self.period)
        } else {
            timeout.checked_add(self.period).unwrap_or_else(Instant::far_future)
        };
        self.delay.as_mut().reset(next);
        Poll::Ready(timeout)
    }

    /// Resets the interval to complete one period after the current time.
    pub fn reset(&mut self) {
        // A period too long to add (`Duration::MAX`) means "far away".
        let next = Instant::now().checked_add(self.period).unwrap_or_else(Instant::far_future);
        self.delay.as_mut().reset(next);
    }

    /// Resets the interval immediately: the next tick completes at once.
    pub fn reset_immediately(&mut self) {
        self.delay.as_mut().reset(Instant::now());
    }

    /// Resets the interval after the specified `std::time::Duration`.
    pub fn reset_after(&mut self, after: Duration) {
        let next = Instant::now().checked_add(after).unwrap_or_else(Instant::far_future);
        self.delay.as_mut().reset(next);
    }

    /// Resets the interval to a `tern::time::Instant` deadline.
    pub fn reset_at(&mut self, deadline: Instant) {
        self.delay.as_mut().reset(deadline);
    }

    /// Returns the [`MissedTickBehavior`] strategy currently being used.
    pub fn missed_tick_behavior(&self) -> MissedTickBehavior {
        self.missed_tick_behavior
    }

    /// Sets the [`MissedTickBehavior`] strategy that should be used.
    pub fn set_missed_tick_behavior(&mut self, behavior: MissedTickBehavior) {
        self.missed_tick_behavior = behavior;
    }

    /// Returns the period of the interval.
    pub fn period(&self) -> Duration {
        self.period
    }
}
