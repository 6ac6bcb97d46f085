//! Public behaviour of the current-thread runtime and of tasks on it.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;
use tern::runtime::{Builder, Handle, Runtime};

mod support;
use support::{join_within, within, HANG};

fn rt() -> Runtime {
    Builder::new_current_thread().build().unwrap()
}

#[test]
fn spawned_task_output_reaches_join_handle() {
    let rt = rt();
    let out = rt.block_on(async { tern::spawn(async { 21 * 2 }).await.unwrap() });
    assert_eq!(out, 42);
}

#[test]
fn runtime_spawn_runs_once_block_on_drives_it() {
    let rt = rt();
    let flag = Arc::new(AtomicBool::new(false));
    let f = flag.clone();
    let h = rt.spawn(async move { f.store(true, SeqCst) });
    rt.block_on(h).unwrap();
    assert!(flag.load(SeqCst));
}

#[test]
fn panic_in_task_becomes_join_error_and_runtime_goes_on() {
    let rt = rt();
    rt.block_on(async {
        let other = tern::spawn(async {
            tern::task::yield_now().await;
            "still here"
        });
        let err = tern::spawn(async { panic!("boom") }).await.unwrap_err();
        assert!(err.is_panic());
        assert!(!err.is_cancelled());
        assert_eq!(*err.into_panic().downcast::<&str>().unwrap(), "boom");
        assert_eq!(other.await.unwrap(), "still here");
    });
    // And the runtime is usable afterwards.
    assert_eq!(rt.block_on(async { tern::spawn(async { 1 }).await.unwrap() }), 1);
}

#[test]
fn join_error_carries_the_task_id() {
    let rt = rt();
    rt.block_on(async {
        let h = tern::spawn(async { panic!("x") });
        let id = h.id();
        let err = h.await.unwrap_err();
        assert_eq!(err.id(), id);
        assert_eq!(err.to_string(), format!("task {id} panicked with message \"x\""));
    });
}

#[test]
fn abort_cancels_an_idle_task_and_drops_its_future() {
    struct OnDrop(Arc<AtomicBool>);
    impl Drop for OnDrop {
        fn drop(&mut self) {
            self.0.store(true, SeqCst);
        }
    }
    let rt = rt();
    let dropped = Arc::new(AtomicBool::new(false));
    let d = dropped.clone();
    rt.block_on(async move {
        let h = tern::spawn(async move {
            let _g = OnDrop(d);
            std::future::pending::<()>().await
        });
        tern::task::yield_now().await; // let it start and go idle
        assert!(!h.is_finished());
        h.abort();
        let err = h.await.unwrap_err();
        assert!(err.is_cancelled());
    });
    assert!(dropped.load(SeqCst));
}

#[test]
fn abort_after_completion_keeps_the_output() {
    let rt = rt();
    rt.block_on(async {
        let h = tern::spawn(async { 5 });
        while !h.is_finished() {
            tern::task::yield_now().await;
        }
        h.abort();
        assert_eq!(h.await.unwrap(), 5);
    });
}

#[test]
fn abort_handle_cancels_and_reports_finished() {
    let rt = rt();
    rt.block_on(async {
        let h = tern::spawn(std::future::pending::<()>());
        let a = h.abort_handle();
        assert_eq!(a.id(), h.id());
        let a2 = a.clone();
        drop(a);
        a2.abort();
        assert!(h.await.unwrap_err().is_cancelled());
        assert!(a2.is_finished());
    });
}

#[test]
fn task_aborting_itself_is_cancelled_when_its_poll_returns() {
    let rt = rt();
    rt.block_on(async {
        let (tx, rx) = mpsc::channel::<tern::task::AbortHandle>();
        let h = tern::spawn(async move {
            let me = rx.recv().unwrap();
            me.abort();
            tern::task::yield_now().await;
            unreachable!("cancelled at the yield");
        });
        tx.send(h.abort_handle()).unwrap();
        assert!(h.await.unwrap_err().is_cancelled());
    });
}

#[test]
fn dropping_join_handle_detaches_the_task() {
    let rt = rt();
    let done = Arc::new(AtomicBool::new(false));
    let d = done.clone();
    rt.block_on(async move {
        drop(tern::spawn(async move {
            for _ in 0..10 {
                tern::task::yield_now().await;
            }
            d.store(true, SeqCst);
        }));
        while !done.load(SeqCst) {
            tern::task::yield_now().await;
        }
    });
}

