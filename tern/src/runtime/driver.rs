//! The drivers as one layer: the I/O driver, the time driver and the
//! driver role, and the one way every scheduler turns them.
//!
//! # What a turn is
//!
//! A scheduler thread polls the drivers in two ways: a non-blocking turn
//! between tasks ([`Drivers::turn_nonblocking`]) and a park with them
//! ([`Drivers::park`], or [`Drivers::take`] then [`Turn::park`] where the
//! caller decides between taking the driver and parking). Both go through
//! a [`Turn`], a stack value that, when it drops (returning or unwinding),
//! does in this order:
//!
//! 1. puts the I/O driver back in its slot if the turn took it, after the
//!    scheduler's [`TurnEnd::putting_back`] (the `block_on` thread leaves
//!    `IN_TURN` there);
//! 2. answers whoever waited for it ([`TurnEnd::put_back`]: the role
//!    holder that marked it wanted, a `block_on` thread that asked for a
//!    handover);
//! 3. fires due timers if the turn is to (not while unwinding: the thread
//!    is leaving, and its guards hand the role to a peer that fires them).
//!
//! Which thread parks on the driver and for how long is the schedulers'
//! decision (`current_thread/core.rs::park`, `multi_thread/worker/park.rs`
//! `plan_park`, `multi_thread/block_on/`); this layer executes it. A turn
//! costs no allocation, lock beyond the driver slot's, or reference count.
//!
//! # The driver role
//!
//! On the multi-thread runtime one parked worker at a time holds the
//! driver role ([`Drivers::try_take_role`]): it parks in the I/O driver
//! (if it is free) until the next timer, and fires timers when it wakes.
//! Only the role holder ever marks the I/O driver wanted
//! ([`Take::OrWant`]): it does so when a busy worker has the driver for a
//! non-blocking turn, and that worker's put reports the mark, so the
//! holder is woken to take it (`DriverSlot` in `io/driver/mod.rs`, loom
//! model in `io/driver/loom.rs`). On the current-thread runtime the thread
//! in `block_on` is the only one that turns the drivers; it needs no role.
//!
//! # Parking in the I/O driver
//!
//! A thread's parker (`park.rs`) has a state for "waiting in the I/O
//! driver's `epoll_wait`", in which its `unpark` wakes the poll through
//! the driver's `mio::Waker` ([`Drivers::new_parker`] links the two).
//! [`Turn::park`] takes that state only for the wait itself and leaves it
//! as soon as `epoll_wait` returns, before it dispatches, so wakes caused
//! by the dispatch on that very thread cost an atomic swap, not an eventfd
//! write.
//!
//! # Panics on a thread that holds the drivers
//!
//! A driver wakes whatever waker a task registered, and a waker is user
//! code: it may panic. Unwinding out of a driver turn would drop the I/O
//! driver (no thread could poll I/O again), leave the driver role taken
//! and skip the worker's exit bookkeeping, so the runtime's drop would
//! wait forever. Two layers keep that from happening:
//!
//! 1. Every wake a driver performs goes through [`wake`], which catches a
//!    panic (the panic hook has already reported it, as it does for a task
//!    that panics) and carries on with the next event: the other wakers of
//!    the batch still run, the driver stays where it is.
//! 2. Whatever else unwinds (the driver's own `epoll_wait` failure, a bug),
//!    the [`Turn`] still puts the driver back and answers a want or a
//!    handover when it drops, and [`DriverRole`] releases the role.
//!
//! # The I/O driver as this layer sees it
//!
//! [`Drivers`] and [`Turn`] reach the I/O driver only through the [`Io`]
//! trait: its slot (take, put, the `wanted` mark), the wake of the thread
//! waiting in it, and one turn. The runtime's is `io::driver::Handle`, the
//! default type parameter everywhere (static dispatch: the same code as
//! calling the handle directly). The loom models of the multi-thread
//! `block_on` loop (`multi_thread/block_on/loom.rs`) give it a fake driver
//! built on loom primitives, so loom runs this layer, the `block_on` loop
//! and the worker's park step as they are.

