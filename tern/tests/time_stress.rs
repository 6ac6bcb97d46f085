//! Stress: intervals that tick, re-arm and are dropped while the driver
//! fires them from another worker. Before the fix in `time/entry.rs` (the
//! driver took the waker out after publishing `FIRED`) this was a
//! use-after-free that AddressSanitizer reported within seconds; run it
//! under ASan with `scripts/asan.sh`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tern::time::{interval, Interval};

/// Polls its `Interval` on every pass (it re-polls itself at once when
/// pending), and drops it after every second completed tick, `ticks` times
/// in all.
struct Churn {
    interval: Option<Pin<Box<Interval>>>,
    ticks_on_this_one: u32,
    left: u32,
}

impl Future for Churn {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        loop {
            if self.left == 0 {
                return Poll::Ready(());
            }
            let iv = self.interval.get_or_insert_with(|| Box::pin(interval(Duration::from_micros(20))));
            match iv.as_mut().poll_tick(cx) {
                Poll::Ready(_) => {
                    self.left -= 1;
                    self.ticks_on_this_one += 1;
                    if self.ticks_on_this_one == 2 {
                        self.ticks_on_this_one = 0;
                        self.interval = None;
                    }
                }
                Poll::Pending => {
                    // Polled again at once, not only when the timer wakes
                    // it: it looks at the entry while the driver fires it.
                    cx.waker().wake_by_ref();
                    return Poll::Pending;
                }
            }
        }
    }
}

/// Ticks per task: `TERN_STRESS_TICKS`, default 5,000 (`scripts/asan.sh`
/// sets 200,000: the race needs many rounds to show).
fn ticks() -> u32 {
    std::env::var("TERN_STRESS_TICKS").ok().and_then(|v| v.parse().ok()).unwrap_or(5_000)
}

#[test]
fn intervals_dropped_right_after_ticking_while_the_driver_fires() {
    let rt = tern::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        let tasks: Vec<_> = (0..4)
            .map(|_| tern::spawn(Churn { interval: None, ticks_on_this_one: 0, left: ticks() }))
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
    });
}
