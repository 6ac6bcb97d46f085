//! io utilities: copy, copy_bidirectional, BufReader and lines,
//! empty/sink/repeat.

use std::pin::Pin;
use std::task::{Context, Poll};
use tern::io::{self, AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tern::net::{TcpListener, TcpStream};

#[tern::test]
async fn copy_moves_every_byte_and_counts_them() {
    let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    let mut reader = &data[..];
    let mut out = Vec::new();
    assert_eq!(io::copy(&mut reader, &mut out).await.unwrap(), data.len() as u64);
    assert_eq!(out, data);
}

#[tern::test]
async fn copy_bidirectional_proxies_until_both_sides_close() {
    // client <-> proxy <-> echo server
    let echo = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let echo_addr = echo.local_addr().unwrap();
    tern::spawn(async move {
        let (s, _) = echo.accept().await.unwrap();
        let (mut r, mut w) = s.into_split();
        io::copy(&mut r, &mut w).await.unwrap();
    });
    let proxy = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy_addr = proxy.local_addr().unwrap();
    let proxied = tern::spawn(async move {
        let (mut inbound, _) = proxy.accept().await.unwrap();
        let mut outbound = TcpStream::connect(echo_addr).await.unwrap();
        io::copy_bidirectional(&mut inbound, &mut outbound).await.unwrap()
    });
    let mut c = TcpStream::connect(proxy_addr).await.unwrap();
    c.write_all(b"through the proxy").await.unwrap();
    c.shutdown().await.unwrap();
    let mut back = String::new();
    c.read_to_string(&mut back).await.unwrap();
    assert_eq!(back, "through the proxy");
    assert_eq!(proxied.await.unwrap(), (17, 17));
}

#[tern::test]
async fn buf_reader_reads_lines_and_keeps_the_rest() {
    let text = b"first line\r\nsecond\nlast without newline";
    let mut reader = BufReader::with_capacity(4, &text[..]);
    let mut line = String::new();
    assert_eq!(reader.read_line(&mut line).await.unwrap(), 12);
    assert_eq!(line, "first line\r\n");
    let mut lines = reader.lines();
    assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("second"));
    assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("last without newline"));
    assert_eq!(lines.next_line().await.unwrap(), None);
    let mut until = Vec::new();
    let mut r = &b"a,b"[..];
    assert_eq!(r.read_until(b',', &mut until).await.unwrap(), 2);
    assert_eq!(until, b"a,");
}

#[tern::test]
async fn empty_sink_and_repeat() {
    let mut buf = Vec::new();
    assert_eq!(io::empty().read_to_end(&mut buf).await.unwrap(), 0);
    assert_eq!(io::sink().write(b"gone").await.unwrap(), 4);
    let mut five = [0u8; 5];
    io::repeat(7).read_exact(&mut five).await.unwrap();
    assert_eq!(five, [7; 5]);
}

#[tern::test]
async fn invalid_utf8_is_an_invalid_data_error() {
    let mut s = String::new();
    let err = (&[0xffu8, b'\n'][..]).read_line(&mut s).await.unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
}

// ----- `Interrupted` is retried, as by std's helpers -----

/// Yields its chunks in order, failing with `Interrupted` before each one.
struct Flaky {
    chunks: std::collections::VecDeque<&'static [u8]>,
    interrupt_next: bool,
    written: Vec<u8>,
}

impl Flaky {
    fn new(chunks: &[&'static [u8]]) -> Flaky {
        Flaky { chunks: chunks.iter().copied().collect(), interrupt_next: true, written: Vec::new() }
    }

    /// Fails every other call with `Interrupted`.
    fn interrupt(&mut self) -> bool {
        let now = self.interrupt_next;
        self.interrupt_next = !now;
        now
    }
}

fn interrupted() -> std::io::Error {
    std::io::ErrorKind::Interrupted.into()
}

impl io::AsyncRead for Flaky {
    fn poll_read(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let me = self.get_mut();
        if me.interrupt() {
            return Poll::Ready(Err(interrupted()));
        }
        if let Some(chunk) = me.chunks.pop_front() {
            let n = chunk.len().min(buf.remaining());
            buf.put_slice(&chunk[..n]);
            if n < chunk.len() {
                me.chunks.push_front(&chunk[n..]);
            }
        }
        Poll::Ready(Ok(()))
    }
}

impl io::AsyncBufRead for Flaky {
    fn poll_fill_buf(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<&[u8]>> {
        let me = self.get_mut();
        if me.interrupt() {
            return Poll::Ready(Err(interrupted()));
        }
        Poll::Ready(Ok(me.chunks.front().copied().unwrap_or(&[])))
    }
    fn consume(self: Pin<&mut Self>, amt: usize) {
        let me = self.get_mut();
        let front = me.chunks.pop_front().unwrap_or(&[]);
        if amt < front.len() {
            me.chunks.push_front(&front[amt..]);
        }
    }
}

impl io::AsyncWrite for Flaky {
    fn poll_write(self: Pin<&mut Self>, _cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        let me = self.get_mut();
        if me.interrupt() {
            return Poll::Ready(Err(interrupted()));
        }
        // One byte at a time, so every byte follows an interruption.
        me.written.push(buf[0]);
        Poll::Ready(Ok(1))
    }
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[tern::test]
async fn read_helpers_retry_interrupted_reads() {
    let mut buf = [0u8; 4];
    Flaky::new(&[b"ab", b"cd"]).read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"abcd");

