//! Socket system calls that neither `std` nor mio expose: creating a socket
//! before it is bound or connected, and the socket options of `TcpSocket`,
//! `SO_LINGER` and `SO_PEERCRED`.
//!
//! Every function takes a `BorrowedFd` (or returns an `OwnedFd`), so the
//! descriptors passed to the kernel are always open and owned by someone.

use std::io;
use std::mem;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::time::Duration;

/// Turns a `-1` return of a libc call into the thread's `errno` error.
fn cvt(ret: libc::c_int) -> io::Result<libc::c_int> {
    if ret == -1 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

/// Opens a non-blocking, close-on-exec TCP socket of `domain`
/// (`AF_INET` or `AF_INET6`).
pub(crate) fn tcp_socket(domain: libc::c_int) -> io::Result<OwnedFd> {
    let ty = libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC;
    // SAFETY: `socket` takes no pointers; it returns a new descriptor or -1.
    let fd = cvt(unsafe { libc::socket(domain, ty, 0) })?;
    // SAFETY: `fd` was just returned by `socket`, is open, and nothing else
    // owns it: the `OwnedFd` becomes its only owner and closes it on every
    // path from here on.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Opens a non-blocking, close-on-exec Unix-domain socket of type `ty`
/// (`SOCK_STREAM` or `SOCK_DGRAM`).
#[cfg(unix)]
pub(crate) fn unix_socket(ty: libc::c_int) -> io::Result<OwnedFd> {
    let ty = ty | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC;
    // SAFETY: `socket` takes no pointers; it returns a new descriptor or -1.
    let fd = cvt(unsafe { libc::socket(libc::AF_UNIX, ty, 0) })?;
    // SAFETY: `fd` was just returned by `socket`, is open, and nothing else
    // owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// The `sockaddr_un` naming `path`: on Linux a path starting with a NUL
/// byte names the rest of it in the abstract namespace (as in Tokio).
#[cfg(unix)]
fn unix_addr(path: &std::path::Path) -> io::Result<(libc::sockaddr_un, libc::socklen_t)> {
    use std::os::unix::ffi::OsStrExt;
    // SAFETY: `sockaddr_un` is plain data; all-zero is a valid value.
    let mut addr: libc::sockaddr_un = unsafe { mem::zeroed() };
    addr.sun_family = libc::AF_UNIX as libc::sa_family_t;
    let bytes = path.as_os_str().as_bytes();
    let is_abstract = cfg!(target_os = "linux") && bytes.first() == Some(&0);
    if !is_abstract && bytes.contains(&0) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "paths must not contain interior null bytes",
        ));
    }
    // A pathname keeps a terminating NUL; an abstract name is its bytes.
    if bytes.len() + usize::from(!is_abstract) > addr.sun_path.len() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "path must be shorter than SUN_LEN"));
    }
    for (dst, src) in addr.sun_path.iter_mut().zip(bytes) {
        *dst = *src as libc::c_char;
    }
    let offset = mem::offset_of!(libc::sockaddr_un, sun_path);
    let len = offset + bytes.len() + usize::from(!is_abstract && !bytes.is_empty());
    Ok((addr, len as libc::socklen_t))
}

/// `bind(2)` of a Unix-domain socket to `path`.
#[cfg(unix)]
pub(crate) fn bind_unix(fd: BorrowedFd<'_>, path: &std::path::Path) -> io::Result<()> {
    let (addr, len) = unix_addr(path)?;
    // SAFETY: `addr` is a valid `sockaddr_un` of `len` bytes, alive for the
    // call; `fd` is an open descriptor.
    cvt(unsafe { libc::bind(fd.as_raw_fd(), (&addr as *const libc::sockaddr_un).cast(), len) }).map(drop)
}

