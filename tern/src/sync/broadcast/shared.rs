//! The broadcast channel's shared state and its send and receive steps.
//!
//! # Layout
//!
//! - `buffer`: `capacity` slots (a power of two), each a small mutex over
//!   `{ pos, rem, val }`: the position it holds, how many receivers still
//!   have to read it, and the value (dropped by the last reader, after
//!   its clone, as Tokio's: every receive calls `T::clone`). A mutex, not
//!   a reader-writer lock that receivers could share: `T` need only be
//!   `Send`, so two receivers must never run `T::clone` on one value at
//!   once (Tokio's RUSTSEC-2025-0023, fixed the same way).
//! - `tail`: the next position to write, shifted left once, with the
//!   `CLOSED` bit (all strong senders gone) as bit 0. A send stores it
//!   under the senders' lock *and* the slot's lock, after writing the
//!   slot; the close sets `CLOSED` under the senders' lock alone (no slot
//!   changes). Read by receivers atomically, but not to receive a
//!   position below the tail they last read (see `Cursor`).
//! - `tx`: the senders' lock; it orders sends, subscriptions and receiver
//!   drops, so that a slot's `rem` is the number of receivers alive when it
//!   was written.
//! - `waiters`: receivers waiting for a value, in sharded lists
//!   (`sync/waiters.rs`).
//!
//! # Why receivers do not serialize
//!
//! Unlike Tokio's (its issue 5465), a receiver never takes a lock shared by
//! every receiver: it reads `tail` atomically, locks only the slot it reads
//! (held for one clone), and when the channel is empty registers in one of
//! several waiter shards. The sender wakes waiters outside every lock.
//! A receiver behind the sender does not even read `tail` (the line every
//! send writes) per value: its [`Cursor`] remembers the tail it last read,
//! and every position below it has been written.
//!
//! # Receiving at position `next`
//!
//! | slot `pos` vs `next` | meaning                            | outcome                          |
//! |----------------------|------------------------------------|----------------------------------|
//! | equal                | the value is there                 | clone; the last reader drops it  |
//! | older                | not written yet                    | `Empty`, or `Closed` if closed   |
//! | newer                | overwritten: the receiver lagged   | `Lagged(k)`, `next` = oldest kept |

use crate::loom::sync::atomic::{AtomicU64, AtomicUsize, Ordering::*};
use crate::loom::sync::{Mutex, MutexGuard};
use crate::sync::padded::Padded;
use crate::sync::waiters::WaitList;

/// Bit 0 of `tail`: every strong sender is gone.
pub(super) const CLOSED: u64 = 1;

/// Most receivers a channel may have, as in Tokio.
pub(super) const MAX_RECEIVERS: usize = usize::MAX >> 2;

pub(super) struct Slot<T> {
    /// The position this slot holds (`i - capacity` before the first write).
    pos: u64,
    /// Receivers that still have to read `val`.
    rem: usize,
    val: Option<T>,
}

/// Fields by who writes them, so that a send does not pull away the
/// lines receivers read: `tail` (written once per send, read by every
/// receive), `tx` (taken by every send) and `waiters` (written by a
/// receiver as it starts or stops waiting) each have lines of their own;
/// the rest is read-mostly (`rx_cnt` changes only as receivers come and
/// go).
pub(super) struct Shared<T> {
    buffer: Box<[Mutex<Slot<T>>]>,
    mask: usize,
    /// `next position << 1 | CLOSED`.
    pub(super) tail: Padded<AtomicU64>,
    /// Senders' lock; guards writes of `tail` and `rx_cnt`.
    tx: Padded<Mutex<()>>,
    /// Live receivers (written under `tx`).
    pub(super) rx_cnt: AtomicUsize,
    pub(super) num_tx: AtomicUsize,
    pub(super) num_weak_tx: AtomicUsize,
    /// Receivers waiting for a value or for the close.
    pub(super) waiters: Padded<WaitList>,
    /// Senders waiting in `closed()` for the last receiver to go.
    pub(super) closed_waiters: WaitList,
}

