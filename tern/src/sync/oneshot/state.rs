//! The oneshot channel's single allocation and its state word.
//!
//! Both handles point at one heap block, [`Inner`]; there is no `Arc`: the
//! two `*_RELEASED` bits of the state word say which handles are gone, and
//! whichever handle sets the second one frees the block.
//!
//! # State bits
//!
//! | bit            | set by                   | meaning once set                                                         | cleared by              |
//! |----------------|--------------------------|--------------------------------------------------------------------------|-------------------------|
//! | `RX_TASK_SET`  | receiver (`poll`)        | `rx_task` holds a waker; only the sender reads it, only to wake it       | receiver, to replace it |
//! | `VALUE_SENT`   | sender (`send` or drop)  | the sender is done; `value` belongs to the receiver (`Some` if sent)     | never                   |
//! | `CLOSED`       | receiver (`close`, drop) | the receiver wants no value; `send` fails and gives the value back        | never                   |
//! | `TX_TASK_SET`  | sender (`poll_closed`)   | `tx_task` holds a waker; only the receiver reads it, only to wake it      | sender, to replace it   |
//! | `TX_RELEASED`  | sender, last access      | the sender will not touch the block again                                | never                   |
//! | `RX_RELEASED`  | receiver, last access    | the receiver will not touch the block again                              | never                   |
//!
//! # Transitions
//!
//! | function          | from                           | to                   | result                                              |
//! |-------------------|--------------------------------|----------------------|-----------------------------------------------------|
//! | [`Inner::complete`] | not `CLOSED`                 | `+VALUE_SENT`        | [`Complete::WakeRx`] if `RX_TASK_SET`, else `Done`   |
//! | [`Inner::complete`] | `CLOSED`                     | unchanged            | [`Complete::Closed`]: the value goes back            |
//! | [`Inner::close`]    | any                          | `+CLOSED`            | [`Close::WakeTx`] if `TX_TASK_SET` and not sent     |
//! | [`Inner::set_task`] | bit clear                    | `+RX/TX_TASK_SET`    | [`SetTask::Done`] if the awaited event already came |
//! | [`Inner::unset_task`] | bit set, event not yet come | `-RX/TX_TASK_SET`  | [`UnsetTask::Done`] if it came meanwhile (bit kept) |
//! | [`Inner::release`]  | own bit clear                | `+TX/RX_RELEASED`    | [`Release::Last`]: the caller frees the block       |
//!
//! A waker cell is written only by its owner while its bit is clear, and
//! read by the other side only while the bit is set; the awaited event
//! (`VALUE_SENT` for the receiver, `CLOSED` for the sender) is final, so a
//! waker set once the event happened is never read by the other side.

use crate::loom::cell::UnsafeCell;
use crate::loom::sync::atomic::{AtomicUsize, Ordering::*};
use std::mem::MaybeUninit;
use std::ptr::NonNull;
use std::task::Waker;

pub(super) const RX_TASK_SET: usize = 0b00_0001;
pub(super) const VALUE_SENT: usize = 0b00_0010;
pub(super) const CLOSED: usize = 0b00_0100;
pub(super) const TX_TASK_SET: usize = 0b00_1000;
pub(super) const TX_RELEASED: usize = 0b01_0000;
pub(super) const RX_RELEASED: usize = 0b10_0000;

/// Which side's waker a task operation is about.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Side {
    /// The receiver waits for `VALUE_SENT`.
    Rx,
    /// The sender waits for `CLOSED`.
    Tx,
}

impl Side {
    fn task_bit(self) -> usize {
        match self {
            Side::Rx => RX_TASK_SET,
            Side::Tx => TX_TASK_SET,
        }
    }

    /// The final event this side waits for.
    fn event_bit(self) -> usize {
        match self {
            Side::Rx => VALUE_SENT,
            Side::Tx => CLOSED,
        }
    }

    fn released_bit(self) -> usize {
        match self {
            Side::Rx => RX_RELEASED,
            Side::Tx => TX_RELEASED,
        }
    }
}

/// The outcome of [`Inner::complete`].
#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Complete {
    /// Sent; the receiver registered a waker, which the sender must wake.
    WakeRx,
    /// Sent; nobody to wake.
    Done,
    /// The receiver had closed: nothing changed, the value is the sender's.
    Closed,
}

/// The outcome of [`Inner::close`].
#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Close {
    /// The sender waits in `closed()`: wake it.
    WakeTx,
    /// Closed; `sent` says whether the sender had completed first.
    Done { sent: bool },
}

/// The outcome of [`Inner::set_task`].
#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub(super) enum SetTask {
    /// Registered: the other side will wake it.
    Registered,
    /// The awaited event already happened: poll again instead of waiting.
    Done,
}

/// The outcome of [`Inner::unset_task`].
#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub(super) enum UnsetTask {
    /// The waker cell is the caller's again (bit cleared).
    Unset,
    /// The awaited event happened first; the bit stays set.
    Done,
}

/// The outcome of [`Inner::release`].
#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Release {
    /// The other handle is gone too: the caller frees the block.
    Last,
    /// The other handle still uses the block.
    NotLast,
}

/// The channel's one allocation.
pub(super) struct Inner<T> {
    pub(super) state: AtomicUsize,
    /// Written by the sender before `VALUE_SENT`; the receiver's after.
    pub(super) value: UnsafeCell<Option<T>>,
    /// See `RX_TASK_SET`.
    rx_task: UnsafeCell<MaybeUninit<Waker>>,
    /// See `TX_TASK_SET`.
    tx_task: UnsafeCell<MaybeUninit<Waker>>,
}

