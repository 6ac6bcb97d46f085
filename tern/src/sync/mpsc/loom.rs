//! Loom models of the mpsc channel (blocks shrink to 2 slots under loom,
//! so a few messages cross block boundaries and exercise `grow`, the tail
//! move and block reclamation).
//!
//! A lost wakeup shows up as a loom deadlock (a `block_on` that never
//! wakes), a lost or duplicated message as a failed assertion, a double
//! drop or leak through the drop counters and loom's `Arc` leak check.
//!
//! Run with `RUSTFLAGS="--cfg tern_loom" cargo test -p tern --release --lib loom`.

use super::{channel, unbounded_channel};
use crate::loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use crate::loom::sync::Arc;
use ::loom::future::block_on;
use ::loom::thread;

fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut b = ::loom::model::Builder::new();
    b.preemption_bound = Some(2);
    b.check(f);
}

#[test]
fn loom_mpsc_bounded_send_recv() {
    model(|| {
        // Capacity 1: the second send must wait for the first recv.
        let (tx, mut rx) = channel::<usize>(1);
        let t = thread::spawn(move || {
            block_on(tx.send(1)).unwrap();
            block_on(tx.send(2)).unwrap();
        });
        assert_eq!(block_on(rx.recv()), Some(1));
        assert_eq!(block_on(rx.recv()), Some(2));
        assert_eq!(block_on(rx.recv()), None);
        t.join().unwrap();
    });
}

#[test]
fn loom_mpsc_unbounded_across_a_block_boundary() {
    model(|| {
        let (tx, mut rx) = unbounded_channel::<(usize, usize)>();
        let tx2 = tx.clone();
        let t = thread::spawn(move || {
            tx2.send((1, 0)).unwrap();
            tx2.send((1, 1)).unwrap();
        });
        tx.send((0, 0)).unwrap();
        tx.send((0, 1)).unwrap();
        drop(tx);
        let mut next = [0, 0];
        while let Some((s, i)) = block_on(rx.recv()) {
            assert_eq!(i, next[s], "per-sender order");
            next[s] += 1;
        }
        assert_eq!(next, [2, 2]);
        t.join().unwrap();
    });
}

#[test]
fn loom_mpsc_close_racing_send() {
    model(|| {
        let (tx, mut rx) = unbounded_channel::<usize>();
        let t = thread::spawn(move || tx.send(7).is_ok());
        rx.close();
        let mut got = 0;
        while let Some(v) = block_on(rx.recv()) {
            assert_eq!(v, 7);
            got += 1;
        }
        let sent = t.join().unwrap();
        assert_eq!(got, sent as usize, "an accepted send is received after close");
    });
}

#[test]
fn loom_mpsc_permit_drop_passes_capacity_on() {
    model(|| {
        let (tx, mut rx) = channel::<usize>(1);
        let tx2 = tx.clone();
        let permit = block_on(tx.reserve()).unwrap();
        let t = thread::spawn(move || {
            block_on(tx2.send(1)).unwrap();
        });
        drop(permit);
        assert_eq!(block_on(rx.recv()), Some(1));
        t.join().unwrap();
        drop(tx);
        assert_eq!(block_on(rx.recv()), None);
    });
}

struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

#[test]
fn loom_mpsc_receiver_drop_drops_queued_values_once() {
    model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = unbounded_channel::<Counted>();
        let d = drops.clone();
        let t = thread::spawn(move || {
            for _ in 0..2 {
                // An `Err` hands the value back; it is dropped here.
                let _ = tx.send(Counted(d.clone()));
            }
        });
        drop(rx);
        t.join().unwrap();
        assert_eq!(drops.load(SeqCst), 2);
    });
}

#[test]
fn loom_mpsc_granted_reserve_dropped_passes_the_slot_on() {
    use std::future::Future;
    use std::task::{Context, Waker};
    model(|| {
        let (tx, mut rx) = channel::<usize>(1);
        block_on(tx.send(0)).unwrap(); // full
        let tx2 = tx.clone();
        let t = thread::spawn(move || {
            block_on(tx2.send(2)).unwrap();
        });
        // Queue a reserve (before or after the thread's send), let the
        // receive hand out the slot, then drop the reserve unpolled.
        let mut reserve = Box::pin(tx.reserve());
        let pending = reserve.as_mut().poll(&mut Context::from_waker(Waker::noop())).is_pending();
        assert!(pending);
        assert_eq!(block_on(rx.recv()), Some(0));
        drop(reserve);
        assert_eq!(block_on(rx.recv()), Some(2));
        t.join().unwrap();
    });
}

/// Counts wakes; its `Arc`'s strong count says who still holds a waker.
struct Wakes(AtomicUsize);

impl std::task::Wake for Wakes {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

#[test]
fn loom_mpsc_receiver_drop_takes_its_waker_while_a_send_wakes_it() {
    use std::task::{Context, Waker};
    model(|| {
        let (tx, mut rx) = channel::<usize>(1);
        let wakes = std::sync::Arc::new(Wakes(AtomicUsize::new(0)));
        let waker = Waker::from(wakes.clone());
        assert!(rx.poll_recv(&mut Context::from_waker(&waker)).is_pending());
        drop(waker);
        let t = thread::spawn(move || {
            // Takes and wakes the stored waker, unless the drop took it.
            let _ = tx.try_send(1);
        });
        // Takes the waker (or finds the send taking it): the cell is never
        // touched by both at once (loom checks the `UnsafeCell`).
        drop(rx);
        t.join().unwrap();
        // Whoever took it dropped it: nothing holds the waker any more.
        assert_eq!(std::sync::Arc::strong_count(&wakes), 1);
    });
}
