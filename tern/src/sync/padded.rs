//! A value on a cache line of its own.

/// Keeps what it holds on a cache line of its own, so that a field one
/// side of a channel writes on every message does not share a line with
/// what the other side reads (every access would then miss).
#[repr(align(64))]
pub(crate) struct Padded<T>(pub(crate) T);

impl<T> std::ops::Deref for Padded<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}
