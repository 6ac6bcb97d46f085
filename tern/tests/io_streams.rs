//! io streams: split halves, BufWriter, BufStream, duplex/simplex pipes and
//! the standard streams.

use std::future::{poll_fn, Future};
use std::io::IoSlice;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use tern::io::{
    self, AsyncBufReadExt, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufStream, BufWriter, DuplexStream,
    ReadHalf, SimplexStream, WriteHalf,
};

/// A waker that records whether it was woken.
#[derive(Default)]
struct Flag(AtomicBool);

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.0.store(true, Ordering::SeqCst);
    }
}

impl Flag {
    fn take(&self) -> bool {
        self.0.swap(false, Ordering::SeqCst)
    }
}

fn poll_once<F: Future>(fut: Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    fut.poll(&mut Context::from_waker(waker))
}

fn data(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

// ===== split =====

#[test]
fn stream_types_are_send_sync_and_unpin() {
    fn check<T: Send + Sync + Unpin>() {}
    check::<ReadHalf<DuplexStream>>();
    check::<WriteHalf<DuplexStream>>();
    check::<ReadHalf<SimplexStream>>();
    check::<DuplexStream>();
    check::<SimplexStream>();
    check::<BufWriter<DuplexStream>>();
    check::<BufStream<DuplexStream>>();
    check::<io::Stdin>();
    check::<io::Stdout>();
    check::<io::Stderr>();
}

#[tern::test(flavor = "multi_thread", worker_threads = 2)]
async fn split_halves_make_progress_from_two_tasks_at_once() {
    // A small pipe forces the writer to wait for the echo, and the echo to
    // wait for the reader: with a lock held across a wait, this deadlocks.
    let (client, server) = io::duplex(64);
    let (mut rd, mut wr) = io::split(client);
    let echo = tern::spawn(async move {
        let (mut srd, mut swr) = io::split(server);
        let n = io::copy(&mut srd, &mut swr).await.unwrap();
        swr.shutdown().await.unwrap();
        n
    });
    let payload = data(256 * 1024);
    let expected = payload.clone();
    let writer = tern::spawn(async move {
        wr.write_all(&payload).await.unwrap();
        wr.shutdown().await.unwrap();
        wr
    });
    let reader = tern::spawn(async move {
        let mut got = Vec::new();
        rd.read_to_end(&mut got).await.unwrap();
        (rd, got)
    });
    let (rd, got) = reader.await.unwrap();
    let wr = writer.await.unwrap();
    assert_eq!(got, expected);
    assert_eq!(echo.await.unwrap(), expected.len() as u64);
    assert!(rd.is_pair_of(&wr));
}

#[tern::test]
async fn unsplit_gives_back_the_original_stream() {
    let (a, mut b) = io::duplex(64);
    let (rd, wr) = io::split(a);
    assert!(rd.is_pair_of(&wr) && wr.is_pair_of(&rd));
    assert!(wr.is_write_vectored());
    let mut a = rd.unsplit(wr);
    a.write_all(b"whole again").await.unwrap();
    let mut buf = [0u8; 11];
    b.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"whole again");
}

#[test]
fn halves_of_different_splits_are_not_pairs() {
    let (rd1, wr1) = io::split(io::duplex(8).0);
    let (rd2, wr2) = io::split(io::duplex(8).0);
    assert!(!rd1.is_pair_of(&wr2));
    assert!(!wr1.is_pair_of(&rd2));
    assert!(format!("{rd1:?}").contains("ReadHalf"));
    assert!(format!("{wr2:?}").contains("WriteHalf"));
}

#[test]
#[should_panic(expected = "Unrelated `split::Write` passed to `split::Read::unsplit`.")]
fn unsplit_of_an_unrelated_pair_panics() {
    let (rd1, _wr1) = io::split(io::duplex(8).0);
    let (_rd2, wr2) = io::split(io::duplex(8).0);
    let _ = rd1.unsplit(wr2);
}

// ===== BufWriter =====

#[tern::test]
async fn buf_writer_holds_small_writes_until_flush() {
    let mut w = BufWriter::with_capacity(16, Vec::new());
    w.write_all(b"hello").await.unwrap();
    w.write_all(b" you").await.unwrap();
    assert!(w.get_ref().is_empty());
    assert_eq!(w.buffer(), b"hello you");
    w.flush().await.unwrap();
    assert_eq!(w.get_ref(), b"hello you");
    assert!(w.buffer().is_empty());
    assert_eq!(w.into_inner(), b"hello you");
}

