//! A sharded list of wakers woken all at once (`broadcast` receivers,
//! `watch` receivers, senders waiting in `closed()`).
//!
//! Waiters register into one of a few shards (each its own small lock), so
//! that hundreds of receivers registering on two workers do not all queue on
//! one lock; a waker is woken outside its shard's lock.
//!
//! Each shard counts *epochs*: [`WaitList::wake_all`] empties a shard and
//! starts a new epoch. A future remembers where and in which epoch it
//! registered ([`Registration`]); re-polled in the same epoch it updates its
//! entry in place, and dropped in the same epoch it frees it, so a pending
//! future holds at most one entry and dropping it leaves nothing behind.
//!
//! # The no-lost-wakeup protocol
//!
//! A bit per non-empty shard lives in `nonempty`, set under the shard's lock.
//!
//! - Waiter: register (sets the bit, `SeqCst`), then [`WaitList::fence`],
//!   then re-check the condition it waits for.
//! - Notifier: publish the change, then `wake_all`, which starts with the
//!   same fence and reads `nonempty`.
//!
//! With both fences, either the waiter's re-check sees the change or the
//! notifier sees the bit (and then the waker, under the shard's lock).

use crate::loom::sync::atomic::{fence, AtomicUsize, Ordering::*};
use crate::loom::sync::Mutex;
use std::task::Waker;

/// Shards per list: enough to spread a few hundred waiters over two
/// workers, few enough that a wake-all scanning them stays cheap.
const SHARDS: usize = crate::loom::if_loom!(8, 2);

/// Where a future's waker is registered.
#[derive(Debug)]
pub(crate) struct Registration {
    shard: usize,
    epoch: u64,
    index: usize,
}

#[derive(Default)]
struct Shard {
    epoch: u64,
    wakers: Vec<Option<Waker>>,
    free: Vec<usize>,
    /// An empty vector with capacity, swapped in for `wakers` by
    /// `wake_all`, so that a busy shard does not regrow its vector each epoch.
    spare: Vec<Option<Waker>>,
}

/// A shard on its own cache line, so that two workers registering into
/// two shards do not share one.
#[repr(align(64))]
#[derive(Default)]
struct Padded(Mutex<Shard>);

pub(crate) struct WaitList {
    shards: Box<[Padded]>,
    /// Bit `i` set: shard `i` may hold wakers.
    nonempty: AtomicUsize,
}

impl std::fmt::Debug for WaitList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WaitList").field("nonempty", &self.nonempty.load(Relaxed)).finish()
    }
}

impl WaitList {
    /// A list with `shards` shards (at most [`SHARDS`]; at least one).
    pub(crate) fn new(shards: usize) -> WaitList {
        let n = shards.clamp(1, SHARDS);
        WaitList { shards: (0..n).map(|_| Padded::default()).collect(), nonempty: AtomicUsize::new(0) }
    }

    /// A list sized for many concurrent waiters.
    pub(crate) fn sharded() -> WaitList {
        WaitList::new(SHARDS)
    }

    /// Registers (or refreshes) `waker` for a waiter whose spreading key is
    /// `key`. The caller must then call [`WaitList::fence`] and re-check its
    /// condition before returning `Pending`.
    pub(crate) fn register(&self, key: usize, reg: &mut Option<Registration>, waker: &Waker) {
        let shard_idx = reg.as_ref().map_or(key % self.shards.len(), |r| r.shard);
        let mut shard = self.shards[shard_idx].0.lock();
        if let Some(r) = reg.as_ref().filter(|r| r.epoch == shard.epoch) {
            let entry = &mut shard.wakers[r.index];
            if !entry.as_ref().is_some_and(|w| w.will_wake(waker)) {
                *entry = Some(waker.clone());
            }
            return;
        }
        let index = match shard.free.pop() {
            Some(i) => {
                shard.wakers[i] = Some(waker.clone());
                i
            }
            None => {
                shard.wakers.push(Some(waker.clone()));
                shard.wakers.len() - 1
            }
        };
        *reg = Some(Registration { shard: shard_idx, epoch: shard.epoch, index });
        self.nonempty.fetch_or(1 << shard_idx, SeqCst);
    }

    /// Removes a registration that was not woken (a dropped future).
    ///
    /// Returns `true` if it was still registered, i.e. not yet woken.
    pub(crate) fn deregister(&self, reg: &mut Option<Registration>) -> bool {
        let Some(r) = reg.take() else { return false };
        let mut shard = self.shards[r.shard].0.lock();
        if shard.epoch != r.epoch {
            return false;
        }
        let waker = shard.wakers[r.index].take();
        shard.free.push(r.index);
        drop(shard);
        drop(waker);
        true
    }

    /// Orders a registration before the waiter's re-check, and a
    /// notifier's change before its reading of `nonempty`.
    pub(crate) fn fence() {
        fence(SeqCst);
    }

    /// Wakes every registered waker, each outside its shard's lock.
    pub(crate) fn wake_all(&self) {
        Self::fence();
        let mut bits = self.nonempty.load(SeqCst);
        while bits != 0 {
            let i = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            let mut shard = self.shards[i].0.lock();
            self.nonempty.fetch_and(!(1 << i), Relaxed);
            shard.epoch += 1;
            shard.free.clear();
            let spare = std::mem::take(&mut shard.spare);
            let mut wakers = std::mem::replace(&mut shard.wakers, spare);
            drop(shard);
            for w in wakers.drain(..).flatten() {
                w.wake();
            }
            let mut shard = self.shards[i].0.lock();
            if shard.spare.capacity() < wakers.capacity() {
                shard.spare = wakers;
            }
        }
    }
}
