//! The receiver's waker slot.
//!
//! Like the usual `AtomicWaker`, with one addition: a `FULL` bit says a
//! waker is stored, so a sender whose receiver is busy (nothing stored)
//! pays one load instead of two read-modify-writes.
//!
//! | state bits     | meaning                                             |
//! |----------------|-----------------------------------------------------|
//! | `FULL`         | a waker is stored and not yet taken                  |
//! | `REGISTERING`  | the receiver is replacing the waker                  |
//! | `WAKING`       | a sender is taking the waker                         |
//!
//! Legal transitions: `register` sets `REGISTERING`, stores, then moves to
//! `FULL` (or, if a wake came in meanwhile, takes the waker back, clears the
//! state and wakes it itself); `wake` sets `WAKING` only when nobody else
//! holds the slot, takes the waker and clears `WAKING | FULL`; the dropped
//! receiver's `take` does the same without waking.
//!
//! Ordering: a sender publishes its message with a SeqCst read-modify-write
//! and then loads this state with SeqCst; the receiver sets `REGISTERING`
//! with SeqCst and then re-reads the queue with SeqCst loads. In the single
//! total order one of the two comes first, so either the sender sees the
//! registration or the receiver sees the message.

use super::sc_fence;
use crate::loom::cell::UnsafeCell;
use crate::loom::sync::atomic::{AtomicUsize, Ordering::*};
use std::task::Waker;

const FULL: usize = 1;
const REGISTERING: usize = 2;
const WAKING: usize = 4;

pub(super) struct AtomicWaker {
    state: AtomicUsize,
    waker: UnsafeCell<Option<Waker>>,
}

// SAFETY: the waker cell is only accessed by the holder of `REGISTERING` or
// `WAKING` (exclusive per the state machine); `Waker` is Send + Sync.
unsafe impl Send for AtomicWaker {}
// SAFETY: as above.
unsafe impl Sync for AtomicWaker {}

impl AtomicWaker {
    pub(super) fn new() -> AtomicWaker {
        AtomicWaker { state: AtomicUsize::new(0), waker: UnsafeCell::new(None) }
    }

    /// Stores `waker` to be woken by the next `wake` (only the receiver
    /// calls this).
    pub(super) fn register(&self, waker: &Waker) {
        let prev = self.state.fetch_or(REGISTERING, SeqCst);
        sc_fence();
        if prev & WAKING != 0 {
            // A sender is taking the old waker right now: it will wake that
            // one; make sure this poll is repeated too. (Under loom, let
            // that sender run first, or the model sees a spin.)
            #[cfg(tern_loom)]
            ::loom::thread::yield_now();
            waker.wake_by_ref();
            self.state.fetch_and(!REGISTERING, AcqRel);
            return;
        }
        // SAFETY: `REGISTERING` is held and no `WAKING` was set before it,
        // and a sender that sets `WAKING` from now on sees `REGISTERING` and
        // leaves the cell alone.
        self.waker.with_mut(|slot| unsafe {
            match &mut *slot {
                Some(old) if old.will_wake(waker) => {}
                other => *other = Some(waker.clone()),
            }
        });
        match self.state.compare_exchange(prev | REGISTERING, FULL, AcqRel, Acquire) {
            Ok(_) => {}
            Err(_) => {
                // A wake arrived while registering: take the waker back and
                // wake it here.
                // SAFETY: the sender that set `WAKING` saw `REGISTERING` and
                // did not touch the cell; we still hold `REGISTERING`.
                let w = self.waker.with_mut(|slot| unsafe { (*slot).take() });
                self.state.store(0, Release);
                if let Some(w) = w {
                    w.wake();
                }
            }
        }
    }

    /// Withdraws a registration the receiver no longer needs (it found a
    /// message right after registering and will register again before it
    /// waits). Only the receiver calls this. The waker stays in the cell; a
    /// sender that already saw `FULL` may still take and wake it, which is
    /// merely spurious.
    pub(super) fn unregister(&self) {
        let _ = self.state.compare_exchange(FULL, 0, AcqRel, Relaxed);
    }

    /// Takes the stored waker out without waking it (only the receiver
    /// calls this, as it goes away: its task's memory need not outlive it).
    /// `None` if there is none, or if a sender is taking it right now (that
    /// sender wakes and drops it).
    pub(super) fn take(&self) -> Option<Waker> {
        let prev = self.state.fetch_or(WAKING, AcqRel);
        if prev & WAKING != 0 {
            return None;
        }
        // SAFETY: we set `WAKING` while it was clear, and only the receiver
        // (us, not registering now) sets `REGISTERING`: the cell is ours.
        let w = self.waker.with_mut(|slot| unsafe { (*slot).take() });
        self.state.fetch_and(!(WAKING | FULL), Release);
        w
    }

    /// Wakes the stored waker, if any (any sender may call this).
    #[inline]
    pub(super) fn wake(&self) {
        sc_fence();
        if self.state.load(SeqCst) & (FULL | REGISTERING) == 0 {
            return;
        }
        self.wake_slow();
    }

    #[cold]
    fn wake_slow(&self) {
        let prev = self.state.fetch_or(WAKING, AcqRel);
        if prev & (REGISTERING | WAKING) != 0 {
            // The registering receiver (or another sender) will do it.
            return;
        }
        // SAFETY: we set `WAKING` while neither flag was held; a receiver
        // that starts registering now sees `WAKING` and leaves the cell.
        let w = self.waker.with_mut(|slot| unsafe { (*slot).take() });
        self.state.fetch_and(!(WAKING | FULL), Release);
        if let Some(w) = w {
            w.wake();
        }
    }
}
