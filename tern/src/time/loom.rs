//! Loom models of a timer entry against the driver.
//!
//! `fired_entry_reset_and_dropped_while_the_driver_finishes`: the driver
//! fires a due entry; the owner, seeing it fired, resets it and drops it
//! with no lock (the lock-free paths of `TimerEntry::reset` and `Drop`).
//! Under loom the drop counts as a write to the entry, so a driver access
//! after the owner could see `FIRED` is reported as a race. It was: the
//! driver published `FIRED` before taking the waker out (issue: timer
//! use-after-free), and `Interval::tick` + drop hit it on real hardware.
//!
//! `first_poll_binds_and_files_while_the_driver_fires`: an entry created
//! unbound (as every `Sleep` is) is first polled on another thread, which
//! binds it to the driver and files it, while the clock passes its deadline
//! and the driver fires what is due; the owner then waits for it and drops
//! it. In every order the entry completes (by the owner's own check or by
//! the driver) and the drop is ordered after every driver access.
//!
//! `a_filed_entry_reset_earlier_wakes_its_waker_once`: a pending entry
//! (filed, with a waker) is moved earlier by its owner while another thread
//! moves the clock past the new deadline and fires what is due. Whichever
//! comes first, the waker left by the last poll is woken exactly once,
//! without another poll: by the owner's reset (already due) or by the
//! driver (refiled at the new deadline). Tokio's `Sleep::reset` behaves so,
//! and tokio-util's `DelayQueue` relies on it.

//!
//! `a_rearmed_entry_filed_with_an_old_reading_still_fires`: a bound entry
//! re-armed after it fired (`UNREGISTERED`, handle kept) is polled, which
//! reads the driver's time before the lock and files with that reading
//! (`with_locked_at`), while another thread moves the clock past the
//! deadline and fires what is due. When the reading is older than that
//! `process`, the entry is filed behind the wheel's elapsed tick; in every
//! order a pending poll is followed by a wake, by that `process` or the
//! next.

use crate::loom::sync::atomic::{AtomicBool, Ordering::*};
use crate::loom::sync::Arc;
use crate::time::driver::Handle;
use crate::time::entry::TimerEntry;
use ::loom::thread;
use std::pin::Pin;
use std::sync::atomic::AtomicUsize;
use std::task::{Context, Wake, Waker};
use std::time::Duration;

/// Counts its wakes (read after the threads are joined).
struct Count(AtomicUsize);

