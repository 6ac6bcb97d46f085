//! Spawning costs exactly one heap allocation, and wakers allocate nothing.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

struct Counting;

thread_local! {
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: forwarded contract.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded contract.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: forwarded contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_during<R>(f: impl FnOnce() -> R) -> (usize, R) {
    let before = ALLOCS.with(Cell::get);
    let r = f();
    (ALLOCS.with(Cell::get) - before, r)
}

#[test]
fn spawn_costs_exactly_one_allocation() {
    let rt = tern::runtime::Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        // Warm up: queues reach their working capacity, ids get a block.
        let warm: Vec<_> = (0..1000).map(|_| tern::spawn(async {})).collect();
        for h in warm {
            h.await.unwrap();
        }
        for _ in 0..100 {
            let (n, handle) = allocations_during(|| tern::spawn(async {}));
            assert_eq!(n, 1, "spawn(async {{}}) allocated {n} times");
            let (n, out) = allocations_during(|| {
                let mut handle = std::pin::pin!(handle);
                let mut cx = Context::from_waker(Waker::noop());
                handle.as_mut().poll(&mut cx)
            });
            // Not run yet: polling the handle registers a waker, no allocation.
            assert!(out.is_pending());
            assert_eq!(n, 0);
        }
    });
}

/// A future that clones, wakes and drops its waker in every way.
struct WakerGames(u8);

impl Future for WakerGames {
    type Output = usize;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<usize> {
        if self.0 == 3 {
            return Poll::Ready(0);
        }
        self.0 += 1;
        let (n, ()) = allocations_during(|| {
            let w1 = cx.waker().clone();
            let w2 = w1.clone();
            assert!(w1.will_wake(cx.waker()));
            w1.wake_by_ref();
            w1.wake();
            drop(w2);
        });
        assert_eq!(n, 0, "waker operations allocated");
        Poll::Pending
    }
}

#[test]
fn wakers_never_allocate() {
    let rt = tern::runtime::Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        tern::spawn(async {}).await.unwrap();
        tern::spawn(WakerGames(0)).await.unwrap();
    });
}

/// A `block_on` whose future is ready at once (a sync wrapper calling into
/// async code) allocates nothing once warm, on both flavors with every
/// driver enabled: the multi-thread runtime reuses its `block_on` parker.
#[test]
fn a_ready_block_on_allocates_nothing() {
    let runtimes = [
        tern::runtime::Builder::new_current_thread().enable_all().build().unwrap(),
        tern::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap(),
    ];
    for rt in &runtimes {
        assert_eq!(rt.block_on(async { 1 }), 1);
        for i in 0..100u32 {
            let (n, v) = allocations_during(|| rt.block_on(async move { i + 1 }));
            assert_eq!(v, i + 1);
            assert_eq!(n, 0, "block_on(ready) allocated {n} times");
        }
    }
}
