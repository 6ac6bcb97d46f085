//! io adapters: numeric reads and writes, take/chain, and AsyncSeek
//! (Cursor and BufReader). Those over buffers are in io_adapters_buf.rs.

use std::io::{Cursor, ErrorKind, SeekFrom};
use std::pin::Pin;
use std::task::{Context, Poll};
use tern::io::{
    self, AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncSeekExt, AsyncWriteExt, BufReader, ReadBuf,
};

/// Writes `$value` with `$write`, checks the bytes against `$encode`, and
/// reads it back with `$read` (compared by bytes, so that floats, NaN
/// included, must come back bit for bit).
macro_rules! round_trip {
    ($($write:ident / $read:ident: $ty:ty = $value:expr, $encode:ident;)*) => { $(
        let value: $ty = $value;
        let mut out = Vec::new();
        out.$write(value).await.unwrap();
        assert_eq!(out, value.$encode(), stringify!($write));
        let mut reader = &out[..];
        let back: $ty = reader.$read().await.unwrap();
        assert_eq!(back.$encode(), value.$encode(), stringify!($read));
        assert!(reader.is_empty(), stringify!($read));
    )* };
}

#[tern::test]
async fn numbers_round_trip_big_endian() {
    round_trip! {
        write_u8 / read_u8: u8 = 0xfe, to_be_bytes;
        write_i8 / read_i8: i8 = -100, to_be_bytes;
        write_u16 / read_u16: u16 = 0x0102, to_be_bytes;
        write_i16 / read_i16: i16 = -0x0102, to_be_bytes;
        write_u32 / read_u32: u32 = 0x0102_0304, to_be_bytes;
        write_i32 / read_i32: i32 = i32::MIN + 7, to_be_bytes;
        write_u64 / read_u64: u64 = 0x0102_0304_0506_0708, to_be_bytes;
        write_i64 / read_i64: i64 = -0x0102_0304_0506_0708, to_be_bytes;
        write_u128 / read_u128: u128 = 0x0102_0304_0506_0708_090a_0b0c_0d0e_0f10, to_be_bytes;
        write_i128 / read_i128: i128 = i128::MIN + 0x0102_0304, to_be_bytes;
        write_f32 / read_f32: f32 = -1.25e-3, to_be_bytes;
        write_f64 / read_f64: f64 = std::f64::consts::PI, to_be_bytes;
        write_f64 / read_f64: f64 = f64::NAN, to_be_bytes;
    }
    // Big-endian means the most significant byte first.
    let mut out = Vec::new();
    out.write_u32(0x0102_0304).await.unwrap();
    assert_eq!(out, [1, 2, 3, 4]);
}

#[tern::test]
async fn numbers_round_trip_little_endian() {
    round_trip! {
        write_u16_le / read_u16_le: u16 = 0x0102, to_le_bytes;
        write_i16_le / read_i16_le: i16 = -0x0102, to_le_bytes;
        write_u32_le / read_u32_le: u32 = 0x0102_0304, to_le_bytes;
        write_i32_le / read_i32_le: i32 = i32::MIN + 7, to_le_bytes;
        write_u64_le / read_u64_le: u64 = 0x0102_0304_0506_0708, to_le_bytes;
        write_i64_le / read_i64_le: i64 = -0x0102_0304_0506_0708, to_le_bytes;
        write_u128_le / read_u128_le: u128 = 0x0102_0304_0506_0708_090a_0b0c_0d0e_0f10, to_le_bytes;
        write_i128_le / read_i128_le: i128 = i128::MIN + 0x0102_0304, to_le_bytes;
        write_f32_le / read_f32_le: f32 = -1.25e-3, to_le_bytes;
        write_f64_le / read_f64_le: f64 = -0.0, to_le_bytes;
    }
    let mut out = Vec::new();
    out.write_u32_le(0x0102_0304).await.unwrap();
    assert_eq!(out, [4, 3, 2, 1]);
}

