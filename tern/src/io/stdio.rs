//! `stdin`, `stdout`, `stderr`: the standard streams, read and written on
//! the blocking pool.
//!
//! Each handle owns a buffer and runs at most one blocking operation at a
//! time. The operation takes the buffer and the `std` handle with it and
//! gives both back when it completes.
//!
//! # Write-behind
//!
//! A write copies its bytes and returns; a job on the pool writes them.
//! Tokio makes the next write wait for that job, so a program writing
//! line by line (`stdout.write_all(line).await` in a loop) pays a pool
//! hand-off, two thread switches, per line. Here the writes made while a
//! job runs are appended to a queue (`Behind`, up to [`MAX_BUF`] bytes;
//! a write finding it full waits), and the job writes the queue before it
//! ends, in order, then the next queue, and so on: one hand-off carries
//! every line written meanwhile. `flush` waits for the job (so for
//! everything queued) and then flushes the `std` handle. A failed write
//! ends the job: the bytes queued behind it are dropped and the next
//! write or flush reports the error, as Tokio reports a failed
//! background write.

use crate::io::{AsyncRead, AsyncWrite, ReadBuf};
use crate::task::{spawn_blocking, JoinHandle};
use std::fmt;
use std::future::Future;
use std::io::{self, Read, Write};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{ready, Context, Poll, Waker};

/// Largest chunk one blocking read or write moves, as in Tokio.
const MAX_BUF: usize = 2 * 1024 * 1024;

/// A handle to the standard input stream of a process.
///
/// The handle implements the [`AsyncRead`] trait, but beware that concurrent
/// reads of `Stdin` must be executed with care.
///
/// This handle is best used for non-interactive uses, such as when a file
/// is piped into the application. For technical reasons, `stdin` is
/// implemented by using an ordinary blocking read on a separate thread, and
/// it is impossible to cancel that read. This can make shutdown of the
/// runtime hang until the user presses enter.
///
/// For interactive uses, it is recommended to spawn a thread dedicated to
/// user input and use blocking IO directly in that thread.
///
/// Created by the [`stdin`] function.
pub struct Stdin {
    std: Blocking<io::Stdin>,
}

/// Constructs a new handle to the standard input of the current process.
///
/// This handle is best used for non-interactive uses, such as when a file
/// is piped into the application. For technical reasons, `stdin` is
/// implemented by using an ordinary blocking read on a separate thread, and
/// it is impossible to cancel that read. This can make shutdown of the
/// runtime hang until the user presses enter.
///
/// For interactive uses, it is recommended to spawn a thread dedicated to
/// user input and use blocking IO directly in that thread.
///
/// # Examples
///
/// ```no_run
/// use tern::io::{AsyncBufReadExt, BufReader};
///
/// #[tern::main]
/// async fn main() -> std::io::Result<()> {
///     let mut lines = BufReader::new(tern::io::stdin()).lines();
///     while let Some(line) = lines.next_line().await? {
///         println!("length = {}", line.len());
///     }
///     Ok(())
/// }
/// ```
pub fn stdin() -> Stdin {
    Stdin { std: Blocking::new(io::stdin(), io::stdin()) }
}

