//! The per-resource readiness state shared by the driver and the resource.
//!
//! # The readiness word
//!
//! | bits   | field      | meaning                                             |
//! |--------|------------|-----------------------------------------------------|
//! | 0..5   | readiness  | `READABLE`, `WRITABLE`, `READ_CLOSED`, `WRITE_CLOSED`, `ERROR` seen and not yet cleared |
//! | 16..31 | tick       | the driver turn that last set readiness             |
//! | 31     | `SHUTDOWN` | the driver is gone: every poll is ready (and fails) |
//!
//! The driver ORs in readiness with its current tick (edge-triggered
//! epoll: an event means "became ready"). A resource clears readiness only
//! after an operation returned `WouldBlock`, and only if the tick is still
//! the one it observed: if the driver set readiness again meanwhile, the
//! clear is skipped, so a readiness that arrived after the stale one is not
//! lost.
//!
//! One reader and one writer waker are kept (a resource's read half and
//! write half may wait concurrently), under a small mutex.

use crate::loom::sync::atomic::{AtomicUsize, Ordering::*};
use crate::loom::sync::Mutex;
use std::task::{Context, Poll, Waker};

pub(crate) const READABLE: usize = 0b0_0001;
pub(crate) const WRITABLE: usize = 0b0_0010;
pub(crate) const READ_CLOSED: usize = 0b0_0100;
pub(crate) const WRITE_CLOSED: usize = 0b0_1000;
pub(crate) const ERROR: usize = 0b1_0000;
const READINESS_MASK: usize = 0xFFFF;
const TICK_SHIFT: u32 = 16;
const TICK_MASK: usize = 0x7FFF << TICK_SHIFT;
const SHUTDOWN: usize = 1 << 31;

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

#[derive(Default)]
struct Waiters {
    reader: Option<Waker>,
    writer: Option<Waker>,
}

pub(crate) struct ScheduledIo {
    readiness: AtomicUsize,
    waiters: Mutex<Waiters>,
    /// Position in the driver's registration list (under its lock).
    pub(crate) index: AtomicUsize,
}

impl ScheduledIo {
    pub(crate) fn new() -> ScheduledIo {
        ScheduledIo {
            readiness: AtomicUsize::new(0),
            waiters: Mutex::new(Waiters::default()),
            index: AtomicUsize::new(0),
        }
    }

    /// Driver side: records readiness seen at `tick`.
    pub(crate) fn set_readiness(&self, tick: usize, ready: usize) {
        let tick = (tick << TICK_SHIFT) & TICK_MASK;
        let mut cur = self.readiness.load(Acquire);
        loop {
            let next = (cur & (READINESS_MASK | SHUTDOWN)) | ready | tick;
            match self.readiness.compare_exchange_weak(cur, next, AcqRel, Acquire) {
                Ok(_) => return,
                Err(actual) => cur = actual,
            }
        }
    }

    pub(crate) fn shutdown(&self) {
        self.readiness.fetch_or(SHUTDOWN, AcqRel);
        self.wake(READINESS_MASK);
    }

    /// Wakes the waiters interested in `ready`.
    pub(crate) fn wake(&self, ready: usize) {
        let (r, w) = {
            let mut waiters = self.waiters.lock();
            let r = if ready & Direction::Read.mask() != 0 { waiters.reader.take() } else { None };
            let w = if ready & Direction::Write.mask() != 0 { waiters.writer.take() } else { None };
            (r, w)
        };
        if let Some(r) = r {
            r.wake();
        }
        if let Some(w) = w {
            w.wake();
        }
    }

    /// Resource side: clears what `event` saw, unless newer readiness came.
    pub(crate) fn clear_readiness(&self, event: ReadyEvent) {
        // Closed states are final: never cleared.
        let clear = event.ready & !(READ_CLOSED | WRITE_CLOSED);
        let mut cur = self.readiness.load(Acquire);
        loop {
            if (cur & TICK_MASK) >> TICK_SHIFT != event.tick {
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

    fn ready_event(&self, dir: Direction) -> Option<ReadyEvent> {
        let cur = self.readiness.load(Acquire);
        let ready = cur & dir.mask();
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
