//! `SimplexStream`: a one-way in-memory pipe, and `simplex`.
//!
//! It is also the building block of [`DuplexStream`](crate::io::DuplexStream),
//! which is two of them behind mutexes, one per direction.

use crate::io::{split, AsyncRead, AsyncWrite, ReadBuf, ReadHalf, WriteHalf};
use crate::task::coop;
use std::collections::VecDeque;
use std::io::{self, IoSlice};
use std::ops::Deref;
use std::pin::Pin;
use std::task::{ready, Context, Poll, Waker};

/// A unidirectional pipe to read and write bytes in memory.
///
/// It can be constructed by [`simplex`] function which will create a pair of
/// reader and writer or by calling [`SimplexStream::new_unsplit`] that will
/// create a handle for both reading and writing.
///
/// Writes are accepted while fewer than `max_buf_size` bytes are buffered;
/// past that they return `Pending` until the reader takes some bytes.
/// After [`shutdown`](crate::io::AsyncWriteExt::shutdown) the reader drains
/// what is buffered and then reads end of file, and writes fail with
/// `BrokenPipe`.
///
/// # Examples
///
/// ```
/// use tern::io::{AsyncReadExt, AsyncWriteExt};
///
/// # tern::runtime::Runtime::new().unwrap().block_on(async {
/// let (mut receiver, mut sender) = tern::io::simplex(64);
///
/// sender.write_all(b"ping").await.unwrap();
///
/// let mut buf = [0u8; 4];
/// receiver.read_exact(&mut buf).await.unwrap();
/// assert_eq!(&buf, b"ping");
/// # });
/// ```
#[derive(Debug)]
pub struct SimplexStream {
    /// Bytes written and not yet read.
    buffer: VecDeque<u8>,
    /// The write side is shut down, or (in a `DuplexStream`) one end is gone.
    is_closed: bool,
    /// Most bytes `buffer` may hold.
    max_buf_size: usize,
    /// The reader waiting for bytes (or for the close).
    read_waker: Option<Waker>,
    /// The writer waiting for room (or for the close).
    write_waker: Option<Waker>,
}

/// Creates unidirectional buffer that acts like in memory pipe.
///
/// The `max_buf_size` argument is the maximum amount of bytes that can be
/// written to a buffer before it returns `Poll::Pending`.
///
/// # Unify reader and writer
///
/// The reader and writer half can be unified into a single structure of
/// `SimplexStream` that supports both reading and writing or the
/// `SimplexStream` can be already created as unified structure using
/// [`SimplexStream::new_unsplit()`].
///
/// ```
/// use tern::io::{AsyncReadExt, AsyncWriteExt};
///
/// # tern::runtime::Runtime::new().unwrap().block_on(async {
/// let (reader, writer) = tern::io::simplex(64);
/// let mut simplex_stream = reader.unsplit(writer);
/// simplex_stream.write_all(b"hello").await.unwrap();
///
/// let mut buf = [0u8; 5];
/// simplex_stream.read_exact(&mut buf).await.unwrap();
/// assert_eq!(&buf, b"hello");
/// # });
/// ```
///
/// # Panics
///
/// This function panics if `max_buf_size` is 0.
#[track_caller]
pub fn simplex(max_buf_size: usize) -> (ReadHalf<SimplexStream>, WriteHalf<SimplexStream>) {
    split(SimplexStream::new_unsplit(max_buf_size))
}

/// Wakers taken out of a pipe during a poll, to be woken (or dropped) once
/// the pipe's lock is released: waking may run code that locks it again.
/// (For `simplex()` halves the `split` lock is still held around the whole
/// poll, as in Tokio: a waker must not poll the other half inline.)
#[derive(Default)]
pub(super) struct Wakers {
    /// The other side, which has something to do now.
    wake: Option<Waker>,
    /// This side's previous waker, replaced by the current one.
    replaced: Option<Waker>,
}

impl Wakers {
    pub(super) fn wake(self) {
        if let Some(waker) = self.wake {
            waker.wake();
        }
        drop(self.replaced);
    }
}

