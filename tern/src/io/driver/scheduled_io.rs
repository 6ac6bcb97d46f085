//! The per-resource readiness state shared by the driver and the resource.
//!
//! # The readiness word
//!
//! One `AtomicU64`:
//!
//! | bits   | field      | meaning                                             |
//! |--------|------------|-----------------------------------------------------|
//! | 0..6   | readiness  | `READABLE`, `WRITABLE`, `READ_CLOSED`, `WRITE_CLOSED`, `ERROR`, `PRIORITY` seen and not yet cleared |
//! | 16..31 | tick       | the driver turn that last set readiness             |
//! | 31     | `SHUTDOWN` | the driver is gone: every poll is ready (and fails) |
//! | 32..64 | generation | which registration of the slot is current (`slab.rs`; wraps) |
//!
//! The generation lives in the same word as readiness so that the
//! driver's update is one compare-and-swap that fails if the slot was
//! released since the event's token was handed out: a stale event (say
//! the hang-up of a connection closed meanwhile) can never land in the
//! slot's next registration, where a closed bit would never be cleared
//! and every read would find the connection ready, then `WouldBlock`,
//! forever. Checking the generation and then updating, in two steps, let
//! a release and a re-registration slip in between (loom model in
//! `loom.rs`).
//!
//! A freshly accepted connection starts out `READABLE | WRITABLE` at tick
//! 0 (assumed, not observed; no driver turn has tick 0), so its first read
//! and write go straight to the socket instead of waiting for an edge
//! (it is not even in the epoll set until a task waits on it:
//! `poll_evented.rs`). A wrong guess costs one `WouldBlock`.
//!
//! The driver ORs in readiness with its current tick (edge-triggered
//! epoll: an event means "became ready"). A resource clears readiness only
//! after an operation returned `WouldBlock`, and only if the tick is still
//! the one it observed: if the driver set readiness again meanwhile, the
//! clear is skipped, so a readiness that arrived after the stale one is not
//! lost.
//!
//! # Waiters
//!
//! Under one small mutex:
//! * one reader and one writer waker, for the `poll_*` methods (a
//!   resource's read half and write half may wait concurrently; as in
//!   Tokio, a second task polling the same direction replaces the first);
//! * a list of any number of readiness futures (`readable()`, `ready()`,
//!   `AsyncFd::readable`...), each with the interest mask it waits for.
//!   A future owns its slot (by index) from its first pending poll until
//!   it completes or drops, so a wake never reaches a dropped future.
//!
//! `wake` takes the wakers out under the lock and calls them after
//! releasing it, in batches of at most `WAKE_BATCH`, so no waker runs under
//! the lock and no allocation happens on the driver's path. Each call goes
//! through `runtime::driver::wake`, which contains a panicking waker.

use crate::loom::sync::atomic::{AtomicU64, Ordering::*};
use crate::loom::sync::Mutex;
use std::task::{Context, Poll, Waker};

pub(crate) const READABLE: usize = 0b0_0001;
pub(crate) const WRITABLE: usize = 0b0_0010;
pub(crate) const READ_CLOSED: usize = 0b0_0100;
pub(crate) const WRITE_CLOSED: usize = 0b0_1000;
pub(crate) const ERROR: usize = 0b1_0000;
pub(crate) const PRIORITY: usize = 0b10_0000;
/// Every readiness bit (wakes every waiter).
pub(crate) const ALL: usize = READABLE | WRITABLE | READ_CLOSED | WRITE_CLOSED | ERROR | PRIORITY;
const READINESS_MASK: usize = 0xFFFF;
const TICK_SHIFT: u32 = 16;
const TICK_MASK: usize = 0x7FFF << TICK_SHIFT;
const SHUTDOWN: usize = 1 << 31;
/// The readiness, tick and `SHUTDOWN` fields (the low half of the word).
const STATE_MASK: u64 = 0xFFFF_FFFF;
const GEN_SHIFT: u32 = 32;
/// Generation bits the word keeps, as a mask on a `usize` generation.
pub(crate) const GEN_BITS: usize = 0xFFFF_FFFF;

/// The low half of the word as a `usize` (readiness, tick, `SHUTDOWN`).
#[inline]
fn state(word: u64) -> usize {
    (word & STATE_MASK) as usize
}

/// The generation field of the word.
#[inline]
fn generation(word: u64) -> usize {
    (word >> GEN_SHIFT) as usize
}

/// Which side of the resource waits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Direction {
    Read,
    Write,
}

