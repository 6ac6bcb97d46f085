//! The futures of `AsyncReadExt`'s byte-reading methods (`read`,
//! `read_exact`, `read_to_end`, `read_to_string`, `read_buf`), named in
//! `io::util`, where the trait builds them.

#[cfg(doc)]
use crate::io::AsyncReadExt;
use crate::io::{AsyncRead, ReadBuf};
use bytes::BufMut;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// Future of [`AsyncReadExt::read`].
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Read<'a, R: ?Sized> {
    pub(super) reader: &'a mut R,
    pub(super) buf: &'a mut [u8],
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
    pub(super) reader: &'a mut R,
    pub(super) buf: &'a mut [u8],
    pub(super) filled: usize,
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
    pub(super) reader: &'a mut R,
    pub(super) buf: &'a mut Vec<u8>,
    pub(super) start: usize,
    pub(super) spare: SpareInit,
}

/// What a read-to-end knows about its vector beyond the vector itself.
#[derive(Default)]
pub(super) struct SpareInit {
    /// Bytes `..initialized` of the vector's allocation are initialised
    /// (a reader initialised spare capacity it did not fill): the next
    /// `ReadBuf` over the spare capacity says so, and the reader need not
    /// initialise them again.
    pub(super) initialized: usize,
    /// The capacity the vector came with: while it still has it, a full
    /// vector is probed with a small read before it grows.
    pub(super) starting_capacity: usize,
}

impl SpareInit {
    /// For a vector about to be read into: its contents are initialised,
    /// and its capacity is the starting one.
    pub(super) fn new(buf: &[u8], capacity: usize) -> SpareInit {
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
    pub(super) reader: &'a mut R,
    pub(super) buf: &'a mut String,
    /// The bytes read so far; they join `buf` only once all are read and
    /// valid, so `buf` is untouched by a failed read.
    pub(super) bytes: Vec<u8>,
    pub(super) spare: SpareInit,
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

/// Future of [`AsyncReadExt::read_buf`]. (Tokio calls its version
/// `ReadBuf`; here that name is taken by [`crate::io::ReadBuf`].)
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadBufFuture<'a, R: ?Sized, B: ?Sized> {
    pub(super) reader: &'a mut R,
    pub(super) buf: &'a mut B,
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
