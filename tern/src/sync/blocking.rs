//! The blocking variants' shared helper (`blocking_recv`...).

/// Blocks the current thread on `future`, parking it while it is pending.
///
/// # Panics
///
/// Panics, with Tokio's message, if this thread drives a runtime: parking it
/// would stall every task the thread is responsible for.
#[track_caller]
pub(crate) fn block_on<F: std::future::Future>(future: F) -> F::Output {
    if crate::runtime::context::runtime_entered() {
        panic!(
            "Cannot block the current thread from within a runtime. This happens because a \
             function attempted to block the current thread while the thread is being used to \
             drive asynchronous tasks."
        );
    }
    crate::runtime::park::block_on(future)
}
