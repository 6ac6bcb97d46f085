//! `AsyncBufRead` and its extension methods (with their futures and the
//! `Lines` and `Split` streams).

use crate::io::AsyncRead;
use std::future::Future;
use std::io;
use std::mem;
use std::ops::DerefMut;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// Reads bytes asynchronously from a source with an internal buffer.
pub trait AsyncBufRead: AsyncRead {
    /// Attempts to return the contents of the internal buffer, filling it
    /// with more data from the inner reader if it is empty. An empty slice
    /// means end of file.
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>>;

    /// Tells this buffer that `amt` bytes have been consumed.
    fn consume(self: Pin<&mut Self>, amt: usize);
}

macro_rules! deref_async_buf_read {
    () => {
        fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
            Pin::new(&mut **self.get_mut()).poll_fill_buf(cx)
        }
        fn consume(mut self: Pin<&mut Self>, amt: usize) {
            Pin::new(&mut **self).consume(amt)
        }
    };
}

impl<T: ?Sized + AsyncBufRead + Unpin> AsyncBufRead for Box<T> {
    deref_async_buf_read!();
}

impl<T: ?Sized + AsyncBufRead + Unpin> AsyncBufRead for &mut T {
    deref_async_buf_read!();
}

impl<P> AsyncBufRead for Pin<P>
where
    P: DerefMut,
    P::Target: AsyncBufRead,
{
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        self.as_deref_mut().poll_fill_buf(cx)
    }
    fn consume(self: Pin<&mut Self>, amt: usize) {
        self.as_deref_mut().consume(amt)
    }
}

impl<T: AsRef<[u8]> + Unpin> AsyncBufRead for io::Cursor<T> {
    fn poll_fill_buf(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        Poll::Ready(io::BufRead::fill_buf(self.get_mut()))
    }
    fn consume(self: Pin<&mut Self>, amt: usize) {
        io::BufRead::consume(self.get_mut(), amt)
    }
}

impl AsyncBufRead for &[u8] {
    fn poll_fill_buf(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        Poll::Ready(Ok(*self.get_mut()))
    }
    fn consume(mut self: Pin<&mut Self>, amt: usize) {
        *self = &self[amt..];
    }
}

/// Extension methods of [`AsyncBufRead`].
///
/// # Examples
///
/// ```
/// use tern::io::AsyncBufReadExt;
///
/// # tern::runtime::Runtime::new().unwrap().block_on(async {
/// let mut lines = (&b"one\ntwo\n"[..]).lines();
/// assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("one"));
/// assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("two"));
/// assert_eq!(lines.next_line().await.unwrap(), None);
/// # });
/// ```
pub trait AsyncBufReadExt: AsyncBufRead {
    /// Reads all bytes into `buf` until the delimiter `byte` or EOF is
    /// reached, returning how many bytes were read (delimiter included).
    ///
    /// Errors of kind [`io::ErrorKind::Interrupted`] are retried; on any
    /// other error the bytes read so far stay in `buf`.
    fn read_until<'a>(&'a mut self, byte: u8, buf: &'a mut Vec<u8>) -> ReadUntil<'a, Self>
    where
        Self: Unpin,
    {
        ReadUntil { reader: self, byte, buf, read: 0 }
    }

    /// Reads all bytes until a newline (`0xA`) is reached, and appends them
    /// to `buf` (newline included).
    ///
    /// If the bytes read are not valid UTF-8, `buf` is left as it was and
    /// the error is [`io::ErrorKind::InvalidData`], holding the
    /// [`std::str::Utf8Error`] of `buf` followed by them. On an I/O error,
    /// the bytes read before it are appended if they are valid UTF-8.
    ///
    /// Into an empty `buf` the line is read in `buf`'s own allocation, so a
    /// loop that clears and reuses one `String` allocates only when a line
    /// is longer than any before it.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: if the future is dropped before it completes, the
    /// part of the line read so far is lost. `buf` keeps what it held
    /// before the call (Tokio's may lose it); if it was empty, it may lose
    /// its capacity.
    fn read_line<'a>(&'a mut self, buf: &'a mut String) -> ReadLine<'a, Self>
    where
        Self: Unpin,
    {
        // An empty `buf` lends its allocation to the read (nothing is lost
        // if the future is dropped: `buf` was empty), so a loop that clears
        // and reuses one `String` allocates nothing per line. `ReadLine`
        // has no `Drop` impl, as Tokio's has none: the borrow of `buf` ends
        // at the future's last use.
        let bytes = if buf.is_empty() { std::mem::take(buf).into_bytes() } else { Vec::new() };
        ReadLine { reader: self, buf, bytes, read: 0 }
    }

