//! A worker's run queue: a fixed-capacity ring with one producer (the
//! owning worker) and any number of stealers, plus the LIFO slot.
//!
//! # Indices
//!
//! Positions are `u32` counters that wrap; a slot is `position & MASK`.
//!
//! * `tail` (`AtomicU32`): the next position the owner writes. Only the
//!   owner stores it (`Release`, publishing the slot it just wrote).
//! * `head` (`AtomicU64`) packs two positions, `(steal, real)`:
//!   - `real` is the next position to pop; popping or claiming tasks
//!     advances it with a CAS.
//!   - `steal` trails `real` while a stealer copies the tasks it claimed;
//!     when `steal != real` a steal is in progress, and no second stealer
//!     may start (and the owner may not reclaim those slots).
//!
//! The ring holds `tail - real` tasks; its free space is
//! `CAPACITY - (tail - steal)` (slots being copied by a stealer are not free).
//!
//! # Operations
//!
//! * `push_back` (owner): if there is room, write at `tail` and publish. If
//!   full and no steal is in progress, claim the older half with one CAS on
//!   `head` and move it, plus the new task, to the injection queue in one
//!   batch (one lock). If a steal is in progress, send just the new task to
//!   the injection queue (the steal is about to free room).
//! * `pop` (owner): CAS `real` forward (and `steal` too when equal).
//! * `steal_into` (stealer): CAS `real` forward by half of what is there,
//!   leaving `steal` behind; copy those tasks into the stealer's own ring
//!   (not yet published); CAS `steal` up to `real`; publish the copies by
//!   storing the stealer's `tail`; return one to run at once.
//!
//! Orderings: `tail` is stored with `Release` after the slot write and read
//! with `Acquire` by stealers; `head` CASes are `AcqRel`, so a slot read by
//! whoever claimed it happens after the write that filled it, and a slot is
//! reused by the owner only after the claimer's CAS released it.
//!
//! # The LIFO slot
//!
//! The task most recently woken by the running task goes in `lifo`, an
//! `AtomicPtr`, so the owner runs it next (message passing stays on one
//! core, hot in cache). Unlike Tokio's, the slot can be taken by other
//! workers (`steal_lifo`): a worker stuck in a long poll does not strand the
//! task it just woke (see the stranded-task watchdog in `worker/mod.rs`).

use super::inject::Inject;
use crate::loom::cell::UnsafeCell;
use crate::loom::sync::atomic::{AtomicPtr, AtomicU32, AtomicU64, Ordering::*};
use crate::loom::sync::Arc;
use crate::task::raw::Header;
use crate::task::{Notified, Schedule};
use std::mem::MaybeUninit;
use std::ptr::{self, NonNull};

/// Ring capacity: 256 as in Tokio; 4 under loom so models stay small.
pub(crate) const CAPACITY: usize = crate::loom::if_loom!(256, 4);
const MASK: usize = CAPACITY - 1;

/// The owner's end: push and pop. Not `Clone`: one per worker.
pub(crate) struct Local<S: 'static> {
    inner: Arc<Inner<S>>,
}

/// The stealers' end.
pub(crate) struct Steal<S: 'static>(Arc<Inner<S>>);

struct Inner<S: 'static> {
    head: AtomicU64,
    tail: AtomicU32,
    /// Invariant: slots in `real..tail` hold initialised tasks owned by the
    /// queue; slots in `steal..real` are being read by the one stealer
    /// whose CAS moved `real`; every other slot is uninitialised and only
    /// the owner writes it.
    buffer: Box<[UnsafeCell<MaybeUninit<Notified<S>>>]>,
    /// The LIFO slot: null, or a `Notified` (one reference) turned into a
    /// raw pointer; whoever swaps it out owns that reference.
    lifo: AtomicPtr<Header>,
}

// SAFETY: the queue moves `Notified`s (which are `Send`) between threads;
// the buffer protocol above gives each slot one accessor at a time.
unsafe impl<S> Send for Inner<S> {}
// SAFETY: as for `Send`.
unsafe impl<S> Sync for Inner<S> {}

fn pack(steal: u32, real: u32) -> u64 {
    (u64::from(steal) << 32) | u64::from(real)
}

fn unpack(v: u64) -> (u32, u32) {
    ((v >> 32) as u32, v as u32)
}

pub(crate) fn local<S: Schedule>() -> (Steal<S>, Local<S>) {
    let buffer = (0..CAPACITY).map(|_| UnsafeCell::new(MaybeUninit::uninit())).collect();
    let inner = Arc::new(Inner {
        head: AtomicU64::new(0),
        tail: AtomicU32::new(0),
        buffer,
        lifo: AtomicPtr::new(ptr::null_mut()),
    });
    (Steal(inner.clone()), Local { inner })
}

impl<S: Schedule> Local<S> {
    /// Tasks in the ring (not counting the LIFO slot).
    pub(crate) fn len(&self) -> usize {
        let (_, real) = unpack(self.inner.head.load(Acquire));
        self.inner.tail.load(Relaxed).wrapping_sub(real) as usize
    }

