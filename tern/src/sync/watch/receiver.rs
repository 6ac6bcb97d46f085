//! The receiving half.

use super::error::RecvError;
use super::{Ref, Shared, CLOSED, STEP};
use crate::loom::sync::atomic::Ordering::*;
use crate::loom::sync::Arc;
use crate::sync::waiters::{Registration, WaitList};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// Receives values from the associated [`Sender`](super::Sender).
///
/// Instances are created by the [`channel`](super::channel) function.
///
/// To turn this receiver into a `Stream`, you can use a stream wrapper.
pub struct Receiver<T> {
    pub(super) shared: Arc<Shared<T>>,
    /// The state word's version (without `CLOSED`) last marked seen.
    pub(super) version: usize,
}

impl<T> Receiver<T> {
    pub(super) fn from_shared(version: usize, shared: Arc<Shared<T>>) -> Self {
        shared.ref_count_rx.fetch_add(1, Relaxed);
        Receiver { shared, version }
    }

    fn current_version(&self) -> usize {
        self.shared.state() & !CLOSED
    }

    /// Returns a reference to the most recently sent value.
    ///
    /// This method does not mark the returned value as seen, so future calls to
    /// [`changed`] may return immediately even if you have already seen the
    /// value with a call to `borrow`.
    ///
    /// Outstanding borrows hold a read lock on the inner value. This means that
    /// long-lived borrows could cause the producer half to block. It is recommended
    /// to keep the borrow as short-lived as possible.
    ///
    /// [`changed`]: Receiver::changed
    ///
    /// # Examples
    ///
    /// ```
    /// use tern::sync::watch;
    ///
    /// let (_, rx) = watch::channel("hello");
    /// assert_eq!(*rx.borrow(), "hello");
    /// ```
    pub fn borrow(&self) -> Ref<'_, T> {
        let inner = self.shared.value.read();
        let has_changed = self.version != self.current_version();
        Ref { inner, has_changed }
    }

    /// Returns a reference to the most recently sent value and marks that value
    /// as seen.
    ///
    /// This method marks the current value as seen. Subsequent calls to [`changed`]
    /// will not return immediately until the [`Sender`] has modified the shared
    /// value again.
    ///
    /// [`changed`]: Receiver::changed
    /// [`Sender`]: super::Sender
    ///
    /// # Examples
    ///
    /// ```
    /// use tern::sync::watch;
    ///
    /// let (tx, mut rx) = watch::channel("hello");
    /// tx.send("goodbye").unwrap();
    /// assert!(rx.borrow_and_update().has_changed());
    /// assert!(!rx.borrow().has_changed());
    /// ```
    pub fn borrow_and_update(&mut self) -> Ref<'_, T> {
        let inner = self.shared.value.read();
        // Read under the read lock: a send bumps the version under the write
        // lock, so the version matches the value we hand out.
        let new_version = self.shared.state() & !CLOSED;
        let has_changed = self.version != new_version;
        self.version = new_version;
        Ref { inner, has_changed }
    }

    /// Checks if this channel contains a message that this receiver has not yet
    /// seen. The new value is not marked as seen.
    ///
    /// # Errors
    ///
    /// Returns a [`RecvError`](super::error::RecvError) if and only if the
    /// channel has been closed.
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
    ///
    ///     assert!(rx.has_changed().unwrap());
    ///     assert_eq!(*rx.borrow_and_update(), "goodbye");
    ///
    ///     // The value has been marked as seen
    ///     assert!(!rx.has_changed().unwrap());
    ///
    ///     drop(tx);
    ///     // The `tx` handle has been dropped
    ///     assert!(rx.has_changed().is_err());
    /// }
    /// ```
    pub fn has_changed(&self) -> Result<bool, RecvError> {
        let state = self.shared.state();
        if state & CLOSED != 0 {
            return Err(RecvError(()));
        }
        Ok(self.version != state & !CLOSED)
    }

    /// Returns `true` if the sender has been dropped (the channel is closed).
    pub fn is_closed(&self) -> bool {
        self.shared.state() & CLOSED != 0
    }

    /// Marks the state as changed.
    ///
    /// After invoking this method [`has_changed()`](Self::has_changed)
    /// returns `true` and [`changed()`](Self::changed) returns
    /// immediately, regardless of whether a new value has been sent.
    ///
    /// This is useful for triggering an initial change notification after
    /// subscribing to synchronize new receivers.
    pub fn mark_changed(&mut self) {
        self.version = self.version.wrapping_sub(STEP);
    }

    /// Marks the state as unchanged.
    ///
    /// The current value will be considered seen by the receiver.
    ///
    /// This is useful if you are not interested in the current value
    /// visible in the receiver.
    pub fn mark_unchanged(&mut self) {
        self.version = self.current_version();
    }

    /// Waits for a change notification, then marks the current value as seen.
    ///
    /// If the current value in the channel has not yet been marked seen when
    /// this method is called, the method marks that value seen and returns
    /// immediately. If the newest value has already been marked seen, then the
    /// method sleeps until a new message is sent by a [`Sender`] connected to
    /// this `Receiver`, or until all [`Sender`]s are dropped.
    ///
    /// For more information, see
    /// [*Change notifications*](super#change-notifications) in the module-level documentation.
    ///
    /// # Errors
    ///
    /// Returns a [`RecvError`](super::error::RecvError) if the channel has been closed __AND__
    /// the current value is seen.
    ///
    /// # Cancel safety
    ///
    /// This method is cancel safe. If you use it as a branch in `select!`
    /// and another branch completes first, then it is guaranteed that no
    /// values have been marked seen by this call to `changed`.
    ///
    /// [`Sender`]: super::Sender
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
    ///     tern::spawn(async move {
    ///         tx.send("goodbye").unwrap();
    ///     });
    ///
    ///     assert!(rx.changed().await.is_ok());
    ///     assert_eq!(*rx.borrow_and_update(), "goodbye");
    ///
    ///     // The `tx` handle has been dropped
    ///     assert!(rx.changed().await.is_err());
    /// }
    /// ```
    pub async fn changed(&mut self) -> Result<(), RecvError> {
        Changed { shared: &self.shared, version: &mut self.version, reg: None }.await
    }

    /// Waits for a value that satisfies the provided condition.
    ///
    /// This method will call the provided closure whenever something is sent on
    /// the channel. Once the closure returns `true`, this method will return a
    /// reference to the value that was passed to the closure.
    ///
    /// Before `wait_for` starts waiting for changes, it will call the closure
    /// on the current value. If the closure returns `true` when given the
    /// current value, then `wait_for` will immediately return a reference to
    /// the current value. This is the case even if the current value is already
    /// considered seen.
    ///
    /// The receiver will be marked as seen at the returned value.
    ///
    /// If the channel is closed, then `wait_for` will return a [`RecvError`].
    /// Once this happens, no more messages can ever be sent on the channel.
    /// When an error is returned, it is guaranteed that the closure has been
    /// called on the last value, and that it returned `false` for that value.
    ///
    /// Like the [`borrow`] method, the returned borrow holds a read lock on the
    /// inner value.
    ///
    /// [`borrow`]: Receiver::borrow
    /// [`RecvError`]: super::error::RecvError
    ///
    /// # Cancel safety
    ///
    /// This method is cancel safe. If you use it as a branch in `select!`
    /// and another branch completes first, then it is guaranteed that the
    /// last seen value `val` (if any) satisfies `f(val) == false`.
    ///
    /// # Panics
    ///
    /// If and only if the closure `f` panics. In that case, no resource owned
    /// or shared by this [`Receiver`] will be poisoned.
    ///
    /// # Examples
    ///
    /// ```
    /// use tern::sync::watch;
    /// use tern::time::{sleep, Duration};
    ///
    /// #[tern::main(flavor = "current_thread", start_paused = true)]
    /// async fn main() {
    ///     let (tx, mut rx) = watch::channel("hello");
    ///
    ///     tern::spawn(async move {
    ///         sleep(Duration::from_secs(1)).await;
    ///         tx.send("goodbye").unwrap();
    ///     });
    ///
    ///     assert!(rx.wait_for(|val| *val == "goodbye").await.is_ok());
    ///     assert_eq!(*rx.borrow(), "goodbye");
    /// }
    /// ```
    pub async fn wait_for(&mut self, f: impl FnMut(&T) -> bool) -> Result<Ref<'_, T>, RecvError> {
        // One unit of budget per poll, even when the value already matches,
        // so a loop of `wait_for`s that never waits still yields (as Tokio).
        crate::task::coop::cooperative(self.wait_for_inner(f)).await
    }

    async fn wait_for_inner(&mut self, mut f: impl FnMut(&T) -> bool) -> Result<Ref<'_, T>, RecvError> {
        let mut closed = false;
        let shared: &Shared<T> = &self.shared;
        loop {
            {
                let inner = shared.value.read();
                let new_version = shared.state() & !CLOSED;
                let has_changed = self.version != new_version;
                self.version = new_version;
                // A panic in `f` unwinds through here and releases the read
                // lock; nothing is poisoned (the lock ignores poisoning).
                if (!closed || has_changed) && f(&inner) {
                    return Ok(Ref { inner, has_changed });
                }
            }
            if closed {
                return Err(RecvError(()));
            }
            let changed = Changed { shared, version: &mut self.version, reg: None };
            closed = changed.await.is_err();
        }
    }

    /// Returns `true` if receivers belong to the same channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = tern::sync::watch::channel(true);
    /// let rx2 = rx.clone();
    /// assert!(rx.same_channel(&rx2));
    ///
    /// let (tx3, rx3) = tern::sync::watch::channel(true);
    /// assert!(!rx3.same_channel(&rx2));
    /// ```
    pub fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Self {
        Receiver::from_shared(self.version, self.shared.clone())
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        if self.shared.ref_count_rx.fetch_sub(1, SeqCst) == 1 {
            self.shared.notify_tx.wake_all();
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver").field("version", &(self.version >> 1)).finish()
    }
}

