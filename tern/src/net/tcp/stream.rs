//! `TcpStream`.

use crate::io::driver::Direction;
use crate::io::poll_evented::PollEvented;
use crate::io::{AsyncRead, AsyncWrite, Interest, ReadBuf, Ready};
use crate::net::addr::{no_address, to_socket_addrs};
use crate::net::tcp::{split, split_owned, OwnedReadHalf, OwnedWriteHalf, ReadHalf, WriteHalf};
use crate::net::ToSocketAddrs;
use std::fmt;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::pin::Pin;
use std::task::{ready, Context, Poll};
#[cfg(target_os = "linux")]
use std::time::Duration;

/// A TCP stream between a local and a remote socket.
///
/// Read and write with [`AsyncReadExt`](crate::io::AsyncReadExt) and
/// [`AsyncWriteExt`](crate::io::AsyncWriteExt). Dropping the stream closes
/// it; [`shutdown`](crate::io::AsyncWriteExt::shutdown) closes only the
/// write side.
///
/// # Examples
///
/// ```
/// use tern::io::{AsyncReadExt, AsyncWriteExt};
/// use tern::net::{TcpListener, TcpStream};
///
/// # tern::runtime::Runtime::new().unwrap().block_on(async {
/// let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
/// let mut client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
/// let (mut server, _) = listener.accept().await.unwrap();
///
/// client.write_all(b"hello").await.unwrap();
/// let mut buf = [0u8; 5];
/// server.read_exact(&mut buf).await.unwrap();
/// assert_eq!(&buf, b"hello");
/// # });
/// ```
pub struct TcpStream {
    io: PollEvented<mio::net::TcpStream>,
}

impl TcpStream {
    #[track_caller]
    pub(crate) fn new_accepted(stream: mio::net::TcpStream) -> io::Result<TcpStream> {
        Ok(TcpStream { io: PollEvented::new_accepted(stream)? })
    }

    #[track_caller]
    pub(crate) fn new(stream: mio::net::TcpStream) -> io::Result<TcpStream> {
        Ok(TcpStream { io: PollEvented::new(stream)? })
    }

    /// Opens a TCP connection to a remote host: the first address of
    /// `addr` that connects. A host name is resolved on the blocking pool;
    /// literal addresses are used as they are. If every address fails, the
    /// last error is returned (a refused connection is
    /// `io::ErrorKind::ConnectionRefused`).
    ///
    /// # Panics
    ///
    /// Outside of a runtime with the I/O driver enabled.
    pub async fn connect<A: ToSocketAddrs>(addr: A) -> io::Result<TcpStream> {
        let mut last = None;
        for a in to_socket_addrs(addr).await? {
            match TcpStream::connect_addr(a).await {
                Ok(s) => return Ok(s),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(no_address))
    }

    async fn connect_addr(addr: SocketAddr) -> io::Result<TcpStream> {
        TcpStream::connect_mio(mio::net::TcpStream::connect(addr)?).await
    }

    /// Registers a socket whose non-blocking `connect` was started and
    /// waits for the outcome.
    pub(crate) async fn connect_mio(stream: mio::net::TcpStream) -> io::Result<TcpStream> {
        let stream = TcpStream::new(stream)?;
        // Connected (or failed) once writable.
        stream.io.readiness(Interest::WRITABLE).await?;
        if let Some(e) = stream.io.get_ref().take_error()? {
            return Err(e);
        }
        match stream.io.get_ref().peer_addr() {
            Ok(_) => Ok(stream),
            Err(e) if e.kind() == io::ErrorKind::NotConnected => Err(stream
                .io
                .get_ref()
                .take_error()?
                .unwrap_or_else(|| io::ErrorKind::ConnectionRefused.into())),
            Err(e) => Err(e),
        }
    }

    /// Creates new `TcpStream` from a `std::net::TcpStream` (switched to
    /// non-blocking mode here).
    ///
    /// # Panics
    ///
    /// Outside of a runtime with the I/O driver enabled.
    #[track_caller]
    pub fn from_std(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        stream.set_nonblocking(true)?;
        TcpStream::new(mio::net::TcpStream::from_std(stream))
    }

    /// Turns this stream into a `std::net::TcpStream`, deregistered from
    /// the runtime.
    ///
    /// The returned stream is still in non-blocking mode; use
    /// `set_nonblocking(false)` if needed.
    pub fn into_std(self) -> io::Result<std::net::TcpStream> {
        Ok(self.io.into_inner()?.into())
    }

    /// Returns the local address that this stream is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// Returns the value of the `SO_ERROR` option (and clears it).
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.io.get_ref().take_error()
    }

