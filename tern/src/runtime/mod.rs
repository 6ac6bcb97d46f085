//! The tern runtime: a scheduler for tasks (current-thread or multi-thread),
//! a pool for blocking work, and the I/O and time drivers (`driver.rs`:
//! `Drivers`, the one layer every scheduler turns and parks them through).
//!
//! Most programs use `#[tern::main]`; to build a runtime by hand use
//! [`Runtime::new`] or a [`Builder`].
//!
//! ```
//! use tern::runtime::Runtime;
//!
//! let rt = Runtime::new().unwrap();
//! let answer = rt.block_on(async {
//!     tern::spawn(async { 6 * 7 }).await.unwrap()
//! });
//! assert_eq!(answer, 42);
//! ```

pub(crate) mod blocking;
mod builder;
pub(crate) mod context;
pub(crate) mod driver;
mod handle;
mod id;
pub(crate) mod local;
pub(crate) mod messages;
pub(crate) mod metrics;
pub(crate) mod park;
pub(crate) mod rng;
mod rt;
pub(crate) mod scheduler;

pub use builder::Builder;
pub use handle::{EnterGuard, Handle, TryCurrentError};
pub use id::Id;
pub use local::{LocalOptions, LocalRuntime};
pub use metrics::RuntimeMetrics;
pub use rng::RngSeed;
pub use rt::{is_rt_shutdown_err, Runtime, RuntimeFlavor};

/// Returns the index of the current worker thread, if called from a
/// runtime worker thread.
///
/// The index is 0-based and matches the worker indices of
/// [`RuntimeMetrics`] methods such as
/// [`worker_park_count`](RuntimeMetrics::worker_park_count).
///
/// Returns `None` when called from outside a runtime worker thread (for
/// example from a blocking thread or a thread that is not the runtime's).
/// On the multi-thread runtime the thread that calls [`Runtime::block_on`]
/// is not a worker thread, so this also returns `None` there.
///
/// On the current-thread runtime this returns `Some(0)` on the thread that
/// currently drives the scheduler. If several threads call
/// [`Runtime::block_on`] at once, those that do not drive it get `None`,
/// and so does [`Handle::block_on`], which never drives it. A
/// [`LocalRuntime`] is only driven from its owning thread, so inside its
/// `block_on` this is always `Some(0)`.
///
/// The result may change across `.await` points: the scheduler may move
/// the task to another worker.
///
/// # Examples
///
/// ```
/// #[tern::main(flavor = "multi_thread", worker_threads = 4)]
/// async fn main() {
///     let index = tern::spawn(async {
///         tern::runtime::worker_index()
///     }).await.unwrap();
///     println!("Task ran on worker {:?}", index);
/// }
/// ```
pub fn worker_index() -> Option<usize> {
    context::worker_index()
}

/// A callback run on runtime threads (start, stop, park, unpark).
pub(crate) type Callback = std::sync::Arc<dyn Fn() + Send + Sync>;

/// Names the runtime's threads.
pub(crate) type ThreadNameFn = std::sync::Arc<dyn Fn() -> String + Send + Sync + 'static>;
