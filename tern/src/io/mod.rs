//! Asynchronous I/O: the `AsyncRead`/`AsyncWrite` traits, their extension
//! methods, and (crate-private) the I/O driver behind `tern::net`.

mod async_fd;
mod buf_read;
mod buf_reader;
mod buf_stream;
mod buf_writer;
mod chain;
mod copy;
pub(crate) mod driver;
mod duplex;
mod interest;
mod join;
mod numeric;
pub(crate) mod poll_evented;
mod read_buf;
mod read_futures;
mod seek;
mod simplex;
mod sources;
mod split;
mod stdio;
mod take;
mod traits;
pub mod util;
mod write_futures;

/// Unix-specific I/O: readiness of any file descriptor.
pub mod unix {
    #[allow(deprecated)]
    pub use super::async_fd::AsyncFdTryNewError;
    pub use super::async_fd::{
        AsyncFd, AsyncFdReadyGuard, AsyncFdReadyMutGuard, AsyncFdRegisterError, TryIoError,
    };
}

pub use buf_read::{AsyncBufRead, AsyncBufReadExt, Lines, ReadLine, ReadUntil, Split};
pub use buf_reader::BufReader;
pub use buf_stream::BufStream;
pub use buf_writer::BufWriter;
pub use chain::Chain;
pub use copy::{copy, copy_bidirectional, copy_bidirectional_with_sizes, copy_buf};
pub use duplex::{duplex, DuplexStream};
pub use interest::{Interest, Ready};
pub use join::{join, Join};
pub use read_buf::ReadBuf;
pub use seek::{AsyncSeek, AsyncSeekExt};
pub use simplex::{simplex, SimplexStream};
pub use sources::{empty, repeat, sink, Empty, Repeat, Sink};
pub use split::{split, ReadHalf, WriteHalf};
pub use std::io::{Error, ErrorKind, Result, SeekFrom};
pub use stdio::{stderr, stdin, stdout, Stderr, Stdin, Stdout};
pub use take::Take;
pub use traits::{AsyncRead, AsyncWrite};
pub use util::{AsyncReadExt, AsyncWriteExt};
