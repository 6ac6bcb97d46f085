//! The current-thread runtime's context and threads: misuse that panics
//! (nested `block_on`, `spawn` outside a runtime), enter guards, handles
//! used from other threads, the blocking pool, thread and park hooks,
//! `worker_index`, unwind safety.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc};
use std::time::Duration;
use tern::runtime::{Builder, Handle, Runtime};

mod support;
use support::{join_within, within, Signal, HANG};

fn rt() -> Runtime {
    Builder::new_current_thread().build().unwrap()
}

#[test]
#[should_panic(expected = "Cannot start a runtime from within a runtime")]
fn block_on_inside_runtime_panics() {
    let rt = rt();
    rt.block_on(async {
        let inner = Builder::new_current_thread().build().unwrap();
        inner.block_on(async {});
    });
}

#[test]
#[should_panic(expected = "tern::spawn was called outside of a tern runtime")]
fn spawn_without_runtime_panics() {
    drop(tern::spawn(async {}));
}

#[test]
#[should_panic(expected = "Handle::current() was called outside of a tern runtime")]
fn handle_current_without_runtime_panics() {
    let _ = Handle::current();
}

#[test]
fn try_current_reports_missing_context() {
    let err = Handle::try_current().unwrap_err();
    assert!(err.is_missing_context());
    assert!(!err.is_thread_local_destroyed());
    let rt = rt();
    rt.block_on(async { assert!(Handle::try_current().is_ok()) });
    let _g = rt.enter();
    assert!(Handle::try_current().is_ok());
}

#[test]
fn enter_guard_lets_spawn_find_the_runtime() {
    let rt = rt();
    let h = {
        let _g = rt.enter();
        tern::spawn(async { 7 })
    };
    assert!(Handle::try_current().is_err());
    assert_eq!(rt.block_on(h).unwrap(), 7);
}

#[test]
#[should_panic(expected = "dropped out of order")]
fn enter_guards_dropped_out_of_order_panic() {
    let a = rt();
    let b = rt();
    let ga = a.enter();
    let _gb = b.enter();
    drop(ga);
}

#[test]
fn handle_spawn_from_other_threads_wakes_an_idle_runtime() {
    let rt = rt();
    let handle = rt.handle().clone();
    let (tx, rx) = mpsc::channel();
    let total = rt.block_on(async move {
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let handle = handle.clone();
                let tx = tx.clone();
                std::thread::spawn(move || {
                    for i in 0..250 {
                        tx.send(handle.spawn(async move { t * 1000 + i })).unwrap();
                    }
                })
            })
            .collect();
        drop(tx);
        for t in threads {
            t.join().unwrap();
        }
        let mut total = 0;
        while let Ok(h) = rx.try_recv() {
            total += h.await.unwrap();
        }
        total
    });
    assert_eq!(total, (0..4).map(|t| (0..250).map(|i| t * 1000 + i).sum::<i32>()).sum::<i32>());
}

#[test]
fn wake_from_a_foreign_thread_resumes_the_task() {
    let rt = rt();
    let signal = Signal::default();
    within("the task woken from a foreign thread", move || {
        rt.block_on(async move {
            let h = tern::spawn(signal.clone());
            // Set (and wake) only once the task waits: the wake itself,
            // from this thread, is what must resume it.
            let waker_thread = std::thread::spawn(move || {
                while !signal.has_waiter() {
                    std::thread::yield_now();
                }
                signal.set();
            });
            h.await.unwrap();
            waker_thread.join().unwrap();
        })
    });
}

#[test]
fn spawn_blocking_runs_off_thread_with_the_runtime_context() {
    let rt = rt();
    rt.block_on(async {
        let main = std::thread::current().id();
        let (other, has_handle) =
            tern::task::spawn_blocking(move || (std::thread::current().id(), Handle::try_current().is_ok()))
                .await
                .unwrap();
        assert_ne!(other, main);
        assert!(has_handle);
        let err = tern::task::spawn_blocking(|| panic!("blocking boom")).await.unwrap_err();
        assert!(err.is_panic());
    });
}

