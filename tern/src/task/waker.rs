//! Task wakers: a `Waker` is a counted reference to the task's header.
//!
//! All tasks share one static `RawWakerVTable`; the data pointer is the
//! task's `NonNull<Header>`. So two wakers of one task compare equal under
//! `Waker::will_wake`, and clone, wake and drop never allocate: they are one
//! atomic operation on the state word (plus a scheduler push on wake).

use crate::task::raw::{Header, RawTask};
use crate::task::state::{TransitionToNotifiedByRef, TransitionToNotifiedByVal};
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ops::Deref;
use std::ptr::NonNull;
use std::task::{RawWaker, RawWakerVTable, Waker};

/// A waker borrowed for the duration of one poll: it holds no reference of
/// its own (the poller's keeps the task alive); cloning it takes one.
pub(crate) struct WakerRef<'a> {
    waker: ManuallyDrop<Waker>,
    _p: PhantomData<&'a Header>,
}

impl Deref for WakerRef<'_> {
    type Target = Waker;
    fn deref(&self) -> &Waker {
        &self.waker
    }
}

pub(crate) fn waker_ref<'a>(header: NonNull<Header>) -> WakerRef<'a> {
    // SAFETY: the vtable's functions expect a task header pointer, which
    // this is; `ManuallyDrop` keeps the borrowed waker from dropping a
    // reference it does not own.
    let waker = unsafe { Waker::from_raw(raw_waker(header)) };
    WakerRef { waker: ManuallyDrop::new(waker), _p: PhantomData }
}

/// The one vtable of every task waker. A `static` (not a promoted constant)
/// so that its address, which `will_wake` compares, is unique.
static WAKER_VTABLE: RawWakerVTable = RawWakerVTable::new(clone_waker, wake_by_val, wake_by_ref, drop_waker);

/// Whether `waker` is the waker of the task whose header is at `header`
/// (a tern task waker with that data pointer).
pub(crate) fn is_waker_of(waker: &Waker, header: *const ()) -> bool {
    std::ptr::eq(waker.vtable(), &WAKER_VTABLE) && waker.data() == header
}

fn raw_waker(header: NonNull<Header>) -> RawWaker {
    RawWaker::new(header.as_ptr() as *const (), &WAKER_VTABLE)
}

/// # Safety
///
/// `ptr` is a live task header (for all four functions: the `Waker`
/// contract guarantees it is the data pointer we created).
unsafe fn raw_task(ptr: *const ()) -> RawTask {
    // SAFETY: wakers are only created from non-null task headers.
    unsafe { RawTask::from_raw(NonNull::new_unchecked(ptr as *mut Header)) }
}

unsafe fn clone_waker(ptr: *const ()) -> RawWaker {
    // SAFETY: see `raw_task`.
    let task = unsafe { raw_task(ptr) };
    task.ref_inc();
    raw_waker(task.header_ptr())
}

unsafe fn drop_waker(ptr: *const ()) {
    // SAFETY: see `raw_task`; the waker's reference is given up.
    unsafe { raw_task(ptr).drop_reference() }
}

unsafe fn wake_by_val(ptr: *const ()) {
    // SAFETY: see `raw_task`.
    let task = unsafe { raw_task(ptr) };
    match task.header().state.transition_to_notified_by_val() {
        // SAFETY: the waker's reference moves into the `Notified`.
        TransitionToNotifiedByVal::Submit => unsafe { task.schedule() },
        TransitionToNotifiedByVal::DoNothing => {}
        // SAFETY: that was the last reference.
        TransitionToNotifiedByVal::Dealloc => unsafe { task.dealloc() },
    }
}

unsafe fn wake_by_ref(ptr: *const ()) {
    // SAFETY: see `raw_task`.
    let task = unsafe { raw_task(ptr) };
    match task.header().state.transition_to_notified_by_ref() {
        // SAFETY: the transition added the reference the `Notified` takes.
        TransitionToNotifiedByRef::Submit => unsafe { task.schedule() },
        TransitionToNotifiedByRef::DoNothing => {}
    }
}
