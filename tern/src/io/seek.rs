//! `AsyncSeek`, its extension methods, the `Seek` future, and `AsyncSeek`
//! for `BufReader`.

use crate::io::buf_reader::Buffer;
use crate::io::{AsyncRead, BufReader};
use std::future::Future;
use std::io::{self, SeekFrom};
use std::mem;
use std::ops::DerefMut;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// Seek bytes asynchronously.
///
/// The counterpart of [`std::io::Seek`]: a seek is started with
/// `start_seek` and driven to completion with `poll_complete`, so that it
/// never blocks the calling thread. Use the methods of [`AsyncSeekExt`] to
/// seek in async code.
pub trait AsyncSeek {
    /// Attempts to seek to an offset, in bytes, in a stream.
    ///
    /// A seek beyond the end of a stream is allowed, but behavior is
    /// defined by the implementation.
    ///
    /// If this function returns successfully, then the job has been
    /// submitted. To find out when it completes, call `poll_complete`.
    ///
    /// # Errors
    ///
    /// This function can return [`io::ErrorKind::Other`] in case there is
    /// another seek in progress. To avoid this, it is advisable that any
    /// call to `start_seek` is preceded by a call to `poll_complete` to
    /// ensure all pending seeks have completed.
    fn start_seek(self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()>;

    /// Waits for a seek operation to complete.
    ///
    /// If the seek operation completed successfully, this method returns
    /// the new position from the start of the stream. That position can be
    /// used later with [`SeekFrom::Start`].
    ///
    /// The position returned by calling this method can only be relied on
    /// right after `start_seek`. If the position changed since (by reading
    /// or writing, for example), it is unspecified whether the returned
    /// position takes that change into account. Similarly, if `start_seek`
    /// has never been called, it is unspecified whether `poll_complete`
    /// returns the actual position or some placeholder value (such as 0).
    ///
    /// # Errors
    ///
    /// Seeking to a negative offset is considered an error.
    fn poll_complete(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>>;
}

macro_rules! deref_async_seek {
    () => {
        fn start_seek(mut self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()> {
            Pin::new(&mut **self).start_seek(position)
        }

        fn poll_complete(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
            Pin::new(&mut **self).poll_complete(cx)
        }
    };
}

impl<T: ?Sized + AsyncSeek + Unpin> AsyncSeek for Box<T> {
    deref_async_seek!();
}

impl<T: ?Sized + AsyncSeek + Unpin> AsyncSeek for &mut T {
    deref_async_seek!();
}

impl<P> AsyncSeek for Pin<P>
where
    P: DerefMut,
    P::Target: AsyncSeek,
{
    fn start_seek(self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()> {
        self.as_deref_mut().start_seek(position)
    }

    fn poll_complete(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        self.as_deref_mut().poll_complete(cx)
    }
}

impl<T: AsRef<[u8]> + Unpin> AsyncSeek for io::Cursor<T> {
    fn start_seek(self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()> {
        io::Seek::seek(self.get_mut(), position).map(drop)
    }

    fn poll_complete(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        Poll::Ready(Ok(self.get_mut().position()))
    }
}

/// An extension trait that adds utility methods to [`AsyncSeek`] types.
///
/// # Examples
///
/// ```
/// use std::io::{Cursor, SeekFrom};
/// use tern::io::{AsyncReadExt, AsyncSeekExt};
///
/// #[tern::main]
/// async fn main() -> std::io::Result<()> {
///     let mut cursor = Cursor::new(b"abcdefg");
///
///     // the `seek` method is defined by this trait
///     cursor.seek(SeekFrom::Start(3)).await?;
///
///     let mut buf = [0; 1];
///     let n = cursor.read(&mut buf).await?;
///     assert_eq!(n, 1);
///     assert_eq!(buf, [b'd']);
///
///     Ok(())
/// }
/// ```
pub trait AsyncSeekExt: AsyncSeek {
    /// Creates a future which will seek an I/O object, and then yield the
    /// new position in the object.
    ///
    /// Equivalent to:
    ///
    /// ```text
    /// async fn seek(&mut self, pos: SeekFrom) -> io::Result<u64>;
    /// ```
    ///
    /// A seek already in progress (started by a cancelled `seek`) is
    /// completed first.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::{Cursor, SeekFrom};
    /// use tern::io::{AsyncReadExt, AsyncSeekExt};
    ///
    /// # tern::runtime::Runtime::new().unwrap().block_on(async {
    /// let mut cursor = Cursor::new(b"0123456789");
    /// assert_eq!(cursor.seek(SeekFrom::End(-4)).await.unwrap(), 6);
    ///
    /// let mut contents = [0u8; 4];
    /// cursor.read_exact(&mut contents).await.unwrap();
    /// assert_eq!(&contents, b"6789");
    /// # });
    /// ```
    fn seek(&mut self, pos: SeekFrom) -> Seek<'_, Self>
    where
        Self: Unpin,
    {
        Seek { seek: self, pos: Some(pos) }
    }

    /// Creates a future which will rewind to the beginning of the stream.
    ///
    /// This is a convenience method, equivalent to
    /// `self.seek(SeekFrom::Start(0))`.
    fn rewind(&mut self) -> Seek<'_, Self>
    where
        Self: Unpin,
    {
        self.seek(SeekFrom::Start(0))
    }

    /// Creates a future which will return the current seek position from
    /// the start of the stream.
    ///
    /// This is equivalent to `self.seek(SeekFrom::Current(0))`.
    fn stream_position(&mut self) -> Seek<'_, Self>
    where
        Self: Unpin,
    {
        self.seek(SeekFrom::Current(0))
    }
}

impl<S: AsyncSeek + ?Sized> AsyncSeekExt for S {}

/// Future of [`AsyncSeekExt::seek`], [`rewind`](AsyncSeekExt::rewind) and
/// [`stream_position`](AsyncSeekExt::stream_position).
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Seek<'a, S: ?Sized> {
    seek: &'a mut S,
    /// The position to seek to, until the seek has been started.
    pos: Option<SeekFrom>,
}

impl<S: ?Sized> std::fmt::Debug for Seek<'_, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Seek").field("pos", &self.pos).finish_non_exhaustive()
    }
}

impl<S: AsyncSeek + Unpin + ?Sized> Future for Seek<'_, S> {
    type Output = io::Result<u64>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let me = self.get_mut();
        if let Some(pos) = me.pos {
            // Let a seek left in progress (by a cancelled `seek`) finish
            // before starting ours.
            ready!(Pin::new(&mut *me.seek).poll_complete(cx))?;
            Pin::new(&mut *me.seek).start_seek(pos)?;
            me.pos = None;
        }
        Pin::new(&mut *me.seek).poll_complete(cx)
    }
}

