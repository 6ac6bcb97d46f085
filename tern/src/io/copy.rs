//! `copy`, `copy_buf`, `copy_bidirectional` and
//! `copy_bidirectional_with_sizes`.

use crate::io::{AsyncBufRead, AsyncRead, AsyncWrite, ReadBuf};
use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// A copy in progress from a reader to a writer.
///
/// `buf[pos..cap]` holds bytes read but not yet written. Reads append at
/// `cap` whenever there is room, also while earlier bytes wait to be
/// written, so writes tend to be large. `Interrupted` from a read or a
/// write is retried; every other error ends the copy. Each poll takes a
/// unit of the task's coop budget, so a copy between endpoints that are
/// always ready still yields to the scheduler.
struct CopyBuffer {
    buf: Box<[u8]>,
    pos: usize,
    cap: usize,
    read_done: bool,
    need_flush: bool,
    amt: u64,
}

/// The buffer size of `copy` and `copy_bidirectional`.
const DEFAULT_BUF_SIZE: usize = 8 * 1024;

impl CopyBuffer {
    fn new() -> CopyBuffer {
        CopyBuffer::with_size(DEFAULT_BUF_SIZE)
    }

    fn with_size(size: usize) -> CopyBuffer {
        CopyBuffer {
            buf: vec![0; size].into_boxed_slice(),
            pos: 0,
            cap: 0,
            read_done: false,
            need_flush: false,
            amt: 0,
        }
    }

    /// Reads once into the free end of the buffer (retrying
    /// `Interrupted`); a read of nothing is the end of the input.
    fn poll_fill<R: AsyncRead + ?Sized>(
        &mut self,
        cx: &mut Context<'_>,
        mut reader: Pin<&mut R>,
    ) -> Poll<io::Result<()>> {
        let mut buf = ReadBuf::new(&mut self.buf);
        buf.set_filled(self.cap);
        loop {
            match reader.as_mut().poll_read(cx, &mut buf) {
                Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::Interrupted => continue,
                Poll::Ready(Ok(())) => {
                    let filled = buf.filled().len();
                    self.read_done = filled == self.cap;
                    self.cap = filled;
                    return Poll::Ready(Ok(()));
                }
                other => return other,
            }
        }
    }

    /// Writes once from the buffer (retrying `Interrupted`). While the
    /// writer is not ready, tops the buffer up from the reader.
    fn poll_write<R, W>(
        &mut self,
        cx: &mut Context<'_>,
        reader: Pin<&mut R>,
        mut writer: Pin<&mut W>,
    ) -> Poll<io::Result<usize>>
    where
        R: AsyncRead + ?Sized,
        W: AsyncWrite + ?Sized,
    {
        loop {
            match writer.as_mut().poll_write(cx, &self.buf[self.pos..self.cap]) {
                Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::Interrupted => continue,
                Poll::Pending => {
                    if !self.read_done && self.cap < self.buf.len() {
                        ready!(self.poll_fill(cx, reader))?;
                    }
                    return Poll::Pending;
                }
                done => return done,
            }
        }
    }

    /// Copies until the reader ends and everything is written and flushed.
    fn poll_copy<R, W>(
        &mut self,
        cx: &mut Context<'_>,
        mut reader: Pin<&mut R>,
        mut writer: Pin<&mut W>,
    ) -> Poll<io::Result<u64>>
    where
        R: AsyncRead + ?Sized,
        W: AsyncWrite + ?Sized,
    {
        let coop = ready!(crate::task::coop::poll_proceed(cx));
        loop {
            if self.cap < self.buf.len() && !self.read_done {
                match self.poll_fill(cx, reader.as_mut()) {
                    Poll::Ready(res) => {
                        coop.made_progress();
                        res?;
                    }
                    // Nothing to read now. With bytes buffered, write them;
                    // with none, push out what was written and wait (the
                    // reader may be waiting for the writer's flush).
                    Poll::Pending if self.pos == self.cap => {
                        if self.need_flush {
                            ready!(writer.as_mut().poll_flush(cx))?;
                            coop.made_progress();
                            self.need_flush = false;
                        }
                        return Poll::Pending;
                    }
                    Poll::Pending => {}
                }
            }
            while self.pos < self.cap {
                let n = ready!(self.poll_write(cx, reader.as_mut(), writer.as_mut()))?;
                coop.made_progress();
                if n == 0 {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::WriteZero,
                        "write zero byte into writer",
                    )));
                }
                self.pos += n;
                self.amt += n as u64;
                self.need_flush = true;
            }
            debug_assert!(self.pos <= self.cap, "the writer reported more bytes than it was given");
            self.pos = 0;
            self.cap = 0;
            if self.read_done {
                ready!(writer.as_mut().poll_flush(cx))?;
                coop.made_progress();
                return Poll::Ready(Ok(self.amt));
            }
        }
    }
}

