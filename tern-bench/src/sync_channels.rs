//! The `sync` group: oneshot, watch and broadcast channels on tern and
//! Tokio (the same text compiled twice), modelled on Tokio's
//! `benches/sync_mpsc_oneshot.rs`, `sync_watch.rs` and `sync_broadcast.rs`,
//! all on a multi-thread runtime with `WORKERS` workers.
//!
//! The fan-out rows follow Tokio's contention benches: N receiver tasks
//! each wait for the next event, do a little work and count down; the
//! sender sends once per round and waits until all N counted down. The
//! count-down and the request queue of `oneshot_request_response` are
//! runtime-neutral (below), so only the channel under test differs.

use crate::scenarios::WORKERS;
use std::collections::VecDeque;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::*};
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};

/// Request/response pairs per iteration.
pub const REQUESTS: usize = 1_000;
/// Sends per iteration of the fan-out rows (Tokio's `N_ITERS`).
pub const ROUNDS: usize = 100;
/// Client tasks of the `actor_*` rows, and the requests each sends.
pub const ACTOR_CLIENTS: usize = 8;
pub const ACTOR_REQUESTS: usize = 500;
/// Values per iteration of `broadcast_stream_4`.
pub const STREAM: usize = 20_000;
/// Channels per memory child.
pub const MEMORY_CHANNELS: usize = 1_000_000;

/// A little CPU work per received event (Tokio's benches do some too).
fn do_work(seed: usize) -> usize {
    let mut x = seed;
    for _ in 0..20 {
        x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
    }
    x
}

/// A countdown the last of N receivers completes and the sender awaits.
#[derive(Default)]
pub struct Round {
    left: AtomicUsize,
    done: AtomicBool,
    waker: Mutex<Option<Waker>>,
}

impl Round {
    fn arm(&self, n: usize) {
        self.done.store(false, Relaxed);
        self.left.store(n, Release);
    }

    fn count_down(&self) {
        if self.left.fetch_sub(1, AcqRel) == 1 {
            self.done.store(true, Release);
            if let Some(w) = self.waker.lock().unwrap().take() {
                w.wake();
            }
        }
    }

