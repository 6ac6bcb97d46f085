//! tern::task::JoinSet, tern::task::Builder and tern::task::coop.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tern::runtime::{Builder as RtBuilder, Handle, Runtime};
use tern::task::{self, coop, JoinSet};

/// Sets its flag when dropped (the task holding it was dropped).
struct DropFlag(Arc<AtomicBool>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.store(true, SeqCst);
    }
}

/// A task that never completes, holding a `DropFlag`.
fn pending_with_flag(flag: &Arc<AtomicBool>) -> impl Future<Output = usize> + Send + 'static {
    let guard = DropFlag(flag.clone());
    async move {
        let _guard = guard;
        std::future::pending::<usize>().await
    }
}

/// Yields until `cond` holds (or gives up after many yields).
async fn yield_until(mut cond: impl FnMut() -> bool) {
    for _ in 0..100_000 {
        if cond() {
            return;
        }
        task::yield_now().await;
    }
    panic!("condition never became true");
}

fn runtimes() -> Vec<Runtime> {
    vec![
        RtBuilder::new_current_thread().enable_all().build().unwrap(),
        RtBuilder::new_multi_thread().worker_threads(2).enable_all().build().unwrap(),
    ]
}

#[tern::test]
async fn join_next_on_an_empty_set_is_none() {
    let mut set = JoinSet::<()>::new();
    assert!(set.is_empty());
    assert!(set.join_next().await.is_none());
    assert!(set.join_next_with_id().await.is_none());
    assert!(set.try_join_next().is_none());
    assert_eq!(format!("{set:?}"), "JoinSet { len: 0 }");
}

#[test]
fn dropping_the_set_aborts_every_task() {
    for rt in runtimes() {
        rt.block_on(async {
            let flags: Vec<_> = (0..8).map(|_| Arc::new(AtomicBool::new(false))).collect();
            let mut set = JoinSet::new();
            for flag in &flags {
                set.spawn(pending_with_flag(flag));
            }
            // Let them start.
            task::yield_now().await;
            assert_eq!(set.len(), 8);
            drop(set);
            yield_until(|| flags.iter().all(|f| f.load(SeqCst))).await;
        });
    }
}

#[tern::test(flavor = "multi_thread", worker_threads = 2)]
async fn join_next_with_id_returns_the_ids_spawn_handed_out() {
    let mut set = JoinSet::new();
    let mut expected = HashMap::new();
    for i in 0..100usize {
        let abort = set.spawn(async move {
            if i == 7 {
                panic!("task 7 fails");
            }
            if i == 9 {
                std::future::pending::<()>().await;
            }
            i
        });
        expected.insert(abort.id(), i);
        if i == 9 {
            abort.abort();
        }
    }
    let mut seen = HashSet::new();
    while let Some(res) = set.join_next_with_id().await {
        match res {
            Ok((id, i)) => {
                assert_eq!(expected[&id], i);
                assert!(seen.insert(id));
            }
            Err(e) => {
                let i = expected[&e.id()];
                assert!(seen.insert(e.id()));
                match i {
                    7 => assert!(e.is_panic()),
                    9 => assert!(e.is_cancelled()),
                    _ => panic!("task {i} failed: {e}"),
                }
            }
        }
    }
    assert_eq!(seen.len(), 100);
    assert!(set.is_empty());
}

#[tern::test(flavor = "current_thread")]
async fn try_join_next_returns_only_completed_tasks() {
    let mut set = JoinSet::new();
    let flag = Arc::new(AtomicBool::new(false));
    set.spawn(pending_with_flag(&flag));
    assert!(set.try_join_next().is_none());

    let done = set.spawn(async { 5 });
    // Current-thread: the task cannot have run yet.
    assert!(set.try_join_next_with_id().is_none());
    yield_until(|| done.is_finished()).await;
    match set.try_join_next_with_id() {
        Some(Ok((id, 5))) => assert_eq!(id, done.id()),
        other => panic!("unexpected {other:?}"),
    }
    assert!(set.try_join_next().is_none());
    assert_eq!(set.len(), 1);

    set.abort_all();
    // abort_all keeps the task in the set until it is joined.
    assert_eq!(set.len(), 1);
    let err = set.join_next().await.unwrap().unwrap_err();
    assert!(err.is_cancelled());
    assert!(flag.load(SeqCst));
}

