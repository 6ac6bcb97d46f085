//! `!Send` tasks: [`LocalSet`] and [`spawn_local`].
//!
//! A `LocalSet` is a group of tasks that all run on the thread that owns the
//! set, inside whatever polls the set (`run_until`, `block_on`, or the set
//! itself as a future). Its futures need not be `Send`.
//!
//! # Pieces
//!
//! * [`Context`] (owner thread only, behind an `Rc`): the owned-task list
//!   and the local run queue, in `RefCell`s.
//! * [`Shared`] (`Arc`, any thread): the scheduler every local task holds.
//!   It carries the remote queue, where wakes from other threads (or from
//!   this thread while the set is not entered) go, and the waker of
//!   whoever polls the set.
//! * `CURRENT` (thread-local): the context entered on this thread, if any.
//!   `spawn_local` uses it, and `Shared::schedule` compares it with its own
//!   context to tell a local wake from a remote one.
//!
//! # Invariants
//!
//! * A local task is polled, cancelled and dropped only while its set's
//!   context is entered on the owner thread: the tick polls tasks taken
//!   from the queues (remote ones included) there, and `Drop` cancels the
//!   rest there. This is the contract `task::new_local_task` asks for.
//! * A task is in its set's owned list from spawn until it completes;
//!   `Shared::release` unlinks it, and only while the context is entered
//!   (which it always is when a local task completes).
//! * Once the set is dropped, the remote queue is closed: a late wake drops
//!   its notification, and the task (already complete) is freed by its last
//!   reference.

mod shared;

use self::shared::Shared;
use crate::loom::sync::Arc;
use crate::task::coop;
use crate::task::list::OwnedList;
use crate::task::{Id, JoinHandle, Notified};
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::Rc;
use std::task::Poll;

type Sched = Arc<Shared>;

/// Tasks polled per tick before the set yields to its poller.
const MAX_TASKS_PER_TICK: usize = 61;

/// Every this many polls, the remote queue is drained before the local one,
/// so that remote wakes are not starved by local ones.
const REMOTE_FIRST_INTERVAL: u8 = 31;

thread_local! {
    /// The context entered on this thread; valid while the `Entered` guard
    /// that set it (which holds an `Rc` to it) lives.
    static CURRENT: Cell<*const Context> = const { Cell::new(std::ptr::null()) };
}

/// A set of tasks executed on the same thread.
///
/// In some cases it is necessary to run one or more futures that do not
/// implement `Send`. [`spawn_local`] spawns such a future onto the set; the
/// set runs its tasks when it is polled: through [`LocalSet::run_until`],
/// [`LocalSet::block_on`], or by awaiting the `LocalSet` itself, which
/// completes once every task on it has completed.
///
/// Dropping a `LocalSet` cancels every task still on it (their futures are
/// dropped on the owner thread, and their `JoinHandle`s resolve to a
/// cancelled [`JoinError`](crate::task::JoinError)).
///
/// tern also offers [`LocalRuntime`](crate::runtime::LocalRuntime), which
/// runs `!Send` tasks on the current-thread scheduler itself, with no second
/// run queue in between.
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
/// use tern::task;
///
/// #[tern::main(flavor = "current_thread")]
/// async fn main() {
///     let nonsend_data = Rc::new("my nonsend data...");
///     let local = task::LocalSet::new();
///     local
///         .run_until(async move {
///             let nonsend_data = nonsend_data.clone();
///             task::spawn_local(async move {
///                 println!("{}", nonsend_data);
///             })
///             .await
///             .unwrap();
///         })
///         .await;
/// }
/// ```
pub struct LocalSet {
    context: Rc<Context>,
    /// `!Send` and `!Sync`.
    _not_send: PhantomData<*const ()>,
}

/// The state of a `LocalSet` that only its owner thread touches.
struct Context {
    /// Invariant: a task of this set is in this list from its spawn until it
    /// completes (see the module invariants).
    owned: RefCell<OwnedList<Sched>>,
    queue: RefCell<VecDeque<Notified<Sched>>>,
    shared: Arc<Shared>,
    /// Polls since the remote queue was last taken first.
    tick: Cell<u8>,
    /// A tick is running: a spawn need not wake the set's poller.
    ticking: Cell<bool>,
}

/// Context guard returned by [`LocalSet::enter`].
///
/// While it lives, [`spawn_local`] on this thread spawns onto the set.
pub struct LocalEnterGuard {
    _entered: Entered,
    _not_send: PhantomData<*const ()>,
}