#[tern::test]
async fn buf_writer_peer_sees_nothing_until_flush() {
    let (a, mut b) = io::duplex(1024);
    let mut w = BufWriter::new(a);
    w.write_all(b"queued").await.unwrap();
    let mut buf = [0u8; 16];
    {
        let read = pin!(b.read(&mut buf));
        assert!(poll_once(read, Waker::noop()).is_pending());
    }
    w.flush().await.unwrap();
    let n = b.read(&mut buf).await.unwrap();
    assert_eq!(&buf[..n], b"queued");
}

#[tern::test]
async fn buf_writer_large_writes_go_straight_through_after_the_buffer() {
    let mut w = BufWriter::with_capacity(8, Vec::new());
    // Straight through with an empty buffer.
    assert_eq!(w.write(b"0123456789").await.unwrap(), 10);
    assert_eq!(w.get_ref(), b"0123456789");
    assert!(w.buffer().is_empty());
    // A small write is buffered; a large one flushes it first, keeping order.
    w.write_all(b"ab").await.unwrap();
    assert_eq!(w.get_ref().len(), 10);
    w.write_all(b"ABCDEFGHIJ").await.unwrap();
    assert_eq!(w.get_ref(), b"0123456789abABCDEFGHIJ");
    assert!(w.buffer().is_empty());
    // A small write that no longer fits flushes the buffer, then is kept.
    w.write_all(b"xyz12").await.unwrap();
    w.write_all(b"3456").await.unwrap();
    assert_eq!(&w.get_ref()[22..], b"xyz12");
    assert_eq!(w.buffer(), b"3456");
}

/// A writer without vectored writes of its own.
struct Plain(Vec<u8>);

impl AsyncWrite for Plain {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        self.0.extend_from_slice(buf);
        std::task::Poll::Ready(Ok(buf.len()))
    }
    fn poll_flush(
        self: Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
    fn poll_shutdown(
        self: Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}

#[tern::test]
async fn buf_writer_vectored_writes_fill_the_buffer_with_whole_slices() {
    let mut w = BufWriter::with_capacity(8, Plain(Vec::new()));
    assert!(w.is_write_vectored());
    let bufs = [IoSlice::new(b""), IoSlice::new(b"ab"), IoSlice::new(b"cde"), IoSlice::new(b"fghij")];
    let n = poll_fn(|cx| Pin::new(&mut w).poll_write_vectored(cx, &bufs)).await.unwrap();
    // `fghij` does not fit after `abcde`: only the first two slices are taken.
    assert_eq!(n, 5);
    assert_eq!(w.buffer(), b"abcde");
    assert!(w.get_ref().0.is_empty());
    w.flush().await.unwrap();
    assert_eq!(w.get_ref().0, b"abcde");

    // Over a vectored writer (a `Vec<u8>`, as in Tokio), slices that add up
    // to the buffer's capacity or more go straight through.
    let mut w = BufWriter::with_capacity(8, Vec::new());
    let n = poll_fn(|cx| Pin::new(&mut w).poll_write_vectored(cx, &bufs)).await.unwrap();
    assert_eq!(n, 10);
    assert!(w.buffer().is_empty());
    assert_eq!(w.get_ref(), b"abcdefghij");
}

#[tern::test]
async fn buf_writer_shutdown_flushes_then_shuts_the_inner_writer() {
    let (a, mut b) = io::duplex(64);
    let mut w = BufWriter::new(a);
    w.write_all(b"last words").await.unwrap();
    w.shutdown().await.unwrap();
    let mut got = String::new();
    b.read_to_string(&mut got).await.unwrap();
    assert_eq!(got, "last words");
}

#[tern::test]
async fn buf_writer_does_not_flush_on_drop_and_forwards_reads() {
    let mut out = Vec::new();
    {
        let mut w = BufWriter::new(&mut out);
        w.write_all(b"lost").await.unwrap();
    }
    assert!(out.is_empty());

    let (a, mut b) = io::duplex(64);
    let mut w = BufWriter::new(a);
    b.write_all(b"reply").await.unwrap();
    let mut buf = [0u8; 5];
    w.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"reply");
}

// ===== BufStream =====

#[tern::test]
async fn buf_stream_round_trip() {
    let (a, b) = io::duplex(64);
    let mut client = BufStream::new(a);
    let mut server = BufStream::with_capacity(16, 16, b);

    client.write_all(b"GET /\n").await.unwrap();
    client.flush().await.unwrap();
    let mut line = String::new();
    server.read_line(&mut line).await.unwrap();
    assert_eq!(line, "GET /\n");

    server.write_all(b"200 OK\nbody").await.unwrap();
    server.shutdown().await.unwrap();
    let mut lines = client.lines();
    assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("200 OK"));
    assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("body"));
    assert_eq!(lines.next_line().await.unwrap(), None);

    let client = lines.into_inner();
    let mut pinned = pin!(client);
    let _: Pin<&mut DuplexStream> = pinned.as_mut().get_pin_mut();
    let _: &DuplexStream = BufStream::get_ref(&pinned);
}