/// The future of [`Receiver::changed`].
pub(super) struct Changed<'a, T> {
    pub(super) shared: &'a Shared<T>,
    pub(super) version: &'a mut usize,
    pub(super) reg: Option<Registration>,
}

impl<T> Changed<'_, T> {
    /// Marks the new version seen, or reports the close.
    fn check(&mut self) -> Option<Result<(), RecvError>> {
        let state = self.shared.state();
        let new_version = state & !CLOSED;
        if *self.version != new_version {
            *self.version = new_version;
            return Some(Ok(()));
        }
        if state & CLOSED != 0 {
            return Some(Err(RecvError(())));
        }
        None
    }
}

impl<T> Future for Changed<'_, T> {
    type Output = Result<(), RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let coop = ready!(crate::task::coop::poll_proceed(cx));
        if let Some(out) = this.check() {
            coop.made_progress();
            return Poll::Ready(out);
        }
        this.shared.notify_rx.register(&mut this.reg, cx.waker());
        WaitList::fence();
        match this.check() {
            Some(out) => {
                coop.made_progress();
                Poll::Ready(out)
            }
            None => Poll::Pending,
        }
    }
}

impl<T> Drop for Changed<'_, T> {
    fn drop(&mut self) {
        if self.reg.is_some() {
            self.shared.notify_rx.deregister(&mut self.reg);
        }
    }
}
