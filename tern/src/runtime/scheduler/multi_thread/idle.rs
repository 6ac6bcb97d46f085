//! Which workers are parked, searching, or on watch.
//!
//! One atomic word, changed only as described here:
//!
//! | bits   | field          | meaning                                             |
//! |--------|----------------|-----------------------------------------------------|
//! | 0..15  | `num_searching`| workers looking for work to steal                   |
//! | 15..30 | `num_unparked` | workers not parked (running tasks or searching)     |
//! | 30     | `WATCHDOG`     | one parked worker holds the watch for tasks stranded behind a worker stuck in a long poll |
//! | 31     | `WATCH_DEEP`   | the holder sleeps without a timeout; the next LIFO push into an empty slot wakes it |
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
//!   `WATCHDOG`) if nobody has it, and keeps it until it leaves its park,
//!   or until a peer takes it over: a holder that sleeps in the I/O
//!   driver (it holds the driver role) offers the watch
//!   (`offer_watch`), and the next worker to park without it takes it
//!   (`transition_worker_to_parked`, `rearm_watchdog`). The role holder is
//!   the worker that I/O wakes, and a holder that wakes gives the watch
//!   up; held by a worker I/O does not wake, the watch survives the start
//!   of a burst, whose first LIFO push then wakes nobody. The holder that
//!   lost the watch learns it when it next wakes (`keep_watch`); only the
//!   current holder (`watch_holder`) releases the watch or changes
//!   `WATCH_DEEP`.
//!   How closely it watches is its own business (`worker/park.rs`): every
//!   `WATCHDOG_PERIOD` while a peer has work queued or is making progress,
//!   else one look after `WATCH_IDLE_PERIOD`, then not at all (deep).
//! * A LIFO push into an empty slot (`lifo_push_wake`) on a worker with
//!   parked peers and no watch wakes a peer to take it; with the watch
//!   deep, it clears `WATCH_DEEP` and wakes the holder (`watch_holder`).
//!   The holder sets `WATCH_DEEP` before its last look at the peers'
//!   queues, and the push fills the slot before it reads the word, each
//!   with a `SeqCst` fence in between (a Dekker pair; the fences, not just
//!   `SeqCst` accesses, because that is what loom models): either the look
//!   sees the task or the push sees the bit.
//!
//! | `WATCH_DEEP` transition | by                                  | when |
//! |-------------------------|-------------------------------------|------|
//! | set                     | the holder (`enter_deep_watch`)     | a whole period without progress, then an idle look, found nothing queued |
//! | cleared, holder woken   | a LIFO push (`lifo_push_wake`)      | the slot was empty; the one whose `fetch_and` cleared it wakes |
//! | cleared                 | the holder (`leave_deep_watch`)     | its last look found work, or it woke for any reason |
//! | cleared                 | the holder (`release_watchdog`)     | it leaves its park |
//! | cleared                 | a worker taking the watch (`take_watch`) | it parks and takes the watch over from a holder in the I/O driver |
//!
//! `sleepers` (under a mutex) lists the parked workers; every change of
//! `num_unparked` happens under that mutex, so the two always agree. So
//! does every change of the watch's holder (`watch_holder`, written only
//! under the mutex; `lifo_push_wake` reads it without) and of
//! `in_driver`, the offer (under the mutex too).

use crate::loom::sync::atomic::{fence, AtomicUsize, Ordering::SeqCst};
use crate::loom::sync::Mutex;

const SEARCH_MASK: usize = 0x7FFF;
const UNPARK_SHIFT: u32 = 15;
const UNPARK_ONE: usize = 1 << UNPARK_SHIFT;
const UNPARK_MASK: usize = 0x7FFF << UNPARK_SHIFT;
const WATCHDOG: usize = 1 << 30;
const WATCH_DEEP: usize = 1 << 31;

pub(super) struct Idle {
    state: AtomicUsize,
    /// The worker holding the watch while `WATCHDOG` is set: written under
    /// `sleepers`' lock when a worker takes the watch, read by the push
    /// that clears `WATCH_DEEP` (which wakes it) and by the holders.
    watch_holder: AtomicUsize,
    sleepers: Mutex<Sleepers>,
    num_workers: usize,
}

/// What `Idle`'s mutex guards.
struct Sleepers {
    /// The parked workers.
    parked: Vec<usize>,
    /// The watch's holder sleeps in the I/O driver (`offer_watch`): the
    /// next worker to park without the watch takes it over.
    in_driver: bool,
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

/// Whom a LIFO push into an empty slot must wake (`lifo_push_wake`).
#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub(super) enum LifoPushWake {
    Nobody,
    /// Some parked worker, to take the vacant watch.
    AnyParked,
    /// The holder of the deep watch, worker `.0`.
    Holder(usize),
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
            watch_holder: AtomicUsize::new(usize::MAX),
            sleepers: Mutex::new(Sleepers { parked: Vec::with_capacity(num_workers), in_driver: false }),
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
        let worker = sleepers.parked.pop()?;
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

