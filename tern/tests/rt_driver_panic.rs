//! A panic on a thread that holds the drivers (a waker that panics when the
//! I/O driver or the timer wakes it, a panicking park/unpark hook) does not
//! cost the runtime its I/O or its timers, and dropping the runtime still
//! returns.
//!
//! Every scenario runs on its own thread and reports through a channel, so
//! a regression shows up as a failed `recv_timeout`, not a hung test. The
//! bounds are generous and only catch "never"; nothing asserts a duration.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::mpsc;
use std::sync::Arc;
use std::task::{Context, Wake, Waker};
use std::time::Duration;
use tern::io::{AsyncReadExt, AsyncWriteExt};
use tern::net::{TcpListener, TcpStream};
use tern::runtime::{Builder, Runtime};

/// How long a scenario may take before it counts as hung.
const BOUND: Duration = Duration::from_secs(20);

/// A waker that counts its wakes and panics on each one.
struct PanickingWaker {
    wakes: Arc<AtomicUsize>,
}

impl Wake for PanickingWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.wakes.fetch_add(1, SeqCst);
        panic!("a waker that panics when the driver wakes it");
    }
}

/// Runs `scenario` on a fresh thread; fails the test if it panics or does
/// not finish within `BOUND`.
fn bounded(name: &str, scenario: impl FnOnce() + Send + 'static) {
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name(name.to_string())
        .spawn(move || {
            scenario();
            let _ = tx.send(());
        })
        .unwrap();
    match rx.recv_timeout(BOUND) {
        Ok(()) => {}
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("{name}: the scenario panicked"),
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("{name}: the scenario hung"),
    }
}

/// A TCP echo over loopback on `rt`, then a 10 ms sleep.
async fn echo_and_sleep() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tern::spawn(async move {
        let (mut s, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 5];
        s.read_exact(&mut buf).await.unwrap();
        s.write_all(&buf).await.unwrap();
    });
    let mut client = TcpStream::connect(addr).await.unwrap();
    client.write_all(b"hello").await.unwrap();
    let mut buf = [0u8; 5];
    client.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"hello");
    server.await.unwrap();
    tern::time::sleep(Duration::from_millis(10)).await;
}

/// Registers a panicking waker with the I/O driver (readiness of a
/// connection that then receives a byte) and one with the timer (a 1 ms
/// sleep), and waits until the drivers have woken both. The resources are
/// returned so they stay registered while the rest of the test runs.
async fn arm_panicking_wakers(wakes: Arc<AtomicUsize>) -> impl Send {
    let waker = Waker::from(Arc::new(PanickingWaker { wakes: wakes.clone() }));

    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    let (server, _) = listener.accept().await.unwrap();
    // Consume any readiness assumed at accept, then wait with the
    // panicking waker.
    let mut scratch = [0u8; 8];
    while server.try_read(&mut scratch).is_ok() {}
    let mut sleep = Box::pin(tern::time::sleep(Duration::from_millis(1)));
    {
        let mut pcx = Context::from_waker(&waker);
        assert!(server.poll_read_ready(&mut pcx).is_pending(), "nothing sent yet");
        assert!(sleep.as_mut().poll(&mut pcx).is_pending());
    }

    client.write_all(b"x").await.unwrap();
    // Both wakes happen on whichever thread turns the drivers; this task
    // waits on a timer of its own meanwhile (bounded: a lost driver fails
    // the test through `bounded` rather than looping forever here).
    for _ in 0..2_000 {
        if wakes.load(SeqCst) >= 2 {
            break;
        }
        tern::time::sleep(Duration::from_millis(2)).await;
    }
    (client, server, sleep)
}

fn waker_panics_in_the_drivers(rt: Runtime) {
    let wakes = Arc::new(AtomicUsize::new(0));
    let keep = rt.block_on(arm_panicking_wakers(wakes.clone()));
    assert_eq!(wakes.load(SeqCst), 2, "both drivers woke the panicking waker");
    rt.block_on(echo_and_sleep());
    // From a spawned task too (on the multi-thread runtime: a worker).
    rt.block_on(async { tern::spawn(echo_and_sleep()).await.unwrap() });
    drop(keep);
    drop(rt);
}

#[test]
fn multi_thread_survives_a_waker_that_panics_in_the_drivers() {
    bounded("multi_thread_waker", || {
        let rt = Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        waker_panics_in_the_drivers(rt);
    });
}

#[test]
fn multi_thread_survives_a_waker_that_panics_in_a_worker_turn() {
    // The wakers are armed from a task, so a worker's park or
    // maintenance turn is the likeliest to wake them.
    bounded("multi_thread_worker_turn", || {
        let rt = Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let wakes = Arc::new(AtomicUsize::new(0));
        let w = wakes.clone();
        let keep = rt.block_on(async move { tern::spawn(arm_panicking_wakers(w)).await.unwrap() });
        assert_eq!(wakes.load(SeqCst), 2, "both drivers woke the panicking waker");
        rt.block_on(async { tern::spawn(echo_and_sleep()).await.unwrap() });
        rt.block_on(echo_and_sleep());
        drop(keep);
        drop(rt);
    });
}

#[test]
fn current_thread_survives_a_waker_that_panics_in_the_drivers() {
    bounded("current_thread_waker", || {
        let rt = Builder::new_current_thread().enable_all().build().unwrap();
        waker_panics_in_the_drivers(rt);
    });
}

/// A hook that panics on its first `n` calls.
fn panics_first(n: usize) -> impl Fn() + Send + Sync + 'static {
    let calls = AtomicUsize::new(0);
    move || {
        if calls.fetch_add(1, SeqCst) < n {
            panic!("a park hook that panics");
        }
    }
}

#[test]
fn multi_thread_survives_panicking_park_hooks() {
    bounded("multi_thread_hooks", || {
        let rt = Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .on_thread_park(panics_first(3))
            .on_thread_unpark(panics_first(3))
            .build()
            .unwrap();
        for _ in 0..3 {
            rt.block_on(async { tern::spawn(echo_and_sleep()).await.unwrap() });
        }
        drop(rt);
    });
}

#[test]
fn current_thread_survives_panicking_park_hooks() {
    bounded("current_thread_hooks", || {
        let rt = Builder::new_current_thread()
            .enable_all()
            .on_thread_park(panics_first(2))
            .on_thread_unpark(panics_first(2))
            .build()
            .unwrap();
        // As in Tokio, the hooks run on the thread in `block_on`, and their
        // panic leaves through it; the runtime stays usable.
        let mut failed = 0;
        for _ in 0..10 {
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| rt.block_on(echo_and_sleep())));
            if r.is_err() {
                failed += 1;
            } else {
                break;
            }
        }
        assert!(failed <= 4, "the hooks panic at most 4 times in all");
        rt.block_on(echo_and_sleep());
        drop(rt);
    });
}
