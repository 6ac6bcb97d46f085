//! `Handle`: a cloneable reference to a runtime, and the thread context.

use crate::runtime::{context, messages, scheduler, RuntimeFlavor, RuntimeMetrics};
use crate::task::{Id, JoinHandle};
use std::error::Error;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;

/// Handle to the runtime.
///
/// The handle is internally reference-counted and can be freely cloned. A
/// handle can be obtained using the [`Runtime::handle`](crate::runtime::Runtime::handle)
/// method or [`Handle::current`].
#[derive(Clone)]
pub struct Handle {
    pub(crate) inner: scheduler::Handle,
}

/// Runtime context guard.
///
/// Returned by [`Runtime::enter`](crate::runtime::Runtime::enter) and
/// [`Handle::enter`]; the context of the runtime is entered while the guard
/// lives. Guards must be dropped in the reverse order of their creation.
///
/// As in Tokio, the guard is `Sync` but not `Send`: it restores the thread's
/// own context when dropped, so it must be dropped on the thread that
/// entered.
///
/// ```compile_fail,E0277
/// let rt: &'static _ = Box::leak(Box::new(tern::runtime::Runtime::new().unwrap()));
/// let guard = rt.enter();
/// std::thread::spawn(move || drop(guard)); // `EnterGuard` cannot be sent
/// ```
#[derive(Debug)]
#[must_use = "Creating and dropping a guard does nothing"]
pub struct EnterGuard<'a> {
    _guard: context::SetCurrentGuard,
    _handle_lifetime: PhantomData<&'a Handle>,
    /// `!Send` and `Sync`, as Tokio's guard (a `MutexGuard` is both).
    _same_thread: PhantomData<std::sync::MutexGuard<'static, ()>>,
}

const _: fn() = || {
    fn is_sync<T: Sync>() {}
    is_sync::<EnterGuard<'static>>();
};

impl Handle {
    /// Enters the runtime context. This allows you to construct types that
    /// must have an executor available on creation, and to call
    /// [`tern::spawn`](crate::spawn).
    ///
    /// # Panics
    ///
    /// When the returned guards are dropped out of order.
    pub fn enter(&self) -> EnterGuard<'_> {
        EnterGuard {
            _guard: context::set_current(self.inner.clone()),
            _handle_lifetime: PhantomData,
            _same_thread: PhantomData,
        }
    }

    /// Returns a `Handle` view over the currently running runtime.
    ///
    /// # Panics
    ///
    /// Panics if called outside the context of a tern runtime (use
    /// [`Handle::try_current`] to get an error instead).
    ///
    /// # Examples
    ///
    /// ```
    /// # tern::runtime::Runtime::new().unwrap().block_on(async {
    /// let handle = tern::runtime::Handle::current();
    /// let out = std::thread::spawn(move || handle.block_on(async { 3 })).join().unwrap();
    /// assert_eq!(out, 3);
    /// # });
    /// ```
    #[track_caller]
    pub fn current() -> Self {
        match Handle::try_current() {
            Ok(handle) => handle,
            Err(e) => panic!("{}", e.panic_message("tern::runtime::Handle::current()")),
        }
    }

    /// Returns a `Handle` view over the currently running runtime, or an
    /// error if there is none.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(tern::runtime::Handle::try_current().unwrap_err().is_missing_context());
    /// ```
    pub fn try_current() -> Result<Self, TryCurrentError> {
        context::with_current(|inner| Handle { inner })
    }

    /// Spawns a future onto the runtime. See [`tern::spawn`](crate::spawn);
    /// this works from any thread.
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.inner.spawn(future, Id::next())
    }

    /// Runs the provided function on a thread dedicated to blocking
    /// operations.
    #[track_caller]
    pub fn spawn_blocking<F, R>(&self, func: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.inner.spawn_blocking(func)
    }

    /// Runs a future to completion on the current thread, with this
    /// runtime's context entered.
    ///
    /// As in Tokio, on a current-thread runtime this does **not** drive the
    /// runtime's tasks: they progress only while some thread is inside
    /// [`Runtime::block_on`](crate::runtime::Runtime::block_on).
    ///
    /// # Panics
    ///
    /// Panics if called from within a runtime (from async code).
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        context::enter_runtime(&self.inner, || match &self.inner {
            // As `Runtime::block_on`: may poll I/O while the workers idle.
            scheduler::Handle::MultiThread(h) => h.block_on(future),
            scheduler::Handle::CurrentThread(_) => crate::runtime::park::block_on(future),
        })
    }

    /// Returns the flavor of the current runtime.
    pub fn runtime_flavor(&self) -> RuntimeFlavor {
        self.inner.flavor()
    }

    /// Returns the [`Id`](crate::runtime::Id) of the current `Runtime`.
    ///
    /// # Examples
    ///
    /// ```
    /// use tern::runtime::Handle;
    ///
    /// #[tern::main(flavor = "current_thread")]
    /// async fn main() {
    ///     println!("Current runtime id: {}", Handle::current().id());
    /// }
    /// ```
    pub fn id(&self) -> crate::runtime::Id {
        self.inner.id()
    }

    /// Returns the name of the current `Runtime`, as set by
    /// [`Builder::name`](crate::runtime::Builder::name).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = tern::runtime::Builder::new_current_thread().name("my-runtime").build().unwrap();
    /// rt.block_on(async {
    ///     assert_eq!(tern::runtime::Handle::current().name(), Some("my-runtime"));
    /// });
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.inner.name()
    }

    /// Returns a view that lets you get information about how the runtime
    /// is performing.
    ///
    /// # Examples
    ///
    /// ```
    /// use tern::runtime::Handle;
    ///
    /// #[tern::main(flavor = "current_thread")]
    /// async fn main() {
    ///     assert_eq!(Handle::current().metrics().num_workers(), 1);
    /// }
    /// ```
    pub fn metrics(&self) -> RuntimeMetrics {
        RuntimeMetrics::new(self.clone())
    }
}

