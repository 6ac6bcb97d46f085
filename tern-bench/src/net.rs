//! The `net` group: echo servers compared by server CPU time per operation.
//!
//! On a 2-core machine loopback throughput is bound by the client, so each
//! server runs in a child process (`tern-bench --net-server KIND PROTO`)
//! and the row holds the child's CPU nanoseconds (its threads' on-CPU
//! time from `/proc/PID/task/*/schedstat`, the user+sys time at nanosecond
//! precision) divided by the operations the client completed. The
//! client is plain blocking threads, the same for every server.
//!
//! Server kinds: `tern` and `tokio` (multi-thread, 2 workers), `tern-ct`
//! (current-thread), and `mio` (a single-threaded mio loop: on readable,
//! read until a short read and write straight back; flush the rest on
//! writable), the floor a readiness design can reach. The single-threaded
//! servers run pinned to one CPU and their client to the others (see
//! `server_cpu`).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const CONNS_64B: usize = 50;
const ROUND_TRIPS_64B: usize = 400;
const CONNS_16K: usize = 4;
const BULK_BYTES: usize = 4 << 20;
const CONNECTS: usize = 2_000;
const UDP_CLIENTS: usize = 8;
const UDP_ROUND_TRIPS: usize = 1_000;

/// The same echo server source, compiled for each runtime crate.
macro_rules! echo_server {
    ($rt:ident, $runtime:expr, $proto:expr, $ready:expr) => {
        $runtime.block_on(async move {
            if $proto == "udp" {
                let s = $rt::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
                $ready(s.local_addr().unwrap());
                let mut buf = [0u8; 2048];
                loop {
                    let (n, peer) = s.recv_from(&mut buf).await.unwrap();
                    let _ = s.send_to(&buf[..n], peer).await;
                }
            }
            use $rt::io::{AsyncReadExt, AsyncWriteExt};
            let l = $rt::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            deepen_backlog(&l);
            $ready(l.local_addr().unwrap());
            let idle_timeout = $proto == "tcp_idle_timeout";
            loop {
                let (mut s, _) = l.accept().await.unwrap();
                let _ = s.set_nodelay(true);
                if idle_timeout {
                    // The same loop with an idle timeout on each read, as
                    // servers commonly have: a timer filed, and cancelled
                    // by the read, at every request.
                    $rt::spawn(async move {
                        let mut buf = vec![0u8; 16 * 1024];
                        loop {
                            let idle = Duration::from_secs(30);
                            match $rt::time::timeout(idle, s.read(&mut buf)).await {
                                Err(_) | Ok(Ok(0)) | Ok(Err(_)) => return,
                                Ok(Ok(n)) => {
                                    if s.write_all(&buf[..n]).await.is_err() {
                                        return;
                                    }
                                }
                            }
                        }
                    });
                    continue;
                }
                $rt::spawn(async move {
                    let mut buf = vec![0u8; 16 * 1024];
                    loop {
                        match s.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => {
                                if s.write_all(&buf[..n]).await.is_err() {
                                    return;
                                }
                            }
                        }
                    }
                });
            }
        })
    };
}

/// Raises a listener's accept backlog from mio's 1024 (what `bind` gives
/// on every runtime here) to the system maximum.
///
/// `tcp_connect_accept`'s client connects as fast as the kernel completes
/// handshakes; whenever a server fell 1024 connections behind (a
/// multi-thread server sharing the two CPUs with its client does), the
/// next SYN was dropped and the client sat out a one-second retransmit.
/// The rows then measured a server idling through stalls, and one round
/// took seconds. Linux lets `listen` be called again to change the
/// backlog; every server gets the same.
fn deepen_backlog(listener: &impl std::os::fd::AsRawFd) {
    // SAFETY: a valid listening socket; `listen` on it only resizes the
    // queue (the kernel caps it at `net.core.somaxconn`).
    let rc = unsafe { libc::listen(listener.as_raw_fd(), i32::MAX) };
    assert_eq!(rc, 0, "listen: {}", std::io::Error::last_os_error());
}

