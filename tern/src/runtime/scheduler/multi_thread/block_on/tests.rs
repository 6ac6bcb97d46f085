//! The `block_on` thread polling I/O, on a real multi-thread runtime.

use crate::net::{TcpListener, TcpStream, UdpSocket};
use crate::runtime::{scheduler, Builder, Runtime};
use std::sync::atomic::Ordering::SeqCst;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn rt() -> Runtime {
    Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

fn sched() -> Arc<crate::runtime::scheduler::multi_thread::Handle> {
    match crate::runtime::Handle::current().inner {
        scheduler::Handle::MultiThread(h) => h,
        scheduler::Handle::CurrentThread(_) => unreachable!("multi-thread runtime"),
    }
}

/// Waits until the `block_on` thread is inside a driver turn (`IN_TURN`),
/// so that a datagram sent now is dispatched by that thread; `false` if it
/// has not gone into the driver within `limit` (the worker kept it).
fn until_in_turn(h: &crate::runtime::scheduler::multi_thread::Handle, limit: Duration) -> bool {
    let start = Instant::now();
    while h.block_on_io.state.load(SeqCst) & super::IN_TURN == 0 {
        if start.elapsed() > limit {
            return false;
        }
        std::thread::yield_now();
    }
    true
}

/// Bounces datagrams through this thread until it has parked in the
/// I/O driver itself (it does once it finds the driver free while the
/// workers are parked; a worker parked in it keeps it until woken).
async fn until_block_on_drives() {
    let h = sched();
    let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let to = b.local_addr().unwrap();
    let mut buf = [0u8; 8];
    for pretended in 0..1_000 {
        if h.block_on_io.turns() > pretended && h.block_on_io.is_claimed() {
            return;
        }
        // Wake the worker parked in the driver; it sees a claim and
        // stands by without the driver. Our `recv` then parks, finds
        // the driver free and every worker parked, and polls I/O.
        h.block_on_io.pretend_claim();
        h.drivers.unpark_io();
        let in_turn = h.clone();
        let sender = std::thread::spawn(move || {
            // Sent once our `recv` parks in the driver; this round is a
            // miss if the worker kept the driver (the loop tries again).
            until_in_turn(&in_turn, Duration::from_millis(20));
            let s = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
            s.send_to(b"ping", to).unwrap();
        });
        assert_eq!(b.recv(&mut buf).await.unwrap(), 4);
        sender.join().unwrap();
    }
    panic!("the block_on thread never polled I/O");
}

/// Spawns a task that echoes one 5-byte message on one connection.
async fn spawn_echo_server() -> (std::net::SocketAddr, crate::task::JoinHandle<()>) {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    let server = crate::spawn(async move {
        use crate::io::{AsyncReadExt, AsyncWriteExt};
        let (mut s, _) = l.accept().await.unwrap();
        let mut buf = [0u8; 5];
        s.read_exact(&mut buf).await.unwrap();
        s.write_all(&buf).await.unwrap();
    });
    (addr, server)
}

async fn echo_once() -> Vec<u8> {
    let (addr, server) = spawn_echo_server().await;
    let client = crate::spawn(async move {
        use crate::io::{AsyncReadExt, AsyncWriteExt};
        let mut c = TcpStream::connect(addr).await.unwrap();
        c.write_all(b"hello").await.unwrap();
        let mut buf = vec![0u8; 5];
        c.read_exact(&mut buf).await.unwrap();
        buf
    });
    server.await.unwrap();
    client.await.unwrap()
}

#[test]
fn tasks_get_their_io_while_block_on_polls_it() {
    rt().block_on(async {
        until_block_on_drives().await;
        assert_eq!(echo_once().await, b"hello");
    });
}

#[test]
fn a_synchronous_wait_inside_block_on_does_not_stop_task_io() {
    rt().block_on(async {
        until_block_on_drives().await;
        let (tx, rx) = std::sync::mpsc::channel();
        crate::spawn(async move { tx.send(echo_once().await).unwrap() });
        // Blocks this thread, which holds the claim on I/O: the
        // standing-by worker must revoke it and poll I/O itself.
        let echoed = rx.recv_timeout(Duration::from_secs(30)).expect("task I/O stalled behind block_on");
        assert_eq!(echoed, b"hello");
        assert!(!sched().block_on_io.is_claimed(), "revoked");
    });
}

#[test]
fn timers_fire_while_block_on_polls_io() {
    rt().block_on(async {
        until_block_on_drives().await;
        let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let to = a.local_addr().unwrap();
        crate::spawn(async move {
            crate::time::sleep(Duration::from_millis(20)).await;
            let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            b.send_to(b"late", to).await.unwrap();
        });
        let mut buf = [0u8; 8];
        assert_eq!(a.recv(&mut buf).await.unwrap(), 4);
    });
}

#[test]
fn io_goes_on_after_block_on_returns() {
    let rt = rt();
    let (addr, server) = rt.block_on(async {
        until_block_on_drives().await;
        spawn_echo_server().await
    });
    assert!(!sched_of(&rt).block_on_io.is_claimed(), "released on return");
    // Only the workers poll I/O now; the main thread drives nothing.
    use std::io::{Read, Write};
    let mut c = std::net::TcpStream::connect(addr).unwrap();
    c.write_all(b"hello").unwrap();
    let mut buf = [0u8; 5];
    c.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"hello");
    rt.block_on(server).unwrap();
}

