//! Loom models of the readiness word and its waiter list: readiness set by
//! the driver while a task registers is never lost, and a waiter dropped
//! while a wake is in flight neither loses a live waiter's wake nor leaves
//! its slot behind; a slot retired while the driver dispatches to it
//! keeps no waiter, and its next registration gets its wakes.
//!
//! Run with `RUSTFLAGS="--cfg tern_loom" cargo test -p tern --release --lib loom`.

use super::scheduled_io::{Direction, ScheduledIo, READABLE, WRITABLE};
use crate::io::Interest;
use crate::loom::sync::Arc;
use ::loom::future::block_on;
use ::loom::thread;
use std::future::poll_fn;
use std::task::Poll;

/// The driver's dispatch of one event, on a thread of its own: records
/// `ready` at `tick` and wakes, if the slot is still at `generation`
/// (`None`: no check). The check and the update are two steps, as in the
/// driver (`slab.rs`).
fn dispatch(
    io: &Arc<ScheduledIo>,
    generation: Option<usize>,
    tick: usize,
    ready: usize,
) -> thread::JoinHandle<()> {
    let io = io.clone();
    thread::spawn(move || {
        if generation.is_none_or(|g| io.generation() == g) {
            io.set_readiness(tick, ready);
            io.wake(ready);
        }
    })
}

#[test]
fn readiness_set_while_a_waiter_registers_is_not_lost() {
    ::loom::model(|| {
        let io = Arc::new(ScheduledIo::new_ready(0));
        let driver = dispatch(&io, None, 1, READABLE);
        let mut key = None;
        let ev = block_on(poll_fn(|cx| io.poll_interest(cx, Interest::READABLE.wake_mask(), &mut key)));
        assert_eq!(ev.ready & READABLE, READABLE);
        assert!(key.is_none(), "a completed wait gave its slot back");
        driver.join().unwrap();
    });
}

#[test]
fn list_waiter_and_direction_waiter_are_both_woken() {
    ::loom::model(|| {
        let io = Arc::new(ScheduledIo::new_ready(0));
        let driver = dispatch(&io, None, 1, READABLE | WRITABLE);
        let mut key = None;
        let mask = Interest::WRITABLE.wake_mask();
        // Each waits with its own waker; a lost wake deadlocks the model.
        block_on(poll_fn(|cx| io.poll_interest(cx, mask, &mut key)));
        block_on(poll_fn(|cx| io.poll_readiness(cx, Direction::Read)));
        driver.join().unwrap();
    });
}

#[test]
fn a_waiter_dropped_during_a_wake_frees_its_slot() {
    ::loom::model(|| {
        let io = Arc::new(ScheduledIo::new_ready(0));
        let mut key = None;
        // Registered and pending.
        let pending = block_on(poll_fn(|cx| {
            Poll::Ready(io.poll_interest(cx, Interest::READABLE.wake_mask(), &mut key).is_pending())
        }));
        assert!(pending);
        let driver = dispatch(&io, None, 1, READABLE);
        io.remove_waiter(&mut key);
        driver.join().unwrap();
        assert_eq!(io.armed_waiters(), 0);
    });
}

#[test]
fn a_slot_retired_during_a_dispatch_is_clean_for_its_next_registration() {
    ::loom::model(|| {
        let io = Arc::new(ScheduledIo::new_ready(0));
        let mut key = None;
        let pending = block_on(poll_fn(|cx| {
            Poll::Ready(io.poll_interest(cx, Interest::READABLE.wake_mask(), &mut key).is_pending())
        }));
        assert!(pending);
        let generation = io.generation();
        // The driver's dispatch of an event with the old token: the
        // generation check and the update are two steps (`slab.rs`).
        let driver = dispatch(&io, Some(generation), 1, READABLE);
        // The resource drops: its readiness future first, then the slot.
        io.remove_waiter(&mut key);
        drop(io.retire());
        assert_eq!(io.generation(), generation + 1);
        driver.join().unwrap();
        assert_eq!(io.armed_waiters(), 0, "no waiter survives the retire");
        // Handed out again: a current event reaches the new waiter.
        io.reset(0);
        let driver = dispatch(&io, None, 2, READABLE);
        let mut key = None;
        block_on(poll_fn(|cx| io.poll_interest(cx, Interest::READABLE.wake_mask(), &mut key)));
        driver.join().unwrap();
    });
}
