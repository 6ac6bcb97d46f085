//! The task allocation and its type-erased handle.
//!
//! A spawned task is exactly one heap allocation, a [`Cell`]:
//!
//! ```text
//! +--------------------------- Header (40 B) ---------------------------+
//! | state: AtomicUsize | vtable | owned-list links (prev, next) | id    |
//! +---------------------------------------------------------------------+
//! | scheduler: S (8 B, an Arc)  | join waker: Option<Waker> (16 B)      |
//! +---------------------------------------------------------------------+
//! | stage: union { future, output }  (size of the larger of the two)    |
//! +---------------------------------------------------------------------+
//! ```
//!
//! Everything before the stage is 64 bytes. The stage carries no tag of its
//! own: the `COMPLETE` bit of the state word says which member is live (see
//! [`Stage`]), so a task awaiting a tiny future costs 72 bytes, an 80-byte
//! malloc chunk.
//!
//! Type erasure: the runtime holds tasks as `NonNull<Header>`; the header's
//! `vtable` holds the functions monomorphised for the task's future type
//! and scheduler type, which cast the pointer back to `Cell<T, S>`. This is
//! sound because `Cell` is `repr(C)` with the header first.

use crate::loom::cell::UnsafeCell;
use crate::task::error::Failure;
use crate::task::harness;
use crate::task::state::State;
use crate::task::{Id, Schedule};
use std::future::Future;
use std::mem::ManuallyDrop;
use std::ptr::NonNull;
use std::task::Waker;

/// The type-independent part of every task, at offset 0 of its [`Cell`].
#[repr(C)]
pub(crate) struct Header {
    pub(crate) state: State,
    pub(crate) vtable: &'static Vtable,
    /// Links in the owning scheduler's list of live tasks.
    ///
    /// Invariant: read and written only by whoever has exclusive access to
    /// that list (for the current-thread scheduler: the holder of its core).
    /// Both are `None` while the task is in no list.
    pub(crate) owned: UnsafeCell<Pointers>,
    pub(crate) id: Id,
}

/// Intrusive links of the owned-task list.
#[derive(Default)]
pub(crate) struct Pointers {
    pub(crate) prev: Option<NonNull<Header>>,
    pub(crate) next: Option<NonNull<Header>>,
}

/// The functions of one `Cell<T, S>` type.
pub(crate) struct Vtable {
    /// Runs the task; consumes the `Notified`'s reference.
    pub(crate) poll: unsafe fn(NonNull<Header>),
    /// Hands a `Notified` (carrying one reference) to the scheduler.
    pub(crate) schedule: unsafe fn(NonNull<Header>),
    /// Frees the allocation. Only after the last reference is gone.
    pub(crate) dealloc: unsafe fn(NonNull<Header>),
    /// Reads the output into `*mut Poll<Result<T::Output, JoinError>>` or
    /// registers the waker.
    pub(crate) try_read_output: unsafe fn(NonNull<Header>, *mut (), &Waker),
    /// Slow path of `JoinHandle::drop`, for a handle that took no output.
    pub(crate) drop_join_handle_slow: unsafe fn(NonNull<Header>),
    /// Cancels the task on runtime shutdown; consumes one reference.
    pub(crate) shutdown: unsafe fn(NonNull<Header>),
    /// Polls again a task that yielded in place (still `RUNNING`);
    /// consumes the `Yielded`'s reference.
    pub(crate) resume: unsafe fn(NonNull<Header>),
    /// Cancels a task that yielded in place and will not be resumed;
    /// consumes the `Yielded`'s reference.
    pub(crate) cancel_yielded: unsafe fn(NonNull<Header>),
}

/// The whole task allocation.
#[repr(C)]
pub(crate) struct Cell<T: Future, S> {
    pub(crate) header: Header,
    pub(crate) scheduler: S,
    /// See "Who owns the stage and the join waker" in `task/state.rs`.
    pub(crate) join_waker: UnsafeCell<Option<Waker>>,
    /// Invariant: holds the future while the state word is not `COMPLETE`
    /// (dropped in place the moment the task completes or is cancelled);
    /// after `COMPLETE` holds the output until its owner (see `state.rs`)
    /// takes or drops it, then nothing.
    pub(crate) stage: UnsafeCell<Stage<T>>,
}

/// The future or its output; which one is live is recorded by the state
/// word, not here (see [`Cell::stage`]).
pub(crate) union Stage<T: Future> {
    pub(crate) future: ManuallyDrop<T>,
    pub(crate) output: ManuallyDrop<Result<T::Output, Failure>>,
}

impl<T: Future, S: Schedule> Cell<T, S> {
    /// Allocates a task. `refs` is its initial reference count.
    pub(crate) fn allocate(future: T, scheduler: S, id: Id, refs: usize) -> NonNull<Header> {
        let cell = Box::new(Cell {
            header: Header {
                state: State::with_refs(refs),
                vtable: vtable::<T, S>(),
                owned: UnsafeCell::new(Pointers::default()),
                id,
            },
            scheduler,
            join_waker: UnsafeCell::new(None),
            stage: UnsafeCell::new(Stage { future: ManuallyDrop::new(future) }),
        });
        NonNull::from(Box::leak(cell)).cast()
    }
}

fn vtable<T: Future, S: Schedule>() -> &'static Vtable {
    &Vtable {
        poll: harness::poll::<T, S>,
        schedule: harness::schedule::<T, S>,
        dealloc: harness::dealloc::<T, S>,
        try_read_output: harness::try_read_output::<T, S>,
        drop_join_handle_slow: harness::drop_join_handle_slow::<T, S>,
        shutdown: harness::shutdown::<T, S>,
        resume: harness::resume::<T, S>,
        cancel_yielded: harness::cancel_yielded::<T, S>,
    }
}