    /// Returns the remote address that this stream is connected to.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// Attempts to receive data into `buf` without removing it from the
    /// queue, registering the current task for wakeup if none is available.
    /// Returns the number of bytes peeked (also added to `buf`'s filled
    /// part). Only the waker of the most recent call is kept.
    pub fn poll_peek(&self, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<usize>> {
        let n = ready!(self.io.poll_io(cx, Direction::Read, |s| s.peek(buf.initialize_unfilled())))?;
        buf.advance(n);
        Poll::Ready(Ok(n))
    }

    /// Waits for any of the requested readiness and returns what was found.
    ///
    /// Any number of tasks may wait at once. The result may be a false
    /// positive (the next `try_*` call returns `WouldBlock`); readiness is
    /// cleared only by an operation that returns `WouldBlock`.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use tern::io::Interest;
    /// # async fn run(socket: &tern::net::TcpStream) -> std::io::Result<()> {
    /// let ready = socket.ready(Interest::READABLE | Interest::WRITABLE).await?;
    /// if ready.is_readable() {
    ///     // try_read...
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        let ev = self.io.readiness(interest).await?;
        Ok(ev.ready_for(interest))
    }

    /// Waits for the socket to become readable (usually followed by
    /// [`try_read`](Self::try_read)).
    pub async fn readable(&self) -> io::Result<()> {
        self.io.readiness(Interest::READABLE).await.map(drop)
    }