    /// Returns a stream of the contents of this reader split on the byte
    /// `byte`: the async counterpart of [`std::io::BufRead::split`].
    ///
    /// Each segment yielded by [`Split::next_segment`] does *not* include
    /// the delimiter; a last segment without a delimiter is yielded too.
    /// Each segment has the same error semantics as
    /// [`read_until`](AsyncBufReadExt::read_until).
    ///
    /// # Examples
    ///
    /// ```
    /// use tern::io::AsyncBufReadExt;
    ///
    /// # tern::runtime::Runtime::new().unwrap().block_on(async {
    /// let mut segments = std::io::Cursor::new(b"lorem-ipsum-dolor").split(b'-');
    /// assert_eq!(segments.next_segment().await.unwrap(), Some(b"lorem".to_vec()));
    /// assert_eq!(segments.next_segment().await.unwrap(), Some(b"ipsum".to_vec()));
    /// assert_eq!(segments.next_segment().await.unwrap(), Some(b"dolor".to_vec()));
    /// assert_eq!(segments.next_segment().await.unwrap(), None);
    /// # });
    /// ```
    fn split(self, byte: u8) -> Split<Self>
    where
        Self: Sized + Unpin,
    {
        Split { reader: self, buf: Vec::new(), delim: byte, read: 0 }
    }

    /// Returns the contents of the internal buffer, filling it with more
    /// data from the inner reader if it is empty.
    ///
    /// This is a lower-level call, to be paired with
    /// [`consume`](AsyncBufReadExt::consume): the returned bytes are not
    /// "read" until they are consumed, so a later read returns them again.
    /// An empty buffer means that the stream has reached EOF.
    ///
    /// Equivalent to:
    ///
    /// ```text
    /// async fn fill_buf(&mut self) -> io::Result<&[u8]>;
    /// ```
    ///
    /// # Errors
    ///
    /// This function will return an I/O error if the underlying reader was
    /// read, but returned an error.
    ///
    /// # Examples
    ///
    /// ```
    /// use tern::io::AsyncBufReadExt;
    ///
    /// # tern::runtime::Runtime::new().unwrap().block_on(async {
    /// let mut reader = std::io::Cursor::new(b"hello".to_vec());
    /// assert_eq!(reader.fill_buf().await.unwrap(), b"hello");
    /// reader.consume(2);
    /// assert_eq!(reader.fill_buf().await.unwrap(), b"llo");
    /// # });
    /// ```
    fn fill_buf(&mut self) -> FillBuf<'_, Self>
    where
        Self: Unpin,
    {
        FillBuf { reader: Some(self) }
    }

    /// Tells this buffer that `amt` bytes have been consumed from the
    /// buffer, so they should no longer be returned in calls to `read`.
    ///
    /// This is a lower-level call, to be paired with
    /// [`fill_buf`](AsyncBufReadExt::fill_buf); it performs no I/O. `amt`
    /// must not exceed the number of bytes in the buffer `fill_buf`
    /// returned.
    fn consume(&mut self, amt: usize)
    where
        Self: Unpin,
    {
        Pin::new(self).consume(amt)
    }

    /// Returns a stream over the lines of this reader (without the line
    /// ending, `\n` or `\r\n`).
    ///
    /// A line that is not valid UTF-8 is consumed and reported as an
    /// [`io::ErrorKind::InvalidData`] error holding the
    /// [`std::string::FromUtf8Error`] (with the line's bytes); the next
    /// call reads the next line.
    fn lines(self) -> Lines<Self>
    where
        Self: Sized,
    {
        Lines { reader: self, buf: Vec::new() }
    }
}

impl<R: AsyncBufRead + ?Sized> AsyncBufReadExt for R {}

/// The index of the first `byte` in `haystack`: libc's `memchr`, which
/// scans a word or a vector at a time (a byte-by-byte `position` cost
/// `read_line` a third of its time on 50-byte lines).
#[inline]
fn memchr(byte: u8, haystack: &[u8]) -> Option<usize> {
    // C asks for a valid pointer even with a zero length; an empty slice's
    // is dangling.
    if haystack.is_empty() {
        return None;
    }
    // SAFETY: `haystack` is not empty, so its pointer points to
    // `haystack.len()` initialised bytes borrowed for the call; `memchr`
    // reads at most those and returns null or a pointer into them.
    let found = unsafe { libc::memchr(haystack.as_ptr().cast(), libc::c_int::from(byte), haystack.len()) };
    // The address difference is the index: `found` points into `haystack`.
    (!found.is_null()).then(|| found as usize - haystack.as_ptr() as usize)
}

