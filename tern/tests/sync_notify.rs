//! `tern::sync::Notify`: the stored permit, FIFO/LIFO picks, notify_waiters
//! generations, enable, and the hand-off of a dropped notified future.

use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use tern::sync::Notify;

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
fn at_most_one_permit_is_stored() {
    let n = Notify::new();
    n.notify_one();
    n.notify_one();
    n.notify_one();
    assert!(poll(pin!(n.notified())).is_ready());
    assert!(poll(pin!(n.notified())).is_pending());
}

#[test]
fn notify_one_wakes_the_oldest_and_notify_last_the_newest() {
    let n = Notify::new();
    let ws: Vec<_> = (0..3).map(|_| counting()).collect();
    let mut fs: Vec<_> = (0..3).map(|_| Box::pin(n.notified())).collect();
    for (f, (_, w)) in fs.iter_mut().zip(&ws) {
        assert!(poll_with(f.as_mut(), w).is_pending());
    }
    n.notify_one();
    n.notify_last();
    let woken: Vec<_> = ws.iter().map(|(c, _)| c.0.load(SeqCst)).collect();
    assert_eq!(woken, vec![1, 0, 1]);
    assert!(poll(fs[0].as_mut()).is_ready());
    assert!(poll(fs[1].as_mut()).is_pending());
    assert!(poll(fs[2].as_mut()).is_ready());
    // Both notifications went to waiters: no permit left over.
    assert!(poll(pin!(n.notified())).is_pending());
}

#[test]
fn notify_waiters_wakes_only_earlier_futures_even_unpolled_and_stores_nothing() {
    let n = Notify::new();
    let (c, w) = counting();
    let mut polled = pin!(n.notified());
    assert!(poll_with(polled.as_mut(), &w).is_pending());
    let mut unpolled = pin!(n.notified());
    n.notify_waiters();
    let mut later = pin!(n.notified());
    assert_eq!(c.0.load(SeqCst), 1);
    assert!(poll(polled.as_mut()).is_ready());
    assert!(poll(unpolled.as_mut()).is_ready(), "created before the call");
    assert!(poll(later.as_mut()).is_pending(), "created after: not woken, no permit");
}

#[test]
fn notify_waiters_keeps_a_stored_permit() {
    let n = Notify::new();
    n.notify_one();
    n.notify_waiters();
    assert!(poll(pin!(n.notified())).is_ready());
}

#[test]
fn notify_waiters_wakes_more_than_one_batch() {
    let n = Notify::new();
    let (c, w) = counting();
    let mut fs: Vec<_> = (0..100).map(|_| Box::pin(n.notified())).collect();
    for f in &mut fs {
        assert!(poll_with(f.as_mut(), &w).is_pending());
    }
    n.notify_waiters();
    assert_eq!(c.0.load(SeqCst), 100);
    for f in &mut fs {
        assert!(poll(f.as_mut()).is_ready());
    }
}

/// A waker that, when the first batch of a `notify_waiters` wakes it (the
/// lock dropped between batches), runs a second `notify_waiters` and then
/// queues a fresh waiter, of the generation after both.
struct InterleaveSecondCall {
    notify: Arc<Notify>,
    fresh: std::sync::Mutex<Option<Pin<Box<tern::sync::futures::OwnedNotified>>>>,
}

impl Wake for InterleaveSecondCall {
    fn wake(self: Arc<Self>) {
        let mut fresh = self.fresh.lock().unwrap();
        if fresh.is_none() {
            self.notify.notify_waiters();
            let mut f = Box::pin(self.notify.clone().notified_owned());
            assert!(poll(f.as_mut()).is_pending());
            *fresh = Some(f);
        }
    }
}

#[test]
fn a_waiter_queued_between_the_batches_of_notify_waiters_is_not_woken_by_it() {
    let notify = Arc::new(Notify::new());
    let hook = Arc::new(InterleaveSecondCall { notify: notify.clone(), fresh: Default::default() });
    let hook_waker = Waker::from(hook.clone());
    // More than one batch (32) of waiters, the hook in the first.
    let mut old: Vec<_> = (0..40).map(|_| Box::pin(notify.clone().notified_owned())).collect();
    for (i, f) in old.iter_mut().enumerate() {
        let w = if i == 0 { hook_waker.clone() } else { Waker::noop().clone() };
        assert!(poll_with(f.as_mut(), &w).is_pending());
    }
    notify.notify_waiters();
    for f in &mut old {
        assert!(poll(f.as_mut()).is_ready());
    }
    let mut fresh = hook.fresh.lock().unwrap().take().expect("the hook ran");
    // Queued after the second call: neither call is for it.
    assert!(poll(fresh.as_mut()).is_pending());
    // And `Notify` still knows it waits: `notify_one` hands it the
    // notification (rather than finding no waiter where the state says
    // one waits).
    notify.notify_one();
    assert!(poll(fresh.as_mut()).is_ready());
    // Nothing stored besides.
    let mut later = pin!(notify.notified());
    assert!(poll(later.as_mut()).is_pending());
}

