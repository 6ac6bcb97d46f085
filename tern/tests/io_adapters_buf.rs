//! io adapters over buffers: read_buf/write_buf/write_all_buf with `bytes`,
//! vectored writes, copy_buf, split, fill_buf/consume, the Cursor impls,
//! `!Unpin` readers, BufWriter/BufStream seeks, copy_bidirectional and join.

use bytes::{Bytes, BytesMut};
use std::io::{Cursor, ErrorKind, IoSlice, SeekFrom};
use std::pin::Pin;
use std::task::{Context, Poll};
use tern::io::{
    self, AsyncBufRead, AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncSeekExt, AsyncWrite, AsyncWriteExt,
    BufReader, ReadBuf,
};

#[tern::test]
async fn read_buf_fills_bytes_mut() {
    let mut reader: &[u8] = b"hello world";
    let mut buf = BytesMut::with_capacity(5);
    let mut total = 0;
    loop {
        let n = reader.read_buf(&mut buf).await.unwrap();
        if n == 0 {
            break;
        }
        total += n;
    }
    assert_eq!(total, 11);
    assert_eq!(&buf[..], b"hello world");

    // A full, fixed-size BufMut reads nothing (and is not EOF).
    let mut space = [0u8; 4];
    let mut window = &mut space[..];
    let mut reader: &[u8] = b"abcdef";
    assert_eq!(reader.read_buf(&mut window).await.unwrap(), 4);
    assert_eq!(reader.read_buf(&mut window).await.unwrap(), 0);
    assert_eq!(&space, b"abcd");
    assert_eq!(reader, b"ef");
}

/// A writer accepting at most `max` bytes per write, recording them.
struct Trickle {
    max: usize,
    out: Vec<u8>,
    vectored: bool,
}

impl AsyncWrite for Trickle {
    fn poll_write(mut self: Pin<&mut Self>, _cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let n = buf.len().min(self.max);
        self.out.extend_from_slice(&buf[..n]);
        Poll::Ready(Ok(n))
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let mut n = 0;
        for b in bufs {
            let take = b.len().min(self.max - n);
            self.out.extend_from_slice(&b[..take]);
            n += take;
        }
        Poll::Ready(Ok(n))
    }
    fn is_write_vectored(&self) -> bool {
        self.vectored
    }
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[tern::test]
async fn write_all_buf_drains_bytes() {
    // Imported here only: `Buf`'s `take`/`chain` would clash with
    // `AsyncReadExt`'s on `&[u8]` elsewhere in this file.
    use bytes::Buf;

    for vectored in [false, true] {
        let mut writer = Trickle { max: 3, out: Vec::new(), vectored };
        let mut src = Bytes::from_static(b"all of these bytes");
        writer.write_all_buf(&mut src).await.unwrap();
        assert!(src.is_empty());
        assert_eq!(writer.out, b"all of these bytes");

        // A chain of two buffers, gathered by vectored writes when offered.
        let mut src = Bytes::from_static(b"first,").chain(Bytes::from_static(b"second"));
        writer.out.clear();
        writer.write_all_buf(&mut src).await.unwrap();
        assert!(!src.has_remaining());
        assert_eq!(writer.out, b"first,second");
    }
    let mut full = Trickle { max: 0, out: Vec::new(), vectored: false };
    let err = full.write_all_buf(&mut Bytes::from_static(b"x")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WriteZero);
}

#[tern::test]
async fn write_buf_writes_once_and_advances() {
    let mut writer = Trickle { max: 4, out: Vec::new(), vectored: false };
    let mut src = Bytes::from_static(b"abcdefg");
    assert_eq!(writer.write_buf(&mut src).await.unwrap(), 4);
    assert_eq!(&src[..], b"efg");
    assert_eq!(writer.write_buf(&mut src).await.unwrap(), 3);
    assert_eq!(writer.write_buf(&mut src).await.unwrap(), 0, "nothing remaining");
    assert_eq!(writer.out, b"abcdefg");
}

#[tern::test]
async fn write_vectored_goes_through_poll_write_vectored() {
    let mut writer = Trickle { max: 100, out: Vec::new(), vectored: true };
    let bufs = [IoSlice::new(b"ab"), IoSlice::new(b""), IoSlice::new(b"cd")];
    assert_eq!(writer.write_vectored(&bufs).await.unwrap(), 4);
    assert_eq!(writer.out, b"abcd");
    // The default poll_write_vectored writes the first non-empty slice.
    struct Plain(Vec<u8>);
    impl AsyncWrite for Plain {
        fn poll_write(
            mut self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            self.0.extend_from_slice(buf);
            Poll::Ready(Ok(buf.len()))
        }
        fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
        fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }
    let mut plain = Plain(Vec::new());
    assert!(!plain.is_write_vectored());
    let bufs = [IoSlice::new(b""), IoSlice::new(b"xy"), IoSlice::new(b"z")];
    assert_eq!(plain.write_vectored(&bufs).await.unwrap(), 2);
    assert_eq!(plain.0, b"xy");
    // A `Vec<u8>` takes every slice, as Tokio's.
    let mut vec = Vec::new();
    assert_eq!(vec.write_vectored(&bufs).await.unwrap(), 3);
    assert_eq!(vec, b"xyz");
}

#[tern::test]
async fn copy_buf_copies_everything_and_counts() {
    let data: Vec<u8> = (0..50_000u32).map(|i| (i % 253) as u8).collect();
    let mut reader = BufReader::with_capacity(1000, &data[..]);
    let mut writer = Trickle { max: 777, out: Vec::new(), vectored: false };
    assert_eq!(io::copy_buf(&mut reader, &mut writer).await.unwrap(), data.len() as u64);
    assert_eq!(writer.out, data);

    let mut empty: &[u8] = b"";
    let mut out = Vec::new();
    assert_eq!(io::copy_buf(&mut empty, &mut out).await.unwrap(), 0);

    let mut reader: &[u8] = b"x";
    let mut stuck = Trickle { max: 0, out: Vec::new(), vectored: false };
    let err = io::copy_buf(&mut reader, &mut stuck).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WriteZero);
}