/// A receiver's read of a slot holding its position: dropped (after the
/// clone, or while a panicking clone unwinds) it gives up the receiver's
/// share of the value; the last reader drops the value outside the lock.
struct ReadGuard<'a, T> {
    slot: Option<MutexGuard<'a, Slot<T>>>,
}

impl<T: Clone> ReadGuard<'_, T> {
    fn clone_value(&self) -> T {
        let slot = self.slot.as_ref().expect("a read guard holds its slot until dropped");
        slot.val.clone().expect("a slot with readers left holds its value")
    }
}

impl<T> Drop for ReadGuard<'_, T> {
    fn drop(&mut self) {
        let Some(mut slot) = self.slot.take() else { return };
        slot.rem -= 1;
        let last = if slot.rem == 0 { slot.val.take() } else { None };
        // The value's drop may run any code, a send on this channel
        // included: not under the slot's lock.
        drop(slot);
        drop(last);
    }
}

/// A receiver's place in the stream.
pub(super) struct Cursor {
    /// The next position to read.
    pub(super) next: u64,
    /// Positions below this are known published (the tail as this
    /// receiver last read it), so receiving them skips the read of `tail`,
    /// the cache line every send writes: a receiver behind the sender
    /// reads it once per catch-up, not once per value.
    published: u64,
}

impl Cursor {
    pub(super) fn at(next: u64) -> Cursor {
        Cursor { next, published: next }
    }
}

/// The outcome of one receive attempt.
#[must_use]
pub(super) enum TryRecv<T> {
    Value(T),
    Empty,
    Closed,
    Lagged(u64),
}

impl<T> Shared<T> {
    #[track_caller]
    pub(super) fn new(capacity: usize) -> Shared<T> {
        assert!(capacity > 0, "broadcast channel capacity cannot be zero");
        assert!(capacity <= usize::MAX >> 1, "broadcast channel capacity exceeded `usize::MAX / 2`");
        let capacity = capacity.next_power_of_two();
        let buffer = (0..capacity)
            .map(|i| Mutex::new(Slot { pos: (i as u64).wrapping_sub(capacity as u64), rem: 0, val: None }))
            .collect();
        Shared {
            buffer,
            mask: capacity - 1,
            tail: Padded(AtomicU64::new(0)),
            tx: Padded(Mutex::new(())),
            rx_cnt: AtomicUsize::new(0),
            num_tx: AtomicUsize::new(1),
            num_weak_tx: AtomicUsize::new(0),
            waiters: Padded(WaitList::sharded()),
            closed_waiters: WaitList::new(1),
        }
    }

    fn capacity(&self) -> u64 {
        self.buffer.len() as u64
    }

    /// The next position to be written.
    pub(super) fn tail_pos(&self) -> u64 {
        self.tail.load(SeqCst) >> 1
    }

    /// Writes `value` at the tail; `Err` gives it back if nobody listens.
    pub(super) fn send(&self, value: T) -> Result<usize, T> {
        let tx = self.tx.lock();
        let rx_cnt = self.rx_cnt.load(Relaxed);
        if rx_cnt == 0 {
            return Err(value);
        }
        let tail = self.tail.load(Relaxed);
        let pos = tail >> 1;
        let old = {
            let mut slot = self.buffer[(pos as usize) & self.mask].lock();
            slot.pos = pos;
            slot.rem = rx_cnt;
            let old = slot.val.replace(value);
            // Under the slot's lock: a receiver that sees `pos` in the slot
            // also sees the tail past it.
            self.tail.store(tail + 2, SeqCst);
            old
        };
        drop(tx);
        self.waiters.wake_all();
        drop(old);
        Ok(rx_cnt)
    }

    /// Marks the channel closed (the last strong sender went) and wakes
    /// every receiver.
    pub(super) fn close(&self) {
        let tx = self.tx.lock();
        self.tail.fetch_or(CLOSED, SeqCst);
        drop(tx);
        self.waiters.wake_all();
    }

