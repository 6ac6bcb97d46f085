//! `tern::sync::broadcast`: delivery to every receiver in order, lag
//! counts, closing, drops, cancel safety, panics.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use tern::sync::broadcast::{self, error::RecvError, error::TryRecvError};

mod support;

/// Counts its drops (clones included) in a shared counter.
#[derive(Debug)]
struct Counted(u32, Arc<AtomicUsize>, Arc<AtomicUsize>);

impl Clone for Counted {
    fn clone(&self) -> Self {
        self.2.fetch_add(1, SeqCst);
        Counted(self.0, self.1.clone(), self.2.clone())
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.1.fetch_add(1, SeqCst);
    }
}

/// Drops and clones so far.
fn counters() -> (Arc<AtomicUsize>, Arc<AtomicUsize>) {
    (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)))
}

fn poll_once<F: Future>(f: Pin<&mut F>) -> Poll<F::Output> {
    f.poll(&mut Context::from_waker(Waker::noop()))
}

#[tern::test(flavor = "multi_thread", worker_threads = 2)]
async fn n_senders_m_messages_reach_every_receiver_in_per_sender_order() {
    const SENDERS: u64 = 4;
    const MSGS: u64 = 500;
    const RECEIVERS: usize = 5;
    // Large enough that nobody lags: every value must arrive exactly once.
    let (tx, rx) = broadcast::channel::<(u64, u64)>((SENDERS * MSGS) as usize);
    let mut rxs = vec![rx];
    for _ in 1..RECEIVERS {
        rxs.push(tx.subscribe());
    }
    let readers: Vec<_> = rxs
        .into_iter()
        .map(|mut rx| {
            tern::spawn(async move {
                let mut next = [0u64; SENDERS as usize];
                loop {
                    match rx.recv().await {
                        Ok((s, i)) => {
                            assert_eq!(next[s as usize], i, "sender {s} out of order");
                            next[s as usize] += 1;
                        }
                        Err(RecvError::Closed) => return next,
                        Err(e) => panic!("unexpected {e}"),
                    }
                }
            })
        })
        .collect();
    let writers: Vec<_> = (0..SENDERS)
        .map(|s| {
            let tx = tx.clone();
            tern::spawn(async move {
                for i in 0..MSGS {
                    tx.send((s, i)).unwrap();
                    if i % 16 == 0 {
                        tern::task::yield_now().await;
                    }
                }
            })
        })
        .collect();
    drop(tx);
    for w in writers {
        w.await.unwrap();
    }
    for r in readers {
        assert_eq!(r.await.unwrap(), [MSGS; SENDERS as usize]);
    }
}

#[test]
fn lagged_count_is_exact_then_oldest_kept_value_follows() {
    let (tx, mut rx) = broadcast::channel(3); // rounded up to 4
    for i in 0..10 {
        tx.send(i).unwrap();
    }
    assert_eq!(rx.len(), 10);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Lagged(6)));
    for i in 6..10 {
        assert_eq!(rx.try_recv(), Ok(i));
    }
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
}

#[tern::test]
async fn recv_reports_lag_like_try_recv() {
    let (tx, mut rx) = broadcast::channel(2);
    tx.send(10).unwrap();
    tx.send(20).unwrap();
    tx.send(30).unwrap();
    assert_eq!(rx.recv().await, Err(RecvError::Lagged(1)));
    assert_eq!(rx.recv().await, Ok(20));
    assert_eq!(rx.recv().await, Ok(30));
    assert_eq!(RecvError::Lagged(3).to_string(), "channel lagged by 3");
}

