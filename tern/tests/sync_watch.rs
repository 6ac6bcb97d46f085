//! `tern::sync::watch`: versions, change notifications, closing, drops,
//! cancel safety.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use tern::sync::watch;

struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

fn poll_once<F: Future>(f: Pin<&mut F>) -> Poll<F::Output> {
    f.poll(&mut Context::from_waker(Waker::noop()))
}

#[tern::test]
async fn initial_value_is_seen_and_send_marks_changed() {
    let (tx, mut rx) = watch::channel(1);
    assert!(!rx.has_changed().unwrap());
    assert!(!rx.borrow().has_changed());
    tx.send(2).unwrap();
    assert!(rx.has_changed().unwrap());
    rx.changed().await.unwrap();
    assert_eq!(*rx.borrow(), 2);
    assert!(!rx.borrow().has_changed());
}

#[tern::test]
async fn changed_errors_only_once_closed_and_seen() {
    let (tx, mut rx) = watch::channel(0);
    tx.send(1).unwrap();
    drop(tx);
    assert!(rx.is_closed());
    assert!(rx.has_changed().is_err());
    assert!(rx.changed().await.is_ok());
    let err = rx.changed().await.unwrap_err();
    assert_eq!(err.to_string(), "channel closed");
}

#[test]
fn send_fails_without_receivers_but_send_replace_does_not() {
    let (tx, rx) = watch::channel(0);
    drop(rx);
    assert!(tx.is_closed());
    let err = tx.send(1).unwrap_err();
    assert_eq!(err.0, 1);
    assert_eq!(err.to_string(), "channel closed");
    assert_eq!(*tx.borrow(), 0);
    assert_eq!(tx.send_replace(2), 0);
    let rx = tx.subscribe();
    assert_eq!(*rx.borrow(), 2);
    assert!(!rx.has_changed().unwrap());
}

#[test]
fn send_if_modified_notifies_only_when_modified() {
    let (tx, mut rx) = watch::channel(1);
    assert!(!tx.send_if_modified(|_| false));
    assert!(!rx.has_changed().unwrap());
    assert!(tx.send_if_modified(|v| {
        *v += 1;
        true
    }));
    assert!(rx.has_changed().unwrap());
    assert_eq!(*rx.borrow_and_update(), 2);
    tx.send_modify(|v| *v = 5);
    assert_eq!(*rx.borrow_and_update(), 5);
}

#[test]
fn mark_changed_and_unchanged() {
    let (tx, mut rx) = watch::channel(());
    rx.mark_changed();
    assert!(rx.has_changed().unwrap());
    rx.mark_unchanged();
    assert!(!rx.has_changed().unwrap());
    tx.send(()).unwrap();
    rx.mark_unchanged();
    assert!(!rx.has_changed().unwrap());
}

#[test]
fn counts_and_same_channel() {
    let (tx, rx) = watch::channel(0);
    let tx2 = tx.clone();
    let rx2 = rx.clone();
    assert_eq!(tx.receiver_count(), 2);
    assert_eq!(tx.sender_count(), 2);
    assert!(tx.same_channel(&tx2));
    assert!(rx.same_channel(&rx2));
    let (tx3, rx3) = watch::channel(0);
    assert!(!tx3.same_channel(&tx));
    assert!(!rx3.same_channel(&rx));
    drop(tx);
    assert!(!rx.is_closed());
    drop(tx2);
    assert!(rx.is_closed());
}

#[test]
fn replaced_values_dropped_exactly_once() {
    let drops = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = watch::channel(Counted(drops.clone()));
    for _ in 0..5 {
        tx.send(Counted(drops.clone())).ok().unwrap();
    }
    assert_eq!(drops.load(SeqCst), 5);
    drop(tx);
    assert_eq!(drops.load(SeqCst), 5);
    drop(rx);
    assert_eq!(drops.load(SeqCst), 6);
}

#[test]
fn dropping_a_pending_changed_marks_nothing_seen() {
    let (tx, mut rx) = watch::channel(0);
    {
        let mut fut = Box::pin(rx.changed());
        assert!(poll_once(fut.as_mut()).is_pending());
    }
    tx.send(1).unwrap();
    assert!(rx.has_changed().unwrap());
    let mut fut = Box::pin(rx.changed());
    assert!(matches!(poll_once(fut.as_mut()), Poll::Ready(Ok(()))));
}

