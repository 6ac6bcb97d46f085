//! `select!`: every branch form, cancellation of the losers, `biased;`,
//! preconditions, pattern mismatches, `else`, the all-disabled panic, 64
//! branches, and reproducible branch order under `Builder::rng_seed`.

use std::future::{pending, ready, Future};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use tern::runtime::{Builder, RngSeed};

/// Counts its polls and its drop; never completes.
struct Tracked {
    polls: Arc<AtomicUsize>,
    drops: Arc<AtomicUsize>,
}

impl Future for Tracked {
    type Output = ();
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        self.polls.fetch_add(1, SeqCst);
        Poll::Pending
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.drops.fetch_add(1, SeqCst);
    }
}

/// Records `id` in `log` on each poll; ready after `pendings` polls.
fn logged(id: usize, pendings: usize, log: Arc<Mutex<Vec<usize>>>) -> impl Future<Output = usize> {
    let mut left = pendings;
    std::future::poll_fn(move |cx| {
        log.lock().unwrap().push(id);
        if left == 0 {
            Poll::Ready(id)
        } else {
            left -= 1;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    })
}

#[tern::test]
async fn first_ready_branch_wins() {
    let v = tern::select! {
        v = pending::<u32>() => v,
        v = ready(7u32) => v + 1,
    };
    assert_eq!(v, 8);
}

#[tern::test]
async fn every_handler_form_parses() {
    // Block handlers with and without commas, expression handlers, with and
    // without preconditions, the last without a trailing comma.
    let v = tern::select! {
        _ = pending::<()>() => { 1 }
        _ = pending::<()>(), if true => { 2 },
        _ = pending::<()>(), if true => 3,
        v = ready(4) => v
    };
    assert_eq!(v, 4);
    let v = tern::select! {
        v = ready(5), if true => v,
    };
    assert_eq!(v, 5);
    let v = tern::select! { v = ready(6) => { v } };
    assert_eq!(v, 6);
}

#[tern::test]
async fn loser_is_dropped_and_not_polled_again() {
    let polls = Arc::new(AtomicUsize::new(0));
    let drops = Arc::new(AtomicUsize::new(0));
    let log = Arc::new(Mutex::new(Vec::new()));
    let v = tern::select! {
        _ = Tracked { polls: polls.clone(), drops: drops.clone() } => 0,
        v = logged(1, 3, log.clone()) => v,
    };
    assert_eq!(v, 1);
    // Four polls of the select, each polled the pending branch at most once.
    let polled = polls.load(SeqCst);
    assert!((3..=4).contains(&polled), "polled {polled} times");
    assert_eq!(drops.load(SeqCst), 1, "the losing future is dropped when select! returns");
    tern::task::yield_now().await;
    assert_eq!(polls.load(SeqCst), polled);
}

#[tern::test]
async fn biased_polls_in_order() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let v = tern::select! {
        biased;
        v = logged(0, 2, log.clone()) => v,
        v = logged(1, 2, log.clone()) => v,
        v = logged(2, 2, log.clone()) => v,
    };
    assert_eq!(v, 0);
    assert_eq!(*log.lock().unwrap(), [0, 1, 2, 0, 1, 2, 0]);
}

#[tern::test]
async fn unbiased_start_varies() {
    let mut firsts = [0usize; 3];
    for _ in 0..300 {
        let v = tern::select! {
            v = ready(0) => v,
            v = ready(1) => v,
            v = ready(2) => v,
        };
        firsts[v] += 1;
    }
    assert!(firsts.iter().all(|&n| n > 0), "every branch should win sometimes: {firsts:?}");
}

#[tern::test]
async fn false_precondition_disables_but_evaluates() {
    let evaluated = AtomicUsize::new(0);
    for _ in 0..50 {
        let v = tern::select! {
            v = async { evaluated.fetch_add(1, SeqCst); 1 }, if false => v,
            v = ready(2) => v,
        };
        assert_eq!(v, 2);
    }
    // The future is built (the expression runs) but never polled: an async
    // block runs nothing until polled.
    assert_eq!(evaluated.load(SeqCst), 0);
    let built = AtomicUsize::new(0);
    let v = tern::select! {
        _ = { built.fetch_add(1, SeqCst); ready(()) }, if false => 1,
        v = ready(2) => v,
    };
    assert_eq!((v, built.load(SeqCst)), (2, 1));
}

#[tern::test]
async fn pattern_mismatch_disables_branch_and_continues() {
    let polls = Arc::new(AtomicUsize::new(0));
    let log = Arc::new(Mutex::new(Vec::new()));
    let counted = {
        let polls = polls.clone();
        std::future::poll_fn(move |_| {
            polls.fetch_add(1, SeqCst);
            Poll::Ready(None::<u32>)
        })
    };
    let v = tern::select! {
        biased;
        Some(v) = counted => v,
        v = logged(9, 3, log.clone()) => v as u32,
    };
    assert_eq!(v, 9);
    assert_eq!(polls.load(SeqCst), 1, "a branch whose pattern failed is not polled again");
}

