//! Per-thread runtime context.
//!
//! Two thread-locals:
//!
//! * `HOT`: plain `Cell`s read on every poll and spawn (coop budget,
//!   current task id, the scheduler driven on this thread, a block of task
//!   ids, whether this thread is inside a runtime). It has no destructor,
//!   so each access is a plain thread-local load.
//! * `CURRENT`: the runtime handle that `Handle::current()` and
//!   `tern::spawn` use, set by `block_on`, `enter()` and the runtime's own
//!   threads. Guards restore the previous value in LIFO order.

use crate::runtime::scheduler::{self, current_thread, multi_thread};
use crate::runtime::TryCurrentError;
use crate::task::coop::Budget;
use crate::task::Id;
use std::cell::{Cell, RefCell};
use std::num::NonZeroU64;

struct Hot {
    budget: Cell<Budget>,
    task_id: Cell<Option<Id>>,
    /// The scheduler this thread drives, if any; valid while the
    /// `SchedulerGuard` that set it lives.
    scheduler: Cell<Driven>,
    /// Next task id to hand out and the end of this thread's block.
    ids: Cell<(u64, u64)>,
    runtime_entered: Cell<bool>,
}

thread_local! {
    static HOT: Hot = const {
        Hot {
            budget: Cell::new(Budget::unconstrained()),
            task_id: Cell::new(None),
            scheduler: Cell::new(Driven::Nothing),
            ids: Cell::new((0, 0)),
            runtime_entered: Cell::new(false),
        }
    };

    static CURRENT: RefCell<Current> = const { RefCell::new(Current { handle: None, depth: 0 }) };
}

struct Current {
    handle: Option<scheduler::Handle>,
    depth: usize,
}

// ----- coop budget -----

#[inline]
pub(crate) fn budget() -> Budget {
    HOT.try_with(|h| h.budget.get()).unwrap_or(Budget::unconstrained())
}

#[inline]
pub(crate) fn set_budget(budget: Budget) {
    let _ = HOT.try_with(|h| h.budget.set(budget));
}

#[inline]
pub(crate) fn replace_budget(budget: Budget) -> Budget {
    HOT.try_with(|h| h.budget.replace(budget)).unwrap_or(Budget::unconstrained())
}

// ----- task ids -----

/// Marks `id` as the running task for the guard's lifetime.
pub(crate) struct TaskIdGuard(Option<Id>);

impl TaskIdGuard {
    #[inline]
    pub(crate) fn enter(id: Id) -> TaskIdGuard {
        TaskIdGuard(HOT.try_with(|h| h.task_id.replace(Some(id))).unwrap_or(None))
    }
}

impl Drop for TaskIdGuard {
    #[inline]
    fn drop(&mut self) {
        let _ = HOT.try_with(|h| h.task_id.set(self.0));
    }
}

pub(crate) fn current_task_id() -> Option<Id> {
    HOT.try_with(|h| h.task_id.get()).unwrap_or(None)
}

/// Hands out the next id of this thread's block, refilling the block with
/// `refill` (which returns a fresh `start..end` range) when it runs out.
#[inline]
pub(crate) fn next_task_id(refill: fn() -> (u64, u64)) -> Id {
    let take = |(next, end): (u64, u64)| -> ((u64, u64), u64) {
        let (next, end) = if next == end { refill() } else { (next, end) };
        ((next + 1, end), next)
    };
    let id = HOT
        .try_with(|h| {
            let (range, id) = take(h.ids.get());
            h.ids.set(range);
            id
        })
        .unwrap_or_else(|_| take(refill()).1);
    Id(NonZeroU64::new(id).expect("task ids start at 1"))
}

// ----- the scheduler driven on this thread -----

/// Which scheduler context, if any, this thread is driving.
#[derive(Clone, Copy)]
pub(crate) enum Driven {
    Nothing,
    CurrentThread(*const current_thread::Context),
    MultiThread(*const multi_thread::Context),
}

/// Sets the scheduler context for its lifetime, restoring the previous one.
pub(crate) struct SchedulerGuard(Driven);

pub(crate) fn set_scheduler(driven: Driven) -> SchedulerGuard {
    SchedulerGuard(HOT.with(|h| h.scheduler.replace(driven)))
}

impl Drop for SchedulerGuard {
    fn drop(&mut self) {
        let _ = HOT.try_with(|h| h.scheduler.set(self.0));
    }
}

