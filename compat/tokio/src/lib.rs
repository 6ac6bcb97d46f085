//! tern under Tokio's name.
//!
//! This crate is a thin re-export of [tern](https://example.invalid/tern):
//! every public item, module and macro of tern at the same path, so that
//! crates written against `tokio` 1.x (and their dependents) compile and run
//! on tern through one `[patch.crates-io]` line. `#[tokio::main]` and
//! `#[tokio::test]` find the runtime under this crate's name (`::tokio`),
//! and the declarative macros (`select!`, `join!`, ...) reach tern through
//! `$crate`.
//!
//! ```
//! #[tokio::main(flavor = "current_thread")]
//! async fn main() {
//!     let v = tokio::spawn(async { 1 + 1 }).await.unwrap();
//!     assert_eq!(v, 2);
//! }
//! ```

#![no_std]

pub use tern::*;
