//! The fair, FIFO batch semaphore under `Semaphore`, `Mutex`, `RwLock` and
//! `OnceCell`.
//!
//! # State
//!
//! `permits` holds `available << 1 | CLOSED`. Waiters queue on an intrusive
//! FIFO behind `waiters` (a mutex); each node records how many permits it
//! still needs (`remaining`) and whether it is linked.
//!
//! | transition                   | who              | lock | effect                                          |
//! |------------------------------|------------------|------|-------------------------------------------------|
//! | fast acquire                 | `Acquire::poll`  | no   | `available -= n` if `available >= n`             |
//! | queue                        | `Acquire::poll`  | yes  | takes all `available` (partial), links the node  |
//! | grant                        | `release`        | yes  | fills the front nodes; unlinks the full ones and takes their wakers, then publishes `remaining = 0` (the owner may drop the node once it sees 0), and wakes them after the lock; the rest go back to `available` only once the queue is empty |
//! | fast release                 | `release`        | no   | `available += n`, only if `available > 0` before |
//! | out of budget after acquire  | `Acquire::poll`  | no   | the node keeps all `n` (`remaining = 0`) for the next poll, or drop releases them |
//! | cancel                       | `Acquire::drop`  | yes  | unlinks the node, releases what it was assigned  |
//! | close                        | `close`          | yes  | sets `CLOSED`, unlinks and wakes every node      |
//!
//! Invariant: while the queue is non-empty, `available` is 0. A waiter links
//! itself only after taking every available permit (under the lock), and
//! permits come back to `available` only through a grant that found the
//! queue empty, so a fast release that sees `available > 0` knows nobody
//! waits and never jumps the queue. New acquirers can therefore never
//! overtake queued ones: the semaphore is fair.

use super::waitlist::{Links, List, Node, WakeList};
use crate::loom::cell::UnsafeCell;
use crate::loom::sync::atomic::{AtomicUsize, Ordering::*};
use crate::loom::sync::{Mutex, MutexGuard};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{ready, Context, Poll, Waker};

pub(crate) struct Semaphore {
    permits: AtomicUsize,
    waiters: Mutex<Waitlist>,
}

struct Waitlist {
    queue: List<Waiter>,
    closed: bool,
}

/// Error returned from the [`Semaphore::try_acquire`] function.
///
/// [`Semaphore::try_acquire`]: crate::sync::Semaphore::try_acquire
#[derive(Debug, PartialEq, Eq)]
pub enum TryAcquireError {
    /// The semaphore has been [closed] and cannot issue new permits.
    ///
    /// [closed]: crate::sync::Semaphore::close
    Closed,
    /// The semaphore has no available permits.
    NoPermits,
}

/// Error returned from the [`Semaphore::acquire`] function.
///
/// An `acquire` operation can only fail if the semaphore has been
/// [closed].
///
/// [closed]: crate::sync::Semaphore::close
/// [`Semaphore::acquire`]: crate::sync::Semaphore::acquire
#[derive(Debug)]
pub struct AcquireError(());

impl fmt::Display for AcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("semaphore closed")
    }
}

impl std::error::Error for AcquireError {}

impl fmt::Display for TryAcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryAcquireError::Closed => f.write_str("semaphore closed"),
            TryAcquireError::NoPermits => f.write_str("no permits available"),
        }
    }
}

impl std::error::Error for TryAcquireError {}

/// A queued acquirer, inside its pinned `Acquire` future.
struct Waiter {
    links: Links<Waiter>,
    /// Permits still needed. Written under the lock; read by the owner
    /// without it (`Acquire`) to see that it was granted.
    remaining: AtomicUsize,
    /// Guarded by the waitlist lock.
    locked: UnsafeCell<WaiterLocked>,
}

struct WaiterLocked {
    waker: Option<Waker>,
    linked: bool,
}

// SAFETY: `links` and `locked` are only touched under the waitlist lock (or
// through `&mut` by the owner when it is not linked); the rest is atomic.
unsafe impl Send for Waiter {}
// SAFETY: as above: shared access never touches the cells without the lock.
unsafe impl Sync for Waiter {}

// SAFETY: `links` returns the address of the node's own `links` field.
unsafe impl Node for Waiter {
    unsafe fn links(this: NonNull<Self>) -> NonNull<Links<Self>> {
        // SAFETY: `this` is live (caller's contract); the field projection
        // stays within the allocation.
        unsafe { NonNull::new_unchecked(std::ptr::addr_of_mut!((*this.as_ptr()).links)) }
    }
}

