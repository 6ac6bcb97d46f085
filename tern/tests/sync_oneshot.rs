//! `tern::sync::oneshot`: delivery, close, drops, cancel safety, panics.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use tern::sync::oneshot::{self, error::RecvError, error::TryRecvError};

mod support;

/// Counts its drops in a shared counter.
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

fn poll_once<F: Future + Unpin>(f: &mut F) -> Poll<F::Output> {
    Pin::new(f).poll(&mut Context::from_waker(Waker::noop()))
}

#[tern::test]
async fn send_then_receive() {
    let (tx, rx) = oneshot::channel();
    assert!(tx.send(7u32).is_ok());
    assert_eq!(rx.await, Ok(7));
}

#[tern::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_channels_across_workers_each_deliver_once() {
    let mut handles = Vec::new();
    for i in 0..1000u64 {
        let (tx, rx) = oneshot::channel();
        handles.push(tern::spawn(async move { rx.await.unwrap() }));
        tern::spawn(async move { tx.send(i).unwrap() });
    }
    let mut sum = 0;
    for h in handles {
        sum += h.await.unwrap();
    }
    assert_eq!(sum, 999 * 1000 / 2);
}

#[tern::test]
async fn sender_dropped_gives_recv_error() {
    let (tx, rx) = oneshot::channel::<u8>();
    drop(tx);
    let err: RecvError = rx.await.unwrap_err();
    assert_eq!(err.to_string(), "channel closed");
}

#[test]
fn error_messages_match_tokio() {
    let (tx, rx) = oneshot::channel::<u8>();
    drop(tx);
    let err = rx.blocking_recv().unwrap_err();
    assert_eq!(err.to_string(), "channel closed");
    assert_eq!(TryRecvError::Empty.to_string(), "channel empty");
    assert_eq!(TryRecvError::Closed.to_string(), "channel closed");
}

#[test]
fn try_recv_empty_then_value_then_closed() {
    let (tx, mut rx) = oneshot::channel();
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    tx.send("hi").unwrap();
    assert!(!rx.is_empty());
    assert_eq!(rx.try_recv(), Ok("hi"));
    assert!(rx.is_terminated());
    assert!(rx.is_empty());
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn close_fails_later_send_but_keeps_earlier_value() {
    let (tx, mut rx) = oneshot::channel();
    rx.close();
    assert!(tx.is_closed());
    assert_eq!(tx.send(1), Err(1));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));

    let (tx, mut rx) = oneshot::channel();
    tx.send(2).unwrap();
    rx.close();
    assert_eq!(rx.try_recv(), Ok(2));
}

#[test]
fn value_dropped_once_when_receiver_drops_after_send() {
    let drops = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = oneshot::channel();
    assert!(tx.send(Counted(drops.clone())).is_ok());
    assert_eq!(drops.load(SeqCst), 0);
    drop(rx);
    assert_eq!(drops.load(SeqCst), 1);
}

#[test]
fn value_returned_not_dropped_when_receiver_gone() {
    let drops = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = oneshot::channel();
    drop(rx);
    let back = tx.send(Counted(drops.clone())).expect_err("receiver is gone");
    assert_eq!(drops.load(SeqCst), 0);
    drop(back);
    assert_eq!(drops.load(SeqCst), 1);
}

#[test]
fn value_dropped_once_when_received() {
    let drops = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = oneshot::channel();
    tx.send(Counted(drops.clone())).ok().unwrap();
    let v = rx.blocking_recv().ok().unwrap();
    assert_eq!(drops.load(SeqCst), 0);
    drop(v);
    assert_eq!(drops.load(SeqCst), 1);
}

#[test]
fn racing_send_and_receiver_drop_drop_the_value_exactly_once() {
    let drops = Arc::new(AtomicUsize::new(0));
    let mut returned = 0;
    for _ in 0..2000 {
        let (tx, rx) = oneshot::channel();
        let d = drops.clone();
        let t = std::thread::spawn(move || tx.send(Counted(d)).is_err());
        drop(rx);
        if t.join().unwrap() {
            returned += 1;
        }
    }
    // Every value was dropped exactly once: by the receiver side, or by
    // the sender after `send` gave it back.
    assert_eq!(drops.load(SeqCst), 2000);
    let _ = returned;
}

#[test]
fn dropping_pending_receiver_future_loses_nothing_and_tx_sees_close() {
    let (mut tx, mut rx) = oneshot::channel::<u8>();
    assert!(poll_once(&mut rx).is_pending());
    assert!(!rx.is_terminated());
    assert!(poll_once(&mut Box::pin(tx.closed())).is_pending());
    drop(rx);
    assert!(tx.is_closed());
    assert!(poll_once(&mut Box::pin(tx.closed())).is_ready());
}

#[test]
fn receiver_polled_with_two_wakers_wakes_the_last() {
    struct Flag(AtomicUsize);
    impl std::task::Wake for Flag {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, SeqCst);
        }
    }
    let a = Arc::new(Flag(AtomicUsize::new(0)));
    let b = Arc::new(Flag(AtomicUsize::new(0)));
    let (tx, mut rx) = oneshot::channel::<u8>();
    let wa = Waker::from(a.clone());
    let wb = Waker::from(b.clone());
    assert!(Pin::new(&mut rx).poll(&mut Context::from_waker(&wa)).is_pending());
    assert!(Pin::new(&mut rx).poll(&mut Context::from_waker(&wb)).is_pending());
    tx.send(1).unwrap();
    assert_eq!(a.0.load(SeqCst), 0);
    assert_eq!(b.0.load(SeqCst), 1);
    assert_eq!(poll_once(&mut rx), Poll::Ready(Ok(1)));
}

#[test]
#[should_panic(expected = "called after complete")]
fn polling_after_completion_panics() {
    let (tx, mut rx) = oneshot::channel();
    tx.send(1).unwrap();
    assert!(poll_once(&mut rx).is_ready());
    let _ = poll_once(&mut rx);
}

#[test]
#[should_panic(expected = "Cannot block the current thread from within a runtime")]
fn blocking_recv_inside_runtime_panics() {
    let rt = tern::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let (_tx, rx) = oneshot::channel::<u8>();
        let _ = rx.blocking_recv();
    });
}

#[test]
fn blocking_recv_from_a_thread() {
    let rt = tern::runtime::Runtime::new().unwrap();
    let (tx, rx) = oneshot::channel();
    let t = support::spawn_until_blocked("blocking_recv waits for the value", move || rx.blocking_recv());
    rt.block_on(async move {
        tx.send(5).unwrap();
    });
    assert_eq!(support::join_within(t, "blocking_recv woken by the send"), Ok(5));
}

#[tern::test]
async fn closed_completes_when_receiver_drops_in_another_task() {
    let (mut tx, rx) = oneshot::channel::<()>();
    tern::spawn(async move { drop(rx) });
    tx.closed().await;
    assert!(tx.is_closed());
}

#[test]
fn handles_are_one_pointer_each() {
    let (tx, rx) = oneshot::channel::<u32>();
    assert_eq!(std::mem::size_of_val(&tx), 8);
    assert_eq!(std::mem::size_of_val(&rx), 8);
}

#[test]
fn abandoned_poll_of_borrowed_receiver_loses_nothing() {
    // As in a `select!` over `&mut rx` whose other branch won.
    let (tx, mut rx) = oneshot::channel();
    assert!(poll_once(&mut &mut rx).is_pending());
    tx.send(9).unwrap();
    assert_eq!(rx.try_recv(), Ok(9));
}
