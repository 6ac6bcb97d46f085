//! Which workers are parked, searching, or on watch.
//!
//! One atomic word, changed only as described here:
//!
//! | bits   | field          | meaning                                             |
//! |--------|----------------|-----------------------------------------------------|
//! | 0..15  | `num_searching`| workers looking for work to steal                   |
//! | 15..30 | `num_unparked` | workers not parked (running tasks or searching)     |
//! | 30     | `WATCHDOG`     | one parked worker holds the watch for tasks stranded behind a worker stuck in a long poll |
//! | 31     | `ARMED`        | the watch is armed: its holder parks with a timeout (`WATCHDOG_PERIOD`) |
//!
//! `watcher` holds the index of the worker holding the watch; it is stored
//! before `WATCHDOG` is set (both under `sleepers`), so whoever sees the
//! bit also sees the index (or a later holder's).
//!
//! Rules (as in Tokio, plus the watchdog):
//!
//! * New work wakes a parked worker only if nobody is searching and not all
//!   workers are awake (`worker_to_notify`); the woken worker starts out
//!   searching. At most half the workers search at once
//!   (`transition_worker_to_searching`), to bound contention.
//! * The last searcher to find work wakes another, so a searcher is always
//!   around while work is being spread.
//! * A worker that parks while others are awake takes the watch (sets
//!   `WATCHDOG`) if nobody has it. The watch costs nothing until there is
//!   something to rescue: its holder parks without a timeout unless the
//!   watch is `ARMED`, which happens when an awake peer has a task queued
//!   behind the poll it is in (a LIFO task or a non-empty ring).
//! * Arming is a Dekker handshake, so no stranded task goes unwatched: the
//!   holder clears `ARMED`, then looks at its peers' queues, and arms again
//!   if it finds one queued behind a poll; a worker that fills its LIFO slot
//!   from inside a poll then looks at this word, and if the watch is held
//!   but not armed, arms it and unparks the holder (`lifo_pushed`). All four
//!   steps are `SeqCst`, so one of the two sides sees the other's. A LIFO
//!   push with parked peers and no watch at all wakes a peer to take it.
//!
//! | watch state              | holder parks           | leaves it when                            |
//! |--------------------------|------------------------|-------------------------------------------|
//! | vacant                   | -                      | a worker parks while a peer is awake: held |
//! | held, not armed          | without a timeout      | a LIFO push arms it (and unparks it), or it is woken |
//! | held, armed              | `WATCHDOG_PERIOD`      | the period ends: rescue check; stays armed if peers made progress or work is queued |
//! | any                      | -                      | the holder wakes: vacant (`release_watchdog`) |
//!
//! `sleepers` (under a mutex) lists the parked workers; every change of
//! `num_unparked` happens under that mutex, so the two always agree.

use crate::loom::sync::atomic::{
    fence, AtomicUsize,
    Ordering::{Relaxed, SeqCst},
};
use crate::loom::sync::Mutex;

const SEARCH_MASK: usize = 0x7FFF;
const UNPARK_SHIFT: u32 = 15;
const UNPARK_ONE: usize = 1 << UNPARK_SHIFT;
const UNPARK_MASK: usize = 0x7FFF << UNPARK_SHIFT;
const WATCHDOG: usize = 1 << 30;
const ARMED: usize = 1 << 31;

pub(super) struct Idle {
    state: AtomicUsize,
    /// The worker holding the watch (meaningful while `WATCHDOG` is set).
    watcher: AtomicUsize,
    sleepers: Mutex<Vec<usize>>,
    num_workers: usize,
}

#[derive(Clone, Copy)]
struct State(usize);

impl State {
    fn num_searching(self) -> usize {
        self.0 & SEARCH_MASK
    }
    fn num_unparked(self) -> usize {
        (self.0 & UNPARK_MASK) >> UNPARK_SHIFT
    }
    fn watchdog(self) -> bool {
        self.0 & WATCHDOG != 0
    }
    fn armed(self) -> bool {
        self.0 & ARMED != 0
    }
}

/// What a worker that just filled its empty LIFO slot from inside a poll
/// must do, so that a stranded task is always watched.
#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub(super) enum LifoWatch {
    /// The watch is armed already, or nobody is parked: nothing.
    Nothing,
    /// It armed the watch: unpark this worker, its holder.
    WakeWatcher(usize),
    /// Workers are parked but none holds the watch: wake one to take it.
    WakeParked,
}

/// What a parking worker must do.
#[must_use]
pub(super) struct Parked {
    /// It was the last searcher: check for work left behind.
    pub(super) was_last_searcher: bool,
    /// It took the watch: park with a timeout.
    pub(super) watchdog: bool,
}

impl Idle {
    pub(super) fn new(num_workers: usize) -> Idle {
        assert!(num_workers <= SEARCH_MASK, "too many worker threads");
        Idle {
            state: AtomicUsize::new(num_workers << UNPARK_SHIFT),
            watcher: AtomicUsize::new(0),
            sleepers: Mutex::new(Vec::with_capacity(num_workers)),
            num_workers,
        }
    }

    fn load(&self) -> State {
        State(self.state.load(SeqCst))
    }