/// A handle to the standard output stream of a process.
///
/// Concurrent writes to stdout must be executed with care: Only individual
/// writes to this [`AsyncWrite`] are guaranteed to be intact. In particular
/// you should be aware that writes using
/// [`write_all`](crate::io::AsyncWriteExt::write_all) are not guaranteed to
/// occur as a single write, so multiple threads writing data with
/// `write_all` may result in interleaved output.
///
/// A write returns as soon as its bytes (at most 2 MiB of them) are copied
/// into the handle's buffer and the blocking write is started; an error of
/// that write is returned by the next `write` or `flush`. Call
/// [`flush`](crate::io::AsyncWriteExt::flush) to wait for the output to
/// reach the process's standard output (before `std::process::exit`, say,
/// which does not wait for the blocking pool).
///
/// Writes made while a blocking write runs do not wait for it, as they do
/// in Tokio: they are queued (up to 2 MiB; a write finding the queue full
/// waits) and the running blocking write writes them next, in order. A
/// program printing line by line (`stdout.write_all(line).await` in a
/// loop) therefore pays one blocking-pool hand-off per batch of lines, not
/// one per line (Tokio's two thread switches per line make that loop
/// hundreds of times slower than `println!`). If a write fails, the bytes
/// queued behind it are dropped and the error is returned by the next
/// `write` or `flush`.
///
/// # Warning
///
/// Each call to [`stdout()`] creates a **new** handle with its own internal
/// state. Writes through different handles are not coordinated, so creating
/// a new handle in a loop can cause output to appear out of order. Create
/// one handle and reuse it.
///
/// Created by the [`stdout`] function.
///
/// # Examples
///
/// ```
/// use tern::io::{self, AsyncWriteExt};
///
/// #[tern::main]
/// async fn main() -> io::Result<()> {
///     let mut stdout = io::stdout();
///     stdout.write_all(b"Hello world!\n").await?;
///     stdout.flush().await?;
///     Ok(())
/// }
/// ```
pub struct Stdout {
    std: Blocking<io::Stdout>,
}

/// Constructs a new handle to the standard output of the current process.
///
/// The returned handle allows writing to standard out from the within the
/// tern runtime.
///
/// Concurrent writes to stdout must be executed with care: Only individual
/// writes to this [`AsyncWrite`] are guaranteed to be intact. In particular
/// you should be aware that writes using
/// [`write_all`](crate::io::AsyncWriteExt::write_all) are not guaranteed to
/// occur as a single write, so multiple threads writing data with
/// `write_all` may result in interleaved output.
///
/// Note that unlike [`std::io::stdout`], each call to this `stdout()`
/// produces a new writer, so for example, this program does **not** flush
/// stdout:
///
/// ```no_run
/// # use tern::io::AsyncWriteExt;
/// # #[tern::main]
/// # async fn main() -> std::io::Result<()> {
/// tern::io::stdout().write_all(b"aa").await?;
/// tern::io::stdout().flush().await?;
/// # Ok(())
/// # }
/// ```
pub fn stdout() -> Stdout {
    Stdout { std: Blocking::new_mandatory(io::stdout(), io::stdout()) }
}

/// A handle to the standard error stream of a process.
///
/// Concurrent writes to stderr must be executed with care: Only individual
/// writes to this [`AsyncWrite`] are guaranteed to be intact. In particular
/// you should be aware that writes using
/// [`write_all`](crate::io::AsyncWriteExt::write_all) are not guaranteed to
/// occur as a single write, so multiple threads writing data with
/// `write_all` may result in interleaved output.
///
/// Writes behave as those of [`Stdout`]: buffered into the handle and
/// performed on the blocking pool, those made while one runs queued behind
/// it; [`flush`](crate::io::AsyncWriteExt::flush) waits for them.
///
/// Created by the [`stderr`] function.
///
/// # Examples
///
/// ```
/// use tern::io::{self, AsyncWriteExt};
///
/// #[tern::main]
/// async fn main() -> io::Result<()> {
///     let mut stderr = io::stderr();
///     stderr.write_all(b"Print some error here.\n").await?;
///     stderr.flush().await?;
///     Ok(())
/// }
/// ```
pub struct Stderr {
    std: Blocking<io::Stderr>,
}

/// Constructs a new handle to the standard error of the current process.
///
/// The returned handle allows writing to standard error from the within
/// the tern runtime.
///
/// Concurrent writes to stderr must be executed with care: Only individual
/// writes to this [`AsyncWrite`] are guaranteed to be intact. In particular
/// you should be aware that writes using
/// [`write_all`](crate::io::AsyncWriteExt::write_all) are not guaranteed to
/// occur as a single write, so multiple threads writing data with
/// `write_all` may result in interleaved output.
pub fn stderr() -> Stderr {
    Stderr { std: Blocking::new_mandatory(io::stderr(), io::stderr()) }
}

