//! `Runtime`: owns a scheduler and its threads; dropping it shuts them down.

use crate::runtime::{context, messages, Builder, EnterGuard, Handle};
use crate::task::JoinHandle;
use std::fmt;
use std::future::Future;
use std::io;
use std::time::Duration;

/// The tern runtime.
///
/// The runtime provides a task scheduler and, as tern grows, the I/O and
/// time drivers. Most programs create it through `#[tern::main]`; build
/// one by hand with [`Runtime::new`] or [`Builder`].
///
/// # Shutdown
///
/// Dropping the runtime cancels every task that has not completed, whether
/// queued or idle: their futures are dropped on the dropping thread, and
/// their `JoinHandle`s resolve to a [cancelled](crate::task::JoinError::is_cancelled)
/// error. It then waits for `spawn_blocking` closures that are running
/// (use [`shutdown_timeout`](Runtime::shutdown_timeout) to bound the wait or
/// [`shutdown_background`](Runtime::shutdown_background) not to wait).
pub struct Runtime {
    handle: Handle,
    flavor: RuntimeFlavor,
    /// How long drop waits for blocking threads; `None` waits for all.
    blocking_wait: Option<Duration>,
}

/// The flavor of a [`Runtime`].
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
#[non_exhaustive]
pub enum RuntimeFlavor {
    /// The flavor that executes all tasks on the current thread.
    CurrentThread,
    /// The flavor that executes tasks across multiple threads.
    MultiThread,
}

impl Runtime {
    pub(crate) fn from_parts(handle: Handle, flavor: RuntimeFlavor) -> Runtime {
        Runtime { handle, flavor, blocking_wait: None }
    }

    /// Creates a new runtime instance with default configuration values:
    /// the multi-thread scheduler, one worker per core, all drivers enabled.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = tern::runtime::Runtime::new().unwrap();
    /// rt.block_on(async { println!("hello") });
    /// ```
    pub fn new() -> io::Result<Runtime> {
        Builder::new_multi_thread().enable_all().build()
    }

    /// Returns a handle to the runtime's spawner.
    ///
    /// The returned handle can be used to spawn tasks that run on this
    /// runtime, and can be cloned to allow moving the `Handle` to other
    /// threads.
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Spawns a future onto the runtime.
    ///
    /// On the multi-thread scheduler the future starts running at once on a
    /// worker; on the current-thread scheduler, when `block_on` next drives
    /// the runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = tern::runtime::Runtime::new().unwrap();
    /// let handle = rt.spawn(async { 40 + 2 });
    /// assert_eq!(rt.block_on(handle).unwrap(), 42);
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.handle.spawn(future)
    }

    /// Runs the provided function on a thread dedicated to blocking
    /// operations. See [`crate::task::spawn_blocking`].
    #[track_caller]
    pub fn spawn_blocking<F, R>(&self, func: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.handle.spawn_blocking(func)
    }

    /// Runs a future to completion on this runtime. This is the runtime's
    /// entry point.
    ///
    /// On the current-thread scheduler this thread also runs the spawned
    /// tasks meanwhile; on the multi-thread scheduler the workers do, and
    /// this thread only polls `future`.
    ///
    /// Unlike Tokio, on the multi-thread scheduler this thread also polls
    /// the I/O driver while every worker is idle, so a future that does its
    /// own I/O (a receive loop written in `main`) is woken straight from
    /// `epoll_wait` rather than through a worker: one thread wakes per
    /// event instead of two. If `future` then blocks this thread (a
    /// synchronous wait inside it), a worker takes the I/O driver back
    /// within a few milliseconds, so spawned tasks keep their I/O.
    ///
    /// # Panics
    ///
    /// Panics if called from within a runtime (from async code, `.await`
    /// the future instead), as Tokio does.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = tern::runtime::Runtime::new().unwrap();
    /// assert_eq!(rt.block_on(async { "done" }), "done");
    /// ```
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        let inner = &self.handle.inner;
        context::enter_runtime(inner, || inner.block_on(future))
    }

    /// Enters the runtime context, so that [`tern::spawn`](crate::spawn) and
    /// [`Handle::current`] work on this thread while the guard lives.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = tern::runtime::Runtime::new().unwrap();
    /// let handle = {
    ///     let _guard = rt.enter();
    ///     tern::spawn(async { 1 })
    /// };
    /// assert_eq!(rt.block_on(handle).unwrap(), 1);
    /// ```
    pub fn enter(&self) -> EnterGuard<'_> {
        self.handle.enter()
    }

    /// Shuts down the runtime, waiting for at most `duration` for blocking
    /// tasks to finish. Tasks are cancelled as on drop.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = tern::runtime::Runtime::new().unwrap();
    /// rt.spawn_blocking(|| std::thread::sleep(Duration::from_secs(10)));
    /// rt.shutdown_timeout(Duration::from_millis(10)); // returns quickly
    /// ```
    pub fn shutdown_timeout(mut self, duration: Duration) {
        // A timeout too long to form a deadline (`Duration::MAX`) is no
        // timeout: wait as a plain drop does.
        self.blocking_wait = Some(duration).filter(|d| std::time::Instant::now().checked_add(*d).is_some());
    }

    /// Shuts down the runtime without waiting for blocking tasks.
    /// Equivalent to `shutdown_timeout(Duration::from_nanos(0))`.
    pub fn shutdown_background(self) {
        self.shutdown_timeout(Duration::from_nanos(0));
    }

    /// Returns a view that lets you get information about how the runtime
    /// is performing.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = tern::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
    /// assert_eq!(rt.metrics().num_workers(), 2);
    /// ```
    pub fn metrics(&self) -> crate::runtime::RuntimeMetrics {
        self.handle.metrics()
    }

    /// Returns the flavor of this runtime.
    pub(crate) fn flavor(&self) -> RuntimeFlavor {
        self.flavor
    }
}