#[test]
fn shutdown_aborts_and_empties_the_set() {
    for rt in runtimes() {
        rt.block_on(async {
            let flags: Vec<_> = (0..5).map(|_| Arc::new(AtomicBool::new(false))).collect();
            let mut set = JoinSet::new();
            for flag in &flags {
                set.spawn(pending_with_flag(flag));
            }
            set.spawn(async { 1 });
            set.shutdown().await;
            assert!(set.is_empty());
            assert!(flags.iter().all(|f| f.load(SeqCst)));
            assert!(set.join_next().await.is_none());
        });
    }
}

#[test]
fn detach_all_keeps_tasks_running() {
    for rt in runtimes() {
        rt.block_on(async {
            let go = Arc::new(AtomicBool::new(false));
            let finished = Arc::new(AtomicUsize::new(0));
            let mut set = JoinSet::new();
            for _ in 0..4 {
                let (go, finished) = (go.clone(), finished.clone());
                set.spawn(async move {
                    while !go.load(SeqCst) {
                        task::yield_now().await;
                    }
                    finished.fetch_add(1, SeqCst);
                });
            }
            set.detach_all();
            assert!(set.is_empty());
            drop(set);
            go.store(true, SeqCst);
            yield_until(|| finished.load(SeqCst) == 4).await;
        });
    }
}

#[tern::test(flavor = "current_thread", start_paused = true)]
async fn join_all_returns_outputs_in_completion_order() {
    let mut set = JoinSet::new();
    for i in 0..3u64 {
        set.spawn(async move {
            tern::time::sleep(Duration::from_secs(3 - i)).await;
            i
        });
    }
    assert_eq!(set.join_all().await, vec![2, 1, 0]);
}

#[tern::test]
async fn join_all_resumes_a_task_panic_and_cancels_the_rest() {
    let flag = Arc::new(AtomicBool::new(false));
    let flag2 = flag.clone();
    let err = tern::spawn(async move {
        let mut set = JoinSet::new();
        set.spawn(pending_with_flag(&flag2));
        set.spawn(async { panic!("boom in a task") });
        set.join_all().await
    })
    .await
    .unwrap_err();
    let payload = err.into_panic();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom in a task"));
    yield_until(|| flag.load(SeqCst)).await;
}

#[test]
fn ten_thousand_tasks_spawn_and_join() {
    for rt in runtimes() {
        rt.block_on(async {
            let mut set = JoinSet::new();
            let mut ids = HashSet::new();
            for i in 0..10_000u64 {
                ids.insert(set.spawn(async move { i }).id());
            }
            assert_eq!(ids.len(), 10_000);
            assert_eq!(set.len(), 10_000);
            let mut sum = 0;
            let mut n = 0;
            while let Some(res) = set.join_next_with_id().await {
                let (id, i) = res.unwrap();
                assert!(ids.remove(&id));
                sum += i;
                n += 1;
            }
            assert_eq!(n, 10_000);
            assert_eq!(sum, 10_000 * 9_999 / 2);
            assert!(ids.is_empty());
        });
    }
}

#[test]
fn ten_thousand_tasks_that_yield_first() {
    for rt in runtimes() {
        rt.block_on(async {
            let mut set: JoinSet<u64> = (0..10_000u64)
                .map(|i| async move {
                    task::yield_now().await;
                    i
                })
                .collect();
            let mut sum = 0;
            while let Some(res) = set.join_next().await {
                sum += res.unwrap();
            }
            assert_eq!(sum, 10_000 * 9_999 / 2);
        });
    }
}

