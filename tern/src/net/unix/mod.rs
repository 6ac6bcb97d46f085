//! Unix-domain socket types: the halves a [`UnixStream`](super::UnixStream)
//! splits into, [`SocketAddr`] and [`UCred`]; and [`pipe`], for pipes and
//! FIFOs.
//!
//! The sockets themselves are [`UnixListener`](super::UnixListener),
//! [`UnixStream`](super::UnixStream) and
//! [`UnixDatagram`](super::UnixDatagram) in [`tern::net`](super).

pub(crate) mod datagram;
pub(crate) mod listener;
pub mod pipe;
pub(crate) mod socket;
mod socketaddr;
mod split;
mod split_owned;
pub(crate) mod stream;
#[cfg(target_os = "linux")]
mod ucred;

pub use socketaddr::SocketAddr;
pub use split::{ReadHalf, WriteHalf};
pub use split_owned::{OwnedReadHalf, OwnedWriteHalf, ReuniteError};
#[cfg(target_os = "linux")]
pub use ucred::UCred;

/// A type representing user ID.
#[allow(non_camel_case_types)]
pub type uid_t = u32;

/// A type representing group ID.
#[allow(non_camel_case_types)]
pub type gid_t = u32;

/// A type representing process and process group IDs.
#[allow(non_camel_case_types)]
pub type pid_t = i32;