impl AsyncRead for Stdin {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        self.get_mut().std.poll_read(cx, buf)
    }
}

macro_rules! async_write_via_blocking {
    ($($ty:ident),*) => { $(
        impl AsyncWrite for $ty {
            fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
                self.get_mut().std.poll_write(cx, buf)
            }

            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.get_mut().std.poll_flush(cx)
            }

            /// Returns `Ready(Ok(()))` right away, as Tokio does: the
            /// standard streams cannot be shut down, and this does not
            /// flush (use `flush`).
            fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(Ok(()))
            }
        }
    )* };
}

async_write_via_blocking!(Stdout, Stderr);

impl fmt::Debug for Stdin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stdin").field("std", &self.std).finish()
    }
}

impl fmt::Debug for Stdout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stdout").field("std", &self.std).finish()
    }
}

impl fmt::Debug for Stderr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stderr").field("std", &self.std).finish()
    }
}

#[cfg(unix)]
mod sys {
    use super::{Stderr, Stdin, Stdout};
    use std::os::unix::io::{AsFd, AsRawFd, BorrowedFd, RawFd};

    macro_rules! fd_impls {
        ($($ty:ident),*) => { $(
            impl AsRawFd for $ty {
                fn as_raw_fd(&self) -> RawFd {
                    self.std.handle.as_raw_fd()
                }
            }

            impl AsFd for $ty {
                fn as_fd(&self) -> BorrowedFd<'_> {
                    self.std.handle.as_fd()
                }
            }
        )* };
    }

    fd_impls!(Stdin, Stdout, Stderr);
}

/// What a blocking operation hands back: its result, the buffer, and the
/// `std` handle it used.
type Done<T> = (io::Result<usize>, Buf, T);

/// A `std` reader or writer driven on the blocking pool.
struct Blocking<T> {
    /// The `std` handle, when no operation has it.
    inner: Option<T>,
    /// A second handle to the same stream, always here, for `AsFd`.
    handle: T,
    state: State<T>,
    /// A write was started since the last flush.
    need_flush: bool,
    /// Operations are spawned as mandatory blocking work (`stdout`,
    /// `stderr`, as in Tokio): one started before the runtime began shutting
    /// down still runs, and once it has shut down they are refused with
    /// the runtime-shutdown error.
    mandatory: bool,
    /// The write queue (module docs, "Write-behind"), made by the first
    /// write.
    behind: Option<Arc<Mutex<Behind>>>,
}

/// The bytes queued behind a running write job.
#[derive(Default)]
struct Behind {
    /// A write job runs and will look at `next` again before it ends;
    /// only while it is set may a write append to `next`.
    active: bool,
    /// Bytes to write after the job's current buffer, in order.
    next: Vec<u8>,
    /// A write waiting for room in `next`.
    waiter: Option<Waker>,
}

fn lock(m: &Mutex<Behind>) -> MutexGuard<'_, Behind> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The write job: writes `buf`, then whatever was queued meanwhile, until
/// the queue is empty or a write fails. Returns how many bytes it wrote.
fn write_behind(buf: &mut Buf, wr: &mut impl Write, behind: &Mutex<Behind>) -> io::Result<usize> {
    let mut total = 0;
    loop {
        let res = buf.write_to(wr);
        let mut b = lock(behind);
        let waiter = b.waiter.take();
        let done = match res {
            Ok(n) if !b.next.is_empty() => {
                total += n;
                // `buf` is empty: it takes the queue, the queue its storage.
                std::mem::swap(&mut buf.bytes, &mut b.next);
                None
            }
            res => {
                b.active = false;
                b.next.clear();
                Some(res.map(|n| total + n))
            }
        };
        drop(b);
        if let Some(w) = waiter {
            w.wake();
        }
        if let Some(res) = done {
            return res;
        }
    }
}

