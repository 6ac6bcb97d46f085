//! The task state word: one `AtomicUsize` per task that says who may touch
//! what, and how many references keep the allocation alive.
//!
//! # Bits
//!
//! | bit | name            | set by                                  | cleared by                          |
//! |-----|-----------------|-----------------------------------------|-------------------------------------|
//! | 0   | `RUNNING`       | the poller (`transition_to_running`), or shutdown of an idle task | the poller (`transition_to_idle`, `transition_to_complete`) |
//! | 1   | `COMPLETE`      | the poller, once the future is gone and the output is stored | never                          |
//! | 2   | `NOTIFIED`      | a wake, an abort; set in the initial state | the poller (`transition_to_running`) |
//! | 3   | `JOIN_INTEREST` | the initial state                       | the `JoinHandle`, when dropped      |
//! | 4   | `JOIN_WAKER`    | the `JoinHandle`, after storing a waker | the `JoinHandle` (only while not `COMPLETE`); the runtime after waking it |
//! | 5   | `CANCELLED`     | `abort`, runtime shutdown               | never                               |
//! | 6.. | reference count | `ref_inc` / a transition that says so   | `ref_dec` / a transition that says so |
//!
//! `RUNNING | COMPLETE` is the lifecycle: neither set is *idle*, `RUNNING` is
//! *running*, `COMPLETE` is *complete* (both set never happens).
//!
//! # Transitions
//!
//! Each transition is one function below; it returns what the caller must do
//! next and is `#[must_use]`.
//!
//! | function                              | from                         | to / effect                                                         |
//! |---------------------------------------|------------------------------|---------------------------------------------------------------------|
//! | `transition_to_running`               | idle + `NOTIFIED`            | running, `NOTIFIED` cleared; `Cancelled` if `CANCELLED` is set       |
//! |                                       | running or complete          | drops the `Notified`'s reference: `Failed` / `Dealloc`              |
//! | `transition_to_idle`                  | running                      | idle; the `Notified`'s reference is dropped (`Ok`/`OkDealloc`), or kept for a resubmission if `NOTIFIED` was set meanwhile (`OkNotified`); `Cancelled` (no change) if `CANCELLED` |
//! | `transition_to_complete`              | running                      | complete                                                            |
//! | `transition_to_terminal(n)`           | complete                     | drops `n` references; `true` when the task must be deallocated      |
//! | `transition_to_notified_by_val`       | any                          | idle: sets `NOTIFIED`, the waker's reference becomes the `Notified`'s (`Submit`); running: sets `NOTIFIED`, drops the reference; otherwise drops it (`Dealloc` if last) |
//! | `transition_to_notified_by_ref`       | idle, not `NOTIFIED`         | sets `NOTIFIED`, adds a reference (`Submit`); running: sets `NOTIFIED` only |
//! | `transition_to_notified_and_cancel`   | not complete, not cancelled  | sets `CANCELLED` (and `NOTIFIED`); `true` (adds a reference) when the task was idle and not yet notified, so the caller submits it |
//! | `transition_to_shutdown`              | any                          | sets `CANCELLED`; idle tasks become running and `true` tells the caller to cancel them |
//! | `drop_join_handle_fast`               | exactly the initial state    | clears `JOIN_INTEREST`, drops the handle's reference                |
//! | `transition_to_join_handle_dropped`   | `JOIN_INTEREST`              | clears it (and `JOIN_WAKER` if not complete); says whether the handle drops the output and/or the waker |
//! | `drop_join_handle_after_output`       | complete, `JOIN_INTEREST`    | clears it and drops the handle's reference in one step              |
//! | `set_join_waker`                      | not complete, no `JOIN_WAKER`| sets `JOIN_WAKER`; fails if complete                                |
//! | `unset_join_waker`                    | not complete, `JOIN_WAKER`   | clears it; fails if complete                                        |
//! | `unset_waker_after_complete`          | complete, `JOIN_WAKER`       | clears it                                                           |
//!
//! # Who owns the stage and the join waker
//!
//! * The future and the output ("the stage") are touched only by the holder
//!   of `RUNNING`, until `COMPLETE` is set. After that the output belongs to
//!   the `JoinHandle` if `JOIN_INTEREST` was set at the moment `COMPLETE`
//!   was set, otherwise to the completing poller, which drops it at once.
//! * The join waker field: while `JOIN_WAKER` is clear and the task is not
//!   complete, only the `JoinHandle` may touch it. While `JOIN_WAKER` is set,
//!   it is immutable; the `JoinHandle` may read it, and the runtime reads it
//!   after setting `COMPLETE`, to wake it. After `COMPLETE`, the runtime
//!   clears `JOIN_WAKER` when done waking; from then on the `JoinHandle`
//!   (if it still exists) owns the field, or the runtime if it does not.
//!   Whatever is left is dropped with the allocation.
//!
//! Orderings: every transition that hands the stage or the waker to another
//! party is `AcqRel`, so writes before it are visible after it. Reference
//! increments are `Relaxed` (the caller already holds a reference);
//! decrements are `AcqRel` so the last one sees every prior use.

