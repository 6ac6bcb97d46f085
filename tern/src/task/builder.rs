//! `task::Builder`: spawning with options (today: a name).
//!
//! # Where a task's name lives
//!
//! A named task's name is copied into a process-wide table keyed by task
//! [`Id`] (`NAMES` below), so that a later task dump, which walks tasks and
//! knows their ids, can read it with [`task_name`]. The entry is made
//! before the task is spawned and removed when the task's future (or
//! blocking closure) is dropped, which happens when it completes or is
//! cancelled; a blocking task's entry is made when its closure starts
//! running, since its id is only assigned by the blocking spawner.
//!
//! Unnamed tasks never touch the table and are spawned exactly as
//! [`tern::spawn`](crate::spawn) spawns them, so neither `tern::spawn` nor
//! the task header pays anything for names: only a named spawn pays a lock
//! and a map insertion (and the removal when it ends).

use crate::runtime::{context, scheduler, Handle};
use crate::task::{Id, JoinHandle};
use std::collections::BTreeMap;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};

/// Factory which is used to configure the properties of a new task.
///
/// Unlike Tokio's (which needs `tokio_unstable`), tern's `Builder` is
/// stable. Methods can be chained in order to configure it.
///
/// Currently, there is only one configuration option:
///
/// - [`name`], which specifies an associated name for the task
///
/// There are two kinds of task that can be spawned from a `Builder`:
/// - [`spawn`] (and [`spawn_on`]) for executing [`Send`] futures on the
///   runtime
/// - [`spawn_blocking`] (and [`spawn_blocking_on`]) for executing blocking
///   code on a thread meant for it
///
/// ## Example
///
/// ```no_run
/// use tern::net::{TcpListener, TcpStream};
///
/// use std::io;
///
/// async fn process(socket: TcpStream) {
///     // ...
/// # drop(socket);
/// }
///
/// #[tern::main]
/// async fn main() -> io::Result<()> {
///     let listener = TcpListener::bind("127.0.0.1:8080").await?;
///
///     loop {
///         let (socket, _) = listener.accept().await?;
///
///         tern::task::Builder::new()
///             .name("tcp connection handler")
///             .spawn(async move {
///                 // Process each socket concurrently.
///                 process(socket).await
///             })?;
///     }
/// }
/// ```
///
/// [`name`]: Builder::name
/// [`spawn`]: Builder::spawn
/// [`spawn_on`]: Builder::spawn_on
/// [`spawn_blocking`]: Builder::spawn_blocking
/// [`spawn_blocking_on`]: Builder::spawn_blocking_on
#[derive(Default, Debug)]
pub struct Builder<'a> {
    name: Option<&'a str>,
}

impl<'a> Builder<'a> {
    /// Creates a new task builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Assigns a name to the task which will be spawned.
    ///
    /// The name is for diagnostics: tern records it (keyed by the task's
    /// [`Id`]) for as long as the task's future lives, so that tools
    /// listing tasks can show it. It has no effect on how the task runs.
    pub fn name(&self, name: &'a str) -> Self {
        Self { name: Some(name) }
    }

    /// Spawns a task with this builder's settings on the current runtime.
    ///
    /// # Panics
    ///
    /// This method panics if called outside of a tern runtime.
    ///
    /// See [`task::spawn`](crate::task::spawn()) for more details.
    ///
    /// # Examples
    ///
    /// ```
    /// # tern::runtime::Runtime::new().unwrap().block_on(async {
    /// let handle = tern::task::Builder::new().name("adder").spawn(async { 1 + 2 })?;
    /// assert_eq!(handle.await.unwrap(), 3);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[track_caller]
    pub fn spawn<Fut>(self, future: Fut) -> io::Result<JoinHandle<Fut::Output>>
    where
        Fut: Future + Send + 'static,
        Fut::Output: Send + 'static,
    {
        match context::with_current_ref(|handle| spawn_named(handle, self.name, future)) {
            Ok(join) => Ok(join),
            Err(e) => panic!("{}", e.panic_message("tern::task::Builder::spawn")),
        }
    }

