//! `BufWriter`: batches small writes into fewer writes of the inner object.

use crate::io::{AsyncBufRead, AsyncRead, AsyncSeek, AsyncWrite, ReadBuf};
use std::fmt;
use std::io::{self, IoSlice, SeekFrom};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// Default buffer capacity, as in Tokio.
const DEFAULT_BUF_SIZE: usize = 8 * 1024;

/// Wraps a writer and buffers its output.
///
/// It can be excessively inefficient to work directly with something that
/// implements [`AsyncWrite`]: each small write may turn into a system call.
/// A `BufWriter` keeps an in-memory buffer of data and writes it to the
/// underlying writer in large, infrequent batches. A write at least as large
/// as the buffer's capacity goes straight to the inner writer once the
/// buffer has been emptied.
///
/// `BufWriter` can improve the speed of programs that make *small* and
/// *repeated* write calls to the same file or network socket. It does not
/// help when writing very large amounts at once, or writing just one or a
/// few times. It also provides no advantage when writing to a destination
/// that is in memory, like a `Vec<u8>`.
///
/// When the `BufWriter` is dropped, the contents of its buffer will be
/// discarded: it does **not** flush on drop (no I/O can be awaited in
/// `drop`). Call [`flush`](crate::io::AsyncWriteExt::flush) or
/// [`shutdown`](crate::io::AsyncWriteExt::shutdown) before dropping it to
/// make sure every byte reaches the inner writer.
///
/// Reads (and buffered reads) go straight to the inner object, if it
/// implements [`AsyncRead`] (and [`AsyncBufRead`]).
///
/// # Examples
///
/// ```
/// use tern::io::{AsyncWriteExt, BufWriter};
///
/// # tern::runtime::Runtime::new().unwrap().block_on(async {
/// let mut writer = BufWriter::new(Vec::new());
/// writer.write_all(b"hello ").await.unwrap();
/// writer.write_all(b"world").await.unwrap();
/// // Nothing has reached the vector yet.
/// assert!(writer.get_ref().is_empty());
/// writer.flush().await.unwrap();
/// assert_eq!(writer.get_ref(), b"hello world");
/// # });
/// ```
pub struct BufWriter<W> {
    inner: W,
    buf: Vec<u8>,
    /// The buffer's capacity as requested (`Vec::capacity` may be larger).
    capacity: usize,
    /// How much of the front of `buf` the inner writer has already taken
    /// during a flush that has not completed yet.
    written: usize,
    /// Progress of a seek (which writes the buffer out first).
    seek: WriterSeek,
}

/// Where a `BufWriter` seek stands.
#[derive(Clone, Copy, Debug)]
enum WriterSeek {
    /// No seek in progress.
    Idle,
    /// `start_seek` was called; the buffer still has to be written out.
    Start(SeekFrom),
    /// The inner seek is started and not yet complete.
    Pending,
}

impl<W: AsyncWrite> BufWriter<W> {
    /// Creates a new `BufWriter` with a default buffer capacity (8 KiB).
    pub fn new(inner: W) -> Self {
        Self::with_capacity(DEFAULT_BUF_SIZE, inner)
    }

    /// Creates a new `BufWriter` with the specified buffer capacity.
    pub fn with_capacity(cap: usize, inner: W) -> Self {
        BufWriter { inner, buf: Vec::with_capacity(cap), capacity: cap, written: 0, seek: WriterSeek::Idle }
    }

    /// Gets a reference to the underlying writer.
    pub fn get_ref(&self) -> &W {
        &self.inner
    }

    /// Gets a mutable reference to the underlying writer.
    ///
    /// It is inadvisable to directly write to the underlying writer.
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.inner
    }

    /// Gets a pinned mutable reference to the underlying writer.
    ///
    /// It is inadvisable to directly write to the underlying writer.
    pub fn get_pin_mut(self: Pin<&mut Self>) -> Pin<&mut W> {
        self.project().0
    }

    /// Consumes this `BufWriter`, returning the underlying writer.
    ///
    /// Note that any leftover data in the internal buffer is lost.
    pub fn into_inner(self) -> W {
        self.inner
    }

    /// Returns a reference to the internally buffered data.
    pub fn buffer(&self) -> &[u8] {
        &self.buf
    }
}

impl<W> BufWriter<W> {
    /// The same buffer (and its contents) around `f(inner)`: lets
    /// `BufStream` swap a `BufWriter<BufReader<_>>`'s layers without
    /// losing buffered bytes.
    pub(super) fn map_inner<U>(self, f: impl FnOnce(W) -> U) -> BufWriter<U> {
        let BufWriter { inner, buf, capacity, written, seek } = self;
        BufWriter { inner: f(inner), buf, capacity, written, seek }
    }

    /// Pin projection for seeking: the pinned writer and the seek state.
    fn project_seek(self: Pin<&mut Self>) -> (Pin<&mut W>, &mut WriterSeek) {
        // SAFETY: as in `project`: only `inner` is structurally pinned.
        let me = unsafe { self.get_unchecked_mut() };
        // SAFETY: see above; `me` came from a pinned reference.
        let inner = unsafe { Pin::new_unchecked(&mut me.inner) };
        (inner, &mut me.seek)
    }

