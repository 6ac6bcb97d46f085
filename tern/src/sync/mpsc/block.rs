//! One segment of the channel's queue: a header and `cap::<T>()` slots,
//! allocated together.
//!
//! The slot count depends on the message size so that one block's slots
//! stay within [`SLOT_BYTES`] (at most 32 slots, at least one): a channel of
//! 256-byte messages uses 8-slot blocks, so a drained channel that keeps its
//! current block and one spare holds about 4 KiB rather than 16.
//!
//! Ready word (`ready`), one bit per slot plus two flags:
//!
//! | bits            | meaning                                               |
//! |-----------------|-------------------------------------------------------|
//! | `0..cap`        | slot `i` holds a written value (set once, by its sender)|
//! | `RELEASED`      | senders moved `block_tail` past this block; `observed_tail` is valid |
//! | `TX_CLOSED`     | the close marker's index falls in this block           |
//!
//! Transitions: a slot bit goes 0 -> 1 once per use of the block; the flags
//! go 0 -> 1; `reset` (by the receiver, which then owns the block
//! exclusively) puts the word back to 0 before the block is reused.

use crate::loom::cell::UnsafeCell;
use crate::loom::sync::atomic::{AtomicPtr, AtomicUsize, Ordering::*};
use std::alloc::{alloc, dealloc, handle_alloc_error, Layout};
use std::marker::PhantomData;
use std::mem::{size_of, MaybeUninit};
use std::ptr::{self, NonNull};

/// Target payload bytes of one block's slots.
const SLOT_BYTES: usize = 2048;
/// Most slots per block (two flag bits must fit above the slot bits).
const MAX_CAP: usize = if usize::BITS >= 64 { 32 } else { 16 };

/// Slots per block for messages of type `T` (a power of two).
#[inline(always)]
pub(super) const fn cap<T>() -> usize {
    if cfg!(tern_loom) {
        return 2;
    }
    let size = if size_of::<T>() == 0 { 1 } else { size_of::<T>() };
    let fit = SLOT_BYTES / size;
    if fit >= MAX_CAP {
        MAX_CAP
    } else if fit == 0 {
        1
    } else {
        // Largest power of two <= fit.
        1 << (usize::BITS - 1 - fit.leading_zeros())
    }
}

const fn released<T>() -> usize {
    1 << cap::<T>()
}
const fn tx_closed<T>() -> usize {
    1 << (cap::<T>() + 1)
}
const fn ready_mask<T>() -> usize {
    (1 << cap::<T>()) - 1
}

/// The header; `cap::<T>()` slots follow it in the same allocation.
pub(super) struct Block<T> {
    /// Index of the first slot (a multiple of `cap`).
    pub(super) start_index: UnsafeCell<usize>,
    pub(super) next: AtomicPtr<Block<T>>,
    ready: AtomicUsize,
    /// Sender tail position when the block was released (valid once
    /// `RELEASED` is set).
    observed_tail: UnsafeCell<usize>,
    _marker: PhantomData<T>,
}

type Slot<T> = UnsafeCell<MaybeUninit<T>>;

/// What the receiver found at its index.
pub(super) enum Read<T> {
    Value(T),
    Closed,
}

impl<T> Block<T> {
    fn layout() -> (Layout, usize) {
        let slots = Layout::array::<Slot<T>>(cap::<T>()).expect("block layout");
        let (layout, offset) = Layout::new::<Block<T>>().extend(slots).expect("block layout");
        (layout.pad_to_align(), offset)
    }

    /// Allocates an empty block whose first slot is `start_index`.
    pub(super) fn alloc(start_index: usize) -> NonNull<Block<T>> {
        let (layout, offset) = Self::layout();
        // SAFETY: the layout has a non-zero size (the header is not empty).
        let raw = unsafe { alloc(layout) };
        let Some(block) = NonNull::new(raw.cast::<Block<T>>()) else { handle_alloc_error(layout) };
        // SAFETY: `raw` is a fresh allocation of `layout`: the header lives at
        // offset 0 and `cap` slots at `offset`, all in bounds and aligned.
        unsafe {
            block.as_ptr().write(Block {
                start_index: UnsafeCell::new(start_index),
                next: AtomicPtr::new(ptr::null_mut()),
                ready: AtomicUsize::new(0),
                observed_tail: UnsafeCell::new(0),
                _marker: PhantomData,
            });
            let slots = raw.add(offset).cast::<Slot<T>>();
            for i in 0..cap::<T>() {
                slots.add(i).write(UnsafeCell::new(MaybeUninit::uninit()));
            }
        }
        block
    }

