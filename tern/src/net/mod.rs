//! TCP and UDP networking on the runtime's I/O driver.
//!
//! Every operation is non-blocking underneath; failures come back as typed
//! `io::Error`s (`ConnectionRefused`, `ConnectionReset`, `BrokenPipe`,
//! the OS error for a full descriptor table...), never as a hang or a spin.

mod tcp;
mod udp;

pub use tcp::{OwnedReadHalf, OwnedWriteHalf, TcpListener, TcpStream};
pub use udp::UdpSocket;

/// Addresses tern can bind or connect to: anything `std` resolves.
///
/// Unlike Tokio's, host names are resolved with the blocking resolver of
/// `std` on the calling thread; pass socket addresses (the common case in
/// servers) to avoid that.
pub trait ToSocketAddrs: std::net::ToSocketAddrs {}

impl<T: std::net::ToSocketAddrs + ?Sized> ToSocketAddrs for T {}

/// Resolves `addr`, tries `f` on each address, and returns the first
/// success or the last error.
pub(crate) fn each_addr<A: ToSocketAddrs, R>(
    addr: A,
    mut f: impl FnMut(std::net::SocketAddr) -> std::io::Result<R>,
) -> std::io::Result<R> {
    let mut last = None;
    for a in addr.to_socket_addrs()? {
        match f(a) {
            Ok(r) => return Ok(r),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, "could not resolve to any address")
    }))
}
