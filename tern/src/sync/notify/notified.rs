//! The `Notified` futures and their state machine.
//!
//! | state     | meaning                                     | next                          |
//! |-----------|---------------------------------------------|-------------------------------|
//! | `Init`    | created, not linked                         | `Done` (permit or newer generation), `Waiting` (linked) |
//! | `Waiting` | linked in the queue                         | `Done` once a notifier unlinked it |
//! | `Done`    | notified; every later poll is `Ready`        | -                             |
//!
//! A `Waiting` future dropped after `notify_one`/`notify_last` unlinked it,
//! but before it saw that, passes the notification on (to the next waiter,
//! or as the stored permit).

use super::{
    generation, get_state, has_current, notify_locked, set_state, Notify, Strategy, Waiter, EMPTY, LAST,
    NONE, NOTIFIED, ONE, WAITING,
};
use crate::loom::sync::atomic::Ordering::*;
use std::future::Future;
use std::pin::Pin;
use std::ptr::NonNull;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Init,
    Waiting,
    Done,
}

/// Future returned from [`Notify::notified()`].
///
/// This future is fused, so once it has completed, any future calls to
/// poll will immediately return `Poll::Ready`.
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Notified<'a> {
    notify: &'a Notify,
    state: State,
    waiter: Waiter,
}

/// Future returned from [`Notify::notified_owned()`].
///
/// This future is fused, so once it has completed, any future calls to
/// poll will immediately return `Poll::Ready`.
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct OwnedNotified {
    notify: Arc<Notify>,
    state: State,
    waiter: Waiter,
}

impl std::fmt::Debug for Waiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Waiter").field("generation", &self.generation).finish_non_exhaustive()
    }
}