#[test]
fn shutdown_timeout_does_not_wait_for_long_blocking_work() {
    let rt = rt();
    let (started_tx, started_rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let finished = Arc::new(AtomicBool::new(false));
    let f = finished.clone();
    rt.spawn_blocking(move || {
        started_tx.send(()).unwrap();
        // Runs until released (or, should shutdown wait for it, until
        // the bound: then the assertion below fails instead of a hang).
        let _ = release_rx.recv_timeout(HANG);
        f.store(true, SeqCst);
    });
    started_rx.recv_timeout(HANG).expect("the blocking closure starts");
    rt.shutdown_timeout(Duration::from_millis(10));
    assert!(!finished.load(SeqCst), "shutdown_timeout waited for the blocking closure");
    release_tx.send(()).unwrap();
}

/// Sends on its channel when dropped: here, when the runtime's shutdown
/// cancels the task that owns it.
struct SignalOnDrop(mpsc::Sender<()>);

impl Drop for SignalOnDrop {
    fn drop(&mut self) {
        let _ = self.0.send(());
    }
}

#[test]
fn dropping_runtime_waits_for_blocking_work() {
    let rt = rt();
    let (shutdown_tx, shutdown_rx) = mpsc::channel();
    let guard = SignalOnDrop(shutdown_tx);
    rt.spawn(async move {
        let _guard = guard;
        std::future::pending::<()>().await
    });
    let (started_tx, started_rx) = mpsc::channel();
    let done = Arc::new(AtomicBool::new(false));
    let d = done.clone();
    let saw_shutdown = Arc::new(AtomicBool::new(false));
    let s = saw_shutdown.clone();
    rt.spawn_blocking(move || {
        started_tx.send(()).unwrap();
        // Still running once the drop below has begun (it cancels the
        // task above first): the drop must wait for what follows.
        s.store(shutdown_rx.recv_timeout(HANG).is_ok(), SeqCst);
        d.store(true, SeqCst);
    });
    started_rx.recv_timeout(HANG).expect("the blocking closure starts");
    drop(rt);
    assert!(saw_shutdown.load(SeqCst), "the closure ran on into the runtime's shutdown");
    assert!(done.load(SeqCst));
}

#[test]
fn thread_hooks_and_names_apply_to_runtime_threads() {
    let started = Arc::new(AtomicUsize::new(0));
    let stopped = Arc::new(AtomicUsize::new(0));
    let (s, t) = (started.clone(), stopped.clone());
    let rt = Builder::new_current_thread()
        .thread_name("my-pool")
        .on_thread_start(move || {
            s.fetch_add(1, SeqCst);
        })
        .on_thread_stop(move || {
            t.fetch_add(1, SeqCst);
        })
        .build()
        .unwrap();
    let name = rt.block_on(async {
        tern::task::spawn_blocking(|| std::thread::current().name().map(str::to_owned)).await.unwrap()
    });
    drop(rt);
    assert_eq!(name.as_deref(), Some("my-pool"));
    assert_eq!(started.load(SeqCst), 1);
    assert_eq!(stopped.load(SeqCst), 1);
}

#[test]
fn park_hooks_run_when_the_runtime_goes_idle() {
    let parks = Arc::new(AtomicUsize::new(0));
    let p = parks.clone();
    let (parked_tx, parked_rx) = mpsc::channel();
    let rt = Builder::new_current_thread()
        .on_thread_park(move || {
            p.fetch_add(1, SeqCst);
            let _ = parked_tx.send(());
        })
        .build()
        .unwrap();
    let handle = rt.handle().clone();
    rt.block_on(async move {
        let (tx, rx) = tern::sync::oneshot::channel();
        // Spawns only once the runtime has parked: until then it has
        // nothing to do but wait for this thread.
        let spawner = std::thread::spawn(move || {
            parked_rx.recv_timeout(HANG).expect("the idle runtime parks");
            let _ = tx.send(handle.spawn(async { 3 }));
        });
        let h = rx.await;
        join_within(spawner, "the spawning thread");
        assert_eq!(h.unwrap().await.unwrap(), 3);
    });
    assert!(parks.load(SeqCst) >= 1);
}

#[test]
fn block_on_from_two_threads_shares_the_scheduler() {
    let rt = Arc::new(rt());
    let rt2 = rt.clone();
    let (tx, rx) = mpsc::channel::<()>();
    let t = std::thread::spawn(move || {
        rt2.block_on(async move {
            // Waits (off the scheduler) until the main thread signals.
            tern::task::spawn_blocking(move || rx.recv_timeout(HANG).unwrap()).await.unwrap();
            tern::spawn(async { 2 }).await.unwrap()
        })
    });
    let rt1 = rt.clone();
    let a = within("block_on while another thread is in block_on", move || {
        rt1.block_on(async { tern::spawn(async { 1 }).await.unwrap() })
    });
    tx.send(()).unwrap();
    assert_eq!(a + join_within(t, "the other thread's block_on"), 3);
}

#[test]
fn runtime_new_is_multi_thread() {
    let rt = Runtime::new().unwrap();
    assert_eq!(rt.handle().runtime_flavor(), tern::runtime::RuntimeFlavor::MultiThread);
    assert_eq!(rt.block_on(async { tern::spawn(async { 9 }).await.unwrap() }), 9);
    let ct = Builder::new_current_thread().build().unwrap();
    assert_eq!(ct.handle().runtime_flavor(), tern::runtime::RuntimeFlavor::CurrentThread);
}

#[test]
fn worker_index_is_0_only_on_the_thread_driving_the_scheduler() {
    assert_eq!(tern::runtime::worker_index(), None, "outside any runtime");
    let rt = Arc::new(rt());
    assert_eq!(rt.block_on(async { tern::runtime::worker_index() }), Some(0));
    assert_eq!(
        rt.block_on(async { tern::spawn(async { tern::runtime::worker_index() }).await.unwrap() }),
        Some(0)
    );
    assert_eq!(
        rt.handle().block_on(async { tern::runtime::worker_index() }),
        None,
        "Handle::block_on never drives"
    );
    let from_blocking =
        rt.block_on(async { tern::task::spawn_blocking(tern::runtime::worker_index).await.unwrap() });
    assert_eq!(from_blocking, None);

    // A second `block_on` while the first thread drives: not a worker.
    let (entered_tx, entered_rx) = mpsc::channel();
    let (release_tx, release_rx) = tern::sync::oneshot::channel::<()>();
    let owner = {
        let rt = rt.clone();
        std::thread::spawn(move || {
            rt.block_on(async {
                entered_tx.send(()).unwrap();
                release_rx.await.unwrap();
                tern::runtime::worker_index()
            })
        })
    };
    entered_rx.recv().unwrap();
    let other = {
        let rt = rt.clone();
        std::thread::spawn(move || rt.block_on(async { tern::runtime::worker_index() }))
    };
    assert_eq!(other.join().unwrap(), None);
    release_tx.send(()).unwrap();
    assert_eq!(owner.join().unwrap(), Some(0));

    let local = tern::runtime::LocalRuntime::new().unwrap();
    assert_eq!(local.block_on(async { tern::runtime::worker_index() }), Some(0));
}

#[test]
fn runtimes_and_handles_are_unwind_safe() {
    fn unwind_safe<T: std::panic::UnwindSafe + std::panic::RefUnwindSafe>() {}
    unwind_safe::<Runtime>();
    unwind_safe::<Handle>();
    unwind_safe::<tern::runtime::LocalRuntime>();
    // So a closure borrowing a runtime can go through `catch_unwind`.
    let rt = rt();
    let caught =
        std::panic::catch_unwind(|| rt.block_on(async { panic!("inside block_on (expected in this test)") }));
    assert!(caught.is_err());
    assert_eq!(rt.block_on(async { 1 }), 1, "the runtime still works");
}
