//! The multi-thread, work-stealing scheduler.
//!
//! # Pieces
//!
//! * [`Handle`] (shared): per-worker [`Remote`]s (the stealable end of each
//!   run queue, the worker's parker, its progress counter), the injection
//!   queue (`inject.rs`), the idle bookkeeping (`idle.rs`), and the sharded
//!   list of live tasks (`owned.rs`).
//! * Each worker thread owns a `Core` (`worker/`): its run queue
//!   (`queue.rs`: a 256-slot lock-free ring plus a LIFO slot) and tick.
//! * The thread in [`Handle::block_on`] polls its future and, while every
//!   worker is parked, the I/O driver too (`block_on/`).
//!
//! # Where a task goes
//!
//! | from                                   | to                                  |
//! |----------------------------------------|-------------------------------------|
//! | spawn or wake on a worker of this runtime | that worker's LIFO slot (the displaced task to its ring) |
//! | yield (`yield_now`, spent budget)      | the back of that worker's ring      |
//! | a full ring                            | half of it to the injection queue, one batch |
//! | spawn or wake from any other thread    | the injection queue, then unpark a worker if none is searching |
//!
//! Idle workers steal half of a peer's ring; the injection queue is checked
//! every `global_queue_interval` ticks and whenever a worker runs dry.
//!
//! # Shutdown
//!
//! `shutdown` closes the injection queue and the task list (later spawns
//! are cancelled on the spot) and wakes every worker. Each worker drops its
//! queues and cancels its share of the live tasks, then exits; the last one
//! out cancels anything left and signals the runtime, whose drop waits for
//! it (`shutdown_timeout` bounds the wait).

pub(crate) mod block_in_place;
pub(crate) mod block_on;
mod idle;
mod inject;
#[cfg(all(test, tern_loom))]
mod loom;
mod owned;
pub(crate) mod queue;
mod worker;

pub(crate) use worker::Context;

use self::idle::Idle;
use self::inject::Inject;
use self::owned::OwnedTasks;
use crate::loom::sync::atomic::{AtomicBool, AtomicU64, Ordering::*};
use crate::loom::sync::{Condvar, Mutex};
use crate::runtime::blocking::BlockingSpawner;
use crate::runtime::context;
use crate::runtime::driver::Drivers;
use crate::runtime::metrics::WorkerMetrics;
use crate::runtime::park::ParkInner;
use crate::runtime::{Callback, ThreadNameFn};
use crate::task::{self, Id, JoinHandle, Notified, Schedule, Task};
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub(crate) type Sched = Arc<Handle>;

pub(crate) struct Config {
    pub(crate) io: Option<crate::io::driver::Handle>,
    pub(crate) time: Option<crate::time::driver::Handle>,
    pub(crate) worker_threads: usize,
    pub(crate) event_interval: u32,
    pub(crate) global_queue_interval: u32,
    pub(crate) disable_lifo_slot: bool,
    pub(crate) thread_name: ThreadNameFn,
    pub(crate) thread_stack_size: Option<usize>,
    pub(crate) after_start: Option<Callback>,
    pub(crate) before_stop: Option<Callback>,
    pub(crate) before_park: Option<Callback>,
    pub(crate) after_unpark: Option<Callback>,
    /// Seeds of the threads that call `block_on`.
    pub(crate) seed_generator: crate::runtime::rng::RngSeedGenerator,
    /// Root of the worker threads' seeds (worker `i`: `worker_seed.derive(i)`).
    pub(crate) worker_seed: crate::runtime::rng::RngSeed,
    /// The runtime's id and name (`Handle::id`, `Handle::name`).
    pub(crate) id: crate::runtime::Id,
    pub(crate) name: Option<String>,
}

/// What other threads see of one worker.
#[repr(align(128))]
pub(crate) struct Remote {
    steal: queue::Steal<Sched>,
    park: Arc<ParkInner>,
    /// Polls started by this worker; only it writes (watchdog signal).
    polls: AtomicU64,
    /// Whether the worker is inside a task poll right now.
    in_poll: AtomicBool,
    /// The worker's published counters (`RuntimeMetrics`); only it writes.
    metrics: WorkerMetrics,
}

