//! `tern::sync::Barrier`: rendezvous, one leader per generation, reuse.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use tern::sync::Barrier;

#[test]
fn nobody_passes_before_the_nth_arrival() {
    let b = Barrier::new(3);
    let mut cx = Context::from_waker(Waker::noop());
    let mut one = pin!(b.wait());
    let mut two = pin!(b.wait());
    assert!(one.as_mut().poll(&mut cx).is_pending());
    assert!(two.as_mut().poll(&mut cx).is_pending());
    let mut three = pin!(b.wait());
    let lead = three.as_mut().poll(&mut cx);
    assert!(matches!(lead, Poll::Ready(r) if r.is_leader()), "the arrival that completes the set leads");
    assert!(matches!(one.as_mut().poll(&mut cx), Poll::Ready(r) if !r.is_leader()));
    assert!(matches!(two.as_mut().poll(&mut cx), Poll::Ready(r) if !r.is_leader()));
}

#[test]
fn zero_behaves_as_one() {
    let b = Barrier::new(0);
    let mut cx = Context::from_waker(Waker::noop());
    assert!(matches!(pin!(b.wait()).poll(&mut cx), Poll::Ready(r) if r.is_leader()));
}

#[tern::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_leader_per_generation_across_many_rounds() {
    let n = 5;
    let b = Arc::new(Barrier::new(n));
    let hs: Vec<_> = (0..n)
        .map(|_| {
            let b = b.clone();
            tern::spawn(async move {
                let mut leads = 0;
                for _ in 0..50 {
                    if b.wait().await.is_leader() {
                        leads += 1;
                    }
                }
                leads
            })
        })
        .collect();
    let mut total = 0;
    for h in hs {
        total += h.await.unwrap();
    }
    assert_eq!(total, 50, "exactly one leader per round");
}