/// Runs `f` with the current-thread scheduler context this thread drives,
/// if any.
#[inline]
pub(crate) fn with_current_thread<R>(f: impl FnOnce(Option<&current_thread::Context>) -> R) -> R {
    let driven = HOT.try_with(|h| h.scheduler.get()).unwrap_or(Driven::Nothing);
    match driven {
        // SAFETY: the pointer was set by a live `SchedulerGuard`, which
        // borrows the context for longer than it is installed.
        Driven::CurrentThread(ptr) => f(unsafe { ptr.as_ref() }),
        _ => f(None),
    }
}

/// Runs `f` with the multi-thread worker context of this thread, if any.
#[inline]
pub(crate) fn with_worker<R>(f: impl FnOnce(Option<&multi_thread::Context>) -> R) -> R {
    let driven = HOT.try_with(|h| h.scheduler.get()).unwrap_or(Driven::Nothing);
    match driven {
        // SAFETY: as in `with_current_thread`.
        Driven::MultiThread(ptr) => f(unsafe { ptr.as_ref() }),
        _ => f(None),
    }
}

/// Wakes `waker` once the scheduler driving this thread has next polled
/// its drivers (a task yielding: `yield_now`, or out of coop budget), so
/// that I/O and timers get in before the task runs again, as in Tokio. On
/// a current-thread scheduler the wake waits for that poll; on a
/// multi-thread worker the running task's own yield is woken in place and
/// noted, so its requeue waits for the poll (`OwnYield::note`), and
/// any other waker is woken at once, as it is outside any runtime.
pub(crate) fn defer(waker: &std::task::Waker) {
    let driven = HOT.try_with(|h| h.scheduler.get()).unwrap_or(Driven::Nothing);
    match driven {
        // SAFETY: as in `with_current_thread`.
        Driven::CurrentThread(ptr) => match unsafe { ptr.as_ref() } {
            Some(cx) => cx.defer(waker),
            None => waker.wake_by_ref(),
        },
        Driven::MultiThread(ptr) => {
            // SAFETY: as in `with_current_thread`.
            if let Some(w) = unsafe { ptr.as_ref() } {
                let _ = w.own_yield.note(waker);
            }
            waker.wake_by_ref();
        }
        _ => waker.wake_by_ref(),
    }
}

/// The index of the runtime worker this thread is, if it is one: the
/// worker's index on a multi-thread runtime, 0 on the thread that holds a
/// current-thread runtime's core, `None` elsewhere (a blocking thread, a
/// `block_on` caller that is not driving the scheduler, a thread outside
/// any runtime).
pub(crate) fn worker_index() -> Option<usize> {
    let driven = HOT.try_with(|h| h.scheduler.get()).unwrap_or(Driven::Nothing);
    match driven {
        Driven::Nothing => None,
        Driven::CurrentThread(_) => Some(0),
        // SAFETY: as in `with_current_thread`.
        Driven::MultiThread(ptr) => unsafe { ptr.as_ref() }.map(|cx| cx.worker_index()),
    }
}

// ----- the current runtime handle -----

/// Restores the previous current handle on drop.
pub(crate) struct SetCurrentGuard {
    prev: Option<scheduler::Handle>,
    /// This guard's nesting depth; 0 for a guard that set nothing (the
    /// thread-locals were already destroyed).
    depth: usize,
}

/// Makes `handle` current until the guard drops. During thread-local
/// destruction (a runtime kept in a user's `thread_local!` and dropped at
/// thread exit) there is no current handle to set: the guard does nothing.
pub(crate) fn set_current(handle: scheduler::Handle) -> SetCurrentGuard {
    CURRENT
        .try_with(|c| {
            let mut c = c.borrow_mut();
            c.depth += 1;
            SetCurrentGuard { prev: c.handle.replace(handle), depth: c.depth }
        })
        .unwrap_or(SetCurrentGuard { prev: None, depth: 0 })
}

impl std::fmt::Debug for SetCurrentGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SetCurrentGuard").field("depth", &self.depth).finish_non_exhaustive()
    }
}