/// Starts a non-blocking `connect(2)` of a Unix-domain socket to `path`:
/// `Ok` if connected or in progress (as Tokio, `EAGAIN` from a full
/// backlog is an error).
#[cfg(unix)]
pub(crate) fn start_connect_unix(fd: BorrowedFd<'_>, path: &std::path::Path) -> io::Result<()> {
    let (addr, len) = unix_addr(path)?;
    // SAFETY: `addr` is a valid `sockaddr_un` of `len` bytes, alive for the
    // call; `fd` is an open descriptor.
    match cvt(unsafe { libc::connect(fd.as_raw_fd(), (&addr as *const libc::sockaddr_un).cast(), len) }) {
        Err(e) if e.raw_os_error() != Some(libc::EINPROGRESS) => Err(e),
        _ => Ok(()),
    }
}

/// A socket address in the layout the kernel reads and writes.
#[repr(C)]
pub(crate) union RawAddr {
    v4: libc::sockaddr_in,
    v6: libc::sockaddr_in6,
}

impl RawAddr {
    /// An all-zero address, large enough for either family.
    fn zeroed() -> RawAddr {
        RawAddr {
            v6: libc::sockaddr_in6 {
                sin6_family: 0,
                sin6_port: 0,
                sin6_flowinfo: 0,
                sin6_addr: libc::in6_addr { s6_addr: [0; 16] },
                sin6_scope_id: 0,
            },
        }
    }

    /// Converts `addr` to its kernel form and that form's length.
    pub(crate) fn new(addr: &SocketAddr) -> (RawAddr, libc::socklen_t) {
        match addr {
            SocketAddr::V4(a) => {
                let v4 = libc::sockaddr_in {
                    sin_family: libc::AF_INET as libc::sa_family_t,
                    sin_port: a.port().to_be(),
                    sin_addr: libc::in_addr { s_addr: u32::from_ne_bytes(a.ip().octets()) },
                    sin_zero: [0; 8],
                };
                (RawAddr { v4 }, mem::size_of::<libc::sockaddr_in>() as libc::socklen_t)
            }
            SocketAddr::V6(a) => {
                let v6 = libc::sockaddr_in6 {
                    sin6_family: libc::AF_INET6 as libc::sa_family_t,
                    sin6_port: a.port().to_be(),
                    sin6_flowinfo: a.flowinfo(),
                    sin6_addr: libc::in6_addr { s6_addr: a.ip().octets() },
                    sin6_scope_id: a.scope_id(),
                };
                (RawAddr { v6 }, mem::size_of::<libc::sockaddr_in6>() as libc::socklen_t)
            }
        }
    }

    fn as_ptr(&self) -> *const libc::sockaddr {
        (self as *const RawAddr).cast()
    }

    /// Reads back an address the kernel wrote (`len` bytes of it).
    fn to_socket_addr(&self, len: libc::socklen_t) -> io::Result<SocketAddr> {
        // SAFETY: the bytes of the variant the family names are initialized
        // (the union starts zeroed and the kernel only writes into it, or
        // `new` wrote that variant whole); both variants begin with the
        // family field, and all fields are plain integers.
        let family = libc::c_int::from(unsafe { self.v4.sin_family });
        let len = len as usize;
        if family == libc::AF_INET && len >= mem::size_of::<libc::sockaddr_in>() {
            // SAFETY: as above; the family says this is a `sockaddr_in`.
            let a = unsafe { self.v4 };
            let ip = Ipv4Addr::from(a.sin_addr.s_addr.to_ne_bytes());
            Ok(SocketAddr::V4(SocketAddrV4::new(ip, u16::from_be(a.sin_port))))
        } else if family == libc::AF_INET6 && len >= mem::size_of::<libc::sockaddr_in6>() {
            // SAFETY: as above; the family says this is a `sockaddr_in6`.
            let a = unsafe { self.v6 };
            let ip = Ipv6Addr::from(a.sin6_addr.s6_addr);
            let port = u16::from_be(a.sin6_port);
            Ok(SocketAddr::V6(SocketAddrV6::new(ip, port, a.sin6_flowinfo, a.sin6_scope_id)))
        } else {
            Err(io::Error::new(io::ErrorKind::InvalidInput, "invalid address family (not IPv4 or IPv6)"))
        }
    }
}

