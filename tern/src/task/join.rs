//! `JoinHandle`: the owned permission to await a task's output.

use crate::task::coop;
use crate::task::raw::RawTask;
use crate::task::{AbortHandle, Id, JoinError};
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::panic::{RefUnwindSafe, UnwindSafe};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// An owned permission to join on a task (await its termination).
///
/// This is the counterpart of [`std::thread::JoinHandle`] for a tern task:
/// awaiting it yields the task's output, or a [`JoinError`] if the task
/// panicked or was cancelled. Dropping a `JoinHandle` *detaches* the task:
/// it keeps running, and its output is dropped when it completes.
///
/// # Examples
///
/// ```
/// # tern::runtime::Runtime::new().unwrap().block_on(async {
/// let handle = tern::spawn(async { 5 + 3 });
/// assert_eq!(handle.await.unwrap(), 8);
/// # });
/// ```
pub struct JoinHandle<T> {
    raw: RawTask,
    /// Set once the output (or error) has been returned: the stage is then
    /// empty and must not be read again.
    output_taken: bool,
    _p: PhantomData<T>,
}

// SAFETY: the handle only moves `T` out of the task, once, so `T: Send`
// suffices, as for `std::thread::JoinHandle`.
unsafe impl<T: Send> Send for JoinHandle<T> {}
// SAFETY: `&JoinHandle` only reads the id and the state word.
unsafe impl<T: Send> Sync for JoinHandle<T> {}

impl<T> UnwindSafe for JoinHandle<T> {}
impl<T> RefUnwindSafe for JoinHandle<T> {}
impl<T> Unpin for JoinHandle<T> {}

impl<T> JoinHandle<T> {
    /// # Safety
    ///
    /// `raw` is a task whose output type is `T`, and the caller hands this
    /// handle the task's join reference (`JOIN_INTEREST`).
    pub(crate) unsafe fn new(raw: RawTask) -> JoinHandle<T> {
        JoinHandle { raw, output_taken: false, _p: PhantomData }
    }

    /// Abort the task associated with the handle.
    ///
    /// Awaiting a cancelled task might complete as usual if the task was
    /// already completed at the time it was cancelled, but most likely it
    /// will fail with a [cancelled] `JoinError`. A task that is currently
    /// being polled is cancelled when that poll returns.
    ///
    /// [cancelled]: JoinError::is_cancelled
    ///
    /// # Examples
    ///
    /// ```
    /// # tern::runtime::Runtime::new().unwrap().block_on(async {
    /// let handle = tern::spawn(std::future::pending::<()>());
    /// handle.abort();
    /// assert!(handle.await.unwrap_err().is_cancelled());
    /// # });
    /// ```
    pub fn abort(&self) {
        self.raw.remote_abort();
    }

    /// Checks if the task associated with this `JoinHandle` has finished.
    ///
    /// Note that this method can return `false` even if [`abort`] has been
    /// called on the task, because the cancellation may not have happened
    /// yet.
    ///
    /// [`abort`]: JoinHandle::abort
    pub fn is_finished(&self) -> bool {
        self.raw.header().state.load().is_complete()
    }

    /// Returns a new `AbortHandle` that can be used to remotely abort this
    /// task.
    pub fn abort_handle(&self) -> AbortHandle {
        self.raw.ref_inc();
        // SAFETY: we just added the reference the `AbortHandle` owns.
        unsafe { AbortHandle::new(self.raw) }
    }

    /// Returns a [task ID] that uniquely identifies this task relative to
    /// other currently spawned tasks.
    ///
    /// [task ID]: crate::task::Id
    pub fn id(&self) -> Id {
        self.raw.id()
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        assert!(!self.output_taken, "JoinHandle polled after completion");
        let coop = ready!(coop::poll_proceed(cx));
        let mut ret = Poll::Pending;
        // SAFETY: we are the task's JoinHandle and `ret` has the type the
        // task's vtable writes for output type `T`.
        unsafe {
            self.raw.try_read_output(&mut ret as *mut Poll<Result<T, JoinError>> as *mut (), cx.waker())
        };
        if ret.is_ready() {
            coop.made_progress();
            self.output_taken = true;
        }
        ret
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        let state = &self.raw.header().state;
        if self.output_taken {
            if state.drop_join_handle_after_output() {
                // SAFETY: that was the last reference.
                unsafe { self.raw.dealloc() }
            }
        } else if state.drop_join_handle_fast().is_err() {
            // SAFETY: we are the JoinHandle, the output is untaken, and we
            // give up our reference.
            unsafe { self.raw.drop_join_handle_slow() }
        }
    }
}

impl<T> fmt::Debug for JoinHandle<T>
where
    T: fmt::Debug,
{
    fn fmt(&self, fmt: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt.debug_struct("JoinHandle").field("id", &self.id()).finish()
    }
}
