//! The unbounded channel: [`unbounded_channel`], [`UnboundedSender`],
//! [`WeakUnboundedSender`] and [`UnboundedReceiver`].

use super::chan::{self, Chan, TryRecv, Unbounded};
use super::error::{SendError, TryRecvError};
use crate::loom::sync::Arc;
use std::fmt;
use std::task::{Context, Poll};

type UChan<T> = Chan<T, Unbounded>;

/// Send values to the associated `UnboundedReceiver`.
///
/// Instances are created by the [`unbounded_channel`] function.
pub struct UnboundedSender<T> {
    chan: Arc<UChan<T>>,
}

/// An unbounded sender that does not prevent the channel from being
/// closed.
///
/// If all [`UnboundedSender`] instances of a channel were dropped and only
/// `WeakUnboundedSender` instances remain, the channel is closed.
///
/// In order to send messages, the `WeakUnboundedSender` needs to be upgraded
/// using [`WeakUnboundedSender::upgrade`], which returns
/// `Option<UnboundedSender>`. It returns `None` if all `UnboundedSender`s
/// have been dropped, and otherwise it returns an `UnboundedSender`.
///
/// # Examples
///
/// ```
/// use tern::sync::mpsc::unbounded_channel;
///
/// #[tern::main]
/// async fn main() {
///     let (tx, _rx) = unbounded_channel::<i32>();
///     let tx_weak = tx.downgrade();
///
///     // Upgrading will succeed because `tx` still exists.
///     assert!(tx_weak.upgrade().is_some());
///
///     // If we drop `tx`, then it will fail.
///     drop(tx);
///     assert!(tx_weak.clone().upgrade().is_none());
/// }
/// ```
pub struct WeakUnboundedSender<T> {
    chan: Arc<UChan<T>>,
}

/// Receive values from the associated `UnboundedSender`.
///
/// Instances are created by the [`unbounded_channel`] function.
pub struct UnboundedReceiver<T> {
    chan: Arc<UChan<T>>,
}

/// Creates an unbounded mpsc channel for communicating between asynchronous
/// tasks without backpressure.
///
/// A `send` on this channel will always succeed as long as the receive half
/// has not been closed. If the receiver falls behind, messages will be
/// arbitrarily buffered.
///
/// **Note** that the amount of available system memory is an implicit
/// bound to the channel. Using an `unbounded` channel has the ability of
/// causing the process to run out of memory. In this case, the process
/// will be aborted.
///
/// # Examples
///
/// ```
/// use tern::sync::mpsc;
///
/// #[tern::main]
/// async fn main() {
///     let (tx, mut rx) = mpsc::unbounded_channel();
///     tern::spawn(async move {
///         for i in 0..10 {
///             tx.send(i).unwrap();
///         }
///     });
///     let mut sum = 0;
///     while let Some(i) = rx.recv().await {
///         sum += i;
///     }
///     assert_eq!(sum, 45);
/// }
/// ```
pub fn unbounded_channel<T>() -> (UnboundedSender<T>, UnboundedReceiver<T>) {
    let chan = chan::channel(Unbounded::new());
    (UnboundedSender { chan: chan.clone() }, UnboundedReceiver { chan })
}

impl<T> UnboundedReceiver<T> {
    /// Receives the next value for this receiver.
    ///
    /// This method returns `None` if the channel has been closed and there
    /// are no remaining messages in the channel's buffer. This indicates
    /// that no further values can ever be received from this `Receiver`.
    /// The channel is closed when all senders have been dropped, or when
    /// [`close`](Self::close) is called.
    ///
    /// If there are no messages in the channel's buffer, but the channel has
    /// not yet been closed, this method will sleep until a message is sent
    /// or the channel is closed.
    ///
    /// # Cancel safety
    ///
    /// This method is cancel safe. If `recv` is used as the event in a
    /// `tern::select!` statement and some other branch completes first, it
    /// is guaranteed that no messages were received on this channel.
    ///
    /// # Examples
    ///
    /// ```
    /// use tern::sync::mpsc;
    ///
    /// #[tern::main]
    /// async fn main() {
    ///     let (tx, mut rx) = mpsc::unbounded_channel();
    ///
    ///     tern::spawn(async move {
    ///         tx.send("hello").unwrap();
    ///     });
    ///
    ///     assert_eq!(Some("hello"), rx.recv().await);
    ///     assert_eq!(None, rx.recv().await);
    /// }
    /// ```
    pub async fn recv(&mut self) -> Option<T> {
        std::future::poll_fn(|cx| self.chan.recv(cx)).await
    }