#[tern::test]
async fn from_iterator_and_extend_spawn_each_future() {
    let mut set: JoinSet<usize> = (0..5).map(|i| async move { i }).collect();
    set.extend((5..10).map(|i| async move { i }));
    assert_eq!(set.len(), 10);
    let mut out = set.join_all().await;
    out.sort();
    assert_eq!(out, (0..10).collect::<Vec<_>>());
}

#[tern::test]
async fn spawn_on_and_spawn_blocking_join_like_spawn() {
    let handle = Handle::current();
    let mut set = JoinSet::new();
    set.spawn_on(async { 1 }, &handle);
    set.spawn_blocking(|| 2);
    set.spawn_blocking_on(|| 3, &handle);
    set.build_task().name("named").spawn(async { 4 }).unwrap();
    set.build_task().name("named-on").spawn_on(async { 5 }, &handle).unwrap();
    set.build_task().name("named-blocking").spawn_blocking(|| 6).unwrap();
    set.build_task().spawn_blocking_on(|| 7, &handle).unwrap();
    let mut out = set.join_all().await;
    out.sort();
    assert_eq!(out, vec![1, 2, 3, 4, 5, 6, 7]);
}

#[tern::test]
async fn join_next_is_cancel_safe() {
    let mut set = JoinSet::new();
    let go = Arc::new(AtomicBool::new(false));
    let go2 = go.clone();
    set.spawn(async move {
        yield_until(|| go2.load(SeqCst)).await;
        9
    });
    // Poll join_next once, then drop it: nothing may be lost.
    {
        let fut = set.join_next();
        tern::pin!(fut);
        let polled = std::future::poll_fn(|cx| Poll::Ready(fut.as_mut().poll(cx).is_pending())).await;
        assert!(polled);
    }
    assert_eq!(set.len(), 1);
    go.store(true, SeqCst);
    assert_eq!(set.join_next().await.unwrap().unwrap(), 9);
}

#[test]
fn builder_names_spawn_every_kind_of_task() {
    for rt in runtimes() {
        let handle = rt.handle().clone();
        rt.block_on(async {
            let a = task::Builder::new().name("a").spawn(async { "a" }).unwrap();
            let b = task::Builder::new().name("b").spawn_on(async { "b" }, &handle).unwrap();
            let c = task::Builder::new().name("c").spawn_blocking(|| "c").unwrap();
            let d = task::Builder::new().name("d").spawn_blocking_on(|| "d", &handle).unwrap();
            let e = task::Builder::new().spawn(async { "e" }).unwrap();
            let ids: HashSet<_> = [a.id(), b.id(), c.id(), d.id(), e.id()].into_iter().collect();
            assert_eq!(ids.len(), 5);
            let mut out = Vec::new();
            for h in [a, b, c, d, e] {
                out.push(h.await.unwrap());
            }
            assert_eq!(out, ["a", "b", "c", "d", "e"]);
            // A named task is aborted like any other.
            let p = task::Builder::new().name("pending").spawn(std::future::pending::<()>()).unwrap();
            p.abort();
            assert!(p.await.unwrap_err().is_cancelled());
        });
    }
    assert!(format!("{:?}", task::Builder::new().name("x")).contains("\"x\""));
}

#[test]
#[should_panic(expected = "tern::task::Builder::spawn")]
fn builder_spawn_panics_outside_a_runtime() {
    let _ = task::Builder::new().name("nowhere").spawn(async {});
}

/// Counts how often the wrapped future is polled.
struct CountPolls<F> {
    inner: Pin<Box<F>>,
    polls: usize,
}

impl<F: Future> Future for CountPolls<F> {
    type Output = (F::Output, usize);

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.polls += 1;
        match self.inner.as_mut().poll(cx) {
            Poll::Ready(v) => Poll::Ready((v, self.polls)),
            Poll::Pending => Poll::Pending,
        }
    }
}

fn count_polls<F: Future>(f: F) -> CountPolls<F> {
    CountPolls { inner: Box::pin(f), polls: 0 }
}

