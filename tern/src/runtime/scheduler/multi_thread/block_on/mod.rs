//! `block_on` on the multi-thread runtime, and when its thread polls I/O.
//!
//! # Why the `block_on` thread may drive I/O
//!
//! The future given to `block_on` runs on the calling thread, not on a
//! worker. When it waits on I/O (a server's accept or receive loop written
//! straight in `main`), the wake travels: epoll wakes the worker parked in
//! the driver, which unparks the `block_on` thread through a futex, which
//! then runs. Two threads wake per event (Tokio works this way too). Here
//! a `block_on` thread that finds every worker parked and the driver free
//! parks in the driver itself, as the current-thread runtime does: one
//! wake per event, and the dispatch wakes the future with an atomic swap.
//!
//! # The state word
//!
//! While it does so, the worker holding the driver role (the one that
//! would otherwise park in the driver, `runtime/driver.rs`) stands by: it
//! sleeps until the next timer or one standby period and looks at this
//! word. The `block_on`
//! thread writes it; a worker only clears `HANDOVER` and revokes a stale
//! claim:
//!
//! | bits | field      | meaning                                                   |
//! |------|------------|-----------------------------------------------------------|
//! | 0    | `DRIVING`  | a `block_on` thread has claimed I/O polling               |
//! | 1    | `IN_TURN`  | it holds the driver now (inside `epoll_wait` or dispatch) |
//! | 2    | `HANDOVER` | it asked the worker parked in the driver to leave it      |
//! | 3..  | turns      | driver turns it has finished, plus handovers (wraps)      |
//!
//! | transition                              | by                 | when |
//! |-----------------------------------------|--------------------|------|
//! | `+DRIVING +HANDOVER`, turns+1           | `block_on` thread  | about to park, every worker parked, the driver out (most often with the worker parked in it) and no other `block_on` thread's claim: it also wakes the driver's `epoll_wait`, then looks for the driver once more under the slot's lock |
//! | `-HANDOVER`                             | worker             | it put the driver back (after parking in it, or after a non-blocking turn): it wakes the asking thread (`waiter`) to take it |
//! | `+DRIVING +IN_TURN -HANDOVER`           | `block_on` thread  | it took the driver to park on it |
//! | `-IN_TURN`, turns+1                     | `block_on` thread  | it put the driver back (a drop guard: also when a waker panics in the dispatch) |
//! | `-DRIVING -HANDOVER` (if not `IN_TURN`) | `block_on` thread  | its own claim, when it parks off the driver or leaves `block_on` (returning or panicking); it wakes the standing-by worker |
//! | `-DRIVING -HANDOVER` (if not `IN_TURN`) | standing-by worker | no turn over a whole period (two looks at least `MIN_PERIOD` apart) |
//!
//! # Everything the protocol keeps, in one place
//!
//! | state                         | where                                  | written by                                   | read by                         | guarded by |
//! |-------------------------------|----------------------------------------|----------------------------------------------|---------------------------------|------------|
//! | `DRIVING`/`IN_TURN`/`HANDOVER`/turns | `BlockOnIo::state`              | as in the table above                        | both sides                      | atomic, all `SeqCst` |
//! | `watch` (`seen`, `doublings`, `looked_at`) | `BlockOnIo::watch`        | the standing-by worker at each look          | the same worker, next look      | its mutex (the role moves between workers) |
//! | `drowsy`                      | `BlockOnIo::drowsy`                    | set: a worker going to a long standby; cleared: the `block_on` thread at the end of its next turn, or the worker when its next standby is short | the `block_on` thread (`end_turn`) | atomic: set and taken `SeqCst` (a Dekker pair with `state`); the worker's own reset is `Relaxed` |
//! | `waiter`                      | `BlockOnIo::waiter`                    | the `block_on` thread asking for a handover  | the worker putting the driver back (`take_handover`) | its mutex |
//! | `wanted`                      | the I/O driver's `DriverSlot`          | the role holder, finding the driver out (`Take::OrWant`) | whoever puts the driver back (`TurnEnd::put_back`) | the slot's mutex |
//! | `mine`                        | `Claim` in `run.rs` (a local)          | the `block_on` thread that made the claim    | the same thread (release on park or exit) | thread-local |
//! | `Backoff` (`parks_left`, `pause`) | `run.rs`, cached with the parker in `Handle::block_on_parker` | the `block_on` thread after each of its turns, and at each park off the driver | the same thread, before it looks for the driver | thread-local while in `block_on`; the cache's mutex between calls |
//!
//! Invariants: at most one holder of the driver (the slot); at most one
//! claim (`DRIVING`), dropped or renewed only by the thread whose `mine`
//! is set, or revoked by the standing-by worker when no turn happened for
//! a whole period and the claimant is not `IN_TURN`; a `HANDOVER` request
//! is answered by whoever next puts the driver back (the worker's
//! `TurnEnd`), and a request that reaches nobody costs one standby period.
//! The loom models in `block_on/loom.rs` cover the handover against a put
//! (on `DriverSlot` directly) and the whole loop as it is: `run.rs` and
//! the worker's `park_step` (`worker/park.rs`) are generic over [`Host`],
//! so loom runs them, and the drivers' `Turn`, over a fake I/O driver:
//! two `block_on` threads, the role moving between two workers, a
//! `block_on` thread leaving with the claim. Loom cannot run a panic there
//! (its threads share one OS thread's unwinding state), nor time: a
//! standby ends only when woken, so the models check that no progress
//! waits for a period to run out; the revocation of a blocked poll's claim
//! is modelled by hand (`a_long_standby_is_cut_short_by_the_next_turn`)
//! and tested on a real runtime (`tests.rs`).
//!
//! The last row is what keeps I/O going when the future's own poll blocks
//! the thread (a synchronous wait inside `block_on`): the `block_on`
//! thread is neither in the driver nor coming back to it, so the standing-by
//! worker revokes the claim and parks in the driver itself. Other tasks'
//! I/O then waits at most about two standby periods, once. The period
//! doubles (up to about 1 s) at each look that finds the `block_on` thread
//! in the driver, so an idle server costs a wake-up a second, not 500. A
//! standby of `DROWSY_FROM` or more is `drowsy`: the end of the next turn
//! wakes the worker, which then checks the poll after it once at the short
//! period and goes back to the long one, so the bound holds after an idle
//! spell too. With sparse events each one thus wakes the `block_on` thread
//! and the worker twice; measured with one UDP echo every 10 ms (50 ms) the
//! server still spent 67 µs (85 µs) of CPU per event against 91 µs
//! (115 µs) with a worker in `epoll_wait`, and with steady traffic each
//! event wakes only the `block_on` thread.
//!
//! The handover costs an eventfd write and two thread wake-ups, once per
//! claim. A race with a worker that puts the driver back just before the
//! request lands is covered by the second look under the slot's lock;
//! whatever is left (a request that reaches nobody) costs one standby
//! period without `epoll_wait`, not a hang: the worker revokes the claim.
//!
//! # Not for every `block_on`
//!
//! A turn that wakes tasks means the I/O belongs to tasks, which a worker
//! polling the driver runs without a cross-thread wake; the `block_on`
//! thread then leaves the driver alone (no request, no turn even if it
//! finds it free) for its next `HANDOVER_BACKOFF` parks, twice that after
//! the next such turn, up to `MAX_HANDOVER_BACKOFF`; a turn that woke
//! only its future halves the pause, down to none (`run::Backoff`, kept
//! with the cached parker from one call to the next). A client in
//! `block_on` making short connections to a server task (tern-bench
//! `net/tcp_short_connections_mt`, 200 connections per call) went from
//! about 1,200 driver turns to 230-310 in about 41,000 parks, its pause
//! hovering at 512-1,024 parks, and a UDP server in `block_on` never
//! pauses. While any worker is awake it never takes the driver (busy
//! workers poll it between tasks). Several threads in `block_on` at
//! once share the one claim: only a thread that made it drops or renews
//! it, and a thread that did not make it does not ask for a handover
//! while it stands. One overlap is
//! left, by design: thread A asks and is answered, and thread B, finding
//! the driver free first, takes it; both then have `mine` set (the word
//! does not record who claimed). A's next request wakes B's `epoll_wait`
//! once for nothing; a release by either while the other is out of its
//! turn drops the claim and wakes the standing-by worker, and the other's
//! next turn (`begin_turn`) sets `DRIVING` again: a spurious wake, never a
//! lost one (the loom model with two `block_on` threads covers the
//! release and the wakes, not `mine` itself, which is a local).

