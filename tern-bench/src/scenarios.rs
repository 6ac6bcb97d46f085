//! Scenario code shared verbatim by tern and Tokio: the same text is
//! compiled twice, once with `rt` naming tern and once naming Tokio (their
//! APIs are the same, which is tern's point). smol's versions, which
//! differ only in how they spawn, are in `smol_scenarios.rs`.

/// Tasks spawned per "spawn many" iteration, as in Tokio's benches.
pub const NUM_SPAWN: usize = 10_000;
/// Yielding tasks and yields per task in `yield_many`.
pub const YIELD_TASKS: usize = 200;
pub const NUM_YIELD: usize = 1_000;
/// Rounds of `ping_pong`, links of `chained_spawn`.
pub const NUM_PINGS: usize = 1_000;
pub const CHAIN: usize = 1_000;

macro_rules! scenarios {
    ($name:ident, $krate:ident) => {
        pub mod $name {
            use super::*;
            use crate::handoff::handoff;
            use ::$krate as rt;
            use rt::runtime::{Builder, Runtime};
            use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
            use std::sync::Arc;

            pub fn current_thread() -> Runtime {
                Builder::new_current_thread().build().unwrap()
            }

            pub fn spawn_many_local(rt: &Runtime) {
                rt.block_on(async {
                    let mut handles = Vec::with_capacity(NUM_SPAWN);
                    for _ in 0..NUM_SPAWN {
                        handles.push(rt::spawn(async {}));
                    }
                    for h in handles {
                        h.await.unwrap();
                    }
                });
            }

            pub fn spawn_many_remote(rt: &Runtime) {
                let handle = rt.handle();
                let mut handles = Vec::with_capacity(NUM_SPAWN);
                for _ in 0..NUM_SPAWN {
                    handles.push(handle.spawn(async {}));
                }
                rt.block_on(async {
                    for h in handles {
                        h.await.unwrap();
                    }
                });
            }

            /// Tokio's `spawn_many_remote_busy` set-up: tasks that keep the
            /// runtime busy yielding and sleeping 10 µs per poll.
            pub fn make_busy(rt: &Runtime) {
                let n = std::thread::available_parallelism().map_or(2, |n| n.get());
                for _ in 0..2 * n {
                    rt.spawn(async {
                        loop {
                            rt::task::yield_now().await;
                            std::thread::sleep(std::time::Duration::from_micros(10));
                        }
                    });
                }
            }

            pub fn yield_many(rt: &Runtime) {
                rt.block_on(async {
                    let handles: Vec<_> = (0..YIELD_TASKS)
                        .map(|_| {
                            rt::spawn(async {
                                for _ in 0..NUM_YIELD {
                                    rt::task::yield_now().await;
                                }
                            })
                        })
                        .collect();
                    for h in handles {
                        h.await.unwrap();
                    }
                });
            }

            pub fn ping_pong(rt: &Runtime) {
                let rem = Arc::new(AtomicUsize::new(NUM_PINGS));
                let (done_tx, done_rx) = handoff();
                let done_tx = Arc::new(std::sync::Mutex::new(Some(done_tx)));
                rt.block_on(async move {
                    rt::spawn(async move {
                        for _ in 0..NUM_PINGS {
                            let rem = rem.clone();
                            let done_tx = done_tx.clone();
                            rt::spawn(async move {
                                let (tx1, rx1) = handoff();
                                let (tx2, rx2) = handoff();
                                rt::spawn(async move {
                                    rx1.await;
                                    tx2.send();
                                });
                                tx1.send();
                                rx2.await;
                                if rem.fetch_sub(1, Relaxed) == 1 {
                                    done_tx.lock().unwrap().take().unwrap().send();
                                }
                            });
                        }
                    });
                    done_rx.await;
                });
            }

            pub fn chained_spawn(rt: &Runtime) {
                fn iter(done: crate::handoff::Sender, n: usize) {
                    if n == 0 {
                        done.send();
                    } else {
                        rt::spawn(async move { iter(done, n - 1) });
                    }
                }
                rt.block_on(async {
                    let (done_tx, done_rx) = handoff();
                    rt::spawn(async move { iter(done_tx, CHAIN) });
                    done_rx.await;
                });
            }

            /// Spawns `n` tasks that never complete and polls each once.
            pub fn idle_tasks(n: usize) -> (Runtime, usize) {
                let rt = current_thread();
                rt.block_on(async {
                    for _ in 0..1000 {
                        rt::task::yield_now().await;
                    }
                });
                let before = crate::memory::rss_bytes();
                rt.block_on(async {
                    for _ in 0..n {
                        drop(rt::spawn(crate::memory::idle_task()));
                    }
                    // Until every task had its first poll and went idle.
                    while crate::memory::polled() < n {
                        rt::task::yield_now().await;
                    }
                });
                let after = crate::memory::rss_bytes();
                (rt, after.saturating_sub(before))
            }
        }
    };
}

scenarios!(on_tern, tern);
scenarios!(on_tokio, tokio);
