//! The state both halves share: the queue, the receiver's waker, the
//! sender counts and the capacity (a [`Semaphore`] for bounded channels,
//! a message counter for unbounded ones).

use super::atomic_waker::AtomicWaker;
use super::block::Read;
use super::list;
use super::semaphore::Semaphore as Bounded;
use crate::loom::cell::UnsafeCell;
use crate::loom::sync::atomic::{AtomicUsize, Ordering::*};
use crate::loom::sync::{Arc, Mutex};
use crate::sync::padded::Padded;
use std::task::{Context, Poll, Waker};

/// How a channel counts capacity.
pub(super) trait Semaphore {
    /// Gives back the capacity of one received message.
    fn add_permit(&self);
    /// Gives back the capacity of `n` received messages.
    fn add_permits(&self, n: usize);
    /// No message or permit is outstanding.
    fn is_idle(&self) -> bool;
    /// Refuses further sends.
    fn close(&self);
    fn is_closed(&self) -> bool;
}

impl Semaphore for Bounded {
    #[inline]
    fn add_permit(&self) {
        self.release(1);
    }
    fn add_permits(&self, n: usize) {
        self.release(n);
    }
    fn is_idle(&self) -> bool {
        Bounded::is_idle(self)
    }
    fn close(&self) {
        Bounded::close(self);
    }
    fn is_closed(&self) -> bool {
        Bounded::is_closed(self)
    }
}

/// The unbounded channel's counter: messages in flight times two, plus a
/// closed bit (bit 0).
pub(super) struct Unbounded(AtomicUsize);

impl Unbounded {
    pub(super) fn new() -> Unbounded {
        Unbounded(AtomicUsize::new(0))
    }

    /// Counts one message in, unless the receiver closed.
    #[inline]
    pub(super) fn try_add(&self) -> bool {
        let prev = self.0.fetch_add(2, AcqRel);
        if prev & 1 != 0 {
            self.0.fetch_sub(2, AcqRel);
            return false;
        }
        if prev > usize::MAX - 4 {
            std::process::abort();
        }
        true
    }
}

impl Semaphore for Unbounded {
    #[inline]
    fn add_permit(&self) {
        self.0.fetch_sub(2, AcqRel);
    }
    fn add_permits(&self, n: usize) {
        if n > 0 {
            self.0.fetch_sub(2 * n, AcqRel);
        }
    }
    fn is_idle(&self) -> bool {
        self.0.load(Acquire) >> 1 == 0
    }
    fn close(&self) {
        self.0.fetch_or(1, AcqRel);
    }
    fn is_closed(&self) -> bool {
        self.0.load(Acquire) & 1 != 0
    }
}

/// Wakers of `Sender::closed` futures.
struct ClosedWaiters {
    next_id: u64,
    list: Vec<(u64, Waker)>,
}

pub(super) struct Chan<T, S> {
    /// Senders' hot line (tail position, block tail), apart from the
    /// receiver's.
    tx: Padded<list::Tx<T>>,
    rx_waker: AtomicWaker,
    pub(super) semaphore: S,
    tx_count: AtomicUsize,
    tx_weak_count: AtomicUsize,
    closed_waiters: Mutex<ClosedWaiters>,
    rx_fields: Padded<UnsafeCell<RxFields<T>>>,
}

struct RxFields<T> {
    list: list::Rx<T>,
    rx_closed: bool,
}

// SAFETY: values of `T` move between threads through the queue (needs
// `T: Send`); `rx_fields` is touched only by the one receiver; the rest is
// atomics and locks.
unsafe impl<T: Send, S: Send> Send for Chan<T, S> {}
// SAFETY: as above.
unsafe impl<T: Send, S: Sync> Sync for Chan<T, S> {}

// The channel's state is consistent at every point a user panic can unwind
// through (values move in and out whole; a panicking `Drop` of a value
// leaves the queue intact), so sharing it across `catch_unwind` is sound,
// as Tokio's `Chan` declares.
impl<T, S> std::panic::RefUnwindSafe for Chan<T, S> {}
impl<T, S> std::panic::UnwindSafe for Chan<T, S> {}

impl<T, S> Drop for Chan<T, S> {
    fn drop(&mut self) {
        let tx = &self.tx;
        // SAFETY: the last handle is gone: nothing else touches the list.
        self.rx_fields.with_mut(|p| unsafe { (*p).list.free_all(tx) });
    }
}

/// Creates the shared state with one sender and no weak senders.
pub(super) fn channel<T, S: Semaphore>(semaphore: S) -> Arc<Chan<T, S>> {
    let (tx, rx) = list::channel();
    Arc::new(Chan {
        tx: Padded(tx),
        rx_waker: AtomicWaker::new(),
        semaphore,
        tx_count: AtomicUsize::new(1),
        tx_weak_count: AtomicUsize::new(0),
        closed_waiters: Mutex::new(ClosedWaiters { next_id: 0, list: Vec::new() }),
        rx_fields: Padded(UnsafeCell::new(RxFields { list: rx, rx_closed: false })),
    })
}