/// A reader handing out one byte per read, to make every number span
/// several reads.
struct OneByte<'a>(&'a [u8]);

impl AsyncRead for OneByte<'_> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if let Some((first, rest)) = self.0.split_first() {
            if buf.remaining() > 0 {
                buf.put_slice(&[*first]);
                self.0 = rest;
            }
        }
        Poll::Ready(Ok(()))
    }
}

#[tern::test]
async fn numbers_are_assembled_from_short_reads() {
    let bytes = 0x0102_0304_0506_0708u64.to_be_bytes();
    let mut reader = OneByte(&bytes);
    assert_eq!(reader.read_u64().await.unwrap(), 0x0102_0304_0506_0708);
    let bytes = (-2i16).to_le_bytes();
    assert_eq!(OneByte(&bytes).read_i16_le().await.unwrap(), -2);
}

#[tern::test]
async fn short_input_is_unexpected_eof() {
    let mut empty: &[u8] = &[];
    assert_eq!(empty.read_u8().await.unwrap_err().kind(), ErrorKind::UnexpectedEof);
    let mut three: &[u8] = &[1, 2, 3];
    assert_eq!(three.read_u32().await.unwrap_err().kind(), ErrorKind::UnexpectedEof);
    let mut seven: &[u8] = &[0; 7];
    assert_eq!(seven.read_f64_le().await.unwrap_err().kind(), ErrorKind::UnexpectedEof);
    let mut fifteen = OneByte(&[0; 15]);
    assert_eq!(fifteen.read_i128().await.unwrap_err().kind(), ErrorKind::UnexpectedEof);
}

#[tern::test]
async fn numeric_write_to_a_full_buffer_is_write_zero() {
    let mut space = [0u8; 3];
    let mut cursor = Cursor::new(&mut space[..]);
    let err = cursor.write_u32(0x0102_0304).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WriteZero);
    assert_eq!(space, [1, 2, 3], "the bytes that fitted were written");
}

#[tern::test]
async fn take_stops_at_the_limit() {
    let reader: &[u8] = b"0123456789";
    let mut take = reader.take(4);
    let mut buf = [0u8; 10];
    let n = take.read(&mut buf).await.unwrap();
    assert_eq!(&buf[..n], b"0123");
    assert_eq!(take.limit(), 0);
    assert_eq!(take.read(&mut buf).await.unwrap(), 0, "EOF at the limit");
    // The rest is still in the inner reader.
    assert_eq!(*take.get_ref(), b"456789");

    take.set_limit(3);
    assert_eq!(take.limit(), 3);
    let mut out = Vec::new();
    take.read_to_end(&mut out).await.unwrap();
    assert_eq!(out, b"456");

    take.set_limit(100);
    out.clear();
    take.read_to_end(&mut out).await.unwrap();
    assert_eq!(out, b"789", "the inner reader's EOF ends it before the limit");
    assert_eq!(take.limit(), 97);
    assert!(take.into_inner().is_empty());
}

#[tern::test]
async fn take_limits_buffered_reads_too() {
    let mut take = BufReader::new(&b"line one\nline two\n"[..]).take(6);
    assert_eq!(take.fill_buf().await.unwrap(), b"line o");
    take.consume(100); // an oversized consume cannot reset the limit
    assert_eq!(take.limit(), 0);
    assert_eq!(take.fill_buf().await.unwrap(), b"");
    take.set_limit(50);
    let mut rest = String::new();
    take.read_line(&mut rest).await.unwrap();
    assert_eq!(rest, "ne\n");
}

#[tern::test]
async fn chain_reads_first_then_second() {
    let first: &[u8] = b"abc";
    let second: &[u8] = b"def";
    let mut chain = first.chain(second);
    let mut buf = [0u8; 10];
    // A read never spans the two readers.
    let n = chain.read(&mut buf).await.unwrap();
    assert_eq!(&buf[..n], b"abc");
    let n = chain.read(&mut buf).await.unwrap();
    assert_eq!(&buf[..n], b"def");
    assert_eq!(chain.read(&mut buf).await.unwrap(), 0, "EOF once both ended");
    let (a, b) = chain.into_inner();
    assert!(a.is_empty() && b.is_empty());

    let mut all = String::new();
    (&b"one "[..]).chain(&b""[..]).chain(&b"two"[..]).read_to_string(&mut all).await.unwrap();
    assert_eq!(all, "one two");
}