use crate::io::driver::{Driver, Handle as IoHandle};
use crate::loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering::*, StoreRmw};
use crate::runtime::park::ParkInner;
use crate::time::driver::Handle as TimeHandle;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::task::Waker;
use std::time::Duration;

/// The I/O driver as the drivers layer uses it (module docs). Contract:
///
/// * one `Driver` value exists; the take methods hand it out to one thread
///   at a time and `put_driver` returns it (the `DriverSlot` protocol,
///   `io/driver/mod.rs`: `take_driver_or_want` marks it wanted when it is
///   out, and the next `put_driver` returns that mark once);
/// * `unpark` makes the current or next wait in `turn` return (an eventfd
///   write: a wake with nobody waiting is kept for the next wait);
/// * `turn` waits up to `timeout` (`Some(ZERO)`: not at all) for events or
///   an `unpark`, calls `after_wait` once the wait is over, then dispatches
///   the events (each wake through [`wake`]);
/// * `waker` is what a parker in the driver's wait (`PARKED_IO`) is woken
///   through: it must have `unpark`'s effect.
pub(crate) trait Io {
    /// The driver itself, held by the thread that turns it.
    type Driver;

    /// The driver if it is free and its slot uncontended.
    fn try_take_driver(&self) -> Option<Self::Driver>;

    /// The driver if it is free, waiting for the slot's lock.
    fn take_driver(&self) -> Option<Self::Driver>;

    /// The driver if it is free; else marks it wanted.
    fn take_driver_or_want(&self) -> Option<Self::Driver>;

    /// Puts the driver back; whether it was marked wanted meanwhile.
    #[must_use]
    fn put_driver(&self, driver: Self::Driver) -> bool;

    /// Wakes the thread waiting in the driver (now or at its next wait).
    fn unpark(&self);

    /// One turn of `driver` (see the trait's docs).
    fn turn(
        &self,
        driver: &mut Self::Driver,
        timeout: Option<Duration>,
        precise: Precise,
        after_wait: impl FnOnce(),
    );

    /// What wakes a parker waiting in this driver.
    fn waker(&self) -> IoWaker;
}

impl Io for IoHandle {
    type Driver = Driver;

    #[inline]
    fn try_take_driver(&self) -> Option<Driver> {
        IoHandle::try_take_driver(self)
    }

    #[inline]
    fn take_driver(&self) -> Option<Driver> {
        IoHandle::take_driver(self)
    }

    #[inline]
    fn take_driver_or_want(&self) -> Option<Driver> {
        IoHandle::take_driver_or_want(self)
    }

    #[inline]
    fn put_driver(&self, driver: Driver) -> bool {
        IoHandle::put_driver(self, driver)
    }

    #[inline]
    fn unpark(&self) {
        IoHandle::unpark(self);
    }

    #[inline]
    fn turn(
        &self,
        driver: &mut Driver,
        timeout: Option<Duration>,
        precise: Precise,
        after_wait: impl FnOnce(),
    ) {
        driver.turn_then(self, timeout, precise, after_wait);
    }

    fn waker(&self) -> IoWaker {
        #[cfg(not(tern_loom))]
        let waker = IoWaker(self.clone());
        #[cfg(tern_loom)]
        let waker = {
            let io = self.clone();
            IoWaker::from_fn(move || io.unpark())
        };
        waker
    }
}

/// A runtime's drivers (each optional, as the builder enabled them) and
/// the driver role. Owned by the scheduler's handle.
pub(crate) struct Drivers<I: Io = IoHandle> {
    io: Option<I>,
    time: Option<TimeHandle>,
    /// Whether a worker holds the driver role (multi-thread only).
    role_taken: AtomicBool,
    /// The worker that took the role last: the one to wake when the I/O
    /// driver it wanted is put back.
    role_holder: AtomicUsize,
}

/// Wakes a thread parked in the I/O driver's `epoll_wait` (what a parker
/// holds for its `PARKED_IO` state, `park.rs`).
#[cfg(not(tern_loom))]
pub(crate) struct IoWaker(IoHandle);

/// Under loom, whatever wakes the driver the model runs ([`Io::waker`]).
#[cfg(tern_loom)]
pub(crate) struct IoWaker(Box<dyn Fn() + Send + Sync>);