#[test]
fn output_of_detached_task_is_dropped() {
    struct Out(Arc<AtomicUsize>);
    impl Drop for Out {
        fn drop(&mut self) {
            self.0.fetch_add(1, SeqCst);
        }
    }
    let rt = rt();
    let n = Arc::new(AtomicUsize::new(0));
    let n2 = n.clone();
    rt.block_on(async move {
        let h = tern::spawn(async move { Out(n2) });
        while !h.is_finished() {
            tern::task::yield_now().await;
        }
        drop(h); // after completion: the handle drops the output
    });
    assert_eq!(n.load(SeqCst), 1);
}

#[test]
fn dropping_runtime_drops_every_pending_future_and_cancels_handles() {
    const N: usize = 10_000;
    struct Counted(Arc<AtomicUsize>);
    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, SeqCst);
        }
    }
    let dropped = Arc::new(AtomicUsize::new(0));
    let rt = rt();
    let mut handles = Vec::with_capacity(N);
    // A third never polled, a third idle after one poll, a third queued.
    for i in 0..N {
        let c = Counted(dropped.clone());
        let fut = async move {
            let _c = c;
            if i % 3 == 1 {
                std::future::pending::<()>().await;
            }
            loop {
                tern::task::yield_now().await;
            }
        };
        handles.push(rt.spawn(fut));
    }
    rt.block_on(async {
        tern::task::yield_now().await;
    });
    // Spawned from outside after the runtime ran: queued in the inject queue.
    for _ in 0..100 {
        let c = Counted(dropped.clone());
        handles.push(rt.handle().spawn(async move {
            let _c = c;
        }));
    }
    drop(rt);
    assert_eq!(dropped.load(SeqCst), N + 100, "every future was dropped exactly once");
    let waiter = Builder::new_current_thread().build().unwrap();
    waiter.block_on(async {
        for h in handles {
            assert!(h.await.unwrap_err().is_cancelled());
        }
    });
}

#[test]
fn spawn_after_shutdown_is_cancelled() {
    let first = rt();
    let handle = first.handle().clone();
    drop(first);
    let h = handle.spawn(async { 1 });
    let rt2 = rt();
    assert!(rt2.block_on(h).unwrap_err().is_cancelled());
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

/// A future completed by a thread that is not a runtime thread.
struct Remote {
    state: Arc<Mutex<(bool, Option<Waker>)>>,
}

impl Future for Remote {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut s = self.state.lock().unwrap();
        if s.0 {
            return Poll::Ready(());
        }
        s.1 = Some(cx.waker().clone());
        Poll::Pending
    }
}

#[test]
fn wake_from_a_foreign_thread_resumes_the_task() {
    let rt = rt();
    let state = Arc::new(Mutex::new((false, None::<Waker>)));
    let s2 = state.clone();
    within("the task woken from a foreign thread", move || {
        rt.block_on(async move {
            let h = tern::spawn(Remote { state: s2 });
            let waker_thread = std::thread::spawn(move || loop {
                let mut s = state.lock().unwrap();
                if let Some(w) = s.1.take() {
                    s.0 = true;
                    drop(s);
                    w.wake();
                    return;
                }
                drop(s);
                std::thread::yield_now();
            });
            h.await.unwrap();
            waker_thread.join().unwrap();
        })
    });
}

/// Counts polls and wakes itself several times while running.
struct WakeManyTimes {
    polls: Arc<AtomicUsize>,
}

impl Future for WakeManyTimes {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let n = self.polls.fetch_add(1, SeqCst);
        if n == 1 {
            return Poll::Ready(());
        }
        for _ in 0..5 {
            cx.waker().wake_by_ref();
        }
        #[allow(clippy::waker_clone_wake)] // the by-value path is what is tested
        cx.waker().clone().wake();
        Poll::Pending
    }
}

#[test]
fn many_wakes_during_a_poll_reschedule_exactly_once() {
    let rt = rt();
    let polls = Arc::new(AtomicUsize::new(0));
    let p = polls.clone();
    rt.block_on(async move {
        tern::spawn(WakeManyTimes { polls: p }).await.unwrap();
    });
    assert_eq!(polls.load(SeqCst), 2);
}

#[test]
fn waking_a_completed_task_does_nothing() {
    let rt = rt();
    let slot = Arc::new(Mutex::new(None::<Waker>));
    let s = slot.clone();
    rt.block_on(async move {
        tern::spawn(std::future::poll_fn(move |cx| {
            *s.lock().unwrap() = Some(cx.waker().clone());
            Poll::Ready(())
        }))
        .await
        .unwrap();
        let w = slot.lock().unwrap().take().unwrap();
        w.wake_by_ref();
        w.wake();
        tern::task::yield_now().await;
    });
}