use crate::loom::sync::atomic::{AtomicUsize, Ordering::*};
use std::fmt;

const RUNNING: usize = 0b00_0001;
const COMPLETE: usize = 0b00_0010;
const LIFECYCLE_MASK: usize = RUNNING | COMPLETE;
const NOTIFIED: usize = 0b00_0100;
const JOIN_INTEREST: usize = 0b00_1000;
const JOIN_WAKER: usize = 0b01_0000;
const CANCELLED: usize = 0b10_0000;
const STATE_MASK: usize = 0b11_1111;
const REF_COUNT_SHIFT: u32 = STATE_MASK.count_ones();
const REF_ONE: usize = 1 << REF_COUNT_SHIFT;

/// The atomic task state word.
pub(crate) struct State {
    val: AtomicUsize,
}

/// A copy of the state word at one instant.
#[derive(Copy, Clone, PartialEq, Eq)]
pub(crate) struct Snapshot(usize);

#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum TransitionToRunning {
    /// Poll the future.
    Success,
    /// Do not poll: cancel the future and complete the task.
    Cancelled,
    /// The task is running elsewhere or complete; the `Notified`'s reference
    /// was dropped and the caller does nothing.
    Failed,
    /// As `Failed`, and that was the last reference: deallocate.
    Dealloc,
}

#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum TransitionToIdle {
    /// Idle; the poll's reference was dropped.
    Ok,
    /// Idle, but woken during the poll: submit a `Notified` with the poll's
    /// reference (still counted).
    OkNotified,
    /// Idle and unreferenced: deallocate.
    OkDealloc,
    /// Still running: the task was cancelled during the poll; cancel it.
    Cancelled,
}

#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum TransitionToNotifiedByVal {
    /// Nothing to do (the waker's reference has been dropped).
    DoNothing,
    /// Submit a `Notified`; it takes over the waker's reference.
    Submit,
    /// The waker held the last reference: deallocate.
    Dealloc,
}

#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum TransitionToNotifiedByRef {
    DoNothing,
    /// Submit a `Notified`; a reference was added for it.
    Submit,
}

/// What a dropped `JoinHandle` must clean up before releasing its reference.
#[must_use]
#[derive(Debug)]
pub(crate) struct TransitionToJoinHandleDrop {
    pub(crate) drop_waker: bool,
    pub(crate) drop_output: bool,
}

impl State {
    #[cfg(all(test, not(tern_loom)))]
    /// A new task: one reference for the owned-task list, one for the first
    /// `Notified`, one for the `JoinHandle`.
    pub(crate) fn new() -> State {
        State::with_refs(3)
    }

    /// A new task notified once and with a `JoinHandle`, holding `refs`
    /// references (2 for a task that no list owns, such as a blocking one).
    pub(crate) fn with_refs(refs: usize) -> State {
        State { val: AtomicUsize::new((refs * REF_ONE) | JOIN_INTEREST | NOTIFIED) }
    }

    pub(crate) fn load(&self) -> Snapshot {
        Snapshot(self.val.load(Acquire))
    }

