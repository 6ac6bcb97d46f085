//! Unix-domain sockets on the I/O driver: streams, listeners, datagrams.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tern::io::{AsyncReadExt, AsyncWriteExt, Interest};
use tern::net::{UnixDatagram, UnixListener, UnixStream};
use tern::time::{timeout, Duration};

/// A fresh socket path in the temporary directory, removed on drop.
struct TempPath(PathBuf);

impl TempPath {
    fn new(name: &str) -> TempPath {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("tern-{}-{n}-{name}.sock", std::process::id()));
        let _ = std::fs::remove_file(&path);
        TempPath(path)
    }
}

impl AsRef<Path> for TempPath {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Hang guard: a future that should complete must do so well within this.
const GUARD: Duration = Duration::from_secs(10);

#[tern::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_echo_through_a_listener() {
    let path = TempPath::new("echo");
    let listener = UnixListener::bind(&path).unwrap();
    assert_eq!(listener.local_addr().unwrap().as_pathname(), Some(path.as_ref()));
    tern::spawn(async move {
        loop {
            let (mut s, peer) = listener.accept().await.unwrap();
            assert!(peer.is_unnamed());
            tern::spawn(async move {
                let mut buf = [0u8; 1024];
                loop {
                    let n = s.read(&mut buf).await.unwrap();
                    if n == 0 {
                        return;
                    }
                    s.write_all(&buf[..n]).await.unwrap();
                }
            });
        }
    });
    let mut clients = Vec::new();
    for i in 0..20u8 {
        let path = path.0.clone();
        clients.push(tern::spawn(async move {
            let mut c = UnixStream::connect(&path).await.unwrap();
            assert_eq!(c.peer_addr().unwrap().as_pathname(), Some(path.as_path()));
            let msg: Vec<u8> = (0..3000u32).map(|j| (j as u8).wrapping_mul(i)).collect();
            c.write_all(&msg).await.unwrap();
            let mut back = vec![0u8; msg.len()];
            c.read_exact(&mut back).await.unwrap();
            assert_eq!(back, msg);
        }));
    }
    for c in clients {
        c.await.unwrap();
    }
}

#[tern::test]
async fn a_pair_talks_both_ways_and_try_ops_do_not_wait() {
    let (a, mut b) = UnixStream::pair().unwrap();
    let mut buf = [0u8; 8];
    assert_eq!(a.try_read(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);
    a.writable().await.unwrap();
    assert_eq!(a.try_write(b"ab").unwrap(), 2);
    let bufs = [std::io::IoSlice::new(b"cd"), std::io::IoSlice::new(b"ef")];
    assert_eq!(a.try_write_vectored(&bufs).unwrap(), 4);
    b.read_exact(&mut buf[..6]).await.unwrap();
    assert_eq!(&buf[..6], b"abcdef");

    b.write_all(b"xyz").await.unwrap();
    let ready = a.ready(Interest::READABLE).await.unwrap();
    assert!(ready.is_readable());
    let mut out = Vec::with_capacity(8);
    assert_eq!(a.try_read_buf(&mut out).unwrap(), 3);
    assert_eq!(out, b"xyz");
}

#[tern::test]
async fn peer_cred_is_this_process() {
    let (a, b) = UnixStream::pair().unwrap();
    let cred = a.peer_cred().unwrap();
    // SAFETY: getuid and getgid cannot fail and take no arguments.
    let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
    assert_eq!(cred.uid(), uid);
    assert_eq!(cred.gid(), gid);
    assert_eq!(cred.pid(), Some(std::process::id() as i32));
    assert_eq!(b.peer_cred().unwrap(), cred);
}

#[tern::test]
async fn into_split_halves_reunite_only_with_their_own() {
    let (a, mut peer) = UnixStream::pair().unwrap();
    let (other, _other_peer) = UnixStream::pair().unwrap();
    let (mut rd, mut wr) = a.into_split();
    let (other_rd, other_wr) = other.into_split();

    let reader = tern::spawn(async move {
        let mut buf = [0u8; 5];
        rd.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"hello");
        rd
    });
    peer.write_all(b"hello").await.unwrap();
    let rd = reader.await.unwrap();
    wr.write_all(b"back").await.unwrap();
    let mut buf = [0u8; 4];
    peer.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"back");

    let err = rd.reunite(other_wr).unwrap_err();
    assert_eq!(err.to_string(), "tried to reunite halves that are not from the same socket");
    let (rd, other_wr) = (err.0, err.1);
    let err = wr.reunite(other_rd).unwrap_err();
    let (other_rd, wr) = (err.0, err.1);
    let mut a = rd.reunite(wr).unwrap();
    let _other = other_wr.reunite(other_rd).unwrap();

    // The reunited stream is whole: its write side was not shut down.
    a.write_all(b"still open").await.unwrap();
    let mut buf = [0u8; 10];
    peer.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"still open");
}

