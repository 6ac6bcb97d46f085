//! Blocking a thread outside any runtime on one of the sync futures
//! (`Mutex::blocking_lock`, `RwLock::blocking_read`...).

use std::future::Future;

/// Runs `f` to completion on this thread, parking while it is pending.
///
/// Panics, with Tokio's message, on a thread that drives a runtime.
#[track_caller]
pub(crate) fn block_on<F: Future>(f: F) -> F::Output {
    if crate::runtime::context::is_runtime_entered() {
        panic!(
            "Cannot block the current thread from within a runtime. This happens because a \
             function attempted to block the current thread while the thread is being used to \
             drive asynchronous tasks."
        );
    }
    crate::runtime::park::block_on(f)
}
