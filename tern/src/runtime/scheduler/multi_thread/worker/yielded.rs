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
/// nothing else to run (its LIFO slot and its ring are empty; its share of
/// the injection queue is then queued ahead of it, in one batch), or at
/// the next maintenance tick. It is not stealable meanwhile.
pub(in crate::runtime::scheduler::multi_thread) fn defer_yield(core: &mut Core, task: Notified<Sched>) {
    core.yielded.push(task);
}

/// Polls the drivers without blocking (I/O if no parked worker holds the
/// poll, and due timers), outside the core borrow so the tasks they wake
/// land in this worker's queue; then queues the yielded tasks again,
/// behind those. The maintenance tick and the end of a round both do this.
pub(super) fn poll_drivers_then_requeue_yielded(cx: &Context) {
    let handle = &cx.handle;
    if handle.drivers.is_enabled() {
        cx.with_core(|core| core.in_driver_park = true);
        handle.drivers.turn_nonblocking(WorkerTurnEnd(&**handle));
        end_driver_poll(cx);
    }
    if cx.with_core(|core| core.requeue_yielded(handle)) {
        handle.notify_parked();
    }
}
