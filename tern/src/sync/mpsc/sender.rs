//! [`Sender`] and [`WeakSender`] of the bounded channel.

use super::bounded::{Sender, WeakSender};
use super::error::{SendError, SendTimeoutError, TrySendError};
use super::semaphore::TryAcquire;
use std::fmt;
use std::time::Duration;

impl<T> Sender<T> {
    /// Sends a value, waiting until there is capacity.
    ///
    /// A successful send occurs when it is determined that the other end of
    /// the channel has not hung up already. An unsuccessful send would be
    /// one where the corresponding receiver has already been closed. Note
    /// that a return value of `Err` means that the data will never be
    /// received, but a return value of `Ok` does not mean that the data
    /// will be received. It is possible for the corresponding receiver to
    /// hang up immediately after this function returns `Ok`.
    ///
    /// # Errors
    ///
    /// If the receive half of the channel is closed, either due to [`close`]
    /// being called or the [`Receiver`] handle dropping, the function
    /// returns an error. The error includes the value passed to `send`.
    ///
    /// [`close`]: super::Receiver::close
    /// [`Receiver`]: super::Receiver
    ///
    /// # Cancel safety
    ///
    /// If `send` is used as the event in a `tern::select!` statement and
    /// some other branch completes first, then it is guaranteed that the
    /// message was not sent. **However, in that case, the message is
    /// dropped and will be lost.**
    ///
    /// To avoid losing messages, use [`reserve`](Self::reserve) to reserve
    /// capacity, then use the returned [`Permit`](super::Permit) to send the message.
    ///
    /// This channel uses a queue to ensure that calls to `send` and
    /// `reserve` complete in the order they were requested. Cancelling a
    /// call to `send` makes you lose your place in the queue.
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
    pub async fn send(&self, value: T) -> Result<(), SendError<T>> {
        if self.reserve_inner(1).await.is_err() {
            return Err(SendError(value));
        }
        self.chan.send(value);
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
    ///     let (tx1, rx) = mpsc::channel::<()>(1);
    ///     let tx2 = tx1.clone();
    ///     let tx3 = tx1.clone();
    ///     let tx4 = tx1.clone();
    ///     let tx5 = tx1.clone();
    ///     tern::spawn(async move {
    ///         drop(rx);
    ///     });
    ///
    ///     futures_join(tx1.closed(), tx2.closed()).await;
    ///     tx3.closed().await;
    ///     tx4.closed().await;
    ///     tx5.closed().await;
    ///     println!("Receiver dropped");
    /// }
    /// # async fn futures_join(a: impl std::future::Future, b: impl std::future::Future) {
    /// #     a.await;
    /// #     b.await;
    /// # }
    /// ```
    pub async fn closed(&self) {
        self.chan.closed().await;
    }

    /// Attempts to immediately send a message on this `Sender`.
    ///
    /// This method differs from [`send`] by returning immediately if the
    /// channel's buffer is full or no receiver is waiting to acquire some
    /// data. Compared with [`send`], this function has two failure cases
    /// instead of one (one for disconnection, one for a full buffer).
    ///
    /// # Errors
    ///
    /// If the channel capacity has been reached, i.e., the channel has `n`
    /// buffered values where `n` is the argument passed to [`channel`],
    /// then an error is returned.
    ///
    /// If the receive half of the channel is closed, either due to
    /// [`close`] being called or the [`Receiver`] handle dropping, the
    /// function returns an error. The error includes the value passed to
    /// `send`.
    ///
    /// [`send`]: Sender::send
    /// [`channel`]: super::channel
    /// [`close`]: super::Receiver::close
    /// [`Receiver`]: super::Receiver
    ///
    /// # Examples
    ///
    /// ```
    /// use tern::sync::mpsc;
    ///
    /// #[tern::main]
    /// async fn main() {
    ///     // Create a channel with buffer size 1
    ///     let (tx1, mut rx) = mpsc::channel(1);
    ///     let tx2 = tx1.clone();
    ///
    ///     tern::spawn(async move {
    ///         tx1.send(1).await.unwrap();
    ///         tx1.send(2).await.unwrap();
    ///         // task waits until the receiver receives a value.
    ///     });
    ///
    ///     tern::spawn(async move {
    ///         // This will return an error and send no message if the
    ///         // buffer is full.
    ///         let _ = tx2.try_send(3);
    ///     });
    ///
    ///     let mut msg;
    ///     msg = rx.recv().await.unwrap();
    ///     println!("message {} received", msg);
    ///
    ///     msg = rx.recv().await.unwrap();
    ///     println!("message {} received", msg);
    ///
    ///     // Third message may have never been sent
    ///     match rx.recv().await {
    ///         Some(msg) => println!("message {} received", msg),
    ///         None => println!("the third message was never sent"),
    ///     }
    /// }
    /// ```
    pub fn try_send(&self, message: T) -> Result<(), TrySendError<T>> {
        match self.chan.semaphore.try_acquire(1) {
            TryAcquire::Acquired => {
                self.chan.send(message);
                Ok(())
            }
            TryAcquire::NoPermits => Err(TrySendError::Full(message)),
            TryAcquire::Closed => Err(TrySendError::Closed(message)),
        }
    }

    /// Sends a value, waiting until there is capacity, but only for a
    /// limited time.
    ///
    /// Shares the same success and error conditions as [`send`], adding
    /// one more condition for an unsuccessful send, which is when the
    /// provided timeout has elapsed, and there is no capacity available.
    ///
    /// [`send`]: Sender::send
    ///
    /// # Errors
    ///
    /// If the receive half of the channel is closed, either due to
    /// [`close`](super::Receiver::close) being called or the
    /// [`Receiver`](super::Receiver) having been dropped, the function
    /// returns an error. The error includes the value passed to `send`.
    ///
    /// # Panics
    ///
    /// This function panics if it is called outside the context of a tern
    /// runtime with time enabled.
    ///
    /// # Examples
    ///
    /// ```
    /// use tern::sync::mpsc::{self, error::SendTimeoutError};
    /// use std::time::Duration;
    ///
    /// #[tern::main]
    /// async fn main() {
    ///     let (tx, _rx) = mpsc::channel(1);
    ///     tx.send(1).await.unwrap();
    ///     let res = tx.send_timeout(2, Duration::from_millis(10)).await;
    ///     assert!(matches!(res, Err(SendTimeoutError::Timeout(2))));
    /// }
    /// ```
    pub async fn send_timeout(&self, value: T, timeout: Duration) -> Result<(), SendTimeoutError<T>> {
        let permit = match crate::time::timeout(timeout, self.reserve()).await {
            Err(_) => return Err(SendTimeoutError::Timeout(value)),
            Ok(Err(_)) => return Err(SendTimeoutError::Closed(value)),
            Ok(Ok(permit)) => permit,
        };
        permit.send(value);
        Ok(())
    }

    /// Blocking send to call outside of asynchronous contexts.
    ///
    /// This method is intended for use cases where you are sending from
    /// synchronous code to asynchronous code, and will work even if the
    /// receiver is not using [`blocking_recv`] to receive the message.
    ///
    /// [`blocking_recv`]: super::Receiver::blocking_recv
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
    /// let (tx, mut rx) = mpsc::channel::<u8>(1);
    /// let sync_code = thread::spawn(move || {
    ///     tx.blocking_send(10).unwrap();
    /// });
    /// Runtime::new().unwrap().block_on(async move {
    ///     assert_eq!(Some(10), rx.recv().await);
    /// });
    /// sync_code.join().unwrap()
    /// ```
    #[track_caller]
    pub fn blocking_send(&self, value: T) -> Result<(), SendError<T>> {
        super::block_on(self.send(value))
    }

    /// Checks if the channel has been closed. This happens when the
    /// [`Receiver`](super::Receiver) is dropped, or when the
    /// [`Receiver::close`](super::Receiver::close) method is called.
    ///
    /// ```
    /// let (tx, rx) = tern::sync::mpsc::channel::<()>(42);
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
        self.chan.semaphore.is_closed()
    }

