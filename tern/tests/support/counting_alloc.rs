//! A global allocator that counts the allocations one thread makes between
//! [`start_counting`] and [`stop_counting`]. A test binary that includes
//! this module (`#[path = "support/counting_alloc.rs"] mod counting_alloc;`)
//! gets it as its global allocator, so it belongs in a binary of its own.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    /// Whether allocations on this thread are being counted, and how many.
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards to `System`, only counting calls.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // `try_with`: an allocation during thread teardown is not counted.
        if COUNTING.try_with(Cell::get).unwrap_or(false) {
            let _ = ALLOCS.try_with(|n| n.set(n.get() + 1));
        }
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Starts counting this thread's allocations from zero.
pub fn start_counting() {
    ALLOCS.with(|n| n.set(0));
    COUNTING.with(|c| c.set(true));
}

/// Stops counting; the allocations since `start_counting` (a `realloc`
/// counts as one: `GlobalAlloc`'s default goes through `alloc`).
pub fn stop_counting() -> usize {
    COUNTING.with(|c| c.set(false));
    ALLOCS.with(Cell::get)
}
