//! A runtime-neutral one-shot handoff (the "oneshot-like" channel of the
//! ping-pong scenarios), so that every runtime is measured with the same
//! synchronisation code and only the scheduler differs.

use std::cell::UnsafeCell;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, Ordering::*};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

const EMPTY: u8 = 0;
const WAITING: u8 = 1;
const SENT: u8 = 2;

struct Inner {
    state: AtomicU8,
    /// Written only by the receiver while `state` is `EMPTY`; read only by
    /// the sender after it swapped `WAITING` for `SENT`.
    waker: UnsafeCell<Option<Waker>>,
}

// SAFETY: access to `waker` is serialised by `state` as documented on it.
unsafe impl Sync for Inner {}

pub struct Sender(Arc<Inner>);
pub struct Receiver(Arc<Inner>);

pub fn handoff() -> (Sender, Receiver) {
    let inner = Arc::new(Inner { state: AtomicU8::new(EMPTY), waker: UnsafeCell::new(None) });
    (Sender(inner.clone()), Receiver(inner))
}

impl Sender {
    pub fn send(self) {
        if self.0.state.swap(SENT, AcqRel) == WAITING {
            // SAFETY: we moved the state from WAITING to SENT: the receiver
            // no longer writes the waker, and it was published by its
            // Release store of WAITING.
            let waker = unsafe { (*self.0.waker.get()).take() };
            if let Some(w) = waker {
                w.wake();
            }
        }
    }
}

impl Future for Receiver {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let inner = &self.0;
        let state = inner.state.load(Acquire);
        // A registered waker: take the slot back before replacing it.
        if state == SENT
            || (state == WAITING && inner.state.compare_exchange(WAITING, EMPTY, AcqRel, Acquire).is_err())
        {
            return Poll::Ready(());
        }
        // SAFETY: the state is EMPTY and only we move it out of EMPTY
        // towards WAITING; the sender never reads the waker in EMPTY.
        unsafe { *inner.waker.get() = Some(cx.waker().clone()) };
        match inner.state.compare_exchange(EMPTY, WAITING, AcqRel, Acquire) {
            Ok(_) => Poll::Pending,
            Err(_) => Poll::Ready(()),
        }
    }
}
