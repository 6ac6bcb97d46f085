//! A multi-producer, multi-consumer channel that only retains the *last* sent
//! value.
//!
//! This channel is useful for watching for changes to a value from multiple
//! points in the code base, for example, changes to configuration values.
//!
//! # Usage
//!
//! [`channel`] returns a [`Sender`] / [`Receiver`] pair. These are the producer
//! and consumer halves of the channel. The channel is created with an initial
//! value.
//!
//! Each [`Receiver`] independently tracks the last value *seen* by its caller.
//!
//! To access the **current** value stored in the channel and mark it as *seen*
//! by a given [`Receiver`], use [`Receiver::borrow_and_update()`].
//!
//! To access the current value **without** marking it as *seen*, use
//! [`Receiver::borrow()`].
//!
//! ## Change notifications
//!
//! * [`Receiver::changed()`] returns `Ok(())` on receiving a new value, and
//!   `Err(`[`RecvError`](error::RecvError)`)` if the channel has been closed
//!   __AND__ the current value is *seen*.
//! * If the current value is *unseen* when calling `changed`, it returns
//!   immediately; otherwise it sleeps until a new value is sent or every
//!   [`Sender`] is dropped. On completion it marks the new value *seen*.
//! * At creation, the initial value is considered *seen*; so is the current
//!   value for a receiver made by [`Sender::subscribe()`].
//!
//! [`Receiver::has_changed()`] checks synchronously, without marking the
//! value seen, and returns an error as soon as the channel is closed.
//!
//! # State
//!
//! One word holds `version << 1 | CLOSED`: each send adds 2 while holding
//! the value's write lock; the last sender's drop sets `CLOSED`. A receiver
//! remembers the version it saw; `changed` waits in sharded waker lists
//! (`sync/waiters.rs`) until the word moves.
//!
//! | transition                    | by                  | effect on the word  | then            |
//! |-------------------------------|---------------------|---------------------|-----------------|
//! | `send*` (modified)            | a sender            | `+2`                | wake receivers  |
//! | last `Sender` dropped         | the last sender     | `|CLOSED`           | wake receivers  |
//! | last `Receiver` dropped       | the last receiver   | (`rx` count only)   | wake `closed()` |
//!
//! # Examples
//!
//! ```
//! use tern::sync::watch;
//! use tern::time::{Duration, sleep};
//!
//! # async fn dox() -> Result<(), Box<dyn std::error::Error>> {
//! let (tx, mut rx) = watch::channel("hello");
//!
//! tern::spawn(async move {
//!     // Use the equivalent of a "do-while" loop so the initial value is
//!     // processed before awaiting the `changed()` future.
//!     loop {
//!         println!("{}! ", *rx.borrow_and_update());
//!         if rx.changed().await.is_err() {
//!             break;
//!         }
//!     }
//! });
//!
//! sleep(Duration::from_millis(100)).await;
//! tx.send("world")?;
//! # Ok(())
//! # }
//! ```

#[cfg(all(test, tern_loom))]
mod loom;
mod receiver;
mod sender;

pub use receiver::Receiver;
pub use sender::Sender;

use crate::loom::sync::atomic::{AtomicUsize, Ordering::*};
use crate::loom::sync::{Arc, RwLock, RwLockReadGuard};
use crate::sync::waiters::WaitList;
use std::fmt;
use std::ops;

/// Bit 0 of the state word: every sender is gone.
const CLOSED: usize = 1;
/// What one send adds to the state word.
const STEP: usize = 2;

pub mod error {
    //! Watch error types.

    use std::error::Error;
    use std::fmt;

    /// Error produced when sending a value fails.
    #[derive(PartialEq, Eq, Clone, Copy)]
    pub struct SendError<T>(pub T);

    impl<T> fmt::Debug for SendError<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("SendError").finish_non_exhaustive()
        }
    }

    impl<T> fmt::Display for SendError<T> {
        fn fmt(&self, fmt: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(fmt, "channel closed")
        }
    }

    impl<T> Error for SendError<T> {}

    /// Error produced when receiving a change notification.
    #[derive(Debug, Clone)]
    pub struct RecvError(pub(super) ());

    impl fmt::Display for RecvError {
        fn fmt(&self, fmt: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(fmt, "channel closed")
        }
    }

    impl Error for RecvError {}
}