    pub(crate) fn has_tasks(&self) -> bool {
        self.len() > 0 || !self.inner.lifo.load(Relaxed).is_null()
    }

    /// Room left in the ring.
    pub(crate) fn remaining_slots(&self) -> usize {
        let (steal, _) = unpack(self.inner.head.load(Acquire));
        CAPACITY - self.inner.tail.load(Relaxed).wrapping_sub(steal) as usize
    }

    /// Pushes to the back, overflowing half of a full ring to `inject`.
    pub(crate) fn push_back_or_overflow(&mut self, mut task: Notified<S>, inject: &Inject<S>) {
        let tail = loop {
            let (steal, real) = unpack(self.inner.head.load(Acquire));
            // Only this thread stores `tail`.
            let tail = self.inner.tail.load(Relaxed);
            if (tail.wrapping_sub(steal) as usize) < CAPACITY {
                break tail;
            }
            if steal != real {
                // A stealer is about to free half the ring.
                let _ = inject.push(task);
                return;
            }
            match self.push_overflow(task, real, tail, inject) {
                Ok(()) => return,
                // A stealer got in first; there may be room now.
                Err(t) => task = t,
            }
        };
        // SAFETY: `tail` is a free slot (checked above against `steal`) and
        // only the owner writes free slots.
        unsafe { self.write_slot(tail, task) };
        self.inner.tail.store(tail.wrapping_add(1), Release);
    }

    /// Pushes a batch taken from the injection queue. The caller checked
    /// `remaining_slots` covers it.
    pub(crate) fn push_back_batch(&mut self, tasks: impl ExactSizeIterator<Item = Notified<S>>) {
        let len = tasks.len();
        debug_assert!(len <= self.remaining_slots());
        let mut tail = self.inner.tail.load(Relaxed);
        for task in tasks {
            // SAFETY: the caller guarantees room; only the owner writes.
            unsafe { self.write_slot(tail, task) };
            tail = tail.wrapping_add(1);
        }
        self.inner.tail.store(tail, Release);
    }

    /// # Safety
    ///
    /// Position `pos` is free (see the invariant on `Inner::buffer`) and the
    /// caller is the owner.
    unsafe fn write_slot(&self, pos: u32, task: Notified<S>) {
        let slot = &self.inner.buffer[pos as usize & MASK];
        // SAFETY: forwarded from the caller: nobody else touches a free slot.
        slot.with_mut(|p| unsafe { ptr::write(p, MaybeUninit::new(task)) });
    }

    /// Moves the older half of a full ring plus `task` to `inject`.
    #[cold]
    #[inline(never)]
    fn push_overflow(
        &mut self,
        task: Notified<S>,
        head: u32,
        tail: u32,
        inject: &Inject<S>,
    ) -> Result<(), Notified<S>> {
        const HALF: u32 = (CAPACITY / 2) as u32;
        debug_assert_eq!(tail.wrapping_sub(head) as usize, CAPACITY);
        let next = head.wrapping_add(HALF);
        // Claim the slots before reading them; only this thread pushes, so
        // they cannot be overwritten meanwhile.
        if self.inner.head.compare_exchange(pack(head, head), pack(next, next), Release, Relaxed).is_err() {
            return Err(task);
        }
        let inner = &self.inner;
        let claimed = (0..HALF).map(|i| {
            let slot = &inner.buffer[head.wrapping_add(i) as usize & MASK];
            // SAFETY: the CAS above gave these initialised slots to us.
            slot.with(|p| unsafe { ptr::read(p).assume_init() })
        });
        inject.push_batch(claimed.chain(std::iter::once(task)));
        Ok(())
    }

    /// Pops from the front of the ring.
    pub(crate) fn pop(&mut self) -> Option<Notified<S>> {
        let mut head = self.inner.head.load(Acquire);
        let pos = loop {
            let (steal, real) = unpack(head);
            let tail = self.inner.tail.load(Relaxed);
            if real == tail {
                return None;
            }
            let next_real = real.wrapping_add(1);
            let next = if steal == real { pack(next_real, next_real) } else { pack(steal, next_real) };
            match self.inner.head.compare_exchange(head, next, AcqRel, Acquire) {
                Ok(_) => break real,
                Err(actual) => head = actual,
            }
        };
        let slot = &self.inner.buffer[pos as usize & MASK];
        // SAFETY: the CAS moved `real` past `pos`, giving us that slot.
        Some(slot.with(|p| unsafe { ptr::read(p).assume_init() }))
    }

    /// Puts `task` in the LIFO slot, returning the task it displaces.
    pub(crate) fn push_lifo(&mut self, task: Notified<S>) -> Option<Notified<S>> {
        let new = task.into_raw_header().as_ptr();
        // A Dekker pair with the deep watch (`idle.rs`): the pusher reads
        // the idle word after this (and a fence), the holder this slot
        // after setting `WATCH_DEEP` (and a fence).
        let prev = self.inner.lifo.swap(new, SeqCst);
        // SAFETY: a non-null slot value is a `Notified` reference we now own.
        NonNull::new(prev).map(|p| unsafe { Notified::from_raw(p) })
    }

