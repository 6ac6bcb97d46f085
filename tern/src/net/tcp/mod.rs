//! TCP utility types: the halves a [`TcpStream`](super::TcpStream) splits
//! into.
//!
//! [`TcpStream::split`](super::TcpStream::split) borrows the stream and
//! returns [`ReadHalf`] and [`WriteHalf`];
//! [`TcpStream::into_split`](super::TcpStream::into_split) consumes it and
//! returns [`OwnedReadHalf`] and [`OwnedWriteHalf`], which can move to
//! different tasks and be put back together with
//! [`OwnedReadHalf::reunite`].

pub(crate) mod listener;
#[cfg(target_os = "linux")]
pub(crate) mod socket;
mod split;
mod split_owned;
pub(crate) mod stream;

pub use split::{ReadHalf, WriteHalf};
pub use split_owned::{OwnedReadHalf, OwnedWriteHalf, ReuniteError};