enum State<T> {
    /// No operation in flight; the buffer holds bytes read and not yet
    /// returned (for a reader) or nothing (for a writer).
    Idle(Buf),
    /// One operation in flight; it owns the buffer and the handle.
    Busy(JoinHandle<Done<T>>),
    /// An operation was cancelled (runtime shutting down) or panicked: the
    /// handle went with it.
    Gone,
}

fn gone() -> io::Error {
    io::Error::other("the standard stream handle was lost: its blocking operation was cancelled or panicked")
}

impl<T: Send + 'static> Blocking<T> {
    /// `inner` does the I/O; `handle` (a second handle to the same stream)
    /// stays behind for `AsFd`.
    fn new(inner: T, handle: T) -> Blocking<T> {
        Blocking {
            inner: Some(inner),
            handle,
            state: State::Idle(Buf::new()),
            need_flush: false,
            mandatory: false,
            behind: None,
        }
    }

    /// As [`new`](Self::new), with operations spawned as mandatory.
    fn new_mandatory(inner: T, handle: T) -> Blocking<T> {
        Blocking { mandatory: true, ..Blocking::new(inner, handle) }
    }

    /// Starts `op` on the blocking pool with the buffer and the handle.
    /// Only called in the `Idle` state. A mandatory operation refused
    /// because the runtime has shut down fails with the runtime-shutdown
    /// error (the handle is then gone).
    fn start(
        &mut self,
        op: impl FnOnce(&mut Buf, &mut T) -> io::Result<usize> + Send + 'static,
    ) -> io::Result<()> {
        let State::Idle(mut buf) = std::mem::replace(&mut self.state, State::Gone) else {
            unreachable!("an operation was started while another one is in flight");
        };
        let mut inner = self.inner.take().expect("an idle standard stream has its handle");
        let job = move || {
            let res = op(&mut buf, &mut inner);
            (res, buf, inner)
        };
        let handle = if self.mandatory {
            crate::runtime::blocking::spawn_mandatory_blocking(job)
                .ok_or_else(crate::runtime::messages::shutdown_io_error)?
        } else {
            spawn_blocking(job)
        };
        self.state = State::Busy(handle);
        Ok(())
    }

    /// Waits for the operation in flight (if any) and returns its result.
    fn poll_idle(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let rx = match &mut self.state {
            State::Idle(_) => return Poll::Ready(Ok(0)),
            State::Gone => return Poll::Ready(Err(gone())),
            State::Busy(rx) => rx,
        };
        match ready!(Pin::new(rx).poll(cx)) {
            Ok((res, buf, inner)) => {
                self.state = State::Idle(buf);
                self.inner = Some(inner);
                Poll::Ready(res)
            }
            Err(e) => {
                self.state = State::Gone;
                Poll::Ready(Err(e.into()))
            }
        }
    }

    /// The buffer, once idle.
    fn idle_buf(&mut self) -> &mut Buf {
        match &mut self.state {
            State::Idle(buf) => buf,
            _ => unreachable!("the standard stream is not idle"),
        }
    }
}

impl<T: Read + Send + 'static> Blocking<T> {
    fn poll_read(&mut self, cx: &mut Context<'_>, dst: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        if let State::Idle(buf) = &mut self.state {
            if buf.has_unread() || dst.remaining() == 0 {
                buf.copy_to(dst);
                return Poll::Ready(Ok(()));
            }
            let len = dst.remaining().min(MAX_BUF);
            if let Err(e) = self.start(move |buf, inner| buf.read_from(inner, len)) {
                return Poll::Ready(Err(e));
            }
        }
        ready!(self.poll_idle(cx))?;
        self.idle_buf().copy_to(dst);
        Poll::Ready(Ok(()))
    }
}

