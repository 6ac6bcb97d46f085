//! The typed functions behind a task's vtable: poll, complete, cancel, read
//! the output, drop the join handle, deallocate.
//!
//! Each takes the task as `NonNull<Header>` and casts it back to its
//! `Cell<T, S>`; which thread may touch which field at each step follows the
//! protocol documented in `task/state.rs`. Panics from user code (the
//! future's `poll` and `Drop`, the output's `Drop`, a join waker) are caught
//! here so that they never unwind through the state machine.

use crate::runtime::context;
use crate::task::error::{Failure, JoinError};
use crate::task::raw::{Cell, Header, RawTask};
use crate::task::state::{TransitionToIdle, TransitionToRunning};
use crate::task::waker::waker_ref;
use crate::task::{Notified, Schedule, Task, Yielded};
use std::future::Future;
use std::mem::ManuallyDrop;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::ptr::{self, NonNull};
use std::task::{Context, Poll, Waker};

/// # Safety (for every function taking `ptr` here)
///
/// `ptr` points to a live `Cell<T, S>` of exactly these types: it was
/// reached through the vtable of that allocation.
unsafe fn cell<'a, T: Future, S>(ptr: NonNull<Header>) -> &'a Cell<T, S> {
    // SAFETY: the header is at offset 0 of the `repr(C)` cell and the
    // vtable that called us was built for `Cell<T, S>`.
    unsafe { ptr.cast::<Cell<T, S>>().as_ref() }
}

/// # Safety
///
/// See [`cell`]; consumes the reference of the `Notified` being run.
pub(super) unsafe fn poll<T: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: forwarded from the caller.
    let cell = unsafe { cell::<T, S>(ptr) };
    match cell.header.state.transition_to_running() {
        // SAFETY: the transition gave us RUNNING on a task not complete; the
        // caller's reference is the poll's.
        TransitionToRunning::Success => unsafe { poll_running(ptr, cell) },
        TransitionToRunning::Cancelled => {
            // SAFETY: the transition gave us RUNNING on a task not complete.
            unsafe {
                cancel_task(cell);
                complete(ptr, cell);
            }
        }
        TransitionToRunning::Failed => {}
        // SAFETY: that was the last reference.
        TransitionToRunning::Dealloc => unsafe { dealloc::<T, S>(ptr) },
    }
}

/// Polls a task that yielded in place: it is still `RUNNING` (nobody else
/// polled it or will), so no transition is needed to poll it again. A
/// cancellation (abort, shutdown) that arrived meanwhile only set
/// `CANCELLED`, as for any running task: it is honoured here.
///
/// # Safety
///
/// See [`cell`]; consumes a [`Yielded`]'s reference and its `RUNNING`.
pub(super) unsafe fn resume<T: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: forwarded from the caller.
    let cell = unsafe { cell::<T, S>(ptr) };
    if cell.header.state.load().is_cancelled() {
        // SAFETY: we hold RUNNING on a task not complete.
        unsafe {
            cancel_task(cell);
            complete(ptr, cell);
        }
        return;
    }
    // SAFETY: we hold RUNNING and the poll's reference.
    unsafe { poll_running(ptr, cell) }
}

/// Cancels a task that yielded in place and will not be resumed (its queue
/// is being dropped).
///
/// # Safety
///
/// As [`resume`].
pub(super) unsafe fn cancel_yielded<T: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: forwarded from the caller.
    let cell = unsafe { cell::<T, S>(ptr) };
    // SAFETY: we hold RUNNING on a task not complete.
    unsafe {
        cancel_task(cell);
        complete(ptr, cell);
    }
}

