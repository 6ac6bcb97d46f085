//! The bounded channel's capacity: a counting semaphore with a FIFO queue
//! of waiting senders.
//!
//! State word (`state`):
//!
//! | bits      | meaning                                                    |
//! |-----------|------------------------------------------------------------|
//! | `CLOSED`  | the receiver closed: acquires fail, waiters are woken       |
//! | `WAITERS` | the waiter queue is not empty (changed only under the lock) |
//! | `2..`     | free permits                                               |
//!
//! A newcomer takes permits without the lock only while `WAITERS` is clear,
//! so waiting senders are served first, in order (Tokio's fairness). A
//! release adds its permits with one `fetch_add`; if `WAITERS` was set, it
//! then takes the lock and hands the free permits to the queue, front first.
//! A waiter's `remaining` count (written under the lock) reaches 0 when it
//! is fully served; it is then already unlinked. A waiter dropped while
//! queued gives back what it was partly assigned, and one dropped after
//! being served gives back all of it, so a turn is never lost.

use crate::loom::cell::UnsafeCell;
use crate::loom::sync::atomic::{AtomicUsize, Ordering::*};
use crate::loom::sync::Mutex;
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::ptr;
use std::task::{Context, Poll, Waker};

const CLOSED: usize = 1;
const WAITERS: usize = 2;
const SHIFT: usize = 2;
const FLAGS: usize = CLOSED | WAITERS;

/// The most permits a bounded channel may have (Tokio's limit).
pub(super) const MAX_PERMITS: usize = usize::MAX >> 3;

pub(super) struct Semaphore {
    state: AtomicUsize,
    /// Head and tail of the intrusive waiter queue.
    queue: Mutex<Queue>,
    bound: usize,
}

struct Queue {
    head: *mut Waiter,
    tail: *mut Waiter,
}

// SAFETY: the raw pointers point at waiters whose owners (Acquire futures)
// unlink them under the same mutex before they go away.
unsafe impl Send for Queue {}

/// A queued acquire, inside its (pinned) future.
pub(super) struct Waiter {
    /// Permits still to be assigned; 0 means served (and unlinked).
    remaining: AtomicUsize,
    /// Fields below are accessed only under the queue lock.
    inner: UnsafeCell<WaiterInner>,
    _pin: PhantomPinned,
}

// SAFETY: `inner` (raw links and the waker) is only accessed under the
// queue lock; `remaining` is atomic.
unsafe impl Send for Waiter {}
// SAFETY: as above.
unsafe impl Sync for Waiter {}

struct WaiterInner {
    prev: *mut Waiter,
    next: *mut Waiter,
    linked: bool,
    waker: Option<Waker>,
}

/// Why an acquire did not succeed at once.
#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub(super) enum TryAcquire {
    Acquired,
    NoPermits,
    Closed,
}

impl Semaphore {
    pub(super) fn new(permits: usize) -> Semaphore {
        assert!(
            permits <= MAX_PERMITS,
            "a semaphore may not have more than MAX_PERMITS permits ({MAX_PERMITS})"
        );
        Semaphore {
            state: AtomicUsize::new(permits << SHIFT),
            queue: Mutex::new(Queue { head: ptr::null_mut(), tail: ptr::null_mut() }),
            bound: permits,
        }
    }

    pub(super) fn bound(&self) -> usize {
        self.bound
    }

    /// Permits free for a newcomer right now.
    pub(super) fn available(&self) -> usize {
        let s = self.state.load(Acquire);
        if s & WAITERS != 0 {
            0
        } else {
            s >> SHIFT
        }
    }

    pub(super) fn is_closed(&self) -> bool {
        self.state.load(Acquire) & CLOSED != 0
    }

    /// Every permit is back (no message or permit outstanding).
    pub(super) fn is_idle(&self) -> bool {
        self.state.load(Acquire) >> SHIFT == self.bound
    }

