//! `AsyncFd`: readiness of any file descriptor, from the runtime's I/O
//! driver (Tokio's `tokio::io::unix::AsyncFd`).
//!
//! The descriptor is registered once (edge-triggered) when the `AsyncFd` is
//! made and deregistered when it drops, before the owned object (and so the
//! descriptor) is dropped. Readiness follows the driver's protocol
//! (`io/driver/scheduled_io.rs`): a guard returned by `readable()` and
//! friends keeps the readiness it saw until the caller clears it, which it
//! must do after the operation returned `WouldBlock` (`clear_ready`, or
//! `try_io`, which does it for it). Clearing only clears what the guard saw:
//! readiness reported by the OS after that is kept.

use crate::io::driver::{Direction, ReadyEvent};
use crate::io::poll_evented::{FdSource, PollEvented};
use crate::io::{Interest, Ready};
use std::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::task::{ready, Context, Poll};

/// Associates an I/O object that owns a Unix file descriptor with the
/// runtime's I/O driver, so tasks can wait for it to become readable or
/// writable.
///
/// `T` must own the descriptor and keep it open (not close or replace it
/// through `get_mut`) while it is wrapped: the descriptor number is cached
/// at registration, as in Tokio.
///
/// The descriptor must be in non-blocking mode, and the operations run on
/// it must return `WouldBlock` when they cannot proceed: readiness is
/// edge-triggered, and only `WouldBlock` tells tern to wait for the next
/// edge.
///
/// # Examples
///
/// ```
/// use std::io::{Read, Write};
/// use std::os::unix::net::UnixStream;
/// use tern::io::unix::AsyncFd;
///
/// # #[tern::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let (a, mut b) = UnixStream::pair()?;
/// a.set_nonblocking(true)?;
/// // SAFETY: `a` owns its descriptor and keeps it open until dropped.
/// let a = unsafe { AsyncFd::register(a) }?;
/// b.write_all(b"ping")?;
///
/// let mut buf = [0u8; 4];
/// loop {
///     let mut guard = a.readable().await?;
///     match guard.try_io(|inner| inner.get_ref().read(&mut buf)) {
///         Ok(result) => {
///             assert_eq!(result?, 4);
///             break;
///         }
///         Err(_would_block) => continue,
///     }
/// }
/// assert_eq!(&buf, b"ping");
/// # Ok(())
/// # }
/// ```
pub struct AsyncFd<T: AsRawFd> {
    // Declared first: dropped (deregistered) before `inner` closes the fd.
    /// The descriptor, borrowed (never closed here: the inner object owns
    /// it).
    io: PollEvented<FdSource<RawFd>>,
    inner: Option<T>,
}

impl<T: AsRawFd> AsyncFd<T> {
    /// Creates an `AsyncFd` that takes ownership of `inner` and registers
    /// its descriptor for readable and writable events.
    ///
    /// For other interests use [`AsyncFd::register_with_interest`]. If
    /// registering fails, the returned [`AsyncFdRegisterError`] gives
    /// `inner` back.
    ///
    /// # Safety
    ///
    /// The descriptor returned by [`inner.as_raw_fd()`](AsRawFd::as_raw_fd)
    /// must be a valid, open file descriptor, and it must stay open and
    /// refer to the same open file description for the whole life of the
    /// `AsyncFd` (until it is dropped, [`into_inner`](AsyncFd::into_inner)
    /// is called, or it is [forgotten](std::mem::forget)). While `inner` is
    /// owned by the `AsyncFd`, every call to `inner.as_raw_fd()` must return
    /// that same descriptor.
    ///
    /// # Panics
    ///
    /// Outside a tern runtime, or if the runtime's I/O is not enabled.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::unix::net::UnixStream;
    /// use tern::io::unix::AsyncFd;
    ///
    /// # #[tern::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, _b) = UnixStream::pair()?;
    /// a.set_nonblocking(true)?;
    /// // SAFETY: `a` owns its descriptor and keeps it open until dropped.
    /// let a = unsafe { AsyncFd::register(a) }?;
    /// a.writable().await?.retain_ready();
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub unsafe fn register(inner: T) -> Result<Self, AsyncFdRegisterError<T>> {
        // SAFETY: forwarded from the caller.
        unsafe { Self::register_with_interest(inner, Interest::READABLE | Interest::WRITABLE) }
    }

