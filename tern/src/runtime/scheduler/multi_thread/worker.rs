//! A worker thread: its core (run queue, LIFO slot, tick), its run loop,
//! searching for work, parking, and the stranded-task watchdog.
//!
//! # Run loop
//!
//! Each tick takes one task: every `global_queue_interval` ticks the
//! injection queue first (so it is never starved), otherwise the LIFO slot,
//! then the local ring, then a batch from the injection queue. A task is
//! polled under a fresh coop budget; a task it wakes goes to the LIFO slot
//! and runs right after it, at most 3 times in a row (then the slot's task
//! goes to the back of the ring). Every `event_interval` ticks the worker
//! does maintenance (shutdown check, a non-blocking I/O turn if the driver
//! is free, due timers). With no
//! local work it searches (steals half of a random peer's ring, then the
//! injection queue), and with nothing found it parks.
//!
//! # The watchdog: no stranded task
//!
//! A task in a worker's LIFO slot waits for that worker. If the task
//! running there then blocks its thread (a long synchronous poll), Tokio
//! leaves the woken task stranded until the poll ends (Tokio issue 4941).
//! Here one parked worker holds the watch while any peer is awake. While
//! some peer has tasks queued (LIFO slot or ring) the watch is armed
//! (`idle.rs`): its holder parks with a timeout (`WATCHDOG_PERIOD`), and at
//! the end of each whole period compares each peer's poll counter with its
//! value when the period started. A peer whose counter has not moved while
//! it is inside a poll is stuck: the watchdog takes its LIFO task (the slot
//! is an atomic, see `queue.rs`), or else steals half its ring into its own
//! and runs one of them.
//! The watch costs nothing while every worker is busy or nothing is queued
//! (its holder parks without a timeout), and one timed wake-up per period
//! while work waits behind a running poll.
//!
//! # Parking
//!
//! What a parking worker sleeps on and for how long is decided by
//! [`plan_park`] from what it holds:
//!
//! | driver role      | `block_on` claims I/O | watch armed | parks on        | timeout                          |
//! |------------------|-----------------------|-------------|-----------------|----------------------------------|
//! | no               | -                     | no          | its parker      | none                             |
//! | no               | -                     | yes         | its parker      | `WATCHDOG_PERIOD`                |
//! | yes              | no                    | no          | the I/O driver  | next timer                       |
//! | yes              | no                    | yes         | the I/O driver  | min(next timer, period)          |
//! | yes              | yes                   | either      | its parker      | min(next timer, standby, period if armed) |
//!
//! `park` carries the plan out through the drivers layer
//! (`runtime/driver.rs`): the I/O driver is parked on only if it is free
//! (`Take::OrWant`); a busy worker holding it for a non-blocking turn wakes
//! the role holder when it puts it back, and the role holder fires due
//! timers when it wakes. Only a timer deadline is honoured to the
//! nanosecond (`precise`); watch and standby periods are not.
//!
//! # Standing by for `block_on`
//!
//! The parked worker holding the driver role normally parks in the
//! I/O driver. While a `block_on` thread has claimed I/O polling (it parks
//! in the driver itself when every worker is idle), that worker instead
//! sleeps until its next timer or a standby period, and revokes the claim
//! if the `block_on` thread stopped coming back to the driver. A worker
//! that puts the driver back answers a pending handover request. The
//! protocol and its state word are in `block_on/mod.rs`.

use super::block_on::Standby;
use super::queue::Local;
use super::{Handle, Sched};
use crate::runtime::context;
use crate::runtime::driver::{self, Take, TurnEnd};
use crate::runtime::metrics::BusyClock;
use crate::runtime::scheduler;
use crate::task::coop;
use crate::task::Notified;
use std::cell::RefCell;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Task polls in a row from the LIFO slot before it yields to the ring.
const MAX_LIFO_POLLS_PER_TICK: usize = 3;

/// How long a peer must make no progress before its LIFO task is rescued.
pub(super) const WATCHDOG_PERIOD: Duration = Duration::from_millis(2);

