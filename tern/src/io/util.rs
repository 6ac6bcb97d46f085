//! `AsyncReadExt` and `AsyncWriteExt`: the async methods over the poll
//! traits, each returning a small named future (as Tokio's do). The
//! future types live here (or are re-exported here) so they can be named.

use crate::io::numeric::{read_methods, write_methods};
use crate::io::{AsyncRead, AsyncWrite, Chain, Take};
use bytes::{Buf, BufMut};
use std::io;

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
pub(crate) use crate::io::read_futures::append_utf8;
use crate::io::read_futures::SpareInit;
pub use crate::io::read_futures::{Read, ReadBufFuture, ReadExact, ReadToEnd, ReadToString};
pub use crate::io::seek::Seek;
pub use crate::io::write_futures::{Flush, Shutdown, Write, WriteAll, WriteAllBuf, WriteBuf, WriteVectored};

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
    ///
    /// Errors of kind [`io::ErrorKind::Interrupted`] are retried.
    fn read_exact<'a>(&'a mut self, buf: &'a mut [u8]) -> ReadExact<'a, Self>
    where
        Self: Unpin,
    {
        ReadExact { reader: self, buf, filled: 0 }
    }

    read_methods!();

    /// Reads all bytes until end of file, appending them to `buf`.
    ///
    /// Errors of kind [`io::ErrorKind::Interrupted`] are retried. A `buf`
    /// whose capacity already fits the whole input is not reallocated: once
    /// it is full, a small read on the stack checks for the end of the
    /// input before the vector grows.
    fn read_to_end<'a>(&'a mut self, buf: &'a mut Vec<u8>) -> ReadToEnd<'a, Self>
    where
        Self: Unpin,
    {
        let start = buf.len();
        let spare = SpareInit::new(buf, buf.capacity());
        ReadToEnd { reader: self, buf, start, spare }
    }

    /// Reads all bytes until end of file, appending them to `buf` as UTF-8.
    ///
    /// Errors of kind [`io::ErrorKind::Interrupted`] are retried. On any
    /// other error `buf` is left as it was. If the bytes are not valid
    /// UTF-8 the error is [`io::ErrorKind::InvalidData`], whose inner error
    /// is the [`std::str::Utf8Error`] of `buf`'s contents followed by them.
    fn read_to_string<'a>(&'a mut self, buf: &'a mut String) -> ReadToString<'a, Self>
    where
        Self: Unpin,
    {
        ReadToString { reader: self, buf, bytes: Vec::new(), spare: SpareInit::default() }
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
    ///
    /// Errors of kind [`io::ErrorKind::Interrupted`] are retried; the first
    /// other error ends the call.
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
    /// At most one write of the underlying writer is issued: a vectored
    /// one over the buffer's chunks if the writer
    /// [`is_write_vectored`](AsyncWrite::is_write_vectored), else one with
    /// the current chunk ([`Buf::chunk`]). A return of `0` means the
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
