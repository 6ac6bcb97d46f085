//! tern::sync::mpsc: delivery, ordering, capacity, closing, cancel safety.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use tern::sync::mpsc::{self, error::TryRecvError, error::TrySendError};

mod support;

fn poll_once<F: Future + ?Sized>(f: Pin<&mut F>) -> Poll<F::Output> {
    f.poll(&mut Context::from_waker(Waker::noop()))
}

/// Counts drops of its values.
struct Counted(Arc<AtomicUsize>);
impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

const SENDERS: usize = 4;
const PER: usize = 2_000;

fn check_order(got: Vec<(usize, usize)>) {
    let mut next = [0usize; SENDERS];
    for (s, i) in got {
        assert_eq!(i, next[s], "sender {s} out of order");
        next[s] += 1;
    }
    assert!(next.iter().all(|&n| n == PER), "{next:?}");
}

async fn bounded_many(cap: usize) {
    let (tx, mut rx) = mpsc::channel(cap);
    for s in 0..SENDERS {
        let tx = tx.clone();
        tern::spawn(async move {
            for i in 0..PER {
                tx.send((s, i)).await.unwrap();
            }
        });
    }
    drop(tx);
    let mut got = Vec::new();
    while let Some(v) = rx.recv().await {
        got.push(v);
    }
    check_order(got);
}

#[tern::test(flavor = "multi_thread", worker_threads = 2)]
async fn bounded_capacity_1_every_message_once_in_order() {
    bounded_many(1).await;
}

#[tern::test(flavor = "multi_thread", worker_threads = 2)]
async fn bounded_capacity_64_every_message_once_in_order() {
    bounded_many(64).await;
}

#[tern::test(flavor = "multi_thread", worker_threads = 2)]
async fn unbounded_every_message_once_in_order() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    for s in 0..SENDERS {
        let tx = tx.clone();
        tern::spawn(async move {
            for i in 0..PER {
                tx.send((s, i)).unwrap();
                if i % 100 == 0 {
                    tern::task::yield_now().await;
                }
            }
        });
    }
    drop(tx);
    let mut got = Vec::new();
    while let Some(v) = rx.recv().await {
        got.push(v);
    }
    check_order(got);
}

#[test]
fn std_threads_with_blocking_send_and_recv() {
    let (tx, mut rx) = mpsc::channel(3);
    let threads: Vec<_> = (0..SENDERS)
        .map(|s| {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for i in 0..PER {
                    tx.blocking_send((s, i)).unwrap();
                }
            })
        })
        .collect();
    drop(tx);
    let got = support::within("blocking_recv until every sender is done", move || {
        let mut got = Vec::new();
        while let Some(v) = rx.blocking_recv() {
            got.push(v);
        }
        got
    });
    check_order(got);
    for t in threads {
        support::join_within(t, "a blocking sender");
    }
}

#[test]
fn blocking_recv_many_from_a_std_thread() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let t = support::spawn_until_blocked("blocking_recv_many waits on the empty channel", move || {
        let mut buf = Vec::new();
        while rx.blocking_recv_many(&mut buf, 10) > 0 {}
        buf
    });
    for i in 0..100 {
        tx.send(i).unwrap();
    }
    drop(tx);
    assert_eq!(support::join_within(t, "blocking_recv_many until closed"), (0..100).collect::<Vec<_>>());
}

#[tern::test]
#[should_panic(expected = "Cannot block the current thread from within a runtime")]
async fn blocking_recv_inside_a_runtime_panics() {
    let (_tx, mut rx) = mpsc::channel::<()>(1);
    rx.blocking_recv();
}

#[test]
#[should_panic(expected = "mpsc bounded channel requires buffer > 0")]
fn zero_capacity_panics() {
    let _ = mpsc::channel::<()>(0);
}