    pub(crate) fn pop_lifo(&mut self) -> Option<Notified<S>> {
        take_lifo(&self.inner)
    }
}

fn take_lifo<S: 'static>(inner: &Inner<S>) -> Option<Notified<S>> {
    if inner.lifo.load(Relaxed).is_null() {
        return None;
    }
    let prev = inner.lifo.swap(ptr::null_mut(), AcqRel);
    // SAFETY: a non-null slot value is a `Notified` reference; the swap made
    // it ours.
    NonNull::new(prev).map(|p| unsafe { Notified::from_raw(p) })
}

impl<S: 'static> Drop for Local<S> {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            debug_assert!(take_lifo(&self.inner).is_none(), "run queue dropped with a LIFO task");
            let (_, real) = unpack(self.inner.head.load(Acquire));
            debug_assert_eq!(real, self.inner.tail.load(Relaxed), "run queue dropped with tasks");
        }
    }
}

impl<S: Schedule> Steal<S> {
    /// Whether the ring holds tasks a thief could take. The LIFO slot is
    /// not counted: `steal_into` never takes it (only the owner and the
    /// watchdog's `steal_lifo` do).
    pub(crate) fn has_stealable(&self) -> bool {
        let (_, real) = unpack(self.0.head.load(Acquire));
        real != self.0.tail.load(Acquire)
    }

    /// Whether the worker has any task queued: in its LIFO slot or its
    /// ring (the watch's look at its peers; a snapshot).
    pub(crate) fn has_queued(&self) -> bool {
        // `SeqCst`: see `push_lifo`.
        !self.0.lifo.load(SeqCst).is_null() || self.has_stealable()
    }

    /// Takes the task in the LIFO slot (a stranded task of a stuck worker).
    pub(crate) fn steal_lifo(&self) -> Option<Notified<S>> {
        take_lifo(&self.0)
    }

    /// Steals half of the ring into `dst` and returns one task to run.
    pub(crate) fn steal_into(&self, dst: &mut Local<S>) -> Option<Notified<S>> {
        let dst_tail = dst.inner.tail.load(Relaxed);
        // `dst` may look empty while a thief still copies out of it.
        let (dst_steal, _) = unpack(dst.inner.head.load(Acquire));
        if dst_tail.wrapping_sub(dst_steal) as usize > CAPACITY / 2 {
            return None;
        }
        let mut n = self.claim_into(dst, dst_tail);
        if n == 0 {
            return None;
        }
        n -= 1;
        let ret_pos = dst_tail.wrapping_add(n);
        let slot = &dst.inner.buffer[ret_pos as usize & MASK];
        // SAFETY: written by `claim_into` and not yet published to stealers.
        let ret = slot.with(|p| unsafe { ptr::read(p).assume_init() });
        if n > 0 {
            dst.inner.tail.store(dst_tail.wrapping_add(n), Release);
        }
        Some(ret)
    }

    /// Claims up to half of the ring and copies it into `dst` at
    /// `dst_tail..`, unpublished. Returns how many.
    fn claim_into(&self, dst: &mut Local<S>, dst_tail: u32) -> u32 {
        let mut prev = self.0.head.load(Acquire);
        let (first, n) = loop {
            let (steal, real) = unpack(prev);
            let tail = self.0.tail.load(Acquire);
            if steal != real {
                // Another thief is at work here.
                return 0;
            }
            let available = tail.wrapping_sub(real);
            let n = available - available / 2;
            if n == 0 {
                return 0;
            }
            let next = pack(steal, real.wrapping_add(n));
            match self.0.head.compare_exchange(prev, next, AcqRel, Acquire) {
                Ok(_) => break (real, n),
                Err(actual) => prev = actual,
            }
        };
        debug_assert!(n as usize <= CAPACITY / 2);
        for i in 0..n {
            let src = &self.0.buffer[first.wrapping_add(i) as usize & MASK];
            // SAFETY: our CAS claimed `first..first + n`.
            let task = src.with(|p| unsafe { ptr::read(p).assume_init() });
            // SAFETY: `dst` has room for half a ring (checked by the caller)
            // and we, its owner, are the only writer of its free slots.
            unsafe { dst.write_slot(dst_tail.wrapping_add(i), task) };
        }
        // Done copying: let `steal` catch up with `real`.
        let mut prev = pack(first, first.wrapping_add(n));
        loop {
            let (_, real) = unpack(prev);
            match self.0.head.compare_exchange(prev, pack(real, real), AcqRel, Acquire) {
                Ok(_) => return n,
                // The owner popped meanwhile (moved `real`); retry.
                Err(actual) => prev = actual,
            }
        }
    }
}

impl<S: 'static> Clone for Steal<S> {
    fn clone(&self) -> Self {
        Steal(self.0.clone())
    }
}
