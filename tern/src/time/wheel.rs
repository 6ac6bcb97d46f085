//! The hierarchical timing wheel.
//!
//! # Layout
//!
//! Six levels of 64 slots. A slot of level `L` spans `64^L` ticks of 1 ms:
//! level 0 covers the next 64 ms one millisecond per slot, level 1 the next
//! 4 s in 64 ms slots, ..., level 5 about 2.2 years. An entry due at tick
//! `t` is filed at the lowest level where `t` and the wheel's current tick
//! (`elapsed`) share every bit above that level's 6 bits; deadlines past
//! the top level's horizon are filed at the horizon (they are simply
//! refiled when reached). Each level keeps a 64-bit `occupied` bitmap, so
//! the next non-empty slot is one rotate and one `trailing_zeros` away.
//!
//! Entries are intrusive: the list links live in the entry (inside the
//! `Sleep` future), so filing and unfiling allocate nothing and are O(1).
//!
//! # Precision
//!
//! Slots are 1 ms wide but entries keep their exact deadline in
//! nanoseconds. The expiration of a level-0 slot is the earliest exact
//! deadline in it (not the slot's start), so the driver can park until
//! exactly then; an entry not yet due when its slot is processed stays in
//! the current slot. Higher-level slots expire at their start, when their
//! entries cascade down.
//!
//! # Locking
//!
//! The wheel and every entry's links, filing time and waker are guarded by
//! the time driver's mutex (`driver.rs`); the functions here require it.

use crate::time::entry::TimerShared;
use std::ptr::NonNull;

pub(crate) const NUM_LEVELS: usize = 6;
const LEVEL_BITS: u32 = 6;
const SLOTS: usize = 1 << LEVEL_BITS;
/// Ticks the top level reaches.
pub(crate) const MAX_TICKS: u64 = (1 << (LEVEL_BITS as usize * NUM_LEVELS)) - 1;
pub(crate) const NANOS_PER_TICK: u64 = 1_000_000;

/// An intrusive doubly-linked list of entries.
#[derive(Default)]
pub(crate) struct EntryList {
    head: Option<NonNull<TimerShared>>,
}

pub(crate) struct Wheel {
    /// The tick up to which the wheel has been processed.
    elapsed: u64,
    levels: [Level; NUM_LEVELS],
    /// Entries taken out of a due slot and not yet fired or refiled. They
    /// can still be unfiled (a `Sleep` dropped meanwhile), so they stay in
    /// a list of the wheel rather than in the driver's hands.
    pending: EntryList,
    len: usize,
}

/// The filing tick that marks an entry as being in `pending`.
const PENDING_TICK: u64 = u64::MAX;

struct Level {
    level: usize,
    occupied: u64,
    slots: [EntryList; SLOTS],
}

/// When the next non-empty slot must be processed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Expiration {
    pub(crate) level: usize,
    pub(crate) slot: usize,
    /// Nanoseconds (driver time) at which to process it.
    pub(crate) deadline: u64,
    /// The slot's first tick.
    tick: u64,
}

impl Expiration {
    /// The latest deadline an entry of this slot may fire at when the
    /// slot is processed at `now`; an entry due later is refiled, so that
    /// what fires in one pass fires in deadline order (1 ms granularity).
    ///
    /// A level-0 slot spans one tick: its entries fire if due by `now`
    /// and not past the tick (an entry whose deadline was extended past
    /// the tick without the lock, see `TimerShared::process`, is refiled
    /// where it belongs, rather than fired ahead of entries filed at
    /// higher levels with earlier deadlines). A coarser slot is processed
    /// at its start: every entry not due by then cascades down.
    pub(crate) fn not_after(&self, now: u64) -> u64 {
        if self.level == 0 {
            now.min((self.tick + 1) * NANOS_PER_TICK - 1)
        } else {
            self.deadline
        }
    }
}

fn slot_range(level: usize) -> u64 {
    1 << (LEVEL_BITS as usize * level)
}

fn level_range(level: usize) -> u64 {
    1 << (LEVEL_BITS as usize * (level + 1))
}

fn level_for(elapsed: u64, when: u64) -> usize {
    const SLOT_MASK: u64 = (1 << LEVEL_BITS) - 1;
    let mut masked = (elapsed ^ when) | SLOT_MASK;
    if masked >= MAX_TICKS {
        masked = MAX_TICKS - 1;
    }
    let significant = 63 - masked.leading_zeros() as usize;
    significant / LEVEL_BITS as usize
}

fn slot_for(when: u64, level: usize) -> usize {
    ((when >> (level * LEVEL_BITS as usize)) as usize) & (SLOTS - 1)
}

