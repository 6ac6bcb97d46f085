//! Unix-specific types for signal handling: [`signal`], [`Signal`] and
//! [`SignalKind`] (Tokio's `tokio::signal::unix`).

use crate::signal::registry::Listener;
use std::io;
use std::task::{Context, Poll};

/// Represents the specific kind of signal to listen for.
#[derive(Debug, Clone, Copy, Hash, PartialEq, Eq)]
pub struct SignalKind(libc::c_int);

macro_rules! kinds {
    ($($(#[$doc:meta])* $name:ident => $sig:ident,)*) => {
        impl SignalKind {
            $(
                $(#[$doc])*
                pub const fn $name() -> Self {
                    Self(libc::$sig)
                }
            )*
        }
    };
}

impl SignalKind {
    /// Allows for listening to any valid OS signal.
    ///
    /// For example, this can be used for listening for platform-specific
    /// signals.
    ///
    /// ```
    /// # use tern::signal::unix::SignalKind;
    /// // let signum = libc::OS_SPECIFIC_SIGNAL;
    /// let signum = libc::SIGINT;
    /// let kind = SignalKind::from_raw(signum);
    /// assert_eq!(kind, SignalKind::interrupt());
    /// ```
    pub const fn from_raw(signum: std::os::raw::c_int) -> Self {
        Self(signum as libc::c_int)
    }

    /// Get the signal's numeric value.
    ///
    /// ```
    /// # use tern::signal::unix::SignalKind;
    /// let kind = SignalKind::interrupt();
    /// assert_eq!(kind.as_raw_value(), libc::SIGINT);
    /// ```
    pub const fn as_raw_value(&self) -> std::os::raw::c_int {
        self.0
    }
}

kinds! {
    /// Represents the `SIGALRM` signal.
    ///
    /// On Unix systems this signal is sent when a real-time timer has
    /// expired. By default, the process is terminated by this signal.
    alarm => SIGALRM,
    /// Represents the `SIGCHLD` signal.
    ///
    /// On Unix systems this signal is sent when the status of a child
    /// process has changed. By default, this signal is ignored.
    child => SIGCHLD,
    /// Represents the `SIGHUP` signal.
    ///
    /// On Unix systems this signal is sent when the terminal is
    /// disconnected. By default, the process is terminated by this signal.
    hangup => SIGHUP,
    /// Represents the `SIGINT` signal.
    ///
    /// On Unix systems this signal is sent to interrupt a program. By
    /// default, the process is terminated by this signal.
    interrupt => SIGINT,
    /// Represents the `SIGIO` signal.
    ///
    /// On Unix systems this signal is sent when I/O operations are
    /// possible on some file descriptor. By default, this signal is ignored.
    io => SIGIO,
    /// Represents the `SIGPIPE` signal.
    ///
    /// On Unix systems this signal is sent when the process attempts to
    /// write to a pipe which has no reader. By default, the process is
    /// terminated by this signal.
    pipe => SIGPIPE,
    /// Represents the `SIGQUIT` signal.
    ///
    /// On Unix systems this signal is sent to issue a shutdown of the
    /// process, after which the OS will dump the process core. By default,
    /// the process is terminated by this signal.
    quit => SIGQUIT,
    /// Represents the `SIGTERM` signal.
    ///
    /// On Unix systems this signal is sent to issue a shutdown of the
    /// process. By default, the process is terminated by this signal.
    terminate => SIGTERM,
    /// Represents the `SIGUSR1` signal.
    ///
    /// On Unix systems this is a user defined signal. By default, the
    /// process is terminated by this signal.
    user_defined1 => SIGUSR1,
    /// Represents the `SIGUSR2` signal.
    ///
    /// On Unix systems this is a user defined signal. By default, the
    /// process is terminated by this signal.
    user_defined2 => SIGUSR2,
    /// Represents the `SIGWINCH` signal.
    ///
    /// On Unix systems this signal is sent when the terminal window is
    /// resized. By default, this signal is ignored.
    window_change => SIGWINCH,
}

impl From<std::os::raw::c_int> for SignalKind {
    fn from(signum: std::os::raw::c_int) -> Self {
        Self::from_raw(signum as libc::c_int)
    }
}

impl From<SignalKind> for std::os::raw::c_int {
    fn from(kind: SignalKind) -> Self {
        kind.as_raw_value()
    }
}

/// A stream of events for receiving a particular type of OS signal.
///
/// In general signal handling on Unix is a pretty tricky topic, and this
/// structure is no exception! There are some important limitations to
/// keep in mind when using `Signal` streams:
///
/// * Signals handling in Unix already necessitates coalescing signals
///   together sometimes. This `Signal` stream is also no exception here in
///   that it will also coalesce signals. That is, even if the signal
///   handler for this process runs multiple times, the `Signal` stream may
///   only return one signal notification. Specifically, before `poll` is
///   called, all signal notifications are coalesced into one item returned
///   from `poll`. Once `poll` has been called, however, a further signal
///   is guaranteed to be yielded as an item.
///
///   Put another way, any element pulled off the returned listener
///   corresponds to *at least one* signal, but possibly more.
///
/// * Every listener created for a signal receives it: a signal delivered
///   after [`signal`] returned is seen by that listener's next `recv`.
///
/// * While a listener of a signal exists, the signal's default behaviour
///   (for example terminating the process on `SIGINT`) is replaced by
///   tern's handler. Unlike Tokio, which keeps its handler for the rest of
///   the process, tern restores the previous disposition once the last
///   listener of that signal is dropped (inside a runtime 10 ms later, if
///   no new listener came meanwhile; see the [module docs](crate::signal)).
///
/// # Examples
///
/// Wait for `SIGHUP`
///
/// ```no_run
/// use tern::signal::unix::{signal, SignalKind};
///
/// #[tern::main]
/// async fn main() -> Result<(), Box<dyn std::error::Error>> {
///     // An infinite stream of hangup signals.
///     let mut sig = signal(SignalKind::hangup())?;
///
///     // Print whenever a HUP signal is received
///     loop {
///         sig.recv().await;
///         println!("got signal HUP");
///     }
/// }
/// ```
#[must_use = "streams do nothing unless polled"]
#[derive(Debug)]
pub struct Signal {
    inner: Listener,
}

/// Creates a new listener which will receive notifications when the
/// current process receives the specified signal `kind`.
///
/// The `Signal` stream is an infinite stream which will receive
/// notifications whenever a signal is received. More documentation can be
/// found on `Signal` itself, but to reiterate:
///
/// * Signals may be coalesced beyond what the kernel already does.
/// * While any listener of a signal exists, tern's handler replaces the
///   signal's default behaviour; when the last one is dropped the previous
///   disposition comes back (within 10 ms inside a runtime; unlike Tokio,
///   which never unregisters it).
///
/// A `Signal` stream can be created for a particular signal number
/// multiple times. When a signal is received then all the associated
/// listeners will receive the signal notification.
///
/// # Errors
///
/// * If the lower-level C functions fail for some reason.
/// * If the signal is one of
///   [`signal_hook_registry::FORBIDDEN`] (`SIGKILL`, `SIGSTOP`, `SIGILL`,
///   `SIGFPE`, `SIGSEGV`), or not positive: an error of kind
///   [`Other`](io::ErrorKind::Other), "Refusing to register signal N".
/// * If the signal number is above `SIGRTMAX`: "signal too large".
///
/// # Panics
///
/// This function panics if there is no current runtime, or if its I/O
/// driver is not enabled.
///
/// # Examples
///
/// ```
/// use tern::signal::unix::{signal, SignalKind};
///
/// # tern::runtime::Runtime::new().unwrap().block_on(async {
/// let mut usr1 = signal(SignalKind::user_defined1())?;
/// // SAFETY: sending a signal to ourselves; a handler is installed.
/// unsafe { libc::kill(libc::getpid(), libc::SIGUSR1) };
/// usr1.recv().await;
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
#[track_caller]
pub fn signal(kind: SignalKind) -> io::Result<Signal> {
    Ok(Signal { inner: Listener::new(kind.0)? })
}

impl Signal {
    /// Receives the next signal notification event.
    ///
    /// Returns `None` only if the runtime this listener was created in has
    /// shut down its I/O driver (Tokio's never returns `None`).
    ///
    /// # Cancel safety
    ///
    /// This method is cancel safe. If you use it as a branch in
    /// `tern::select!` and another branch completes
    /// first, then it is guaranteed that no signal is lost.
    ///
    /// # Examples
    ///
    /// Wait for `SIGHUP`
    ///
    /// ```no_run
    /// use tern::signal::unix::{signal, SignalKind};
    ///
    /// #[tern::main]
    /// async fn main() -> Result<(), Box<dyn std::error::Error>> {
    ///     // An infinite stream of hangup signals.
    ///     let mut stream = signal(SignalKind::hangup())?;
    ///
    ///     // Print whenever a HUP signal is received
    ///     loop {
    ///         stream.recv().await;
    ///         println!("got signal HUP");
    ///     }
    /// }
    /// ```
    pub async fn recv(&mut self) -> Option<()> {
        std::future::poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// Polls to receive the next signal notification event, outside of an
    /// `async` context.
    ///
    /// Returns `None` only if the runtime's I/O driver has shut down.
    ///
    /// # Examples
    ///
    /// Polling from a manually implemented future
    ///
    /// ```no_run
    /// use std::pin::Pin;
    /// use std::future::Future;
    /// use std::task::{Context, Poll};
    /// use tern::signal::unix::Signal;
    ///
    /// struct MyFuture {
    ///     signal: Signal,
    /// }
    ///
    /// impl Future for MyFuture {
    ///     type Output = Option<()>;
    ///
    ///     fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
    ///         println!("polling MyFuture");
    ///         self.signal.poll_recv(cx)
    ///     }
    /// }
    /// ```
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<()>> {
        self.inner.poll_recv(cx)
    }
}

#[cfg(all(test, not(tern_loom)))]
mod tests {
    use super::*;

    #[test]
    fn forbidden_and_invalid_signals_are_refused() {
        let rt = crate::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let _g = rt.enter();
        for &signum in signal_hook_registry::FORBIDDEN.iter().chain(&[-1, 0]) {
            let err = signal(SignalKind::from_raw(signum)).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::Other);
            assert_eq!(err.to_string(), format!("Refusing to register signal {signum}"));
        }
        let err = signal(SignalKind::from_raw(10_000)).unwrap_err();
        assert_eq!(err.to_string(), "signal too large");
    }

    #[test]
    fn c_int_conversions() {
        assert_eq!(SignalKind::from(2), SignalKind::interrupt());
        let value: std::os::raw::c_int = SignalKind::interrupt().into();
        assert_eq!(value, libc::SIGINT);
        assert_eq!(SignalKind::window_change().as_raw_value(), libc::SIGWINCH);
    }
}
