//! Task-locals: values set by `scope`/`sync_scope`, visible across
//! `.await` and threads, restored by nested scopes, and Tokio's errors and
//! panic messages outside a scope.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;
use tern::task::{AccessError, LocalKey};

tern::task_local! {
    static NUMBER: u32;
    pub static NAME: String;
}

tern::task_local! {
    #[allow(dead_code)]
    static LAST: u8
}

#[tern::test]
async fn value_survives_await() {
    NUMBER
        .scope(1, async {
            assert_eq!(NUMBER.get(), 1);
            tern::task::yield_now().await;
            assert_eq!(NUMBER.get(), 1);
            NUMBER.with(|n| assert_eq!(*n, 1));
        })
        .await;
}

#[test]
fn value_follows_a_task_across_threads() {
    let rt = tern::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
    rt.block_on(async {
        let handles: Vec<_> = (0..8u32)
            .map(|i| {
                tern::spawn(NUMBER.scope(i, async move {
                    for _ in 0..20 {
                        tern::task::yield_now().await;
                        assert_eq!(NUMBER.get(), i);
                    }
                    NUMBER.get()
                }))
            })
            .collect();
        for (i, h) in handles.into_iter().enumerate() {
            assert_eq!(h.await.unwrap(), i as u32);
        }
    });
}

#[tern::test]
async fn nested_scopes_restore_the_outer_value() {
    NAME.scope("outer".to_string(), async {
        NAME.scope("inner".to_string(), async {
            assert_eq!(NAME.get(), "inner");
            tern::task::yield_now().await;
            assert_eq!(NAME.get(), "inner");
        })
        .await;
        assert_eq!(NAME.get(), "outer");
        NUMBER.scope(7, async { assert_eq!((NUMBER.get(), NAME.get()), (7, "outer".to_string())) }).await;
    })
    .await;
    assert!(NAME.try_get().is_err());
}

#[test]
fn sync_scope_sets_the_value_for_the_closure() {
    let r = NUMBER.sync_scope(5, || {
        assert_eq!(NUMBER.get(), 5);
        NUMBER.sync_scope(6, || assert_eq!(NUMBER.get(), 6));
        NUMBER.get() * 2
    });
    assert_eq!(r, 10);
    assert_eq!(NUMBER.try_with(|n| *n), Err(AccessError::clone(&NUMBER.try_get().unwrap_err())));
}

#[test]
fn sync_scope_restores_after_a_panic() {
    let caught = std::panic::catch_unwind(|| NUMBER.sync_scope(1, || panic!("inside")));
    assert!(caught.is_err());
    assert!(NUMBER.try_get().is_err(), "the value is gone after the scope unwound");
}

#[test]
fn outside_a_scope_try_with_errors() {
    let err = NUMBER.try_with(|n| *n).unwrap_err();
    assert_eq!(err.to_string(), "task-local value not set");
    assert_eq!(format!("{err:?}"), "AccessError");
    let _: &dyn std::error::Error = &err;
}

#[test]
#[should_panic(expected = "cannot access a task-local storage value without setting it first")]
fn outside_a_scope_with_panics() {
    NUMBER.with(|_| ());
}

#[test]
#[should_panic(expected = "cannot access a task-local storage value without setting it first")]
fn outside_a_scope_get_panics() {
    NUMBER.get();
}

#[test]
#[should_panic(expected = "cannot enter a task-local scope while the task-local storage is borrowed")]
fn sync_scope_inside_with_panics() {
    NUMBER.sync_scope(1, || NUMBER.with(|_| NUMBER.sync_scope(2, || ())));
}

#[tern::test]
#[should_panic(expected = "cannot enter a task-local scope while the task-local storage is borrowed")]
async fn polling_a_scope_inside_with_panics() {
    let mut fut = Box::pin(NUMBER.scope(2, async {}));
    let waker = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(waker);
    let _ = NUMBER.sync_scope(1, || NUMBER.with(|_| fut.as_mut().poll_outer(&mut cx)));
}

trait PollOuter {
    fn poll_outer(self, cx: &mut std::task::Context<'_>) -> std::task::Poll<()>;
}

impl<F: std::future::Future<Output = ()>> PollOuter for std::pin::Pin<&mut F> {
    fn poll_outer(self, cx: &mut std::task::Context<'_>) -> std::task::Poll<()> {
        std::future::Future::poll(self, cx)
    }
}

#[tern::test]
#[should_panic(expected = "`TaskLocalFuture` polled after completion")]
async fn polling_after_completion_panics() {
    let mut fut = Box::pin(NUMBER.scope(1, async {}));
    fut.as_mut().await;
    fut.as_mut().await;
}

#[tern::test]
async fn take_value_after_completion() {
    let mut fut = Box::pin(NUMBER.scope(42, async { NUMBER.get() + 1 }));
    assert_eq!(fut.as_mut().await, 43);
    assert_eq!(fut.as_mut().take_value(), Some(42));
    assert_eq!(fut.as_mut().take_value(), None);
    assert_eq!(format!("{fut:?}"), "TaskLocalFuture { value: <missing> }");
}

#[tern::test]
async fn inner_future_is_dropped_inside_the_scope() {
    struct SeesValue(Arc<AtomicBool>);
    impl Drop for SeesValue {
        fn drop(&mut self) {
            self.0.store(NUMBER.try_get() == Ok(9), SeqCst);
        }
    }
    let saw = Arc::new(AtomicBool::new(false));
    let guard = SeesValue(saw.clone());
    let fut = NUMBER.scope(9, async move {
        let _guard = guard;
        std::future::pending::<()>().await;
    });
    // Poll once so the guard is inside the async block's state, then drop.
    let v = tern::select! { biased; _ = fut => 0, v = std::future::ready(1) => v };
    assert_eq!(v, 1);
    assert!(saw.load(SeqCst), "the destructor ran with the task-local set");
}

#[test]
fn local_key_debug_and_types() {
    assert_eq!(format!("{NUMBER:?}"), "LocalKey { .. }");
    let _: &'static LocalKey<u32> = &NUMBER;
    let fut: tern::task::futures::TaskLocalFuture<u32, std::future::Ready<()>> =
        NUMBER.scope(1, std::future::ready(()));
    assert_eq!(format!("{fut:?}"), "TaskLocalFuture { value: 1 }");
    thread_local!(static UNUSED: Cell<u8> = const { Cell::new(0) });
    UNUSED.with(|c| c.set(1));
}
