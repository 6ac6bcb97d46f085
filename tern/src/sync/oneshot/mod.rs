//! A one-shot channel is used for sending a single message between
//! asynchronous tasks. The [`channel`] function is used to create a
//! [`Sender`] and [`Receiver`] handle pair that form the channel.
//!
//! The `Sender` handle is used by the producer to send the value.
//! The `Receiver` handle is used by the consumer to receive the value.
//!
//! Each handle can be used on separate tasks.
//!
//! Since the `send` method is not async, it can be used anywhere. This
//! includes sending between two runtimes, and using it from non-async code.
//!
//! If the [`Receiver`] is closed before receiving a message which has
//! already been sent, the message will remain in the channel until the
//! receiver is dropped, at which point the message will be dropped
//! immediately.
//!
//! One channel is one heap allocation holding the value, a state word and
//! one waker per side (see `state.rs` for the state table).
//!
//! # Examples
//!
//! ```
//! use tern::sync::oneshot;
//!
//! #[tern::main]
//! async fn main() {
//!     let (tx, rx) = oneshot::channel();
//!
//!     tern::spawn(async move {
//!         if let Err(_) = tx.send(3) {
//!             println!("the receiver dropped");
//!         }
//!     });
//!
//!     match rx.await {
//!         Ok(v) => println!("got = {:?}", v),
//!         Err(_) => println!("the sender dropped"),
//!     }
//! }
//! ```

#[cfg(all(test, tern_loom))]
mod loom;
mod state;

use state::{Complete, Inner, Release, SetTask, Side, UnsetTask, CLOSED, VALUE_SENT};

use crate::loom::sync::atomic::Ordering::Acquire;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{ready, Context, Poll};

pub mod error {
    //! `Oneshot` error types.

    use std::fmt;

    /// Error returned by the `Future` implementation for `Receiver`.
    ///
    /// This error is returned by the receiver when the sender is dropped without sending.
    #[derive(Debug, Eq, PartialEq, Clone)]
    pub struct RecvError(pub(super) ());

    /// Error returned by the `try_recv` function on `Receiver`.
    #[derive(Debug, Eq, PartialEq, Clone)]
    pub enum TryRecvError {
        /// The send half of the channel has not yet sent a value.
        Empty,

        /// The send half of the channel was dropped without sending a value.
        Closed,
    }

    impl fmt::Display for RecvError {
        fn fmt(&self, fmt: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(fmt, "channel closed")
        }
    }

    impl std::error::Error for RecvError {}

    impl fmt::Display for TryRecvError {
        fn fmt(&self, fmt: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                TryRecvError::Empty => write!(fmt, "channel empty"),
                TryRecvError::Closed => write!(fmt, "channel closed"),
            }
        }
    }

    impl std::error::Error for TryRecvError {}
}

use error::RecvError;

/// Sends a value to the associated [`Receiver`].
///
/// A pair of both a [`Sender`] and a [`Receiver`] are created by the
/// [`channel`] function.
pub struct Sender<T> {
    /// `None` once `send` consumed it.
    inner: Option<NonNull<Inner<T>>>,
}

/// Receives a value from the associated [`Sender`].
///
/// A pair of both a [`Sender`] and a [`Receiver`] are created by the
/// [`channel`] function.
///
/// This channel has no `recv` method because the receiver itself implements
/// the [`Future`] trait. To receive a `Result<T, `[`error::RecvError`]`>`,
/// `.await` the `Receiver` object directly.
///
/// The `poll` method on the `Future` trait is allowed to spuriously return
/// `Poll::Pending` even if the message has been sent. If such a spurious
/// failure happens, then the caller will be woken when the spurious failure
/// has been resolved so that the caller can attempt to receive the message
/// again. Note that receiving such a wakeup does not guarantee that the next
/// call will succeed — it could fail with another spurious failure.
///
/// # Examples
///
/// ```
/// use tern::sync::oneshot;
///
/// #[tern::main]
/// async fn main() {
///     let (tx, rx) = oneshot::channel::<u32>();
///
///     tern::spawn(async move {
///         drop(tx);
///     });
///
///     match rx.await {
///         Ok(_) => panic!("This doesn't happen"),
///         Err(_) => println!("the sender dropped"),
///     }
/// }
/// ```
pub struct Receiver<T> {
    /// `None` once a value or an error was handed out.
    inner: Option<NonNull<Inner<T>>>,
}

// SAFETY: the handles only move `T` between threads (never share `&T`), and
// every access to the shared block is ordered by its state word.
unsafe impl<T: Send> Send for Sender<T> {}
// SAFETY: `&Sender` only reads the state word.
unsafe impl<T: Send> Sync for Sender<T> {}
// SAFETY: as for `Sender`.
unsafe impl<T: Send> Send for Receiver<T> {}
// SAFETY: `&Receiver` only reads the state word.
unsafe impl<T: Send> Sync for Receiver<T> {}

