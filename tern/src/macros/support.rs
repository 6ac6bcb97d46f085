//! The hidden items that `select!`, `join!` and `try_join!` expand to.
//!
//! Re-exported as `tern::__private` (hidden): an expansion names only
//! `$crate::__private::...`, never `::tern` or `::std` items by a path that
//! a renamed dependency or a `no_implicit_prelude` module would break.

use crate::task::coop;
use std::task::{ready, Context};

pub use std::future::{poll_fn, Future, IntoFuture};
pub use std::pin::Pin;
pub use std::result::Result;
pub use std::task::Poll;

#[cfg(feature = "macros")]
pub use tern_macros::{select_priv_clean_pattern, select_priv_declare_output_enum};

/// A number in `0..n` from this thread's fast generator (the branch
/// `select!` polls first). `n` must not be 0.
#[inline]
pub fn thread_rng_n(n: u32) -> u32 {
    crate::runtime::rng::thread_rng_n(n)
}

/// `Ready` while the current task has coop budget left; otherwise wakes the
/// task and returns `Pending`, so that a `select!` over budget-aware
/// resources yields instead of polling them in vain.
#[inline]
pub fn poll_budget_available(cx: &mut Context<'_>) -> Poll<()> {
    if coop::has_budget_remaining() {
        Poll::Ready(())
    } else {
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// A future that keeps its output once done, until taken (`join!`).
///
/// `repr(C)` gives the enum a tag of its own: without it the tag may live
/// in a niche inside the pinned future, and reading it would read bytes a
/// self-referential future may have borrowed (the reason Tokio's is
/// `repr(C)` too, rust-lang/miri#3780; it also gives `join!` futures
/// Tokio's sizes, which Tokio's tests check).
#[derive(Debug)]
#[repr(C)]
pub enum MaybeDone<F: Future> {
    /// Not complete yet.
    Future(F),
    /// Complete; the output waits to be taken.
    Done(F::Output),
    /// The output was taken.
    Gone,
}

/// Wraps `future` in a [`MaybeDone`].
pub fn maybe_done<F: IntoFuture>(future: F) -> MaybeDone<F::IntoFuture> {
    MaybeDone::Future(future.into_future())
}

impl<F: Future> MaybeDone<F> {
    /// The output, if the future completed and it was not taken.
    pub fn output_mut(self: Pin<&mut Self>) -> Option<&mut F::Output> {
        // SAFETY: only the `Future` variant's field is structurally pinned;
        // the output is never pinned, so handing out `&mut` to it is fine,
        // and nothing is moved here.
        match unsafe { self.get_unchecked_mut() } {
            MaybeDone::Done(output) => Some(output),
            _ => None,
        }
    }

    /// Takes the output, if the future completed and it was not taken.
    #[inline]
    pub fn take_output(self: Pin<&mut Self>) -> Option<F::Output> {
        // SAFETY: the value is only moved out (replaced by `Gone`) in the
        // `Done` state, which holds no pinned data.
        let this = unsafe { self.get_unchecked_mut() };
        match this {
            MaybeDone::Done(_) => match std::mem::replace(this, MaybeDone::Gone) {
                MaybeDone::Done(output) => Some(output),
                _ => None,
            },
            _ => None,
        }
    }
}

impl<F: Future> Future for MaybeDone<F> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: the inner future is never moved: it is polled in place
        // through a re-pinned reference, and replaced below with `Pin::set`,
        // which drops it in place.
        let output = match unsafe { self.as_mut().get_unchecked_mut() } {
            // SAFETY: as above, the future is pinned with `self`.
            MaybeDone::Future(future) => ready!(unsafe { Pin::new_unchecked(future) }.poll(cx)),
            MaybeDone::Done(_) => return Poll::Ready(()),
            MaybeDone::Gone => panic!("MaybeDone polled after value taken"),
        };
        self.set(MaybeDone::Done(output));
        Poll::Ready(())
    }
}

/// Picks the rotator type of a `join!`/`try_join!` (a trait, so that the
/// macro names the count as a const argument without clashing with the
/// caller's names).
pub trait RotatorSelect {
    /// The rotator for `COUNT` futures.
    type Rotator<const COUNT: u32>: Default;
}

/// `join!` without `biased;`: the first future polled moves on each poll.
#[derive(Debug)]
pub struct SelectNormal;

/// `join!` with `biased;`: always the first future first.
#[derive(Debug)]
pub struct SelectBiased;

impl RotatorSelect for SelectNormal {
    type Rotator<const COUNT: u32> = Rotator<COUNT>;
}

impl RotatorSelect for SelectBiased {
    type Rotator<const COUNT: u32> = BiasedRotator;
}

/// Which future `join!`/`try_join!` polls first: the next one on each poll
/// (fairness).
#[derive(Debug, Default)]
pub struct Rotator<const COUNT: u32> {
    next: u32,
}

impl<const COUNT: u32> Rotator<COUNT> {
    /// How many futures to skip before the first one polled this time.
    #[inline]
    pub fn num_skip(&mut self) -> u32 {
        let skip = self.next;
        self.next += 1;
        if self.next == COUNT {
            self.next = 0;
        }
        skip
    }
}

/// The `biased;` rotator: takes no space, always starts at the first.
#[derive(Debug, Default)]
pub struct BiasedRotator {}

impl BiasedRotator {
    /// Always 0: the first future is polled first.
    #[inline]
    pub fn num_skip(&mut self) -> u32 {
        0
    }
}
