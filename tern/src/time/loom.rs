//! Loom model of a timer firing while its owner re-arms and frees it.
//!
//! The driver fires a due entry; the owner, seeing it fired, resets it and
//! drops it with no lock (the lock-free paths of `TimerEntry::reset` and
//! `Drop`). Under loom the drop counts as a write to the entry, so a driver
//! access after the owner could see `FIRED` is reported as a race. It was:
//! the driver published `FIRED` before taking the waker out (issue: timer
//! use-after-free), and `Interval::tick` + drop hit it on real hardware.

use crate::time::driver::Handle;
use crate::time::entry::TimerEntry;
use ::loom::thread;
use std::pin::Pin;
use std::task::{Context, Waker};
use std::time::Duration;

#[test]
fn fired_entry_reset_and_dropped_while_the_driver_finishes() {
    ::loom::model(|| {
        let handle = Handle::new(true);
        let deadline = handle.now_ns() + 1_000_000;
        let mut entry = Box::pin(TimerEntry::new(handle.clone(), deadline));
        let mut cx = Context::from_waker(Waker::noop());
        // SAFETY (for every `get_unchecked_mut` here): the entry stays in
        // its box until it is dropped.
        let poll = unsafe { Pin::get_unchecked_mut(entry.as_mut()).poll_elapsed(&mut cx) };
        assert!(poll.is_pending());
        handle.clock().advance(Duration::from_millis(10)).unwrap();

        let driver = handle.clone();
        let th = thread::spawn(move || driver.process());
        // As a task in `Interval::tick` does: wait for the tick, re-arm,
        // then drop the interval.
        while !entry.is_elapsed() {
            thread::yield_now();
        }
        // SAFETY: as above.
        unsafe { Pin::get_unchecked_mut(entry.as_mut()).reset(deadline + 5_000_000) };
        drop(entry);
        th.join().unwrap();
    });
}