use crate::loom::sync::atomic::{AtomicBool, AtomicU64, Ordering::*, StoreRmw};
use crate::loom::sync::Mutex;
use crate::runtime::driver::{Drivers, Io};
use crate::runtime::park::ParkInner;
use std::sync::Arc;
use std::time::Duration;

const DRIVING: u64 = 1;
const IN_TURN: u64 = 2;
const HANDOVER: u64 = 4;
const TURN_ONE: u64 = 8;
const FLAGS: u64 = DRIVING | IN_TURN | HANDOVER;

/// The first standby period, and the longest (reached by doubling while
/// the `block_on` thread sits in the driver with nothing happening).
const MIN_PERIOD: Duration = Duration::from_millis(2);
const MAX_DOUBLINGS: u32 = 9; // 2 ms << 9 = 1.024 s

/// A standby at least this long asks to be woken by the end of the next
/// turn (`drowsy`); a shorter one notices a blocked poll by itself within
/// two periods.
const DROWSY_FROM: Duration = Duration::from_millis(8);

/// The runtime as the `block_on` loop (`run.rs`) and the worker's park
/// step (`worker/park.rs`, `park_step`) see it: the protocol's code is
/// generic over this, so that the loom models (`loom.rs`) run it with a
/// fake I/O driver and fake workers. The multi-thread `Handle` implements
/// it with its own fields (static dispatch, nothing added).
///
/// Contract: `all_parked` and `inject_is_empty` are snapshots (they may
/// change right after; the protocol only uses them as hints); the wake of
/// `wake_role_holder` is an unpark of the parker of the worker that took
/// the driver role last (`Drivers::role_holder`), which must reach that
/// worker wherever it parks (its parker, or the I/O driver).
pub(crate) trait Host {
    /// The I/O driver (`runtime/driver.rs`).
    type Io: Io;

