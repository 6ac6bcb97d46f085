//! `Handle::block_on` on the multi-thread runtime: the loop that parks
//! in the I/O driver when it may (see the parent module for the protocol).

use super::Host;
use crate::runtime::driver::{Take, TurnEnd};
use crate::runtime::park::ParkInner;
use crate::runtime::scheduler::multi_thread::Handle;
use std::future::Future;
use std::sync::Arc;

/// After a `block_on` turn that woke tasks: parks of that thread before it
/// looks for the driver again, at first ([`Backoff`]).
const HANDOVER_BACKOFF: u32 = 64;

/// The longest such pause: one look for the driver per this many parks
/// (a look costs a handover, two thread wakes, at most).
const MAX_HANDOVER_BACKOFF: u32 = 4096;

/// Polls in a row of a future that woke itself while it was polled (a
/// `LocalSet`'s `run_until` whose local tasks woke each other, a loop of
/// yields) that go straight to the next poll; the one after them takes
/// the usual way, through the driver, so such a loop still lets I/O in
/// (the schedulers' `event_interval`, Tokio's default).
const SELF_WAKES_PER_TURN: u32 = 61;

impl Handle {
    /// Runs `future` on this thread until it completes; while every worker
    /// is parked, this thread polls I/O itself (protocol in `mod.rs`).
    pub(crate) fn block_on<F: Future>(self: &Arc<Self>, future: F) -> F::Output {
        if self.drivers.io().is_none() {
            return crate::runtime::park::block_on_with(future, true);
        }
        // A parker made for this runtime's driver, reused from call to
        // call with what the calls before learnt of their turns (one
        // thread at a time has them; the others make their own).
        // A waker of an earlier call still held somewhere, or its token
        // left in the parker, can only wake this call spuriously: the loop
        // below polls the future again and parks again.
        let (parker, mut backoff) =
            self.block_on_parker.lock().take().unwrap_or_else(|| (self.drivers.new_parker(), Backoff::new()));
        let output = run(&**self, &parker, &mut backoff, future);
        *self.block_on_parker.lock() = Some((parker, backoff));
        output
    }
}

/// The `block_on` loop on `host`, which has an I/O driver: polls `future`,
/// and parks on `parker` (made by `host`'s drivers) until it is woken, in
/// the I/O driver when it may (module docs). Generic so that the loom
/// models run this very loop.
pub(super) fn run<H: Host, F: Future>(
    host: &H,
    parker: &Arc<ParkInner>,
    backoff: &mut Backoff,
    future: F,
) -> F::Output {
    let io = host.block_on_io();
    let waker = std::task::Waker::from(parker.clone());
    let mut cx = std::task::Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    let mut claim = Claim { host, mine: false };
    let mut self_wakes = 0u32;
    loop {
        if let std::task::Poll::Ready(v) = crate::task::coop::budget(|| future.as_mut().poll(&mut cx)) {
            return v;
        }
        // Woken while it was polled: poll again at once, without the
        // driver's turn (an `epoll_wait` and the driver's slot) that a
        // park with a token waiting would make, for up to
        // `SELF_WAKES_PER_TURN` polls in a row.
        if self_wakes < SELF_WAKES_PER_TURN && parker.take_token() {
            self_wakes += 1;
            continue;
        }
        self_wakes = 0;
        // Before it sleeps, in the driver or not: senders this poll woke
        // run first (`ParkInner::yield_if_senders_woken`).
        parker.yield_if_senders_woken();
        // Park until the future is woken.
        loop {
            let mut asked = false;
            if backoff.may_look() && host.all_parked() && host.inject_is_empty() {
                // No timers: the role holder fires them.
                let mut turn = host.drivers().take(Take::IfFree, false, BlockOnTurnEnd::new(host));
                // Already woken (a future that keeps waking itself, past
                // the fast path above): this park only polls, so a worker
                // in the driver, which polls I/O anyway, stays there.
                let self_woken = parker.is_notified();
                if !turn.holds_io() && !self_woken && (claim.mine || !io.is_claimed()) {
                    // A worker has the driver (most often the one parked
                    // in it): ask it out, then look once more under the
                    // slot's lock, so that either we get the driver or its
                    // holder's `put` sees the request.
                    io.request_handover(parker);
                    claim.mine = true;
                    host.drivers().unpark_io();
                    asked = true;
                    turn = host.drivers().take(Take::IfFreeLocked, false, BlockOnTurnEnd::new(host));
                }
                if turn.holds_io() {
                    claim.mine = true;
                    // Until woken; the turn ends (driver put back,
                    // `IN_TURN` cleared) also if a waker panics.
                    let woken = turn.park(parker, None, None);
                    backoff.after_turn(!host.inject_is_empty(), woken);
                    if woken {
                        break;
                    }
                    continue;
                }
            }
            backoff.parked_off_driver();
            if !asked {
                claim.release();
            }
            parker.park(None);
            break;
        }
    }
}