/// The state a worker owns.
pub(super) struct Core {
    index: usize,
    tick: u32,
    run_queue: Local<Sched>,
    /// False after `MAX_LIFO_POLLS_PER_TICK` LIFO polls in a row: wakes go
    /// to the back of the ring until the next ordinary task.
    lifo_enabled: bool,
    is_searching: bool,
    is_shutdown: bool,
    /// Set while this worker polls the drivers: tasks the drivers wake
    /// then queue at the back of the ring without a wake-up each; one
    /// notification follows (they arrive in batches).
    in_driver_park: bool,
    /// Tasks the drivers woke during the current poll.
    driver_woken: usize,
    rand: u64,
    /// For the watchdog: each peer's poll count when last seen.
    seen: Vec<u64>,
    /// Times busy periods for `worker_total_busy_duration`.
    busy: BusyClock,
}

impl Core {
    pub(super) fn new(index: usize, run_queue: Local<Sched>, num_workers: usize) -> Box<Core> {
        Box::new(Core {
            index,
            tick: 0,
            run_queue,
            lifo_enabled: true,
            is_searching: false,
            is_shutdown: false,
            in_driver_park: false,
            driver_woken: 0,
            rand: 0x9E37_79B9_7F4A_7C15 ^ (index as u64 + 1).wrapping_mul(0xBF58_476D_1CE4_E5B9),
            seen: vec![0; num_workers],
            busy: BusyClock::default(),
        })
    }

    fn next_rand(&mut self, n: usize) -> usize {
        // xorshift64*
        self.rand ^= self.rand >> 12;
        self.rand ^= self.rand << 25;
        self.rand ^= self.rand >> 27;
        (self.rand.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 32) as usize % n
    }

    fn next_task(&mut self, handle: &Handle) -> Option<Notified<Sched>> {
        if self.tick % handle.config.global_queue_interval == 0 {
            if let Some(task) = self.pull_inject(handle) {
                return Some(task);
            }
        }
        if let Some(task) = self.run_queue.pop_lifo() {
            return Some(task);
        }
        if let Some(task) = self.run_queue.pop() {
            return Some(task);
        }
        self.pull_inject(handle)
    }

    /// Takes a fair share of the injection queue in one lock acquisition:
    /// returns the first task and queues the rest at the back of the ring.
    fn pull_inject(&mut self, handle: &Handle) -> Option<Notified<Sched>> {
        if handle.inject.is_empty() {
            return None;
        }
        let workers = handle.remotes.len();
        let room = self.run_queue.remaining_slots();
        let want = (handle.inject.len() / workers + 1).min(room + 1);
        let run_queue = &mut self.run_queue;
        let (first, queued) = handle.inject.pop_batch(want, |mut batch| {
            let first = batch.next();
            let queued = batch.len() > 0;
            run_queue.push_back_batch(batch);
            (first, queued)
        })?;
        if queued {
            // Work behind the task about to run: a parked peer may share
            // it, and the watch must know (`idle.rs`).
            handle.notify_parked_local();
        }
        first
    }

    fn transition_to_searching(&mut self, handle: &Handle) -> bool {
        if !self.is_searching {
            self.is_searching = handle.idle.transition_worker_to_searching();
        }
        self.is_searching
    }

    /// Stops searching; if this was the last searcher, wakes another so
    /// the rest of the work keeps spreading.
    fn transition_from_searching(&mut self, handle: &Handle) {
        if !self.is_searching {
            return;
        }
        self.is_searching = false;
        if handle.idle.transition_worker_from_searching() {
            handle.notify_parked();
        }
    }

