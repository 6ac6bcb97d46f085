//! `UnixListener`.

use crate::io::driver::Direction;
use crate::io::poll_evented::PollEvented;
use crate::io::Interest;
use crate::net::unix::{socketaddr, SocketAddr};
use crate::net::UnixStream;
use std::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::path::Path;
use std::task::{ready, Context, Poll};

/// A Unix-domain socket server, listening for connections.
///
/// A socket bound to a path leaves the file behind when dropped, and a
/// later `bind` to that path fails with `AddrInUse`: remove the file first
/// (or use a fresh path).
///
/// # Examples
///
/// ```
/// use tern::io::{AsyncReadExt, AsyncWriteExt};
/// use tern::net::{UnixListener, UnixStream};
///
/// # tern::runtime::Runtime::new().unwrap().block_on(async {
/// let path = std::env::temp_dir().join(format!("tern-doc-listener-{}.sock", std::process::id()));
/// let _ = std::fs::remove_file(&path);
/// let listener = UnixListener::bind(&path).unwrap();
///
/// let mut client = UnixStream::connect(&path).await.unwrap();
/// let (mut server, _) = listener.accept().await.unwrap();
/// client.write_all(b"hi").await.unwrap();
/// let mut buf = [0u8; 2];
/// server.read_exact(&mut buf).await.unwrap();
/// assert_eq!(&buf, b"hi");
/// std::fs::remove_file(&path).unwrap();
/// # });
/// ```
pub struct UnixListener {
    io: PollEvented<mio::net::UnixListener>,
}

impl UnixListener {
    #[track_caller]
    pub(crate) fn new(listener: mio::net::UnixListener) -> io::Result<UnixListener> {
        Ok(UnixListener { io: PollEvented::new(listener)? })
    }

    /// Creates a new `UnixListener` bound to `path`. On Linux a path
    /// starting with a NUL byte names a socket in the abstract namespace.
    ///
    /// # Panics
    ///
    /// Outside of a runtime with the I/O driver enabled.
    #[track_caller]
    pub fn bind<P: AsRef<Path>>(path: P) -> io::Result<UnixListener> {
        let addr = socketaddr::from_path(path.as_ref())?;
        UnixListener::new(mio::net::UnixListener::bind_addr(&addr)?)
    }

    /// Creates a new `UnixListener` bound to `socket_addr`.
    ///
    /// # Panics
    ///
    /// Outside of a runtime with the I/O driver enabled.
    #[track_caller]
    pub fn bind_addr(socket_addr: &SocketAddr) -> io::Result<UnixListener> {
        UnixListener::new(mio::net::UnixListener::bind_addr(&socket_addr.0)?)
    }

    /// Creates new `UnixListener` from a `std::os::unix::net::UnixListener`
    /// (switched to non-blocking mode here).
    ///
    /// # Panics
    ///
    /// Outside of a runtime with the I/O driver enabled.
    #[track_caller]
    pub fn from_std(listener: std::os::unix::net::UnixListener) -> io::Result<UnixListener> {
        listener.set_nonblocking(true)?;
        UnixListener::new(mio::net::UnixListener::from_std(listener))
    }

    /// Turns this listener into a `std::os::unix::net::UnixListener`,
    /// deregistered from the runtime. It is still in non-blocking mode; use
    /// `set_nonblocking(false)` if needed.
    pub fn into_std(self) -> io::Result<std::os::unix::net::UnixListener> {
        Ok(self.io.into_inner()?.into())
    }

    /// Returns the local socket address of this listener.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr().map(SocketAddr)
    }

    /// Returns the value of the `SO_ERROR` option (and clears it).
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.io.get_ref().take_error()
    }

    /// Accepts a new incoming connection to this listener.
    ///
    /// Any number of tasks may wait in `accept` on one listener (in an
    /// `Arc`): each connection goes to one of them.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if `accept` is dropped before it completes, no
    /// connection is lost.
    pub async fn accept(&self) -> io::Result<(UnixStream, SocketAddr)> {
        let (stream, addr) = self.io.async_io(Interest::READABLE, || self.io.get_ref().accept()).await?;
        Ok((UnixStream::new_accepted(stream)?, SocketAddr(addr)))
    }

    /// Polls to accept a new incoming connection to this listener. Only
    /// the waker of the most recent call is kept; use
    /// [`accept`](Self::accept) for several waiters.
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(UnixStream, SocketAddr)>> {
        let (stream, addr) = ready!(self.io.poll_io(cx, Direction::Read, |l| l.accept()))?;
        Poll::Ready(Ok((UnixStream::new_accepted(stream)?, SocketAddr(addr))))
    }
}

impl TryFrom<std::os::unix::net::UnixListener> for UnixListener {
    type Error = io::Error;

    /// Consumes `listener`, as [`UnixListener::from_std`] does.
    fn try_from(listener: std::os::unix::net::UnixListener) -> io::Result<UnixListener> {
        UnixListener::from_std(listener)
    }
}

impl fmt::Debug for UnixListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.io.get_ref().fmt(f)
    }
}

impl AsRawFd for UnixListener {
    fn as_raw_fd(&self) -> RawFd {
        self.io.get_ref().as_raw_fd()
    }
}

impl AsFd for UnixListener {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.get_ref().as_fd()
    }
}
