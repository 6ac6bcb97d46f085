//! `ToSocketAddrs` and `lookup_host`: turning what a caller passes into
//! socket addresses without blocking a worker thread.
//!
//! Literal addresses (`SocketAddr`, `(IpAddr, u16)`, `"127.0.0.1:80"`,
//! `("::1", 80)`) are converted in place, with no allocation and no thread
//! hop. Only host names go to the blocking pool, where `std`'s resolver
//! (`getaddrinfo`) may take as long as it needs.

use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::{option, vec};

/// Converts or resolves without blocking to one or more `SocketAddr` values.
///
/// Implemented for the types Tokio accepts: `SocketAddr`, `SocketAddrV4`,
/// `SocketAddrV6`, `(IpAddr, u16)`, `(Ipv4Addr, u16)`, `(Ipv6Addr, u16)`,
/// `&[SocketAddr]`, `str`, `String`, `(&str, u16)`, `(String, u16)`, and
/// references to any of them.
///
/// # DNS
///
/// A string that is not a literal address is resolved with the system
/// resolver on the runtime's blocking pool (see
/// [`spawn_blocking`](crate::task::spawn_blocking)), so a slow lookup never
/// blocks a worker thread.
///
/// # Calling
///
/// The trait is sealed: use it in bounds only; its methods are private.
pub trait ToSocketAddrs: sealed::ToSocketAddrsPriv {}

pub(crate) mod sealed {
    use super::Resolution;

    /// The private half of [`ToSocketAddrs`](super::ToSocketAddrs).
    pub trait ToSocketAddrsPriv {
        /// Converts `self` in place, or describes the lookup to run.
        #[doc(hidden)]
        fn resolution(&self) -> Resolution;
    }
}

/// What it takes to turn a `ToSocketAddrs` value into addresses.
#[doc(hidden)]
#[derive(Debug)]
pub enum Resolution {
    /// Already addresses.
    Ready(Addrs),
    /// A name for the resolver: `"host:port"` (port `None`) or a host and
    /// a port.
    Lookup(String, Option<u16>),
}

/// An iterator over resolved addresses: one literal address without
/// allocating, or the list a lookup returned.
#[doc(hidden)]
#[derive(Debug)]
pub enum Addrs {
    /// A single address.
    One(option::IntoIter<SocketAddr>),
    /// Several addresses.
    More(vec::IntoIter<SocketAddr>),
}

impl Addrs {
    fn one(addr: SocketAddr) -> Addrs {
        Addrs::One(Some(addr).into_iter())
    }
}

impl Iterator for Addrs {
    type Item = SocketAddr;

    fn next(&mut self) -> Option<SocketAddr> {
        match self {
            Addrs::One(it) => it.next(),
            Addrs::More(it) => it.next(),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match self {
            Addrs::One(it) => it.size_hint(),
            Addrs::More(it) => it.size_hint(),
        }
    }
}

/// Resolves `addr`: in place for literals, on the blocking pool for names.
///
/// # Panics
///
/// Resolving a name outside of a runtime.
pub(crate) fn to_socket_addrs<A: ToSocketAddrs>(addr: A) -> impl Future<Output = io::Result<Addrs>> {
    // Computed before the future is polled, so that the future does not
    // hold `addr` (which may be a non-`Send` or short-lived reference).
    let resolution = addr.resolution();
    async move {
        match resolution {
            Resolution::Ready(addrs) => Ok(addrs),
            Resolution::Lookup(host, port) => {
                let addrs = crate::task::spawn_blocking(move || {
                    let found = match port {
                        Some(port) => std::net::ToSocketAddrs::to_socket_addrs(&(host.as_str(), port)),
                        None => std::net::ToSocketAddrs::to_socket_addrs(host.as_str()),
                    };
                    found.map(Iterator::collect::<Vec<_>>)
                })
                .await??;
                Ok(Addrs::More(addrs.into_iter()))
            }
        }
    }
}

/// Tries `f` on each address of `addrs` in turn: the first success, or the
/// last error (`InvalidInput` if there was no address at all).
pub(crate) fn first_ok<R>(addrs: Addrs, mut f: impl FnMut(SocketAddr) -> io::Result<R>) -> io::Result<R> {
    let mut last = None;
    for addr in addrs {
        match f(addr) {
            Ok(r) => return Ok(r),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(no_address))
}

/// The error for a name that resolved to no address.
pub(crate) fn no_address() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, "could not resolve to any address")
}

