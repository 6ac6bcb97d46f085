//! The schedulers, and the handle that names one of them.
//!
//! `current_thread` runs every task on the thread calling `block_on`. The
//! work-stealing `multi_thread` scheduler arrives with its own issue; until
//! then every runtime uses `current_thread`.

pub(crate) mod current_thread;

use crate::runtime::blocking::BlockingSpawner;
use crate::task::{Id, JoinHandle};
use std::future::Future;
use std::sync::Arc;

/// A handle to whichever scheduler a runtime uses.
#[derive(Clone)]
pub(crate) enum Handle {
    CurrentThread(Arc<current_thread::Handle>),
}

impl Handle {
    #[inline]
    pub(crate) fn spawn<F>(self, future: F, id: Id) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        match self {
            Handle::CurrentThread(h) => current_thread::Handle::spawn(h, future, id),
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
        }
    }

    pub(crate) fn block_on<F: Future>(&self, future: F) -> F::Output {
        match self {
            Handle::CurrentThread(h) => h.block_on(future),
        }
    }

    pub(crate) fn shutdown(&self) {
        match self {
            Handle::CurrentThread(h) => h.shutdown(),
        }
    }
}
