//! `AsyncReadExt` and `AsyncWriteExt`: the async methods over the poll
//! traits, each returning a small named future (as Tokio's do). The
//! future types live here (or are re-exported here) so they can be named.

use crate::io::numeric::{read_methods, write_methods};
use crate::io::{AsyncRead, AsyncWrite, Chain, ReadBuf, Take};
use bytes::{Buf, BufMut};
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

pub use crate::io::buf_read::FillBuf;
pub use crate::io::numeric::{
    ReadF32, ReadF32Le, ReadF64, ReadF64Le, ReadI128, ReadI128Le, ReadI16, ReadI16Le, ReadI32, ReadI32Le,
    ReadI64, ReadI64Le, ReadI8, ReadU128, ReadU128Le, ReadU16, ReadU16Le, ReadU32, ReadU32Le, ReadU64,
    ReadU64Le, ReadU8,
};
pub use crate::io::numeric::{
    WriteF32, WriteF32Le, WriteF64, WriteF64Le, WriteI128, WriteI128Le, WriteI16, WriteI16Le, WriteI32,
    WriteI32Le, WriteI64, WriteI64Le, WriteI8, WriteU128, WriteU128Le, WriteU16, WriteU16Le, WriteU32,
    WriteU32Le, WriteU64, WriteU64Le, WriteU8,
};
pub use crate::io::seek::Seek;

/// Reads bytes from a source (extension methods of [`AsyncRead`]).
///
/// # Examples
///
/// ```
/// use tern::io::AsyncReadExt;
///
/// # tern::runtime::Runtime::new().unwrap().block_on(async {
/// let mut reader: &[u8] = b"hello";
/// let mut buf = String::new();
/// reader.read_to_string(&mut buf).await.unwrap();
/// assert_eq!(buf, "hello");
/// # });
/// ```
pub trait AsyncReadExt: AsyncRead {
    /// Creates a new `AsyncRead` instance that chains this stream with
    /// `next`.
    ///
    /// The returned `AsyncRead` instance will first read all bytes from
    /// this object until EOF is encountered. Afterwards the output is
    /// equivalent to the output of `next`.
    fn chain<R>(self, next: R) -> Chain<Self, R>
    where
        Self: Sized,
        R: AsyncRead,
    {
        Chain::new(self, next)
    }

    /// Pulls some bytes from this source into `buf`, returning how many
    /// bytes were read (0: end of file).
    fn read<'a>(&'a mut self, buf: &'a mut [u8]) -> Read<'a, Self>
    where
        Self: Unpin,
    {
        Read { reader: self, buf }
    }

    /// Pulls some bytes from this source into the specified buffer,
    /// advancing the buffer's internal cursor, and returns how many bytes
    /// were read.
    ///
    /// Usually, only a single `read` of the underlying source is issued,
    /// even if there is more space in the supplied buffer. A return of `0`
    /// means that the reader reached end of file, or that `buf` has no
    /// remaining capacity (`BufMut::has_remaining_mut` is false).
    ///
    /// # Cancel safety
    ///
    /// This method is cancel safe: if it is cancelled, no data was read.
    ///
    /// # Examples
    ///
    /// ```
    /// use bytes::BytesMut;
    /// use tern::io::AsyncReadExt;
    ///
    /// # tern::runtime::Runtime::new().unwrap().block_on(async {
    /// let mut reader: &[u8] = b"hello";
    /// let mut buffer = BytesMut::with_capacity(10);
    ///
    /// let n = reader.read_buf(&mut buffer).await.unwrap();
    /// assert_eq!(n, 5);
    /// assert_eq!(&buffer[..], b"hello");
    /// # });
    /// ```
    fn read_buf<'a, B>(&'a mut self, buf: &'a mut B) -> ReadBufFuture<'a, Self, B>
    where
        Self: Unpin,
        B: BufMut + ?Sized,
    {
        ReadBufFuture { reader: self, buf }
    }

    /// Reads exactly `buf.len()` bytes; `UnexpectedEof` if the source ends
    /// first.
    fn read_exact<'a>(&'a mut self, buf: &'a mut [u8]) -> ReadExact<'a, Self>
    where
        Self: Unpin,
    {
        ReadExact { reader: self, buf, filled: 0 }
    }