/// What `try_recv` found.
#[must_use]
pub(super) enum TryRecv<T> {
    Value(T),
    Empty,
    Disconnected,
}

impl<T, S: Semaphore> Chan<T, S> {
    // ----- senders -----

    /// Queues `value` and wakes the receiver. The caller holds capacity.
    #[inline]
    pub(super) fn send(&self, value: T) {
        self.tx.push(value);
        self.rx_waker.wake();
    }

    /// The receiver closed (sends fail).
    pub(super) fn semaphore_closed(&self) -> bool {
        self.semaphore.is_closed()
    }

    /// Wakes the receiver (it may be waiting for the last permit).
    pub(super) fn wake_rx(&self) {
        self.rx_waker.wake();
    }

    pub(super) fn add_sender(&self) {
        self.tx_count.fetch_add(1, Relaxed);
    }

    /// Drops one sender; the last one closes the queue.
    pub(super) fn drop_sender(&self) {
        if self.tx_count.fetch_sub(1, AcqRel) != 1 {
            return;
        }
        self.tx.close();
        self.rx_waker.wake();
    }

    /// Turns a weak sender into a strong one, if any strong one is left.
    pub(super) fn upgrade(&self) -> bool {
        let mut n = self.tx_count.load(Relaxed);
        loop {
            if n == 0 {
                return false;
            }
            match self.tx_count.compare_exchange_weak(n, n + 1, AcqRel, Relaxed) {
                Ok(_) => return true,
                Err(actual) => n = actual,
            }
        }
    }

    pub(super) fn add_weak(&self) {
        self.tx_weak_count.fetch_add(1, Relaxed);
    }

    pub(super) fn drop_weak(&self) {
        self.tx_weak_count.fetch_sub(1, Relaxed);
    }

    pub(super) fn strong_count(&self) -> usize {
        self.tx_count.load(Acquire)
    }

    pub(super) fn weak_count(&self) -> usize {
        self.tx_weak_count.load(Acquire)
    }

    /// Polls for the receiver having closed (`Sender::closed`). `id` keeps
    /// this future's registration.
    fn poll_closed(&self, id: &mut Option<u64>, cx: &mut Context<'_>) -> Poll<()> {
        if self.semaphore.is_closed() {
            return Poll::Ready(());
        }
        let mut w = self.closed_waiters.lock();
        if self.semaphore.is_closed() {
            return Poll::Ready(());
        }
        let old = match id.and_then(|id| w.list.iter_mut().find(|(i, _)| *i == id)) {
            Some((_, waker)) if waker.will_wake(cx.waker()) => None,
            Some((_, waker)) => Some(std::mem::replace(waker, cx.waker().clone())),
            None => {
                let new = w.next_id;
                w.next_id += 1;
                w.list.push((new, cx.waker().clone()));
                *id = Some(new);
                None
            }
        };
        // A waker's drop may run any code: not under the lock.
        drop(w);
        drop(old);
        Poll::Pending
    }

