//! Loom models of the task state word: wakes racing with a poll, with
//! completion, with the `JoinHandle` being dropped, and with `abort`.
//!
//! The models drive the real task code (`raw.rs`, `harness.rs`, `state.rs`,
//! `waker.rs`, `join.rs`) through a minimal scheduler whose queue is a loom
//! mutex. A lost wakeup shows up as a loom deadlock (the driver parks
//! forever), a double poll trips the `in_poll` flag, a double free or a
//! leak shows up through loom's `Arc` leak tracking (every future and output
//! holds an `Arc` clone).
//!
//! Run with `RUSTFLAGS="--cfg tern_loom" cargo test -p tern --release --lib loom`.

use crate::loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use crate::loom::sync::{Arc, Mutex};
use crate::task::{self, Id, JoinHandle, Notified, Schedule, Task};
use ::loom::future::block_on;
use ::loom::thread;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

struct MockSched {
    queue: Mutex<VecDeque<Notified<Sched>>>,
    owned: Mutex<Vec<Task<Sched>>>,
    /// Woken whenever something is queued (the "driver").
    driver: Mutex<Option<Waker>>,
}

#[derive(Clone)]
struct Sched(Arc<MockSched>);

impl Schedule for Sched {
    fn release(&self, task: &Task<Self>) -> Option<Task<Self>> {
        let mut owned = self.0.owned.lock();
        let pos = owned.iter().position(|t| t.raw() == task.raw())?;
        Some(owned.swap_remove(pos))
    }

    fn schedule(&self, task: Notified<Self>) {
        self.0.queue.lock().push_back(task);
        let driver = self.0.driver.lock().clone();
        if let Some(w) = driver {
            w.wake();
        }
    }
}

impl Sched {
    fn new() -> Sched {
        Sched(Arc::new(MockSched {
            queue: Mutex::new(VecDeque::new()),
            owned: Mutex::new(Vec::new()),
            driver: Mutex::new(None),
        }))
    }

    fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (task, notified, join) = task::new_task(future, self.clone(), Id::next());
        self.0.owned.lock().push(task);
        self.0.queue.lock().push_back(notified);
        join
    }

    /// Runs queued tasks until the queue is empty.
    fn run_all(&self) {
        loop {
            let next = self.0.queue.lock().pop_front();
            match next {
                Some(t) => t.run(),
                None => return,
            }
        }
    }

    /// Drives the queue until `join` resolves.
    fn block_on_join<T>(&self, mut join: JoinHandle<T>) -> Result<T, crate::task::JoinError> {
        block_on(std::future::poll_fn(|cx| {
            *self.0.driver.lock() = Some(cx.waker().clone());
            self.run_all();
            Pin::new(&mut join).poll(cx)
        }))
    }

    /// Cancels what is left and breaks the `Arc` cycle (tasks hold the
    /// scheduler), so loom's leak check sees only real leaks.
    fn shutdown(self) {
        loop {
            let t = self.0.owned.lock().pop();
            match t {
                Some(t) => t.shutdown(),
                None => break,
            }
        }
        self.0.queue.lock().clear();
        self.0.driver.lock().take();
    }
}

/// Pending until `flag` is set; registers its waker in `slot`. Asserts it
/// is never polled twice at once, and holds `token` (an `Arc`) so that a
/// leak or double drop of the future is caught.
struct WaitFlag {
    flag: Arc<AtomicBool>,
    slot: Arc<Mutex<Option<Waker>>>,
    in_poll: Arc<AtomicBool>,
    polls: Arc<AtomicUsize>,
    wake_self: bool,
    _token: Arc<()>,
}

impl Future for WaitFlag {
    type Output = Arc<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Arc<()>> {
        assert!(!self.in_poll.swap(true, SeqCst), "task polled concurrently");
        let first = self.polls.fetch_add(1, SeqCst) == 0;
        let ready = if self.flag.load(SeqCst) {
            true
        } else {
            *self.slot.lock() = Some(cx.waker().clone());
            if self.wake_self && first {
                cx.waker().wake_by_ref();
            }
            self.flag.load(SeqCst)
        };
        self.in_poll.store(false, SeqCst);
        if ready {
            Poll::Ready(self._token.clone())
        } else {
            Poll::Pending
        }
    }
}

