//! Synchronization primitives for use in asynchronous contexts, as in
//! `tokio::sync`.

pub mod mpsc;
