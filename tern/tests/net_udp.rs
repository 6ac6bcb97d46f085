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

/// Hang guard: a future that should complete must do so well within this.
const GUARD: tern::time::Duration = tern::time::Duration::from_secs(10);

#[tern::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_tasks_awaiting_recv_on_one_socket_both_receive() {
    let server = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
    let addr = server.local_addr().unwrap();
    let receivers: Vec<_> = (0..2)
        .map(|_| {
            let s = server.clone();
            tern::spawn(async move {
                let mut buf = [0u8; 8];
                let (n, _) = s.recv_from(&mut buf).await.unwrap();
                buf[..n].to_vec()
            })
        })
        .collect();
    let client = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    client.send_to(b"a", addr).await.unwrap();
    client.send_to(b"b", addr).await.unwrap();
    let mut got = Vec::new();
    for r in receivers {
        got.push(tern::time::timeout(GUARD, r).await.expect("both receivers get one").unwrap());
    }
    got.sort();
    assert_eq!(got, [b"a".to_vec(), b"b".to_vec()]);
}

#[tern::test]
async fn several_tasks_awaiting_readable_all_wake() {
    let socket = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
    let waiters: Vec<_> = (0..4)
        .map(|_| {
            let s = socket.clone();
            tern::spawn(async move { s.readable().await.unwrap() })
        })
        .collect();
    // Current-thread runtime: let every waiter run and park first.
    for _ in 0..4 {
        tern::task::yield_now().await;
    }
    assert!(waiters.iter().all(|w| !w.is_finished()), "nothing to read yet");
    let client = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    client.send_to(b"wake", socket.local_addr().unwrap()).await.unwrap();
    for w in waiters {
        tern::time::timeout(GUARD, w).await.expect("every waiter wakes").unwrap();
    }
}

#[tern::test]
async fn peek_and_poll_methods() {
    use std::future::poll_fn;
    use tern::io::ReadBuf;
    let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let (aa, ba) = (a.local_addr().unwrap(), b.local_addr().unwrap());
    a.connect(ba).await.unwrap();
    b.connect(aa).await.unwrap();

    assert_eq!(poll_fn(|cx| a.poll_send(cx, b"one")).await.unwrap(), 3);
    assert_eq!(b.peek_sender().await.unwrap(), aa);
    let mut buf = [0u8; 8];
    assert_eq!(b.peek(&mut buf).await.unwrap(), 3);
    assert_eq!(b.try_peek(&mut buf).unwrap(), 3);
    assert_eq!(b.try_peek_sender().unwrap(), aa);
    let mut storage = [0u8; 8];
    let mut rb = ReadBuf::new(&mut storage);
    assert_eq!(poll_fn(|cx| b.poll_peek_from(cx, &mut rb)).await.unwrap(), aa);
    assert_eq!(rb.filled(), b"one");
    let mut rb = ReadBuf::new(&mut storage);
    poll_fn(|cx| b.poll_recv(cx, &mut rb)).await.unwrap();
    assert_eq!(rb.filled(), b"one", "peeking left the datagram queued");
    assert_eq!(b.try_peek_from(&mut buf).unwrap_err().kind(), std::io::ErrorKind::WouldBlock);

    assert_eq!(poll_fn(|cx| b.poll_send_to(cx, b"two", aa)).await.unwrap(), 3);
    poll_fn(|cx| a.poll_recv_ready(cx)).await.unwrap();
    let mut rb = ReadBuf::new(&mut storage);
    let mut peeked = ReadBuf::new(&mut buf);
    poll_fn(|cx| a.poll_peek(cx, &mut peeked)).await.unwrap();
    assert_eq!(peeked.filled(), b"two");
    assert_eq!(poll_fn(|cx| a.poll_recv_from(cx, &mut rb)).await.unwrap(), ba);
    assert_eq!(rb.filled(), b"two");
    poll_fn(|cx| a.poll_send_ready(cx)).await.unwrap();
    assert_eq!(a.try_recv(&mut buf).unwrap_err().kind(), std::io::ErrorKind::WouldBlock);
}