    read_methods!();

    /// Reads all bytes until end of file, appending them to `buf`.
    fn read_to_end<'a>(&'a mut self, buf: &'a mut Vec<u8>) -> ReadToEnd<'a, Self>
    where
        Self: Unpin,
    {
        let start = buf.len();
        ReadToEnd { reader: self, buf, start }
    }

    /// Reads all bytes until end of file, appending them to `buf` as UTF-8.
    fn read_to_string<'a>(&'a mut self, buf: &'a mut String) -> ReadToString<'a, Self>
    where
        Self: Unpin,
    {
        ReadToString { reader: self, buf, bytes: Vec::new() }
    }

    /// Creates an adaptor which reads at most `limit` bytes from it.
    ///
    /// This function returns a new instance of `AsyncRead` which will read
    /// at most `limit` bytes, after which it will always return EOF
    /// (`Ok(0)`). Any read errors will not count towards the number of
    /// bytes read and future calls to [`read`](AsyncReadExt::read) may
    /// succeed.
    fn take(self, limit: u64) -> Take<Self>
    where
        Self: Sized,
    {
        Take::new(self, limit)
    }
}

impl<R: AsyncRead + ?Sized> AsyncReadExt for R {}

/// Writes bytes to a sink (extension methods of [`AsyncWrite`]).
pub trait AsyncWriteExt: AsyncWrite {
    /// Writes a buffer into this writer, returning how many bytes were
    /// written.
    fn write<'a>(&'a mut self, buf: &'a [u8]) -> Write<'a, Self>
    where
        Self: Unpin,
    {
        Write { writer: self, buf }
    }

    /// Writes an entire buffer into this writer.
    fn write_all<'a>(&'a mut self, buf: &'a [u8]) -> WriteAll<'a, Self>
    where
        Self: Unpin,
    {
        WriteAll { writer: self, buf }
    }

