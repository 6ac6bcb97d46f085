//! Asynchronous green-threads: spawning, joining, yielding, cancelling.
//!
//! # How a task is built (protocol overview)
//!
//! A task is one heap allocation (`raw.rs`): a header with the atomic state
//! word (`state.rs`), the scheduler handle, the join waker, and the future,
//! later replaced by its output. The runtime refers to it through counted
//! references of four kinds, each a distinct type:
//!
//! | reference      | held by                               | made by            | dropped when                           |
//! |----------------|---------------------------------------|--------------------|----------------------------------------|
//! | `Task`         | the scheduler's owned-task list       | spawn              | the task completes (`Schedule::release`) |
//! | `Notified`     | a run queue                           | spawn, a wake      | the scheduler runs it (poll consumes it) |
//! | [`JoinHandle`] | the user                              | spawn              | the handle is dropped                  |
//! | `Waker`, [`AbortHandle`] | anyone                      | clone              | dropped (`wake` hands it to a `Notified`) |
//!
//! Who may touch the stage and the join waker at each moment is decided by
//! the state word alone; the table of bits and transitions is at the top of
//! `state.rs`, and the code that follows it is in `harness.rs`.
//!
//! Life of a task: spawn allocates it with three references (list,
//! `Notified`, `JoinHandle`) and the `NOTIFIED` bit; the scheduler pops the
//! `Notified` and runs it (`RUNNING`); a `Pending` poll returns it to idle;
//! a wake sets `NOTIFIED` again and pushes a new `Notified` (exactly once,
//! however many wakes race); a `Ready` poll drops the future, stores the
//! output and sets `COMPLETE`, wakes the joiner, and leaves the list. The
//! last reference to go frees the allocation.

mod abort;
mod builder;
pub mod coop;
mod error;
mod harness;
mod id;
mod join;
pub mod join_set;
mod join_set_builder;
mod join_set_entries;
mod join_set_iter;
pub(crate) mod list;
pub(crate) mod local;
pub(crate) mod raw;
pub(crate) mod state;
mod waker;
pub(crate) use waker::is_waker_of;
mod yield_now;

mod task_local;
pub use task_local::{AccessError, LocalKey};

/// Task-related futures.
pub mod futures {
    pub use super::task_local::TaskLocalFuture;
}

#[cfg(all(test, tern_loom))]
mod loom;

pub use crate::runtime::blocking::spawn_blocking;
pub use crate::runtime::scheduler::multi_thread::block_in_place::block_in_place;
pub use abort::AbortHandle;
pub use builder::Builder;
pub use coop::{consume_budget, unconstrained, Unconstrained};
pub use error::JoinError;
pub use id::Id;
pub use join::JoinHandle;
pub use join_set::JoinSet;
pub use local::{spawn_local, LocalEnterGuard, LocalSet};
pub use yield_now::yield_now;

use crate::runtime::context;
use raw::{Cell, Header, RawTask};
use std::future::Future;
use std::marker::PhantomData;
use std::ptr::NonNull;

/// What a scheduler provides to the tasks it runs.
pub(crate) trait Schedule: Send + Sync + Sized + 'static {
    /// The task completed: take it out of the owned list and return the
    /// list's reference, or `None` if it is in no list.
    fn release(&self, task: &Task<Self>) -> Option<Task<Self>>;

    /// Queue a woken task.
    fn schedule(&self, task: Notified<Self>);

    /// Queue a task that woke itself during its poll (`yield_now`, or a
    /// spent coop budget): it goes behind the work that is ready now.
    fn yield_now(&self, task: Notified<Self>) {
        self.schedule(task);
    }

    /// A poll just returned `Pending`, the task still `RUNNING`: if that
    /// was the task's own yield (`yield_now`, a spent coop budget), the
    /// scheduler may queue it as it is and return `None`; it then resumes
    /// it later with no state transition at all (three atomic
    /// read-modify-writes fewer per yield: the wake, the return to idle,
    /// the next run). Otherwise it hands the task back and the poll ends
    /// as usual.
    fn yield_in_place(&self, task: Yielded<Self>) -> Option<Yielded<Self>> {
        Some(task)
    }
}

/// The owned-list reference to a task.
pub(crate) struct Task<S: 'static> {
    raw: RawTask,
    _p: PhantomData<S>,
}

// SAFETY: the state word arbitrates every access to a task across threads,
// and a task's future and output are only touched by a thread allowed to:
// for tasks made by `new_task` (a `Send` future) any thread; for tasks made by
// `new_local_task`, only the one thread its scheduler runs them on (the
// reference itself may travel, e.g. a remote wake's `Notified` through an
// inject queue, but it is only polled or cancelled on that thread).
unsafe impl<S> Send for Task<S> {}
// SAFETY: as for `Send`; `&Task` exposes only thread-safe operations.
unsafe impl<S> Sync for Task<S> {}