    pub(crate) fn transition_to_running(&self) -> TransitionToRunning {
        self.fetch_update_action(|mut next| {
            assert!(next.is_notified(), "polled a task that was not notified");
            if !next.is_idle() {
                next.ref_dec();
                let action = if next.ref_count() == 0 {
                    TransitionToRunning::Dealloc
                } else {
                    TransitionToRunning::Failed
                };
                return (action, Some(next));
            }
            next.0 |= RUNNING;
            next.0 &= !NOTIFIED;
            let action = if next.is_cancelled() {
                TransitionToRunning::Cancelled
            } else {
                TransitionToRunning::Success
            };
            (action, Some(next))
        })
    }

    pub(crate) fn transition_to_idle(&self) -> TransitionToIdle {
        self.fetch_update_action(|curr| {
            debug_assert!(curr.is_running());
            if curr.is_cancelled() {
                return (TransitionToIdle::Cancelled, None);
            }
            let mut next = curr;
            next.0 &= !RUNNING;
            if next.is_notified() {
                return (TransitionToIdle::OkNotified, Some(next));
            }
            next.ref_dec();
            let action =
                if next.ref_count() == 0 { TransitionToIdle::OkDealloc } else { TransitionToIdle::Ok };
            (action, Some(next))
        })
    }

    /// Running to complete. Returns the state after the transition.
    pub(crate) fn transition_to_complete(&self) -> Snapshot {
        let prev = Snapshot(self.val.fetch_xor(RUNNING | COMPLETE, AcqRel));
        debug_assert!(prev.is_running() && !prev.is_complete());
        Snapshot(prev.0 ^ (RUNNING | COMPLETE))
    }

    /// Drops `count` references of a completed task; `true` means the caller
    /// dropped the last one and must deallocate.
    pub(crate) fn transition_to_terminal(&self, count: usize) -> bool {
        let prev = Snapshot(self.val.fetch_sub(count * REF_ONE, AcqRel));
        assert!(prev.ref_count() >= count, "task reference count underflow");
        prev.ref_count() == count
    }

    pub(crate) fn transition_to_notified_by_val(&self) -> TransitionToNotifiedByVal {
        self.fetch_update_action(|mut next| {
            if next.is_running() {
                next.0 |= NOTIFIED;
                next.ref_dec();
                debug_assert!(next.ref_count() > 0, "the poller holds a reference");
                (TransitionToNotifiedByVal::DoNothing, Some(next))
            } else if next.is_complete() || next.is_notified() {
                next.ref_dec();
                let action = if next.ref_count() == 0 {
                    TransitionToNotifiedByVal::Dealloc
                } else {
                    TransitionToNotifiedByVal::DoNothing
                };
                (action, Some(next))
            } else {
                next.0 |= NOTIFIED;
                (TransitionToNotifiedByVal::Submit, Some(next))
            }
        })
    }

    pub(crate) fn transition_to_notified_by_ref(&self) -> TransitionToNotifiedByRef {
        self.fetch_update_action(|mut next| {
            if next.is_complete() || next.is_notified() {
                (TransitionToNotifiedByRef::DoNothing, None)
            } else if next.is_running() {
                next.0 |= NOTIFIED;
                (TransitionToNotifiedByRef::DoNothing, Some(next))
            } else {
                next.0 |= NOTIFIED;
                next.ref_inc();
                (TransitionToNotifiedByRef::Submit, Some(next))
            }
        })
    }

    /// Marks the task cancelled. `true`: the task was idle and not notified;
    /// a reference was added and the caller must submit a `Notified`.
    pub(crate) fn transition_to_notified_and_cancel(&self) -> bool {
        self.fetch_update_action(|mut next| {
            if next.is_cancelled() || next.is_complete() {
                (false, None)
            } else if next.is_running() {
                // The poller sees CANCELLED when the poll returns.
                next.0 |= NOTIFIED | CANCELLED;
                (false, Some(next))
            } else if next.is_notified() {
                // Already queued: the run will see CANCELLED.
                next.0 |= CANCELLED;
                (false, Some(next))
            } else {
                next.0 |= NOTIFIED | CANCELLED;
                next.ref_inc();
                (true, Some(next))
            }
        })
    }

    /// Sets `CANCELLED`; if the task was idle it becomes running and `true`
    /// tells the caller that it now owns the stage and must cancel the task.
    pub(crate) fn transition_to_shutdown(&self) -> bool {
        self.fetch_update_action(|mut next| {
            let was_idle = next.is_idle();
            if was_idle {
                next.0 |= RUNNING;
            }
            next.0 |= CANCELLED;
            (was_idle, Some(next))
        })
    }

