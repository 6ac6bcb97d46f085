//! `UnixSocket`: a Unix-domain socket to set up before it connects,
//! listens or becomes a datagram socket.

use crate::net::sys;
use crate::net::{UnixDatagram, UnixListener, UnixStream};
use std::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};
use std::path::Path;

/// A Unix socket that has not yet been converted to a [`UnixStream`],
/// [`UnixDatagram`] or [`UnixListener`].
///
/// `UnixSocket` wraps an operating system socket and lets the caller
/// configure it (through its descriptor, `AsFd`) before it is bound,
/// connected or set listening. [`UnixStream::connect`],
/// [`UnixListener::bind`] and [`UnixDatagram::bind`] cover the common
/// cases without it. The socket is non-blocking and close-on-exec.
///
/// A stream socket (from [`new_stream`](UnixSocket::new_stream)) becomes a
/// listener with [`listen`](UnixSocket::listen) or a stream with
/// [`connect`](UnixSocket::connect); a datagram socket (from
/// [`new_datagram`](UnixSocket::new_datagram)) becomes a [`UnixDatagram`]
/// with [`datagram`](UnixSocket::datagram). The other combinations fail
/// with an error saying so.
///
/// # Examples
///
/// ```
/// use tern::net::UnixSocket;
/// use tern::io::{AsyncReadExt, AsyncWriteExt};
///
/// # tern::runtime::Runtime::new().unwrap().block_on(async {
/// let dir = std::env::temp_dir().join(format!("tern-unixsocket-doc-{}", std::process::id()));
/// let _ = std::fs::remove_file(&dir);
/// let socket = UnixSocket::new_stream().unwrap();
/// socket.bind(&dir).unwrap();
/// let listener = socket.listen(16).unwrap();
///
/// let mut client = UnixSocket::new_stream().unwrap().connect(&dir).await.unwrap();
/// let (mut server, _) = listener.accept().await.unwrap();
/// client.write_all(b"hi").await.unwrap();
/// let mut buf = [0u8; 2];
/// server.read_exact(&mut buf).await.unwrap();
/// assert_eq!(&buf, b"hi");
/// std::fs::remove_file(&dir).unwrap();
/// # });
/// ```
pub struct UnixSocket {
    inner: OwnedFd,
}

impl UnixSocket {
    /// Creates a new Unix datagram socket (`SOCK_DGRAM`).
    ///
    /// Calls `socket(2)` with `AF_UNIX` and `SOCK_DGRAM`.
    ///
    /// # Returns
    ///
    /// On success, the newly created [`UnixSocket`] is returned. If an
    /// error is encountered, it is returned instead.
    pub fn new_datagram() -> io::Result<UnixSocket> {
        Ok(UnixSocket { inner: sys::unix_socket(libc::SOCK_DGRAM)? })
    }

    /// Creates a new Unix stream socket (`SOCK_STREAM`).
    ///
    /// Calls `socket(2)` with `AF_UNIX` and `SOCK_STREAM`.
    ///
    /// # Returns
    ///
    /// On success, the newly created [`UnixSocket`] is returned. If an
    /// error is encountered, it is returned instead.
    pub fn new_stream() -> io::Result<UnixSocket> {
        Ok(UnixSocket { inner: sys::unix_socket(libc::SOCK_STREAM)? })
    }

    fn is_datagram(&self) -> io::Result<bool> {
        Ok(sys::get_int(self.inner.as_fd(), libc::SOL_SOCKET, libc::SO_TYPE)? == libc::SOCK_DGRAM)
    }

    /// Binds the socket to `path`. On Linux a path starting with a NUL byte
    /// names a socket in the abstract namespace.
    pub fn bind(&self, path: impl AsRef<Path>) -> io::Result<()> {
        sys::bind_unix(self.inner.as_fd(), path.as_ref())
    }

    /// Converts the socket into a [`UnixListener`], listening with a queue
    /// of up to `backlog` pending connections.
    ///
    /// # Errors
    ///
    /// On a datagram socket: an error of kind `Other` ("listen cannot be
    /// called on a datagram socket"), as in Tokio; otherwise what
    /// `listen(2)` reports.
    ///
    /// # Panics
    ///
    /// Outside of a runtime with the I/O driver enabled.
    #[track_caller]
    pub fn listen(self, backlog: u32) -> io::Result<UnixListener> {
        if self.is_datagram()? {
            return Err(io::Error::other("listen cannot be called on a datagram socket"));
        }
        sys::listen(self.inner.as_fd(), backlog)?;
        let std = std::os::unix::net::UnixListener::from(self.inner);
        // A no-op unless the descriptor came in blocking (`from_raw_fd`).
        std.set_nonblocking(true)?;
        UnixListener::new(mio::net::UnixListener::from_std(std))
    }

    /// Connects the socket to `path` and returns the [`UnixStream`] once
    /// the connection is established.
    ///
    /// # Errors
    ///
    /// On a datagram socket: an error of kind `Other` ("connect cannot be
    /// called on a datagram socket"); otherwise what the connection
    /// attempt reports (`NotFound` for no socket at `path`,
    /// `ConnectionRefused` for one nobody listens on, `WouldBlock` when the
    /// listener's queue is full).
    ///
    /// # Panics
    ///
    /// Outside of a runtime with the I/O driver enabled.
    pub async fn connect(self, path: impl AsRef<Path>) -> io::Result<UnixStream> {
        if self.is_datagram()? {
            return Err(io::Error::other("connect cannot be called on a datagram socket"));
        }
        let std = std::os::unix::net::UnixStream::from(self.inner);
        // Before connecting: a blocking connect would stall the runtime.
        std.set_nonblocking(true)?;
        sys::start_connect_unix(std.as_fd(), path.as_ref())?;
        UnixStream::connect_mio(mio::net::UnixStream::from_std(std)).await
    }

    /// Converts the socket into a [`UnixDatagram`].
    ///
    /// # Errors
    ///
    /// On a stream socket: an error of kind `Other` ("datagram cannot be
    /// called on a stream socket").
    ///
    /// # Panics
    ///
    /// Outside of a runtime with the I/O driver enabled.
    #[track_caller]
    pub fn datagram(self) -> io::Result<UnixDatagram> {
        if !self.is_datagram()? {
            return Err(io::Error::other("datagram cannot be called on a stream socket"));
        }
        let std = std::os::unix::net::UnixDatagram::from(self.inner);
        std.set_nonblocking(true)?;
        UnixDatagram::new(mio::net::UnixDatagram::from_std(std))
    }
}

impl AsRawFd for UnixSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.inner.as_raw_fd()
    }
}

impl AsFd for UnixSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.inner.as_fd()
    }
}

impl FromRawFd for UnixSocket {
    /// Wraps an existing Unix-domain socket descriptor.
    ///
    /// # Safety
    ///
    /// `fd` must be an open Unix-domain socket that nothing else owns (the
    /// `UnixSocket` closes it). It is made non-blocking when it is
    /// converted.
    unsafe fn from_raw_fd(fd: RawFd) -> UnixSocket {
        // SAFETY: the caller hands over an open descriptor it owned.
        UnixSocket { inner: unsafe { OwnedFd::from_raw_fd(fd) } }
    }
}

impl IntoRawFd for UnixSocket {
    fn into_raw_fd(self) -> RawFd {
        self.inner.into_raw_fd()
    }
}

impl fmt::Debug for UnixSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixSocket").field("fd", &self.inner.as_raw_fd()).finish()
    }
}