impl Direction {
    /// Readiness bits that wake this direction.
    pub(crate) fn mask(self) -> usize {
        match self {
            Direction::Read => READABLE | READ_CLOSED | ERROR,
            Direction::Write => WRITABLE | WRITE_CLOSED | ERROR,
        }
    }
}

/// Readiness observed by a poll, to be cleared after `WouldBlock`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ReadyEvent {
    pub(crate) tick: usize,
    pub(crate) ready: usize,
}

impl ReadyEvent {
    pub(crate) fn ready(self) -> crate::io::Ready {
        crate::io::Ready::from_word(self.ready)
    }

    /// The readiness a public `ready(interest)` reports. An error wakes
    /// every interest (`Interest::wake_mask`); one that came alone (a
    /// connected UDP socket's ICMP error: `EPOLLERR` without `EPOLLIN`)
    /// also reports the directions asked for, unless `ERROR` itself was:
    /// a loop that only checks `is_readable`/`is_writable` (Tokio's
    /// documented pattern) then tries the operation, which returns the
    /// error and clears it, rather than spinning on a readiness it never
    /// acts on. Tokio keeps waiting there instead; a spurious readiness is
    /// within `ready`'s contract (the operation may return `WouldBlock`).
    pub(crate) fn ready_for(self, interest: crate::io::Interest) -> crate::io::Ready {
        use crate::io::Ready;
        let ready = self.ready();
        if !ready.is_error() || interest.is_error() || ready.is_readable() || ready.is_writable() {
            return ready;
        }
        let mut asked = ready;
        if interest.is_readable() {
            asked |= Ready::READABLE;
        }
        if interest.is_writable() {
            asked |= Ready::WRITABLE;
        }
        asked
    }
}

/// Wakers taken per lock acquisition in `wake`.
const WAKE_BATCH: usize = 32;

#[derive(Default)]
struct Waiters {
    reader: Option<Waker>,
    writer: Option<Waker>,
    /// Readiness futures' slots. Invariant: a slot is `Some` exactly while
    /// the future holding its index is alive and has registered.
    list: Vec<Option<ListWaiter>>,
    /// Indexes of `None` slots in `list`.
    free: Vec<usize>,
    /// Slots in `list` holding a waker (lets `wake` skip the scan).
    armed: usize,
}

struct ListWaiter {
    mask: usize,
    waker: Option<Waker>,
}

pub(crate) struct ScheduledIo {
    /// Readiness, tick, `SHUTDOWN` and the slot's generation (the table
    /// above). The generation is bumped when the resource drops, so events
    /// carrying an older token are ignored (`slab.rs`).
    readiness: AtomicU64,
    waiters: Mutex<Waiters>,
}

impl ScheduledIo {
    /// A resource known to be ready for `ready` already (a freshly accepted
    /// connection: readable and writable until an operation says
    /// `WouldBlock`). The readiness carries tick 0, which no driver turn
    /// uses, so a clear of this assumed readiness can never erase an event
    /// the driver recorded meanwhile.
    pub(crate) fn new_ready(ready: usize) -> ScheduledIo {
        ScheduledIo {
            readiness: AtomicU64::new((ready & READINESS_MASK) as u64),
            waiters: Mutex::new(Waiters::default()),
        }
    }

    /// A slot handed out again: readiness starts as `ready` (tick 0), the
    /// generation stays.
    pub(crate) fn reset(&self, ready: usize) {
        let _ = self
            .readiness
            .fetch_update(AcqRel, Acquire, |cur| Some((cur & !STATE_MASK) | (ready & READINESS_MASK) as u64));
    }

    /// The slot's current generation (`GEN_BITS` wide).
    pub(crate) fn generation(&self) -> usize {
        generation(self.readiness.load(Acquire))
    }

    /// The resource dropped: in one step the generation moves on (so the
    /// driver's updates for the old token fail from here on) and readiness
    /// is cleared; then the waiters are taken. Returns the waiters for the
    /// caller to drop outside its locks.
    #[must_use = "holds the dropped resource's wakers; drop it outside any lock"]
    pub(crate) fn retire(&self) -> impl Sized {
        let _ = self
            .readiness
            .fetch_update(AcqRel, Acquire, |cur| Some((cur & !STATE_MASK).wrapping_add(1 << GEN_SHIFT)));
        std::mem::take(&mut *self.waiters.lock())
    }