#[tern::test]
async fn split_yields_segments_without_delimiters() {
    let mut segments = Cursor::new(b"a,bc,,def").split(b',');
    assert_eq!(segments.next_segment().await.unwrap(), Some(b"a".to_vec()));
    assert_eq!(segments.next_segment().await.unwrap(), Some(b"bc".to_vec()));
    assert_eq!(segments.next_segment().await.unwrap(), Some(b"".to_vec()));
    assert_eq!(segments.next_segment().await.unwrap(), Some(b"def".to_vec()), "last, undelimited");
    assert_eq!(segments.next_segment().await.unwrap(), None);

    // A trailing delimiter does not produce an empty last segment, and
    // segments longer than the reader's buffer are assembled.
    let mut segments = BufReader::with_capacity(2, &b"long segment;x;"[..]).split(b';');
    assert_eq!(segments.next_segment().await.unwrap(), Some(b"long segment".to_vec()));
    assert_eq!(segments.next_segment().await.unwrap(), Some(b"x".to_vec()));
    assert_eq!(segments.next_segment().await.unwrap(), None);
}

#[tern::test]
async fn fill_buf_and_consume() {
    let mut reader = BufReader::with_capacity(4, &b"abcdef"[..]);
    assert_eq!(reader.fill_buf().await.unwrap(), b"abcd");
    AsyncBufReadExt::consume(&mut reader, 3);
    assert_eq!(reader.fill_buf().await.unwrap(), b"d");
    AsyncBufReadExt::consume(&mut reader, 1);
    assert_eq!(reader.fill_buf().await.unwrap(), b"ef");
    reader.consume(2);
    assert_eq!(reader.fill_buf().await.unwrap(), b"", "EOF");
}

#[tern::test]
async fn cursor_reads_writes_and_is_buffered() {
    let mut cursor = Cursor::new(Vec::new());
    cursor.write_all(b"hello").await.unwrap();
    cursor.write_u16(0x2021).await.unwrap();
    cursor.flush().await.unwrap();
    cursor.shutdown().await.unwrap();
    assert_eq!(cursor.get_ref(), b"hello\x20\x21");
    cursor.rewind().await.unwrap();
    let mut word = [0u8; 5];
    cursor.read_exact(&mut word).await.unwrap();
    assert_eq!(&word, b"hello");
    assert_eq!(cursor.fill_buf().await.unwrap(), b"\x20\x21");

    // Writing in the middle overwrites; a fixed-size slice cursor fills up.
    let mut space = [0u8; 4];
    let mut fixed = Cursor::new(&mut space[..]);
    assert_eq!(fixed.write(b"abcdef").await.unwrap(), 4);
    assert_eq!(fixed.write(b"g").await.unwrap(), 0);
    assert_eq!(&space, b"abcd");

    let mut vec = b"xxxx".to_vec();
    let mut borrowed = Cursor::new(&mut vec);
    borrowed.seek(SeekFrom::Start(2)).await.unwrap();
    borrowed.write_all(b"yyy").await.unwrap();
    assert_eq!(vec, b"xxyyy");

    let mut boxed = Cursor::new(vec![0u8; 3].into_boxed_slice());
    boxed.write_all(b"box").await.unwrap();
    assert_eq!(&boxed.into_inner()[..], b"box");
}