    /// Receives the next values for this receiver and extends `buffer`.
    ///
    /// This method extends `buffer` by no more than `limit` values and
    /// returns how many were added. If `limit` is zero, it returns `0` at
    /// once; otherwise it never returns `0` unless the channel is closed and
    /// drained, and it sleeps while the channel is empty but open.
    ///
    /// # Cancel safety
    ///
    /// This method is cancel safe. If `recv_many` is used as the event in a
    /// `tern::select!` statement and some other branch completes first, it
    /// is guaranteed that no messages were received on this channel.
    ///
    /// # Examples
    ///
    /// ```
    /// use tern::sync::mpsc;
    ///
    /// #[tern::main]
    /// async fn main() {
    ///     let mut buffer: Vec<&str> = Vec::with_capacity(2);
    ///     let limit = 2;
    ///     let (tx, mut rx) = mpsc::unbounded_channel();
    ///     tx.send("first").unwrap();
    ///     tx.send("second").unwrap();
    ///     tx.send("third").unwrap();
    ///     assert_eq!(2, rx.recv_many(&mut buffer, limit).await);
    ///     assert_eq!(vec!["first", "second"], buffer);
    ///     drop(tx);
    ///     assert_eq!(1, rx.recv_many(&mut buffer, limit).await);
    ///     assert_eq!(0, rx.recv_many(&mut buffer, limit).await);
    /// }
    /// ```
    pub async fn recv_many(&mut self, buffer: &mut Vec<T>, limit: usize) -> usize {
        std::future::poll_fn(|cx| self.chan.recv_many(cx, buffer, limit)).await
    }

