//! Unix pipes and FIFOs on the I/O driver: [`pipe`], [`Sender`],
//! [`Receiver`] and [`OpenOptions`] (Tokio's `net::unix::pipe`).
//!
//! Both ends are registered for one direction only (a sender for
//! writability, a receiver for readability). A receiver whose writers are
//! all gone reads end of file (0 bytes); a sender whose readers are all
//! gone fails with `BrokenPipe`.

use crate::io::driver::Direction;
use crate::io::poll_evented::{FdSource, PollEvented};
use crate::io::{AsyncRead, AsyncWrite, Interest, ReadBuf, Ready};
use crate::net::sys;
use std::fs::File;
use std::io::{self, IoSlice, IoSliceMut, Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// One end of a pipe, as a mio source (registered by descriptor).
type PipeEnd = FdSource<File>;

/// Deregisters a pipe end and returns its descriptor, in blocking mode if
/// `blocking` (`into_blocking_fd`/`into_nonblocking_fd` of both ends).
fn into_fd(io: PollEvented<PipeEnd>, blocking: bool) -> io::Result<OwnedFd> {
    let fd: OwnedFd = io.into_inner()?.0.into();
    if blocking {
        set_nonblocking(fd.as_fd(), false)?;
    }
    Ok(fd)
}

/// Creates a new anonymous Unix pipe: bytes written to the [`Sender`]
/// come out of the [`Receiver`].
///
/// Both ends are non-blocking and close-on-exec.
///
/// # Panics
///
/// Outside of a runtime with the I/O driver enabled.
///
/// # Examples
///
/// ```
/// # tern::runtime::Runtime::new().unwrap().block_on(async {
/// use tern::io::{AsyncReadExt, AsyncWriteExt};
/// let (mut tx, mut rx) = tern::net::unix::pipe::pipe().unwrap();
/// tx.write_all(b"hello").await.unwrap();
/// drop(tx);
/// let mut got = String::new();
/// rx.read_to_string(&mut got).await.unwrap();
/// assert_eq!(got, "hello");
/// # });
/// ```
#[track_caller]
pub fn pipe() -> io::Result<(Sender, Receiver)> {
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: `fds` is valid for writes of two descriptors.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_NONBLOCK | libc::O_CLOEXEC) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `pipe2` succeeded: both descriptors are open and owned by
    // nothing else.
    let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    Ok((Sender::from_owned_fd_unchecked(write)?, Receiver::from_owned_fd_unchecked(read)?))
}

/// Options for opening a FIFO (named pipe) as a [`Sender`] or
/// [`Receiver`].
///
/// # Examples
///
/// ```
/// # tern::runtime::Runtime::new().unwrap().block_on(async {
/// use tern::net::unix::pipe;
/// let path = std::env::temp_dir().join(format!("tern-fifo-doc-{}", std::process::id()));
/// let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
/// // SAFETY: a valid NUL-terminated path.
/// assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
///
/// let rx = pipe::OpenOptions::new().open_receiver(&path).unwrap();
/// let tx = pipe::OpenOptions::new().open_sender(&path).unwrap();
/// tx.writable().await.unwrap();
/// assert_eq!(tx.try_write(b"hi").unwrap(), 2);
/// rx.readable().await.unwrap();
/// let mut buf = [0u8; 2];
/// assert_eq!(rx.try_read(&mut buf).unwrap(), 2);
/// std::fs::remove_file(&path).unwrap();
/// # });
/// ```
#[derive(Clone, Debug, Default)]
pub struct OpenOptions {
    read_write: bool,
    unchecked: bool,
}

#[derive(Clone, Copy)]
enum End {
    Sender,
    Receiver,
}

impl OpenOptions {
    /// Creates a blank set of options: both flags off.
    pub fn new() -> OpenOptions {
        OpenOptions::default()
    }