#[tern::test]
async fn closed_after_draining_values() {
    let (tx, mut rx) = broadcast::channel(4);
    tx.send(1).unwrap();
    drop(tx);
    assert!(rx.is_closed());
    assert_eq!(rx.recv().await, Ok(1));
    assert_eq!(rx.recv().await, Err(RecvError::Closed));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn send_without_receivers_gives_the_value_back() {
    let (tx, rx) = broadcast::channel(2);
    drop(rx);
    let err = tx.send(5).unwrap_err();
    assert_eq!(err.0, 5);
    assert_eq!(err.to_string(), "channel closed");
    let mut rx = tx.subscribe();
    assert_eq!(tx.send(6).unwrap(), 1);
    assert_eq!(rx.try_recv(), Ok(6));
}

#[test]
fn values_are_cloned_only_when_read_and_dropped_exactly_once() {
    let (drops, clones) = counters();
    let (tx, mut rx1) = broadcast::channel(8);
    let mut rx2 = tx.subscribe();
    for i in 0..4 {
        tx.send(Counted(i, drops.clone(), clones.clone())).unwrap();
    }
    assert_eq!(clones.load(SeqCst), 0);
    assert_eq!(tx.len(), 4);
    for i in 0..4 {
        assert_eq!(rx1.try_recv().unwrap().0, i);
    }
    // rx1's copies were clones and are dropped; the channel still holds 4.
    assert_eq!(clones.load(SeqCst), 4);
    assert_eq!(drops.load(SeqCst), 4);
    assert_eq!(tx.len(), 4);
    // rx2 is the last reader of the first two: it gets clones too (every
    // receive calls `clone`, as Tokio's), and the originals are dropped.
    assert_eq!(rx2.try_recv().unwrap().0, 0);
    assert_eq!(rx2.try_recv().unwrap().0, 1);
    assert_eq!(clones.load(SeqCst), 6);
    assert_eq!(drops.load(SeqCst), 8);
    assert_eq!(tx.len(), 2);
    // Dropping rx2 releases the two it never read.
    drop(rx2);
    assert_eq!(drops.load(SeqCst), 10);
    assert_eq!(tx.len(), 0);
    drop((tx, rx1));
    assert_eq!(drops.load(SeqCst), 10);
}

#[test]
fn overwritten_and_leftover_values_dropped_exactly_once() {
    let (drops, clones) = counters();
    let (tx, rx) = broadcast::channel(2);
    for i in 0..5 {
        tx.send(Counted(i, drops.clone(), clones.clone())).unwrap();
    }
    // Three overwritten, two held.
    assert_eq!(drops.load(SeqCst), 3);
    drop(tx);
    assert_eq!(drops.load(SeqCst), 3);
    drop(rx);
    assert_eq!(drops.load(SeqCst), 5);
    assert_eq!(clones.load(SeqCst), 0);
}

#[test]
fn dropping_a_pending_recv_loses_nothing() {
    let (tx, mut rx) = broadcast::channel(4);
    {
        let mut fut = Box::pin(rx.recv());
        assert!(poll_once(fut.as_mut()).is_pending());
    }
    tx.send(1).unwrap();
    {
        let mut fut = Box::pin(rx.recv());
        assert!(poll_once(fut.as_mut()).is_ready());
    }
    tx.send(2).unwrap();
    assert_eq!(rx.try_recv(), Ok(2));
}

#[tern::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_waiting_receivers_all_wake() {
    let (tx, _keep) = broadcast::channel(4);
    let handles: Vec<_> = (0..300)
        .map(|_| {
            let mut rx = tx.subscribe();
            tern::spawn(async move { rx.recv().await.unwrap() + rx.recv().await.unwrap() })
        })
        .collect();
    tern::task::yield_now().await;
    tx.send(1u32).unwrap();
    tx.send(2u32).unwrap();
    for h in handles {
        assert_eq!(h.await.unwrap(), 3);
    }
}

#[tern::test]
async fn sender_closed_completes_once_every_receiver_is_gone() {
    let (tx, rx1) = broadcast::channel::<u8>(2);
    let rx2 = rx1.resubscribe();
    assert_eq!(tx.receiver_count(), 2);
    tern::spawn(async move {
        drop(rx1);
        tern::task::yield_now().await;
        drop(rx2);
    });
    tx.closed().await;
    assert_eq!(tx.receiver_count(), 0);
}

#[test]
fn weak_senders_do_not_keep_the_channel_open() {
    let (tx, mut rx) = broadcast::channel::<u8>(2);
    let weak = tx.downgrade();
    assert_eq!((tx.strong_count(), tx.weak_count()), (1, 1));
    let tx2 = weak.upgrade().unwrap();
    assert_eq!(weak.strong_count(), 2);
    assert!(tx.same_channel(&tx2));
    drop((tx, tx2));
    assert!(weak.upgrade().is_none());
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn subscribe_sees_only_later_values() {
    let (tx, mut rx) = broadcast::channel(4);
    tx.send(1).unwrap();
    let mut late = tx.subscribe();
    tx.send(2).unwrap();
    assert_eq!(late.try_recv(), Ok(2));
    assert_eq!(rx.try_recv(), Ok(1));
    assert!(rx.same_channel(&late));
    assert!(!rx.is_empty());
    assert_eq!(rx.try_recv(), Ok(2));
    assert!(rx.is_empty());
}

#[test]
fn blocking_recv_from_a_thread() {
    let (tx, mut rx) = broadcast::channel(2);
    let t = support::spawn_until_blocked("blocking_recv waits on the empty channel", move || {
        (rx.blocking_recv(), rx.blocking_recv())
    });
    tx.send(1).unwrap();
    drop(tx);
    assert_eq!(support::join_within(t, "blocking_recv woken by the send"), (Ok(1), Err(RecvError::Closed)));
}

#[test]
#[should_panic(expected = "Cannot block the current thread from within a runtime")]
fn blocking_recv_inside_runtime_panics() {
    let rt = tern::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let (_tx, mut rx) = broadcast::channel::<u8>(1);
        let _ = rx.blocking_recv();
    });
}