#[tern::test]
async fn else_runs_when_all_disabled() {
    let v = tern::select! {
        Some(v) = ready(None::<u32>) => v,
        Ok(v) = ready(Err::<u32, ()>(())) => v,
        else => 42,
    };
    assert_eq!(v, 42);
    let v = tern::select! {
        _ = ready(()), if false => 1,
        else => 2
    };
    assert_eq!(v, 2);
    let v = tern::select! { else => 3 };
    assert_eq!(v, 3);
    let v = tern::select! { biased; else => 4, };
    assert_eq!(v, 4);
}

#[tern::test]
#[should_panic(expected = "all branches are disabled and there is no else branch")]
async fn all_disabled_without_else_panics() {
    let _: u32 = tern::select! {
        v = ready(1), if false => v,
        Some(v) = ready(None) => v,
    };
}

#[tern::test]
async fn ref_and_mut_patterns() {
    let v = tern::select! {
        mut v = ready(vec![1]) => { v.push(2); v }
    };
    assert_eq!(v, [1, 2]);
    let v = tern::select! {
        ref v = ready(String::from("x")) => v.len(),
    };
    assert_eq!(v, 1);
    let v = tern::select! {
        (a, ref mut b) = ready((1, 2)) => { *b += a; *b }
    };
    assert_eq!(v, 3);
}

#[tern::test]
async fn control_flow_in_handlers_and_borrowed_futures() {
    let counter = AtomicUsize::new(0);
    let mut yielder = Box::pin(tern::task::yield_now());
    let mut yielded = false;
    let mut seen = Vec::new();
    let out = loop {
        tern::select! {
            biased;
            _ = &mut yielder, if !yielded => { yielded = true; }
            v = ready(counter.fetch_add(1, SeqCst)) => {
                seen.push(v);
                if v == 3 {
                    break v;
                }
                continue;
            }
        }
    };
    // The second round's `ready(1)` was built but lost to the yielder.
    assert!(yielded);
    assert_eq!((out, seen), (3, vec![0, 2, 3]));
}

#[tern::test]
async fn into_future_expressions() {
    struct Later(u8);
    impl std::future::IntoFuture for Later {
        type Output = u8;
        type IntoFuture = std::future::Ready<u8>;
        fn into_future(self) -> Self::IntoFuture {
            ready(self.0)
        }
    }
    let v = tern::select! { v = Later(3) => v };
    assert_eq!(v, 3);
}

/// A future that is ready (with its index) only when `index == target`.
fn ready_if(index: u32, target: u32) -> Pin<Box<dyn Future<Output = u32> + Send>> {
    if index == target {
        Box::pin(ready(index))
    } else {
        Box::pin(pending())
    }
}

macro_rules! select_64 {
    ($target:expr; $($i:literal)*) => {
        tern::select! { $( v = ready_if($i, $target) => v, )* }
    };
}

#[tern::test]
async fn sixty_four_branches() {
    for target in [0, 1, 31, 32, 62, 63] {
        let v = select_64!(target;
            0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31
            32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60 61 62 63);
        assert_eq!(v, target);
    }
}

/// Which of four always-ready branches wins, `n` times in a row.
async fn winners(n: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(tern::select! {
            v = ready(0u8) => v,
            v = ready(1u8) => v,
            v = ready(2u8) => v,
            v = ready(3u8) => v,
        });
    }
    out
}

/// Winners in `block_on` and then in a spawned task, on a current-thread
/// runtime seeded with `seed`.
fn seeded_run(seed: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let rt = Builder::new_current_thread().rng_seed(RngSeed::from_bytes(seed)).build().unwrap();
    rt.block_on(async {
        let main = winners(200).await;
        let task = tern::spawn(winners(200)).await.unwrap();
        (main, task)
    })
}

#[test]
fn same_seed_same_branch_order() {
    let a = seeded_run(b"seed one");
    let b = seeded_run(b"seed one");
    assert_eq!(a, b);
    let c = seeded_run(b"seed two");
    assert_ne!(a.0, c.0, "a different seed gives a different order");
    assert_ne!(a.1, c.1);
}

#[test]
fn same_seed_same_order_on_multi_thread_block_on() {
    let run = |seed: &[u8]| {
        let rt = Builder::new_multi_thread()
            .worker_threads(2)
            .rng_seed(RngSeed::from_bytes(seed))
            .build()
            .unwrap();
        rt.block_on(winners(200))
    };
    assert_eq!(run(b"mt"), run(b"mt"));
    assert_ne!(run(b"mt"), run(b"tm"));
}
