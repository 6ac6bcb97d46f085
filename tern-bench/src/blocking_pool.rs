//! `blocking` group, pool rows: `spawn_blocking` and `block_in_place`, the
//! same text compiled for tern and for Tokio.

/// Closures per `spawn_blocking_many` iteration (Tokio's
/// `benches/spawn_blocking.rs` size).
pub const BLOCKING_SPAWNS: usize = 10_000;
/// Tasks per `block_in_place_many` iteration, each blocking once.
pub const IN_PLACE_TASKS: usize = 1_000;

macro_rules! pool_scenarios {
    ($name:ident, $krate:ident) => {
        pub mod $name {
            use super::*;
            use ::$krate as rt;
            use rt::runtime::Runtime;

            /// 10,000 `spawn_blocking` closures from one task, then all
            /// awaited.
            pub fn spawn_blocking_many(rt: &Runtime) {
                rt.block_on(async {
                    let handles: Vec<_> = (0..BLOCKING_SPAWNS)
                        .map(|i| rt::task::spawn_blocking(move || std::hint::black_box(i)))
                        .collect();
                    for h in handles {
                        std::hint::black_box(h.await.unwrap());
                    }
                });
            }

            /// 1,000 tasks that each call `block_in_place` once around a
            /// little work, then yield.
            pub fn block_in_place_many(rt: &Runtime) {
                rt.block_on(async {
                    let handles: Vec<_> = (0..IN_PLACE_TASKS)
                        .map(|i| {
                            rt::spawn(async move {
                                let v = rt::task::block_in_place(|| std::hint::black_box(i * 2));
                                rt::task::yield_now().await;
                                v
                            })
                        })
                        .collect();
                    for h in handles {
                        std::hint::black_box(h.await.unwrap());
                    }
                });
            }
        }
    };
}

pool_scenarios!(on_tern, tern);
pool_scenarios!(on_tokio, tokio);
