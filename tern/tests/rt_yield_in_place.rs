//! A task's own yield on a current-thread runtime queues it as it is, still
//! running (no state transition): whatever reaches it while it waits there
//! (an abort, the runtime's shutdown, a wake from elsewhere) must act as it
//! would on a task that went idle.

use std::future::poll_fn;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};
use tern::runtime::{Builder, Runtime};
use tern::task::yield_now;

fn rt() -> Runtime {
    Builder::new_current_thread().enable_all().build().unwrap()
}

/// Sets its flag when dropped.
struct DropFlag(Arc<AtomicBool>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.store(true, SeqCst);
    }
}

/// A task that yields forever, counting its polls.
fn yielder(dropped: &Arc<AtomicBool>, polls: &Arc<AtomicUsize>) -> impl std::future::Future<Output = ()> {
    let flag = DropFlag(dropped.clone());
    let polls = polls.clone();
    async move {
        let _flag = flag;
        loop {
            polls.fetch_add(1, SeqCst);
            yield_now().await;
        }
    }
}

#[test]
fn aborting_a_task_that_waits_after_its_yield_cancels_it() {
    let (dropped, polls) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicUsize::new(0)));
    rt().block_on(async {
        let handle = tern::spawn(yielder(&dropped, &polls));
        while polls.load(SeqCst) < 3 {
            yield_now().await;
        }
        // The task is queued behind its own yield, still running.
        handle.abort();
        let err = handle.await.unwrap_err();
        assert!(err.is_cancelled(), "{err}");
        assert!(dropped.load(SeqCst), "the future is dropped by the cancellation");
    });
}

#[test]
fn dropping_the_runtime_cancels_a_task_that_waits_after_its_yield() {
    let (dropped, polls) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicUsize::new(0)));
    let rt = rt();
    let handle = rt.spawn(yielder(&dropped, &polls));
    rt.block_on(async {
        while polls.load(SeqCst) < 3 {
            yield_now().await;
        }
    });
    assert!(!dropped.load(SeqCst));
    drop(rt);
    assert!(dropped.load(SeqCst), "shutdown drops the future of a yielded task");
    let err = rt_outside().block_on(handle).unwrap_err();
    assert!(err.is_cancelled(), "{err}");
}

fn rt_outside() -> Runtime {
    Builder::new_current_thread().build().unwrap()
}

#[test]
fn a_wake_that_reaches_a_task_waiting_after_its_yield_is_not_lost() {
    rt().block_on(async {
        let waker: Arc<Mutex<Option<Waker>>> = Arc::default();
        let released = Arc::new(AtomicBool::new(false));
        let (w, r) = (waker.clone(), released.clone());
        let task = tern::spawn(async move {
            // Publish this task's waker, then yield: the waker fires while
            // the task waits behind its yield.
            poll_fn(|cx| {
                *w.lock().unwrap() = Some(cx.waker().clone());
                Poll::Ready(())
            })
            .await;
            yield_now().await;
            // Now wait for the flag, relying on that wake having been kept
            // or on a later one.
            poll_fn(|cx| {
                if r.load(SeqCst) {
                    Poll::Ready(7)
                } else {
                    *w.lock().unwrap() = Some(cx.waker().clone());
                    Poll::Pending
                }
            })
            .await
        });
        while waker.lock().unwrap().is_none() {
            yield_now().await;
        }
        // The task is queued behind its yield: wake it there.
        waker.lock().unwrap().take().unwrap().wake();
        released.store(true, SeqCst);
        assert_eq!(task.await.unwrap(), 7);
    });
}

#[test]
fn a_task_that_yields_then_completes_on_its_next_poll_returns_its_output() {
    rt().block_on(async {
        let tasks: Vec<_> = (0..50)
            .map(|i| {
                tern::spawn(async move {
                    for _ in 0..i {
                        yield_now().await;
                    }
                    i
                })
            })
            .collect();
        for (i, t) in tasks.into_iter().enumerate() {
            assert_eq!(t.await.unwrap(), i);
        }
    });
}

#[test]
fn a_task_that_panics_after_its_yield_reports_the_panic() {
    rt().block_on(async {
        let task = tern::spawn(async {
            yield_now().await;
            panic!("after the yield");
        });
        let err = task.await.unwrap_err();
        assert!(err.is_panic(), "{err}");
        // The runtime goes on.
        assert_eq!(tern::spawn(async { 3 }).await.unwrap(), 3);
    });
}
