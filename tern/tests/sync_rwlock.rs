//! `tern::sync::RwLock`: shared/exclusive access, write preference, FIFO
//! hand-off on cancel, downgrade and mapped guards.

use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use tern::sync::{
    OwnedRwLockMappedWriteGuard, OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock, RwLockMappedWriteGuard,
    RwLockReadGuard, RwLockWriteGuard,
};

#[derive(Default)]
struct Count(AtomicUsize);

impl Wake for Count {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

fn counting() -> (Arc<Count>, Waker) {
    let c = Arc::new(Count::default());
    (c.clone(), Waker::from(c))
}

fn poll_with<F: Future>(f: Pin<&mut F>, w: &Waker) -> Poll<F::Output> {
    f.poll(&mut Context::from_waker(w))
}

fn poll<F: Future>(f: Pin<&mut F>) -> Poll<F::Output> {
    poll_with(f, Waker::noop())
}

/// Polls a future that must be ready at once (uncontended lock).
fn now<F: Future>(f: F) -> F::Output {
    match pin!(f).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("expected an uncontended lock"),
    }
}

#[test]
fn readers_share_writers_exclude() {
    let l = RwLock::new(5);
    let r1 = l.try_read().unwrap();
    let r2 = l.try_read().unwrap();
    assert_eq!(*r1 + *r2, 10);
    assert!(l.try_write().is_err());
    drop((r1, r2));
    let mut w = l.try_write().unwrap();
    *w = 6;
    assert!(l.try_read().is_err());
    assert_eq!(format!("{l:?}"), "RwLock { data: <locked> }");
    drop(w);
    assert_eq!(format!("{l:?}"), "RwLock { data: 6 }");
}

#[test]
fn a_queued_writer_blocks_later_readers() {
    let l = RwLock::new(0);
    let r = l.try_read().unwrap();
    let mut w = pin!(l.write());
    assert!(poll(w.as_mut()).is_pending());
    let mut r2 = pin!(l.read());
    assert!(poll(r2.as_mut()).is_pending(), "write-preferring: no reader overtakes");
    assert!(l.try_read().is_err());
    drop(r);
    let Poll::Ready(mut g) = poll(w.as_mut()) else { panic!("the writer is next") };
    *g = 1;
    assert!(poll(r2.as_mut()).is_pending());
    drop(g);
    let Poll::Ready(g) = poll(r2.as_mut()) else { panic!("then the reader") };
    assert_eq!(*g, 1);
}

#[test]
fn a_cancelled_writer_hands_over_to_the_readers_behind_it() {
    let l = RwLock::new(0);
    let r = l.try_read().unwrap();
    let (cw, ww) = counting();
    let (cr, wr) = counting();
    let mut w = Box::pin(l.write());
    let mut r2 = pin!(l.read());
    assert!(poll_with(w.as_mut(), &ww).is_pending());
    assert!(poll_with(r2.as_mut(), &wr).is_pending());
    drop(w); // pending writer cancelled: gives back what it had taken
    assert_eq!(cw.0.load(SeqCst), 0);
    assert_eq!(cr.0.load(SeqCst), 1, "the reader behind it is served");
    assert!(poll_with(r2.as_mut(), &wr).is_ready());
    drop(r);
}

#[test]
fn a_granted_then_dropped_writer_passes_its_turn() {
    let l = RwLock::new(0);
    let g = l.try_write().unwrap();
    let (_, w1) = counting();
    let (c2, w2) = counting();
    let mut a = Box::pin(l.write());
    let mut b = pin!(l.write());
    assert!(poll_with(a.as_mut(), &w1).is_pending());
    assert!(poll_with(b.as_mut(), &w2).is_pending());
    drop(g);
    assert_eq!(c2.0.load(SeqCst), 0);
    drop(a);
    assert_eq!(c2.0.load(SeqCst), 1);
    assert!(poll_with(b.as_mut(), &w2).is_ready());
}

#[test]
fn max_readers_is_enforced() {
    let l = RwLock::with_max_readers(0, 2);
    let _a = l.try_read().unwrap();
    let _b = l.try_read().unwrap();
    assert!(l.try_read().is_err());
}

#[test]
#[should_panic(expected = "a RwLock may not be created with 0 readers")]
fn zero_readers_panics() {
    let _ = RwLock::with_max_readers((), 0);
}

#[test]
#[should_panic(expected = "a RwLock may not be created with more than")]
fn too_many_readers_panics() {
    let _ = RwLock::with_max_readers((), u32::MAX);
}

#[test]
fn downgrade_is_atomic_and_lets_readers_in() {
    let l = RwLock::new(1);
    let w = l.try_write().unwrap();
    let mut w2 = pin!(l.write());
    assert!(poll(w2.as_mut()).is_pending());
    let r = w.downgrade();
    assert_eq!(*r, 1);
    assert!(poll(w2.as_mut()).is_pending(), "the queued writer waits for the downgraded reader");
    drop(r);
    assert!(poll(w2.as_mut()).is_ready());

    let l = RwLock::new((1, 2));
    let r = RwLockWriteGuard::downgrade_map(l.try_write().unwrap(), |t| &t.1);
    assert_eq!(*r, 2);
    let other = l.try_read().unwrap();
    assert_eq!(other.0, 1);
    drop((r, other));
    let w = l.try_write().unwrap();
    let w = RwLockWriteGuard::try_downgrade_map(w, |_| None::<&u8>).unwrap_err();
    let r = RwLockWriteGuard::try_downgrade_map(w, |t| Some(&t.0)).unwrap();
    assert_eq!(*r, 1);
    assert!(l.try_write().is_err());
    drop(r);
    assert!(l.try_write().is_ok());
}