pub(crate) struct Handle {
    remotes: Box<[Remote]>,
    inject: Inject<Sched>,
    idle: Idle,
    owned: OwnedTasks<Sched>,
    pub(super) config: Config,
    pub(crate) blocking: BlockingSpawner,
    /// The I/O and time drivers, if enabled, and the driver role: which
    /// parked worker drives them (`runtime/driver.rs`).
    pub(crate) drivers: Drivers,
    /// A `block_on` thread's claim on polling I/O (`block_on/`).
    block_on_io: block_on::BlockOnIo,
    /// The parker of the last `block_on` that ended, and its handover
    /// backoff, for the next one to take (`block_on/run.rs`): a `block_on`
    /// whose future is ready at once then allocates nothing.
    block_on_parker: Mutex<Option<(Arc<ParkInner>, block_on::Backoff)>>,
    shutdown: AtomicBool,
    /// Workers still running, and the condvar the runtime's drop waits on.
    live_workers: Mutex<usize>,
    exited: Condvar,
    /// The worker threads, joined by a drop that waits without limit.
    threads: Mutex<Vec<std::thread::JoinHandle<()>>>,
}

/// What the `block_on` loop and the worker's park step use (`block_on/`).
impl block_on::Host for Handle {
    type Io = crate::io::driver::Handle;

    #[inline]
    fn drivers(&self) -> &Drivers {
        &self.drivers
    }

    #[inline]
    fn block_on_io(&self) -> &block_on::BlockOnIo {
        &self.block_on_io
    }

    #[inline]
    fn all_parked(&self) -> bool {
        self.idle.all_parked()
    }

    #[inline]
    fn inject_is_empty(&self) -> bool {
        self.inject.is_empty()
    }

    fn wake_role_holder(&self) {
        self.remotes[self.drivers.role_holder()].park.unpark();
    }
}

impl Handle {
    /// Seeds of the threads that call `block_on`.
    pub(crate) fn seed_generator(&self) -> &crate::runtime::rng::RngSeedGenerator {
        &self.config.seed_generator
    }

    /// The seed of worker `index`'s generator.
    pub(crate) fn worker_seed(&self, index: usize) -> crate::runtime::rng::RngSeed {
        self.config.worker_seed.derive(index as u64)
    }

    /// Builds the scheduler and starts its worker threads.
    pub(crate) fn launch(mut config: Config, blocking: BlockingSpawner) -> std::io::Result<Arc<Handle>> {
        let drivers = Drivers::new(config.io.take(), config.time.take());
        let n = config.worker_threads;
        let mut locals = Vec::with_capacity(n);
        let remotes = (0..n)
            .map(|_| {
                let (steal, local) = queue::local();
                locals.push(local);
                Remote {
                    steal,
                    park: drivers.new_parker(),
                    polls: AtomicU64::new(0),
                    in_poll: AtomicBool::new(false),
                    metrics: WorkerMetrics::new(),
                }
            })
            .collect();
        let handle = Arc::new(Handle {
            remotes,
            inject: Inject::new(),
            idle: Idle::new(n),
            owned: OwnedTasks::new(n),
            config,
            blocking,
            drivers,
            block_on_io: block_on::BlockOnIo::new(),
            block_on_parker: Mutex::new(None),
            shutdown: AtomicBool::new(false),
            live_workers: Mutex::new(n),
            exited: Condvar::new(),
            threads: Mutex::new(Vec::with_capacity(n)),
        });
        for (index, local) in locals.into_iter().enumerate() {
            let core = worker::Core::new(index, local, n);
            let h = handle.clone();
            let mut builder = std::thread::Builder::new().name((handle.config.thread_name)());
            if let Some(size) = handle.config.thread_stack_size {
                builder = builder.stack_size(size);
            }
            match builder.spawn(move || worker::run(h, index, core)) {
                Ok(thread) => handle.threads.lock().push(thread),
                Err(e) => {
                    // Stop the workers already started, then report.
                    *handle.live_workers.lock() -= n - index;
                    handle.shutdown();
                    return Err(e);
                }
            }
        }
        Ok(handle)
    }

