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

/// Future of [`AsyncReadExt::read`].
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Read<'a, R: ?Sized> {
    reader: &'a mut R,
    buf: &'a mut [u8],
}

impl<R: AsyncRead + Unpin + ?Sized> Future for Read<'_, R> {
    type Output = io::Result<usize>;
    #[inline]
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
    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let me = self.get_mut();
        while me.filled < me.buf.len() {
            let mut buf = ReadBuf::new(&mut me.buf[me.filled..]);
            match ready!(Pin::new(&mut *me.reader).poll_read(cx, &mut buf)) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                res => res?,
            }
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
    spare: SpareInit,
}

/// What a read-to-end knows about its vector beyond the vector itself.
#[derive(Default)]
struct SpareInit {
    /// Bytes `..initialized` of the vector's allocation are initialised
    /// (a reader initialised spare capacity it did not fill): the next
    /// `ReadBuf` over the spare capacity says so, and the reader need not
    /// initialise them again.
    initialized: usize,
    /// The capacity the vector came with: while it still has it, a full
    /// vector is probed with a small read before it grows.
    starting_capacity: usize,
}

impl SpareInit {
    /// For a vector about to be read into: its contents are initialised,
    /// and its capacity is the starting one.
    fn new(buf: &[u8], capacity: usize) -> SpareInit {
        SpareInit { initialized: buf.len(), starting_capacity: capacity }
    }
}

/// The size of the probe read and of the least growth.
const READ_TO_END_CHUNK: usize = 32;

/// Reads into `buf` once (retrying `Interrupted`), growing it as needed.
/// Returns how many bytes were appended; 0 is the end of the input.
fn poll_read_to_end_once<R: AsyncRead + Unpin + ?Sized>(
    reader: &mut R,
    buf: &mut Vec<u8>,
    spare: &mut SpareInit,
    cx: &mut Context<'_>,
) -> Poll<io::Result<usize>> {
    loop {
        let len = buf.len();
        let room = buf.capacity() - len;
        let res;
        let n;
        if room < READ_TO_END_CHUNK
            && buf.capacity() == spare.starting_capacity
            && spare.starting_capacity >= READ_TO_END_CHUNK
        {
            // The vector may hold the whole input already: read into a
            // small buffer on the stack, and grow the vector only if that
            // read brings more than fits.
            let mut small = [std::mem::MaybeUninit::<u8>::uninit(); READ_TO_END_CHUNK];
            let mut rb = ReadBuf::uninit(&mut small);
            let start = rb.filled().as_ptr();
            res = Pin::new(&mut *reader).poll_read(cx, &mut rb);
            assert_eq!(rb.filled().as_ptr(), start, "the reader swapped the buffer it was given");
            let got = rb.filled();
            n = got.len();
            if n > room {
                spare.initialized = len;
            }
            buf.extend_from_slice(got);
            spare.initialized = spare.initialized.max(buf.len());
        } else {
            if room < READ_TO_END_CHUNK {
                // Growing moves the bytes: only the contents stay
                // initialised.
                spare.initialized = len;
                buf.reserve(READ_TO_END_CHUNK);
            }
            let known_init = spare.initialized.saturating_sub(len);
            let spare_cap = buf.spare_capacity_mut();
            let spare_len = spare_cap.len();
            let mut rb = ReadBuf::uninit(spare_cap);
            // SAFETY: the first `known_init` spare bytes were initialised by
            // an earlier read into this same allocation (`initialized` is
            // reset whenever the vector grows), and no byte of a Vec's
            // spare capacity is de-initialised by the Vec.
            unsafe { rb.assume_init(known_init) };
            let start = rb.filled().as_ptr();
            res = Pin::new(&mut *reader).poll_read(cx, &mut rb);
            // A reader may replace the `ReadBuf` it was lent (it is
            // covariant); only a fill of this very buffer may be committed
            // to the Vec.
            assert_eq!(rb.filled().as_ptr(), start, "the reader swapped the buffer it was given");
            n = rb.filled().len();
            let init = rb.initialized().len();
            assert!(n <= spare_len);
            // SAFETY: `rb` is still the `ReadBuf` over `buf`'s spare
            // capacity (asserted above), and a `ReadBuf`'s filled part is
            // initialised, so the `n <= spare_len` bytes after `len` are
            // initialised.
            unsafe { buf.set_len(len + n) };
            spare.initialized = len + init;
        }
        match res {
            Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::Interrupted => continue,
            Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
            Poll::Ready(Ok(())) => return Poll::Ready(Ok(n)),
            Poll::Pending => return Poll::Pending,
        }
    }
}