#[tern::test(flavor = "multi_thread", worker_threads = 2)]
async fn receiver_dropped_mid_stream_drops_each_value_once() {
    let drops = Arc::new(AtomicUsize::new(0));
    let (tx, mut rx) = mpsc::unbounded_channel();
    let (btx, mut brx) = mpsc::channel(8);
    let mut sent = 0;
    for _ in 0..100 {
        tx.send(Counted(drops.clone())).unwrap();
        sent += 1;
    }
    for _ in 0..8 {
        btx.send(Counted(drops.clone())).await.unwrap();
        sent += 1;
    }
    for _ in 0..10 {
        drop(rx.recv().await.unwrap());
    }
    for _ in 0..5 {
        drop(brx.recv().await.unwrap());
    }
    assert_eq!(drops.load(SeqCst), 15);
    drop(rx);
    drop(brx);
    assert_eq!(drops.load(SeqCst), sent, "queued values dropped with the receiver");
    // Sends after the receiver went fail and hand the value back.
    let back = tx.send(Counted(drops.clone())).unwrap_err();
    drop(back);
    assert!(btx.try_send(Counted(drops.clone())).is_err());
    assert_eq!(drops.load(SeqCst), sent + 2);
    drop((tx, btx));
    assert_eq!(drops.load(SeqCst), sent + 2);
}

#[tern::test]
async fn values_sent_through_a_permit_after_receiver_drop_are_dropped_once() {
    let drops = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = mpsc::channel(2);
    let permit = tx.reserve().await.unwrap();
    drop(rx);
    permit.send(Counted(drops.clone()));
    assert_eq!(drops.load(SeqCst), 0);
    drop(tx);
    assert_eq!(drops.load(SeqCst), 1);
}