#[inline]
fn poll_read_until<R: AsyncBufRead + ?Sized>(
    mut reader: Pin<&mut R>,
    cx: &mut Context<'_>,
    byte: u8,
    buf: &mut Vec<u8>,
    read: &mut usize,
) -> Poll<io::Result<usize>> {
    loop {
        let (done, used) = {
            let available = match ready!(reader.as_mut().poll_fill_buf(cx)) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                res => res?,
            };
            match memchr(byte, available) {
                Some(i) => {
                    buf.extend_from_slice(&available[..=i]);
                    (true, i + 1)
                }
                None => {
                    buf.extend_from_slice(available);
                    (available.is_empty(), available.len())
                }
            }
        };
        reader.as_mut().consume(used);
        *read += used;
        if done {
            return Poll::Ready(Ok(std::mem::take(read)));
        }
    }
}

/// Future of [`AsyncBufReadExt::read_until`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadUntil<'a, R: ?Sized> {
    reader: &'a mut R,
    byte: u8,
    buf: &'a mut Vec<u8>,
    read: usize,
}

impl<R: AsyncBufRead + Unpin + ?Sized> Future for ReadUntil<'_, R> {
    type Output = io::Result<usize>;
    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let me = self.get_mut();
        poll_read_until(Pin::new(&mut *me.reader), cx, me.byte, me.buf, &mut me.read)
    }
}

/// Future of [`AsyncBufReadExt::read_line`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadLine<'a, R: ?Sized> {
    reader: &'a mut R,
    buf: &'a mut String,
    /// The line read so far: in `buf`'s own allocation, lent for the read,
    /// if `buf` was empty (it moves back in whole when the line is done).
    bytes: Vec<u8>,
    read: usize,
}

impl<R: AsyncBufRead + Unpin + ?Sized> Future for ReadLine<'_, R> {
    type Output = io::Result<usize>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let me = self.get_mut();
        let res = ready!(poll_read_until(Pin::new(&mut *me.reader), cx, b'\n', &mut me.bytes, &mut me.read));
        let bytes = std::mem::take(&mut me.bytes);
        match res {
            Ok(n) => {
                crate::io::util::append_utf8(me.buf, bytes)?;
                Poll::Ready(Ok(n))
            }
            Err(e) => {
                // The part of the line read before the error is kept if it
                // is valid UTF-8, as Tokio does.
                let _ = crate::io::util::append_utf8(me.buf, bytes);
                Poll::Ready(Err(e))
            }
        }
    }
}

/// Lines of a reader, from [`AsyncBufReadExt::lines`].
#[derive(Debug)]
pub struct Lines<R> {
    reader: R,
    buf: Vec<u8>,
}

impl<R: AsyncBufRead + Unpin> Lines<R> {
    /// Returns the next line, or `None` at end of file.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a line partly read when the future is dropped stays
    /// buffered in `Lines`, and the next call returns it whole.
    ///
    /// # Examples
    ///
    /// ```
    /// # tern::runtime::Runtime::new().unwrap().block_on(async {
    /// use tern::io::AsyncBufReadExt;
    /// let mut lines = tern::io::BufReader::new(&b"one\ntwo\r\n"[..]).lines();
    /// assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("one"));
    /// assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("two"));
    /// assert_eq!(lines.next_line().await.unwrap(), None);
    /// # });
    /// ```
    pub async fn next_line(&mut self) -> io::Result<Option<String>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next_line(cx)).await
    }

    /// Obtains a mutable reference to the underlying reader.
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.reader
    }

    /// Obtains a reference to the underlying reader (Tokio's signature,
    /// which takes `&mut self`).
    pub fn get_ref(&mut self) -> &R {
        &self.reader
    }

    /// Returns the underlying reader.
    ///
    /// Bytes of a partly read line buffered in `Lines` are lost.
    pub fn into_inner(self) -> R {
        self.reader
    }
}