#[tern::test]
async fn borrowed_split_reads_and_writes_in_one_task() {
    let (mut a, mut b) = UnixStream::pair().unwrap();
    let (mut rd, mut wr) = a.split();
    let echo = tern::spawn(async move {
        let mut buf = [0u8; 4];
        b.read_exact(&mut buf).await.unwrap();
        b.write_all(&buf).await.unwrap();
        b
    });
    wr.write_all(b"ping").await.unwrap();
    let mut buf = [0u8; 4];
    rd.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"ping");
    wr.shutdown().await.unwrap();
    let mut b = echo.await.unwrap();
    assert_eq!(b.read(&mut buf).await.unwrap(), 0, "the write half's shutdown is an EOF for the peer");
}

#[tern::test]
async fn datagrams_by_path_and_connected() {
    let (pa, pb) = (TempPath::new("dg-a"), TempPath::new("dg-b"));
    let a = UnixDatagram::bind(&pa).unwrap();
    let b = UnixDatagram::bind(&pb).unwrap();
    assert_eq!(a.send_to(b"one", &pb).await.unwrap(), 3);
    let mut buf = [0u8; 16];
    let (n, from) = b.recv_from(&mut buf).await.unwrap();
    assert_eq!(&buf[..n], b"one");
    assert_eq!(from.as_pathname(), Some(pa.as_ref()));

    a.connect(&pb).unwrap();
    b.connect(&pa).unwrap();
    assert_eq!(a.peer_addr().unwrap().as_pathname(), Some(pb.as_ref()));
    b.send(b"two").await.unwrap();
    assert_eq!(a.recv(&mut buf).await.unwrap(), 3);
    assert_eq!(&buf[..3], b"two");
    assert_eq!(a.try_recv(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);

    // An unbound socket can send to a named one; its address is unnamed.
    let u = UnixDatagram::unbound().unwrap();
    let pc = TempPath::new("dg-c");
    let c = UnixDatagram::bind(&pc).unwrap();
    u.send_to(b"anon", c.local_addr().unwrap().as_pathname().unwrap()).await.unwrap();
    let (n, from) = c.recv_from(&mut buf).await.unwrap();
    assert_eq!((&buf[..n], from.is_unnamed()), (&b"anon"[..], true));

    // Into a `BufMut`, appending.
    let (x, y) = UnixDatagram::pair().unwrap();
    x.send(b"12").await.unwrap();
    x.send(b"345").await.unwrap();
    let mut got = Vec::with_capacity(8);
    assert_eq!(y.recv_buf(&mut got).await.unwrap(), 2);
    let (n, from) = y.recv_buf_from(&mut got).await.unwrap();
    assert_eq!((n, from.is_unnamed(), &got[..]), (3, true, &b"12345"[..]));
    assert_eq!(y.try_recv_buf(&mut got).unwrap_err().kind(), ErrorKind::WouldBlock);
}

#[tern::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_tasks_awaiting_recv_on_one_datagram_socket_each_get_one() {
    let (tx, rx) = UnixDatagram::pair().unwrap();
    let rx = Arc::new(rx);
    let mut receivers = Vec::new();
    for _ in 0..4 {
        let rx = rx.clone();
        receivers.push(tern::spawn(async move {
            let mut buf = [0u8; 8];
            let n = rx.recv(&mut buf).await.unwrap();
            buf[..n].to_vec()
        }));
    }
    for i in 0..4u8 {
        tx.send(&[i]).await.unwrap();
    }
    let mut got = Vec::new();
    for r in receivers {
        got.extend(timeout(GUARD, r).await.expect("every receiver gets a datagram").unwrap());
    }
    got.sort();
    assert_eq!(got, [0, 1, 2, 3]);
}

