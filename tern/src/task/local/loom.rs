//! Loom model of a `LocalSet`'s remote wake: a task woken from another
//! thread while the owner polls the set is never lost.
//!
//! The owner registers its waker, then looks at the remote queue (through
//! the `remote_pending` hint); the other thread pushes, sets the hint, then
//! wakes the registered waker. Either the owner sees the hint, or the waker
//! it registered is woken: a lost wake is a loom deadlock.

use super::shared::Shared;
use crate::loom::sync::Arc;
use crate::task::{self, Id};
use ::loom::future::block_on;
use ::loom::thread;
use std::future::poll_fn;
use std::task::Poll;

#[test]
fn remote_wake_is_never_lost() {
    ::loom::model(|| {
        let shared = Arc::new(Shared::new(0));
        // SAFETY: the task is never polled; it is cancelled below on this
        // thread, which stands in for the owner.
        let (task, notified, join) = unsafe { task::new_local_task(async {}, shared.clone(), Id::next()) };
        let remote = shared.clone();
        let waker_thread = thread::spawn(move || {
            use crate::task::Schedule;
            remote.schedule(notified);
        });
        let popped = block_on(poll_fn(|cx| {
            shared.register_poller(cx.waker());
            match shared.pop_remote() {
                Some(n) => Poll::Ready(n),
                None => Poll::Pending,
            }
        }));
        waker_thread.join().unwrap();
        drop(popped);
        task.shutdown();
        drop(join);
        drop(shared.close());
    });
}