    /// Like [`write`](AsyncWriteExt::write), except that it writes from a
    /// slice of buffers, returning how many bytes were written.
    ///
    /// Data is copied from each buffer in order, with the final buffer
    /// read from possibly being only partially consumed.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::IoSlice;
    /// use tern::io::AsyncWriteExt;
    ///
    /// # tern::runtime::Runtime::new().unwrap().block_on(async {
    /// let mut writer = std::io::Cursor::new(Vec::new());
    /// let bufs = [IoSlice::new(b"hello "), IoSlice::new(b"world")];
    /// let n = writer.write_vectored(&bufs).await.unwrap();
    /// assert_eq!(&writer.get_ref()[..n], &b"hello world"[..n]);
    /// # });
    /// ```
    fn write_vectored<'a, 'b>(&'a mut self, bufs: &'a [io::IoSlice<'b>]) -> WriteVectored<'a, 'b, Self>
    where
        Self: Unpin,
    {
        WriteVectored { writer: self, bufs }
    }

    /// Writes a buffer into this writer, advancing the buffer's internal
    /// cursor, and returns how many bytes were written.
    ///
    /// At most one write of the underlying writer is issued, with the
    /// buffer's current chunk ([`Buf::chunk`]). A return of `0` means the
    /// writer accepted nothing, or that `src` had no bytes remaining.
    ///
    /// # Cancel safety
    ///
    /// This method is cancel safe: if it is cancelled, no data was
    /// written.
    ///
    /// # Examples
    ///
    /// ```
    /// use tern::io::AsyncWriteExt;
    ///
    /// # tern::runtime::Runtime::new().unwrap().block_on(async {
    /// let mut writer = Vec::new();
    /// let mut buffer = bytes::Bytes::from_static(b"some bytes");
    /// let n = writer.write_buf(&mut buffer).await.unwrap();
    /// assert_eq!(n, 10);
    /// assert!(buffer.is_empty());
    /// assert_eq!(writer, b"some bytes");
    /// # });
    /// ```
    fn write_buf<'a, B>(&'a mut self, src: &'a mut B) -> WriteBuf<'a, Self, B>
    where
        Self: Sized + Unpin,
        B: Buf,
    {
        WriteBuf { writer: self, buf: src }
    }

    /// Writes every remaining byte of a buffer into this writer, advancing
    /// the buffer's internal cursor.
    ///
    /// Uses vectored writes when the writer
    /// [`is_write_vectored`](AsyncWrite::is_write_vectored). A writer that
    /// accepts zero bytes fails the call with [`io::ErrorKind::WriteZero`].
    ///
    /// # Cancel safety
    ///
    /// If cancelled, the bytes already written have been consumed from
    /// `src` (its cursor was advanced past them), so calling the method
    /// again with the same `src` resumes where it stopped.
    ///
    /// # Examples
    ///
    /// ```
    /// use bytes::Buf;
    /// use tern::io::AsyncWriteExt;
    ///
    /// # tern::runtime::Runtime::new().unwrap().block_on(async {
    /// let mut writer = Vec::new();
    /// let mut buffer = (&b"hello "[..]).chain(&b"world"[..]);
    /// writer.write_all_buf(&mut buffer).await.unwrap();
    /// assert!(!buffer.has_remaining());
    /// assert_eq!(writer, b"hello world");
    /// # });
    /// ```
    fn write_all_buf<'a, B>(&'a mut self, src: &'a mut B) -> WriteAllBuf<'a, Self, B>
    where
        Self: Sized + Unpin,
        B: Buf,
    {
        WriteAllBuf { writer: self, buf: src }
    }

    write_methods!();

    /// Flushes this output stream.
    fn flush(&mut self) -> Flush<'_, Self>
    where
        Self: Unpin,
    {
        Flush { writer: self }
    }

    /// Shuts down the output stream (for a TCP stream: sends FIN).
    fn shutdown(&mut self) -> Shutdown<'_, Self>
    where
        Self: Unpin,
    {
        Shutdown { writer: self }
    }
}

impl<W: AsyncWrite + ?Sized> AsyncWriteExt for W {}

macro_rules! future_debug {
    ($($name:ident),*) => { $(
        impl<T: ?Sized> std::fmt::Debug for $name<'_, T> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($name)).finish_non_exhaustive()
            }
        }
    )* };
}

future_debug!(Read, ReadExact, ReadToEnd, ReadToString, Write, WriteAll, Flush, Shutdown);

impl<R: ?Sized, B: ?Sized> std::fmt::Debug for ReadBufFuture<'_, R, B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadBufFuture").finish_non_exhaustive()
    }
}

impl<W: ?Sized> std::fmt::Debug for WriteVectored<'_, '_, W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteVectored").field("bufs", &self.bufs.len()).finish_non_exhaustive()
    }
}

impl<W, B> std::fmt::Debug for WriteBuf<'_, W, B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteBuf").finish_non_exhaustive()
    }
}

impl<W, B> std::fmt::Debug for WriteAllBuf<'_, W, B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteAllBuf").finish_non_exhaustive()
    }
}

/// Future of [`AsyncReadExt::read`].
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Read<'a, R: ?Sized> {
    reader: &'a mut R,
    buf: &'a mut [u8],
}

impl<R: AsyncRead + Unpin + ?Sized> Future for Read<'_, R> {
    type Output = io::Result<usize>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let me = self.get_mut();
        let mut buf = ReadBuf::new(me.buf);
        ready!(Pin::new(&mut *me.reader).poll_read(cx, &mut buf))?;
        Poll::Ready(Ok(buf.filled().len()))
    }
}

/// Future of [`AsyncReadExt::read_exact`].
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadExact<'a, R: ?Sized> {
    reader: &'a mut R,
    buf: &'a mut [u8],
    filled: usize,
}

impl<R: AsyncRead + Unpin + ?Sized> Future for ReadExact<'_, R> {
    type Output = io::Result<usize>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let me = self.get_mut();
        while me.filled < me.buf.len() {
            let mut buf = ReadBuf::new(&mut me.buf[me.filled..]);
            ready!(Pin::new(&mut *me.reader).poll_read(cx, &mut buf))?;
            let n = buf.filled().len();
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::UnexpectedEof.into()));
            }
            me.filled += n;
        }
        Poll::Ready(Ok(me.filled))
    }
}