impl<T> Inner<T> {
    /// Allocates a fresh channel block.
    pub(super) fn allocate() -> NonNull<Inner<T>> {
        let inner = Box::new(Inner {
            state: AtomicUsize::new(0),
            value: UnsafeCell::new(None),
            rx_task: UnsafeCell::new(MaybeUninit::uninit()),
            tx_task: UnsafeCell::new(MaybeUninit::uninit()),
        });
        NonNull::from(Box::leak(inner))
    }

    /// Sender: marks the channel complete unless the receiver closed it.
    pub(super) fn complete(&self) -> Complete {
        let mut cur = self.state.load(Acquire);
        loop {
            if cur & CLOSED != 0 {
                return Complete::Closed;
            }
            match self.state.compare_exchange_weak(cur, cur | VALUE_SENT, AcqRel, Acquire) {
                Ok(_) if cur & RX_TASK_SET != 0 => return Complete::WakeRx,
                Ok(_) => return Complete::Done,
                Err(actual) => cur = actual,
            }
        }
    }

    /// Receiver: marks the channel closed.
    pub(super) fn close(&self) -> Close {
        let prev = self.state.fetch_or(CLOSED, AcqRel);
        let sent = prev & VALUE_SENT != 0;
        if prev & TX_TASK_SET != 0 && !sent && prev & CLOSED == 0 {
            Close::WakeTx
        } else {
            Close::Done { sent }
        }
    }

    /// Publishes `side`'s waker, written before this call.
    pub(super) fn set_task(&self, side: Side) -> SetTask {
        let prev = self.state.fetch_or(side.task_bit(), AcqRel);
        if prev & side.event_bit() != 0 {
            SetTask::Done
        } else {
            SetTask::Registered
        }
    }

    /// Takes `side`'s waker cell back, unless its event already happened.
    pub(super) fn unset_task(&self, side: Side) -> UnsetTask {
        let mut cur = self.state.load(Acquire);
        loop {
            if cur & side.event_bit() != 0 {
                return UnsetTask::Done;
            }
            match self.state.compare_exchange_weak(cur, cur & !side.task_bit(), AcqRel, Acquire) {
                Ok(_) => return UnsetTask::Unset,
                Err(actual) => cur = actual,
            }
        }
    }

    /// Marks `side`'s handle as gone for good.
    pub(super) fn release(&self, side: Side) -> Release {
        let other = match side {
            Side::Rx => TX_RELEASED,
            Side::Tx => RX_RELEASED,
        };
        let prev = self.state.fetch_or(side.released_bit(), AcqRel);
        if prev & other != 0 {
            Release::Last
        } else {
            Release::NotLast
        }
    }

    /// Whether `side`'s registered waker would wake the same task as `waker`.
    ///
    /// # Safety
    ///
    /// `side`'s task bit is set and `side` is the caller's own side.
    pub(super) unsafe fn task_will_wake(&self, side: Side, waker: &Waker) -> bool {
        // SAFETY: the bit is set, so the cell holds a waker; the other side
        // only reads it, and the owner (the caller) is the only writer.
        self.cell(side).with(|p| unsafe { (*p).assume_init_ref().will_wake(waker) })
    }

    /// Writes `side`'s waker cell, dropping nothing (the cell is empty).
    ///
    /// # Safety
    ///
    /// `side`'s task bit is clear and `side` is the caller's own side.
    pub(super) unsafe fn write_task(&self, side: Side, waker: Waker) {
        // SAFETY: with the bit clear the other side never reads the cell.
        self.cell(side).with_mut(|p| unsafe { (*p).write(waker) });
    }

    /// Drops `side`'s waker, after [`UnsetTask::Unset`].
    ///
    /// # Safety
    ///
    /// The caller just cleared `side`'s task bit, so the cell holds a waker
    /// nobody else reads.
    pub(super) unsafe fn drop_task(&self, side: Side) {
        // SAFETY: as the function's contract says.
        self.cell(side).with_mut(|p| unsafe { (*p).assume_init_drop() });
    }

    /// Wakes the other side's registered waker.
    ///
    /// # Safety
    ///
    /// `side`'s task bit was seen set by the transition that made its event
    /// happen, so the cell holds a waker its owner no longer writes.
    pub(super) unsafe fn wake_task(&self, side: Side) {
        // SAFETY: as the function's contract says.
        self.cell(side).with(|p| unsafe { (*p).assume_init_ref().wake_by_ref() });
    }

    fn cell(&self, side: Side) -> &UnsafeCell<MaybeUninit<Waker>> {
        match side {
            Side::Rx => &self.rx_task,
            Side::Tx => &self.tx_task,
        }
    }

    /// Frees the block.
    ///
    /// # Safety
    ///
    /// `ptr` came from [`Inner::allocate`] and the caller got
    /// [`Release::Last`] for it: neither handle touches it again.
    pub(super) unsafe fn free(ptr: NonNull<Inner<T>>) {
        // SAFETY: see the function's contract; `Drop for Inner` drops the
        // wakers whose bits are set and the value, if any.
        drop(unsafe { Box::from_raw(ptr.as_ptr()) });
    }
}

impl<T> Drop for Inner<T> {
    fn drop(&mut self) {
        let state = self.state.load(Acquire);
        if state & RX_TASK_SET != 0 {
            // SAFETY: the bit says the cell holds a waker; we own the block.
            unsafe { self.drop_task(Side::Rx) };
        }
        if state & TX_TASK_SET != 0 {
            // SAFETY: as above.
            unsafe { self.drop_task(Side::Tx) };
        }
    }
}
