//! TCP on the I/O driver: echo, and every failure a network produces.

use std::io::ErrorKind;
use tern::io::{AsyncReadExt, AsyncWriteExt};
use tern::net::{TcpListener, TcpStream};

async fn echo_server() -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tern::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else { return };
            tern::spawn(async move {
                let mut buf = vec![0u8; 4096];
                loop {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => {
                            if socket.write_all(&buf[..n]).await.is_err() {
                                return;
                            }
                        }
                    }
                }
            });
        }
    });
    addr
}

#[tern::test]
async fn echo_round_trip_on_current_thread() {
    let addr = echo_server().await;
    let mut c = TcpStream::connect(addr).await.unwrap();
    c.set_nodelay(true).unwrap();
    assert!(c.nodelay().unwrap());
    assert_eq!(c.peer_addr().unwrap(), addr);
    c.write_all(b"hello tern").await.unwrap();
    let mut buf = [0u8; 10];
    c.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"hello tern");
}

#[tern::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_concurrent_connections_echo_every_byte() {
    const CONNS: usize = 4_000;
    let addr = echo_server().await;
    let mut handles = Vec::with_capacity(CONNS);
    for i in 0..CONNS {
        handles.push(tern::spawn(async move {
            let mut c = TcpStream::connect(addr).await.unwrap();
            let msg: Vec<u8> = (0..1024).map(|j| ((i * 31 + j) % 251) as u8).collect();
            c.write_all(&msg).await.unwrap();
            let mut back = vec![0u8; msg.len()];
            c.read_exact(&mut back).await.unwrap();
            assert_eq!(back, msg, "connection {i} lost or garbled bytes");
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
}

#[tern::test]
async fn connecting_to_a_closed_port_is_refused() {
    // A port held by a bound socket that never listens: nobody else can
    // take it (a dropped listener's port could be reused by a concurrent
    // test), and a connect to it is refused.
    let port = bound_not_listening();
    let err = TcpStream::connect(("127.0.0.1", port.1)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
    // SAFETY: closing the descriptor we opened.
    unsafe { libc::close(port.0) };
}

#[tern::test]
async fn half_closed_stream_reads_zero_and_can_still_write() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tern::spawn(async move {
        let (mut s, _) = listener.accept().await.unwrap();
        let mut buf = Vec::new();
        s.read_to_end(&mut buf).await.unwrap(); // until the client's FIN
        s.write_all(b"after fin").await.unwrap();
        buf
    });
    let mut c = TcpStream::connect(addr).await.unwrap();
    c.write_all(b"request").await.unwrap();
    c.shutdown().await.unwrap();
    let mut reply = String::new();
    c.read_to_string(&mut reply).await.unwrap();
    assert_eq!(reply, "after fin");
    assert_eq!(server.await.unwrap(), b"request");
    let mut buf = [0u8; 8];
    assert_eq!(c.read(&mut buf).await.unwrap(), 0, "reads 0 at end of stream");
}

#[tern::test]
async fn peer_reset_shows_as_reset_or_broken_pipe() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut c = TcpStream::connect(addr).await.unwrap();
    let (s, _) = listener.accept().await.unwrap();
    c.write_all(b"unread data").await.unwrap();
    // Let the bytes land in the server's receive buffer, then close it
    // unread: the kernel answers with RST.
    s.readable().await.unwrap();
    drop(s);
    let mut err = None;
    for _ in 0..100 {
        let mut buf = [0u8; 16];
        if let Err(e) = c.read(&mut buf).await {
            err = Some(e);
            break;
        }
        if let Err(e) = c.write_all(b"more").await {
            err = Some(e);
            break;
        }
    }
    let kind = err.expect("the reset surfaces as an error").kind();
    assert!(matches!(kind, ErrorKind::ConnectionReset | ErrorKind::BrokenPipe), "{kind:?}");
}

/// Shutting down the write side of a connection the peer reset is not an
/// error (Linux reports `NotConnected` there; Tokio maps it to `Ok`).
#[tern::test]
async fn shutdown_after_a_peer_reset_is_ok() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut c = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    let (s, _) = listener.accept().await.unwrap();
    #[allow(deprecated)] // linger 0: the close sends RST and does not block
    s.set_linger(Some(std::time::Duration::ZERO)).unwrap();
    drop(s); // RST
    let mut buf = [0u8; 1];
    let _ = c.read(&mut buf).await; // the reset has arrived
    c.shutdown().await.unwrap();
}

#[tern::test]
async fn try_read_and_try_write_do_not_wait() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let c = TcpStream::connect(addr).await.unwrap();
    let (s, _) = listener.accept().await.unwrap();
    let mut buf = [0u8; 4];
    assert_eq!(c.try_read(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);
    s.writable().await.unwrap();
    assert_eq!(s.try_write(b"ping").unwrap(), 4);
    c.readable().await.unwrap();
    assert_eq!(c.peek(&mut buf).await.unwrap(), 4);
    assert_eq!(c.try_read(&mut buf).unwrap(), 4);
    assert_eq!(&buf, b"ping");
}

#[tern::test]
async fn split_halves_work_from_different_tasks() {
    let addr = echo_server().await;
    let (mut r, mut w) = TcpStream::connect(addr).await.unwrap().into_split();
    let reader = tern::spawn(async move {
        let mut got = Vec::new();
        r.read_to_end(&mut got).await.unwrap();
        got
    });
    w.write_all(b"split").await.unwrap();
    // Shuts the write side at once: the server reads the bytes before the
    // end of file, so it echoes them, then closes.
    drop(w);
    let got = tern::time::timeout(GUARD, reader).await.expect("the echo and the close reach the reader");
    assert_eq!(got.unwrap(), b"split");
}

/// Runs in a child process (see below) with a tiny descriptor table.
#[test]
#[ignore = "run by accept_when_out_of_descriptors_reports_emfile_and_recovers in a child process"]
fn emfile_child() {
    if std::env::var_os("TERN_EMFILE_CHILD").is_none() {
        return;
    }
    let rt = tern::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let _client = std::net::TcpStream::connect(addr).unwrap();
        // Fill the descriptor table.
        let lim = libc::rlimit { rlim_cur: 64, rlim_max: 64 };
        // SAFETY: plain syscall with a valid struct.
        assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) }, 0);
        let mut hog = Vec::new();
        while let Ok(f) = std::fs::File::open("/dev/null") {
            hog.push(f);
        }
        let err = listener.accept().await.unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::EMFILE), "{err}");
        // The runtime does not spin meanwhile: idle for 200 ms of wall
        // time, the process uses a small share of one core.
        let cpu0 = cpu_time();
        tern::time::sleep(tern::time::Duration::from_millis(200)).await;
        let used = cpu_time() - cpu0;
        assert!(used < 0.1, "burned {used} s of CPU while idle");
        drop(hog);
        let (s, _) = listener.accept().await.unwrap();
        drop(s);
    });
    println!("EMFILE_CHILD_OK");
}