/// Child side: serve `proto` ("tcp", "tcp_idle_timeout" or "udp") on a
/// free port, print it,
/// serve until stdin closes.
pub fn server(kind: &str, proto: &str) -> ! {
    let ready = |addr: SocketAddr| {
        println!("{}", addr.port());
        std::io::stdout().flush().unwrap();
    };
    if single_threaded(kind) {
        // Before any thread starts: they all inherit it.
        if let Some(cpu) = server_cpu() {
            pin_current_thread(&[cpu]);
        }
    }
    std::thread::spawn(|| {
        let mut buf = [0u8; 1];
        let _ = std::io::stdin().read(&mut buf);
        std::process::exit(0);
    });
    match kind {
        "tern" | "tern-ct" => {
            let rt = if kind == "tern" {
                tern::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
            } else {
                tern::runtime::Builder::new_current_thread().enable_all().build().unwrap()
            };
            echo_server!(tern, rt, proto, ready)
        }
        "tokio" => {
            let rt =
                tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
            echo_server!(tokio, rt, proto, ready)
        }
        "mio" => mio_floor(proto, ready),
        other => panic!("unknown server {other}"),
    }
}

/// The least work a readiness design can do, single-threaded.
fn mio_floor(proto: &str, ready: impl Fn(SocketAddr)) -> ! {
    use mio::net::{TcpListener, UdpSocket as MioUdp};
    use mio::{Events, Interest, Poll, Token};
    use std::collections::HashMap;
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(1024);
    let mut buf = vec![0u8; 16 * 1024];
    if proto == "udp" {
        let mut s = MioUdp::bind("127.0.0.1:0".parse().unwrap()).unwrap();
        ready(s.local_addr().unwrap());
        poll.registry().register(&mut s, Token(0), Interest::READABLE).unwrap();
        loop {
            poll.poll(&mut events, None).unwrap();
            while let Ok((n, peer)) = s.recv_from(&mut buf) {
                let _ = s.send_to(&buf[..n], peer);
            }
        }
    }
    let mut listener = TcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    deepen_backlog(&listener);
    ready(listener.local_addr().unwrap());
    poll.registry().register(&mut listener, Token(0), Interest::READABLE).unwrap();
    let mut conns: HashMap<usize, (mio::net::TcpStream, Vec<u8>)> = HashMap::new();
    let mut next = 1;
    loop {
        poll.poll(&mut events, None).unwrap();
        for ev in events.iter() {
            if ev.token() == Token(0) {
                while let Ok((mut s, _)) = listener.accept() {
                    let _ = s.set_nodelay(true);
                    poll.registry()
                        .register(&mut s, Token(next), Interest::READABLE | Interest::WRITABLE)
                        .unwrap();
                    conns.insert(next, (s, Vec::new()));
                    next += 1;
                }
                continue;
            }
            let t = ev.token().0;
            let mut close = false;
            if let Some((s, pending)) = conns.get_mut(&t) {
                // Flush what was left over.
                while !pending.is_empty() {
                    match s.write(pending) {
                        Ok(n) => {
                            pending.drain(..n);
                        }
                        Err(_) => break,
                    }
                }
                loop {
                    match s.read(&mut buf) {
                        Ok(0) => {
                            close = true;
                            break;
                        }
                        Ok(n) => {
                            let mut off = 0;
                            if pending.is_empty() {
                                while off < n {
                                    match s.write(&buf[off..n]) {
                                        Ok(w) => off += w,
                                        Err(_) => break,
                                    }
                                }
                            }
                            pending.extend_from_slice(&buf[off..n]);
                            if n < buf.len() {
                                break;
                            }
                        }
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                        Err(_) => {
                            close = true;
                            break;
                        }
                    }
                }
            }
            if close {
                conns.remove(&t);
            }
        }
    }
}

/// A server child and its CPU clock.
struct ServerProc {
    child: Child,
    port: u16,
}

