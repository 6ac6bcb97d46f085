//! `Take`: a reader limited to a number of bytes.

use crate::io::{AsyncBufRead, AsyncRead, ReadBuf};
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// Reader for the [`take`](crate::io::AsyncReadExt::take) method: reads at
/// most `limit` bytes from the inner reader, then reports end of file.
///
/// # Examples
///
/// ```
/// use tern::io::AsyncReadExt;
///
/// # tern::runtime::Runtime::new().unwrap().block_on(async {
/// let reader: &[u8] = b"hello world";
/// let mut first = reader.take(5);
/// let mut out = String::new();
/// first.read_to_string(&mut out).await.unwrap();
/// assert_eq!(out, "hello");
/// assert_eq!(first.limit(), 0);
/// # });
/// ```
#[derive(Debug)]
#[must_use = "streams do nothing unless you `.await` or poll them"]
pub struct Take<R> {
    inner: R,
    // Named with a trailing underscore so as not to clash with `limit()`.
    limit_: u64,
}

impl<R: AsyncRead> Take<R> {
    /// Wraps `inner`, letting at most `limit` bytes be read from it.
    pub(crate) fn new(inner: R, limit: u64) -> Take<R> {
        Take { inner, limit_: limit }
    }

    /// Returns the remaining number of bytes that can be read before this
    /// instance will return EOF.
    ///
    /// # Note
    ///
    /// This instance may reach `EOF` after reading fewer bytes than
    /// indicated by this method if the underlying [`AsyncRead`] instance
    /// reaches EOF.
    pub fn limit(&self) -> u64 {
        self.limit_
    }

    /// Sets the number of bytes that can be read before this instance will
    /// return EOF. This is the same as constructing a new `Take` instance,
    /// so the amount of bytes read and the previous limit value don't
    /// matter when calling this method.
    pub fn set_limit(&mut self, limit: u64) {
        self.limit_ = limit;
    }

    /// Gets a reference to the underlying reader.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// Gets a mutable reference to the underlying reader.
    ///
    /// Care should be taken to avoid modifying the internal I/O state of
    /// the underlying reader as doing so may corrupt the internal limit of
    /// this `Take`.
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// Gets a pinned mutable reference to the underlying reader.
    ///
    /// Care should be taken to avoid modifying the internal I/O state of
    /// the underlying reader as doing so may corrupt the internal limit of
    /// this `Take`.
    pub fn get_pin_mut(self: Pin<&mut Self>) -> Pin<&mut R> {
        self.project().0
    }

    /// Consumes the `Take`, returning the wrapped reader.
    pub fn into_inner(self) -> R {
        self.inner
    }
}

impl<R> Take<R> {
    /// Splits a pinned `Take` into its pinned reader and its limit.
    fn project(self: Pin<&mut Self>) -> (Pin<&mut R>, &mut u64) {
        // SAFETY: `inner` is structurally pinned. It is never moved while
        // the `Take` is pinned: the only move out is `into_inner`, which
        // takes an unpinned `self` by value; `Take` has no `Drop` impl and
        // is not `repr(packed)`; and the auto-derived `Unpin` holds only
        // when `R: Unpin`. `limit_` is not pinned and is handed out as a
        // plain reference.
        unsafe {
            let me = self.get_unchecked_mut();
            (Pin::new_unchecked(&mut me.inner), &mut me.limit_)
        }
    }
}

impl<R: AsyncRead> AsyncRead for Take<R> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let (inner, limit) = self.project();
        if *limit == 0 {
            return Poll::Ready(Ok(()));
        }
        let before = buf.filled().len();
        if *limit >= buf.remaining() as u64 {
            // The whole buffer fits within the limit: let the reader fill it.
            ready!(inner.poll_read(cx, buf))?;
            let n = buf.filled().len().saturating_sub(before);
            *limit = limit.saturating_sub(n as u64);
            return Poll::Ready(Ok(()));
        }
        // Only part of the buffer may be filled: lend the reader exactly
        // `limit` bytes of it (initialising them, so no unsafe is needed;
        // `buf` remembers they are initialised for later reads).
        let window = buf.initialize_unfilled_to(*limit as usize);
        let mut part = ReadBuf::new(window);
        let start = part.filled().as_ptr();
        ready!(inner.poll_read(cx, &mut part))?;
        assert_eq!(part.filled().as_ptr(), start, "the reader swapped the buffer it was given");
        let n = part.filled().len();
        buf.advance(n);
        *limit -= n as u64;
        Poll::Ready(Ok(()))
    }
}

impl<R: AsyncBufRead> AsyncBufRead for Take<R> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let (inner, limit) = self.project();
        // At the limit, do not touch the inner reader: it might block.
        if *limit == 0 {
            return Poll::Ready(Ok(&[]));
        }
        let available = ready!(inner.poll_fill_buf(cx))?;
        let cap = available.len().min(usize::try_from(*limit).unwrap_or(usize::MAX));
        Poll::Ready(Ok(&available[..cap]))
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        let (inner, limit) = self.project();
        // An oversized `amt` must not reset the limit.
        let amt = (amt as u64).min(*limit) as usize;
        *limit -= amt as u64;
        inner.consume(amt);
    }
}