#[test]
fn a_notified_future_dropped_before_seeing_it_passes_the_notification_on() {
    let n = Notify::new();
    let (_, w1) = counting();
    let (c2, w2) = counting();
    let mut a = Box::pin(n.notified());
    let mut b = pin!(n.notified());
    assert!(poll_with(a.as_mut(), &w1).is_pending());
    assert!(poll_with(b.as_mut(), &w2).is_pending());
    n.notify_one();
    assert_eq!(c2.0.load(SeqCst), 0);
    drop(a);
    assert_eq!(c2.0.load(SeqCst), 1);
    assert!(poll(b.as_mut()).is_ready());
    assert!(poll(pin!(n.notified())).is_pending(), "one notification, one completion");
}

#[test]
fn a_dropped_notified_future_with_no_one_behind_leaves_the_permit() {
    let n = Notify::new();
    let mut a = Box::pin(n.notified());
    assert!(poll(a.as_mut()).is_pending());
    n.notify_one();
    drop(a);
    assert!(poll(pin!(n.notified())).is_ready());
}

#[test]
fn a_completed_future_does_not_forward() {
    let n = Notify::new();
    let mut a = pin!(n.notified());
    assert!(poll(a.as_mut()).is_pending());
    n.notify_one();
    assert!(poll(a.as_mut()).is_ready());
    assert!(poll(a.as_mut()).is_ready(), "fused");
    assert!(poll(pin!(n.notified())).is_pending());
}

#[test]
fn a_dropped_pending_future_loses_nothing() {
    let n = Notify::new();
    let mut a = Box::pin(n.notified());
    assert!(poll(a.as_mut()).is_pending());
    drop(a);
    n.notify_one();
    assert!(poll(pin!(n.notified())).is_ready());
}

#[test]
fn enable_registers_without_a_waker() {
    let n = Notify::new();
    let mut a = pin!(n.notified());
    assert!(!a.as_mut().enable());
    n.notify_one();
    assert!(a.as_mut().enable(), "marked by notify_one");
    assert!(poll(a.as_mut()).is_ready());
    assert!(poll(pin!(n.notified())).is_pending(), "the notification went to the enabled future");

    n.notify_one();
    let mut b = pin!(n.notified());
    assert!(b.as_mut().enable(), "consumed the stored permit");

    let mut c = pin!(n.notified());
    n.notify_waiters();
    assert!(c.as_mut().enable());
}

// The `const` constructors are not built under loom (its atomics are not const).
#[cfg(not(tern_loom))]
#[test]
fn owned_notified() {
    let n = Arc::new(Notify::new());
    let mut a = pin!(n.clone().notified_owned());
    assert!(!a.as_mut().enable());
    n.notify_waiters();
    assert!(poll(a.as_mut()).is_ready());
    let mut b = Box::pin(n.clone().notified_owned());
    let mut c = pin!(n.clone().notified_owned());
    assert!(poll(b.as_mut()).is_pending());
    assert!(poll(c.as_mut()).is_pending());
    n.notify_one();
    drop(b);
    assert!(poll(c.as_mut()).is_ready());
    static S: Notify = Notify::const_new();
    S.notify_one();
    assert!(poll(pin!(S.notified())).is_ready());
}

#[tern::test(flavor = "multi_thread", worker_threads = 2)]
async fn ping_pong_between_tasks() {
    let ping = Arc::new(Notify::new());
    let pong = Arc::new(Notify::new());
    let (ping2, pong2) = (ping.clone(), pong.clone());
    let h = tern::spawn(async move {
        for _ in 0..500 {
            ping2.notified().await;
            pong2.notify_one();
        }
    });
    for _ in 0..500 {
        ping.notify_one();
        pong.notified().await;
    }
    h.await.unwrap();
}

#[tern::test(flavor = "multi_thread", worker_threads = 2)]
async fn notify_waiters_reaches_every_task() {
    let n = Arc::new(Notify::new());
    let ready = Arc::new(tern::sync::Barrier::new(11));
    let hs: Vec<_> = (0..10)
        .map(|_| {
            let (n, ready) = (n.clone(), ready.clone());
            tern::spawn(async move {
                let f = n.notified();
                ready.wait().await;
                f.await;
            })
        })
        .collect();
    ready.wait().await;
    n.notify_waiters();
    for h in hs {
        h.await.unwrap();
    }
}

/// `tern::sync::futures` names the `Notify` futures at Tokio's path, so they
/// can be stored in struct fields (as tokio-util's `CancellationToken` does).
#[test]
fn futures_module_names_the_notified_types() {
    struct Holder<'a> {
        borrowed: tern::sync::futures::Notified<'a>,
        owned: tern::sync::futures::OwnedNotified,
    }
    let notify = std::sync::Arc::new(tern::sync::Notify::new());
    let holder = Holder { borrowed: notify.notified(), owned: notify.clone().notified_owned() };
    notify.notify_waiters();
    let rt = tern::runtime::Builder::new_current_thread().build().unwrap();
    rt.block_on(async move {
        holder.borrowed.await;
        holder.owned.await;
    });
}