    /// Opens the FIFO for both reading and writing (`O_RDWR`, Linux).
    ///
    /// A sender opened this way does not fail with `ENXIO` when no reader
    /// has the FIFO open, and a receiver opened this way never reads end
    /// of file (it is itself a writer).
    pub fn read_write(&mut self, value: bool) -> &mut Self {
        self.read_write = value;
        self
    }

    /// Skips the check that the opened file is a FIFO.
    ///
    /// By default, opening anything else fails with `InvalidInput`. With
    /// this set, any file is accepted; registering one epoll cannot watch
    /// (a regular file) then fails instead.
    pub fn unchecked(&mut self, value: bool) -> &mut Self {
        self.unchecked = value;
        self
    }

    /// Opens the FIFO at `path` as a [`Receiver`].
    ///
    /// # Errors
    ///
    /// What `open(2)` reports, or `InvalidInput` if the file is not a FIFO
    /// (unless [`unchecked`](OpenOptions::unchecked)).
    ///
    /// # Panics
    ///
    /// Outside of a runtime with the I/O driver enabled.
    #[track_caller]
    pub fn open_receiver<P: AsRef<Path>>(&self, path: P) -> io::Result<Receiver> {
        let file = self.open(path.as_ref(), End::Receiver)?;
        Receiver::from_file_unchecked(file)
    }

    /// Opens the FIFO at `path` as a [`Sender`].
    ///
    /// # Errors
    ///
    /// What `open(2)` reports (the raw OS error `ENXIO` when no reader has
    /// the FIFO open, unless [`read_write`](OpenOptions::read_write)), or
    /// `InvalidInput` if the file is not a FIFO (unless
    /// [`unchecked`](OpenOptions::unchecked)).
    ///
    /// # Panics
    ///
    /// Outside of a runtime with the I/O driver enabled.
    #[track_caller]
    pub fn open_sender<P: AsRef<Path>>(&self, path: P) -> io::Result<Sender> {
        let file = self.open(path.as_ref(), End::Sender)?;
        Sender::from_file_unchecked(file)
    }

    fn open(&self, path: &Path, end: End) -> io::Result<File> {
        let file = std::fs::OpenOptions::new()
            .read(self.read_write || matches!(end, End::Receiver))
            .write(self.read_write || matches!(end, End::Sender))
            .custom_flags(libc::O_NONBLOCK)
            .open(path)?;
        if !self.unchecked && !is_fifo(file.as_fd())? {
            return Err(not_a_pipe());
        }
        Ok(file)
    }
}

fn not_a_pipe() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, "not a pipe")
}

fn is_fifo(fd: BorrowedFd<'_>) -> io::Result<bool> {
    Ok(File::from(fd.try_clone_to_owned()?).metadata()?.file_type().is_fifo())
}

fn get_flags(fd: BorrowedFd<'_>) -> io::Result<libc::c_int> {
    // SAFETY: `F_GETFL` takes no pointer; `fd` is open.
    let flags = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) };
    if flags < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(flags)
    }
}

fn set_nonblocking(fd: BorrowedFd<'_>, nonblocking: bool) -> io::Result<()> {
    let flags = get_flags(fd)?;
    let new = if nonblocking { flags | libc::O_NONBLOCK } else { flags & !libc::O_NONBLOCK };
    if new != flags {
        // SAFETY: `F_SETFL` takes an integer; `fd` is open.
        if unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETFL, new) } < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Checks `fd` is a pipe open for `end`'s direction and makes it
/// non-blocking (the checked constructors).
fn check(fd: BorrowedFd<'_>, end: End) -> io::Result<()> {
    if !is_fifo(fd)? {
        return Err(not_a_pipe());
    }
    let mode = get_flags(fd)? & libc::O_ACCMODE;
    let (ok, msg) = match end {
        End::Sender => {
            (mode == libc::O_WRONLY || mode == libc::O_RDWR, "not in O_WRONLY or O_RDWR access mode")
        }
        End::Receiver => {
            (mode == libc::O_RDONLY || mode == libc::O_RDWR, "not in O_RDONLY or O_RDWR access mode")
        }
    };
    if !ok {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, msg));
    }
    set_nonblocking(fd, true)
}

