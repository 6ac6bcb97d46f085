//! `UdpSocket`.

use crate::io::driver::Direction;
use crate::io::poll_evented::PollEvented;
use crate::io::{Interest, ReadBuf, Ready};
use crate::net::addr::{first_ok, to_socket_addrs};
use crate::net::{recv_into_buf_mut, sys, ToSocketAddrs};
use std::fmt;
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::task::{ready, Context, Poll};

/// A UDP socket.
///
/// All methods take `&self`, so a socket can be shared (for instance in an
/// `Arc`) between tasks: any number of them may wait in `recv`, `send`,
/// `readable`... at once. The `poll_*` methods keep one waker per
/// direction (the most recent caller's).
///
/// # Examples
///
/// ```
/// use tern::net::UdpSocket;
///
/// # tern::runtime::Runtime::new().unwrap().block_on(async {
/// let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
/// let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
/// a.send_to(b"ping", b.local_addr().unwrap()).await.unwrap();
/// let mut buf = [0u8; 4];
/// let (n, from) = b.recv_from(&mut buf).await.unwrap();
/// assert_eq!((&buf[..n], from), (&b"ping"[..], a.local_addr().unwrap()));
/// # });
/// ```
pub struct UdpSocket {
    io: PollEvented<mio::net::UdpSocket>,
}

impl UdpSocket {
    /// Creates a new UDP socket bound to `addr` (the first address that
    /// binds; a host name is resolved on the blocking pool).
    ///
    /// # Panics
    ///
    /// Outside of a runtime with the I/O driver enabled.
    pub async fn bind<A: ToSocketAddrs>(addr: A) -> io::Result<UdpSocket> {
        let addrs = to_socket_addrs(addr).await?;
        first_ok(addrs, |a| UdpSocket::new(mio::net::UdpSocket::bind(a)?))
    }

    #[track_caller]
    fn new(socket: mio::net::UdpSocket) -> io::Result<UdpSocket> {
        Ok(UdpSocket { io: PollEvented::new(socket)? })
    }

    /// Creates a new `UdpSocket` from a `std::net::UdpSocket` (switched to
    /// non-blocking mode here).
    ///
    /// # Panics
    ///
    /// Outside of a runtime with the I/O driver enabled.
    #[track_caller]
    pub fn from_std(socket: std::net::UdpSocket) -> io::Result<UdpSocket> {
        socket.set_nonblocking(true)?;
        UdpSocket::new(mio::net::UdpSocket::from_std(socket))
    }

    /// Turns this socket into a `std::net::UdpSocket`, deregistered from
    /// the runtime. It is still in non-blocking mode; use
    /// `set_nonblocking(false)` if needed.
    pub fn into_std(self) -> io::Result<std::net::UdpSocket> {
        Ok(self.io.into_inner()?.into())
    }

    /// Connects the socket to a remote address (the first of `addr` that
    /// connects): `send` and `recv` then use it, and datagrams from other
    /// addresses are dropped.
    pub async fn connect<A: ToSocketAddrs>(&self, addr: A) -> io::Result<()> {
        let addrs = to_socket_addrs(addr).await?;
        first_ok(addrs, |a| self.io.get_ref().connect(a))
    }

    /// Waits for any of the requested readiness and returns what was found.
    ///
    /// Any number of tasks may wait at once. The result may be a false
    /// positive (the next `try_*` call returns `WouldBlock`); readiness is
    /// cleared only by an operation that returns `WouldBlock`.
    ///
    /// An error pending on the socket (on a connected socket, the ICMP
    /// error for a closed port) completes the wait too and reports the
    /// directions asked for, so that the next `try_*` call returns the
    /// error. Tokio's `ready(READABLE)` keeps waiting there.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use tern::io::Interest;
    /// # async fn run(socket: &tern::net::UdpSocket) -> std::io::Result<()> {
    /// let ready = socket.ready(Interest::READABLE | Interest::WRITABLE).await?;
    /// if ready.is_readable() {
    ///     // try_recv...
    /// }
    /// # Ok(()) }
    /// ```
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

