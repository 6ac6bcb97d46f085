//! `Notify`: wakes one task (storing a permit if none waits) or every
//! waiting task.
//!
//! # State
//!
//! `state` holds `generation << 2 | S`, where `generation` counts
//! `notify_waiters` calls and `S` is:
//!
//! | `S`        | meaning                                                     |
//! |------------|-------------------------------------------------------------|
//! | `EMPTY`    | no permit, no waiter of the current generation              |
//! | `WAITING`  | at least one waiter of the current generation is queued     |
//! | `NOTIFIED` | a permit is stored (no waiter of the current generation)    |
//!
//! | transition            | by                      | lock | note                              |
//! |-----------------------|-------------------------|------|-----------------------------------|
//! | EMPTY → NOTIFIED      | `notify_one`            | no   | at most one permit                |
//! | NOTIFIED → EMPTY      | first poll of `Notified`| no   | consumes the permit               |
//! | EMPTY → WAITING       | first poll of `Notified`| yes  | links the waiter                  |
//! | WAITING → EMPTY       | `notify_one`, drop      | yes  | last current waiter unlinked      |
//! | generation + 1, WAITING → EMPTY | `notify_waiters` | yes | every queued waiter is now old |
//!
//! Each waiter records the generation it was created in. The queue is in
//! creation-of-link order, so older generations form a prefix: the waiters
//! `notify_waiters` still has to wake (in batches, dropping the lock between
//! them; each batch wakes the waiters older than the state's generation as
//! it is then, whichever call made them old). `notify_one` and
//! `notify_last` only pick waiters of the current generation. A waiter
//! also sees `notify_waiters` without being linked: its generation
//! differs from the state's.
//!
//! A notified waiter learns of it from its `notification`, which it reads
//! without the lock and after which it may drop its node at once: a
//! notifier unlinks the node and takes its waker first, and stores the
//! notification last (`unlink_notified`).

use super::waitlist::{Links, List, Node, WakeList};
use crate::loom::cell::UnsafeCell;
use crate::loom::sync::atomic::{AtomicUsize, Ordering::*};
use crate::loom::sync::Mutex;
use std::ptr::NonNull;
use std::sync::Arc;
use std::task::Waker;

mod notified;

pub use notified::{Notified, OwnedNotified};

const EMPTY: usize = 0;
const WAITING: usize = 1;
const NOTIFIED: usize = 2;
const STATE_MASK: usize = 3;
const GEN_SHIFT: usize = 2;

fn get_state(s: usize) -> usize {
    s & STATE_MASK
}

fn set_state(s: usize, to: usize) -> usize {
    (s & !STATE_MASK) | to
}

fn generation(s: usize) -> usize {
    s >> GEN_SHIFT
}

/// How a waiter was notified (its `notification`).
const NONE: usize = 0;
const ONE: usize = 1;
const LAST: usize = 2;
const ALL: usize = 3;

/// Which waiter `notify_one`/`notify_last` picks.
#[derive(Clone, Copy)]
enum Strategy {
    Fifo,
    Lifo,
}

/// Notifies a single task to wake up.
///
/// `Notify` provides a basic mechanism to notify a single task of an event.
/// `Notify` itself does not carry any data. Instead, it is to be used to
/// signal another task to perform an operation.
///
/// A `Notify` can be thought of as a [`Semaphore`] starting with 0 permits.
/// The [`notified().await`] method waits for a permit to become available,
/// and [`notify_one()`] sets a permit **if there currently are no available
/// permits**.
///
/// The synchronization details of `Notify` are similar to
/// [`thread::park`][park] and [`Thread::unpark`][unpark] from std. A
/// [`Notify`] value contains a single permit. [`notified().await`] waits for
/// the permit to be made available, consumes the permit, and resumes.
/// [`notify_one()`] sets the permit, waking a pending task if there is one.
///
/// If `notify_one()` is called **before** `notified().await`, then the next
/// call to `notified().await` will complete immediately, consuming the
/// permit. Any subsequent calls to `notified().await` will wait for a new
/// permit.
///
/// If `notify_one()` is called **multiple** times before
/// `notified().await`, only a **single** permit is stored. The next call to
/// `notified().await` will complete immediately, but the one after will
/// wait.
///
/// [`notify_waiters()`] wakes every task that waits, and every `Notified`
/// future created before the call, even one not yet polled; it stores no
/// permit.
///
/// # Examples
///
/// Basic usage.
///
/// ```
/// use tern::sync::Notify;
/// use std::sync::Arc;
///
/// #[tern::main]
/// async fn main() {
///     let notify = Arc::new(Notify::new());
///     let notify2 = notify.clone();
///
///     let handle = tern::spawn(async move {
///         notify2.notified().await;
///         println!("received notification");
///     });
///
///     println!("sending notification");
///     notify.notify_one();
///
///     // Wait for task to receive notification.
///     handle.await.unwrap();
/// }
/// ```
///
/// [park]: std::thread::park
/// [unpark]: std::thread::Thread::unpark
/// [`notified().await`]: Notify::notified()
/// [`notify_one()`]: Notify::notify_one()
/// [`notify_waiters()`]: Notify::notify_waiters()
/// [`Semaphore`]: crate::sync::Semaphore
pub struct Notify {
    state: AtomicUsize,
    waiters: Mutex<List<Waiter>>,
}

