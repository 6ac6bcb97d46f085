//! A `Sleep` that completes before it is ever filed with the driver (a
//! `timeout` whose future is ready at once, a sleep already due) allocates
//! nothing: a counting global allocator (so this is its own test binary)
//! counts the allocations this thread makes while they run.

#[path = "support/counting_alloc.rs"]
mod counting_alloc;

use counting_alloc::{start_counting, stop_counting};
use tern::time::{sleep, sleep_until, timeout, timeout_at, Duration, Instant};

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