    /// Takes `n` permits without waiting.
    pub(super) fn try_acquire(&self, n: usize) -> TryAcquire {
        let mut cur = self.state.load(Acquire);
        loop {
            if cur & CLOSED != 0 {
                return TryAcquire::Closed;
            }
            if n == 0 {
                return TryAcquire::Acquired;
            }
            if cur & WAITERS != 0 || cur >> SHIFT < n {
                return TryAcquire::NoPermits;
            }
            match self.state.compare_exchange_weak(cur, cur - (n << SHIFT), AcqRel, Acquire) {
                Ok(_) => return TryAcquire::Acquired,
                Err(actual) => cur = actual,
            }
        }
    }

    /// Returns `n` permits (to the waiters first).
    #[inline]
    pub(super) fn release(&self, n: usize) {
        if n == 0 {
            return;
        }
        let prev = self.state.fetch_add(n << SHIFT, AcqRel);
        if prev & WAITERS != 0 {
            self.assign_to_waiters(self.queue.lock());
        }
    }

    /// Hands the free permits to the queue, front first, and wakes those
    /// served. Clears `WAITERS` when the queue empties.
    #[cold]
    fn assign_to_waiters(&self, mut queue: crate::loom::sync::MutexGuard<'_, Queue>) {
        // Usually one waiter is served per release: keep its waker inline
        // rather than allocate a `Vec` under the lock.
        let mut first: Option<Waker> = None;
        let mut wakers: Vec<Waker> = Vec::new();
        let mut cur = self.state.load(Acquire);
        loop {
            if cur & WAITERS == 0 {
                break; // someone else already handled it
            }
            let free = cur >> SHIFT;
            if free == 0 {
                break;
            }
            let need = queue_need(&queue, free);
            let (used, empties) = if need <= free { (need, true) } else { (free, false) };
            let left = free - used;
            let new = (left << SHIFT) | (cur & CLOSED) | if empties { 0 } else { WAITERS };
            match self.state.compare_exchange(cur, new, AcqRel, Acquire) {
                Ok(_) => {
                    let mut to_assign = used;
                    while to_assign > 0 {
                        let w_ptr = queue.head;
                        // SAFETY: as above.
                        let w = unsafe { &*w_ptr };
                        let need = w.remaining.load(Relaxed);
                        let give = need.min(to_assign);
                        to_assign -= give;
                        if give == need {
                            // SAFETY: lock held; `w_ptr` is linked at the head.
                            unsafe { unlink(&mut queue, w_ptr) };
                            // SAFETY: lock held.
                            if let Some(waker) = w.inner.with_mut(|p| unsafe { (*p).waker.take() }) {
                                match first {
                                    None => first = Some(waker),
                                    Some(_) => wakers.push(waker),
                                }
                            }
                            w.remaining.store(0, Release);
                        } else {
                            w.remaining.store(need - give, Release);
                        }
                    }
                    break;
                }
                Err(actual) => cur = actual,
            }
        }
        drop(queue);
        if let Some(w) = first {
            crate::runtime::park::note_woke_blocked_sender();
            w.wake();
        }
        for w in wakers {
            w.wake();
        }
    }

    /// Closes the semaphore and wakes every waiter (they fail).
    pub(super) fn close(&self) {
        self.state.fetch_or(CLOSED, AcqRel);
        let mut queue = self.queue.lock();
        let mut wakers = Vec::new();
        while !queue.head.is_null() {
            let w_ptr = queue.head;
            // SAFETY: lock held, `w_ptr` linked and alive.
            unsafe {
                unlink(&mut queue, w_ptr);
                if let Some(waker) = (*w_ptr).inner.with_mut(|p| (*p).waker.take()) {
                    wakers.push(waker);
                }
            }
        }
        self.state.fetch_and(!WAITERS, AcqRel);
        drop(queue);
        for w in wakers {
            w.wake();
        }
    }
}