/// A `Notified` future's node in the wait queue.
pub(super) struct Waiter {
    links: Links<Waiter>,
    /// `NONE` until a notifier unlinks the node (under the lock).
    notification: AtomicUsize,
    /// Guarded by the waiters lock.
    waker: UnsafeCell<Option<Waker>>,
    /// The generation (`notify_waiters` count) the future was created in.
    generation: usize,
}

// SAFETY: the cells are only touched under the waiters lock; the rest is
// atomic or immutable.
unsafe impl Send for Waiter {}
// SAFETY: as above.
unsafe impl Sync for Waiter {}

// SAFETY: `links` returns the node's own `links` field.
unsafe impl Node for Waiter {
    unsafe fn links(this: NonNull<Self>) -> NonNull<Links<Self>> {
        // SAFETY: `this` is live (caller's contract).
        unsafe { NonNull::new_unchecked(std::ptr::addr_of_mut!((*this.as_ptr()).links)) }
    }
}

impl Waiter {
    fn new(generation: usize) -> Waiter {
        Waiter {
            links: Links::new(),
            notification: AtomicUsize::new(NONE),
            waker: UnsafeCell::new(None),
            generation,
        }
    }
}

/// # Safety
///
/// `node` is linked in a list whose lock the caller holds.
unsafe fn generation_of(node: NonNull<Waiter>) -> usize {
    // SAFETY: a linked node is live; `generation` is immutable.
    unsafe { (*node.as_ptr()).generation }
}

/// Whether `list` holds a waiter of generation `gen` (they are a suffix).
fn has_current(list: &List<Waiter>, gen: usize) -> bool {
    // SAFETY: `&List` is only reachable through the held lock.
    list.back().is_some_and(|n| unsafe { generation_of(n) } == gen)
}

/// Unlinks `node` and marks it notified with `how`; returns its waker.
///
/// The mark is published last: its owner reads it without the lock and may
/// then drop the node at once, so nothing here touches the node after it.
///
/// # Safety
///
/// `node` is linked in `list`, whose lock the caller holds.
unsafe fn unlink_notified(list: &mut List<Waiter>, node: NonNull<Waiter>, how: usize) -> Option<Waker> {
    // SAFETY: per the contract; the lock gives access to the waker cell.
    unsafe {
        list.remove(node);
        let waiter = &*node.as_ptr();
        let waker = waiter.waker.with_mut(|w| (*w).take());
        waiter.notification.store(how, Release);
        waker
    }
}

/// Gives one notification: to a current waiter if one is queued (returning
/// its waker), else as the stored permit.
fn notify_locked(
    list: &mut List<Waiter>,
    state: &AtomicUsize,
    mut curr: usize,
    strategy: Strategy,
) -> Option<Waker> {
    loop {
        if get_state(curr) != WAITING {
            match state.compare_exchange(curr, set_state(curr, NOTIFIED), SeqCst, SeqCst) {
                Ok(_) => return None,
                Err(actual) => {
                    curr = actual;
                    continue;
                }
            }
        }
        let gen = generation(curr);
        let node = match strategy {
            Strategy::Lifo => list.back(),
            Strategy::Fifo => {
                let mut node = list.front();
                // SAFETY: we hold the lock; walked nodes are linked.
                while let Some(n) = node.filter(|n| unsafe { generation_of(*n) } != gen) {
                    // SAFETY: as above.
                    node = unsafe { list.next(n) };
                }
                node
            }
        };
        let node = node.expect("a WAITING Notify has a current waiter");
        let how = match strategy {
            Strategy::Fifo => ONE,
            Strategy::Lifo => LAST,
        };
        // SAFETY: the node is linked in `list`; we hold the lock.
        let waker = unsafe { unlink_notified(list, node, how) };
        if !has_current(list, gen) {
            // No lock-free path writes a WAITING state.
            state.store(set_state(curr, EMPTY), SeqCst);
        }
        return waker;
    }
}