#[test]
fn a_panic_in_block_on_releases_the_claim() {
    let rt = rt();
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rt.block_on(async {
            until_block_on_drives().await;
            panic!("boom");
        })
    }));
    assert!(r.is_err());
    assert!(!sched_of(&rt).block_on_io.is_claimed());
    assert_eq!(rt.block_on(async { crate::spawn(echo_once()).await.unwrap() }), b"hello");
}

#[test]
fn a_waker_panicking_in_a_block_on_turn_does_not_lose_the_driver() {
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    struct Boom(AtomicUsize);
    impl std::task::Wake for Boom {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, SeqCst);
            panic!("waker panics (expected in this test)");
        }
    }
    let rt = rt();
    let boom = Arc::new(Boom(AtomicUsize::new(0)));
    let b = boom.clone();
    rt.block_on(async move {
        until_block_on_drives().await;
        let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let to = a.local_addr().unwrap();
        let waker = std::task::Waker::from(b.clone());
        let mut buf = [0u8; 8];
        let mut buf = crate::io::ReadBuf::new(&mut buf);
        let mut cx = std::task::Context::from_waker(&waker);
        assert!(a.poll_recv_from(&mut cx, &mut buf).is_pending());
        let h = sched();
        std::thread::spawn(move || {
            // Sent once this thread parks in the driver (it does while it
            // sleeps below), so that it most often dispatches it.
            until_in_turn(&h, Duration::from_secs(1));
            let s = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
            s.send_to(b"x", to).unwrap();
        });
        // Whichever thread dispatches the datagram (most often this one,
        // parked in the driver) calls `Boom`; the panic is contained
        // there (`runtime::driver::wake`) instead of unwinding.
        for _ in 0..10_000 {
            if b.0.load(SeqCst) > 0 {
                break;
            }
            crate::time::sleep(Duration::from_millis(1)).await;
        }
        drop(a);
    });
    assert_eq!(boom.0.load(SeqCst), 1, "the driver called the panicking waker");
    assert!(!sched_of(&rt).block_on_io.is_claimed());
    // The driver is where it belongs: I/O goes on.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let echoed = rt.block_on(async { crate::spawn(echo_once()).await.unwrap() });
        let _ = tx.send(echoed);
    });
    let echoed = rx.recv_timeout(Duration::from_secs(30)).expect("I/O stopped after the panic");
    assert_eq!(echoed, b"hello");
}

fn sched_of(rt: &Runtime) -> Arc<crate::runtime::scheduler::multi_thread::Handle> {
    let _g = rt.enter();
    sched()
}

/// A `block_on` future that keeps waking itself (a loop of yields) while
/// the workers are parked, one of them in the I/O driver: every
/// `SELF_WAKES_PER_TURN` polls the loop parks once, already woken, and
/// that park does not ask the worker out of the driver for a turn that
/// only polls (the worker polls I/O there anyway). Before, each such park
/// cost a handover request (the worker woken through its eventfd) and a
/// non-blocking turn: 161 counted for 10,000 yields.
#[test]
fn a_self_waking_block_on_future_leaves_the_driver_to_the_worker() {
    let rt = rt();
    let h = sched_of(&rt);
    // Let the workers start and park (one of them in the driver).
    rt.block_on(async { crate::spawn(async {}).await.unwrap() });
    std::thread::sleep(Duration::from_millis(50));
    let before = h.block_on_io.turns();
    rt.block_on(async {
        for _ in 0..10_000 {
            crate::task::yield_now().await;
        }
    });
    let turns = h.block_on_io.turns() - before;
    assert!(turns <= 20, "{turns} driver turns and handovers for 10,000 self-wakes");
}