/// The writing end of a Unix pipe or FIFO.
///
/// From [`pipe`], [`OpenOptions::open_sender`] or the `from_*`
/// constructors. Writes fail with `BrokenPipe` once no reader is left.
pub struct Sender {
    io: PollEvented<PipeEnd>,
}

impl Sender {
    /// Creates a sender from a file open for writing (a FIFO or a pipe's
    /// write end), making it non-blocking.
    ///
    /// # Errors
    ///
    /// `InvalidInput` if it is not a pipe or not open for writing.
    ///
    /// # Panics
    ///
    /// Outside of a runtime with the I/O driver enabled.
    #[track_caller]
    pub fn from_file(file: File) -> io::Result<Sender> {
        Sender::from_owned_fd(file.into())
    }

    /// As [`from_file`](Sender::from_file), from an owned descriptor.
    #[track_caller]
    pub fn from_owned_fd(owned_fd: OwnedFd) -> io::Result<Sender> {
        check(owned_fd.as_fd(), End::Sender)?;
        Sender::from_owned_fd_unchecked(owned_fd)
    }

    /// Creates a sender from a file without checking that it is a pipe
    /// open for writing in non-blocking mode: the caller ensures it.
    #[track_caller]
    pub fn from_file_unchecked(file: File) -> io::Result<Sender> {
        Ok(Sender { io: PollEvented::new_with_interest(FdSource(file), Interest::WRITABLE)? })
    }

    /// As [`from_file_unchecked`](Sender::from_file_unchecked), from an
    /// owned descriptor.
    #[track_caller]
    pub fn from_owned_fd_unchecked(owned_fd: OwnedFd) -> io::Result<Sender> {
        Sender::from_file_unchecked(owned_fd.into())
    }

    /// Waits for any of the requested readiness (only writability and
    /// errors happen on a sender).
    pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        let ev = self.io.readiness(interest).await?;
        Ok(ev.ready_for(interest))
    }

    /// Waits until the pipe is writable (usually followed by
    /// [`try_write`](Sender::try_write)). May be a false positive.
    pub async fn writable(&self) -> io::Result<()> {
        self.io.readiness(Interest::WRITABLE).await.map(drop)
    }

    /// Polls for writability; only the last task to call this is woken.
    pub fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(cx, Direction::Write).map_ok(drop)
    }

    /// Writes what fits now, without waiting: `WouldBlock` if the pipe is
    /// full.
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.try_io(Direction::Write, |p| (&p.0).write(buf))
    }

    /// [`try_write`](Sender::try_write) from several buffers, in order.
    pub fn try_write_vectored(&self, buf: &[IoSlice<'_>]) -> io::Result<usize> {
        self.io.try_io(Direction::Write, |p| (&p.0).write_vectored(buf))
    }

    /// Tries a user-provided I/O operation on the pipe, for writing.
    ///
    /// If the pipe is ready for writing, `f` is called; it should perform
    /// the operation with a system call of its own and return
    /// `WouldBlock` only if that call failed because the pipe was not
    /// ready, which clears the readiness flag. `f`'s result is returned.
    /// If the pipe is not ready, `f` is not called and `WouldBlock` is
    /// returned.
    ///
    /// `f` should not use this type's own I/O methods: they manage the
    /// readiness flag themselves. Usually [`writable()`](Self::writable) or
    /// [`ready()`](Self::ready) comes first.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io;
    /// use std::os::fd::AsRawFd;
    /// use tern::net::unix::pipe;
    ///
    /// # #[tern::main(flavor = "current_thread")]
    /// # async fn main() -> io::Result<()> {
    /// let (tx, rx) = pipe::pipe()?;
    /// tx.writable().await?;
    /// let n = tx.try_io(|| {
    ///     // SAFETY: writes two bytes from a live buffer to an open descriptor.
    ///     let n = unsafe { libc::write(tx.as_raw_fd(), b"hi".as_ptr().cast(), 2) };
    ///     if n < 0 { Err(io::Error::last_os_error()) } else { Ok(n as usize) }
    /// })?;
    /// assert_eq!(n, 2);
    /// # drop(rx);
    /// # Ok(())
    /// # }
    /// ```
    pub fn try_io<R>(&self, f: impl FnOnce() -> io::Result<R>) -> io::Result<R> {
        self.io.try_io_interest(Interest::WRITABLE, f)
    }

    /// Deregisters the sender and returns its descriptor in blocking mode.
    pub fn into_blocking_fd(self) -> io::Result<OwnedFd> {
        into_fd(self.io, true)
    }

    /// Deregisters the sender and returns its descriptor, still
    /// non-blocking.
    pub fn into_nonblocking_fd(self) -> io::Result<OwnedFd> {
        into_fd(self.io, false)
    }
}

