//! Runnable examples live next to this crate: see `examples/*.rs` and the README.