    pub(crate) fn spawn<F>(handle: &Arc<Handle>, future: F, id: Id) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (task, notified, join) = task::new_task(future, handle.clone(), id);
        if let Err(task) = handle.owned.bind(task) {
            // Shut down: cancelled before it ever runs.
            task.shutdown();
            drop(notified);
            return join;
        }
        handle.schedule_task(notified, false);
        join
    }

    fn schedule_task(&self, task: Notified<Sched>, is_yield: bool) {
        let mut task = Some(task);
        context::with_worker(|cx| {
            let Some(cx) = cx else { return };
            if !std::ptr::eq(Arc::as_ptr(&cx.handle), self) {
                return;
            }
            cx.try_with_core(|core| {
                let task = task.take().expect("present");
                if is_yield && cx.own_yield.take() {
                    worker::defer_yield(core, task);
                } else {
                    worker::schedule_local(self, core, task, is_yield);
                }
            });
        });
        if let Some(task) = task {
            // A non-empty injection queue already has a worker on its way:
            // the one woken for its first task takes a fair batch and, as
            // the last searcher to find work, wakes another.
            if self.inject.push(task) {
                self.notify_parked();
            }
        }
    }

    /// Wakes a parked worker if one is needed (see `idle.rs`).
    fn notify_parked(&self) {
        if let Some(index) = self.idle.worker_to_notify() {
            self.remotes[index].park.unpark();
        }
    }

    /// As [`notify_parked`](Handle::notify_parked), from worker `me`,
    /// which may itself still be counted as parked (a driver turn in its
    /// park). If `me` is the worker picked, it is counted as searching as
    /// any woken worker, and its park loop sees it is no longer parked;
    /// its own parker is left alone, since it is awake.
    fn notify_parked_from(&self, me: usize) {
        if let Some(index) = self.idle.worker_to_notify() {
            if index != me {
                self.remotes[index].park.unpark();
            }
        }
    }

    /// Whether a worker other than `me` has tasks queued (the watch's look
    /// at its peers, `idle.rs`).
    fn peers_have_queued_work(&self, me: usize) -> bool {
        self.remotes.iter().enumerate().any(|(i, r)| i != me && r.steal.has_queued())
    }

    /// Called by the last searcher as it parks: wakes a worker if work it
    /// could have taken was left behind.
    fn notify_if_work_pending(&self) {
        if stealable_work(self.remotes.iter().map(|r| &r.steal), &self.inject) {
            self.notify_parked();
        }
    }

    pub(crate) fn num_workers(&self) -> usize {
        self.remotes.len()
    }

    pub(crate) fn num_alive_tasks(&self) -> usize {
        self.owned.len()
    }

    pub(crate) fn injection_queue_depth(&self) -> usize {
        self.inject.len()
    }

    pub(crate) fn worker_metrics(&self, index: usize) -> Option<&WorkerMetrics> {
        self.remotes.get(index).map(|r| &r.metrics)
    }

    fn is_shutdown(&self) -> bool {
        self.shutdown.load(Acquire)
    }

    /// Closes the scheduler and wakes every worker to wind down.
    pub(crate) fn shutdown(&self) {
        if self.shutdown.swap(true, AcqRel) {
            return;
        }
        self.owned.close();
        drop(self.inject.close());
        for remote in self.remotes.iter() {
            remote.park.unpark();
        }
    }

    fn worker_exited(&self) {
        let mut live = self.live_workers.lock();
        *live -= 1;
        if *live == 0 {
            // Last one out: nothing may be left behind.
            self.owned.shutdown_all(0);
            drop(self.inject.close());
            debug_assert!(self.owned.is_empty());
            self.exited.notify_all();
        }
    }

    /// Waits until every worker exited (up to `timeout`). Returns whether
    /// they did.
    pub(crate) fn wait_for_workers(&self, timeout: Option<Duration>) -> bool {
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut live = self.live_workers.lock();
        while *live > 0 {
            match deadline {
                None => live = self.exited.wait(live),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return false;
                    }
                    live = self.exited.wait_timeout(live, deadline - now);
                }
            }
        }
        drop(live);
        if timeout.is_none() {
            for thread in std::mem::take(&mut *self.threads.lock()) {
                let _ = thread.join();
            }
        }
        true
    }
}

/// Whether a parked worker, once woken, could take some of this work: a
/// peer's ring (stealing) or the injection queue. A task in a peer's LIFO
/// slot does not count: ordinary stealing cannot take it (only its owner
/// or the watchdog does), so waking a worker for it makes that worker (most
/// often the caller itself, the most recently parked) search, find
/// nothing, and park again, in a loop until the watchdog's next round.
fn stealable_work<'a, S: crate::task::Schedule>(
    steals: impl IntoIterator<Item = &'a queue::Steal<S>>,
    inject: &Inject<S>,
) -> bool {
    !inject.is_empty() || steals.into_iter().any(queue::Steal::has_stealable)
}

#[cfg(all(test, not(tern_loom)))]
mod tests;
#[cfg(all(test, not(tern_loom)))]
mod token_tests;

impl Schedule for Arc<Handle> {
    fn release(&self, task: &Task<Self>) -> Option<Task<Self>> {
        self.owned.remove(task)
    }

    fn schedule(&self, task: Notified<Self>) {
        self.schedule_task(task, false);
    }

    fn yield_now(&self, task: Notified<Self>) {
        self.schedule_task(task, true);
    }
}