/// One step of the state machine: `waker` is `None` for `enable`.
fn poll_notified(notify: &Notify, state: &mut State, node: &Waiter, waker: Option<&Waker>) -> Poll<()> {
    match *state {
        State::Done => Poll::Ready(()),
        State::Init => {
            *state = first_poll(notify, node, waker);
            if *state == State::Done {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        }
        State::Waiting => {
            if node.notification.load(Acquire) != NONE {
                *state = State::Done;
                return Poll::Ready(());
            }
            let waker = waker.cloned();
            let waiters = notify.waiters.lock();
            if node.notification.load(Acquire) != NONE {
                drop(waiters);
                *state = State::Done;
                return Poll::Ready(());
            }
            let old = match waker {
                // SAFETY: we hold the lock that guards the waker cell.
                Some(w) => node.waker.with_mut(|cell| unsafe {
                    match &*cell {
                        Some(cur) if cur.will_wake(&w) => None,
                        _ => (*cell).replace(w),
                    }
                }),
                None => None,
            };
            drop(waiters);
            drop(old);
            Poll::Pending
        }
    }
}

/// The first poll (or `enable`): consume a permit, see a newer
/// generation, or link the node. Returns the new state.
#[must_use]
fn first_poll(notify: &Notify, node: &Waiter, waker: Option<&Waker>) -> State {
    let curr = notify.state.load(SeqCst);
    if generation(curr) != node.generation {
        return State::Done;
    }
    if get_state(curr) == NOTIFIED
        && notify.state.compare_exchange(curr, set_state(curr, EMPTY), SeqCst, SeqCst).is_ok()
    {
        return State::Done;
    }
    // Cloning a waker may run arbitrary code: not under the lock.
    let waker = waker.cloned();
    let mut waiters = notify.waiters.lock();
    let mut curr = notify.state.load(SeqCst);
    loop {
        if generation(curr) != node.generation {
            return State::Done;
        }
        let (to, done) = match get_state(curr) {
            WAITING => break,
            NOTIFIED => (EMPTY, true),
            _ => (WAITING, false),
        };
        match notify.state.compare_exchange(curr, set_state(curr, to), SeqCst, SeqCst) {
            Ok(_) if done => return State::Done,
            Ok(_) => break,
            Err(actual) => curr = actual,
        }
    }
    // SAFETY: we hold the lock; the node is pinned inside its future, whose
    // drop unlinks it under this lock.
    unsafe {
        node.waker.with_mut(|cell| *cell = waker);
        waiters.push_back(NonNull::from(node));
    }
    State::Waiting
}

/// Drop of a future: unlink it, or pass on a notification it was given
/// but never returned.
fn drop_notified(notify: &Notify, state: State, node: &Waiter) {
    if state == State::Waiting {
        cancel_waiting(notify, node);
    }
    // Under loom, the free that follows counts as a write to the node, so
    // that a notifier's access not ordered before it is reported.
    #[cfg(tern_loom)]
    node.waker.with_mut(|_| ());
}

/// Drop of a future still `Waiting`: see `drop_notified`.
fn cancel_waiting(notify: &Notify, node: &Waiter) {
    let mut waiters = notify.waiters.lock();
    let curr = notify.state.load(SeqCst);
    let forward = match node.notification.load(Acquire) {
        NONE => {
            // SAFETY: not notified, so still linked; we hold the lock.
            unsafe { waiters.remove(NonNull::from(node)) };
            if get_state(curr) == WAITING && !has_current(&waiters, generation(curr)) {
                notify.state.store(set_state(curr, EMPTY), SeqCst);
            }
            None
        }
        ONE => notify_locked(&mut waiters, &notify.state, curr, Strategy::Fifo),
        LAST => notify_locked(&mut waiters, &notify.state, curr, Strategy::Lifo),
        _ => None,
    };
    // SAFETY: we hold the lock.
    let own = node.waker.with_mut(|cell| unsafe { (*cell).take() });
    drop(waiters);
    drop(own);
    if let Some(w) = forward {
        w.wake();
    }
}

impl<'a> Notified<'a> {
    pub(super) fn new(notify: &'a Notify, gen: usize) -> Self {
        Notified { notify, state: State::Init, waiter: Waiter::new(gen) }
    }

    /// Adds this future to the list of futures that are ready to receive
    /// wakeups from calls to [`notify_one`].
    ///
    /// Polling the future also adds it to the list, so this method should
    /// only be used if you want to add the future to the list before the
    /// first call to `poll`. (In fact, this method is equivalent to calling
    /// `poll` except that no `Waker` is registered.)
    ///
    /// This has no effect on notifications sent using [`notify_waiters`],
    /// which are received as long as they happen after the creation of the
    /// `Notified` regardless of whether `enable` or `poll` has been called.
    ///
    /// This method returns true if the `Notified` is ready. This happens in
    /// the following situations:
    ///
    ///  1. The `notify_waiters` method was called between the creation of
    ///     the `Notified` and the call to this method.
    ///  2. This is the first call to `enable` or `poll` on this future, and
    ///     the `Notify` was holding a permit from a previous call to
    ///     `notify_one`. The call consumes the permit in that case.
    ///  3. The future has previously been enabled or polled, and it has
    ///     since then been marked ready by either consuming a permit from
    ///     the `Notify`, or by a call to `notify_one` or `notify_waiters`
    ///     that removed it from the list of futures ready to receive
    ///     wakeups.
    ///
    /// If this method returns true, any future calls to poll on the same
    /// future will immediately return `Poll::Ready`.
    ///
    /// # Examples
    ///
    /// Unbound multi-producer multi-consumer (mpmc) channel.
    ///
    /// ```
    /// use tern::sync::Notify;
    ///
    /// use std::collections::VecDeque;
    /// use std::sync::Mutex;
    ///
    /// struct Channel<T> {
    ///     messages: Mutex<VecDeque<T>>,
    ///     notify_on_sent: Notify,
    /// }
    ///
    /// impl<T> Channel<T> {
    ///     pub fn send(&self, msg: T) {
    ///         let mut locked_queue = self.messages.lock().unwrap();
    ///         locked_queue.push_back(msg);
    ///         drop(locked_queue);
    ///
    ///         // Send a notification to one of the calls currently
    ///         // waiting in a call to `recv`.
    ///         self.notify_on_sent.notify_one();
    ///     }
    ///
    ///     pub fn try_recv(&self) -> Option<T> {
    ///         let mut locked_queue = self.messages.lock().unwrap();
    ///         locked_queue.pop_front()
    ///     }
    ///
    ///     pub async fn recv(&self) -> T {
    ///         let future = self.notify_on_sent.notified();
    ///         tern::pin!(future);
    ///
    ///         loop {
    ///             // Make sure that no wakeup is lost if we get
    ///             // `None` from `try_recv`.
    ///             future.as_mut().enable();
    ///
    ///             if let Some(msg) = self.try_recv() {
    ///                 return msg;
    ///             }
    ///
    ///             // Wait for a call to `notify_one`.
    ///             future.as_mut().await;
    ///
    ///             // Reset the future in case another call to
    ///             // `try_recv` got the message before us.
    ///             future.set(self.notify_on_sent.notified());
    ///         }
    ///     }
    /// }
    /// ```
    ///
    /// [`notify_one`]: Notify::notify_one()
    /// [`notify_waiters`]: Notify::notify_waiters()
    pub fn enable(self: Pin<&mut Self>) -> bool {
        // SAFETY: `waiter` is never moved out of; the rest is Unpin.
        let this = unsafe { self.get_unchecked_mut() };
        poll_notified(this.notify, &mut this.state, &this.waiter, None).is_ready()
    }
}

impl Future for Notified<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: `waiter` is never moved out of; the rest is Unpin.
        let this = unsafe { self.get_unchecked_mut() };
        poll_notified(this.notify, &mut this.state, &this.waiter, Some(cx.waker()))
    }
}

impl Drop for Notified<'_> {
    fn drop(&mut self) {
        drop_notified(self.notify, self.state, &self.waiter);
    }
}

impl OwnedNotified {
    pub(super) fn new(notify: Arc<Notify>, gen: usize) -> Self {
        OwnedNotified { notify, state: State::Init, waiter: Waiter::new(gen) }
    }

    /// Adds this future to the list of futures that are ready to receive
    /// wakeups from calls to [`notify_one`].
    ///
    /// See [`Notified::enable`] for the details; this is the same for the
    /// owned future.
    ///
    /// [`notify_one`]: Notify::notify_one()
    pub fn enable(self: Pin<&mut Self>) -> bool {
        // SAFETY: `waiter` is never moved out of; the rest is Unpin.
        let this = unsafe { self.get_unchecked_mut() };
        poll_notified(&this.notify, &mut this.state, &this.waiter, None).is_ready()
    }
}

impl Future for OwnedNotified {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: `waiter` is never moved out of; the rest is Unpin.
        let this = unsafe { self.get_unchecked_mut() };
        poll_notified(&this.notify, &mut this.state, &this.waiter, Some(cx.waker()))
    }
}

impl Drop for OwnedNotified {
    fn drop(&mut self) {
        drop_notified(&self.notify, self.state, &self.waiter);
    }
}
