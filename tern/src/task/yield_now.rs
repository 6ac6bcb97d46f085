//! `yield_now`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Yields execution back to the tern runtime.
///
/// A task yields by awaiting on `yield_now()`, and may resume when that
/// future completes (with no output). The current task is re-added as a
/// pending task at the back of the pending queue: every other task that is
/// ready at that moment (including tasks spawned or woken from other
/// threads) runs before it resumes.
///
/// As in Tokio, the task is queued again only after the scheduler has
/// next polled its I/O and timer drivers (without blocking, when tasks are
/// waiting to run): a loop of yields waiting for a socket or a timer sees
/// its event within one round. On a multi-thread worker that poll comes
/// when the worker has run the rest of its ready tasks, or at its next
/// maintenance tick (every `event_interval` ticks), whichever is first;
/// until then the yielded task stays on its worker.
///
/// # Examples
///
/// ```
/// # tern::runtime::Runtime::new().unwrap().block_on(async {
/// let mut n = 0;
/// while n < 3 {
///     n += 1;
///     tern::task::yield_now().await;
/// }
/// assert_eq!(n, 3);
/// # });
/// ```
pub async fn yield_now() {
    YieldNow { yielded: false }.await
}

struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        crate::runtime::context::defer(cx.waker());
        Poll::Pending
    }
}
