//! Which workers are parked, searching, or on watch.
//!
//! One atomic word, changed only as described here:
//!
//! | bits   | field          | meaning                                             |
//! |--------|----------------|-----------------------------------------------------|
//! | 0..15  | `num_searching`| workers looking for work to steal                   |
//! | 15..30 | `num_unparked` | workers not parked (running tasks or searching)     |
//! | 30     | `WATCHDOG`     | one parked worker holds the watch for tasks stranded behind a worker stuck in a long poll |
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
//!   `WATCHDOG`) if nobody has it, and keeps it until it leaves its park.
//!   How closely it watches is its own business (`worker/park.rs`): every
//!   `WATCHDOG_PERIOD` while a peer has work queued or is making progress,
//!   else every `WATCH_IDLE_PERIOD`. A LIFO push on a worker with parked
//!   peers and no watch wakes a peer to take it.
//!
//! `sleepers` (under a mutex) lists the parked workers; every change of
//! `num_unparked` happens under that mutex, so the two always agree.

use crate::loom::sync::atomic::{fence, AtomicUsize, Ordering::SeqCst};
use crate::loom::sync::Mutex;

const SEARCH_MASK: usize = 0x7FFF;
const UNPARK_SHIFT: u32 = 15;
const UNPARK_ONE: usize = 1 << UNPARK_SHIFT;
const UNPARK_MASK: usize = 0x7FFF << UNPARK_SHIFT;
const WATCHDOG: usize = 1 << 30;

pub(super) struct Idle {
    state: AtomicUsize,
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

    /// A LIFO push wants a watch kept: some worker is parked and none has
    /// the watch.
    pub(super) fn needs_watchdog(&self) -> bool {
        let state = self.load();
        !state.watchdog() && state.num_unparked() < self.num_workers
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

    /// Re-decides, for a worker still parked, whether it takes the watch.
    pub(super) fn rearm_watchdog(&self) -> bool {
        let _sleepers = self.sleepers.lock();
        let state = self.load();
        if state.num_unparked() > 0 && !state.watchdog() {
            self.state.fetch_or(WATCHDOG, SeqCst);
            true
        } else {
            false
        }
    }

    /// The watching worker woke up: the watch is vacant again.
    pub(super) fn release_watchdog(&self) {
        self.state.fetch_and(!WATCHDOG, SeqCst);
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
