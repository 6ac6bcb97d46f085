//! `Chain`: one reader after another.

use crate::io::{AsyncBufRead, AsyncRead, ReadBuf};
use std::fmt;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// Reader for the [`chain`](crate::io::AsyncReadExt::chain) method: reads
/// the first reader to end of file, then the second.
///
/// # Examples
///
/// ```
/// use tern::io::AsyncReadExt;
///
/// # tern::runtime::Runtime::new().unwrap().block_on(async {
/// let first: &[u8] = b"hello ";
/// let second: &[u8] = b"world";
/// let mut out = String::new();
/// first.chain(second).read_to_string(&mut out).await.unwrap();
/// assert_eq!(out, "hello world");
/// # });
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct Chain<T, U> {
    first: T,
    second: U,
    done_first: bool,
}

impl<T: AsyncRead, U: AsyncRead> Chain<T, U> {
    /// Chains `first` with `second`.
    pub(crate) fn new(first: T, second: U) -> Chain<T, U> {
        Chain { first, second, done_first: false }
    }

    /// Gets references to the underlying readers in this `Chain`.
    pub fn get_ref(&self) -> (&T, &U) {
        (&self.first, &self.second)
    }

    /// Gets mutable references to the underlying readers in this `Chain`.
    ///
    /// Care should be taken to avoid modifying the internal I/O state of
    /// the underlying readers as doing so may corrupt the internal state of
    /// this `Chain`.
    pub fn get_mut(&mut self) -> (&mut T, &mut U) {
        (&mut self.first, &mut self.second)
    }

    /// Gets pinned mutable references to the underlying readers in this
    /// `Chain`.
    ///
    /// Care should be taken to avoid modifying the internal I/O state of
    /// the underlying readers as doing so may corrupt the internal state of
    /// this `Chain`.
    pub fn get_pin_mut(self: Pin<&mut Self>) -> (Pin<&mut T>, Pin<&mut U>) {
        let (first, second, _) = self.project();
        (first, second)
    }

    /// Consumes the `Chain`, returning the wrapped readers.
    pub fn into_inner(self) -> (T, U) {
        (self.first, self.second)
    }
}

impl<T, U> Chain<T, U> {
    /// Splits a pinned `Chain` into its two pinned readers and its state.
    fn project(self: Pin<&mut Self>) -> (Pin<&mut T>, Pin<&mut U>, &mut bool) {
        // SAFETY: `first` and `second` are structurally pinned. Neither is
        // moved while the `Chain` is pinned: the only move out is
        // `into_inner`, which takes an unpinned `self` by value; `Chain`
        // has no `Drop` impl and is not `repr(packed)`; and the
        // auto-derived `Unpin` holds only when both `T` and `U` are
        // `Unpin`. `done_first` is not pinned.
        unsafe {
            let me = self.get_unchecked_mut();
            (Pin::new_unchecked(&mut me.first), Pin::new_unchecked(&mut me.second), &mut me.done_first)
        }
    }
}

impl<T: fmt::Debug, U: fmt::Debug> fmt::Debug for Chain<T, U> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Chain").field("t", &self.first).field("u", &self.second).finish()
    }
}

impl<T: AsyncRead, U: AsyncRead> AsyncRead for Chain<T, U> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let (first, second, done_first) = self.project();
        if !*done_first {
            let remaining = buf.remaining();
            // With no room, nothing read says nothing about end of file.
            if remaining == 0 {
                return Poll::Ready(Ok(()));
            }
            ready!(first.poll_read(cx, buf))?;
            if buf.remaining() != remaining {
                return Poll::Ready(Ok(()));
            }
            *done_first = true;
        }
        second.poll_read(cx, buf)
    }
}

impl<T: AsyncBufRead, U: AsyncBufRead> AsyncBufRead for Chain<T, U> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let (first, second, done_first) = self.project();
        if !*done_first {
            let available = ready!(first.poll_fill_buf(cx))?;
            if !available.is_empty() {
                return Poll::Ready(Ok(available));
            }
            *done_first = true;
        }
        second.poll_fill_buf(cx)
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        let (first, second, done_first) = self.project();
        if *done_first {
            second.consume(amt);
        } else {
            first.consume(amt);
        }
    }
}