    /// The drivers and the driver role.
    fn drivers(&self) -> &Drivers<Self::Io>;

    /// The claim (this module).
    fn block_on_io(&self) -> &BlockOnIo;

    /// Whether every worker is parked.
    fn all_parked(&self) -> bool;

    /// Whether nothing waits in the injection queue.
    fn inject_is_empty(&self) -> bool;

    /// Wakes the worker holding the driver role: it parked without the I/O
    /// driver, which was busy (`DriverSlot`), or it stands by for a
    /// `block_on` thread that stopped polling I/O.
    fn wake_role_holder(&self);
}

/// The claim of a `block_on` thread on I/O polling (see the module docs).
pub(crate) struct BlockOnIo {
    /// `DRIVING`, `IN_TURN`, `HANDOVER` and the turn count (table above).
    state: AtomicU64,
    /// The standing-by worker's own bookkeeping between looks (the
    /// driver role moves between workers, one holder at a time).
    watch: Mutex<Watch>,
    /// Set by a worker going to a standby of `DROWSY_FROM` or more; the
    /// `block_on` thread clears it at the end of its next turn and wakes
    /// the worker, so a poll that blocks after a long idle is still
    /// noticed within two `MIN_PERIOD`s.
    drowsy: AtomicBool,
    /// The parker of the `block_on` thread that asked for a handover.
    waiter: Mutex<Option<Arc<ParkInner>>>,
    epoch: std::time::Instant,
}