impl IoWaker {
    #[cfg(tern_loom)]
    pub(crate) fn from_fn(wake: impl Fn() + Send + Sync + 'static) -> IoWaker {
        IoWaker(Box::new(wake))
    }

    pub(crate) fn wake(&self) {
        #[cfg(not(tern_loom))]
        self.0.unpark();
        #[cfg(tern_loom)]
        (self.0)();
    }
}

/// Whether a timed park must end at its timeout to the nanosecond, and
/// counted from when: `Some(reading)` for a timer's deadline, the timeout
/// computed from the clock reading `reading` (the I/O driver arms its
/// timerfd from it without reading the clock again); `None` when epoll's
/// millisecond rounding will do (a watch period), or for no timeout.
pub(crate) type Precise = Option<std::time::Instant>;

/// How a [`Turn`] gets the I/O driver.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Take {
    /// Leave it: the turn parks on the thread's parker (and may still
    /// fire timers).
    No,
    /// Only if it is free and its slot uncontended (non-blocking turns:
    /// skipping one costs nothing).
    IfFree,
    /// If it is free, waiting for the slot's lock: a look that a
    /// concurrent put cannot slip past (`block_on`'s handover).
    IfFreeLocked,
    /// If it is free; if another thread has it, mark it wanted, so that
    /// thread's put reports it (the role holder only).
    OrWant,
}

/// What a scheduler does around the end of a turn that took the I/O
/// driver. Every method runs on every path, unwinding included, so none
/// may panic.
pub(crate) trait TurnEnd {
    /// The turn took the I/O driver.
    fn taken(&mut self) {}

    /// The I/O driver is about to go back to its slot.
    fn putting_back(&mut self) {}

    /// The I/O driver is back. `wanted`: the role holder marked it
    /// wanted meanwhile and sleeps without it: wake it.
    fn put_back(&mut self, wanted: bool);
}

/// The current-thread scheduler's: nobody else waits for the driver.
impl TurnEnd for () {
    fn put_back(&mut self, wanted: bool) {
        debug_assert!(!wanted, "only a multi-thread role holder marks the driver wanted");
    }
}

/// One turn of the drivers: the I/O driver if it was taken, and whether
/// to fire timers. Dropping it ends the turn (see the module docs).
#[must_use = "the turn ends (driver put back, timers fired) when this drops"]
pub(crate) struct Turn<'a, E: TurnEnd, I: Io = IoHandle> {
    drivers: &'a Drivers<I>,
    /// Invariant: `Some` only if `drivers.io` is.
    driver: Option<I::Driver>,
    fire_timers: bool,
    end: E,
}

/// The driver role, held by one parked worker at a time; released on
/// drop, also if the worker unwinds.
pub(crate) struct DriverRole<'a, I: Io = IoHandle> {
    drivers: &'a Drivers<I>,
}

impl<I: Io> Drivers<I> {
    pub(crate) fn new(io: Option<I>, time: Option<TimeHandle>) -> Drivers<I> {
        Drivers { io, time, role_taken: AtomicBool::new(false), role_holder: AtomicUsize::new(0) }
    }

    /// The I/O driver's handle (resources register through it).
    pub(crate) fn io(&self) -> Option<&I> {
        self.io.as_ref()
    }

    /// The time driver's handle (timers file through it).
    pub(crate) fn time(&self) -> Option<&TimeHandle> {
        self.time.as_ref()
    }

    /// Whether any driver is enabled.
    pub(crate) fn is_enabled(&self) -> bool {
        self.io.is_some() || self.time.is_some()
    }

    /// A thread parker whose `unpark` also reaches it while it waits in
    /// the I/O driver.
    pub(crate) fn new_parker(&self) -> Arc<ParkInner> {
        let parker = Arc::new(ParkInner::new());
        if let Some(io) = &self.io {
            parker.set_io_waker(io.waker());
        }
        parker
    }

    /// Wakes the thread waiting in the I/O driver's `epoll_wait`, if any.
    pub(crate) fn unpark_io(&self) {
        if let Some(io) = &self.io {
            io.unpark();
        }
    }

