//! Scenario code shared verbatim by tern and Tokio: the same text is
//! compiled twice, once with `rt` naming tern and once naming Tokio (their
//! APIs are the same, which is tern's point). smol's versions, which
//! differ only in how they spawn, are in `smol_scenarios.rs`.
//! The `io`, `time` and `macros` scenarios are in `scenarios_io_time.rs`,
//! re-exported from `on_tern` and `on_tokio` here.

/// Tasks spawned per "spawn many" iteration, as in Tokio's benches.
pub const NUM_SPAWN: usize = 10_000;
/// Yielding tasks and yields per task in `yield_many`.
pub const YIELD_TASKS: usize = 200;
pub const NUM_YIELD: usize = 1_000;
/// Rounds of `ping_pong`, links of `chained_spawn`.
pub const NUM_PINGS: usize = 1_000;
pub const CHAIN: usize = 1_000;
/// `block_on_ready`: calls per iteration.
pub const BLOCK_ONS: usize = 1_000;
/// `spawn_many_remote_busy2` spawns fewer tasks, as in Tokio's bench.
pub const NUM_SPAWN_BUSY2: usize = 1_000;
/// `remote_spawn`: tasks spawned by each of the outside threads.
pub const REMOTE_THREADS: usize = 4;
pub const REMOTE_PER_THREAD: usize = 3_200;
/// `local_set_ping_pong`: round trips per iteration.
pub const LOCAL_ROUND_TRIPS: usize = 5_000;

/// Worker threads of every multi-thread runtime measured.
pub const WORKERS: usize = 2;