fn cpu_time() -> f64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: valid out-pointer.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 / 1e9
}

#[test]
fn accept_when_out_of_descriptors_reports_emfile_and_recovers() {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["emfile_child", "--exact", "--ignored", "--nocapture"])
        .env("TERN_EMFILE_CHILD", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("EMFILE_CHILD_OK"),
        "child failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A TCP socket bound to a free loopback port, not listening: (fd, port).
fn bound_not_listening() -> (i32, u16) {
    // SAFETY: plain socket syscalls on a descriptor we own, with valid
    // pointers to a properly sized sockaddr_in.
    unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0);
        assert!(fd >= 0);
        let mut addr: libc::sockaddr_in = std::mem::zeroed();
        addr.sin_family = libc::AF_INET as libc::sa_family_t;
        addr.sin_addr.s_addr = u32::from_ne_bytes([127, 0, 0, 1]);
        let len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
        assert_eq!(libc::bind(fd, &addr as *const _ as *const libc::sockaddr, len), 0);
        let mut out: libc::sockaddr_in = std::mem::zeroed();
        let mut out_len = len;
        assert_eq!(libc::getsockname(fd, &mut out as *mut _ as *mut libc::sockaddr, &mut out_len), 0);
        (fd, u16::from_be(out.sin_port))
    }
}

/// Hang guard: a future that should complete must do so well within this.
const GUARD: tern::time::Duration = tern::time::Duration::from_secs(10);

