//! `spawn_blocking`: running blocking closures off the scheduler threads.
//!
//! For now each closure gets a plain thread of its own (named like the
//! runtime's threads, with the `on_thread_start`/`on_thread_stop` hooks);
//! a pool that reuses idle threads replaces this in the blocking-pool issue.
//! The spawner counts running threads so that shutting the runtime down can
//! wait for them (`Runtime` drop waits without limit, `shutdown_timeout` at
//! most the given time, `shutdown_background` not at all), as Tokio does.

use crate::loom::sync::{Condvar, Mutex};
use crate::runtime::{context, scheduler, Callback, ThreadNameFn};
use crate::task::{self, Id, JoinHandle, Notified, Schedule, Task};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

#[derive(Clone)]
pub(crate) struct BlockingSpawner {
    inner: Arc<Inner>,
}

struct Inner {
    state: Mutex<State>,
    /// Signalled when `running` drops to zero.
    idle: Condvar,
    thread_name: ThreadNameFn,
    stack_size: Option<usize>,
    after_start: Option<Callback>,
    before_stop: Option<Callback>,
}

struct State {
    running: usize,
    shutdown: bool,
}

impl BlockingSpawner {
    pub(crate) fn new(
        thread_name: ThreadNameFn,
        stack_size: Option<usize>,
        after_start: Option<Callback>,
        before_stop: Option<Callback>,
    ) -> BlockingSpawner {
        BlockingSpawner {
            inner: Arc::new(Inner {
                state: Mutex::new(State { running: 0, shutdown: false }),
                idle: Condvar::new(),
                thread_name,
                stack_size,
                after_start,
                before_stop,
            }),
        }
    }

    pub(crate) fn spawn_blocking<F, R>(&self, rt: &scheduler::Handle, func: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let (notified, join) =
            task::new_unowned_task(BlockingTask { func: Some(func) }, BlockingSchedule, Id::next());
        {
            let mut state = self.inner.state.lock();
            if state.shutdown {
                drop(state);
                // The runtime is shutting down: the closure never runs.
                notified.into_task().shutdown();
                return join;
            }
            state.running += 1;
        }
        let inner = self.inner.clone();
        let rt = rt.clone();
        let mut builder = std::thread::Builder::new().name((self.inner.thread_name)());
        if let Some(size) = self.inner.stack_size {
            builder = builder.stack_size(size);
        }
        let spawned = builder.spawn(move || {
            let _current = context::set_current(rt);
            if let Some(f) = &inner.after_start {
                f();
            }
            notified.run();
            if let Some(f) = &inner.before_stop {
                f();
            }
            inner.finished();
        });
        if let Err(e) = spawned {
            self.inner.finished();
            panic!("OS can't spawn worker thread: {e} (tern: a thread for `spawn_blocking`)");
        }
        join
    }

    /// Blocking closures running now (a paused clock does not auto-advance
    /// while any runs).
    pub(crate) fn running(&self) -> usize {
        self.inner.state.lock().running
    }

    /// Refuses new blocking tasks and waits (up to `timeout`, `None` for
    /// no limit) for the running ones. Returns whether they all finished.
    pub(crate) fn shutdown(&self, timeout: Option<Duration>) -> bool {
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut state = self.inner.state.lock();
        state.shutdown = true;
        while state.running > 0 {
            match deadline {
                None => state = self.inner.idle.wait(state),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return false;
                    }
                    state = self.inner.idle.wait_timeout(state, deadline - now);
                }
            }
        }
        true
    }
}

impl Inner {
    fn finished(&self) {
        let mut state = self.state.lock();
        state.running -= 1;
        if state.running == 0 {
            self.idle.notify_all();
        }
    }
}

/// Runs a blocking closure as a task (so it has a `JoinHandle`, an id, and
/// panic capture like any other).
struct BlockingTask<F> {
    func: Option<F>,
}

impl<F> Unpin for BlockingTask<F> {}

impl<F: FnOnce() -> R, R> Future for BlockingTask<F> {
    type Output = R;

    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<R> {
        let func = self.func.take().expect("blocking task polled after it ran");
        Poll::Ready(func())
    }
}

/// Blocking tasks are polled once, by their thread, and never queued: a
/// blocking task never returns `Pending`, and `abort` never submits one
/// (it is notified from birth until it runs).
struct BlockingSchedule;

impl Schedule for BlockingSchedule {
    fn release(&self, _task: &Task<Self>) -> Option<Task<Self>> {
        None
    }

    fn schedule(&self, task: Notified<Self>) {
        debug_assert!(false, "a blocking task was scheduled");
        drop(task);
    }
}

/// Runs the provided closure on a thread where blocking is acceptable.
///
/// In general, issuing a blocking call or performing a lot of compute in a
/// future without yielding is problematic, as it may prevent the executor
/// from driving other futures forward. This function runs the provided
/// closure on a thread dedicated to blocking operations and returns a
/// [`JoinHandle`] to await its result.
///
/// The closure cannot be cancelled once it has started running: `abort` on
/// its handle only prevents it from starting. When the runtime is dropped
/// it waits for running blocking closures to finish (use
/// [`Runtime::shutdown_timeout`](crate::runtime::Runtime::shutdown_timeout)
/// to bound that wait).
///
/// # Panics
///
/// Panics if called outside of a tern runtime.
///
/// # Examples
///
/// ```
/// # tern::runtime::Runtime::new().unwrap().block_on(async {
/// let sum = tern::task::spawn_blocking(|| (1..=100u32).sum::<u32>()).await.unwrap();
/// assert_eq!(sum, 5050);
/// # });
/// ```
#[track_caller]
pub fn spawn_blocking<F, R>(f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    match context::with_current(|handle| handle.spawn_blocking(f)) {
        Ok(join) => join,
        Err(e) => panic!("{}", e.panic_message("tern::task::spawn_blocking")),
    }
}