#[tern::test]
async fn buf_stream_writes_wait_for_flush() {
    let (a, mut b) = io::duplex(64);
    let mut s = BufStream::new(a);
    s.write_all(b"buffered").await.unwrap();
    let mut buf = [0u8; 8];
    {
        let read = pin!(b.read(&mut buf));
        assert!(poll_once(read, Waker::noop()).is_pending());
    }
    s.flush().await.unwrap();
    b.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"buffered");
    let _: &mut DuplexStream = s.get_mut();
    let _a: DuplexStream = s.into_inner();
}

// ===== duplex =====

#[tern::test]
async fn duplex_write_waits_for_the_reader_when_the_buffer_is_full() {
    let (mut a, mut b) = io::duplex(4);
    // One write takes at most `max_buf_size` bytes.
    assert_eq!(a.write(b"0123456789").await.unwrap(), 4);

    let flag = Arc::new(Flag::default());
    let waker = Waker::from(flag.clone());
    let mut write = pin!(a.write_all(b"456789"));
    assert!(poll_once(write.as_mut(), &waker).is_pending());

    let mut buf = [0u8; 4];
    b.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"0123");
    assert!(flag.take(), "reading must wake the blocked writer");
    // Room for 4 of the remaining 6 bytes: still pending.
    assert!(poll_once(write.as_mut(), &waker).is_pending());
    b.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"4567");
    assert!(flag.take());
    assert!(matches!(poll_once(write.as_mut(), &waker), Poll::Ready(Ok(()))));
    let mut rest = [0u8; 2];
    b.read_exact(&mut rest).await.unwrap();
    assert_eq!(&rest, b"89");
}

#[tern::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplex_large_write_completes_only_after_the_peer_reads() {
    let (mut a, mut b) = io::duplex(8);
    let done = Arc::new(AtomicBool::new(false));
    let writer = {
        let done = done.clone();
        tern::spawn(async move {
            a.write_all(&data(100)).await.unwrap();
            done.store(true, Ordering::SeqCst);
            a
        })
    };
    for _ in 0..20 {
        tern::task::yield_now().await;
    }
    assert!(!done.load(Ordering::SeqCst), "the write cannot finish before anything is read");
    let mut got = vec![0u8; 100];
    b.read_exact(&mut got).await.unwrap();
    let _a = writer.await.unwrap();
    assert!(done.load(Ordering::SeqCst));
    assert_eq!(got, data(100));
}

#[tern::test]
async fn duplex_reads_eof_after_the_peer_is_dropped_and_drained() {
    let (mut a, mut b) = io::duplex(64);
    a.write_all(b"abc").await.unwrap();
    drop(a);
    let mut got = Vec::new();
    assert_eq!(b.read_to_end(&mut got).await.unwrap(), 3);
    assert_eq!(got, b"abc");
    assert_eq!(b.read(&mut [0u8; 4]).await.unwrap(), 0);
}

#[tern::test]
async fn duplex_pending_read_is_woken_by_peer_drop() {
    let (a, mut b) = io::duplex(64);
    let flag = Arc::new(Flag::default());
    let waker = Waker::from(flag.clone());
    let mut buf = [0u8; 4];
    let mut read = pin!(b.read(&mut buf));
    assert!(poll_once(read.as_mut(), &waker).is_pending());
    drop(a);
    assert!(flag.take());
    assert!(matches!(poll_once(read, &waker), Poll::Ready(Ok(0))));
}

#[tern::test]
async fn duplex_write_to_a_dropped_peer_is_broken_pipe() {
    let (mut a, b) = io::duplex(2);
    a.write_all(b"xy").await.unwrap();
    let flag = Arc::new(Flag::default());
    let waker = Waker::from(flag.clone());
    {
        // A write waiting for room fails once the peer is gone.
        let mut write = pin!(a.write(b"z"));
        assert!(poll_once(write.as_mut(), &waker).is_pending());
        drop(b);
        assert!(flag.take());
        match poll_once(write, &waker) {
            Poll::Ready(Err(e)) => assert_eq!(e.kind(), io::ErrorKind::BrokenPipe),
            other => panic!("expected BrokenPipe, got {other:?}"),
        }
    }
    let err = a.write(b"again").await.unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
}

