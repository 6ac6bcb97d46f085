//! A sharded list of wakers woken all at once (`broadcast` receivers,
//! `watch` receivers, senders waiting in `closed()`).
//!
//! Waiters register into one of a few shards (each its own small lock),
//! chosen by the registering thread, so that receivers on different workers
//! never queue on one lock (and those on one worker run one at a time); a
//! waker is woken outside its shard's lock.
//!
//! Each shard counts *epochs*: [`WaitList::wake_all`] empties a shard and
//! starts a new epoch. A future remembers where and in which epoch it
//! registered ([`Registration`]); re-polled in the same epoch it updates its
//! entry in place, and dropped in the same epoch it frees it, so a pending
//! future holds at most one entry and dropping it leaves nothing behind.
//!
//! # The no-lost-wakeup protocol
//!
//! Each shard has a `waiting` bit in the list's `waiting` mask, set
//! (`SeqCst`) under the shard's lock by the first registration of an epoch
//! and cleared under it by the wake-all that empties the shard; only a
//! holder of shard `i`'s lock changes bit `i`. Each shard sits on its own
//! cache line, and a worker registers into its own shard, so registrations
//! on two workers share no lock; they meet only on the mask, once per
//! epoch, so that a notifier with nobody waiting reads one line, not one
//! per shard (a `broadcast` or `watch` send does this on every call).
//!
//! - Waiter: register (sets the bit), then [`WaitList::fence`], then
//!   re-check the condition it waits for.
//! - Notifier: publish the change, then `wake_all`, which starts with the
//!   same fence and reads the mask.
//!
//! With both fences, either the waiter's re-check sees the change or the
//! notifier sees the bit (and then the waker, under the shard's lock).

use crate::loom::sync::atomic::{fence, AtomicU64, AtomicUsize, Ordering::*};
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
struct PaddedShard {
    lock: Mutex<Shard>,
    /// `Shard::epoch`, written under the lock: a dropped future whose epoch
    /// is over has nothing to free and need not take the lock.
    epoch: AtomicU64,
}

/// This thread's shard hint: worker `i` of a multi-thread runtime uses
/// shard `i + 1`, every other thread shard 0.
fn thread_hint() -> usize {
    crate::runtime::context::with_worker(|cx| cx.map_or(0, |cx| cx.worker_index() + 1))
}

pub(crate) struct WaitList {
    shards: Box<[PaddedShard]>,
    /// Bit `i`: shard `i` may hold wakers (see the protocol above); bit
    /// `i` changes only under shard `i`'s lock.
    waiting: AtomicUsize,
}

impl std::fmt::Debug for WaitList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WaitList").field("shards", &self.shards.len()).finish()
    }
}

impl WaitList {
    /// A list with `shards` shards (at most [`SHARDS`]; at least one).
    pub(crate) fn new(shards: usize) -> WaitList {
        let n = shards.clamp(1, SHARDS);
        let shards =
            (0..n).map(|_| PaddedShard { lock: Mutex::new(Shard::default()), epoch: AtomicU64::new(0) });
        WaitList { shards: shards.collect(), waiting: AtomicUsize::new(0) }
    }

    /// A list sized for many concurrent waiters.
    pub(crate) fn sharded() -> WaitList {
        WaitList::new(SHARDS)
    }

    /// Registers (or refreshes) `waker`. The caller must then call
    /// [`WaitList::fence`] and re-check its condition before returning
    /// `Pending`.
    pub(crate) fn register(&self, reg: &mut Option<Registration>, waker: &Waker) {
        self.register_hinted(reg, waker, thread_hint);
    }

