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
/// Inside a task, a yield costs no allocation and no waker clone: the task
/// marks itself notified and the scheduler requeues it when the poll
/// returns. (Unlike Tokio, a yielding task does not have to wait for the
/// next driver tick when the runtime has no I/O or timer driver; when it
/// has one, the driver is still polled at least every `event_interval`
/// ticks.)
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
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
