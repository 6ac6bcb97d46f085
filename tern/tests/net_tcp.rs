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
    // Give the echo time to come back before closing our side.
    tern::time::sleep(tern::time::Duration::from_millis(50)).await;
    drop(w); // shuts the write side: the server sees EOF and closes
    assert_eq!(reader.await.unwrap(), b"split");
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