    /// Takes the driver role for worker `index`, if no worker holds it
    /// and there is a driver to drive.
    pub(crate) fn try_take_role(&self, index: usize) -> Option<DriverRole<'_, I>> {
        if !self.is_enabled() || self.role_taken.swap(true, Acquire) {
            return None;
        }
        // `SeqCst` with the load in `role_holder`: a Dekker pair with the
        // new holder's next look at what it must do (the `block_on`
        // claim's state word, also `SeqCst`). Whoever changes that word and
        // then wakes the role holder (a `block_on` thread dropping its
        // claim) either wakes this worker or this worker sees the change.
        // With release/acquire both could read the old value (store
        // buffering): the wake went to the previous holder and this one
        // stood by for its whole standby period (up to about 1 s) with
        // nobody polling I/O (found by the loom model
        // `a_handover_request_while_the_role_moves_between_workers`).
        self.role_holder.store(index, SeqCst);
        Some(DriverRole { drivers: self })
    }

    /// The worker that took the driver role last.
    pub(crate) fn role_holder(&self) -> usize {
        self.role_holder.load(SeqCst)
    }

    /// Records `parker` as the thread that parks until the next timer (a
    /// sooner timer unparks it) and returns how long it may sleep, and the
    /// clock reading that is counted from (`None`: no timer, or no time
    /// driver; the clock is then not read).
    pub(crate) fn next_timer(&self, parker: &Arc<ParkInner>) -> Option<(Duration, std::time::Instant)> {
        self.time.as_ref().and_then(|time| time.prepare_park(parker))
    }

    /// Fires every due timer (cheap when none can be due).
    #[inline]
    pub(crate) fn fire_timers(&self) {
        if let Some(time) = &self.time {
            time.process();
        }
    }

    /// [`fire_timers`](Self::fire_timers) at the system time `now`, a
    /// reading of `Instant::now()` the caller shares with its other uses.
    #[inline]
    pub(crate) fn fire_timers_at(&self, now: std::time::Instant) {
        if let Some(time) = &self.time {
            time.process_at(now);
        }
    }

    /// [`next_timer`](Self::next_timer) at the system time `now`, a shared
    /// reading.
    pub(crate) fn next_timer_at(&self, parker: &Arc<ParkInner>, now: std::time::Instant) -> Option<Duration> {
        self.time.as_ref().and_then(|time| time.prepare_park_at(parker, now))
    }

    /// Starts a turn: takes the I/O driver as `take` says (if there is
    /// one), and fires timers when the turn ends if `fire_timers`.
    #[inline]
    pub(crate) fn take<E: TurnEnd>(&self, take: Take, fire_timers: bool, mut end: E) -> Turn<'_, E, I> {
        let driver = self.io.as_ref().and_then(|io| match take {
            Take::No => None,
            Take::IfFree => io.try_take_driver(),
            Take::IfFreeLocked => io.take_driver(),
            Take::OrWant => io.take_driver_or_want(),
        });
        if driver.is_some() {
            end.taken();
        }
        Turn { drivers: self, driver, fire_timers, end }
    }

    /// Polls I/O without blocking if the driver is free, then fires due
    /// timers.
    #[inline]
    pub(crate) fn turn_nonblocking<E: TurnEnd>(&self, end: E) {
        self.take(Take::IfFree, true, end).turn(Some(Duration::ZERO), None);
    }

    /// Parks the calling thread (whose parker is `parker`) with the
    /// drivers: in the I/O driver if `take` gets it, else on `parker`;
    /// for at most `timeout` (`precise`: a timer's deadline, kept to the
    /// nanosecond), then fires due timers if `fire_timers`. Returns
    /// whether an unpark token was consumed.
    pub(crate) fn park<E: TurnEnd>(
        &self,
        parker: &ParkInner,
        take: Take,
        timeout: Option<Duration>,
        precise: Precise,
        fire_timers: bool,
        end: E,
    ) -> bool {
        self.take(take, fire_timers, end).park(parker, timeout, precise)
    }
}