#[tern::test]
async fn buffered_reads_through_box_and_pin() {
    let mut boxed: Box<dyn AsyncBufRead + Unpin> = Box::new(&b"boxed\nrest"[..]);
    let mut line = String::new();
    boxed.read_line(&mut line).await.unwrap();
    assert_eq!(line, "boxed\n");

    let mut pinned = Box::pin(BufReader::new(&b"pinned,x"[..]));
    let mut seg = Vec::new();
    pinned.read_until(b',', &mut seg).await.unwrap();
    assert_eq!(seg, b"pinned,");
    assert_eq!(pinned.as_mut().get_pin_mut().len(), 0, "BufReader read all of the slice at once");
}

/// A reader that is `!Unpin`, to check that the adapters pin it in place.
struct PinnedReader {
    data: &'static [u8],
    _pin: std::marker::PhantomPinned,
}

impl AsyncRead for PinnedReader {
    fn poll_read(self: Pin<&mut Self>, _cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        // SAFETY: only the `&'static [u8]` field is replaced; nothing moves.
        let me = unsafe { self.get_unchecked_mut() };
        let n = me.data.len().min(buf.remaining());
        buf.put_slice(&me.data[..n]);
        me.data = &me.data[n..];
        Poll::Ready(Ok(()))
    }
}

fn pinned(data: &'static [u8]) -> PinnedReader {
    PinnedReader { data, _pin: std::marker::PhantomPinned }
}

#[tern::test]
async fn adapters_work_with_unpin_free_readers() {
    let mut chained = Box::pin(pinned(b"one ").chain(pinned(b"two ")).take(6));
    let mut out = String::new();
    chained.read_to_string(&mut out).await.unwrap();
    assert_eq!(out, "one tw");

    let mut buffered = Box::pin(BufReader::new(pinned(b"a\nb\n")));
    let mut line = String::new();
    buffered.read_line(&mut line).await.unwrap();
    assert_eq!(line, "a\n");
}

#[tern::test]
async fn lines_poll_next_line_takes_a_pinned_self_as_in_tokio() {
    use std::pin::Pin;
    use tern::io::AsyncBufReadExt;
    let mut lines = tern::io::BufReader::new(&b"one\r\ntwo"[..]).lines();
    let first = std::future::poll_fn(|cx| Pin::new(&mut lines).poll_next_line(cx)).await.unwrap();
    assert_eq!(first.as_deref(), Some("one"));
    assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("two"));
    assert_eq!(lines.next_line().await.unwrap(), None);
}

#[tern::test]
async fn buf_writer_seek_writes_the_buffer_out_first() {
    let mut w = io::BufWriter::new(Cursor::new(Vec::new()));
    w.write_all(b"hello world").await.unwrap();
    assert_eq!(w.get_ref().get_ref().len(), 0, "still buffered");
    assert_eq!(w.seek(io::SeekFrom::Start(6)).await.unwrap(), 6);
    assert_eq!(w.buffer(), b"", "written out by the seek");
    w.write_all(b"there").await.unwrap();
    w.flush().await.unwrap();
    assert_eq!(w.get_ref().get_ref(), b"hello there");
    assert_eq!(w.stream_position().await.unwrap(), 11);
}

#[tern::test]
async fn buf_stream_seeks_and_converts_from_either_layering() {
    let mut s = io::BufStream::new(Cursor::new(b"0123456789".to_vec()));
    let mut two = [0u8; 2];
    s.read_exact(&mut two).await.unwrap();
    s.write_all(b"ab").await.unwrap();
    // The read buffer holds everything: the seek discards it and writes the
    // pending bytes out at the inner position (past the buffered read).
    assert_eq!(s.seek(SeekFrom::Start(4)).await.unwrap(), 4);
    s.read_exact(&mut two).await.unwrap();
    assert_eq!(&two, b"45");
    assert_eq!(s.get_ref().get_ref(), b"0123456789ab");

    // BufWriter<BufReader<_>> -> BufStream keeps what both buffers hold.
    let mut reader = io::BufReader::new(Cursor::new(b"xyz".to_vec()));
    assert_eq!(reader.fill_buf().await.unwrap(), b"xyz");
    let mut writer = io::BufWriter::new(reader);
    writer.write_all(b"!").await.unwrap();
    let mut s = io::BufStream::from(writer);
    let mut got = String::new();
    s.read_to_string(&mut got).await.unwrap();
    assert_eq!(got, "xyz", "the buffered read survived the swap");
    s.flush().await.unwrap();
    assert_eq!(s.get_ref().get_ref(), b"xyz!", "the buffered write too");
}