    fn steal_work(&mut self, handle: &Handle) -> Option<Notified<Sched>> {
        if !self.transition_to_searching(handle) {
            return None;
        }
        let n = handle.remotes.len();
        let start = self.next_rand(n);
        for i in 0..n {
            let victim = (start + i) % n;
            if victim == self.index {
                continue;
            }
            if let Some(task) = handle.remotes[victim].steal.steal_into(&mut self.run_queue) {
                if self.run_queue.len() > 0 {
                    // Stolen work queued behind the task about to run.
                    std::sync::atomic::fence(std::sync::atomic::Ordering::SeqCst);
                    handle.watch_queued_work(handle.idle.lifo_pushed());
                }
                return Some(task);
            }
        }
        handle.inject.pop()
    }

    /// The watchdog's round: rescues work from a peer that has been inside
    /// one poll since the last round.
    fn rescue_stranded(&mut self, handle: &Handle) -> Option<Notified<Sched>> {
        let mut found = None;
        for (i, remote) in handle.remotes.iter().enumerate() {
            let polls = remote.polls.load(Relaxed);
            let stuck = i != self.index && self.seen[i] == polls && remote.in_poll.load(Relaxed);
            self.seen[i] = polls;
            if stuck && found.is_none() {
                found = remote.steal.steal_lifo().or_else(|| remote.steal.steal_into(&mut self.run_queue));
            }
        }
        found
    }

    fn record_peers(&mut self, handle: &Handle) {
        for (seen, remote) in self.seen.iter_mut().zip(handle.remotes.iter()) {
            *seen = remote.polls.load(Relaxed);
        }
    }

    /// Drops every queued notification (shutdown).
    fn drain(&mut self) {
        while let Some(task) = self.run_queue.pop_lifo() {
            drop(task);
        }
        while let Some(task) = self.run_queue.pop() {
            drop(task);
        }
    }
}

/// A worker's thread-local context: the core is installed here while the
/// worker runs, so spawns and wakes on this thread reach its queue.
pub(crate) struct Context {
    pub(crate) handle: Arc<Handle>,
    pub(super) index: usize,
    core: RefCell<Option<Box<Core>>>,
}

impl Context {
    /// This worker's index (0-based) in its runtime.
    pub(crate) fn worker_index(&self) -> usize {
        self.index
    }

    fn with_core<R>(&self, f: impl FnOnce(&mut Core) -> R) -> R {
        let mut core = self.core.borrow_mut();
        f(core.as_mut().expect("worker core installed"))
    }

    /// Takes the core out (`block_in_place` hands it to another thread);
    /// `None` if it is borrowed or already gone.
    pub(super) fn take_core(&self) -> Option<Box<Core>> {
        self.core.try_borrow_mut().ok()?.take()
    }

    /// Puts a core taken by [`Context::take_core`] back.
    pub(super) fn put_core(&self, core: Box<Core>) {
        *self.core.borrow_mut() = Some(core);
    }

    /// Whether this thread still holds its core (it does not after
    /// `block_in_place` handed it to another thread).
    fn has_core(&self) -> bool {
        self.core.try_borrow().map_or(true, |c| c.is_some())
    }

    /// Runs `f` on this worker's core unless it is borrowed (re-entrant
    /// call from inside a `Drop`).
    pub(super) fn try_with_core<R>(&self, f: impl FnOnce(&mut Core) -> R) -> Option<R> {
        let mut core = self.core.try_borrow_mut().ok()?;
        Some(f(core.as_mut()?))
    }
}

/// Queues `task` on this worker: the LIFO slot for a wake from the running
/// task, the back of the ring for a yield.
pub(super) fn schedule_local(handle: &Handle, core: &mut Core, task: Notified<Sched>, is_yield: bool) {
    if core.in_driver_park {
        // Woken by a driver this worker is polling: queue it; the
        // notification (if peers should help) comes once, afterwards.
        core.run_queue.push_back_or_overflow(task, &handle.inject);
        core.driver_woken += 1;
        return;
    }
    if is_yield {
        // Behind everything ready now: first take this worker's share of
        // what other threads queued.
        if let Some(first) = core.pull_inject(handle) {
            core.run_queue.push_back_or_overflow(first, &handle.inject);
        }
    }
    let should_notify = if is_yield || !core.lifo_enabled || handle.config.disable_lifo_slot {
        core.run_queue.push_back_or_overflow(task, &handle.inject);
        true
    } else {
        match core.run_queue.push_lifo(task) {
            Some(prev) => {
                core.run_queue.push_back_or_overflow(prev, &handle.inject);
                true
            }
            None => {
                // Nothing to share yet, but the task waits behind this
                // poll: arm the watch (the swap in `push_lifo` was the
                // handshake's `SeqCst` store).
                handle.watch_queued_work(handle.idle.lifo_pushed());
                false
            }
        }
    };
    if should_notify {
        handle.notify_parked_local();
    }
}

