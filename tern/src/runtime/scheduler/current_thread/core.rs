//! The core of the current-thread scheduler and its run loop.

use super::inject::{Inject, Queue};
use super::Handle;
use crate::runtime::context;
use crate::runtime::driver::Take;
use crate::runtime::metrics::{BusyClock, WorkerMetrics};
use crate::runtime::scheduler::{self, OwnYield};
use crate::task::coop;
use crate::task::list::OwnedList;
use crate::task::{Notified, Task, Yielded};
use crate::time::slack::PreciseTimers;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering::*;
use std::sync::Arc;
use std::task::{Poll, Waker};
use std::time::Instant;

type Sched = Arc<Handle>;

/// Local queue capacity kept after a burst drains; a larger buffer is
/// shrunk back so that a one-off spike of a million tasks does not pin
/// megabytes for the life of the runtime.
const KEEP_CAPACITY: usize = 64 * 1024;

/// A run-queue entry.
pub(super) enum Queued {
    /// An idle task that was notified: polled through `transition_to_running`.
    Notified(Notified<Sched>),
    /// A task that yielded in place, still running: polled again as it is
    /// (dropping it cancels the task, see `Yielded`).
    Yielded(Yielded<Sched>),
}

impl Queued {
    fn header_addr(&self) -> *const () {
        match self {
            Queued::Notified(n) => n.header_addr(),
            Queued::Yielded(y) => y.header_addr(),
        }
    }

    fn run(self) {
        match self {
            Queued::Notified(n) => n.run(),
            Queued::Yielded(y) => y.resume(),
        }
    }
}

/// The scheduler state that one thread at a time owns.
pub(crate) struct Core {
    run_queue: VecDeque<Queued>,
    owned: OwnedList<Sched>,
    /// Buffers swapped with the inject queue's (see `Inject::take_all`).
    remote: Queue<Sched>,
    tick: u32,
    /// Shared with the handle: what this core publishes for metrics.
    published: Arc<Published>,
    busy: BusyClock,
    /// Tasks that yielded (`yield_now`, coop budget spent) during their
    /// last poll: queued again after the next poll of the drivers.
    yielded: Vec<Yielded<Sched>>,
}

/// Counters written only by the thread holding the core (which the core's
/// handover orders), read by anyone through `RuntimeMetrics`.
#[derive(Default)]
#[repr(align(128))]
pub(super) struct Published {
    pub(super) worker: WorkerMetrics,
    /// Tasks in the owned list plus those taken from the inject queue and
    /// not yet linked.
    pub(super) alive: std::sync::atomic::AtomicUsize,
}

/// The core installed on the thread that drives it.
pub(crate) struct Context {
    pub(super) handle: Arc<Handle>,
    /// `None` only while the core is being handed back.
    pub(super) core: RefCell<Option<Box<Core>>>,
    /// Wakers deferred by a yield (`yield_now`, or out of coop budget)
    /// that are not the running task's own (the `block_on` future's, a
    /// combinator's): woken only after the next poll of the drivers, so
    /// that a yield lets I/O and timers in before the task runs again (as
    /// in Tokio). The running task's own yield takes no waker: see
    /// `own_yield`.
    deferred: RefCell<Vec<Waker>>,
    /// The task being polled, and whether it yielded: when its poll
    /// returns `Pending` after its own yield, the scheduler's
    /// `yield_in_place` queues it as it is in `Core::yielded`.
    pub(super) own_yield: OwnYield,
}

impl Core {
    pub(super) fn new(published: Arc<Published>) -> Core {
        Core {
            run_queue: VecDeque::new(),
            owned: OwnedList::new(),
            remote: Queue::new(),
            tick: 0,
            published,
            busy: BusyClock::default(),
            yielded: Vec::new(),
        }
    }

    /// Publishes the number of live tasks (a plain store: only the core's
    /// holder writes it).
    #[inline]
    fn publish_alive(&self) {
        self.published.alive.store(self.owned.len() + self.remote.spawned.len(), Relaxed);
    }