impl Wake for Count {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

#[test]
fn fired_entry_reset_and_dropped_while_the_driver_finishes() {
    ::loom::model(|| {
        let handle = Handle::new(true);
        let when = handle.clock().now() + Duration::from_millis(1);
        let mut entry = Box::pin(TimerEntry::new(handle.id(), when));
        let mut cx = Context::from_waker(Waker::noop());
        // SAFETY: the entry stays in its box until it is dropped (so for
        // every `get_unchecked_mut` in this model).
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
        unsafe { Pin::get_unchecked_mut(entry.as_mut()).reset(when + Duration::from_millis(5)) };
        drop(entry);
        th.join().unwrap();
    });
}

#[test]
fn first_poll_binds_and_files_while_the_driver_fires() {
    ::loom::model(|| {
        let handle = Handle::new(true);
        let when = handle.clock().now() + Duration::from_millis(1);
        let mut entry = Box::pin(TimerEntry::new(handle.id(), when));
        let done = Arc::new(AtomicBool::new(false));
        let owner_done = done.clone();
        let owner = thread::spawn(move || {
            let mut cx = Context::from_waker(Waker::noop());
            // SAFETY: the entry stays in its box until dropped (both calls).
            // No runtime is current here: binding finds the driver by id.
            let first = unsafe { Pin::get_unchecked_mut(entry.as_mut()).poll_elapsed(&mut cx) };
            if first.is_pending() {
                while !entry.is_elapsed() {
                    thread::yield_now();
                }
                // SAFETY: as above.
                let again = unsafe { Pin::get_unchecked_mut(entry.as_mut()).poll_elapsed(&mut cx) };
                assert!(again.is_ready());
            }
            drop(entry);
            owner_done.store(true, Release);
        });
        // The driving thread: the clock passes the deadline, then it fires
        // what is due until the owner is done (a timer filed after one
        // `process` is fired by the next, as on a runtime).
        handle.clock().advance(Duration::from_millis(10)).unwrap();
        while !done.load(Acquire) {
            handle.process();
            thread::yield_now();
        }
        owner.join().unwrap();
    });
}

#[test]
fn a_filed_entry_reset_earlier_wakes_its_waker_once() {
    ::loom::model(|| {
        let handle = Handle::new(true);
        let start = handle.clock().now();
        let mut entry = Box::pin(TimerEntry::new(handle.id(), start + Duration::from_millis(10)));
        let count = std::sync::Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(count.clone());
        let mut cx = Context::from_waker(&waker);
        // SAFETY: the entry stays in its box until it is dropped (so for
        // every `get_unchecked_mut` in this model).
        let poll = unsafe { Pin::get_unchecked_mut(entry.as_mut()).poll_elapsed(&mut cx) };
        assert!(poll.is_pending(), "filed for 10 ms, with the waker");

        let driver = handle.clone();
        let th = thread::spawn(move || {
            driver.clock().advance(Duration::from_millis(8)).unwrap();
            driver.process();
        });
        // SAFETY: as above.
        unsafe { Pin::get_unchecked_mut(entry.as_mut()).reset(start + Duration::from_millis(6)) };
        th.join().unwrap();
        // A turn after both: fires the entry if the driver's turn ran
        // before the reset refiled it.
        handle.process();
        assert!(entry.is_elapsed());
        assert_eq!(count.0.load(SeqCst), 1, "the waiting task is woken once");
        drop(entry);
    });
}

#[test]
fn a_rearmed_entry_filed_with_an_old_reading_still_fires() {
    ::loom::model(|| {
        let handle = Handle::new(true);
        let start = handle.clock().now();
        let mut entry = Box::pin(TimerEntry::new(handle.id(), start + Duration::from_millis(1)));
        let count = std::sync::Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(count.clone());
        let mut cx = Context::from_waker(&waker);
        // SAFETY: the entry stays in its box until it is dropped (so for
        // every `get_unchecked_mut` in this model).
        let poll = unsafe { Pin::get_unchecked_mut(entry.as_mut()).poll_elapsed(&mut cx) };
        assert!(poll.is_pending(), "bound and filed");
        handle.clock().advance(Duration::from_millis(2)).unwrap();
        handle.process();
        assert!(entry.is_elapsed(), "fired");
        // SAFETY: as above. Re-armed: bound, and `UNREGISTERED`.
        unsafe { Pin::get_unchecked_mut(entry.as_mut()).reset(start + Duration::from_millis(5)) };
        let before = count.0.load(SeqCst);
        // Another timer keeps the wheel busy, so the other thread's
        // `process` takes the lock and moves the elapsed tick on.
        let mut other = Box::pin(TimerEntry::new(handle.id(), start + Duration::from_millis(8)));
        // SAFETY: as above, for `other`.
        let poll = unsafe { Pin::get_unchecked_mut(other.as_mut()).poll_elapsed(&mut cx) };
        assert!(poll.is_pending());

        let driver = handle.clone();
        let th = thread::spawn(move || {
            driver.clock().advance(Duration::from_millis(10)).unwrap();
            driver.process();
        });
        // SAFETY: as above.
        let poll = unsafe { Pin::get_unchecked_mut(entry.as_mut()).poll_elapsed(&mut cx) };
        th.join().unwrap();
        if poll.is_pending() {
            // The runtime's next turn.
            handle.process();
            assert!(entry.is_elapsed(), "fired by a process after the filing");
            assert!(count.0.load(SeqCst) > before, "the pending poll was followed by a wake");
        }
        assert!(other.is_elapsed());
    });
}
