//! The current-thread runtime's fairness: the coop budget, `yield_now`,
//! `unconstrained`, and how many I/O events a tick takes.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Context, Waker};
use tern::runtime::{Builder, Handle, Runtime};

fn rt() -> Runtime {
    Builder::new_current_thread().build().unwrap()
}

#[test]
fn coop_budget_makes_a_busy_task_yield() {
    // A task awaiting always-ready JoinHandles in a loop must still let
    // another task run: it yields once its budget is spent.
    let rt = rt();
    rt.block_on(async {
        let ran = Arc::new(AtomicBool::new(false));
        let r = ran.clone();
        let done: Vec<_> = (0..1000).map(|_| tern::spawn(async {})).collect();
        tern::task::yield_now().await; // all of them complete
        let busy = tern::spawn(async move {
            let mut saw_other = false;
            for h in done {
                h.await.unwrap();
                saw_other |= r.load(SeqCst);
            }
            saw_other
        });
        tern::spawn(async move { ran.store(true, SeqCst) });
        assert!(busy.await.unwrap(), "the other task ran while the busy one joined 1000 handles");
    });
}

#[test]
fn unconstrained_never_yields_for_budget() {
    let rt = rt();
    rt.block_on(async {
        let ran = Arc::new(AtomicBool::new(false));
        let r = ran.clone();
        let busy = tern::spawn(tern::task::unconstrained(async move {
            for _ in 0..1000 {
                tern::task::consume_budget().await;
            }
            r.load(SeqCst)
        }));
        tern::spawn(async move { ran.store(true, SeqCst) });
        assert!(!busy.await.unwrap(), "no other task ran in between");
    });
}

#[test]
fn yield_now_lets_every_ready_task_run_first() {
    let rt = rt();
    rt.block_on(async {
        let order = Arc::new(Mutex::new(Vec::new()));
        let o = order.clone();
        let a = tern::spawn(async move {
            o.lock().unwrap().push("a1");
            tern::task::yield_now().await;
            o.lock().unwrap().push("a2");
        });
        let o = order.clone();
        let b = tern::spawn(async move { o.lock().unwrap().push("b") });
        let o = order.clone();
        let c = Handle::current().spawn(async move { o.lock().unwrap().push("c") });
        a.await.unwrap();
        b.await.unwrap();
        c.await.unwrap();
        assert_eq!(*order.lock().unwrap(), ["a1", "b", "c", "a2"]);
    });
}

#[test]
#[should_panic(expected = "max_io_events_per_tick must be non-zero")]
fn zero_io_events_per_tick_panics() {
    Builder::new_current_thread().max_io_events_per_tick(0);
}

#[test]
#[should_panic(expected = "max_io_events_per_busy_tick must be non-zero")]
fn zero_io_events_per_busy_tick_panics() {
    Builder::new_current_thread().max_io_events_per_busy_tick(0);
}

/// With tasks always runnable, every I/O poll is a busy one and takes a
/// single event; readiness beyond it stays in the kernel for later polls,
/// so all traffic still gets through.
#[test]
fn a_busy_runtime_taking_one_event_per_poll_still_sees_every_event() {
    use tern::io::{AsyncReadExt, AsyncWriteExt};
    let rt = Builder::new_current_thread()
        .max_io_events_per_tick(4)
        .max_io_events_per_busy_tick(1)
        .enable_all()
        .build()
        .unwrap();
    for _ in 0..4 {
        rt.spawn(async {
            loop {
                tern::task::yield_now().await;
            }
        });
    }
    rt.block_on(async {
        let listener = tern::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tern::spawn(async move {
            loop {
                let (mut s, _) = listener.accept().await.unwrap();
                tern::spawn(async move {
                    let mut buf = [0u8; 4];
                    while s.read_exact(&mut buf).await.is_ok() {
                        s.write_all(&buf).await.unwrap();
                    }
                });
            }
        });
        let clients: Vec<_> = (0..8)
            .map(|_| {
                tern::spawn(async move {
                    let mut s = tern::net::TcpStream::connect(addr).await.unwrap();
                    for _ in 0..8 {
                        s.write_all(b"ping").await.unwrap();
                        s.read_exact(&mut [0u8; 4]).await.unwrap();
                    }
                })
            })
            .collect();
        for c in clients {
            c.await.unwrap();
        }
    });
}

/// A yielding task is woken only after the scheduler has polled its
/// drivers, so a loop of yields waiting for a socket sees the event within
/// a round or two (not after `event_interval` ticks), both from a task and
/// from the `block_on` future.
#[test]
fn a_yield_lets_the_io_driver_run_before_the_task_resumes() {
    let rt = Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        for in_task in [true, false] {
            let listener = tern::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let accepted = Arc::new(AtomicBool::new(false));
            let flag = accepted.clone();
            tern::spawn(async move {
                listener.accept().await.unwrap();
                flag.store(true, SeqCst);
            });
            tern::task::yield_now().await; // the accept waits now
            let _client = std::net::TcpStream::connect(addr).unwrap();
            let wait = async move {
                let mut yields = 0;
                while !accepted.load(SeqCst) {
                    tern::task::yield_now().await;
                    yields += 1;
                }
                yields
            };
            let yields = if in_task { tern::spawn(wait).await.unwrap() } else { wait.await };
            assert!(yields <= 3, "in_task {in_task}: {yields} yields before the accept ran");
        }
    });
}

/// A task out of coop budget yields the same way: the other task, which
/// yields in a loop, runs about once per budget, not once per tick.
#[test]
fn running_out_of_budget_defers_like_a_yield() {
    let rt = Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let spins = Arc::new(AtomicUsize::new(0));
        let counter = spins.clone();
        tern::task::yield_now().await;
        tern::spawn(async move {
            loop {
                counter.fetch_add(1, SeqCst);
                tern::task::yield_now().await;
            }
        });
        for _ in 0..1024 {
            tern::task::coop::consume_budget().await;
        }
        let spins = spins.load(SeqCst);
        assert!((4..=16).contains(&spins), "the spinner ran {spins} times for 8 budgets");
    });
}

/// A yield made by the `on_thread_park` hook itself (its waker deferred)
/// is woken instead of parking forever.
#[test]
fn a_yield_in_the_park_hook_is_not_lost() {
    use std::future::Future;
    struct Flag(tern::sync::Notify);
    impl std::task::Wake for Flag {
        fn wake(self: Arc<Self>) {
            self.0.notify_one();
        }
    }
    let flag = Arc::new(Flag(tern::sync::Notify::new()));
    let waker = Waker::from(flag.clone());
    let once = AtomicBool::new(false);
    let rt = Builder::new_current_thread()
        .enable_all()
        .on_thread_park(move || {
            if !once.swap(true, SeqCst) {
                let yielded = std::pin::pin!(tern::task::yield_now());
                let _ = yielded.poll(&mut Context::from_waker(&waker));
            }
        })
        .build()
        .unwrap();
    rt.block_on(flag.0.notified());
}