    fn metrics(&self) -> &WorkerMetrics {
        &self.published.worker
    }

    #[cfg(all(test, not(tern_loom)))]
    pub(super) fn owned_len(&self) -> usize {
        self.owned.len()
    }

    /// Links a new task into the owned list and queues its first run.
    #[inline]
    pub(super) fn bind(&mut self, task: Task<Sched>, notified: Notified<Sched>) {
        match self.owned.push(task) {
            Ok(()) => {
                self.run_queue.push_back(Queued::Notified(notified));
                self.publish_alive();
            }
            Err(task) => {
                // Shut down: cancelled before it ever runs.
                task.shutdown();
                drop(notified);
            }
        }
    }

    #[inline]
    pub(super) fn push(&mut self, notified: Notified<Sched>) {
        self.run_queue.push_back(Queued::Notified(notified));
    }

    /// Queues a task that yielded in place, after the next poll of the
    /// drivers.
    pub(super) fn push_yielded(&mut self, task: Yielded<Sched>) {
        self.yielded.push(task);
    }

    /// # Safety
    ///
    /// `task` is in this core's owned list or in none.
    pub(super) unsafe fn release(&mut self, task: &Task<Sched>) -> Option<Task<Sched>> {
        // SAFETY: forwarded from the caller.
        let removed = unsafe { self.owned.remove(task) };
        if removed.is_some() {
            self.publish_alive();
        }
        removed
    }

    /// Moves everything from the inject queue to the back of the local
    /// queue, linking spawned tasks into the owned list.
    pub(super) fn take_remote(&mut self, inject: &Inject<Sched>) {
        inject.take_all(&mut self.remote);
        // The spawned ones count as alive while they wait to be linked.
        self.publish_alive();
        while let Some(n) = self.remote.woken.pop_front() {
            self.run_queue.push_back(Queued::Notified(n));
        }
        while let Some((task, notified)) = self.remote.spawned.pop_front() {
            self.bind(task, notified);
        }
    }

    fn next_task(&mut self, handle: &Handle) -> Option<Queued> {
        self.tick = self.tick.wrapping_add(1);
        if self.tick % handle.config.global_queue_interval == 0 && !handle.inject.is_empty() {
            self.take_remote(&handle.inject);
            // Run an injected task now rather than after the local ones.
            if let Some(n) = self.run_queue.pop_back() {
                self.run_queue.push_front(n);
            }
        }
        if let Some(task) = self.run_queue.pop_front() {
            return Some(task);
        }
        if !handle.inject.is_empty() {
            self.take_remote(&handle.inject);
            return self.run_queue.pop_front();
        }
        if self.run_queue.capacity() > KEEP_CAPACITY {
            self.run_queue.shrink_to(KEEP_CAPACITY / 4);
        }
        None
    }
}

impl Context {
    fn new(handle: Arc<Handle>, core: Box<Core>) -> Context {
        Context {
            handle,
            core: RefCell::new(Some(core)),
            deferred: RefCell::new(Vec::new()),
            own_yield: OwnYield::new(),
        }
    }

    /// Keeps `waker` to be woken after the next poll of the drivers. A run
    /// of yields by the same task keeps one waker. The running task's own
    /// waker is not woken at all: the flag makes the scheduler's
    /// `yield_in_place` queue the task as it is, still running, when its
    /// poll returns (no atomic operation, where a clone and a later wake
    /// are two, and the return to idle and the next run two more).
    pub(crate) fn defer(&self, waker: &Waker) {
        if self.own_yield.note(waker) {
            return;
        }
        let mut deferred = self.deferred.borrow_mut();
        if !deferred.last().is_some_and(|last| last.will_wake(waker)) {
            deferred.push(waker.clone());
        }
    }

    fn has_deferred(&self) -> bool {
        !self.deferred.borrow().is_empty() || self.with_core(|core| !core.yielded.is_empty())
    }