/// What the standing-by worker remembers from one look to the next.
struct Watch {
    /// The turn count at the last look (`u64::MAX`: none yet).
    seen: u64,
    /// How many times the standby period has doubled.
    doublings: u32,
    /// When the last look was (nanoseconds since `epoch`; `u64::MAX`:
    /// never).
    looked_at: u64,
}

/// What the worker holding the driver role does about I/O.
#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Standby {
    /// No claim (or a stale one, revoked): park in the driver as usual.
    TakeDriver,
    /// A `block_on` thread is polling I/O: sleep at most this long (or
    /// until the next timer), then look again.
    StandBy(Duration),
}

/// What the end of a turn asks of the `block_on` thread.
#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum EndOfTurn {
    Done,
    /// The standing-by worker sleeps a long period: wake it so it watches
    /// this thread's next poll at the short period.
    WakeStandby,
}

impl BlockOnIo {
    pub(crate) fn new() -> BlockOnIo {
        BlockOnIo {
            state: AtomicU64::new(0),
            watch: Mutex::new(Watch { seen: u64::MAX, doublings: 0, looked_at: u64::MAX }),
            drowsy: AtomicBool::new(false),
            waiter: Mutex::new(None),
            epoch: std::time::Instant::now(),
        }
    }

    /// The `block_on` thread took the driver to park on it.
    pub(crate) fn begin_turn(&self) {
        let _ = self.state.fetch_update(SeqCst, SeqCst, |s| Some((s | DRIVING | IN_TURN) & !HANDOVER));
    }

    /// A `block_on` thread about to park found every worker parked and
    /// one of them in the driver: it claims I/O and asks that worker (the
    /// caller then wakes it out of `epoll_wait`) to leave the driver and
    /// wake `parker`. The claim counts as a turn, so the worker's next look
    /// stands by instead of taking the driver back.
    pub(crate) fn request_handover(&self, parker: &Arc<ParkInner>) {
        {
            let mut waiter = self.waiter.lock();
            if !waiter.as_ref().is_some_and(|w| Arc::ptr_eq(w, parker)) {
                *waiter = Some(parker.clone());
            }
        }
        let _ = self
            .state
            .fetch_update(SeqCst, SeqCst, |s| Some((s | DRIVING | HANDOVER).wrapping_add(TURN_ONE)));
    }

    /// A worker left the driver: the `block_on` thread to wake, if one
    /// asked for it.
    pub(crate) fn take_handover(&self) -> Option<Arc<ParkInner>> {
        if self.state.load(SeqCst) & HANDOVER == 0 {
            return None;
        }
        if self.state.fetch_and(!HANDOVER, SeqCst) & HANDOVER == 0 {
            return None;
        }
        self.waiter.lock().clone()
    }

    /// The `block_on` thread is putting the driver back.
    pub(crate) fn end_turn(&self) -> EndOfTurn {
        // `IN_TURN` is set (by `begin_turn`), so this clears it and counts
        // the turn in one step.
        self.state.fetch_add(TURN_ONE - IN_TURN, SeqCst);
        // Pairs with the worker's store of `drowsy` before its look at
        // `state`: it sees this turn, or this sees it drowsy.
        if self.drowsy.load(SeqCst) && self.drowsy.swap(false, SeqCst) {
            EndOfTurn::WakeStandby
        } else {
            EndOfTurn::Done
        }
    }

    /// The `block_on` thread stops polling I/O (it parks elsewhere, or its
    /// future finished or panicked). Returns whether a claim was dropped:
    /// a standing-by worker must then be woken to poll I/O.
    #[must_use]
    pub(crate) fn release(&self) -> bool {
        let mut s = self.state.load(SeqCst);
        loop {
            // Another `block_on` thread in a turn holds the claim now.
            if s & DRIVING == 0 || s & IN_TURN != 0 {
                return false;
            }
            match self.state.compare_exchange(s, s & !(DRIVING | HANDOVER), SeqCst, SeqCst) {
                Ok(_) => return true,
                Err(actual) => s = actual,
            }
        }
    }