/// `recv(2)` into uninitialized memory; returns the bytes received, all
/// initialized by the kernel. `Read::read` takes `&mut [u8]`, which must
/// be initialized: going through it would mean zeroing a `read_buf`'s
/// whole spare capacity (a fresh `BytesMut`, `Vec::with_capacity`) first.
pub(crate) fn recv_uninit(fd: BorrowedFd<'_>, dst: &mut [mem::MaybeUninit<u8>]) -> io::Result<usize> {
    // SAFETY: `dst` is valid for writes of `dst.len()` bytes for the whole
    // call, and `recv(2)` writes at most that many.
    let n = unsafe { libc::recv(fd.as_raw_fd(), dst.as_mut_ptr().cast(), dst.len(), 0) };
    if n < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(n as usize)
    }
}

/// `read(2)` into uninitialized memory (pipes and other non-sockets);
/// returns the count, all of it initialized.
pub(crate) fn read_uninit(fd: BorrowedFd<'_>, dst: &mut [mem::MaybeUninit<u8>]) -> io::Result<usize> {
    // SAFETY: `dst` is valid for writes of `dst.len()` bytes for the whole
    // call, and `read(2)` writes at most that many.
    let n = unsafe { libc::read(fd.as_raw_fd(), dst.as_mut_ptr().cast(), dst.len()) };
    if n < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(n as usize)
    }
}

/// `recvfrom(2)` into uninitialized memory, with the source address.
pub(crate) fn recv_from_uninit(
    fd: BorrowedFd<'_>,
    dst: &mut [mem::MaybeUninit<u8>],
) -> io::Result<(usize, SocketAddr)> {
    let mut addr = RawAddr::zeroed();
    let mut len = mem::size_of::<RawAddr>() as libc::socklen_t;
    // SAFETY: `dst` is valid for writes of `dst.len()` bytes and `addr` for
    // `len` bytes for the whole call; the kernel writes at most that much.
    let n = unsafe {
        libc::recvfrom(
            fd.as_raw_fd(),
            dst.as_mut_ptr().cast(),
            dst.len(),
            0,
            (&mut addr as *mut RawAddr).cast(),
            &mut len,
        )
    };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok((n as usize, addr.to_socket_addr(len)?))
}

/// `bind(2)`.
pub(crate) fn bind(fd: BorrowedFd<'_>, addr: &SocketAddr) -> io::Result<()> {
    let (raw, len) = RawAddr::new(addr);
    // SAFETY: `raw` is a valid socket address of `len` bytes, alive for the
    // call; `fd` is an open descriptor.
    cvt(unsafe { libc::bind(fd.as_raw_fd(), raw.as_ptr(), len) }).map(drop)
}

/// `listen(2)`, clamping `backlog` to what the kernel accepts.
pub(crate) fn listen(fd: BorrowedFd<'_>, backlog: u32) -> io::Result<()> {
    let backlog = libc::c_int::try_from(backlog).unwrap_or(libc::c_int::MAX);
    // SAFETY: no pointers; `fd` is an open descriptor.
    cvt(unsafe { libc::listen(fd.as_raw_fd(), backlog) }).map(drop)
}

/// Starts a non-blocking `connect(2)`. `Ok` means the connection is
/// established or in progress: wait for writability, then check `SO_ERROR`.
pub(crate) fn start_connect(fd: BorrowedFd<'_>, addr: &SocketAddr) -> io::Result<()> {
    let (raw, len) = RawAddr::new(addr);
    // SAFETY: `raw` is a valid socket address of `len` bytes, alive for the
    // call; `fd` is an open descriptor.
    match cvt(unsafe { libc::connect(fd.as_raw_fd(), raw.as_ptr(), len) }) {
        Ok(_) => Ok(()),
        // EINTR: the connection carries on asynchronously, as EINPROGRESS.
        Err(e) if matches!(e.raw_os_error(), Some(libc::EINPROGRESS | libc::EINTR)) => Ok(()),
        Err(e) => Err(e),
    }
}

