//! `LocalRuntime`: a current-thread runtime that runs `!Send` tasks on its
//! own scheduler.
//!
//! Tokio keeps this type unstable (its issue 7558) and users measured its
//! `LocalSet` (a second run queue polled inside a task) as overhead (issue
//! 6739). Here `spawn_local` on a `LocalRuntime` links the task straight
//! into the current-thread scheduler's core, like any `spawn`: same queue,
//! same cost.
//!
//! # Invariant
//!
//! Only the thread that built the runtime (`local_owner` in the scheduler's
//! config) may drive it: `block_on` from any other thread (through a
//! cloned `Handle`) panics, and the runtime itself is `!Send`, so its drop
//! (which cancels the tasks) happens there too. That is what makes the
//! `!Send` tasks sound: they are polled and dropped on that thread only.

use crate::runtime::{scheduler, Builder, EnterGuard, Handle, Runtime};
use crate::task::{Id, JoinHandle};
use std::fmt;
use std::future::Future;
use std::io;
use std::marker::PhantomData;
use std::time::Duration;

/// [`LocalRuntime`]-only config options.
///
/// There are no such options yet; this type mirrors Tokio's. Use
/// `LocalOptions::default()` with [`Builder::build_local`].
#[derive(Default, Debug)]
#[non_exhaustive]
pub struct LocalOptions {
    /// `!Send` and `!Sync`, as Tokio's.
    _not_send: PhantomData<*mut u8>,
}

/// A local tern runtime: a current-thread runtime that can also spawn
/// `!Send` futures with [`spawn_local`](crate::task::spawn_local) and
/// [`LocalRuntime::spawn_local`].
///
/// The runtime is `!Send`: it is driven by the thread that created it.
/// Its [`Handle`] can still be sent elsewhere to spawn `Send` tasks.
///
/// # Examples
///
/// ```
/// use tern::runtime::LocalRuntime;
/// use std::rc::Rc;
///
/// let rt = LocalRuntime::new().unwrap();
/// let shared = Rc::new(std::cell::Cell::new(0));
/// let s = shared.clone();
/// rt.block_on(async move {
///     tern::task::spawn_local(async move { s.set(7) }).await.unwrap();
/// });
/// assert_eq!(shared.get(), 7);
/// ```
pub struct LocalRuntime {
    rt: Runtime,
    /// `!Send` and `!Sync`.
    _not_send: PhantomData<*const ()>,
}

impl LocalRuntime {
    pub(crate) fn from_runtime(rt: Runtime) -> LocalRuntime {
        LocalRuntime { rt, _not_send: PhantomData }
    }

    /// Creates a new local runtime with the default configuration: the
    /// current-thread scheduler with I/O and time enabled.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = tern::runtime::LocalRuntime::new().unwrap();
    /// assert_eq!(rt.block_on(async { 1 + 1 }), 2);
    /// ```
    pub fn new() -> io::Result<LocalRuntime> {
        Builder::new_current_thread().enable_all().build_local(LocalOptions::default())
    }

    /// Returns a handle to the runtime's spawner. It can spawn `Send`
    /// tasks from any thread.
    pub fn handle(&self) -> &Handle {
        self.rt.handle()
    }

    /// Spawns a `!Send` task on the local runtime.
    ///
    /// The task runs when the runtime is next driven (`block_on`).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = tern::runtime::LocalRuntime::new().unwrap();
    /// let data = std::rc::Rc::new(5);
    /// let handle = rt.spawn_local(async move { *data });
    /// assert_eq!(rt.block_on(handle).unwrap(), 5);
    /// ```
    #[track_caller]
    pub fn spawn_local<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let scheduler::Handle::CurrentThread(h) = &self.rt.handle().inner else {
            unreachable!("a LocalRuntime is built on the current-thread scheduler")
        };
        // SAFETY: `LocalRuntime` is `!Send`, so this is the thread that
        // built it: the scheduler's `local_owner`.
        unsafe { scheduler::current_thread::Handle::spawn_local(h, future, Id::next()) }
    }

    /// Spawns a `Send` future onto the runtime (any thread may call this
    /// through the [`Handle`]).
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.rt.spawn(future)
    }

    /// Runs the provided function on a thread of the blocking pool.
    #[track_caller]
    pub fn spawn_blocking<F, R>(&self, func: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.rt.spawn_blocking(func)
    }

    /// Runs a future to completion on this runtime, driving its tasks
    /// (local or not) meanwhile.
    ///
    /// # Panics
    ///
    /// As [`Runtime::block_on`]: inside an asynchronous execution context.
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.rt.block_on(future)
    }

    /// Enters the runtime context: [`spawn_local`](crate::task::spawn_local)
    /// and [`tern::spawn`](crate::spawn) work while the guard lives.
    pub fn enter(&self) -> EnterGuard<'_> {
        self.rt.enter()
    }

    /// Returns a view of the runtime's metrics.
    pub fn metrics(&self) -> crate::runtime::RuntimeMetrics {
        self.rt.metrics()
    }

    /// Shuts down the runtime, waiting at most `duration` for blocking
    /// threads to finish.
    pub fn shutdown_timeout(self, duration: Duration) {
        self.rt.shutdown_timeout(duration)
    }

    /// Shuts down the runtime without waiting for blocking threads.
    pub fn shutdown_background(self) {
        self.rt.shutdown_background()
    }
}

// A panic caught around a `LocalRuntime` leaves it usable: its state lives behind
// locks and atomics that a panicking task or hook cannot leave half-updated
// (as in Tokio, where `LocalRuntime` is unwind safe too).
impl std::panic::UnwindSafe for LocalRuntime {}
impl std::panic::RefUnwindSafe for LocalRuntime {}

impl fmt::Debug for LocalRuntime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalRuntime").finish_non_exhaustive()
    }
}

/// `spawn_local` on the current runtime, if it is a `LocalRuntime`: spawns
/// (taking the future) when this thread owns it, panics when it does not,
/// and returns `None` (future untouched) on any other runtime.
#[track_caller]
pub(crate) fn spawn_local_on_current<F>(
    handle: &scheduler::Handle,
    future: &mut Option<F>,
    id: Id,
) -> Option<JoinHandle<F::Output>>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let scheduler::Handle::CurrentThread(h) = handle else { return None };
    match h.is_local_owned_here()? {
        // SAFETY: this thread is the runtime's `local_owner`.
        true => Some(unsafe {
            scheduler::current_thread::Handle::spawn_local(h, future.take().expect("present"), id)
        }),
        false => panic!(
            "Local tasks can only be spawned on a LocalRuntime from the thread the runtime was created on"
        ),
    }
}