/// Future of [`AsyncReadExt::read_to_end`].
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadToEnd<'a, R: ?Sized> {
    reader: &'a mut R,
    buf: &'a mut Vec<u8>,
    start: usize,
}

fn poll_read_to_end<R: AsyncRead + Unpin + ?Sized>(
    reader: &mut R,
    buf: &mut Vec<u8>,
    cx: &mut Context<'_>,
) -> Poll<io::Result<()>> {
    loop {
        if buf.capacity() - buf.len() < 32 {
            buf.reserve(buf.capacity().clamp(32, 64 * 1024));
        }
        let len = buf.len();
        let spare = buf.spare_capacity_mut();
        let spare_len = spare.len();
        let mut rb = ReadBuf::uninit(spare);
        let start = rb.filled().as_ptr();
        ready!(Pin::new(&mut *reader).poll_read(cx, &mut rb))?;
        // A reader may replace the `ReadBuf` it was lent (it is covariant);
        // only a fill of this very buffer may be committed to the Vec.
        assert_eq!(rb.filled().as_ptr(), start, "the reader swapped the buffer it was given");
        let n = rb.filled().len();
        assert!(n <= spare_len);
        if n == 0 {
            return Poll::Ready(Ok(()));
        }
        // SAFETY: `rb` is still the `ReadBuf` over `buf`'s spare capacity
        // (asserted above), and a `ReadBuf`'s filled part is initialised,
        // so the `n <= spare_len` bytes after `len` are initialised.
        unsafe { buf.set_len(len + n) };
    }
}

impl<R: AsyncRead + Unpin + ?Sized> Future for ReadToEnd<'_, R> {
    type Output = io::Result<usize>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let me = self.get_mut();
        ready!(poll_read_to_end(me.reader, me.buf, cx))?;
        Poll::Ready(Ok(me.buf.len() - me.start))
    }
}

/// Future of [`AsyncReadExt::read_to_string`].
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadToString<'a, R: ?Sized> {
    reader: &'a mut R,
    buf: &'a mut String,
    bytes: Vec<u8>,
}

impl<R: AsyncRead + Unpin + ?Sized> Future for ReadToString<'_, R> {
    type Output = io::Result<usize>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let me = self.get_mut();
        ready!(poll_read_to_end(me.reader, &mut me.bytes, cx))?;
        let s = std::str::from_utf8(&me.bytes)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "stream did not contain valid UTF-8"))?;
        me.buf.push_str(s);
        Poll::Ready(Ok(me.bytes.len()))
    }
}

/// Future of [`AsyncWriteExt::write`].
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Write<'a, W: ?Sized> {
    writer: &'a mut W,
    buf: &'a [u8],
}

impl<W: AsyncWrite + Unpin + ?Sized> Future for Write<'_, W> {
    type Output = io::Result<usize>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let me = self.get_mut();
        Pin::new(&mut *me.writer).poll_write(cx, me.buf)
    }
}

/// Future of [`AsyncWriteExt::write_all`].
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct WriteAll<'a, W: ?Sized> {
    writer: &'a mut W,
    buf: &'a [u8],
}

impl<W: AsyncWrite + Unpin + ?Sized> Future for WriteAll<'_, W> {
    type Output = io::Result<()>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let me = self.get_mut();
        while !me.buf.is_empty() {
            let n = ready!(Pin::new(&mut *me.writer).poll_write(cx, me.buf))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            me.buf = &me.buf[n..];
        }
        Poll::Ready(Ok(()))
    }
}

/// Future of [`AsyncWriteExt::flush`].
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Flush<'a, W: ?Sized> {
    writer: &'a mut W,
}

impl<W: AsyncWrite + Unpin + ?Sized> Future for Flush<'_, W> {
    type Output = io::Result<()>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut *self.get_mut().writer).poll_flush(cx)
    }
}

/// Future of [`AsyncWriteExt::shutdown`].
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Shutdown<'a, W: ?Sized> {
    writer: &'a mut W,
}

