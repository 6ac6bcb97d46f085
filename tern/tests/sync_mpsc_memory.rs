//! A drained mpsc channel gives back the memory of a burst: a counting
//! global allocator (so this is its own test binary) measures the heap
//! bytes still held after 100,000 messages of 256 bytes were queued and
//! then received.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering::SeqCst};

struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: forwards to `System`, only counting sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, SeqCst);
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, SeqCst);
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const N: usize = 100_000;

#[test]
fn drained_channels_keep_at_most_8_kib() {
    let before = LIVE.load(SeqCst);
    let (tx, mut rx) = tern::sync::mpsc::unbounded_channel::<[u8; 256]>();
    for i in 0..N {
        tx.send([i as u8; 256]).unwrap();
    }
    assert!(LIVE.load(SeqCst) - before > (N * 256) as isize, "the burst is queued");
    for i in 0..N {
        assert_eq!(rx.try_recv().unwrap()[0], i as u8);
    }
    let held = LIVE.load(SeqCst) - before;
    assert!(held <= 8 * 1024, "unbounded: a drained channel holds {held} bytes");

    let before = LIVE.load(SeqCst);
    let (btx, mut brx) = tern::sync::mpsc::channel::<[u8; 256]>(N);
    for i in 0..N {
        btx.try_send([i as u8; 256]).unwrap();
    }
    for _ in 0..N {
        brx.try_recv().unwrap();
    }
    let held = LIVE.load(SeqCst) - before;
    assert!(held <= 8 * 1024, "bounded: a drained channel holds {held} bytes");
    drop((tx, rx, btx, brx));
}