#[test]
fn wakers_of_one_task_will_wake_each_other() {
    let rt = rt();
    rt.block_on(async {
        tern::spawn(std::future::poll_fn(|cx| {
            let a = cx.waker().clone();
            let b = a.clone();
            assert!(a.will_wake(&b));
            assert!(a.will_wake(cx.waker()));
            Poll::Ready(())
        }))
        .await
        .unwrap();
    });
}

#[test]
fn task_id_is_visible_inside_the_task_only() {
    let rt = rt();
    assert!(tern::task::try_id().is_none());
    rt.block_on(async {
        assert!(tern::task::try_id().is_none(), "block_on's future is not a task");
        let h = tern::spawn(async { tern::task::id() });
        let id = h.id();
        assert_eq!(h.await.unwrap(), id);
        let a = tern::spawn(async {}).id();
        let b = tern::spawn(async {}).id();
        assert_ne!(a, b);
    });
}

#[test]
fn coop_budget_makes_a_busy_task_yield() {
    // A task awaiting always-ready JoinHandles in a loop must still let
    // another task run: it yields once its budget is spent.
    let rt = rt();
    rt.block_on(async {
        let ran = Arc::new(AtomicBool::new(false));
        let r = ran.clone();
        let done: Vec<_> = (0..1000).map(|_| tern::spawn(async {})).collect();
        tern::task::yield_now().await; // all of them complete
        let busy = tern::spawn(async move {
            let mut saw_other = false;
            for h in done {
                h.await.unwrap();
                saw_other |= r.load(SeqCst);
            }
            saw_other
        });
        tern::spawn(async move { ran.store(true, SeqCst) });
        assert!(busy.await.unwrap(), "the other task ran while the busy one joined 1000 handles");
    });
}

#[test]
fn unconstrained_never_yields_for_budget() {
    let rt = rt();
    rt.block_on(async {
        let ran = Arc::new(AtomicBool::new(false));
        let r = ran.clone();
        let busy = tern::spawn(tern::task::unconstrained(async move {
            for _ in 0..1000 {
                tern::task::consume_budget().await;
            }
            r.load(SeqCst)
        }));
        tern::spawn(async move { ran.store(true, SeqCst) });
        assert!(!busy.await.unwrap(), "no other task ran in between");
    });
}