/// Permits the queue still needs, counting no further than `cap`.
fn queue_need(queue: &Queue, cap: usize) -> usize {
    let mut total = 0usize;
    let mut cur = queue.head;
    while !cur.is_null() {
        // SAFETY: the caller holds the lock that guards the links.
        let w = unsafe { &*cur };
        total = total.saturating_add(w.remaining.load(Relaxed));
        if total > cap {
            return usize::MAX;
        }
        // SAFETY: as above.
        cur = w.inner.with(|p| unsafe { (*p).next });
    }
    total
}

/// Unlinks `w` from `queue`.
///
/// # Safety
///
/// The queue lock is held (`queue` is its guard's contents) and `w` is
/// linked in it.
unsafe fn unlink(queue: &mut Queue, w: *mut Waiter) {
    // SAFETY: per the contract all links are valid and lock-guarded.
    unsafe {
        let (prev, next) = (*w).inner.with_mut(|p| {
            let inner = &mut *p;
            inner.linked = false;
            (
                std::mem::replace(&mut inner.prev, ptr::null_mut()),
                std::mem::replace(&mut inner.next, ptr::null_mut()),
            )
        });
        if prev.is_null() {
            queue.head = next;
        } else {
            (*prev).inner.with_mut(|p| (*p).next = next);
        }
        if next.is_null() {
            queue.tail = prev;
        } else {
            (*next).inner.with_mut(|p| (*p).prev = prev);
        }
    }
}

/// The state of one acquire of `n` permits.
pub(super) struct Acquire {
    waiter: Waiter,
    n: usize,
    phase: Phase,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    Init,
    Queued,
    Done,
}

impl Acquire {
    pub(super) fn new(n: usize) -> Acquire {
        Acquire {
            waiter: Waiter {
                remaining: AtomicUsize::new(n),
                inner: UnsafeCell::new(WaiterInner {
                    prev: ptr::null_mut(),
                    next: ptr::null_mut(),
                    linked: false,
                    waker: None,
                }),
                _pin: PhantomPinned,
            },
            n,
            phase: Phase::Init,
        }
    }

