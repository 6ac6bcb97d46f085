//! `sync` group: the async locks and `Notify` under contention, modelled on
//! Tokio's `benches/sync_semaphore.rs`, `sync_notify.rs`, `sync_rwlock.rs`
//! and `sync_mutex.rs`, scaled up so one iteration holds enough hand-offs to
//! time. The same text is compiled for tern and for Tokio; every runtime is
//! multi-threaded with `WORKERS` (2) workers.

/// Contending tasks per iteration, and lock operations per task.
pub const TASKS: usize = 6;
pub const OPS: usize = 200;
/// `notify_waiters`: waiting tasks, and wakes counted per iteration.
pub const WAITERS: usize = 10;
pub const NOTIFY_WAKES: usize = 500;
/// `notify_one_ping_pong`: round trips per iteration.
pub const PINGS: usize = 1_000;

macro_rules! sync_scenarios {
    ($name:ident, $krate:ident) => {
        pub mod $name {
            use super::*;
            use crate::scenarios::WORKERS;
            use ::$krate as rt;
            use rt::runtime::{Builder, Runtime};
            use rt::sync::{Mutex, Notify, RwLock, Semaphore};
            use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
            use std::sync::Arc;

            pub fn multi_thread() -> Runtime {
                Builder::new_multi_thread().worker_threads(WORKERS).build().unwrap()
            }

            /// `TASKS` tasks each take one of 5 permits `OPS` times,
            /// yielding while they hold it.
            pub fn semaphore_contended(rt: &Runtime) {
                rt.block_on(async {
                    let s = Arc::new(Semaphore::new(5));
                    let hs: Vec<_> = (0..TASKS)
                        .map(|_| {
                            let s = s.clone();
                            rt::spawn(async move {
                                for _ in 0..OPS {
                                    let p = s.acquire().await.unwrap();
                                    rt::task::yield_now().await;
                                    drop(p);
                                }
                            })
                        })
                        .collect();
                    for h in hs {
                        h.await.unwrap();
                    }
                });
            }

            /// `TASKS` tasks each lock a mutex `OPS` times, holding it
            /// across a yield so that the others queue.
            pub fn mutex_contended(rt: &Runtime) {
                rt.block_on(async {
                    let m = Arc::new(Mutex::new(0u64));
                    let hs: Vec<_> = (0..TASKS)
                        .map(|_| {
                            let m = m.clone();
                            rt::spawn(async move {
                                for _ in 0..OPS {
                                    let mut g = m.lock().await;
                                    rt::task::yield_now().await;
                                    *g += 1;
                                }
                            })
                        })
                        .collect();
                    for h in hs {
                        h.await.unwrap();
                    }
                    assert_eq!(*m.lock().await, (TASKS * OPS) as u64);
                });
            }

            /// `TASKS` readers take `OPS` read locks each while a writer
            /// takes `OPS / 10` write locks, all yielding while they hold.
            pub fn rwlock_read_contended(rt: &Runtime) {
                rt.block_on(async {
                    let l = Arc::new(RwLock::new(0u64));
                    let mut hs: Vec<_> = (0..TASKS)
                        .map(|_| {
                            let l = l.clone();
                            rt::spawn(async move {
                                for _ in 0..OPS {
                                    let g = l.read().await;
                                    rt::task::yield_now().await;
                                    drop(g);
                                }
                            })
                        })
                        .collect();
                    let w = l.clone();
                    hs.push(rt::spawn(async move {
                        for _ in 0..OPS / 10 {
                            let mut g = w.write().await;
                            rt::task::yield_now().await;
                            *g += 1;
                        }
                    }));
                    for h in hs {
                        h.await.unwrap();
                    }
                });
            }

            /// A runtime with `WAITERS` tasks looping on `notified()`, and
            /// the count of their wakes.
            pub struct Waiters {
                rt: Runtime,
                notify: Arc<Notify>,
                count: Arc<AtomicUsize>,
            }

            pub fn with_waiters() -> Waiters {
                let rt = multi_thread();
                let notify = Arc::new(Notify::new());
                let count = Arc::new(AtomicUsize::new(0));
                for _ in 0..WAITERS {
                    let (notify, count) = (notify.clone(), count.clone());
                    rt.spawn(async move {
                        loop {
                            notify.notified().await;
                            count.fetch_add(1, Relaxed);
                        }
                    });
                }
                Waiters { rt, notify, count }
            }

            /// A task calls `notify_waiters` (yielding between calls) until
            /// the waiters counted `NOTIFY_WAKES` wakes.
            pub fn notify_waiters(w: &Waiters) {
                w.count.store(0, Relaxed);
                let (notify, count) = (w.notify.clone(), w.count.clone());
                w.rt.block_on(async move {
                    rt::spawn(async move {
                        while count.load(Relaxed) < NOTIFY_WAKES {
                            notify.notify_waiters();
                            rt::task::yield_now().await;
                        }
                    })
                    .await
                    .unwrap();
                });
            }

            /// Two tasks bounce `PINGS` notifications through two `Notify`s.
            pub fn notify_one_ping_pong(rt: &Runtime) {
                rt.block_on(async {
                    let ping = Arc::new(Notify::new());
                    let pong = Arc::new(Notify::new());
                    let (ping2, pong2) = (ping.clone(), pong.clone());
                    let other = rt::spawn(async move {
                        for _ in 0..PINGS {
                            ping2.notified().await;
                            pong2.notify_one();
                        }
                    });
                    rt::spawn(async move {
                        for _ in 0..PINGS {
                            ping.notify_one();
                            pong.notified().await;
                        }
                    })
                    .await
                    .unwrap();
                    other.await.unwrap();
                });
            }
        }
    };
}

sync_scenarios!(on_tern, tern);
sync_scenarios!(on_tokio, tokio);
