//! `tern::sync::Semaphore`: permits, fairness, cancel safety, close.

use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use tern::sync::{Semaphore, TryAcquireError};

mod support;

/// A waker that counts its wakes.
#[derive(Default)]
struct Count(AtomicUsize);

impl Wake for Count {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

fn counting() -> (Arc<Count>, Waker) {
    let c = Arc::new(Count::default());
    (c.clone(), Waker::from(c))
}

fn poll_with<F: Future>(f: Pin<&mut F>, w: &Waker) -> Poll<F::Output> {
    f.poll(&mut Context::from_waker(w))
}

fn poll<F: Future>(f: Pin<&mut F>) -> Poll<F::Output> {
    poll_with(f, Waker::noop())
}

#[test]
fn try_acquire_counts_and_errors() {
    let s = Semaphore::new(2);
    let a = s.try_acquire().unwrap();
    let b = s.try_acquire().unwrap();
    assert_eq!(s.available_permits(), 0);
    assert_eq!(s.try_acquire().err(), Some(TryAcquireError::NoPermits));
    assert_eq!(TryAcquireError::NoPermits.to_string(), "no permits available");
    drop(a);
    assert_eq!(s.available_permits(), 1);
    s.close();
    assert!(s.is_closed());
    assert_eq!(s.try_acquire().err(), Some(TryAcquireError::Closed));
    assert_eq!(TryAcquireError::Closed.to_string(), "semaphore closed");
    drop(b);
    assert_eq!(s.available_permits(), 2, "a permit dropped after close still returns");
    assert_eq!(s.try_acquire_many(3).err(), Some(TryAcquireError::Closed));
}

#[test]
fn acquire_many_at_the_front_blocks_later_small_acquires() {
    let s = Semaphore::new(1);
    let mut big = pin!(s.acquire_many(2));
    assert!(poll(big.as_mut()).is_pending());
    // The one available permit went to the queued waiter.
    assert_eq!(s.available_permits(), 0);
    let mut small = pin!(s.acquire());
    assert!(poll(small.as_mut()).is_pending(), "no overtaking");
    assert!(s.try_acquire().is_err());
    s.add_permits(1);
    let big_permit = match poll(big.as_mut()) {
        Poll::Ready(Ok(p)) => p,
        _ => panic!("the front waiter holds both permits now"),
    };
    assert_eq!(big_permit.num_permits(), 2);
    assert!(poll(small.as_mut()).is_pending());
    drop(big_permit);
    assert!(matches!(poll(small.as_mut()), Poll::Ready(Ok(_))));
    // (the permit was dropped at the end of that statement)
    assert_eq!(s.available_permits(), 2);
}

#[test]
fn granted_waiter_dropped_passes_its_turn_on() {
    let s = Semaphore::new(0);
    let (c1, w1) = counting();
    let (c2, w2) = counting();
    let mut first = Box::pin(s.acquire());
    let mut second = pin!(s.acquire());
    assert!(poll_with(first.as_mut(), &w1).is_pending());
    assert!(poll_with(second.as_mut(), &w2).is_pending());
    s.add_permits(1);
    assert_eq!(c1.0.load(SeqCst), 1, "the oldest waiter is woken");
    assert_eq!(c2.0.load(SeqCst), 0);
    drop(first); // granted but never polled again
    assert_eq!(c2.0.load(SeqCst), 1, "the permit moved on to the next waiter");
    let Poll::Ready(Ok(permit)) = poll_with(second.as_mut(), &w2) else { panic!("granted") };
    assert_eq!(s.available_permits(), 0);
    drop(permit);
    assert_eq!(s.available_permits(), 1);
}

#[test]
fn dropping_a_partly_served_waiter_returns_its_permits() {
    let s = Semaphore::new(2);
    let mut f = Box::pin(s.acquire_many(5));
    assert!(poll(f.as_mut()).is_pending());
    assert_eq!(s.available_permits(), 0);
    s.add_permits(1);
    assert_eq!(s.available_permits(), 0);
    drop(f);
    assert_eq!(s.available_permits(), 3, "nothing is lost");
}

#[test]
fn dropping_a_pending_waiter_loses_nothing() {
    let s = Semaphore::new(0);
    let mut f = Box::pin(s.acquire());
    assert!(poll(f.as_mut()).is_pending());
    drop(f);
    s.add_permits(1);
    assert_eq!(s.available_permits(), 1);
    assert!(s.try_acquire().is_ok());
}

#[test]
fn close_wakes_every_waiter_with_an_error() {
    let s = Semaphore::new(0);
    let (c, w) = counting();
    let mut futs: Vec<_> = (0..40).map(|_| Box::pin(s.acquire())).collect();
    for f in &mut futs {
        assert!(poll_with(f.as_mut(), &w).is_pending());
    }
    s.close();
    assert_eq!(c.0.load(SeqCst), 40);
    for f in &mut futs {
        match poll_with(f.as_mut(), &w) {
            Poll::Ready(Err(e)) => assert_eq!(e.to_string(), "semaphore closed"),
            _ => panic!("closed semaphore must fail the acquire"),
        }
    }
    let mut late = pin!(s.acquire());
    assert!(matches!(poll(late.as_mut()), Poll::Ready(Err(_))));
}

#[test]
fn add_permits_wakes_in_fifo_order() {
    let s = Semaphore::new(0);
    let counters: Vec<_> = (0..3).map(|_| counting()).collect();
    let mut futs: Vec<_> = (0..3).map(|_| Box::pin(s.acquire())).collect();
    for (f, (_, w)) in futs.iter_mut().zip(&counters) {
        assert!(poll_with(f.as_mut(), w).is_pending());
    }
    s.add_permits(2);
    let woken: Vec<_> = counters.iter().map(|(c, _)| c.0.load(SeqCst)).collect();
    assert_eq!(woken, vec![1, 1, 0]);
}

#[test]
fn forget_permits_saturates() {
    let s = Semaphore::new(5);
    assert_eq!(s.forget_permits(3), 3);
    assert_eq!(s.forget_permits(10), 2);
    assert_eq!(s.available_permits(), 0);
    assert_eq!(s.forget_permits(0), 0);
}

#[test]
fn permit_split_merge_forget() {
    let s = Semaphore::new(10);
    let mut p = s.try_acquire_many(4).unwrap();
    let q = p.split(1).unwrap();
    assert_eq!((p.num_permits(), q.num_permits()), (3, 1));
    assert!(p.split(4).is_none());
    p.merge(q);
    assert_eq!(p.num_permits(), 4);
    assert!(std::ptr::eq(p.semaphore(), &s));
    p.forget();
    assert_eq!(s.available_permits(), 6);

    let s = Arc::new(Semaphore::new(3));
    let mut p = s.clone().try_acquire_many_owned(3).unwrap();
    let q = p.split(2).unwrap();
    assert!(Arc::ptr_eq(q.semaphore(), &s));
    drop(q);
    assert_eq!(s.available_permits(), 2);
    let r = s.clone().try_acquire_owned().unwrap();
    p.merge(r);
    assert_eq!(p.num_permits(), 2);
    drop(p);
    assert_eq!(s.available_permits(), 3);
}

#[test]
#[should_panic(expected = "merging permits from different semaphore instances")]
fn merging_permits_of_two_semaphores_panics() {
    let (a, b) = (Semaphore::new(1), Semaphore::new(1));
    let mut p = a.try_acquire().unwrap();
    p.merge(b.try_acquire().unwrap());
}

#[test]
#[should_panic(expected = "a semaphore may not have more than MAX_PERMITS permits")]
fn too_many_permits_panics() {
    let _ = Semaphore::new(Semaphore::MAX_PERMITS + 1);
}

#[test]
#[should_panic(expected = "would overflow MAX_PERMITS")]
fn add_permits_overflow_panics() {
    let s = Semaphore::new(Semaphore::MAX_PERMITS);
    s.add_permits(1);
}

// The `const` constructors are not built under loom (its atomics are not const).
#[cfg(not(tern_loom))]
#[test]
fn const_new_works_in_a_static() {
    static S: Semaphore = Semaphore::const_new(2);
    let _p = S.try_acquire_many(2).unwrap();
    assert_eq!(S.available_permits(), 0);
}

#[test]
fn blocking_acquire_outside_a_runtime() {
    let s = Arc::new(Semaphore::new(0));
    let s2 = s.clone();
    let t = support::spawn_until_blocked("blocking_acquire waits for permits", move || {
        s2.blocking_acquire_many_owned(2).unwrap().num_permits()
    });
    s.add_permits(2);
    assert_eq!(support::join_within(t, "blocking_acquire woken by add_permits"), 2);
}

#[tern::test]
#[should_panic(expected = "Cannot block the current thread from within a runtime")]
async fn blocking_acquire_in_a_runtime_panics() {
    let s = Semaphore::new(1);
    let _ = s.blocking_acquire();
}

#[tern::test(flavor = "multi_thread", worker_threads = 2)]
async fn never_more_holders_than_permits() {
    let s = Arc::new(Semaphore::new(3));
    let inside = Arc::new(AtomicUsize::new(0));
    let max = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..16)
        .map(|_| {
            let (s, inside, max) = (s.clone(), inside.clone(), max.clone());
            tern::spawn(async move {
                for _ in 0..50 {
                    let _p = s.acquire().await.unwrap();
                    let now = inside.fetch_add(1, SeqCst) + 1;
                    max.fetch_max(now, SeqCst);
                    tern::task::yield_now().await;
                    inside.fetch_sub(1, SeqCst);
                }
            })
        })
        .collect();
    for h in handles {
        h.await.unwrap();
    }
    assert!(max.load(SeqCst) <= 3);
    assert_eq!(s.available_permits(), 3);
}

#[tern::test]
async fn acquire_loop_on_a_ready_semaphore_yields() {
    let s = Semaphore::new(1);
    let flag = Arc::new(AtomicUsize::new(0));
    let f2 = flag.clone();
    tern::spawn(async move { f2.store(1, SeqCst) });
    for _ in 0..1000 {
        let _p = s.acquire().await.unwrap();
        if flag.load(SeqCst) == 1 {
            return;
        }
    }
    panic!("the budget never made the loop yield");
}

#[tern::test]
async fn acquire_owned_from_tasks() {
    let s = Arc::new(Semaphore::new(1));
    let p = s.clone().acquire_owned().await.unwrap();
    let s2 = s.clone();
    let h = tern::spawn(async move { s2.acquire_many_owned(1).await.unwrap().num_permits() });
    tern::task::yield_now().await;
    drop(p);
    assert_eq!(h.await.unwrap(), 1);
}