impl SimplexStream {
    /// Creates unidirectional buffer that acts like in memory pipe. To create
    /// split version with separate reader and writer you can use [`simplex`]
    /// function.
    ///
    /// The `max_buf_size` argument is the maximum amount of bytes that can
    /// be written to a buffer before it returns `Poll::Pending`.
    ///
    /// # Panics
    ///
    /// This function panics if `max_buf_size` is 0.
    #[track_caller]
    pub fn new_unsplit(max_buf_size: usize) -> SimplexStream {
        assert!(max_buf_size > 0, "`max_buf_size` must be greater than 0");
        SimplexStream {
            buffer: VecDeque::new(),
            is_closed: false,
            max_buf_size,
            read_waker: None,
            write_waker: None,
        }
    }

    /// Closes the pipe for writing; returns the reader's waker, which must
    /// be woken so it sees end of file.
    #[must_use]
    pub(super) fn close_write(&mut self) -> Option<Waker> {
        self.is_closed = true;
        self.read_waker.take()
    }

    /// Closes the pipe for reading; returns the writer's waker, which must
    /// be woken so its write fails.
    #[must_use]
    pub(super) fn close_read(&mut self) -> Option<Waker> {
        self.is_closed = true;
        self.write_waker.take()
    }

    fn read_now(&mut self, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>, wakers: &mut Wakers) -> Poll<()> {
        if buf.remaining() == 0 {
            return Poll::Ready(());
        }
        if !self.buffer.is_empty() {
            let n = self.buffer.len().min(buf.remaining());
            let (front, back) = self.buffer.as_slices();
            let from_front = n.min(front.len());
            buf.put_slice(&front[..from_front]);
            buf.put_slice(&back[..n - from_front]);
            self.buffer.drain(..n);
            // Room was made: the writer may go on.
            wakers.wake = self.write_waker.take();
            Poll::Ready(())
        } else if self.is_closed {
            Poll::Ready(())
        } else {
            wakers.replaced = self.read_waker.replace(cx.waker().clone());
            Poll::Pending
        }
    }

    /// Appends as much of `bufs` as fits (`Ok(0)` if they are all empty).
    fn write_now<B: Deref<Target = [u8]>>(
        &mut self,
        cx: &mut Context<'_>,
        bufs: &[B],
        wakers: &mut Wakers,
    ) -> Poll<io::Result<usize>> {
        if self.is_closed {
            return Poll::Ready(Err(io::ErrorKind::BrokenPipe.into()));
        }
        if bufs.iter().all(|b| b.is_empty()) {
            return Poll::Ready(Ok(0));
        }
        let avail = self.max_buf_size - self.buffer.len();
        if avail == 0 {
            wakers.replaced = self.write_waker.replace(cx.waker().clone());
            return Poll::Pending;
        }
        let mut left = avail;
        for b in bufs {
            let n = b.len().min(left);
            self.buffer.extend(&b[..n]);
            left -= n;
            if left == 0 {
                break;
            }
        }
        wakers.wake = self.read_waker.take();
        Poll::Ready(Ok(avail - left))
    }

    /// A read that spends a unit of coop budget when it completes; wakers to
    /// wake go to `wakers`.
    pub(super) fn poll_read_deferred(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
        wakers: &mut Wakers,
    ) -> Poll<io::Result<()>> {
        let coop = ready!(coop::poll_proceed(cx));
        ready!(self.read_now(cx, buf, wakers));
        coop.made_progress();
        Poll::Ready(Ok(()))
    }

    /// A write that spends a unit of coop budget when it completes; wakers
    /// to wake go to `wakers`.
    pub(super) fn poll_write_deferred<B: Deref<Target = [u8]>>(
        &mut self,
        cx: &mut Context<'_>,
        bufs: &[B],
        wakers: &mut Wakers,
    ) -> Poll<io::Result<usize>> {
        let coop = ready!(coop::poll_proceed(cx));
        let ret = ready!(self.write_now(cx, bufs, wakers));
        coop.made_progress();
        Poll::Ready(ret)
    }
}

impl AsyncRead for SimplexStream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let mut wakers = Wakers::default();
        let ret = self.get_mut().poll_read_deferred(cx, buf, &mut wakers);
        wakers.wake();
        ret
    }
}

impl AsyncWrite for SimplexStream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let mut wakers = Wakers::default();
        let ret = self.get_mut().poll_write_deferred(cx, &[buf], &mut wakers);
        wakers.wake();
        ret
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let mut wakers = Wakers::default();
        let ret = self.get_mut().poll_write_deferred(cx, bufs, &mut wakers);
        wakers.wake();
        ret
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Some(waker) = self.get_mut().close_write() {
            waker.wake();
        }
        Poll::Ready(Ok(()))
    }
}