// A panic caught around a `Runtime` leaves it usable: its state lives behind
// locks and atomics that a panicking task or hook cannot leave half-updated
// (as in Tokio, where `Runtime` is unwind safe too).
impl std::panic::UnwindSafe for Runtime {}
impl std::panic::RefUnwindSafe for Runtime {}

impl Drop for Runtime {
    fn drop(&mut self) {
        // Waiting for threads would block a thread that drives tasks, which
        // Tokio refuses with a panic. The runtime still shuts down (as
        // `shutdown_background` would) before the panic, so nothing leaks.
        let refused = self.blocking_wait != Some(Duration::ZERO)
            && context::is_runtime_entered()
            && !std::thread::panicking();
        if refused {
            self.blocking_wait = Some(Duration::ZERO);
        }
        self.handle.inner.shutdown(self.blocking_wait);
        self.handle.inner.blocking_spawner().shutdown(self.blocking_wait);
        if refused {
            // A `&'static str` payload, as Tokio's (code downcasts it).
            std::panic::panic_any(messages::DROP_IN_ASYNC);
        }
    }
}

impl fmt::Debug for Runtime {
    fn fmt(&self, fmt: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt.debug_struct("Runtime").field("flavor", &self.flavor()).finish_non_exhaustive()
    }
}

/// Checks whether the given error was emitted by tern when shutting down
/// its runtime: the error an I/O resource returns once the runtime it
/// belongs to has shut down.
///
/// # Examples
///
/// ```
/// use tern::net::TcpListener;
/// use tern::runtime::Runtime;
///
/// let rt1 = Runtime::new().unwrap();
/// let rt2 = Runtime::new().unwrap();
///
/// let listener = rt1.block_on(async { TcpListener::bind("127.0.0.1:0").await.unwrap() });
///
/// drop(rt1);
///
/// rt2.block_on(async {
///     let res = listener.accept().await;
///     assert!(res.is_err());
///     assert!(tern::runtime::is_rt_shutdown_err(res.as_ref().unwrap_err()));
/// });
/// ```
pub fn is_rt_shutdown_err(err: &io::Error) -> bool {
    match err.get_ref() {
        Some(inner) => {
            err.kind() == io::ErrorKind::Other
                && inner.source().is_none()
                && inner.is::<messages::RuntimeShutdown>()
        }
        None => false,
    }
}
