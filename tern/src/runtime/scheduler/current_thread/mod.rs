//! The current-thread scheduler: every task runs on the thread that calls
//! `Runtime::block_on`.
//!
//! # Pieces
//!
//! * [`Handle`] (shared, `Arc`): the inject queue for other threads, the
//!   parker of the driving thread, the "`block_on` future was woken" flag,
//!   and the parked [`Core`] while no thread drives the scheduler.
//! * [`Core`] (owned by one thread at a time): the local run queue and the
//!   list of live tasks. No lock guards it: a thread takes the core out of
//!   the handle to drive the scheduler and puts it back when done.
//! * [`Context`]: the core installed on the driving thread, reachable via
//!   the thread-local `context::with_current_thread`, so that a spawn or wake on
//!   that thread pushes to the local queue with no atomic operation beyond
//!   the task's own state word.
//!
//! # Flow
//!
//! `spawn` on the driving thread: allocate, link into the core's owned list,
//! push to the local queue. `spawn` or wake from elsewhere: push to the
//! inject queue, unpark the driver. The loop in `core.rs` polls the
//! `block_on` future whenever its waker fired, then runs up to
//! `event_interval` tasks, taking from the local queue first and from the
//! inject queue when the local one is empty or every
//! `global_queue_interval` ticks; with nothing to do it parks.
//!
//! # Invariants
//!
//! * A task is, until it completes, either in the core's owned list or in
//!   the inject queue's `spawned` side (which carries its list reference).
//! * Only the thread holding the core completes tasks, so `release` (which
//!   unlinks from the owned list) runs where the list is; a task completed
//!   elsewhere (cancelled at shutdown by a remote spawner) was never linked.

mod core;
mod inject;

pub(crate) use self::core::Context;
use self::core::{Core, Published};
use self::inject::Inject;

use crate::loom::sync::atomic::{AtomicBool, Ordering::*};
use crate::loom::sync::Mutex;
use crate::runtime::blocking::BlockingSpawner;
use crate::runtime::context;
use crate::runtime::driver::Drivers;
use crate::runtime::metrics::WorkerMetrics;
use crate::runtime::park::{self, ParkInner};
use crate::runtime::Callback;
use crate::task::{self, Id, JoinHandle, Notified, Schedule, Task, Yielded};
use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Poll, Wake, Waker};

pub(crate) struct Config {
    pub(crate) io: Option<crate::io::driver::Handle>,
    pub(crate) time: Option<crate::time::driver::Handle>,
    pub(crate) event_interval: u32,
    pub(crate) global_queue_interval: u32,
    pub(crate) before_park: Option<Callback>,
    pub(crate) after_unpark: Option<Callback>,
    /// For a `LocalRuntime`: the thread that owns it, the only one that may
    /// drive the scheduler (it runs `!Send` tasks).
    pub(crate) local_owner: Option<std::thread::ThreadId>,
    /// Seeds of the threads that enter the runtime (`block_on`).
    pub(crate) seed_generator: crate::runtime::rng::RngSeedGenerator,
    /// The runtime's id and name (`Handle::id`, `Handle::name`).
    pub(crate) id: crate::runtime::Id,
    pub(crate) name: Option<String>,
}

/// The core's parking place between `block_on` calls.
struct CoreSlot {
    core: Option<Box<Core>>,
    waiters: Vec<Waker>,
}

pub(crate) struct Handle {
    inject: Inject<Arc<Handle>>,
    /// The `block_on` future's waker fired since it was last polled.
    woken: AtomicBool,
    /// Parks the driving thread when there is nothing to do.
    park: Arc<ParkInner>,
    /// The I/O and time drivers, if enabled (`runtime/driver.rs`).
    pub(crate) drivers: Drivers,
    /// The core, while no thread drives the scheduler, and the threads in
    /// `block_on` waiting for it to come back (one lock: putting the core
    /// back and taking the waiters is one step).
    core: Mutex<CoreSlot>,
    pub(super) config: Config,
    pub(crate) blocking: BlockingSpawner,
    /// Counters the core's holder publishes (`RuntimeMetrics`).
    published: Arc<Published>,
}

impl Handle {
    /// Seeds of the threads that enter the runtime (`block_on`).
    pub(crate) fn seed_generator(&self) -> &crate::runtime::rng::RngSeedGenerator {
        &self.config.seed_generator
    }