    /// Creates an `AsyncFd` that takes ownership of `inner` and registers
    /// its descriptor for the events of `interest` only.
    ///
    /// If registering fails (a regular file, for one, cannot be
    /// registered), the returned [`AsyncFdRegisterError`] gives `inner`
    /// back.
    ///
    /// # Safety
    ///
    /// As for [`AsyncFd::register`]: the descriptor must be valid and open,
    /// and stay the same open descriptor for the whole life of the
    /// `AsyncFd`.
    ///
    /// # Panics
    ///
    /// Outside a tern runtime, or if the runtime's I/O is not enabled.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::unix::net::UnixStream;
    /// use tern::io::{unix::AsyncFd, Interest};
    ///
    /// # #[tern::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, _b) = UnixStream::pair()?;
    /// a.set_nonblocking(true)?;
    /// // SAFETY: `a` owns its descriptor and keeps it open until dropped.
    /// let a = unsafe { AsyncFd::register_with_interest(a, Interest::WRITABLE) }?;
    /// a.writable().await?.retain_ready();
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub unsafe fn register_with_interest(
        inner: T,
        interest: Interest,
    ) -> Result<Self, AsyncFdRegisterError<T>> {
        let fd = inner.as_raw_fd();
        match PollEvented::new_borrowed(FdSource(fd), interest) {
            Ok(io) => Ok(AsyncFd { io, inner: Some(inner) }),
            Err(cause) => Err(AsyncFdRegisterError { inner, cause }),
        }
    }

    /// Deprecated: use [`AsyncFd::register`], whose caller promises that
    /// the descriptor stays valid (this safe constructor could not).
    ///
    /// # Panics
    ///
    /// Outside a tern runtime, or if the runtime's I/O is not enabled.
    #[track_caller]
    #[deprecated(note = "unsound due to lack of I/O safety; use `AsyncFd::register` instead")]
    pub fn new(inner: T) -> io::Result<Self> {
        // SAFETY: not upheld by anyone: this is the deprecated, unsound
        // entry point, kept for compatibility with Tokio.
        Ok(unsafe { Self::register(inner) }?)
    }

    /// Deprecated: use [`AsyncFd::register_with_interest`].
    ///
    /// # Panics
    ///
    /// Outside a tern runtime, or if the runtime's I/O is not enabled.
    #[track_caller]
    #[deprecated(note = "unsound due to lack of I/O safety; use `AsyncFd::register_with_interest` instead")]
    pub fn with_interest(inner: T, interest: Interest) -> io::Result<Self> {
        // SAFETY: as in `new`.
        Ok(unsafe { Self::register_with_interest(inner, interest) }?)
    }

    /// Deprecated: use [`AsyncFd::register`].
    #[track_caller]
    #[deprecated(note = "unsound due to lack of I/O safety; use `AsyncFd::register` instead")]
    pub fn try_new(inner: T) -> Result<Self, AsyncFdRegisterError<T>> {
        // SAFETY: as in `new`.
        unsafe { Self::register(inner) }
    }

    /// Deprecated: use [`AsyncFd::register_with_interest`].
    #[track_caller]
    #[deprecated(note = "unsound due to lack of I/O safety; use `AsyncFd::register_with_interest` instead")]
    pub fn try_with_interest(inner: T, interest: Interest) -> Result<Self, AsyncFdRegisterError<T>> {
        // SAFETY: as in `new`.
        unsafe { Self::register_with_interest(inner, interest) }
    }

    /// The wrapped object.
    pub fn get_ref(&self) -> &T {
        self.inner.as_ref().expect("present until into_inner")
    }

    /// The wrapped object, mutably.
    pub fn get_mut(&mut self) -> &mut T {
        self.inner.as_mut().expect("present until into_inner")
    }

    /// Deregisters the descriptor and returns the wrapped object.
    pub fn into_inner(mut self) -> T {
        let inner = self.inner.take().expect("present until into_inner");
        // Dropping `self` now deregisters; `inner` is no longer in it.
        drop(self);
        inner
    }