    /// Completes once the receiver is gone (`Sender::closed` and
    /// `UnboundedSender::closed`); dropped early, it withdraws its
    /// registration.
    pub(super) async fn closed(&self) {
        struct Closed<'a, T, S: Semaphore> {
            chan: &'a Chan<T, S>,
            id: Option<u64>,
        }
        impl<T, S: Semaphore> Drop for Closed<'_, T, S> {
            fn drop(&mut self) {
                self.chan.cancel_closed(self.id);
            }
        }
        let mut c = Closed { chan: self, id: None };
        std::future::poll_fn(|cx| c.chan.poll_closed(&mut c.id, cx)).await;
    }

    /// Forgets a `closed` future's registration.
    fn cancel_closed(&self, id: Option<u64>) {
        if let Some(id) = id {
            let mut w = self.closed_waiters.lock();
            let removed = w.list.iter().position(|(i, _)| *i == id).map(|at| w.list.swap_remove(at));
            drop(w);
            drop(removed);
        }
    }

    // ----- receiver (only the one receiver calls these) -----

    /// Closes the receiving side: sends fail from now on, queued messages
    /// can still be received.
    pub(super) fn close(&self) {
        // SAFETY: only the receiver touches `rx_fields`.
        let first = self.rx_fields.with_mut(|p| unsafe { !std::mem::replace(&mut (*p).rx_closed, true) });
        if !first {
            return;
        }
        self.semaphore.close();
        let wakers = std::mem::take(&mut self.closed_waiters.lock().list);
        for (_, w) in wakers {
            w.wake();
        }
    }

    /// Closed by `close` or by the last sender going away.
    pub(super) fn is_rx_closed(&self) -> bool {
        // SAFETY: only the receiver touches `rx_fields`.
        self.rx_fields.with(|p| unsafe { (*p).rx_closed }) || self.tx_count.load(Acquire) == 0
    }

    pub(super) fn len(&self) -> usize {
        // SAFETY: only the receiver touches `rx_fields`.
        self.rx_fields.with(|p| unsafe { (*p).list.len(&self.tx) })
    }

    fn pop(&self) -> Option<Read<T>> {
        // SAFETY: only the receiver touches `rx_fields`.
        self.rx_fields.with_mut(|p| unsafe { (*p).list.pop(&self.tx) })
    }

    fn rx_closed_and_idle(&self) -> bool {
        // SAFETY: only the receiver touches `rx_fields`.
        self.rx_fields.with(|p| unsafe { (*p).rx_closed }) && self.semaphore.is_idle()
    }

    /// Receives one message, or `None` once closed and drained.
    pub(super) fn recv(&self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let coop = std::task::ready!(crate::task::coop::poll_proceed(cx));
        macro_rules! try_pop {
            ($($unregister:tt)?) => {
                match self.pop() {
                    Some(Read::Value(v)) => {
                        $(
                            // Found after registering: the next send need
                            // not wake a task that is not waiting.
                            self.rx_waker.$unregister();
                        )?
                        self.semaphore.add_permit();
                        coop.made_progress();
                        return Poll::Ready(Some(v));
                    }
                    Some(Read::Closed) => {
                        coop.made_progress();
                        return Poll::Ready(None);
                    }
                    None => {}
                }
            };
        }
        try_pop!();
        self.rx_waker.register(cx.waker());
        try_pop!(unregister);
        if self.rx_closed_and_idle() {
            coop.made_progress();
            return Poll::Ready(None);
        }
        Poll::Pending
    }

    /// Receives up to `limit` messages into `buffer`; 0 once closed and
    /// drained (or if `limit` is 0).
    pub(super) fn recv_many(&self, cx: &mut Context<'_>, buffer: &mut Vec<T>, limit: usize) -> Poll<usize> {
        if limit == 0 {
            return Poll::Ready(0);
        }
        let coop = std::task::ready!(crate::task::coop::poll_proceed(cx));
        let mut n = 0;
        let mut closed = self.drain_into(buffer, limit, &mut n);
        if n == 0 && !closed {
            self.rx_waker.register(cx.waker());
            closed = self.drain_into(buffer, limit, &mut n);
            if n > 0 {
                self.rx_waker.unregister();
            }
        }
        if n > 0 || closed || self.rx_closed_and_idle() {
            coop.made_progress();
            return Poll::Ready(n);
        }
        Poll::Pending
    }

    /// Pops up to `limit - *n` ready messages into `buffer`; true if the
    /// close marker was reached.
    fn drain_into(&self, buffer: &mut Vec<T>, limit: usize, n: &mut usize) -> bool {
        let before = *n;
        let mut closed = false;
        while *n < limit {
            match self.pop() {
                Some(Read::Value(v)) => {
                    buffer.push(v);
                    *n += 1;
                }
                Some(Read::Closed) => {
                    closed = true;
                    break;
                }
                None => break,
            }
        }
        // One release for the batch (before returning, so `capacity` is
        // exact once `recv_many` returns).
        self.semaphore.add_permits(*n - before);
        closed
    }

    /// One message if one is ready.
    pub(super) fn try_recv(&self) -> TryRecv<T> {
        loop {
            match self.pop() {
                Some(Read::Value(v)) => {
                    self.semaphore.add_permit();
                    return TryRecv::Value(v);
                }
                Some(Read::Closed) => return TryRecv::Disconnected,
                None => {}
            }
            // SAFETY: only the receiver touches `rx_fields`.
            let in_flight = self.rx_fields.with(|p| unsafe { (*p).list.in_flight(&self.tx) });
            if !in_flight {
                return if self.rx_closed_and_idle() { TryRecv::Disconnected } else { TryRecv::Empty };
            }
            // A sender took the next slot but has not written it yet. As
            // Tokio does, wait for it: a message whose `send` returned
            // before `try_recv` began is never reported as `Empty`.
            spin_yield();
        }
    }

    /// Receiver dropped: close, release the receiver's waker, then drop
    /// every queued message now (all of them, even if one's `Drop` panics).
    pub(super) fn rx_drop(&self) {
        self.close();
        // Nothing will poll the receiver again: free its task's waker
        // before the drops below, which may panic, as Tokio does.
        drop(self.rx_waker.take());
        /// Keeps draining while a panicking message drop unwinds.
        struct Drain<'a, T, S: Semaphore>(&'a Chan<T, S>);
        impl<T, S: Semaphore> Drain<'_, T, S> {
            fn run(&self) {
                while let Some(Read::Value(v)) = self.0.pop() {
                    self.0.semaphore.add_permit();
                    drop(v);
                }
            }
        }
        impl<T, S: Semaphore> Drop for Drain<'_, T, S> {
            fn drop(&mut self) {
                self.run();
            }
        }
        Drain(self).run();
    }
}

fn spin_yield() {
    #[cfg(tern_loom)]
    ::loom::thread::yield_now();
    #[cfg(not(tern_loom))]
    std::thread::yield_now();
}