impl Waiter {
    fn new(needed: usize) -> Waiter {
        Waiter {
            links: Links::new(),
            remaining: AtomicUsize::new(needed),
            locked: UnsafeCell::new(WaiterLocked { waker: None, linked: false }),
        }
    }

    /// # Safety
    ///
    /// The caller holds the waitlist lock the node is (or may be) linked on.
    unsafe fn with_locked<R>(node: NonNull<Waiter>, f: impl FnOnce(&mut WaiterLocked) -> R) -> R {
        // SAFETY: the lock gives exclusive access to `locked`.
        unsafe { (*node.as_ptr()).locked.with_mut(|p| f(&mut *p)) }
    }
}

/// What a poll of the slow path concluded.
#[must_use]
enum Queued {
    Acquired,
    Closed,
    Waiting,
}

impl Semaphore {
    /// The most permits a semaphore can hold.
    pub(crate) const MAX_PERMITS: usize = usize::MAX >> 3;
    const CLOSED: usize = 1;
    const SHIFT: usize = 1;

    #[track_caller]
    pub(crate) fn new(permits: usize) -> Semaphore {
        assert!(
            permits <= Self::MAX_PERMITS,
            "a semaphore may not have more than MAX_PERMITS permits ({})",
            Self::MAX_PERMITS
        );
        Semaphore {
            permits: AtomicUsize::new(permits << Self::SHIFT),
            waiters: Mutex::new(Waitlist { queue: List::new(), closed: false }),
        }
    }

    #[cfg(not(tern_loom))]
    #[track_caller]
    pub(crate) const fn const_new(permits: usize) -> Semaphore {
        assert!(permits <= Self::MAX_PERMITS);
        Semaphore {
            permits: AtomicUsize::new(permits << Self::SHIFT),
            waiters: Mutex::new(Waitlist { queue: List::new(), closed: false }),
        }
    }

    #[cfg(not(tern_loom))]
    pub(crate) const fn const_new_closed() -> Semaphore {
        Semaphore {
            permits: AtomicUsize::new(Self::CLOSED),
            waiters: Mutex::new(Waitlist { queue: List::new(), closed: true }),
        }
    }

    pub(crate) fn available_permits(&self) -> usize {
        self.permits.load(Acquire) >> Self::SHIFT
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.permits.load(Acquire) & Self::CLOSED == Self::CLOSED
    }

    pub(crate) fn try_acquire(&self, n: usize) -> Result<(), TryAcquireError> {
        assert!(
            n <= Self::MAX_PERMITS,
            "a semaphore may not have more than MAX_PERMITS permits ({})",
            Self::MAX_PERMITS
        );
        let need = n << Self::SHIFT;
        let mut curr = self.permits.load(Acquire);
        loop {
            if curr & Self::CLOSED != 0 {
                return Err(TryAcquireError::Closed);
            }
            if curr < need {
                return Err(TryAcquireError::NoPermits);
            }
            match self.permits.compare_exchange_weak(curr, curr - need, AcqRel, Acquire) {
                Ok(_) => return Ok(()),
                Err(actual) => curr = actual,
            }
        }
    }