/// A reference to a task that is queued to run: holding one is the right to
/// poll the task once.
#[repr(transparent)]
pub(crate) struct Notified<S: 'static>(Task<S>);

impl<S: 'static> Task<S> {
    /// # Safety
    ///
    /// `ptr` is a live task of scheduler type `S`; the caller hands over one
    /// reference.
    pub(crate) unsafe fn from_raw(ptr: NonNull<Header>) -> Task<S> {
        // SAFETY: forwarded from the caller.
        Task { raw: unsafe { RawTask::from_raw(ptr) }, _p: PhantomData }
    }

    pub(crate) fn raw(&self) -> RawTask {
        self.raw
    }

    fn into_raw(self) -> RawTask {
        let raw = self.raw;
        std::mem::forget(self);
        raw
    }

    /// Cancels the task (runtime shutdown), consuming this reference.
    pub(crate) fn shutdown(self) {
        // SAFETY: we hand over our reference.
        unsafe { self.into_raw().shutdown() }
    }
}

impl<S: 'static> Drop for Task<S> {
    fn drop(&mut self) {
        // SAFETY: our reference.
        unsafe { self.raw.drop_reference() }
    }
}

/// A task whose poll returned `Pending` on its own yield and that its
/// scheduler queued as it was: still `RUNNING`, with that poll's reference.
/// Holding one is the right to poll it again ([`Yielded::resume`]); no one
/// else polls it meanwhile, since every wake sees `RUNNING` and only sets
/// `NOTIFIED` (an abort sets `CANCELLED`, honoured at the resume).
/// Dropping one cancels the task: nobody else would ever poll it again.
pub(crate) struct Yielded<S: 'static> {
    raw: RawTask,
    _p: PhantomData<S>,
}

// SAFETY: as for `Task`: the one holder of a `Yielded` is the task's
// poller, and a local task's `Yielded` is only resumed or dropped on its
// scheduler's thread.
unsafe impl<S> Send for Yielded<S> {}

impl<S: 'static> Yielded<S> {
    /// # Safety
    ///
    /// The caller holds `RUNNING` on the task (it is not complete) and
    /// hands over one reference; both move into the `Yielded`.
    pub(crate) unsafe fn from_raw(ptr: NonNull<Header>) -> Yielded<S> {
        // SAFETY: forwarded from the caller.
        Yielded { raw: unsafe { RawTask::from_raw(ptr) }, _p: PhantomData }
    }

    /// Gives `RUNNING` and the reference back to the caller.
    pub(crate) fn into_raw(self) -> RawTask {
        let raw = self.raw;
        std::mem::forget(self);
        raw
    }

    /// Polls the task again.
    pub(crate) fn resume(self) {
        // SAFETY: a `Yielded` is exactly what `resume` consumes.
        unsafe { self.into_raw().resume() }
    }

    /// The task's header address, as its wakers carry it (`Waker::data`).
    pub(crate) fn header_addr(&self) -> *const () {
        self.raw.header_ptr().as_ptr() as *const ()
    }

    /// Marks the running task notified (a wake in place), for a scheduler
    /// that hands back a yield it could not queue as it is: the poll then
    /// ends as a yield always did, queued again through `yield_now`.
    pub(crate) fn notify(&self) {
        let _ = self.raw.header().state.transition_to_notified_by_ref();
    }
}

impl<S: 'static> Drop for Yielded<S> {
    fn drop(&mut self) {
        // SAFETY: our `RUNNING` and reference, never used again.
        unsafe { self.raw.cancel_yielded() }
    }
}

impl<S: 'static> Notified<S> {
    /// # Safety
    ///
    /// As [`Task::from_raw`].
    pub(crate) unsafe fn from_raw(ptr: NonNull<Header>) -> Notified<S> {
        // SAFETY: forwarded from the caller.
        Notified(unsafe { Task::from_raw(ptr) })
    }

    /// Polls the task once, consuming the notification.
    pub(crate) fn run(self) {
        self.0.into_raw().poll();
    }

    /// The task's address (identity in tests).
    #[cfg(all(test, tern_loom))]
    pub(crate) fn task_ptr(&self) -> usize {
        self.0.raw.header_ptr().as_ptr() as usize
    }

    /// The task's header address, as its wakers carry it (`Waker::data`).
    pub(crate) fn header_addr(&self) -> *const () {
        self.0.raw.header_ptr().as_ptr() as *const ()
    }

    /// Gives up the notification as a raw pointer (its reference travels
    /// with it; rebuild it with [`Notified::from_raw`]).
    pub(crate) fn into_raw_header(self) -> NonNull<Header> {
        self.0.into_raw().header_ptr()
    }

    /// Turns the notification into the owned-list reference, for a task
    /// whose list reference travelled with it (a remote spawn); the caller
    /// adds the reference the queued `Notified` needs.
    pub(crate) fn into_task(self) -> Task<S> {
        self.0
    }
}

