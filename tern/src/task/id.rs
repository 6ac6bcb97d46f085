//! Task identifiers.

use std::fmt;
use std::num::NonZeroU64;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// An opaque ID that uniquely identifies a task relative to all other
/// currently running tasks.
///
/// IDs are unique among tasks alive at the same time; an ID is never handed
/// out twice by one process. Like Tokio's, they carry no meaning beyond
/// identity: do not rely on their order or values.
///
/// # Examples
///
/// ```
/// # tern::runtime::Runtime::new().unwrap().block_on(async {
/// let handle = tern::spawn(async { tern::task::id() });
/// let id = handle.id();
/// assert_eq!(handle.await.unwrap(), id);
/// # });
/// ```
#[derive(Clone, Copy, Debug, Hash, Eq, PartialEq, Ord, PartialOrd)]
pub struct Id(pub(crate) NonZeroU64);

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Ids are taken from a global counter in blocks, so that spawning does not
/// contend on one cache line across threads.
const BLOCK: u64 = crate::loom::if_loom!(1024, 2);

/// Not a loom atomic: ids are not part of any modelled protocol.
static NEXT_BLOCK: AtomicU64 = AtomicU64::new(1);

impl Id {
    pub(crate) fn next() -> Id {
        crate::runtime::context::next_task_id(|| {
            let start = NEXT_BLOCK.fetch_add(BLOCK, Relaxed);
            (start, start + BLOCK)
        })
    }
}