impl<W: AsyncWrite + Unpin + ?Sized> Future for Shutdown<'_, W> {
    type Output = io::Result<()>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut *self.get_mut().writer).poll_shutdown(cx)
    }
}

/// Future of [`AsyncReadExt::read_buf`]. (Tokio calls its version
/// `ReadBuf`; here that name is taken by [`crate::io::ReadBuf`].)
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadBufFuture<'a, R: ?Sized, B: ?Sized> {
    reader: &'a mut R,
    buf: &'a mut B,
}

impl<R: AsyncRead + Unpin + ?Sized, B: BufMut + ?Sized> Future for ReadBufFuture<'_, R, B> {
    type Output = io::Result<usize>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let me = self.get_mut();
        if !me.buf.has_remaining_mut() {
            return Poll::Ready(Ok(0));
        }
        let n = {
            let chunk = me.buf.chunk_mut();
            // SAFETY: the slice is only reached through a `ReadBuf`, which
            // never reads bytes it has not initialised itself and never
            // writes uninitialised bytes (its unsafe accessors oblige their
            // callers not to de-initialise memory either).
            let dst = unsafe { chunk.as_uninit_slice_mut() };
            let mut rb = ReadBuf::uninit(dst);
            let start = rb.filled().as_ptr();
            ready!(Pin::new(&mut *me.reader).poll_read(cx, &mut rb))?;
            // A reader may replace the `ReadBuf` it was lent; its bytes
            // would then not be in `chunk`.
            assert_eq!(rb.filled().as_ptr(), start, "the reader swapped the buffer it was given");
            rb.filled().len()
        };
        // SAFETY: the first `n` bytes of `chunk_mut()` are initialised:
        // `ReadBuf::filled` only covers initialised bytes, and the pointer
        // check above shows they are the bytes of this chunk.
        unsafe { me.buf.advance_mut(n) };
        Poll::Ready(Ok(n))
    }
}

/// Future of [`AsyncWriteExt::write_vectored`].
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct WriteVectored<'a, 'b, W: ?Sized> {
    writer: &'a mut W,
    bufs: &'a [io::IoSlice<'b>],
}

impl<W: AsyncWrite + Unpin + ?Sized> Future for WriteVectored<'_, '_, W> {
    type Output = io::Result<usize>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let me = self.get_mut();
        Pin::new(&mut *me.writer).poll_write_vectored(cx, me.bufs)
    }
}

/// Future of [`AsyncWriteExt::write_buf`].
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct WriteBuf<'a, W, B> {
    writer: &'a mut W,
    buf: &'a mut B,
}

impl<W: AsyncWrite + Unpin, B: Buf> Future for WriteBuf<'_, W, B> {
    type Output = io::Result<usize>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let me = self.get_mut();
        if !me.buf.has_remaining() {
            return Poll::Ready(Ok(0));
        }
        let n = ready!(Pin::new(&mut *me.writer).poll_write(cx, me.buf.chunk()))?;
        me.buf.advance(n);
        Poll::Ready(Ok(n))
    }
}

/// Future of [`AsyncWriteExt::write_all_buf`].
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct WriteAllBuf<'a, W, B> {
    writer: &'a mut W,
    buf: &'a mut B,
}

impl<W: AsyncWrite + Unpin, B: Buf> Future for WriteAllBuf<'_, W, B> {
    type Output = io::Result<()>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // As many slices as one vectored write hands over.
        const MAX_SLICES: usize = 64;
        let me = self.get_mut();
        while me.buf.has_remaining() {
            let res = if me.writer.is_write_vectored() {
                let mut slices = [io::IoSlice::new(&[]); MAX_SLICES];
                let count = me.buf.chunks_vectored(&mut slices);
                ready!(Pin::new(&mut *me.writer).poll_write_vectored(cx, &slices[..count]))
            } else {
                ready!(Pin::new(&mut *me.writer).poll_write(cx, me.buf.chunk()))
            };
            let n = match res {
                Ok(0) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Poll::Ready(Err(e)),
            };
            me.buf.advance(n);
        }
        Poll::Ready(Ok(()))
    }
}