impl Notify {
    /// Create a new `Notify`, initialized without a permit.
    ///
    /// # Examples
    ///
    /// ```
    /// use tern::sync::Notify;
    ///
    /// let notify = Notify::new();
    /// ```
    pub fn new() -> Notify {
        Notify { state: AtomicUsize::new(0), waiters: Mutex::new(List::new()) }
    }

    /// Create a new `Notify`, initialized without a permit.
    ///
    /// When using the `tracing` unstable feature, a `Notify` created with
    /// `const_new` will not be instrumented.
    ///
    /// # Examples
    ///
    /// ```
    /// use tern::sync::Notify;
    ///
    /// static NOTIFY: Notify = Notify::const_new();
    /// ```
    #[cfg(not(tern_loom))]
    pub const fn const_new() -> Notify {
        Notify { state: AtomicUsize::new(0), waiters: Mutex::new(List::new()) }
    }

    /// Wait for a notification.
    ///
    /// Equivalent to:
    ///
    /// ```text
    /// async fn notified(&self);
    /// ```
    ///
    /// Each `Notify` value holds a single permit. If a permit is available
    /// from an earlier call to [`notify_one()`], then `notified().await` will
    /// complete immediately, consuming that permit. Otherwise,
    /// `notified().await` waits for a permit to be made available by the
    /// next call to `notify_one()`.
    ///
    /// The `Notified` future is not guaranteed to receive wakeups from calls
    /// to `notify_one()` if it has not yet been polled. See the documentation
    /// for [`Notified::enable()`] for more details.
    ///
    /// The `Notified` future is guaranteed to receive wakeups from
    /// `notify_waiters()` as soon as it has been created, even if it has not
    /// yet been polled.
    ///
    /// [`notify_one()`]: Notify::notify_one
    /// [`Notified::enable()`]: Notified::enable
    ///
    /// # Cancel safety
    ///
    /// This method uses a queue to fairly distribute notifications in the
    /// order they were requested. Cancelling a call to `notified` makes you
    /// lose your place in the queue.
    ///
    /// # Examples
    ///
    /// ```
    /// use tern::sync::Notify;
    /// use std::sync::Arc;
    ///
    /// #[tern::main]
    /// async fn main() {
    ///     let notify = Arc::new(Notify::new());
    ///     let notify2 = notify.clone();
    ///
    ///     tern::spawn(async move {
    ///         notify2.notified().await;
    ///         println!("received notification");
    ///     });
    ///
    ///     println!("sending notification");
    ///     notify.notify_one();
    /// }
    /// ```
    pub fn notified(&self) -> Notified<'_> {
        Notified::new(self, self.generation())
    }

    /// Wait for a notification with an owned `Future`.
    ///
    /// Unlike [`Self::notified`] which returns a future tied to the
    /// `Notify`'s lifetime, `notified_owned` creates a self-contained future
    /// that owns its notification state, making it safe to move between
    /// threads.
    ///
    /// See [`Self::notified`] for more details.
    ///
    /// # Cancel safety
    ///
    /// This method uses a queue to fairly distribute notifications in the
    /// order they were requested. Cancelling a call to `notified_owned` makes
    /// you lose your place in the queue.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use tern::sync::Notify;
    ///
    /// #[tern::main]
    /// async fn main() {
    ///     let notify = Arc::new(Notify::new());
    ///
    ///     for _ in 0..10 {
    ///         let notified = notify.clone().notified_owned();
    ///         tern::spawn(async move {
    ///             notified.await;
    ///             println!("received notification");
    ///         });
    ///     }
    ///
    ///     println!("sending notification");
    ///     notify.notify_waiters();
    /// }
    /// ```
    pub fn notified_owned(self: Arc<Self>) -> OwnedNotified {
        let gen = self.generation();
        OwnedNotified::new(self, gen)
    }

    fn generation(&self) -> usize {
        generation(self.state.load(SeqCst))
    }

    /// Notifies the first waiting task.
    ///
    /// If a task is currently waiting, that task is notified. Otherwise, a
    /// permit is stored in this `Notify` value and the **next** call to
    /// [`notified().await`] will complete immediately consuming the permit
    /// made available by this call to `notify_one()`.
    ///
    /// At most one permit may be stored by `Notify`. Many sequential calls to
    /// `notify_one` will result in a single permit being stored. The next
    /// call to `notified().await` will complete immediately, but the one
    /// after that will wait.
    ///
    /// [`notified().await`]: Notify::notified()
    ///
    /// # Examples
    ///
    /// ```
    /// use tern::sync::Notify;
    /// use std::sync::Arc;
    ///
    /// #[tern::main]
    /// async fn main() {
    ///     let notify = Arc::new(Notify::new());
    ///     let notify2 = notify.clone();
    ///
    ///     tern::spawn(async move {
    ///         notify2.notified().await;
    ///         println!("received notification");
    ///     });
    ///
    ///     println!("sending notification");
    ///     notify.notify_one();
    /// }
    /// ```
    pub fn notify_one(&self) {
        self.notify(Strategy::Fifo);
    }

    /// Notifies the last waiting task.
    ///
    /// This function behaves similar to `notify_one`. The only difference is
    /// that it wakes the most recently added waiter instead of the oldest
    /// waiter.
    ///
    /// Check the [`notify_one()`] documentation for more info and examples.
    ///
    /// [`notify_one()`]: Notify::notify_one
    pub fn notify_last(&self) {
        self.notify(Strategy::Lifo);
    }

    fn notify(&self, strategy: Strategy) {
        let mut curr = self.state.load(SeqCst);
        // Without a waiter, storing the permit needs no lock.
        while get_state(curr) != WAITING {
            match self.state.compare_exchange(curr, set_state(curr, NOTIFIED), SeqCst, SeqCst) {
                Ok(_) => return,
                Err(actual) => curr = actual,
            }
        }
        let mut waiters = self.waiters.lock();
        let curr = self.state.load(SeqCst);
        if let Some(waker) = notify_locked(&mut waiters, &self.state, curr, strategy) {
            drop(waiters);
            waker.wake();
        }
    }

    /// Notifies all waiting tasks.
    ///
    /// If a task is currently waiting, that task is notified. Unlike with
    /// `notify_one()`, no permit is stored to be used by the next call to
    /// `notified().await`. The purpose of this method is to notify all
    /// already registered waiters. Registering for notification is done by
    /// acquiring an instance of the `Notified` future via calling
    /// `notified()`.
    ///
    /// # Examples
    ///
    /// ```
    /// use tern::sync::Notify;
    /// use std::sync::Arc;
    ///
    /// #[tern::main]
    /// async fn main() {
    ///     let notify = Arc::new(Notify::new());
    ///     let notify2 = notify.clone();
    ///
    ///     let notified1 = notify.notified();
    ///     let notified2 = notify.notified();
    ///
    ///     let handle = tern::spawn(async move {
    ///         println!("sending notifications");
    ///         notify2.notify_waiters();
    ///     });
    ///
    ///     notified1.await;
    ///     notified2.await;
    ///     println!("received notifications");
    /// }
    /// ```
    pub fn notify_waiters(&self) {
        let mut waiters = self.waiters.lock();
        let curr = self.state.load(SeqCst);
        let inc = 1 << GEN_SHIFT;
        if get_state(curr) == WAITING {
            // No lock-free path writes a WAITING state.
            self.state.store(set_state(curr.wrapping_add(inc), EMPTY), SeqCst);
        } else {
            // `notify_one` may store a permit concurrently: add atomically.
            self.state.fetch_add(inc, SeqCst);
        }
        let mut wakers = WakeList::new();
        loop {
            // Read again after every batch: another `notify_waiters` may
            // have run while the lock was dropped, and a waiter queued
            // since then is of its generation, not of an older one (it
            // must neither be woken nor leave `WAITING` behind with no
            // waiter queued).
            let gen = generation(self.state.load(SeqCst));
            let mut done = false;
            while wakers.can_push() {
                match waiters.front() {
                    // SAFETY: we hold the lock; the front node is linked.
                    Some(node) if unsafe { generation_of(node) } != gen => {
                        // SAFETY: as above.
                        if let Some(w) = unsafe { unlink_notified(&mut waiters, node, ALL) } {
                            wakers.push(w);
                        }
                    }
                    _ => {
                        done = true;
                        break;
                    }
                }
            }
            drop(waiters);
            wakers.wake_all();
            if done {
                return;
            }
            waiters = self.waiters.lock();
        }
    }
}

impl Default for Notify {
    fn default() -> Notify {
        Notify::new()
    }
}

impl std::fmt::Debug for Notify {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notify").field("state", &self.state.load(SeqCst)).finish()
    }
}

impl std::panic::UnwindSafe for Notify {}
impl std::panic::RefUnwindSafe for Notify {}
