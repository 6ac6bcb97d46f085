//! `UnixStream`.

use crate::io::driver::Direction;
use crate::io::poll_evented::PollEvented;
use crate::io::{AsyncRead, AsyncWrite, Interest, ReadBuf, Ready};
use crate::net::unix::{socketaddr, split, split_owned, SocketAddr};
use crate::net::unix::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, WriteHalf};
use std::fmt;
use std::io::{self, Read, Write};
use std::net::Shutdown;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A stream between two local Unix-domain sockets.
///
/// Read and write with [`AsyncReadExt`](crate::io::AsyncReadExt) and
/// [`AsyncWriteExt`](crate::io::AsyncWriteExt).
///
/// # Examples
///
/// ```
/// use tern::io::{AsyncReadExt, AsyncWriteExt};
/// use tern::net::UnixStream;
///
/// # tern::runtime::Runtime::new().unwrap().block_on(async {
/// let (mut a, mut b) = UnixStream::pair().unwrap();
/// a.write_all(b"ping").await.unwrap();
/// let mut buf = [0u8; 4];
/// b.read_exact(&mut buf).await.unwrap();
/// assert_eq!(&buf, b"ping");
/// # });
/// ```
pub struct UnixStream {
    io: PollEvented<mio::net::UnixStream>,
}

impl UnixStream {
    #[track_caller]
    pub(crate) fn new_accepted(stream: mio::net::UnixStream) -> io::Result<UnixStream> {
        Ok(UnixStream { io: PollEvented::new_accepted(stream)? })
    }

    #[track_caller]
    pub(crate) fn new(stream: mio::net::UnixStream) -> io::Result<UnixStream> {
        Ok(UnixStream { io: PollEvented::new(stream)? })
    }

    /// Connects to the socket named by `path`. On Linux a path starting
    /// with a NUL byte names a socket in the abstract namespace.
    ///
    /// # Panics
    ///
    /// Outside of a runtime with the I/O driver enabled.
    pub async fn connect<P: AsRef<Path>>(path: P) -> io::Result<UnixStream> {
        let addr = SocketAddr(socketaddr::from_path(path.as_ref())?);
        UnixStream::connect_addr(&addr).await
    }

    /// Connects to the socket named by `socket_addr`.
    ///
    /// # Panics
    ///
    /// Outside of a runtime with the I/O driver enabled.
    pub async fn connect_addr(socket_addr: &SocketAddr) -> io::Result<UnixStream> {
        UnixStream::connect_mio(mio::net::UnixStream::connect_addr(&socket_addr.0)?).await
    }

    /// Registers a socket whose connect has started and waits for it to
    /// finish (writable, then `SO_ERROR`).
    pub(crate) async fn connect_mio(stream: mio::net::UnixStream) -> io::Result<UnixStream> {
        let stream = UnixStream::new(stream)?;
        stream.io.readiness(Interest::WRITABLE).await?;
        if let Some(e) = stream.io.get_ref().take_error()? {
            return Err(e);
        }
        Ok(stream)
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

    /// Creates new `UnixStream` from a `std::os::unix::net::UnixStream`
    /// (switched to non-blocking mode here).
    ///
    /// # Panics
    ///
    /// Outside of a runtime with the I/O driver enabled.
    #[track_caller]
    pub fn from_std(stream: std::os::unix::net::UnixStream) -> io::Result<UnixStream> {
        stream.set_nonblocking(true)?;
        UnixStream::new(mio::net::UnixStream::from_std(stream))
    }

    /// Turns this stream into a `std::os::unix::net::UnixStream`,
    /// deregistered from the runtime. It is still in non-blocking mode; use
    /// `set_nonblocking(false)` if needed.
    pub fn into_std(self) -> io::Result<std::os::unix::net::UnixStream> {
        Ok(self.io.into_inner()?.into())
    }

    /// Creates an unnamed pair of connected sockets.
    ///
    /// # Panics
    ///
    /// Outside of a runtime with the I/O driver enabled.
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        let (a, b) = mio::net::UnixStream::pair()?;
        // A fresh pair has empty buffers: writable at once (no wait for the
        // driver's first event), readable once the peer writes.
        let writable = |s| PollEvented::new_assumed_ready(s, crate::io::driver::scheduled_io::WRITABLE);
        Ok((UnixStream { io: writable(a)? }, UnixStream { io: writable(b)? }))
    }

    /// Returns the socket address of the local half of this connection.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr().map(SocketAddr)
    }

    /// Returns the socket address of the remote half of this connection.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr().map(SocketAddr)
    }

    /// Returns the effective credentials of the process that called
    /// `connect` or `pair` on the other end (`SO_PEERCRED`).
    #[cfg(target_os = "linux")]
    pub fn peer_cred(&self) -> io::Result<crate::net::unix::UCred> {
        crate::net::unix::ucred::peer_cred(self.as_fd())
    }

    /// Returns the value of the `SO_ERROR` option (and clears it).
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.io.get_ref().take_error()
    }

    /// Splits the stream into a borrowed read half and write half, usable
    /// concurrently (for instance in two futures of one task). Cheaper
    /// than [`into_split`](Self::into_split), but the halves cannot move to
    /// other tasks.
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

impl AsyncRead for UnixStream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        self.poll_read_priv(cx, buf)
    }
}

impl AsyncWrite for UnixStream {
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

impl TryFrom<std::os::unix::net::UnixStream> for UnixStream {
    type Error = io::Error;

    /// Consumes `stream`, as [`UnixStream::from_std`] does.
    fn try_from(stream: std::os::unix::net::UnixStream) -> io::Result<UnixStream> {
        UnixStream::from_std(stream)
    }
}

impl fmt::Debug for UnixStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.io.get_ref().fmt(f)
    }
}

impl AsRef<Self> for UnixStream {
    fn as_ref(&self) -> &Self {
        self
    }
}

impl AsRawFd for UnixStream {
    fn as_raw_fd(&self) -> RawFd {
        self.io.get_ref().as_raw_fd()
    }
}

impl AsFd for UnixStream {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.get_ref().as_fd()
    }
}
