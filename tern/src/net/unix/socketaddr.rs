//! `SocketAddr`: the address of a Unix-domain socket.

use std::fmt;
use std::io;
use std::path::Path;

/// An address of a Unix-domain socket: a thin wrapper around
/// `std::os::unix::net::SocketAddr` (convert with `From` both ways).
///
/// # Examples
///
/// ```
/// # tern::runtime::Runtime::new().unwrap().block_on(async {
/// let (a, _b) = tern::net::UnixStream::pair().unwrap();
/// let addr = a.local_addr().unwrap();
/// assert!(addr.is_unnamed());
/// assert_eq!(addr.as_pathname(), None);
/// # });
/// ```
#[derive(Clone)]
pub struct SocketAddr(pub(super) std::os::unix::net::SocketAddr);

impl SocketAddr {
    /// Returns `true` if the address is unnamed (a socket that was not
    /// bound, such as either end of a `pair`).
    pub fn is_unnamed(&self) -> bool {
        self.0.is_unnamed()
    }

    /// Returns the contents of this address if it is a pathname address.
    pub fn as_pathname(&self) -> Option<&Path> {
        self.0.as_pathname()
    }

    /// Returns the contents of this address if it is in the abstract
    /// namespace (a Linux feature).
    #[cfg(target_os = "linux")]
    pub fn as_abstract_name(&self) -> Option<&[u8]> {
        use std::os::linux::net::SocketAddrExt;
        self.0.as_abstract_name()
    }
}

/// The address `path` names: on Linux a path starting with a NUL byte names
/// the rest of it in the abstract namespace, as in Tokio.
pub(crate) fn from_path(path: &Path) -> io::Result<std::os::unix::net::SocketAddr> {
    #[cfg(target_os = "linux")]
    {
        use std::os::linux::net::SocketAddrExt;
        use std::os::unix::ffi::OsStrExt;
        if let Some(name) = path.as_os_str().as_bytes().strip_prefix(b"\0") {
            return std::os::unix::net::SocketAddr::from_abstract_name(name);
        }
    }
    std::os::unix::net::SocketAddr::from_pathname(path)
}

impl fmt::Debug for SocketAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl From<std::os::unix::net::SocketAddr> for SocketAddr {
    fn from(addr: std::os::unix::net::SocketAddr) -> SocketAddr {
        SocketAddr(addr)
    }
}

impl From<SocketAddr> for std::os::unix::net::SocketAddr {
    fn from(addr: SocketAddr) -> std::os::unix::net::SocketAddr {
        addr.0
    }
}