    #[track_caller]
    pub(crate) fn acquire(&self, n: usize) -> Acquire<'_> {
        assert!(
            n <= Self::MAX_PERMITS,
            "a semaphore may not have more than MAX_PERMITS permits ({})",
            Self::MAX_PERMITS
        );
        Acquire { node: Waiter::new(n), semaphore: self, num_permits: n, queued: false }
    }

    /// Gives `n` permits back: to the queued waiters first, in order.
    pub(crate) fn release(&self, n: usize) {
        if n == 0 {
            return;
        }
        let mut curr = self.permits.load(Acquire);
        // Fast path: permits already available means nobody is queued.
        while curr >> Self::SHIFT > 0 {
            let next = self.checked_add(curr, n);
            match self.permits.compare_exchange_weak(curr, next, AcqRel, Acquire) {
                Ok(_) => return,
                Err(actual) => curr = actual,
            }
        }
        self.release_locked(n, self.waiters.lock());
    }

    #[track_caller]
    fn checked_add(&self, curr: usize, n: usize) -> usize {
        let prev = curr >> Self::SHIFT;
        assert!(
            n <= Self::MAX_PERMITS && prev + n <= Self::MAX_PERMITS,
            "number of added permits ({}) would overflow MAX_PERMITS ({})",
            n,
            Self::MAX_PERMITS
        );
        curr + (n << Self::SHIFT)
    }

    /// Assigns `rem` permits to the front of the queue, waking each waiter
    /// that is then complete; what is left goes to `available`.
    fn release_locked(&self, mut rem: usize, guard: MutexGuard<'_, Waitlist>) {
        let mut wakers = WakeList::new();
        let mut guard = Some(guard);
        while rem > 0 {
            let mut waiters = guard.take().unwrap_or_else(|| self.waiters.lock());
            let mut empty = false;
            while wakers.can_push() {
                let Some(node) = waiters.queue.front() else {
                    empty = true;
                    break;
                };
                // SAFETY: a linked node is live (its future unlinks it under
                // this lock before it goes away).
                let remaining = unsafe { &(*node.as_ptr()).remaining };
                let need = remaining.load(Relaxed);
                let give = need.min(rem);
                rem -= give;
                if need > give {
                    remaining.store(need - give, Release);
                    break; // `rem` is 0
                }
                // SAFETY: we hold the lock; the node is the front one.
                unsafe {
                    waiters.queue.remove(node);
                    Waiter::with_locked(node, |l| {
                        l.linked = false;
                        if let Some(w) = l.waker.take() {
                            wakers.push(w);
                        }
                    });
                }
                // Published last: the owner reads `remaining == 0` without
                // the lock and may then drop the node at once, so nothing
                // here touches the node after this store.
                remaining.store(0, Release);
            }
            if rem > 0 && empty {
                let curr = self.permits.load(Acquire);
                let _ = self.checked_add(curr, rem);
                self.permits.fetch_add(rem << Self::SHIFT, Release);
                rem = 0;
            }
            drop(waiters);
            wakers.wake_all();
        }
    }

    /// Removes up to `n` available permits; returns how many were removed.
    pub(crate) fn forget_permits(&self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        let mut curr = self.permits.load(Acquire);
        loop {
            let avail = curr >> Self::SHIFT;
            let new = avail.saturating_sub(n);
            let next = (new << Self::SHIFT) | (curr & Self::CLOSED);
            match self.permits.compare_exchange_weak(curr, next, AcqRel, Acquire) {
                Ok(_) => return avail.min(n),
                Err(actual) => curr = actual,
            }
        }
    }

    /// Closes the semaphore: no new permits are issued and every waiter is
    /// woken with an error.
    pub(crate) fn close(&self) {
        let mut waiters = self.waiters.lock();
        // Set under the lock, so a waiter queuing after this sees it.
        self.permits.fetch_or(Self::CLOSED, Release);
        waiters.closed = true;
        let mut wakers = WakeList::new();
        loop {
            while wakers.can_push() {
                // SAFETY: we hold the lock.
                let Some(node) = (unsafe { waiters.queue.pop_front() }) else { break };
                // SAFETY: we hold the lock; the node was linked, so is live.
                unsafe {
                    Waiter::with_locked(node, |l| {
                        l.linked = false;
                        if let Some(w) = l.waker.take() {
                            wakers.push(w);
                        }
                    })
                };
            }
            let done = wakers.can_push();
            drop(waiters);
            wakers.wake_all();
            if done {
                return;
            }
            waiters = self.waiters.lock();
        }
    }

    /// The slow path of a first poll: under the lock, take what is there
    /// and queue for the rest.
    fn queue(&self, cx: &Context<'_>, n: usize, node: NonNull<Waiter>) -> Queued {
        let mut waiters = self.waiters.lock();
        let mut curr = self.permits.load(Acquire);
        let taken = loop {
            if curr & Self::CLOSED != 0 {
                return Queued::Closed;
            }
            let avail = curr >> Self::SHIFT;
            let (next, taken) = if avail >= n { (curr - (n << Self::SHIFT), n) } else { (0, avail) };
            match self.permits.compare_exchange(curr, next, AcqRel, Acquire) {
                Ok(_) => break taken,
                Err(actual) => curr = actual,
            }
        };
        if taken == n {
            return Queued::Acquired;
        }
        // SAFETY: the node is pinned inside its future, which unlinks it
        // under this lock before it is dropped; we hold the lock.
        unsafe {
            (*node.as_ptr()).remaining.store(n - taken, Relaxed);
            Waiter::with_locked(node, |l| {
                l.waker = Some(cx.waker().clone());
                l.linked = true;
            });
            waiters.queue.push_back(node);
        }
        Queued::Waiting
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore").field("permits", &self.available_permits()).finish()
    }
}

