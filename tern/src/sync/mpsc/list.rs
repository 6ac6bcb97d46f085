//! The lock-free multi-producer, single-consumer queue: a linked list of
//! blocks (see `block.rs`).
//!
//! Senders take an index with one `fetch_add` on `tail_position`, walk from
//! `block_tail` to the block holding that index (appending blocks as
//! needed), write the slot and set its ready bit. The receiver walks its own
//! `head` forward and reads slots in index order.
//!
//! Memory stays bounded after a burst: a block the receiver has finished is
//! freed, except that one is kept as a `spare` for the next append. A
//! block may be freed only once no sender can still be walking through it:
//! the sender that moves `block_tail` off a block records the tail position
//! it saw then (`tx_release`); every sender that took a smaller index may
//! still hold the old pointer, but all of those have written their slots
//! once the receiver's index reaches that position, and later senders start
//! from the new `block_tail`.

use super::block::{cap, Block, Read};
use crate::loom::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering::*};
use std::ptr::{self, NonNull};

/// The senders' side.
pub(super) struct Tx<T> {
    block_tail: AtomicPtr<Block<T>>,
    tail_position: AtomicUsize,
    /// One reusable block (or null).
    spare: AtomicPtr<Block<T>>,
    closed: AtomicBool,
}

/// The receiver's side (owned by the one receiver).
pub(super) struct Rx<T> {
    head: NonNull<Block<T>>,
    index: usize,
    /// Oldest block not yet freed.
    free_head: NonNull<Block<T>>,
}

/// A new, empty list.
pub(super) fn channel<T>() -> (Tx<T>, Rx<T>) {
    let first = Block::<T>::alloc(0);
    let tx = Tx {
        block_tail: AtomicPtr::new(first.as_ptr()),
        tail_position: AtomicUsize::new(0),
        spare: AtomicPtr::new(ptr::null_mut()),
        closed: AtomicBool::new(false),
    };
    (tx, Rx { head: first, index: 0, free_head: first })
}

#[inline(always)]
fn mask<T>() -> usize {
    cap::<T>() - 1
}

impl<T> Tx<T> {
    /// Appends `value`.
    pub(super) fn push(&self, value: T) {
        let index = self.tail_position.fetch_add(1, SeqCst);
        let block = self.find_block(index);
        // SAFETY: `index` was handed out once by the counter above, so this
        // thread is the slot's only writer, and `find_block` returned the
        // live block holding it.
        unsafe { block.as_ref().write(index & mask::<T>(), value) };
    }

    /// Pushes the close marker (once, by the last sender).
    pub(super) fn close(&self) {
        let index = self.tail_position.fetch_add(1, SeqCst);
        self.closed.store(true, Release);
        let block = self.find_block(index);
        // SAFETY: `find_block` returns a live block (as in `push`).
        unsafe { block.as_ref().tx_close() };
    }

    /// Slots handed out so far (messages plus the close marker).
    pub(super) fn tail(&self) -> usize {
        self.tail_position.load(Acquire)
    }

    pub(super) fn is_closed(&self) -> bool {
        self.closed.load(Acquire)
    }

    fn find_block(&self, index: usize) -> NonNull<Block<T>> {
        let start = index & !mask::<T>();
        let offset = index & mask::<T>();
        // Our index was taken (SeqCst) before this load: if a sender moved
        // `block_tail` and then read a tail position that does not count
        // us, this load sees the moved tail (see `tx_release` below).
        super::sc_fence();
        let mut block_ptr = self.block_tail.load(SeqCst);
        // SAFETY: (for every deref of a block in this walk) the block was
        // reachable from `block_tail` after this sender took its index, and
        // the receiver frees a block only once its index reached the block's
        // recorded release position; ours is at or past that position only
        // if this load saw the moved tail (see the module docs).
        let mut block = unsafe { &*block_ptr };
        let distance = start.wrapping_sub(block.start()) / cap::<T>();
        // Only a sender near the front of its block tries to move the tail,
        // so that usually one sender does it.
        let mut try_move_tail = offset < distance;
        loop {
            if block.start() == start {
                // SAFETY: `block_ptr` is non-null (it was dereferenced).
                return unsafe { NonNull::new_unchecked(block_ptr) };
            }
            let next_ptr = match NonNull::new(block.next.load(Acquire)) {
                Some(next) => next.as_ptr(),
                None => self.grow(block),
            };
            if try_move_tail && block.is_final() {
                match self.block_tail.compare_exchange(block_ptr, next_ptr, SeqCst, SeqCst) {
                    Ok(_) => {
                        super::sc_fence();
                        block.tx_release(self.tail_position.load(SeqCst));
                    }
                    Err(_) => try_move_tail = false,
                }
            } else {
                try_move_tail = false;
            }
            block_ptr = next_ptr;
            // SAFETY: as above.
            block = unsafe { &*block_ptr };
        }
    }

