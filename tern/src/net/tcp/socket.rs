//! `TcpSocket`: a TCP socket to configure before it connects or listens.

use crate::net::sys;
use crate::net::{TcpListener, TcpStream};
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};
use std::time::Duration;

/// A TCP socket that has not yet been converted to a [`TcpStream`] or
/// [`TcpListener`].
///
/// `TcpSocket` sets socket options (`SO_REUSEADDR`, buffer sizes...) that
/// must be in place before `bind`, `connect` or `listen`. It is created
/// non-blocking and close-on-exec. [`TcpStream::connect`] and
/// [`TcpListener::bind`] cover the common cases without it.
///
/// Available on Linux only in tern.
///
/// # Examples
///
/// ```
/// use tern::net::{TcpSocket, TcpStream};
///
/// # tern::runtime::Runtime::new().unwrap().block_on(async {
/// let socket = TcpSocket::new_v4().unwrap();
/// socket.set_reuseaddr(true).unwrap();
/// socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
/// let listener = socket.listen(1024).unwrap();
///
/// let client = TcpSocket::new_v4().unwrap();
/// let stream: TcpStream = client.connect(listener.local_addr().unwrap()).await.unwrap();
/// let (_server_side, peer) = listener.accept().await.unwrap();
/// assert_eq!(peer, stream.local_addr().unwrap());
/// # });
/// ```
pub struct TcpSocket {
    inner: OwnedFd,
}

impl TcpSocket {
    /// Creates a new socket configured for IPv4 (`AF_INET`).
    pub fn new_v4() -> io::Result<TcpSocket> {
        Ok(TcpSocket { inner: sys::tcp_socket(libc::AF_INET)? })
    }

    /// Creates a new socket configured for IPv6 (`AF_INET6`).
    pub fn new_v6() -> io::Result<TcpSocket> {
        Ok(TcpSocket { inner: sys::tcp_socket(libc::AF_INET6)? })
    }

    fn set_flag(&self, level: libc::c_int, name: libc::c_int, on: bool) -> io::Result<()> {
        sys::set_int(self.inner.as_fd(), level, name, on.into())
    }

    fn flag(&self, level: libc::c_int, name: libc::c_int) -> io::Result<bool> {
        Ok(sys::get_int(self.inner.as_fd(), level, name)? != 0)
    }

    fn set_u32(&self, level: libc::c_int, name: libc::c_int, val: u32) -> io::Result<()> {
        let val = libc::c_int::try_from(val).unwrap_or(libc::c_int::MAX);
        sys::set_int(self.inner.as_fd(), level, name, val)
    }

    fn get_u32(&self, level: libc::c_int, name: libc::c_int) -> io::Result<u32> {
        Ok(sys::get_int(self.inner.as_fd(), level, name)?.max(0) as u32)
    }

    /// Sets the value of the `SO_KEEPALIVE` option on this socket.
    pub fn set_keepalive(&self, keepalive: bool) -> io::Result<()> {
        self.set_flag(libc::SOL_SOCKET, libc::SO_KEEPALIVE, keepalive)
    }

    /// Gets the value of the `SO_KEEPALIVE` option on this socket.
    pub fn keepalive(&self) -> io::Result<bool> {
        self.flag(libc::SOL_SOCKET, libc::SO_KEEPALIVE)
    }

    /// Allows the socket to bind to an in-use address (`SO_REUSEADDR`):
    /// typically a listener restarting while old connections to its port
    /// are in `TIME_WAIT`.
    pub fn set_reuseaddr(&self, reuseaddr: bool) -> io::Result<()> {
        self.set_flag(libc::SOL_SOCKET, libc::SO_REUSEADDR, reuseaddr)
    }

    /// Retrieves the value set for `SO_REUSEADDR` on this socket.
    pub fn reuseaddr(&self) -> io::Result<bool> {
        self.flag(libc::SOL_SOCKET, libc::SO_REUSEADDR)
    }

    /// Allows several sockets of this user to bind the same address and
    /// port (`SO_REUSEPORT`); the kernel spreads incoming connections
    /// between the listeners.
    pub fn set_reuseport(&self, reuseport: bool) -> io::Result<()> {
        self.set_flag(libc::SOL_SOCKET, libc::SO_REUSEPORT, reuseport)
    }