    pub(crate) fn new(mut config: Config, blocking: BlockingSpawner) -> Arc<Handle> {
        let drivers = Drivers::new(config.io.take(), config.time.take());
        let park = drivers.new_parker();
        let published = Arc::new(Published::default());
        Arc::new(Handle {
            inject: Inject::new(),
            woken: AtomicBool::new(false),
            park,
            drivers,
            core: Mutex::new(CoreSlot {
                core: Some(Box::new(Core::new(published.clone()))),
                waiters: Vec::new(),
            }),
            config,
            blocking,
            published,
        })
    }

    pub(crate) fn spawn<F>(handle: &Arc<Handle>, future: F, id: Id) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (task, notified, join) = task::new_task(future, handle.clone(), id);
        handle.bind_new(task, notified);
        join
    }

    /// Spawns a `!Send` future on a `LocalRuntime`.
    ///
    /// # Safety
    ///
    /// This is a `LocalRuntime`'s scheduler and the caller is its owner
    /// thread (`local_owner`), the only thread that may drive it: so the
    /// task is only ever polled and dropped there.
    pub(crate) unsafe fn spawn_local<F>(handle: &Arc<Handle>, future: F, id: Id) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        debug_assert_eq!(handle.config.local_owner, Some(std::thread::current().id()));
        // SAFETY: forwarded from the caller: only the owner thread drives
        // this scheduler, so only it polls or cancels the task.
        let (task, notified, join) = unsafe { task::new_local_task(future, handle.clone(), id) };
        handle.bind_new(task, notified);
        join
    }

    /// Whether this is a `LocalRuntime` owned by the calling thread.
    pub(crate) fn is_local_owned_here(&self) -> Option<bool> {
        self.config.local_owner.map(|owner| owner == std::thread::current().id())
    }

    /// Links a new task into the core (when this thread holds it) or hands
    /// it to the inject queue for whoever drives the scheduler.
    fn bind_new(self: &Arc<Self>, task: Task<Arc<Handle>>, notified: Notified<Arc<Handle>>) {
        let handle = self;
        let mut pending = Some((task, notified));
        handle.with_local_core(|core| {
            if let Some((task, notified)) = pending.take() {
                core.bind(task, notified);
            }
        });
        if let Some((task, notified)) = pending {
            if let Err((task, notified)) = handle.inject.push_spawned(task, notified) {
                // Shut down: the task is cancelled before it ever runs.
                task.shutdown();
                drop(notified);
            } else {
                handle.park.unpark();
            }
        }
    }

    /// Runs `f` on the core if this thread holds it (and it is not
    /// borrowed already, as during a re-entrant call from a `Drop`).
    #[inline]
    fn with_local_core<R>(&self, f: impl FnOnce(&mut Core) -> R) -> Option<R> {
        context::with_current_thread(|cx| {
            let cx = cx?;
            if !std::ptr::eq(Arc::as_ptr(&cx.handle), self) {
                return None;
            }
            let mut core = cx.core.try_borrow_mut().ok()?;
            Some(f(core.as_mut()?))
        })
    }

    fn schedule_remote(&self, task: Notified<Arc<Handle>>) {
        match self.inject.push_woken(task) {
            Ok(()) => self.park.unpark(),
            // Shut down: the task was cancelled; drop the notification.
            Err(task) => drop(task),
        }
    }

    /// Drives the scheduler until `future` completes.
    pub(crate) fn block_on<F: Future>(self: &Arc<Self>, future: F) -> F::Output {
        if self.is_local_owned_here() == Some(false) {
            panic!(
                "a `LocalRuntime` can only be driven from the thread that created it: \
                 call `block_on` on that thread (its `Handle` may spawn `Send` tasks from anywhere)"
            );
        }
        let mut future = pin!(future);
        loop {
            let core = self.core.lock().core.take();
            if let Some(core) = core {
                return core::drive(self, core, future);
            }
            // Another thread drives the scheduler: wait for our future or
            // for the core, whichever comes first.
            let out = park::with_thread_parker(|parker, waker| {
                if !self.add_core_waiter(waker) {
                    return None;
                }
                let mut cx = std::task::Context::from_waker(waker);
                if let Poll::Ready(v) = crate::task::coop::budget(|| future.as_mut().poll(&mut cx)) {
                    return Some(v);
                }
                parker.park(None);
                None
            });
            if let Some(v) = out {
                return v;
            }
        }
    }

    /// Adds `waker` to the threads waiting for the core, unless the core
    /// is back already (`false`).
    fn add_core_waiter(&self, waker: &Waker) -> bool {
        let mut slot = self.core.lock();
        if slot.core.is_some() {
            return false;
        }
        if !slot.waiters.iter().any(|w| w.will_wake(waker)) {
            slot.waiters.push(waker.clone());
        }
        true
    }

    /// Puts the core back and wakes threads waiting for it.
    fn release_core(&self, core: Box<Core>) {
        let waiters = {
            let mut slot = self.core.lock();
            slot.core = Some(core);
            std::mem::take(&mut slot.waiters)
        };
        for w in waiters {
            w.wake();
        }
    }

    /// Cancels every task and closes the scheduler to new ones. Further
    /// spawns return handles that resolve to a cancelled `JoinError`.
    pub(crate) fn shutdown(self: &Arc<Self>) {
        let core = loop {
            let core = self.core.lock().core.take();
            if let Some(core) = core {
                break core;
            }
            if std::thread::panicking() {
                return;
            }
            // A thread is still inside `block_on` on this runtime: wait.
            park::with_thread_parker(|parker, waker| {
                if self.add_core_waiter(waker) {
                    parker.park(None);
                }
            });
        };
        core::shutdown(self, core);
    }

    pub(crate) fn num_alive_tasks(&self) -> usize {
        self.published.alive.load(Relaxed) + self.inject.spawned_len()
    }

    pub(crate) fn injection_queue_depth(&self) -> usize {
        self.inject.len()
    }

    pub(crate) fn worker_metrics(&self) -> &WorkerMetrics {
        &self.published.worker
    }

    /// Number of live tasks the core owns (tests).
    #[cfg(all(test, not(tern_loom)))]
    pub(crate) fn owned_len(&self) -> usize {
        self.core.lock().core.as_ref().map_or(0, |c| c.owned_len())
    }
}