impl fmt::Debug for LocalEnterGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalEnterGuard").finish()
    }
}

/// Sets `CURRENT` to a context for its lifetime, restoring the previous one.
struct Entered {
    prev: *const Context,
    /// Keeps the entered context alive while `CURRENT` points to it.
    _context: Rc<Context>,
}

impl Entered {
    fn new(context: &Rc<Context>) -> Entered {
        let prev = CURRENT.with(|c| c.replace(Rc::as_ptr(context)));
        Entered { prev, _context: context.clone() }
    }
}

impl Drop for Entered {
    fn drop(&mut self) {
        let _ = CURRENT.try_with(|c| c.set(self.prev));
    }
}

/// Whether a `LocalSet` is entered on this thread (its tasks, or code
/// inside `run_until`, are running here).
pub(crate) fn is_entered() -> bool {
    CURRENT.try_with(|c| !c.get().is_null()).unwrap_or(false)
}

/// Runs `f` with the entered context, if any.
fn with_current<R>(f: impl FnOnce(Option<&Context>) -> R) -> R {
    let ptr = CURRENT.try_with(Cell::get).unwrap_or(std::ptr::null());
    // SAFETY: a non-null `CURRENT` was set by a live `Entered`, whose `Rc`
    // keeps the context alive, and it is only read on this thread.
    f(unsafe { ptr.as_ref() })
}

impl LocalSet {
    /// Returns a new local task set.
    pub fn new() -> LocalSet {
        let context = Rc::new_cyclic(|weak| {
            let shared = Arc::new(Shared::new(weak.as_ptr() as usize));
            Context {
                owned: RefCell::new(OwnedList::new()),
                queue: RefCell::new(VecDeque::with_capacity(64)),
                shared,
                tick: Cell::new(0),
                ticking: Cell::new(false),
            }
        });
        LocalSet { context, _not_send: PhantomData }
    }

    /// Enters the context of this `LocalSet`.
    ///
    /// [`spawn_local`] spawns onto the set while the returned guard lives.
    /// The tasks run when the set is next polled.
    ///
    /// # Examples
    ///
    /// ```
    /// # tern::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let local = tern::task::LocalSet::new();
    /// let handle = {
    ///     let _guard = local.enter();
    ///     tern::task::spawn_local(async { 1 })
    /// };
    /// assert_eq!(local.run_until(handle).await.unwrap(), 1);
    /// # });
    /// ```
    pub fn enter(&self) -> LocalEnterGuard {
        LocalEnterGuard { _entered: Entered::new(&self.context), _not_send: PhantomData }
    }

