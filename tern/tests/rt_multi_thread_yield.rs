//! A yield on a multi-thread worker waits for the worker's next poll of its
//! drivers, as in Tokio (`rt_common::yield_defers_until_park`): a task that
//! yields in a loop while it waits for I/O sees the event within a few
//! yields, even when every other worker is blocked.

use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::{Arc, Barrier};
use std::time::Duration;
use tern::runtime::Builder;

/// Yields the task made before its listener saw the connection.
fn yields_until_accepted(workers: usize) -> usize {
    let rt = Builder::new_multi_thread().worker_threads(workers).enable_all().build().unwrap();
    let release = Arc::new(AtomicBool::new(false));
    let barrier = Arc::new(Barrier::new(workers));
    let yields = rt.block_on(async {
        // Every worker but one blocks its thread until the end.
        for _ in 0..workers - 1 {
            let (release, barrier) = (release.clone(), barrier.clone());
            tern::spawn(async move {
                barrier.wait();
                while !release.load(SeqCst) {
                    std::thread::sleep(Duration::from_millis(1));
                }
            });
        }
        barrier.wait();
        let task = tern::spawn(async {
            let listener = tern::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let accepted = AtomicBool::new(false);
            let (yields, ()) = tern::join!(
                async {
                    // Connected synchronously: the accept is ready at once.
                    let _socket = std::net::TcpStream::connect(addr).unwrap();
                    let mut yields = 0;
                    while !accepted.load(SeqCst) && yields < 1_000 {
                        tern::task::yield_now().await;
                        yields += 1;
                    }
                    yields
                },
                async {
                    let _ = listener.accept().await.unwrap();
                    accepted.store(true, SeqCst);
                }
            );
            yields
        });
        task.await.unwrap()
    });
    release.store(true, SeqCst);
    yields
}

#[test]
fn a_yield_on_a_worker_waits_for_the_drivers_poll() {
    for workers in [1, 2, 4] {
        // The connection's readiness arrives with the first driver poll
        // after the connect: one or two yields (Tokio's test allows 10).
        let yields = yields_until_accepted(workers);
        assert!(yields < 10, "{workers} workers: the accept was seen only after {yields} yields");
    }
}