#[tern::test]
async fn duplex_shutdown_closes_one_direction() {
    let (mut a, mut b) = io::duplex(64);
    a.write_all(b"hi").await.unwrap();
    a.shutdown().await.unwrap();
    let mut got = Vec::new();
    b.read_to_end(&mut got).await.unwrap();
    assert_eq!(got, b"hi");
    assert_eq!(a.write(b"more").await.unwrap_err().kind(), io::ErrorKind::BrokenPipe);
    // The other direction still works.
    b.write_all(b"back").await.unwrap();
    let mut buf = [0u8; 4];
    a.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"back");
}

#[tern::test]
async fn duplex_vectored_write_takes_what_fits() {
    let (mut a, mut b) = io::duplex(5);
    assert!(a.is_write_vectored());
    let bufs = [IoSlice::new(b"abc"), IoSlice::new(b""), IoSlice::new(b"defg")];
    let n = poll_fn(|cx| Pin::new(&mut a).poll_write_vectored(cx, &bufs)).await.unwrap();
    assert_eq!(n, 5);
    let mut buf = [0u8; 5];
    b.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"abcde");
}

#[tern::test]
async fn duplex_ping_loop_yields_to_other_tasks() {
    // On a single thread, the spawned task only runs if the always-ready
    // loop below yields, which the coop budget makes it do.
    let (mut a, mut b) = io::duplex(64);
    let ran = Arc::new(AtomicBool::new(false));
    let r = ran.clone();
    tern::spawn(async move { r.store(true, Ordering::SeqCst) });
    let mut byte = [0u8; 1];
    let mut rounds = 0;
    while !ran.load(Ordering::SeqCst) && rounds < 100_000 {
        a.write_all(b"p").await.unwrap();
        b.read_exact(&mut byte).await.unwrap();
        rounds += 1;
    }
    assert!(ran.load(Ordering::SeqCst), "the ping loop starved the scheduler");
}

#[test]
#[should_panic(expected = "`max_buf_size` must be greater than 0")]
fn duplex_of_zero_size_panics() {
    let _ = io::duplex(0);
}

// ===== simplex =====

#[tern::test(flavor = "multi_thread", worker_threads = 2)]
async fn simplex_moves_bytes_one_way_with_backpressure() {
    let (mut rd, mut wr) = io::simplex(3);
    let writer = tern::spawn(async move {
        wr.write_all(b"through a tiny pipe").await.unwrap();
        wr.shutdown().await.unwrap();
    });
    let mut got = String::new();
    rd.read_to_string(&mut got).await.unwrap();
    assert_eq!(got, "through a tiny pipe");
    writer.await.unwrap();
}

#[tern::test]
async fn simplex_unsplit_and_new_unsplit() {
    let (rd, wr) = io::simplex(16);
    let mut s: SimplexStream = rd.unsplit(wr);
    s.write_all(b"loop").await.unwrap();
    let mut buf = [0u8; 4];
    s.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"loop");

    let mut s = SimplexStream::new_unsplit(2);
    assert_eq!(s.write(b"abc").await.unwrap(), 2);
    s.shutdown().await.unwrap();
    let mut got = Vec::new();
    s.read_to_end(&mut got).await.unwrap();
    assert_eq!(got, b"ab");
    assert_eq!(s.write(b"c").await.unwrap_err().kind(), io::ErrorKind::BrokenPipe);
}

// ===== stdio =====

#[tern::test]
async fn stdout_and_stderr_write_and_flush() {
    let mut out = io::stdout();
    assert_eq!(out.write(b"").await.unwrap(), 0);
    out.write_all(b"io_streams: hello from tern::io::stdout\n").await.unwrap();
    out.flush().await.unwrap();
    out.shutdown().await.unwrap();

    let mut err = io::stderr();
    err.write_all(b"io_streams: hello from tern::io::stderr\n").await.unwrap();
    err.flush().await.unwrap();
    assert!(format!("{err:?}").starts_with("Stderr"));
}

#[tern::test(flavor = "multi_thread", worker_threads = 2)]
async fn stdout_many_writes_then_flush_on_multi_thread() {
    let mut out = io::stdout();
    for i in 0..3 {
        out.write_all(format!("io_streams: line {i}\n").as_bytes()).await.unwrap();
    }
    out.flush().await.unwrap();
}

#[tern::test]
async fn stdin_empty_read_returns_at_once() {
    let mut input = io::stdin();
    assert_eq!(input.read(&mut []).await.unwrap(), 0);
}

#[cfg(unix)]
#[test]
fn std_streams_expose_their_file_descriptors() {
    use std::os::unix::io::{AsFd, AsRawFd};
    assert_eq!(io::stdin().as_raw_fd(), 0);
    assert_eq!(io::stdout().as_raw_fd(), 1);
    assert_eq!(io::stderr().as_fd().as_raw_fd(), 2);
}