    /// Spawns a task with this builder's settings on the provided [runtime
    /// handle].
    ///
    /// See [`Handle::spawn`] for more details.
    ///
    /// [runtime handle]: crate::runtime::Handle
    #[track_caller]
    pub fn spawn_on<Fut>(self, future: Fut, handle: &Handle) -> io::Result<JoinHandle<Fut::Output>>
    where
        Fut: Future + Send + 'static,
        Fut::Output: Send + 'static,
    {
        Ok(spawn_named(&handle.inner, self.name, future))
    }

    /// Spawns blocking code with this builder's settings on the current
    /// runtime's blocking threads.
    ///
    /// # Panics
    ///
    /// This method panics if called outside of a tern runtime.
    ///
    /// If the OS refuses to start a thread while no pool thread is left to
    /// run the closure, the closure is dropped unrun and its handle
    /// resolves to a cancelled [`JoinError`](crate::task::JoinError)
    /// (Tokio returns the spawn error instead).
    ///
    /// See [`task::spawn_blocking`](crate::task::spawn_blocking) for more
    /// details.
    #[track_caller]
    pub fn spawn_blocking<Function, Output>(self, function: Function) -> io::Result<JoinHandle<Output>>
    where
        Function: FnOnce() -> Output + Send + 'static,
        Output: Send + 'static,
    {
        let handle = match Handle::try_current() {
            Ok(handle) => handle,
            Err(e) => panic!("{}", e.panic_message("tern::task::Builder::spawn_blocking")),
        };
        self.spawn_blocking_on(function, &handle)
    }

    /// Spawns blocking code with this builder's settings on the provided
    /// [runtime handle]'s blocking threads.
    ///
    /// See [`Handle::spawn_blocking`] for more details.
    ///
    /// This never returns an error: if the OS refuses to start a thread
    /// while no pool thread is left to run the closure, the closure is
    /// dropped unrun and its handle resolves to a cancelled
    /// [`JoinError`](crate::task::JoinError) (Tokio returns the spawn error
    /// instead).
    ///
    /// [runtime handle]: crate::runtime::Handle
    #[track_caller]
    pub fn spawn_blocking_on<Function, Output>(
        self,
        function: Function,
        handle: &Handle,
    ) -> io::Result<JoinHandle<Output>>
    where
        Function: FnOnce() -> Output + Send + 'static,
        Output: Send + 'static,
    {
        Ok(match self.name {
            None => handle.spawn_blocking(function),
            Some(name) => {
                let name: Box<str> = name.into();
                handle.spawn_blocking(move || {
                    let _name = context::current_task_id().map(|id| Registration::new(id, name));
                    function()
                })
            }
        })
    }
}

impl Builder<'_> {
    /// Spawns a `!Send` task on the current [`LocalSet`](crate::task::LocalSet)
    /// or [`LocalRuntime`](crate::runtime::LocalRuntime) with this
    /// builder's settings.
    ///
    /// The spawned future will be run on the same thread that called
    /// `spawn_local`.
    ///
    /// # Panics
    ///
    /// As [`task::spawn_local`](crate::task::spawn_local): outside a
    /// `LocalSet` or `LocalRuntime`.
    ///
    /// # Examples
    ///
    /// ```
    /// #[tern::main(flavor = "local")]
    /// async fn main() {
    ///     let rc = std::rc::Rc::new(3);
    ///     let handle = tern::task::Builder::new()
    ///         .name("local worker")
    ///         .spawn_local(async move { *rc })
    ///         .unwrap();
    ///     assert_eq!(handle.await.unwrap(), 3);
    /// }
    /// ```
    #[track_caller]
    pub fn spawn_local<Fut>(self, future: Fut) -> io::Result<JoinHandle<Fut::Output>>
    where
        Fut: Future + 'static,
        Fut::Output: 'static,
    {
        let id = Id::next();
        Ok(match self.name {
            None => crate::task::local::spawn_local_with_id(future, id),
            Some(name) => crate::task::local::spawn_local_with_id(
                Named { future, _name: Registration::new(id, name.into()) },
                id,
            ),
        })
    }

    /// Spawns a `!Send` task on the provided [`LocalSet`](crate::task::LocalSet)
    /// with this builder's settings.
    #[track_caller]
    pub fn spawn_local_on<Fut>(
        self,
        future: Fut,
        local_set: &crate::task::LocalSet,
    ) -> io::Result<JoinHandle<Fut::Output>>
    where
        Fut: Future + 'static,
        Fut::Output: 'static,
    {
        let id = Id::next();
        Ok(match self.name {
            None => local_set.spawn_local_with_id(future, id),
            Some(name) => {
                local_set.spawn_local_with_id(Named { future, _name: Registration::new(id, name.into()) }, id)
            }
        })
    }
}