    let mut all = Vec::new();
    Flaky::new(&[b"ab", b"cd"]).read_to_end(&mut all).await.unwrap();
    assert_eq!(all, b"abcd");

    let mut s = String::new();
    Flaky::new(&[b"ab", b"cd"]).read_to_string(&mut s).await.unwrap();
    assert_eq!(s, "abcd");

    let mut line = Vec::new();
    Flaky::new(&[b"ab", b"c\nd"]).read_until(b'\n', &mut line).await.unwrap();
    assert_eq!(line, b"abc\n");
}

#[tern::test]
async fn write_helpers_and_copies_retry_interrupted_calls() {
    let mut w = Flaky::new(&[]);
    w.write_all(b"xyz").await.unwrap();
    assert_eq!(w.written, b"xyz");

    let mut w = io::BufWriter::with_capacity(8, Flaky::new(&[]));
    w.write_all(b"xyz").await.unwrap();
    w.flush().await.unwrap();
    assert_eq!(w.get_ref().written, b"xyz");

    let mut w = Flaky::new(&[]);
    assert_eq!(io::copy(&mut Flaky::new(&[b"ab", b"cd"]), &mut w).await.unwrap(), 4);
    assert_eq!(w.written, b"abcd");

    let mut w = Flaky::new(&[]);
    assert_eq!(io::copy_buf(&mut Flaky::new(&[b"ab", b"cd"]), &mut w).await.unwrap(), 4);
    assert_eq!(w.written, b"abcd");

    let mut a = io::join(Flaky::new(&[b"ab"]), Flaky::new(&[]));
    let mut b = io::join(Flaky::new(&[b"cde"]), Flaky::new(&[]));
    assert_eq!(io::copy_bidirectional_with_sizes(&mut a, &mut b, 1, 1).await.unwrap(), (2, 3));
    assert_eq!(a.writer().written, b"cde");
    assert_eq!(b.writer().written, b"ab");
}

// ----- read_to_end's buffer, and UTF-8 errors -----

#[tern::test]
async fn read_to_end_into_a_vector_that_fits_does_not_reallocate() {
    let data: Vec<u8> = (0..40).collect();
    for cap in [40, 41, 64] {
        let mut buf = Vec::with_capacity(cap);
        let mut reader = &data[..];
        reader.read_to_end(&mut buf).await.unwrap();
        assert_eq!(buf, data);
        assert_eq!(buf.capacity(), cap, "capacity {cap}");
    }
}

/// Initialises more of the spare capacity than it fills, then checks that
/// the next `ReadBuf` it is lent says so.
struct InitsAhead {
    expect_init: usize,
    calls: usize,
}

impl io::AsyncRead for InitsAhead {
    fn poll_read(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let me = self.get_mut();
        assert_eq!(buf.initialized().len() - buf.filled().len(), me.expect_init, "call {}", me.calls);
        me.calls += 1;
        if me.calls <= 3 {
            buf.initialize_unfilled_to(8);
            buf.advance(2);
            me.expect_init = 6;
        }
        Poll::Ready(Ok(()))
    }
}

#[tern::test]
async fn read_to_end_tells_the_reader_what_it_initialised_before() {
    let mut buf = Vec::with_capacity(64);
    InitsAhead { expect_init: 0, calls: 0 }.read_to_end(&mut buf).await.unwrap();
    assert_eq!(buf.len(), 6);
}

#[tern::test]
async fn read_to_string_leaves_the_string_on_invalid_utf8() {
    let mut s = String::from("abc");
    let err = (&[b'd', 0xff][..]).read_to_string(&mut s).await.unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
    let utf8 = err.into_inner().unwrap().downcast::<std::str::Utf8Error>().unwrap();
    assert_eq!(utf8.valid_up_to(), 4, "counts the string's own bytes");
    assert_eq!(s, "abc");
}

/// Yields its bytes (as a buffered reader), then fails with `Other`.
struct ThenFails(&'static [u8]);

impl io::AsyncRead for ThenFails {
    fn poll_read(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        _buf: &mut io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Poll::Ready(Err(std::io::Error::other("boom")))
    }
}

impl io::AsyncBufRead for ThenFails {
    fn poll_fill_buf(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<&[u8]>> {
        let me = self.get_mut();
        if me.0.is_empty() {
            return Poll::Ready(Err(std::io::Error::other("boom")));
        }
        Poll::Ready(Ok(me.0))
    }
    fn consume(self: Pin<&mut Self>, amt: usize) {
        let me = self.get_mut();
        me.0 = &me.0[amt..];
    }
}

#[tern::test]
async fn read_line_keeps_what_it_read_before_an_io_error() {
    let mut line = String::from("Foo");
    let err = ThenFails(b"Hello").read_line(&mut line).await.unwrap_err();
    assert_eq!(err.to_string(), "boom");
    assert_eq!(line, "FooHello");

    let mut line = String::from("Foo");
    ThenFails(b"He\xffllo").read_line(&mut line).await.unwrap_err();
    assert_eq!(line, "Foo", "invalid UTF-8 is not appended");

    let mut line = String::from("Foo");
    let err = (&b"Wo\xffld\n"[..]).read_line(&mut line).await.unwrap_err();
    let utf8 = err.into_inner().unwrap().downcast::<std::str::Utf8Error>().unwrap();
    assert_eq!(utf8.valid_up_to(), 5);
    assert_eq!(line, "Foo");
}

#[tern::test]
async fn lines_reports_an_invalid_line_once_and_goes_on() {
    let mut lines = (&b"ok\n\xff\xfe\nnext\n"[..]).lines();
    assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("ok"));
    let err = lines.next_line().await.unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
    let bad = err.into_inner().unwrap().downcast::<std::string::FromUtf8Error>().unwrap();
    assert_eq!(bad.into_bytes(), b"\xff\xfe");
    assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("next"));
    assert_eq!(lines.next_line().await.unwrap(), None);
}

// ----- cooperative scheduling and argument checks -----

/// Runs `work` (a loop that never waits) against a `yield_now`: the loop
/// must run out of coop budget and let the other branch finish.
macro_rules! yields_to_the_scheduler {
    ($work:expr) => {
        tern::select! {
            biased;
            _ = async { loop { $work; } } => {}
            _ = tern::task::yield_now() => {}
        }
    };
}

#[tern::test]
async fn sink_empty_and_copies_use_the_coop_budget() {
    yields_to_the_scheduler!(io::sink().write_all(b"abc").await.unwrap());
    yields_to_the_scheduler!(io::sink().flush().await.unwrap());
    yields_to_the_scheduler!(io::sink().shutdown().await.unwrap());
    yields_to_the_scheduler!(io::empty().flush().await.unwrap());
    yields_to_the_scheduler!({
        let mut out = Vec::new();
        io::copy(&mut &b"hello"[..], &mut out).await.unwrap()
    });
    yields_to_the_scheduler!({
        let mut out = Vec::new();
        io::copy_buf(&mut &b"hello"[..], &mut out).await.unwrap()
    });
}

#[tern::test]
async fn sink_takes_every_buffer_of_a_vectored_write() {
    let mut sink = io::sink();
    assert!(io::AsyncWrite::is_write_vectored(&sink));
    let bufs = [std::io::IoSlice::new(b""), std::io::IoSlice::new(b"hello"), std::io::IoSlice::new(b"world")];
    assert_eq!(sink.write_vectored(&bufs).await.unwrap(), 10);
}

#[test]
#[should_panic(expected = "capacity must be greater than zero")]
fn buf_reader_of_zero_capacity_panics() {
    let _ = BufReader::with_capacity(0, &b""[..]);
}

#[test]
#[should_panic(expected = "`b_to_a_buf_size` must be greater than 0")]
fn copy_bidirectional_with_a_zero_buffer_panics() {
    let rt = tern::runtime::Builder::new_current_thread().build().unwrap();
    let (mut a, mut b) = (io::empty(), io::empty());
    let _ = rt.block_on(io::copy_bidirectional_with_sizes(&mut a, &mut b, 1, 0));
}

/// Once the runtime has shut down, stdout and stderr refuse new writes with
/// the runtime-shutdown error (their operations are mandatory blocking
/// work, as in Tokio), instead of reporting a write that never happens.
#[test]
fn stdout_after_shutdown_reports_the_runtime_shutdown() {
    let rt = tern::runtime::Builder::new_current_thread().build().unwrap();
    let _enter = rt.enter();
    let handle = tern::runtime::Handle::current();
    rt.shutdown_timeout(std::time::Duration::from_secs(10));
    let err = handle.block_on(async { io::stdout().write_all(b"x").await }).unwrap_err();
    assert!(tern::runtime::is_rt_shutdown_err(&err), "{err}");
    let err = handle.block_on(async { io::stderr().write_all(b"x").await }).unwrap_err();
    assert!(tern::runtime::is_rt_shutdown_err(&err), "{err}");
}

/// `write_buf` hands a vectored writer every chunk of the buffer in one
/// vectored write, and never calls its plain `poll_write`.
#[tern::test]
async fn write_buf_uses_a_vectored_write_when_the_writer_has_one() {
    use bytes::Buf;
    struct Vectored(Vec<u8>, usize);
    impl io::AsyncWrite for Vectored {
        fn poll_write(
            self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            _buf: &[u8],
        ) -> Poll<std::io::Result<usize>> {
            panic!("poll_write called on a vectored writer");
        }
        fn poll_write_vectored(
            self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            bufs: &[std::io::IoSlice<'_>],
        ) -> Poll<std::io::Result<usize>> {
            let me = self.get_mut();
            me.1 += 1;
            bufs.iter().for_each(|b| me.0.extend_from_slice(b));
            Poll::Ready(Ok(bufs.iter().map(|b| b.len()).sum()))
        }
        fn is_write_vectored(&self) -> bool {
            true
        }
        fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
            Poll::Ready(Ok(()))
        }
        fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }
    let mut w = Vectored(Vec::new(), 0);
    let mut buf = Buf::chain(&b"hello "[..], &b"world"[..]);
    assert_eq!(w.write_buf(&mut buf).await.unwrap(), 11);
    assert_eq!((&w.0[..], w.1), (&b"hello world"[..], 1));
}

/// A smart pointer that is itself `!Unpin` (Tokio's `Pin<P>` impls of the
/// I/O traits ask only `P: DerefMut`, not `P: Unpin`).
struct PinningBox<T>(Box<T>, std::marker::PhantomPinned);

impl<T> std::ops::Deref for PinningBox<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> std::ops::DerefMut for PinningBox<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

#[tern::test]
async fn pin_of_a_pointer_that_is_not_unpin_reads_writes_and_seeks() {
    use std::io::{Cursor, SeekFrom};
    use tern::io::{AsyncBufRead, AsyncRead, AsyncSeek, AsyncSeekExt, AsyncWrite};
    fn io_traits<T: AsyncRead + AsyncWrite + AsyncBufRead + AsyncSeek>(_: &T) {}

    let ptr = PinningBox(Box::new(Cursor::new(Vec::new())), std::marker::PhantomPinned);
    let pinned = Pin::new(ptr);
    io_traits(&pinned);
    let mut pinned = std::pin::pin!(pinned);
    pinned.write_all(b"hello\nworld").await.unwrap();
    assert_eq!(pinned.seek(SeekFrom::Start(0)).await.unwrap(), 0);
    let mut line = String::new();
    pinned.read_line(&mut line).await.unwrap();
    assert_eq!(line, "hello\n");
    let mut rest = Vec::new();
    pinned.read_to_end(&mut rest).await.unwrap();
    assert_eq!(rest, b"world");
}

#[tern::test]
async fn a_vec_takes_every_slice_of_a_vectored_write() {
    let mut v: Vec<u8> = Vec::new();
    assert!(tern::io::AsyncWrite::is_write_vectored(&v));
    let n = v.write_vectored(&[std::io::IoSlice::new(b"ab"), std::io::IoSlice::new(b"cde")]).await.unwrap();
    assert_eq!(n, 5);
    assert_eq!(v, b"abcde");
    // So `write_buf` of a chain takes both parts in one call.
    let mut chain = bytes::Buf::chain(&b"fg"[..], &b"hi"[..]);
    assert_eq!(v.write_buf(&mut chain).await.unwrap(), 4);
    assert_eq!(v, b"abcdefghi");
}