/// Burns about 10 µs of CPU, yielding the thread meanwhile (Tokio's
/// `stall`).
pub fn stall() {
    let now = std::time::Instant::now();
    while now.elapsed() < std::time::Duration::from_micros(10) {
        std::thread::yield_now();
    }
}

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

            /// A current-thread runtime with its drivers (timers).
            pub fn current_thread_timed() -> Runtime {
                Builder::new_current_thread().enable_all().build().unwrap()
            }

            pub use crate::scenarios_io_time::$name::*;

            pub fn multi_thread() -> Runtime {
                Builder::new_multi_thread().worker_threads(WORKERS).build().unwrap()
            }

            /// A multi-thread runtime with its drivers, as `#[main]` builds.
            pub fn multi_thread_all() -> Runtime {
                Builder::new_multi_thread().worker_threads(WORKERS).enable_all().build().unwrap()
            }

            /// `BLOCK_ONS` calls of `block_on` on a future that is ready at
            /// once: a sync wrapper calling into async code, on a runtime
            /// with its drivers.
            pub fn block_on_ready(rt: &Runtime) {
                for i in 0..BLOCK_ONS {
                    let v = rt.block_on(async move { std::hint::black_box(i) });
                    assert_eq!(v, i);
                }
            }

            /// Spawns `NUM_SPAWN` tasks from inside a task (worker-local
            /// spawns on a multi-thread runtime) and waits for all of them.
            pub fn spawn_many_local_in_task(rt: &Runtime) {
                rt.block_on(async {
                    rt::spawn(async {
                        let rem = Arc::new(AtomicUsize::new(NUM_SPAWN));
                        let (done_tx, done_rx) = handoff();
                        let done_tx = Arc::new(std::sync::Mutex::new(Some(done_tx)));
                        for _ in 0..NUM_SPAWN {
                            let rem = rem.clone();
                            let done_tx = done_tx.clone();
                            rt::spawn(async move {
                                if rem.fetch_sub(1, Relaxed) == 1 {
                                    done_tx.lock().unwrap().take().unwrap().send();
                                }
                            });
                        }
                        done_rx.await;
                    })
                    .await
                    .unwrap();
                });
            }

            /// Spawns `NUM_SPAWN` trivial tasks into a `JoinSet` from the
            /// `block_on` thread and joins them all with `join_next`.
            pub fn join_set_spawn_join(rt: &Runtime) {
                rt.block_on(async {
                    let mut set = rt::task::JoinSet::new();
                    for i in 0..NUM_SPAWN {
                        set.spawn(async move { i });
                    }
                    let mut n = 0;
                    while let Some(res) = set.join_next().await {
                        std::hint::black_box(res.unwrap());
                        n += 1;
                    }
                    assert_eq!(n, NUM_SPAWN);
                });
            }

            /// Tokio's `spawn_many_remote_busy1` set-up: tasks that yield
            /// and stall 10 µs per poll, until the runtime goes.
            pub fn make_busy_yielding(rt: &Runtime) {
                let n = std::thread::available_parallelism().map_or(2, |n| n.get());
                for _ in 0..2 * n {
                    rt.spawn(async {
                        loop {
                            rt::task::yield_now().await;
                            stall();
                        }
                    });
                }
            }

            /// `n` tasks that loop on plain `yield_now()` (no stall), until
            /// the runtime goes: the `spawn_many_remote_busy_yield` set-up,
            /// written as a user would (no 10 µs stall hiding the queues).
            pub fn make_busy_yield_plain(rt: &Runtime, n: usize) {
                let started = Arc::new(AtomicUsize::new(0));
                for _ in 0..n {
                    let started = started.clone();
                    rt.spawn(async move {
                        started.fetch_add(1, Relaxed);
                        loop {
                            rt::task::yield_now().await;
                        }
                    });
                }
                rt.block_on(async {
                    while started.load(Relaxed) < n {
                        rt::task::yield_now().await;
                    }
                });
            }

            /// Tokio's `spawn_many_remote_busy2` set-up: tasks that keep
            /// spawning a successor that stalls 10 µs.
            pub fn make_busy_spawning(rt: &Runtime) {
                fn iter() {
                    rt::spawn(async {
                        stall();
                        iter();
                    });
                }
                let n = std::thread::available_parallelism().map_or(2, |n| n.get());
                for _ in 0..n {
                    rt.spawn(async { iter() });
                }
            }

            pub fn spawn_many_remote_busy2(rt: &Runtime) {
                let handle = rt.handle();
                let mut handles = Vec::with_capacity(NUM_SPAWN_BUSY2);
                for _ in 0..NUM_SPAWN_BUSY2 {
                    handles.push(handle.spawn(async {}));
                }
                rt.block_on(async {
                    for h in handles {
                        h.await.unwrap();
                    }
                });
            }

            /// `REMOTE_THREADS` outside threads each spawn
            /// `REMOTE_PER_THREAD` tasks; waits for all of them.
            pub fn remote_spawn(rt: &Runtime) {
                let rem = Arc::new(AtomicUsize::new(REMOTE_THREADS * REMOTE_PER_THREAD));
                let (done_tx, done_rx) = handoff();
                let done_tx = Arc::new(std::sync::Mutex::new(Some(done_tx)));
                std::thread::scope(|s| {
                    for _ in 0..REMOTE_THREADS {
                        let handle = rt.handle().clone();
                        let rem = rem.clone();
                        let done_tx = done_tx.clone();
                        s.spawn(move || {
                            for _ in 0..REMOTE_PER_THREAD {
                                let rem = rem.clone();
                                let done_tx = done_tx.clone();
                                handle.spawn(async move {
                                    if rem.fetch_sub(1, Relaxed) == 1 {
                                        done_tx.lock().unwrap().take().unwrap().send();
                                    }
                                });
                            }
                        });
                    }
                });
                rt.block_on(done_rx);
            }

            /// `LOCAL_ROUND_TRIPS` round trips over two `mpsc::channel(1)`
            /// between a `LocalSet::run_until` future in `block_on` and a
            /// `spawn_local` task: the actix-style `main`, where every
            /// message wakes the `block_on` future from inside its own poll.
            pub fn local_set_ping_pong(rt: &Runtime) {
                let local = rt::task::LocalSet::new();
                local.block_on(rt, async {
                    let (tx, mut rx) = rt::sync::mpsc::channel::<usize>(1);
                    let (back_tx, mut back_rx) = rt::sync::mpsc::channel::<usize>(1);
                    let echo = rt::task::spawn_local(async move {
                        while let Some(v) = rx.recv().await {
                            if back_tx.send(v + 1).await.is_err() {
                                return;
                            }
                        }
                    });
                    for i in 0..LOCAL_ROUND_TRIPS {
                        tx.send(i).await.unwrap();
                        assert_eq!(back_rx.recv().await, Some(i + 1));
                    }
                    drop(tx);
                    echo.await.unwrap();
                });
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

            /// Spawns `NUM_SPAWN` tasks from outside the runtime and waits,
            /// outside it too (a blocking std channel, not `block_on`),
            /// until the last one has run.
            pub fn spawn_many_remote_counted(rt: &Runtime) {
                let rem = Arc::new(AtomicUsize::new(NUM_SPAWN));
                let (tx, rx) = std::sync::mpsc::sync_channel::<()>(1);
                for _ in 0..NUM_SPAWN {
                    let rem = rem.clone();
                    let tx = tx.clone();
                    rt.spawn(async move {
                        if rem.fetch_sub(1, Relaxed) == 1 {
                            tx.send(()).unwrap();
                        }
                    });
                }
                rx.recv().unwrap();
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

            /// Spawns `n` tasks each awaiting a one-hour sleep; returns the
            /// RSS growth.
            pub fn sleeping_tasks(n: usize) -> (Runtime, usize) {
                let rt = current_thread_timed();
                rt.block_on(async {
                    for _ in 0..1000 {
                        rt::task::yield_now().await;
                    }
                });
                let before = crate::memory::rss_bytes();
                rt.block_on(async {
                    for _ in 0..n {
                        drop(rt::spawn(async {
                            crate::memory::count_poll();
                            rt::time::sleep(std::time::Duration::from_secs(3600)).await
                        }));
                    }
                    while crate::memory::polled() < n {
                        rt::task::yield_now().await;
                    }
                });
                let after = crate::memory::rss_bytes();
                (rt, after.saturating_sub(before))
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
