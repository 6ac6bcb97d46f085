//! A collection of tasks spawned on a tern runtime.
//!
//! This module provides the [`JoinSet`] type, a collection which stores a set
//! of spawned tasks and allows asynchronously awaiting the output of those
//! tasks as they complete, and [`Builder`], which names a task before
//! spawning it into a set. See the documentation for the [`JoinSet`] type
//! for details.

use crate::runtime::Handle;
use crate::task::coop;
use crate::task::join_set_entries::{Key, NotifySet};
use crate::task::{AbortHandle, Id, JoinError, JoinHandle};
use std::fmt;
use std::future::Future;
use std::panic;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

pub use crate::task::join_set_builder::Builder;

/// A collection of tasks spawned on a tern runtime.
///
/// A `JoinSet` can be used to await the completion of some or all of the
/// tasks in the set. The set is not ordered, and the tasks will be returned
/// in the order they complete (a task that had already completed before the
/// set first looked at it is returned in the order it was added).
///
/// All of the tasks must have the same return type `T`.
///
/// When the `JoinSet` is dropped, all tasks in the `JoinSet` are immediately
/// aborted.
///
/// Joining costs O(1) per task (amortised): the set keeps a queue of the
/// tasks that completed, and never scans its tasks to find one.
///
/// # Examples
///
/// Spawn multiple tasks and wait for them.
///
/// ```
/// use tern::task::JoinSet;
///
/// # tern::runtime::Runtime::new().unwrap().block_on(async {
/// let mut set = JoinSet::new();
///
/// for i in 0..10 {
///     set.spawn(async move { i });
/// }
///
/// let mut seen = [false; 10];
/// while let Some(res) = set.join_next().await {
///     let idx = res.unwrap();
///     seen[idx] = true;
/// }
///
/// for i in 0..10 {
///     assert!(seen[i]);
/// }
/// # });
/// ```
///
/// # Task ID guarantees
///
/// While a task is tracked in a `JoinSet`, that task's ID is unique relative
/// to all other running tasks in tern. For this purpose, tracking a task in
/// a `JoinSet` is equivalent to holding a [`JoinHandle`] to it. See the
/// [task ID](crate::task::Id) documentation for more info.
pub struct JoinSet<T> {
    inner: NotifySet<JoinHandle<T>>,
}

impl<T> JoinSet<T> {
    /// Create a new `JoinSet`.
    pub fn new() -> Self {
        JoinSet { inner: NotifySet::new() }
    }

    /// Returns the number of tasks currently in the `JoinSet`.
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    /// Returns whether the `JoinSet` is empty.
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }
}