/// Polls the future once and settles the task: complete, queued again as it
/// is (its own yield, if the scheduler takes it so), or idle.
///
/// # Safety
///
/// The caller holds `RUNNING` on a task not complete, and one reference
/// (the poll's), which this consumes.
unsafe fn poll_running<T: Future, S: Schedule>(ptr: NonNull<Header>, cell: &Cell<T, S>) {
    let waker = waker_ref(ptr);
    let mut cx = Context::from_waker(&waker);
    // SAFETY: we hold RUNNING, the task is not complete.
    if unsafe { poll_future(cell, &mut cx) }.is_ready() {
        // SAFETY: we hold RUNNING and just stored the output.
        unsafe { complete(ptr, cell) };
        return;
    }
    // SAFETY: RUNNING and the poll's reference move into the `Yielded`.
    let yielded = unsafe { Yielded::<S>::from_raw(ptr) };
    let Some(yielded) = cell.scheduler.yield_in_place(yielded) else {
        // Queued as it is, still running: no transition at all.
        return;
    };
    // Not the task's own yield: RUNNING and the reference are ours again.
    yielded.into_raw();
    match cell.header.state.transition_to_idle() {
        TransitionToIdle::Ok => {}
        TransitionToIdle::OkNotified => {
            // SAFETY: the poll's reference was kept for this.
            cell.scheduler.yield_now(unsafe { Notified::from_raw(ptr) });
        }
        // SAFETY: no reference is left.
        TransitionToIdle::OkDealloc => unsafe { dealloc::<T, S>(ptr) },
        TransitionToIdle::Cancelled => {
            // SAFETY: still RUNNING, not complete.
            unsafe {
                cancel_task(cell);
                complete(ptr, cell);
            }
        }
    }
}

/// Polls the future once. On `Ready` (or a panic) the future is dropped and
/// the output stored.
///
/// A future whose poll panics is dropped while the panic unwinds, before it
/// is caught (as Tokio does): its destructor sees
/// `std::thread::panicking()`. A destructor that panics then aborts the
/// process, as any panic during unwinding does.
///
/// # Safety
///
/// The caller holds `RUNNING` and the task is not complete, so the stage
/// holds the future and nobody else touches it.
unsafe fn poll_future<T: Future, S>(cell: &Cell<T, S>, cx: &mut Context<'_>) -> Poll<()> {
    /// Drops the future if the poll unwinds; forgotten otherwise.
    struct DropOnUnwind<'a, T: Future, S>(&'a Cell<T, S>);
    impl<T: Future, S> Drop for DropOnUnwind<'_, T, S> {
        fn drop(&mut self) {
            // SAFETY: only reached while the poll unwinds: the stage still
            // holds the future (the poll did not complete), and it is
            // dropped exactly once, here (the `Err` arm below does not).
            unsafe { drop_future(self.0) }
        }
    }

    let _id = context::TaskIdGuard::enter(cell.header.id);
    let res = panic::catch_unwind(AssertUnwindSafe(|| {
        let on_unwind = DropOnUnwind(cell);
        let poll = cell.stage.with_mut(|stage| {
            // SAFETY: the stage holds the future (caller's contract) and the
            // allocation never moves, so pinning it in place is sound.
            let future = unsafe { Pin::new_unchecked(&mut *(*stage).future) };
            future.poll(cx)
        });
        std::mem::forget(on_unwind);
        poll
    }));
    let output = match res {
        Ok(Poll::Pending) => return Poll::Pending,
        Ok(Poll::Ready(output)) => {
            // SAFETY: as above; the future is dropped exactly once, here.
            let _ = panic::catch_unwind(AssertUnwindSafe(|| unsafe { drop_future(cell) }));
            Ok(output)
        }
        // The future was dropped while unwinding (`DropOnUnwind`).
        Err(payload) => Err(Failure::panic(payload)),
    };
    // SAFETY: the future is gone; the slot is ours until COMPLETE is set.
    unsafe { store_output(cell, output) };
    Poll::Ready(())
}

/// Drops the future and stores the cancellation (or the panic its `Drop`
/// raised) as the output.
///
/// # Safety
///
/// As [`poll_future`].
unsafe fn cancel_task<T: Future, S>(cell: &Cell<T, S>) {
    let _id = context::TaskIdGuard::enter(cell.header.id);
    // SAFETY: caller's contract: we own the stage and it holds the future.
    let res = panic::catch_unwind(AssertUnwindSafe(|| unsafe { drop_future(cell) }));
    let failure = match res {
        Ok(()) => Failure::cancelled(),
        Err(payload) => Failure::panic(payload),
    };
    // SAFETY: the future is gone; the slot is ours until COMPLETE is set.
    unsafe { store_output(cell, Err(failure)) };
}

/// # Safety
///
/// The caller owns the stage and it holds the future.
unsafe fn drop_future<T: Future, S>(cell: &Cell<T, S>) {
    // SAFETY: forwarded from the caller.
    cell.stage.with_mut(|stage| unsafe { ManuallyDrop::drop(&mut (*stage).future) })
}