#[tern::test]
async fn several_tasks_awaiting_readable_all_wake() {
    let (a, mut b) = UnixStream::pair().unwrap();
    let a = Arc::new(a);
    let mut waiters = Vec::new();
    for _ in 0..5 {
        let a = a.clone();
        waiters.push(tern::spawn(async move { a.readable().await.unwrap() }));
    }
    // Current-thread runtime: let every waiter run and park first.
    for _ in 0..5 {
        tern::task::yield_now().await;
    }
    assert!(waiters.iter().all(|w| !w.is_finished()), "nothing to read yet");
    b.write_all(b"!").await.unwrap();
    for w in waiters {
        timeout(GUARD, w).await.expect("every waiter wakes").unwrap();
    }
}

#[tern::test]
async fn dropping_a_stream_is_eof_for_its_peer() {
    let (a, mut b) = UnixStream::pair().unwrap();
    let reader = tern::spawn(async move {
        let mut buf = Vec::new();
        b.read_to_end(&mut buf).await.unwrap();
        buf
    });
    let mut a = a;
    a.write_all(b"last words").await.unwrap();
    drop(a);
    assert_eq!(reader.await.unwrap(), b"last words");
}

#[tern::test]
async fn binding_an_existing_path_is_addr_in_use() {
    let path = TempPath::new("taken");
    let _first = UnixListener::bind(&path).unwrap();
    let err = UnixListener::bind(&path).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AddrInUse);
    // The file stays after the listener is dropped: binding again still
    // fails until it is removed.
    drop(_first);
    assert_eq!(UnixListener::bind(&path).unwrap_err().kind(), ErrorKind::AddrInUse);
    std::fs::remove_file(&path.0).unwrap();
    let _again = UnixListener::bind(&path).unwrap();
}

#[tern::test]
async fn connecting_to_a_missing_path_fails() {
    let path = TempPath::new("missing");
    let err = UnixStream::connect(&path).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

#[tern::test]
async fn std_round_trips_keep_the_connection() {
    let (a, b) = UnixStream::pair().unwrap();
    let std_a = a.into_std().unwrap();
    let mut a = UnixStream::from_std(std_a).unwrap();
    let mut b = UnixStream::try_from(b.into_std().unwrap()).unwrap();
    a.write_all(b"x").await.unwrap();
    let mut buf = [0u8; 1];
    b.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"x");

    let path = TempPath::new("std");
    let listener = UnixListener::from_std(std::os::unix::net::UnixListener::bind(&path).unwrap()).unwrap();
    let listener = UnixListener::from_std(listener.into_std().unwrap()).unwrap();
    let _c = UnixStream::connect(&path).await.unwrap();
    listener.accept().await.unwrap();
    assert!(listener.take_error().unwrap().is_none());
}

/// `UnixSocket`: a stream socket bound, then listening; another connecting
/// to it; a datagram socket bound and used; and each misuse refused with
/// Tokio's error.
#[tern::test]
async fn unix_socket_listens_connects_and_makes_datagrams() {
    use tern::net::UnixSocket;
    let path = TempPath::new("unixsocket");
    let socket = UnixSocket::new_stream().unwrap();
    socket.bind(&path).unwrap();
    let listener = socket.listen(8).unwrap();
    let mut client = UnixSocket::new_stream().unwrap().connect(&path).await.unwrap();
    let (mut server, _) = listener.accept().await.unwrap();
    client.write_all(b"ping").await.unwrap();
    let mut buf = [0u8; 4];
    server.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"ping");
    assert_eq!(client.peer_addr().unwrap().as_pathname(), Some(path.as_ref()));

    // Abstract namespace (leading NUL), no file involved.
    let name = format!("\0tern-unixsocket-{}", std::process::id());
    let socket = UnixSocket::new_stream().unwrap();
    socket.bind(&name).unwrap();
    let abstract_listener = socket.listen(8).unwrap();
    let _c = UnixSocket::new_stream().unwrap().connect(&name).await.unwrap();
    abstract_listener.accept().await.unwrap();

    let dpath = TempPath::new("unixsocket-dgram");
    let d = UnixSocket::new_datagram().unwrap();
    d.bind(&dpath).unwrap();
    let d = d.datagram().unwrap();
    let sender = UnixDatagram::unbound().unwrap();
    sender.send_to(b"dgram", &dpath).await.unwrap();
    let mut five = [0u8; 5];
    assert_eq!(d.recv(&mut five).await.unwrap(), 5);
    assert_eq!(&five, b"dgram");

    let other = |e: std::io::Error| (e.kind(), e.to_string());
    assert_eq!(
        other(UnixSocket::new_datagram().unwrap().listen(1).unwrap_err()),
        (ErrorKind::Other, "listen cannot be called on a datagram socket".into())
    );
    assert_eq!(
        other(UnixSocket::new_datagram().unwrap().connect(&path).await.unwrap_err()),
        (ErrorKind::Other, "connect cannot be called on a datagram socket".into())
    );
    assert_eq!(
        other(UnixSocket::new_stream().unwrap().datagram().unwrap_err()),
        (ErrorKind::Other, "datagram cannot be called on a stream socket".into())
    );
    let missing = TempPath::new("unixsocket-missing");
    assert_eq!(
        UnixSocket::new_stream().unwrap().connect(&missing).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    let long = "x".repeat(200);
    assert_eq!(UnixSocket::new_stream().unwrap().bind(&long).unwrap_err().kind(), ErrorKind::InvalidInput);
}

