//! The schedulers, and the handle that names one of them.
//!
//! `current_thread` runs every task on the thread calling `block_on`;
//! `multi_thread` runs them on a pool of work-stealing worker threads.

pub(crate) mod current_thread;
pub(crate) mod multi_thread;
mod own_yield;

pub(crate) use own_yield::OwnYield;

use crate::runtime::blocking::BlockingSpawner;
use crate::runtime::metrics::WorkerMetrics;
use crate::runtime::RuntimeFlavor;
use crate::task::{Id, JoinHandle};
use crate::time;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// A handle to whichever scheduler a runtime uses.
#[derive(Clone)]
pub(crate) enum Handle {
    CurrentThread(Arc<current_thread::Handle>),
    MultiThread(Arc<multi_thread::Handle>),
}

impl Handle {
    #[inline]
    pub(crate) fn spawn<F>(&self, future: F, id: Id) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        match self {
            Handle::CurrentThread(h) => current_thread::Handle::spawn(h, future, id),
            Handle::MultiThread(h) => multi_thread::Handle::spawn(h, future, id),
        }
    }

    pub(crate) fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.blocking_spawner().spawn_blocking(self, f)
    }

    pub(crate) fn blocking_spawner(&self) -> &BlockingSpawner {
        match self {
            Handle::CurrentThread(h) => &h.blocking,
            Handle::MultiThread(h) => &h.blocking,
        }
    }

    pub(crate) fn time_handle(&self) -> Option<&time::driver::Handle> {
        match self {
            Handle::CurrentThread(h) => h.drivers.time(),
            Handle::MultiThread(h) => h.drivers.time(),
        }
    }

    pub(crate) fn flavor(&self) -> RuntimeFlavor {
        match self {
            Handle::CurrentThread(_) => RuntimeFlavor::CurrentThread,
            Handle::MultiThread(_) => RuntimeFlavor::MultiThread,
        }
    }

    /// Runs `future` to completion on this thread (the caller has entered
    /// the runtime).
    pub(crate) fn block_on<F: Future>(&self, future: F) -> F::Output {
        match self {
            Handle::CurrentThread(h) => h.block_on(future),
            // The workers run the tasks; this thread only waits.
            Handle::MultiThread(h) => h.block_on(future),
        }
    }

    /// Cancels every task and stops the scheduler, waiting up to `timeout`
    /// for worker threads to wind down.
    pub(crate) fn shutdown(&self, timeout: Option<Duration>) {
        match self {
            Handle::CurrentThread(h) => h.shutdown(),
            Handle::MultiThread(h) => {
                h.shutdown();
                // A worker dropping its own runtime cannot wait for itself.
                let on_own_worker = crate::runtime::context::with_worker(|cx| {
                    cx.is_some_and(|cx| std::ptr::eq(Arc::as_ptr(&cx.handle), Arc::as_ptr(h)))
                });
                if !on_own_worker {
                    h.wait_for_workers(timeout);
                }
            }
        }
        if let Some(time) = self.time_handle() {
            time.shutdown();
        }
        if let Some(io) = self.io_handle() {
            io.shutdown();
        }
    }

    /// A seed for a thread entering the runtime through `block_on`.
    pub(crate) fn next_entry_seed(&self) -> crate::runtime::rng::RngSeed {
        match self {
            Handle::CurrentThread(h) => h.seed_generator().next_seed(),
            Handle::MultiThread(h) => h.seed_generator().next_seed(),
        }
    }

    pub(crate) fn id(&self) -> crate::runtime::Id {
        match self {
            Handle::CurrentThread(h) => h.config.id,
            Handle::MultiThread(h) => h.config.id,
        }
    }

    pub(crate) fn name(&self) -> Option<&str> {
        match self {
            Handle::CurrentThread(h) => h.config.name.as_deref(),
            Handle::MultiThread(h) => h.config.name.as_deref(),
        }
    }

    // ----- metrics (`runtime::RuntimeMetrics`) -----

    pub(crate) fn num_workers(&self) -> usize {
        match self {
            Handle::CurrentThread(_) => 1,
            Handle::MultiThread(h) => h.num_workers(),
        }
    }

    pub(crate) fn num_alive_tasks(&self) -> usize {
        match self {
            Handle::CurrentThread(h) => h.num_alive_tasks(),
            Handle::MultiThread(h) => h.num_alive_tasks(),
        }
    }

    pub(crate) fn injection_queue_depth(&self) -> usize {
        match self {
            Handle::CurrentThread(h) => h.injection_queue_depth(),
            Handle::MultiThread(h) => h.injection_queue_depth(),
        }
    }

    /// Worker `index`'s counters, if there is such a worker.
    pub(crate) fn worker_metrics(&self, index: usize) -> Option<&WorkerMetrics> {
        match self {
            Handle::CurrentThread(h) => (index == 0).then(|| h.worker_metrics()),
            Handle::MultiThread(h) => h.worker_metrics(index),
        }
    }

    pub(crate) fn io_handle(&self) -> Option<&crate::io::driver::Handle> {
        match self {
            Handle::CurrentThread(h) => h.drivers.io(),
            Handle::MultiThread(h) => h.drivers.io(),
        }
    }
}