/// A type-erased pointer to a task. Copying it does not count a reference:
/// the typed owners ([`Task`](super::Task), [`JoinHandle`](crate::task::JoinHandle),
/// wakers...) do.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct RawTask {
    ptr: NonNull<Header>,
}

// SAFETY: a `RawTask` is a pointer to a task whose shared parts (state word,
// id, vtable) are thread-safe; every access to the rest goes through the
// state-word protocol, which hands exclusive access to one thread at a time.
unsafe impl Send for RawTask {}
// SAFETY: as for `Send`.
unsafe impl Sync for RawTask {}

impl RawTask {
    /// # Safety
    ///
    /// `ptr` must point to a live task allocation.
    pub(crate) unsafe fn from_raw(ptr: NonNull<Header>) -> RawTask {
        RawTask { ptr }
    }

    pub(crate) fn header_ptr(self) -> NonNull<Header> {
        self.ptr
    }

    pub(crate) fn header(&self) -> &Header {
        // SAFETY: a `RawTask` is only made from a live allocation and used
        // while its owner holds a reference, which keeps it alive.
        unsafe { self.ptr.as_ref() }
    }

    pub(crate) fn id(&self) -> Id {
        self.header().id
    }

    /// Runs the task, consuming the reference of the `Notified` it came from.
    pub(crate) fn poll(self) {
        // SAFETY: the vtable belongs to this allocation's type; the caller
        // gives up a `Notified`, which is the reference `poll` consumes.
        unsafe { (self.header().vtable.poll)(self.ptr) }
    }

    /// # Safety
    ///
    /// The caller gives up one reference, which becomes the `Notified`'s.
    pub(crate) unsafe fn schedule(self) {
        // SAFETY: the caller's reference moves to the `Notified`.
        unsafe { (self.header().vtable.schedule)(self.ptr) }
    }

    /// # Safety
    ///
    /// Only once no reference is left.
    pub(crate) unsafe fn dealloc(self) {
        // SAFETY: the caller guarantees the reference count reached zero.
        unsafe { (self.header().vtable.dealloc)(self.ptr) }
    }

    /// # Safety
    ///
    /// Only by the task's `JoinHandle`; `dst` points to a
    /// `Poll<Result<T::Output, JoinError>>` for the task's output type.
    pub(crate) unsafe fn try_read_output(self, dst: *mut (), waker: &Waker) {
        // SAFETY: forwarded from the caller.
        unsafe { (self.header().vtable.try_read_output)(self.ptr, dst, waker) }
    }

    /// # Safety
    ///
    /// Only by the task's `JoinHandle`, which has not taken the output, and
    /// which gives up its reference.
    pub(crate) unsafe fn drop_join_handle_slow(self) {
        // SAFETY: forwarded from the caller.
        unsafe { (self.header().vtable.drop_join_handle_slow)(self.ptr) }
    }

    /// # Safety
    ///
    /// The caller gives up one reference.
    pub(crate) unsafe fn shutdown(self) {
        // SAFETY: forwarded from the caller.
        unsafe { (self.header().vtable.shutdown)(self.ptr) }
    }

    /// # Safety
    ///
    /// The caller gives up a `Yielded` (the task is `RUNNING` for it, and
    /// its reference is consumed).
    pub(crate) unsafe fn resume(self) {
        // SAFETY: forwarded from the caller.
        unsafe { (self.header().vtable.resume)(self.ptr) }
    }

    /// # Safety
    ///
    /// As [`RawTask::resume`].
    pub(crate) unsafe fn cancel_yielded(self) {
        // SAFETY: forwarded from the caller.
        unsafe { (self.header().vtable.cancel_yielded)(self.ptr) }
    }

    pub(crate) fn ref_inc(self) {
        self.header().state.ref_inc();
    }

    /// # Safety
    ///
    /// The caller gives up one reference.
    pub(crate) unsafe fn drop_reference(self) {
        if self.header().state.ref_dec() {
            // SAFETY: that was the last reference.
            unsafe { self.dealloc() }
        }
    }

    /// Cancels the task from a `JoinHandle` or `AbortHandle`.
    pub(crate) fn remote_abort(self) {
        if self.header().state.transition_to_notified_and_cancel() {
            // SAFETY: the transition added the reference the `Notified` takes.
            unsafe { self.schedule() }
        }
    }
}

#[cfg(all(test, not(tern_loom)))]
mod tests {
    use super::*;
    use std::mem::{offset_of, size_of};

    type Sched = std::sync::Arc<crate::runtime::scheduler::current_thread::Handle>;

    fn layout_of<F: Future>(_: &F) -> (usize, usize) {
        (offset_of!(Cell<F, Sched>, stage), size_of::<Cell<F, Sched>>())
    }

    #[test]
    fn header_is_at_most_64_bytes() {
        // Header, scheduler handle and join waker: everything but the stage.
        let (stage_offset, _) = layout_of(&async {});
        assert!(stage_offset <= 64, "task header is {stage_offset} bytes");
    }

    #[test]
    fn task_awaiting_a_tiny_future_is_72_bytes() {
        let (_, size) = layout_of(&std::future::pending::<()>());
        assert_eq!(size, 72);
        let (_, size) = layout_of(&async { std::future::pending::<()>().await });
        assert_eq!(size, 72);
    }
}
