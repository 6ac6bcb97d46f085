//! `timeout`, `timeout_at` and the `Timeout` future.

use crate::task::coop;
use crate::time::error::Elapsed;
use crate::time::{Duration, Instant, Sleep};
use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll};

/// Requires a `Future` to complete before the specified duration has
/// elapsed.
///
/// If the future completes before the duration has elapsed, then the
/// completed value is returned. Otherwise, an error is returned and the
/// future is cancelled (dropped when the `Timeout` is). The future is
/// polled first, so a future that is ready completes even with a zero
/// duration.
///
/// # Panics
///
/// Outside a runtime with the time driver enabled, as [`sleep`](crate::time::sleep).
///
/// # Examples
///
/// ```
/// use tern::time::{timeout, Duration};
///
/// # tern::runtime::Runtime::new().unwrap().block_on(async {
/// let never = std::future::pending::<()>();
/// assert!(timeout(Duration::from_millis(10), never).await.is_err());
/// assert_eq!(timeout(Duration::from_secs(1), async { 7 }).await, Ok(7));
/// # });
/// ```
#[track_caller]
pub fn timeout<F>(duration: Duration, future: F) -> Timeout<F::IntoFuture>
where
    F: IntoFuture,
{
    let delay = match Instant::now().checked_add(duration) {
        Some(deadline) => Sleep::new_timeout(deadline),
        None => Sleep::new_timeout(Instant::far_future()),
    };
    Timeout { value: future.into_future(), delay }
}

/// Requires a `Future` to complete before the specified instant in time.
///
/// # Examples
///
/// ```
/// use tern::time::{timeout_at, Duration, Instant};
///
/// # tern::runtime::Runtime::new().unwrap().block_on(async {
/// let deadline = Instant::now() + Duration::from_millis(10);
/// assert!(timeout_at(deadline, std::future::pending::<()>()).await.is_err());
/// # });
/// ```
#[track_caller]
pub fn timeout_at<F>(deadline: Instant, future: F) -> Timeout<F::IntoFuture>
where
    F: IntoFuture,
{
    Timeout { value: future.into_future(), delay: Sleep::new_timeout(deadline) }
}

/// Future returned by [`timeout`] and [`timeout_at`].
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Timeout<T> {
    value: T,
    delay: Sleep,
}

impl<T> Timeout<T> {
    /// Gets a reference to the underlying value in this timeout.
    pub fn get_ref(&self) -> &T {
        &self.value
    }

    /// Gets a mutable reference to the underlying value in this timeout.
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.value
    }

    /// Consumes this timeout, returning the underlying value.
    pub fn into_inner(self) -> T {
        self.value
    }
}

impl<T: Future> Future for Timeout<T> {
    type Output = Result<T::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: both fields are structurally pinned: never moved out while
        // pinned, and `Timeout` has no `Drop` impl.
        let me = unsafe { self.get_unchecked_mut() };
        let had_budget = coop::has_budget_remaining();
        // SAFETY: as above.
        if let Poll::Ready(v) = unsafe { Pin::new_unchecked(&mut me.value) }.poll(cx) {
            return Poll::Ready(Ok(v));
        }
        let has_budget = coop::has_budget_remaining();
        // SAFETY: as above.
        let mut delay = unsafe { Pin::new_unchecked(&mut me.delay) };
        let mut poll_delay = || delay.as_mut().poll(cx).map(|()| Err(Elapsed::new()));
        if had_budget && !has_budget {
            // The inner future spent the budget: still let the timeout fire.
            coop::with_unconstrained(poll_delay)
        } else {
            poll_delay()
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Timeout<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timeout").field("value", &self.value).field("delay", &self.delay).finish()
    }
}
