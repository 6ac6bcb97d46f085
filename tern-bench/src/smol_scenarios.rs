//! The scenarios on smol 2: its `LocalExecutor` on the current thread,
//! driven by `smol::block_on(ex.run(..))`. Spawning from inside a task goes
//! through a thread-local executor, the usual smol idiom.

use crate::handoff::{handoff, Sender};
use crate::scenarios::*;
use smol::LocalExecutor;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;

thread_local! {
    static EX: LocalExecutor<'static> = const { LocalExecutor::new() };
}

fn spawn<T: 'static>(f: impl std::future::Future<Output = T> + 'static) -> smol::Task<T> {
    EX.with(|ex| ex.spawn(f))
}

fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
    EX.with(|ex| smol::block_on(ex.run(f)))
}

pub fn spawn_many_local() {
    block_on(async {
        let mut handles = Vec::with_capacity(NUM_SPAWN);
        for _ in 0..NUM_SPAWN {
            handles.push(spawn(async {}));
        }
        for h in handles {
            h.await;
        }
    });
}

pub fn yield_many() {
    block_on(async {
        let handles: Vec<_> = (0..YIELD_TASKS)
            .map(|_| {
                spawn(async {
                    for _ in 0..NUM_YIELD {
                        smol::future::yield_now().await;
                    }
                })
            })
            .collect();
        for h in handles {
            h.await;
        }
    });
}

pub fn ping_pong() {
    let rem = Arc::new(AtomicUsize::new(NUM_PINGS));
    let (done_tx, done_rx) = handoff();
    let done_tx = Arc::new(std::sync::Mutex::new(Some(done_tx)));
    block_on(async move {
        spawn(async move {
            for _ in 0..NUM_PINGS {
                let rem = rem.clone();
                let done_tx = done_tx.clone();
                spawn(async move {
                    let (tx1, rx1) = handoff();
                    let (tx2, rx2) = handoff();
                    spawn(async move {
                        rx1.await;
                        tx2.send();
                    })
                    .detach();
                    tx1.send();
                    rx2.await;
                    if rem.fetch_sub(1, Relaxed) == 1 {
                        done_tx.lock().unwrap().take().unwrap().send();
                    }
                })
                .detach();
            }
        })
        .detach();
        done_rx.await;
    });
}

pub fn chained_spawn() {
    fn iter(done: Sender, n: usize) {
        if n == 0 {
            done.send();
        } else {
            spawn(async move { iter(done, n - 1) }).detach();
        }
    }
    block_on(async {
        let (done_tx, done_rx) = handoff();
        spawn(async move { iter(done_tx, CHAIN) }).detach();
        done_rx.await;
    });
}

pub fn idle_tasks(n: usize) -> usize {
    block_on(async {
        for _ in 0..1000 {
            smol::future::yield_now().await;
        }
    });
    let before = crate::memory::rss_bytes();
    block_on(async {
        for _ in 0..n {
            spawn(crate::memory::idle_task()).detach();
        }
        while crate::memory::polled() < n {
            smol::future::yield_now().await;
        }
    });
    crate::memory::rss_bytes().saturating_sub(before)
}

pub fn sleeping_tasks(n: usize) -> usize {
    block_on(async {
        for _ in 0..1000 {
            smol::future::yield_now().await;
        }
    });
    let before = crate::memory::rss_bytes();
    block_on(async {
        for _ in 0..n {
            spawn(async {
                crate::memory::count_poll();
                smol::Timer::after(std::time::Duration::from_secs(3600)).await;
            })
            .detach();
        }
        while crate::memory::polled() < n {
            smol::future::yield_now().await;
        }
    });
    crate::memory::rss_bytes().saturating_sub(before)
}

/// `smol::block_on` on a ready future, `BLOCK_ONS` times.
pub fn block_on_ready() {
    for i in 0..BLOCK_ONS {
        let v = smol::block_on(async move { std::hint::black_box(i) });
        assert_eq!(v, i);
    }
}
