//! `read_line` reads into the caller's `String` (as Tokio's does): a loop
//! that clears and reuses one `String` allocates nothing per line, and a
//! dropped `read_line` leaves the `String` as it was. A counting
//! global allocator (so this is its own test binary) counts this thread's
//! allocations.

#[path = "support/counting_alloc.rs"]
mod counting_alloc;

use counting_alloc::{start_counting, stop_counting};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use tern::io::{AsyncBufRead, AsyncBufReadExt, AsyncRead, BufReader, ReadBuf};

#[test]
fn a_reused_line_buffer_allocates_nothing_per_line() {
    let text: String = (0..2_000).map(|i| format!("line {i} {}\n", "x".repeat(i % 50))).collect();
    let rt = tern::runtime::Builder::new_current_thread().build().unwrap();
    let (lines, allocs) = rt.block_on(async {
        let mut reader = BufReader::new(text.as_bytes());
        let mut line = String::with_capacity(128);
        let mut lines = 0;
        start_counting();
        loop {
            line.clear();
            if reader.read_line(&mut line).await.unwrap() == 0 {
                break;
            }
            assert!(line.starts_with("line ") && line.ends_with('\n'), "{line:?}");
            lines += 1;
        }
        (lines, stop_counting())
    });
    assert_eq!(lines, 2_000);
    assert_eq!(allocs, 0, "allocations while reading 2000 lines into one String");
}

/// A reader that hands out its chunks one by one, then stays pending.
struct Chunks(Vec<&'static [u8]>);

impl AsyncRead for Chunks {
    fn poll_read(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        _: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        unreachable!("read through AsyncBufRead only")
    }
}

impl AsyncBufRead for Chunks {
    fn poll_fill_buf(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<&[u8]>> {
        match self.get_mut().0.first() {
            Some(chunk) => Poll::Ready(Ok(chunk)),
            None => Poll::Pending,
        }
    }
    fn consume(self: Pin<&mut Self>, amt: usize) {
        let chunks = &mut self.get_mut().0;
        chunks[0] = &chunks[0][amt..];
        if chunks[0].is_empty() {
            chunks.remove(0);
        }
    }
}

#[test]
fn a_dropped_read_line_leaves_the_string_as_it_was() {
    let waker = std::task::Waker::noop();
    let mut cx = Context::from_waker(waker);
    let mut buf = String::from("kept: ");
    {
        let mut reader = Chunks(vec![b"half a li"]);
        let mut read = std::pin::pin!(reader.read_line(&mut buf));
        assert!(read.as_mut().poll(&mut cx).is_pending());
    }
    assert_eq!(buf, "kept: ");
    let mut empty = String::new();
    {
        let mut reader = Chunks(vec![b"half a li"]);
        let mut read = std::pin::pin!(reader.read_line(&mut empty));
        assert!(read.as_mut().poll(&mut cx).is_pending());
    }
    assert_eq!(empty, "");

    // Invalid UTF-8: `buf` as it was, the error counts its bytes too.
    let mut reader = Chunks(vec![b"ok \xff\n"]);
    let mut read = std::pin::pin!(reader.read_line(&mut buf));
    let Poll::Ready(Err(e)) = read.as_mut().poll(&mut cx) else { panic!("expected an error") };
    assert_eq!(e.kind(), std::io::ErrorKind::InvalidData);
    let utf8 = e.get_ref().and_then(|e| e.downcast_ref::<std::str::Utf8Error>()).expect("a Utf8Error");
    assert_eq!(utf8.valid_up_to(), "kept: ok ".len());
    // `read` is still in scope, pinned: like Tokio's, `ReadLine` has no
    // `Drop` impl, so `buf` is free once the future is last used (this
    // would not compile otherwise).
    assert_eq!(buf, "kept: ");

    // A whole line is appended.
    let mut reader = Chunks(vec![b"one ", b"two\nthree"]);
    let mut read = std::pin::pin!(reader.read_line(&mut buf));
    assert!(matches!(read.as_mut().poll(&mut cx), Poll::Ready(Ok(8))));
    assert_eq!(buf, "kept: one two\n");
}