#[tern::test]
async fn try_send_full_and_closed() {
    let (tx, mut rx) = mpsc::channel(1);
    tx.try_send(1).unwrap();
    match tx.try_send(2) {
        Err(TrySendError::Full(2)) => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(tx.capacity(), 0);
    assert_eq!(tx.max_capacity(), 1);
    assert_eq!(rx.len(), 1);
    assert_eq!(rx.recv().await, Some(1));
    assert_eq!(tx.capacity(), 1);
    rx.close();
    match tx.try_send(3) {
        Err(TrySendError::Closed(3)) => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(format!("{}", TrySendError::Full(())), "no available capacity");
    assert!(tx.send(4).await.is_err());
    assert_eq!(rx.recv().await, None);
}

#[tern::test]
async fn try_recv_empty_then_disconnected() {
    let (tx, mut rx) = mpsc::channel(4);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    tx.send(1).await.unwrap();
    assert_eq!(rx.try_recv(), Ok(1));
    drop(tx);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    assert!(rx.is_closed());
}

#[tern::test]
async fn closed_completes_when_the_receiver_goes() {
    let (tx, rx) = mpsc::channel::<()>(1);
    let (utx, urx) = mpsc::unbounded_channel::<()>();
    let closed = tx.closed();
    tern::pin!(closed);
    assert!(poll_once(closed.as_mut()).is_pending());
    assert!(!tx.is_closed());
    let t = tern::spawn(async move {
        utx.closed().await;
        assert!(utx.is_closed());
    });
    drop(rx);
    drop(urx);
    closed.await;
    assert!(tx.is_closed());
    t.await.unwrap();
}

#[tern::test]
async fn recv_is_cancel_safe() {
    let (tx, mut rx) = mpsc::channel(4);
    {
        let recv = rx.recv();
        tern::pin!(recv);
        assert!(poll_once(recv.as_mut()).is_pending());
    }
    tx.send(7).await.unwrap();
    {
        let mut buf = Vec::new();
        let many = rx.recv_many(&mut buf, 4);
        drop(many);
        assert!(buf.is_empty());
    }
    assert_eq!(rx.recv().await, Some(7));
}

#[tern::test]
async fn a_dropped_reserve_passes_its_turn_on() {
    let (tx, mut rx) = mpsc::channel::<u32>(1);
    tx.send(0).await.unwrap(); // full
    let tx2 = tx.clone();
    let mut first = Box::pin(tx.reserve());
    assert!(poll_once(first.as_mut()).is_pending());
    let second = tern::spawn(async move {
        tx2.reserve().await.unwrap().send(2);
    });
    tern::task::yield_now().await; // `second` queues behind `first`
    assert_eq!(rx.recv().await, Some(0)); // the slot goes to `first`...
                                          // ...which is dropped without being polled again: `second` gets it.
    drop(first);
    second.await.unwrap();
    assert_eq!(rx.recv().await, Some(2));
}

#[tern::test]
async fn waiting_senders_are_served_in_order() {
    let (tx, mut rx) = mpsc::channel::<usize>(1);
    tx.send(usize::MAX).await.unwrap();
    let mut handles = Vec::new();
    for i in 0..5 {
        let tx = tx.clone();
        handles.push(tern::spawn(async move { tx.send(i).await.unwrap() }));
        tern::task::yield_now().await;
    }
    drop(tx);
    let mut got = Vec::new();
    while let Some(v) = rx.recv().await {
        got.push(v);
    }
    assert_eq!(got, vec![usize::MAX, 0, 1, 2, 3, 4]);
}

#[tern::test]
async fn permits_reserve_many_and_owned() {
    let (tx, mut rx) = mpsc::channel(3);
    let mut it = tx.reserve_many(2).await.unwrap();
    assert_eq!(it.len(), 2);
    assert_eq!(tx.capacity(), 1);
    it.next().unwrap().send(1);
    drop(it); // one unused permit comes back
    assert_eq!(tx.capacity(), 2);
    assert!(tx.try_reserve_many(4).is_err());
    assert!(tx.reserve_many(4).await.is_err());
    let owned = tx.clone().reserve_owned().await.unwrap();
    assert!(owned.same_channel_as_sender(&tx));
    let tx2 = owned.send(2);
    let owned = tx2.try_reserve_owned().unwrap();
    let _tx2 = owned.release();
    assert_eq!(tx.capacity(), 1);
    assert_eq!(rx.recv().await, Some(1));
    assert_eq!(rx.recv().await, Some(2));
    assert_eq!(tx.capacity(), 3);
}

#[tern::test]
async fn close_waits_for_outstanding_permits() {
    let (tx, mut rx) = mpsc::channel(2);
    let permit = tx.reserve().await.unwrap();
    rx.close();
    assert!(tx.is_closed());
    {
        let recv = rx.recv();
        tern::pin!(recv);
        assert!(poll_once(recv.as_mut()).is_pending());
    }
    permit.send(5);
    assert_eq!(rx.recv().await, Some(5));
    assert_eq!(rx.recv().await, None);
}

#[tern::test]
async fn recv_many_takes_up_to_limit() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    for i in 0..10 {
        tx.send(i).unwrap();
    }
    let mut buf = Vec::new();
    assert_eq!(rx.recv_many(&mut buf, 4).await, 4);
    assert_eq!(rx.recv_many(&mut buf, 0).await, 0);
    assert_eq!(rx.recv_many(&mut buf, 100).await, 6);
    assert_eq!(buf, (0..10).collect::<Vec<_>>());
    drop(tx);
    assert_eq!(rx.recv_many(&mut buf, 100).await, 0);
}

#[tern::test]
async fn weak_senders_do_not_keep_the_channel_open() {
    let (tx, mut rx) = mpsc::channel::<u8>(2);
    let weak = tx.downgrade();
    assert_eq!((tx.strong_count(), tx.weak_count()), (1, 1));
    assert_eq!((rx.sender_strong_count(), rx.sender_weak_count()), (1, 1));
    let tx2 = weak.upgrade().unwrap();
    assert_eq!(weak.strong_count(), 2);
    drop((tx, tx2));
    assert!(weak.upgrade().is_none());
    assert_eq!(rx.recv().await, None);

    let (utx, mut urx) = mpsc::unbounded_channel::<u8>();
    let uweak = utx.downgrade();
    let w2 = uweak.clone();
    assert_eq!(utx.weak_count(), 2);
    drop(utx);
    assert!(w2.upgrade().is_none());
    assert_eq!(urx.recv().await, None);
    drop(uweak);
    assert_eq!(urx.sender_weak_count(), 1);
}

#[tern::test(start_paused = true)]
async fn send_timeout_times_out_on_a_full_channel() {
    use tern::sync::mpsc::error::SendTimeoutError;
    let (tx, mut rx) = mpsc::channel(1);
    tx.send(1).await.unwrap();
    let r = tx.send_timeout(2, std::time::Duration::from_secs(1)).await;
    assert!(matches!(r, Err(SendTimeoutError::Timeout(2))));
    assert_eq!(rx.recv().await, Some(1));
    tx.send_timeout(3, std::time::Duration::from_secs(1)).await.unwrap();
    drop(rx);
    let r = tx.send_timeout(4, std::time::Duration::from_secs(1)).await;
    assert!(matches!(r, Err(SendTimeoutError::Closed(4))));
}

#[tern::test]
async fn a_recv_loop_on_a_busy_channel_yields_to_other_tasks() {
    let (tx, mut rx) = mpsc::unbounded_channel::<()>();
    let ran = Arc::new(AtomicUsize::new(0));
    let ran2 = ran.clone();
    tern::spawn(async move {
        ran2.store(1, SeqCst);
    });
    // Always a message ready: without the coop budget this loop would
    // never let the spawned task run on this single thread.
    let mut n = 0;
    while ran.load(SeqCst) == 0 {
        tx.send(()).unwrap();
        rx.recv().await.unwrap();
        n += 1;
        assert!(n < 1_000_000, "the recv loop never yielded");
    }
}

#[tern::test]
async fn unbounded_len_and_close() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    assert!(rx.is_empty());
    tx.send(1).unwrap();
    tx.send(2).unwrap();
    assert_eq!(rx.len(), 2);
    rx.close();
    assert!(rx.is_closed());
    assert!(tx.send(3).is_err());
    assert_eq!(rx.recv().await, Some(1));
    assert_eq!(rx.recv().await, Some(2));
    assert_eq!(rx.recv().await, None);
}