    /// The common case of dropping a `JoinHandle` before the task ever ran.
    pub(crate) fn drop_join_handle_fast(&self) -> Result<(), ()> {
        let initial = (3 * REF_ONE) | JOIN_INTEREST | NOTIFIED;
        self.val
            .compare_exchange_weak(initial, (initial - REF_ONE) & !JOIN_INTEREST, Release, Relaxed)
            .map(|_| ())
            .map_err(|_| ())
    }

    pub(crate) fn transition_to_join_handle_dropped(&self) -> TransitionToJoinHandleDrop {
        self.fetch_update_action(|mut next| {
            debug_assert!(next.is_join_interested());
            let mut t = TransitionToJoinHandleDrop { drop_waker: false, drop_output: false };
            next.0 &= !JOIN_INTEREST;
            if next.is_complete() {
                t.drop_output = true;
            } else {
                next.0 &= !JOIN_WAKER;
            }
            t.drop_waker = !next.is_join_waker_set();
            (t, Some(next))
        })
    }

    /// For a `JoinHandle` that has taken the output: clears `JOIN_INTEREST`
    /// and drops its reference in one step. `true` means deallocate. The
    /// waker field is left for the runtime or for deallocation.
    pub(crate) fn drop_join_handle_after_output(&self) -> bool {
        let prev = Snapshot(self.val.fetch_sub(REF_ONE + JOIN_INTEREST, AcqRel));
        debug_assert!(prev.is_complete() && prev.is_join_interested());
        prev.ref_count() == 1
    }

    /// Publishes a waker the `JoinHandle` just stored. Fails (with the
    /// current state) when the task completed first.
    pub(crate) fn set_join_waker(&self) -> Result<Snapshot, Snapshot> {
        self.fetch_update(|curr| {
            debug_assert!(curr.is_join_interested() && !curr.is_join_waker_set());
            if curr.is_complete() {
                return None;
            }
            Some(Snapshot(curr.0 | JOIN_WAKER))
        })
    }

    /// Takes back exclusive access to the waker field to replace it. Fails
    /// when the task completed first.
    pub(crate) fn unset_join_waker(&self) -> Result<Snapshot, Snapshot> {
        self.fetch_update(|curr| {
            debug_assert!(curr.is_join_interested() && curr.is_join_waker_set());
            if curr.is_complete() {
                return None;
            }
            Some(Snapshot(curr.0 & !JOIN_WAKER))
        })
    }

    /// The runtime is done waking the join waker. Returns the new state.
    pub(crate) fn unset_waker_after_complete(&self) -> Snapshot {
        let prev = Snapshot(self.val.fetch_and(!JOIN_WAKER, AcqRel));
        debug_assert!(prev.is_complete() && prev.is_join_waker_set());
        Snapshot(prev.0 & !JOIN_WAKER)
    }

    pub(crate) fn ref_inc(&self) {
        let prev = self.val.fetch_add(REF_ONE, Relaxed);
        if prev > isize::MAX as usize {
            // As `Arc` does: an overflow here is a leak of epic size; stop.
            std::process::abort();
        }
    }

    /// `true` when this dropped the last reference.
    pub(crate) fn ref_dec(&self) -> bool {
        let prev = Snapshot(self.val.fetch_sub(REF_ONE, AcqRel));
        assert!(prev.ref_count() >= 1, "task reference count underflow");
        prev.ref_count() == 1
    }

    fn fetch_update_action<T>(&self, mut f: impl FnMut(Snapshot) -> (T, Option<Snapshot>)) -> T {
        let mut curr = self.load();
        loop {
            let (output, next) = f(curr);
            let Some(next) = next else { return output };
            match self.val.compare_exchange(curr.0, next.0, AcqRel, Acquire) {
                Ok(_) => return output,
                Err(actual) => curr = Snapshot(actual),
            }
        }
    }

