//! [`Builder`]: names a task before spawning it into a [`JoinSet`]
//! (re-exported as `tern::task::join_set::Builder`).

use crate::runtime::Handle;
use crate::task::{AbortHandle, JoinSet};
use std::fmt;
use std::future::Future;

/// A variant of [`task::Builder`] that spawns tasks on a [`JoinSet`] rather
/// than on the current default runtime.
///
/// Made by [`JoinSet::build_task`]. Stable in tern (Tokio's needs
/// `tokio_unstable`).
///
/// [`task::Builder`]: crate::task::Builder
#[must_use = "builders do nothing unless used to spawn a task"]
pub struct Builder<'a, T> {
    joinset: &'a mut JoinSet<T>,
    builder: crate::task::Builder<'a>,
}

impl<'a, T: 'static> Builder<'a, T> {
    pub(crate) fn new(joinset: &'a mut JoinSet<T>) -> Self {
        Builder { joinset, builder: crate::task::Builder::new() }
    }

    /// Assigns a name to the task which will be spawned.
    pub fn name(self, name: &'a str) -> Self {
        let builder = self.builder.name(name);
        Self { builder, ..self }
    }

    /// Spawn the provided task with this builder's settings and store it in
    /// the [`JoinSet`], returning an [`AbortHandle`] that can be used to
    /// remotely cancel the task.
    ///
    /// # Returns
    ///
    /// An [`AbortHandle`] that can be used to remotely cancel the task.
    ///
    /// # Panics
    ///
    /// This method panics if called outside of a tern runtime.
    #[track_caller]
    pub fn spawn<F>(self, future: F) -> std::io::Result<AbortHandle>
    where
        F: Future<Output = T>,
        F: Send + 'static,
        T: Send,
    {
        Ok(self.joinset.insert(self.builder.spawn(future)?))
    }

    /// Spawn the provided task on the provided [runtime handle] with this
    /// builder's settings, and store it in the [`JoinSet`].
    ///
    /// # Returns
    ///
    /// An [`AbortHandle`] that can be used to remotely cancel the task.
    ///
    /// [runtime handle]: crate::runtime::Handle
    #[track_caller]
    pub fn spawn_on<F>(self, future: F, handle: &Handle) -> std::io::Result<AbortHandle>
    where
        F: Future<Output = T>,
        F: Send + 'static,
        T: Send,
    {
        Ok(self.joinset.insert(self.builder.spawn_on(future, handle)?))
    }

    /// Spawn the provided `!Send` task on the current
    /// [`LocalSet`](crate::task::LocalSet) or
    /// [`LocalRuntime`](crate::runtime::LocalRuntime) with this builder's
    /// settings, and store it in the [`JoinSet`].
    ///
    /// # Panics
    ///
    /// As [`task::spawn_local`](crate::task::spawn_local).
    #[track_caller]
    pub fn spawn_local<F>(self, future: F) -> std::io::Result<AbortHandle>
    where
        F: Future<Output = T> + 'static,
    {
        Ok(self.joinset.insert(self.builder.spawn_local(future)?))
    }

    /// Spawn the provided `!Send` task on the provided
    /// [`LocalSet`](crate::task::LocalSet) with this builder's settings,
    /// and store it in the [`JoinSet`].
    #[track_caller]
    pub fn spawn_local_on<F>(
        self,
        future: F,
        local_set: &crate::task::LocalSet,
    ) -> std::io::Result<AbortHandle>
    where
        F: Future<Output = T> + 'static,
    {
        Ok(self.joinset.insert(self.builder.spawn_local_on(future, local_set)?))
    }

    /// Spawn the blocking code on the blocking threadpool with this
    /// builder's settings, and store it in the [`JoinSet`].
    ///
    /// # Returns
    ///
    /// An [`AbortHandle`] that can be used to remotely cancel the task.
    ///
    /// # Panics
    ///
    /// This method panics if called outside of a tern runtime.
    #[track_caller]
    pub fn spawn_blocking<F>(self, f: F) -> std::io::Result<AbortHandle>
    where
        F: FnOnce() -> T,
        F: Send + 'static,
        T: Send,
    {
        Ok(self.joinset.insert(self.builder.spawn_blocking(f)?))
    }

    /// Spawn the blocking code on the blocking threadpool of the provided
    /// runtime handle with this builder's settings, and store it in the
    /// [`JoinSet`].
    ///
    /// # Returns
    ///
    /// An [`AbortHandle`] that can be used to remotely cancel the task.
    #[track_caller]
    pub fn spawn_blocking_on<F>(self, f: F, handle: &Handle) -> std::io::Result<AbortHandle>
    where
        F: FnOnce() -> T,
        F: Send + 'static,
        T: Send,
    {
        Ok(self.joinset.insert(self.builder.spawn_blocking_on(f, handle)?))
    }
}

// Manual `Debug` impl so that `Builder` is `Debug` regardless of whether `T`
// is `Debug`.
impl<T> fmt::Debug for Builder<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("join_set::Builder")
            .field("joinset", &self.joinset)
            .field("builder", &self.builder)
            .finish()
    }
}
