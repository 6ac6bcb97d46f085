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

#[cfg(feature = "macros")]
mod join;
#[cfg(feature = "macros")]
mod select;
#[cfg(feature = "macros")]
mod try_join;

pub(crate) mod support;