    /// Polls for the permits: `Ok` once all `n` are held (the caller then
    /// owns them), `Err` if the semaphore closed.
    pub(super) fn poll(self: Pin<&mut Self>, sem: &Semaphore, cx: &mut Context<'_>) -> Poll<Result<(), ()>> {
        // SAFETY: we never move out of the pinned future; the waiter stays
        // where it is until `drop_with` unlinks it.
        let this = unsafe { self.get_unchecked_mut() };
        match this.phase {
            Phase::Done => panic!("acquire polled after completion"),
            Phase::Init => match sem.try_acquire(this.n) {
                TryAcquire::Acquired => {
                    this.phase = Phase::Done;
                    return Poll::Ready(Ok(()));
                }
                TryAcquire::Closed => {
                    this.phase = Phase::Done;
                    return Poll::Ready(Err(()));
                }
                TryAcquire::NoPermits => return this.enqueue(sem, cx),
            },
            Phase::Queued => {}
        }
        if sem.is_closed() {
            return this.fail_closed(sem);
        }
        if this.waiter.remaining.load(Acquire) == 0 {
            this.phase = Phase::Done;
            return Poll::Ready(Ok(()));
        }
        let queue = sem.queue.lock();
        if this.waiter.remaining.load(Acquire) == 0 {
            this.phase = Phase::Done;
            return Poll::Ready(Ok(()));
        }
        // SAFETY: inner fields are guarded by the lock we hold.
        let (linked, old) = this.waiter.inner.with_mut(|p| unsafe {
            let inner = &mut *p;
            let old = if inner.linked && !inner.waker.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                inner.waker.replace(cx.waker().clone())
            } else {
                None
            };
            (inner.linked, old)
        });
        drop(queue);
        // A waker's drop may run any code: not under the lock.
        drop(old);
        if linked {
            return Poll::Pending;
        }
        // Unlinked with permits still missing: the semaphore closed. Give
        // back the part already assigned.
        this.phase = Phase::Done;
        sem.release(this.n - this.waiter.remaining.load(Acquire));
        Poll::Ready(Err(()))
    }

    /// Queued, and the semaphore closed: fail, as Tokio's, even if every
    /// permit was already assigned, and give back what was.
    fn fail_closed(&mut self, sem: &Semaphore) -> Poll<Result<(), ()>> {
        let mut queue = sem.queue.lock();
        let me: *mut Waiter = &mut self.waiter;
        // SAFETY: the lock is held; `me` is linked exactly when `linked`
        // says so (`close` sets `CLOSED` before it unlinks every waiter
        // under this lock, so we may get here first).
        let waker = unsafe {
            if self.waiter.inner.with(|p| (*p).linked) {
                unlink(&mut queue, me);
                if queue.head.is_null() {
                    sem.state.fetch_and(!WAITERS, AcqRel);
                }
            }
            self.waiter.inner.with_mut(|p| (*p).waker.take())
        };
        let assigned = self.n - self.waiter.remaining.load(Acquire);
        drop(queue);
        drop(waker);
        self.phase = Phase::Done;
        sem.release(assigned);
        Poll::Ready(Err(()))
    }

    fn enqueue(&mut self, sem: &Semaphore, cx: &mut Context<'_>) -> Poll<Result<(), ()>> {
        let mut queue = sem.queue.lock();
        let mut cur = sem.state.load(Acquire);
        let taken = loop {
            if cur & CLOSED != 0 {
                self.phase = Phase::Done;
                return Poll::Ready(Err(()));
            }
            let (take, new) = if cur & WAITERS != 0 {
                (0, cur) // others are first in line
            } else {
                let take = (cur >> SHIFT).min(self.n);
                let rest = (cur >> SHIFT) - take;
                (take, (rest << SHIFT) | (cur & FLAGS) | if take < self.n { WAITERS } else { 0 })
            };
            if new == cur {
                break take;
            }
            match sem.state.compare_exchange(cur, new, AcqRel, Acquire) {
                Ok(_) => break take,
                Err(actual) => cur = actual,
            }
        };
        if taken == self.n {
            self.phase = Phase::Done;
            return Poll::Ready(Ok(()));
        }
        self.waiter.remaining.store(self.n - taken, Relaxed);
        let me: *mut Waiter = &mut self.waiter;
        // SAFETY: lock held; `me` is pinned (the future is) and stays linked
        // only while alive (`drop_with` unlinks it).
        unsafe {
            (*me).inner.with_mut(|p| {
                let inner = &mut *p;
                inner.prev = queue.tail;
                inner.next = ptr::null_mut();
                inner.linked = true;
                inner.waker = Some(cx.waker().clone());
            });
            if queue.tail.is_null() {
                queue.head = me;
            } else {
                (*queue.tail).inner.with_mut(|p| (*p).next = me);
            }
            queue.tail = me;
        }
        self.phase = Phase::Queued;
        drop(queue);
        Poll::Pending
    }

    /// Called by the owner's `Drop` when the acquire did not complete:
    /// leaves the queue and passes any assigned permits on.
    pub(super) fn drop_with(self: Pin<&mut Self>, sem: &Semaphore) {
        // SAFETY: not moved; we only touch fields in place.
        let this = unsafe { self.get_unchecked_mut() };
        if this.phase != Phase::Queued {
            return;
        }
        this.phase = Phase::Done;
        if this.waiter.remaining.load(Acquire) == 0 {
            // Served but never observed: pass the whole turn on.
            sem.release(this.n);
            return;
        }
        let mut queue = sem.queue.lock();
        let remaining = this.waiter.remaining.load(Acquire);
        let me: *mut Waiter = &mut this.waiter;
        // SAFETY: the lock is held.
        let linked = this.waiter.inner.with(|p| unsafe { (*p).linked });
        if linked {
            // SAFETY: lock held and `me` is linked.
            unsafe { unlink(&mut queue, me) };
            if queue.head.is_null() {
                sem.state.fetch_and(!WAITERS, AcqRel);
            }
        }
        drop(queue);
        sem.release(this.n - remaining);
    }
}
