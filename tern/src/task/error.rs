//! `JoinError` and its compact in-task form, `Failure`.

use crate::task::Id;
use std::any::Any;
use std::fmt;
use std::io;
use std::ptr::NonNull;

type Payload = Box<dyn Any + Send + 'static>;

/// How a task failed, as stored in the task until its `JoinHandle` reads it.
///
/// One thin pointer, so that `Result<(), Failure>` is 8 bytes and a task
/// with a tiny future stays within an 80-byte allocation: a boxed panic
/// payload, or a dangling sentinel meaning "cancelled" (never a real
/// allocation, since a `Box<Payload>` is never at address `align_of`).
pub(crate) struct Failure(NonNull<Payload>);

// SAFETY: `Failure` owns a `Box<Payload>`, and `Payload: Send`.
unsafe impl Send for Failure {}

impl Failure {
    pub(crate) fn cancelled() -> Failure {
        Failure(NonNull::dangling())
    }

    pub(crate) fn panic(payload: Payload) -> Failure {
        Failure(NonNull::from(Box::leak(Box::new(payload))))
    }

    fn is_cancelled(&self) -> bool {
        self.0 == NonNull::dangling()
    }

    pub(crate) fn into_join_error(self, id: Id) -> JoinError {
        let me = std::mem::ManuallyDrop::new(self);
        let repr = if me.is_cancelled() {
            Repr::Cancelled
        } else {
            // SAFETY: not the sentinel, so the pointer came from `Box::leak`
            // in `Failure::panic`, and `ManuallyDrop` keeps `Drop` from
            // freeing it a second time.
            Repr::Panic(SyncWrapper(*unsafe { Box::from_raw(me.0.as_ptr()) }))
        };
        JoinError { repr, id }
    }
}

impl Drop for Failure {
    fn drop(&mut self) {
        if !self.is_cancelled() {
            // SAFETY: not the sentinel: a leaked `Box<Payload>` we own.
            drop(unsafe { Box::from_raw(self.0.as_ptr()) });
        }
    }
}

/// Task failed to execute to completion.
///
/// Returned by awaiting a [`JoinHandle`](crate::task::JoinHandle) whose task
/// was cancelled (aborted, or dropped by a runtime shutdown) or panicked.
pub struct JoinError {
    repr: Repr,
    id: Id,
}

enum Repr {
    Cancelled,
    Panic(SyncWrapper),
}

/// Makes the payload `Sync`: it is only ever reached through `&mut` or by
/// value, never shared.
struct SyncWrapper(Payload);

// SAFETY: `SyncWrapper` hands out no `&` access to its content.
unsafe impl Sync for SyncWrapper {}

impl JoinError {
    /// Returns true if the error was caused by the task being cancelled.
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
    pub fn is_cancelled(&self) -> bool {
        matches!(self.repr, Repr::Cancelled)
    }

    /// Returns true if the error was caused by the task panicking.
    ///
    /// # Examples
    ///
    /// ```
    /// # tern::runtime::Runtime::new().unwrap().block_on(async {
    /// let err = tern::spawn(async { panic!("boom") }).await.unwrap_err();
    /// assert!(err.is_panic());
    /// # });
    /// ```
    pub fn is_panic(&self) -> bool {
        matches!(self.repr, Repr::Panic(_))
    }

    /// Consumes the join error, returning the object with which the task
    /// panicked.
    ///
    /// # Panics
    ///
    /// Panics if the error does not represent a panic (use
    /// [`try_into_panic`](JoinError::try_into_panic) to avoid that).
    ///
    /// # Examples
    ///
    /// ```should_panic
    /// # tern::runtime::Runtime::new().unwrap().block_on(async {
    /// let err = tern::spawn(async { panic!("boom") }).await.unwrap_err();
    /// // Resume the panic on the joining task.
    /// std::panic::resume_unwind(err.into_panic());
    /// # });
    /// ```
    #[track_caller]
    pub fn into_panic(self) -> Box<dyn Any + Send + 'static> {
        self.try_into_panic().expect("`JoinError` reason is not a panic.")
    }

    /// Consumes the join error, returning the object with which the task
    /// panicked if the task terminated due to a panic. Otherwise, `self` is
    /// returned.
    pub fn try_into_panic(self) -> Result<Box<dyn Any + Send + 'static>, JoinError> {
        match self.repr {
            Repr::Panic(p) => Ok(p.0),
            _ => Err(self),
        }
    }

    /// Returns a [task ID](crate::task::Id) that identifies the task which
    /// errored relative to other currently spawned tasks.
    pub fn id(&self) -> Id {
        self.id
    }
}

fn panic_message(p: &SyncWrapper) -> Option<&str> {
    p.0.downcast_ref::<&'static str>().copied().or_else(|| p.0.downcast_ref::<String>().map(String::as_str))
}

impl fmt::Display for JoinError {
    fn fmt(&self, fmt: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::Cancelled => write!(fmt, "task {} was cancelled", self.id),
            Repr::Panic(p) => match panic_message(p) {
                Some(msg) => write!(fmt, "task {} panicked with message {:?}", self.id, msg),
                None => write!(fmt, "task {} panicked", self.id),
            },
        }
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, fmt: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::Cancelled => write!(fmt, "JoinError::Cancelled({:?})", self.id),
            Repr::Panic(p) => match panic_message(p) {
                Some(msg) => write!(fmt, "JoinError::Panic({:?}, {:?}, ...)", self.id, msg),
                None => write!(fmt, "JoinError::Panic({:?}, ...)", self.id),
            },
        }
    }
}

impl std::error::Error for JoinError {}

impl From<JoinError> for io::Error {
    fn from(src: JoinError) -> io::Error {
        io::Error::other(match src.repr {
            Repr::Cancelled => "task was cancelled",
            Repr::Panic(_) => "task panicked",
        })
    }
}

#[cfg(all(test, not(tern_loom)))]
mod tests {
    use super::*;
    use std::num::NonZeroU64;

    fn id() -> Id {
        Id(NonZeroU64::new(7).unwrap())
    }

    #[test]
    fn result_of_unit_and_failure_is_one_word() {
        assert_eq!(std::mem::size_of::<Result<(), Failure>>(), 8);
    }

    #[test]
    fn display_and_debug_match_tokio_wording() {
        let e = Failure::cancelled().into_join_error(id());
        assert_eq!(e.to_string(), "task 7 was cancelled");
        assert_eq!(format!("{e:?}"), "JoinError::Cancelled(Id(7))");
        let e = Failure::panic(Box::new("boom")).into_join_error(id());
        assert_eq!(e.to_string(), "task 7 panicked with message \"boom\"");
        assert_eq!(format!("{e:?}"), "JoinError::Panic(Id(7), \"boom\", ...)");
        let e = Failure::panic(Box::new(5u8)).into_join_error(id());
        assert_eq!(e.to_string(), "task 7 panicked");
    }

    #[test]
    fn into_panic_returns_the_payload() {
        let e = Failure::panic(Box::new(String::from("x"))).into_join_error(id());
        assert_eq!(*e.into_panic().downcast::<String>().unwrap(), "x");
        let e = Failure::cancelled().into_join_error(id());
        assert!(e.try_into_panic().unwrap_err().is_cancelled());
    }
}