#[test]
fn yield_now_lets_every_ready_task_run_first() {
    let rt = rt();
    rt.block_on(async {
        let order = Arc::new(Mutex::new(Vec::new()));
        let o = order.clone();
        let a = tern::spawn(async move {
            o.lock().unwrap().push("a1");
            tern::task::yield_now().await;
            o.lock().unwrap().push("a2");
        });
        let o = order.clone();
        let b = tern::spawn(async move { o.lock().unwrap().push("b") });
        let o = order.clone();
        let c = Handle::current().spawn(async move { o.lock().unwrap().push("c") });
        a.await.unwrap();
        b.await.unwrap();
        c.await.unwrap();
        assert_eq!(*order.lock().unwrap(), ["a1", "b", "c", "a2"]);
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
fn join_error_converts_into_io_error() {
    let rt = rt();
    rt.block_on(async {
        let h = tern::spawn(std::future::pending::<()>());
        h.abort();
        let io: std::io::Error = h.await.unwrap_err().into();
        assert_eq!(io.kind(), std::io::ErrorKind::Other);
    });
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
#[should_panic(expected = "max_io_events_per_tick must be non-zero")]
fn zero_io_events_per_tick_panics() {
    Builder::new_current_thread().max_io_events_per_tick(0);
}

#[test]
#[should_panic(expected = "max_io_events_per_busy_tick must be non-zero")]
fn zero_io_events_per_busy_tick_panics() {
    Builder::new_current_thread().max_io_events_per_busy_tick(0);
}

/// With tasks always runnable, every I/O poll is a busy one and takes a
/// single event; readiness beyond it stays in the kernel for later polls,
/// so all traffic still gets through.
#[test]
fn a_busy_runtime_taking_one_event_per_poll_still_sees_every_event() {
    use tern::io::{AsyncReadExt, AsyncWriteExt};
    let rt = Builder::new_current_thread()
        .max_io_events_per_tick(4)
        .max_io_events_per_busy_tick(1)
        .enable_all()
        .build()
        .unwrap();
    for _ in 0..4 {
        rt.spawn(async {
            loop {
                tern::task::yield_now().await;
            }
        });
    }
    rt.block_on(async {
        let listener = tern::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tern::spawn(async move {
            loop {
                let (mut s, _) = listener.accept().await.unwrap();
                tern::spawn(async move {
                    let mut buf = [0u8; 4];
                    while s.read_exact(&mut buf).await.is_ok() {
                        s.write_all(&buf).await.unwrap();
                    }
                });
            }
        });
        let clients: Vec<_> = (0..8)
            .map(|_| {
                tern::spawn(async move {
                    let mut s = tern::net::TcpStream::connect(addr).await.unwrap();
                    for _ in 0..8 {
                        s.write_all(b"ping").await.unwrap();
                        s.read_exact(&mut [0u8; 4]).await.unwrap();
                    }
                })
            })
            .collect();
        for c in clients {
            c.await.unwrap();
        }
    });
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

/// A yielding task is woken only after the scheduler has polled its
/// drivers, so a loop of yields waiting for a socket sees the event within
/// a round or two (not after `event_interval` ticks), both from a task and
/// from the `block_on` future.
#[test]
fn a_yield_lets_the_io_driver_run_before_the_task_resumes() {
    let rt = Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        for in_task in [true, false] {
            let listener = tern::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let accepted = Arc::new(AtomicBool::new(false));
            let flag = accepted.clone();
            tern::spawn(async move {
                listener.accept().await.unwrap();
                flag.store(true, SeqCst);
            });
            tern::task::yield_now().await; // the accept waits now
            let _client = std::net::TcpStream::connect(addr).unwrap();
            let wait = async move {
                let mut yields = 0;
                while !accepted.load(SeqCst) {
                    tern::task::yield_now().await;
                    yields += 1;
                }
                yields
            };
            let yields = if in_task { tern::spawn(wait).await.unwrap() } else { wait.await };
            assert!(yields <= 3, "in_task {in_task}: {yields} yields before the accept ran");
        }
    });
}

/// A task out of coop budget yields the same way: the other task, which
/// yields in a loop, runs about once per budget, not once per tick.
#[test]
fn running_out_of_budget_defers_like_a_yield() {
    let rt = Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let spins = Arc::new(AtomicUsize::new(0));
        let counter = spins.clone();
        tern::task::yield_now().await;
        tern::spawn(async move {
            loop {
                counter.fetch_add(1, SeqCst);
                tern::task::yield_now().await;
            }
        });
        for _ in 0..1024 {
            tern::task::coop::consume_budget().await;
        }
        let spins = spins.load(SeqCst);
        assert!((4..=16).contains(&spins), "the spinner ran {spins} times for 8 budgets");
    });
}

/// A yield made by the `on_thread_park` hook itself (its waker deferred)
/// is woken instead of parking forever.
#[test]
fn a_yield_in_the_park_hook_is_not_lost() {
    use std::future::Future;
    struct Flag(tern::sync::Notify);
    impl std::task::Wake for Flag {
        fn wake(self: Arc<Self>) {
            self.0.notify_one();
        }
    }
    let flag = Arc::new(Flag(tern::sync::Notify::new()));
    let waker = Waker::from(flag.clone());
    let once = AtomicBool::new(false);
    let rt = Builder::new_current_thread()
        .enable_all()
        .on_thread_park(move || {
            if !once.swap(true, SeqCst) {
                let yielded = std::pin::pin!(tern::task::yield_now());
                let _ = yielded.poll(&mut Context::from_waker(&waker));
            }
        })
        .build()
        .unwrap();
    rt.block_on(flag.0.notified());
}

/// A task whose poll panics is dropped while the panic unwinds (its
/// destructor sees `thread::panicking()`, as in Tokio), and the panic
/// reaches the `JoinHandle`.
#[test]
fn a_panicking_task_is_dropped_during_the_unwind() {
    struct Boom(Option<tern::sync::oneshot::Sender<bool>>);
    impl Future for Boom {
        type Output = ();
        fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
            panic!("boom (expected in this test)");
        }
    }
    impl Drop for Boom {
        fn drop(&mut self) {
            let _ = self.0.take().unwrap().send(std::thread::panicking());
        }
    }
    let rt = rt();
    let (tx, rx) = tern::sync::oneshot::channel();
    let handle = rt.spawn(Boom(Some(tx)));
    assert!(rt.block_on(rx).unwrap(), "dropped while panicking");
    assert!(rt.block_on(handle).unwrap_err().is_panic());
}