    /// Returns `true` if senders belong to the same channel.
    ///
    /// ```
    /// let (tx, rx) = tern::sync::mpsc::channel::<()>(1);
    /// let tx2 = tx.clone();
    /// assert!(tx.same_channel(&tx2));
    ///
    /// let (tx3, rx3) = tern::sync::mpsc::channel::<()>(1);
    /// assert!(!tx3.same_channel(&tx2));
    /// ```
    pub fn same_channel(&self, other: &Self) -> bool {
        std::ptr::eq(&*self.chan, &*other.chan)
    }

    /// Returns the current capacity of the channel.
    ///
    /// The capacity goes down when sending a value by calling
    /// [`send`](Sender::send) or by reserving capacity with
    /// [`reserve`](Sender::reserve). The capacity goes up when values are
    /// received by the [`Receiver`](super::Receiver). This is distinct from
    /// [`max_capacity`](Sender::max_capacity), which always returns buffer
    /// capacity initially specified when calling
    /// [`channel`](super::channel).
    ///
    /// # Examples
    ///
    /// ```
    /// use tern::sync::mpsc;
    ///
    /// #[tern::main]
    /// async fn main() {
    ///     let (tx, mut rx) = mpsc::channel::<()>(5);
    ///
    ///     assert_eq!(tx.capacity(), 5);
    ///
    ///     // Making a reservation drops the capacity by one.
    ///     let permit = tx.reserve().await.unwrap();
    ///     assert_eq!(tx.capacity(), 4);
    ///
    ///     // Sending and receiving a value increases the capacity by one.
    ///     permit.send(());
    ///     rx.recv().await.unwrap();
    ///     assert_eq!(tx.capacity(), 5);
    /// }
    /// ```
    pub fn capacity(&self) -> usize {
        self.chan.semaphore.available()
    }