    /// Polls for read readiness. Only the waker of the most recent call
    /// (per direction) is kept; use [`AsyncFd::readable`] when several
    /// tasks wait.
    pub fn poll_read_ready<'a>(&'a self, cx: &mut Context<'_>) -> Poll<io::Result<AsyncFdReadyGuard<'a, T>>> {
        let event = ready!(self.io.poll_ready(cx, Direction::Read))?;
        Poll::Ready(Ok(AsyncFdReadyGuard { fd: self, event: Some(event), interest: Interest::READABLE }))
    }

    /// Polls for read readiness, with a guard that gives `&mut T`.
    pub fn poll_read_ready_mut<'a>(
        &'a mut self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyMutGuard<'a, T>>> {
        let event = ready!(self.io.poll_ready(cx, Direction::Read))?;
        Poll::Ready(Ok(AsyncFdReadyMutGuard { fd: self, event: Some(event), interest: Interest::READABLE }))
    }

    /// Polls for write readiness (one waker per direction, as
    /// [`AsyncFd::poll_read_ready`]).
    pub fn poll_write_ready<'a>(
        &'a self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyGuard<'a, T>>> {
        let event = ready!(self.io.poll_ready(cx, Direction::Write))?;
        Poll::Ready(Ok(AsyncFdReadyGuard { fd: self, event: Some(event), interest: Interest::WRITABLE }))
    }

    /// Polls for write readiness, with a guard that gives `&mut T`.
    pub fn poll_write_ready_mut<'a>(
        &'a mut self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyMutGuard<'a, T>>> {
        let event = ready!(self.io.poll_ready(cx, Direction::Write))?;
        Poll::Ready(Ok(AsyncFdReadyMutGuard { fd: self, event: Some(event), interest: Interest::WRITABLE }))
    }

    /// Waits for any readiness in `interest`. Any number of tasks may wait
    /// at once.
    pub async fn ready(&self, interest: Interest) -> io::Result<AsyncFdReadyGuard<'_, T>> {
        let event = self.io.readiness(interest).await?;
        Ok(AsyncFdReadyGuard { fd: self, event: Some(event), interest })
    }

    /// Waits for any readiness in `interest`, with a guard that gives
    /// `&mut T`.
    pub async fn ready_mut(&mut self, interest: Interest) -> io::Result<AsyncFdReadyMutGuard<'_, T>> {
        let event = self.io.readiness(interest).await?;
        Ok(AsyncFdReadyMutGuard { fd: self, event: Some(event), interest })
    }

    /// Waits until the descriptor is readable (or its read side closed).
    pub async fn readable(&self) -> io::Result<AsyncFdReadyGuard<'_, T>> {
        self.ready(Interest::READABLE).await
    }

    /// [`AsyncFd::readable`], with a guard that gives `&mut T`.
    pub async fn readable_mut(&mut self) -> io::Result<AsyncFdReadyMutGuard<'_, T>> {
        self.ready_mut(Interest::READABLE).await
    }

    /// Waits until the descriptor is writable (or its write side closed).
    pub async fn writable(&self) -> io::Result<AsyncFdReadyGuard<'_, T>> {
        self.ready(Interest::WRITABLE).await
    }

    /// [`AsyncFd::writable`], with a guard that gives `&mut T`.
    pub async fn writable_mut(&mut self) -> io::Result<AsyncFdReadyMutGuard<'_, T>> {
        self.ready_mut(Interest::WRITABLE).await
    }

    /// Waits for `interest` and runs `f` until it stops returning
    /// `WouldBlock`, clearing the readiness each time it does.
    pub async fn async_io<R>(
        &self,
        interest: Interest,
        mut f: impl FnMut(&T) -> io::Result<R>,
    ) -> io::Result<R> {
        self.io.async_io(interest, || f(self.get_ref())).await
    }

    /// [`AsyncFd::async_io`] with `&mut T`.
    pub async fn async_io_mut<R>(
        &mut self,
        interest: Interest,
        mut f: impl FnMut(&mut T) -> io::Result<R>,
    ) -> io::Result<R> {
        let inner = self.inner.as_mut().expect("present until into_inner");
        self.io.async_io(interest, || f(inner)).await
    }

    /// Runs `f` once if ready for `interest`; `WouldBlock` (from `f`, or
    /// because not ready) clears the readiness.
    pub fn try_io<R>(&self, interest: Interest, f: impl FnOnce(&T) -> io::Result<R>) -> io::Result<R> {
        self.io.try_io_interest(interest, || f(self.get_ref()))
    }

    /// [`AsyncFd::try_io`] with `&mut T`.
    pub fn try_io_mut<R>(
        &mut self,
        interest: Interest,
        f: impl FnOnce(&mut T) -> io::Result<R>,
    ) -> io::Result<R> {
        let inner = self.inner.as_mut().expect("present until into_inner");
        self.io.try_io_interest(interest, || f(inner))
    }

    fn clear(&self, event: ReadyEvent) {
        self.io.clear_readiness(event);
    }
}