/// Allocates a task: the list reference, its first notification, and its
/// join handle.
pub(crate) fn new_task<T, S>(future: T, scheduler: S, id: Id) -> (Task<S>, Notified<S>, JoinHandle<T::Output>)
where
    T: Future + Send + 'static,
    T::Output: Send + 'static,
    S: Schedule,
{
    let ptr = Cell::allocate(future, scheduler, id, 3);
    // SAFETY: the allocation starts with three references, one for each.
    unsafe { (Task::from_raw(ptr), Notified::from_raw(ptr), JoinHandle::new(RawTask::from_raw(ptr))) }
}

/// Allocates a task whose future need not be `Send`: the list reference,
/// its first notification, and its join handle.
///
/// # Safety
///
/// The scheduler `S` polls, cancels and drops the task (its future, and its
/// output unless a `JoinHandle` takes it) only on the thread that calls this
/// function. The `JoinHandle` is `!Send` when the output is, so it cannot
/// carry a `!Send` output elsewhere.
pub(crate) unsafe fn new_local_task<T, S>(
    future: T,
    scheduler: S,
    id: Id,
) -> (Task<S>, Notified<S>, JoinHandle<T::Output>)
where
    T: Future + 'static,
    T::Output: 'static,
    S: Schedule,
{
    let ptr = Cell::allocate(future, scheduler, id, 3);
    // SAFETY: the allocation starts with three references, one for each.
    unsafe { (Task::from_raw(ptr), Notified::from_raw(ptr), JoinHandle::new(RawTask::from_raw(ptr))) }
}

/// Allocates a task that no list owns (two references: notification and
/// join handle).
pub(crate) fn new_unowned_task<T, S>(future: T, scheduler: S, id: Id) -> (Notified<S>, JoinHandle<T::Output>)
where
    T: Future + Send + 'static,
    T::Output: Send + 'static,
    S: Schedule,
{
    let ptr = Cell::allocate(future, scheduler, id, 2);
    // SAFETY: the allocation starts with two references, one for each.
    unsafe { (Notified::from_raw(ptr), JoinHandle::new(RawTask::from_raw(ptr))) }
}

/// Spawns a new asynchronous task, returning a [`JoinHandle`] for it.
///
/// The provided future will start running in the background immediately
/// when `spawn` is called, even if you don't await the returned
/// `JoinHandle`. Spawning a task enables it to execute concurrently to
/// other tasks. Dropping the handle detaches the task.
///
/// # Panics
///
/// Panics if called from **outside** of a tern runtime (create one with
/// `#[tern::main]` or [`Runtime::new`](crate::runtime::Runtime::new), then
/// spawn from inside `block_on` or a task, or through a
/// [`Handle`](crate::runtime::Handle)).
///
/// # Examples
///
/// ```
/// # tern::runtime::Runtime::new().unwrap().block_on(async {
/// let handle = tern::spawn(async {
///     // Runs concurrently with the spawner.
///     "hello from a task"
/// });
/// assert_eq!(handle.await.unwrap(), "hello from a task");
/// # });
/// ```
#[track_caller]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    match context::with_current_ref(|handle| handle.spawn(future, Id::next())) {
        Ok(join) => join,
        Err(e) => panic!("{}", e.panic_message("tern::spawn")),
    }
}

/// Returns the [`Id`] of the currently running task.
///
/// # Panics
///
/// Panics if called from outside a task. Use [`try_id`] to get `None`
/// there instead.
///
/// # Examples
///
/// ```
/// # tern::runtime::Runtime::new().unwrap().block_on(async {
/// let id = tern::spawn(async { tern::task::id() }).await.unwrap();
/// println!("the task had id {id}");
/// # });
/// ```
#[track_caller]
pub fn id() -> Id {
    context::current_task_id().expect(
        "Can't get a task id when not inside a task (tern: use task::try_id() where there may be none)",
    )
}

/// Returns the [`Id`] of the currently running task, or `None` if called
/// outside of a task.
///
/// Note that the future given to `block_on` is not a task.
pub fn try_id() -> Option<Id> {
    context::current_task_id()
}
