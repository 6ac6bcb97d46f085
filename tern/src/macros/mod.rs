//! Declarative macros of the public API, and the hidden items their
//! expansions name.
//!
//! Every path an expansion uses goes through `$crate::__private` (see
//! `support.rs`), so the macros work unchanged when tern is depended on
//! under another name (`tokio = { package = "tern", ... }`).
//!
//! `select!`, `join!` and `try_join!` need the `macros` feature, as in
//! Tokio (`select!` also needs the `tern-macros` helpers).

mod pin;

// `join!` and `try_join!` are declarative only, and tern itself uses them
// (`process::Child::wait_with_output`), so they exist without the `macros`
// feature too (Tokio gates them; having them is harmless). `select!` needs
// the proc macros of `tern-macros`.
mod join;
#[cfg(feature = "macros")]
mod select;
mod try_join;

pub mod support;