enum Next {
    Run(Notified<Sched>),
    Park,
    Exit,
}

/// The body of worker thread `index`.
pub(super) fn run(handle: Arc<Handle>, index: usize, core: Box<Core>) {
    run_worker(handle, index, core, true);
}

/// Worker `index` continued on a blocking-pool thread, with the core a
/// thread in `block_in_place` handed over (the pool thread already ran the
/// start hook, and runs the stop hook).
pub(super) fn run_handed_over(handle: Arc<Handle>, index: usize, core: Box<Core>) {
    run_worker(handle, index, core, false);
}

fn run_worker(handle: Arc<Handle>, index: usize, core: Box<Core>, own_thread: bool) {
    let sched = scheduler::Handle::MultiThread(handle.clone());
    let _entered = context::RuntimeGuard::enter_with_seed(&sched, handle.worker_seed(index));
    let cx = Context { handle: handle.clone(), index, core: RefCell::new(Some(core)) };
    let _installed = context::set_scheduler(context::Driven::MultiThread(&cx));
    let _precise = handle.drivers.time().map(|_| crate::time::slack::PreciseTimers::enter());
    // Every way out of this function (a panic included) counts the
    // worker as exited, or the runtime's drop would wait for it forever.
    let _exit = ExitGuard { cx: &cx };
    if own_thread {
        if let Some(f) = &handle.config.after_start {
            driver::run_hook(&**f);
        }
    }
    let metrics = &handle.remotes[index].metrics;
    cx.with_core(|core| core.busy.start());
    loop {
        if !cx.has_core() {
            // A task in `block_in_place` handed this worker's core to
            // another thread, which is worker `index` now (and will count
            // it out at shutdown): this thread's part is over.
            if own_thread {
                if let Some(f) = &handle.config.before_stop {
                    driver::run_hook(&**f);
                }
            }
            return;
        }
        let maintenance = cx.with_core(|core| {
            core.tick = core.tick.wrapping_add(1);
            let maintenance = core.tick % handle.config.event_interval == 0;
            if maintenance {
                core.busy.checkpoint(metrics);
            }
            maintenance
        });
        if maintenance && handle.drivers.is_enabled() {
            // Poll I/O without blocking (if no parked worker holds the
            // poll) and fire due timers, outside the core borrow so the
            // tasks they wake land in this worker's queue.
            cx.with_core(|core| core.in_driver_park = true);
            handle.drivers.turn_nonblocking(WorkerTurnEnd(&handle));
            end_driver_poll(&cx);
        }
        let next = cx.with_core(|core| {
            if maintenance && handle.is_shutdown() {
                core.is_shutdown = true;
            }
            if core.is_shutdown {
                return Next::Exit;
            }
            if let Some(task) = core.next_task(&handle) {
                return Next::Run(task);
            }
            match core.steal_work(&handle) {
                Some(task) => Next::Run(task),
                None => Next::Park,
            }
        });
        match next {
            Next::Run(task) => run_task(&cx, task),
            Next::Park => park(&cx),
            Next::Exit => break,
        }
    }
    shutdown_worker(&cx);
    cx.with_core(|core| core.busy.stop(metrics));
    if own_thread {
        if let Some(f) = &handle.config.before_stop {
            driver::run_hook(&**f);
        }
    }
}

/// Ends a worker: on a normal exit only counts it out; when the worker
/// unwinds (a bug, or the driver's `epoll_wait` failing), its queued tasks
/// first move to the injection queue, where its peers find them.
struct ExitGuard<'a> {
    cx: &'a Context,
}

