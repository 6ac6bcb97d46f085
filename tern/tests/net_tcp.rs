//! TCP on the I/O driver: echo, and every failure a network produces.

mod support;

use std::io::ErrorKind;
use support::tcp::{both, bound_not_listening, echo_server, GUARD};
use tern::io::{AsyncReadExt, AsyncWriteExt};
use tern::net::{TcpListener, TcpStream};

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
