//! The intrusive FIFO of waiters that `Semaphore` and `Notify` queue their
//! pending futures on, and a small batch of wakers to call outside a lock.
//!
//! A node lives inside a pinned future; the list links nodes through a
//! [`Links`] field the node type exposes via [`Node`]. The list is not
//! synchronised: its owner keeps it behind a mutex, and every method that
//! touches links is `unsafe` with that lock as its precondition.

use std::cell::UnsafeCell;
use std::marker::PhantomPinned;
use std::ptr::NonNull;
use std::task::Waker;

/// The previous and next pointers of a node, written only under the lock
/// that guards the list the node is in.
pub(crate) struct Links<T> {
    inner: UnsafeCell<LinksInner<T>>,
    /// Nodes are pointed to while linked: they must not move.
    _pin: PhantomPinned,
}

struct LinksInner<T> {
    prev: Option<NonNull<T>>,
    next: Option<NonNull<T>>,
}

impl<T> Links<T> {
    pub(crate) const fn new() -> Links<T> {
        Links { inner: UnsafeCell::new(LinksInner { prev: None, next: None }), _pin: PhantomPinned }
    }
}

impl<T> std::fmt::Debug for Links<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Links")
    }
}

/// A type that can be linked into a [`List`].
///
/// # Safety
///
/// `links` must return the address of a `Links<Self>` field inside the
/// node `this` points to, the same field on every call.
pub(crate) unsafe trait Node: Sized {
    /// # Safety
    ///
    /// `this` points to a live node.
    unsafe fn links(this: NonNull<Self>) -> NonNull<Links<Self>>;
}

/// A doubly linked list of nodes: pushed at the back, served from the front.
pub(crate) struct List<T: Node> {
    head: Option<NonNull<T>>,
    tail: Option<NonNull<T>>,
}

// SAFETY: the list only holds pointers to nodes, which are reached under the
// lock that owns the list; node types are `Send` data plus a waker.
unsafe impl<T: Node + Send> Send for List<T> {}

/// # Safety
///
/// `node` points to a live node and the caller holds the list's lock.
unsafe fn links<'a, T: Node>(node: NonNull<T>) -> &'a mut LinksInner<T> {
    // SAFETY: per the caller's contract the node is live and the lock held
    // gives exclusive access to its links.
    unsafe { &mut *(*T::links(node).as_ptr()).inner.get() }
}

impl<T: Node> List<T> {
    pub(crate) const fn new() -> List<T> {
        List { head: None, tail: None }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.head.is_none()
    }

    pub(crate) fn front(&self) -> Option<NonNull<T>> {
        self.head
    }

    pub(crate) fn back(&self) -> Option<NonNull<T>> {
        self.tail
    }

    /// The node after `node`.
    ///
    /// # Safety
    ///
    /// `node` is linked in this list; the caller holds the list's lock.
    pub(crate) unsafe fn next(&self, node: NonNull<T>) -> Option<NonNull<T>> {
        // SAFETY: per the contract.
        unsafe { links(node).next }
    }

    /// Links `node` at the back.
    ///
    /// # Safety
    ///
    /// `node` is live, in no list, and stays put (pinned) until it is
    /// unlinked; the caller holds the list's lock.
    pub(crate) unsafe fn push_back(&mut self, node: NonNull<T>) {
        // SAFETY: per the contract above; the old tail is a linked node.
        unsafe {
            let l = links(node);
            l.prev = self.tail;
            l.next = None;
            match self.tail {
                Some(tail) => links(tail).next = Some(node),
                None => self.head = Some(node),
            }
        }
        self.tail = Some(node);
    }

    /// Unlinks and returns the front node.
    ///
    /// # Safety
    ///
    /// The caller holds the list's lock.
    pub(crate) unsafe fn pop_front(&mut self) -> Option<NonNull<T>> {
        let head = self.head?;
        // SAFETY: `head` is a linked, hence live, node.
        unsafe { self.remove(head) };
        Some(head)
    }

    /// Unlinks `node`, which must be in this list.
    ///
    /// # Safety
    ///
    /// `node` is linked in this list; the caller holds the list's lock.
    pub(crate) unsafe fn remove(&mut self, node: NonNull<T>) {
        // SAFETY: `node` and its neighbours are linked in this list.
        unsafe {
            let l = links(node);
            let (prev, next) = (l.prev.take(), l.next.take());
            match prev {
                Some(p) => links(p).next = next,
                None => self.head = next,
            }
            match next {
                Some(n) => links(n).prev = prev,
                None => self.tail = prev,
            }
        }
    }
}

impl<T: Node> std::fmt::Debug for List<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("List").field("empty", &self.is_empty()).finish()
    }
}

/// Up to 32 wakers collected under a lock and woken after it is released.
pub(crate) struct WakeList {
    wakers: [Option<Waker>; 32],
    len: usize,
}

impl WakeList {
    pub(crate) fn new() -> WakeList {
        WakeList { wakers: std::array::from_fn(|_| None), len: 0 }
    }

    pub(crate) fn can_push(&self) -> bool {
        self.len < self.wakers.len()
    }

    pub(crate) fn push(&mut self, waker: Waker) {
        self.wakers[self.len] = Some(waker);
        self.len += 1;
    }

    pub(crate) fn wake_all(&mut self) {
        for w in &mut self.wakers[..self.len] {
            if let Some(w) = w.take() {
                w.wake();
            }
        }
        self.len = 0;
    }
}

impl Drop for WakeList {
    fn drop(&mut self) {
        self.wake_all();
    }
}
