//! `Barrier`: `n` tasks rendezvous, one of them is the leader.

use super::notify::Notify;
use crate::loom::sync::Mutex;

/// A barrier enables multiple tasks to synchronize the beginning of some
/// computation.
///
/// ```
/// # #[tern::main]
/// # async fn main() {
/// use tern::sync::Barrier;
/// use std::sync::Arc;
///
/// let mut handles = Vec::with_capacity(10);
/// let barrier = Arc::new(Barrier::new(10));
/// for _ in 0..10 {
///     let c = barrier.clone();
///     // The same messages will be printed together.
///     // You will NOT see any interleaving.
///     handles.push(tern::spawn(async move {
///         println!("before wait");
///         let wait_result = c.wait().await;
///         println!("after wait");
///         wait_result
///     }));
/// }
///
/// // Will not resolve until all "after wait" messages have been printed
/// let mut num_leaders = 0;
/// for handle in handles {
///     let wait_result = handle.await.unwrap();
///     if wait_result.is_leader() {
///         num_leaders += 1;
///     }
/// }
///
/// // Exactly one barrier will resolve as the "leader"
/// assert_eq!(num_leaders, 1);
/// # }
/// ```
#[derive(Debug)]
pub struct Barrier {
    /// Tasks arrived in the current generation.
    arrived: Mutex<usize>,
    /// Woken with `notify_waiters` by the `n`th arrival, under the
    /// `arrived` lock; each waiter creates its `Notified` under that lock
    /// too, so a waiter of this generation before that call and one of the
    /// next after it.
    release: Notify,
    n: usize,
}

impl Barrier {
    /// Creates a new barrier that can block a given number of tasks.
    ///
    /// A barrier will block `n`-1 tasks which call [`Barrier::wait`] and then
    /// wake up all tasks at once when the `n`th task calls `wait`.
    pub fn new(mut n: usize) -> Barrier {
        if n == 0 {
            // As `std::sync::Barrier`: 0 behaves as 1, every wait returns
            // at once.
            n = 1;
        }
        Barrier { arrived: Mutex::new(0), release: Notify::new(), n }
    }

    /// Does not resolve until all tasks have rendezvoused here.
    ///
    /// Barriers are re-usable after all tasks have rendezvoused once, and
    /// can be used continuously.
    ///
    /// A single (arbitrary) future will receive a [`BarrierWaitResult`] that
    /// returns `true` from [`BarrierWaitResult::is_leader`] when returning
    /// from this function, and all other tasks will receive a result that
    /// will return `false` from `is_leader`.
    ///
    /// # Cancel safety
    ///
    /// This method is not cancel safe.
    pub async fn wait(&self) -> BarrierWaitResult {
        let released = {
            let mut arrived = self.arrived.lock();
            *arrived += 1;
            if *arrived == self.n {
                *arrived = 0;
                // Under the lock: a task of the next generation arriving
                // between an unlock and this call would create its
                // `Notified` before it, and be released at once.
                self.release.notify_waiters();
                return BarrierWaitResult(true);
            }
            // Created before the leader's `notify_waiters` (ordered by the
            // lock), so that call wakes it even if it is not polled yet.
            self.release.notified()
        };
        // Nothing calls `notify_one` on `release`: completing means the
        // generation ended.
        released.await;
        BarrierWaitResult(false)
    }
}

/// A `BarrierWaitResult` is returned by `wait` when all tasks in the
/// `Barrier` have rendezvoused.
#[derive(Debug, Clone)]
pub struct BarrierWaitResult(bool);

impl BarrierWaitResult {
    /// Returns `true` if this task from wait is the "leader task".
    ///
    /// Only one task will have `true` returned from their result, all other
    /// tasks will have `false` returned.
    pub fn is_leader(&self) -> bool {
        self.0
    }
}