    /// Polls for read readiness. Only the waker of the last call is kept
    /// (use [`Self::readable`] for several waiters).
    pub fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(cx, Direction::Read).map_ok(drop)
    }

    /// Tries to read data from the stream into `buf` without waiting:
    /// `WouldBlock` if no data is ready, `Ok(0)` at the end of the stream.
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.try_io(Direction::Read, |mut s| s.read(buf))
    }

    /// Like [`try_read`](Self::try_read), scattering the data into `bufs`.
    pub fn try_read_vectored(&self, bufs: &mut [io::IoSliceMut<'_>]) -> io::Result<usize> {
        self.io.try_io(Direction::Read, |mut s| s.read_vectored(bufs))
    }

    /// Like [`try_read`](Self::try_read), appending to `buf` (a
    /// `bytes::BufMut`) and advancing it.
    pub fn try_read_buf<B: bytes::BufMut>(&self, buf: &mut B) -> io::Result<usize> {
        // SAFETY: `recv(2)` initializes the count it returns.
        let recv = |s: &_| unsafe {
            crate::net::recv_into_buf_mut(buf, |b| Ok((crate::net::sys::recv_uninit(AsFd::as_fd(s), b)?, ())))
        };
        self.io.try_io(Direction::Read, recv).map(|(n, ())| n)
    }

    /// Waits for the socket to become writable (usually followed by
    /// [`try_write`](Self::try_write)).
    pub async fn writable(&self) -> io::Result<()> {
        self.io.readiness(Interest::WRITABLE).await.map(drop)
    }

    /// Polls for write readiness. Only the waker of the last call is kept
    /// (use [`Self::writable`] for several waiters).
    pub fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(cx, Direction::Write).map_ok(drop)
    }

    /// Tries to write `buf` to the stream without waiting: `WouldBlock` if
    /// the socket is not writable.
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.try_io(Direction::Write, |mut s| s.write(buf))
    }

    /// Like [`try_write`](Self::try_write), gathering the data from `bufs`.
    pub fn try_write_vectored(&self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        self.io.try_io(Direction::Write, |mut s| s.write_vectored(bufs))
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

    /// Receives data on the socket from the remote address to which it is
    /// connected, without removing that data from the queue. Successive
    /// calls return the same data.
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.async_io(Interest::READABLE, || self.io.get_ref().peek(buf)).await
    }

    /// Gets the value of the `TCP_NODELAY` option on this socket.
    pub fn nodelay(&self) -> io::Result<bool> {
        self.io.get_ref().nodelay()
    }

    /// Sets the value of the `TCP_NODELAY` option on this socket: when set,
    /// segments are sent as soon as possible (Nagle's algorithm is off).
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.io.get_ref().set_nodelay(nodelay)
    }

    /// Gets the value of the `TCP_QUICKACK` option on this socket.
    #[cfg(target_os = "linux")]
    pub fn quickack(&self) -> io::Result<bool> {
        Ok(crate::net::sys::get_int(self.as_fd(), libc::IPPROTO_TCP, libc::TCP_QUICKACK)? != 0)
    }

    /// Enables or disables `TCP_QUICKACK`: Linux then sends `ACK`s eagerly
    /// instead of delaying them (it may reset the flag later on its own).
    #[cfg(target_os = "linux")]
    pub fn set_quickack(&self, quickack: bool) -> io::Result<()> {
        crate::net::sys::set_int(self.as_fd(), libc::IPPROTO_TCP, libc::TCP_QUICKACK, quickack.into())
    }

    /// Reads the linger duration of this socket (the `SO_LINGER` option).
    #[cfg(target_os = "linux")]
    pub fn linger(&self) -> io::Result<Option<Duration>> {
        crate::net::sys::linger(self.as_fd())
    }

    /// Sets the linger duration of this socket (the `SO_LINGER` option),
    /// in whole seconds.
    ///
    /// With a non-zero duration, closing the socket blocks the closing
    /// thread until the unsent data is transmitted or the time runs out,
    /// which is never right on a runtime's thread: hence the deprecation
    /// (Tokio's too). A zero duration does not block; see
    /// [`set_zero_linger`](Self::set_zero_linger).
    ///
    /// # Examples
    ///
    /// ```
    /// # #![allow(deprecated)]
    /// # tern::runtime::Runtime::new().unwrap().block_on(async {
    /// # let listener = tern::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// let stream = tern::net::TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    /// stream.set_linger(None).unwrap();
    /// assert_eq!(stream.linger().unwrap(), None);
    /// # });
    /// ```
    #[cfg(target_os = "linux")]
    #[deprecated = "`SO_LINGER` causes the socket to block the thread on drop"]
    pub fn set_linger(&self, dur: Option<Duration>) -> io::Result<()> {
        crate::net::sys::set_linger(self.as_fd(), dur)
    }

    /// Sets a linger duration of zero: closing the socket then aborts the
    /// connection with a `RST` (discarding unsent data, skipping
    /// `TIME_WAIT`) instead of the normal `FIN` handshake. The peer usually
    /// sees a "connection reset" error.
    #[cfg(target_os = "linux")]
    pub fn set_zero_linger(&self) -> io::Result<()> {
        crate::net::sys::set_linger(self.as_fd(), Some(Duration::ZERO))
    }

    /// Gets the value of the `IP_TTL` option for this socket.
    pub fn ttl(&self) -> io::Result<u32> {
        self.io.get_ref().ttl()
    }

    /// Sets the value for the `IP_TTL` option on this socket.
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_ttl(ttl)
    }

    /// Splits the stream into a borrowed read half and write half, usable
    /// concurrently (for instance in two futures of one task). Cheaper
    /// than [`into_split`](Self::into_split), but the halves cannot move to
    /// other tasks. `WriteHalf::poll_shutdown` shuts down the write side.
    pub fn split(&mut self) -> (ReadHalf<'_>, WriteHalf<'_>) {
        split::split(self)
    }

    /// Splits the stream into owned read and write halves, which can be
    /// moved to different tasks and put back together with
    /// [`OwnedReadHalf::reunite`]. Dropping the write half shuts down the
    /// write side (unless [`OwnedWriteHalf::forget`] is used).
    pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        split_owned::split_owned(self)
    }

    pub(crate) fn poll_read_priv(&self, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        self.io.poll_read(cx, buf)
    }

    pub(crate) fn poll_write_priv(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.io.poll_write(cx, buf)
    }

    pub(crate) fn poll_write_vectored_priv(
        &self,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.io.poll_write_vectored(cx, bufs)
    }

    /// Shuts down the write side. A connection that is already gone
    /// (`NotConnected`: the peer reset it, or the OS tore it down) counts
    /// as shut down, as in Tokio 1.54: whether the error shows depends on
    /// the OS and on a race with the peer.
    pub(crate) fn shutdown_write(&self) -> io::Result<()> {
        match self.io.get_ref().shutdown(Shutdown::Write) {
            Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(()),
            res => res,
        }
    }
}

impl AsyncRead for TcpStream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        self.poll_read_priv(cx, buf)
    }
}

impl AsyncWrite for TcpStream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.poll_write_priv(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_vectored_priv(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.shutdown_write())
    }
}

impl TryFrom<std::net::TcpStream> for TcpStream {
    type Error = io::Error;

    /// Consumes `stream`, as [`TcpStream::from_std`] does.
    fn try_from(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        TcpStream::from_std(stream)
    }
}

impl fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.io.get_ref().fmt(f)
    }
}

impl AsRef<Self> for TcpStream {
    fn as_ref(&self) -> &Self {
        self
    }
}