impl Drop for ExitGuard<'_> {
    fn drop(&mut self) {
        let handle = &self.cx.handle;
        if !self.cx.has_core() {
            // `block_in_place` handed the core (and the worker's place) to
            // another thread, which counts the worker out when it exits.
            return;
        }
        if std::thread::panicking() {
            if let Ok(mut core) = self.cx.core.try_borrow_mut() {
                if let Some(core) = core.as_mut() {
                    core.in_driver_park = false;
                    // A closed queue (shutdown) drops them instead, as
                    // shutdown drops queued notifications.
                    while let Some(task) = core.run_queue.pop_lifo().or_else(|| core.run_queue.pop()) {
                        let _ = handle.inject.push(task);
                    }
                }
            }
            handle.notify_parked();
        }
        handle.worker_exited();
    }
}

/// After polling the drivers: if they woke more than this worker takes
/// next, wake a peer once.
fn end_driver_poll(cx: &Context) {
    let woke_many = cx.with_core(|core| {
        core.in_driver_park = false;
        std::mem::take(&mut core.driver_woken) > 1
    });
    if woke_many {
        cx.handle.notify_parked_local();
    }
}

fn run_task(cx: &Context, task: Notified<Sched>) {
    let handle = &cx.handle;
    let remote = &handle.remotes[cx.index];
    cx.with_core(|core| core.transition_from_searching(handle));
    remote.in_poll.store(true, Relaxed);
    coop::budget(|| {
        bump(remote);
        task.run();
        if !cx.has_core() {
            // Handed over by `block_in_place` during the poll.
            return;
        }
        let mut lifo_polls = 0;
        loop {
            let next = cx.with_core(|core| {
                let task = core.run_queue.pop_lifo()?;
                if !coop::has_budget_remaining() || lifo_polls >= MAX_LIFO_POLLS_PER_TICK {
                    // Fairness: the woken task waits its turn in the ring,
                    // where a peer may take it.
                    core.run_queue.push_back_or_overflow(task, &handle.inject);
                    core.lifo_enabled = true;
                    handle.notify_parked_local();
                    return None;
                }
                lifo_polls += 1;
                if lifo_polls == MAX_LIFO_POLLS_PER_TICK {
                    core.lifo_enabled = false;
                }
                Some(task)
            });
            match next {
                Some(task) => {
                    bump(remote);
                    task.run();
                    if !cx.has_core() {
                        return;
                    }
                }
                None => break,
            }
        }
    });
    if !cx.has_core() {
        // The worker's counters belong to the thread that took the core.
        return;
    }
    remote.in_poll.store(false, Relaxed);
    cx.with_core(|core| core.lifo_enabled = true);
}

/// Counts a poll (the watchdog's progress signal). Only this worker
/// writes its counter, so a load and a store suffice.
#[inline]
fn bump(remote: &super::Remote) {
    remote.polls.store(remote.polls.load(Relaxed).wrapping_add(1), Relaxed);
}

/// What [`plan_park`] decides from.
#[derive(Clone, Copy, Debug, Default)]
struct ParkInputs {
    /// This worker holds the driver role (`runtime/driver.rs`).
    has_role: bool,
    /// Time until the next timer (role holder only).
    timer: Option<Duration>,
    /// A `block_on` thread claims I/O polling: the role holder stands by,
    /// looking at the claim every such period.
    standby: Option<Duration>,
    /// This worker holds the watch and it is armed.
    watch_armed: bool,
}

/// How a worker parks (see the table in the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct ParkPlan {
    /// Park in the I/O driver (if it is free) rather than on the parker.
    on_driver: bool,
    timeout: Option<Duration>,
    /// The timeout is a timer's deadline, to be met to the nanosecond.
    precise: bool,
}