#[tern::test]
async fn chain_is_buffered_when_both_are() {
    let mut lines = (&b"first\nsecond "[..]).chain(&b"half\nthird"[..]).lines();
    assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("first"));
    assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("second half"));
    assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("third"));
    assert_eq!(lines.next_line().await.unwrap(), None);
}

#[tern::test]
async fn cursor_seek_rewind_and_stream_position() {
    let mut cursor = Cursor::new(b"0123456789".to_vec());
    assert_eq!(cursor.seek(SeekFrom::Start(3)).await.unwrap(), 3);
    assert_eq!(cursor.read_u8().await.unwrap(), b'3');
    assert_eq!(cursor.stream_position().await.unwrap(), 4);
    assert_eq!(cursor.seek(SeekFrom::Current(-2)).await.unwrap(), 2);
    assert_eq!(cursor.seek(SeekFrom::End(-1)).await.unwrap(), 9);
    assert_eq!(cursor.read_u8().await.unwrap(), b'9');
    assert_eq!(cursor.rewind().await.unwrap(), 0);
    assert_eq!(cursor.read_u16().await.unwrap(), u16::from_be_bytes(*b"01"));
    let err = cursor.seek(SeekFrom::Current(-10)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "seeking before the start");
    // Past the end reads as EOF.
    assert_eq!(cursor.seek(SeekFrom::Start(50)).await.unwrap(), 50);
    assert_eq!(cursor.read(&mut [0u8; 4]).await.unwrap(), 0);
}

#[tern::test]
async fn buf_reader_seek_accounts_for_and_discards_the_buffer() {
    let data: Vec<u8> = (0..100u8).collect();
    let mut reader = BufReader::with_capacity(16, Cursor::new(data));

    assert_eq!(reader.read_u8().await.unwrap(), 0);
    // The inner cursor is 16 bytes in; the logical position is 1.
    assert_eq!(reader.get_ref().position(), 16);
    assert_eq!(reader.buffer().len(), 15);
    assert_eq!(reader.stream_position().await.unwrap(), 1);
    assert!(reader.buffer().is_empty(), "seeking discards the buffer");
    assert_eq!(reader.get_ref().position(), 1);

    // SeekFrom::Current is relative to the logical position.
    assert_eq!(reader.read_u8().await.unwrap(), 1);
    assert_eq!(reader.seek(SeekFrom::Current(5)).await.unwrap(), 7);
    assert_eq!(reader.read_u8().await.unwrap(), 7);
    assert_eq!(reader.seek(SeekFrom::Current(-3)).await.unwrap(), 5);
    assert_eq!(reader.read_u8().await.unwrap(), 5);

    // Start and End ignore the buffer; stale buffered bytes are not returned.
    assert_eq!(reader.seek(SeekFrom::End(-2)).await.unwrap(), 98);
    let mut rest = Vec::new();
    reader.read_to_end(&mut rest).await.unwrap();
    assert_eq!(rest, [98, 99]);
    assert_eq!(reader.rewind().await.unwrap(), 0);
    assert_eq!(reader.read_u32().await.unwrap(), u32::from_be_bytes([0, 1, 2, 3]));
    assert_eq!(reader.get_ref().position(), 16);

    // An offset that overflows once the buffered bytes are subtracted is
    // done in two seeks; the second failing leaves the inner reader at the
    // logical position, with the buffer dropped.
    let err = reader.seek(SeekFrom::Current(i64::MIN)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(reader.buffer().is_empty());
    assert_eq!(reader.into_inner().position(), 4);
}
