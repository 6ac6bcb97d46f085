//! `OnceCell`: a value set at most once, initialized asynchronously by one
//! task while others wait.
//!
//! The cell holds a one-permit `Semaphore`: the initializer holds the
//! permit while `f` runs, and closes the semaphore once the value is set,
//! which wakes every waiter with an error that means "initialized". A
//! cancelled or panicking initializer drops its permit, so the next waiter
//! (in FIFO order) tries instead.

use super::semaphore::{Semaphore, SemaphorePermit, TryAcquireError};
use std::cell::UnsafeCell;
use std::error::Error;
use std::fmt;
use std::future::Future;
use std::mem::MaybeUninit;
use std::sync::atomic::{AtomicBool, Ordering};

/// A thread-safe cell that can be written to only once.
///
/// A `OnceCell` is typically used for global variables that need to be
/// initialized once on first use, but need no further changes. The
/// `OnceCell` in Tern allows the initialization procedure to be
/// asynchronous.
///
/// # Examples
///
/// ```
/// use tern::sync::OnceCell;
///
/// async fn some_computation() -> u32 {
///     1 + 1
/// }
///
/// static ONCE: OnceCell<u32> = OnceCell::const_new();
///
/// #[tern::main]
/// async fn main() {
///     let result = ONCE.get_or_init(some_computation).await;
///     assert_eq!(*result, 2);
/// }
/// ```
pub struct OnceCell<T> {
    value_set: AtomicBool,
    value: UnsafeCell<MaybeUninit<T>>,
    semaphore: Semaphore,
}

impl<T> Default for OnceCell<T> {
    fn default() -> OnceCell<T> {
        OnceCell::new()
    }
}

impl<T: fmt::Debug> fmt::Debug for OnceCell<T> {
    fn fmt(&self, fmt: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt.debug_struct("OnceCell").field("value", &self.get()).finish()
    }
}

impl<T: Clone> Clone for OnceCell<T> {
    fn clone(&self) -> OnceCell<T> {
        OnceCell::new_with(self.get().cloned())
    }
}

impl<T: PartialEq> PartialEq for OnceCell<T> {
    fn eq(&self, other: &OnceCell<T>) -> bool {
        self.get() == other.get()
    }
}

impl<T: Eq> Eq for OnceCell<T> {}

impl<T> Drop for OnceCell<T> {
    fn drop(&mut self) {
        if *self.value_set.get_mut() {
            // SAFETY: the flag says the value is initialized, and `&mut self`
            // means nobody borrows it.
            unsafe { self.value.get_mut().assume_init_drop() };
        }
    }
}

impl<T> From<T> for OnceCell<T> {
    fn from(value: T) -> Self {
        OnceCell::new_with(Some(value))
    }
}

impl<T> OnceCell<T> {
    /// Creates a new empty `OnceCell` instance.
    pub fn new() -> Self {
        OnceCell {
            value_set: AtomicBool::new(false),
            value: UnsafeCell::new(MaybeUninit::uninit()),
            semaphore: Semaphore::new(1),
        }
    }

    /// Creates a new empty `OnceCell` instance.
    ///
    /// Equivalent to `OnceCell::new`, except that it can be used in static
    /// variables.
    ///
    /// # Example
    ///
    /// ```
    /// use tern::sync::OnceCell;
    ///
    /// static ONCE: OnceCell<u32> = OnceCell::const_new();
    ///
    /// async fn get_global_integer() -> &'static u32 {
    ///     ONCE.get_or_init(|| async {
    ///         1 + 1
    ///     }).await
    /// }
    ///
    /// #[tern::main]
    /// async fn main() {
    ///     let result = get_global_integer().await;
    ///     assert_eq!(*result, 2);
    /// }
    /// ```
    #[cfg(not(tern_loom))]
    pub const fn const_new() -> Self {
        OnceCell {
            value_set: AtomicBool::new(false),
            value: UnsafeCell::new(MaybeUninit::uninit()),
            semaphore: Semaphore::const_new(1),
        }
    }

