//! `TcpListener`.

use crate::io::driver::Direction;
use crate::io::poll_evented::PollEvented;
use crate::io::Interest;
use crate::net::addr::{first_ok, to_socket_addrs};
use crate::net::{TcpStream, ToSocketAddrs};
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::task::{ready, Context, Poll};

/// A TCP socket server, listening for connections.
///
/// # Examples
///
/// ```no_run
/// use tern::net::TcpListener;
///
/// # async fn run() -> std::io::Result<()> {
/// let listener = TcpListener::bind("127.0.0.1:8080").await?;
/// loop {
///     let (socket, peer) = listener.accept().await?;
///     tern::spawn(async move { drop((socket, peer)) });
/// }
/// # }
/// ```
pub struct TcpListener {
    io: PollEvented<mio::net::TcpListener>,
}

impl TcpListener {
    /// Creates a new `TcpListener` bound to `addr` (the first address that
    /// binds). Port 0 asks the OS for a free port; see
    /// [`local_addr`](TcpListener::local_addr).
    ///
    /// A host name is resolved on the blocking pool; literal addresses are
    /// used as they are. If no address binds, the last error is returned.
    ///
    /// # Panics
    ///
    /// Outside of a runtime with the I/O driver enabled.
    ///
    /// # Examples
    ///
    /// ```
    /// use tern::net::TcpListener;
    ///
    /// # tern::runtime::Runtime::new().unwrap().block_on(async {
    /// let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// assert_ne!(listener.local_addr().unwrap().port(), 0);
    /// # });
    /// ```
    pub async fn bind<A: ToSocketAddrs>(addr: A) -> io::Result<TcpListener> {
        let addrs = to_socket_addrs(addr).await?;
        first_ok(addrs, |a| TcpListener::new(mio::net::TcpListener::bind(a)?))
    }

    #[track_caller]
    pub(crate) fn new(listener: mio::net::TcpListener) -> io::Result<TcpListener> {
        Ok(TcpListener { io: PollEvented::new(listener)? })
    }

    /// Accepts a new incoming connection from this listener.
    ///
    /// Any number of tasks may wait in `accept` on one listener (in an
    /// `Arc`): each connection goes to one of them.
    ///
    /// When the process is out of file descriptors this returns the OS
    /// error (`EMFILE`) to the caller, and the listener keeps working once
    /// descriptors are freed: the pending connection is not lost and the
    /// call does not spin.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if `accept` is dropped before it completes, no
    /// connection is lost.
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let (stream, addr) = self.io.async_io(Interest::READABLE, || self.io.get_ref().accept()).await?;
        Ok((TcpStream::new_accepted(stream)?, addr))
    }

    /// Polls to accept a new incoming connection to this listener.
    ///
    /// Returns `Poll::Pending` and schedules the current task for wakeup
    /// when no connection is pending. Only the waker of the most recent
    /// call is kept; use [`accept`](Self::accept) for several waiters.
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        let (stream, addr) = ready!(self.io.poll_io(cx, Direction::Read, |l| l.accept()))?;
        Poll::Ready(Ok((TcpStream::new_accepted(stream)?, addr)))
    }

    /// Creates new `TcpListener` from a `std::net::TcpListener` (switched
    /// to non-blocking mode here).
    ///
    /// # Panics
    ///
    /// Outside of a runtime with the I/O driver enabled.
    #[track_caller]
    pub fn from_std(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        listener.set_nonblocking(true)?;
        TcpListener::new(mio::net::TcpListener::from_std(listener))
    }

    /// Turns this listener into a `std::net::TcpListener`.
    ///
    /// The returned listener is still in non-blocking mode; use
    /// `set_nonblocking(false)` if needed.
    pub fn into_std(self) -> io::Result<std::net::TcpListener> {
        Ok(self.io.into_inner()?.into())
    }

    /// Returns the local address that this listener is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// Gets the value of the `IP_TTL` option for this socket.
    pub fn ttl(&self) -> io::Result<u32> {
        self.io.get_ref().ttl()
    }

    /// Sets the value for the `IP_TTL` option on this socket.
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_ttl(ttl)
    }
}

impl TryFrom<std::net::TcpListener> for TcpListener {
    type Error = io::Error;

    /// Consumes `listener`, as [`TcpListener::from_std`] does.
    fn try_from(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        TcpListener::from_std(listener)
    }
}

impl fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.io.get_ref().fmt(f)
    }
}

impl AsRawFd for TcpListener {
    fn as_raw_fd(&self) -> RawFd {
        self.io.get_ref().as_raw_fd()
    }
}

impl AsFd for TcpListener {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.get_ref().as_fd()
    }
}
