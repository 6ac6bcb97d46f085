//! Reserving capacity on a bounded [`Sender`]: `reserve`, `reserve_many`,
//! `reserve_owned` and their `try_` forms.

use super::bounded::{AcquireFut, Sender};
use super::error::{SendError, TrySendError};
use super::permit::{OwnedPermit, Permit, PermitIterator};
use super::semaphore::TryAcquire;

impl<T> Sender<T> {
    /// Waits for channel capacity. Once capacity to send one message is
    /// available, it is reserved for the caller.
    ///
    /// If the channel is full, the function waits for the number of
    /// unreceived messages to become less than the channel capacity.
    /// Capacity to send one message is reserved for the caller. A [`Permit`]
    /// is returned to track the reserved capacity. The [`send`] function on
    /// [`Permit`] consumes the reserved capacity.
    ///
    /// Dropping [`Permit`] without sending a message releases the capacity
    /// back to the channel.
    ///
    /// [`send`]: Permit::send
    ///
    /// # Cancel safety
    ///
    /// This channel uses a queue to ensure that calls to `send` and
    /// `reserve` complete in the order they were requested. Cancelling a
    /// call to `reserve` makes you lose your place in the queue.
    ///
    /// # Examples
    ///
    /// ```
    /// use tern::sync::mpsc;
    ///
    /// #[tern::main]
    /// async fn main() {
    ///     let (tx, mut rx) = mpsc::channel(1);
    ///
    ///     // Reserve capacity
    ///     let permit = tx.reserve().await.unwrap();
    ///
    ///     // Trying to send directly on the `tx` will fail due to no
    ///     // available capacity.
    ///     assert!(tx.try_send(123).is_err());
    ///
    ///     // Sending on the permit succeeds
    ///     permit.send(456);
    ///
    ///     // The value sent on the permit is received
    ///     assert_eq!(rx.recv().await.unwrap(), 456);
    /// }
    /// ```
    pub async fn reserve(&self) -> Result<Permit<'_, T>, SendError<()>> {
        self.reserve_inner(1).await?;
        Ok(Permit::new(self))
    }

    /// Waits for channel capacity to send `n` messages, and reserves it
    /// for the caller.
    ///
    /// Returns a [`PermitIterator`] yielding `n` [`Permit`]s; each unused
    /// permit gives its slot back when the iterator is dropped. If `n` is
    /// greater than the channel's maximum capacity, an error is returned
    /// (as by Tokio).
    ///
    /// # Cancel safety
    ///
    /// This channel uses a queue to ensure that calls to `send` and
    /// `reserve_many` complete in the order they were requested. Cancelling
    /// a call to `reserve_many` makes you lose your place in the queue.
    ///
    /// # Examples
    ///
    /// ```
    /// use tern::sync::mpsc;
    ///
    /// #[tern::main]
    /// async fn main() {
    ///     let (tx, mut rx) = mpsc::channel(2);
    ///
    ///     // Reserve capacity
    ///     let mut permit = tx.reserve_many(2).await.unwrap();
    ///
    ///     // Trying to send directly on the `tx` will fail due to no
    ///     // available capacity.
    ///     assert!(tx.try_send(123).is_err());
    ///
    ///     // Sending with the permit iterator succeeds
    ///     permit.next().unwrap().send(456);
    ///     permit.next().unwrap().send(457);
    ///
    ///     // The iterator should now be exhausted
    ///     assert!(permit.next().is_none());
    ///
    ///     // The value sent on the permit is received
    ///     assert_eq!(rx.recv().await.unwrap(), 456);
    ///     assert_eq!(rx.recv().await.unwrap(), 457);
    /// }
    /// ```
    pub async fn reserve_many(&self, n: usize) -> Result<PermitIterator<'_, T>, SendError<()>> {
        if n > self.max_capacity() {
            return Err(SendError(()));
        }
        self.reserve_inner(n).await?;
        Ok(PermitIterator::new(self, n))
    }

    /// Waits for channel capacity, moving the `Sender` and returning an
    /// owned permit. Once capacity to send one message is available, it is
    /// reserved for the caller.
    ///
    /// This moves the sender _by value_, and returns an owned permit that
    /// can be used to send a message into the channel. Unlike
    /// [`Sender::reserve`], this method may be used in cases where the
    /// permit must be valid for the `'static` lifetime. `Sender`s may be
    /// cloned cheaply (`Sender::clone` is essentially a reference count
    /// increment), so calling `reserve_owned` on a cloned sender is a
    /// typical pattern.
    ///
    /// Dropping the [`OwnedPermit`] without sending a message releases the
    /// capacity back to the channel.
    ///
    /// # Cancel safety
    ///
    /// This channel uses a queue to ensure that calls to `send` and
    /// `reserve` complete in the order they were requested. Cancelling a
    /// call to `reserve_owned` makes you lose your place in the queue.
    ///
    /// # Examples
    ///
    /// ```
    /// use tern::sync::mpsc;
    ///
    /// #[tern::main]
    /// async fn main() {
    ///     let (tx, mut rx) = mpsc::channel(1);
    ///
    ///     // Reserve capacity, moving the sender.
    ///     let permit = tx.reserve_owned().await.unwrap();
    ///
    ///     // Send a message, consuming the permit and returning
    ///     // the moved sender.
    ///     let tx = permit.send(123);
    ///
    ///     // The value sent on the permit is received.
    ///     assert_eq!(rx.recv().await.unwrap(), 123);
    ///
    ///     // The sender can now be used again.
    ///     tx.send(456).await.unwrap();
    /// }
    /// ```
    pub async fn reserve_owned(self) -> Result<OwnedPermit<T>, SendError<()>> {
        self.reserve_inner(1).await?;
        Ok(OwnedPermit::new(self))
    }

    pub(super) async fn reserve_inner(&self, n: usize) -> Result<(), SendError<()>> {
        // The uncontended path: no waiter state, but still one unit of the
        // task's coop budget, as Tokio's acquire charges.
        let first = std::future::poll_fn(|cx| {
            let coop = std::task::ready!(crate::task::coop::poll_proceed(cx));
            let r = self.chan.semaphore.try_acquire(n);
            if r == TryAcquire::Acquired {
                coop.made_progress();
            }
            std::task::Poll::Ready(r)
        })
        .await;
        match first {
            TryAcquire::Acquired => Ok(()),
            TryAcquire::Closed => Err(SendError(())),
            TryAcquire::NoPermits => {
                // A wait that fails or is cancelled while holding part of
                // its permits gives them back; if that makes a closed channel
                // idle, the receiver (waiting for exactly that) must hear of
                // it, as Tokio does. On success the permits' owner does it.
                struct WakeReceiverOnDrop<'a, T>(&'a super::bounded::BChan<T>);
                impl<T> Drop for WakeReceiverOnDrop<'_, T> {
                    fn drop(&mut self) {
                        if self.0.semaphore.is_closed() && self.0.semaphore.is_idle() {
                            self.0.wake_rx();
                        }
                    }
                }
                let guard = WakeReceiverOnDrop(&self.chan);
                let res = AcquireFut::new(&self.chan.semaphore, n).await;
                if res.is_ok() {
                    std::mem::forget(guard);
                }
                res.map_err(|()| SendError(()))
            }
        }
    }

    /// Tries to acquire a slot in the channel without waiting for the slot
    /// to become available.
    ///
    /// If the channel is full this function will return [`TrySendError`],
    /// otherwise if there is a slot available it will return a [`Permit`]
    /// that will then allow you to [`send`] on the channel with a
    /// guaranteed slot. This function is similar to [`reserve`] except it
    /// does not await for the slot to become available.
    ///
    /// Dropping [`Permit`] without sending a message releases the capacity
    /// back to the channel.
    ///
    /// [`send`]: Permit::send
    /// [`reserve`]: Sender::reserve
    ///
    /// # Examples
    ///
    /// ```
    /// use tern::sync::mpsc;
    ///
    /// #[tern::main]
    /// async fn main() {
    ///     let (tx, mut rx) = mpsc::channel(1);
    ///
    ///     // Reserve capacity
    ///     let permit = tx.try_reserve().unwrap();
    ///
    ///     // Trying to send directly on the `tx` will fail due to no
    ///     // available capacity.
    ///     assert!(tx.try_send(123).is_err());
    ///
    ///     // Trying to reserve an additional slot on the `tx` will
    ///     // fail because there is no capacity.
    ///     assert!(tx.try_reserve().is_err());
    ///
    ///     // Sending on the permit succeeds
    ///     permit.send(456);
    ///
    ///     // The value sent on the permit is received
    ///     assert_eq!(rx.recv().await.unwrap(), 456);
    /// }
    /// ```
    pub fn try_reserve(&self) -> Result<Permit<'_, T>, TrySendError<()>> {
        match self.chan.semaphore.try_acquire(1) {
            TryAcquire::Acquired => Ok(Permit::new(self)),
            TryAcquire::NoPermits => Err(TrySendError::Full(())),
            TryAcquire::Closed => Err(TrySendError::Closed(())),
        }
    }

    /// Tries to acquire `n` slots in the channel without waiting for the
    /// slots to become available.
    ///
    /// A [`PermitIterator`] is returned to track the reserved capacity.
    /// If `n` exceeds the channel's maximum capacity, or fewer than `n`
    /// slots are free, `TrySendError::Full` is returned; if the channel is
    /// closed, `TrySendError::Closed`. Dropping the iterator without using
    /// every permit releases the unused capacity back to the channel.
    ///
    /// # Examples
    ///
    /// ```
    /// use tern::sync::mpsc;
    ///
    /// #[tern::main]
    /// async fn main() {
    ///     let (tx, mut rx) = mpsc::channel(2);
    ///
    ///     // Reserve capacity
    ///     let mut permit = tx.try_reserve_many(2).unwrap();
    ///
    ///     // Trying to send directly on the `tx` will fail due to no
    ///     // available capacity.
    ///     assert!(tx.try_send(123).is_err());
    ///
    ///     // Trying to reserve an additional slot on the `tx` will
    ///     // fail because there is no capacity.
    ///     assert!(tx.try_reserve().is_err());
    ///
    ///     // Sending with the permit iterator succeeds
    ///     permit.next().unwrap().send(456);
    ///     permit.next().unwrap().send(457);
    ///
    ///     // The iterator should now be exhausted
    ///     assert!(permit.next().is_none());
    ///
    ///     // The value sent on the permit is received
    ///     assert_eq!(rx.recv().await.unwrap(), 456);
    ///     assert_eq!(rx.recv().await.unwrap(), 457);
    /// }
    /// ```
    pub fn try_reserve_many(&self, n: usize) -> Result<PermitIterator<'_, T>, TrySendError<()>> {
        if n > self.max_capacity() {
            return Err(TrySendError::Full(()));
        }
        match self.chan.semaphore.try_acquire(n) {
            TryAcquire::Acquired => Ok(PermitIterator::new(self, n)),
            TryAcquire::NoPermits => Err(TrySendError::Full(())),
            TryAcquire::Closed => Err(TrySendError::Closed(())),
        }
    }

    /// Tries to acquire a slot in the channel without waiting for the slot
    /// to become available, returning an owned permit.
    ///
    /// This moves the sender _by value_, and returns an owned permit that
    /// can be used to send a message into the channel. Unlike
    /// [`Sender::try_reserve`], this method may be used in cases where the
    /// permit must be valid for the `'static` lifetime. On failure the
    /// sender is handed back inside the error.
    ///
    /// # Examples
    ///
    /// ```
    /// use tern::sync::mpsc;
    ///
    /// #[tern::main]
    /// async fn main() {
    ///     let (tx, mut rx) = mpsc::channel(1);
    ///
    ///     // Reserve capacity
    ///     let permit = tx.clone().try_reserve_owned().unwrap();
    ///
    ///     // Trying to send directly on the `tx` will fail due to no
    ///     // available capacity.
    ///     assert!(tx.try_send(123).is_err());
    ///
    ///     // Trying to reserve an additional slot on the `tx` will
    ///     // fail because there is no capacity.
    ///     assert!(tx.try_reserve().is_err());
    ///
    ///     // Sending on the permit succeeds
    ///     permit.send(456);
    ///
    ///     // The value sent on the permit is received
    ///     assert_eq!(rx.recv().await.unwrap(), 456);
    /// }
    /// ```
    pub fn try_reserve_owned(self) -> Result<OwnedPermit<T>, TrySendError<Self>> {
        match self.chan.semaphore.try_acquire(1) {
            TryAcquire::Acquired => Ok(OwnedPermit::new(self)),
            TryAcquire::NoPermits => Err(TrySendError::Full(self)),
            TryAcquire::Closed => Err(TrySendError::Closed(self)),
        }
    }
}