impl<T: AsRawFd> AsRawFd for AsyncFd<T> {
    fn as_raw_fd(&self) -> RawFd {
        self.io.get_ref().0
    }
}

impl<T: AsRawFd> AsFd for AsyncFd<T> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        // SAFETY: `AsyncFd`'s contract (type docs): `T` owns the descriptor
        // and keeps it open while wrapped; the borrow is tied to `&self`.
        unsafe { BorrowedFd::borrow_raw(self.as_raw_fd()) }
    }
}

impl<T: AsRawFd + fmt::Debug> fmt::Debug for AsyncFd<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncFd").field("inner", &self.inner).finish()
    }
}

/// Readiness seen by [`AsyncFd::readable`] and friends, borrowed from the
/// `AsyncFd`. Dropping the guard keeps the readiness (as
/// [`retain_ready`](Self::retain_ready)).
pub struct AsyncFdReadyGuard<'a, T: AsRawFd> {
    fd: &'a AsyncFd<T>,
    event: Option<ReadyEvent>,
    /// What was waited for (`ReadyEvent::ready_for`).
    interest: Interest,
}

/// [`AsyncFdReadyGuard`] over `&mut AsyncFd`, from the `_mut` methods.
pub struct AsyncFdReadyMutGuard<'a, T: AsRawFd> {
    fd: &'a mut AsyncFd<T>,
    event: Option<ReadyEvent>,
    /// What was waited for (`ReadyEvent::ready_for`).
    interest: Interest,
}

/// The operation passed to a guard's `try_io` would have blocked; the
/// readiness was cleared, so wait again.
#[derive(Debug)]
pub struct TryIoError(());

impl fmt::Display for TryIoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("operation would block")
    }
}

impl std::error::Error for TryIoError {}

/// Clears the part of `event` in `matching`, keeping the rest in the guard.
/// Clearing a direction clears `ERROR` too: an operation that returned
/// `WouldBlock` found no error pending (it would have returned it), and an
/// error wakes every direction (`Interest::wake_mask`), so one left set
/// would end every later wait at once.
fn clear_matching(fd_clear: impl FnOnce(ReadyEvent), event: &mut Option<ReadyEvent>, matching: Ready) {
    if let Some(ev) = event.as_mut() {
        let mut matching = matching;
        if matching.is_readable() || matching.is_writable() {
            matching |= Ready::ERROR;
        }
        let cleared = ReadyEvent { tick: ev.tick, ready: ev.ready & matching.as_word() };
        ev.ready &= !matching.as_word();
        fd_clear(cleared);
        if Ready::from_word(ev.ready).is_empty() {
            *event = None;
        }
    }
}

