//! Loom models of the watch state word: a send racing `changed()`, and the
//! last sender's drop racing it. A lost wakeup shows up as a loom deadlock.

use super::channel;
use ::loom::future::block_on;
use ::loom::thread;

#[test]
fn send_races_changed() {
    ::loom::model(|| {
        let (tx, mut rx) = channel(0u8);
        let t = thread::spawn(move || {
            tx.send(1).unwrap();
            tx
        });
        block_on(rx.changed()).unwrap();
        assert_eq!(*rx.borrow_and_update(), 1);
        drop(t.join().unwrap());
    });
}

#[test]
fn close_races_changed() {
    ::loom::model(|| {
        let (tx, mut rx) = channel(0u8);
        let t = thread::spawn(move || drop(tx));
        assert!(block_on(rx.changed()).is_err());
        t.join().unwrap();
    });
}

#[test]
fn last_receiver_drop_races_sender_closed() {
    ::loom::model(|| {
        let (tx, rx) = channel(0u8);
        let t = thread::spawn(move || drop(rx));
        block_on(tx.closed());
        assert!(tx.is_closed());
        t.join().unwrap();
    });
}
