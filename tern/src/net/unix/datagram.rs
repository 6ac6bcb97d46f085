//! `UnixDatagram`.

use crate::io::driver::Direction;
use crate::io::poll_evented::PollEvented;
use crate::io::{Interest, ReadBuf, Ready};
use crate::net::unix::{socketaddr, SocketAddr};
use crate::net::{read_into_buf_mut, recv_into_buf_mut};
use std::fmt;
use std::io;
use std::net::Shutdown;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::path::Path;
use std::task::{ready, Context, Poll};

/// A Unix-domain datagram socket, named (bound to a path) or unnamed.
///
/// All methods take `&self`: share the socket in an `Arc` (no `Mutex`
/// needed) rather than splitting it. Any number of tasks may wait in
/// `recv`, `send`, `readable`... at once; the `poll_*` methods keep one
/// waker per direction (the most recent caller's).
///
/// A named socket leaves its file behind when dropped: remove it, or bind
/// to a fresh path.
///
/// # Examples
///
/// ```
/// use tern::net::UnixDatagram;
///
/// # tern::runtime::Runtime::new().unwrap().block_on(async {
/// let (a, b) = UnixDatagram::pair().unwrap();
/// a.send(b"hello").await.unwrap();
/// let mut buf = [0u8; 16];
/// let n = b.recv(&mut buf).await.unwrap();
/// assert_eq!(&buf[..n], b"hello");
/// # });
/// ```
pub struct UnixDatagram {
    io: PollEvented<mio::net::UnixDatagram>,
}

impl UnixDatagram {
    #[track_caller]
    pub(crate) fn new(socket: mio::net::UnixDatagram) -> io::Result<UnixDatagram> {
        Ok(UnixDatagram { io: PollEvented::new(socket)? })
    }

