//! The child's standard streams as tern pipes: [`ChildStdin`],
//! [`ChildStdout`] and [`ChildStderr`].

use crate::io::{AsyncRead, AsyncWrite, ReadBuf};
use crate::net::unix::pipe::{Receiver, Sender};
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::pin::Pin;
use std::process::Stdio;
use std::task::{Context, Poll};

/// Puts `fd` (the parent's end of a pipe) in non-blocking mode. The child
/// has its own open file description of the other end: it is unaffected.
fn nonblocking(fd: OwnedFd) -> io::Result<OwnedFd> {
    // SAFETY: `F_GETFL` takes no argument; `fd` is open.
    let flags = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) };
    if flags < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `F_SETFL` takes an integer; `fd` is open.
    if unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETFL, flags | libc::O_NONBLOCK) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(fd)
}

/// The standard input stream for spawned children.
///
/// This type implements the `AsyncWrite` trait to pass data to the stdin
/// handle of a child process asynchronously.
#[derive(Debug)]
pub struct ChildStdin {
    inner: Sender,
}

/// The standard output stream for spawned children.
///
/// This type implements the `AsyncRead` trait to read data from the stdout
/// handle of a child process asynchronously.
#[derive(Debug)]
pub struct ChildStdout {
    inner: Receiver,
}

/// The standard error stream for spawned children.
///
/// This type implements the `AsyncRead` trait to read data from the stderr
/// handle of a child process asynchronously.
#[derive(Debug)]
pub struct ChildStderr {
    inner: Receiver,
}

impl ChildStdin {
    /// Creates an asynchronous `ChildStdin` from a synchronous one.
    ///
    /// # Errors
    ///
    /// This method may fail if an error is encountered when setting the
    /// pipe to non-blocking mode, or when registering the pipe with the
    /// runtime's IO driver.
    ///
    /// # Panics
    ///
    /// Outside of a runtime with the I/O driver enabled.
    #[track_caller]
    pub fn from_std(inner: std::process::ChildStdin) -> io::Result<Self> {
        Ok(ChildStdin { inner: Sender::from_owned_fd_unchecked(nonblocking(inner.into())?)? })
    }
}

impl ChildStdout {
    /// Creates an asynchronous `ChildStdout` from a synchronous one.
    ///
    /// # Errors
    ///
    /// This method may fail if an error is encountered when setting the
    /// pipe to non-blocking mode, or when registering the pipe with the
    /// runtime's IO driver.
    ///
    /// # Panics
    ///
    /// Outside of a runtime with the I/O driver enabled.
    #[track_caller]
    pub fn from_std(inner: std::process::ChildStdout) -> io::Result<Self> {
        Ok(ChildStdout { inner: Receiver::from_owned_fd_unchecked(nonblocking(inner.into())?)? })
    }
}

impl ChildStderr {
    /// Creates an asynchronous `ChildStderr` from a synchronous one.
    ///
    /// # Errors
    ///
    /// This method may fail if an error is encountered when setting the
    /// pipe to non-blocking mode, or when registering the pipe with the
    /// runtime's IO driver.
    ///
    /// # Panics
    ///
    /// Outside of a runtime with the I/O driver enabled.
    #[track_caller]
    pub fn from_std(inner: std::process::ChildStderr) -> io::Result<Self> {
        Ok(ChildStderr { inner: Receiver::from_owned_fd_unchecked(nonblocking(inner.into())?)? })
    }
}

impl AsyncWrite for ChildStdin {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

impl AsyncRead for ChildStdout {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncRead for ChildStderr {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

macro_rules! fd_traits {
    ($ty:ident) => {
        impl $ty {
            /// Deregisters the stream from the runtime and returns its
            /// descriptor, back in blocking mode.
            ///
            /// # Errors
            ///
            /// If deregistering or clearing `O_NONBLOCK` fails.
            pub fn into_owned_fd(self) -> io::Result<OwnedFd> {
                self.inner.into_blocking_fd()
            }
        }

        impl AsRawFd for $ty {
            fn as_raw_fd(&self) -> RawFd {
                self.inner.as_raw_fd()
            }
        }

        impl AsFd for $ty {
            fn as_fd(&self) -> BorrowedFd<'_> {
                self.inner.as_fd()
            }
        }

        /// Converts the stream into a [`Stdio`] (in blocking mode), for
        /// example to pipe one child's output into another's input.
        impl TryFrom<$ty> for Stdio {
            type Error = io::Error;

            fn try_from(stream: $ty) -> io::Result<Stdio> {
                stream.into_owned_fd().map(Stdio::from)
            }
        }
    };
}

fd_traits!(ChildStdin);
fd_traits!(ChildStdout);
fd_traits!(ChildStderr);