    /// Frees a block without dropping any slot value.
    ///
    /// # Safety
    ///
    /// `block` came from [`Block::alloc`], nobody else can reach it, and the
    /// caller has already taken (or never had) the values in its slots.
    pub(super) unsafe fn free(block: NonNull<Block<T>>) {
        let (layout, offset) = Self::layout();
        let raw = block.as_ptr().cast::<u8>();
        // SAFETY: per the contract the block is exclusively ours and was
        // initialised by `alloc` with this layout.
        unsafe {
            let slots = raw.add(offset).cast::<Slot<T>>();
            for i in 0..cap::<T>() {
                ptr::drop_in_place(slots.add(i));
            }
            ptr::drop_in_place(block.as_ptr());
            dealloc(raw, layout);
        }
    }

    fn slot(&self, i: usize) -> &Slot<T> {
        debug_assert!(i < cap::<T>());
        let (_, offset) = Self::layout();
        // SAFETY: `self` is the header of an allocation made by `alloc`,
        // which placed `cap` initialised slots at `offset`; `i < cap`.
        unsafe { &*(self as *const Self).cast::<u8>().add(offset).cast::<Slot<T>>().add(i) }
    }

    /// The block's first index.
    #[inline]
    pub(super) fn start(&self) -> usize {
        // SAFETY: `start_index` is written only while the block is owned by
        // one thread (before it is published via a `next` or `block_tail`
        // pointer, whose release/acquire orders that write before this read).
        self.start_index.with(|p| unsafe { *p })
    }

    /// Writes the value of slot `offset` and marks it ready.
    ///
    /// # Safety
    ///
    /// The caller was handed this slot's index by the tail counter, so no
    /// other thread writes it, and the receiver does not read it before the
    /// ready bit is set.
    pub(super) unsafe fn write(&self, offset: usize, value: T) {
        // SAFETY: exclusive writer of this slot per the contract.
        self.slot(offset).with_mut(|p| unsafe { (*p).write(value) });
        // SeqCst: ordered against the receiver waker's state load (see
        // `atomic_waker.rs`): either the receiver sees this bit, or the
        // sender sees the receiver's registration.
        self.ready.fetch_or(1 << offset, SeqCst);
    }

    /// Marks the close position as lying in this block.
    pub(super) fn tx_close(&self) {
        self.ready.fetch_or(tx_closed::<T>(), SeqCst);
    }

    /// Whether every slot has been written (senders may move past it).
    pub(super) fn is_final(&self) -> bool {
        self.ready.load(Acquire) & ready_mask::<T>() == ready_mask::<T>()
    }

    /// Records that `block_tail` moved past this block when the tail
    /// position was `tail`.
    pub(super) fn tx_release(&self, tail: usize) {
        // SAFETY: only the one sender whose CAS moved `block_tail` off this
        // block calls this, once; the receiver reads it only after seeing
        // `RELEASED`, which the release below orders after this write.
        self.observed_tail.with_mut(|p| unsafe { *p = tail });
        self.ready.fetch_or(released::<T>(), Release);
    }

    /// The tail position recorded by `tx_release`, once released.
    pub(super) fn observed_tail(&self) -> Option<usize> {
        if self.ready.load(Acquire) & released::<T>() == 0 {
            return None;
        }
        // SAFETY: `RELEASED` was observed with acquire, so the write in
        // `tx_release` happened before and there is no later write.
        Some(self.observed_tail.with(|p| unsafe { *p }))
    }

    /// Takes the value at `offset` if it is ready.
    ///
    /// # Safety
    ///
    /// Only the receiver calls this, at most once per written slot (its
    /// index then moves on).
    pub(super) unsafe fn read(&self, offset: usize) -> Option<Read<T>> {
        let bits = self.ready.load(SeqCst);
        if bits & (1 << offset) == 0 {
            return if bits & tx_closed::<T>() != 0 { Some(Read::Closed) } else { None };
        }
        // SAFETY: the ready bit (acquired above) says the value was fully
        // written, and per the contract it has not been read yet.
        let value = self.slot(offset).with(|p| unsafe { (*p).assume_init_read() });
        Some(Read::Value(value))
    }

    /// Clears the block for reuse.
    ///
    /// # Safety
    ///
    /// The caller owns the block exclusively and has taken its values.
    pub(super) unsafe fn reset(&self, start_index: usize) {
        // SAFETY: exclusive owner per the contract.
        self.start_index.with_mut(|p| unsafe { *p = start_index });
        self.next.store(ptr::null_mut(), Relaxed);
        self.ready.store(0, Relaxed);
    }
}