    /// Waits for any of the requested readiness and returns what was found.
    ///
    /// Any number of tasks may wait at once. The result may be a false
    /// positive (the next `try_*` call returns `WouldBlock`); readiness is
    /// cleared only by an operation that returns `WouldBlock`.
    pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        let ev = self.io.readiness(interest).await?;
        Ok(ev.ready_for(interest))
    }

    /// Waits for the socket to become writable (usually followed by
    /// [`try_send`](Self::try_send) or [`try_send_to`](Self::try_send_to)).
    pub async fn writable(&self) -> io::Result<()> {
        self.io.readiness(Interest::WRITABLE).await.map(drop)
    }

    /// Polls for write readiness. Only the waker of the last call is kept
    /// (use [`Self::writable`] for several waiters).
    pub fn poll_send_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(cx, Direction::Write).map_ok(drop)
    }

    /// Waits for the socket to become readable (usually followed by
    /// [`try_recv`](Self::try_recv) or [`try_recv_from`](Self::try_recv_from)).
    pub async fn readable(&self) -> io::Result<()> {
        self.io.readiness(Interest::READABLE).await.map(drop)
    }

    /// Polls for read readiness. Only the waker of the last call is kept
    /// (use [`Self::readable`] for several waiters).
    pub fn poll_recv_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(cx, Direction::Read).map_ok(drop)
    }

    /// Creates a new `UnixDatagram` bound to `path`. On Linux a path
    /// starting with a NUL byte names a socket in the abstract namespace.
    ///
    /// # Panics
    ///
    /// Outside of a runtime with the I/O driver enabled.
    pub fn bind<P: AsRef<Path>>(path: P) -> io::Result<UnixDatagram> {
        let addr = socketaddr::from_path(path.as_ref())?;
        UnixDatagram::new(mio::net::UnixDatagram::bind_addr(&addr)?)
    }

    /// Creates an unnamed pair of connected sockets.
    ///
    /// # Panics
    ///
    /// Outside of a runtime with the I/O driver enabled.
    pub fn pair() -> io::Result<(UnixDatagram, UnixDatagram)> {
        let (a, b) = mio::net::UnixDatagram::pair()?;
        // Empty buffers: writable at once, readable once the peer sends.
        let writable = |s| PollEvented::new_assumed_ready(s, crate::io::driver::scheduled_io::WRITABLE);
        Ok((UnixDatagram { io: writable(a)? }, UnixDatagram { io: writable(b)? }))
    }

    /// Creates new `UnixDatagram` from a `std::os::unix::net::UnixDatagram`
    /// (switched to non-blocking mode here).
    ///
    /// # Panics
    ///
    /// Outside of a runtime with the I/O driver enabled.
    #[track_caller]
    pub fn from_std(datagram: std::os::unix::net::UnixDatagram) -> io::Result<UnixDatagram> {
        datagram.set_nonblocking(true)?;
        UnixDatagram::new(mio::net::UnixDatagram::from_std(datagram))
    }

    /// Turns this socket into a `std::os::unix::net::UnixDatagram`,
    /// deregistered from the runtime. It is still in non-blocking mode; use
    /// `set_nonblocking(false)` if needed.
    pub fn into_std(self) -> io::Result<std::os::unix::net::UnixDatagram> {
        Ok(self.io.into_inner()?.into())
    }

    /// Creates a new `UnixDatagram` which is not bound to any address.
    ///
    /// # Panics
    ///
    /// Outside of a runtime with the I/O driver enabled.
    pub fn unbound() -> io::Result<UnixDatagram> {
        UnixDatagram::new(mio::net::UnixDatagram::unbound()?)
    }

    /// Connects the socket to the socket bound at `path`: `send` and
    /// `recv` then use it, and datagrams from other sockets are dropped.
    pub fn connect<P: AsRef<Path>>(&self, path: P) -> io::Result<()> {
        self.io.get_ref().connect(path)
    }

    /// Sends data on the socket to the connected peer, returning the number
    /// of bytes sent.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if dropped before completing, no data was sent.
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.async_io(Interest::WRITABLE, || self.io.get_ref().send(buf)).await
    }

    /// Tries to send to the connected peer without waiting: `WouldBlock` if
    /// the socket is not writable.
    pub fn try_send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.try_io(Direction::Write, |s| s.send(buf))
    }

    /// Tries to send to the socket bound at `target` without waiting.
    pub fn try_send_to<P: AsRef<Path>>(&self, buf: &[u8], target: P) -> io::Result<usize> {
        self.io.try_io(Direction::Write, |s| s.send_to(buf, target))
    }

    /// Receives a datagram from the connected peer into `buf`, returning
    /// its size. A datagram larger than `buf` is truncated.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if dropped before completing, no datagram was taken.
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.async_io(Interest::READABLE, || self.io.get_ref().recv(buf)).await
    }

    /// Tries to receive a datagram from the connected peer without waiting:
    /// `WouldBlock` if none is queued.
    pub fn try_recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.try_io(Direction::Read, |s| s.recv(buf))
    }

    /// Tries to receive a datagram into the spare capacity of `buf` (a
    /// `bytes::BufMut`) without waiting, returning its size and sender.
    pub fn try_recv_buf_from<B: bytes::BufMut>(&self, buf: &mut B) -> io::Result<(usize, SocketAddr)> {
        let (n, addr) = self.io.try_io(Direction::Read, |s| read_into_buf_mut(buf, |b| s.recv_from(b)))?;
        Ok((n, SocketAddr(addr)))
    }

    /// Receives a datagram into the spare capacity of `buf`, returning its
    /// size and sender.
    pub async fn recv_buf_from<B: bytes::BufMut>(&self, buf: &mut B) -> io::Result<(usize, SocketAddr)> {
        let recv = || read_into_buf_mut(buf, |b| self.io.get_ref().recv_from(b));
        let (n, addr) = self.io.async_io(Interest::READABLE, recv).await?;
        Ok((n, SocketAddr(addr)))
    }

    /// Tries to receive a datagram from the connected peer into the spare
    /// capacity of `buf` without waiting, returning its size.
    pub fn try_recv_buf<B: bytes::BufMut>(&self, buf: &mut B) -> io::Result<usize> {
        // SAFETY: `recv(2)` initializes the count it returns.
        let recv = |s: &mio::net::UnixDatagram| unsafe {
            recv_into_buf_mut(buf, |b| Ok((crate::net::sys::recv_uninit(s.as_fd(), b)?, ())))
        };
        self.io.try_io(Direction::Read, recv).map(|(n, ())| n)
    }

    /// Receives a datagram from the connected peer into the spare capacity
    /// of `buf`, returning its size.
    pub async fn recv_buf<B: bytes::BufMut>(&self, buf: &mut B) -> io::Result<usize> {
        let fd = self.io.get_ref().as_fd();
        // SAFETY: `recv(2)` initializes the count it returns.
        let recv = || unsafe { recv_into_buf_mut(buf, |b| Ok((crate::net::sys::recv_uninit(fd, b)?, ()))) };
        self.io.async_io(Interest::READABLE, recv).await.map(|(n, ())| n)
    }

    /// Sends data on the socket to the socket bound at `target`, returning
    /// the number of bytes sent.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if dropped before completing, no data was sent.
    pub async fn send_to<P: AsRef<Path>>(&self, buf: &[u8], target: P) -> io::Result<usize> {
        let target = target.as_ref();
        self.io.async_io(Interest::WRITABLE, || self.io.get_ref().send_to(buf, target)).await
    }

    /// Receives a datagram, returning its size and the address of the
    /// socket that sent it. A datagram larger than `buf` is truncated.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if dropped before completing, no datagram was taken.
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        let (n, addr) = self.io.async_io(Interest::READABLE, || self.io.get_ref().recv_from(buf)).await?;
        Ok((n, SocketAddr(addr)))
    }

    /// Attempts to receive a datagram into `buf`'s unfilled part,
    /// returning the sender's address; registers the current task for
    /// wakeup if none is queued.
    pub fn poll_recv_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<SocketAddr>> {
        let (n, addr) =
            ready!(self.io.poll_io(cx, Direction::Read, |s| s.recv_from(buf.initialize_unfilled())))?;
        buf.advance(n);
        Poll::Ready(Ok(SocketAddr(addr)))
    }

    /// Attempts to send data to the socket bound at `target`, registering
    /// the current task for wakeup if the socket is not writable.
    pub fn poll_send_to<P: AsRef<Path>>(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
        target: P,
    ) -> Poll<io::Result<usize>> {
        let target = target.as_ref();
        self.io.poll_io(cx, Direction::Write, |s| s.send_to(buf, target))
    }

    /// Attempts to send data to the connected peer, registering the current
    /// task for wakeup if the socket is not writable.
    pub fn poll_send(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.io.poll_io(cx, Direction::Write, |s| s.send(buf))
    }

    /// Attempts to receive a datagram from the connected peer into `buf`'s
    /// unfilled part; registers the current task for wakeup if none is
    /// queued.
    pub fn poll_recv(&self, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let n = ready!(self.io.poll_io(cx, Direction::Read, |s| s.recv(buf.initialize_unfilled())))?;
        buf.advance(n);
        Poll::Ready(Ok(()))
    }

    /// Tries to receive a datagram without waiting, returning its size and
    /// sender.
    pub fn try_recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        let (n, addr) = self.io.try_io(Direction::Read, |s| s.recv_from(buf))?;
        Ok((n, SocketAddr(addr)))
    }

    /// Runs `f`, a non-blocking operation on the socket, if the socket is
    /// ready for `interest`. A `WouldBlock` result (or not being ready)
    /// clears the readiness, so the next wait parks until the OS reports
    /// it again. `f` must be an operation that really returns
    /// `WouldBlock` when it cannot proceed.
    pub fn try_io<R>(&self, interest: Interest, f: impl FnOnce() -> io::Result<R>) -> io::Result<R> {
        self.io.try_io_interest(interest, f)
    }

    /// Waits for `interest` and runs `f` until it stops returning
    /// `WouldBlock` (clearing the readiness each time it does).
    pub async fn async_io<R>(&self, interest: Interest, f: impl FnMut() -> io::Result<R>) -> io::Result<R> {
        self.io.async_io(interest, f).await
    }

    /// Returns the local address that this socket is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr().map(SocketAddr)
    }

    /// Returns the address of this socket's peer (after `connect`, or for
    /// either end of a `pair`).
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr().map(SocketAddr)
    }

    /// Returns the value of the `SO_ERROR` option (and clears it).
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.io.get_ref().take_error()
    }

    /// Shuts down the read, write, or both halves of this connection.
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.io.get_ref().shutdown(how)
    }
}

impl TryFrom<std::os::unix::net::UnixDatagram> for UnixDatagram {
    type Error = io::Error;

    /// Consumes `datagram`, as [`UnixDatagram::from_std`] does.
    fn try_from(datagram: std::os::unix::net::UnixDatagram) -> io::Result<UnixDatagram> {
        UnixDatagram::from_std(datagram)
    }
}

impl fmt::Debug for UnixDatagram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.io.get_ref().fmt(f)
    }
}

impl AsRawFd for UnixDatagram {
    fn as_raw_fd(&self) -> RawFd {
        self.io.get_ref().as_raw_fd()
    }
}

impl AsFd for UnixDatagram {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.get_ref().as_fd()
    }
}