    /// Picks a parked worker to wake for new work, and counts it as
    /// unparked and searching. `None` if a wake is not needed.
    pub(super) fn worker_to_notify(&self) -> Option<usize> {
        if !self.notify_should_wakeup() {
            return None;
        }
        let mut sleepers = self.sleepers.lock();
        if !self.notify_should_wakeup() {
            return None;
        }
        let worker = sleepers.pop()?;
        self.state.fetch_add(UNPARK_ONE | 1, SeqCst);
        Some(worker)
    }

    fn notify_should_wakeup(&self) -> bool {
        // Pairs with the fence in `transition_worker_to_parked`: either
        // the parking worker sees our queued work, or we see it parked.
        fence(SeqCst);
        let state = self.load();
        state.num_searching() == 0 && state.num_unparked() < self.num_workers
    }

    /// Called after a LIFO push into an empty slot (a `SeqCst` swap) from
    /// inside a poll: arms the watch if it is held and not armed (the
    /// pushing side of the handshake in the module docs).
    pub(super) fn lifo_pushed(&self) -> LifoWatch {
        // The push was a `SeqCst` swap and the load below is `SeqCst`: in
        // C++20's single total order that already orders them against the
        // holder's `SeqCst` clear-fence-look, and on x86 the swap is a full
        // barrier. Loom treats `SeqCst` accesses as `AcqRel`, so under loom
        // this fence (a no-op in the C++ model here) states the same order.
        #[cfg(tern_loom)]
        fence(SeqCst);
        let mut state = self.load();
        loop {
            if state.armed() {
                return LifoWatch::Nothing;
            }
            if !state.watchdog() {
                return if state.num_unparked() < self.num_workers {
                    LifoWatch::WakeParked
                } else {
                    LifoWatch::Nothing
                };
            }
            match self.state.compare_exchange(state.0, state.0 | ARMED, SeqCst, SeqCst) {
                // The index was stored before the bit this CAS read.
                Ok(_) => return LifoWatch::WakeWatcher(self.watcher.load(Relaxed)),
                Err(actual) => state = State(actual),
            }
        }
    }

    /// The holder's side of the handshake: clears `ARMED`, then runs
    /// `queued_behind_a_poll` (its look at the peers' queues) and arms
    /// again if it reports work. Returns whether the watch is armed.
    pub(super) fn decide_armed(&self, queued_behind_a_poll: impl FnOnce() -> bool) -> bool {
        self.state.fetch_and(!ARMED, SeqCst);
        // Pairs with the LIFO push's `SeqCst` swap and `lifo_pushed`'s
        // load: either we see the task, or the pusher sees `ARMED` clear.
        fence(SeqCst);
        if queued_behind_a_poll() {
            self.state.fetch_or(ARMED, SeqCst);
            true
        } else {
            false
        }
    }

    pub(super) fn transition_worker_to_searching(&self) -> bool {
        let state = self.load();
        if 2 * state.num_searching() >= self.num_workers {
            return false;
        }
        self.state.fetch_add(1, SeqCst);
        true
    }

    /// Returns whether this was the last searcher.
    pub(super) fn transition_worker_from_searching(&self) -> bool {
        let prev = State(self.state.fetch_sub(1, SeqCst));
        debug_assert!(prev.num_searching() > 0);
        prev.num_searching() == 1
    }

    pub(super) fn transition_worker_to_parked(&self, worker: usize, is_searching: bool) -> Parked {
        let mut sleepers = self.sleepers.lock();
        let dec = UNPARK_ONE | usize::from(is_searching);
        let prev = State(self.state.fetch_sub(dec, SeqCst));
        let now = State(prev.0 - dec);
        let watchdog = now.num_unparked() > 0 && !now.watchdog();
        if watchdog {
            self.watcher.store(worker, Relaxed);
            self.state.fetch_or(WATCHDOG, SeqCst);
        }
        sleepers.push(worker);
        drop(sleepers);
        // Pairs with the fence in `notify_should_wakeup`: either the
        // producer sees us parked and wakes us, or our caller's next look at
        // the queues sees its work.
        fence(SeqCst);
        Parked { was_last_searcher: is_searching && prev.num_searching() == 1, watchdog }
    }

    /// Re-decides, for worker `worker`, still parked, whether it takes the
    /// watch.
    pub(super) fn rearm_watchdog(&self, worker: usize) -> bool {
        let _sleepers = self.sleepers.lock();
        let state = self.load();
        if state.num_unparked() > 0 && !state.watchdog() {
            self.watcher.store(worker, Relaxed);
            self.state.fetch_or(WATCHDOG, SeqCst);
            true
        } else {
            false
        }
    }

    /// The watching worker woke up: the watch is vacant (and unarmed)
    /// again. Returns whether it was armed.
    pub(super) fn release_watchdog(&self) -> bool {
        State(self.state.fetch_and(!(WATCHDOG | ARMED), SeqCst)).armed()
    }

    /// Unparks `worker` if it is parked (not searching). Returns whether it
    /// was.
    pub(super) fn unpark_worker_by_id(&self, worker: usize) -> bool {
        let mut sleepers = self.sleepers.lock();
        match sleepers.iter().position(|&w| w == worker) {
            Some(i) => {
                sleepers.swap_remove(i);
                self.state.fetch_add(UNPARK_ONE, SeqCst);
                true
            }
            None => false,
        }
    }

    /// Every worker is parked (a snapshot).
    pub(super) fn all_parked(&self) -> bool {
        self.load().num_unparked() == 0
    }

    pub(super) fn is_parked(&self, worker: usize) -> bool {
        self.sleepers.lock().contains(&worker)
    }
}
