//! `BufStream`: a `BufReader` over a `BufWriter`, for read/write objects.

use crate::io::{AsyncBufRead, AsyncRead, AsyncSeek, AsyncWrite, BufReader, BufWriter, ReadBuf};
use std::io::{self, IoSlice, SeekFrom};
use std::pin::Pin;
use std::task::{Context, Poll};

/// Wraps a type that is [`AsyncWrite`] and [`AsyncRead`], and buffers its
/// input and output.
///
/// It can be excessively inefficient to work directly with something that
/// implements [`AsyncWrite`] and [`AsyncRead`]. For example, every `write`,
/// however small, has to traverse the syscall interface, and similarly,
/// every read has to do the same. The [`BufWriter`] and [`BufReader`] types
/// aid with these problems respectively, but do so in only one direction.
/// `BufStream` wraps one in the other so that both directions are buffered.
///
/// As with [`BufWriter`], written data sits in the buffer until a flush (or
/// shutdown): dropping a `BufStream` discards unflushed output.
///
/// # Examples
///
/// ```
/// use tern::io::{AsyncBufReadExt, AsyncWriteExt, BufStream};
///
/// # tern::runtime::Runtime::new().unwrap().block_on(async {
/// let (client, server) = tern::io::duplex(64);
/// let mut client = BufStream::new(client);
/// let mut server = BufStream::new(server);
///
/// client.write_all(b"hello\n").await.unwrap();
/// client.flush().await.unwrap();
///
/// let mut line = String::new();
/// server.read_line(&mut line).await.unwrap();
/// assert_eq!(line, "hello\n");
/// # });
/// ```
#[derive(Debug)]
pub struct BufStream<RW> {
    inner: BufReader<BufWriter<RW>>,
}

impl<RW: AsyncRead + AsyncWrite> BufStream<RW> {
    /// Wraps a type in both [`BufWriter`] and [`BufReader`].
    ///
    /// See the documentation for those types and [`BufStream`] for details.
    pub fn new(stream: RW) -> BufStream<RW> {
        BufStream { inner: BufReader::new(BufWriter::new(stream)) }
    }

    /// Creates a `BufStream` with the specified [`BufReader`] capacity and
    /// [`BufWriter`] capacity.
    ///
    /// See the documentation for those types and [`BufStream`] for details.
    ///
    /// # Panics
    ///
    /// Panics if `reader_capacity` is zero.
    #[track_caller]
    pub fn with_capacity(reader_capacity: usize, writer_capacity: usize, stream: RW) -> BufStream<RW> {
        BufStream {
            inner: BufReader::with_capacity(
                reader_capacity,
                BufWriter::with_capacity(writer_capacity, stream),
            ),
        }
    }

    /// Gets a reference to the underlying I/O object.
    ///
    /// It is inadvisable to directly read from the underlying I/O object.
    pub fn get_ref(&self) -> &RW {
        self.inner.get_ref().get_ref()
    }

    /// Gets a mutable reference to the underlying I/O object.
    ///
    /// It is inadvisable to directly read from the underlying I/O object.
    pub fn get_mut(&mut self) -> &mut RW {
        self.inner.get_mut().get_mut()
    }

    /// Gets a pinned mutable reference to the underlying I/O object.
    ///
    /// It is inadvisable to directly read from the underlying I/O object.
    pub fn get_pin_mut(self: Pin<&mut Self>) -> Pin<&mut RW> {
        self.buffers().get_pin_mut().get_pin_mut()
    }

    /// Consumes this `BufStream`, returning the underlying I/O object.
    ///
    /// Note that any leftover data in the internal buffers is lost.
    pub fn into_inner(self) -> RW {
        self.inner.into_inner().into_inner()
    }
}

/// Wraps the already-buffered reader; the buffers are kept.
impl<RW> From<BufReader<BufWriter<RW>>> for BufStream<RW> {
    fn from(b: BufReader<BufWriter<RW>>) -> Self {
        BufStream { inner: b }
    }
}

/// Turns the layers inside out (the reader buffer goes outside, the writer
/// buffer inside); both buffers and their contents are kept.
impl<RW> From<BufWriter<BufReader<RW>>> for BufStream<RW> {
    fn from(b: BufWriter<BufReader<RW>>) -> Self {
        let mut reader = None;
        let writer = b.map_inner(|r| {
            let mut stream = None;
            reader = Some(r.map_inner(|rw| stream = Some(rw)));
            stream.expect("map_inner calls its closure")
        });
        let reader = reader.expect("map_inner calls its closure");
        BufStream { inner: reader.map_inner(|()| writer) }
    }
}

/// Seeks the underlying stream: the read buffer is discarded and the write
/// buffer written out first (see the `AsyncSeek` impls of [`BufReader`] and
/// [`BufWriter`]).
impl<RW: AsyncRead + AsyncWrite + AsyncSeek> AsyncSeek for BufStream<RW> {
    fn start_seek(self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()> {
        self.buffers().start_seek(position)
    }

    fn poll_complete(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        self.buffers().poll_complete(cx)
    }
}

impl<RW> BufStream<RW> {
    /// Pin projection to the one field.
    fn buffers(self: Pin<&mut Self>) -> Pin<&mut BufReader<BufWriter<RW>>> {
        // SAFETY: `inner` is structurally pinned: it is never moved out of a
        // pinned `BufStream` (`into_inner` takes an unpinned `self` by
        // value), `BufStream` has no `Drop` impl and is not `repr(packed)`,
        // and it is `Unpin` exactly when `inner` is.
        unsafe { self.map_unchecked_mut(|me| &mut me.inner) }
    }
}

impl<RW: AsyncRead + AsyncWrite> AsyncWrite for BufStream<RW> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.buffers().get_pin_mut().poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.buffers().get_pin_mut().poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.get_ref().is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.buffers().get_pin_mut().poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.buffers().get_pin_mut().poll_shutdown(cx)
    }
}

impl<RW: AsyncRead + AsyncWrite> AsyncRead for BufStream<RW> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        self.buffers().poll_read(cx, buf)
    }
}

impl<RW: AsyncRead + AsyncWrite> AsyncBufRead for BufStream<RW> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        self.buffers().poll_fill_buf(cx)
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        self.buffers().consume(amt)
    }
}