impl AsyncWrite for Sender {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.io.poll_io(cx, Direction::Write, |p| (&p.0).write(buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.io.poll_io(cx, Direction::Write, |p| (&p.0).write_vectored(bufs))
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

impl std::fmt::Debug for Sender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sender").field("fd", &self.as_raw_fd()).finish()
    }
}

impl AsRawFd for Sender {
    fn as_raw_fd(&self) -> RawFd {
        self.io.get_ref().0.as_raw_fd()
    }
}

impl AsFd for Sender {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.get_ref().0.as_fd()
    }
}

/// The reading end of a Unix pipe or FIFO.
///
/// From [`pipe`], [`OpenOptions::open_receiver`] or the `from_*`
/// constructors. Reads return 0 (end of file) once every writer is gone.
pub struct Receiver {
    io: PollEvented<PipeEnd>,
}

impl Receiver {
    /// Creates a receiver from a file open for reading (a FIFO or a pipe's
    /// read end), making it non-blocking.
    ///
    /// # Errors
    ///
    /// `InvalidInput` if it is not a pipe or not open for reading.
    ///
    /// # Panics
    ///
    /// Outside of a runtime with the I/O driver enabled.
    #[track_caller]
    pub fn from_file(file: File) -> io::Result<Receiver> {
        Receiver::from_owned_fd(file.into())
    }

    /// As [`from_file`](Receiver::from_file), from an owned descriptor.
    #[track_caller]
    pub fn from_owned_fd(owned_fd: OwnedFd) -> io::Result<Receiver> {
        check(owned_fd.as_fd(), End::Receiver)?;
        Receiver::from_owned_fd_unchecked(owned_fd)
    }

    /// Creates a receiver from a file without checking that it is a pipe
    /// open for reading in non-blocking mode: the caller ensures it.
    #[track_caller]
    pub fn from_file_unchecked(file: File) -> io::Result<Receiver> {
        Ok(Receiver { io: PollEvented::new_with_interest(FdSource(file), Interest::READABLE)? })
    }

    /// As [`from_file_unchecked`](Receiver::from_file_unchecked), from an
    /// owned descriptor.
    #[track_caller]
    pub fn from_owned_fd_unchecked(owned_fd: OwnedFd) -> io::Result<Receiver> {
        Receiver::from_file_unchecked(owned_fd.into())
    }

