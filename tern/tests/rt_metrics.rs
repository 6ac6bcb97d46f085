//! `RuntimeMetrics`: the stable subset Tokio offers, on both schedulers.

use std::future::pending;
use std::sync::mpsc;
use std::time::Duration;
use tern::runtime::{Builder, Runtime, RuntimeMetrics};

fn current_thread() -> Runtime {
    Builder::new_current_thread().enable_all().build().unwrap()
}

fn multi_thread(workers: usize) -> Runtime {
    Builder::new_multi_thread().worker_threads(workers).enable_all().build().unwrap()
}

/// Waits (without a deadline on the outcome, only a generous bound on the
/// wait) until `cond` holds; for counters another thread publishes.
fn eventually(mut cond: impl FnMut() -> bool) -> bool {
    for _ in 0..2000 {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    cond()
}

fn spin() -> u64 {
    // Enough work that a busy period is measurably long.
    (0..2_000_000u64).fold(0u64, |a, i| std::hint::black_box(a.wrapping_mul(31).wrapping_add(i)))
}

#[test]
fn num_workers() {
    assert_eq!(current_thread().metrics().num_workers(), 1);
    assert_eq!(multi_thread(3).metrics().num_workers(), 3);
    let rt = multi_thread(2);
    assert_eq!(rt.block_on(async { tern::runtime::Handle::current().metrics().num_workers() }), 2);
}

#[test]
fn current_thread_alive_tasks_track_spawn_and_exit() {
    const N: usize = 25;
    let rt = current_thread();
    let metrics = rt.metrics();
    assert_eq!(metrics.num_alive_tasks(), 0);
    // Spawned from outside: waiting in the inject queue, alive already.
    let outside: Vec<_> = (0..N).map(|_| rt.spawn(pending::<()>())).collect();
    assert_eq!(metrics.num_alive_tasks(), N);
    rt.block_on(async {
        let inside: Vec<_> = (0..N).map(|_| tern::spawn(pending::<()>())).collect();
        assert_eq!(metrics.num_alive_tasks(), 2 * N);
        tern::task::yield_now().await;
        assert_eq!(metrics.num_alive_tasks(), 2 * N);
        let done: Vec<_> = (0..N).map(|i| tern::spawn(async move { i })).collect();
        for h in done {
            h.await.unwrap();
        }
        assert_eq!(metrics.num_alive_tasks(), 2 * N);
        for h in inside.iter().chain(outside.iter()) {
            h.abort();
        }
        for h in inside.into_iter().chain(outside) {
            assert!(h.await.unwrap_err().is_cancelled());
        }
        assert_eq!(metrics.num_alive_tasks(), 0);
    });
}

#[test]
fn multi_thread_alive_tasks_track_spawn_and_exit() {
    const N: usize = 40;
    let rt = multi_thread(2);
    let metrics = rt.metrics();
    let handles: Vec<_> = (0..N).map(|_| rt.spawn(pending::<()>())).collect();
    // Spawning links each task into the runtime's list before returning.
    assert_eq!(metrics.num_alive_tasks(), N);
    for h in &handles {
        h.abort();
    }
    rt.block_on(async {
        for h in handles {
            assert!(h.await.unwrap_err().is_cancelled());
        }
    });
    assert!(eventually(|| metrics.num_alive_tasks() == 0));
}

#[test]
fn alive_tasks_drop_to_zero_at_shutdown() {
    let rt = multi_thread(2);
    let metrics = rt.metrics();
    for _ in 0..10 {
        drop(rt.spawn(pending::<()>()));
    }
    assert_eq!(metrics.num_alive_tasks(), 10);
    drop(rt);
    assert_eq!(metrics.num_alive_tasks(), 0);
}

#[test]
fn current_thread_global_queue_depth() {
    let rt = current_thread();
    let metrics = rt.metrics();
    assert_eq!(metrics.global_queue_depth(), 0);
    // Nobody drives the runtime: tasks spawned through the handle wait in
    // the global queue.
    let handles: Vec<_> = (0..7).map(|i| rt.spawn(async move { i })).collect();
    assert_eq!(metrics.global_queue_depth(), 7);
    rt.block_on(async {
        for h in handles {
            h.await.unwrap();
        }
    });
    assert_eq!(metrics.global_queue_depth(), 0);
}

#[test]
fn multi_thread_global_queue_depth() {
    let rt = multi_thread(1);
    let metrics = rt.metrics();
    // Occupy the only worker with a poll that blocks its thread.
    let (started_tx, started_rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let blocker = rt.spawn(async move {
        started_tx.send(()).unwrap();
        release_rx.recv().unwrap();
    });
    started_rx.recv().unwrap();
    let queued: Vec<_> = (0..5).map(|i| rt.spawn(async move { i })).collect();
    assert_eq!(metrics.global_queue_depth(), 5);
    release_tx.send(()).unwrap();
    rt.block_on(async {
        blocker.await.unwrap();
        for h in queued {
            h.await.unwrap();
        }
    });
    assert_eq!(metrics.global_queue_depth(), 0);
}

fn assert_parks_after_idling(rt: &Runtime, metrics: &RuntimeMetrics) {
    let parks = metrics.worker_park_count(0);
    // Idle for a while: the worker parks (until the timer).
    rt.block_on(async { tern::time::sleep(Duration::from_millis(5)).await });
    assert!(eventually(|| metrics.worker_park_count(0) > parks));
}

#[test]
fn current_thread_park_counts() {
    let rt = current_thread();
    let metrics = rt.metrics();
    assert_eq!((metrics.worker_park_count(0), metrics.worker_park_unpark_count(0)), (0, 0));
    assert_parks_after_idling(&rt, &metrics);
    // Not driven now: back from its last park, so the count is even.
    assert_eq!(metrics.worker_park_unpark_count(0) % 2, 0);
    assert_eq!(metrics.worker_park_unpark_count(0), 2 * metrics.worker_park_count(0));
}

#[test]
fn multi_thread_park_counts() {
    let rt = multi_thread(1);
    let metrics = rt.metrics();
    // With nothing to do the worker parks.
    assert!(eventually(|| metrics.worker_park_count(0) >= 1));
    let parks = metrics.worker_park_count(0);
    // A task from outside wakes it; with the task done it idles again.
    rt.block_on(async { tern::spawn(async {}).await.unwrap() });
    assert!(eventually(|| metrics.worker_park_count(0) > parks));
    // Parked now: the park/unpark count is odd, one park ahead of the
    // unparks. (Read as a pair until the worker holds still between the
    // two reads.)
    assert!(eventually(|| {
        let parks = metrics.worker_park_count(0);
        let both = metrics.worker_park_unpark_count(0);
        both % 2 == 1 && both == 2 * parks - 1
    }));
}

#[test]
fn current_thread_busy_duration() {
    let rt = current_thread();
    let metrics = rt.metrics();
    assert_eq!(metrics.worker_total_busy_duration(0), Duration::ZERO);
    let sum = rt.block_on(async { tern::spawn(async { spin() }).await.unwrap() });
    std::hint::black_box(sum);
    // Published when `block_on` hands the scheduler back.
    assert!(metrics.worker_total_busy_duration(0) > Duration::ZERO);
}

#[test]
fn current_thread_block_on_future_counts_as_busy() {
    // Work done in the `block_on` future itself (no task spawned) is the
    // worker's work too: at least the time spun is counted.
    let rt = current_thread();
    let metrics = rt.metrics();
    let spun = Duration::from_millis(20);
    rt.block_on(async {
        let start = std::time::Instant::now();
        while start.elapsed() < spun {
            std::hint::spin_loop();
        }
    });
    assert!(metrics.worker_total_busy_duration(0) >= spun, "{:?}", metrics.worker_total_busy_duration(0));
}

#[test]
fn multi_thread_busy_duration() {
    let rt = multi_thread(2);
    let metrics = rt.metrics();
    let sums: Vec<_> = (0..4).map(|_| rt.spawn(async { spin() })).collect();
    rt.block_on(async {
        for h in sums {
            std::hint::black_box(h.await.unwrap());
        }
    });
    // Every worker publishes its busy time when it exits.
    drop(rt);
    let total: Duration = (0..2).map(|w| metrics.worker_total_busy_duration(w)).sum();
    assert!(total > Duration::ZERO);
}

#[test]
#[should_panic(expected = "worker index 1 is out of range")]
fn worker_index_out_of_range_panics() {
    current_thread().metrics().worker_park_count(1);
}