/// Asynchronously copies the entire contents of a reader into a writer,
/// returning the number of bytes copied.
///
/// An 8 KiB buffer carries the bytes; see [`copy_buf`] to copy from an
/// [`AsyncBufRead`] without one.
///
/// # Errors
///
/// Fails as soon as a `poll_read` or `poll_write` fails with an error
/// other than [`io::ErrorKind::Interrupted`] (which is retried), or a
/// `poll_flush` fails.
///
/// # Examples
///
/// ```
/// # tern::runtime::Runtime::new().unwrap().block_on(async {
/// let mut reader: &[u8] = b"hello";
/// let mut writer: Vec<u8> = vec![];
/// tern::io::copy(&mut reader, &mut writer).await.unwrap();
/// assert_eq!(&b"hello"[..], &writer[..]);
/// # });
/// ```
pub async fn copy<'a, R, W>(reader: &'a mut R, writer: &'a mut W) -> io::Result<u64>
where
    R: AsyncRead + Unpin + ?Sized,
    W: AsyncWrite + Unpin + ?Sized,
{
    let mut buf = CopyBuffer::new();
    poll_fn(|cx| buf.poll_copy(cx, Pin::new(&mut *reader), Pin::new(&mut *writer))).await
}

/// Asynchronously copies the entire contents of a buffered reader into a
/// writer, returning the number of bytes copied.
///
/// This is a [`copy`] alternative for [`AsyncBufRead`] readers with no
/// extra buffer allocation: the bytes are written straight from the
/// reader's own buffer. The writer is flushed once the reader reaches end
/// of file.
///
/// # Errors
///
/// The returned future fails as soon as any call to `poll_fill_buf` or
/// `poll_write` fails with an error other than
/// [`io::ErrorKind::Interrupted`] (which is retried), or `poll_flush`
/// fails; a writer accepting zero bytes fails it with
/// [`io::ErrorKind::WriteZero`].
///
/// # Examples
///
/// ```
/// # tern::runtime::Runtime::new().unwrap().block_on(async {
/// let mut reader: &[u8] = b"hello";
/// let mut writer: Vec<u8> = vec![];
/// let n = tern::io::copy_buf(&mut reader, &mut writer).await.unwrap();
/// assert_eq!(n, 5);
/// assert_eq!(&b"hello"[..], &writer[..]);
/// # });
/// ```
pub async fn copy_buf<'a, R, W>(reader: &'a mut R, writer: &'a mut W) -> io::Result<u64>
where
    R: AsyncBufRead + Unpin + ?Sized,
    W: AsyncWrite + Unpin + ?Sized,
{
    let mut amt = 0u64;
    let mut need_flush = false;
    poll_fn(|cx| {
        let coop = ready!(crate::task::coop::poll_proceed(cx));
        loop {
            let available = match Pin::new(&mut *reader).poll_fill_buf(cx) {
                Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::Interrupted => continue,
                Poll::Ready(res) => {
                    coop.made_progress();
                    res?
                }
                Poll::Pending => {
                    // Push out what was written: the reader may be waiting
                    // for it.
                    if need_flush {
                        ready!(Pin::new(&mut *writer).poll_flush(cx))?;
                        need_flush = false;
                    }
                    return Poll::Pending;
                }
            };
            if available.is_empty() {
                ready!(Pin::new(&mut *writer).poll_flush(cx))?;
                return Poll::Ready(Ok(amt));
            }
            let n = match ready!(Pin::new(&mut *writer).poll_write(cx, available)) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                res => res?,
            };
            if n == 0 {
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::WriteZero,
                    "write zero byte into writer",
                )));
            }
            amt += n as u64;
            need_flush = true;
            Pin::new(&mut *reader).consume(n);
        }
    })
    .await
}