    /// Tries to receive the next value for this receiver.
    ///
    /// This method returns the [`Empty`](TryRecvError::Empty) error if the
    /// channel is currently empty, but there are still outstanding senders,
    /// and [`Disconnected`](TryRecvError::Disconnected) if it is empty and
    /// closed. It never returns `Empty` spuriously.
    ///
    /// # Examples
    ///
    /// ```
    /// use tern::sync::mpsc;
    /// use tern::sync::mpsc::error::TryRecvError;
    ///
    /// let (tx, mut rx) = mpsc::unbounded_channel();
    /// tx.send("hello").unwrap();
    /// assert_eq!(Ok("hello"), rx.try_recv());
    /// assert_eq!(Err(TryRecvError::Empty), rx.try_recv());
    /// drop(tx);
    /// assert_eq!(Err(TryRecvError::Disconnected), rx.try_recv());
    /// ```
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        match self.chan.try_recv() {
            TryRecv::Value(v) => Ok(v),
            TryRecv::Empty => Err(TryRecvError::Empty),
            TryRecv::Disconnected => Err(TryRecvError::Disconnected),
        }
    }

    /// Blocking receive to call outside of asynchronous contexts.
    ///
    /// # Panics
    ///
    /// This function panics if called within an asynchronous execution
    /// context.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::thread;
    /// use tern::sync::mpsc;
    ///
    /// let (tx, mut rx) = mpsc::unbounded_channel::<u8>();
    /// let sync_code = thread::spawn(move || {
    ///     assert_eq!(Some(10), rx.blocking_recv());
    /// });
    /// let _ = tx.send(10);
    /// sync_code.join().unwrap();
    /// ```
    #[track_caller]
    pub fn blocking_recv(&mut self) -> Option<T> {
        super::block_on(self.recv())
    }

    /// Variant of [`Self::recv_many`] for blocking contexts.
    ///
    /// The same conditions as in [`Self::blocking_recv`] apply.
    #[track_caller]
    pub fn blocking_recv_many(&mut self, buffer: &mut Vec<T>, limit: usize) -> usize {
        super::block_on(self.recv_many(buffer, limit))
    }

    /// Closes the receiving half of a channel, without dropping it.
    ///
    /// This prevents any further messages from being sent on the channel
    /// while still enabling the receiver to drain messages that are
    /// buffered.
    ///
    /// To guarantee that no messages are dropped, after calling `close()`,
    /// `recv()` must be called until `None` is returned.
    pub fn close(&mut self) {
        self.chan.close();
    }

    /// Checks if a channel is closed.
    ///
    /// This method returns `true` if the channel has been closed. The
    /// channel is closed when all [`UnboundedSender`] have been dropped, or
    /// when [`UnboundedReceiver::close`] is called.
    pub fn is_closed(&self) -> bool {
        self.chan.is_rx_closed()
    }

    /// Checks if a channel is empty.
    ///
    /// This method returns `true` if the channel has no messages.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Returns the number of messages in the channel.
    pub fn len(&self) -> usize {
        self.chan.len()
    }

    /// Polls to receive the next message on this channel.
    ///
    /// This method returns `Poll::Pending` if no messages are available but
    /// the channel is not closed (or spuriously), `Poll::Ready(Some(message))`
    /// if a message is available, and `Poll::Ready(None)` if the channel has
    /// been closed and all messages sent before it was closed have been
    /// received. On `Pending`, the `Waker` of the most recent call is woken
    /// when a message is sent or the channel is closed.
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.chan.recv(cx)
    }

    /// Polls to receive multiple messages on this channel, extending the
    /// provided buffer with at most `limit` messages.
    ///
    /// Returns `Poll::Ready(0)` if `limit` is 0 or the channel is closed and
    /// drained, `Poll::Ready(n)` when `n > 0` messages were added, and
    /// `Poll::Pending` (registering the `Waker`) otherwise.
    pub fn poll_recv_many(&mut self, cx: &mut Context<'_>, buffer: &mut Vec<T>, limit: usize) -> Poll<usize> {
        self.chan.recv_many(cx, buffer, limit)
    }

    /// Returns the number of [`UnboundedSender`] handles.
    pub fn sender_strong_count(&self) -> usize {
        self.chan.strong_count()
    }

    /// Returns the number of [`WeakUnboundedSender`] handles.
    pub fn sender_weak_count(&self) -> usize {
        self.chan.weak_count()
    }
}

impl<T> Drop for UnboundedReceiver<T> {
    fn drop(&mut self) {
        self.chan.rx_drop();
    }
}

impl<T> fmt::Debug for UnboundedReceiver<T> {
    fn fmt(&self, fmt: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt.debug_struct("UnboundedReceiver").field("len", &self.len()).finish()
    }
}

impl<T> UnboundedSender<T> {
    /// Attempts to send a message on this `UnboundedSender` without
    /// blocking.
    ///
    /// This method is not marked async because sending a message to an
    /// unbounded channel never requires any form of waiting. Because of
    /// this, the `send` method can be used in both synchronous and
    /// asynchronous code without problems.
    ///
    /// If the receive half of the channel is closed, either due to
    /// [`close`](UnboundedReceiver::close) being called or the
    /// [`UnboundedReceiver`] having been dropped, this function returns an
    /// error. The error includes the value passed to `send`.
    pub fn send(&self, message: T) -> Result<(), SendError<T>> {
        if !self.chan.semaphore.try_add() {
            return Err(SendError(message));
        }
        self.chan.send(message);
        Ok(())
    }

    /// Completes when the receiver has dropped.
    ///
    /// This allows the producers to get notified when interest in the
    /// produced values is canceled and immediately stop doing work.
    ///
    /// # Cancel safety
    ///
    /// This method is cancel safe. Once the channel is closed, it stays
    /// closed forever and all future calls to `closed` will return
    /// immediately.
    ///
    /// # Examples
    ///
    /// ```
    /// use tern::sync::mpsc;
    ///
    /// #[tern::main]
    /// async fn main() {
    ///     let (tx1, rx) = mpsc::unbounded_channel::<()>();
    ///     let tx2 = tx1.clone();
    ///     tern::spawn(async move {
    ///         drop(rx);
    ///     });
    ///     tx1.closed().await;
    ///     tx2.closed().await;
    ///     println!("Receiver dropped");
    /// }
    /// ```
    pub async fn closed(&self) {
        self.chan.closed().await;
    }

