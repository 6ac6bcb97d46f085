//! A multi-producer, single-consumer queue for sending values between
//! asynchronous tasks.
//!
//! This module provides two variants of the channel: bounded and unbounded.
//! The bounded variant has a limit on the number of messages that the
//! channel can store, and if this limit is reached, trying to send another
//! message will wait until a message is received from the channel. An
//! unbounded channel has an infinite capacity, so the `send` method will
//! always complete immediately. This makes the [`UnboundedSender`] usable
//! from both synchronous and asynchronous code.
//!
//! Similar to the `mpsc` channels provided by `std`, the channel constructor
//! functions provide separate send and receive handles, [`Sender`] and
//! [`Receiver`] for the bounded channel, [`UnboundedSender`] and
//! [`UnboundedReceiver`] for the unbounded channel. If there is no message
//! to read, the current task will be notified when a new value is sent.
//! [`Sender`] and [`UnboundedSender`] allow sending values into the channel.
//! If the bounded channel is at capacity, the send is rejected and the task
//! will be notified when additional capacity is available. In other words,
//! the channel provides backpressure.
//!
//! # Disconnection
//!
//! When all [`Sender`] handles have been dropped, it is no longer possible
//! to send values into the channel. This is considered the termination
//! event of the stream. As such, `Receiver::poll` returns `Ok(Ready(None))`.
//!
//! If the [`Receiver`] handle is dropped, then messages can no longer be
//! read out of the channel. In this case, all further attempts to send will
//! result in an error. Additionally, all unread messages will be drained
//! from the channel and dropped.
//!
//! # Clean Shutdown
//!
//! When the [`Receiver`] is dropped, it is possible for unprocessed messages
//! to remain in the channel. Instead, it is usually desirable to perform a
//! "clean" shutdown. To do this, the receiver first calls `close`, which
//! will prevent any further messages to be sent into the channel. Then, the
//! receiver consumes the channel to completion, at which point the receiver
//! can be dropped.
//!
//! # Communicating between sync and async code
//!
//! When you want to communicate between synchronous and asynchronous code,
//! there are two situations to consider: the bounded channel's
//! [`Sender::blocking_send`] and [`Receiver::blocking_recv`] block the
//! calling (non-runtime) thread, and the [`UnboundedSender`] can send from
//! anywhere without blocking.
//!
//! # Memory
//!
//! Messages are stored in a linked list of blocks of up to 32 slots (fewer
//! for large messages, so that a block's slots stay within 2 KiB). Unlike
//! Tokio's, a drained channel does not keep the blocks of a past burst: it
//! keeps its current block and at most one spare.
//!
//! # Multiple runtimes
//!
//! The mpsc channel is runtime agnostic: a channel can be created in one
//! runtime and used from another, or from outside of any runtime.

mod atomic_waker;
mod block;
mod bounded;
mod chan;
pub mod error;
mod list;
mod permit;
mod reserve;
mod semaphore;
mod sender;
mod unbounded;

#[cfg(all(test, tern_loom))]
mod loom;

pub use bounded::{channel, Receiver, Sender, WeakSender};
pub use permit::{OwnedPermit, Permit, PermitIterator};
pub use unbounded::{unbounded_channel, UnboundedReceiver, UnboundedSender, WeakUnboundedSender};

/// Under loom, SeqCst read-modify-writes and loads are modelled as
/// AcqRel/Acquire; an explicit SeqCst fence restores the store-then-load
/// ordering the channel relies on (a message's ready bit vs the receiver's
/// waker state; a moved `block_tail` vs the tail position). Natively the
/// SeqCst operations already give it, so this is empty.
#[inline(always)]
fn sc_fence() {
    #[cfg(tern_loom)]
    crate::loom::sync::atomic::fence(crate::loom::sync::atomic::Ordering::SeqCst);
}

/// Runs `f` to completion on this thread, for the `blocking_*` methods.
#[track_caller]
fn block_on<F: std::future::Future>(f: F) -> F::Output {
    if crate::runtime::context::is_runtime_entered() {
        panic!(
            "Cannot block the current thread from within a runtime. This happens because a \
             function attempted to block the current thread while the thread is being used to \
             drive asynchronous tasks."
        );
    }
    crate::runtime::park::block_on(f)
}
