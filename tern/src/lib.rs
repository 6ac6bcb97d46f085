//! tern: an asynchronous runtime for Rust with Tokio 1.x's public API.
//!
//! A program written for Tokio ports by renaming one dependency:
//!
//! ```toml
//! [dependencies]
//! tokio = { package = "tern", version = "0.1", features = ["full"] }
//! ```
//!
//! The paths, names, signatures and documented semantics follow Tokio's
//! (`tern::spawn`, `tern::task::JoinHandle`, `tern::runtime::Builder`...).
//! Where tern departs from Tokio, on purpose, the item's docs say so.
//!
//! # Example
//!
//! ```
//! let rt = tern::runtime::Runtime::new().unwrap();
//! rt.block_on(async {
//!     let handles: Vec<_> = (0..10u64).map(|i| tern::spawn(async move { i * i })).collect();
//!     let mut sum = 0;
//!     for h in handles {
//!         sum += h.await.unwrap();
//!     }
//!     assert_eq!(sum, 285);
//! });
//! ```
//!
//! See `ARCHITECTURE.md` in the repository for how the runtime is built.

#![deny(unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]
#![warn(missing_docs, missing_debug_implementations)]

pub mod fs;
pub mod io;
mod loom;
pub mod net;
pub mod process;
pub mod runtime;
pub mod signal;
/// Stream utilities live in the `tokio-stream` crate (which runs on tern
/// through the drop-in `tokio` crate); this module is empty, as Tokio's is.
///
/// `Stream` is not in `std` yet, and tern keeps Tokio's 1.x surface, where
/// streams were moved out so that the runtime's API does not depend on an
/// unstable trait.
pub mod stream {}
pub mod sync;
pub mod task;
pub mod time;

/// Tokio's hidden `macros` module: `macros::support` holds what the
/// declarative macros expand to (the same items as `__private`), at the
/// path some code written for Tokio names (`tokio::macros::support::poll_fn`).
/// Not a public API: no stability promise, may change in any release.
#[doc(hidden)]
pub mod macros;

pub use task::spawn;

#[cfg(feature = "macros")]
pub use tern_macros::{main, test};

/// Items that tern's declarative macros expand to. Not a public API: no
/// stability promise, may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use crate::macros::support::*;
}
