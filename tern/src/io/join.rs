//! `join`: one reader and one writer as a single read/write object.

use crate::io::{AsyncBufRead, AsyncRead, AsyncWrite, ReadBuf};
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{Context, Poll};

/// Joins a reader and a writer into a single object that implements
/// [`AsyncRead`] with the reader and [`AsyncWrite`] with the writer (and
/// [`AsyncBufRead`] when the reader does).
///
/// # Examples
///
/// ```
/// # tern::runtime::Runtime::new().unwrap().block_on(async {
/// use tern::io::{AsyncReadExt, AsyncWriteExt};
/// let mut rw = tern::io::join(&b"request"[..], Vec::new());
/// let mut got = String::new();
/// rw.read_to_string(&mut got).await.unwrap();
/// rw.write_all(b"response").await.unwrap();
/// let (_, written) = rw.into_inner();
/// assert_eq!((got.as_str(), &written[..]), ("request", &b"response"[..]));
/// # });
/// ```
pub fn join<R, W>(reader: R, writer: W) -> Join<R, W>
where
    R: AsyncRead,
    W: AsyncWrite,
{
    Join { reader, writer }
}

/// A reader and a writer joined together, from [`join`].
#[derive(Debug)]
pub struct Join<R, W> {
    reader: R,
    writer: W,
}

impl<R, W> Join<R, W> {
    /// Splits into the reader and the writer.
    pub fn into_inner(self) -> (R, W) {
        (self.reader, self.writer)
    }

    /// Returns a reference to the reader.
    pub fn reader(&self) -> &R {
        &self.reader
    }

    /// Returns a reference to the writer.
    pub fn writer(&self) -> &W {
        &self.writer
    }

    /// Returns a mutable reference to the reader.
    pub fn reader_mut(&mut self) -> &mut R {
        &mut self.reader
    }

    /// Returns a mutable reference to the writer.
    pub fn writer_mut(&mut self) -> &mut W {
        &mut self.writer
    }

    /// Returns a pinned mutable reference to the reader.
    pub fn reader_pin_mut(self: Pin<&mut Self>) -> Pin<&mut R> {
        self.project().0
    }

    /// Returns a pinned mutable reference to the writer.
    pub fn writer_pin_mut(self: Pin<&mut Self>) -> Pin<&mut W> {
        self.project().1
    }

    fn project(self: Pin<&mut Self>) -> (Pin<&mut R>, Pin<&mut W>) {
        // SAFETY: both fields are structurally pinned: they are handed out
        // only pinned from a pinned `Join`, moved out only by `into_inner`
        // (which takes an unpinned `self`), and `Join` has no `Drop` impl,
        // is not `repr(packed)` and is `Unpin` exactly when both are.
        unsafe {
            let me = self.get_unchecked_mut();
            (Pin::new_unchecked(&mut me.reader), Pin::new_unchecked(&mut me.writer))
        }
    }
}

impl<R: AsyncRead, W> AsyncRead for Join<R, W> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        self.reader_pin_mut().poll_read(cx, buf)
    }
}

impl<R: AsyncBufRead, W> AsyncBufRead for Join<R, W> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        self.reader_pin_mut().poll_fill_buf(cx)
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        self.reader_pin_mut().consume(amt)
    }
}

impl<R, W: AsyncWrite> AsyncWrite for Join<R, W> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.writer_pin_mut().poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.writer_pin_mut().poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.writer_pin_mut().poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.writer_pin_mut().poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.writer.is_write_vectored()
    }
}