impl ServerProc {
    fn start(kind: &str, proto: &str) -> ServerProc {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--net-server", kind, proto])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start server");
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().unwrap()).read_line(&mut line).unwrap();
        ServerProc { port: line.trim().parse().expect("server port"), child }
    }

    /// CPU time of all the child's threads so far, in ns: the sum of the
    /// first field of `/proc/PID/task/*/schedstat` (nanosecond precision,
    /// where `/proc/PID/stat`'s user+sys ticks are 10 ms).
    fn cpu_ns(&self) -> f64 {
        let dir = format!("/proc/{}/task", self.child.id());
        let mut total = 0.0;
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            if let Ok(s) = std::fs::read_to_string(entry.path().join("schedstat")) {
                total += s.split(' ').next().and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
            }
        }
        total
    }

    fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }
}

impl Drop for ServerProc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The single-threaded servers, compared in the `*_vs_mio_floor` rows.
fn single_threaded(kind: &str) -> bool {
    matches!(kind, "mio" | "tern-ct")
}

/// Where a single-threaded server runs: the last CPU, if there are two or
/// more (the client gets the others).
///
/// Unpinned, the per-operation server CPU of one and the same server is
/// bimodal on this 2-core VM (64-byte echo, mio floor: 6.8 µs or 9.0 µs
/// per round trip, from one fresh process to the next), depending on how
/// the scheduler happens to spread the 50 client threads and the server
/// over the cores, which has nothing to do with the server's code. Pinned,
/// ten runs agree within 1%. The multi-thread servers stay unpinned: their
/// two workers need both cores.
fn server_cpu() -> Option<usize> {
    // Not `available_parallelism`: that counts the caller's affinity mask,
    // and a server child inherits its client's.
    // SAFETY: `sysconf` with a valid name has no preconditions.
    let n = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) }.max(1) as usize;
    (n >= 2).then(|| n - 1)
}

/// Restricts the calling thread (and the threads it starts from now on)
/// to `cpus`; returns the previous set, for [`restore_affinity`].
fn pin_current_thread(cpus: &[usize]) -> Option<libc::cpu_set_t> {
    // SAFETY: `cpu_set_t` is plain data; all-zero is the empty set.
    let mut old: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    for &cpu in cpus {
        // SAFETY: `cpu` is below the CPU count, within `cpu_set_t`'s size.
        unsafe { libc::CPU_SET(cpu, &mut set) };
    }
    let size = std::mem::size_of::<libc::cpu_set_t>();
    // SAFETY: valid pointers to properly sized sets; pid 0 is this thread.
    unsafe {
        if libc::sched_getaffinity(0, size, &mut old) != 0 || libc::sched_setaffinity(0, size, &set) != 0 {
            return None;
        }
    }
    Some(old)
}

fn restore_affinity(old: Option<libc::cpu_set_t>) {
    if let Some(old) = old {
        // SAFETY: a set returned by `sched_getaffinity`; pid 0 is this thread.
        unsafe { libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &old) };
    }
}

/// Runs `load` (returning operations done) against a fresh `kind` server;
/// returns server CPU ns per operation. Against a single-threaded server
/// the client threads run on the CPUs the server does not (see
/// [`server_cpu`]).
fn measure(kind: &str, proto: &str, load: fn(SocketAddr) -> usize) -> f64 {
    let pinned = match server_cpu() {
        Some(cpu) if single_threaded(kind) => pin_current_thread(&(0..cpu).collect::<Vec<_>>()),
        _ => None,
    };
    let cpu = measure_unpinned(kind, proto, load);
    restore_affinity(pinned);
    cpu
}

fn measure_unpinned(kind: &str, proto: &str, load: fn(SocketAddr) -> usize) -> f64 {
    let server = ServerProc::start(kind, proto);
    // Warm up (connection set-up, first allocations) outside the window.
    load(server.addr());
    std::thread::sleep(Duration::from_millis(20));
    let cpu0 = server.cpu_ns();
    let start = Instant::now();
    let mut ops = 0;
    while start.elapsed() < Duration::from_millis(400) {
        ops += load(server.addr());
    }
    std::thread::sleep(Duration::from_millis(20));
    (server.cpu_ns() - cpu0) / ops as f64
}

