//! Loom models of the broadcast channel: a send racing a waiting `recv`,
//! sends overwriting a slot a receiver is about to read (the lag count must
//! still be exact), also below a tail the receiver read earlier and does
//! not read again, the close racing `recv`, and a receiver's drop racing a
//! send (each value dropped exactly once, checked by loom's `Arc` tracking).

use super::channel;
use super::error::{RecvError, TryRecvError};
use crate::loom::sync::Arc;
use ::loom::future::block_on;
use ::loom::thread;

#[test]
fn send_races_recv() {
    ::loom::model(|| {
        let (tx, mut rx) = channel::<u8>(1);
        let t = thread::spawn(move || {
            tx.send(1).unwrap();
            tx
        });
        assert_eq!(block_on(rx.recv()), Ok(1));
        drop(t.join().unwrap());
    });
}

/// Adds what one receive reports to `seen` (values and lag counts).
fn account(r: Result<u8, TryRecvError>, seen: &mut u64, last: &mut u8) -> bool {
    match r {
        Ok(v) => {
            assert!(v > *last, "values out of order");
            *last = v;
            *seen += 1;
            true
        }
        Err(TryRecvError::Lagged(n)) => {
            assert!(n > 0, "a lag reports at least one missed value");
            *seen += n;
            true
        }
        Err(TryRecvError::Empty | TryRecvError::Closed) => false,
    }
}

#[test]
fn lag_count_exact_while_sends_overwrite() {
    ::loom::model(|| {
        let (tx, mut rx) = channel::<u8>(1);
        let t = thread::spawn(move || {
            tx.send(1).unwrap();
            tx.send(2).unwrap();
            tx
        });
        let (mut seen, mut last) = (0u64, 0u8);
        account(rx.try_recv(), &mut seen, &mut last);
        let tx = t.join().unwrap();
        while account(rx.try_recv(), &mut seen, &mut last) {}
        assert_eq!(seen, 2);
        assert_eq!(last, 2);
        drop(tx);
    });
}

/// A receiver reads positions below the tail it last read (its cursor's
/// `published`) without reading the tail again, while the sender
/// overwrites those slots: whenever `is_empty()` is false, a receive
/// finds a value or a lag, whichever way it looks; each value arrives or
/// is counted lagged, in order, exactly once. (Storing the tail before
/// writing the slot fails here: checked by hand.)
#[test]
fn reads_below_a_tail_read_earlier_race_overwrites() {
    ::loom::model(|| {
        let (tx, mut rx) = channel::<u8>(2);
        tx.send(1).unwrap();
        tx.send(2).unwrap();
        let t = thread::spawn(move || {
            tx.send(3).unwrap();
            tx.send(4).unwrap();
            tx
        });
        let (mut seen, mut last) = (0u64, 0u8);
        // The first receive reads the tail (2 or more); the next ones
        // below it read the slot alone.
        while !rx.is_empty() {
            assert!(
                account(rx.try_recv(), &mut seen, &mut last),
                "is_empty() was false, yet the receive found nothing"
            );
        }
        let tx = t.join().unwrap();
        while account(rx.try_recv(), &mut seen, &mut last) {}
        assert_eq!(seen, 4);
        assert_eq!(last, 4);
        drop(tx);
    });
}

#[test]
fn close_races_recv() {
    ::loom::model(|| {
        let (tx, mut rx) = channel::<u8>(1);
        let t = thread::spawn(move || drop(tx));
        assert_eq!(block_on(rx.recv()), Err(RecvError::Closed));
        t.join().unwrap();
    });
}

#[test]
fn receiver_drop_races_send() {
    ::loom::model(|| {
        let (tx, rx1) = channel::<Arc<u8>>(2);
        let mut rx2 = tx.subscribe();
        let t = thread::spawn(move || drop(rx1));
        let _ = tx.send(Arc::new(1));
        assert_eq!(*rx2.try_recv().unwrap(), 1);
        t.join().unwrap();
        assert_eq!(tx.len(), 0);
    });
}
