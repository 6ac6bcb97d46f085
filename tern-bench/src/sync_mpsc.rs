//! The `sync` group's mpsc rows, modelled on Tokio's benches/sync_mpsc.rs
//! (5 senders × 1,000 messages, or one task sending 5,000 then receiving
//! them), on 2-worker multi-thread runtimes; smol's column uses
//! `async-channel` (`smol::channel`) with the senders on the smol pool.
//! In every column the receiver runs on the calling thread (`block_on`),
//! except in the `_rx_task` row, where it is a task of the pool. Also the `memory`
//! rows: heap bytes a channel holds, counted by [`Counting`].

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering::Relaxed};

pub const SENDERS: usize = 5;
pub const PER_SENDER: usize = 1_000;
pub const UNCONTENDED: usize = 5_000;

/// The global allocator of tern-bench: `System`, plus a live-byte count
/// while [`count_bytes`] runs (one relaxed load per allocation otherwise).
pub struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: forwards every call to `System` unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Relaxed) {
            LIVE.fetch_add(layout.size() as isize, Relaxed);
        }
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if COUNTING.load(Relaxed) {
            LIVE.fetch_sub(layout.size() as isize, Relaxed);
        }
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
}

/// Heap bytes allocated and not freed by `f` (single-threaded use only).
fn count_bytes<R>(f: impl FnOnce() -> R) -> (R, f64) {
    LIVE.store(0, Relaxed);
    COUNTING.store(true, Relaxed);
    let r = f();
    COUNTING.store(false, Relaxed);
    (r, LIVE.load(Relaxed) as f64)
}

pub const BURST: usize = 100_000;
pub const IDLE_CHANNELS: usize = 1_000;

macro_rules! mpsc_scenarios {
    ($name:ident, $krate:ident) => {
        pub mod $name {
            use super::*;
            use ::$krate as rt;
            use rt::runtime::Runtime;
            use rt::sync::mpsc;

            async fn contention(tx: mpsc::Sender<usize>) {
                for _ in 0..SENDERS {
                    let tx = tx.clone();
                    rt::spawn(async move {
                        for i in 0..PER_SENDER {
                            tx.send(i).await.unwrap();
                        }
                    });
                }
            }

            pub fn contention_bounded(r: &Runtime) {
                r.block_on(async {
                    let (tx, mut rx) = mpsc::channel::<usize>(1_000_000);
                    contention(tx).await;
                    for _ in 0..SENDERS * PER_SENDER {
                        let _ = rx.recv().await;
                    }
                })
            }

            pub fn contention_bounded_full(r: &Runtime) {
                r.block_on(async {
                    let (tx, mut rx) = mpsc::channel::<usize>(100);
                    contention(tx).await;
                    for _ in 0..SENDERS * PER_SENDER {
                        let _ = rx.recv().await;
                    }
                })
            }

            /// As `contention_bounded_full`, with the receiver in a task
            /// of its own (the `block_on` thread only waits for it).
            pub fn contention_bounded_full_rx_task(r: &Runtime) {
                r.block_on(async {
                    let (tx, mut rx) = mpsc::channel::<usize>(100);
                    contention(tx).await;
                    rt::spawn(async move {
                        for _ in 0..SENDERS * PER_SENDER {
                            let _ = rx.recv().await;
                        }
                    })
                    .await
                    .unwrap();
                })
            }

            pub fn contention_bounded_recv_many(r: &Runtime) {
                r.block_on(async {
                    let (tx, mut rx) = mpsc::channel::<usize>(1_000_000);
                    contention(tx).await;
                    let mut buffer = Vec::<usize>::with_capacity(5_000);
                    let mut total = 0;
                    while total < SENDERS * PER_SENDER {
                        total += rx.recv_many(&mut buffer, 5_000).await;
                    }
                })
            }

            pub fn contention_unbounded(r: &Runtime) {
                r.block_on(async {
                    let (tx, mut rx) = mpsc::unbounded_channel::<usize>();
                    for _ in 0..SENDERS {
                        let tx = tx.clone();
                        rt::spawn(async move {
                            for i in 0..PER_SENDER {
                                tx.send(i).unwrap();
                            }
                        });
                    }
                    for _ in 0..SENDERS * PER_SENDER {
                        let _ = rx.recv().await;
                    }
                })
            }

            pub fn uncontended_bounded(r: &Runtime) {
                r.block_on(async {
                    let (tx, mut rx) = mpsc::channel::<usize>(1_000_000);
                    for i in 0..UNCONTENDED {
                        tx.send(i).await.unwrap();
                    }
                    for _ in 0..UNCONTENDED {
                        let _ = rx.recv().await;
                    }
                })
            }

            /// An actor's loop as users write it: every turn a `select!`
            /// between the next message and ctrl-c (a fresh `ctrl_c()`
            /// future each turn, dropped when the message wins).
            pub fn recv_or_ctrl_c(r: &Runtime) {
                r.block_on(async {
                    let (tx, mut rx) = mpsc::unbounded_channel::<usize>();
                    for i in 0..UNCONTENDED {
                        tx.send(i).unwrap();
                    }
                    drop(tx);
                    let mut received = 0;
                    loop {
                        rt::select! {
                            _ = rt::signal::ctrl_c() => break,
                            m = rx.recv() => match m {
                                Some(_) => received += 1,
                                None => break,
                            },
                        }
                    }
                    assert_eq!(received, UNCONTENDED);
                })
            }

            pub fn uncontended_unbounded(r: &Runtime) {
                r.block_on(async {
                    let (tx, mut rx) = mpsc::unbounded_channel::<usize>();
                    for i in 0..UNCONTENDED {
                        tx.send(i).unwrap();
                    }
                    for _ in 0..UNCONTENDED {
                        let _ = rx.recv().await;
                    }
                })
            }

            /// Heap bytes a drained unbounded channel still holds after
            /// `BURST` messages of 256 bytes were queued and received.
            pub fn drained_bytes() -> f64 {
                let (chan, bytes) = count_bytes(|| {
                    let (tx, mut rx) = mpsc::unbounded_channel::<[u8; 256]>();
                    for i in 0..BURST {
                        tx.send([i as u8; 256]).unwrap();
                    }
                    for _ in 0..BURST {
                        rx.try_recv().unwrap();
                    }
                    (tx, rx)
                });
                drop(chan);
                bytes
            }

            /// Heap bytes per idle bounded channel of capacity 16.
            pub fn idle_bounded_bytes() -> f64 {
                let mut v = Vec::with_capacity(IDLE_CHANNELS);
                let ((), bytes) = count_bytes(|| {
                    for _ in 0..IDLE_CHANNELS {
                        v.push(mpsc::channel::<u64>(16));
                    }
                });
                drop(v);
                bytes / IDLE_CHANNELS as f64
            }
        }
    };
}

