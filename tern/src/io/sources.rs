//! `empty`, `sink` and `repeat`: trivial readers and writers.

use crate::io::{AsyncRead, AsyncWrite, ReadBuf};
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

impl AsyncWrite for Empty {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        ready!(crate::task::coop::poll_proceed(cx)).made_progress();
        Poll::Ready(Ok(buf.len()))
    }
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

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

impl AsyncWrite for Sink {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        ready!(crate::task::coop::poll_proceed(cx)).made_progress();
        Poll::Ready(Ok(buf.len()))
    }
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

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