impl<E: TurnEnd, I: Io> Turn<'_, E, I> {
    /// Whether this turn holds the I/O driver.
    pub(crate) fn holds_io(&self) -> bool {
        self.driver.is_some()
    }

    /// Polls I/O once, waiting up to `timeout`, if this turn holds the
    /// driver; then ends the turn.
    fn turn(mut self, timeout: Option<Duration>, precise: Precise) {
        if let (Some(driver), Some(io)) = (&mut self.driver, &self.drivers.io) {
            io.turn(driver, timeout, precise, || {});
        }
    }

    /// Parks until `parker` is unparked or `timeout` passes: in the I/O
    /// driver (dispatching its events) if this turn holds it, else on
    /// the parker. Returns whether an unpark token was consumed. Ends the
    /// turn.
    pub(crate) fn park(mut self, parker: &ParkInner, timeout: Option<Duration>, precise: Precise) -> bool {
        match (&mut self.driver, &self.drivers.io) {
            (Some(driver), Some(io)) => park_on_driver(parker, driver, io, timeout, precise),
            _ => {
                // The wait was counted from the reading in `precise`: what
                // is left of it now (the parker's timeout is relative).
                let timeout = match (timeout, precise) {
                    (Some(d), Some(base)) => Some(
                        base.checked_add(d)
                            .map_or(d, |at| at.saturating_duration_since(std::time::Instant::now())),
                    ),
                    (t, _) => t,
                };
                parker.park(timeout)
            }
        }
    }
}

impl<E: TurnEnd, I: Io> Drop for Turn<'_, E, I> {
    fn drop(&mut self) {
        if let (Some(driver), Some(io)) = (self.driver.take(), &self.drivers.io) {
            self.end.putting_back();
            let wanted = io.put_driver(driver);
            self.end.put_back(wanted);
        }
        if self.fire_timers && !std::thread::panicking() {
            self.drivers.fire_timers();
        }
    }
}

impl<I: Io> Drop for DriverRole<'_, I> {
    fn drop(&mut self) {
        self.drivers.role_taken.store_rmw(false, Release);
    }
}

/// One turn of `driver` as `parker`'s park: a token already there (or
/// arriving before the wait) makes it a non-blocking turn.
fn park_on_driver<I: Io>(
    parker: &ParkInner,
    driver: &mut I::Driver,
    io: &I,
    timeout: Option<Duration>,
    precise: Precise,
) -> bool {
    if parker.take_token() {
        io.turn(driver, Some(Duration::ZERO), None, || {});
        return true;
    }
    if timeout == Some(Duration::ZERO) {
        io.turn(driver, timeout, None, || {});
        return false;
    }
    if !parker.enter_driver_wait() {
        // A token arrived meanwhile (and was consumed).
        io.turn(driver, Some(Duration::ZERO), None, || {});
        return true;
    }
    // Awake from `after_wait` on: an `unpark` during the dispatch
    // (typically a task or the `block_on` future woken by this very turn)
    // only leaves the token, which `end_driver_wait` consumes.
    io.turn(driver, timeout, precise, || parker.leave_driver_wait());
    parker.end_driver_wait()
}

/// Wakes `waker` for a driver; a panic in it is contained here.
///
/// The default panic hook prints the panic where it happens, as for a
/// task's panic; the payload is then dropped and the dispatch continues.
#[inline]
pub(crate) fn wake(waker: Waker) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(|| waker.wake())) {
        drop_payload(payload);
    }
}

/// Runs a runtime hook (`on_thread_park`, ...) on a worker thread, where
/// no caller could receive its panic: the panic is reported by the panic
/// hook and the worker carries on.
pub(crate) fn run_hook(hook: &dyn Fn()) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(hook)) {
        drop_payload(payload);
    }
}

/// Drops a panic payload; a payload whose own drop panics is leaked
/// rather than allowed to unwind into the driver.
fn drop_payload(payload: Box<dyn std::any::Any + Send>) {
    if let Err(again) = catch_unwind(AssertUnwindSafe(move || drop(payload))) {
        std::mem::forget(again);
    }
}

#[cfg(all(test, not(tern_loom)))]
#[path = "driver_tests.rs"]
mod tests;
