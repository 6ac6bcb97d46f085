//! The multi-thread scenarios on smol 2: one `Executor` run by `WORKERS`
//! threads, spawned onto through an `Arc` (smol's usual idiom).

use crate::handoff::{handoff, Sender};
use crate::scenarios::*;
use smol::Executor;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;

/// An executor with its worker threads; dropping it stops them.
pub struct Pool {
    ex: Arc<Executor<'static>>,
    stop: Option<smol::channel::Sender<()>>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

pub fn pool() -> Pool {
    let ex = Arc::new(Executor::new());
    let (stop, stopped) = smol::channel::unbounded::<()>();
    let threads = (0..WORKERS)
        .map(|_| {
            let ex = ex.clone();
            let stopped = stopped.clone();
            std::thread::spawn(move || {
                let _ = smol::block_on(ex.run(stopped.recv()));
            })
        })
        .collect();
    Pool { ex, stop: Some(stop), threads }
}

impl Pool {
    /// The shared executor (for scenarios in other modules).
    pub fn executor(&self) -> &Arc<Executor<'static>> {
        &self.ex
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.stop.take();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

pub fn spawn_many_local(p: &Pool) {
    let ex = p.ex.clone();
    smol::block_on(p.ex.spawn(async move {
        let rem = Arc::new(AtomicUsize::new(NUM_SPAWN));
        let (done_tx, done_rx) = handoff();
        let done_tx = Arc::new(std::sync::Mutex::new(Some(done_tx)));
        for _ in 0..NUM_SPAWN {
            let rem = rem.clone();
            let done_tx = done_tx.clone();
            ex.spawn(async move {
                if rem.fetch_sub(1, Relaxed) == 1 {
                    done_tx.lock().unwrap().take().unwrap().send();
                }
            })
            .detach();
        }
        done_rx.await;
    }));
}

pub fn spawn_many_remote(p: &Pool) {
    let handles: Vec<_> = (0..NUM_SPAWN).map(|_| p.ex.spawn(async {})).collect();
    smol::block_on(async {
        for h in handles {
            h.await;
        }
    });
}

pub fn yield_many(p: &Pool) {
    let handles: Vec<_> = (0..YIELD_TASKS)
        .map(|_| {
            p.ex.spawn(async {
                for _ in 0..NUM_YIELD {
                    smol::future::yield_now().await;
                }
            })
        })
        .collect();
    smol::block_on(async {
        for h in handles {
            h.await;
        }
    });
}

pub fn ping_pong(p: &Pool) {
    let rem = Arc::new(AtomicUsize::new(NUM_PINGS));
    let (done_tx, done_rx) = handoff();
    let done_tx = Arc::new(std::sync::Mutex::new(Some(done_tx)));
    let ex = p.ex.clone();
    p.ex.spawn(async move {
        for _ in 0..NUM_PINGS {
            let rem = rem.clone();
            let done_tx = done_tx.clone();
            let ex2 = ex.clone();
            ex.spawn(async move {
                let (tx1, rx1) = handoff();
                let (tx2, rx2) = handoff();
                ex2.spawn(async move {
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
    smol::block_on(done_rx);
}

pub fn chained_spawn(p: &Pool) {
    fn iter(ex: Arc<Executor<'static>>, done: Sender, n: usize) {
        if n == 0 {
            done.send();
        } else {
            let ex2 = ex.clone();
            ex.spawn(async move { iter(ex2, done, n - 1) }).detach();
        }
    }
    let (done_tx, done_rx) = handoff();
    let ex = p.ex.clone();
    p.ex.spawn(async move { iter(ex, done_tx, CHAIN) }).detach();
    smol::block_on(done_rx);
}

pub fn remote_spawn(p: &Pool) {
    let rem = Arc::new(AtomicUsize::new(REMOTE_THREADS * REMOTE_PER_THREAD));
    let (done_tx, done_rx) = handoff();
    let done_tx = Arc::new(std::sync::Mutex::new(Some(done_tx)));
    std::thread::scope(|s| {
        for _ in 0..REMOTE_THREADS {
            let ex = p.ex.clone();
            let rem = rem.clone();
            let done_tx = done_tx.clone();
            s.spawn(move || {
                for _ in 0..REMOTE_PER_THREAD {
                    let rem = rem.clone();
                    let done_tx = done_tx.clone();
                    ex.spawn(async move {
                        if rem.fetch_sub(1, Relaxed) == 1 {
                            done_tx.lock().unwrap().take().unwrap().send();
                        }
                    })
                    .detach();
                }
            });
        }
    });
    smol::block_on(done_rx);
}