    /// Who a LIFO push into an empty slot wakes, if anyone: a parked
    /// worker to take a vacant watch, or the holder of a deep one. Called
    /// after the push (`Local::push_lifo`, `SeqCst`).
    pub(super) fn lifo_push_wake(&self) -> LifoPushWake {
        // Pairs with the fence in `enter_deep_watch`: either the holder's
        // look sees the pushed task, or this load sees `WATCH_DEEP`.
        fence(SeqCst);
        let state = self.load();
        if state.0 & WATCH_DEEP != 0 {
            if self.state.fetch_and(!WATCH_DEEP, SeqCst) & WATCH_DEEP != 0 {
                return LifoPushWake::Holder(self.watch_holder.load(SeqCst));
            }
            return LifoPushWake::Nobody;
        }
        if !state.watchdog() && state.num_unparked() < self.num_workers {
            LifoPushWake::AnyParked
        } else {
            LifoPushWake::Nobody
        }
    }

    /// The holder (worker `me`) is about to sleep without a timeout; its
    /// next look at the peers' queues decides (`leave_deep_watch` if it
    /// finds work).
    /// Returns false, and sets nothing, if the watch is no longer `me`'s
    /// (a peer took it over).
    #[must_use]
    pub(super) fn enter_deep_watch(&self, me: usize) -> bool {
        let sleepers = self.sleepers.lock();
        if !self.holds(me) {
            return false;
        }
        self.state.fetch_or(WATCH_DEEP, SeqCst);
        drop(sleepers);
        // Pairs with the fence in `lifo_push_wake`.
        fence(SeqCst);
        true
    }

    /// The holder `me` watches with a timeout again, or woke. Returns true
    /// if a LIFO push had already cleared the bit (and so woke it). A
    /// worker that lost the watch meanwhile leaves the bit alone: it is
    /// the new holder's.
    #[must_use]
    pub(super) fn leave_deep_watch(&self, me: usize) -> bool {
        let _sleepers = self.sleepers.lock();
        self.holds(me) && self.state.fetch_and(!WATCH_DEEP, SeqCst) & WATCH_DEEP == 0
    }

    /// Whether `me` holds the watch. Exact under `sleepers`' lock; without
    /// it, a holder may still read `true` just after a peer took over
    /// (it learns at its next look).
    fn holds(&self, me: usize) -> bool {
        self.load().watchdog() && self.watch_holder.load(SeqCst) == me
    }

    /// Makes `me` the holder (under `sleepers`' lock): the watch starts
    /// not deep and not offered.
    fn take_watch(&self, sleepers: &mut Sleepers, me: usize) {
        self.watch_holder.store(me, SeqCst);
        self.state.fetch_or(WATCHDOG, SeqCst);
        self.state.fetch_and(!WATCH_DEEP, SeqCst);
        sleepers.in_driver = false;
    }

    /// Whether a worker parking now (not the holder) takes the watch: it
    /// is vacant while a peer is awake, or offered by a holder sleeping in
    /// the I/O driver.
    fn should_take_watch(sleepers: &Sleepers, state: State) -> bool {
        (state.num_unparked() > 0 && !state.watchdog()) || (state.watchdog() && sleepers.in_driver)
    }

    /// The holder `me` is about to sleep in the I/O driver: the next
    /// worker to park without the watch takes it over, so that the worker
    /// I/O wakes does not take the watch along.
    pub(super) fn offer_watch(&self, me: usize) {
        let mut sleepers = self.sleepers.lock();
        if self.holds(me) {
            sleepers.in_driver = true;
        }
    }

    /// The holder `me` woke: whether the watch is still its own (a peer
    /// may have taken it over while it slept). An offer it made is
    /// withdrawn: it sleeps in the driver again only after a new one.
    #[must_use]
    pub(super) fn keep_watch(&self, me: usize) -> bool {
        let mut sleepers = self.sleepers.lock();
        let holds = self.holds(me);
        if holds {
            sleepers.in_driver = false;
        }
        holds
    }

    /// Whether the watch is deep now (a snapshot, for the loom model).
    #[cfg(all(test, tern_loom))]
    pub(super) fn is_watch_deep(&self) -> bool {
        self.load().0 & WATCH_DEEP != 0
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
        let watchdog = Self::should_take_watch(&sleepers, now);
        if watchdog {
            self.take_watch(&mut sleepers, worker);
        }
        sleepers.parked.push(worker);
        drop(sleepers);
        // Pairs with the fence in `notify_should_wakeup`: either the
        // producer sees us parked and wakes us, or our caller's next look at
        // the queues sees its work.
        fence(SeqCst);
        Parked { was_last_searcher: is_searching && prev.num_searching() == 1, watchdog }
    }

    /// Re-decides, for worker `me`, parked and not holding the watch,
    /// whether it takes the watch (vacant with a peer awake, or offered).
    pub(super) fn rearm_watchdog(&self, me: usize) -> bool {
        let mut sleepers = self.sleepers.lock();
        let take = Self::should_take_watch(&sleepers, self.load());
        if take {
            self.take_watch(&mut sleepers, me);
        }
        take
    }

    /// The watching worker `me` left its park: the watch is vacant again,
    /// unless a peer took it over meanwhile.
    pub(super) fn release_watchdog(&self, me: usize) {
        let mut sleepers = self.sleepers.lock();
        if self.holds(me) {
            self.state.fetch_and(!(WATCHDOG | WATCH_DEEP), SeqCst);
            sleepers.in_driver = false;
        }
    }

    /// Unparks `worker` if it is parked (not searching). Returns whether it
    /// was.
    pub(super) fn unpark_worker_by_id(&self, worker: usize) -> bool {
        let mut sleepers = self.sleepers.lock();
        match sleepers.parked.iter().position(|&w| w == worker) {
            Some(i) => {
                sleepers.parked.swap_remove(i);
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
        self.sleepers.lock().parked.contains(&worker)
    }
}
