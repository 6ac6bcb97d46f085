//! The bounded channel: [`channel`], [`Sender`], [`WeakSender`] and
//! [`Receiver`].

use super::chan::{self, Chan, TryRecv};
use super::error::TryRecvError;
use super::semaphore::{Acquire, Semaphore, MAX_PERMITS};
use crate::loom::sync::Arc;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

pub(super) type BChan<T> = Chan<T, Semaphore>;

/// Sends values to the associated [`Receiver`].
///
/// Instances are created by the [`channel`] function.
///
/// To convert the `Sender` into a `Sink` or use it in a poll function, you
/// can use the `PollSender` utility (not provided by tern).
pub struct Sender<T> {
    pub(super) chan: Arc<BChan<T>>,
}

/// A sender that does not prevent the channel from being closed.
///
/// If all [`Sender`] instances of a channel were dropped and only
/// `WeakSender` instances remain, the channel is closed.
///
/// In order to send messages, the `WeakSender` needs to be upgraded using
/// [`WeakSender::upgrade`], which returns `Option<Sender>`. It returns
/// `None` if all `Sender`s have been dropped, and otherwise it returns a
/// `Sender`.
///
/// # Examples
///
/// ```
/// use tern::sync::mpsc::channel;
///
/// #[tern::main]
/// async fn main() {
///     let (tx, _rx) = channel::<i32>(15);
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
pub struct WeakSender<T> {
    pub(super) chan: Arc<BChan<T>>,
}

/// Receives values from the associated `Sender`.
///
/// Instances are created by the [`channel`] function.
pub struct Receiver<T> {
    chan: Arc<BChan<T>>,
}

/// Creates a bounded mpsc channel for communicating between asynchronous
/// tasks with backpressure.
///
/// The channel will buffer up to the provided number of messages. Once the
/// buffer is full, attempts to send new messages will wait until a message
/// is received from the channel. The provided buffer capacity must be at
/// least 1.
///
/// All data sent on `Sender` will become available on `Receiver` in the same
/// order as it was sent.
///
/// The `Sender` can be cloned to `send` to the same channel from multiple
/// code locations. Only one `Receiver` is supported.
///
/// If the `Receiver` is disconnected while trying to `send`, the `send`
/// method will return a `SendError`. Similarly, if `Sender` is disconnected
/// while trying to `recv`, the `recv` method will return `None`.
///
/// # Panics
///
/// Panics if the buffer capacity is 0, or too large (more than
/// `usize::MAX >> 3`).
///
/// # Examples
///
/// ```rust
/// use tern::sync::mpsc;
///
/// #[tern::main]
/// async fn main() {
///     let (tx, mut rx) = mpsc::channel(100);
///
///     tern::spawn(async move {
///         for i in 0..10 {
///             if let Err(_) = tx.send(i).await {
///                 println!("receiver dropped");
///                 return;
///             }
///         }
///     });
///
///     while let Some(i) = rx.recv().await {
///         println!("got = {}", i);
///     }
/// }
/// ```
#[track_caller]
pub fn channel<T>(buffer: usize) -> (Sender<T>, Receiver<T>) {
    assert!(buffer > 0, "mpsc bounded channel requires buffer > 0");
    assert!(buffer <= MAX_PERMITS, "a semaphore may not have more than MAX_PERMITS permits ({MAX_PERMITS})");
    let chan = chan::channel(Semaphore::new(buffer));
    (Sender { chan: chan.clone() }, Receiver { chan })
}

/// Waits for `n` permits of `sem`; gives them back if dropped unfinished.
pub(super) struct AcquireFut<'a> {
    sem: &'a Semaphore,
    acquire: Acquire,
}

impl<'a> AcquireFut<'a> {
    pub(super) fn new(sem: &'a Semaphore, n: usize) -> AcquireFut<'a> {
        AcquireFut { sem, acquire: Acquire::new(n) }
    }
}

impl Future for AcquireFut<'_> {
    type Output = Result<(), ()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), ()>> {
        let coop = std::task::ready!(crate::task::coop::poll_proceed(cx));
        // SAFETY: `acquire` is structurally pinned: never moved out of the
        // pinned future, and unlinked in `Drop` before it goes away.
        let (sem, acquire) = unsafe {
            let this = self.get_unchecked_mut();
            (this.sem, Pin::new_unchecked(&mut this.acquire))
        };
        let res = std::task::ready!(acquire.poll(sem, cx));
        coop.made_progress();
        Poll::Ready(res)
    }
}

impl Drop for AcquireFut<'_> {
    fn drop(&mut self) {
        // SAFETY: `drop` is the last use of the pinned field, in place.
        let acquire = unsafe { Pin::new_unchecked(&mut self.acquire) };
        acquire.drop_with(self.sem);
    }
}

#[track_caller]
fn blocking<F: Future>(f: F) -> F::Output {
    super::block_on(f)
}