/// `getsockname(2)`.
pub(crate) fn local_addr(fd: BorrowedFd<'_>) -> io::Result<SocketAddr> {
    let mut raw = RawAddr::zeroed();
    let mut len = mem::size_of::<RawAddr>() as libc::socklen_t;
    // SAFETY: `raw` is writable for `len` bytes and `len` is a valid
    // in/out pointer, both alive for the call.
    cvt(unsafe { libc::getsockname(fd.as_raw_fd(), (&mut raw as *mut RawAddr).cast(), &mut len) })?;
    raw.to_socket_addr(len)
}

/// C option values made only of integers, with no padding: any bytes are
/// a valid value, and every byte is initialized. The bound on
/// `setsockopt`/`getsockopt` that keeps them sound.
trait PlainOption: Copy {}
impl PlainOption for libc::c_int {}
impl PlainOption for libc::linger {}
impl PlainOption for libc::ucred {}

/// Sets an option whose value is a C type of integers (`c_int`,
/// `linger`...).
fn setsockopt<T: PlainOption>(
    fd: BorrowedFd<'_>,
    level: libc::c_int,
    name: libc::c_int,
    val: T,
) -> io::Result<()> {
    let len = mem::size_of::<T>() as libc::socklen_t;
    // SAFETY: `val` is readable for `len` bytes for the whole call.
    cvt(unsafe { libc::setsockopt(fd.as_raw_fd(), level, name, (&val as *const T).cast(), len) }).map(drop)
}

/// Gets an option into `init`, an initialized value of the option's C type.
/// Only used with C structs of integers (any bytes the kernel writes are
/// a valid value) and checked to be filled completely.
fn getsockopt<T: PlainOption>(
    fd: BorrowedFd<'_>,
    level: libc::c_int,
    name: libc::c_int,
    init: T,
) -> io::Result<T> {
    let mut val = init;
    let mut len = mem::size_of::<T>() as libc::socklen_t;
    // SAFETY: `val` is writable for `len` bytes and `len` is a valid in/out
    // pointer, both alive for the call.
    cvt(unsafe { libc::getsockopt(fd.as_raw_fd(), level, name, (&mut val as *mut T).cast(), &mut len) })?;
    if len as usize != mem::size_of::<T>() {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "socket option of unexpected size"));
    }
    Ok(val)
}

/// Sets an integer option (flags are 0 or 1).
pub(crate) fn set_int(
    fd: BorrowedFd<'_>,
    level: libc::c_int,
    name: libc::c_int,
    val: libc::c_int,
) -> io::Result<()> {
    setsockopt(fd, level, name, val)
}

/// Gets an integer option.
pub(crate) fn get_int(fd: BorrowedFd<'_>, level: libc::c_int, name: libc::c_int) -> io::Result<libc::c_int> {
    getsockopt(fd, level, name, 0 as libc::c_int)
}

/// Sets `SO_LINGER`: `None` turns it off; a duration is rounded down to
/// whole seconds, as the kernel keeps it.
pub(crate) fn set_linger(fd: BorrowedFd<'_>, dur: Option<Duration>) -> io::Result<()> {
    let val = libc::linger {
        l_onoff: libc::c_int::from(dur.is_some()),
        l_linger: dur.map_or(0, |d| libc::c_int::try_from(d.as_secs()).unwrap_or(libc::c_int::MAX)),
    };
    setsockopt(fd, libc::SOL_SOCKET, libc::SO_LINGER, val)
}

/// Gets `SO_LINGER`.
pub(crate) fn linger(fd: BorrowedFd<'_>) -> io::Result<Option<Duration>> {
    let val = getsockopt(fd, libc::SOL_SOCKET, libc::SO_LINGER, libc::linger { l_onoff: 0, l_linger: 0 })?;
    Ok((val.l_onoff != 0).then(|| Duration::from_secs(val.l_linger.max(0) as u64)))
}