/// Creates a new one-shot channel for sending single values across
/// asynchronous tasks.
///
/// The function returns separate "send" and "receive" handles. The `Sender`
/// handle is used by the producer to send the value. The `Receiver` handle is
/// used by the consumer to receive the value.
///
/// Each handle can be used on separate tasks.
///
/// # Examples
///
/// ```
/// use tern::sync::oneshot;
///
/// #[tern::main]
/// async fn main() {
///     let (tx, rx) = oneshot::channel();
///
///     tern::spawn(async move {
///         if let Err(_) = tx.send(3) {
///             println!("the receiver dropped");
///         }
///     });
///
///     match rx.await {
///         Ok(v) => println!("got = {:?}", v),
///         Err(_) => println!("the sender dropped"),
///     }
/// }
/// ```
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let inner = Inner::allocate();
    (Sender { inner: Some(inner) }, Receiver { inner: Some(inner) })
}

/// Marks `side`'s handle gone, freeing the block if the other one is too.
fn release<T>(ptr: NonNull<Inner<T>>, side: Side) {
    // SAFETY: the calling handle still owns its share of the block.
    if unsafe { ptr.as_ref() }.release(side) == Release::Last {
        // SAFETY: both handles released it.
        unsafe { Inner::free(ptr) };
    }
}

impl<T> Sender<T> {
    fn inner(&self) -> Option<&Inner<T>> {
        // SAFETY: the block lives until this handle releases it.
        self.inner.map(|p| unsafe { &*p.as_ptr() })
    }

    /// Attempts to send a value on this channel, returning it back if it could
    /// not be sent.
    ///
    /// This method consumes `self` as only one value may ever be sent on a
    /// `oneshot` channel. It is not marked async because sending a message to
    /// a `oneshot` channel never requires any form of waiting. Because of
    /// this, the `send` method can be used in both synchronous and
    /// asynchronous code without problems.
    ///
    /// A successful send occurs when it is determined that the other end of
    /// the channel has not hung up already. An unsuccessful send would be one
    /// where the corresponding receiver has already been deallocated. Note
    /// that a return value of `Err` means that the data will never be
    /// received, but a return value of `Ok` does *not* mean that the data
    /// will be received. It is possible for the corresponding receiver to
    /// hang up immediately after this function returns `Ok`.
    ///
    /// # Examples
    ///
    /// ```
    /// use tern::sync::oneshot;
    ///
    /// #[tern::main]
    /// async fn main() {
    ///     let (tx, rx) = oneshot::channel();
    ///
    ///     tern::spawn(async move {
    ///         if let Err(_) = tx.send(3) {
    ///             println!("the receiver dropped");
    ///         }
    ///     });
    ///
    ///     match rx.await {
    ///         Ok(v) => println!("got = {:?}", v),
    ///         Err(_) => println!("the sender dropped"),
    ///     }
    /// }
    /// ```
    pub fn send(mut self, t: T) -> Result<(), T> {
        let ptr = self.inner.take().expect("a Sender holds its channel until send");
        // SAFETY: the block lives until we release it below.
        let inner = unsafe { ptr.as_ref() };
        // SAFETY: before `VALUE_SENT` only the sender touches `value`, and
        // `send` consumes the sender, so this is the only write.
        inner.value.with_mut(|p| unsafe { *p = Some(t) });
        let result = match inner.complete() {
            Complete::Closed => {
                // SAFETY: `VALUE_SENT` was not set, so the value is still ours.
                Err(inner.value.with_mut(|p| unsafe { (*p).take() }).expect("value just written"))
            }
            Complete::WakeRx => {
                // SAFETY: `complete` saw `RX_TASK_SET` while setting `VALUE_SENT`.
                unsafe { inner.wake_task(Side::Rx) };
                Ok(())
            }
            Complete::Done => Ok(()),
        };
        release(ptr, Side::Tx);
        result
    }

    /// Waits for the associated [`Receiver`] handle to close.
    ///
    /// A [`Receiver`] is closed by either calling [`close`] explicitly or the
    /// [`Receiver`] value is dropped.
    ///
    /// This function is useful when paired with `select!` to abort a
    /// computation when the receiver is no longer interested in the result.
    ///
    /// # Return
    ///
    /// Returns a `Future` which must be awaited on.
    ///
    /// [`close`]: Receiver::close
    ///
    /// # Examples
    ///
    /// Basic usage
    ///
    /// ```
    /// use tern::sync::oneshot;
    ///
    /// #[tern::main]
    /// async fn main() {
    ///     let (mut tx, rx) = oneshot::channel::<()>();
    ///
    ///     tern::spawn(async move {
    ///         drop(rx);
    ///     });
    ///
    ///     tx.closed().await;
    ///     println!("the receiver dropped");
    /// }
    /// ```
    pub async fn closed(&mut self) {
        std::future::poll_fn(|cx| self.poll_closed(cx)).await
    }

