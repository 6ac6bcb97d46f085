//! Unit tests of `driver.rs`: a panicking waker is contained, a turn
//! puts the drivers back (also while unwinding) and answers wants marked
//! meanwhile, and the driver role has one holder at a time.

use super::*;
use std::future::Future;
use std::sync::atomic::Ordering::SeqCst;
use std::task::Wake;

struct Counter(std::sync::atomic::AtomicUsize, bool);

impl Wake for Counter {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
        if self.1 {
            panic!("panicking waker (expected in this test)");
        }
    }
}

#[test]
fn a_panicking_waker_is_contained_and_the_next_one_still_runs() {
    let bad = Arc::new(Counter(Default::default(), true));
    let good = Arc::new(Counter(Default::default(), false));
    wake(Waker::from(bad.clone()));
    wake(Waker::from(good.clone()));
    assert_eq!(bad.0.load(SeqCst), 1);
    assert_eq!(good.0.load(SeqCst), 1);
}

/// Counts the ends of the turns it is given to.
#[derive(Default)]
struct Ends {
    taken: usize,
    putting_back: usize,
    put_back: Vec<bool>,
}

impl TurnEnd for &mut Ends {
    fn taken(&mut self) {
        self.taken += 1;
    }
    fn putting_back(&mut self) {
        self.putting_back += 1;
    }
    fn put_back(&mut self, wanted: bool) {
        assert_eq!(self.putting_back, self.put_back.len() + 1, "after `putting_back`");
        self.put_back.push(wanted);
    }
}

#[test]
fn a_turn_puts_the_driver_back_when_unwinding() {
    let drivers = Drivers::new(Some(IoHandle::new(1024, 1024).unwrap()), None);
    let mut ends = Ends::default();
    let r = catch_unwind(AssertUnwindSafe(|| {
        let turn = drivers.take(Take::IfFree, true, &mut ends);
        assert!(turn.holds_io());
        panic!("unwinding with the driver (expected in this test)");
    }));
    assert!(r.is_err());
    assert_eq!((ends.taken, ends.put_back.as_slice()), (1, &[false][..]));
    assert!(drivers.io().unwrap().try_take_driver().is_some(), "the driver is back");
}

#[test]
fn a_want_marked_during_a_turn_is_answered_when_it_ends() {
    let drivers = Drivers::new(Some(IoHandle::new(1024, 1024).unwrap()), None);
    let mut ends = Ends::default();
    let turn = drivers.take(Take::IfFree, false, &mut ends);
    let mut wanting = Ends::default();
    // The role holder finds the driver out: marks it wanted.
    assert!(!drivers.take(Take::OrWant, false, &mut wanting).holds_io());
    drop(turn);
    assert_eq!(ends.put_back, [true]);
    assert_eq!(wanting.taken, 0);
    // Reported once.
    let parker = drivers.new_parker();
    parker.unpark();
    assert!(drivers.park(&parker, Take::IfFree, None, None, false, &mut ends));
    assert_eq!(ends.put_back, [true, false]);
}

/// A timer due by the end of a turn fires then; not while the turn
/// unwinds (the thread is leaving), but at the next turn.
#[test]
fn a_turn_fires_due_timers_when_it_ends_but_not_while_unwinding() {
    let rt = crate::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap();
    let drivers: Drivers = Drivers::new(None, rt.handle().inner.time_handle().cloned());
    let time = drivers.time().unwrap();
    let fired = Arc::new(Counter(Default::default(), false));
    let waker = Waker::from(fired.clone());
    let mut sleep = {
        let _entered = rt.enter();
        Box::pin(crate::time::sleep(Duration::from_millis(1)))
    };
    let mut poll = || sleep.as_mut().poll(&mut std::task::Context::from_waker(&waker)).is_ready();
    assert!(!poll(), "filed");
    let _ = time.clock().advance(Duration::from_millis(2));
    let r = catch_unwind(AssertUnwindSafe(|| {
        let _turn = drivers.take(Take::No, true, ());
        panic!("unwinding through a turn (expected in this test)");
    }));
    assert!(r.is_err());
    assert_eq!(fired.0.load(SeqCst), 0, "not fired while unwinding");
    drivers.turn_nonblocking(());
    assert_eq!(fired.0.load(SeqCst), 1, "fired at the end of the next turn");
    assert!(poll());
}

#[test]
fn the_role_has_one_holder_at_a_time() {
    let drivers: Drivers = Drivers::new(None, Some(TimeHandle::new(true)));
    let role = drivers.try_take_role(1).expect("free");
    assert!(drivers.try_take_role(0).is_none());
    assert_eq!(drivers.role_holder(), 1);
    drop(role);
    assert!(drivers.try_take_role(0).is_some());
    assert!(Drivers::<IoHandle>::new(None, None).try_take_role(0).is_none(), "nothing to drive");
}
