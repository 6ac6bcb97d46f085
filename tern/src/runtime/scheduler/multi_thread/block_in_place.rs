//! `block_in_place`: a worker hands its core to another thread and blocks.
//!
//! # Protocol
//!
//! 1. The worker thread, inside a task's poll, takes its core (run queue,
//!    LIFO slot, counters) out of its context and puts it in a shared
//!    `slot`.
//! 2. It asks the blocking pool for a thread that takes the core out of
//!    the slot and runs the worker loop with it, as worker `index`
//!    (`worker::run_handed_over`). Other tasks of that worker go on there.
//! 3. It runs the closure with the worker context cleared (spawns and wakes
//!    from it go through the handle, as from any outside thread) and the
//!    "driving a runtime" flag down, so `Handle::block_on` works inside.
//! 4. When the closure returns (or panics), it takes the core back if the
//!    slot still holds it (no pool thread got to it: the pool was busy or
//!    shutting down) and carries on as the worker. Otherwise the task's
//!    poll finishes on this thread with no core, and the thread leaves the
//!    worker loop (`worker::run_worker` checks `has_core`): the pool thread
//!    is worker `index` from then on and counts it out at shutdown.
//!
//! A core is therefore always in exactly one place: a worker context, the
//! slot, or (transiently) the hands of the one thread that took it from the
//! slot under its lock.

use super::worker::{self, Core};
use crate::loom::sync::{Arc, Mutex};
use crate::runtime::{context, scheduler};
use crate::task::coop;

/// Runs the provided blocking function on the current thread without
/// blocking the executor.
///
/// In general, issuing a blocking call or performing a lot of compute in a
/// future without yielding is problematic, as it may prevent the executor
/// from driving other tasks forward. Calling this function informs the
/// executor that the currently executing task is about to block the thread,
/// so the executor is able to hand off any other tasks it has to a new
/// worker thread before that happens.
///
/// Be aware that although this function avoids starving other
/// independently spawned tasks, any other code running concurrently in the
/// same task will be suspended during the call to `block_in_place` (for
/// example the other branches of a `join!`).
///
/// Inside the closure the runtime is not "entered" as a driver:
/// [`Handle::block_on`](crate::runtime::Handle::block_on) works, and
/// nested `block_in_place` calls simply run their closure.
///
/// Called outside of a worker of a multi-thread runtime (on the thread of
/// its `block_on`, in `spawn_blocking`, or outside any runtime) it just
/// runs the closure.
///
/// # Panics
///
/// This function panics if called from a current-thread runtime or inside
/// a [`LocalSet`](crate::task::LocalSet) (Tokio's message: "can call
/// blocking only when running on the multi-threaded runtime"); use
/// [`spawn_blocking`](crate::task::spawn_blocking) there.
///
/// # Examples
///
/// ```
/// use tern::task;
///
/// # tern::runtime::Runtime::new().unwrap().block_on(async {
/// let sum = tern::spawn(async {
///     task::block_in_place(move || {
///         // Do some compute-heavy work or call synchronous code.
///         (1..=100u64).sum::<u64>()
///     })
/// })
/// .await
/// .unwrap();
/// assert_eq!(sum, 5050);
/// # });
/// ```
#[track_caller]
pub fn block_in_place<F, R>(f: F) -> R
where
    F: FnOnce() -> R,
{
    // Inside a `LocalSet` too (as Tokio): its tasks must stay on this
    // thread, which the hand-off would leave blocked.
    if context::with_current_thread(|cx| cx.is_some()) || crate::task::local::is_entered() {
        panic!(
            "can call blocking only when running on the multi-threaded runtime: \
             `block_in_place` needs another worker to take over; on a current-thread \
             runtime use `tern::task::spawn_blocking` instead"
        );
    }
    let handed = context::with_worker(|cx| {
        let cx = cx?;
        let core = cx.take_core()?;
        Some((cx.handle.clone(), cx.index, core))
    });
    let Some((handle, index, core)) = handed else {
        return run_outside(f);
    };
    let slot: Arc<Mutex<Option<Box<Core>>>> = Arc::new(Mutex::new(Some(core)));
    let taker = slot.clone();
    let worker_handle = handle.clone();
    let sched = scheduler::Handle::MultiThread(handle.clone());
    // Detached: the pool thread runs the worker loop until shutdown. If the
    // pool refuses it (shutting down), the core stays in the slot.
    drop(handle.blocking.spawn_blocking(&sched, move || {
        let core = taker.lock().take();
        if let Some(core) = core {
            worker::run_handed_over(worker_handle, index, core);
        }
    }));

    /// Takes the core back on the way out if no thread took it over.
    struct Reclaim {
        slot: Arc<Mutex<Option<Box<Core>>>>,
    }
    impl Drop for Reclaim {
        fn drop(&mut self) {
            let core = self.slot.lock().take();
            if let Some(core) = core {
                context::with_worker(|cx| match cx {
                    Some(cx) => cx.put_core(core),
                    None => unreachable!("the worker context outlives the task's poll"),
                });
            }
        }
    }
    let _reclaim = Reclaim { slot };
    // Dropped before `_reclaim` (declared after it): the worker context is
    // back when the core is reclaimed.
    let _no_worker = context::set_scheduler(context::Driven::Nothing);
    run_outside(f)
}

/// Runs `f` with no coop limit and the thread not marked as driving a
/// runtime.
fn run_outside<F: FnOnce() -> R, R>(f: F) -> R {
    coop::with_unconstrained(|| context::exit_runtime(f))
}
