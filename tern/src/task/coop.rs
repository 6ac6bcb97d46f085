//! Utilities for improved cooperative scheduling.
//!
//! ### Cooperative scheduling
//!
//! A single call to [`poll`] on a top-level task may do a lot of work before
//! it returns `Poll::Pending`. If a task runs for a long time without
//! yielding back to the executor, it starves the other tasks waiting on that
//! executor, and the I/O and timer drivers. Rust futures cannot be preempted,
//! so this module provides an opt-in mechanism for futures to collaborate
//! with the executor instead.
//!
//! Each time the scheduler polls a task (or a `block_on` future), it gives
//! that poll a *budget* of 128 units. Every tern resource that returns
//! `Ready` (a socket read, a timer, a [`JoinHandle`](crate::task::JoinHandle),
//! a channel...) spends one unit; once the budget is spent, those resources
//! return `Pending` (after waking the task), which makes the task yield. A
//! loop over always-ready resources therefore still returns to the scheduler
//! every so often. Outside a tern task the budget is unlimited, so resources
//! used from a foreign executor are never throttled.
//!
//! Use [`consume_budget`] to add such yield points to your own loops,
//! [`cooperative`] to make a foreign future spend budget like a tern
//! resource, [`poll_proceed`] for a hand-written `poll` function, and
//! [`has_budget_remaining`] to check the budget without spending it.
//!
//! #### unconstrained
//!
//! If necessary, [`unconstrained`] lets you opt a future out of cooperative
//! scheduling. When a future is wrapped with `unconstrained`, it will never
//! be forced to yield by tern:
//!
//! ```
//! # tern::runtime::Runtime::new().unwrap().block_on(async {
//! use tern::task::coop;
//!
//! let fut = async {
//!     for _ in 0..1_000 {
//!         // Always ready; with coop in effect the task would be made to
//!         // yield periodically here. Unconstrained, it never yields.
//!         tern::spawn(async {}).await.unwrap();
//!     }
//! };
//!
//! coop::unconstrained(fut).await;
//! # });
//! ```
//!
//! [`poll`]: method@std::future::Future::poll

use crate::runtime::context;
use std::cell::Cell;
use std::future::Future;
use std::marker::PhantomData;
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

/// Returns `true` if there is still budget left on the task.
///
/// Always `true` outside a task, and inside an [`unconstrained`] future.
///
/// # Examples
///
/// A `Timeout` future whose inner future may spend the whole budget before
/// the deadline is looked at: with `has_budget_remaining` it notices that,
/// and checks the deadline unconstrained so that it is never skipped.
///
/// ```
/// use std::future::Future;
/// use std::pin::{pin, Pin};
/// use std::task::{ready, Context, Poll};
/// use tern::task::coop;
/// use tern::time::Sleep;
///
/// pub struct Timeout<T> {
///     future: T,
///     delay: Pin<Box<Sleep>>,
/// }
///
/// impl<T> Future for Timeout<T>
/// where
///     T: Future + Unpin,
/// {
///     type Output = Result<T::Output, ()>;
///
///     fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
///         let this = Pin::into_inner(self);
///         let future = Pin::new(&mut this.future);
///         let delay = Pin::new(&mut this.delay);
///
///         // Is the future ready?
///         let had_budget_before = coop::has_budget_remaining();
///         if let Poll::Ready(v) = future.poll(cx) {
///             return Poll::Ready(Ok(v));
///         }
///         let has_budget_now = coop::has_budget_remaining();
///
///         // Evaluate the timeout.
///         if let (true, false) = (had_budget_before, has_budget_now) {
///             // The inner future spent the budget: look at the deadline anyway.
///             ready!(pin!(coop::unconstrained(delay)).poll(cx));
///         } else {
///             ready!(delay.poll(cx));
///         }
///         Poll::Ready(Err(()))
///     }
/// }
/// ```
#[inline]
pub fn has_budget_remaining() -> bool {
    !matches!(context::budget().0, Some(0))
}