/// Performs a DNS resolution.
///
/// The returned iterator may not yield any value, depending on the outcome
/// of the resolution. Literal addresses are returned as they are; names are
/// resolved by the system resolver on the blocking pool.
///
/// This API is not intended to cover all DNS use cases. Anything beyond the
/// basic use case should be done with a specialized library.
///
/// # Examples
///
/// ```
/// # tern::runtime::Runtime::new().unwrap().block_on(async {
/// let addrs: Vec<_> = tern::net::lookup_host("127.0.0.1:3000").await.unwrap().collect();
/// assert_eq!(addrs, ["127.0.0.1:3000".parse().unwrap()]);
///
/// for addr in tern::net::lookup_host("localhost:3000").await.unwrap() {
///     println!("socket address is {addr}");
/// }
/// # });
/// ```
pub async fn lookup_host<T: ToSocketAddrs>(host: T) -> io::Result<impl Iterator<Item = SocketAddr>> {
    to_socket_addrs(host).await
}

macro_rules! literal {
    ($($ty:ty => |$v:ident| $conv:expr;)*) => {$(
        impl ToSocketAddrs for $ty {}

        impl sealed::ToSocketAddrsPriv for $ty {
            fn resolution(&self) -> Resolution {
                let $v = *self;
                Resolution::Ready(Addrs::one($conv))
            }
        }
    )*};
}

literal! {
    SocketAddr => |a| a;
    SocketAddrV4 => |a| SocketAddr::V4(a);
    SocketAddrV6 => |a| SocketAddr::V6(a);
    (IpAddr, u16) => |a| SocketAddr::from(a);
    (Ipv4Addr, u16) => |a| SocketAddr::from(a);
    (Ipv6Addr, u16) => |a| SocketAddr::from(a);
}

impl<T: ToSocketAddrs + ?Sized> ToSocketAddrs for &T {}

impl<T: sealed::ToSocketAddrsPriv + ?Sized> sealed::ToSocketAddrsPriv for &T {
    fn resolution(&self) -> Resolution {
        (**self).resolution()
    }
}

impl ToSocketAddrs for &[SocketAddr] {}

impl sealed::ToSocketAddrsPriv for &[SocketAddr] {
    fn resolution(&self) -> Resolution {
        // Owned: the addresses must outlive the borrowed slice.
        let owned: Vec<SocketAddr> = self.to_vec();
        Resolution::Ready(Addrs::More(owned.into_iter()))
    }
}

impl ToSocketAddrs for str {}

impl sealed::ToSocketAddrsPriv for str {
    fn resolution(&self) -> Resolution {
        match self.parse::<SocketAddr>() {
            Ok(addr) => Resolution::Ready(Addrs::one(addr)),
            Err(_) => Resolution::Lookup(self.to_owned(), None),
        }
    }
}

impl ToSocketAddrs for String {}

impl sealed::ToSocketAddrsPriv for String {
    fn resolution(&self) -> Resolution {
        self.as_str().resolution()
    }
}

impl ToSocketAddrs for (&str, u16) {}

impl sealed::ToSocketAddrsPriv for (&str, u16) {
    fn resolution(&self) -> Resolution {
        let (host, port) = *self;
        match host.parse::<IpAddr>() {
            Ok(ip) => Resolution::Ready(Addrs::one(SocketAddr::new(ip, port))),
            Err(_) => Resolution::Lookup(host.to_owned(), Some(port)),
        }
    }
}

impl ToSocketAddrs for (String, u16) {}

impl sealed::ToSocketAddrsPriv for (String, u16) {
    fn resolution(&self) -> Resolution {
        (self.0.as_str(), self.1).resolution()
    }
}

#[cfg(all(test, not(tern_loom)))]
mod tests {
    use super::*;

    fn ready(r: Resolution) -> Vec<SocketAddr> {
        match r {
            Resolution::Ready(addrs) => addrs.collect(),
            Resolution::Lookup(host, port) => panic!("{host:?} {port:?} went to the resolver"),
        }
    }

    #[test]
    fn literals_never_reach_the_resolver() {
        use sealed::ToSocketAddrsPriv;
        let v4: SocketAddr = "127.0.0.1:80".parse().unwrap();
        let v6: SocketAddr = "[::1]:80".parse().unwrap();
        assert_eq!(ready("127.0.0.1:80".resolution()), [v4]);
        assert_eq!(ready(String::from("[::1]:80").resolution()), [v6]);
        assert_eq!(ready(("127.0.0.1", 80).resolution()), [v4]);
        assert_eq!(ready(("::1", 80).resolution()), [v6]);
        assert_eq!(ready((String::from("::1"), 80).resolution()), [v6]);
        assert_eq!(ready((Ipv4Addr::LOCALHOST, 80).resolution()), [v4]);
        assert_eq!(ready(<&SocketAddr as ToSocketAddrsPriv>::resolution(&&v4)), [v4]);
        assert_eq!(ready((&[v4, v6][..]).resolution()), [v4, v6]);
    }

    #[test]
    fn names_go_to_the_resolver() {
        use sealed::ToSocketAddrsPriv;
        assert!(matches!("localhost:80".resolution(), Resolution::Lookup(h, None) if h == "localhost:80"));
        assert!(
            matches!(("localhost", 80).resolution(), Resolution::Lookup(h, Some(80)) if h == "localhost")
        );
    }
}
