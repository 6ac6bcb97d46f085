//! `tern::io::unix::AsyncFd`, `Interest`/`Ready`, and the waiter list behind
//! every `&self` readiness wait.

use std::future::Future;
use std::io::{ErrorKind, Read, Write};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tern::io::unix::AsyncFd;
use tern::io::{Interest, Ready};

fn pair() -> (AsyncFd<UnixStream>, UnixStream) {
    let (a, b) = UnixStream::pair().unwrap();
    a.set_nonblocking(true).unwrap();
    // SAFETY: `a` owns its descriptor and keeps it open until dropped.
    (unsafe { AsyncFd::register(a) }.unwrap(), b)
}

async fn read_some(fd: &AsyncFd<UnixStream>, buf: &mut [u8]) -> std::io::Result<usize> {
    loop {
        let mut guard = fd.readable().await?;
        match guard.try_io(|inner| inner.get_ref().read(buf)) {
            Ok(result) => return result,
            Err(_would_block) => continue,
        }
    }
}

#[tern::test]
async fn readable_after_the_peer_writes_and_try_io_clears_on_would_block() {
    let (fd, mut peer) = pair();
    peer.write_all(b"abc").unwrap();
    let mut buf = [0u8; 8];
    assert_eq!(read_some(&fd, &mut buf).await.unwrap(), 3);
    assert_eq!(&buf[..3], b"abc");

    // Drained: the next try_io sees WouldBlock and clears the readiness.
    let mut guard = fd.readable().await.unwrap();
    assert!(guard.ready().is_readable());
    assert!(guard.try_io(|inner| inner.get_ref().read(&mut buf)).is_err());
    guard.retain_ready();
    assert_eq!(
        fd.try_io(Interest::READABLE, |s| (&*s).read(&mut buf)).unwrap_err().kind(),
        ErrorKind::WouldBlock
    );

    // A later write wakes a fresh wait.
    let writer = std::thread::spawn(move || {
        peer.write_all(b"z").unwrap();
        peer
    });
    assert_eq!(read_some(&fd, &mut buf).await.unwrap(), 1);
    let peer = writer.join().unwrap();
    drop(peer);
    // Peer closed: a read of 0, and from then on readiness says read-closed
    // (a closed state is never cleared).
    assert_eq!(read_some(&fd, &mut buf).await.unwrap(), 0);
    // (The read of 0 may come before the driver saw the hang-up: clear what
    // was seen and wait for the driver's word.)
    fd.readable().await.unwrap().clear_ready();
    let mut guard = fd.readable().await.unwrap();
    assert!(guard.ready().is_read_closed());
    guard.clear_ready();
    assert!(fd.readable().await.unwrap().ready().is_read_closed());
}

#[tern::test]
async fn clear_ready_matching_keeps_the_other_direction() {
    let (fd, peer) = pair();
    let mut guard = fd.writable().await.unwrap();
    assert!(guard.ready().is_writable());
    guard.clear_ready_matching(Ready::READABLE);
    assert!(guard.ready().is_writable(), "writability was not cleared");
    guard.retain_ready();
    // Still writable without waiting for a new edge.
    let guard = fd.ready(Interest::READABLE | Interest::WRITABLE).await.unwrap();
    assert!(guard.ready().is_writable());
    assert!(!guard.ready().is_readable());
    drop(peer);
}

#[tern::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_task_awaiting_readable_on_one_fd_is_woken() {
    let (fd, mut peer) = pair();
    let fd = Arc::new(fd);
    let woken = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (fd, woken) = (fd.clone(), woken.clone());
        tasks.push(tern::spawn(async move {
            let guard = fd.readable().await.unwrap();
            assert!(guard.ready().is_readable());
            woken.fetch_add(1, Ordering::SeqCst);
        }));
    }
    // Let every waiter register before the data arrives.
    for _ in 0..50 {
        tern::task::yield_now().await;
    }
    peer.write_all(b"x").unwrap();
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(woken.load(Ordering::SeqCst), 8);
}

#[tern::test]
async fn a_dropped_waiter_does_not_take_the_wake_of_a_live_one() {
    let (fd, mut peer) = pair();
    let fd = Arc::new(fd);
    // Two waiters register; the first is aborted while pending.
    let first = tern::spawn({
        let fd = fd.clone();
        async move { drop(fd.readable().await) }
    });
    let second = tern::spawn({
        let fd = fd.clone();
        async move { fd.readable().await.map(|g| g.ready().is_readable()) }
    });
    tern::task::yield_now().await;
    first.abort();
    assert!(first.await.unwrap_err().is_cancelled());
    peer.write_all(b"x").unwrap();
    assert!(second.await.unwrap().unwrap());
}

