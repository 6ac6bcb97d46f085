//! Asynchronous I/O: the `AsyncRead`/`AsyncWrite` traits, their extension
//! methods, and (crate-private) the I/O driver behind `tern::net`.

pub(crate) mod driver;
pub(crate) mod poll_evented;
mod read_buf;
mod traits;
pub mod util;

pub use read_buf::ReadBuf;
pub use std::io::{Error, ErrorKind, Result};
pub use traits::{AsyncRead, AsyncWrite};
pub use util::{AsyncReadExt, AsyncWriteExt};