/// Both ends of a fresh pair are writable without waiting for the
/// driver's first event, and readable only once the peer writes.
#[tern::test(flavor = "current_thread")]
async fn a_fresh_pair_is_writable_at_once() {
    use std::future::Future;
    use std::task::{Context, Poll, Waker};
    let noop = &mut Context::from_waker(Waker::noop());
    let (a, b) = UnixStream::pair().unwrap();
    assert!(std::pin::pin!(a.writable()).poll(noop).is_ready());
    assert_eq!(a.try_write(b"hi").unwrap(), 2);
    assert!(std::pin::pin!(b.readable()).poll(noop).is_pending(), "nothing has polled the driver yet");
    b.readable().await.unwrap();
    assert_eq!(b.try_read(&mut [0u8; 4]).unwrap(), 2);

    let (c, d) = UnixDatagram::pair().unwrap();
    assert!(matches!(c.poll_send_ready(noop), Poll::Ready(Ok(()))));
    c.try_send(b"yo").unwrap();
    assert!(d.poll_recv_ready(noop).is_pending());
    d.readable().await.unwrap();
    assert_eq!(d.try_recv(&mut [0u8; 4]).unwrap(), 2);
}

mod pipes {
    use super::*;
    use std::os::fd::AsFd;
    use tern::net::unix::pipe;

    fn mkfifo(path: &Path) {
        let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
        // SAFETY (test): a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "{}", std::io::Error::last_os_error());
    }

    fn is_nonblocking(fd: impl AsFd) -> bool {
        // SAFETY (test): F_GETFL on an open descriptor.
        let flags = unsafe { libc::fcntl(std::os::fd::AsRawFd::as_raw_fd(&fd.as_fd()), libc::F_GETFL) };
        flags & libc::O_NONBLOCK != 0
    }

    /// A megabyte through a 64 KiB pipe: the writer waits for room, the
    /// reader for data, and every byte arrives in order; then end of file.
    #[tern::test(flavor = "multi_thread", worker_threads = 2)]
    async fn anonymous_pipe_carries_everything_then_eof() {
        let (mut tx, mut rx) = pipe::pipe().unwrap();
        let data: Vec<u8> = (0..1_000_000u32).map(|i| (i % 251) as u8).collect();
        let expect = data.clone();
        let writer = tern::spawn(async move {
            tx.write_all(&data).await.unwrap();
        });
        let mut got = Vec::new();
        timeout(GUARD, rx.read_to_end(&mut got)).await.unwrap().unwrap();
        assert_eq!(got.len(), expect.len());
        assert!(got == expect);
        writer.await.unwrap();
    }

