//! Loom models of `Notify`: `notify_one` is never lost, a notified future
//! dropped before it saw its notification passes it on, and
//! `notify_waiters` reaches a future created before it even if it is
//! enabled concurrently.

use super::loom_semaphore::model;
use crate::loom::sync::Arc;
use crate::sync::Notify;
use ::loom::future::block_on;
use ::loom::thread;
use std::pin::pin;

#[test]
fn loom_notify_one_reaches_a_waiter_or_is_stored() {
    model(|| {
        let n = Arc::new(Notify::new());
        let n1 = n.clone();
        let t = thread::spawn(move || n1.notify_one());
        block_on(n.notified());
        t.join().unwrap();
    });
}

#[test]
fn loom_notify_one_passes_on_from_a_dropped_notified() {
    model(|| {
        let n = Arc::new(Notify::new());
        let mut a = Box::pin(n.notified());
        assert!(!a.as_mut().enable());
        let n1 = n.clone();
        let notifier = thread::spawn(move || n1.notify_one());
        let n2 = n.clone();
        let waiter = thread::spawn(move || block_on(n2.notified()));
        // `a` may or may not have been chosen by then: either way the one
        // notification must end up with the waiter.
        drop(a);
        notifier.join().unwrap();
        waiter.join().unwrap();
    });
}

#[test]
fn loom_notify_waiters_reaches_a_future_enabled_concurrently() {
    model(|| {
        let n = Arc::new(Notify::new());
        let a = n.notified();
        let n1 = n.clone();
        let t = thread::spawn(move || {
            n1.notify_waiters();
            // A later future is not woken by it.
            let mut late = pin!(n1.notified());
            assert!(!late.as_mut().enable());
        });
        let mut a = pin!(a);
        a.as_mut().enable();
        block_on(a);
        t.join().unwrap();
    });
}
