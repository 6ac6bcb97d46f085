//! Cooperative scheduling budget.
//!
//! A task that loops over always-ready resources (a channel that is never
//! empty, a socket with data) would never return to the scheduler. So each
//! task poll gets a budget of 128 units; every tern resource that can return
//! `Ready` spends one unit per `Ready`, and once the budget is spent it
//! returns `Pending` (after waking the task), which makes the task yield.
//!
//! The budget lives in a thread-local cell (see `runtime::context`); it is
//! set when the scheduler polls a task or a `block_on` future and restored
//! after, and it is unlimited outside of those (so resources used from a
//! foreign executor are never throttled).

use crate::runtime::context;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// Units per task poll, as in Tokio.
const INITIAL: u8 = 128;

/// The budget of the current poll: `None` means unconstrained.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Budget(Option<u8>);

impl Budget {
    pub(crate) const fn unconstrained() -> Budget {
        Budget(None)
    }
}

/// Runs `f` (one task poll) with a fresh budget.
#[inline]
pub(crate) fn budget<R>(f: impl FnOnce() -> R) -> R {
    with_budget(Budget(Some(INITIAL)), f)
}

/// Runs `f` with no budget limit.
#[inline]
pub(crate) fn with_unconstrained<R>(f: impl FnOnce() -> R) -> R {
    with_budget(Budget(None), f)
}

#[inline]
fn with_budget<R>(budget: Budget, f: impl FnOnce() -> R) -> R {
    struct Reset(Budget);
    impl Drop for Reset {
        fn drop(&mut self) {
            context::set_budget(self.0);
        }
    }
    let _reset = Reset(context::replace_budget(budget));
    f()
}

/// Whether the current poll has budget left (always, when unconstrained).
#[inline]
pub(crate) fn has_budget_remaining() -> bool {
    !matches!(context::budget().0, Some(0))
}

/// Spends one unit, or (if none is left) wakes the task and returns
/// `Pending`. The returned guard gives the unit back on drop unless
/// [`RestoreOnPending::made_progress`] is called: a resource that ends up
/// returning `Pending` anyway should not be charged.
#[inline]
pub(crate) fn poll_proceed(cx: &mut Context<'_>) -> Poll<RestoreOnPending> {
    let budget = context::budget();
    match budget.0 {
        None => Poll::Ready(RestoreOnPending(None)),
        Some(0) => {
            cx.waker().wake_by_ref();
            Poll::Pending
        }
        Some(n) => {
            context::set_budget(Budget(Some(n - 1)));
            Poll::Ready(RestoreOnPending(Some(budget)))
        }
    }
}

/// Gives the budget unit back on drop unless progress was made.
pub(crate) struct RestoreOnPending(Option<Budget>);

impl RestoreOnPending {
    #[inline]
    pub(crate) fn made_progress(mut self) {
        self.0 = None;
    }
}

impl Drop for RestoreOnPending {
    #[inline]
    fn drop(&mut self) {
        if let Some(budget) = self.0 {
            context::set_budget(budget);
        }
    }
}

/// Consumes a unit of budget and returns control to the scheduler if the
/// task's budget has been exhausted.
///
/// Use this in long loops over your own always-ready work so that the task
/// yields as often as one built from tern resources would. It only yields
/// when the budget is spent, so it is much cheaper than calling
/// [`yield_now`](crate::task::yield_now) every iteration.
///
/// # Examples
///
/// ```
/// # tern::runtime::Runtime::new().unwrap().block_on(async {
/// let mut sum = 0u64;
/// for i in 0..10_000u64 {
///     sum += i;
///     tern::task::consume_budget().await;
/// }
/// assert_eq!(sum, 49_995_000);
/// # });
/// ```
pub async fn consume_budget() {
    let mut done = false;
    std::future::poll_fn(move |cx| {
        if done {
            return Poll::Ready(());
        }
        let restore = ready!(poll_proceed(cx));
        restore.made_progress();
        done = true;
        Poll::Ready(())
    })
    .await
}

/// Turns off cooperative scheduling for a future. The future will never be
/// forced to yield by tern; use with care, since it can starve other tasks
/// on the same worker.
///
/// # Examples
///
/// ```
/// # tern::runtime::Runtime::new().unwrap().block_on(async {
/// let out = tern::task::unconstrained(async {
///     for _ in 0..1_000 {
///         tern::task::consume_budget().await; // never yields here
///     }
///     7
/// })
/// .await;
/// assert_eq!(out, 7);
/// # });
/// ```
pub fn unconstrained<F: Future>(inner: F) -> Unconstrained<F> {
    Unconstrained { inner }
}

/// Future for the [`unconstrained`] method.
#[must_use = "Unconstrained does nothing unless polled"]
#[derive(Debug)]
pub struct Unconstrained<F> {
    inner: F,
}

impl<F: Future> Future for Unconstrained<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `inner` is structurally pinned: it is never moved out of
        // `self` and `Unconstrained` has no `Drop` impl that could move it.
        let inner = unsafe { self.map_unchecked_mut(|me| &mut me.inner) };
        with_unconstrained(|| inner.poll(cx))
    }
}

#[cfg(all(test, not(tern_loom)))]
mod tests {
    use super::*;
    use std::task::Waker;

    #[test]
    fn budget_runs_out_after_128_units_and_is_restored() {
        let mut cx = Context::from_waker(Waker::noop());
        budget(|| {
            for _ in 0..INITIAL {
                assert!(poll_proceed(&mut cx).map(RestoreOnPending::made_progress).is_ready());
            }
            assert!(poll_proceed(&mut cx).is_pending());
            with_unconstrained(|| assert!(poll_proceed(&mut cx).is_ready()));
            assert!(poll_proceed(&mut cx).is_pending());
        });
        // Outside a poll: unconstrained.
        assert!(poll_proceed(&mut cx).is_ready());
    }

    #[test]
    fn unit_is_given_back_without_progress() {
        let mut cx = Context::from_waker(Waker::noop());
        budget(|| {
            for _ in 0..1000 {
                let r = poll_proceed(&mut cx);
                assert!(r.is_ready());
                drop(r);
            }
        });
    }
}
