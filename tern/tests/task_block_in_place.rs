//! `task::block_in_place`: the worker's other tasks keep running while one
//! task blocks its thread.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tern::runtime::{Builder, Handle, Runtime};
use tern::task;

fn two_workers() -> Runtime {
    Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

/// Waits (bounded) until `done()`; returns whether it happened.
fn wait_for(done: impl Fn() -> bool, limit: Duration) -> bool {
    let start = Instant::now();
    while !done() {
        if start.elapsed() > limit {
            return false;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    true
}

#[test]
fn tasks_spawned_from_inside_run_while_it_blocks() {
    let rt = two_workers();
    let ran = Arc::new(AtomicUsize::new(0));
    let r = ran.clone();
    let all_ran_while_blocked = rt.block_on(async move {
        tern::spawn(async move {
            task::block_in_place(|| {
                for _ in 0..1000 {
                    let r = r.clone();
                    tern::spawn(async move {
                        r.fetch_add(1, SeqCst);
                    });
                }
                // Still inside, blocking this worker for at least 2 s: the
                // 1,000 tasks must all complete meanwhile.
                let start = Instant::now();
                let all = wait_for(|| r.load(SeqCst) == 1000, Duration::from_secs(30));
                std::thread::sleep(Duration::from_secs(2).saturating_sub(start.elapsed()));
                all && r.load(SeqCst) == 1000
            })
        })
        .await
        .unwrap()
    });
    assert!(all_ran_while_blocked);
    assert_eq!(ran.load(SeqCst), 1000);
}

#[test]
fn the_blocked_workers_own_queue_moves_to_another_thread() {
    // One worker: the only way its queued task runs while the task in
    // `block_in_place` blocks is through the handed-over core.
    let rt = Builder::new_multi_thread().worker_threads(1).build().unwrap();
    let flag = Arc::new(AtomicBool::new(false));
    let f = flag.clone();
    let ok = rt.block_on(async move {
        tern::spawn(async move {
            let f2 = f.clone();
            // Queued on this worker (its LIFO slot).
            tern::spawn(async move { f2.store(true, SeqCst) });
            task::block_in_place(|| wait_for(|| f.load(SeqCst), Duration::from_secs(30)))
        })
        .await
        .unwrap()
    });
    assert!(ok);
    assert!(flag.load(SeqCst));
}

#[test]
fn handle_block_on_works_inside() {
    let rt = two_workers();
    let out = rt.block_on(async {
        tern::spawn(async {
            task::block_in_place(|| {
                let h = Handle::current();
                h.block_on(async { tern::spawn(async { 21 }).await.unwrap() * 2 })
            })
        })
        .await
        .unwrap()
    });
    assert_eq!(out, 42);
}

#[test]
fn nested_block_in_place_is_fine() {
    let rt = two_workers();
    let out = rt.block_on(async {
        tern::spawn(async { task::block_in_place(|| task::block_in_place(|| 7)) }).await.unwrap()
    });
    assert_eq!(out, 7);
}

#[test]
fn many_in_a_row_then_the_runtime_still_works_and_drops() {
    let rt = two_workers();
    rt.block_on(async {
        for i in 0..200u32 {
            let v = tern::spawn(async move {
                let v = task::block_in_place(move || i);
                tern::task::yield_now().await;
                v
            })
            .await
            .unwrap();
            assert_eq!(v, i);
        }
        let handles: Vec<_> = (0..100).map(|i| tern::spawn(async move { i })).collect();
        for (i, h) in handles.into_iter().enumerate() {
            assert_eq!(h.await.unwrap(), i);
        }
    });
    drop(rt);
}

#[test]
fn on_the_block_on_thread_it_just_runs() {
    let rt = two_workers();
    assert_eq!(rt.block_on(async { task::block_in_place(|| 3) }), 3);
}

#[test]
fn outside_any_runtime_it_just_runs() {
    assert_eq!(task::block_in_place(|| 4), 4);
}

#[test]
#[should_panic(expected = "can call blocking only when running on the multi-threaded runtime")]
fn current_thread_runtime_panics() {
    let rt = Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        tern::spawn(async { task::block_in_place(|| ()) })
            .await
            .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
    });
}

#[test]
fn a_panic_inside_is_a_task_panic_and_the_worker_survives() {
    let rt = two_workers();
    rt.block_on(async {
        let err = tern::spawn(async { task::block_in_place(|| panic!("boom")) }).await.unwrap_err();
        assert!(err.is_panic());
        let all: Vec<_> = (0..50).map(|i| tern::spawn(async move { i })).collect();
        for h in all {
            h.await.unwrap();
        }
    });
}