    /// Checks if the channel has been closed. This happens when the
    /// [`UnboundedReceiver`] is dropped, or when the
    /// [`UnboundedReceiver::close`] method is called.
    ///
    /// ```
    /// let (tx, rx) = tern::sync::mpsc::unbounded_channel::<()>();
    /// assert!(!tx.is_closed());
    ///
    /// let tx2 = tx.clone();
    /// assert!(!tx2.is_closed());
    ///
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// assert!(tx2.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.chan.semaphore_closed()
    }

    /// Returns `true` if senders belong to the same channel.
    ///
    /// ```
    /// let (tx, rx) = tern::sync::mpsc::unbounded_channel::<()>();
    /// let tx2 = tx.clone();
    /// assert!(tx.same_channel(&tx2));
    ///
    /// let (tx3, rx3) = tern::sync::mpsc::unbounded_channel::<()>();
    /// assert!(!tx3.same_channel(&tx2));
    /// ```
    pub fn same_channel(&self, other: &Self) -> bool {
        std::ptr::eq(&*self.chan, &*other.chan)
    }

    /// Converts the `UnboundedSender` to a [`WeakUnboundedSender`] that
    /// does not count towards RAII semantics, i.e. if all `UnboundedSender`
    /// instances of the channel were dropped and only `WeakUnboundedSender`
    /// instances remain, the channel is closed.
    #[must_use = "Downgrade creates a WeakSender without destroying the original non-weak sender."]
    pub fn downgrade(&self) -> WeakUnboundedSender<T> {
        self.chan.add_weak();
        WeakUnboundedSender { chan: self.chan.clone() }
    }

    /// Returns the number of [`UnboundedSender`] handles.
    pub fn strong_count(&self) -> usize {
        self.chan.strong_count()
    }

    /// Returns the number of [`WeakUnboundedSender`] handles.
    pub fn weak_count(&self) -> usize {
        self.chan.weak_count()
    }
}

impl<T> Clone for UnboundedSender<T> {
    fn clone(&self) -> Self {
        self.chan.add_sender();
        UnboundedSender { chan: self.chan.clone() }
    }
}

impl<T> Drop for UnboundedSender<T> {
    fn drop(&mut self) {
        self.chan.drop_sender();
    }
}

impl<T> fmt::Debug for UnboundedSender<T> {
    fn fmt(&self, fmt: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt.debug_struct("UnboundedSender").finish_non_exhaustive()
    }
}

impl<T> Clone for WeakUnboundedSender<T> {
    fn clone(&self) -> Self {
        self.chan.add_weak();
        WeakUnboundedSender { chan: self.chan.clone() }
    }
}

impl<T> Drop for WeakUnboundedSender<T> {
    fn drop(&mut self) {
        self.chan.drop_weak();
    }
}

impl<T> WeakUnboundedSender<T> {
    /// Tries to convert a `WeakUnboundedSender` into an [`UnboundedSender`].
    /// This will return `Some` if there are other `UnboundedSender`
    /// instances alive and the channel wasn't previously dropped, otherwise
    /// `None` is returned.
    pub fn upgrade(&self) -> Option<UnboundedSender<T>> {
        self.chan.upgrade().then(|| UnboundedSender { chan: self.chan.clone() })
    }

    /// Returns the number of [`UnboundedSender`] handles.
    pub fn strong_count(&self) -> usize {
        self.chan.strong_count()
    }

    /// Returns the number of [`WeakUnboundedSender`] handles.
    pub fn weak_count(&self) -> usize {
        self.chan.weak_count()
    }
}

impl<T> fmt::Debug for WeakUnboundedSender<T> {
    fn fmt(&self, fmt: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt.debug_struct("WeakUnboundedSender").finish_non_exhaustive()
    }
}