#[tern::test]
async fn empty_is_buf_read_and_seeks_to_zero() {
    let mut e = io::empty();
    assert_eq!(e.fill_buf().await.unwrap(), b"");
    let mut line = String::new();
    assert_eq!(e.read_line(&mut line).await.unwrap(), 0);
    assert_eq!(e.seek(SeekFrom::End(10)).await.unwrap(), 0);
}

#[tern::test]
async fn copy_bidirectional_with_sizes_moves_everything_through_small_buffers() {
    let (mut a, mut a_peer) = io::duplex(1024);
    let (mut b, mut b_peer) = io::duplex(1024);
    let relay = tern::spawn(async move { io::copy_bidirectional_with_sizes(&mut a, &mut b, 3, 5).await });
    let data: Vec<u8> = (0..5000u32).map(|i| i as u8).collect();
    let expect = data.clone();
    let writer = tern::spawn(async move {
        a_peer.write_all(&data).await.unwrap();
        a_peer.shutdown().await.unwrap();
        let mut back = Vec::new();
        a_peer.read_to_end(&mut back).await.unwrap();
        back
    });
    let mut got = Vec::new();
    b_peer.read_to_end(&mut got).await.unwrap();
    assert_eq!(got, expect);
    b_peer.write_all(b"reply").await.unwrap();
    b_peer.shutdown().await.unwrap();
    assert_eq!(writer.await.unwrap(), b"reply");
    assert_eq!(relay.await.unwrap().unwrap(), (5000, 5));
}

#[tern::test]
async fn lines_of_a_pinned_reader_and_the_reader_accessors() {
    let mut lines = Box::pin(BufReader::new(pinned(b"a\nb")).lines());
    let first = std::future::poll_fn(|cx| lines.as_mut().poll_next_line(cx)).await.unwrap();
    assert_eq!(first.as_deref(), Some("a"));
    let second = std::future::poll_fn(|cx| lines.as_mut().poll_next_line(cx)).await.unwrap();
    assert_eq!(second.as_deref(), Some("b"));
    assert_eq!(std::future::poll_fn(|cx| lines.as_mut().poll_next_line(cx)).await.unwrap(), None);

    let mut lines = BufReader::new(&b"x\ny\n"[..]).lines();
    assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("x"));
    assert_eq!(lines.get_ref().buffer(), b"y\n");
    lines.get_mut().consume(2);
    assert_eq!(lines.next_line().await.unwrap(), None);
}

#[tern::test]
async fn join_reads_from_one_side_and_writes_to_the_other() {
    let mut rw = Box::pin(io::join(BufReader::new(pinned(b"line\nrest")), Vec::new()));
    let mut line = String::new();
    rw.read_line(&mut line).await.unwrap();
    assert_eq!(line, "line\n");
    rw.write_all(b"out").await.unwrap();
    rw.flush().await.unwrap();
    rw.shutdown().await.unwrap();
    assert_eq!(rw.writer(), b"out");
    rw.as_mut().writer_pin_mut().get_mut().push(b'!');
    assert_eq!(rw.writer(), b"out!");
    let mut plain = io::join(&b"r"[..], Vec::<u8>::new());
    plain.writer_mut().push(1);
    assert_eq!(plain.reader_mut().len(), 1);
    assert_eq!((plain.reader(), plain.writer()), (&&b"r"[..], &vec![1]));
    let mut rest = String::new();
    rw.read_to_string(&mut rest).await.unwrap();
    assert_eq!(rest, "rest");
}

#[test]
fn read_buf_is_a_buf_mut() {
    use bytes::BufMut;
    let mut storage = [std::mem::MaybeUninit::<u8>::uninit(); 8];
    let mut buf = ReadBuf::uninit(&mut storage);
    assert_eq!(buf.remaining_mut(), 8);
    buf.put_u16(0x0102);
    buf.put_slice(b"abc");
    assert_eq!(buf.filled(), &[1, 2, b'a', b'b', b'c']);
    assert_eq!(buf.initialized().len(), 5);
    assert_eq!(buf.remaining_mut(), 3);
    assert_eq!(buf.chunk_mut().len(), 3);
}