/// Decrements the task budget and returns [`Poll::Pending`] if the budget is
/// depleted. This indicates that the task should yield to the scheduler
/// (the task has been woken, so it is polled again soon). Otherwise, returns
/// a [`RestoreOnPending`] which can be used to commit the budget consumption.
///
/// The returned [`RestoreOnPending`] reverts the budget to its former value
/// when dropped unless [`RestoreOnPending::made_progress`] is called. It is
/// the caller's responsibility to do so when it _was_ able to make progress
/// after the call to `poll_proceed`: a resource that ends up returning
/// `Pending` anyway should not be charged.
///
/// Note that [`RestoreOnPending`] restores the budget **as it was before
/// `poll_proceed`**. If the budget is adjusted further between the call and
/// the drop of the guard, those adjustments are erased unless the caller
/// indicates that progress was made.
///
/// # Examples
///
/// A stream wrapper that spends one unit of budget per item, so that a task
/// looping over it yields as it would over a tern channel:
///
/// ```
/// use std::pin::Pin;
/// use std::task::{ready, Context, Poll};
/// use tern::task::coop;
///
/// /// Something that is always ready with the next number.
/// struct Counter(u64);
///
/// impl Counter {
///     fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<u64> {
///         let coop = ready!(coop::poll_proceed(cx));
///         self.0 += 1;
///         // We produced a value: the budget unit stays spent.
///         coop.made_progress();
///         Poll::Ready(self.0)
///     }
/// }
///
/// # tern::runtime::Runtime::new().unwrap().block_on(async {
/// let mut counter = Counter(0);
/// for _ in 0..1_000 {
///     std::future::poll_fn(|cx| counter.poll_next(cx)).await;
/// }
/// assert_eq!(counter.0, 1_000);
/// # });
/// ```
#[inline]
pub fn poll_proceed(cx: &mut Context<'_>) -> Poll<RestoreOnPending> {
    let budget = context::budget();
    match budget.0 {
        None => Poll::Ready(RestoreOnPending::new(None)),
        Some(0) => {
            // Woken once the scheduler has polled its drivers (on a
            // current-thread runtime; at once elsewhere), as a yield.
            context::defer(cx.waker());
            Poll::Pending
        }
        Some(n) => {
            context::set_budget(Budget(Some(n - 1)));
            Poll::Ready(RestoreOnPending::new(Some(budget)))
        }
    }
}

/// Value returned by the [`poll_proceed`] method.
///
/// Gives the unit of budget back on drop, unless
/// [`made_progress`](RestoreOnPending::made_progress) was called.
#[derive(Debug)]
#[must_use]
pub struct RestoreOnPending(Cell<Option<Budget>>, PhantomData<*mut ()>);

impl RestoreOnPending {
    #[inline]
    fn new(budget: Option<Budget>) -> RestoreOnPending {
        RestoreOnPending(Cell::new(budget), PhantomData)
    }

    /// Signals that the task that obtained this `RestoreOnPending` was able
    /// to make progress. This keeps the task budget from being restored to
    /// the value it had before [`poll_proceed`] when this value is dropped.
    #[inline]
    pub fn made_progress(&self) {
        self.0.set(None);
    }
}

impl Drop for RestoreOnPending {
    #[inline]
    fn drop(&mut self) {
        if let Some(budget) = self.0.get() {
            context::set_budget(budget);
        }
    }
}

/// Consumes a unit of budget and returns the execution back to the tern
/// runtime *if* the task's coop budget was exhausted.
///
/// The task only yields if its entire coop budget has been spent. This
/// function can be used to insert optional yield points into long
/// computations that do not use tern resources, without yielding to the
/// runtime every time (which is what [`yield_now`](crate::task::yield_now)
/// would do).
///
/// # Examples
///
/// Make a function which sums (potentially lots of) iterated values
/// cooperative:
///
/// ```
/// async fn sum_iterator(input: &mut impl std::iter::Iterator<Item = i64>) -> i64 {
///     let mut sum: i64 = 0;
///     while let Some(i) = input.next() {
///         sum += i;
///         tern::task::coop::consume_budget().await
///     }
///     sum
/// }
/// # tern::runtime::Runtime::new().unwrap().block_on(async {
/// assert_eq!(sum_iterator(&mut (0..10_000)).await, 49_995_000);
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