macro_rules! guard_common {
    ($guard:ident) => {
        impl<'a, T: AsRawFd> $guard<'a, T> {
            /// Clears the readiness this guard saw: the next wait parks
            /// until the OS reports readiness again. Call it after an
            /// operation returned `WouldBlock`.
            pub fn clear_ready(&mut self) {
                if let Some(event) = self.event.take() {
                    self.fd.clear(event);
                }
            }

            /// Clears only the readiness in `ready` (for example
            /// `Ready::READABLE` after a read hit `WouldBlock`, keeping
            /// writability).
            pub fn clear_ready_matching(&mut self, ready: Ready) {
                let fd = &*self.fd;
                clear_matching(|ev| fd.clear(ev), &mut self.event, ready);
            }

            /// Keeps the readiness (what dropping the guard does too).
            pub fn retain_ready(&mut self) {}

            /// The readiness this guard saw. An error that came alone also
            /// shows as the directions waited for (unless `ERROR` was), so
            /// that the operation is tried and returns it (as the sockets'
            /// `ready`).
            pub fn ready(&self) -> Ready {
                self.event.map_or(Ready::EMPTY, |ev| ev.ready_for(self.interest))
            }
        }

        impl<T: AsRawFd + fmt::Debug> fmt::Debug for $guard<'_, T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($guard)).field("ready", &self.ready()).finish()
            }
        }
    };
}

guard_common!(AsyncFdReadyGuard);
guard_common!(AsyncFdReadyMutGuard);

impl<'a, T: AsRawFd> AsyncFdReadyGuard<'a, T> {
    /// Runs `f`; if it returns `WouldBlock`, clears the readiness and
    /// returns `Err(TryIoError)` (wait again), otherwise `Ok(result)`.
    pub fn try_io<R>(
        &mut self,
        f: impl FnOnce(&'a AsyncFd<T>) -> io::Result<R>,
    ) -> Result<io::Result<R>, TryIoError> {
        match f(self.fd) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                self.clear_ready();
                Err(TryIoError(()))
            }
            res => Ok(res),
        }
    }

    /// The `AsyncFd` this guard borrows.
    pub fn get_ref(&self) -> &'a AsyncFd<T> {
        self.fd
    }

    /// The object the `AsyncFd` wraps.
    pub fn get_inner(&self) -> &'a T {
        self.fd.get_ref()
    }
}

impl<T: AsRawFd> AsyncFdReadyMutGuard<'_, T> {
    /// Runs `f`; if it returns `WouldBlock`, clears the readiness and
    /// returns `Err(TryIoError)` (wait again), otherwise `Ok(result)`.
    pub fn try_io<R>(
        &mut self,
        f: impl FnOnce(&mut AsyncFd<T>) -> io::Result<R>,
    ) -> Result<io::Result<R>, TryIoError> {
        match f(self.fd) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                self.clear_ready();
                Err(TryIoError(()))
            }
            res => Ok(res),
        }
    }

    /// The `AsyncFd` this guard borrows.
    pub fn get_ref(&self) -> &AsyncFd<T> {
        self.fd
    }

    /// The `AsyncFd` this guard borrows, mutably.
    pub fn get_mut(&mut self) -> &mut AsyncFd<T> {
        self.fd
    }

    /// The object the `AsyncFd` wraps.
    pub fn get_inner(&self) -> &T {
        self.fd.get_ref()
    }

    /// The object the `AsyncFd` wraps, mutably.
    pub fn get_inner_mut(&mut self) -> &mut T {
        self.fd.get_mut()
    }
}

/// Error returned by [`AsyncFd::register`] and
/// [`AsyncFd::register_with_interest`]: registering the object with the
/// driver failed; the object is given back.
pub struct AsyncFdRegisterError<T> {
    inner: T,
    cause: io::Error,
}

/// Deprecated: the old name of [`AsyncFdRegisterError`].
#[doc(hidden)]
#[deprecated(note = "use `AsyncFdRegisterError` instead")]
pub type AsyncFdTryNewError<T> = AsyncFdRegisterError<T>;

impl<T> AsyncFdRegisterError<T> {
    /// The object that could not be registered, and the error.
    pub fn into_parts(self) -> (T, io::Error) {
        (self.inner, self.cause)
    }
}

impl<T> fmt::Display for AsyncFdRegisterError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.cause, f)
    }
}

impl<T> fmt::Debug for AsyncFdRegisterError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.cause, f)
    }
}

impl<T> std::error::Error for AsyncFdRegisterError<T> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.cause)
    }
}

impl<T> From<AsyncFdRegisterError<T>> for io::Error {
    fn from(e: AsyncFdRegisterError<T>) -> io::Error {
        e.cause
    }
}