    fn wait(&self) -> impl Future<Output = ()> + '_ {
        std::future::poll_fn(|cx| {
            if self.done.load(Acquire) {
                return Poll::Ready(());
            }
            *self.waker.lock().unwrap() = Some(cx.waker().clone());
            if self.done.load(Acquire) {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
    }
}

/// A runtime-neutral unbounded queue with one waiting consumer (stands in
/// for Tokio's `mpsc` in `request_reply`).
pub struct Mailbox<T> {
    queue: Mutex<(VecDeque<T>, Option<Waker>)>,
}

impl<T> Mailbox<T> {
    pub fn new() -> Arc<Self> {
        Arc::new(Mailbox { queue: Mutex::new((VecDeque::new(), None)) })
    }

    pub fn push(&self, v: T) {
        let waker = {
            let mut q = self.queue.lock().unwrap();
            q.0.push_back(v);
            q.1.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }

    pub fn pop(&self) -> impl Future<Output = T> + '_ {
        std::future::poll_fn(|cx| {
            let mut q = self.queue.lock().unwrap();
            match q.0.pop_front() {
                Some(v) => Poll::Ready(v),
                None => {
                    q.1 = Some(cx.waker().clone());
                    Poll::Pending
                }
            }
        })
    }
}

macro_rules! sync_scenarios {
    ($name:ident, $krate:ident) => {
        pub mod $name {
            use super::*;
            use ::$krate as rt;
            use rt::runtime::{Builder, Runtime};
            use rt::sync::{broadcast, oneshot, watch};

            pub fn multi_thread() -> Runtime {
                Builder::new_multi_thread().worker_threads(WORKERS).build().unwrap()
            }

            /// A server task answers each request through the oneshot that
            /// came with it (Tokio's `request_reply`).
            pub struct RequestReply {
                pub rt: Runtime,
                mailbox: Arc<Mailbox<Option<oneshot::Sender<u32>>>>,
            }

            impl Drop for RequestReply {
                fn drop(&mut self) {
                    self.mailbox.push(None);
                }
            }

            pub fn request_reply_setup() -> RequestReply {
                let rt = multi_thread();
                let mailbox: Arc<Mailbox<Option<oneshot::Sender<u32>>>> = Mailbox::new();
                let mb = mailbox.clone();
                rt.spawn(async move {
                    while let Some(reply) = mb.pop().await {
                        let _ = reply.send(2);
                    }
                });
                RequestReply { rt, mailbox }
            }

            /// The client is a task too: the row measures the channel
            /// between two workers, not the `block_on` thread's wakeups.
            pub fn request_reply(s: &RequestReply) {
                let mb = s.mailbox.clone();
                s.rt.block_on(async move {
                    rt::spawn(async move {
                        for _ in 0..REQUESTS {
                            let (tx, rx) = oneshot::channel();
                            mb.push(Some(tx));
                            assert_eq!(rx.await, Ok(2));
                        }
                    })
                    .await
                    .unwrap();
                });
            }

            /// The actor of Tokio's tutorial, as a user writes it: one task
            /// owns the state and serves commands from an `mpsc::channel(32)`,
            /// each with a `oneshot` for the answer; `ACTOR_CLIENTS` client
            /// tasks send `ACTOR_REQUESTS` each and await every answer.
            pub fn actor(rt: &Runtime) {
                rt.block_on(async {
                    let (tx, mut rx) = rt::sync::mpsc::channel::<(u64, oneshot::Sender<u64>)>(32);
                    let actor = rt::spawn(async move {
                        let mut total = 0u64;
                        while let Some((v, reply)) = rx.recv().await {
                            total += v;
                            let _ = reply.send(total);
                        }
                        total
                    });
                    let clients: Vec<_> = (0..ACTOR_CLIENTS)
                        .map(|_| {
                            let tx = tx.clone();
                            rt::spawn(async move {
                                for i in 0..ACTOR_REQUESTS as u64 {
                                    let (reply, answer) = oneshot::channel();
                                    tx.send((i, reply)).await.unwrap();
                                    answer.await.unwrap();
                                }
                            })
                        })
                        .collect();
                    drop(tx);
                    for c in clients {
                        c.await.unwrap();
                    }
                    let n = ACTOR_REQUESTS as u64;
                    assert_eq!(actor.await.unwrap(), ACTOR_CLIENTS as u64 * n * (n - 1) / 2);
                });
            }

            /// `n` tasks wait on one broadcast channel.
            pub struct Fanout {
                pub rt: Runtime,
                tx: broadcast::Sender<usize>,
                round: Arc<Round>,
                n: usize,
            }

            pub fn broadcast_setup(n: usize) -> Fanout {
                let rt = multi_thread();
                let (tx, _rx) = broadcast::channel::<usize>(1000);
                let round = Arc::new(Round::default());
                for i in 0..n {
                    let mut rx = tx.subscribe();
                    let round = round.clone();
                    rt.spawn(async move {
                        while let Ok(v) = rx.recv().await {
                            std::hint::black_box(do_work(v + i));
                            round.count_down();
                        }
                    });
                }
                Fanout { rt, tx, round, n }
            }

            pub fn broadcast_rounds(f: &Fanout) {
                let (tx, round, n) = (f.tx.clone(), f.round.clone(), f.n);
                f.rt.block_on(async move {
                    for i in 0..ROUNDS {
                        round.arm(n);
                        tx.send(i).unwrap();
                        round.wait().await;
                    }
                });
            }

            /// `main` streams `STREAM` values to four receiver tasks (a
            /// chat room's or a feed's fan-out, written the usual way:
            /// the sender is the `block_on` future, yielding every 64
            /// sends) through 1,024 slots; each receiver counts what it
            /// got or lagged past. A receiver that falls 1,024 values
            /// behind skips them, so the time also depends on how much
            /// of the stream the receivers read at all.
            pub fn broadcast_stream(rt: &Runtime) {
                broadcast_stream_through(rt, 1024)
            }

            /// As [`broadcast_stream`], through a channel that holds the
            /// whole stream: every receiver reads every value, so the row
            /// times delivery, not skipping.
            pub fn broadcast_stream_all(rt: &Runtime) {
                broadcast_stream_through(rt, STREAM)
            }

            fn broadcast_stream_through(rt: &Runtime, capacity: usize) {
                rt.block_on(async {
                    let (tx, _) = broadcast::channel::<usize>(capacity);
                    let receivers: Vec<_> = (0..4)
                        .map(|_| {
                            let mut rx = tx.subscribe();
                            rt::spawn(async move {
                                let mut seen = 0;
                                loop {
                                    match rx.recv().await {
                                        Ok(v) => {
                                            std::hint::black_box(v);
                                            seen += 1;
                                        }
                                        Err(broadcast::error::RecvError::Lagged(k)) => seen += k as usize,
                                        Err(broadcast::error::RecvError::Closed) => return seen,
                                    }
                                }
                            })
                        })
                        .collect();
                    for i in 0..STREAM {
                        tx.send(i).unwrap();
                        if i % 64 == 0 {
                            rt::task::yield_now().await;
                        }
                    }
                    drop(tx);
                    for r in receivers {
                        assert_eq!(r.await.unwrap(), STREAM);
                    }
                });
            }

            /// `n` tasks wait on one watch channel.
            pub struct WatchFanout {
                pub rt: Runtime,
                tx: watch::Sender<usize>,
                round: Arc<Round>,
                n: usize,
            }

            pub fn watch_setup(n: usize) -> WatchFanout {
                let rt = multi_thread();
                let (tx, _rx) = watch::channel(0usize);
                let round = Arc::new(Round::default());
                for i in 0..n {
                    let mut rx = tx.subscribe();
                    let round = round.clone();
                    rt.spawn(async move {
                        while rx.changed().await.is_ok() {
                            let v = *rx.borrow();
                            std::hint::black_box(do_work(v + i));
                            round.count_down();
                        }
                    });
                }
                WatchFanout { rt, tx, round, n }
            }

            pub fn watch_rounds(f: &WatchFanout) {
                let (tx, round, n) = (f.tx.clone(), f.round.clone(), f.n);
                f.rt.block_on(async move {
                    for i in 0..ROUNDS {
                        round.arm(n);
                        tx.send(i).unwrap();
                        round.wait().await;
                    }
                });
            }

            /// Memory child: RSS growth per live oneshot channel (`u32`
            /// values, both handles kept).
            pub fn oneshot_bytes(n: usize) -> usize {
                let before = crate::memory::rss_bytes();
                let pairs: Vec<_> = (0..n).map(|_| oneshot::channel::<u32>()).collect();
                let after = crate::memory::rss_bytes();
                std::mem::forget(pairs);
                after.saturating_sub(before)
            }
        }
    };
}

sync_scenarios!(on_tern, tern);
sync_scenarios!(on_tokio, tokio);

/// smol's column for `oneshot_request_response`: `async-channel`'s
/// `bounded(1)` (smol's usual stand-in for a oneshot) on the smol pool.
pub mod on_smol {
    use super::*;

    use smol::Executor;

    /// `WORKERS` threads running one executor, as in `smol_mt.rs`.
    pub struct RequestReply {
        ex: Arc<Executor<'static>>,
        mailbox: Arc<Mailbox<Option<smol::channel::Sender<u32>>>>,
        stop: Option<smol::channel::Sender<()>>,
        threads: Vec<std::thread::JoinHandle<()>>,
    }

    impl Drop for RequestReply {
        fn drop(&mut self) {
            self.mailbox.push(None);
            self.stop.take();
            for t in self.threads.drain(..) {
                let _ = t.join();
            }
        }
    }

    pub fn request_reply_setup() -> RequestReply {
        let ex = Arc::new(Executor::new());
        let (stop, stopped) = smol::channel::unbounded::<()>();
        let threads = (0..WORKERS)
            .map(|_| {
                let (ex, stopped) = (ex.clone(), stopped.clone());
                std::thread::spawn(move || {
                    let _ = smol::block_on(ex.run(stopped.recv()));
                })
            })
            .collect();
        let mailbox: Arc<Mailbox<Option<smol::channel::Sender<u32>>>> = Mailbox::new();
        let mb = mailbox.clone();
        ex.spawn(async move {
            while let Some(reply) = mb.pop().await {
                let _ = reply.try_send(2);
            }
        })
        .detach();
        RequestReply { ex, mailbox, stop: Some(stop), threads }
    }

    pub fn request_reply(s: &RequestReply) {
        let mb = s.mailbox.clone();
        let client = s.ex.spawn(async move {
            for _ in 0..REQUESTS {
                let (tx, rx) = smol::channel::bounded(1);
                mb.push(Some(tx));
                assert_eq!(rx.recv().await, Ok(2));
            }
        });
        smol::block_on(client);
    }
}

/// Runs in the memory child: prints the RSS growth for `n` oneshot channels.
pub fn memory_child(runtime: &str, n: usize) -> ! {
    let delta = match runtime {
        "tern" => on_tern::oneshot_bytes(n),
        "tokio" => on_tokio::oneshot_bytes(n),
        other => panic!("unknown runtime {other}"),
    };
    println!("rss_delta {delta}");
    std::process::exit(0);
}

/// Bytes per oneshot channel on `runtime`, measured in a child process.
pub fn oneshot_memory(runtime: &str) -> f64 {
    let exe = std::env::current_exe().expect("own path");
    let out = std::process::Command::new(exe)
        .args(["--sync-memory-child", runtime, &MEMORY_CHANNELS.to_string()])
        .output()
        .expect("run memory child");
    let text = String::from_utf8_lossy(&out.stdout);
    let delta: f64 = text
        .lines()
        .find_map(|l| l.strip_prefix("rss_delta "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| {
            panic!("memory child for {runtime} failed: {}", String::from_utf8_lossy(&out.stderr))
        });
    delta / MEMORY_CHANNELS as f64
}