#[tern::test]
async fn a_cancelled_partial_reserve_many_lets_a_closed_receiver_finish() {
    let (tx, mut rx) = mpsc::channel::<u8>(2);
    let permit = tx.reserve().await.unwrap();
    // Wants both slots: takes the free one and waits for the other.
    let mut many = Box::pin(tx.reserve_many(2));
    assert!(poll_once(many.as_mut()).is_pending());
    assert_eq!(tx.capacity(), 0);
    rx.close();
    drop(permit);
    let recv = tern::spawn(async move { rx.recv().await });
    tern::task::yield_now().await;
    // The cancelled wait gives its slot back; the channel is now idle.
    drop(many);
    assert_eq!(recv.await.unwrap(), None);
}

/// Every mpsc handle crosses `catch_unwind` boundaries, as Tokio's.
#[test]
fn handles_are_unwind_safe() {
    fn check<T: std::panic::RefUnwindSafe + std::panic::UnwindSafe>() {}
    check::<tern::sync::mpsc::Sender<u8>>();
    check::<tern::sync::mpsc::Receiver<u8>>();
    check::<tern::sync::mpsc::UnboundedSender<u8>>();
    check::<tern::sync::mpsc::UnboundedReceiver<u8>>();
    check::<tern::sync::mpsc::WeakSender<u8>>();
    check::<tern::sync::mpsc::WeakUnboundedSender<u8>>();
    check::<tern::sync::mpsc::OwnedPermit<u8>>();
    check::<tern::sync::mpsc::Permit<'static, u8>>();
}