/// Copies data in both directions between `a` and `b`, until both reach
/// end of file; when one side ends, the other side's write half is shut
/// down. Returns the bytes copied `a -> b` and `b -> a`.
///
/// Each direction uses an 8 KiB buffer; see
/// [`copy_bidirectional_with_sizes`] to choose them.
///
/// # Errors
///
/// Fails as soon as a read, write, flush or shutdown on either side fails
/// (reads and writes failing with [`io::ErrorKind::Interrupted`] are
/// retried); the bytes copied so far are then lost to the caller.
///
/// # Examples
///
/// ```
/// # tern::runtime::Runtime::new().unwrap().block_on(async {
/// use tern::io::{AsyncReadExt, AsyncWriteExt};
/// let (mut a, mut a_peer) = tern::io::duplex(64);
/// let (mut b, mut b_peer) = tern::io::duplex(64);
/// let relay = tern::spawn(async move { tern::io::copy_bidirectional(&mut a, &mut b).await });
/// a_peer.write_all(b"ping").await.unwrap();
/// let mut buf = [0u8; 4];
/// b_peer.read_exact(&mut buf).await.unwrap();
/// assert_eq!(&buf, b"ping");
/// drop(a_peer);
/// drop(b_peer);
/// assert_eq!(relay.await.unwrap().unwrap(), (4, 0));
/// # });
/// ```
pub async fn copy_bidirectional<A, B>(a: &mut A, b: &mut B) -> io::Result<(u64, u64)>
where
    A: AsyncRead + AsyncWrite + Unpin + ?Sized,
    B: AsyncRead + AsyncWrite + Unpin + ?Sized,
{
    copy_bidirectional_with_sizes(a, b, DEFAULT_BUF_SIZE, DEFAULT_BUF_SIZE).await
}

/// [`copy_bidirectional`] with a buffer of `a_to_b_buf_size` bytes for the
/// `a -> b` direction and one of `b_to_a_buf_size` bytes for `b -> a`.
///
/// # Panics
///
/// Panics (when first polled) if either size is 0.
///
/// # Examples
///
/// ```
/// # tern::runtime::Runtime::new().unwrap().block_on(async {
/// let (mut a, mut a_peer) = tern::io::duplex(64);
/// let (mut b, b_peer) = tern::io::duplex(64);
/// drop(a_peer);
/// drop(b_peer);
/// let copied = tern::io::copy_bidirectional_with_sizes(&mut a, &mut b, 1024, 16).await;
/// assert_eq!(copied.unwrap(), (0, 0));
/// # });
/// ```
pub async fn copy_bidirectional_with_sizes<A, B>(
    a: &mut A,
    b: &mut B,
    a_to_b_buf_size: usize,
    b_to_a_buf_size: usize,
) -> io::Result<(u64, u64)>
where
    A: AsyncRead + AsyncWrite + Unpin + ?Sized,
    B: AsyncRead + AsyncWrite + Unpin + ?Sized,
{
    assert!(a_to_b_buf_size > 0, "`a_to_b_buf_size` must be greater than 0");
    assert!(b_to_a_buf_size > 0, "`b_to_a_buf_size` must be greater than 0");
    let (ab, ba) = (CopyBuffer::with_size(a_to_b_buf_size), CopyBuffer::with_size(b_to_a_buf_size));
    let (mut ab_state, mut ba_state) = (Transfer::Running(ab), Transfer::Running(ba));
    poll_fn(|cx| {
        // Both directions are polled every time, so neither waits on the
        // other's progress.
        let ab_done = ab_state.poll(cx, &mut *a, &mut *b)?;
        let ba_done = ba_state.poll(cx, &mut *b, &mut *a)?;
        Poll::Ready(Ok((ready!(ab_done), ready!(ba_done))))
    })
    .await
}

/// One direction of [`copy_bidirectional`]: copying, then shutting the
/// writer down, then done with the count copied.
enum Transfer {
    Running(CopyBuffer),
    ShuttingDown(u64),
    Done(u64),
}

impl Transfer {
    fn poll<R, W>(&mut self, cx: &mut Context<'_>, reader: &mut R, writer: &mut W) -> Poll<io::Result<u64>>
    where
        R: AsyncRead + Unpin + ?Sized,
        W: AsyncWrite + Unpin + ?Sized,
    {
        loop {
            match self {
                Transfer::Running(buf) => {
                    let n = ready!(buf.poll_copy(cx, Pin::new(&mut *reader), Pin::new(&mut *writer)))?;
                    *self = Transfer::ShuttingDown(n);
                }
                Transfer::ShuttingDown(n) => {
                    ready!(Pin::new(&mut *writer).poll_shutdown(cx))?;
                    *self = Transfer::Done(*n);
                }
                Transfer::Done(n) => return Poll::Ready(Ok(*n)),
            }
        }
    }
}
