//! `copy`, `copy_buf`, `copy_bidirectional` and
//! `copy_bidirectional_with_sizes`.

use crate::io::{AsyncBufRead, AsyncRead, AsyncWrite, ReadBuf};
use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// A copy in progress from a reader to a writer.
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
        loop {
            if self.pos == self.cap && !self.read_done {
                let mut buf = ReadBuf::new(&mut self.buf);
                match reader.as_mut().poll_read(cx, &mut buf) {
                    Poll::Ready(res) => {
                        res?;
                        let n = buf.filled().len();
                        if n == 0 {
                            self.read_done = true;
                        } else {
                            self.pos = 0;
                            self.cap = n;
                        }
                    }
                    Poll::Pending => {
                        // Nothing to read now: push out what was written.
                        if self.need_flush {
                            ready!(writer.as_mut().poll_flush(cx))?;
                            self.need_flush = false;
                        }
                        return Poll::Pending;
                    }
                }
            }
            while self.pos < self.cap {
                let n = ready!(writer.as_mut().poll_write(cx, &self.buf[self.pos..self.cap]))?;
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
            if self.pos == self.cap && self.read_done {
                ready!(writer.as_mut().poll_flush(cx))?;
                return Poll::Ready(Ok(self.amt));
            }
        }
    }
}

/// Asynchronously copies the entire contents of a reader into a writer,
/// returning the number of bytes copied.
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
/// The returned future fails as soon as any call to `poll_fill_buf`,
/// `poll_write` or `poll_flush` fails; a writer accepting zero bytes fails
/// it with [`io::ErrorKind::WriteZero`].
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
    poll_fn(|cx| loop {
        let available = ready!(Pin::new(&mut *reader).poll_fill_buf(cx))?;
        if available.is_empty() {
            ready!(Pin::new(&mut *writer).poll_flush(cx))?;
            return Poll::Ready(Ok(amt));
        }
        let n = ready!(Pin::new(&mut *writer).poll_write(cx, available))?;
        if n == 0 {
            return Poll::Ready(Err(io::Error::new(io::ErrorKind::WriteZero, "write zero byte into writer")));
        }
        amt += n as u64;
        Pin::new(&mut *reader).consume(n);
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
/// Fails as soon as a read, write, flush or shutdown on either side fails;
/// the bytes copied so far are then lost to the caller.
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
    let (mut ab, mut ba) = (CopyBuffer::with_size(a_to_b_buf_size), CopyBuffer::with_size(b_to_a_buf_size));
    let (mut ab_done, mut ba_done) = (None, None);
    let (mut a_shut, mut b_shut) = (false, false);
    poll_fn(|cx| {
        if ab_done.is_none() {
            if let Poll::Ready(n) = ab.poll_copy(cx, Pin::new(&mut *a), Pin::new(&mut *b)) {
                ab_done = Some(n?);
            }
        }
        if ab_done.is_some() && !b_shut {
            ready!(Pin::new(&mut *b).poll_shutdown(cx))?;
            b_shut = true;
        }
        if ba_done.is_none() {
            if let Poll::Ready(n) = ba.poll_copy(cx, Pin::new(&mut *b), Pin::new(&mut *a)) {
                ba_done = Some(n?);
            }
        }
        if ba_done.is_some() && !a_shut {
            ready!(Pin::new(&mut *a).poll_shutdown(cx))?;
            a_shut = true;
        }
        match (ab_done, ba_done) {
            (Some(x), Some(y)) if a_shut && b_shut => Poll::Ready(Ok((x, y))),
            _ => Poll::Pending,
        }
    })
    .await
}
