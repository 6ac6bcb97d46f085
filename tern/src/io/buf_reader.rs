//! `BufReader`: adds a buffer in front of a reader.

use crate::io::seek::SeekState;
use crate::io::{AsyncBufRead, AsyncRead, AsyncWrite, ReadBuf};
use std::fmt;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// Adds buffering to a reader.
///
/// A `BufReader` performs large, infrequent reads on the underlying
/// [`AsyncRead`] and keeps the results in an in-memory buffer, which helps
/// programs making small, repeated reads. When the `BufReader` is dropped,
/// the contents of its buffer are discarded.
///
/// # Examples
///
/// ```
/// use tern::io::{AsyncBufReadExt, BufReader};
///
/// # tern::runtime::Runtime::new().unwrap().block_on(async {
/// let mut reader = BufReader::new(&b"key: value\n"[..]);
/// let mut line = String::new();
/// reader.read_line(&mut line).await.unwrap();
/// assert_eq!(line, "key: value\n");
/// # });
/// ```
pub struct BufReader<R> {
    inner: R,
    state: Buffer,
}

/// The unpinned part of a `BufReader`: its buffer and seek progress.
pub(super) struct Buffer {
    buf: Box<[u8]>,
    /// Bytes `pos..cap` of `buf` are buffered and not yet consumed.
    pub(super) pos: usize,
    pub(super) cap: usize,
    pub(super) seek: SeekState,
}

impl Buffer {
    /// Forgets the buffered bytes.
    pub(super) fn discard(&mut self) {
        self.pos = 0;
        self.cap = 0;
    }
}

impl<R: AsyncRead> BufReader<R> {
    /// Creates a new `BufReader` with a default buffer capacity (8 KiB).
    pub fn new(inner: R) -> Self {
        Self::with_capacity(8 * 1024, inner)
    }

    /// Creates a new `BufReader` with the specified buffer capacity.
    ///
    /// # Panics
    ///
    /// Panics if `capacity` is zero (the reader could never hold a byte).
    #[track_caller]
    pub fn with_capacity(capacity: usize, inner: R) -> Self {
        assert!(capacity > 0, "capacity must be greater than zero");
        let buf = vec![0; capacity].into_boxed_slice();
        BufReader { inner, state: Buffer { buf, pos: 0, cap: 0, seek: SeekState::Idle } }
    }

    /// Gets a reference to the underlying reader.
    ///
    /// It is inadvisable to directly read from the underlying reader.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// Gets a mutable reference to the underlying reader.
    ///
    /// It is inadvisable to directly read from the underlying reader.
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// Gets a pinned mutable reference to the underlying reader.
    ///
    /// It is inadvisable to directly read from the underlying reader.
    pub fn get_pin_mut(self: Pin<&mut Self>) -> Pin<&mut R> {
        self.project().0
    }

    /// Returns a reference to the internally buffered data.
    ///
    /// Unlike `fill_buf`, this will not attempt to fill the buffer if it is
    /// empty.
    pub fn buffer(&self) -> &[u8] {
        &self.state.buf[self.state.pos..self.state.cap]
    }

    /// Consumes this `BufReader`, returning the underlying reader.
    ///
    /// Note that any leftover data in the internal buffer is lost.
    pub fn into_inner(self) -> R {
        self.inner
    }
}

impl<R> BufReader<R> {
    /// The same buffer (and its contents) around `f(inner)` (see
    /// `BufWriter::map_inner`).
    pub(super) fn map_inner<U>(self, f: impl FnOnce(R) -> U) -> BufReader<U> {
        BufReader { inner: f(self.inner), state: self.state }
    }

    /// Splits a pinned `BufReader` into its pinned reader and its buffer.
    pub(super) fn project(self: Pin<&mut Self>) -> (Pin<&mut R>, &mut Buffer) {
        // SAFETY: `inner` is structurally pinned and `state` is not. `inner`
        // is never moved while the `BufReader` is pinned: the only move out
        // is `into_inner`, which takes an unpinned `self` by value;
        // `BufReader` has no `Drop` impl and is not `repr(packed)`; and the
        // auto-derived `Unpin` holds only when `R: Unpin` (`Buffer` is
        // `Unpin`).
        unsafe {
            let me = self.get_unchecked_mut();
            (Pin::new_unchecked(&mut me.inner), &mut me.state)
        }
    }
}

impl<R: fmt::Debug> fmt::Debug for BufReader<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BufReader")
            .field("reader", &self.inner)
            .field("buffer", &format_args!("{}/{}", self.state.cap - self.state.pos, self.state.buf.len()))
            .finish()
    }
}

impl<R: AsyncRead> AsyncRead for BufReader<R> {
    #[inline]
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        // Large reads with an empty buffer bypass it.
        if self.state.pos == self.state.cap && buf.remaining() >= self.state.buf.len() {
            let (inner, state) = self.project();
            let res = ready!(inner.poll_read(cx, buf));
            state.discard();
            return Poll::Ready(res);
        }
        let available = ready!(self.as_mut().poll_fill_buf(cx))?;
        let n = available.len().min(buf.remaining());
        buf.put_slice(&available[..n]);
        self.consume(n);
        Poll::Ready(Ok(()))
    }
}

impl<R: AsyncRead> AsyncBufRead for BufReader<R> {
    #[inline]
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let (inner, me) = self.project();
        if me.pos >= me.cap {
            let mut rb = ReadBuf::new(&mut me.buf);
            ready!(inner.poll_read(cx, &mut rb))?;
            me.cap = rb.filled().len();
            me.pos = 0;
        }
        Poll::Ready(Ok(&me.buf[me.pos..me.cap]))
    }

    #[inline]
    fn consume(self: Pin<&mut Self>, amt: usize) {
        let (_, me) = self.project();
        me.pos = (me.pos + amt).min(me.cap);
    }
}

impl<R: AsyncRead + AsyncWrite> AsyncWrite for BufReader<R> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.get_pin_mut().poll_write(cx, buf)
    }
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.get_pin_mut().poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_pin_mut().poll_flush(cx)
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_pin_mut().poll_shutdown(cx)
    }
}