impl<T: Write + Send + 'static> Blocking<T> {
    fn poll_write(&mut self, cx: &mut Context<'_>, src: &[u8]) -> Poll<io::Result<usize>> {
        if let (State::Busy(_), Some(behind)) = (&self.state, &self.behind) {
            let mut b = lock(behind);
            if b.active {
                // Queued behind the running job.
                let n = src.len().min(MAX_BUF.saturating_sub(b.next.len()));
                if n > 0 || src.is_empty() {
                    b.next.extend_from_slice(&src[..n]);
                    self.need_flush |= n > 0;
                    return Poll::Ready(Ok(n));
                }
                // Full: woken when the job takes the queue, and through
                // `poll_idle` below by its end (if it ends without taking
                // it: a panic).
                b.waiter = Some(cx.waker().clone());
            }
        }
        // Idle, or a job that is ending (or a flush, or a full queue):
        // wait for it (idle afterwards), and report its failure.
        ready!(self.poll_idle(cx))?;
        if src.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let n = self.idle_buf().copy_from(src, MAX_BUF);
        let behind = Arc::clone(self.behind.get_or_insert_with(Arc::default));
        lock(&behind).active = true;
        let queue = behind.clone();
        if let Err(e) = self.start(move |buf, inner| write_behind(buf, inner, &queue)) {
            lock(&behind).active = false;
            return Poll::Ready(Err(e));
        }
        self.need_flush = true;
        Poll::Ready(Ok(n))
    }

    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        loop {
            ready!(self.poll_idle(cx))?;
            if !self.need_flush {
                return Poll::Ready(Ok(()));
            }
            self.need_flush = false;
            self.start(|_, inner| inner.flush().map(|()| 0))?;
        }
    }
}

impl<T> fmt::Debug for Blocking<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match &self.state {
            State::Idle(_) => "idle",
            State::Busy(_) => "busy",
            State::Gone => "gone",
        };
        f.debug_struct("Blocking").field("state", &state).field("need_flush", &self.need_flush).finish()
    }
}

/// The buffer a blocking operation works in.
struct Buf {
    bytes: Vec<u8>,
    /// For reads: how much of `bytes` was already returned.
    pos: usize,
}

impl Buf {
    fn new() -> Buf {
        Buf { bytes: Vec::new(), pos: 0 }
    }

    fn has_unread(&self) -> bool {
        self.pos < self.bytes.len()
    }

    /// Moves unread bytes into `dst`.
    fn copy_to(&mut self, dst: &mut ReadBuf<'_>) {
        let n = (self.bytes.len() - self.pos).min(dst.remaining());
        dst.put_slice(&self.bytes[self.pos..self.pos + n]);
        self.pos += n;
        if self.pos == self.bytes.len() {
            self.bytes.clear();
            self.pos = 0;
        }
    }

    /// Takes up to `max` bytes of `src` to be written.
    fn copy_from(&mut self, src: &[u8], max: usize) -> usize {
        let n = src.len().min(max);
        self.bytes.extend_from_slice(&src[..n]);
        n
    }

    /// One blocking read of up to `len` bytes (retried if interrupted).
    fn read_from(&mut self, rd: &mut impl Read, len: usize) -> io::Result<usize> {
        self.bytes.resize(len, 0);
        self.pos = 0;
        let res = loop {
            match rd.read(&mut self.bytes) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                res => break res,
            }
        };
        match res {
            Ok(n) => self.bytes.truncate(n),
            Err(_) => self.bytes.clear(),
        }
        res
    }

    /// Writes the whole buffer out and empties it.
    fn write_to(&mut self, wr: &mut impl Write) -> io::Result<usize> {
        let n = self.bytes.len();
        let res = wr.write_all(&self.bytes);
        self.bytes.clear();
        res.map(|()| n)
    }
}

#[cfg(all(test, not(tern_loom)))]
#[path = "stdio_tests.rs"]
mod tests;
