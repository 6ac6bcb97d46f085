//! The `io`, `time` and `macros` scenarios, compiled twice like those of
//! `scenarios.rs` (which re-exports them from its `on_tern`/`on_tokio`).

/// `time` group sizes.
pub const TIMEOUTS: usize = 100_000;
pub const SLEEPS: usize = 100_000;
pub const RESETS: usize = 1_000_000;
pub const TICKS: usize = 10_000;
pub const SELECT_RECVS: usize = 50_000;
/// `timeout_around_io`: round trips per iteration.
pub const TIMED_ROUND_TRIPS: usize = 2_000;
/// `tcp_short_connections`: connections per iteration.
pub const SHORT_CONNECTIONS: usize = 200;
/// `select_two_ready`: `select!`s per iteration.
pub const SELECTS: usize = 10_000;

/// 20,000 lines of 10 to 90 bytes, built once, for `read_lines`.
pub fn lines_text() -> &'static str {
    static TEXT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TEXT.get_or_init(|| (0..20_000).map(|i| format!("line {i:05} {}\n", "x".repeat(i % 80))).collect())
}

/// 20,000 frames of a big-endian `u32` length and 8 to 200 bytes, built
/// once, for `read_frames`.
pub fn frames_bytes() -> &'static [u8] {
    static BYTES: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    BYTES.get_or_init(|| {
        let mut v = Vec::new();
        for i in 0..20_000u32 {
            let len = 8 + i % 193;
            v.extend_from_slice(&len.to_be_bytes());
            v.extend((0..len).map(|b| b as u8));
        }
        v
    })
}

