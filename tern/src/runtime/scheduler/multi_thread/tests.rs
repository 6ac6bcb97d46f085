//! Unit tests of the scheduler's wake-up decisions, on the real `idle.rs`,
//! `queue.rs` and `inject.rs`, without threads.

use super::idle::Idle;
use super::inject::Inject;
use super::queue;
use super::stealable_work;
use crate::task::{self, Id, Notified, Schedule, Task};

#[derive(Clone, Copy)]
struct Noop;

impl Schedule for Noop {
    fn release(&self, _task: &Task<Self>) -> Option<Task<Self>> {
        None
    }
    fn schedule(&self, task: Notified<Self>) {
        drop(task);
    }
}

/// Worker 0 is busy with a task in its LIFO slot; worker 1, the last
/// searcher, finds nothing to steal and parks. Its check for work left
/// behind must not wake it for the LIFO task: each such wake makes it
/// search, fail and park again (issue: an idle worker waking itself in a
/// loop while a busy peer holds a LIFO task).
#[test]
fn a_peers_lifo_task_does_not_wake_the_parking_worker_in_a_loop() {
    let idle = Idle::new(2);
    let inject = Inject::new();
    let (steal_0, mut local_0) = queue::local::<Noop>();
    let (steal_1, mut local_1) = queue::local::<Noop>();
    let (lifo, join) = task::new_unowned_task(async {}, Noop, Id::next());
    assert!(local_0.push_lifo(lifo).is_none());

    assert!(idle.transition_worker_to_searching(), "worker 1 searches");
    let mut self_wakes = 0;
    for _ in 0..4 {
        // Worker 1's search: the LIFO slot is not stealable.
        assert!(steal_0.steal_into(&mut local_1).is_none());
        assert!(inject.pop().is_none());
        let parked = idle.transition_worker_to_parked(1, true);
        assert!(parked.was_last_searcher);
        if parked.watchdog {
            // The watch is what rescues a stranded LIFO task; it is
            // released here to look only at the pending-work wake.
            idle.release_watchdog(1);
        }
        if !stealable_work([&steal_0, &steal_1], &inject) {
            break;
        }
        match idle.worker_to_notify() {
            // Woken as a searcher: it searches again.
            Some(1) => self_wakes += 1,
            other => panic!("unexpected wake: {other:?}"),
        }
    }
    assert_eq!(self_wakes, 0, "the parking worker woke itself for a task it cannot take");
    assert!(idle.is_parked(1));

    // Work in the ring or the injection queue does count.
    let lifo = local_0.pop_lifo().expect("still there");
    local_0.push_back_or_overflow(lifo, &inject);
    assert!(stealable_work([&steal_0, &steal_1], &inject));
    drop(local_0.pop());
    assert!(!stealable_work([&steal_0, &steal_1], &inject));
    let (queued, join2) = task::new_unowned_task(async {}, Noop, Id::next());
    inject.push(queued);
    assert!(stealable_work([&steal_0, &steal_1], &inject));
    drop(inject.pop());
    drop((join, join2));
}