    /// Queues the yielded tasks and wakes the deferred wakers (outside the
    /// borrow: a wake may defer again, or schedule onto this core).
    fn wake_deferred(&self) {
        if let Ok(mut core) = self.core.try_borrow_mut() {
            if let Some(core) = core.as_mut() {
                let Core { yielded, run_queue, .. } = &mut **core;
                if !yielded.is_empty() {
                    run_queue.extend(yielded.drain(..).map(Queued::Yielded));
                }
            }
        }
        if self.deferred.borrow().is_empty() {
            return;
        }
        let mut wakers = std::mem::take(&mut *self.deferred.borrow_mut());
        for waker in wakers.drain(..) {
            crate::runtime::driver::wake(waker);
        }
        // Keep the buffer (and its capacity) for the next round of yields,
        // unless a wake deferred again meanwhile.
        let mut deferred = self.deferred.borrow_mut();
        if deferred.is_empty() {
            *deferred = wakers;
        }
    }

    #[inline]
    fn with_core<R>(&self, f: impl FnOnce(&mut Core) -> R) -> R {
        let mut core = self.core.borrow_mut();
        f(core.as_mut().expect("the scheduler core is installed while it is driven"))
    }
}

/// Puts the core back into the handle when the drive ends, also when the
/// `block_on` future panics.
struct CoreGuard<'a> {
    cx: &'a Context,
}

impl Drop for CoreGuard<'_> {
    fn drop(&mut self) {
        // A yielded task is not left behind when the drive ends: its wake
        // goes to the queue the next driver of the core runs.
        self.cx.wake_deferred();
        if let Some(mut core) = self.cx.core.borrow_mut().take() {
            let Core { busy, published, .. } = &mut *core;
            busy.stop(&published.worker);
            self.cx.handle.release_core(core);
        }
    }
}

/// The run loop: polls `future` when woken, runs tasks in between, parks
/// when idle, until `future` completes.
pub(super) fn drive<F: Future>(handle: &Arc<Handle>, core: Box<Core>, mut future: Pin<&mut F>) -> F::Output {
    let cx = Context::new(handle.clone(), core);
    let _installed = context::set_scheduler(context::Driven::CurrentThread(&cx));
    let _guard = CoreGuard { cx: &cx };
    cx.with_core(|core| core.busy.start());

    let precise = PreciseTimers::new();
    let waker = Waker::from(handle.clone());
    let mut task_cx = std::task::Context::from_waker(&waker);
    let config = &handle.config;
    handle.woken.store(true, Relaxed);
    'outer: loop {
        if handle.woken.swap(false, AcqRel) {
            if let Poll::Ready(v) = coop::budget(|| future.as_mut().poll(&mut task_cx)) {
                return v;
            }
        }
        for _ in 0..config.event_interval {
            // The borrow ends before the task runs: the task may spawn or
            // wake, which borrows the core again.
            let next = cx.with_core(|core| core.next_task(handle));
            match next {
                Some(task) => {
                    cx.own_yield.polling(task.header_addr(), || coop::budget(|| task.run()));
                }
                None => {
                    park(&cx, &precise);
                    continue 'outer;
                }
            }
        }
        // `event_interval` ticks: poll the drivers without blocking, then
        // check the `block_on` future.
        cx.with_core(|core| {
            let Core { busy, published, .. } = core;
            busy.checkpoint(&published.worker);
        });
        // Nobody parks waiting for these drivers: nothing answers their end.
        handle.drivers.turn_nonblocking(());
        cx.wake_deferred();
    }
}