    /// Waits for any of the requested readiness (only readability, the
    /// writers' hang-up and errors happen on a receiver).
    pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        let ev = self.io.readiness(interest).await?;
        Ok(ev.ready_for(interest))
    }

    /// Waits until the pipe is readable (usually followed by
    /// [`try_read`](Receiver::try_read)). May be a false positive.
    pub async fn readable(&self) -> io::Result<()> {
        self.io.readiness(Interest::READABLE).await.map(drop)
    }

    /// Polls for readability; only the last task to call this is woken.
    pub fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(cx, Direction::Read).map_ok(drop)
    }

    /// Reads what is there now, without waiting: `WouldBlock` if the pipe
    /// is empty, `Ok(0)` once every writer is gone.
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.try_io(Direction::Read, |p| (&p.0).read(buf))
    }

    /// [`try_read`](Receiver::try_read) into several buffers, in order.
    pub fn try_read_vectored(&self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
        self.io.try_io(Direction::Read, |p| (&p.0).read_vectored(bufs))
    }

    /// [`try_read`](Receiver::try_read) into `buf`'s spare capacity
    /// (uninitialized memory is fine), advancing it by the count read.
    pub fn try_read_buf<B: bytes::BufMut>(&self, buf: &mut B) -> io::Result<usize> {
        // SAFETY: `read(2)` initializes the count it returns.
        let read = |p: &PipeEnd| unsafe {
            crate::net::recv_into_buf_mut(buf, |b| Ok((sys::read_uninit(p.0.as_fd(), b)?, ())))
        };
        self.io.try_io(Direction::Read, read).map(|(n, ())| n)
    }

    /// Tries a user-provided I/O operation on the pipe, for reading.
    ///
    /// If the pipe is ready for reading, `f` is called; it should perform
    /// the operation with a system call of its own and return
    /// `WouldBlock` only if that call failed because the pipe was not
    /// ready, which clears the readiness flag. `f`'s result is returned.
    /// If the pipe is not ready, `f` is not called and `WouldBlock` is
    /// returned.
    ///
    /// `f` should not use this type's own I/O methods: they manage the
    /// readiness flag themselves. Usually [`readable()`](Self::readable) or
    /// [`ready()`](Self::ready) comes first.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io;
    /// use std::os::fd::AsRawFd;
    /// use tern::net::unix::pipe;
    ///
    /// # #[tern::main(flavor = "current_thread")]
    /// # async fn main() -> io::Result<()> {
    /// let (tx, rx) = pipe::pipe()?;
    /// tx.writable().await?;
    /// tx.try_write(b"hi")?;
    /// rx.readable().await?;
    /// let mut buf = [0u8; 8];
    /// let n = rx.try_io(|| {
    ///     // SAFETY: reads into a live buffer of the given length.
    ///     let n = unsafe { libc::read(rx.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
    ///     if n < 0 { Err(io::Error::last_os_error()) } else { Ok(n as usize) }
    /// })?;
    /// assert_eq!(&buf[..n], b"hi");
    /// # Ok(())
    /// # }
    /// ```
    pub fn try_io<R>(&self, f: impl FnOnce() -> io::Result<R>) -> io::Result<R> {
        self.io.try_io_interest(Interest::READABLE, f)
    }

    /// Deregisters the receiver and returns its descriptor in blocking
    /// mode.
    pub fn into_blocking_fd(self) -> io::Result<OwnedFd> {
        into_fd(self.io, true)
    }

    /// Deregisters the receiver and returns its descriptor, still
    /// non-blocking.
    pub fn into_nonblocking_fd(self) -> io::Result<OwnedFd> {
        into_fd(self.io, false)
    }
}

impl AsyncRead for Receiver {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let n = ready!(self.io.poll_io(cx, Direction::Read, |p| {
            // SAFETY: only written through (by `read(2)`), never read, and
            // no uninitialized byte is marked initialized here.
            let unfilled = unsafe { buf.unfilled_mut() };
            sys::read_uninit(p.0.as_fd(), unfilled)
        }))?;
        // SAFETY: `read(2)` initialized the first `n` bytes of the unfilled
        // part.
        unsafe { buf.assume_init(n) };
        buf.advance(n);
        Poll::Ready(Ok(()))
    }
}

impl std::fmt::Debug for Receiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Receiver").field("fd", &self.as_raw_fd()).finish()
    }
}

impl AsRawFd for Receiver {
    fn as_raw_fd(&self) -> RawFd {
        self.io.get_ref().0.as_raw_fd()
    }
}

impl AsFd for Receiver {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.get_ref().0.as_fd()
    }
}