#[test]
fn mapped_guards() {
    let l = RwLock::new((1, 2));
    {
        let mut m: RwLockMappedWriteGuard<'_, i32> =
            RwLockWriteGuard::map(l.try_write().unwrap(), |t| &mut t.0);
        *m = 5;
        let mut m = RwLockMappedWriteGuard::try_map(m, |x| Some(x)).unwrap();
        *m += 1;
        assert!(l.try_read().is_err());
        drop(m);
        let w = RwLockWriteGuard::try_map(l.try_write().unwrap(), |_| None::<&mut u8>).unwrap_err();
        let m = RwLockWriteGuard::into_mapped(w);
        assert!(l.try_read().is_err());
        drop(m);
    }
    let r = RwLockReadGuard::map(l.try_read().unwrap(), |t| &t.0);
    assert_eq!(*r, 6);
    let r = RwLockReadGuard::try_map(r, |_| None::<&u8>).unwrap_err();
    assert_eq!(format!("{r:?}"), "6");
}

#[test]
fn owned_guards() {
    let l = Arc::new(RwLock::new((1, 2)));
    let r = now(l.clone().read_owned());
    assert!(Arc::ptr_eq(OwnedRwLockReadGuard::rwlock(&r), &l));
    let r: OwnedRwLockReadGuard<(i32, i32), i32> = OwnedRwLockReadGuard::map(r, |t| &t.1);
    assert_eq!(*r, 2);
    assert!(l.clone().try_write_owned().is_err());
    drop(r);

    let w = now(l.clone().write_owned());
    assert!(Arc::ptr_eq(OwnedRwLockWriteGuard::rwlock(&w), &l));
    let mut m: OwnedRwLockMappedWriteGuard<(i32, i32), i32> = OwnedRwLockWriteGuard::map(w, |t| &mut t.0);
    *m = 7;
    let m = OwnedRwLockMappedWriteGuard::map(m, |x| x);
    assert!(Arc::ptr_eq(OwnedRwLockMappedWriteGuard::rwlock(&m), &l));
    drop(m);

    let w = l.clone().try_write_owned().unwrap();
    let r = w.downgrade();
    let r2 = l.clone().try_read_owned().unwrap();
    assert_eq!((r.0, r2.0), (7, 7));
    drop((r, r2));
    let w = now(l.clone().write_owned());
    let r = OwnedRwLockWriteGuard::downgrade_map(w, |t| &t.1);
    assert_eq!(*r, 2);
    drop(r);
    let w = now(l.clone().write_owned());
    let w = OwnedRwLockWriteGuard::try_map(w, |_| None::<&mut u8>).unwrap_err();
    let w = OwnedRwLockWriteGuard::try_downgrade_map(w, |_| None::<&u8>).unwrap_err();
    let m = OwnedRwLockWriteGuard::into_mapped(w);
    drop(m);
    assert!(l.try_write().is_ok());
}

#[tern::test(flavor = "multi_thread", worker_threads = 2)]
async fn readers_and_writers_under_contention() {
    let l = Arc::new(RwLock::new(0u64));
    let mut hs = Vec::new();
    for i in 0..8 {
        let l = l.clone();
        hs.push(tern::spawn(async move {
            for _ in 0..100 {
                if i % 2 == 0 {
                    let mut w = l.write().await;
                    let v = *w;
                    tern::task::yield_now().await;
                    *w = v + 1;
                } else {
                    let r = l.read().await;
                    let v = *r;
                    tern::task::yield_now().await;
                    assert_eq!(*r, v, "no write while a read guard lives");
                }
            }
        }));
    }
    for h in hs {
        h.await.unwrap();
    }
    assert_eq!(*l.read().await, 400);
}

#[test]
fn blocking_read_and_write_outside_a_runtime() {
    let l = Arc::new(RwLock::new(0));
    let l2 = l.clone();
    std::thread::spawn(move || {
        *l2.blocking_write() += 1;
        assert_eq!(*l2.blocking_read(), 1);
    })
    .join()
    .unwrap();
    assert_eq!(l.try_read().map(|g| *g).unwrap(), 1);
}

#[tern::test]
#[should_panic(expected = "Cannot block the current thread from within a runtime")]
async fn blocking_read_in_a_runtime_panics() {
    let _ = RwLock::new(0).blocking_read();
}

// The `const` constructors are not built under loom (its atomics are not const).
#[cfg(not(tern_loom))]
#[test]
fn get_mut_into_inner_const() {
    let mut l = RwLock::new(1);
    *l.get_mut() = 2;
    assert_eq!(l.into_inner(), 2);
    static L: RwLock<u8> = RwLock::const_new(3);
    static L2: RwLock<u8> = RwLock::const_with_max_readers(4, 1);
    assert_eq!(*L.try_read().unwrap(), 3);
    let _g = L2.try_read().unwrap();
    assert!(L2.try_read().is_err());
}