/// Sleeps until a remote push, a wake of the `block_on` future, or the
/// next timer; with a paused clock and nothing else to do, moves the clock
/// to the next timer instead of sleeping. A sleep until a timer first
/// lowers the thread's timer slack (`precise`).
fn park(cx: &Context, precise: &PreciseTimers) {
    let handle = &cx.handle;
    let drivers = &handle.drivers;
    let has_work = || {
        handle.woken.load(Acquire)
            || !handle.inject.is_empty()
            || cx.with_core(|core| !core.run_queue.is_empty())
    };
    // One clock reading serves this side of the sleep (timers, busy time,
    // the timeout) and one the other: the clock costs tens of
    // nanoseconds a read on a VM, and a park with a timer pending read it
    // five times.
    let mut now = Instant::now();
    drivers.fire_timers_at(now);
    if has_work() || cx.has_deferred() {
        // No sleep, but the queue was empty: what is runnable is the
        // `block_on` future, a task pushed meanwhile, or tasks that
        // yielded. Poll I/O once without blocking, so a loop of yields
        // waiting for a socket still lets its events in, then run the
        // yielded tasks.
        drivers.turn_nonblocking(());
        cx.wake_deferred();
        return;
    }
    if let Some(f) = &handle.config.before_park {
        f();
        // The hook may have spawned, woken or yielded something.
        if has_work() || cx.has_deferred() {
            drivers.turn_nonblocking(());
            cx.wake_deferred();
            return;
        }
        // And it may have taken a while.
        now = Instant::now();
    }
    cx.with_core(|core| {
        core.metrics().about_to_park();
        let Core { busy, published, .. } = core;
        busy.stop_at(&published.worker, now);
    });
    let timeout = drivers.next_timer_at(&handle.park, now);
    let paused = drivers.time().filter(|t| t.clock().is_paused() && handle.blocking.running() == 0);
    // In the I/O driver if there is one (dispatching its events), else on
    // the condvar; nobody else waits for the driver (`()`).
    match (timeout, paused) {
        // Nothing can happen until the next timer except a wake or I/O
        // from outside: check for those without blocking, then jump the
        // paused clock and fire what is due.
        (Some(wait), Some(time)) => {
            let zero = Some(std::time::Duration::ZERO);
            if !drivers.park(&handle.park, Take::IfFree, zero, None, false, ()) && !has_work() {
                let _ = time.clock().advance(wait);
            }
            drivers.fire_timers();
        }
        (timeout, _) => {
            if timeout.is_some() {
                precise.arm();
            }
            // Timers are fired below, with the reading shared.
            drivers.park(&handle.park, Take::IfFree, timeout, Some(now), false, ());
            now = Instant::now();
            drivers.fire_timers_at(now);
        }
    }
    cx.with_core(|core| {
        core.metrics().unparked();
        core.busy.start_at(now);
    });
    if let Some(f) = &handle.config.after_unpark {
        f();
    }
}

/// Cancels every task: closes the inject queue and the owned list (later
/// spawns are cancelled on the spot), cancels every live task, drops every
/// queued notification, and puts the core back.
pub(super) fn shutdown(handle: &Arc<Handle>, core: Box<Core>) {
    let cx = Context::new(handle.clone(), core);
    let _installed = context::set_scheduler(context::Driven::CurrentThread(&cx));
    let _current = context::set_current(scheduler::Handle::CurrentThread(handle.clone()));
    let _guard = CoreGuard { cx: &cx };

    let remote = handle.inject.close();
    cx.with_core(|core| core.owned.close());
    for (task, notified) in remote.spawned {
        task.shutdown();
        drop(notified);
    }
    drop(remote.woken);
    // Each step may run task destructors, which may wake or spawn (spawns
    // are cancelled at once now): loop until everything is empty.
    loop {
        if let Some(task) = cx.with_core(|core| core.owned.pop()) {
            task.shutdown();
            continue;
        }
        // A yielded task (still running) is cancelled by its drop; a
        // notification only gives up its reference.
        if let Some(queued) = cx
            .with_core(|core| core.run_queue.pop_front().or_else(|| core.yielded.pop().map(Queued::Yielded)))
        {
            drop(queued);
            continue;
        }
        break;
    }
    cx.with_core(|core| {
        debug_assert_eq!(core.owned.len(), 0);
        core.run_queue = VecDeque::new();
        core.publish_alive();
    });
}
