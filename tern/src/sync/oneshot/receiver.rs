//! The receiving half's methods.

use super::error::{RecvError, TryRecvError};
use super::state::{Close, Inner, SetTask, Side, UnsetTask, CLOSED, RX_TASK_SET, VALUE_SENT};
use super::{finished, release, Receiver};
use crate::loom::sync::atomic::Ordering::Acquire;
use std::task::{Context, Poll};

impl<T> Receiver<T> {
    /// The value after `VALUE_SENT`: `Err` if the sender dropped without one.
    fn take_value(inner: &Inner<T>) -> Result<T, RecvError> {
        // SAFETY: called only once `VALUE_SENT` was seen (Acquire): the
        // sender no longer touches `value`, and only this handle reads it.
        inner.value.with_mut(|p| unsafe { (*p).take() }).ok_or(RecvError(()))
    }

    pub(super) fn poll_recv(&mut self, inner: &Inner<T>, cx: &mut Context<'_>) -> Poll<Result<T, RecvError>> {
        let state = inner.state.load(Acquire);
        if state & VALUE_SENT != 0 {
            return Poll::Ready(Self::take_value(inner));
        }
        if state & CLOSED != 0 {
            return Poll::Ready(Err(RecvError(())));
        }
        if state & RX_TASK_SET != 0 {
            // SAFETY: our bit is set and we are the receiver.
            if unsafe { inner.task_will_wake(Side::Rx, cx.waker()) } {
                return Poll::Pending;
            }
            match inner.unset_task(Side::Rx) {
                UnsetTask::Done => return Poll::Ready(Self::take_value(inner)),
                // SAFETY: we just cleared our bit.
                UnsetTask::Unset => unsafe { inner.drop_task(Side::Rx) },
            }
        }
        // SAFETY: our bit is clear.
        unsafe { inner.write_task(Side::Rx, cx.waker().clone()) };
        match inner.set_task(Side::Rx) {
            SetTask::Registered => Poll::Pending,
            SetTask::Done => Poll::Ready(Self::take_value(inner)),
        }
    }

    /// Prevents the associated [`Sender`](super::Sender) handle from sending a value.
    ///
    /// Any `send` operation which happens after calling `close` is guaranteed
    /// to fail. After calling `close`, [`try_recv`] should be called to
    /// receive a value if one was sent **before** the call to `close`
    /// completed.
    ///
    /// This function is useful to perform a graceful shutdown and ensure that
    /// a value will not be sent into the channel and never received.
    ///
    /// `close` is no-op if a message is already received or the channel
    /// is already closed.
    ///
    /// [`try_recv`]: Receiver::try_recv
    ///
    /// # Examples
    ///
    /// Prevent a value from being sent
    ///
    /// ```
    /// use tern::sync::oneshot;
    /// use tern::sync::oneshot::error::TryRecvError;
    ///
    /// #[tern::main]
    /// async fn main() {
    ///     let (tx, mut rx) = oneshot::channel();
    ///
    ///     assert!(!tx.is_closed());
    ///
    ///     rx.close();
    ///
    ///     assert!(tx.is_closed());
    ///     assert!(tx.send("never received").is_err());
    ///
    ///     match rx.try_recv() {
    ///         Err(TryRecvError::Closed) => {}
    ///         _ => unreachable!(),
    ///     }
    /// }
    /// ```
    ///
    /// Receive a value sent **before** calling `close`
    ///
    /// ```
    /// use tern::sync::oneshot;
    ///
    /// #[tern::main]
    /// async fn main() {
    ///     let (tx, mut rx) = oneshot::channel();
    ///
    ///     assert!(tx.send("will receive").is_ok());
    ///
    ///     rx.close();
    ///
    ///     let msg = rx.try_recv().unwrap();
    ///     assert_eq!(msg, "will receive");
    /// }
    /// ```
    pub fn close(&mut self) {
        let Some(ptr) = self.inner else { return };
        // SAFETY: the block lives until this handle releases it.
        let inner = unsafe { ptr.as_ref() };
        if inner.close() == Close::WakeTx {
            // SAFETY: `close` saw `TX_TASK_SET` while setting `CLOSED`.
            unsafe { inner.wake_task(Side::Tx) };
        }
    }

    /// Checks if this receiver is terminated.
    ///
    /// This function returns true if this receiver has already yielded a
    /// [`Poll::Ready`] result. If so, this receiver should no longer be
    /// polled.
    ///
    /// # Examples
    ///
    /// ```
    /// use tern::sync::oneshot;
    ///
    /// #[tern::main]
    /// async fn main() {
    ///     let (tx, mut rx) = oneshot::channel();
    ///
    ///     // A receiver is not terminated when it is initialized.
    ///     assert!(!rx.is_terminated());
    ///
    ///     // A receiver is not terminated it is polled and is still pending.
    ///     let poll = futures_poll(&mut rx);
    ///     assert!(poll.is_pending());
    ///     assert!(!rx.is_terminated());
    ///
    ///     // A receiver is not terminated if a value has been sent, but not yet read.
    ///     tx.send(0).unwrap();
    ///     assert!(!rx.is_terminated());
    ///
    ///     // A receiver *is* terminated after it has been polled and yielded a value.
    ///     assert_eq!((&mut rx).await, Ok(0));
    ///     assert!(rx.is_terminated());
    /// }
    /// # fn futures_poll<F: std::future::Future + Unpin>(f: &mut F) -> std::task::Poll<F::Output> {
    /// #     let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    /// #     std::pin::Pin::new(f).poll(&mut cx)
    /// # }
    /// ```
    pub fn is_terminated(&self) -> bool {
        self.inner.is_none()
    }