impl<T> Receiver<T> {
    /// Receives the next value for this receiver.
    ///
    /// This method returns `None` if the channel has been closed and there
    /// are no remaining messages in the channel's buffer. This indicates
    /// that no further values can ever be received from this `Receiver`.
    /// The channel is closed when all senders have been dropped, or when
    /// [`close`] is called.
    ///
    /// If there are no messages in the channel's buffer, but the channel has
    /// not yet been closed, this method will sleep until a message is sent
    /// or the channel is closed. Note that if [`close`] is called, but
    /// there are still outstanding [`Permits`] from before it was closed,
    /// the channel is not considered closed by `recv` until the permits are
    /// released.
    ///
    /// # Cancel safety
    ///
    /// This method is cancel safe. If `recv` is used as the event in a
    /// `tern::select!` statement and some other branch completes first, it
    /// is guaranteed that no messages were received on this channel.
    ///
    /// [`close`]: Self::close
    /// [`Permits`]: struct@crate::sync::mpsc::Permit
    ///
    /// # Examples
    ///
    /// ```
    /// use tern::sync::mpsc;
    ///
    /// #[tern::main]
    /// async fn main() {
    ///     let (tx, mut rx) = mpsc::channel(100);
    ///
    ///     tern::spawn(async move {
    ///         tx.send("hello").await.unwrap();
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
    /// This method extends `buffer` by no more than a fixed number of
    /// values as specified by `limit`. If `limit` is zero, the function
    /// immediately returns `0`. The return value is the number of values
    /// added to `buffer`.
    ///
    /// For `limit > 0`, if there are no messages in the channel's queue,
    /// but the channel has not yet been closed, this method will sleep
    /// until a message is sent or the channel is closed. Note that if
    /// [`close`] is called, but there are still outstanding [`Permits`]
    /// from before it was closed, the channel is not considered closed by
    /// `recv_many` until the permits are released.
    ///
    /// For non-zero values of `limit`, this method will never return `0`
    /// unless the channel has been closed and there are no remaining
    /// messages in the channel's queue. This indicates that no further
    /// values can ever be received from this `Receiver`.
    ///
    /// # Cancel safety
    ///
    /// This method is cancel safe. If `recv_many` is used as the event in a
    /// `tern::select!` statement and some other branch completes first, it
    /// is guaranteed that no messages were received on this channel.
    ///
    /// [`close`]: Self::close
    /// [`Permits`]: struct@crate::sync::mpsc::Permit
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
    ///     let (tx, mut rx) = mpsc::channel(100);
    ///     tx.send("first").await.unwrap();
    ///     tx.send("second").await.unwrap();
    ///     tx.send("third").await.unwrap();
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
    /// This method returns the [`Empty`] error if the channel is currently
    /// empty, but there are still outstanding [senders] or [permits].
    ///
    /// This method returns the [`Disconnected`] error if the channel is
    /// currently empty, and there are no outstanding [senders] or
    /// [permits].
    ///
    /// Unlike the [`poll_recv`] method, this method will never return an
    /// [`Empty`] error spuriously.
    ///
    /// [`Empty`]: crate::sync::mpsc::error::TryRecvError::Empty
    /// [`Disconnected`]: crate::sync::mpsc::error::TryRecvError::Disconnected
    /// [`poll_recv`]: Self::poll_recv
    /// [senders]: crate::sync::mpsc::Sender
    /// [permits]: crate::sync::mpsc::Permit
    ///
    /// # Examples
    ///
    /// ```
    /// use tern::sync::mpsc;
    /// use tern::sync::mpsc::error::TryRecvError;
    ///
    /// #[tern::main]
    /// async fn main() {
    ///     let (tx, mut rx) = mpsc::channel(100);
    ///
    ///     tx.send("hello").await.unwrap();
    ///     assert_eq!(Ok("hello"), rx.try_recv());
    ///     assert_eq!(Err(TryRecvError::Empty), rx.try_recv());
    ///
    ///     tx.send("hello").await.unwrap();
    ///     // Drop the last sender, closing the channel.
    ///     drop(tx);
    ///     assert_eq!(Ok("hello"), rx.try_recv());
    ///     assert_eq!(Err(TryRecvError::Disconnected), rx.try_recv());
    /// }
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
    /// This method returns `None` if the channel has been closed and there
    /// are no remaining messages in the channel's buffer.
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
    /// use tern::runtime::Runtime;
    /// use tern::sync::mpsc;
    ///
    /// let (tx, mut rx) = mpsc::channel::<u8>(10);
    /// let sync_code = thread::spawn(move || {
    ///     assert_eq!(Some(10), rx.blocking_recv());
    /// });
    /// Runtime::new().unwrap().block_on(async move {
    ///     let _ = tx.send(10).await;
    /// });
    /// sync_code.join().unwrap();
    /// ```
    #[track_caller]
    pub fn blocking_recv(&mut self) -> Option<T> {
        blocking(self.recv())
    }