/// Decides what a parking worker sleeps on and for how long.
fn plan_park(i: ParkInputs) -> ParkPlan {
    let standby = if i.has_role { i.standby } else { None };
    let watch = match (i.watch_armed.then_some(WATCHDOG_PERIOD), standby) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    let timer = if i.has_role { i.timer } else { None };
    let (timeout, precise) = match (timer, watch) {
        (Some(a), Some(b)) => (Some(a.min(b)), a <= b),
        (Some(a), None) => (Some(a), true),
        (None, b) => (b, false),
    };
    ParkPlan { on_driver: i.has_role && standby.is_none(), timeout, precise }
}

fn park(cx: &Context) {
    let handle = &cx.handle;
    let remote = &handle.remotes[cx.index];
    let parked = cx.with_core(|core| {
        if core.run_queue.has_tasks() {
            return None;
        }
        let was_searching = std::mem::replace(&mut core.is_searching, false);
        Some(handle.idle.transition_worker_to_parked(cx.index, was_searching))
    });
    let Some(parked) = parked else { return };
    remote.metrics.about_to_park();
    cx.with_core(|core| core.busy.stop(&remote.metrics));
    if parked.was_last_searcher {
        handle.notify_if_work_pending();
    }
    if let Some(f) = &handle.config.before_park {
        driver::run_hook(&**f);
    }
    let mut watchdog = parked.watchdog;
    // When the current armed watch period began (the peers' poll counters
    // were recorded then); `None` while the watch is not armed.
    let mut period_start: Option<Instant> = None;
    loop {
        if handle.is_shutdown() {
            cx.with_core(|core| core.is_shutdown = true);
            // Counted back as unparked so the books stay balanced.
            let _ = handle.idle.unpark_worker_by_id(cx.index);
            if watchdog {
                handle.idle.release_watchdog();
            }
            break;
        }
        let watch_armed = watchdog && handle.idle.decide_armed(|| handle.peers_have_queued_work(cx.index));
        if !watch_armed {
            period_start = None;
        } else if period_start.is_none() {
            cx.with_core(|core| core.record_peers(handle));
            period_start = Some(Instant::now());
        }
        // One parked worker holds the driver role: it sleeps no later than
        // the next timer and fires what is due when it wakes.
        let role = handle.drivers.try_take_role(cx.index);
        let has_role = role.is_some();
        let timer = if has_role { handle.drivers.next_timer(&remote.park) } else { None };
        // A `block_on` thread polling I/O leaves this worker the timers,
        // and a look at its claim every period (`block_on/`).
        let standby = if has_role && handle.drivers.io().is_some() {
            match handle.block_on_io.standby() {
                Standby::StandBy(period) => Some(period),
                Standby::TakeDriver => None,
            }
        } else {
            None
        };
        let plan = plan_park(ParkInputs { has_role, timer, standby, watch_armed });
        // If a busy worker has the driver for a non-blocking turn, it
        // wakes us when it puts it back (`DriverSlot`). Only the role
        // holder (this worker) ever marks the driver wanted, so no want is
        // pending when this turn puts it back; a `block_on` thread's
        // handover may be. The role holder fires timers when it wakes.
        let take = if plan.on_driver { Take::OrWant } else { Take::No };
        let turn = handle.drivers.take(take, has_role, WorkerTurnEnd(handle));
        if has_role {
            cx.with_core(|core| core.in_driver_park = true);
        }
        turn.park(&remote.park, plan.timeout, plan.precise);
        if has_role {
            drop(role);
            end_driver_poll(cx);
        }
        if watchdog {
            handle.idle.release_watchdog();
            // Only a whole period without progress makes a peer stuck: an
            // early wake-up compares nothing.
            if period_start.is_some_and(|start| start.elapsed() >= WATCHDOG_PERIOD) {
                let rescued = cx.with_core(|core| core.rescue_stranded(handle));
                period_start = Some(Instant::now());
                if let Some(task) = rescued {
                    let was_parked = handle.idle.unpark_worker_by_id(cx.index);
                    cx.with_core(|core| {
                        core.is_searching = !was_parked;
                        core.run_queue.push_back_or_overflow(task, &handle.inject);
                    });
                    break;
                }
            }
        }
        if !handle.idle.is_parked(cx.index) {
            // Woken by `worker_to_notify`, which counted us as searching.
            cx.with_core(|core| core.is_searching = true);
            break;
        }
        if cx.with_core(|core| core.run_queue.has_tasks()) && handle.idle.unpark_worker_by_id(cx.index) {
            break;
        }
        watchdog = handle.idle.rearm_watchdog(cx.index);
        if !watchdog {
            period_start = None;
        }
    }
    remote.metrics.unparked();
    cx.with_core(|core| core.busy.start());
    if let Some(f) = &handle.config.after_unpark {
        driver::run_hook(&**f);
    }
}