    /// Spawns a `!Send` task onto the local task set.
    ///
    /// The task runs when the set is polled (through [`run_until`],
    /// [`block_on`], or by awaiting the set).
    ///
    /// [`run_until`]: LocalSet::run_until
    /// [`block_on`]: LocalSet::block_on
    ///
    /// # Examples
    ///
    /// ```
    /// use tern::task;
    ///
    /// #[tern::main(flavor = "current_thread")]
    /// async fn main() {
    ///     let local = task::LocalSet::new();
    ///     // Spawn a future on the local set. It runs once the set is polled.
    ///     let handle = local.spawn_local(async { "ran" });
    ///     local.run_until(async move {
    ///         assert_eq!(handle.await.unwrap(), "ran");
    ///     }).await;
    /// }
    /// ```
    #[track_caller]
    pub fn spawn_local<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.spawn_local_with_id(future, Id::next())
    }

    /// [`LocalSet::spawn_local`] with the task id chosen by the caller
    /// (`task::Builder` registers a name under it first).
    pub(crate) fn spawn_local_with_id<F>(&self, future: F, id: Id) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.context.spawn(future, id)
    }

    /// Runs a future to completion on the provided runtime, driving any
    /// local futures spawned on this task set meanwhile.
    ///
    /// This runs the given future on the runtime, blocking until it
    /// completes, and yielding its resolved result. Any tasks or timers
    /// which the future spawns internally will be executed on the runtime.
    ///
    /// # Panics
    ///
    /// As [`Runtime::block_on`](crate::runtime::Runtime::block_on): when
    /// called from within an asynchronous execution context.
    ///
    /// # Examples
    ///
    /// ```
    /// use tern::runtime::Runtime;
    /// use tern::task;
    ///
    /// let rt = Runtime::new().unwrap();
    /// let local = task::LocalSet::new();
    /// let rc = std::rc::Rc::new(5);
    /// let n = local.block_on(&rt, async move {
    ///     task::spawn_local(async move { *rc + 1 }).await.unwrap()
    /// });
    /// assert_eq!(n, 6);
    /// ```
    #[track_caller]
    pub fn block_on<F: Future>(&self, rt: &crate::runtime::Runtime, future: F) -> F::Output {
        rt.block_on(self.run_until(future))
    }

    /// Runs a future to completion on the local set, returning its output.
    ///
    /// This returns a future that runs the given future with a local set,
    /// allowing it to call [`spawn_local`] to spawn additional `!Send`
    /// futures. Any local futures spawned on the local set will be driven
    /// in the background until the future passed to `run_until` completes.
    /// When the future passed to `run_until` finishes, any local futures
    /// which have not completed will remain on the local set, and will be
    /// driven on subsequent calls to `run_until` or when awaiting the local
    /// set itself.
    ///
    /// # Cancel safety
    ///
    /// This method is cancel safe when `future` is cancel safe.
    ///
    /// # Examples
    ///
    /// ```
    /// use tern::task;
    ///
    /// #[tern::main(flavor = "current_thread")]
    /// async fn main() {
    ///     task::LocalSet::new().run_until(async {
    ///         task::spawn_local(async move {
    ///             // ...
    ///         }).await.unwrap();
    ///         // ...
    ///     }).await;
    /// }
    /// ```
    pub async fn run_until<F: Future>(&self, future: F) -> F::Output {
        RunUntil { set: self, future }.await
    }

    /// Returns the [`Id`](crate::runtime::Id) of this `LocalSet` (ids of
    /// sets and runtimes come from one space, as in Tokio).
    ///
    /// # Examples
    ///
    /// ```
    /// let local_set = tern::task::LocalSet::new();
    /// println!("Local set id: {}", local_set.id());
    /// ```
    pub fn id(&self) -> crate::runtime::Id {
        self.context.shared.id
    }

    /// Runs `f` with this set's context entered on this thread.
    fn with<R>(&self, f: impl FnOnce() -> R) -> R {
        let _entered = Entered::new(&self.context);
        f()
    }
}

impl Context {
    fn spawn<F>(self: &Rc<Self>, future: F, id: Id) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        // SAFETY: local tasks are polled, cancelled and dropped only while
        // this context is entered on this (the owner) thread: see the module
        // invariants.
        let (task, notified, join) = unsafe { crate::task::new_local_task(future, self.shared.clone(), id) };
        let pushed = self.owned.borrow_mut().push(task);
        match pushed {
            Ok(()) => {
                self.queue.borrow_mut().push_back(notified);
                if !self.ticking.get() {
                    self.shared.wake_poller();
                }
            }
            Err(task) => {
                // Closed (the set is being dropped): cancelled at once.
                drop(notified);
                let _entered = Entered::new(self);
                task.shutdown();
            }
        }
        join
    }

    /// Runs up to `MAX_TASKS_PER_TICK` tasks. Returns `true` when tasks are
    /// still queued afterwards (the poller must come back).
    fn tick(&self) -> bool {
        self.ticking.set(true);
        struct Reset<'a>(&'a Cell<bool>);
        impl Drop for Reset<'_> {
            fn drop(&mut self) {
                self.0.set(false);
            }
        }
        let _reset = Reset(&self.ticking);
        for _ in 0..MAX_TASKS_PER_TICK {
            // The borrow ends before the task runs: it may spawn or wake.
            let next = self.next_task();
            match next {
                Some(task) => coop::budget(|| task.run()),
                None => return false,
            }
        }
        true
    }

    fn next_task(&self) -> Option<Notified<Sched>> {
        let tick = self.tick.get().wrapping_add(1);
        self.tick.set(tick);
        if tick % REMOTE_FIRST_INTERVAL == 0 {
            if let Some(task) = self.shared.pop_remote() {
                return Some(task);
            }
        }
        let local = self.queue.borrow_mut().pop_front();
        local.or_else(|| self.shared.pop_remote())
    }

    fn is_idle(&self) -> bool {
        self.owned.borrow().len() == 0
    }
}

impl Default for LocalSet {
    fn default() -> LocalSet {
        LocalSet::new()
    }
}

impl fmt::Debug for LocalSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalSet").field("id", &self.id()).finish_non_exhaustive()
    }
}