fn echo_64b(addr: SocketAddr) -> usize {
    std::thread::scope(|s| {
        for _ in 0..CONNS_64B {
            s.spawn(move || {
                let mut c = TcpStream::connect(addr).unwrap();
                c.set_nodelay(true).unwrap();
                let msg = [7u8; 64];
                let mut back = [0u8; 64];
                for _ in 0..ROUND_TRIPS_64B {
                    c.write_all(&msg).unwrap();
                    c.read_exact(&mut back).unwrap();
                }
            });
        }
    });
    CONNS_64B * ROUND_TRIPS_64B
}

fn echo_16k(addr: SocketAddr) -> usize {
    std::thread::scope(|s| {
        for _ in 0..CONNS_16K {
            s.spawn(move || {
                let mut c = TcpStream::connect(addr).unwrap();
                let mut reader = c.try_clone().unwrap();
                let t = std::thread::spawn(move || {
                    let mut buf = vec![0u8; 16 * 1024];
                    let mut got = 0;
                    while got < BULK_BYTES {
                        got += reader.read(&mut buf).unwrap();
                    }
                });
                let chunk = vec![1u8; 16 * 1024];
                for _ in 0..BULK_BYTES / chunk.len() {
                    c.write_all(&chunk).unwrap();
                }
                t.join().unwrap();
            });
        }
    });
    // One operation = one 16 KiB chunk echoed.
    CONNS_16K * BULK_BYTES / (16 * 1024)
}

fn connect_accept(addr: SocketAddr) -> usize {
    use std::os::fd::AsRawFd;
    for _ in 0..CONNECTS {
        let c = TcpStream::connect(addr).unwrap();
        // Close with RST: no TIME_WAIT, so repeated rounds cannot run the
        // client out of ephemeral ports.
        let linger = libc::linger { l_onoff: 1, l_linger: 0 };
        // SAFETY: valid fd and a properly sized option value.
        unsafe {
            libc::setsockopt(
                c.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_LINGER,
                &linger as *const _ as *const libc::c_void,
                std::mem::size_of::<libc::linger>() as libc::socklen_t,
            )
        };
        drop(c);
    }
    CONNECTS
}

fn udp_echo(addr: SocketAddr) -> usize {
    std::thread::scope(|s| {
        for _ in 0..UDP_CLIENTS {
            s.spawn(move || {
                let c = UdpSocket::bind("127.0.0.1:0").unwrap();
                c.connect(addr).unwrap();
                c.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
                let mut buf = [0u8; 64];
                for _ in 0..UDP_ROUND_TRIPS {
                    c.send(&[9u8; 64]).unwrap();
                    let _ = c.recv(&mut buf);
                }
            });
        }
    });
    UDP_CLIENTS * UDP_ROUND_TRIPS
}

pub type Load = fn(SocketAddr) -> usize;

/// The `*_vs_mio_floor` rows (`rows/time_net.rs`) take the first four by
/// index; the mio floor serves only "tcp" and "udp".
pub const SCENARIOS: [(&str, &str, Load); 5] = [
    ("tcp_echo_64b", "tcp", echo_64b),
    ("tcp_echo_16k", "tcp", echo_16k),
    ("tcp_connect_accept", "tcp", connect_accept),
    ("udp_echo", "udp", udp_echo),
    ("tcp_echo_64b_idle_timeout", "tcp_idle_timeout", echo_64b),
];

/// Server CPU ns/op for `kind` on scenario `i`.
pub fn cpu_per_op(kind: &str, i: usize) -> f64 {
    let (_, proto, load) = SCENARIOS[i];
    measure(kind, proto, load)
}

/// Runs scenario `name`'s client against `127.0.0.1:port` for `d`; prints
/// the operations done (`--net-load`, for profiling one server).
pub fn load_for(name: &str, port: u16, d: Duration) {
    let (_, _, load) = SCENARIOS.iter().find(|s| s.0 == name).expect("unknown scenario");
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let start = Instant::now();
    let mut ops = 0;
    while start.elapsed() < d {
        ops += load(addr);
    }
    println!("{ops} operations in {:.2?}", start.elapsed());
}