    /// Checks if a channel is empty.
    ///
    /// This method returns `true` if the channel has no messages.
    ///
    /// It is not necessarily safe to poll an empty receiver, which may have
    /// already yielded a value. Use [`is_terminated()`][Self::is_terminated]
    /// to check whether or not a receiver can be safely polled, instead.
    ///
    /// # Examples
    ///
    /// ```
    /// use tern::sync::oneshot;
    ///
    /// #[tern::main]
    /// async fn main() {
    ///     let (tx, mut rx) = oneshot::channel();
    ///     assert!(rx.is_empty());
    ///
    ///     tx.send(0).unwrap();
    ///     assert!(!rx.is_empty());
    ///
    ///     let _ = (&mut rx).await;
    ///     assert!(rx.is_empty());
    /// }
    /// ```
    pub fn is_empty(&self) -> bool {
        let Some(ptr) = self.inner else { return true };
        // SAFETY: the block lives until this handle releases it.
        let inner = unsafe { ptr.as_ref() };
        if inner.state.load(Acquire) & VALUE_SENT == 0 {
            return true;
        }
        // SAFETY: `VALUE_SENT` was seen: `value` is only ours now.
        inner.value.with(|p| unsafe { (*p).is_none() })
    }

    /// Attempts to receive a value.
    ///
    /// If a pending value exists in the channel, it is returned. If no value
    /// has been sent, the current task **will not** be registered for
    /// future notification.
    ///
    /// This function is useful to call from outside the context of an
    /// asynchronous task.
    ///
    /// Note that unlike the `poll` method, the `try_recv` method cannot fail
    /// spuriously. Any send or close event that happens before this call to
    /// `try_recv` will be correctly returned to the caller.
    ///
    /// # Return
    ///
    /// - `Ok(T)` if a value is pending in the channel.
    /// - `Err(TryRecvError::Empty)` if no value has been sent yet.
    /// - `Err(TryRecvError::Closed)` if the sender has dropped without sending
    ///   a value, or if the message has already been received.
    ///
    /// # Examples
    ///
    /// ```
    /// use tern::sync::oneshot;
    /// use tern::sync::oneshot::error::TryRecvError;
    ///
    /// #[tern::main]
    /// async fn main() {
    ///     let (tx, mut rx) = oneshot::channel();
    ///
    ///     match rx.try_recv() {
    ///         // The channel is currently empty
    ///         Err(TryRecvError::Empty) => {}
    ///         _ => unreachable!(),
    ///     }
    ///
    ///     // Send a value
    ///     tx.send("hello").unwrap();
    ///
    ///     match rx.try_recv() {
    ///         Ok(value) => assert_eq!(value, "hello"),
    ///         _ => unreachable!(),
    ///     }
    /// }
    /// ```
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let Some(ptr) = self.inner else { return Err(TryRecvError::Closed) };
        // SAFETY: the block lives until this handle releases it.
        let inner = unsafe { ptr.as_ref() };
        let state = inner.state.load(Acquire);
        if !finished(state) {
            return Err(TryRecvError::Empty);
        }
        let result = if state & VALUE_SENT != 0 {
            Self::take_value(inner).map_err(|_| TryRecvError::Closed)
        } else {
            Err(TryRecvError::Closed)
        };
        self.inner = None;
        release(ptr, Side::Rx);
        result
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
    /// use tern::sync::oneshot;
    ///
    /// #[tern::main]
    /// async fn main() {
    ///     let (tx, rx) = oneshot::channel::<u8>();
    ///
    ///     let sync_code = thread::spawn(move || {
    ///         assert_eq!(Ok(10), rx.blocking_recv());
    ///     });
    ///
    ///     let _ = tx.send(10);
    ///     sync_code.join().unwrap();
    /// }
    /// ```
    #[track_caller]
    pub fn blocking_recv(self) -> Result<T, RecvError> {
        crate::sync::blocking::block_on(self)
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let Some(ptr) = self.inner.take() else { return };
        // SAFETY: the block lives until we release it below.
        let inner = unsafe { ptr.as_ref() };
        match inner.close() {
            // SAFETY: `close` saw `TX_TASK_SET` while setting `CLOSED`.
            Close::WakeTx => unsafe { inner.wake_task(Side::Tx) },
            // The value goes now, not when the sender's handle does.
            Close::Done { sent: true } => drop(Self::take_value(inner)),
            Close::Done { sent: false } => {}
        }
        release(ptr, Side::Rx);
    }
}