/// A worker's end of a driver turn: once the I/O driver is back, wakes
/// the role holder if it marked it wanted, and a `block_on` thread that
/// asked for it meanwhile (`block_on/`, `HANDOVER`).
struct WorkerTurnEnd<'a>(&'a Handle);

impl TurnEnd for WorkerTurnEnd<'_> {
    fn put_back(&mut self, wanted: bool) {
        let handle = self.0;
        if wanted {
            // The role holder parked without it.
            handle.wake_role_holder();
        }
        if let Some(block_on) = handle.block_on_io.take_handover() {
            block_on.unpark();
        }
    }
}

/// Cancels this worker's share of the tasks and drops its queues.
fn shutdown_worker(cx: &Context) {
    let handle = &cx.handle;
    cx.with_core(Core::drain);
    handle.owned.shutdown_all(cx.index);
    // Cancelling may have woken tasks onto this worker's queues.
    cx.with_core(Core::drain);
}

#[cfg(all(test, not(tern_loom)))]
mod park_plan_tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    fn plan(
        has_role: bool,
        timer: Option<Duration>,
        standby: Option<Duration>,
        watch_armed: bool,
    ) -> ParkPlan {
        plan_park(ParkInputs { has_role, timer, standby, watch_armed })
    }

    /// One test per row of the table in the module docs.
    #[test]
    fn a_plain_parked_worker_sleeps_until_woken() {
        assert_eq!(
            plan(false, None, None, false),
            ParkPlan { on_driver: false, timeout: None, precise: false }
        );
    }

    #[test]
    fn an_armed_watch_parks_for_one_period() {
        let p = plan(false, None, None, true);
        assert_eq!(p, ParkPlan { on_driver: false, timeout: Some(WATCHDOG_PERIOD), precise: false });
    }

    #[test]
    fn the_role_holder_parks_on_io_until_the_next_timer() {
        let p = plan(true, Some(50 * MS), None, false);
        assert_eq!(p, ParkPlan { on_driver: true, timeout: Some(50 * MS), precise: true });
        assert_eq!(plan(true, None, None, false).timeout, None, "no timer, no watch: no timeout");
    }

    #[test]
    fn the_role_holder_with_an_armed_watch_wakes_at_the_sooner() {
        let p = plan(true, Some(50 * MS), None, true);
        assert_eq!(p, ParkPlan { on_driver: true, timeout: Some(WATCHDOG_PERIOD), precise: false });
        let p = plan(true, Some(WATCHDOG_PERIOD / 2), None, true);
        assert_eq!(p, ParkPlan { on_driver: true, timeout: Some(WATCHDOG_PERIOD / 2), precise: true });
    }

    #[test]
    fn standing_by_for_block_on_parks_off_the_driver() {
        let p = plan(true, Some(50 * MS), Some(10 * MS), false);
        assert_eq!(p, ParkPlan { on_driver: false, timeout: Some(10 * MS), precise: false });
        let p = plan(true, None, Some(10 * MS), true);
        assert_eq!(p.timeout, Some(WATCHDOG_PERIOD.min(10 * MS)));
        // A standby period means nothing to a worker without the role.
        assert_eq!(plan(false, None, Some(10 * MS), false).timeout, None);
    }
}
