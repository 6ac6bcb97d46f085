//! Registration slots: where each registered resource's [`ScheduledIo`]
//! lives, and the mio token that names it.
//!
//! Slots sit in pages that double in size (64, 128, 256... slots), made on
//! demand and freed only with the driver, so a slot's address stays valid
//! for as long as anyone holds the driver's [`Handle`](super::Handle). A
//! slot is reused after its resource drops; its *generation* tells the
//! registrations apart.
//!
//! # Token layout
//!
//! | bits                    | field      |
//! |-------------------------|------------|
//! | 0..24                   | slot index |
//! | 24..`usize::BITS - 1`   | generation of the slot when it was handed out (wraps) |
//! | top bit                 | always 0: the waker and timer tokens have it set |
//!
//! # Slot states
//!
//! | state | entered by | generation | on the free list |
//! |-------|------------|------------|------------------|
//! | fresh | page allocated | 0 | no (`next` has not reached it) |
//! | live  | [`Slab::alloc`] from fresh or free: readiness set to the initial value, under the slab lock | unchanged; the token carries it | no |
//! | free  | [`Slab::release`]: generation bumped and readiness cleared in one step, then waiters cleared | old + 1 | yes |
//!
//! The driver looks a token up with [`Slab::get`], which returns the slot
//! only if its generation still matches, and the driver records an event
//! with [`Slab::dispatch`], whose generation check is part of the
//! readiness word's compare-and-swap (`scheduled_io.rs`). An event that
//! names a released slot (fetched in the same `epoll_wait` batch as the
//! drop, or from a descriptor whose file outlives the resource because it
//! was `dup`ed or inherited) is ignored, even if the slot is released and
//! handed out again while the driver dispatches it. No event can touch
//! freed memory, because no slot's memory is ever freed while the driver
//! lives.
//!
//! This is what lets a resource that owns its descriptor skip
//! `epoll_ctl(EPOLL_CTL_DEL)` on drop: closing the descriptor removes it
//! from the epoll set, and any stale event finds a newer generation.
//! Tokio deregisters every resource explicitly, one syscall per
//! connection more.

use super::scheduled_io::ScheduledIo;
use crate::loom::sync::Mutex;
use std::io;
use std::sync::OnceLock;

const INDEX_BITS: u32 = 24;
const INDEX_MASK: usize = (1 << INDEX_BITS) - 1;
/// Generation bits carried in the token (below the reserved top bit, and
/// no more than the readiness word keeps).
const GEN_MASK: usize = (usize::MAX >> (INDEX_BITS + 1)) & super::scheduled_io::GEN_BITS;
const FIRST_PAGE_SHIFT: u32 = 6;
const PAGES: usize = (INDEX_BITS - FIRST_PAGE_SHIFT + 1) as usize;
/// Live registrations at most: slot indexes below this.
pub(crate) const MAX_SLOTS: usize = 1 << INDEX_BITS;

pub(super) struct Slab {
    /// Page `p` holds slots `(64 << p) - 64 .. (128 << p) - 64`. Set once,
    /// under `state`'s lock, before any slot in it is handed out; never
    /// unset or freed before the slab drops (the invariant
    /// [`Registration`](super::Registration) relies on).
    pages: [OnceLock<Box<[ScheduledIo]>>; PAGES],
    state: Mutex<State>,
}

struct State {
    /// Released slots, reused first (most recently freed first: warm).
    free: Vec<usize>,
    /// Slots below this have been handed out at least once; those not on
    /// `free` are live.
    next: usize,
    shutdown: bool,
}

/// Splits a slot index into its page and the offset in that page.
fn locate(index: usize) -> (usize, usize) {
    let j = index + (1 << FIRST_PAGE_SHIFT);
    let page = (usize::BITS - 1 - j.leading_zeros() - FIRST_PAGE_SHIFT) as usize;
    (page, j - (1 << (page as u32 + FIRST_PAGE_SHIFT)))
}

pub(super) fn token(index: usize, generation: usize) -> usize {
    index | (generation & GEN_MASK) << INDEX_BITS
}

impl Slab {
    pub(super) fn new() -> Slab {
        Slab {
            pages: std::array::from_fn(|_| OnceLock::new()),
            state: Mutex::new(State { free: Vec::new(), next: 0, shutdown: false }),
        }
    }

    /// Hands out a slot whose readiness starts as `ready`; returns it with
    /// its index and token.
    pub(super) fn alloc(&self, ready: usize) -> io::Result<(&ScheduledIo, usize, usize)> {
        let mut state = self.state.lock();
        if state.shutdown {
            // The runtime this resource would belong to has shut down.
            return Err(crate::runtime::messages::shutdown_io_error());
        }
        let index = match state.free.pop() {
            Some(i) => i,
            None if state.next < MAX_SLOTS => {
                let i = state.next;
                let (page, offset) = locate(i);
                if offset == 0 {
                    let len = 1usize << (page as u32 + FIRST_PAGE_SHIFT);
                    let slots = (0..len).map(|_| ScheduledIo::new_ready(0)).collect();
                    // Only this lock's holder sets pages: it cannot be set.
                    let _ = self.pages[page].set(slots);
                }
                state.next += 1;
                i
            }
            None => return Err(io::Error::other("too many I/O resources registered with one tern runtime")),
        };
        let io = self.slot(index).expect("a handed-out slot's page exists");
        // Under the lock: `shutdown` marks slots after taking it, so it
        // sees this registration's readiness, not the other way round.
        io.reset(ready);
        let generation = io.generation();
        Ok((io, index, token(index, generation)))
    }

