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
//! goes to the back of the ring, waking no peer if it is the only task
//! queued, as for the slot itself: `schedule_local`). A task's own yield
//! waits in `Core::yielded` for the next non-blocking poll of the drivers,
//! as in Tokio (`yielded.rs`). Every `event_interval` ticks the worker
//! does maintenance (shutdown check, a non-blocking I/O turn if the driver
//! is free, due timers, the yielded tasks requeued). With no
//! local work it searches (steals half of a random peer's ring, then the
//! injection queue), and with nothing found it parks.
//!
//! # The watchdog: no stranded task
//!
//! A task in a worker's LIFO slot waits for that worker. If the task
//! running there then blocks its thread (a long synchronous poll), Tokio
//! leaves the woken task stranded until the poll ends (Tokio issue 4941).
//! Here one parked worker holds the watch while any peer is awake (and
//! keeps it until it leaves its park, `idle.rs`). While some peer has
//! tasks queued (LIFO slot or ring), and for as long as peers keep making
//! progress after that, the watch is armed: its holder parks with a
//! timeout (`WATCHDOG_PERIOD`), and at the end of each whole period
//! compares each peer's poll counter with its value when the period
//! started. A peer whose counter has not moved while it is inside a poll is
//! stuck: the watchdog takes its LIFO task (the slot is an atomic, see
//! `queue.rs`), or else steals half its ring into its own and runs one of
//! them. A whole period with no progress and nothing queued leaves the
//! watch idle: its holder looks once more after `WATCH_IDLE_PERIOD`
//! (250 ms), and if nothing is queued then either, the watch goes deep: no
//! timeout at all, and the next LIFO push into an empty slot wakes the
//! holder (`idle.rs`, `WATCH_DEEP`). So a peer running one long poll with
//! nothing behind it costs two timed wake-ups in all, not five hundred a
//! second. Only a deep watch is woken by pushers: an earlier design whose
//! LIFO pushes armed the watch after one quiet period put a futex wake on
//! the hot path of every request/response pair whose worker the watch had
//! just left; a quarter of a second without progress makes that once per
//! burst.
//!
//! The watch stays off the worker that I/O wakes: a holder that sleeps in
//! the I/O driver offers it, and the next peer to park without it takes
//! it over (`idle.rs`). Otherwise the driver's sleeper, woken by each new
//! connection or request after an idle spell, took the watch along out of
//! its park, and the first LIFO push of the burst woke a parked peer to
//! take the vacant watch: a futex wake and two context switches per burst
//! (short TCP connections on a 2-worker runtime: 41,000 context switches
//! for 6,000 connections, Tokio 27,000; 0.5-0.9 of Tokio's rate).
//!
//! # Parking
//!
//! With nothing found a worker parks (`park.rs`): what it sleeps on and
//! for how long is `plan_park`'s table there; it parks through the
//! drivers layer (`runtime/driver.rs`), which it drives while it holds the
//! driver role, and it stands by for a `block_on` thread polling I/O.

mod park;
mod yielded;

use park::WorkerTurnEnd;
#[cfg(all(test, tern_loom))]
pub(super) use park::{park_step, Watch};
pub(super) use yielded::defer_yield;
use yielded::poll_drivers_then_requeue_yielded;

use super::idle::LifoPushWake;
use super::queue::Local;
use super::{Handle, Sched};
use crate::runtime::context;
use crate::runtime::driver;
use crate::runtime::metrics::BusyClock;
use crate::runtime::scheduler::{self, OwnYield};
use crate::task::coop;
use crate::task::Notified;
use crate::time::slack::PreciseTimers;
use std::cell::RefCell;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::Duration;

/// Task polls in a row from the LIFO slot before it yields to the ring.
const MAX_LIFO_POLLS_PER_TICK: usize = 3;

/// How long a peer must make no progress before its LIFO task is rescued.
pub(super) const WATCHDOG_PERIOD: Duration = Duration::from_millis(2);

/// How long the holder of an idle (unarmed) watch waits before its one
/// look at its peers before the watch goes deep: the longest a task pushed
/// into a LIFO slot behind a poll that then blocks waits before the watch
/// arms (then one `WATCHDOG_PERIOD` more). Once deep, the push wakes it.
pub(super) const WATCH_IDLE_PERIOD: Duration = Duration::from_millis(250);

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
    /// Tasks that yielded (`yield_now`, a spent coop budget): queued again
    /// only after the drivers' next poll, when this worker runs out of
    /// other work or at the next maintenance tick (Tokio's deferral).
    yielded: Vec<Notified<Sched>>,
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
            yielded: Vec::new(),
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
        if !self.yielded.is_empty() {
            // The round ends: `requeue_yielded` takes this worker's share
            // of the injection queue ahead of the yielded tasks, in one
            // batch, rather than this worker chasing every task pushed
            // from outside one lock at a time while they wait.
            return None;
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
        handle.inject.pop_batch(want, |mut batch| {
            let first = batch.next();
            run_queue.push_back_batch(batch);
            first
        })?
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
                return Some(task);
            }
        }
        handle.inject.pop()
    }

    /// The watchdog's round: rescues work from a peer that has been inside
    /// one poll since the last round.
    /// Also returns whether any peer made progress (polled a task) since
    /// the last round.
    fn rescue_stranded(&mut self, handle: &Handle) -> (Option<Notified<Sched>>, bool) {
        let mut found = None;
        let mut progressed = false;
        for (i, remote) in handle.remotes.iter().enumerate() {
            if i == self.index {
                continue;
            }
            let polls = remote.polls.load(Relaxed);
            let stuck = self.seen[i] == polls && remote.in_poll.load(Relaxed);
            progressed |= self.seen[i] != polls;
            self.seen[i] = polls;
            if stuck && found.is_none() {
                found = remote.steal.steal_lifo().or_else(|| remote.steal.steal_into(&mut self.run_queue));
            }
        }
        (found, progressed)
    }

    fn record_peers(&mut self, handle: &Handle) {
        for (seen, remote) in self.seen.iter_mut().zip(handle.remotes.iter()) {
            *seen = remote.polls.load(Relaxed);
        }
    }

    /// Drops every queued notification (shutdown).
    fn drain(&mut self) {
        self.yielded.clear();
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
    /// The task being polled, and whether it yielded: when its poll ends
    /// notified after its own yield, it goes to `Core::yielded`.
    pub(crate) own_yield: OwnYield,
    /// This thread's timer slack, lowered before its first sleep until a
    /// timer's deadline.
    pub(super) precise: PreciseTimers,
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
    let should_notify = if is_yield || handle.config.disable_lifo_slot {
        core.run_queue.push_back_or_overflow(task, &handle.inject);
        true
    } else if !core.lifo_enabled {
        // A wake after the LIFO slot's run of polls: the task goes to the
        // ring. If it is the only task queued here, it is as the LIFO case
        // below (this worker runs it next; the watch covers a long poll):
        // waking a peer would only have it steal the task and turn a
        // same-worker ping-pong into a cross-thread one.
        let alone = !core.run_queue.has_tasks();
        core.run_queue.push_back_or_overflow(task, &handle.inject);
        if alone {
            watch_the_push(handle);
        }
        !alone
    } else {
        match core.run_queue.push_lifo(task) {
            Some(prev) => {
                core.run_queue.push_back_or_overflow(prev, &handle.inject);
                true
            }
            None => {
                // Nothing to share yet.
                watch_the_push(handle);
                false
            }
        }
    };
    if should_notify {
        handle.notify_parked();
    }
}

