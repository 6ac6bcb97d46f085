//! The list of every live task a scheduler owns, so that shutdown can find
//! (and cancel) tasks that sit in no queue, such as a task awaiting a future
//! that will never be ready.
//!
//! Intrusive and doubly linked through `Header::owned`, so insertion and
//! removal are O(1) and allocate nothing. The list is not synchronised: its
//! owner gives it exclusive access (the current-thread scheduler keeps it in
//! its core, which one thread holds at a time). That exclusivity is also
//! what makes touching the links in the headers sound (the invariant on
//! `Header::owned`).

use crate::task::raw::{Header, RawTask};
use crate::task::{Schedule, Task};
use std::marker::PhantomData;
use std::ptr::NonNull;

pub(crate) struct OwnedList<S: 'static> {
    head: Option<NonNull<Header>>,
    len: usize,
    /// Set at shutdown: new tasks are cancelled instead of inserted.
    closed: bool,
    _p: PhantomData<S>,
}

// SAFETY: the list holds task references (which are `Send`) and is only
// reached through `&mut`, by the one thread that owns it.
unsafe impl<S> Send for OwnedList<S> {}

impl<S: Schedule> OwnedList<S> {
    pub(crate) fn new() -> Self {
        OwnedList { head: None, len: 0, closed: false, _p: PhantomData }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn close(&mut self) {
        self.closed = true;
    }

    /// Takes ownership of the list's reference to `task`, or hands it back
    /// if the list is closed (the caller then cancels it, outside any lock).
    pub(crate) fn push(&mut self, task: Task<S>) -> Result<(), Task<S>> {
        if self.closed {
            return Err(task);
        }
        let ptr = task.into_raw().header_ptr();
        // SAFETY: `&mut self` is the exclusive access the links require; the
        // task is in no list (it was just created), and the old head is a
        // live task of this list.
        unsafe {
            header_links(ptr, |l| {
                l.prev = None;
                l.next = self.head;
            });
            if let Some(head) = self.head {
                header_links(head, |l| l.prev = Some(ptr));
            }
        }
        self.head = Some(ptr);
        self.len += 1;
        Ok(())
    }

    /// Removes and returns any task.
    pub(crate) fn pop(&mut self) -> Option<Task<S>> {
        let head = self.head?;
        // SAFETY: `head` is in this list.
        unsafe { self.unlink(head) };
        // SAFETY: the list's reference moves to the returned `Task`.
        Some(unsafe { Task::from_raw(head) })
    }

    /// Removes `task` if it is in this list, returning the list's reference.
    ///
    /// # Safety
    ///
    /// `task` is either in this list or in no list.
    pub(crate) unsafe fn remove(&mut self, task: &Task<S>) -> Option<Task<S>> {
        let ptr = task.raw().header_ptr();
        // SAFETY: exclusive access via `&mut self`; the task is live.
        let in_list = self.head == Some(ptr) || unsafe { header_links(ptr, |l| l.prev.is_some()) };
        if !in_list {
            return None;
        }
        // SAFETY: it is in this list.
        unsafe { self.unlink(ptr) };
        // SAFETY: the list's reference moves to the returned `Task`.
        Some(unsafe { Task::from_raw(ptr) })
    }

    /// # Safety
    ///
    /// `ptr` is in this list.
    unsafe fn unlink(&mut self, ptr: NonNull<Header>) {
        // SAFETY: exclusive access via `&mut self`; every pointer in the list
        // is a live task.
        unsafe {
            let (prev, next) = header_links(ptr, |l| (l.prev.take(), l.next.take()));
            match prev {
                Some(prev) => header_links(prev, |l| l.next = next),
                None => self.head = next,
            }
            if let Some(next) = next {
                header_links(next, |l| l.prev = prev);
            }
        }
        self.len -= 1;
    }
}

/// # Safety
///
/// `ptr` is a live task and the caller has the exclusive access to its
/// links that `Header::owned` requires.
unsafe fn header_links<R>(ptr: NonNull<Header>, f: impl FnOnce(&mut crate::task::raw::Pointers) -> R) -> R {
    // SAFETY: forwarded from the caller.
    let header = unsafe { RawTask::from_raw(ptr) };
    // SAFETY: the caller's exclusive access.
    header.header().owned.with_mut(|l| f(unsafe { &mut *l }))
}

impl<S: 'static> Drop for OwnedList<S> {
    fn drop(&mut self) {
        debug_assert!(
            self.head.is_none() || std::thread::panicking(),
            "owned task list dropped while not empty"
        );
    }
}
