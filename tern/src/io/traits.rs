//! `AsyncRead` and `AsyncWrite`.

use crate::io::ReadBuf;
use std::io;
use std::ops::DerefMut;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Reads bytes from a source, asynchronously.
///
/// The counterpart of `std::io::Read`: `poll_read` fills `buf` and returns
/// `Ready(Ok(()))`; no bytes filled means end of file. Use the methods of
/// [`AsyncReadExt`](crate::io::AsyncReadExt) to read in async code.
pub trait AsyncRead {
    /// Attempts to read from the `AsyncRead` into `buf`.
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>>;

    /// Not public API (Tokio's trait has only `poll_read`): a reader's own
    /// way to read everything up to the end of its input, appended to
    /// `buf`, which [`AsyncReadExt::read_to_end`] and
    /// [`AsyncReadExt::read_to_string`] take when it has one. `None` (the
    /// default) means it has none, and they call `poll_read` chunk by
    /// chunk. `fs::File` has one: the rest of the file in one blocking job.
    ///
    /// A reader answers `None` always or never, so that a read-to-end that
    /// began on one path stays on it.
    ///
    /// [`AsyncReadExt::read_to_end`]: crate::io::AsyncReadExt::read_to_end
    /// [`AsyncReadExt::read_to_string`]: crate::io::AsyncReadExt::read_to_string
    #[doc(hidden)]
    fn __tern_poll_read_to_end(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut Vec<u8>,
    ) -> Option<Poll<io::Result<()>>> {
        let _ = (cx, buf);
        None
    }
}

/// Writes bytes asynchronously.
///
/// The counterpart of `std::io::Write`. Use the methods of
/// [`AsyncWriteExt`](crate::io::AsyncWriteExt) to write in async code.
pub trait AsyncWrite {
    /// Attempt to write bytes from `buf` into the object.
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>>;

    /// Attempts to flush the object, ensuring that any buffered data reach
    /// their destination.
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>>;

    /// Initiates or attempts to shut down this writer, returning success
    /// when the I/O connection has completely shut down.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>>;

    /// Like `poll_write`, except that it writes from a slice of buffers.
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let buf = bufs.iter().find(|b| !b.is_empty()).map_or(&[][..], |b| &**b);
        self.poll_write(cx, buf)
    }

    /// Determines if this writer has an efficient `poll_write_vectored`
    /// implementation.
    fn is_write_vectored(&self) -> bool {
        false
    }
}

macro_rules! deref_async_read {
    () => {
        fn poll_read(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            Pin::new(&mut **self).poll_read(cx, buf)
        }

        fn __tern_poll_read_to_end(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut Vec<u8>,
        ) -> Option<Poll<io::Result<()>>> {
            Pin::new(&mut **self).__tern_poll_read_to_end(cx, buf)
        }
    };
}

impl<T: ?Sized + AsyncRead + Unpin> AsyncRead for Box<T> {
    deref_async_read!();
}

impl<T: ?Sized + AsyncRead + Unpin> AsyncRead for &mut T {
    deref_async_read!();
}

impl<P> AsyncRead for Pin<P>
where
    P: DerefMut,
    P::Target: AsyncRead,
{
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        self.as_deref_mut().poll_read(cx, buf)
    }

    fn __tern_poll_read_to_end(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut Vec<u8>,
    ) -> Option<Poll<io::Result<()>>> {
        self.as_deref_mut().__tern_poll_read_to_end(cx, buf)
    }
}

impl<T: AsRef<[u8]> + Unpin> AsyncRead for io::Cursor<T> {
    fn poll_read(self: Pin<&mut Self>, _cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let cursor = self.get_mut();
        let data = cursor.get_ref().as_ref();
        // A position past the end (set by a seek) reads as end of file.
        let start = usize::try_from(cursor.position()).unwrap_or(usize::MAX).min(data.len());
        let n = (data.len() - start).min(buf.remaining());
        buf.put_slice(&data[start..start + n]);
        if n > 0 {
            cursor.set_position((start + n) as u64);
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncRead for &[u8] {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let n = std::cmp::min(self.len(), buf.remaining());
        let (a, b) = self.split_at(n);
        buf.put_slice(a);
        *self = b;
        Poll::Ready(Ok(()))
    }
}

macro_rules! deref_async_write {
    () => {
        fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
            Pin::new(&mut **self).poll_write(cx, buf)
        }
        fn poll_write_vectored(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            bufs: &[io::IoSlice<'_>],
        ) -> Poll<io::Result<usize>> {
            Pin::new(&mut **self).poll_write_vectored(cx, bufs)
        }
        fn is_write_vectored(&self) -> bool {
            (**self).is_write_vectored()
        }
        fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Pin::new(&mut **self).poll_flush(cx)
        }
        fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Pin::new(&mut **self).poll_shutdown(cx)
        }
    };
}

impl<T: ?Sized + AsyncWrite + Unpin> AsyncWrite for Box<T> {
    deref_async_write!();
}

impl<T: ?Sized + AsyncWrite + Unpin> AsyncWrite for &mut T {
    deref_async_write!();
}

impl<P> AsyncWrite for Pin<P>
where
    P: DerefMut,
    P::Target: AsyncWrite,
{
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.as_deref_mut().poll_write(cx, buf)
    }
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.as_deref_mut().poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        (**self).is_write_vectored()
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.as_deref_mut().poll_flush(cx)
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.as_deref_mut().poll_shutdown(cx)
    }
}

/// `AsyncWrite` for the in-memory writers `std::io::Write` supports (the
/// cursors, and `Vec<u8>`, vectored as Tokio's), by delegating to it
/// (writes never block; shutting down is flushing).
macro_rules! std_write_async_write {
    ($($writer:ty),*) => { $(
        impl AsyncWrite for $writer {
            fn poll_write(self: Pin<&mut Self>, _cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
                Poll::Ready(io::Write::write(self.get_mut(), buf))
            }
            fn poll_write_vectored(
                self: Pin<&mut Self>,
                _cx: &mut Context<'_>,
                bufs: &[io::IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                Poll::Ready(io::Write::write_vectored(self.get_mut(), bufs))
            }
            fn is_write_vectored(&self) -> bool {
                true
            }
            fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(io::Write::flush(self.get_mut()))
            }
            fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.poll_flush(cx)
            }
        }
    )* };
}

std_write_async_write!(
    io::Cursor<&mut [u8]>,
    io::Cursor<&mut Vec<u8>>,
    io::Cursor<Vec<u8>>,
    io::Cursor<Box<[u8]>>,
    Vec<u8>
);
