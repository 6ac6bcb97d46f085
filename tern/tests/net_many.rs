//! 10,000 concurrent TCP connections, each echoing data the client checks
//! byte for byte.
//!
//! The server runs in a child process (this test binary, re-run on the
//! ignored `echo_server_child` test), so each process holds 10,000
//! sockets and stays inside a 20,000-descriptor limit.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use tern::io::{AsyncReadExt, AsyncWriteExt};
use tern::net::{TcpListener, TcpStream};

const CONNECTIONS: usize = 10_000;
const BYTES_PER_CONNECTION: usize = 3_000;

/// The echo server, run by the parent test in a child process: prints its
/// port, then serves until its standard input closes.
#[test]
#[ignore = "run by ten_thousand_concurrent_connections_echo_every_byte in a child process"]
fn echo_server_child() {
    if std::env::var_os("TERN_NET_MANY_CHILD").is_none() {
        return;
    }
    let rt = tern::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        println!("PORT {}", listener.local_addr().unwrap().port());
        std::io::stdout().flush().unwrap();
        // 1 KiB per connection: 10,000 of them in this process.
        tern::spawn(support::tcp::serve_echo(listener, 1024));
        // Serve until the parent closes our stdin.
        let stdin = tern::task::spawn_blocking(|| {
            let mut sink = String::new();
            while std::io::stdin().read_line(&mut sink).map(|n| n > 0).unwrap_or(false) {}
        });
        stdin.await.unwrap();
    });
}

fn payload(conn: usize) -> Vec<u8> {
    (0..BYTES_PER_CONNECTION).map(|i| (conn.wrapping_mul(31) ^ i.wrapping_mul(7)) as u8).collect()
}

#[test]
fn ten_thousand_concurrent_connections_echo_every_byte() {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["echo_server_child", "--exact", "--ignored", "--nocapture", "--test-threads=1"])
        .env("TERN_NET_MANY_CHILD", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let port: u16 = loop {
        let line = lines.next().expect("child exited before printing its port").unwrap();
        // libtest prints "test echo_server_child ... " before our line.
        if let Some(at) = line.find("PORT ") {
            break line[at + 5..].trim().parse().unwrap();
        }
    };
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));

    let rt = tern::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let echoed = rt.block_on(async move {
        // Phase 1: open every connection (in waves, to stay within the
        // listen backlog) and keep them all open. Each connection pings
        // once, so a wave ends only when the server has accepted all of it:
        // `connect` alone completes at the handshake, and a server slowed
        // down by a loaded machine would otherwise let the accept queue
        // overflow (the kernel then resets connections).
        let mut streams = Vec::with_capacity(CONNECTIONS);
        for wave in 0..CONNECTIONS / 500 {
            let connects: Vec<_> = (0..500)
                .map(|_| {
                    tern::spawn(async move {
                        let mut stream = TcpStream::connect(addr).await.unwrap();
                        stream.write_all(b"p").await.unwrap();
                        let mut pong = [0u8; 1];
                        stream.read_exact(&mut pong).await.unwrap();
                        assert_eq!(&pong, b"p");
                        stream
                    })
                })
                .collect();
            for c in connects {
                streams.push(c.await.unwrap());
            }
            assert_eq!(streams.len(), (wave + 1) * 500);
        }
        // Phase 2: all 10,000 at once, each writing in chunks while a
        // second task reads back and checks every byte.
        let tasks: Vec<_> = streams
            .into_iter()
            .enumerate()
            .map(|(conn, stream)| {
                tern::spawn(async move {
                    let data = payload(conn);
                    let (mut r, mut w) = stream.into_split();
                    let expected = data.clone();
                    let reader = tern::spawn(async move {
                        let mut got = vec![0u8; expected.len()];
                        r.read_exact(&mut got).await.unwrap();
                        assert!(got == expected, "connection {conn}: echoed bytes differ");
                        let mut rest = Vec::new();
                        r.read_to_end(&mut rest).await.unwrap();
                        assert!(rest.is_empty(), "connection {conn}: extra bytes");
                        got.len()
                    });
                    for chunk in data.chunks(700) {
                        w.write_all(chunk).await.unwrap();
                    }
                    w.shutdown().await.unwrap();
                    reader.await.unwrap()
                })
            })
            .collect();
        let mut total = 0;
        for t in tasks {
            total += t.await.unwrap();
        }
        total
    });
    assert_eq!(echoed, CONNECTIONS * BYTES_PER_CONNECTION, "no byte lost");
    drop(child.stdin.take());
    assert!(child.wait().unwrap().success());
}
