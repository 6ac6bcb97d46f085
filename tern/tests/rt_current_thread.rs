//! Public behaviour of the current-thread runtime and of tasks on it:
//! spawning, join handles, aborts, panics, wakes, shutdown. The runtime's
//! context and threads are in `rt_current_thread_context.rs`, budgets and
//! yields in `rt_current_thread_yield.rs`.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc, Mutex};
use std::task::{Context, Poll, Waker};
use tern::runtime::{Builder, Runtime};

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
#[should_panic(expected = "Can't get a task id when not inside a task")]
fn task_id_outside_a_task_panics_with_tokios_text() {
    let _ = tern::task::id();
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