#[test]
#[should_panic(expected = "broadcast channel capacity cannot be zero")]
fn zero_capacity_panics() {
    let _ = broadcast::channel::<u8>(0);
}

#[test]
#[should_panic(expected = "broadcast channel capacity exceeded `usize::MAX / 2`")]
fn huge_capacity_panics() {
    let _ = broadcast::channel::<u8>((usize::MAX >> 1) + 1);
}

#[test]
fn capacity_rounds_up_to_a_power_of_two() {
    let (tx, mut rx) = broadcast::channel(5); // 8 slots
    for i in 0..8 {
        tx.send(i).unwrap();
    }
    assert_eq!(rx.try_recv(), Ok(0));
    tx.send(8).unwrap();
    tx.send(9).unwrap();
    assert_eq!(rx.try_recv(), Err(TryRecvError::Lagged(1)));
    assert_eq!(rx.try_recv(), Ok(2));
}

#[test]
fn dropping_a_pending_closed_future_then_waiting_again_works() {
    let (tx, rx) = broadcast::channel::<u8>(2);
    {
        let mut fut = Box::pin(tx.closed());
        assert!(poll_once(fut.as_mut()).is_pending());
    }
    drop(rx);
    let mut fut = Box::pin(tx.closed());
    assert!(poll_once(fut.as_mut()).is_ready());
}

#[tern::test]
async fn recv_loop_on_a_full_channel_yields_to_other_tasks() {
    let (tx, mut rx) = broadcast::channel(512);
    for i in 0..300 {
        tx.send(i).unwrap();
    }
    let flag = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let f2 = flag.clone();
    tern::spawn(async move { f2.store(true, SeqCst) });
    let mut saw = false;
    for i in 0..300 {
        assert_eq!(rx.recv().await, Ok(i));
        saw |= flag.load(SeqCst);
    }
    assert!(saw, "the coop budget never made recv yield");
}

/// Panics in `clone` when its value is 0.
#[derive(Debug, PartialEq)]
struct PanicOnZero(u32);

impl Clone for PanicOnZero {
    fn clone(&self) -> Self {
        assert_ne!(self.0, 0, "clone of zero");
        PanicOnZero(self.0)
    }
}

#[test]
fn a_panicking_clone_still_moves_the_receiver_past_its_value() {
    let (tx, mut rx) = broadcast::channel(4);
    tx.send(PanicOnZero(0)).unwrap();
    tx.send(PanicOnZero(1)).unwrap();
    tx.send(PanicOnZero(0)).unwrap();
    tx.send(PanicOnZero(2)).unwrap();
    let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| rx.try_recv()));
    assert!(res.is_err(), "even the only receiver clones the value");
    assert_eq!(rx.try_recv(), Ok(PanicOnZero(1)));
    let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut fut = Box::pin(rx.recv());
        let _ = poll_once(fut.as_mut());
    }));
    assert!(res.is_err());
    assert_eq!(rx.try_recv(), Ok(PanicOnZero(2)));
    // The values whose clone panicked were released: nothing is queued.
    assert_eq!(tx.len(), 0);
}

/// A waker whose drop sends on the channel it waits on.
struct SendOnDrop(broadcast::Sender<()>);

impl std::task::Wake for SendOnDrop {
    fn wake(self: Arc<Self>) {}
}

impl Drop for SendOnDrop {
    fn drop(&mut self) {
        let _ = self.0.send(());
    }
}

#[test]
fn a_waker_that_sends_when_dropped_does_not_deadlock() {
    // The old waker is replaced by a re-poll with another waker.
    let (tx, mut rx) = broadcast::channel(16);
    let mut fut = Box::pin(rx.recv());
    let waker = Waker::from(Arc::new(SendOnDrop(tx)));
    assert!(fut.as_mut().poll(&mut Context::from_waker(&waker)).is_pending());
    drop(waker);
    assert_eq!(poll_once(fut.as_mut()), Poll::Ready(Ok(())));
    drop(fut);

    // The waker is woken (and dropped) by a send.
    let (tx, mut rx) = broadcast::channel(16);
    let mut fut = Box::pin(rx.recv());
    let waker = Waker::from(Arc::new(SendOnDrop(tx.clone())));
    assert!(fut.as_mut().poll(&mut Context::from_waker(&waker)).is_pending());
    drop(waker);
    assert_eq!(tx.send(()).unwrap(), 1);
    assert_eq!(poll_once(fut.as_mut()), Poll::Ready(Ok(())));
    drop(fut);
    // Both sends arrived.
    assert_eq!(rx.try_recv(), Ok(()));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
}