    fn fetch_update(&self, mut f: impl FnMut(Snapshot) -> Option<Snapshot>) -> Result<Snapshot, Snapshot> {
        let mut curr = self.load();
        loop {
            let Some(next) = f(curr) else { return Err(curr) };
            match self.val.compare_exchange(curr.0, next.0, AcqRel, Acquire) {
                Ok(_) => return Ok(next),
                Err(actual) => curr = Snapshot(actual),
            }
        }
    }
}

impl Snapshot {
    pub(crate) fn is_idle(self) -> bool {
        self.0 & LIFECYCLE_MASK == 0
    }
    pub(crate) fn is_running(self) -> bool {
        self.0 & RUNNING != 0
    }
    pub(crate) fn is_complete(self) -> bool {
        self.0 & COMPLETE != 0
    }
    pub(crate) fn is_notified(self) -> bool {
        self.0 & NOTIFIED != 0
    }
    pub(crate) fn is_join_interested(self) -> bool {
        self.0 & JOIN_INTEREST != 0
    }
    pub(crate) fn is_join_waker_set(self) -> bool {
        self.0 & JOIN_WAKER != 0
    }
    pub(crate) fn is_cancelled(self) -> bool {
        self.0 & CANCELLED != 0
    }
    pub(crate) fn ref_count(self) -> usize {
        self.0 >> REF_COUNT_SHIFT
    }
    fn ref_inc(&mut self) {
        self.0 += REF_ONE;
    }
    fn ref_dec(&mut self) {
        debug_assert!(self.ref_count() > 0);
        self.0 -= REF_ONE;
    }
}

impl fmt::Debug for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.load().fmt(f)
    }
}

impl fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Snapshot")
            .field("running", &self.is_running())
            .field("complete", &self.is_complete())
            .field("notified", &self.is_notified())
            .field("cancelled", &self.is_cancelled())
            .field("join_interest", &self.is_join_interested())
            .field("join_waker", &self.is_join_waker_set())
            .field("ref_count", &self.ref_count())
            .finish()
    }
}

#[cfg(all(test, not(tern_loom)))]
mod tests {
    use super::*;

    #[test]
    fn initial_state_is_notified_with_join_interest_and_three_refs() {
        let s = State::new().load();
        assert!(s.is_notified() && s.is_join_interested() && s.is_idle());
        assert_eq!(s.ref_count(), 3);
    }

    #[test]
    fn wake_while_running_is_resubmitted_once_after_the_poll() {
        let s = State::new();
        assert_eq!(s.transition_to_running(), TransitionToRunning::Success);
        assert_eq!(s.transition_to_notified_by_ref(), TransitionToNotifiedByRef::DoNothing);
        assert_eq!(s.transition_to_notified_by_ref(), TransitionToNotifiedByRef::DoNothing);
        assert_eq!(s.transition_to_idle(), TransitionToIdle::OkNotified);
        // The poll's reference moved to the resubmission: still 3.
        assert_eq!(s.load().ref_count(), 3);
    }

    #[test]
    fn wake_after_complete_does_nothing() {
        let s = State::new();
        assert_eq!(s.transition_to_running(), TransitionToRunning::Success);
        let _ = s.transition_to_complete();
        assert_eq!(s.transition_to_notified_by_ref(), TransitionToNotifiedByRef::DoNothing);
        s.ref_inc();
        assert_eq!(s.transition_to_notified_by_val(), TransitionToNotifiedByVal::DoNothing);
        assert_eq!(s.load().ref_count(), 3);
    }

    #[test]
    fn abort_of_idle_task_submits_it_once() {
        let s = State::new();
        assert_eq!(s.transition_to_running(), TransitionToRunning::Success);
        assert_eq!(s.transition_to_idle(), TransitionToIdle::Ok);
        assert!(s.transition_to_notified_and_cancel());
        assert!(!s.transition_to_notified_and_cancel());
        assert_eq!(s.transition_to_running(), TransitionToRunning::Cancelled);
    }

    #[test]
    fn join_handle_fast_drop_only_from_initial_state() {
        let s = State::new();
        assert!(s.drop_join_handle_fast().is_ok());
        assert!(!s.load().is_join_interested());
        assert_eq!(s.load().ref_count(), 2);
        let s = State::new();
        assert_eq!(s.transition_to_running(), TransitionToRunning::Success);
        assert!(s.drop_join_handle_fast().is_err());
    }
}