/// Progress of a seek through a `BufReader`.
#[derive(Debug, Clone, Copy)]
pub(crate) enum SeekState {
    /// No seek started.
    Idle,
    /// `start_seek` was called; the inner seek starts in `poll_complete`.
    Start(SeekFrom),
    /// First half of a two-step relative seek (the inner reader moving back
    /// over the buffered bytes) in progress; then it moves by the offset.
    Rewinding(i64),
    /// The inner seek is in progress.
    Pending,
}

/// Seeks to an offset, in bytes, in the underlying reader.
///
/// The position used for seeking with `SeekFrom::Current(_)` is the
/// position the underlying reader would be at if the `BufReader` had no
/// internal buffer.
///
/// Seeking always discards the internal buffer, even if the seek position
/// would otherwise fall within it. This guarantees that calling
/// `.into_inner()` immediately after a seek yields the underlying reader
/// at the same position.
///
/// Note: in the edge case of seeking with `SeekFrom::Current(n)` where `n`
/// minus the internal buffer length overflows an `i64`, two seeks are
/// performed instead of one. If the second seek returns `Err`, the
/// underlying reader is left at the same position it would have if you
/// called `seek` with `SeekFrom::Current(0)`.
impl<R: AsyncRead + AsyncSeek> AsyncSeek for BufReader<R> {
    fn start_seek(self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()> {
        // The inner seek is started by `poll_complete`, which has the
        // context a two-step seek needs.
        self.project().1.seek = SeekState::Start(position);
        Ok(())
    }

    fn poll_complete(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        let (mut inner, me) = self.project();
        let polled = match mem::replace(&mut me.seek, SeekState::Idle) {
            // No seek started: wait for whatever the inner stream has in
            // flight (a file's background write, say: the `start_seek`
            // that follows needs it done), as Tokio's does.
            SeekState::Idle => return inner.as_mut().poll_complete(cx),
            SeekState::Start(SeekFrom::Current(n)) => {
                // The buffered bytes were read from the inner reader but not
                // by our caller: the inner position is past ours by them.
                let remainder = (me.cap - me.pos) as i64;
                match n.checked_sub(remainder) {
                    Some(offset) => {
                        inner.as_mut().start_seek(SeekFrom::Current(offset))?;
                        inner.as_mut().poll_complete(cx)
                    }
                    None => {
                        inner.as_mut().start_seek(SeekFrom::Current(-remainder))?;
                        ready!(poll_rewound(inner.as_mut(), me, n, cx))?;
                        inner.as_mut().poll_complete(cx)
                    }
                }
            }
            SeekState::Rewinding(n) => {
                ready!(poll_rewound(inner.as_mut(), me, n, cx))?;
                inner.as_mut().poll_complete(cx)
            }
            SeekState::Start(position) => {
                inner.as_mut().start_seek(position)?;
                inner.as_mut().poll_complete(cx)
            }
            SeekState::Pending => inner.as_mut().poll_complete(cx),
        };
        match polled {
            Poll::Ready(res) => {
                let position = res?;
                me.discard();
                Poll::Ready(Ok(position))
            }
            Poll::Pending => {
                me.seek = SeekState::Pending;
                Poll::Pending
            }
        }
    }
}

/// Waits for the first step of a two-step relative seek (back over the
/// buffered bytes), then starts the second (by `n`).
fn poll_rewound<R: AsyncSeek>(
    mut inner: Pin<&mut R>,
    me: &mut Buffer,
    n: i64,
    cx: &mut Context<'_>,
) -> Poll<io::Result<()>> {
    if inner.as_mut().poll_complete(cx)?.is_pending() {
        me.seek = SeekState::Rewinding(n);
        return Poll::Pending;
    }
    // The inner position now matches ours: the buffer is stale.
    me.discard();
    inner.start_seek(SeekFrom::Current(n))?;
    Poll::Ready(Ok(()))
}
