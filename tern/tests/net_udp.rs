//! UdpSocket on the I/O driver.

use std::sync::Arc;
use tern::net::UdpSocket;

#[tern::test]
async fn datagrams_round_trip_between_two_sockets() {
    let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let (aa, ba) = (a.local_addr().unwrap(), b.local_addr().unwrap());
    assert_eq!(a.send_to(b"one", ba).await.unwrap(), 3);
    let mut buf = [0u8; 16];
    let (n, from) = b.peek_from(&mut buf).await.unwrap();
    assert_eq!((&buf[..n], from), (&b"one"[..], aa));
    let (n, from) = b.recv_from(&mut buf).await.unwrap();
    assert_eq!((&buf[..n], from), (&b"one"[..], aa));
    // Connected sockets use send/recv.
    a.connect(ba).await.unwrap();
    b.connect(aa).await.unwrap();
    assert_eq!(a.peer_addr().unwrap(), ba);
    b.send(b"two").await.unwrap();
    assert_eq!(a.recv(&mut buf).await.unwrap(), 3);
    assert_eq!(&buf[..3], b"two");
    assert_eq!(a.try_recv(&mut buf).unwrap_err().kind(), std::io::ErrorKind::WouldBlock);
}

#[tern::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_udp_echo_server_answers_many_clients() {
    let server = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
    let addr = server.local_addr().unwrap();
    let s = server.clone();
    tern::spawn(async move {
        let mut buf = [0u8; 1500];
        loop {
            let (n, peer) = s.recv_from(&mut buf).await.unwrap();
            s.send_to(&buf[..n], peer).await.unwrap();
        }
    });
    let mut clients = Vec::new();
    for i in 0..100u32 {
        clients.push(tern::spawn(async move {
            let c = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            c.connect(addr).await.unwrap();
            let msg = i.to_be_bytes();
            c.send(&msg).await.unwrap();
            let mut buf = [0u8; 4];
            assert_eq!(c.recv(&mut buf).await.unwrap(), 4);
            assert_eq!(buf, msg);
        }));
    }
    for c in clients {
        c.await.unwrap();
    }
}

#[tern::test]
async fn socket_options_round_trip() {
    let s = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    s.set_broadcast(true).unwrap();
    assert!(s.broadcast().unwrap());
    s.set_ttl(42).unwrap();
    assert_eq!(s.ttl().unwrap(), 42);
    let std = s.into_std().unwrap();
    let s = UdpSocket::from_std(std).unwrap();
    assert!(s.local_addr().is_ok());
}