macro_rules! io_time_scenarios {
    ($name:ident, $krate:ident) => {
        pub mod $name {
            use super::*;
            use ::$krate as rt;
            use rt::runtime::Runtime;
            use std::future::Future;

            /// 10,000 `select!`s (random start) over two immediately
            /// ready futures, in `block_on`.
            pub fn select_two_ready(rt: &Runtime) {
                rt.block_on(async {
                    let mut sum = 0usize;
                    for i in 0..SELECTS {
                        sum += rt::select! {
                            a = std::future::ready(i) => a,
                            b = std::future::ready(i + 1) => b,
                        };
                    }
                    std::hint::black_box(sum);
                });
            }

            /// `read_line` over 20,000 lines from an in-memory
            /// `BufReader`, into one `String` cleared between lines (the
            /// usual loop of a line-based protocol).
            pub fn read_lines(rt: &Runtime) {
                use rt::io::AsyncBufReadExt;
                rt.block_on(async {
                    let mut reader = rt::io::BufReader::new(lines_text().as_bytes());
                    let mut line = String::new();
                    let mut total = 0;
                    loop {
                        line.clear();
                        let n = reader.read_line(&mut line).await.unwrap();
                        if n == 0 {
                            break;
                        }
                        total += line.len();
                    }
                    std::hint::black_box(total);
                });
            }

            /// Length-prefixed frames from an in-memory `BufReader`:
            /// `read_u32` then `read_exact` into one buffer (the usual loop
            /// of a binary protocol).
            pub fn read_frames(rt: &Runtime) {
                use rt::io::AsyncReadExt;
                rt.block_on(async {
                    let mut reader = rt::io::BufReader::new(frames_bytes());
                    let mut body = vec![0u8; 256];
                    let mut total = 0;
                    for _ in 0..20_000 {
                        let n = reader.read_u32().await.unwrap() as usize;
                        reader.read_exact(&mut body[..n]).await.unwrap();
                        total += n;
                    }
                    std::hint::black_box(total);
                });
            }

            /// The same frames written through a `BufWriter` (to
            /// `io::sink()`): `write_u32` then `write_all` per frame.
            pub fn write_frames(rt: &Runtime) {
                use rt::io::AsyncWriteExt;
                rt.block_on(async {
                    let mut writer = rt::io::BufWriter::new(rt::io::sink());
                    let body = [7u8; 256];
                    for i in 0..20_000u32 {
                        let len = 8 + i % 193;
                        writer.write_u32(len).await.unwrap();
                        writer.write_all(&body[..len as usize]).await.unwrap();
                    }
                    writer.flush().await.unwrap();
                });
            }

            /// The same lines through `lines()`/`next_line` (a new
            /// `String` per line, on both runtimes).
            pub fn next_lines(rt: &Runtime) {
                use rt::io::AsyncBufReadExt;
                rt.block_on(async {
                    let mut lines = rt::io::BufReader::new(lines_text().as_bytes()).lines();
                    let mut total = 0;
                    while let Some(l) = lines.next_line().await.unwrap() {
                        total += l.len();
                    }
                    std::hint::black_box(total);
                });
            }

            /// `read_line` into a new `String` per line, from a
            /// `BufReader` of 512 bytes (lines cross its refills).
            pub fn read_lines_fresh(rt: &Runtime) {
                use rt::io::AsyncBufReadExt;
                rt.block_on(async {
                    let mut reader = rt::io::BufReader::with_capacity(512, lines_text().as_bytes());
                    let mut total = 0;
                    loop {
                        let mut line = String::new();
                        if reader.read_line(&mut line).await.unwrap() == 0 {
                            break;
                        }
                        total += line.len();
                    }
                    std::hint::black_box(total);
                });
            }

            /// 100,000 `timeout`s around ready futures (Tokio's
            /// benches/time_timeout.rs): the timer is never filed.
            pub fn timeout_no_fire(rt: &Runtime) {
                rt.block_on(async {
                    for i in 0..TIMEOUTS {
                        let r = rt::time::timeout(std::time::Duration::from_secs(1), async move { i }).await;
                        std::hint::black_box(r.unwrap());
                    }
                });
            }

            /// 100,000 tasks each sleeping to a random deadline within
            /// 100 ms; all awaited.
            pub fn sleep_many(rt: &Runtime) {
                rt.block_on(async {
                    let start = rt::time::Instant::now();
                    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
                    let handles: Vec<_> = (0..SLEEPS)
                        .map(|_| {
                            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                            let at = start + std::time::Duration::from_micros((seed >> 33) % 100_000);
                            rt::spawn(async move { rt::time::sleep_until(at).await })
                        })
                        .collect();
                    for h in handles {
                        h.await.unwrap();
                    }
                });
            }

            /// One `Sleep` pushed later 1,000,000 times (an idle timeout
            /// on a busy connection).
            pub fn reset_heavy(rt: &Runtime) {
                rt.block_on(async {
                    let sleep = rt::time::sleep(std::time::Duration::from_secs(10));
                    let mut sleep = std::pin::pin!(sleep);
                    // File it once.
                    let _ = std::future::poll_fn(|cx| {
                        let _ = sleep.as_mut().poll(cx);
                        std::task::Poll::Ready(())
                    })
                    .await;
                    for _ in 0..RESETS {
                        let at = rt::time::Instant::now() + std::time::Duration::from_secs(10);
                        sleep.as_mut().reset(at);
                    }
                });
            }

            /// 10,000 ticks of an interval running behind (Burst catch-up:
            /// every tick is due at once), so the cost of a tick is measured.
            pub fn interval_ticks(rt: &Runtime) {
                rt.block_on(async {
                    let period = std::time::Duration::from_millis(1);
                    let start = rt::time::Instant::now() - period * (TICKS as u32 + 10);
                    let mut interval = rt::time::interval_at(start, period);
                    for _ in 0..TICKS {
                        std::hint::black_box(interval.tick().await);
                    }
                });
            }

            /// The usual receive loop with an idle timeout: `select!` over
            /// `recv()` and a fresh `sleep`, `SELECT_RECVS` messages from a
            /// task through a bounded channel.
            pub fn select_recv_or_sleep(rt: &Runtime) {
                rt.block_on(async {
                    let (tx, mut rx) = rt::sync::mpsc::channel::<usize>(64);
                    rt::spawn(async move {
                        for i in 0..SELECT_RECVS {
                            tx.send(i).await.unwrap();
                        }
                    });
                    let idle = std::time::Duration::from_secs(5);
                    loop {
                        rt::select! {
                            v = rx.recv() => match v {
                                Some(v) => drop(std::hint::black_box(v)),
                                None => break,
                            },
                            _ = rt::time::sleep(idle) => panic!("idle for 5 s"),
                        }
                    }
                });
            }

            /// A client's request loop with a timeout on each reply:
            /// `TIMED_ROUND_TRIPS` 64-byte round trips over a Unix socket
            /// pair to an echo task, each read under `timeout(30 s)` (the
            /// runtime parks between request and reply with a far timer
            /// filed).
            pub fn timeout_around_io(rt: &Runtime) {
                use rt::io::{AsyncReadExt, AsyncWriteExt};
                rt.block_on(async {
                    let (mut a, mut b) = rt::net::UnixStream::pair().unwrap();
                    let echo = rt::spawn(async move {
                        let mut buf = [0u8; 64];
                        while let Ok(n @ 1..) = b.read(&mut buf).await {
                            b.write_all(&buf[..n]).await.unwrap();
                        }
                    });
                    let limit = std::time::Duration::from_secs(30);
                    let mut buf = [0u8; 64];
                    for _ in 0..TIMED_ROUND_TRIPS {
                        a.write_all(&[7u8; 64]).await.unwrap();
                        rt::time::timeout(limit, a.read_exact(&mut buf)).await.unwrap().unwrap();
                    }
                    drop(a);
                    echo.await.unwrap();
                });
            }

            /// Short-lived connections, in one process: `SHORT_CONNECTIONS`
            /// times the client (in `block_on`) connects, writes 16 bytes,
            /// reads them back and closes; the server's accept loop and
            /// one task per connection run on the runtime's workers. Each
            /// connection is a burst after an idle moment (the `block_on`
            /// thread waits for the client's I/O).
            pub fn tcp_short_connections(rt: &Runtime) {
                use rt::io::{AsyncReadExt, AsyncWriteExt};
                rt.block_on(async {
                    let listener = rt::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                    let addr = listener.local_addr().unwrap();
                    let server = rt::spawn(async move {
                        for _ in 0..SHORT_CONNECTIONS {
                            let (mut s, _) = listener.accept().await.unwrap();
                            rt::spawn(async move {
                                let mut b = [0u8; 16];
                                s.read_exact(&mut b).await.unwrap();
                                s.write_all(&b).await.unwrap();
                            });
                        }
                    });
                    for i in 0..SHORT_CONNECTIONS {
                        let mut c = rt::net::TcpStream::connect(addr).await.unwrap();
                        c.write_all(&[i as u8; 16]).await.unwrap();
                        let mut b = [0u8; 16];
                        c.read_exact(&mut b).await.unwrap();
                        assert_eq!(b, [i as u8; 16]);
                    }
                    server.await.unwrap();
                });
            }

            /// Overshoots (ns) past the deadline of `n` sequential sleeps of
            /// `d` on an idle runtime.
            pub fn sleep_overshoots(rt: &Runtime, d: std::time::Duration, n: usize) -> Vec<f64> {
                rt.block_on(async {
                    let mut out = Vec::with_capacity(n);
                    for _ in 0..n {
                        let deadline = rt::time::Instant::now() + d;
                        rt::time::sleep_until(deadline).await;
                        out.push(rt::time::Instant::now().duration_since(deadline).as_nanos() as f64);
                    }
                    out
                })
            }
        }
    };
}

io_time_scenarios!(on_tern, tern);
io_time_scenarios!(on_tokio, tokio);
