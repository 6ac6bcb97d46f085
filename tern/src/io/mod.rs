//! Asynchronous I/O: the `AsyncRead`/`AsyncWrite` traits, their extension
//! methods, and (crate-private) the I/O driver behind `tern::net`.

mod buf_read;
mod copy;
pub(crate) mod driver;
pub(crate) mod poll_evented;
mod read_buf;
mod sources;
mod traits;
pub mod util;

pub use buf_read::{AsyncBufRead, AsyncBufReadExt, BufReader, Lines, ReadLine, ReadUntil};
pub use copy::{copy, copy_bidirectional};
pub use read_buf::ReadBuf;
pub use sources::{empty, repeat, sink, Empty, Repeat, Sink};
pub use std::io::{Error, ErrorKind, Result};
pub use traits::{AsyncRead, AsyncWrite};
pub use util::{AsyncReadExt, AsyncWriteExt};