/// Binds the socket to the network interface `interface`
/// (`SO_BINDTODEVICE`); `None` or an empty name removes the binding.
pub(crate) fn bind_device(fd: BorrowedFd<'_>, interface: Option<&[u8]>) -> io::Result<()> {
    let (ptr, len) = match interface {
        Some(name) => (name.as_ptr(), name.len()),
        None => (std::ptr::null(), 0),
    };
    // SAFETY: `ptr` is readable for `len` bytes for the whole call (or null
    // with length 0, which the kernel takes as "no device").
    cvt(unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_BINDTODEVICE,
            ptr.cast(),
            len as libc::socklen_t,
        )
    })
    .map(drop)
}

/// The interface the socket is bound to (`SO_BINDTODEVICE`), without the
/// trailing NUL; `None` if it is bound to none.
pub(crate) fn device(fd: BorrowedFd<'_>) -> io::Result<Option<Vec<u8>>> {
    let mut buf = [0u8; libc::IFNAMSIZ];
    let mut len = buf.len() as libc::socklen_t;
    // SAFETY: `buf` is writable for `len` bytes and `len` is a valid in/out
    // pointer, both alive for the call.
    cvt(unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_BINDTODEVICE,
            buf.as_mut_ptr().cast(),
            &mut len,
        )
    })?;
    let name = &buf[..(len as usize).min(buf.len())];
    let name = name.split(|&b| b == 0).next().unwrap_or_default();
    Ok((!name.is_empty()).then(|| name.to_vec()))
}

/// Takes the pending error (`SO_ERROR`), if any.
pub(crate) fn take_error(fd: BorrowedFd<'_>) -> io::Result<Option<io::Error>> {
    let err = get_int(fd, libc::SOL_SOCKET, libc::SO_ERROR)?;
    Ok((err != 0).then(|| io::Error::from_raw_os_error(err)))
}

/// The credentials of the peer of a connected Unix socket
/// (`SO_PEERCRED`): `(pid, uid, gid)`.
pub(crate) fn peer_cred(fd: BorrowedFd<'_>) -> io::Result<(libc::pid_t, libc::uid_t, libc::gid_t)> {
    let init = libc::ucred { pid: 0, uid: 0, gid: 0 };
    let cred = getsockopt(fd, libc::SOL_SOCKET, libc::SO_PEERCRED, init)?;
    Ok((cred.pid, cred.uid, cred.gid))
}

#[cfg(all(test, not(tern_loom)))]
mod tests {
    use super::*;
    use std::os::fd::AsFd;

    #[test]
    fn addresses_round_trip_through_the_kernel_form() {
        for addr in ["127.0.0.1:80", "[::1]:443", "[fe80::1%2]:8080", "0.0.0.0:0"] {
            let addr: SocketAddr = addr.parse().unwrap();
            let (raw, len) = RawAddr::new(&addr);
            assert_eq!(raw.to_socket_addr(len).unwrap(), addr);
        }
    }

    #[test]
    fn a_bound_socket_reports_its_address_and_options() {
        let fd = tcp_socket(libc::AF_INET).unwrap();
        set_int(fd.as_fd(), libc::SOL_SOCKET, libc::SO_REUSEADDR, 1).unwrap();
        assert_eq!(get_int(fd.as_fd(), libc::SOL_SOCKET, libc::SO_REUSEADDR).unwrap(), 1);
        bind(fd.as_fd(), &"127.0.0.1:0".parse().unwrap()).unwrap();
        let local = local_addr(fd.as_fd()).unwrap();
        assert!(local.ip().is_loopback() && local.port() != 0, "{local}");
        assert_eq!(linger(fd.as_fd()).unwrap(), None);
        set_linger(fd.as_fd(), Some(Duration::from_millis(2500))).unwrap();
        assert_eq!(linger(fd.as_fd()).unwrap(), Some(Duration::from_secs(2)));
        assert!(take_error(fd.as_fd()).unwrap().is_none());
    }
}
