//! `Handle::block_on` on the multi-thread runtime: the loop that parks
//! in the I/O driver when it may (see the parent module for the protocol).

use super::TurnEnd;
use crate::runtime::park::ParkInner;
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
        let Some(io) = &self.io else { return crate::runtime::park::block_on(future) };
        let parker = Arc::new(ParkInner::new());
        parker.set_io(io.clone());
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
                    let mut driver = io.try_take_driver();
                    if driver.is_none() && no_handover == 0 && (claim.mine || !self.block_on_io.is_claimed())
                    {
                        // A worker has the driver (most often the one
                        // parked in it): ask it out, then look once more
                        // under the slot's lock, so that either we get the
                        // driver or its holder's `put` sees the request.
                        self.block_on_io.request_handover(&parker);
                        claim.mine = true;
                        io.unpark();
                        asked = true;
                        driver = io.take_driver();
                    }
                    if let Some(driver) = driver {
                        claim.mine = true;
                        let woken = Turn::new(self, io, driver).park(&parker);
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
            self.handle.wake_time_driver();
        }
    }
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        self.release();
    }
}

/// A `block_on` thread's turn in the I/O driver. Ends (driver put back,
/// `IN_TURN` cleared, a waiting worker woken) when dropped, also if a
/// waker panics during the dispatch: a lost driver would stop all I/O.
struct Turn<'a> {
    handle: &'a Handle,
    io: &'a crate::io::driver::Handle,
    driver: Option<crate::io::driver::Driver>,
}

impl<'a> Turn<'a> {
    fn new(handle: &'a Handle, io: &'a crate::io::driver::Handle, driver: crate::io::driver::Driver) -> Self {
        handle.block_on_io.begin_turn();
        Turn { handle, io, driver: Some(driver) }
    }

    /// Parks in `epoll_wait` until woken; returns whether `parker` was.
    fn park(mut self, parker: &ParkInner) -> bool {
        let driver = self.driver.as_mut().expect("driver held for the turn");
        parker.park_on_driver(driver, self.io, None, false)
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        let Some(driver) = self.driver.take() else { return };
        let end = self.handle.block_on_io.end_turn();
        if self.io.put_driver(driver) || end == TurnEnd::WakeStandby {
            self.handle.wake_time_driver();
        }
    }
}