/// Returns a reference to the inner value.
///
/// Outstanding borrows hold a read lock on the inner value. This means that
/// long-lived borrows could cause the producer half to block. It is recommended
/// to keep the borrow as short-lived as possible. Additionally, if you are
/// running in an environment that allows `!Send` futures, you must ensure that
/// the returned `Ref` type is never held alive across an `.await` point,
/// otherwise, it can lead to a deadlock.
///
/// The priority policy of the lock is dependent on the underlying lock
/// implementation, and this type does not guarantee that any particular policy
/// will be used. In particular, a producer which is waiting to acquire the lock
/// in `send` might or might not block concurrent calls to `borrow`.
pub struct Ref<'a, T> {
    inner: RwLockReadGuard<'a, T>,
    has_changed: bool,
}

impl<T: fmt::Debug> fmt::Debug for Ref<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ref").field("value", &*self.inner).field("has_changed", &self.has_changed).finish()
    }
}

impl<T> Ref<'_, T> {
    /// Indicates if the borrowed value is considered as _changed_ since the last
    /// time it has been marked as seen.
    ///
    /// Unlike [`Receiver::has_changed()`], this method does not fail if the
    /// channel is closed.
    ///
    /// When borrowed from the [`Sender`] this function will always return
    /// `false`.
    ///
    /// # Examples
    ///
    /// ```
    /// use tern::sync::watch;
    ///
    /// #[tern::main]
    /// async fn main() {
    ///     let (tx, mut rx) = watch::channel("hello");
    ///
    ///     tx.send("goodbye").unwrap();
    ///     // The sender does never consider the value as changed.
    ///     assert!(!tx.borrow().has_changed());
    ///
    ///     // Drop the sender immediately, just for testing purposes.
    ///     drop(tx);
    ///
    ///     // Even if the sender has already been dropped...
    ///     assert!(rx.has_changed().is_err());
    ///     // ...the modified value is still readable and detected as changed.
    ///     assert_eq!(*rx.borrow(), "goodbye");
    ///     assert!(rx.borrow().has_changed());
    ///
    ///     // Read the changed value and mark it as seen.
    ///     {
    ///         let received = rx.borrow_and_update();
    ///         assert_eq!(*received, "goodbye");
    ///         assert!(received.has_changed());
    ///         // Release the read lock when leaving this scope.
    ///     }
    ///
    ///     // Now the value has already been marked as seen and could
    ///     // never be modified again (after the sender has been dropped).
    ///     assert!(!rx.borrow().has_changed());
    /// }
    /// ```
    pub fn has_changed(&self) -> bool {
        self.has_changed
    }
}

impl<T> ops::Deref for Ref<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.inner
    }
}

struct Shared<T> {
    value: RwLock<T>,
    /// `version << 1 | CLOSED`.
    state: AtomicUsize,
    ref_count_rx: AtomicUsize,
    ref_count_tx: AtomicUsize,
    /// Receivers in `changed()`.
    notify_rx: WaitList,
    /// Senders in `closed()`.
    notify_tx: WaitList,
}

impl<T> Shared<T> {
    fn state(&self) -> usize {
        self.state.load(SeqCst)
    }

    /// Wakes every receiver in `changed()`.
    fn notify_receivers(&self) {
        self.notify_rx.wake_all();
    }
}

/// Creates a new watch channel, returning the "send" and "receive" handles.
///
/// All values sent by [`Sender`] will become visible to the [`Receiver`] handles.
/// Only the last value sent is made available to the [`Receiver`] half. All
/// intermediate values are dropped.
///
/// # Examples
///
/// The following example prints `hello! world! `.
///
/// ```
/// use tern::sync::watch;
/// use tern::time::{Duration, sleep};
///
/// # async fn dox() -> Result<(), Box<dyn std::error::Error>> {
/// let (tx, mut rx) = watch::channel("hello");
///
/// tern::spawn(async move {
///     // Use the equivalent of a "do-while" loop so the initial value is
///     // processed before awaiting the `changed()` future.
///     loop {
///         println!("{}! ", *rx.borrow_and_update());
///         if rx.changed().await.is_err() {
///             break;
///         }
///     }
/// });
///
/// sleep(Duration::from_millis(100)).await;
/// tx.send("world")?;
/// # Ok(())
/// # }
/// ```
pub fn channel<T>(init: T) -> (Sender<T>, Receiver<T>) {
    let shared = Arc::new(Shared {
        value: RwLock::new(init),
        state: AtomicUsize::new(0),
        ref_count_rx: AtomicUsize::new(1),
        ref_count_tx: AtomicUsize::new(1),
        notify_rx: WaitList::sharded(),
        notify_tx: WaitList::new(1),
    });
    let tx = Sender { shared: shared.clone() };
    let rx = Receiver { shared, version: 0 };
    (tx, rx)
}