struct Shared {
    flag: Arc<AtomicBool>,
    slot: Arc<Mutex<Option<Waker>>>,
    polls: Arc<AtomicUsize>,
    token: Arc<()>,
}

impl Shared {
    fn new() -> Shared {
        Shared {
            flag: Arc::new(AtomicBool::new(false)),
            slot: Arc::new(Mutex::new(None)),
            polls: Arc::new(AtomicUsize::new(0)),
            token: Arc::new(()),
        }
    }

    fn future(&self, wake_self: bool) -> WaitFlag {
        WaitFlag {
            flag: self.flag.clone(),
            slot: self.slot.clone(),
            in_poll: Arc::new(AtomicBool::new(false)),
            polls: self.polls.clone(),
            wake_self,
            _token: self.token.clone(),
        }
    }

    /// What the waking thread does: set the flag, wake whoever registered.
    fn release(flag: &AtomicBool, slot: &Mutex<Option<Waker>>) {
        flag.store(true, SeqCst);
        let waker = slot.lock().take();
        if let Some(w) = waker {
            w.wake();
        }
    }
}

fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = ::loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(3);
    }
    builder.check(f);
}

#[test]
fn loom_wake_racing_with_poll_is_never_lost() {
    model(|| {
        let sched = Sched::new();
        let shared = Shared::new();
        let join = sched.spawn(shared.future(false));
        let (flag, slot) = (shared.flag.clone(), shared.slot.clone());
        let waker = thread::spawn(move || Shared::release(&flag, &slot));
        // Deadlocks (loom reports it) if the wake is lost.
        let out = sched.block_on_join(join).unwrap();
        waker.join().unwrap();
        drop(out);
        assert!(shared.polls.load(SeqCst) <= 2);
        shared.slot.lock().take();
        sched.shutdown();
        assert_eq!(Arc::strong_count(&shared.token), 1, "future and output dropped");
    });
}

#[test]
fn loom_wake_racing_with_completion_on_another_runner() {
    model(|| {
        let sched = Sched::new();
        let shared = Shared::new();
        let join = sched.spawn(shared.future(false));
        // Poll once so the waker is registered, then race the wake (and a
        // second runner) against the main runner.
        sched.run_all();
        let (flag, slot, s2) = (shared.flag.clone(), shared.slot.clone(), sched.clone());
        let th = thread::spawn(move || {
            Shared::release(&flag, &slot);
            s2.run_all();
        });
        let out = sched.block_on_join(join).unwrap();
        th.join().unwrap();
        drop(out);
        assert_eq!(shared.polls.load(SeqCst), 2, "exactly one re-poll");
        shared.slot.lock().take();
        sched.shutdown();
        assert_eq!(Arc::strong_count(&shared.token), 1);
    });
}

#[test]
fn loom_join_handle_drop_racing_with_completion() {
    model(|| {
        let sched = Sched::new();
        let shared = Shared::new();
        shared.flag.store(true, SeqCst);
        let join = sched.spawn(shared.future(false));
        let th = thread::spawn(move || drop(join));
        sched.run_all();
        th.join().unwrap();
        sched.shutdown();
        // The output (an Arc clone) was dropped by whichever side owned it.
        assert_eq!(Arc::strong_count(&shared.token), 1);
    });
}

#[test]
fn loom_abort_racing_with_self_wake_and_poll() {
    model(|| {
        let sched = Sched::new();
        let shared = Shared::new();
        let join = sched.spawn(shared.future(true));
        let abort = join.abort_handle();
        let th = thread::spawn(move || abort.abort());
        let s2 = sched.clone();
        let res = sched.block_on_join(join);
        th.join().unwrap();
        // Never completes on its own (flag unset): it must end cancelled.
        assert!(res.unwrap_err().is_cancelled());
        shared.slot.lock().take();
        s2.shutdown();
        assert_eq!(Arc::strong_count(&shared.token), 1);
    });
}
