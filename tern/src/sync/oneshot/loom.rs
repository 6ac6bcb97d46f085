//! Loom models of the oneshot state word: a send racing the receiver's
//! poll, its drop and its close, and a close racing the sender's `closed()`.
//!
//! A lost wakeup shows up as a loom deadlock (`block_on` parks forever); a
//! value dropped twice or never shows up through loom's `Arc` tracking (the
//! values are loom `Arc`s).

use super::channel;
use crate::loom::sync::Arc;
use ::loom::future::block_on;
use ::loom::thread;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Waker};

#[test]
fn send_races_receive() {
    ::loom::model(|| {
        let (tx, rx) = channel::<Arc<u8>>();
        let t = thread::spawn(move || {
            assert!(tx.send(Arc::new(7)).is_ok());
        });
        assert_eq!(*block_on(rx).unwrap(), 7);
        t.join().unwrap();
    });
}

#[test]
fn send_races_receiver_repolled_with_a_new_waker() {
    ::loom::model(|| {
        let (tx, mut rx) = channel::<u8>();
        let t = thread::spawn(move || {
            let _ = tx.send(1);
        });
        // First poll registers a waker that is never woken usefully; the
        // second must replace it even while the send races.
        let first = Pin::new(&mut rx).poll(&mut Context::from_waker(Waker::noop()));
        if first.is_pending() {
            assert_eq!(block_on(&mut rx), Ok(1));
        }
        t.join().unwrap();
    });
}

#[test]
fn send_races_receiver_drop() {
    ::loom::model(|| {
        let (tx, rx) = channel::<Arc<u8>>();
        let t = thread::spawn(move || {
            // Either delivered (and dropped by the receiver side) or given
            // back (and dropped here): loom's leak check sees both.
            let _ = tx.send(Arc::new(1));
        });
        drop(rx);
        t.join().unwrap();
    });
}

#[test]
fn close_races_sender_closed() {
    ::loom::model(|| {
        let (mut tx, mut rx) = channel::<u8>();
        let t = thread::spawn(move || {
            rx.close();
            rx
        });
        block_on(tx.closed());
        assert!(tx.is_closed());
        assert!(tx.send(1).is_err());
        drop(t.join().unwrap());
    });
}

#[test]
fn sender_drop_races_receive() {
    ::loom::model(|| {
        let (tx, rx) = channel::<u8>();
        let t = thread::spawn(move || drop(tx));
        assert!(block_on(rx).is_err());
        t.join().unwrap();
    });
}