    /// Appends a block after `block` (or finds the one another sender
    /// appended) and returns `block`'s successor.
    fn grow(&self, block: &Block<T>) -> *mut Block<T> {
        let new_start = block.start().wrapping_add(cap::<T>());
        let spare = self.spare.swap(ptr::null_mut(), Acquire);
        let new = match NonNull::new(spare) {
            Some(b) => {
                // SAFETY: swapping the spare out made it exclusively ours.
                unsafe { b.as_ref().reset(new_start) };
                b
            }
            None => Block::alloc(new_start),
        };
        let first = match block.next.compare_exchange(ptr::null_mut(), new.as_ptr(), AcqRel, Acquire) {
            Ok(_) => return new.as_ptr(),
            Err(actual) => actual,
        };
        // Someone else appended first: put ours further down the list
        // rather than waste it.
        let mut cur = first;
        loop {
            // SAFETY: `cur` was published by a `next` pointer of a live
            // block ahead of the receiver's release point.
            let cur_ref = unsafe { &*cur };
            // SAFETY: `new` is still unpublished and ours.
            unsafe { new.as_ref().reset(cur_ref.start().wrapping_add(cap::<T>())) };
            match cur_ref.next.compare_exchange(ptr::null_mut(), new.as_ptr(), AcqRel, Acquire) {
                Ok(_) => return first,
                Err(actual) => cur = actual,
            }
        }
    }

    /// Takes back a block the receiver is done with.
    ///
    /// # Safety
    ///
    /// No sender can reach `block` any more and its values were taken.
    unsafe fn reclaim(&self, block: NonNull<Block<T>>) {
        let old = self.spare.swap(block.as_ptr(), AcqRel);
        if let Some(old) = NonNull::new(old) {
            // SAFETY: the swap gave us the old spare exclusively; spares hold
            // no values.
            unsafe { Block::free(old) };
        }
    }
}

impl<T> Rx<T> {
    /// The next value, the close marker, or `None` if nothing is ready yet.
    pub(super) fn pop(&mut self, tx: &Tx<T>) -> Option<Read<T>> {
        if !self.advance_head() {
            return None;
        }
        self.reclaim_blocks(tx);
        // SAFETY: `head` is live (the receiver never frees it) and holds
        // `index`; the receiver reads each index once (it moves on below).
        let read = unsafe { self.head.as_ref().read(self.index & mask::<T>()) };
        if let Some(Read::Value(_)) = read {
            self.index = self.index.wrapping_add(1);
        }
        read
    }

    /// Messages queued and not yet received (the close marker excluded).
    pub(super) fn len(&self, tx: &Tx<T>) -> usize {
        let closed = tx.is_closed();
        tx.tail().wrapping_sub(self.index).saturating_sub(closed as usize)
    }

    /// A slot at the receiver's index has been handed out (it may not be
    /// written yet).
    pub(super) fn in_flight(&self, tx: &Tx<T>) -> bool {
        tx.tail() != self.index
    }

    fn advance_head(&mut self) -> bool {
        let start = self.index & !mask::<T>();
        loop {
            // SAFETY: `head` is live: only `reclaim_blocks` frees blocks and
            // never the head.
            let head = unsafe { self.head.as_ref() };
            if head.start() == start {
                return true;
            }
            match NonNull::new(head.next.load(SeqCst)) {
                Some(next) => self.head = next,
                None => return false,
            }
        }
    }

    fn reclaim_blocks(&mut self, tx: &Tx<T>) {
        while self.free_head != self.head {
            // SAFETY: blocks between `free_head` and `head` are live.
            let block = unsafe { self.free_head.as_ref() };
            let Some(observed) = block.observed_tail() else { return };
            if observed.wrapping_sub(self.index) as isize > 0 {
                return;
            }
            let next = NonNull::new(block.next.load(Acquire)).expect("a block before head has a successor");
            let done = self.free_head;
            self.free_head = next;
            // SAFETY: senders moved past this block (RELEASED) and every
            // sender that could still hold it took an index below
            // `observed`, all of which the receiver has read; its values
            // were all taken.
            unsafe { tx.reclaim(done) };
        }
    }

    /// Frees every block (after dropping the values left in them).
    ///
    /// # Safety
    ///
    /// No sender can touch the list any more (the channel is being dropped).
    pub(super) unsafe fn free_all(&mut self, tx: &Tx<T>) {
        while let Some(Read::Value(v)) = self.pop(tx) {
            drop(v);
        }
        let mut cur = Some(self.free_head);
        while let Some(block) = cur {
            // SAFETY: exclusive access per the contract; values were popped
            // above, so every written slot has been read.
            unsafe {
                cur = NonNull::new(block.as_ref().next.load(Acquire));
                Block::free(block);
            }
        }
        if let Some(spare) = NonNull::new(tx.spare.swap(ptr::null_mut(), Acquire)) {
            // SAFETY: as above; a spare holds no values.
            unsafe { Block::free(spare) };
        }
    }
}