impl Drop for SetCurrentGuard {
    fn drop(&mut self) {
        if self.depth == 0 {
            return;
        }
        let prev = self.prev.take();
        let restored = CURRENT.try_with(|c| {
            let mut c = c.borrow_mut();
            if c.depth != self.depth {
                return Err(());
            }
            c.depth -= 1;
            // Dropped outside the borrow below, as it may run arbitrary code.
            Ok(std::mem::replace(&mut c.handle, prev))
        });
        if let Ok(Err(())) = restored {
            if !std::thread::panicking() {
                panic!(
                    "`EnterGuard` values dropped out of order. Guards returned by \
                     `tokio::runtime::Handle::enter()` must be dropped in the reverse \
                     order as they were acquired. (tern: the guards of \
                     `tern::runtime::Handle::enter()` and `Runtime::enter()`.)"
                );
            }
        }
    }
}

/// Runs `f` with a clone of the current handle.
#[inline]
pub(crate) fn with_current<R>(f: impl FnOnce(scheduler::Handle) -> R) -> Result<R, TryCurrentError> {
    match CURRENT.try_with(|c| c.borrow().handle.clone()) {
        Ok(Some(handle)) => Ok(f(handle)),
        Ok(None) => Err(TryCurrentError::new_no_context()),
        Err(_) => Err(TryCurrentError::new_thread_local_destroyed()),
    }
}

/// Runs `f` with a borrow of the current handle (no clone).
#[inline]
pub(crate) fn with_current_ref<R>(f: impl FnOnce(&scheduler::Handle) -> R) -> Result<R, TryCurrentError> {
    match CURRENT.try_with(|c| c.borrow().handle.as_ref().map(f)) {
        Ok(Some(r)) => Ok(r),
        Ok(None) => Err(TryCurrentError::new_no_context()),
        Err(_) => Err(TryCurrentError::new_thread_local_destroyed()),
    }
}

// ----- "this thread is driving a runtime" -----

/// Marks this thread as driving a runtime (no nested `block_on`), with
/// `handle` current, for the duration of `f`.
#[track_caller]
pub(crate) fn enter_runtime<R>(handle: &scheduler::Handle, f: impl FnOnce() -> R) -> R {
    let _entered = RuntimeGuard::enter(handle);
    f()
}

/// Runs `f` as if this thread were not driving a runtime (`block_on` works
/// inside it, as in `block_in_place`), restoring the flag afterwards, also
/// when `f` panics. The current handle stays set.
pub(crate) fn exit_runtime<R>(f: impl FnOnce() -> R) -> R {
    struct Reset(bool);
    impl Drop for Reset {
        fn drop(&mut self) {
            let _ = HOT.try_with(|h| h.runtime_entered.set(self.0));
        }
    }
    let _reset = Reset(HOT.try_with(|h| h.runtime_entered.replace(false)).unwrap_or(false));
    f()
}

/// Whether this thread drives a runtime now (a worker, or inside
/// `block_on`): blocking on it (`block_on`, `blocking_lock`,
/// `blocking_recv`...), or dropping a runtime that waits for its threads,
/// is refused.
pub(crate) fn is_runtime_entered() -> bool {
    HOT.try_with(|h| h.runtime_entered.get()).unwrap_or(false)
}

/// While alive: this thread drives a runtime (`block_on` would panic) and
/// `handle` is current.
pub(crate) struct RuntimeGuard {
    _current: SetCurrentGuard,
    /// This thread's random generator, seeded by the runtime; the
    /// previous generator comes back on drop.
    _rng: crate::runtime::rng::RngGuard,
}

impl RuntimeGuard {
    /// Enters with the thread's random generator seeded from the runtime's
    /// sequence of `block_on` seeds.
    #[track_caller]
    pub(crate) fn enter(handle: &scheduler::Handle) -> RuntimeGuard {
        Self::enter_with_seed(handle, handle.next_entry_seed())
    }

    /// Enters with the thread's random generator seeded from `seed` (a
    /// worker thread's own seed); the previous generator comes back on drop.
    #[track_caller]
    pub(crate) fn enter_with_seed(
        handle: &scheduler::Handle,
        seed: crate::runtime::rng::RngSeed,
    ) -> RuntimeGuard {
        if HOT.with(|h| h.runtime_entered.replace(true)) {
            panic!("{}", crate::runtime::messages::NESTED_RUNTIME);
        }
        RuntimeGuard { _current: set_current(handle.clone()), _rng: crate::runtime::rng::reseed(seed) }
    }
}

impl Drop for RuntimeGuard {
    fn drop(&mut self) {
        let _ = HOT.try_with(|h| h.runtime_entered.set(false));
    }
}
