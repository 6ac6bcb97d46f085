//! `tern::sync::Mutex`: exclusion, FIFO hand-off, cancel safety, guards.

use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use tern::sync::{MappedMutexGuard, Mutex, MutexGuard, OwnedMappedMutexGuard, OwnedMutexGuard};

mod support;

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

/// Polls a future that must be ready at once (uncontended lock).
fn now<F: Future>(f: F) -> F::Output {
    match pin!(f).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("expected an uncontended lock"),
    }
}

#[test]
fn try_lock_excludes_and_reports() {
    let m = Mutex::new(1);
    let g = m.try_lock().unwrap();
    let err = m.try_lock().unwrap_err();
    assert_eq!(err.to_string(), "operation would block");
    assert_eq!(format!("{m:?}"), "Mutex { data: <locked> }");
    drop(g);
    assert_eq!(format!("{m:?}"), "Mutex { data: 1 }");
    assert_eq!(*m.try_lock().unwrap(), 1);
}

#[test]
fn lock_waiters_are_served_in_order_and_a_dropped_one_passes_on() {
    let m = Mutex::new(Vec::new());
    let g = m.try_lock().unwrap();
    let (c1, w1) = counting();
    let (c2, w2) = counting();
    let (c3, w3) = counting();
    let mut a = Box::pin(m.lock());
    let mut b = pin!(m.lock());
    let mut c = pin!(m.lock());
    assert!(poll_with(a.as_mut(), &w1).is_pending());
    assert!(poll_with(b.as_mut(), &w2).is_pending());
    assert!(poll_with(c.as_mut(), &w3).is_pending());
    drop(g);
    assert_eq!([c1.0.load(SeqCst), c2.0.load(SeqCst), c3.0.load(SeqCst)], [1, 0, 0]);
    drop(a); // chosen, then cancelled before it saw the lock
    assert_eq!(c2.0.load(SeqCst), 1, "the hand-off moved on");
    let Poll::Ready(mut gb) = poll_with(b.as_mut(), &w2) else { panic!("b holds the lock") };
    gb.push("b");
    assert!(poll_with(c.as_mut(), &w3).is_pending());
    drop(gb);
    let Poll::Ready(mut gc) = poll_with(c.as_mut(), &w3) else { panic!("c holds the lock") };
    gc.push("c");
    drop(gc);
    assert_eq!(*m.try_lock().unwrap(), vec!["b", "c"]);
}

#[tern::test(flavor = "multi_thread", worker_threads = 2)]
async fn increments_are_not_lost() {
    let m = Arc::new(Mutex::new(0u64));
    let hs: Vec<_> = (0..8)
        .map(|_| {
            let m = m.clone();
            tern::spawn(async move {
                for _ in 0..200 {
                    let mut g = m.lock().await;
                    let v = *g;
                    tern::task::yield_now().await; // held across an await
                    *g = v + 1;
                }
            })
        })
        .collect();
    for h in hs {
        h.await.unwrap();
    }
    assert_eq!(*m.lock().await, 1600);
}

#[test]
fn guards_map_and_expose_their_mutex() {
    let m = Mutex::new((1, String::from("a")));
    {
        let g = now(m.lock());
        assert!(std::ptr::eq(MutexGuard::mutex(&g), &m));
        let mut s: MappedMutexGuard<'_, String> = MutexGuard::map(g, |t| &mut t.1);
        s.push('b');
        let mut s = MappedMutexGuard::map(s, |s| s);
        s.push('c');
        assert!(m.try_lock().is_err(), "the mapped guard holds the lock");
    }
    let g = now(m.lock());
    let g = MutexGuard::try_map(g, |_| None::<&mut u8>).unwrap_err();
    assert_eq!(g.1, "abc");
    drop(g);

    let m = Arc::new(Mutex::new((1, 2)));
    let g = now(m.clone().lock_owned());
    assert!(Arc::ptr_eq(OwnedMutexGuard::mutex(&g), &m));
    let mut o: OwnedMappedMutexGuard<(i32, i32), i32> = OwnedMutexGuard::map(g, |t| &mut t.0);
    *o = 10;
    let mut o = OwnedMappedMutexGuard::try_map(o, |x| Some(x)).ok().unwrap();
    *o += 1;
    assert_eq!(format!("{o:?} {o}"), "11 11");
    assert!(m.clone().try_lock_owned().is_err());
    drop(o);
    assert_eq!(*now(m.lock()), (11, 2));
}

