//! `Handle::block_on` on the multi-thread runtime: the loop that parks
//! in the I/O driver when it may (see the parent module for the protocol).

use crate::runtime::driver::{Take, TurnEnd};
use crate::runtime::scheduler::multi_thread::Handle;
use std::future::Future;
use std::sync::Arc;

/// After a `block_on` turn that woke tasks: parks of that thread before it
/// asks the workers for the driver again.
const HANDOVER_BACKOFF: u32 = 64;

impl Handle {
    /// Runs `future` on this thread until it completes; while every worker
    /// is parked, this thread polls I/O itself (protocol in `mod.rs`).
    pub(crate) fn block_on<F: Future>(self: &Arc<Self>, future: F) -> F::Output {
        if self.drivers.io().is_none() {
            return crate::runtime::park::block_on(future);
        }
        let parker = self.drivers.new_parker();
        let waker = std::task::Waker::from(parker.clone());
        let mut cx = std::task::Context::from_waker(&waker);
        let mut future = std::pin::pin!(future);
        let mut claim = Claim { handle: self, mine: false };
        // Parks left before this thread asks a worker for the driver again,
        // after one of its turns woke tasks (their I/O is better polled by
        // a worker, which runs them without a cross-thread wake).
        let mut no_handover = 0u32;
        loop {
            if let std::task::Poll::Ready(v) = crate::task::coop::budget(|| future.as_mut().poll(&mut cx)) {
                return v;
            }
            // Park until the future is woken.
            loop {
                let mut asked = false;
                if self.idle.all_parked() && self.inject.is_empty() {
                    // No timers: the role holder fires them.
                    let mut turn = self.drivers.take(Take::IfFree, false, BlockOnTurnEnd::new(self));
                    if !turn.holds_io() && no_handover == 0 && (claim.mine || !self.block_on_io.is_claimed())
                    {
                        // A worker has the driver (most often the one
                        // parked in it): ask it out, then look once more
                        // under the slot's lock, so that either we get the
                        // driver or its holder's `put` sees the request.
                        self.block_on_io.request_handover(&parker);
                        claim.mine = true;
                        self.drivers.unpark_io();
                        asked = true;
                        turn = self.drivers.take(Take::IfFreeLocked, false, BlockOnTurnEnd::new(self));
                    }
                    if turn.holds_io() {
                        claim.mine = true;
                        // Until woken; the turn ends (driver put back,
                        // `IN_TURN` cleared) also if a waker panics.
                        let woken = turn.park(&parker, None, false);
                        if !self.inject.is_empty() {
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
}

/// A `block_on` thread's claim on polling I/O, dropped on every way out
/// of `block_on` (panics included) and whenever the thread parks off the
/// driver.
struct Claim<'a> {
    handle: &'a Handle,
    /// This thread made the current claim (another `block_on` thread's
    /// claim is not ours to drop or to renew).
    mine: bool,
}

impl Claim<'_> {
    fn release(&mut self) {
        if std::mem::take(&mut self.mine) && self.handle.block_on_io.release() {
            // A worker may stand by: it polls I/O from now on.
            self.handle.wake_role_holder();
        }
    }
}

impl Drop for Claim<'_> {
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
struct BlockOnTurnEnd<'a> {
    handle: &'a Handle,
    wake_standby: bool,
}

impl<'a> BlockOnTurnEnd<'a> {
    fn new(handle: &'a Handle) -> Self {
        BlockOnTurnEnd { handle, wake_standby: false }
    }
}

impl TurnEnd for BlockOnTurnEnd<'_> {
    fn taken(&mut self) {
        self.handle.block_on_io.begin_turn();
    }

    fn putting_back(&mut self) {
        self.wake_standby = self.handle.block_on_io.end_turn() == super::EndOfTurn::WakeStandby;
    }

    fn put_back(&mut self, wanted: bool) {
        if wanted || self.wake_standby {
            self.handle.wake_role_holder();
        }
    }
}