/// Polls two futures in one task until both complete (no `join!` needed).
async fn both<A: std::future::Future, B: std::future::Future>(a: A, b: B) -> (A::Output, B::Output) {
    let (mut a, mut b) = (Box::pin(a), Box::pin(b));
    let (mut ra, mut rb) = (None, None);
    std::future::poll_fn(|cx| {
        if ra.is_none() {
            if let std::task::Poll::Ready(v) = a.as_mut().poll(cx) {
                ra = Some(v);
            }
        }
        if rb.is_none() {
            if let std::task::Poll::Ready(v) = b.as_mut().poll(cx) {
                rb = Some(v);
            }
        }
        if ra.is_some() && rb.is_some() {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    (ra.unwrap(), rb.unwrap())
}

#[tern::test]
async fn borrowed_split_reads_and_writes_concurrently() {
    // 4 MiB through an echo server: more than the socket buffers hold, so
    // the write only finishes if the read makes progress at the same time.
    const LEN: usize = 4 << 20;
    let addr = echo_server().await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let (mut rd, mut wr) = stream.split();
    assert_eq!(rd.peer_addr().unwrap(), addr);
    assert_eq!(wr.local_addr().unwrap(), rd.local_addr().unwrap());
    let msg: Vec<u8> = (0..LEN).map(|i| (i % 253) as u8).collect();
    let write = async {
        wr.write_all(&msg).await.unwrap();
        wr.shutdown().await.unwrap();
    };
    let read = async {
        let mut back = Vec::with_capacity(LEN);
        rd.read_to_end(&mut back).await.unwrap();
        back
    };
    let ((), back) = tern::time::timeout(GUARD, both(write, read)).await.expect("no deadlock");
    assert!(back == msg, "echo differs");
}

#[tern::test]
async fn read_half_peeks_and_reads_without_waiting() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut c = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    let (mut s, _) = listener.accept().await.unwrap();
    s.write_all(b"abcdef").await.unwrap();
    let (mut rd, wr) = c.split();
    let mut buf = [0u8; 6];
    assert_eq!(rd.peek(&mut buf).await.unwrap(), 6);
    assert_eq!(&buf, b"abcdef");
    let (mut x, mut y) = ([0u8; 2], [0u8; 4]);
    let mut bufs = [std::io::IoSliceMut::new(&mut x), std::io::IoSliceMut::new(&mut y)];
    assert_eq!(rd.try_read_vectored(&mut bufs).unwrap(), 6);
    assert_eq!((&x, &y), (b"ab", b"cdef"));
    assert_eq!(rd.try_read(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);
    wr.writable().await.unwrap();
    assert_eq!(wr.try_write_vectored(&[std::io::IoSlice::new(b"xy")]).unwrap(), 2);
    s.read_exact(&mut buf[..2]).await.unwrap();
    assert_eq!(&buf[..2], b"xy");
}

#[tern::test]
async fn owned_halves_reunite_and_forget_does_not_shut_down() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let a = TcpStream::connect(addr).await.unwrap();
    let b = TcpStream::connect(addr).await.unwrap();
    let (mut sa, _) = listener.accept().await.unwrap();
    let (ra, wa) = a.into_split();
    let (rb, wb) = b.into_split();
    let err = ra.reunite(wb).unwrap_err();
    assert_eq!(err.to_string(), "tried to reunite halves that are not from the same socket");
    let (ra, wb) = (err.0, err.1);
    let mut a = wa.reunite(ra).unwrap();
    let _b = rb.reunite(wb).unwrap();
    a.write_all(b"whole").await.unwrap();
    let mut buf = [0u8; 5];
    sa.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"whole");

    // `forget` drops the write half without a FIN: once a round trip shows
    // the connection is live, the server still has no EOF to read.
    let (mut ra, wa) = a.into_split();
    wa.forget();
    sa.write_all(b"ping").await.unwrap();
    ra.read_exact(&mut buf[..4]).await.unwrap();
    let mut one = [0u8; 1];
    assert_eq!(sa.try_read(&mut one).unwrap_err().kind(), ErrorKind::WouldBlock, "no EOF after forget");
    drop(ra);
    assert_eq!(sa.read(&mut one).await.unwrap(), 0, "EOF once the whole stream is dropped");
}

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
