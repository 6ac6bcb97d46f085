//! Every attribute-macro option and every declarative macro, as Tokio code.

use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::runtime::RuntimeFlavor;
use tokio::task::{JoinSet, LocalSet};

#[tokio::test]
async fn default_test_is_current_thread() {
    assert_eq!(tokio::runtime::Handle::current().runtime_flavor(), RuntimeFlavor::CurrentThread);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multi_thread_with_two_workers() {
    assert_eq!(tokio::runtime::Handle::current().runtime_flavor(), RuntimeFlavor::MultiThread);
    let handles: Vec<_> = (0..100).map(|i| tokio::spawn(async move { i })).collect();
    let mut sum = 0;
    for h in handles {
        sum += h.await.unwrap();
    }
    assert_eq!(sum, 4950);
}

#[tokio::test(flavor = "multi_thread")]
async fn multi_thread_default_workers() {
    assert_eq!(tokio::spawn(async { 7 }).await.unwrap(), 7);
}

#[tokio::test(start_paused = true)]
async fn paused_time_advances_on_its_own() {
    let start = tokio::time::Instant::now();
    tokio::time::sleep(Duration::from_secs(3600)).await;
    assert!(start.elapsed() >= Duration::from_secs(3600));
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn current_thread_paused() {
    let r = tokio::time::timeout(Duration::from_secs(1), std::future::pending::<()>()).await;
    assert!(r.is_err());
}

#[tokio::test(flavor = "local")]
async fn local_flavor_runs_spawn_local() {
    let rc = Rc::new(5);
    let v = tokio::task::spawn_local(async move { *rc + 1 }).await.unwrap();
    assert_eq!(v, 6);
}

#[tokio::test]
async fn test_returning_result() -> Result<(), std::io::Error> {
    Ok(())
}

#[tokio::test]
async fn select_forms() {
    // pattern, precondition, else, biased
    let mut polled_second = false;
    let out = tokio::select! {
        biased;
        Some(v) = async { Some(1) } => v,
        _ = async { polled_second = true; } => 2,
    };
    assert_eq!(out, 1);
    assert!(!polled_second);

    let disabled = false;
    let out = tokio::select! {
        v = async { 10 }, if disabled => v,
        Ok(v) = async { Err::<u32, ()>(()) } => v,
        else => 99,
    };
    assert_eq!(out, 99);
}

#[tokio::test]
async fn join_and_try_join() {
    let (a, b, c) = tokio::join!(async { 1 }, async { "two" }, async { 3.0 });
    assert_eq!((a, b, c), (1, "two", 3.0));
    let r: Result<(i32, i32), &str> = tokio::try_join!(async { Ok(1) }, async { Err("no") });
    assert_eq!(r, Err("no"));
    let ok: Result<(i32, i32), ()> = tokio::try_join!(biased; async { Ok(1) }, async { Ok(2) });
    assert_eq!(ok, Ok((1, 2)));
}

#[tokio::test]
async fn pin_macro() {
    let fut = async { 5 };
    tokio::pin!(fut);
    assert_eq!((&mut fut).await, 5);
}

tokio::task_local! {
    static NAME: &'static str;
}

#[tokio::test]
async fn task_local_scope_and_sync_scope() {
    let v = NAME
        .scope("outer", async {
            tokio::task::yield_now().await;
            NAME.with(|n| n.to_string())
        })
        .await;
    assert_eq!(v, "outer");
    assert_eq!(NAME.sync_scope("sync", || NAME.get()), "sync");
    assert!(NAME.try_with(|_| ()).is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn join_set_aborts_on_drop() {
    let running = Arc::new(AtomicUsize::new(0));
    let mut set = JoinSet::new();
    for _ in 0..10 {
        let running = running.clone();
        set.spawn(async move {
            struct Dec(Arc<AtomicUsize>);
            impl Drop for Dec {
                fn drop(&mut self) {
                    self.0.fetch_sub(1, Ordering::SeqCst);
                }
            }
            running.fetch_add(1, Ordering::SeqCst);
            let _dec = Dec(running);
            std::future::pending::<()>().await;
        });
    }
    while running.load(Ordering::SeqCst) < 10 {
        tokio::task::yield_now().await;
    }
    drop(set);
    while running.load(Ordering::SeqCst) > 0 {
        tokio::task::yield_now().await;
    }
}

#[tokio::test]
async fn join_set_with_ids() {
    let mut set = JoinSet::new();
    let id = set.spawn(async { 42 }).id();
    let (got, v) = set.join_next_with_id().await.unwrap().unwrap();
    assert_eq!((got, v), (id, 42));
    assert!(set.join_next().await.is_none());
}

#[tokio::test]
async fn local_set_with_rc() {
    let local = LocalSet::new();
    let data = Rc::new(vec![1, 2, 3]);
    let sum = local
        .run_until(async move {
            let d = data.clone();
            tokio::task::spawn_local(async move {
                let inner = tokio::task::spawn_local(async move { d.iter().sum::<i32>() });
                inner.await.unwrap()
            })
            .await
            .unwrap()
        })
        .await;
    assert_eq!(sum, 6);
}

#[test]
fn runtime_builder_by_hand() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    assert_eq!(rt.block_on(async { tokio::spawn(async { 1 }).await.unwrap() }), 1);
}