    /// Converts the `Sender` to a [`WeakSender`] that does not count
    /// towards RAII semantics, i.e. if all `Sender` instances of the
    /// channel were dropped and only `WeakSender` instances remain, the
    /// channel is closed.
    #[must_use = "Downgrade creates a WeakSender without destroying the original non-weak sender."]
    pub fn downgrade(&self) -> WeakSender<T> {
        self.chan.add_weak();
        WeakSender { chan: self.chan.clone() }
    }

    /// Returns the maximum buffer capacity of the channel.
    ///
    /// The maximum capacity is the buffer capacity initially specified when
    /// calling [`channel`](super::channel). This is distinct from
    /// [`capacity`](Sender::capacity), which returns the *current*
    /// available buffer capacity.
    pub fn max_capacity(&self) -> usize {
        self.chan.semaphore.bound()
    }

    /// Returns the number of [`Sender`] handles.
    pub fn strong_count(&self) -> usize {
        self.chan.strong_count()
    }

    /// Returns the number of [`WeakSender`] handles.
    pub fn weak_count(&self) -> usize {
        self.chan.weak_count()
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.chan.add_sender();
        Sender { chan: self.chan.clone() }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        self.chan.drop_sender();
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, fmt: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt.debug_struct("Sender").field("capacity", &self.capacity()).finish()
    }
}

impl<T> Clone for WeakSender<T> {
    fn clone(&self) -> Self {
        self.chan.add_weak();
        WeakSender { chan: self.chan.clone() }
    }
}

impl<T> Drop for WeakSender<T> {
    fn drop(&mut self) {
        self.chan.drop_weak();
    }
}

impl<T> WeakSender<T> {
    /// Tries to convert a `WeakSender` into a [`Sender`]. This will return
    /// `Some` if there are other `Sender` instances alive and the channel
    /// wasn't previously dropped, otherwise `None` is returned.
    pub fn upgrade(&self) -> Option<Sender<T>> {
        self.chan.upgrade().then(|| Sender { chan: self.chan.clone() })
    }

    /// Returns the number of [`Sender`] handles.
    pub fn strong_count(&self) -> usize {
        self.chan.strong_count()
    }

    /// Returns the number of [`WeakSender`] handles.
    pub fn weak_count(&self) -> usize {
        self.chan.weak_count()
    }
}

impl<T> fmt::Debug for WeakSender<T> {
    fn fmt(&self, fmt: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt.debug_struct("WeakSender").finish()
    }
}