mpsc_scenarios!(on_tern, tern);
mpsc_scenarios!(on_tokio, tokio);

/// The same rows on smol's `async-channel` and the smol pool.
pub mod on_smol {
    use super::*;
    use crate::smol_mt::Pool;
    use smol::channel;

    fn contention(p: &Pool, tx: &channel::Sender<usize>) {
        for _ in 0..SENDERS {
            let tx = tx.clone();
            p.executor()
                .spawn(async move {
                    for i in 0..PER_SENDER {
                        tx.send(i).await.unwrap();
                    }
                })
                .detach();
        }
    }

    /// Runs the receiving side on the calling thread, as `Runtime::block_on`
    /// does in the tern and Tokio columns (the pool runs the senders).
    fn run(_p: &Pool, f: impl std::future::Future<Output = ()> + Send + 'static) {
        smol::block_on(f);
    }

    pub fn contention_bounded(p: &Pool) {
        let (tx, rx) = channel::bounded::<usize>(1_000_000);
        contention(p, &tx);
        drop(tx);
        run(p, async move {
            for _ in 0..SENDERS * PER_SENDER {
                let _ = rx.recv().await;
            }
        });
    }

    pub fn contention_bounded_full(p: &Pool) {
        let (tx, rx) = channel::bounded::<usize>(100);
        contention(p, &tx);
        drop(tx);
        run(p, async move {
            for _ in 0..SENDERS * PER_SENDER {
                let _ = rx.recv().await;
            }
        });
    }

    /// The receiver in a pool task, awaited from the calling thread.
    pub fn contention_bounded_full_rx_task(p: &Pool) {
        let (tx, rx) = channel::bounded::<usize>(100);
        contention(p, &tx);
        drop(tx);
        smol::block_on(p.executor().spawn(async move {
            for _ in 0..SENDERS * PER_SENDER {
                let _ = rx.recv().await;
            }
        }));
    }

    /// async-channel has no `recv_many`: one awaited `recv`, then
    /// `try_recv` up to the limit.
    pub fn contention_bounded_recv_many(p: &Pool) {
        let (tx, rx) = channel::bounded::<usize>(1_000_000);
        contention(p, &tx);
        drop(tx);
        run(p, async move {
            let mut buffer = Vec::<usize>::with_capacity(5_000);
            let mut total = 0;
            while total < SENDERS * PER_SENDER {
                buffer.push(rx.recv().await.unwrap());
                total += 1;
                let mut n = 1;
                while n < 5_000 {
                    match rx.try_recv() {
                        Ok(v) => buffer.push(v),
                        Err(_) => break,
                    }
                    n += 1;
                    total += 1;
                }
            }
        });
    }

    pub fn contention_unbounded(p: &Pool) {
        let (tx, rx) = channel::unbounded::<usize>();
        for _ in 0..SENDERS {
            let tx = tx.clone();
            p.executor()
                .spawn(async move {
                    for i in 0..PER_SENDER {
                        tx.try_send(i).unwrap();
                    }
                })
                .detach();
        }
        drop(tx);
        run(p, async move {
            for _ in 0..SENDERS * PER_SENDER {
                let _ = rx.recv().await;
            }
        });
    }

    pub fn uncontended_bounded(p: &Pool) {
        run(p, async {
            let (tx, rx) = channel::bounded::<usize>(1_000_000);
            for i in 0..UNCONTENDED {
                tx.send(i).await.unwrap();
            }
            for _ in 0..UNCONTENDED {
                let _ = rx.recv().await;
            }
        });
    }

    pub fn uncontended_unbounded(p: &Pool) {
        run(p, async {
            let (tx, rx) = channel::unbounded::<usize>();
            for i in 0..UNCONTENDED {
                tx.try_send(i).unwrap();
            }
            for _ in 0..UNCONTENDED {
                let _ = rx.recv().await;
            }
        });
    }

    pub fn drained_bytes() -> f64 {
        let (chan, bytes) = count_bytes(|| {
            let (tx, rx) = channel::unbounded::<[u8; 256]>();
            for i in 0..BURST {
                tx.try_send([i as u8; 256]).unwrap();
            }
            for _ in 0..BURST {
                rx.try_recv().unwrap();
            }
            (tx, rx)
        });
        drop(chan);
        bytes
    }

    pub fn idle_bounded_bytes() -> f64 {
        let mut v = Vec::with_capacity(IDLE_CHANNELS);
        let ((), bytes) = count_bytes(|| {
            for _ in 0..IDLE_CHANNELS {
                v.push(channel::bounded::<u64>(16));
            }
        });
        drop(v);
        bytes / IDLE_CHANNELS as f64
    }
}