    /// Whether some `block_on` thread has claimed I/O.
    pub(crate) fn is_claimed(&self) -> bool {
        self.state.load(SeqCst) & DRIVING != 0
    }

    /// How long until a look tells something, if the last one was less
    /// than `MIN_PERIOD` ago (the worker woke early, for a timer or a
    /// task); otherwise records this look's time. Under loom, where time
    /// does not pass, every look counts.
    fn too_soon(&self, watch: &mut Watch) -> Option<Duration> {
        if cfg!(tern_loom) {
            return None;
        }
        let now = u64::try_from(self.epoch.elapsed().as_nanos()).unwrap_or(u64::MAX);
        let since = now.saturating_sub(watch.looked_at);
        let period = MIN_PERIOD.as_nanos() as u64;
        if watch.looked_at != u64::MAX && since < period {
            return Some(Duration::from_nanos(period - since));
        }
        watch.looked_at = now;
        None
    }

    /// The role holder's look at the claim, each time it parks.
    pub(crate) fn standby(&self) -> Standby {
        if self.state.load(SeqCst) & DRIVING == 0 {
            return Standby::TakeDriver;
        }
        let mut watch = self.watch.lock();
        if let Some(left) = self.too_soon(&mut watch) {
            return Standby::StandBy(left);
        }
        // Before the look at `state`; pairs with `end_turn` (its doc).
        self.drowsy.store_rmw(true, SeqCst);
        let s = self.state.load(SeqCst);
        let turns = s & !FLAGS;
        let moved = std::mem::replace(&mut watch.seen, turns) != turns;
        let decision = if s & DRIVING == 0 {
            Standby::TakeDriver
        } else if s & IN_TURN != 0 {
            // In the driver right now: healthy, whether or not it made
            // turns since. Look less often; a long standby stays `drowsy`,
            // so the end of the next turn wakes us to watch the poll after
            // it.
            watch.doublings = (watch.doublings + 1).min(MAX_DOUBLINGS);
            Standby::StandBy(MIN_PERIOD * (1 << watch.doublings))
        } else if moved {
            // Between turns (polling its future): watch it closely, once.
            // The long period comes back at the next look that finds it in
            // the driver (sparse events cost one check each, not a climb
            // back from `MIN_PERIOD`).
            Standby::StandBy(MIN_PERIOD)
        } else {
            // Out of the driver and no turn since the last look: the
            // thread is stuck in its future's poll. Revoke, unless it just
            // came back.
            match self.state.compare_exchange(s, s & !(DRIVING | HANDOVER), SeqCst, SeqCst) {
                Ok(_) => {
                    watch.doublings = 0;
                    Standby::TakeDriver
                }
                Err(_) => Standby::StandBy(MIN_PERIOD),
            }
        };
        if !matches!(decision, Standby::StandBy(p) if p >= DROWSY_FROM) {
            self.drowsy.store_rmw(false, Relaxed);
        }
        decision
    }
}

#[cfg(all(test, not(tern_loom)))]
impl BlockOnIo {
    /// Driver turns a `block_on` thread has finished.
    pub(crate) fn turns(&self) -> u64 {
        self.state.load(SeqCst) >> 3
    }

    /// Claims I/O for a `block_on` thread that has no turn yet, so that the
    /// worker parked in the driver, once woken, stands by (one period,
    /// before it revokes the idle claim) and leaves the driver free: the
    /// real `block_on` loop then takes it (tests: reach the driving state
    /// without waiting for a lucky moment).
    pub(crate) fn pretend_claim(&self) {
        // As if a turn had just ended, so the worker's first look sees
        // progress rather than a stale claim.
        self.state.fetch_add(TURN_ONE, SeqCst);
        self.state.fetch_or(DRIVING, SeqCst);
    }
}

#[cfg(all(test, tern_loom))]
mod loom;
mod run;
pub(crate) use run::Backoff;
#[cfg(all(test, not(tern_loom)))]
mod tests;
