//! io utilities: copy, copy_bidirectional, BufReader and lines,
//! empty/sink/repeat.

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