    #[tern::test]
    async fn closed_ends_give_eof_and_broken_pipe() {
        let (tx, rx) = pipe::pipe().unwrap();
        let mut buf = [0u8; 4];
        assert_eq!(rx.try_read(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);
        tx.writable().await.unwrap();
        assert_eq!(tx.try_write(b"ab").unwrap(), 2);
        let mut spare = Vec::with_capacity(16);
        rx.readable().await.unwrap();
        assert_eq!(rx.try_read_buf(&mut spare).unwrap(), 2);
        assert_eq!(spare, b"ab");
        drop(tx);
        let eof = async {
            loop {
                rx.readable().await.unwrap();
                match rx.try_read(&mut buf) {
                    Err(e) if e.kind() == ErrorKind::WouldBlock => continue,
                    res => return res.unwrap(),
                }
            }
        };
        assert_eq!(timeout(GUARD, eof).await.unwrap(), 0, "end of file");

        let (mut tx, rx) = pipe::pipe().unwrap();
        drop(rx);
        assert_eq!(tx.write_all(b"x").await.unwrap_err().kind(), ErrorKind::BrokenPipe);
    }

    #[tern::test]
    async fn fifo_open_options() {
        let path = TempPath::new("fifo");
        mkfifo(path.as_ref());
        assert_eq!(
            pipe::OpenOptions::new().open_sender(&path).unwrap_err().raw_os_error(),
            Some(libc::ENXIO),
            "no reader yet"
        );
        let rw = pipe::OpenOptions::new().read_write(true).open_sender(&path).unwrap();
        let rx = pipe::OpenOptions::new().open_receiver(&path).unwrap();
        let tx = pipe::OpenOptions::new().open_sender(&path).unwrap();
        tx.writable().await.unwrap();
        tx.try_write(b"via fifo").unwrap();
        let mut buf = [0u8; 8];
        rx.readable().await.unwrap();
        assert_eq!(rx.try_read(&mut buf).unwrap(), 8);
        assert_eq!(&buf, b"via fifo");
        drop(rw);

        let file = TempPath::new("not-a-fifo");
        std::fs::write(&file, b"plain").unwrap();
        let err = pipe::OpenOptions::new().open_receiver(&file).unwrap_err();
        assert_eq!((err.kind(), err.to_string()), (ErrorKind::InvalidInput, "not a pipe".into()));
        // Unchecked, the file gets as far as the epoll set, which refuses it.
        let err = pipe::OpenOptions::new().unchecked(true).open_receiver(&file).unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::EPERM));
    }

    #[tern::test]
    async fn from_file_checks_the_direction_and_sets_nonblocking() {
        let path = TempPath::new("fifo-from-file");
        mkfifo(path.as_ref());
        // Opened read-write so neither open blocks; then blocking mode.
        let read_end = std::fs::OpenOptions::new().read(true).write(true).open(&path).unwrap();
        assert!(!is_nonblocking(&read_end));
        let rx = pipe::Receiver::from_file(read_end).unwrap();
        assert!(is_nonblocking(&rx));

        let ro = std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK).open(&path).unwrap();
        let err = pipe::Sender::from_file(ro).unwrap_err();
        assert_eq!(
            (err.kind(), err.to_string()),
            (ErrorKind::InvalidInput, "not in O_WRONLY or O_RDWR access mode".into())
        );
        let wo = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        let err = pipe::Receiver::from_file(wo).unwrap_err();
        assert_eq!(err.to_string(), "not in O_RDONLY or O_RDWR access mode");

        let fd = rx.into_blocking_fd().unwrap();
        assert!(!is_nonblocking(&fd));
        let (tx, _rx) = pipe::pipe().unwrap();
        let fd = tx.into_nonblocking_fd().unwrap();
        assert!(is_nonblocking(&fd));
        let tx = pipe::Sender::from_owned_fd(fd).unwrap();
        tx.writable().await.unwrap();
        assert_eq!(tx.try_write(b"again").unwrap(), 5);
    }

    /// `try_io` runs the closure only while the end is ready, and a
    /// `WouldBlock` from the closure clears that readiness.
    #[tern::test]
    async fn pipe_try_io_follows_and_clears_readiness() {
        let (tx, rx) = pipe::pipe().unwrap();
        assert_eq!(rx.try_io(|| Ok(())).unwrap_err().kind(), ErrorKind::WouldBlock, "nothing to read yet");
        tx.writable().await.unwrap();
        tx.try_write(b"x").unwrap();
        rx.readable().await.unwrap();
        let mut byte = [0u8; 1];
        let n = rx
            .try_io(|| {
                // SAFETY (test): reads one byte into a live buffer from an
                // open descriptor.
                let n =
                    unsafe { libc::read(std::os::fd::AsRawFd::as_raw_fd(&rx), byte.as_mut_ptr().cast(), 1) };
                if n < 0 {
                    Err(std::io::Error::last_os_error())
                } else {
                    Ok(n as usize)
                }
            })
            .unwrap();
        assert_eq!((n, byte[0]), (1, b'x'));

        let mut calls = 0;
        tx.try_io(|| {
            calls += 1;
            Ok(())
        })
        .unwrap();
        let err = tx
            .try_io(|| -> std::io::Result<()> {
                calls += 1;
                Err(ErrorKind::WouldBlock.into())
            })
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::WouldBlock);
        let err = tx
            .try_io(|| {
                calls += 1;
                Ok(())
            })
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::WouldBlock, "not ready: the closure is not called");
        assert_eq!(calls, 2);
    }

    use std::os::unix::fs::OpenOptionsExt;
}