/// The future of [`Semaphore::acquire`]. Cancel safe: dropping it while
/// queued unlinks it, and permits it was assigned pass on to the next
/// waiter.
pub(crate) struct Acquire<'a> {
    node: Waiter,
    semaphore: &'a Semaphore,
    num_permits: usize,
    /// The node is linked or holds assigned permits: drop must clean up.
    queued: bool,
}

impl Future for Acquire<'_> {
    type Output = Result<(), AcquireError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `node` is never moved out of; the other fields are Unpin.
        let this = unsafe { self.get_unchecked_mut() };
        // Queue first, then spend budget, as Tokio: a task out of budget
        // still takes its place in the FIFO (and is woken in its turn).
        ready!(this.poll_acquire(cx))?;
        match crate::task::coop::poll_proceed(cx) {
            Poll::Ready(coop) => {
                coop.made_progress();
                this.queued = false;
                Poll::Ready(Ok(()))
            }
            Poll::Pending => {
                // Out of budget with the permits in hand: keep them in the
                // node (re-poll returns them, drop releases them).
                this.node.remaining.store(0, Relaxed);
                this.queued = true;
                Poll::Pending
            }
        }
    }
}

impl Acquire<'_> {
    /// Acquires or queues, spending no budget. `Ready(Ok)` means every
    /// permit is held; `queued` is still to be cleared by the caller.
    fn poll_acquire(&mut self, cx: &Context<'_>) -> Poll<Result<(), AcquireError>> {
        let sem = self.semaphore;
        let node = NonNull::from(&self.node);
        let closed = || Poll::Ready(Err(AcquireError(())));
        if !self.queued {
            if sem.try_acquire(self.num_permits).is_ok() {
                return Poll::Ready(Ok(()));
            }
            return match sem.queue(cx, self.num_permits, node) {
                Queued::Acquired => Poll::Ready(Ok(())),
                Queued::Closed => closed(),
                Queued::Waiting => {
                    self.queued = true;
                    Poll::Pending
                }
            };
        }
        if sem.is_closed() {
            return closed();
        }
        if self.node.remaining.load(Acquire) == 0 {
            // Granted (or kept across an out-of-budget poll): the node is
            // no longer linked.
            return Poll::Ready(Ok(()));
        }
        let waiters = sem.waiters.lock();
        if waiters.closed {
            return closed();
        }
        if self.node.remaining.load(Acquire) == 0 {
            return Poll::Ready(Ok(()));
        }
        // SAFETY: we hold the lock.
        let old = unsafe {
            Waiter::with_locked(node, |l| match &l.waker {
                Some(w) if w.will_wake(cx.waker()) => None,
                _ => l.waker.replace(cx.waker().clone()),
            })
        };
        drop(waiters);
        drop(old);
        Poll::Pending
    }
}

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        if self.queued {
            self.cancel();
        }
        // Under loom, the free that follows counts as a write to the node,
        // so that a releaser's access not ordered before it is reported.
        #[cfg(tern_loom)]
        self.node.locked.with_mut(|_| ());
    }
}

impl Acquire<'_> {
    /// Drop of a queued (or granted, unreturned) acquire: unlinks the node
    /// and passes on what it was assigned.
    fn cancel(&mut self) {
        let node = NonNull::from(&self.node);
        let mut waiters = self.semaphore.waiters.lock();
        // SAFETY: we hold the lock; the node is in this semaphore's queue
        // exactly when `linked` says so.
        let waker = unsafe {
            Waiter::with_locked(node, |l| {
                if l.linked {
                    l.linked = false;
                    waiters.queue.remove(node);
                }
                l.waker.take()
            })
        };
        let assigned = self.num_permits - self.node.remaining.load(Acquire);
        if assigned > 0 {
            self.semaphore.release_locked(assigned, waiters);
        } else {
            drop(waiters);
        }
        drop(waker);
    }
}

impl fmt::Debug for Acquire<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Acquire").field("num_permits", &self.num_permits).finish()
    }
}