impl Wheel {
    pub(crate) fn new() -> Wheel {
        Wheel {
            elapsed: 0,
            levels: std::array::from_fn(|level| Level {
                level,
                occupied: 0,
                slots: std::array::from_fn(|_| EntryList::default()),
            }),
            pending: EntryList::default(),
            len: 0,
        }
    }

    #[cfg(all(test, not(tern_loom)))]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The tick an entry due at `deadline_ns` is filed under.
    ///
    /// A deadline past the horizon is filed at the horizon: the last tick
    /// of the top-level slot just behind the current one (a lap ahead), so
    /// it never shares the current top-level slot. (Filed there, it would
    /// look due at once, cascade, and be filed there again, forever.)
    fn filing_tick(&self, deadline_ns: u64) -> u64 {
        let top = NUM_LEVELS - 1;
        let horizon = (self.elapsed & !(slot_range(top) - 1)) + MAX_TICKS;
        (deadline_ns / NANOS_PER_TICK).clamp(self.elapsed, horizon)
    }

    /// Files `entry` for `deadline_ns` (which the caller has checked is not
    /// yet due by its clock reading; one taken before the lock may be
    /// older than `elapsed`, and a deadline behind it is filed at the
    /// elapsed tick, due at the next `process`). Returns when its slot will
    /// expire (ns), a lower bound of `next_expiration` the driver uses to
    /// skip its lock.
    ///
    /// # Safety
    ///
    /// The caller holds the driver lock; `entry` is live, pinned, and in no
    /// list, and stays so until it is removed.
    pub(crate) unsafe fn insert(&mut self, entry: NonNull<TimerShared>, deadline_ns: u64) -> u64 {
        let tick = self.filing_tick(deadline_ns);
        // SAFETY: caller's contract: we hold the lock guarding these fields.
        unsafe { TimerShared::set_filed(entry, deadline_ns, tick) };
        let level = level_for(self.elapsed, tick);
        let slot = slot_for(tick, level);
        let lvl = &mut self.levels[level];
        // SAFETY: caller's contract (lock held, entry in no list).
        unsafe { lvl.slots[slot].push(entry) };
        lvl.occupied |= 1 << slot;
        self.len += 1;
        if level == 0 {
            deadline_ns
        } else {
            let slot_start = tick & !(slot_range(level) - 1);
            slot_start.max(self.elapsed) * NANOS_PER_TICK
        }
    }

    /// Unfiles `entry`.
    ///
    /// # Safety
    ///
    /// The caller holds the driver lock and `entry` is filed in this wheel.
    pub(crate) unsafe fn remove(&mut self, entry: NonNull<TimerShared>) {
        // SAFETY: caller's contract.
        let tick = unsafe { TimerShared::filed_tick(entry) };
        if tick == PENDING_TICK {
            // SAFETY: caller's contract: it is in `pending`.
            unsafe { self.pending.remove(entry) };
        } else {
            let level = level_for(self.elapsed, tick);
            let slot = slot_for(tick, level);
            let lvl = &mut self.levels[level];
            // SAFETY: caller's contract: the entry is in exactly this slot,
            // by the filing invariant (its level does not change until its
            // slot is taken).
            unsafe { lvl.slots[slot].remove(entry) };
            if lvl.slots[slot].head.is_none() {
                lvl.occupied &= !(1 << slot);
            }
        }
        self.len -= 1;
    }

    /// The next slot to process, if any entry is filed.
    pub(crate) fn next_expiration(&self) -> Option<Expiration> {
        self.levels.iter().find_map(|l| l.next_expiration(self.elapsed))
    }

    /// Moves every entry of the expiration's slot to `pending` and moves
    /// `elapsed` to the slot's tick (never past `now_tick`).
    ///
    /// # Safety
    ///
    /// The caller holds the driver lock, and `pending` is empty.
    pub(crate) unsafe fn take_slot(&mut self, exp: Expiration, now_tick: u64) {
        debug_assert!(self.pending.head.is_none());
        let lvl = &mut self.levels[exp.level];
        lvl.occupied &= !(1 << exp.slot);
        self.pending = std::mem::take(&mut lvl.slots[exp.slot]);
        let mut cur = self.pending.head;
        while let Some(e) = cur {
            // SAFETY: lock held; entries of the list are live.
            cur = unsafe {
                TimerShared::set_filed(e, TimerShared::filed_deadline(e), PENDING_TICK);
                TimerShared::links(e, |l| l.next)
            };
        }
        self.elapsed = self.elapsed.max(exp.tick.min(now_tick));
    }