#[tern::test]
async fn into_inner_gives_the_object_back_still_usable() {
    let (fd, mut peer) = pair();
    let mut inner = fd.into_inner();
    peer.write_all(b"hi").unwrap();
    inner.set_nonblocking(false).unwrap();
    let mut buf = [0u8; 2];
    inner.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"hi");
}

#[tern::test]
async fn a_regular_file_cannot_be_registered_and_is_given_back() {
    let file = std::fs::File::open(std::env::current_exe().unwrap()).unwrap();
    // SAFETY: `file` owns its descriptor and keeps it open until dropped.
    let err = unsafe { AsyncFd::register(file) }.unwrap_err();
    let (file, cause) = err.into_parts();
    assert_eq!(cause.raw_os_error(), Some(libc::EPERM));
    // The file is intact.
    assert!(file.metadata().unwrap().len() > 0);
}

#[tern::test]
async fn deprecated_constructors_still_register() {
    let (a, _b) = UnixStream::pair().unwrap();
    a.set_nonblocking(true).unwrap();
    #[allow(deprecated)]
    let a = AsyncFd::new(a).unwrap();
    let guard = a.writable().await.unwrap();
    assert!(guard.ready().is_writable());
    let file = std::fs::File::open(std::env::current_exe().unwrap()).unwrap();
    #[allow(deprecated)]
    let err: tern::io::unix::AsyncFdTryNewError<std::fs::File> = AsyncFd::try_new(file).unwrap_err();
    let (_file, cause) = err.into_parts();
    assert_eq!(cause.raw_os_error(), Some(libc::EPERM));
}

#[tern::test]
async fn async_io_retries_until_data_arrives() {
    let (fd, mut peer) = pair();
    let read = fd.async_io(Interest::READABLE, |s| {
        let mut buf = [0u8; 4];
        let n = (&*s).read(&mut buf)?;
        Ok(buf[..n].to_vec())
    });
    tern::pin!(read);
    // Nothing to read yet: the call waits (for readiness, or after a
    // `WouldBlock`), and only then does the data arrive.
    let first = std::future::poll_fn(|cx| std::task::Poll::Ready(read.as_mut().poll(cx))).await;
    assert!(first.is_pending(), "nothing written yet");
    let writer = std::thread::spawn(move || {
        peer.write_all(b"late").unwrap();
        peer
    });
    let got = tern::time::timeout(std::time::Duration::from_secs(60), read)
        .await
        .expect("async_io never woke for the data")
        .unwrap();
    assert_eq!(got, b"late");
    drop(writer.join().unwrap());
}

/// An error that came alone (a connected UDP socket's ICMP error) shows as
/// the direction waited for, so the read is tried and returns it; and a
/// read that then hits `WouldBlock` and clears `READABLE` clears the error's
/// readiness too, so the next wait parks instead of ending at once.
#[tern::test]
async fn an_error_alone_reads_as_readable_and_clearing_readable_clears_it() {
    use std::time::Duration;
    let closed = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = closed.local_addr().unwrap();
    drop(closed);
    let sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.set_nonblocking(true).unwrap();
    sock.connect(addr).unwrap();
    sock.send(b"anyone?").unwrap();
    // SAFETY: `sock` is an open socket the AsyncFd owns from here on.
    let fd = unsafe { AsyncFd::register(sock) }.unwrap();
    let mut buf = [0u8; 16];

    let guard = tern::time::timeout(Duration::from_secs(20), fd.readable()).await.unwrap().unwrap();
    assert!(guard.ready().is_readable(), "{:?}", guard.ready());
    let first = guard.get_inner().recv(&mut buf);
    assert_eq!(first.unwrap_err().kind(), std::io::ErrorKind::ConnectionRefused);

    // The error was taken by that read: the next one would block.
    let mut guard = tern::time::timeout(Duration::from_secs(20), fd.readable()).await.unwrap().unwrap();
    assert_eq!(guard.get_inner().recv(&mut buf).unwrap_err().kind(), std::io::ErrorKind::WouldBlock);
    guard.clear_ready_matching(Ready::READABLE);
    let again = tern::time::timeout(Duration::from_millis(50), fd.readable()).await;
    assert!(again.is_err(), "readiness left behind");
}