// A panic caught around a `Handle` leaves it usable: its state lives behind
// locks and atomics that a panicking task or hook cannot leave half-updated
// (as in Tokio, where `Handle` is unwind safe too).
impl std::panic::UnwindSafe for Handle {}
impl std::panic::RefUnwindSafe for Handle {}

impl fmt::Debug for Handle {
    fn fmt(&self, fmt: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt.debug_struct("Handle")
            .field("flavor", &self.runtime_flavor())
            .field("id", &self.id())
            .field("name", &self.name())
            .finish()
    }
}

/// Error returned by [`Handle::try_current`] when no runtime has been
/// started.
#[derive(Debug)]
pub struct TryCurrentError {
    kind: TryCurrentErrorKind,
}

#[derive(Debug, PartialEq, Eq)]
enum TryCurrentErrorKind {
    NoContext,
    ThreadLocalDestroyed,
}

impl TryCurrentError {
    pub(crate) fn new_no_context() -> Self {
        TryCurrentError { kind: TryCurrentErrorKind::NoContext }
    }

    pub(crate) fn new_thread_local_destroyed() -> Self {
        TryCurrentError { kind: TryCurrentErrorKind::ThreadLocalDestroyed }
    }

    /// Returns true if the call failed because there is currently no
    /// runtime in the tern context.
    pub fn is_missing_context(&self) -> bool {
        self.kind == TryCurrentErrorKind::NoContext
    }

    /// Returns true if the call failed because the tern context thread-local
    /// had been destroyed (during thread teardown).
    pub fn is_thread_local_destroyed(&self) -> bool {
        self.kind == TryCurrentErrorKind::ThreadLocalDestroyed
    }

    /// The panic message of an API that needs a runtime (`what`): Tokio's
    /// sentence, then tern's advice.
    pub(crate) fn panic_message(&self, what: &str) -> String {
        match self.kind {
            TryCurrentErrorKind::NoContext => format!(
                "{}: {what} was called outside of a tern runtime. Call it from async code running \
                 on a runtime (inside `#[tern::main]`, `Runtime::block_on` or a spawned task), \
                 or enter one first with `Runtime::enter()` / `Handle::enter()`; from another \
                 thread, use a `tern::runtime::Handle` cloned from the runtime.",
                messages::CONTEXT_MISSING
            ),
            TryCurrentErrorKind::ThreadLocalDestroyed => format!(
                "{} ({what} was called during this thread's teardown)",
                messages::THREAD_LOCAL_DESTROYED
            ),
        }
    }
}

impl fmt::Display for TryCurrentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            TryCurrentErrorKind::NoContext => f.write_str(messages::CONTEXT_MISSING),
            TryCurrentErrorKind::ThreadLocalDestroyed => f.write_str(messages::THREAD_LOCAL_DESTROYED),
        }
    }
}

impl Error for TryCurrentError {}