/// # Safety
///
/// The caller owns the stage and nothing live is in it.
unsafe fn store_output<T: Future, S>(cell: &Cell<T, S>, output: Result<T::Output, Failure>) {
    // SAFETY: forwarded from the caller; writing over a dead union member.
    cell.stage.with_mut(|stage| unsafe { ptr::write(&mut (*stage).output, ManuallyDrop::new(output)) })
}

/// # Safety
///
/// The caller owns the output (see `state.rs`) and it is still stored.
unsafe fn take_output<T: Future, S>(cell: &Cell<T, S>) -> Result<T::Output, Failure> {
    // SAFETY: forwarded from the caller; reading it out leaves the slot dead.
    cell.stage.with_mut(|stage| unsafe { ManuallyDrop::take(&mut (*stage).output) })
}

/// Publishes completion: hands the output to the `JoinHandle` (or drops it),
/// wakes the joiner, leaves the owned list and drops the run's reference.
///
/// # Safety
///
/// The caller holds `RUNNING`, the output is stored, and `ptr` is `cell`.
unsafe fn complete<T: Future, S: Schedule>(ptr: NonNull<Header>, cell: &Cell<T, S>) {
    let snapshot = cell.header.state.transition_to_complete();
    let _ = panic::catch_unwind(AssertUnwindSafe(|| {
        if !snapshot.is_join_interested() {
            // Nobody will read the output: it is ours to drop, as the task
            // (its destructor sees `task::id()`, as in Tokio).
            let _id = context::TaskIdGuard::enter(cell.header.id);
            // SAFETY: COMPLETE with no JOIN_INTEREST: the output is ours.
            drop(unsafe { take_output(cell) });
        } else if snapshot.is_join_waker_set() {
            cell.join_waker.with(|w| {
                // SAFETY: JOIN_WAKER and COMPLETE are set: the field is
                // immutable and ours to read.
                if let Some(w) = unsafe { &*w } {
                    w.wake_by_ref();
                }
            });
            let snapshot = cell.header.state.unset_waker_after_complete();
            if !snapshot.is_join_interested() {
                // The JoinHandle is gone and never touches the field again.
                // SAFETY: COMPLETE, no JOIN_INTEREST: exclusive access.
                cell.join_waker.with_mut(|w| unsafe { *w = None });
            }
        }
    }));

    // SAFETY: we hold a reference for the duration of the call.
    let task = ManuallyDrop::new(unsafe { Task::<S>::from_raw(ptr) });
    let released = cell.scheduler.release(&task);
    let count = match released {
        Some(owned) => {
            // The list's reference is dropped with ours below.
            std::mem::forget(owned);
            2
        }
        None => 1,
    };
    if cell.header.state.transition_to_terminal(count) {
        // SAFETY: those were the last references.
        unsafe { dealloc::<T, S>(ptr) }
    }
}

/// # Safety
///
/// See [`cell`]; the caller gives up one reference, which the `Notified`
/// takes over.
pub(super) unsafe fn schedule<T: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: forwarded from the caller.
    let cell = unsafe { cell::<T, S>(ptr) };
    // SAFETY: the caller's reference becomes the `Notified`'s.
    cell.scheduler.schedule(unsafe { Notified::from_raw(ptr) });
}

/// # Safety
///
/// See [`cell`]; the reference count is zero.
pub(super) unsafe fn dealloc<T: Future, S: Schedule>(ptr: NonNull<Header>) {
    let cell_ptr = ptr.cast::<Cell<T, S>>();
    // SAFETY: the last reference is gone: nobody else can reach the cell.
    let cell = unsafe { cell_ptr.as_ref() };
    if !cell.header.state.load().is_complete() {
        // Only reachable if a task is released without being run to
        // completion or cancelled; drop the future rather than leak it.
        // SAFETY: not COMPLETE, so the stage holds the future.
        unsafe { drop_future(cell) };
    }
    // SAFETY: `cell_ptr` came from `Box::leak` in `Cell::allocate`; the
    // stage is a union of `ManuallyDrop`s, so nothing in it is dropped twice.
    drop(unsafe { Box::from_raw(cell_ptr.as_ptr()) });
}