    /// Driver side: records readiness seen at `tick` if the slot is still
    /// at `generation` (compared on its low `GEN_BITS` and `mask`), in the
    /// same compare-and-swap. Returns whether it did; `false`: the event
    /// is stale, the resource it was for has been released.
    #[must_use = "a stale event must not wake the slot's waiters"]
    pub(crate) fn set_readiness(
        &self,
        generation_mask: usize,
        generation: usize,
        tick: usize,
        ready: usize,
    ) -> bool {
        let tick = (tick << TICK_SHIFT) & TICK_MASK;
        let mut cur = self.readiness.load(Acquire);
        loop {
            if self::generation(cur) & generation_mask != generation & generation_mask {
                return false;
            }
            let low = (state(cur) & (READINESS_MASK | SHUTDOWN)) | ready | tick;
            let next = (cur & !STATE_MASK) | low as u64;
            match self.readiness.compare_exchange_weak(cur, next, AcqRel, Acquire) {
                Ok(_) => return true,
                Err(actual) => cur = actual,
            }
        }
    }

    pub(crate) fn shutdown(&self) {
        self.readiness.fetch_or(SHUTDOWN as u64, AcqRel);
        self.wake(READINESS_MASK);
    }

    /// Wakes the waiters interested in `ready`.
    pub(crate) fn wake(&self, ready: usize) {
        let mut waiters = self.waiters.lock();
        let r = if ready & Direction::Read.mask() != 0 { waiters.reader.take() } else { None };
        let w = if ready & Direction::Write.mask() != 0 { waiters.writer.take() } else { None };
        if waiters.armed == 0 {
            drop(waiters);
            // Through `runtime::driver::wake`: a waker that panics cannot
            // unwind through the driver's dispatch.
            r.into_iter().chain(w).for_each(crate::runtime::driver::wake);
            return;
        }
        let mut batch: [Option<Waker>; WAKE_BATCH] = std::array::from_fn(|_| None);
        let mut first = Some((r, w));
        let mut next = 0;
        loop {
            let mut n = 0;
            while n < WAKE_BATCH && next < waiters.list.len() {
                if let Some(waiter) = &mut waiters.list[next] {
                    if waiter.mask & ready != 0 {
                        if let Some(waker) = waiter.waker.take() {
                            batch[n] = Some(waker);
                            n += 1;
                            waiters.armed -= 1;
                        }
                    }
                }
                next += 1;
            }
            let done = next >= waiters.list.len();
            drop(waiters);
            if let Some((r, w)) = first.take() {
                r.into_iter().chain(w).for_each(crate::runtime::driver::wake);
            }
            batch[..n].iter_mut().filter_map(Option::take).for_each(crate::runtime::driver::wake);
            if done {
                return;
            }
            waiters = self.waiters.lock();
        }
    }

    /// Readiness futures: ready when the word has any bit of `mask` (or
    /// the driver shut down); otherwise the waker is stored in the slot
    /// `key` names, taking a slot on the first pending poll.
    pub(crate) fn poll_interest(
        &self,
        cx: &mut Context<'_>,
        mask: usize,
        key: &mut Option<usize>,
    ) -> Poll<ReadyEvent> {
        if let Some(ev) = self.ready_masked(mask) {
            self.remove_waiter(key);
            return Poll::Ready(ev);
        }
        let mut waiters = self.waiters.lock();
        // Checked again under the lock: the driver sets readiness before it
        // locks to wake, so readiness missed here finds this waker.
        if let Some(ev) = self.ready_masked(mask) {
            drop(waiters);
            self.remove_waiter(key);
            return Poll::Ready(ev);
        }
        let index = match *key {
            Some(i) => i,
            None => {
                let i = match waiters.free.pop() {
                    Some(i) => i,
                    None => {
                        waiters.list.push(None);
                        waiters.list.len() - 1
                    }
                };
                waiters.list[i] = Some(ListWaiter { mask, waker: None });
                *key = Some(i);
                i
            }
        };
        let slot = waiters.list[index].as_mut().expect("a live future's slot is occupied");
        match &slot.waker {
            Some(w) if w.will_wake(cx.waker()) => {}
            Some(_) => slot.waker = Some(cx.waker().clone()),
            None => {
                slot.waker = Some(cx.waker().clone());
                waiters.armed += 1;
            }
        }
        Poll::Pending
    }

    /// Waiters in the list holding a waker (models and tests).
    #[cfg(all(test, tern_loom))]
    pub(crate) fn armed_waiters(&self) -> usize {
        let waiters = self.waiters.lock();
        let counted = waiters.list.iter().flatten().filter(|w| w.waker.is_some()).count();
        assert_eq!(counted, waiters.armed);
        waiters.armed
    }

    /// Frees the slot of a readiness future that completed or dropped.
    pub(crate) fn remove_waiter(&self, key: &mut Option<usize>) {
        let Some(i) = key.take() else { return };
        let mut waiters = self.waiters.lock();
        if let Some(w) = waiters.list[i].take() {
            if w.waker.is_some() {
                waiters.armed -= 1;
            }
        }
        waiters.free.push(i);
    }