/// A woken task queued alone on this worker (nothing for a peer to take
/// yet): if no parked worker holds the watch, wake one to take it; if its
/// holder sleeps deep, wake it (an armed or idle watch finds the task on
/// its own). The push comes first: `lifo_push_wake` pairs with the deep
/// watch's last look (`idle.rs`).
fn watch_the_push(handle: &Handle) {
    match handle.idle.lifo_push_wake() {
        LifoPushWake::Nobody => {}
        LifoPushWake::AnyParked => handle.notify_parked(),
        LifoPushWake::Holder(worker) => handle.remotes[worker].park.unpark(),
    }
}

enum Next {
    Run(Notified<Sched>),
    /// Nothing else to run but yielded tasks: poll the drivers, requeue.
    Yielded,
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
    let cx = Context {
        handle: handle.clone(),
        index,
        core: RefCell::new(Some(core)),
        own_yield: OwnYield::new(),
        precise: PreciseTimers::new(),
    };
    let _installed = context::set_scheduler(context::Driven::MultiThread(&cx));
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
        if maintenance {
            poll_drivers_then_requeue_yielded(&cx);
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
            if !core.yielded.is_empty() {
                return Next::Yielded;
            }
            match core.steal_work(&handle) {
                Some(task) => Next::Run(task),
                None => Next::Park,
            }
        });
        match next {
            Next::Run(task) => run_task(&cx, task),
            Next::Yielded => poll_drivers_then_requeue_yielded(&cx),
            Next::Park => park::park(&cx),
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
                    for task in core.yielded.drain(..) {
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
/// next, wake a parked worker once. That may be this worker itself, still
/// counted as parked during a turn in its park: it then leaves its park as
/// a searcher (and, finding work, wakes a peer as the last searcher), as
/// before, but its parker gets no token. The token made its next park one
/// more non-blocking poll of the driver, nearly every time: 3 in 4 of the
/// `epoll_wait` calls of a one-worker HTTP server under `wrk`.
fn end_driver_poll(cx: &Context) {
    let woke_many = cx.with_core(|core| {
        core.in_driver_park = false;
        std::mem::take(&mut core.driver_woken) > 1
    });
    if woke_many {
        cx.handle.notify_parked_from(cx.index);
    }
}

fn run_task(cx: &Context, task: Notified<Sched>) {
    let handle = &cx.handle;
    let remote = &handle.remotes[cx.index];
    cx.with_core(|core| core.transition_from_searching(handle));
    remote.in_poll.store(true, Relaxed);
    coop::budget(|| {
        bump(remote);
        run_one(cx, task);
        if !cx.has_core() {
            // Handed over by `block_in_place` during the poll.
            return;
        }
        let mut lifo_polls = 0;
        loop {
            let next = cx.with_core(|core| {
                let task = core.run_queue.pop_lifo()?;
                if !coop::has_budget_remaining() || lifo_polls >= MAX_LIFO_POLLS_PER_TICK {
                    // Fairness: the woken task waits its turn in the ring.
                    core.run_queue.push_back_or_overflow(task, &handle.inject);
                    core.lifo_enabled = true;
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
                    run_one(cx, task);
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

/// Polls one task, with it recorded as the running one (for its yield,
/// `OwnYield`).
#[inline]
fn run_one(cx: &Context, task: Notified<Sched>) {
    cx.own_yield.polling(task.header_addr(), || task.run());
}

/// Counts a poll (the watchdog's progress signal). Only this worker
/// writes its counter, so a load and a store suffice.
#[inline]
fn bump(remote: &super::Remote) {
    remote.polls.store(remote.polls.load(Relaxed).wrapping_add(1), Relaxed);
}

/// Cancels this worker's share of the tasks and drops its queues.
fn shutdown_worker(cx: &Context) {
    let handle = &cx.handle;
    cx.with_core(Core::drain);
    handle.owned.shutdown_all(cx.index);
    // Cancelling may have woken tasks onto this worker's queues.
    cx.with_core(Core::drain);
}
