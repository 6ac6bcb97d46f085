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

/// A callback run on runtime threads (start, stop, park, unpark).
pub(crate) type Callback = std::sync::Arc<dyn Fn() + Send + Sync>;

/// Names the runtime's threads.
pub(crate) type ThreadNameFn = std::sync::Arc<dyn Fn() -> String + Send + Sync + 'static>;
