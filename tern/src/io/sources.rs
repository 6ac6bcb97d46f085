//! `empty`, `sink` and `repeat`: trivial readers and writers. Each poll
//! takes a unit of the task's coop budget, so a loop over them that never
//! waits still yields to the scheduler (as Tokio's do).

use crate::io::{AsyncBufRead, AsyncRead, AsyncSeek, AsyncWrite, ReadBuf};
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// A reader that is always at end of file. See [`empty`].
#[derive(Debug, Default)]
pub struct Empty {
    _p: (),
}

/// Creates a reader that is always at EOF (and a writer that accepts and
/// discards everything).
pub fn empty() -> Empty {
    Empty { _p: () }
}

impl AsyncRead for Empty {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, _buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        ready!(crate::task::coop::poll_proceed(cx)).made_progress();
        Poll::Ready(Ok(()))
    }
}

impl AsyncBufRead for Empty {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        ready!(crate::task::coop::poll_proceed(cx)).made_progress();
        Poll::Ready(Ok(&[]))
    }
    fn consume(self: Pin<&mut Self>, _amt: usize) {}
}

/// Every seek lands on position 0 (there is nothing else to land on).
impl AsyncSeek for Empty {
    fn start_seek(self: Pin<&mut Self>, _position: io::SeekFrom) -> io::Result<()> {
        Ok(())
    }
    fn poll_complete(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        ready!(crate::task::coop::poll_proceed(cx)).made_progress();
        Poll::Ready(Ok(0))
    }
}

/// The writer half of `Empty` and `Sink`: accepts and discards every
/// byte, one coop unit per call.
macro_rules! impl_discarding_write {
    ($ty:ty) => {
        impl AsyncWrite for $ty {
            fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
                ready!(crate::task::coop::poll_proceed(cx)).made_progress();
                Poll::Ready(Ok(buf.len()))
            }
            /// Takes every buffer whole, in one call.
            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[io::IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                ready!(crate::task::coop::poll_proceed(cx)).made_progress();
                Poll::Ready(Ok(bufs.iter().map(|b| b.len()).sum()))
            }
            fn is_write_vectored(&self) -> bool {
                true
            }
            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                ready!(crate::task::coop::poll_proceed(cx)).made_progress();
                Poll::Ready(Ok(()))
            }
            fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                ready!(crate::task::coop::poll_proceed(cx)).made_progress();
                Poll::Ready(Ok(()))
            }
        }
    };
}

impl_discarding_write!(Empty);

/// A writer that discards all data. See [`sink`].
#[derive(Debug, Default)]
pub struct Sink {
    _p: (),
}

/// Creates an instance of an async writer which will successfully consume
/// all data.
pub fn sink() -> Sink {
    Sink { _p: () }
}

impl_discarding_write!(Sink);

/// A reader that yields one byte over and over. See [`repeat`].
#[derive(Debug)]
pub struct Repeat {
    byte: u8,
}

/// Creates an instance of an async reader that infinitely repeats one
/// byte.
pub fn repeat(byte: u8) -> Repeat {
    Repeat { byte }
}

impl AsyncRead for Repeat {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        ready!(crate::task::coop::poll_proceed(cx)).made_progress();
        let n = buf.remaining();
        buf.initialize_unfilled_to(n).fill(self.byte);
        buf.advance(n);
        Poll::Ready(Ok(()))
    }
}