    /// Resource side: clears what `event` saw, unless newer readiness came.
    pub(crate) fn clear_readiness(&self, event: ReadyEvent) {
        // Closed states are final: never cleared.
        let clear = (event.ready & !(READ_CLOSED | WRITE_CLOSED | SHUTDOWN)) as u64;
        let mut cur = self.readiness.load(Acquire);
        loop {
            if (state(cur) & TICK_MASK) >> TICK_SHIFT != event.tick {
                return;
            }
            let next = cur & !clear;
            match self.readiness.compare_exchange_weak(cur, next, AcqRel, Acquire) {
                Ok(_) => return,
                Err(actual) => cur = actual,
            }
        }
    }

    /// Ready when readiness for `dir` is set; otherwise registers the waker.
    pub(crate) fn poll_readiness(&self, cx: &mut Context<'_>, dir: Direction) -> Poll<ReadyEvent> {
        if let Some(ev) = self.ready_event(dir) {
            return Poll::Ready(ev);
        }
        let mut waiters = self.waiters.lock();
        let slot = match dir {
            Direction::Read => &mut waiters.reader,
            Direction::Write => &mut waiters.writer,
        };
        match slot {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => *slot = Some(cx.waker().clone()),
        }
        // Readiness may have arrived before the waker was in place.
        match self.ready_event(dir) {
            Some(ev) => Poll::Ready(ev),
            None => Poll::Pending,
        }
    }

    /// The readiness for `dir` right now, if any (no waker registered).
    pub(crate) fn ready_now(&self, dir: Direction) -> Option<ReadyEvent> {
        self.ready_event(dir)
    }

    pub(crate) fn ready_now_masked(&self, mask: usize) -> Option<ReadyEvent> {
        self.ready_masked(mask)
    }

    fn ready_event(&self, dir: Direction) -> Option<ReadyEvent> {
        self.ready_masked(dir.mask())
    }

    fn ready_masked(&self, mask: usize) -> Option<ReadyEvent> {
        let cur = state(self.readiness.load(Acquire));
        let ready = cur & mask;
        if ready != 0 || cur & SHUTDOWN != 0 {
            Some(ReadyEvent { tick: (cur & TICK_MASK) >> TICK_SHIFT, ready: ready | (cur & SHUTDOWN) })
        } else {
            None
        }
    }

    pub(crate) fn is_shutdown(event: ReadyEvent) -> bool {
        event.ready & SHUTDOWN != 0
    }
}

#[cfg(all(test, not(tern_loom)))]
mod tests {
    use super::*;

    #[test]
    fn assumed_readiness_is_cleared_by_would_block() {
        let io = ScheduledIo::new_ready(READABLE | WRITABLE);
        let ev = io.ready_now(Direction::Read).expect("assumed readable");
        assert_eq!(ev.tick, 0);
        io.clear_readiness(ev);
        assert!(io.ready_now(Direction::Read).is_none());
        assert!(io.ready_now(Direction::Write).is_some(), "only what was seen is cleared");
    }

    #[test]
    fn clearing_assumed_readiness_keeps_an_event_recorded_meanwhile() {
        let io = ScheduledIo::new_ready(READABLE | WRITABLE);
        let assumed = io.ready_now(Direction::Read).unwrap();
        // The driver records real readability (any turn: ticks start at 1).
        assert!(io.set_readiness(usize::MAX, 0, 1, READABLE));
        io.clear_readiness(assumed);
        assert!(io.ready_now(Direction::Read).is_some(), "the driver's event survived");
    }

    #[test]
    fn an_update_for_a_retired_generation_changes_nothing() {
        let io = ScheduledIo::new_ready(0);
        let old = io.generation();
        drop(io.retire());
        io.reset(0);
        assert!(!io.set_readiness(usize::MAX, old, 1, READABLE | READ_CLOSED));
        assert!(io.ready_now_masked(ALL).is_none());
        assert!(io.set_readiness(usize::MAX, old + 1, 1, READABLE));
        assert!(io.ready_now(Direction::Read).is_some());
    }

    #[test]
    fn the_generation_wraps_without_touching_the_state() {
        let io = ScheduledIo::new_ready(0);
        io.readiness.store(u64::from(u32::MAX) << GEN_SHIFT, Relaxed);
        drop(io.retire());
        assert_eq!(io.generation(), 0);
        assert!(io.ready_now_masked(ALL).is_none());
    }
}
