//! Reserved capacity: [`Permit`], [`PermitIterator`] and [`OwnedPermit`].

use super::bounded::{BChan, Sender};
use std::fmt;

/// Permits to send one value into the channel.
///
/// `Permit` values are returned by [`Sender::reserve()`] and
/// [`Sender::try_reserve()`] and are used to guarantee channel capacity
/// before generating a message to send.
pub struct Permit<'a, T> {
    chan: &'a BChan<T>,
}

/// An [`Iterator`] of [`Permit`] that can be used to hold `n` slots in the
/// channel.
///
/// `PermitIterator` values are returned by [`Sender::reserve_many()`] and
/// [`Sender::try_reserve_many()`] and are used to guarantee channel
/// capacity before generating `n` messages to send.
pub struct PermitIterator<'a, T> {
    chan: &'a BChan<T>,
    n: usize,
}

/// Owned permit to send one value into the channel.
///
/// This is identical to the [`Permit`] type, except that it moves the
/// sender rather than borrowing it.
///
/// `OwnedPermit` values are returned by [`Sender::reserve_owned()`] and
/// [`Sender::try_reserve_owned()`] and are used to guarantee channel
/// capacity before generating a message to send.
pub struct OwnedPermit<T> {
    chan: Option<Sender<T>>,
}

/// Gives `n` reserved slots back, waking a receiver that waits for the
/// last permits after `close`.
fn give_back<T>(chan: &BChan<T>, n: usize) {
    chan.semaphore.release(n);
    if chan.semaphore.is_closed() && chan.semaphore.is_idle() {
        chan.wake_rx();
    }
}

impl<'a, T> Permit<'a, T> {
    pub(super) fn new(sender: &'a Sender<T>) -> Permit<'a, T> {
        Permit { chan: &sender.chan }
    }

    /// Sends a value using the reserved capacity.
    ///
    /// Capacity for the message has already been reserved. The message is
    /// sent to the receiver and the permit is consumed. The operation will
    /// succeed even if the receiver half has been closed. See
    /// [`Receiver::close`](super::Receiver::close) for more details on
    /// performing a clean shutdown.
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
    ///     // Send a message on the permit
    ///     permit.send(456);
    ///
    ///     // The value sent on the permit is received
    ///     assert_eq!(rx.recv().await.unwrap(), 456);
    /// }
    /// ```
    pub fn send(self, value: T) {
        let chan = self.chan;
        // The queued message holds the slot from here on, even if waking
        // the receiver panics: this permit must not give it back.
        std::mem::forget(self);
        chan.send(value);
    }
}

impl<T> Drop for Permit<'_, T> {
    fn drop(&mut self) {
        give_back(self.chan, 1);
    }
}

impl<T> fmt::Debug for Permit<'_, T> {
    fn fmt(&self, fmt: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt.debug_struct("Permit").finish_non_exhaustive()
    }
}

impl<'a, T> PermitIterator<'a, T> {
    pub(super) fn new(sender: &'a Sender<T>, n: usize) -> PermitIterator<'a, T> {
        PermitIterator { chan: &sender.chan, n }
    }
}

impl<'a, T> Iterator for PermitIterator<'a, T> {
    type Item = Permit<'a, T>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.n == 0 {
            return None;
        }
        self.n -= 1;
        Some(Permit { chan: self.chan })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.n, Some(self.n))
    }
}

impl<T> ExactSizeIterator for PermitIterator<'_, T> {}
impl<T> std::iter::FusedIterator for PermitIterator<'_, T> {}

impl<T> Drop for PermitIterator<'_, T> {
    fn drop(&mut self) {
        if self.n > 0 {
            give_back(self.chan, self.n);
        }
    }
}

impl<T> fmt::Debug for PermitIterator<'_, T> {
    fn fmt(&self, fmt: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt.debug_struct("PermitIterator").field("n", &self.n).finish_non_exhaustive()
    }
}

impl<T> OwnedPermit<T> {
    pub(super) fn new(sender: Sender<T>) -> OwnedPermit<T> {
        OwnedPermit { chan: Some(sender) }
    }

    /// Sends a value using the reserved capacity.
    ///
    /// Capacity for the message has already been reserved. The message is
    /// sent to the receiver and the permit is consumed. The operation will
    /// succeed even if the receiver half has been closed. See
    /// [`Receiver::close`](super::Receiver::close) for more details on
    /// performing a clean shutdown.
    ///
    /// Unlike [`Permit::send`], this method returns the [`Sender`] from
    /// which the `OwnedPermit` was reserved.
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
    ///     let permit = tx.reserve_owned().await.unwrap();
    ///
    ///     // Send a message on the permit, returning the sender.
    ///     let tx = permit.send(456);
    ///
    ///     // The value sent on the permit is received
    ///     assert_eq!(rx.recv().await.unwrap(), 456);
    ///
    ///     // We may now reuse `tx` to send another message.
    ///     tx.send(789).await.unwrap();
    /// }
    /// ```
    pub fn send(mut self, value: T) -> Sender<T> {
        let sender = self.chan.take().expect("sender was released, but the permit was still held");
        sender.chan.send(value);
        sender
    }

    /// Releases the reserved capacity *without* sending a message,
    /// returning the [`Sender`].
    ///
    /// # Examples
    ///
    /// ```
    /// use tern::sync::mpsc;
    ///
    /// #[tern::main]
    /// async fn main() {
    ///     let (tx, rx) = mpsc::channel(1);
    ///
    ///     // Clone the sender and reserve capacity
    ///     let permit = tx.clone().reserve_owned().await.unwrap();
    ///
    ///     // Trying to send on the original `tx` will fail, since the
    ///     // `permit` has reserved all the available capacity.
    ///     assert!(tx.try_send(123).is_err());
    ///
    ///     // Release the permit without sending a message, returning the
    ///     // clone of the sender.
    ///     let tx2 = permit.release();
    ///
    ///     // We may now reuse `tx` to send another message.
    ///     tx.send(789).await.unwrap();
    ///     # drop(rx); drop(tx2);
    /// }
    /// ```
    pub fn release(mut self) -> Sender<T> {
        let sender = self.chan.take().expect("sender was released, but the permit was still held");
        give_back(&sender.chan, 1);
        sender
    }

    /// Returns `true` if permits belong to the same channel.
    pub fn same_channel(&self, other: &Self) -> bool {
        match (&self.chan, &other.chan) {
            (Some(a), Some(b)) => a.same_channel(b),
            _ => false,
        }
    }

    /// Returns `true` if this permit belongs to the same channel as the
    /// given [`Sender`].
    pub fn same_channel_as_sender(&self, sender: &Sender<T>) -> bool {
        self.chan.as_ref().is_some_and(|s| s.same_channel(sender))
    }
}

impl<T> Drop for OwnedPermit<T> {
    fn drop(&mut self) {
        if let Some(sender) = self.chan.take() {
            give_back(&sender.chan, 1);
        }
    }
}

impl<T> fmt::Debug for OwnedPermit<T> {
    fn fmt(&self, fmt: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt.debug_struct("OwnedPermit").finish_non_exhaustive()
    }
}