    /// Pin projection: the inner writer stays pinned, the buffer does not.
    fn project(self: Pin<&mut Self>) -> (Pin<&mut W>, &mut Vec<u8>, &mut usize, usize) {
        // SAFETY: `inner` is structurally pinned and nothing else is: it is
        // only handed out as `Pin<&mut W>` from a pinned `BufWriter`, never
        // moved out of one (`into_inner` takes `self` by value, which a
        // pinned `!Unpin` value cannot give), and `BufWriter` has no `Drop`
        // impl. The other fields are never pinned.
        let me = unsafe { self.get_unchecked_mut() };
        // SAFETY: see above; `me` came from a pinned reference.
        let inner = unsafe { Pin::new_unchecked(&mut me.inner) };
        (inner, &mut me.buf, &mut me.written, me.capacity)
    }

    /// Writes out the whole buffer. On an error, what was written is still
    /// taken off the buffer.
    fn flush_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>>
    where
        W: AsyncWrite,
    {
        let (mut inner, buf, written, _) = self.project();
        let mut ret = Ok(());
        while *written < buf.len() {
            match ready!(inner.as_mut().poll_write(cx, &buf[*written..])) {
                Ok(0) => {
                    ret = Err(io::Error::new(io::ErrorKind::WriteZero, "failed to write the buffered data"));
                    break;
                }
                Ok(n) => *written += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    ret = Err(e);
                    break;
                }
            }
        }
        buf.drain(..*written);
        *written = 0;
        Poll::Ready(ret)
    }

    /// Room left in the buffer.
    fn spare(&self) -> usize {
        self.capacity - self.buf.len()
    }
}

impl<W: AsyncWrite> AsyncWrite for BufWriter<W> {
    #[inline]
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        if buf.len() > self.spare() {
            ready!(self.as_mut().flush_buf(cx))?;
        }
        let (inner, own, _, capacity) = self.project();
        if buf.len() >= capacity {
            // Too large to be worth copying: straight through (the buffer
            // is empty after the flush above).
            inner.poll_write(cx, buf)
        } else {
            own.extend_from_slice(buf);
            Poll::Ready(Ok(buf.len()))
        }
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if self.inner.is_write_vectored() {
            let total = bufs.iter().fold(0usize, |acc, b| acc.saturating_add(b.len()));
            if total > self.spare() {
                ready!(self.as_mut().flush_buf(cx))?;
            }
            let (inner, own, _, capacity) = self.project();
            if total >= capacity {
                return inner.poll_write_vectored(cx, bufs);
            }
            for b in bufs {
                own.extend_from_slice(b);
            }
            return Poll::Ready(Ok(total));
        }

        // The inner writer would only take the first slice anyway: buffer
        // as many whole slices as fit, so they leave in one write.
        while bufs.first().is_some_and(|b| b.is_empty()) {
            bufs = &bufs[1..];
        }
        let Some(first) = bufs.first() else {
            return Poll::Ready(Ok(0));
        };
        if first.len() > self.spare() {
            ready!(self.as_mut().flush_buf(cx))?;
        }
        let (inner, own, _, capacity) = self.project();
        if first.len() >= capacity {
            return inner.poll_write(cx, first);
        }
        own.extend_from_slice(first);
        let mut total = first.len();
        for b in &bufs[1..] {
            if b.len() > capacity - own.len() {
                break;
            }
            own.extend_from_slice(b);
            total += b.len();
        }
        Poll::Ready(Ok(total))
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.as_mut().flush_buf(cx))?;
        self.get_pin_mut().poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.as_mut().flush_buf(cx))?;
        self.get_pin_mut().poll_shutdown(cx)
    }
}

impl<W: AsyncWrite + AsyncRead> AsyncRead for BufWriter<W> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        self.get_pin_mut().poll_read(cx, buf)
    }
}

impl<W: AsyncWrite + AsyncBufRead> AsyncBufRead for BufWriter<W> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        self.get_pin_mut().poll_fill_buf(cx)
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        self.get_pin_mut().consume(amt)
    }
}

/// Seeks to an offset, in bytes, in the underlying writer.
///
/// Seeking always writes out the internal buffer first, so the data lands
/// where it was written, before the seek.
impl<W: AsyncWrite + AsyncSeek> AsyncSeek for BufWriter<W> {
    fn start_seek(self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()> {
        // Writing the buffer out needs a `Context`: `poll_complete` does it.
        *self.project_seek().1 = WriterSeek::Start(position);
        Ok(())
    }

    fn poll_complete(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        let position = match self.seek {
            WriterSeek::Idle => return self.project_seek().0.poll_complete(cx),
            WriterSeek::Start(position) => Some(position),
            WriterSeek::Pending => None,
        };
        ready!(self.as_mut().flush_buf(cx))?;
        let (mut inner, seek) = self.project_seek();
        if let Some(position) = position {
            // A seek started on the inner writer before ours must end first.
            ready!(inner.as_mut().poll_complete(cx))?;
            if let Err(e) = inner.as_mut().start_seek(position) {
                *seek = WriterSeek::Idle;
                return Poll::Ready(Err(e));
            }
        }
        match inner.poll_complete(cx) {
            Poll::Ready(res) => {
                *seek = WriterSeek::Idle;
                Poll::Ready(res)
            }
            Poll::Pending => {
                *seek = WriterSeek::Pending;
                Poll::Pending
            }
        }
    }
}

impl<W: fmt::Debug> fmt::Debug for BufWriter<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BufWriter")
            .field("writer", &self.inner)
            .field("buffer", &format_args!("{}/{}", self.buf.len(), self.capacity))
            .field("written", &self.written)
            .finish()
    }
}