/// Future wrapper to ensure cooperative scheduling, created by
/// [`cooperative`].
#[must_use = "futures do nothing unless polled"]
#[derive(Debug)]
pub struct Coop<F: Future> {
    fut: F,
}

impl<F: Future> Future for Coop<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let coop = ready!(poll_proceed(cx));
        // SAFETY: `fut` is structurally pinned: it is never moved out of
        // `self`, and `Coop` has no `Drop` impl that could move it.
        let fut = unsafe { self.map_unchecked_mut(|me| &mut me.fut) };
        let ret = ready!(fut.poll(cx));
        coop.made_progress();
        Poll::Ready(ret)
    }
}

/// Creates a wrapper future that makes the inner future cooperate with the
/// tern scheduler.
///
/// When polled, the wrapper first calls [`poll_proceed`] to consume task
/// budget, and yields at once if the budget has been spent. If budget was
/// available, the inner future is polled. The budget consumption is made
/// final (with [`RestoreOnPending::made_progress`]) only if the inner future
/// resolves to its final value.
///
/// # Examples
///
/// A future from outside tern (here a plain `std::future::ready`) does not
/// spend budget on its own; wrapped, it does, like a tern resource:
///
/// ```
/// use tern::task::coop::cooperative;
///
/// async fn next_value(v: u32) -> u32 {
///     // Resolves at once, but a task looping over it still yields
///     // every 128 iterations.
///     cooperative(std::future::ready(v)).await
/// }
///
/// # tern::runtime::Runtime::new().unwrap().block_on(async {
/// let mut sum = 0;
/// for i in 0..1_000 {
///     sum += next_value(i).await;
/// }
/// assert_eq!(sum, 499_500);
/// # });
/// ```
#[inline]
pub fn cooperative<F: Future>(fut: F) -> Coop<F> {
    Coop { fut }
}

/// Turns off cooperative scheduling for a future. The future will never be
/// forced to yield by tern. Using this exposes your service to starvation
/// if the unconstrained future never yields otherwise.
///
/// See also the usage example in the [module documentation](self#unconstrained).
///
/// # Examples
///
/// ```
/// # tern::runtime::Runtime::new().unwrap().block_on(async {
/// let out = tern::task::coop::unconstrained(async {
///     for _ in 0..1_000 {
///         tern::task::coop::consume_budget().await; // never yields here
///     }
///     7
/// })
/// .await;
/// assert_eq!(out, 7);
/// # });
/// ```
pub fn unconstrained<F>(inner: F) -> Unconstrained<F> {
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

    fn spend(cx: &mut Context<'_>) -> bool {
        match poll_proceed(cx) {
            Poll::Ready(r) => {
                r.made_progress();
                true
            }
            Poll::Pending => false,
        }
    }

    #[test]
    fn budget_runs_out_after_128_units_and_is_restored() {
        let mut cx = Context::from_waker(Waker::noop());
        budget(|| {
            for _ in 0..INITIAL {
                assert!(has_budget_remaining());
                assert!(spend(&mut cx));
            }
            assert!(!has_budget_remaining());
            assert!(poll_proceed(&mut cx).is_pending());
            with_unconstrained(|| {
                assert!(has_budget_remaining());
                assert!(poll_proceed(&mut cx).is_ready());
            });
            assert!(poll_proceed(&mut cx).is_pending());
        });
        // Outside a poll: unconstrained.
        assert!(has_budget_remaining());
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

    #[test]
    fn cooperative_spends_only_when_ready() {
        let mut cx = Context::from_waker(Waker::noop());
        budget(|| {
            let mut pending = std::pin::pin!(cooperative(std::future::pending::<()>()));
            for _ in 0..1000 {
                assert!(pending.as_mut().poll(&mut cx).is_pending());
            }
            for _ in 0..INITIAL {
                assert!(std::pin::pin!(cooperative(async {})).poll(&mut cx).is_ready());
            }
            assert!(std::pin::pin!(cooperative(async {})).poll(&mut cx).is_pending());
        });
    }
}