/// Completes once every task on the set has completed.
impl Future for LocalSet {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<()> {
        let this = &*self;
        this.context.shared.register_poller(cx.waker());
        this.with(|| {
            if this.context.tick() {
                // Budget spent with work left: come back after others ran.
                cx.waker().wake_by_ref();
                Poll::Pending
            } else if this.context.is_idle() {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
    }
}

impl Drop for LocalSet {
    fn drop(&mut self) {
        let cx = &self.context;
        self.with(|| {
            cx.owned.borrow_mut().close();
            let remote = cx.shared.close();
            drop(remote);
            // Each step may run task destructors, which may wake or spawn
            // (spawns are cancelled at once now): loop until empty.
            loop {
                let task = cx.owned.borrow_mut().pop();
                if let Some(task) = task {
                    task.shutdown();
                    continue;
                }
                let notified = cx.queue.borrow_mut().pop_front();
                if let Some(notified) = notified {
                    drop(notified);
                    continue;
                }
                break;
            }
            drop(cx.shared.close());
        });
    }
}

/// The future behind [`LocalSet::run_until`].
struct RunUntil<'a, F> {
    set: &'a LocalSet,
    future: F,
}

impl<F: Future> Future for RunUntil<'_, F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<F::Output> {
        // SAFETY: `future` is structurally pinned: it is never moved out of
        // `self`, and `RunUntil` has no `Drop` or `Unpin` impl of its own.
        let (set, future) = unsafe {
            let this = self.get_unchecked_mut();
            (this.set, Pin::new_unchecked(&mut this.future))
        };
        set.context.shared.register_poller(cx.waker());
        set.with(|| {
            if let Poll::Ready(out) = future.poll(cx) {
                return Poll::Ready(out);
            }
            if set.context.tick() {
                cx.waker().wake_by_ref();
            }
            Poll::Pending
        })
    }
}

/// Spawns a `!Send` future on the current [`LocalSet`] or
/// [`LocalRuntime`](crate::runtime::LocalRuntime).
///
/// The spawned future will run on the same thread that called
/// `spawn_local`. The provided future will start running in the background
/// immediately when `spawn_local` is called, even if you don't await the
/// returned `JoinHandle`.
///
/// # Panics
///
/// This function panics if called outside of a [`LocalSet`] or a
/// [`LocalRuntime`](crate::runtime::LocalRuntime) (Tokio's message:
/// "`spawn_local` called from outside of a `task::LocalSet` or
/// `runtime::LocalRuntime`"); and, on a `LocalRuntime`, from a thread other
/// than the one that created it.
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
/// use tern::task;
///
/// #[tern::main(flavor = "local")]
/// async fn main() {
///     let nonsend_data = Rc::new("my nonsend data...");
///     let join = task::spawn_local(async move {
///         println!("{}", nonsend_data);
///     });
///     join.await.unwrap()
/// }
/// ```
#[track_caller]
pub fn spawn_local<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    spawn_local_with_id(future, Id::next())
}

/// [`spawn_local`] with the task id chosen by the caller.
#[track_caller]
pub(crate) fn spawn_local_with_id<F>(future: F, id: Id) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let mut future = Some(future);
    let on_runtime = crate::runtime::context::with_current_ref(|handle| {
        crate::runtime::local::spawn_local_on_current(handle, &mut future, id)
    });
    if let Ok(Some(join)) = on_runtime {
        return join;
    }
    let future = future.expect("present when not spawned on the runtime");
    let context = CURRENT.try_with(Cell::get).unwrap_or(std::ptr::null());
    if context.is_null() {
        panic!(
            "`spawn_local` called from outside of a `task::LocalSet` or `runtime::LocalRuntime`: \
             run the caller inside `LocalSet::run_until` / `LocalSet::block_on`, or build the \
             runtime with `Builder::build_local` (or `#[tern::main(flavor = \"local\")]`)"
        );
    }
    // SAFETY: `CURRENT` is non-null, so an `Entered` guard holding an `Rc`
    // to this context is alive on this thread.
    let context = unsafe { &*context };
    // Clone the Rc the guard holds (so `spawn` can enter it again).
    let rc = context_rc(context);
    rc.spawn(future, id)
}

/// Rebuilds a counted reference to an entered context.
fn context_rc(context: &Context) -> Rc<Context> {
    let ptr: *const Context = context;
    // SAFETY: every `Context` lives in an `Rc` (made by `LocalSet::new`),
    // and the `Entered` guard that made it current holds one count, so the
    // allocation is live; we add a count before making the new `Rc`.
    unsafe {
        Rc::increment_strong_count(ptr);
        Rc::from_raw(ptr)
    }
}

#[cfg(all(test, tern_loom))]
mod loom;
