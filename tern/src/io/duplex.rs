//! `DuplexStream`: a pair of connected in-memory streams, and `duplex`.

use crate::io::simplex::Wakers;
use crate::io::{AsyncRead, AsyncWrite, ReadBuf, SimplexStream};
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};

/// A bidirectional pipe to read and write bytes in memory.
///
/// A pair of `DuplexStream`s are created together, and they act as a
/// "channel" that can be used as in-memory IO types. Writing to one of the
/// pairs will allow that data to be read from the other, and vice versa.
///
/// # Closing a `DuplexStream`
///
/// If one end of the `DuplexStream` channel is dropped, any pending reads on
/// the other side will continue to read data until the buffer is drained,
/// then they will signal EOF by returning 0 bytes. Any writes to the other
/// side, including pending ones (that are waiting for free space in the
/// buffer) will return `Err(BrokenPipe)` immediately.
///
/// [`shutdown`](crate::io::AsyncWriteExt::shutdown) closes one direction
/// only: the peer reads end of file once it has drained the buffer, and
/// further writes on this end fail with `BrokenPipe`, while the other
/// direction keeps working.
///
/// # Example
///
/// ```
/// use tern::io::{AsyncReadExt, AsyncWriteExt};
///
/// # tern::runtime::Runtime::new().unwrap().block_on(async {
/// let (mut client, mut server) = tern::io::duplex(64);
///
/// client.write_all(b"ping").await.unwrap();
///
/// let mut buf = [0u8; 4];
/// server.read_exact(&mut buf).await.unwrap();
/// assert_eq!(&buf, b"ping");
///
/// server.write_all(b"pong").await.unwrap();
///
/// client.read_exact(&mut buf).await.unwrap();
/// assert_eq!(&buf, b"pong");
/// # });
/// ```
#[derive(Debug)]
pub struct DuplexStream {
    /// The pipe the peer writes into.
    read: Arc<Mutex<SimplexStream>>,
    /// The pipe the peer reads from.
    write: Arc<Mutex<SimplexStream>>,
}

/// Create a new pair of `DuplexStream`s that act like a pair of connected
/// sockets.
///
/// The `max_buf_size` argument is the maximum amount of bytes that can be
/// written to a side before the write returns `Poll::Pending`.
///
/// # Panics
///
/// This function panics if `max_buf_size` is 0.
#[track_caller]
pub fn duplex(max_buf_size: usize) -> (DuplexStream, DuplexStream) {
    let one = Arc::new(Mutex::new(SimplexStream::new_unsplit(max_buf_size)));
    let two = Arc::new(Mutex::new(SimplexStream::new_unsplit(max_buf_size)));
    (DuplexStream { read: one.clone(), write: two.clone() }, DuplexStream { read: two, write: one })
}

/// Locks a pipe. A panic while it was held (in a waker, say) leaves the
/// pipe consistent, so poisoning is ignored.
fn lock(pipe: &Mutex<SimplexStream>) -> MutexGuard<'_, SimplexStream> {
    pipe.lock().unwrap_or_else(PoisonError::into_inner)
}

impl AsyncRead for DuplexStream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let mut wakers = Wakers::default();
        let ret = lock(&self.read).poll_read_deferred(cx, buf, &mut wakers);
        wakers.wake();
        ret
    }
}

impl AsyncWrite for DuplexStream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let mut wakers = Wakers::default();
        let ret = lock(&self.write).poll_write_deferred(cx, &[buf], &mut wakers);
        wakers.wake();
        ret
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let mut wakers = Wakers::default();
        let ret = lock(&self.write).poll_write_deferred(cx, bufs, &mut wakers);
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
        let read_waker = lock(&self.write).close_write();
        if let Some(waker) = read_waker {
            waker.wake();
        }
        Poll::Ready(Ok(()))
    }
}

impl Drop for DuplexStream {
    fn drop(&mut self) {
        // The peer reads EOF once it has drained what we wrote, and its
        // writes to us fail from now on.
        let read_waker = lock(&self.write).close_write();
        let write_waker = lock(&self.read).close_read();
        // Woken with no lock held: a waker may poll the pipe right away.
        if let Some(waker) = read_waker {
            waker.wake();
        }
        if let Some(waker) = write_waker {
            waker.wake();
        }
    }
}