#[tern::test]
async fn names_resolve_for_bind_connect_and_send_to() {
    // Both sockets take the first address "localhost" resolves to (bind
    // and send_to use the first address that works, as in Tokio).
    let b = UdpSocket::bind("localhost:0").await.unwrap();
    let ba = b.local_addr().unwrap();
    assert!(ba.ip().is_loopback());
    let a = UdpSocket::bind((ba.ip(), 0)).await.unwrap();
    a.send_to(b"named", ("localhost", ba.port())).await.unwrap();
    let mut buf = [0u8; 8];
    let (n, from) = b.recv_from(&mut buf).await.unwrap();
    assert_eq!((&buf[..n], from), (&b"named"[..], a.local_addr().unwrap()));

    a.connect(&[ba][..]).await.unwrap();
    assert_eq!(a.peer_addr().unwrap(), ba);
    let Err(err) = a.send_to(b"x", &[][..]).await else { panic!("sent to no address") };
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    let Err(err) = a.connect(&[][..]).await else { panic!("connected to no address") };
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
}

#[tern::test]
async fn recv_into_buf_mut_appends_and_tos_round_trips() {
    let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let (aa, ba) = (a.local_addr().unwrap(), b.local_addr().unwrap());
    a.send_to(b"one", ba).await.unwrap();
    let mut got = Vec::with_capacity(16);
    assert_eq!(b.recv_buf_from(&mut got).await.unwrap(), (3, aa));
    a.connect(ba).await.unwrap();
    b.connect(aa).await.unwrap();
    a.send(b"two").await.unwrap();
    assert_eq!(b.recv_buf(&mut got).await.unwrap(), 3);
    assert_eq!(got, b"onetwo", "each datagram is appended");
    a.send(b"3").await.unwrap();
    b.readable().await.unwrap();
    assert_eq!(b.try_recv_buf(&mut got).unwrap(), 1);
    assert_eq!(b.try_recv_buf_from(&mut got).unwrap_err().kind(), std::io::ErrorKind::WouldBlock);
    assert_eq!(got, b"onetwo3");

    b.set_tos_v4(0x10).unwrap();
    assert_eq!(b.tos_v4().unwrap(), 0x10);
}

/// The receive paths write straight into uninitialized memory: the bytes
/// and the sender (IPv4 and IPv6) come back right, and a `ReadBuf` over
/// uninitialized storage marks exactly the datagram initialized.
#[tern::test]
async fn receives_into_uninitialized_memory_report_bytes_and_sender() {
    use std::future::poll_fn;
    use tern::io::ReadBuf;
    for local in ["127.0.0.1:0", "[::1]:0"] {
        let Ok(a) = UdpSocket::bind(local).await else { continue }; // no IPv6 here
        let b = UdpSocket::bind(local).await.unwrap();
        let (aa, ba) = (a.local_addr().unwrap(), b.local_addr().unwrap());
        a.send_to(b"first", ba).await.unwrap();
        let mut big = bytes::BytesMut::with_capacity(64 * 1024);
        assert_eq!(b.recv_buf_from(&mut big).await.unwrap(), (5, aa));
        assert_eq!(&big[..], b"first");

        a.send_to(b"second", ba).await.unwrap();
        let mut storage = [std::mem::MaybeUninit::<u8>::uninit(); 32];
        let mut rb = ReadBuf::uninit(&mut storage);
        assert_eq!(poll_fn(|cx| b.poll_recv_from(cx, &mut rb)).await.unwrap(), aa);
        assert_eq!(rb.filled(), b"second");
        assert_eq!(rb.initialized().len(), 6, "only the datagram is initialized");
    }
}

/// A connected socket whose peer port is closed gets an ICMP error:
/// `EPOLLERR` without `EPOLLIN`. `ready(READABLE)` reports it as readable
/// too, so the loop Tokio documents (check `is_readable`, then `try_recv`)
/// meets the error instead of spinning on a readiness it never acts on;
/// and once the error is taken, the socket waits again.
#[tern::test]
async fn an_icmp_error_reads_as_readable_and_try_recv_returns_it() {
    let closed = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = closed.local_addr().unwrap();
    drop(closed);
    let sock = tern::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    sock.connect(addr).await.unwrap();
    sock.send(b"anyone?").await.unwrap();
    let ready =
        tern::time::timeout(std::time::Duration::from_secs(20), sock.ready(tern::io::Interest::READABLE))
            .await
            .expect("the ICMP error never woke ready()")
            .unwrap();
    assert!(ready.is_readable(), "{ready:?}");
    let mut buf = [0u8; 16];
    assert_eq!(sock.try_recv(&mut buf).unwrap_err().kind(), std::io::ErrorKind::ConnectionRefused);
    // Taken: nothing is pending any more.
    assert_eq!(sock.try_recv(&mut buf).unwrap_err().kind(), std::io::ErrorKind::WouldBlock);
    let again =
        tern::time::timeout(std::time::Duration::from_millis(50), sock.ready(tern::io::Interest::READABLE))
            .await;
    assert!(again.is_err(), "readiness left behind: {again:?}");
}