    /// [`register`](Self::register), a new registration going to shard
    /// `hint() % shards` (the loom model picks shards this way).
    fn register_hinted(&self, reg: &mut Option<Registration>, waker: &Waker, hint: impl FnOnce() -> usize) {
        let shard_idx = reg.as_ref().map_or_else(|| hint() % self.shards.len(), |r| r.shard);
        let padded = &self.shards[shard_idx];
        let mut shard = padded.lock.lock();
        if let Some(r) = reg.as_ref().filter(|r| r.epoch == shard.epoch) {
            let entry = &mut shard.wakers[r.index];
            if entry.as_ref().is_some_and(|w| w.will_wake(waker)) {
                return;
            }
            let old = entry.replace(waker.clone());
            // A waker's drop may run any code, even a send on this very
            // channel (which wakes this list): never under the shard's lock.
            drop(shard);
            drop(old);
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
        // Already set means an earlier registration of this epoch set it
        // (under this lock, so before our fence): no need to write the line.
        // Only holders of this lock change this bit, so the relaxed read
        // sees its latest value.
        let bit = 1 << shard_idx;
        if self.waiting.load(Relaxed) & bit == 0 {
            self.waiting.fetch_or(bit, SeqCst);
        }
    }

    /// Removes a registration that was not woken (a dropped future).
    ///
    /// Returns `true` if it was still registered, i.e. not yet woken.
    pub(crate) fn deregister(&self, reg: &mut Option<Registration>) -> bool {
        let Some(r) = reg.take() else { return false };
        if self.shards[r.shard].epoch.load(Acquire) != r.epoch {
            return false;
        }
        let mut shard = self.shards[r.shard].lock.lock();
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
    /// notifier's change before its reading of the `waiting` flags.
    pub(crate) fn fence() {
        fence(SeqCst);
    }

    /// Wakes every registered waker, each outside its shard's lock.
    pub(crate) fn wake_all(&self) {
        Self::fence();
        let mut waiting = self.waiting.load(SeqCst);
        while waiting != 0 {
            let i = waiting.trailing_zeros() as usize;
            waiting &= waiting - 1;
            let padded = &self.shards[i];
            let mut shard = padded.lock.lock();
            self.waiting.fetch_and(!(1 << i), Relaxed);
            shard.epoch += 1;
            padded.epoch.store(shard.epoch, Release);
            shard.free.clear();
            let spare = std::mem::take(&mut shard.spare);
            let mut wakers = std::mem::replace(&mut shard.wakers, spare);
            drop(shard);
            for w in wakers.drain(..).flatten() {
                w.wake();
            }
            let mut shard = padded.lock.lock();
            if shard.spare.capacity() < wakers.capacity() {
                shard.spare = wakers;
            }
        }
    }
}

/// Loom model of the no-lost-wakeup protocol across shards: a waiter in
/// shard 1 while shard 0 already holds a registration (two bits of the
/// `waiting` mask), racing a notifier that publishes a flag and then wakes
/// all. The waiter must see the flag or be woken: a lost wake-up leaves
/// its `block_on` parked forever, which loom reports.
#[cfg(all(test, tern_loom))]
mod loom_tests {
    use super::*;
    use crate::loom::sync::atomic::AtomicBool;
    use crate::loom::sync::Arc;
    use std::task::Poll;

    #[test]
    fn a_waiter_in_a_second_shard_is_not_missed() {
        ::loom::model(|| {
            let list = Arc::new(WaitList::sharded());
            let flag = Arc::new(AtomicBool::new(false));
            let mut other = None;
            list.register_hinted(&mut other, std::task::Waker::noop(), || 0);
            let notifier = {
                let (list, flag) = (list.clone(), flag.clone());
                ::loom::thread::spawn(move || {
                    flag.store(true, SeqCst);
                    list.wake_all();
                })
            };
            let mut reg = None;
            ::loom::future::block_on(std::future::poll_fn(|cx| {
                list.register_hinted(&mut reg, cx.waker(), || 1);
                WaitList::fence();
                if flag.load(SeqCst) {
                    Poll::Ready(())
                } else {
                    Poll::Pending
                }
            }));
            list.deregister(&mut reg);
            notifier.join().unwrap();
            list.deregister(&mut other);
        });
    }
}