    /// Variant of [`Self::recv_many`] for blocking contexts.
    ///
    /// The same conditions as in [`Self::blocking_recv`] apply.
    #[track_caller]
    pub fn blocking_recv_many(&mut self, buffer: &mut Vec<T>, limit: usize) -> usize {
        blocking(self.recv_many(buffer, limit))
    }

    /// Closes the receiving half of a channel without dropping it.
    ///
    /// This prevents any further messages from being sent on the channel
    /// while still enabling the receiver to drain messages that are
    /// buffered. Any outstanding [`Permit`](super::Permit) values will still be able to
    /// send messages.
    ///
    /// To guarantee that no messages are dropped, after calling `close()`,
    /// `recv()` must be called until `None` is returned. If there are
    /// outstanding [`Permit`](super::Permit) or [`OwnedPermit`](super::OwnedPermit) values, the `recv` method
    /// will not return `None` until those are released.
    ///
    /// # Examples
    ///
    /// ```
    /// use tern::sync::mpsc;
    ///
    /// #[tern::main]
    /// async fn main() {
    ///     let (tx, mut rx) = mpsc::channel(20);
    ///
    ///     tern::spawn(async move {
    ///         let mut i = 0;
    ///         while let Ok(permit) = tx.reserve().await {
    ///             permit.send(i);
    ///             i += 1;
    ///         }
    ///     });
    ///
    ///     rx.close();
    ///
    ///     while let Some(msg) = rx.recv().await {
    ///         println!("got {}", msg);
    ///     }
    ///
    ///     // Channel closed and no messages are lost.
    /// }
    /// ```
    pub fn close(&mut self) {
        self.chan.close();
    }

    /// Checks if a channel is closed.
    ///
    /// This method returns `true` if the channel has been closed. The
    /// channel is closed when all [`Sender`] have been dropped, or when
    /// [`Receiver::close`] is called.
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

    /// Returns the current capacity of the channel.
    ///
    /// The capacity goes down when the sender sends a value by calling
    /// [`Sender::send`] or by reserving capacity with [`Sender::reserve`].
    /// The capacity goes up when values are received. This is distinct from
    /// [`max_capacity`], which always returns buffer capacity initially
    /// specified when calling [`channel`].
    ///
    /// [`max_capacity`]: Receiver::max_capacity
    pub fn capacity(&self) -> usize {
        self.chan.semaphore.available()
    }

    /// Returns the maximum buffer capacity of the channel.
    ///
    /// The maximum capacity is the buffer capacity initially specified when
    /// calling [`channel`]. This is distinct from [`capacity`], which
    /// returns the *current* available buffer capacity.
    ///
    /// [`capacity`]: Receiver::capacity
    pub fn max_capacity(&self) -> usize {
        self.chan.semaphore.bound()
    }

    /// Polls to receive the next message on this channel.
    ///
    /// This method returns:
    ///
    ///  * `Poll::Pending` if no messages are available but the channel is
    ///    not closed, or if a spurious failure happens.
    ///  * `Poll::Ready(Some(message))` if a message is available.
    ///  * `Poll::Ready(None)` if the channel has been closed and all
    ///    messages sent before it was closed have been received.
    ///
    /// When the method returns `Poll::Pending`, the `Waker` in the provided
    /// `Context` is scheduled to receive a wakeup when a message is sent on
    /// any receiver, or when the channel is closed. Note that on multiple
    /// calls to `poll_recv`, only the `Waker` from the `Context` passed to
    /// the most recent call is scheduled to receive a wakeup.
    ///
    /// If this method returns `Poll::Pending` due to a spurious failure,
    /// then the `Waker` will be notified when the situation causing the
    /// spurious failure has been resolved.
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.chan.recv(cx)
    }

    /// Polls to receive multiple messages on this channel, extending the
    /// provided buffer with at most `limit` messages.
    ///
    /// This method returns `Poll::Ready(0)` if `limit` is 0 or if the
    /// channel is closed and drained, `Poll::Ready(n)` with `n > 0` when
    /// messages were added, and `Poll::Pending` (registering the `Waker`)
    /// otherwise, as [`poll_recv`](Self::poll_recv) does.
    pub fn poll_recv_many(&mut self, cx: &mut Context<'_>, buffer: &mut Vec<T>, limit: usize) -> Poll<usize> {
        self.chan.recv_many(cx, buffer, limit)
    }

    /// Returns the number of [`Sender`] handles.
    pub fn sender_strong_count(&self) -> usize {
        self.chan.strong_count()
    }

    /// Returns the number of [`WeakSender`] handles.
    pub fn sender_weak_count(&self) -> usize {
        self.chan.weak_count()
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        self.chan.rx_drop();
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, fmt: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt.debug_struct("Receiver").field("len", &self.len()).finish()
    }
}

impl<T> Unpin for Receiver<T> {}
