//! Synchronization primitives for use in asynchronous contexts, with the
//! API of `tokio::sync`.
//!
//! Tern programs tend to be organized as a set of tasks where each task
//! operates independently and may be executed on separate physical threads.
//! The synchronization primitives provided in this module permit these
//! independent tasks to communicate together.
//!
//! - [`mpsc`]: many producers, one consumer, bounded or unbounded;
//! - [`oneshot`]: a single value from one producer to one consumer;
//! - [`broadcast`]: many producers, many consumers; every consumer sees
//!   every value;
//! - [`watch`]: many producers, many consumers; consumers see only the most
//!   recent value;
//! - [`Mutex`], [`RwLock`] and [`Semaphore`]: fair (FIFO) async locks on a
//!   shared batch semaphore;
//! - [`Notify`]: wakes one or all waiting tasks;
//! - [`Barrier`]: tasks rendezvous;
//! - [`OnceCell`] and [`SetOnce`]: values set once.

pub mod broadcast;
pub mod mpsc;
pub mod oneshot;
pub mod watch;

mod padded;
mod waiters;
mod waitlist;

mod batch_semaphore;
mod blocking;
mod semaphore;
mod semaphore_permit;
pub use semaphore::{AcquireError, OwnedSemaphorePermit, Semaphore, SemaphorePermit, TryAcquireError};

mod mutex;
mod mutex_guards;
pub use mutex::{MappedMutexGuard, Mutex, MutexGuard, OwnedMappedMutexGuard, OwnedMutexGuard, TryLockError};

mod rwlock;
pub use rwlock::{
    OwnedRwLockMappedWriteGuard, OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock, RwLockMappedWriteGuard,
    RwLockReadGuard, RwLockWriteGuard,
};

mod notify;
pub use notify::{Notified, Notify, OwnedNotified};

/// Named future types returned by the synchronization primitives, at the
/// path Tokio gives them (`tokio::sync::futures::Notified`), so code can name
/// them in struct fields (tokio-util's `CancellationToken` does).
///
/// ```
/// use std::sync::Arc;
/// use tern::sync::{futures::OwnedNotified, Notify};
///
/// let notify = Arc::new(Notify::new());
/// let notified: OwnedNotified = notify.clone().notified_owned();
/// notify.notify_one();
/// tern::runtime::Runtime::new().unwrap().block_on(notified);
/// ```
pub mod futures {
    pub use super::notify::{Notified, OwnedNotified};
}

mod barrier;
pub use barrier::{Barrier, BarrierWaitResult};

mod once_cell;
pub use once_cell::{OnceCell, SetError};

mod set_once;
pub use set_once::{SetOnce, SetOnceError};

#[cfg(all(test, tern_loom))]
mod loom_locks;
#[cfg(all(test, tern_loom))]
mod loom_notify;
#[cfg(all(test, tern_loom))]
mod loom_semaphore;