fn poll_read_to_end<R: AsyncRead + Unpin + ?Sized>(
    reader: &mut R,
    buf: &mut Vec<u8>,
    spare: &mut SpareInit,
    cx: &mut Context<'_>,
) -> Poll<io::Result<()>> {
    // The reader's own whole-input path, if it has one (a `File`'s single
    // blocking job); it answers the same on every poll.
    if let Some(res) = Pin::new(&mut *reader).__tern_poll_read_to_end(cx, buf) {
        return res;
    }
    while ready!(poll_read_to_end_once(reader, buf, spare, cx))? > 0 {}
    Poll::Ready(Ok(()))
}

impl<R: AsyncRead + Unpin + ?Sized> Future for ReadToEnd<'_, R> {
    type Output = io::Result<usize>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let me = self.get_mut();
        ready!(poll_read_to_end(me.reader, me.buf, &mut me.spare, cx))?;
        Poll::Ready(Ok(me.buf.len() - me.start))
    }
}

/// Future of [`AsyncReadExt::read_to_string`].
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadToString<'a, R: ?Sized> {
    reader: &'a mut R,
    buf: &'a mut String,
    /// The bytes read so far; they join `buf` only once all are read and
    /// valid, so `buf` is untouched by a failed read.
    bytes: Vec<u8>,
    spare: SpareInit,
}

impl<R: AsyncRead + Unpin + ?Sized> Future for ReadToString<'_, R> {
    type Output = io::Result<usize>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let me = self.get_mut();
        ready!(poll_read_to_end(me.reader, &mut me.bytes, &mut me.spare, cx))?;
        let bytes = std::mem::take(&mut me.bytes);
        let n = bytes.len();
        append_utf8(me.buf, bytes)?;
        Poll::Ready(Ok(n))
    }
}

/// Appends `bytes` to `buf` if they are valid UTF-8. If not, `buf` is left
/// as it was and the error is `InvalidData` holding the
/// [`std::str::Utf8Error`] of `buf` followed by `bytes` (so its
/// `valid_up_to` counts `buf`'s bytes too, as Tokio's does).
pub(crate) fn append_utf8(buf: &mut String, bytes: Vec<u8>) -> io::Result<()> {
    match String::from_utf8(bytes) {
        // Into an empty string the text moves in whole, without a copy
        // (a `File`'s one-job read hands over a vector sized for the file).
        Ok(s) if buf.is_empty() => {
            *buf = s;
            Ok(())
        }
        Ok(s) => {
            buf.push_str(&s);
            Ok(())
        }
        Err(e) => {
            // The error path only: rebuild the whole text to report where
            // it stops being UTF-8.
            let mut whole = buf.as_bytes().to_vec();
            whole.extend_from_slice(e.as_bytes());
            let err = std::str::from_utf8(&whole).expect_err("the appended bytes are not UTF-8");
            Err(io::Error::new(io::ErrorKind::InvalidData, err))
        }
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
    #[inline]
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
    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let me = self.get_mut();
        while !me.buf.is_empty() {
            let n = match ready!(Pin::new(&mut *me.writer).poll_write(cx, me.buf)) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                res => res?,
            };
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
    #[inline]
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
        // As many slices as one vectored write hands over.
        const MAX_SLICES: usize = 64;
        let n = if me.writer.is_write_vectored() {
            let mut slices = [io::IoSlice::new(&[]); MAX_SLICES];
            let count = me.buf.chunks_vectored(&mut slices);
            ready!(Pin::new(&mut *me.writer).poll_write_vectored(cx, &slices[..count]))?
        } else {
            ready!(Pin::new(&mut *me.writer).poll_write(cx, me.buf.chunk()))?
        };
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