impl AsRawFd for TcpStream {
    fn as_raw_fd(&self) -> RawFd {
        self.io.get_ref().as_raw_fd()
    }
}

impl AsFd for TcpStream {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.get_ref().as_fd()
    }
}

#[cfg(all(test, not(tern_loom)))]
mod tests {
    use super::*;
    use crate::io::AsyncReadExt;
    use crate::net::TcpListener;

    #[test]
    fn connect_drop_cycles_leave_no_registration_behind() {
        let rt = crate::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let io = rt.handle().inner.io_handle().unwrap().clone();
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            for _ in 0..10_000 {
                let c = TcpStream::connect(addr).await.unwrap();
                let (s, _) = listener.accept().await.unwrap();
                // A pending read on `s`, dropped with its task.
                let reader = crate::spawn(async move {
                    let mut s = s;
                    let mut buf = [0u8; 1];
                    let _ = s.read(&mut buf).await;
                });
                crate::task::yield_now().await;
                reader.abort();
                let _ = reader.await;
                drop(c);
            }
            assert_eq!(io.num_registrations(), 1, "only the listener is left");
            drop(listener);
            assert_eq!(io.num_registrations(), 0);
        });
    }

    #[test]
    fn accepted_connection_joins_epoll_set_only_when_a_task_waits() {
        use crate::io::AsyncWriteExt;
        let rt = crate::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let io = rt.handle().inner.io_handle().unwrap().clone();
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();

            // Served and closed without waiting: never added.
            let mut c = TcpStream::connect(addr).await.unwrap();
            c.write_all(b"ping").await.unwrap();
            let (mut s, _) = listener.accept().await.unwrap();
            let before = io.epoll_adds();
            let mut buf = [0u8; 4];
            s.read_exact(&mut buf).await.unwrap();
            s.write_all(b"pong").await.unwrap();
            c.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"pong");
            drop(s);
            assert_eq!(io.epoll_adds(), before, "nothing waited on the accepted stream");
            assert_eq!(c.read(&mut buf).await.unwrap(), 0);

            // A read that has to wait adds it, once, and is woken by data
            // that arrives afterwards.
            let mut c = TcpStream::connect(addr).await.unwrap();
            let (mut s, _) = listener.accept().await.unwrap();
            let before = io.epoll_adds();
            let reader = crate::spawn(async move {
                let mut buf = [0u8; 5];
                s.read_exact(&mut buf).await.unwrap();
                let mut more = [0u8; 1];
                s.read_exact(&mut more).await.unwrap();
                (buf, more)
            });
            crate::task::yield_now().await;
            assert_eq!(io.epoll_adds(), before + 1, "the waiting read added the stream");
            c.write_all(b"hello").await.unwrap();
            crate::task::yield_now().await;
            c.write_all(b"!").await.unwrap();
            let got = crate::time::timeout(std::time::Duration::from_secs(10), reader)
                .await
                .expect("the waiting read was never woken");
            assert_eq!(got.unwrap(), (*b"hello", *b"!"));
            assert_eq!(io.epoll_adds(), before + 1, "added once");
        });
    }

    #[test]
    fn concurrent_first_waiters_on_an_accepted_stream_are_all_woken() {
        use crate::io::{AsyncWriteExt, Interest};
        use std::sync::Arc;
        let rt = crate::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            for round in 0..200u8 {
                let mut c = TcpStream::connect(addr).await.unwrap();
                let (s, _) = listener.accept().await.unwrap();
                // Learn that nothing is there yet: the assumed readiness
                // is cleared, so the waiters below really wait.
                let mut buf = [0u8; 1];
                assert_eq!(s.try_read(&mut buf).unwrap_err().kind(), io::ErrorKind::WouldBlock);
                let s = Arc::new(s);
                let waiters: Vec<_> = (0..3)
                    .map(|i| {
                        let s = s.clone();
                        crate::spawn(async move {
                            match i {
                                0 => s.readable().await.unwrap(),
                                1 => drop(s.ready(Interest::READABLE).await.unwrap()),
                                _ => std::future::poll_fn(|cx| s.poll_read_ready(cx)).await.unwrap(),
                            }
                        })
                    })
                    .collect();
                for _ in 0..3 {
                    crate::task::yield_now().await;
                }
                c.write_all(&[round]).await.unwrap();
                for w in waiters {
                    crate::time::timeout(std::time::Duration::from_secs(10), w)
                        .await
                        .expect("a waiter was never woken")
                        .unwrap();
                }
                let mut got = [0u8; 1];
                s.try_read(&mut got).unwrap();
                assert_eq!(got[0], round);
            }
        });
    }
}