/// Spawns `future` on `handle`, registering `name` for its lifetime.
#[track_caller]
fn spawn_named<Fut>(handle: &scheduler::Handle, name: Option<&str>, future: Fut) -> JoinHandle<Fut::Output>
where
    Fut: Future + Send + 'static,
    Fut::Output: Send + 'static,
{
    let id = Id::next();
    match name {
        None => handle.spawn(future, id),
        // Registered before the spawn, so the task has its name from its
        // first poll on; `Named` removes it when the future is dropped.
        Some(name) => handle.spawn(Named { future, _name: Registration::new(id, name.into()) }, id),
    }
}

/// Names of the live named tasks.
static NAMES: Mutex<BTreeMap<Id, Box<str>>> = Mutex::new(BTreeMap::new());

fn names() -> MutexGuard<'static, BTreeMap<Id, Box<str>>> {
    // Nothing can panic while the lock is held: the map is always whole.
    NAMES.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The name given to the live task `id` by a [`Builder`], if any (for task
/// dumps).
#[cfg_attr(any(not(test), tern_loom), allow(dead_code))]
pub(crate) fn task_name(id: Id) -> Option<String> {
    names().get(&id).map(|name| name.to_string())
}

/// A task's entry in `NAMES`, removed on drop.
struct Registration(Id);

impl Registration {
    fn new(id: Id, name: Box<str>) -> Registration {
        names().insert(id, name);
        Registration(id)
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        names().remove(&self.0);
    }
}

/// A named task's future: the name entry goes when the future does.
struct Named<F> {
    // Declared first so it is dropped first: the name stays registered
    // while the future's destructor runs.
    future: F,
    _name: Registration,
}

impl<F: Future> Future for Named<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `future` is structurally pinned: it is never moved out of
        // `self`, and `Named` has no `Drop` impl that could move it.
        unsafe { self.map_unchecked_mut(|me| &mut me.future) }.poll(cx)
    }
}

#[cfg(all(test, not(tern_loom)))]
mod tests {
    use super::*;
    use crate::runtime::Runtime;

    #[test]
    fn name_is_readable_while_the_task_lives_and_gone_after() {
        let rt = Runtime::new().unwrap();
        rt.block_on(async {
            let (tx, rx) = std::sync::mpsc::channel::<()>();
            let handle = Builder::new()
                .name("worker-7")
                .spawn(async move {
                    let me = crate::task::id();
                    let name = task_name(me);
                    // Keep the task alive until the test has looked.
                    while rx.try_recv().is_err() {
                        crate::task::yield_now().await;
                    }
                    name
                })
                .unwrap();
            let id = handle.id();
            assert_eq!(task_name(id).as_deref(), Some("worker-7"));
            tx.send(()).unwrap();
            assert_eq!(handle.await.unwrap().as_deref(), Some("worker-7"));
            assert_eq!(task_name(id), None);

            let unnamed = Builder::new().spawn(async { crate::task::id() }).unwrap();
            let id = unnamed.await.unwrap();
            assert_eq!(task_name(id), None);
        });
    }

    #[test]
    fn blocking_task_is_named_while_it_runs() {
        let rt = Runtime::new().unwrap();
        rt.block_on(async {
            let handle =
                Builder::new().name("blocker").spawn_blocking(|| task_name(crate::task::id())).unwrap();
            let id = handle.id();
            assert_eq!(handle.await.unwrap().as_deref(), Some("blocker"));
            assert_eq!(task_name(id), None);
        });
    }

    #[test]
    fn aborted_named_task_loses_its_name() {
        let rt = Runtime::new().unwrap();
        rt.block_on(async {
            let handle = Builder::new().name("doomed").spawn(std::future::pending::<()>()).unwrap();
            let id = handle.id();
            handle.abort();
            assert!(handle.await.unwrap_err().is_cancelled());
            assert_eq!(task_name(id), None);
        });
    }
}
