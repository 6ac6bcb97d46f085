//! `runtime::Id`: an opaque identifier of a runtime.

use std::fmt;
use std::num::NonZeroU64;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// An opaque ID that uniquely identifies a runtime relative to all other
/// currently running runtimes.
///
/// # Notes
///
/// - Runtime IDs are unique relative to other *currently running* runtimes.
///   When a runtime completes, the same ID may be used for another runtime.
/// - Runtime IDs are *not* sequential, and do not indicate the order in
///   which runtimes are started or any other data.
/// - The runtime ID of the currently running task can be obtained from the
///   [`Handle`](crate::runtime::Handle).
///
/// (tern never reuses an ID within a process, which the notes above allow.)
///
/// # Examples
///
/// ```
/// use tern::runtime::Handle;
///
/// #[tern::main(flavor = "multi_thread", worker_threads = 4)]
/// async fn main() {
///     println!("Current runtime id: {}", Handle::current().id());
/// }
/// ```
#[derive(Clone, Copy, Debug, Hash, Eq, PartialEq)]
pub struct Id(NonZeroU64);

impl Id {
    /// A fresh id, distinct from every id handed out before in this
    /// process. Called once per runtime build, never on a hot path.
    pub(crate) fn next() -> Id {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let id = NEXT.fetch_add(1, Relaxed);
        Id(NonZeroU64::new(id).expect("runtime ids do not wrap around in a process's lifetime"))
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(all(test, not(tern_loom)))]
mod tests {
    use super::Id;

    #[test]
    fn ids_are_distinct_and_display_as_numbers() {
        let (a, b) = (Id::next(), Id::next());
        assert_ne!(a, b);
        assert!(a.to_string().parse::<u64>().is_ok());
    }
}