/// # Safety
///
/// See [`cell`]; called only by the `JoinHandle`; `dst` points to a
/// `Poll<Result<T::Output, JoinError>>`.
pub(super) unsafe fn try_read_output<T: Future, S: Schedule>(
    ptr: NonNull<Header>,
    dst: *mut (),
    waker: &Waker,
) {
    // SAFETY: forwarded from the caller.
    let cell = unsafe { cell::<T, S>(ptr) };
    if can_read_output(cell, waker) {
        // SAFETY: COMPLETE was observed with JOIN_INTEREST still ours, so
        // the output belongs to the JoinHandle, which reads it once.
        let output = unsafe { take_output(cell) };
        let dst = dst.cast::<Poll<Result<T::Output, JoinError>>>();
        let id = cell.header.id;
        // SAFETY: the caller's contract on `dst`.
        unsafe { *dst = Poll::Ready(output.map_err(|f| f.into_join_error(id))) };
    }
}

/// `true` if the task is complete; otherwise stores `waker` as the join
/// waker (unless an equivalent one is there) and returns `false`.
fn can_read_output<T: Future, S>(cell: &Cell<T, S>, waker: &Waker) -> bool {
    let state = &cell.header.state;
    let snapshot = state.load();
    if snapshot.is_complete() {
        return true;
    }
    let res = if snapshot.is_join_waker_set() {
        // SAFETY: JOIN_WAKER is set: the field is immutable, shared reads
        // are allowed.
        let same = cell.join_waker.with(|w| unsafe { (*w).as_ref() }.is_some_and(|w| w.will_wake(waker)));
        if same {
            return false;
        }
        state.unset_join_waker().and_then(|_| set_join_waker(cell, waker.clone()))
    } else {
        set_join_waker(cell, waker.clone())
    };
    match res {
        Ok(_) => false,
        Err(snapshot) => {
            debug_assert!(snapshot.is_complete());
            true
        }
    }
}

fn set_join_waker<T: Future, S>(
    cell: &Cell<T, S>,
    waker: Waker,
) -> Result<crate::task::state::Snapshot, crate::task::state::Snapshot> {
    // SAFETY: JOIN_WAKER is clear and the task not complete: the JoinHandle
    // (our caller) has exclusive access to the field.
    cell.join_waker.with_mut(|w| unsafe { *w = Some(waker) });
    let res = cell.header.state.set_join_waker();
    if res.is_err() {
        // Completed meanwhile: the bit was never set, the field is still ours.
        // SAFETY: as above.
        cell.join_waker.with_mut(|w| unsafe { *w = None });
    }
    res
}

/// # Safety
///
/// See [`cell`]; called only by a `JoinHandle` that did not take the output,
/// which gives up its reference.
pub(super) unsafe fn drop_join_handle_slow<T: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: forwarded from the caller.
    let cell = unsafe { cell::<T, S>(ptr) };
    let transition = cell.header.state.transition_to_join_handle_dropped();
    if transition.drop_output {
        // Dropped as the task (its destructor sees `task::id()`).
        let _id = context::TaskIdGuard::enter(cell.header.id);
        // SAFETY: complete, and the output was the JoinHandle's, unread.
        let _ = panic::catch_unwind(AssertUnwindSafe(|| drop(unsafe { take_output(cell) })));
    }
    if transition.drop_waker {
        // SAFETY: JOIN_WAKER is clear: the JoinHandle owns the field.
        cell.join_waker.with_mut(|w| unsafe { *w = None });
    }
    // SAFETY: the JoinHandle's reference.
    unsafe { RawTask::from_raw(ptr).drop_reference() }
}

/// # Safety
///
/// See [`cell`]; the caller gives up one reference.
pub(super) unsafe fn shutdown<T: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: forwarded from the caller.
    let cell = unsafe { cell::<T, S>(ptr) };
    if !cell.header.state.transition_to_shutdown() {
        // Running elsewhere (it will see CANCELLED) or already complete.
        // SAFETY: the caller's reference.
        unsafe { RawTask::from_raw(ptr).drop_reference() };
        return;
    }
    // SAFETY: the transition made us the poller of a task not complete; the
    // caller's reference is the one `complete` drops.
    unsafe {
        cancel_task(cell);
        complete(ptr, cell);
    }
}