    /// Returns `true` if the associated [`Receiver`] handle has been dropped.
    ///
    /// A [`Receiver`] is closed by either calling [`close`] explicitly or the
    /// [`Receiver`] value is dropped.
    ///
    /// If `true` is returned, a call to `send` will always result in an error.
    ///
    /// [`close`]: Receiver::close
    ///
    /// # Examples
    ///
    /// ```
    /// use tern::sync::oneshot;
    ///
    /// #[tern::main]
    /// async fn main() {
    ///     let (tx, rx) = oneshot::channel();
    ///
    ///     assert!(!tx.is_closed());
    ///
    ///     drop(rx);
    ///
    ///     assert!(tx.is_closed());
    ///     assert!(tx.send("never received").is_err());
    /// }
    /// ```
    pub fn is_closed(&self) -> bool {
        self.inner().is_some_and(|inner| inner.state.load(Acquire) & CLOSED != 0)
    }

    /// Checks whether the `oneshot` channel has been closed, and if not,
    /// schedules the `Waker` in the provided `Context` to receive a
    /// notification when the channel is closed.
    ///
    /// A [`Receiver`] is closed by either calling [`close`] explicitly, or
    /// when the [`Receiver`] value is dropped.
    ///
    /// Note that on multiple calls to poll, only the `Waker` from the `Context`
    /// passed to the most recent call will be scheduled to receive a wakeup.
    ///
    /// [`close`]: Receiver::close
    ///
    /// # Return value
    ///
    /// This function returns:
    ///
    ///  * `Poll::Pending` if the channel is still open.
    ///  * `Poll::Ready(())` if the channel is closed.
    ///
    /// # Examples
    ///
    /// ```
    /// use tern::sync::oneshot;
    ///
    /// use std::future::poll_fn;
    ///
    /// #[tern::main]
    /// async fn main() {
    ///     let (mut tx, mut rx) = oneshot::channel::<()>();
    ///
    ///     tern::spawn(async move {
    ///         rx.close();
    ///     });
    ///
    ///     poll_fn(|cx| tx.poll_closed(cx)).await;
    ///
    ///     println!("the receiver dropped");
    /// }
    /// ```
    pub fn poll_closed(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let coop = ready!(crate::task::coop::poll_proceed(cx));
        let inner = self.inner().expect("poll_closed on a Sender that sent");
        let state = inner.state.load(Acquire);
        if state & CLOSED != 0 {
            coop.made_progress();
            return Poll::Ready(());
        }
        if state & state::TX_TASK_SET != 0 {
            // SAFETY: our bit is set and we are the sender.
            if unsafe { inner.task_will_wake(Side::Tx, cx.waker()) } {
                return Poll::Pending;
            }
            match inner.unset_task(Side::Tx) {
                UnsetTask::Done => {
                    coop.made_progress();
                    return Poll::Ready(());
                }
                // SAFETY: we just cleared our bit.
                UnsetTask::Unset => unsafe { inner.drop_task(Side::Tx) },
            }
        }
        // SAFETY: our bit is clear.
        unsafe { inner.write_task(Side::Tx, cx.waker().clone()) };
        match inner.set_task(Side::Tx) {
            SetTask::Registered => Poll::Pending,
            SetTask::Done => {
                coop.made_progress();
                Poll::Ready(())
            }
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let Some(ptr) = self.inner.take() else { return };
        // SAFETY: the block lives until we release it below.
        let inner = unsafe { ptr.as_ref() };
        if inner.complete() == Complete::WakeRx {
            // SAFETY: `complete` saw `RX_TASK_SET` while setting `VALUE_SENT`.
            unsafe { inner.wake_task(Side::Rx) };
        }
        release(ptr, Side::Tx);
    }
}

mod receiver;

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, fmt: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.inner().map(|i| i.state.load(Acquire));
        fmt.debug_struct("Sender").field("state", &state).finish()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, fmt: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.inner.map(|p| {
            // SAFETY: the block lives until this handle releases it.
            unsafe { p.as_ref() }.state.load(Acquire)
        });
        fmt.debug_struct("Receiver").field("state", &state).finish()
    }
}

impl<T> Future for Receiver<T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let Some(ptr) = this.inner else { panic!("called after complete") };
        let coop = ready!(crate::task::coop::poll_proceed(cx));
        // SAFETY: the block lives until we release it.
        let inner = unsafe { ptr.as_ref() };
        let out = ready!(this.poll_recv(inner, cx));
        coop.made_progress();
        this.inner = None;
        release(ptr, Side::Rx);
        Poll::Ready(out)
    }
}

/// Whether `state` says the receiver may stop waiting.
fn finished(state: usize) -> bool {
    state & (VALUE_SENT | CLOSED) != 0
}
