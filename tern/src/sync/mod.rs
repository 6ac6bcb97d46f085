//! Synchronization primitives for use in asynchronous contexts, as
//! `tokio::sync`.
//!
//! Channels:
//!
//! - [`oneshot`]: a single value from one producer to one consumer.
//! - [`broadcast`]: many producers, many consumers; every consumer sees
//!   every value.
//! - [`watch`]: many producers, many consumers; consumers see only the most
//!   recent value.

pub mod broadcast;
pub mod oneshot;
pub mod watch;

mod blocking;
mod waiters;