impl<T: 'static> JoinSet<T> {
    /// Returns a [`Builder`] that can be used to configure a task prior to
    /// spawning it on this `JoinSet`.
    ///
    /// # Examples
    ///
    /// ```
    /// use tern::task::JoinSet;
    ///
    /// #[tern::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let mut set = JoinSet::new();
    ///
    ///     // Use the builder to configure a task's name before spawning it.
    ///     set.build_task()
    ///         .name("my_task")
    ///         .spawn(async { /* ... */ })?;
    ///
    ///     Ok(())
    /// }
    /// ```
    pub fn build_task(&mut self) -> Builder<'_, T> {
        Builder::new(self)
    }

    /// Spawn the provided task on the `JoinSet`, returning an [`AbortHandle`]
    /// that can be used to remotely cancel the task.
    ///
    /// The provided future will start running in the background immediately
    /// when this method is called, even if you don't await anything on this
    /// `JoinSet`.
    ///
    /// # Panics
    ///
    /// This method panics if called outside of a tern runtime.
    #[track_caller]
    pub fn spawn<F>(&mut self, task: F) -> AbortHandle
    where
        F: Future<Output = T>,
        F: Send + 'static,
        T: Send,
    {
        self.insert(crate::spawn(task))
    }

    /// Spawn the provided task on the provided runtime and store it in this
    /// `JoinSet` returning an [`AbortHandle`] that can be used to remotely
    /// cancel the task.
    ///
    /// The provided future will start running in the background immediately
    /// when this method is called, even if you don't await anything on this
    /// `JoinSet`.
    #[track_caller]
    pub fn spawn_on<F>(&mut self, task: F, handle: &Handle) -> AbortHandle
    where
        F: Future<Output = T>,
        F: Send + 'static,
        T: Send,
    {
        self.insert(handle.spawn(task))
    }

    /// Spawn the blocking code on the blocking threadpool and store it in
    /// this `JoinSet`, returning an [`AbortHandle`] that can be used to
    /// remotely cancel the task.
    ///
    /// # Examples
    ///
    /// Spawn multiple blocking tasks and wait for them.
    ///
    /// ```
    /// use tern::task::JoinSet;
    ///
    /// #[tern::main]
    /// async fn main() {
    ///     let mut set = JoinSet::new();
    ///
    ///     for i in 0..10 {
    ///         set.spawn_blocking(move || i);
    ///     }
    ///
    ///     let mut seen = [false; 10];
    ///     while let Some(res) = set.join_next().await {
    ///         let idx = res.unwrap();
    ///         seen[idx] = true;
    ///     }
    ///
    ///     for i in 0..10 {
    ///         assert!(seen[i]);
    ///     }
    /// }
    /// ```
    ///
    /// # Panics
    ///
    /// This method panics if called outside of a tern runtime.
    #[track_caller]
    pub fn spawn_blocking<F>(&mut self, f: F) -> AbortHandle
    where
        F: FnOnce() -> T,
        F: Send + 'static,
        T: Send,
    {
        self.insert(crate::task::spawn_blocking(f))
    }

    /// Spawn the blocking code on the blocking threadpool of the provided
    /// runtime and store it in this `JoinSet`, returning an [`AbortHandle`]
    /// that can be used to remotely cancel the task.
    #[track_caller]
    pub fn spawn_blocking_on<F>(&mut self, f: F, handle: &Handle) -> AbortHandle
    where
        F: FnOnce() -> T,
        F: Send + 'static,
        T: Send,
    {
        self.insert(handle.spawn_blocking(f))
    }

    /// Spawns the provided `!Send` task on the current
    /// [`LocalSet`](crate::task::LocalSet) or
    /// [`LocalRuntime`](crate::runtime::LocalRuntime) and stores it in this
    /// `JoinSet`, returning an [`AbortHandle`] that can be used to remotely
    /// cancel the task.
    ///
    /// # Panics
    ///
    /// As [`task::spawn_local`](crate::task::spawn_local): outside a
    /// `LocalSet` or `LocalRuntime`.
    #[track_caller]
    pub fn spawn_local<F>(&mut self, task: F) -> AbortHandle
    where
        F: Future<Output = T> + 'static,
    {
        self.insert(crate::task::spawn_local(task))
    }

    /// Spawns the provided `!Send` task on the provided
    /// [`LocalSet`](crate::task::LocalSet) and stores it in this `JoinSet`,
    /// returning an [`AbortHandle`] that can be used to remotely cancel the
    /// task.
    ///
    /// The task runs when the `LocalSet` is polled, not before.
    #[track_caller]
    pub fn spawn_local_on<F>(&mut self, task: F, local_set: &crate::task::LocalSet) -> AbortHandle
    where
        F: Future<Output = T> + 'static,
    {
        self.insert(local_set.spawn_local(task))
    }

    /// Tracks the task of `jh` in this set; returns its [`AbortHandle`].
    /// (The spawn methods, `spawn_local`'s included, are this plus a spawn.)
    pub(crate) fn insert(&mut self, jh: JoinHandle<T>) -> AbortHandle {
        let abort = jh.abort_handle();
        self.inner.insert(jh);
        abort
    }

    /// Waits until one of the tasks in the set completes and returns its
    /// output.
    ///
    /// Returns `None` if the set is empty.
    ///
    /// # Cancel safety
    ///
    /// This method is cancel safe. If `join_next` is used as a branch in
    /// `tern::select!` and another branch completes first, it is guaranteed
    /// that no tasks were removed from this `JoinSet`.
    pub async fn join_next(&mut self) -> Option<Result<T, JoinError>> {
        std::future::poll_fn(|cx| self.poll_join_next(cx)).await
    }

    /// Waits until one of the tasks in the set completes and returns its
    /// output, along with the [task ID] of the completed task.
    ///
    /// Returns `None` if the set is empty.
    ///
    /// When this method returns an error, then the id of the task that
    /// failed can be accessed using the [`JoinError::id`] method.
    ///
    /// # Cancel safety
    ///
    /// This method is cancel safe. If `join_next_with_id` is used as a
    /// branch in `tern::select!` and another branch completes first, it is
    /// guaranteed that no tasks were removed from this `JoinSet`.
    ///
    /// [task ID]: crate::task::Id
    /// [`JoinError::id`]: fn@crate::task::JoinError::id
    pub async fn join_next_with_id(&mut self) -> Option<Result<(Id, T), JoinError>> {
        std::future::poll_fn(|cx| self.poll_join_next_with_id(cx)).await
    }

    /// Tries to join one of the tasks in the set that has completed and
    /// return its output.
    ///
    /// Returns `None` if there are no completed tasks, or if the set is
    /// empty.
    pub fn try_join_next(&mut self) -> Option<Result<T, JoinError>> {
        self.try_join_next_with_id().map(|res| res.map(|(_, output)| output))
    }

    /// Tries to join one of the tasks in the set that has completed and
    /// return its output, along with the [task ID] of the completed task.
    ///
    /// Returns `None` if there are no completed tasks, or if the set is
    /// empty.
    ///
    /// When this method returns an error, then the id of the task that
    /// failed can be accessed using the [`JoinError::id`] method.
    ///
    /// [task ID]: crate::task::Id
    /// [`JoinError::id`]: fn@crate::task::JoinError::id
    pub fn try_join_next_with_id(&mut self) -> Option<Result<(Id, T), JoinError>> {
        // Not async, so it cannot be made to yield: look at the handles
        // without spending coop budget.
        coop::with_unconstrained(|| loop {
            let key = self.inner.pop_notified(None)?;
            if let Poll::Ready(res) = self.poll_entry(key) {
                return Some(self.finish(key, res));
            }
        })
    }

    /// Aborts all tasks and waits for them to finish shutting down.
    ///
    /// Calling this method is equivalent to calling [`abort_all`] and then
    /// calling [`join_next`] in a loop until it returns `None`.
    ///
    /// This method ignores any panics in the tasks shutting down. When this
    /// call returns, the `JoinSet` will be empty.
    ///
    /// [`abort_all`]: fn@Self::abort_all
    /// [`join_next`]: fn@Self::join_next
    pub async fn shutdown(&mut self) {
        self.abort_all();
        while self.join_next().await.is_some() {}
    }

    /// Awaits the completion of all tasks in this `JoinSet`, returning a
    /// vector of their results.
    ///
    /// The results will be stored in the order they completed not the order
    /// they were spawned. This is a convenience method that is equivalent to
    /// calling [`join_next`] in a loop. If any tasks on the `JoinSet` fail
    /// with a [`JoinError`], then this call to `join_all` will panic (with
    /// the task's own panic payload if it panicked) and all remaining tasks
    /// on the `JoinSet` are cancelled. To handle errors in any other way,
    /// manually call [`join_next`] in a loop.
    ///
    /// # Examples
    ///
    /// Spawn multiple tasks and `join_all` them.
    ///
    /// ```
    /// use tern::task::JoinSet;
    /// use std::time::Duration;
    ///
    /// #[tern::main(flavor = "current_thread", start_paused = true)]
    /// async fn main() {
    ///     let mut set = JoinSet::new();
    ///
    ///     for i in 0..3 {
    ///         set.spawn(async move {
    ///             tern::time::sleep(Duration::from_secs(3 - i)).await;
    ///             i
    ///         });
    ///     }
    ///
    ///     let output = set.join_all().await;
    ///     assert_eq!(output, vec![2, 1, 0]);
    /// }
    /// ```
    ///
    /// Equivalent implementation of `join_all`, using [`join_next`] and
    /// loop.
    ///
    /// ```
    /// use tern::task::JoinSet;
    /// use std::panic;
    ///
    /// # tern::runtime::Runtime::new().unwrap().block_on(async {
    /// let mut set = JoinSet::new();
    ///
    /// for i in 0..3 {
    ///     set.spawn(async move { i });
    /// }
    ///
    /// let mut output = Vec::new();
    /// while let Some(res) = set.join_next().await {
    ///     match res {
    ///         Ok(t) => output.push(t),
    ///         Err(err) if err.is_panic() => panic::resume_unwind(err.into_panic()),
    ///         Err(err) => panic!("{err}"),
    ///     }
    /// }
    /// assert_eq!(output.len(), 3);
    /// # });
    /// ```
    ///
    /// [`join_next`]: fn@Self::join_next
    pub async fn join_all(mut self) -> Vec<T> {
        let mut output = Vec::with_capacity(self.len());
        while let Some(res) = self.join_next().await {
            match res {
                Ok(t) => output.push(t),
                Err(err) if err.is_panic() => panic::resume_unwind(err.into_panic()),
                Err(err) => panic!("{err}"),
            }
        }
        output
    }

    /// Aborts all tasks on this `JoinSet`.
    ///
    /// This does not remove the tasks from the `JoinSet`. To wait for the
    /// tasks to complete cancellation, you should call `join_next` in a loop
    /// until the `JoinSet` is empty.
    pub fn abort_all(&mut self) {
        self.inner.for_each(|jh| jh.abort());
    }

    /// Removes all tasks from this `JoinSet` without aborting them.
    ///
    /// The tasks removed by this call will continue to run in the background
    /// even if the `JoinSet` is dropped.
    pub fn detach_all(&mut self) {
        self.inner.drain(drop);
    }

    /// Polls for one of the tasks in the set to complete.
    ///
    /// If this returns `Poll::Ready(Some(_))`, then the task that completed
    /// is removed from the set.
    ///
    /// When the method returns `Poll::Pending`, the `Waker` in the provided
    /// `Context` is scheduled to receive a wakeup when a task in the
    /// `JoinSet` completes. Note that on multiple calls to `poll_join_next`,
    /// only the `Waker` from the `Context` passed to the most recent call is
    /// scheduled to receive a wakeup.
    ///
    /// # Returns
    ///
    /// This function returns:
    ///
    ///  * `Poll::Pending` if the `JoinSet` is not empty but there is no task
    ///    whose output is available right now.
    ///  * `Poll::Ready(Some(Ok(value)))` if one of the tasks in this
    ///    `JoinSet` has completed. The `value` is the return value of one of
    ///    the tasks that completed.
    ///  * `Poll::Ready(Some(Err(err)))` if one of the tasks in this `JoinSet`
    ///    has panicked or been aborted. The `err` is the `JoinError` from the
    ///    panicked/aborted task.
    ///  * `Poll::Ready(None)` if the `JoinSet` is empty.
    ///
    /// Note that this method may return `Poll::Pending` even if one of the
    /// tasks has completed. This can happen if the [coop budget] is reached.
    ///
    /// [coop budget]: crate::task::coop#cooperative-scheduling
    pub fn poll_join_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, JoinError>>> {
        self.poll_join_next_with_id(cx).map(|opt| opt.map(|res| res.map(|(_, output)| output)))
    }

    /// Polls for one of the tasks in the set to complete.
    ///
    /// If this returns `Poll::Ready(Some(_))`, then the task that completed
    /// is removed from the set.
    ///
    /// When the method returns `Poll::Pending`, the `Waker` in the provided
    /// `Context` is scheduled to receive a wakeup when a task in the
    /// `JoinSet` completes. Note that on multiple calls to `poll_join_next`,
    /// only the `Waker` from the `Context` passed to the most recent call is
    /// scheduled to receive a wakeup.
    ///
    /// # Returns
    ///
    /// This function returns:
    ///
    ///  * `Poll::Pending` if the `JoinSet` is not empty but there is no task
    ///    whose output is available right now.
    ///  * `Poll::Ready(Some(Ok((id, value))))` if one of the tasks in this
    ///    `JoinSet` has completed. The `value` is the return value of one of
    ///    the tasks that completed, and `id` is the [task ID] of that task.
    ///  * `Poll::Ready(Some(Err(err)))` if one of the tasks in this `JoinSet`
    ///    has panicked or been aborted. The `err` is the `JoinError` from the
    ///    panicked/aborted task.
    ///  * `Poll::Ready(None)` if the `JoinSet` is empty.
    ///
    /// Note that this method may return `Poll::Pending` even if one of the
    /// tasks has completed. This can happen if the [coop budget] is reached.
    ///
    /// [coop budget]: crate::task::coop#cooperative-scheduling
    /// [task ID]: crate::task::Id
    pub fn poll_join_next_with_id(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<(Id, T), JoinError>>> {
        if self.is_empty() {
            return Poll::Ready(None);
        }
        // Budget is checked once here; below, a handle that is not ready
        // gives its unit back, and the one that is ready spends it.
        if !coop::has_budget_remaining() {
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        loop {
            let Some(key) = self.inner.pop_notified(Some(cx.waker())) else {
                // `cx`'s waker is registered: the next completion wakes it.
                return Poll::Pending;
            };
            if let Poll::Ready(res) = self.poll_entry(key) {
                return Poll::Ready(Some(self.finish(key, res)));
            }
        }
    }

    /// Polls one notified handle. If it is not ready, its waker (which
    /// notifies the entry) is now registered with the task.
    fn poll_entry(&mut self, key: Key) -> Poll<Result<T, JoinError>> {
        if !self.inner.has_waker(key) && self.inner.value_mut(key).is_finished() {
            // Completed before anyone waited for it: no waker needed (the
            // output is there, so the noop waker is never stored).
            let mut cx = Context::from_waker(Waker::noop());
            return Pin::new(self.inner.value_mut(key)).poll(&mut cx);
        }
        let waker = self.inner.waker(key);
        let mut cx = Context::from_waker(&waker);
        Pin::new(self.inner.value_mut(key)).poll(&mut cx)
    }

    /// Removes the joined entry and tags a success with the task's id (a
    /// `JoinError` carries it already).
    fn finish(&mut self, key: Key, res: Result<T, JoinError>) -> Result<(Id, T), JoinError> {
        let jh = self.inner.remove(key);
        res.map(|output| (jh.id(), output))
    }
}

impl<T> Drop for JoinSet<T> {
    fn drop(&mut self) {
        self.inner.drain(|jh| jh.abort());
    }
}

impl<T> fmt::Debug for JoinSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinSet").field("len", &self.len()).finish()
    }
}

impl<T> Default for JoinSet<T> {
    fn default() -> Self {
        Self::new()
    }
}