    /// Retrieves the value set for `SO_REUSEPORT` on this socket.
    pub fn reuseport(&self) -> io::Result<bool> {
        self.flag(libc::SOL_SOCKET, libc::SO_REUSEPORT)
    }

    /// Sets the size of the TCP send buffer on this socket (`SO_SNDBUF`).
    pub fn set_send_buffer_size(&self, size: u32) -> io::Result<()> {
        self.set_u32(libc::SOL_SOCKET, libc::SO_SNDBUF, size)
    }

    /// Returns the size of the TCP send buffer for this socket
    /// (`SO_SNDBUF`).
    ///
    /// This may differ from what [`set_send_buffer_size`] set: the kernel
    /// clamps the value to its limits, and Linux doubles it (for its own
    /// bookkeeping) and reports the doubled value.
    ///
    /// [`set_send_buffer_size`]: Self::set_send_buffer_size
    pub fn send_buffer_size(&self) -> io::Result<u32> {
        self.get_u32(libc::SOL_SOCKET, libc::SO_SNDBUF)
    }

    /// Sets the size of the TCP receive buffer on this socket
    /// (`SO_RCVBUF`).
    pub fn set_recv_buffer_size(&self, size: u32) -> io::Result<()> {
        self.set_u32(libc::SOL_SOCKET, libc::SO_RCVBUF, size)
    }

    /// Returns the size of the TCP receive buffer for this socket
    /// (`SO_RCVBUF`), clamped and (on Linux) doubled by the kernel as for
    /// [`send_buffer_size`](Self::send_buffer_size).
    pub fn recv_buffer_size(&self) -> io::Result<u32> {
        self.get_u32(libc::SOL_SOCKET, libc::SO_RCVBUF)
    }

    /// Sets the linger duration of this socket (the `SO_LINGER` option),
    /// in whole seconds.
    ///
    /// With a non-zero duration, closing the socket blocks the closing
    /// thread until unsent data is transmitted or the time runs out, which
    /// is never right on a runtime's thread: hence the deprecation (Tokio's
    /// too). See [`set_zero_linger`](Self::set_zero_linger).
    #[deprecated = "`SO_LINGER` causes the socket to block the thread on drop"]
    pub fn set_linger(&self, dur: Option<Duration>) -> io::Result<()> {
        sys::set_linger(self.inner.as_fd(), dur)
    }

    /// Sets a linger duration of zero: closing the socket aborts the
    /// connection with a `RST`, discarding unsent data and skipping
    /// `TIME_WAIT`.
    pub fn set_zero_linger(&self) -> io::Result<()> {
        sys::set_linger(self.inner.as_fd(), Some(Duration::ZERO))
    }

    /// Reads the linger duration of this socket (`SO_LINGER`).
    pub fn linger(&self) -> io::Result<Option<Duration>> {
        sys::linger(self.inner.as_fd())
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
        sys::bind_device(self.inner.as_fd(), interface)
    }

    /// Gets the value of the `SO_BINDTODEVICE` option on this socket: the
    /// interface it is bound to, if any.
    pub fn device(&self) -> io::Result<Option<Vec<u8>>> {
        sys::device(self.inner.as_fd())
    }