    /// Takes the next entry out of `pending` (it is then in no list).
    ///
    /// # Safety
    ///
    /// The caller holds the driver lock.
    pub(crate) unsafe fn pop_pending(&mut self) -> Option<NonNull<TimerShared>> {
        // SAFETY: forwarded from the caller.
        let e = unsafe { self.pending.pop() }?;
        self.len -= 1;
        Some(e)
    }

    /// Advances `elapsed` to `now_tick` when no entry is due before it.
    pub(crate) fn set_elapsed(&mut self, now_tick: u64) {
        if let Some(exp) = self.next_expiration() {
            if exp.tick < now_tick {
                return;
            }
        }
        self.elapsed = self.elapsed.max(now_tick);
    }
}

impl Level {
    fn next_expiration(&self, elapsed: u64) -> Option<Expiration> {
        if self.occupied == 0 {
            return None;
        }
        let now_slot = slot_for(elapsed, self.level);
        let rotated = self.occupied.rotate_right(now_slot as u32);
        let slot = (rotated.trailing_zeros() as usize + now_slot) % SLOTS;
        let level_start = elapsed & !(level_range(self.level) - 1);
        let mut tick = level_start + slot as u64 * slot_range(self.level);
        if tick + slot_range(self.level) <= elapsed {
            // Only the top level wraps: a slot "behind" is a lap ahead.
            tick += level_range(self.level);
        }
        let deadline = if self.level == 0 {
            // SAFETY: `next_expiration` runs under the driver lock (it is
            // reached only through `Wheel`, owned by the locked driver).
            unsafe { self.slots[slot].min_deadline() }.unwrap_or(tick * NANOS_PER_TICK)
        } else {
            tick.max(elapsed) * NANOS_PER_TICK
        };
        Some(Expiration { level: self.level, slot, deadline, tick: tick.max(elapsed) })
    }
}

impl EntryList {
    /// # Safety
    ///
    /// Lock held; `entry` live and in no list.
    unsafe fn push(&mut self, entry: NonNull<TimerShared>) {
        // SAFETY: forwarded from the caller.
        unsafe {
            TimerShared::links(entry, |l| {
                l.prev = None;
                l.next = self.head;
            });
            if let Some(head) = self.head {
                TimerShared::links(head, |l| l.prev = Some(entry));
            }
        }
        self.head = Some(entry);
    }

    /// # Safety
    ///
    /// Lock held; `entry` is in this list.
    unsafe fn remove(&mut self, entry: NonNull<TimerShared>) {
        // SAFETY: forwarded from the caller; neighbours are live entries.
        unsafe {
            let (prev, next) = TimerShared::links(entry, |l| (l.prev.take(), l.next.take()));
            match prev {
                Some(prev) => TimerShared::links(prev, |l| l.next = next),
                None => self.head = next,
            }
            if let Some(next) = next {
                TimerShared::links(next, |l| l.prev = prev);
            }
        }
    }

    /// Removes and returns the first entry.
    ///
    /// # Safety
    ///
    /// Lock held.
    unsafe fn pop(&mut self) -> Option<NonNull<TimerShared>> {
        let head = self.head?;
        // SAFETY: forwarded from the caller; `head` is in this list.
        unsafe { self.remove(head) };
        Some(head)
    }

    /// # Safety
    ///
    /// Lock held.
    unsafe fn min_deadline(&self) -> Option<u64> {
        let mut min = None;
        let mut cur = self.head;
        while let Some(e) = cur {
            // SAFETY: forwarded from the caller.
            let (d, next) = unsafe { (TimerShared::filed_deadline(e), TimerShared::links(e, |l| l.next)) };
            min = Some(min.map_or(d, |m: u64| m.min(d)));
            cur = next;
        }
        min
    }
}

// SAFETY: the raw pointers are only followed under the driver lock.
unsafe impl Send for EntryList {}
// SAFETY: as for `Send`.
unsafe impl Send for Wheel {}

#[cfg(all(test, not(tern_loom)))]
mod tests {
    use super::*;

    #[test]
    fn level_of_a_deadline_grows_with_distance() {
        assert_eq!(level_for(0, 0), 0);
        assert_eq!(level_for(0, 63), 0);
        assert_eq!(level_for(0, 64), 1);
        assert_eq!(level_for(0, 4095), 1);
        assert_eq!(level_for(0, 4096), 2);
        assert_eq!(level_for(0, MAX_TICKS + 100), NUM_LEVELS - 1);
        // Same 64-tick window as `elapsed`: level 0.
        assert_eq!(level_for(130, 191), 0);
        assert_eq!(level_for(130, 192), 1);
    }
}
