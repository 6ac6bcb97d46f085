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
pub(crate) mod sys;
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
pub use unix::{datagram::UnixDatagram, listener::UnixListener, socket::UnixSocket, stream::UnixStream};

/// Runs `read` on the spare capacity of `buf`, zeroed first, and advances
/// `buf` by the count it returns along with its other result (the `*_buf`
/// methods whose syscall std only offers on `&mut [u8]`).
pub(crate) fn read_into_buf_mut<B: bytes::BufMut + ?Sized, T>(
    buf: &mut B,
    read: impl FnOnce(&mut [u8]) -> std::io::Result<(usize, T)>,
) -> std::io::Result<(usize, T)> {
    let read = |spare: &mut [std::mem::MaybeUninit<u8>]| {
        let mut read_buf = crate::io::ReadBuf::uninit(spare);
        read(read_buf.initialize_unfilled())
    };
    // SAFETY: `read` initializes the whole chunk before the syscall writes
    // into it, so any count up to its length names initialized bytes.
    unsafe { recv_into_buf_mut(buf, read) }
}

/// Runs `recv` on the spare capacity of `buf` as it is (uninitialized: no
/// zeroing, however large the capacity) and advances `buf` by the count it
/// returns along with its other result.
///
/// # Safety
///
/// `recv` must have initialized the first `n` bytes of the slice it is
/// given when it returns `Ok((n, _))` (a `recv(2)`/`read(2)` into it does).
pub(crate) unsafe fn recv_into_buf_mut<B: bytes::BufMut + ?Sized, T>(
    buf: &mut B,
    recv: impl FnOnce(&mut [std::mem::MaybeUninit<u8>]) -> std::io::Result<(usize, T)>,
) -> std::io::Result<(usize, T)> {
    let chunk = buf.chunk_mut();
    // SAFETY: the slice is only written through, never de-initialized
    // (`recv` writes bytes, the kernel only initializes).
    let spare = unsafe { chunk.as_uninit_slice_mut() };
    let len = spare.len();
    let (n, other) = recv(spare)?;
    assert!(n <= len, "read reported more bytes than the buffer holds");
    // SAFETY: the first `n` bytes are initialized (the caller's promise),
    // and `n <= len`.
    unsafe { buf.advance_mut(n) };
    Ok((n, other))
}
