//! A `Sleep` that completes before it is ever filed with the driver (a
//! `timeout` whose future is ready at once, a sleep already due) allocates
//! nothing: a counting global allocator (so this is its own test binary)
//! counts the allocations this thread makes while they run.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use tern::time::{sleep, sleep_until, timeout, timeout_at, Duration, Instant};

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
fn start_counting() {
    ALLOCS.with(|n| n.set(0));
    COUNTING.with(|c| c.set(true));
}

/// Stops counting; the allocations since `start_counting`.
fn stop_counting() -> usize {
    COUNTING.with(|c| c.set(false));
    ALLOCS.with(Cell::get)
}

#[test]
fn sleeps_that_complete_before_filing_allocate_nothing() {
    let rt = tern::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    // One `block_on`, a warm-up round then a measured one: the zero sleeps
    // yield once (entry.rs, "A first poll of a due timer"), and the
    // scheduler's list of deferred wakes is allocated on a `block_on`'s
    // first yield, then reused.
    rt.block_on(async {
        for round in ["warm-up", "measured"] {
            start_counting();
            for i in 0..10_000u64 {
                assert_eq!(timeout(Duration::from_secs(1), async move { i }).await, Ok(i));
            }
            let at = Instant::now() + Duration::from_secs(1);
            assert_eq!(timeout_at(at, async { 1 }).await, Ok(1));
            sleep(Duration::ZERO).await;
            sleep_until(Instant::now()).await;
            let n = stop_counting();
            if round == "measured" {
                assert_eq!(n, 0, "allocations by never-filed sleeps");
            }
        }
    });
}