    /// Frees the slot of a dropped resource.
    pub(super) fn release(&self, index: usize) {
        let io = self.slot(index).expect("a handed-out slot's page exists");
        // The wakers are dropped here, outside the slab lock: dropping one
        // may drop a task, and with it another resource being released.
        drop(io.retire());
        self.state.lock().free.push(index);
    }

    /// The live slot `token` names, or `None` if it has been released
    /// since (a stale event).
    #[cfg(all(test, not(tern_loom)))]
    pub(super) fn get(&self, token: usize) -> Option<&ScheduledIo> {
        let io = self.slot(token & INDEX_MASK)?;
        (io.generation() & GEN_MASK == token >> INDEX_BITS).then_some(io)
    }

    /// Driver side: records `ready` (seen at `tick`) in the slot `token`
    /// names if the token is still current; returns the slot to wake.
    pub(super) fn dispatch(&self, token: usize, tick: usize, ready: usize) -> Option<&ScheduledIo> {
        let io = self.slot(token & INDEX_MASK)?;
        // The generation check and the update are one compare-and-swap.
        io.set_readiness(GEN_MASK, token >> INDEX_BITS, tick, ready).then_some(io)
    }

    fn slot(&self, index: usize) -> Option<&ScheduledIo> {
        let (page, offset) = locate(index);
        self.pages.get(page)?.get()?.get(offset)
    }

    #[cfg(all(test, not(tern_loom)))]
    pub(super) fn live(&self) -> usize {
        let state = self.state.lock();
        state.next - state.free.len()
    }

    /// Refuses new registrations and marks every slot shut down (free ones
    /// too: they will not be handed out again).
    pub(super) fn shutdown(&self) {
        let next = {
            let mut state = self.state.lock();
            state.shutdown = true;
            state.next
        };
        for index in 0..next {
            if let Some(io) = self.slot(index) {
                io.shutdown();
            }
        }
    }
}

#[cfg(all(test, not(tern_loom)))]
mod tests {
    use super::*;

    #[test]
    fn pages_tile_the_index_space() {
        assert_eq!(locate(0), (0, 0));
        assert_eq!(locate(63), (0, 63));
        assert_eq!(locate(64), (1, 0));
        assert_eq!(locate(191), (1, 127));
        assert_eq!(locate(192), (2, 0));
        assert_eq!(locate(MAX_SLOTS - 1).0, PAGES - 1);
        let (page, offset) = locate(MAX_SLOTS - 1);
        assert!(offset < 1 << (page as u32 + FIRST_PAGE_SHIFT));
    }

    #[test]
    fn a_stale_token_misses_the_reused_slot() {
        let slab = Slab::new();
        let (_, index, old) = slab.alloc(0).unwrap();
        assert!(slab.get(old).is_some());
        slab.release(index);
        assert!(slab.get(old).is_none(), "released: the old token is stale");
        let (_, again, new) = slab.alloc(0).unwrap();
        assert_eq!(again, index, "the slot is reused");
        assert_ne!(new, old);
        assert!(slab.get(old).is_none());
        assert!(slab.get(new).is_some());
        assert_eq!(slab.live(), 1);
    }

    #[test]
    fn a_stale_dispatch_leaves_the_reused_slot_clean() {
        use super::super::scheduled_io::{ALL, READABLE, READ_CLOSED};
        let slab = Slab::new();
        let (_, index, old) = slab.alloc(0).unwrap();
        slab.release(index);
        let (io, again, new) = slab.alloc(0).unwrap();
        assert_eq!(again, index);
        assert!(slab.dispatch(old, 1, READABLE | READ_CLOSED).is_none(), "stale: ignored");
        assert!(io.ready_now_masked(ALL).is_none());
        assert!(slab.dispatch(new, 2, READABLE).is_some());
        assert!(io.ready_now_masked(READABLE).is_some());
    }

    #[test]
    fn tokens_never_reach_the_reserved_ones() {
        let t = token(MAX_SLOTS - 1, usize::MAX);
        assert!(t < usize::MAX - 1);
        assert_eq!(t >> (usize::BITS - 1), 0);
    }

    #[test]
    fn shutdown_refuses_new_slots() {
        let slab = Slab::new();
        let (io, _, _) = slab.alloc(0).unwrap();
        slab.shutdown();
        assert!(io.ready_now_masked(super::super::scheduled_io::READABLE).is_some(), "shut down: ready");
        assert!(slab.alloc(0).is_err());
    }
}