/// Counts its wakes; its strong count tells who still holds it.
struct CountWakes(AtomicUsize);
impl std::task::Wake for CountWakes {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

#[test]
fn a_served_reserve_fails_once_closed_and_its_slot_wakes_the_receiver() {
    let (tx, mut rx) = mpsc::channel::<()>(1);
    let permit = tx.try_reserve().unwrap();
    let res_w = Arc::new(CountWakes(AtomicUsize::new(0)));
    let res_waker = Waker::from(res_w.clone());
    let mut reserve = Box::pin(tx.reserve());
    assert!(reserve.as_mut().poll(&mut Context::from_waker(&res_waker)).is_pending());
    // The slot goes to the queued reservation (woken, not yet polled).
    drop(permit);
    assert_eq!(res_w.0.load(SeqCst), 1);
    rx.close();
    let rx_w = Arc::new(CountWakes(AtomicUsize::new(0)));
    let rx_waker = Waker::from(rx_w.clone());
    let mut recv = Box::pin(rx.recv());
    assert!(recv.as_mut().poll(&mut Context::from_waker(&rx_waker)).is_pending());
    // Closed: the reservation fails although it held the slot, gives it
    // back, and the now idle channel wakes the receiver.
    assert!(matches!(poll_once(reserve.as_mut()), Poll::Ready(Err(_))));
    assert_eq!(rx_w.0.load(SeqCst), 1);
    assert_eq!(poll_once(recv.as_mut()), Poll::Ready(None));
}

#[test]
fn a_permit_send_whose_receiver_waker_panics_keeps_the_message_and_its_slot() {
    struct Panics;
    impl std::task::Wake for Panics {
        fn wake(self: Arc<Self>) {
            panic!("waker panicked");
        }
    }
    let (tx, mut rx) = mpsc::channel(1);
    let waker = Waker::from(Arc::new(Panics));
    assert!(rx.poll_recv(&mut Context::from_waker(&waker)).is_pending());
    let permit = tx.try_reserve().unwrap();
    assert!(std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| permit.send(7))).is_err());
    assert_eq!(tx.capacity(), 0);
    assert_eq!(rx.len(), 1);
    assert_eq!(rx.try_recv(), Ok(7));
    assert_eq!(tx.capacity(), 1);
}

#[test]
fn a_receiver_drop_drops_every_value_even_if_one_drop_panics() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    struct A(bool);
    impl Drop for A {
        fn drop(&mut self) {
            DROPS.fetch_add(1, SeqCst);
            if self.0 {
                panic!("drop panicked");
            }
        }
    }
    let (tx, rx) = mpsc::unbounded_channel();
    tx.send(A(true)).unwrap();
    tx.send(A(false)).unwrap();
    tx.send(A(false)).unwrap();
    assert!(std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(rx))).is_err());
    // All three, before the sender (and the channel) go.
    assert_eq!(DROPS.load(SeqCst), 3);
    drop(tx);
    assert_eq!(DROPS.load(SeqCst), 3);
}

#[test]
fn dropping_the_receiver_releases_its_waker() {
    let w = Arc::new(CountWakes(AtomicUsize::new(0)));
    let waker = Waker::from(w.clone());
    for bounded in [true, false] {
        let (btx, mut brx) = mpsc::channel::<()>(1);
        let (utx, mut urx) = mpsc::unbounded_channel::<()>();
        if bounded {
            assert!(brx.poll_recv(&mut Context::from_waker(&waker)).is_pending());
        } else {
            assert!(urx.poll_recv(&mut Context::from_waker(&waker)).is_pending());
        }
        assert_eq!(Arc::strong_count(&w), 3);
        drop((brx, urx));
        assert_eq!(Arc::strong_count(&w), 2, "dropping the receiver kept its waker");
        drop((btx, utx));
    }
}
