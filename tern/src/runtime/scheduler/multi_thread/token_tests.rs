//! The parker token a driver turn may leave on its own worker (fixed in
//! `Handle::notify_parked_from`), on a real one-worker runtime.

use super::Handle;
use crate::runtime::scheduler;
use std::future::Future;
use std::io::Write;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn multi_thread_handle(rt: &crate::runtime::Runtime) -> Arc<Handle> {
    match &rt.handle().inner {
        scheduler::Handle::MultiThread(h) => h.clone(),
        scheduler::Handle::CurrentThread(_) => unreachable!("built as a multi-thread runtime"),
    }
}

/// Waits until worker 0 sleeps in `epoll_wait` again: whatever its park
/// did first (a token wait included) has happened by then.
fn wait_until_asleep_in_driver(handle: &Handle) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !handle.remotes[0].park.waits_in_driver() {
        assert!(Instant::now() < deadline, "worker 0 never went back to sleep in the driver");
        std::thread::yield_now();
    }
}

/// One readiness event wakes two tasks, so the turn asks for a parked
/// worker to be woken. The only worker is the one turning the driver,
/// still counted as parked: it leaves its park as a searcher, and must not
/// also leave a token on its own parker, which made its next park one
/// `epoll_wait` that could not sleep (3 in 4 of a one-worker HTTP
/// server's `epoll_wait` calls under `wrk`).
#[test]
fn a_driver_turn_that_wakes_two_tasks_leaves_no_token_on_its_own_worker() {
    let rt = crate::runtime::Builder::new_multi_thread().worker_threads(1).enable_io().build().unwrap();
    let handle = multi_thread_handle(&rt);
    let (ours, mut theirs) = std::os::unix::net::UnixStream::pair().unwrap();
    ours.set_nonblocking(true).unwrap();
    let ours = Arc::new(rt.block_on(async { crate::net::UnixStream::from_std(ours) }).unwrap());

    const ROUNDS: usize = 20;
    let (got, bytes) = std::sync::mpsc::channel();
    // Polls of the two `readable` futures: each event polls both.
    let polls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    for _ in 0..2 {
        let (ours, got, polls) = (ours.clone(), got.clone(), polls.clone());
        rt.spawn(async move {
            loop {
                let mut readable = std::pin::pin!(ours.readable());
                std::future::poll_fn(|cx| {
                    polls.fetch_add(1, Relaxed);
                    readable.as_mut().poll(cx)
                })
                .await
                .unwrap();
                let mut buf = [0; 8];
                loop {
                    match ours.try_read(&mut buf) {
                        Ok(0) => return,
                        Ok(n) => got.send(n).unwrap(),
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                        Err(e) => panic!("{e}"),
                    }
                }
            }
        });
    }
    drop(got);

    wait_until_asleep_in_driver(&handle);
    let before = handle.remotes[0].park.token_waits.load(Relaxed);
    let polls_before = polls.load(Relaxed);
    for _ in 0..ROUNDS {
        theirs.write_all(b"x").unwrap();
        assert_eq!(bytes.recv().unwrap(), 1);
        wait_until_asleep_in_driver(&handle);
    }
    // Both tasks were woken by every event: the turns did wake two.
    let polls = polls.load(Relaxed) - polls_before;
    assert!(polls >= ROUNDS * 2, "{polls} polls in {ROUNDS} rounds");
    let token_waits = handle.remotes[0].park.token_waits.load(Relaxed) - before;
    assert_eq!(
        token_waits, 0,
        "{token_waits} of {ROUNDS} driver waits found a token left by the worker itself"
    );

    drop(theirs);
    drop(rt);
}