impl Schedule for Arc<Handle> {
    fn release(&self, task: &Task<Self>) -> Option<Task<Self>> {
        // SAFETY: every task of this scheduler is in the core's list or in
        // none (see the module invariants).
        self.with_local_core(|core| unsafe { core.release(task) }).flatten()
    }

    fn schedule(&self, task: Notified<Self>) {
        let mut task = Some(task);
        self.with_local_core(|core| core.push(task.take().expect("present")));
        if let Some(task) = task {
            self.schedule_remote(task);
        }
    }

    fn yield_now(&self, task: Notified<Self>) {
        let mut task = Some(task);
        self.with_local_core(|core| {
            // Behind everything ready now, including what other threads
            // queued.
            if !self.inject.is_empty() {
                core.take_remote(&self.inject);
            }
            core.push(task.take().expect("present"));
        });
        if let Some(task) = task {
            self.schedule_remote(task);
        }
    }

    #[inline]
    fn yield_in_place(&self, task: Yielded<Self>) -> Option<Yielded<Self>> {
        // Called after every `Pending`: the flag is looked at before the
        // core is borrowed. It is set only by the running task's own yield
        // on the thread driving this runtime (`Context::defer`), so the
        // core is then this runtime's and free.
        let own_yield = context::with_current_thread(|cx| cx.is_some_and(|cx| cx.own_yield.take()));
        if !own_yield {
            return Some(task);
        }
        let mut task = Some(task);
        // `yield_now` or a spent budget: queued as it is, still running,
        // to be resumed after the drivers' poll.
        self.with_local_core(|core| core.push_yielded(task.take().expect("present")));
        if let Some(task) = &task {
            // Not reachable today (the flag implies the core); should it
            // ever be, the yield is still not lost.
            task.notify();
        }
        task
    }
}

/// The `block_on` future's waker.
impl Wake for Handle {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Release);
        self.park.unpark();
    }
}

#[cfg(all(test, not(tern_loom)))]
mod tests {
    use crate::runtime::{scheduler, Builder};

    fn owned_len(rt: &crate::runtime::Runtime) -> usize {
        match &rt.handle().inner {
            scheduler::Handle::CurrentThread(h) => h.owned_len(),
            scheduler::Handle::MultiThread(_) => unreachable!("built as current-thread"),
        }
    }

    #[test]
    #[allow(clippy::async_yields_async)] // the handle is returned, not awaited, on purpose
    fn completed_tasks_leave_the_owned_list() {
        let rt = Builder::new_current_thread().build().unwrap();
        let idle = rt.block_on(async {
            let handles: Vec<_> = (0..1000).map(|i| crate::spawn(async move { i })).collect();
            for h in handles {
                h.await.unwrap();
            }
            // Detached and idle forever: stays listed until shutdown.
            drop(crate::spawn(std::future::pending::<()>()));
            let idle = crate::spawn(std::future::pending::<()>());
            crate::task::yield_now().await;
            idle
        });
        assert_eq!(owned_len(&rt), 2);
        idle.abort();
        rt.block_on(async { assert!(idle.await.unwrap_err().is_cancelled()) });
        assert_eq!(owned_len(&rt), 1);
    }
}