// The `const` constructors are not built under loom (its atomics are not const).
#[cfg(not(tern_loom))]
#[test]
fn get_mut_into_inner_default_from_const() {
    let mut m = Mutex::from(3);
    *m.get_mut() += 1;
    assert_eq!(m.into_inner(), 4);
    assert_eq!(Mutex::<u8>::default().into_inner(), 0);
    static M: Mutex<u32> = Mutex::const_new(7);
    assert_eq!(*M.try_lock().unwrap(), 7);
}

#[test]
fn blocking_lock_outside_a_runtime_waits_for_the_holder() {
    let m = Arc::new(Mutex::new(0));
    let g = m.try_lock().unwrap();
    let m2 = m.clone();
    // Released only once the thread is asleep in `blocking_lock`.
    let t = support::spawn_until_blocked("the thread blocks on the held lock", move || {
        *m2.blocking_lock() += 1;
        let mut o = m2.blocking_lock_owned();
        *o += 1;
    });
    drop(g);
    support::join_within(t, "blocking_lock after the holder's release");
    assert_eq!(*m.try_lock().unwrap(), 2);
}

#[tern::test]
#[should_panic(expected = "Cannot block the current thread from within a runtime")]
async fn blocking_lock_in_a_runtime_panics() {
    let m = Mutex::new(0);
    let _g = m.blocking_lock();
}

#[tern::test]
async fn blocking_lock_from_spawn_blocking() {
    let m = Arc::new(Mutex::new(1));
    let g = m.lock().await;
    let m1 = m.clone();
    let h = tern::task::spawn_blocking(move || *m1.blocking_lock() = 2);
    drop(g);
    h.await.unwrap();
    assert_eq!(*m.lock().await, 2);
}

#[test]
fn a_guard_is_send_and_sync_as_tokio_says() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Mutex<u8>>();
    send_sync::<MutexGuard<'static, u8>>();
    send_sync::<OwnedMutexGuard<u8>>();
    send_sync::<MappedMutexGuard<'static, u8>>();
    send_sync::<OwnedMappedMutexGuard<u8, u8>>();
}

#[test]
fn the_futures_are_send_and_sync() {
    fn send_sync<T: Send + Sync>(_: &T) {}
    let m = Arc::new(Mutex::new(0u8));
    send_sync(&m.lock());
    send_sync(&m.clone().lock_owned());
    let l = Arc::new(tern::sync::RwLock::new(0u8));
    send_sync(&l.read());
    send_sync(&l.write());
    send_sync(&l.clone().write_owned());
    let s = Arc::new(tern::sync::Semaphore::new(1));
    send_sync(&s.acquire());
    send_sync(&s.clone().acquire_many_owned(1));
    let n = Arc::new(tern::sync::Notify::new());
    send_sync(&n.notified());
    send_sync(&n.clone().notified_owned());
    let c = tern::sync::OnceCell::<u8>::new();
    send_sync(&c.get_or_init(|| async { 1 }));
    let b = tern::sync::Barrier::new(1);
    send_sync(&b.wait());
}

/// Spends the running task's whole coop budget.
fn exhaust_budget() {
    while poll_with(pin!(tern::task::coop::consume_budget()), Waker::noop()).is_ready() {}
}

#[tern::test]
async fn an_acquirer_out_of_budget_keeps_its_place_in_line() {
    let m = Arc::new(Mutex::new(0));
    let g0 = m.clone().try_lock_owned().unwrap();
    exhaust_budget();
    let (ca, wa) = counting();
    let (cb, wb) = counting();
    let mut a = Box::pin(m.clone().lock_owned());
    assert!(poll_with(a.as_mut(), &wa).is_pending());
    let mut b = Box::pin(m.clone().lock_owned());
    assert!(poll_with(b.as_mut(), &wb).is_pending());
    drop(g0);
    // The first in line gets the lock although it had no budget left.
    assert_eq!(ca.0.load(SeqCst), 1);
    assert_eq!(cb.0.load(SeqCst), 0);
    // Still out of budget: it holds the lock but yields.
    assert!(poll_with(a.as_mut(), &wa).is_pending());
    assert!(m.try_lock().is_err());
    assert_eq!(cb.0.load(SeqCst), 0);
    // Dropped while holding it unreturned: the lock passes to the next.
    drop(a);
    assert_eq!(cb.0.load(SeqCst), 1);
    *b.await += 1;
    assert_eq!(*m.lock().await, 1);
}

#[tern::test]
async fn a_free_lock_taken_out_of_budget_is_released_when_dropped() {
    let m = Mutex::new(());
    exhaust_budget();
    {
        let mut a = pin!(m.lock());
        assert!(poll_with(a.as_mut(), Waker::noop()).is_pending());
    }
    assert!(m.try_lock().is_ok());
}
