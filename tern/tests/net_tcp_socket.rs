//! TCP sockets and streams: `TcpSocket` options, linger, name lookup,
//! several acceptors, peeking.

mod support;

use std::io::ErrorKind;
use support::tcp::{bound_not_listening, GUARD};
use tern::io::{AsyncReadExt, AsyncWriteExt};
use tern::net::{TcpListener, TcpStream};

#[tern::test]
async fn tcp_socket_binds_listens_and_connects_with_options() {
    let socket = tern::net::TcpSocket::new_v4().unwrap();
    socket.set_reuseaddr(true).unwrap();
    assert!(socket.reuseaddr().unwrap());
    socket.set_reuseport(true).unwrap();
    assert!(socket.reuseport().unwrap());
    socket.set_recv_buffer_size(64 * 1024).unwrap();
    // Linux doubles the value it is given (and clamps it to its limits).
    assert!(socket.recv_buffer_size().unwrap() >= 64 * 1024);
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = socket.local_addr().unwrap();
    assert!(addr.ip().is_loopback() && addr.port() != 0);
    let listener = socket.listen(128).unwrap();
    assert_eq!(listener.local_addr().unwrap(), addr);

    let client = tern::net::TcpSocket::new_v4().unwrap();
    client.set_send_buffer_size(32 * 1024).unwrap();
    assert!(client.send_buffer_size().unwrap() >= 32 * 1024);
    client.set_nodelay(true).unwrap();
    assert!(client.nodelay().unwrap());
    client.set_keepalive(true).unwrap();
    assert!(client.keepalive().unwrap());
    assert!(client.take_error().unwrap().is_none());
    let mut c = client.connect(addr).await.unwrap();
    assert!(c.nodelay().unwrap(), "options set before connect stay");
    let (mut s, peer) = listener.accept().await.unwrap();
    assert_eq!(peer, c.local_addr().unwrap());
    c.write_all(b"via TcpSocket").await.unwrap();
    let mut buf = [0u8; 13];
    s.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"via TcpSocket");

    // Round trip through the raw descriptor and std.
    use std::os::fd::{FromRawFd, IntoRawFd};
    let raw = tern::net::TcpSocket::new_v6().unwrap().into_raw_fd();
    // SAFETY: `raw` was just released by its only owner.
    let v6 = unsafe { tern::net::TcpSocket::from_raw_fd(raw) };
    // Unbound, an IPv6 socket reports the IPv6 wildcard address.
    assert_eq!(v6.local_addr().unwrap(), "[::]:0".parse().unwrap());
}

#[tern::test]
async fn tcp_socket_connect_to_a_closed_port_is_refused() {
    let port = bound_not_listening();
    let socket = tern::net::TcpSocket::new_v4().unwrap();
    let err = socket.connect(([127, 0, 0, 1], port.1).into()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
    // SAFETY: closing the descriptor we opened.
    unsafe { libc::close(port.0) };
}

#[tern::test]
#[allow(deprecated)] // `set_linger` is deprecated, as in Tokio
async fn linger_round_trips_on_stream_and_socket() {
    use std::time::Duration;
    let socket = tern::net::TcpSocket::new_v4().unwrap();
    assert_eq!(socket.linger().unwrap(), None);
    socket.set_linger(Some(Duration::from_secs(3))).unwrap();
    assert_eq!(socket.linger().unwrap(), Some(Duration::from_secs(3)));
    socket.set_zero_linger().unwrap();
    assert_eq!(socket.linger().unwrap(), Some(Duration::ZERO));

    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let c = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    assert_eq!(c.linger().unwrap(), None);
    c.set_linger(Some(Duration::from_secs(7))).unwrap();
    assert_eq!(c.linger().unwrap(), Some(Duration::from_secs(7)));
    c.set_linger(None).unwrap();
    assert_eq!(c.linger().unwrap(), None);
    c.set_zero_linger().unwrap();
    assert_eq!(c.linger().unwrap(), Some(Duration::ZERO));

    // A zero linger aborts the connection: the peer sees a reset.
    let (mut s, _) = listener.accept().await.unwrap();
    drop(c);
    let mut buf = [0u8; 1];
    assert_eq!(s.read(&mut buf).await.unwrap_err().kind(), ErrorKind::ConnectionReset);
}

#[tern::test]
async fn lookup_host_resolves_names_and_passes_literals_through() {
    let addrs: Vec<_> = tern::net::lookup_host("localhost:80").await.unwrap().collect();
    assert!(!addrs.is_empty());
    assert!(addrs.iter().all(|a| a.ip().is_loopback() && a.port() == 80), "{addrs:?}");
    let literal: Vec<_> = tern::net::lookup_host(("127.0.0.1", 9)).await.unwrap().collect();
    assert_eq!(literal, ["127.0.0.1:9".parse().unwrap()]);
    let Err(err) = tern::net::lookup_host("no port here").await else { panic!("resolved a bad address") };
    assert_eq!(err.kind(), ErrorKind::InvalidInput);

    // Names work wherever an address is taken.
    let listener = TcpListener::bind("localhost:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    // "localhost" may resolve to several addresses: connect tries each
    // until one (the listener's) accepts.
    let c = TcpStream::connect(("localhost", port)).await.unwrap();
    assert_eq!(c.peer_addr().unwrap(), listener.local_addr().unwrap());
}

#[tern::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_tasks_accepting_on_one_listener_both_get_a_connection() {
    let listener = std::sync::Arc::new(TcpListener::bind("127.0.0.1:0").await.unwrap());
    let addr = listener.local_addr().unwrap();
    let acceptors: Vec<_> = (0..2)
        .map(|_| {
            let l = listener.clone();
            tern::spawn(async move { l.accept().await.unwrap().1 })
        })
        .collect();
    let c1 = TcpStream::connect(addr).await.unwrap();
    let c2 = TcpStream::connect(addr).await.unwrap();
    let mut peers = Vec::new();
    for a in acceptors {
        peers.push(tern::time::timeout(GUARD, a).await.expect("both acceptors get one").unwrap());
    }
    peers.sort();
    let mut want = vec![c1.local_addr().unwrap(), c2.local_addr().unwrap()];
    want.sort();
    assert_eq!(peers, want);
}

#[tern::test]
async fn poll_peek_into_std_and_take_error() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let c = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    let (mut s, _) = listener.accept().await.unwrap();
    s.write_all(b"peek").await.unwrap();
    let mut storage = [0u8; 8];
    let mut buf = tern::io::ReadBuf::new(&mut storage);
    let n = std::future::poll_fn(|cx| c.poll_peek(cx, &mut buf)).await.unwrap();
    assert_eq!((n, buf.filled()), (4, &b"peek"[..]));
    assert!(c.take_error().unwrap().is_none());

    let std = c.into_std().unwrap();
    let mut one = [0u8; 8];
    use std::io::Read;
    assert_eq!((&std).read(&mut one).unwrap(), 4, "data is still queued");
    assert_eq!((&std).read(&mut one).unwrap_err().kind(), ErrorKind::WouldBlock, "still non-blocking");
    let mut c = TcpStream::try_from(std).unwrap();
    c.write_all(b"back").await.unwrap();
    s.read_exact(&mut one[..4]).await.unwrap();
    assert_eq!(&one[..4], b"back");
}