    /// Sets the value of the `TCP_NODELAY` option: when set, segments are
    /// sent as soon as possible (Nagle's algorithm is off).
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.set_flag(libc::IPPROTO_TCP, libc::TCP_NODELAY, nodelay)
    }

    /// Gets the value of the `TCP_NODELAY` option on this socket.
    pub fn nodelay(&self) -> io::Result<bool> {
        self.flag(libc::IPPROTO_TCP, libc::TCP_NODELAY)
    }

    /// Gets the value of the `IPV6_TCLASS` option (the traffic class of
    /// the packets this IPv6 socket sends).
    pub fn tclass_v6(&self) -> io::Result<u32> {
        self.get_u32(libc::IPPROTO_IPV6, libc::IPV6_TCLASS)
    }

    /// Sets the value of the `IPV6_TCLASS` option.
    pub fn set_tclass_v6(&self, tclass: u32) -> io::Result<()> {
        self.set_u32(libc::IPPROTO_IPV6, libc::IPV6_TCLASS, tclass)
    }

    /// Gets the value of the `IP_TOS` option (the type-of-service field of
    /// the packets this IPv4 socket sends).
    pub fn tos_v4(&self) -> io::Result<u32> {
        self.get_u32(libc::IPPROTO_IP, libc::IP_TOS)
    }

    /// Sets the value of the `IP_TOS` option.
    pub fn set_tos_v4(&self, tos: u32) -> io::Result<()> {
        self.set_u32(libc::IPPROTO_IP, libc::IP_TOS, tos)
    }

    /// Gets the value of the `IP_TOS` option; renamed [`tos_v4`](Self::tos_v4).
    #[deprecated(note = "`tos` related methods have been renamed `tos_v4` since they are IPv4-specific.")]
    #[doc(hidden)]
    pub fn tos(&self) -> io::Result<u32> {
        self.tos_v4()
    }

    /// Sets the value of the `IP_TOS` option; renamed
    /// [`set_tos_v4`](Self::set_tos_v4).
    #[deprecated(note = "`tos` related methods have been renamed `tos_v4` since they are IPv4-specific.")]
    #[doc(hidden)]
    pub fn set_tos(&self, tos: u32) -> io::Result<()> {
        self.set_tos_v4(tos)
    }

    /// Gets the local address of this socket (after `bind`, or the address
    /// the OS picked).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        sys::local_addr(self.inner.as_fd())
    }

    /// Returns the value of the `SO_ERROR` option (and clears it).
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        sys::take_error(self.inner.as_fd())
    }

    /// Binds the socket to `addr`. Port 0 asks the OS for a free port.
    pub fn bind(&self, addr: SocketAddr) -> io::Result<()> {
        sys::bind(self.inner.as_fd(), &addr)
    }

    /// Establishes a TCP connection with a peer at `addr`, consuming the
    /// socket. A refused connection is an `io::ErrorKind::ConnectionRefused`
    /// error.
    ///
    /// # Panics
    ///
    /// Outside of a runtime with the I/O driver enabled.
    pub async fn connect(self, addr: SocketAddr) -> io::Result<TcpStream> {
        sys::start_connect(self.inner.as_fd(), &addr)?;
        TcpStream::connect_mio(mio::net::TcpStream::from(self.inner)).await
    }

    /// Converts the socket into a [`TcpListener`], with room for `backlog`
    /// connections waiting to be accepted (the OS may clamp it).
    ///
    /// # Panics
    ///
    /// Outside of a runtime with the I/O driver enabled.
    pub fn listen(self, backlog: u32) -> io::Result<TcpListener> {
        sys::listen(self.inner.as_fd(), backlog)?;
        TcpListener::new(mio::net::TcpListener::from(self.inner))
    }

    /// Converts a `std::net::TcpStream` into a `TcpSocket`; the socket must
    /// not be connected yet. Typically used with crates such as `socket2`
    /// to set options `TcpSocket` does not have. The caller makes sure the
    /// socket is in non-blocking mode.
    pub fn from_std_stream(std_stream: std::net::TcpStream) -> TcpSocket {
        TcpSocket { inner: OwnedFd::from(std_stream) }
    }
}

impl fmt::Debug for TcpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpSocket").field("fd", &self.inner.as_raw_fd()).finish()
    }
}

impl AsRawFd for TcpSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.inner.as_raw_fd()
    }
}

impl AsFd for TcpSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.inner.as_fd()
    }
}

impl FromRawFd for TcpSocket {
    /// Takes ownership of `fd`, which should be a TCP socket in
    /// non-blocking mode.
    ///
    /// # Safety
    ///
    /// `fd` must be an open socket descriptor that nothing else owns (it
    /// is closed when the `TcpSocket` is dropped).
    unsafe fn from_raw_fd(fd: RawFd) -> TcpSocket {
        // SAFETY: the caller guarantees `fd` is open and owned by no one
        // else, which is `OwnedFd::from_raw_fd`'s contract.
        TcpSocket { inner: unsafe { OwnedFd::from_raw_fd(fd) } }
    }
}

impl IntoRawFd for TcpSocket {
    fn into_raw_fd(self) -> RawFd {
        self.inner.into_raw_fd()
    }
}
