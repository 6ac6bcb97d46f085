//! `Handle::block_on` on the multi-thread runtime: the loop that parks
//! in the I/O driver when it may (see the parent module for the protocol).

use super::Host;
use crate::runtime::driver::{Take, TurnEnd};
use crate::runtime::park::ParkInner;
use crate::runtime::scheduler::multi_thread::Handle;
use std::future::Future;
use std::sync::Arc;

/// After a `block_on` turn that woke tasks: parks of that thread before it
/// asks the workers for the driver again.
const HANDOVER_BACKOFF: u32 = 64;

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
        // call (one thread at a time has it; the others make their own).
        // A waker of an earlier call still held somewhere, or its token
        // left in the parker, can only wake this call spuriously: the loop
        // below polls the future again and parks again.
        let parker = self.block_on_parker.lock().take().unwrap_or_else(|| self.drivers.new_parker());
        let output = run(&**self, &parker, future);
        *self.block_on_parker.lock() = Some(parker);
        output
    }
}

/// The `block_on` loop on `host`, which has an I/O driver: polls `future`,
/// and parks on `parker` (made by `host`'s drivers) until it is woken, in
/// the I/O driver when it may (module docs). Generic so that the loom
/// models run this very loop.
pub(super) fn run<H: Host, F: Future>(host: &H, parker: &Arc<ParkInner>, future: F) -> F::Output {
    let io = host.block_on_io();
    let waker = std::task::Waker::from(parker.clone());
    let mut cx = std::task::Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    let mut claim = Claim { host, mine: false };
    // Parks left before this thread asks a worker for the driver again,
    // after one of its turns woke tasks (their I/O is better polled by
    // a worker, which runs them without a cross-thread wake).
    let mut no_handover = 0u32;
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
            if host.all_parked() && host.inject_is_empty() {
                // No timers: the role holder fires them.
                let mut turn = host.drivers().take(Take::IfFree, false, BlockOnTurnEnd::new(host));
                // Already woken (a future that keeps waking itself, past
                // the fast path above): this park only polls, so a worker
                // in the driver, which polls I/O anyway, stays there.
                let self_woken = parker.is_notified();
                if !turn.holds_io() && !self_woken && no_handover == 0 && (claim.mine || !io.is_claimed()) {
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
                    if !host.inject_is_empty() {
                        no_handover = HANDOVER_BACKOFF;
                    }
                    if woken {
                        break;
                    }
                    continue;
                }
            }
            no_handover = no_handover.saturating_sub(1);
            if !asked {
                claim.release();
            }
            parker.park(None);
            break;
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