#[tern::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_receiver_sees_the_final_value() {
    let (tx, rx) = watch::channel(0u32);
    let handles: Vec<_> = (0..200)
        .map(|_| {
            let mut rx = rx.clone();
            tern::spawn(async move {
                let mut last = *rx.borrow_and_update();
                while rx.changed().await.is_ok() {
                    let v = *rx.borrow_and_update();
                    assert!(v >= last, "values go backwards");
                    last = v;
                }
                last
            })
        })
        .collect();
    drop(rx);
    for i in 1..=100 {
        tx.send(i).unwrap();
        if i % 10 == 0 {
            tern::task::yield_now().await;
        }
    }
    drop(tx);
    for h in handles {
        assert_eq!(h.await.unwrap(), 100);
    }
}

#[tern::test(start_paused = true)]
async fn wait_for_returns_the_matching_value() {
    let (tx, mut rx) = watch::channel("hello");
    tern::spawn(async move {
        tern::time::sleep(std::time::Duration::from_secs(1)).await;
        tx.send("nope").unwrap();
        tx.send("goodbye").unwrap();
    });
    let got = rx.wait_for(|v| *v == "goodbye").await.unwrap();
    assert_eq!(*got, "goodbye");
    drop(got);
    assert!(rx.wait_for(|v| *v == "never").await.is_err());
}

#[tern::test]
async fn sender_closed_waits_for_last_receiver() {
    let (tx, rx) = watch::channel(0);
    let rx2 = rx.clone();
    tern::spawn(async move {
        drop(rx);
        tern::task::yield_now().await;
        drop(rx2);
    });
    tx.closed().await;
    assert_eq!(tx.receiver_count(), 0);
}

#[test]
fn sender_new_and_default() {
    let tx = watch::Sender::new(3u8);
    assert!(tx.send(4).is_err());
    let rx = tx.subscribe();
    assert!(tx.send(4).is_ok());
    assert_eq!(*rx.borrow(), 4);
    let d: watch::Sender<u8> = Default::default();
    assert_eq!(*d.borrow(), 0);
}

#[test]
fn panicking_modify_notifies_nobody_but_keeps_its_changes() {
    let (tx, rx) = watch::channel(0);
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        tx.send_modify(|v| {
            *v = 7;
            panic!("in modify");
        })
    }));
    assert!(r.is_err());
    assert!(!rx.has_changed().unwrap());
    assert_eq!(*rx.borrow(), 7);
    // Nothing is poisoned.
    tx.send(8).unwrap();
    assert!(rx.has_changed().unwrap());
}

#[tern::test]
async fn changed_loop_that_is_always_ready_yields_to_other_tasks() {
    let (_tx, mut rx) = watch::channel(0);
    let flag = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let f2 = flag.clone();
    tern::spawn(async move { f2.store(true, SeqCst) });
    let mut saw = false;
    for _ in 0..300 {
        rx.mark_changed();
        rx.changed().await.unwrap();
        saw |= flag.load(SeqCst);
    }
    assert!(saw, "the coop budget never made changed yield");
}

#[tern::test]
async fn wait_for_that_matches_at_once_still_spends_budget() {
    let (tx, mut rx) = watch::channel(0);
    // Without budget spent by an always-matching `wait_for`, this loop
    // would never let the `yield_now` branch run.
    tern::select! {
        biased;
        _ = async {
            loop {
                tx.send(1).unwrap();
                assert_eq!(*rx.wait_for(|v| *v == 1).await.unwrap(), 1);
            }
        } => {},
        _ = tern::task::yield_now() => {},
    }
}

#[test]
fn debug_of_the_sender_never_blocks() {
    let (tx, _rx) = tern::sync::watch::channel(1);
    assert_eq!(format!("{tx:?}"), "Sender { value: 1 }");
    // Inside `send_modify` this thread holds the value's write lock: a
    // blocking read would deadlock (or panic).
    tx.send_modify(|v| {
        *v += 1;
        assert_eq!(format!("{tx:?}"), "Sender { value: <locked> }");
    });
    assert_eq!(format!("{tx:?}"), "Sender { value: 2 }");
}