    /// Creates a new `OnceCell` that contains the provided value, if any.
    ///
    /// If the `Option` is `None`, this is equivalent to `OnceCell::new`.
    pub fn new_with(value: Option<T>) -> Self {
        match value {
            Some(value) => {
                let cell = OnceCell::new();
                cell.semaphore.close();
                cell.value_set.store(true, Ordering::Relaxed);
                // SAFETY: the cell is not shared yet.
                unsafe { (*cell.value.get()).write(value) };
                cell
            }
            None => OnceCell::new(),
        }
    }

    /// Creates a new `OnceCell` that contains the provided value.
    ///
    /// Equivalent to `OnceCell::new_with(Some(value))`, except that it can
    /// be used in static variables.
    ///
    /// # Example
    ///
    /// ```
    /// use tern::sync::OnceCell;
    ///
    /// static ONCE: OnceCell<u32> = OnceCell::const_new_with(1);
    ///
    /// #[tern::main]
    /// async fn main() {
    ///     let result = ONCE.get_or_init(|| async { 2 }).await;
    ///     assert_eq!(*result, 1);
    /// }
    /// ```
    #[cfg(not(tern_loom))]
    pub const fn const_new_with(value: T) -> Self {
        let semaphore = Semaphore::const_new_closed();
        OnceCell {
            value_set: AtomicBool::new(true),
            value: UnsafeCell::new(MaybeUninit::new(value)),
            semaphore,
        }
    }

    /// Returns `true` if the `OnceCell` currently contains a value, and
    /// `false` otherwise.
    pub fn initialized(&self) -> bool {
        // Synchronizes with the Release store in `set_value`.
        self.value_set.load(Ordering::Acquire)
    }

    /// # Safety
    ///
    /// The value is initialized.
    unsafe fn get_unchecked(&self) -> &T {
        // SAFETY: initialized (caller's contract) and never written again
        // while shared.
        unsafe { (*self.value.get()).assume_init_ref() }
    }

    /// Stores `value` while holding the permit, then closes the semaphore
    /// (waking every waiter) and forgets the permit.
    fn set_value(&self, value: T, permit: SemaphorePermit<'_>) -> &T {
        // SAFETY: holding the only permit excludes every other writer, and
        // readers only look once `value_set` is true.
        unsafe { (*self.value.get()).write(value) };
        self.value_set.store(true, Ordering::Release);
        self.semaphore.close();
        permit.forget();
        // SAFETY: just initialized.
        unsafe { self.get_unchecked() }
    }

    /// Returns a reference to the value currently stored in the `OnceCell`,
    /// or `None` if the `OnceCell` is empty.
    pub fn get(&self) -> Option<&T> {
        if self.initialized() {
            // SAFETY: initialized.
            Some(unsafe { self.get_unchecked() })
        } else {
            None
        }
    }

    /// Returns a mutable reference to the value currently stored in the
    /// `OnceCell`, or `None` if the `OnceCell` is empty.
    ///
    /// Since this call borrows the `OnceCell` mutably, it is safe to mutate
    /// the value inside the `OnceCell` — the mutable borrow statically
    /// guarantees no other references exist.
    pub fn get_mut(&mut self) -> Option<&mut T> {
        if *self.value_set.get_mut() {
            // SAFETY: initialized, and `&mut self` is exclusive.
            Some(unsafe { self.value.get_mut().assume_init_mut() })
        } else {
            None
        }
    }

    /// Sets the value of the `OnceCell` to the given value if the `OnceCell`
    /// is empty.
    ///
    /// If the `OnceCell` already has a value, this call will fail with an
    /// [`SetError::AlreadyInitializedError`].
    ///
    /// If the `OnceCell` is empty, but some other task is currently trying
    /// to set the value, this call will fail with
    /// [`SetError::InitializingError`].
    pub fn set(&self, value: T) -> Result<(), SetError<T>> {
        if self.initialized() {
            return Err(SetError::AlreadyInitializedError(value));
        }
        match self.semaphore.try_acquire() {
            Ok(permit) => {
                debug_assert!(!self.initialized());
                self.set_value(value, permit);
                Ok(())
            }
            Err(TryAcquireError::NoPermits) => Err(SetError::InitializingError(value)),
            Err(TryAcquireError::Closed) => Err(SetError::AlreadyInitializedError(value)),
        }
    }