    /// Adds a receiver; returns its first position (the tail).
    #[track_caller]
    pub(super) fn subscribe(&self) -> u64 {
        let tx = self.tx.lock();
        let n = self.rx_cnt.load(Relaxed);
        assert!(n != MAX_RECEIVERS, "max receivers");
        self.rx_cnt.store(n + 1, SeqCst);
        let next = self.tail.load(Relaxed) >> 1;
        drop(tx);
        next
    }

    /// Removes a receiver that was at `next`: gives up its share of every
    /// value it has not read (dropping those it was the last reader of).
    pub(super) fn unsubscribe(&self, next: u64) {
        let tx = self.tx.lock();
        let n = self.rx_cnt.load(Relaxed) - 1;
        self.rx_cnt.store(n, SeqCst);
        let tail = self.tail.load(Relaxed) >> 1;
        drop(tx);
        // Later sends no longer count us; earlier ones are in `next..tail`,
        // and only the last `capacity` of them can still be held.
        let start = next.max(tail.saturating_sub(self.capacity()));
        for pos in start..tail {
            let taken = {
                let mut slot = self.buffer[(pos as usize) & self.mask].lock();
                if slot.pos != pos {
                    continue;
                }
                slot.rem -= 1;
                if slot.rem == 0 {
                    slot.val.take()
                } else {
                    None
                }
            };
            drop(taken);
        }
        if n == 0 {
            self.closed_waiters.wake_all();
        }
    }

    /// One receive attempt at the cursor, advancing it past what it
    /// returns.
    pub(super) fn try_recv(&self, at: &mut Cursor) -> TryRecv<T>
    where
        T: Clone,
    {
        let next = &mut at.next;
        if *next >= at.published {
            // Nothing known published at `next`: read the tail. If nothing
            // is, answer without the slot's lock (hundreds of receivers
            // checking at once would all queue on it).
            let tail = self.tail.load(SeqCst);
            at.published = tail >> 1;
            if tail >> 1 == *next {
                return if tail & CLOSED != 0 { TryRecv::Closed } else { TryRecv::Empty };
            }
        }
        // `next` is below a tail this receiver read: its slot holds `next`
        // or, if overwritten since, a newer position. The sender writes
        // the slot before it stores the tail (`SeqCst`), and that load
        // read the store, so the slot's write happens before this lock.
        let slot = self.buffer[(*next as usize) & self.mask].lock();
        if slot.pos == *next {
            // Past this value even if its `clone` panics, as Tokio's
            // receiver: the guard gives up our share while unwinding too.
            *next += 1;
            let read = ReadGuard { slot: Some(slot) };
            let value = read.clone_value();
            drop(read);
            return TryRecv::Value(value);
        }
        let tail = self.tail.load(SeqCst);
        at.published = tail >> 1;
        if (slot.pos.wrapping_sub(*next) as i64) > 0 {
            // Overwritten: resume at the oldest position still held.
            let tail_pos = (tail >> 1).max(slot.pos + 1);
            let oldest = tail_pos - self.capacity();
            let missed = oldest - *next;
            *next = oldest;
            return TryRecv::Lagged(missed);
        }
        if tail & CLOSED != 0 && tail >> 1 == *next {
            TryRecv::Closed
        } else {
            TryRecv::Empty
        }
    }

    /// Whether a receive at `next` would not be `Empty` (a value, a lag or
    /// the close), read without any lock.
    pub(super) fn ready_at(&self, next: u64) -> bool {
        let tail = self.tail.load(SeqCst);
        tail >> 1 != next || tail & CLOSED != 0
    }

    /// Values held that some receiver alive when they were sent has not
    /// read (Tokio's `Sender::len`).
    pub(super) fn queued(&self) -> usize {
        let _tx = self.tx.lock();
        let tail = self.tail.load(Relaxed) >> 1;
        let start = tail.saturating_sub(self.capacity());
        (start..tail)
            .filter(|&pos| {
                let slot = self.buffer[(pos as usize) & self.mask].lock();
                slot.pos == pos && slot.rem > 0
            })
            .count()
    }
}
