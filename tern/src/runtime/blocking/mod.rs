//! `spawn_blocking`: running blocking closures off the scheduler threads,
//! on a pool of threads (`pool.rs`).
//!
//! A blocking closure becomes a task (so it has a `JoinHandle`, an id and
//! panic capture like any other) that no scheduler owns: the pool queues
//! its one `Notified` and a pool thread polls it once.

mod pool;

pub(crate) use pool::{BlockingSpawner, PoolConfig};

use crate::runtime::context;
use crate::task::{JoinHandle, Notified, Schedule, Task};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Runs a blocking closure as a task (so it has a `JoinHandle`, an id, and
/// panic capture like any other).
pub(super) struct BlockingTask<F> {
    pub(super) func: Option<F>,
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
pub(super) struct BlockingSchedule;

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
/// The closures run on a pool of at most
/// [`max_blocking_threads`](crate::runtime::Builder::max_blocking_threads)
/// threads (512 by default); past that they wait in a FIFO queue. A thread
/// idle for [`thread_keep_alive`](crate::runtime::Builder::thread_keep_alive)
/// (10 s by default) exits.
///
/// The closure cannot be cancelled once it has started running: `abort` on
/// its handle only prevents it from starting. When the runtime is dropped
/// it waits for the blocking closures, queued or running, to finish (use
/// [`Runtime::shutdown_timeout`](crate::runtime::Runtime::shutdown_timeout)
/// to bound that wait).
///
/// # Panics
///
/// Panics if called outside of a tern runtime.
///
/// If the OS refuses to start a thread while no pool thread is left to run
/// the closure, the closure is dropped unrun and its handle resolves to a
/// cancelled [`JoinError`](crate::task::JoinError) (Tokio panics in the
/// caller instead).
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

/// As [`spawn_blocking`], but the closure runs even if the runtime starts
/// shutting down before it does (as Tokio's file writes do); `None` once
/// the runtime has begun shutting down.
///
/// # Panics
///
/// Panics if called outside of a tern runtime.
#[track_caller]
pub(crate) fn spawn_mandatory_blocking<F, R>(f: F) -> Option<JoinHandle<R>>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    match context::with_current_ref(|handle| handle.blocking_spawner().spawn_mandatory_blocking(handle, f)) {
        Ok(join) => join,
        Err(e) => panic!("{}", e.panic_message("tern::task::spawn_blocking")),
    }
}
