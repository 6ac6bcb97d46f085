//! The texts of tern's runtime panics and shutdown errors.
//!
//! Each starts with Tokio 1.x's sentence for the same situation, verbatim,
//! so that code and tests written against Tokio's messages (for example
//! `#[should_panic(expected = "...")]`) keep matching; tern's own advice
//! follows where it adds something.

use std::error::Error;
use std::fmt;
use std::io;

/// No runtime is current on this thread.
pub(crate) const CONTEXT_MISSING: &str =
    "there is no reactor running, must be called from the context of a Tokio 1.x runtime";

/// The context thread-local is gone (thread teardown).
pub(crate) const THREAD_LOCAL_DESTROYED: &str = "The Tokio context thread-local variable has been destroyed.";

/// The runtime a resource or timer belongs to has shut down.
pub(crate) const RUNTIME_SHUTTING_DOWN: &str = "A Tokio 1.x context was found, but it is being shutdown.";

/// A timer was created on a runtime built without the time driver.
pub(crate) const TIME_DISABLED: &str = "A Tokio 1.x context was found, but timers are disabled. Call \
     `enable_time` on the runtime builder to enable timers. (tern: `enable_all` enables them too.)";

/// A signal listener on a runtime built without the I/O driver (so, in
/// Tokio, without its signal driver): Tokio's text, then what to do.
pub(crate) const SIGNAL_DISABLED: &str =
    "there is no signal driver running, must be called from the context \
     of Tokio runtime (tern: build the runtime with `enable_io` or `enable_all`)";

/// An I/O resource was created on a runtime built without the I/O driver.
pub(crate) const IO_DISABLED: &str = "A Tokio 1.x context was found, but IO is disabled. Call `enable_io` \
     on the runtime builder to enable IO. (tern: `enable_all` enables it too.)";

/// `block_on` (or another blocking entry) on a thread that drives a runtime.
pub(crate) const NESTED_RUNTIME: &str =
    "Cannot start a runtime from within a runtime. This happens because a \
     function (like `block_on`) attempted to block the current thread while the thread is being used \
     to drive asynchronous tasks. If you are in an async function, use `.await` on the future \
     instead of blocking on it. (tern: to run blocking code from a task, use \
     `tern::task::spawn_blocking`.)";

/// A runtime dropped, waiting for its threads, on a thread that drives one.
pub(crate) const DROP_IN_ASYNC: &str = "Cannot drop a runtime in a context where blocking is not allowed. \
     This happens when a runtime is dropped from within an asynchronous context. (tern: use \
     `Runtime::shutdown_background`, or drop it from `tern::task::spawn_blocking`.)";

/// `time::pause` on a runtime other than a current-thread one.
pub(crate) const PAUSE_NEEDS_CURRENT_THREAD: &str = "`time::pause()` requires the `current_thread` Tokio \
     runtime. This is the default Runtime used by `#[tokio::test].";

/// The error an I/O operation returns once its runtime has shut down;
/// [`is_rt_shutdown_err`](crate::runtime::is_rt_shutdown_err) recognises it.
pub(crate) fn shutdown_io_error() -> io::Error {
    io::Error::other(RuntimeShutdown)
}

/// The payload of [`shutdown_io_error`]: displays as Tokio's text.
#[derive(Debug)]
pub(crate) struct RuntimeShutdown;

impl fmt::Display for RuntimeShutdown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(RUNTIME_SHUTTING_DOWN)
    }
}

impl Error for RuntimeShutdown {}