    /// Sends data on the socket to the connected remote address, returning
    /// the number of bytes sent.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if dropped before completing, no data was sent.
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.async_io(Interest::WRITABLE, || self.io.get_ref().send(buf)).await
    }

    /// Attempts to send data to the connected address, registering the
    /// current task for wakeup if the socket is not writable. Only the
    /// waker of the most recent `poll_send*` call is kept.
    pub fn poll_send(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.io.poll_io(cx, Direction::Write, |s| s.send(buf))
    }

    /// Tries to send to the connected address without waiting:
    /// `WouldBlock` if the socket is not writable.
    pub fn try_send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.try_io(Direction::Write, |s| s.send(buf))
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

    /// Receives a datagram from the connected remote address into `buf`,
    /// returning its size. A datagram larger than `buf` is truncated.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if dropped before completing, no datagram was taken.
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.async_io(Interest::READABLE, || self.io.get_ref().recv(buf)).await
    }

    /// Attempts to receive a datagram from the connected address into
    /// `buf`'s unfilled part, registering the current task for wakeup if
    /// none is available. Only the waker of the most recent `poll_recv*`
    /// or `poll_peek*` call is kept.
    pub fn poll_recv(&self, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        // SAFETY: only written through, by `recv(2)`.
        let dst = unsafe { buf.unfilled_mut() };
        let n = ready!(self.io.poll_io(cx, Direction::Read, |s| sys::recv_uninit(s.as_fd(), &mut *dst)))?;
        // SAFETY: `recv(2)` initialized the first `n` unfilled bytes.
        unsafe { buf.assume_init(n) };
        buf.advance(n);
        Poll::Ready(Ok(()))
    }

    /// Tries to receive from the connected address without waiting:
    /// `WouldBlock` if no datagram is queued.
    pub fn try_recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.try_io(Direction::Read, |s| s.recv(buf))
    }

    /// Tries to receive a datagram from the connected address into the
    /// spare capacity of `buf` (a `bytes::BufMut`) without waiting,
    /// advancing it by the datagram's size.
    pub fn try_recv_buf<B: bytes::BufMut>(&self, buf: &mut B) -> io::Result<usize> {
        // SAFETY: `recv(2)` initializes the count it returns.
        let recv = |s: &mio::net::UdpSocket| unsafe {
            recv_into_buf_mut(buf, |b| Ok((sys::recv_uninit(s.as_fd(), b)?, ())))
        };
        self.io.try_io(Direction::Read, recv).map(|(n, ())| n)
    }

    /// Receives a datagram from the connected address into the spare
    /// capacity of `buf`, advancing it by the datagram's size.
    pub async fn recv_buf<B: bytes::BufMut>(&self, buf: &mut B) -> io::Result<usize> {
        let fd = self.io.get_ref().as_fd();
        // SAFETY: `recv(2)` initializes the count it returns.
        let recv = || unsafe { recv_into_buf_mut(buf, |b| Ok((sys::recv_uninit(fd, b)?, ()))) };
        self.io.async_io(Interest::READABLE, recv).await.map(|(n, ())| n)
    }

    /// Tries to receive a datagram into the spare capacity of `buf` without
    /// waiting, returning its size and source address.
    pub fn try_recv_buf_from<B: bytes::BufMut>(&self, buf: &mut B) -> io::Result<(usize, SocketAddr)> {
        // SAFETY: `recvfrom(2)` initializes the count it returns.
        let recv = |s: &mio::net::UdpSocket| unsafe {
            recv_into_buf_mut(buf, |b| sys::recv_from_uninit(s.as_fd(), b))
        };
        self.io.try_io(Direction::Read, recv)
    }

    /// Receives a datagram into the spare capacity of `buf`, returning its
    /// size and source address.
    pub async fn recv_buf_from<B: bytes::BufMut>(&self, buf: &mut B) -> io::Result<(usize, SocketAddr)> {
        let fd = self.io.get_ref().as_fd();
        // SAFETY: `recvfrom(2)` initializes the count it returns.
        let recv = || unsafe { recv_into_buf_mut(buf, |b| sys::recv_from_uninit(fd, b)) };
        self.io.async_io(Interest::READABLE, recv).await
    }

    /// Sends data on the socket to `target`, returning the number of bytes
    /// sent. A host name is resolved on the blocking pool, and the first
    /// address it resolves to is used.
    pub async fn send_to<A: ToSocketAddrs>(&self, buf: &[u8], target: A) -> io::Result<usize> {
        let target = to_socket_addrs(target)
            .await?
            .next()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no addresses to send data to"))?;
        self.io.async_io(Interest::WRITABLE, || self.io.get_ref().send_to(buf, target)).await
    }

    /// Attempts to send data to `target`, registering the current task for
    /// wakeup if the socket is not writable. Only the waker of the most
    /// recent `poll_send*` call is kept.
    pub fn poll_send_to(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
        target: SocketAddr,
    ) -> Poll<io::Result<usize>> {
        self.io.poll_io(cx, Direction::Write, |s| s.send_to(buf, target))
    }

    /// Tries to send to `target` without waiting.
    pub fn try_send_to(&self, buf: &[u8], target: SocketAddr) -> io::Result<usize> {
        self.io.try_io(Direction::Write, |s| s.send_to(buf, target))
    }

    /// Receives a datagram, returning its size and source address. A
    /// datagram larger than `buf` is truncated.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if dropped before completing, no datagram was taken.
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.async_io(Interest::READABLE, || self.io.get_ref().recv_from(buf)).await
    }

    /// Attempts to receive a datagram into `buf`'s unfilled part,
    /// returning its source address; registers the current task for
    /// wakeup if none is available.
    pub fn poll_recv_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<SocketAddr>> {
        // SAFETY: only written through, by `recvfrom(2)`.
        let dst = unsafe { buf.unfilled_mut() };
        let (n, addr) =
            ready!(self.io.poll_io(cx, Direction::Read, |s| sys::recv_from_uninit(s.as_fd(), &mut *dst)))?;
        // SAFETY: `recvfrom(2)` initialized the first `n` unfilled bytes.
        unsafe { buf.assume_init(n) };
        buf.advance(n);
        Poll::Ready(Ok(addr))
    }

    /// Tries to receive a datagram without waiting.
    pub fn try_recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.try_io(Direction::Read, |s| s.recv_from(buf))
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

    /// Receives a datagram from the connected address without removing it
    /// from the queue: the next `recv` returns it again.
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.async_io(Interest::READABLE, || self.io.get_ref().peek(buf)).await
    }

    /// Attempts to peek at a datagram from the connected address into
    /// `buf`'s unfilled part; registers the current task for wakeup if none
    /// is available.
    pub fn poll_peek(&self, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let n = ready!(self.io.poll_io(cx, Direction::Read, |s| s.peek(buf.initialize_unfilled())))?;
        buf.advance(n);
        Poll::Ready(Ok(()))
    }

    /// Tries to peek at a datagram from the connected address without
    /// waiting.
    pub fn try_peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.try_io(Direction::Read, |s| s.peek(buf))
    }

    /// Receives a datagram without removing it from the queue, returning
    /// its size and source address.
    pub async fn peek_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.async_io(Interest::READABLE, || self.io.get_ref().peek_from(buf)).await
    }

    /// Attempts to peek at a datagram into `buf`'s unfilled part, returning
    /// its source address; registers the current task for wakeup if none
    /// is available.
    pub fn poll_peek_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<SocketAddr>> {
        let (n, addr) =
            ready!(self.io.poll_io(cx, Direction::Read, |s| s.peek_from(buf.initialize_unfilled())))?;
        buf.advance(n);
        Poll::Ready(Ok(addr))
    }

    /// Tries to peek at a datagram without waiting.
    pub fn try_peek_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.try_io(Direction::Read, |s| s.peek_from(buf))
    }

    /// Waits for a datagram and returns its sender, leaving it queued.
    ///
    /// The sender address of a UDP datagram is trivial to spoof: do not
    /// trust it on its own.
    pub async fn peek_sender(&self) -> io::Result<SocketAddr> {
        self.io.async_io(Interest::READABLE, || self.io.get_ref().peek_from(&mut []).map(|(_, a)| a)).await
    }

    /// Attempts to return the sender of the queued datagram; registers the
    /// current task for wakeup if none is queued.
    pub fn poll_peek_sender(&self, cx: &mut Context<'_>) -> Poll<io::Result<SocketAddr>> {
        self.io.poll_io(cx, Direction::Read, |s| s.peek_from(&mut []).map(|(_, a)| a))
    }

    /// Tries to return the sender of the queued datagram without waiting.
    pub fn try_peek_sender(&self) -> io::Result<SocketAddr> {
        self.io.try_io(Direction::Read, |s| s.peek_from(&mut []).map(|(_, a)| a))
    }

    /// Returns the local address that this socket is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// Returns the address of the peer this socket is connected to.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// Gets the value of the `SO_BROADCAST` option for this socket.
    pub fn broadcast(&self) -> io::Result<bool> {
        self.io.get_ref().broadcast()
    }

    /// Sets the value of the `SO_BINDTODEVICE` option on this socket.
    ///
    /// If a socket is bound to an interface, only packets received from that
    /// particular interface are processed by the socket. Note that this only
    /// works for some socket types, particularly `AF_INET` sockets.
    ///
    /// If `interface` is `None` or an empty string it removes the binding.
    /// Binding may need `CAP_NET_RAW`; without it the call fails with
    /// `PermissionDenied`.
    pub fn bind_device(&self, interface: Option<&[u8]>) -> io::Result<()> {
        sys::bind_device(self.io.get_ref().as_fd(), interface)
    }

    /// Gets the value of the `SO_BINDTODEVICE` option on this socket: the
    /// interface it is bound to, if any.
    pub fn device(&self) -> io::Result<Option<Vec<u8>>> {
        sys::device(self.io.get_ref().as_fd())
    }

    /// Sets the value of the `SO_BROADCAST` option for this socket.
    pub fn set_broadcast(&self, on: bool) -> io::Result<()> {
        self.io.get_ref().set_broadcast(on)
    }

    /// Gets the value of the `IP_MULTICAST_LOOP` option for this socket.
    pub fn multicast_loop_v4(&self) -> io::Result<bool> {
        self.io.get_ref().multicast_loop_v4()
    }

    /// Sets the value of the `IP_MULTICAST_LOOP` option for this socket.
    pub fn set_multicast_loop_v4(&self, on: bool) -> io::Result<()> {
        self.io.get_ref().set_multicast_loop_v4(on)
    }

    /// Gets the value of the `IP_MULTICAST_TTL` option for this socket.
    pub fn multicast_ttl_v4(&self) -> io::Result<u32> {
        self.io.get_ref().multicast_ttl_v4()
    }

    /// Sets the value of the `IP_MULTICAST_TTL` option for this socket.
    pub fn set_multicast_ttl_v4(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_multicast_ttl_v4(ttl)
    }

    /// Gets the value of the `IPV6_MULTICAST_LOOP` option for this socket.
    pub fn multicast_loop_v6(&self) -> io::Result<bool> {
        self.io.get_ref().multicast_loop_v6()
    }

    /// Sets the value of the `IPV6_MULTICAST_LOOP` option for this socket.
    pub fn set_multicast_loop_v6(&self, on: bool) -> io::Result<()> {
        self.io.get_ref().set_multicast_loop_v6(on)
    }

    /// Gets the value of the `IP_TTL` option for this socket.
    pub fn ttl(&self) -> io::Result<u32> {
        self.io.get_ref().ttl()
    }

    /// Sets the value for the `IP_TTL` option on this socket.
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_ttl(ttl)
    }

    /// Gets the value of the `IP_TOS` option (the type-of-service field of
    /// the packets this IPv4 socket sends).
    #[cfg(target_os = "linux")]
    pub fn tos_v4(&self) -> io::Result<u32> {
        Ok(crate::net::sys::get_int(self.as_fd(), libc::IPPROTO_IP, libc::IP_TOS)?.max(0) as u32)
    }

    /// Sets the value of the `IP_TOS` option.
    #[cfg(target_os = "linux")]
    pub fn set_tos_v4(&self, tos: u32) -> io::Result<()> {
        let tos = libc::c_int::try_from(tos).unwrap_or(libc::c_int::MAX);
        crate::net::sys::set_int(self.as_fd(), libc::IPPROTO_IP, libc::IP_TOS, tos)
    }

    /// Gets the value of the `IP_TOS` option; renamed [`tos_v4`](Self::tos_v4).
    #[cfg(target_os = "linux")]
    #[deprecated(note = "`tos` related methods have been renamed `tos_v4` since they are IPv4-specific.")]
    #[doc(hidden)]
    pub fn tos(&self) -> io::Result<u32> {
        self.tos_v4()
    }

    /// Sets the value of the `IP_TOS` option; renamed
    /// [`set_tos_v4`](Self::set_tos_v4).
    #[cfg(target_os = "linux")]
    #[deprecated(note = "`tos` related methods have been renamed `tos_v4` since they are IPv4-specific.")]
    #[doc(hidden)]
    pub fn set_tos(&self, tos: u32) -> io::Result<()> {
        self.set_tos_v4(tos)
    }

    /// Gets the value of the `IPV6_TCLASS` option (the traffic class of the
    /// packets this IPv6 socket sends).
    #[cfg(target_os = "linux")]
    pub fn tclass_v6(&self) -> io::Result<u32> {
        Ok(crate::net::sys::get_int(self.as_fd(), libc::IPPROTO_IPV6, libc::IPV6_TCLASS)?.max(0) as u32)
    }

    /// Sets the value of the `IPV6_TCLASS` option.
    #[cfg(target_os = "linux")]
    pub fn set_tclass_v6(&self, tclass: u32) -> io::Result<()> {
        let tclass = libc::c_int::try_from(tclass).unwrap_or(libc::c_int::MAX);
        crate::net::sys::set_int(self.as_fd(), libc::IPPROTO_IPV6, libc::IPV6_TCLASS, tclass)
    }

    /// Joins an IPv4 multicast group.
    pub fn join_multicast_v4(&self, multiaddr: Ipv4Addr, interface: Ipv4Addr) -> io::Result<()> {
        self.io.get_ref().join_multicast_v4(&multiaddr, &interface)
    }

    /// Joins an IPv6 multicast group.
    pub fn join_multicast_v6(&self, multiaddr: &Ipv6Addr, interface: u32) -> io::Result<()> {
        self.io.get_ref().join_multicast_v6(multiaddr, interface)
    }

    /// Leaves an IPv4 multicast group.
    pub fn leave_multicast_v4(&self, multiaddr: Ipv4Addr, interface: Ipv4Addr) -> io::Result<()> {
        self.io.get_ref().leave_multicast_v4(&multiaddr, &interface)
    }

    /// Leaves an IPv6 multicast group.
    pub fn leave_multicast_v6(&self, multiaddr: &Ipv6Addr, interface: u32) -> io::Result<()> {
        self.io.get_ref().leave_multicast_v6(multiaddr, interface)
    }

    /// Returns the value of the `SO_ERROR` option.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.io.get_ref().take_error()
    }
}

impl fmt::Debug for UdpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.io.get_ref().fmt(f)
    }
}

impl TryFrom<std::net::UdpSocket> for UdpSocket {
    type Error = io::Error;

    /// Consumes `socket`, as [`UdpSocket::from_std`] does.
    fn try_from(socket: std::net::UdpSocket) -> io::Result<UdpSocket> {
        UdpSocket::from_std(socket)
    }
}

impl AsRawFd for UdpSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.io.get_ref().as_raw_fd()
    }
}

impl AsFd for UdpSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.get_ref().as_fd()
    }
}