    /// Gets the value currently in the `OnceCell`, or initialize it with the
    /// given asynchronous operation.
    ///
    /// If some other task is currently working on initializing the
    /// `OnceCell`, this call will wait for that other task to finish, then
    /// return the value that the other task produced.
    ///
    /// If the provided operation is cancelled or panics, the initialization
    /// attempt is cancelled. If there are other tasks waiting for the value
    /// to be initialized, one of them will start another attempt at
    /// initializing the value.
    ///
    /// This will deadlock if `f` tries to initialize the cell recursively.
    pub async fn get_or_init<F, Fut>(&self, f: F) -> &T
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = T>,
    {
        if let Some(v) = self.get() {
            return v;
        }
        match self.semaphore.acquire().await {
            Ok(permit) => {
                // A dropped or panicking `f` drops the permit: the next
                // waiter tries.
                let value = f().await;
                self.set_value(value, permit)
            }
            // SAFETY: the semaphore is only closed once the value is set.
            Err(_) => unsafe { self.get_unchecked() },
        }
    }

    /// Gets the value currently in the `OnceCell`, or initialize it with the
    /// given asynchronous operation.
    ///
    /// If some other task is currently working on initializing the
    /// `OnceCell`, this call will wait for that other task to finish, then
    /// return the value that the other task produced.
    ///
    /// If the provided operation returns an error, is cancelled or panics,
    /// the initialization attempt is cancelled. If there are other tasks
    /// waiting for the value to be initialized, one of them will start
    /// another attempt at initializing the value.
    ///
    /// This will deadlock if `f` tries to initialize the cell recursively.
    pub async fn get_or_try_init<E, F, Fut>(&self, f: F) -> Result<&T, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        if let Some(v) = self.get() {
            return Ok(v);
        }
        match self.semaphore.acquire().await {
            Ok(permit) => {
                let value = f().await?;
                Ok(self.set_value(value, permit))
            }
            // SAFETY: the semaphore is only closed once the value is set.
            Err(_) => Ok(unsafe { self.get_unchecked() }),
        }
    }

    /// Takes the value from the cell, destroying the cell in the process.
    /// Returns `None` if the cell is empty.
    pub fn into_inner(mut self) -> Option<T> {
        if *self.value_set.get_mut() {
            // Cleared so that `Drop` does not drop the value again.
            *self.value_set.get_mut() = false;
            // SAFETY: initialized; the flag was cleared above, so it is read
            // out exactly once.
            Some(unsafe { self.value.get_mut().assume_init_read() })
        } else {
            None
        }
    }

    /// Takes ownership of the current value, leaving the cell empty.
    /// Returns `None` if the cell is empty.
    pub fn take(&mut self) -> Option<T> {
        std::mem::take(self).into_inner()
    }
}

// SAFETY: `get` shares `&T` across threads (so `T: Sync`), and `set` on a
// shared cell moves a `T` in from another thread (so `T: Send`).
unsafe impl<T: Sync + Send> Sync for OnceCell<T> {}
// SAFETY: moving the cell moves the `T`.
unsafe impl<T: Send> Send for OnceCell<T> {}

/// Errors that can be returned from [`OnceCell::set`].
///
/// [`OnceCell::set`]: crate::sync::OnceCell::set
#[derive(Debug, PartialEq, Eq)]
pub enum SetError<T> {
    /// The cell was already initialized when [`OnceCell::set`] was called.
    ///
    /// [`OnceCell::set`]: crate::sync::OnceCell::set
    AlreadyInitializedError(T),

    /// The cell is currently being initialized.
    InitializingError(T),
}

impl<T> fmt::Display for SetError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SetError::AlreadyInitializedError(_) => write!(f, "AlreadyInitializedError"),
            SetError::InitializingError(_) => write!(f, "InitializingError"),
        }
    }
}

impl<T: fmt::Debug> Error for SetError<T> {}

impl<T> SetError<T> {
    /// Whether `SetError` is `SetError::AlreadyInitializedError`.
    pub fn is_already_init_err(&self) -> bool {
        match self {
            SetError::AlreadyInitializedError(_) => true,
            SetError::InitializingError(_) => false,
        }
    }

    /// Whether `SetError` is `SetError::InitializingError`
    pub fn is_initializing_err(&self) -> bool {
        match self {
            SetError::AlreadyInitializedError(_) => false,
            SetError::InitializingError(_) => true,
        }
    }
}
