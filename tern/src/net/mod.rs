//! TCP, UDP and Unix-domain networking on the runtime's I/O driver.
//!
//! * [`TcpListener`], [`TcpStream`] and [`TcpSocket`] for TCP (the halves
//!   of a split stream are in [`tcp`]);
//! * [`UdpSocket`] for UDP;
//! * [`UnixListener`], [`UnixStream`] and [`UnixDatagram`] for Unix-domain
//!   sockets (more types in [`unix`]);
//! * [`lookup_host`] to resolve a host name without blocking a worker.
//!
//! Every operation is non-blocking underneath; failures come back as typed
//! `io::Error`s (`ConnectionRefused`, `ConnectionReset`, `BrokenPipe`,
//! the OS error for a full descriptor table...), never as a hang or a spin.
//! Methods that take `&self` may be awaited by several tasks at once on one
//! socket (shared through an `Arc`).

mod addr;
#[cfg(target_os = "linux")]
mod sys;
pub mod tcp;
mod udp;
#[cfg(unix)]
pub mod unix;

pub use addr::{lookup_host, ToSocketAddrs};
pub use tcp::listener::TcpListener;
#[cfg(target_os = "linux")]
pub use tcp::socket::TcpSocket;
pub use tcp::stream::TcpStream;
pub use udp::UdpSocket;
#[cfg(unix)]
pub use unix::{datagram::UnixDatagram, listener::UnixListener, stream::UnixStream};

/// Runs `read` on the spare capacity of `buf` and advances `buf` by the
/// count it returns along with its other result (the `*_buf` methods).
pub(crate) fn read_into_buf_mut<B: bytes::BufMut + ?Sized, T>(
    buf: &mut B,
    read: impl FnOnce(&mut [u8]) -> std::io::Result<(usize, T)>,
) -> std::io::Result<(usize, T)> {
    let chunk = buf.chunk_mut();
    // SAFETY: the slice is only handed to `ReadBuf`, which never writes
    // uninitialized bytes into it.
    let spare = unsafe { chunk.as_uninit_slice_mut() };
    let len = spare.len();
    let mut read_buf = crate::io::ReadBuf::uninit(spare);
    let (n, other) = read(read_buf.initialize_unfilled())?;
    assert!(n <= len, "read reported more bytes than the buffer holds");
    // SAFETY: `initialize_unfilled` initialized all `len` bytes of the
    // chunk, and `n <= len`.
    unsafe { buf.advance_mut(n) };
    Ok((n, other))
}