impl<R: AsyncBufRead> Lines<R> {
    /// Polls for the next line: `Ready(Ok(None))` at end of file.
    pub fn poll_next_line(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<Option<String>>> {
        // SAFETY: `reader` is structurally pinned and `buf` is not: `reader`
        // is only handed out pinned from a pinned `Lines` and moved out only
        // by `into_inner`, which needs `R: Unpin`; `Lines` has no `Drop`
        // impl and is not `repr(packed)`.
        let (reader, buf) = unsafe {
            let me = self.get_unchecked_mut();
            (Pin::new_unchecked(&mut me.reader), &mut me.buf)
        };
        let mut read = 0;
        let n = ready!(poll_read_until(reader, cx, b'\n', buf, &mut read))?;
        if n == 0 && buf.is_empty() {
            return Poll::Ready(Ok(None));
        }
        let mut bytes = std::mem::take(buf);
        if bytes.last() == Some(&b'\n') {
            bytes.pop();
            if bytes.last() == Some(&b'\r') {
                bytes.pop();
            }
        }
        // The line is consumed either way: the next call reads the next one.
        match String::from_utf8(bytes) {
            Ok(line) => Poll::Ready(Ok(Some(line))),
            Err(e) => Poll::Ready(Err(io::Error::new(io::ErrorKind::InvalidData, e))),
        }
    }
}

/// Future of [`AsyncBufReadExt::fill_buf`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct FillBuf<'a, R: ?Sized> {
    /// The reader, until the future completes (then its borrow moves into
    /// the output).
    reader: Option<&'a mut R>,
}

impl<'a, R: AsyncBufRead + Unpin + ?Sized> Future for FillBuf<'a, R> {
    type Output = io::Result<&'a [u8]>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let me = self.get_mut();
        let reader = me.reader.take().expect("`FillBuf` polled after completion");
        match Pin::new(&mut *reader).poll_fill_buf(cx) {
            Poll::Ready(Ok(available)) => {
                let available: *const [u8] = available;
                // SAFETY: `available` borrows from `*reader`, which is
                // borrowed mutably for `'a`. That borrow was moved out of
                // `me.reader` and is dropped here without another use, so
                // nothing can touch the reader, and the bytes stay valid and
                // unaliased, for the rest of `'a`. (The borrow checker cannot
                // see that the reborrow may be extended on this branch only.)
                Poll::Ready(Ok(unsafe { &*available }))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => {
                me.reader = Some(reader);
                Poll::Pending
            }
        }
    }
}

/// Segments of a reader split on a delimiter, from
/// [`AsyncBufReadExt::split`].
#[derive(Debug)]
#[must_use = "streams do nothing unless polled"]
pub struct Split<R> {
    reader: R,
    buf: Vec<u8>,
    delim: u8,
    read: usize,
}

impl<R: AsyncBufRead + Unpin> Split<R> {
    /// Returns the next segment in the stream (without its delimiter), or
    /// `None` at end of file.
    ///
    /// # Cancel safety
    ///
    /// This method is cancel safe: bytes of a segment read before a
    /// cancellation are kept, and returned by the next call.
    pub async fn next_segment(&mut self) -> io::Result<Option<Vec<u8>>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next_segment(cx)).await
    }
}

impl<R: AsyncBufRead> Split<R> {
    /// Polls for the next segment in the stream.
    ///
    /// This method returns:
    ///
    ///  * `Poll::Pending` if the next segment is not yet available.
    ///  * `Poll::Ready(Ok(Some(segment)))` if the next segment is available.
    ///  * `Poll::Ready(Ok(None))` if there are no more segments in this
    ///    stream.
    ///  * `Poll::Ready(Err(err))` if an I/O error occurred while reading
    ///    the next segment.
    ///
    /// When the method returns `Poll::Pending`, the `Waker` in the provided
    /// `Context` is scheduled to receive a wakeup when more bytes become
    /// available on the underlying I/O resource. Only the `Waker` from the
    /// most recent call is scheduled.
    pub fn poll_next_segment(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<Option<Vec<u8>>>> {
        // SAFETY: `reader` is structurally pinned and the other fields are
        // not: `reader` is never moved out of a `Split` (no method hands it
        // out by value or by `&mut` from a pin), `Split` has no `Drop` impl
        // and is not `repr(packed)`, and the auto-derived `Unpin` holds
        // only when `R: Unpin`.
        let (reader, buf, delim, read) = unsafe {
            let me = self.get_unchecked_mut();
            (Pin::new_unchecked(&mut me.reader), &mut me.buf, me.delim, &mut me.read)
        };
        let n = ready!(poll_read_until(reader, cx, delim, buf, read))?;
        if n == 0 && buf.is_empty() {
            return Poll::Ready(Ok(None));
        }
        if buf.last() == Some(&delim) {
            buf.pop();
        }
        Poll::Ready(Ok(Some(mem::take(buf))))
    }
}
