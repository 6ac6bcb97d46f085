//! A worker's yielded tasks: a task's own `yield_now` (or spent coop
//! budget) on a worker waits in `Core::yielded` until the worker next polls
//! its drivers without blocking, as in Tokio, so a loop of yields waiting
//! for a socket or a timer sees its event within a round (Tokio's
//! `rt_common::yield_defers_until_park`). That poll comes when the worker
//! has nothing else to run (its LIFO slot and ring are empty: the run loop
//! then returns `Next::Yielded`), or at its next maintenance tick. Requeued,
//! the tasks go to the back of the ring behind the worker's share of the
//! injection queue, taken in one batch per round: pulling from it each time
//! the ring ran dry, while the yielded tasks waited, chased every task
//! pushed from outside one lock at a time (ten times the futex calls on
//! `spawn_many_remote_busy_yield`).

use super::super::{Handle, Sched};
use super::{end_driver_poll, Context, Core, WorkerTurnEnd};
use crate::task::Notified;

impl Core {
    /// Moves the yielded tasks to the back of the ring, behind this
    /// worker's share of the injection queue; whether the ring then holds
    /// more than one task (worth a peer's help).
    fn requeue_yielded(&mut self, handle: &Handle) -> bool {
        if self.yielded.is_empty() {
            return false;
        }
        // Behind what other threads queued: this worker's share first.
        if let Some(first) = self.pull_inject(handle) {
            self.run_queue.push_back_or_overflow(first, &handle.inject);
        }
        let Core { yielded, run_queue, .. } = self;
        for task in yielded.drain(..) {
            run_queue.push_back_or_overflow(task, &handle.inject);
        }
        run_queue.len() > 1
    }
}

/// Queues the running task after its own yield, only after the drivers'
/// next poll (`Core::yielded`), so a loop of yields sees its I/O and timers
/// (Tokio's `yield_defers_until_park`). It runs again when this worker has
/// nothing else to run (its LIFO slot, its ring and the injection queue
/// are empty: so it goes behind work queued from outside too, with no
/// extra lock here), or at the next maintenance tick. It is not stealable
/// meanwhile.
pub(in crate::runtime::scheduler::multi_thread) fn defer_yield(core: &mut Core, task: Notified<Sched>) {
    core.yielded.push(task);
}

/// Polls the drivers without blocking (if no parked worker holds the
/// poll) and fires due timers, outside the core borrow so the tasks they
/// wake land in this worker's queue.
pub(super) fn poll_drivers_nonblocking(cx: &Context) {
    let handle = &cx.handle;
    cx.with_core(|core| core.in_driver_park = true);
    handle.drivers.turn_nonblocking(WorkerTurnEnd(&**handle));
    end_driver_poll(cx);
}

/// Queues the yielded tasks again, behind what the drivers just woke.
pub(super) fn requeue_yielded(cx: &Context) {
    if cx.with_core(|core| core.requeue_yielded(&cx.handle)) {
        cx.handle.notify_parked();
    }
}