#[tern::test]
async fn consume_budget_runs_the_budget_down_then_yields() {
    tern::spawn(async {
        // A fresh poll has budget.
        assert!(coop::has_budget_remaining());
        let mut spent = 0;
        while coop::has_budget_remaining() {
            coop::consume_budget().await;
            spent += 1;
            assert!(spent <= 128, "the budget never ran out");
        }
        assert!(!coop::has_budget_remaining());
        // The next unit makes the task yield; it resumes with a new budget.
        coop::consume_budget().await;
        assert!(coop::has_budget_remaining());
    })
    .await
    .unwrap();

    // A loop of consume_budget is polled more than once (it yields)...
    let ((), polls) = count_polls(async {
        for _ in 0..1_000 {
            coop::consume_budget().await;
        }
    })
    .await;
    assert!(polls > 1, "consume_budget never yielded");

    // ...but never when unconstrained.
    let ((), polls) = count_polls(coop::unconstrained(async {
        for _ in 0..1_000 {
            coop::consume_budget().await;
            assert!(coop::has_budget_remaining());
        }
    }))
    .await;
    assert_eq!(polls, 1);
}

#[tern::test]
async fn cooperative_spends_budget_per_ready_value() {
    let (sum, polls) = count_polls(async {
        let mut sum = 0u64;
        for i in 0..1_000u64 {
            sum += coop::cooperative(std::future::ready(i)).await;
        }
        sum
    })
    .await;
    assert_eq!(sum, 499_500);
    assert!(polls > 1, "cooperative never yielded");
}

#[tern::test]
async fn poll_proceed_charges_only_on_progress() {
    std::future::poll_fn(|cx| {
        for _ in 0..1_000 {
            // Dropped without progress: the unit is given back.
            let restore = coop::poll_proceed(cx);
            assert!(restore.is_ready());
        }
        let mut spent = 0;
        while let Poll::Ready(restore) = coop::poll_proceed(cx) {
            restore.made_progress();
            spent += 1;
            assert!(spent <= 128);
        }
        assert!(!coop::has_budget_remaining());
        Poll::Ready(())
    })
    .await;
}

#[test]
fn join_set_and_builders_are_send_and_sync_for_send_outputs() {
    fn send_sync<T: Send + Sync + Unpin>() {}
    send_sync::<JoinSet<u32>>();
    send_sync::<JoinSet<String>>();
    send_sync::<task::Builder<'static>>();
    send_sync::<tern::task::join_set::Builder<'static, u32>>();
    send_sync::<coop::Unconstrained<std::future::Ready<()>>>();
    send_sync::<coop::Coop<std::future::Ready<()>>>();
}

/// A task added after `join_next` returned `Pending` (here by another task,
/// the set shared behind a mutex) wakes the waiting task when it completes,
/// as Tokio's does: the new entry has no waker of its own until the set
/// looks at it.
#[tern::test(flavor = "current_thread", start_paused = true)]
async fn a_task_added_while_join_next_waits_wakes_it() {
    let set = Arc::new(std::sync::Mutex::new(JoinSet::new()));
    set.lock().unwrap().spawn(std::future::pending::<u32>());
    let spawner = {
        let set = set.clone();
        tern::spawn(async move {
            // Runs once the owner below is waiting (spawned after this
            // task, it runs first only after this yield).
            task::yield_now().await;
            task::yield_now().await;
            set.lock().unwrap().spawn(async { 7 });
        })
    };
    // The owner in a task of its own: only a wake polls it again.
    let owner = {
        let set = set.clone();
        tern::spawn(async move {
            let joined = std::future::poll_fn(|cx| set.lock().unwrap().poll_join_next(cx));
            // Paused clock: were the owner never woken, the idle runtime
            // would jump to this deadline at once instead of hanging (and
            // the sleep is looked at first: its wake must not count).
            tern::select! {
                biased;
                _ = tern::time::sleep(Duration::from_secs(3600)) => None,
                joined = joined => joined,
            }
        })
    };
    let first = owner.await.unwrap();
    assert_eq!(first.expect("the new task's completion woke nobody").unwrap(), 7);
    spawner.await.unwrap();
    set.lock().unwrap().abort_all();
}
