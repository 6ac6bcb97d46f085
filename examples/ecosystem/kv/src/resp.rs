//! The RESP2 wire format: parsing requests, encoding replies.
//!
//! Requests are arrays of bulk strings (`*2\r\n$3\r\nGET\r\n$1\r\nk\r\n`), as
//! every Redis client and `redis-benchmark` send them, or inline commands
//! (`GET k\r\n`) as typed into `nc`.

use bytes::{BufMut, Bytes, BytesMut};

/// Largest bulk string or array accepted (larger ones are a protocol error).
const MAX_LEN: usize = 512 * 1024 * 1024;

/// A malformed request; the connection answers `-ERR Protocol error` and closes.
#[derive(Debug, PartialEq, Eq)]
pub struct ProtocolError(pub &'static str);

/// Parses one request from the front of `buf`, removing it.
/// `Ok(None)` means more bytes are needed.
pub fn parse(buf: &mut BytesMut) -> Result<Option<Vec<Bytes>>, ProtocolError> {
    if buf.is_empty() {
        return Ok(None);
    }
    if buf[0] != b'*' {
        return parse_inline(buf);
    }
    let mut pos = 0;
    let Some(n) = read_len(buf, &mut pos, b'*')? else { return Ok(None) };
    let mut spans = Vec::with_capacity(n);
    for _ in 0..n {
        let Some(len) = read_len(buf, &mut pos, b'$')? else { return Ok(None) };
        if buf.len() < pos + len + 2 {
            return Ok(None);
        }
        if &buf[pos + len..pos + len + 2] != b"\r\n" {
            return Err(ProtocolError("bulk string not followed by CRLF"));
        }
        spans.push((pos, len));
        pos += len + 2;
    }
    let frame = buf.split_to(pos).freeze();
    Ok(Some(spans.into_iter().map(|(at, len)| frame.slice(at..at + len)).collect()))
}

/// Reads `<prefix><decimal>\r\n` at `*pos`.
fn read_len(buf: &[u8], pos: &mut usize, prefix: u8) -> Result<Option<usize>, ProtocolError> {
    let Some(&first) = buf.get(*pos) else { return Ok(None) };
    if first != prefix {
        return Err(ProtocolError("expected '$' or '*'"));
    }
    let Some(end) = buf[*pos..].windows(2).position(|w| w == b"\r\n") else {
        if buf.len() - *pos > 32 {
            return Err(ProtocolError("length line too long"));
        }
        return Ok(None);
    };
    let digits = &buf[*pos + 1..*pos + end];
    let n = std::str::from_utf8(digits)
        .ok()
        .and_then(|s| s.parse::<usize>().ok())
        .filter(|&n| n <= MAX_LEN)
        .ok_or(ProtocolError("invalid length"))?;
    *pos += end + 2;
    Ok(Some(n))
}

fn parse_inline(buf: &mut BytesMut) -> Result<Option<Vec<Bytes>>, ProtocolError> {
    let Some(end) = buf.iter().position(|&b| b == b'\n') else {
        if buf.len() > 64 * 1024 {
            return Err(ProtocolError("inline request too long"));
        }
        return Ok(None);
    };
    let line = buf.split_to(end + 1).freeze();
    let words = line
        .split(|b| b.is_ascii_whitespace())
        .filter(|w| !w.is_empty())
        .map(|w| line.slice_ref(w))
        .collect();
    Ok(Some(words))
}

/// `+OK`-style simple string.
pub fn simple(out: &mut BytesMut, s: &str) {
    out.put_u8(b'+');
    out.put_slice(s.as_bytes());
    out.put_slice(b"\r\n");
}

/// `-ERR ...` error.
pub fn error(out: &mut BytesMut, s: &str) {
    out.put_u8(b'-');
    out.put_slice(s.as_bytes());
    out.put_slice(b"\r\n");
}

/// `:n` integer.
pub fn int(out: &mut BytesMut, n: i64) {
    out.put_u8(b':');
    out.put_slice(n.to_string().as_bytes());
    out.put_slice(b"\r\n");
}

/// `$len\r\ndata` bulk string, or `$-1` (nil) for `None`.
pub fn bulk(out: &mut BytesMut, v: Option<&[u8]>) {
    match v {
        Some(v) => {
            out.put_u8(b'$');
            out.put_slice(v.len().to_string().as_bytes());
            out.put_slice(b"\r\n");
            out.put_slice(v);
            out.put_slice(b"\r\n");
        }
        None => out.put_slice(b"$-1\r\n"),
    }
}

/// `*n` array header; the `n` elements follow.
pub fn array(out: &mut BytesMut, n: usize) {
    out.put_u8(b'*');
    out.put_slice(n.to_string().as_bytes());
    out.put_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn array_request_in_pieces() {
        let full = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\nvv\r\n*1\r\n$4\r\nPING\r\n";
        for cut in 0..full.len() {
            let mut buf = BytesMut::from(&full[..cut]);
            let got = parse(&mut buf).unwrap();
            // The first request is the first 28 bytes.
            assert_eq!(got.is_some(), cut >= 28, "cut {cut}");
        }
        let mut buf = BytesMut::from(&full[..]);
        assert_eq!(parse(&mut buf).unwrap().unwrap(), vec!["SET", "k", "vv"]);
        assert_eq!(parse(&mut buf).unwrap().unwrap(), vec!["PING"]);
        assert!(buf.is_empty());
    }

    #[test]
    fn inline_and_errors() {
        let mut buf = BytesMut::from(&b"get  key\r\n"[..]);
        assert_eq!(parse(&mut buf).unwrap().unwrap(), vec!["get", "key"]);
        let mut buf = BytesMut::from(&b"*1\r\n$x\r\n"[..]);
        assert!(parse(&mut buf).is_err());
    }
}