/// How often a `block_on` thread looks for the driver: its own I/O is
/// best polled by itself (one thread wake per event), but I/O that
/// belongs to tasks is best polled by a worker, which runs them without
/// a cross-thread wake. A turn that woke tasks doubles the pause before
/// the next look (from `HANDOVER_BACKOFF` parks up to
/// `MAX_HANDOVER_BACKOFF`); a turn that woke only the future halves it,
/// down to none. Kept with the cached parker from one `block_on` call to
/// the next (a loop of `block_on` calls learns as one call does).
pub(crate) struct Backoff {
    /// Parks left before the next look (this thread's, off the driver).
    parks_left: u32,
    /// The pause the next turn that wakes tasks sets; 0 while turns wake
    /// only the future.
    pause: u32,
}

impl Backoff {
    pub(crate) fn new() -> Self {
        Backoff { parks_left: 0, pause: 0 }
    }

    /// Whether this park may look for the driver (no pause running).
    fn may_look(&self) -> bool {
        self.parks_left == 0
    }

    /// A park off the driver: one less of the pause.
    fn parked_off_driver(&mut self) {
        self.parks_left = self.parks_left.saturating_sub(1);
    }

    /// After a turn in the driver: it woke tasks (`tasks`) and/or the
    /// future itself (`own`).
    fn after_turn(&mut self, tasks: bool, own: bool) {
        if tasks {
            self.pause = (self.pause * 2).clamp(HANDOVER_BACKOFF, MAX_HANDOVER_BACKOFF);
            self.parks_left = self.pause;
        } else if own {
            self.pause /= 2;
            if self.pause < HANDOVER_BACKOFF {
                self.pause = 0;
            }
        }
    }
}

/// A `block_on` thread's claim on polling I/O, dropped on every way out
/// of `block_on` (panics included) and whenever the thread parks off the
/// driver.
struct Claim<'a, H: Host> {
    host: &'a H,
    /// This thread made the current claim (another `block_on` thread's
    /// claim is not ours to drop or to renew).
    mine: bool,
}

impl<H: Host> Claim<'_, H> {
    fn release(&mut self) {
        if std::mem::take(&mut self.mine) && self.host.block_on_io().release() {
            // A worker may stand by: it polls I/O from now on.
            self.host.wake_role_holder();
        }
    }
}

impl<H: Host> Drop for Claim<'_, H> {
    fn drop(&mut self) {
        self.release();
    }
}

/// A `block_on` thread's end of its turn in the I/O driver: the turn
/// began (`IN_TURN`) when it took the driver; it ends (`IN_TURN` cleared,
/// the turn counted) before the driver goes back, and then wakes the
/// standing-by worker if it marked the driver wanted or asked to watch the
/// next poll (`drowsy`). Run by the turn's guard, so also if a waker
/// panics during the dispatch: a lost driver would stop all I/O.
struct BlockOnTurnEnd<'a, H: Host> {
    host: &'a H,
    wake_standby: bool,
}

impl<'a, H: Host> BlockOnTurnEnd<'a, H> {
    fn new(host: &'a H) -> Self {
        BlockOnTurnEnd { host, wake_standby: false }
    }
}

impl<H: Host> TurnEnd for BlockOnTurnEnd<'_, H> {
    fn taken(&mut self) {
        self.host.block_on_io().begin_turn();
    }

    fn putting_back(&mut self) {
        self.wake_standby = self.host.block_on_io().end_turn() == super::EndOfTurn::WakeStandby;
    }

    fn put_back(&mut self, wanted: bool) {
        if wanted || self.wake_standby {
            self.host.wake_role_holder();
        }
    }
}

#[cfg(all(test, not(tern_loom)))]
mod backoff_tests {
    use super::*;

    #[test]
    fn turns_that_wake_tasks_double_the_pause_up_to_the_cap() {
        let mut b = Backoff::new();
        b.after_turn(true, true);
        assert_eq!((b.parks_left, b.pause), (HANDOVER_BACKOFF, HANDOVER_BACKOFF));
        b.after_turn(true, false);
        assert_eq!((b.parks_left, b.pause), (2 * HANDOVER_BACKOFF, 2 * HANDOVER_BACKOFF));
        for _ in 0..20 {
            b.after_turn(true, false);
        }
        assert_eq!((b.parks_left, b.pause), (MAX_HANDOVER_BACKOFF, MAX_HANDOVER_BACKOFF));
    }

    #[test]
    fn turns_that_wake_only_the_future_halve_the_pause_down_to_none() {
        let mut b = Backoff::new();
        for _ in 0..3 {
            b.after_turn(true, false);
        }
        assert_eq!(b.pause, 4 * HANDOVER_BACKOFF);
        b.parks_left = 0;
        b.after_turn(false, true);
        assert_eq!((b.parks_left, b.pause), (0, 2 * HANDOVER_BACKOFF));
        b.after_turn(false, true);
        b.after_turn(false, true);
        assert_eq!(b.pause, 0, "below HANDOVER_BACKOFF the pause is gone");
        // The next turn that wakes tasks starts again from the first pause.
        b.after_turn(true, false);
        assert_eq!(b.parks_left, HANDOVER_BACKOFF);
        // A turn that woke nothing (ended by a handover request) says
        // nothing about whose I/O it is.
        b.after_turn(false, false);
        assert_eq!(b.pause, HANDOVER_BACKOFF);
    }
}
