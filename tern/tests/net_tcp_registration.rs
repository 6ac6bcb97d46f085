//! TCP streams against the I/O driver's registration: reads into
//! uninitialised capacity, `into_std` around a deferred registration, a
//! failed registration, `SO_BINDTODEVICE`, readiness and the coop budget.

use std::io::ErrorKind;
use tern::io::{AsyncReadExt, AsyncWriteExt};
use tern::net::{TcpListener, TcpStream};

/// `read_buf` reads straight into a buffer's spare capacity (no zeroing
/// first): every byte sent arrives, in order, in `Vec` and `BytesMut`
/// capacity that was never initialized.
#[tern::test]
async fn read_buf_into_uninitialized_capacity_gets_every_byte() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let sent: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let expected = sent.clone();
    let writer = tern::spawn(async move {
        let (mut s, _) = listener.accept().await.unwrap();
        s.write_all(&sent).await.unwrap();
    });
    let mut c = TcpStream::connect(addr).await.unwrap();
    let mut got = Vec::with_capacity(1000);
    let mut bytes = bytes::BytesMut::with_capacity(4096);
    loop {
        // Alternate the two buffer kinds; both start with uninit capacity.
        let n = if got.len() % 2 == 0 {
            got.reserve(3000);
            c.read_buf(&mut got).await.unwrap()
        } else {
            bytes.clear();
            bytes.reserve(5000);
            let n = c.read_buf(&mut bytes).await.unwrap();
            got.extend_from_slice(&bytes);
            n
        };
        if n == 0 {
            break;
        }
    }
    writer.await.unwrap();
    assert_eq!(got.len(), expected.len());
    assert!(got == expected, "bytes arrive intact and in order");
}

/// An accepted stream joins the epoll set only once a task waits on it:
/// `into_std` works both before (nothing to deregister) and after (it
/// deregisters, so registering the socket again succeeds).
#[tern::test]
async fn accepted_stream_into_std_before_and_after_it_waited() {
    use std::io::Read;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();

    // Never waited on.
    let mut c = TcpStream::connect(addr).await.unwrap();
    let (s, _) = listener.accept().await.unwrap();
    c.write_all(b"one").await.unwrap();
    let std = s.into_std().unwrap();
    let mut buf = [0u8; 3];
    (&std).read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"one");
    let mut s = TcpStream::from_std(std).unwrap();
    c.write_all(b"two").await.unwrap();
    s.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"two");

    // Waited on first (so in the epoll set), then taken out and back.
    let mut c = TcpStream::connect(addr).await.unwrap();
    let (mut s, _) = listener.accept().await.unwrap();
    let writer = tern::spawn(async move {
        tern::task::yield_now().await;
        c.write_all(b"abc").await.unwrap();
        c
    });
    s.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"abc");
    let mut c = writer.await.unwrap();
    let mut s = TcpStream::from_std(s.into_std().unwrap()).unwrap();
    let writer = tern::spawn(async move {
        tern::task::yield_now().await;
        c.write_all(b"def").await.unwrap();
    });
    s.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"def");
    writer.await.unwrap();
}

/// If adding a deferred stream to the epoll set fails, the waiters get the
/// error instead of waiting forever. (Forced here by putting a regular
/// file, which epoll refuses with `EPERM`, under the socket's descriptor.)
#[tern::test]
async fn failed_deferred_registration_is_an_error_for_every_waiter() {
    use std::os::fd::AsRawFd;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let _c = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    let (s, _) = listener.accept().await.unwrap();
    let mut buf = [0u8; 1];
    assert_eq!(s.try_read(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);
    let file = std::fs::File::open(std::env::current_exe().unwrap()).unwrap();
    // SAFETY (test): replaces the socket behind `s` with a duplicate of a
    // file we hold open; `s` closes that duplicate when it drops.
    assert_eq!(unsafe { libc::dup2(file.as_raw_fd(), s.as_raw_fd()) }, s.as_raw_fd());
    // Two waiters at once, polled side by side.
    let mut a = Box::pin(s.readable());
    let mut b = Box::pin(s.ready(tern::io::Interest::READABLE));
    let (mut ra, mut rb) = (None, None);
    let both = std::future::poll_fn(|cx| {
        use std::future::Future;
        if ra.is_none() {
            if let std::task::Poll::Ready(r) = a.as_mut().poll(cx) {
                ra = Some(r);
            }
        }
        if rb.is_none() {
            if let std::task::Poll::Ready(r) = b.as_mut().poll(cx) {
                rb = Some(r.map(drop));
            }
        }
        if ra.is_some() && rb.is_some() {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    });
    tern::time::timeout(std::time::Duration::from_secs(10), both).await.expect("a waiter hung");
    assert_eq!(ra.unwrap().unwrap_err().raw_os_error(), Some(libc::EPERM));
    assert_eq!(rb.unwrap().unwrap_err().raw_os_error(), Some(libc::EPERM));
}

/// `bind_device`/`device` (`SO_BINDTODEVICE`) on TCP and UDP sockets:
/// bind to the loopback interface, read it back, unbind.
#[tern::test]
async fn bind_device_sets_reads_back_and_clears_the_interface() {
    let tcp = tern::net::TcpSocket::new_v4().unwrap();
    let udp = tern::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    assert_eq!(tcp.device().unwrap(), None);
    assert_eq!(udp.device().unwrap(), None);
    match tcp.bind_device(Some(b"lo")) {
        // Unprivileged: binding needs CAP_NET_RAW, and nothing changed.
        Err(e) if e.kind() == ErrorKind::PermissionDenied => {
            assert_eq!(tcp.device().unwrap(), None);
            return;
        }
        res => res.unwrap(),
    }
    assert_eq!(tcp.device().unwrap().as_deref(), Some(&b"lo"[..]));
    udp.bind_device(Some(b"lo")).unwrap();
    assert_eq!(udp.device().unwrap().as_deref(), Some(&b"lo"[..]));
    // Still usable through that interface.
    let peer = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    udp.send_to(b"x", peer.local_addr().unwrap()).await.unwrap();
    let mut one = [0u8; 1];
    assert_eq!(peer.recv(&mut one).unwrap(), 1);

    tcp.bind_device(None).unwrap();
    udp.bind_device(Some(b"")).unwrap();
    assert_eq!(tcp.device().unwrap(), None);
    assert_eq!(udp.device().unwrap(), None);
    assert_eq!(
        tcp.bind_device(Some(b"no-such-if0")).unwrap_err().raw_os_error(),
        Some(libc::ENODEV),
        "an unknown interface is refused"
    );
}

/// Waiting for readiness is not progress: `writable()` on a ready socket
/// stays ready however often it is polled in one task turn (Tokio's
/// readiness futures take no coop budget; the operations do).
#[tern::test]
async fn readiness_waits_take_no_coop_budget() {
    use std::future::Future;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    let _server = listener.accept().await.unwrap();
    client.writable().await.unwrap();
    for i in 0..1000 {
        let w = std::pin::pin!(client.writable());
        let ready = w.poll(&mut std::task::Context::from_waker(std::task::Waker::noop())).is_ready();
        assert!(ready, "poll {i}");
    }
}
