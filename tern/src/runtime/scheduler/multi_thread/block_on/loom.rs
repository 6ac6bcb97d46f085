//! Loom models of the `block_on` I/O claim (the real `BlockOnIo`,
//! `ParkInner` and `DriverSlot`).

use super::*;

/// The standing-by worker as the models run it: a long standby is a
/// park with no timeout (only a wake ends it), a short one (which the
/// real worker ends by its own timeout) looks again.
fn look(io: &BlockOnIo, park: &ParkInner) -> bool {
    match io.standby() {
        Standby::TakeDriver => true,
        Standby::StandBy(p) if p < DROWSY_FROM => false,
        Standby::StandBy(_) => {
            park.park(None);
            false
        }
    }
}

/// A `block_on` thread that leaves (its future done, or parking off
/// the driver) always reaches a worker standing by without a timer.
#[test]
fn leaving_block_on_wakes_the_standing_by_worker() {
    ::loom::model(|| {
        let io = Arc::new(BlockOnIo::new());
        let park = Arc::new(ParkInner::new());
        io.begin_turn();
        let (io2, park2) = (io.clone(), park.clone());
        let block_on = ::loom::thread::spawn(move || {
            if io2.end_turn() == EndOfTurn::WakeStandby {
                park2.unpark();
            }
            if io2.release() {
                park2.unpark();
            }
        });
        // Only parks, never times out: without the wakes this
        // deadlocks.
        loop {
            if io.standby() == Standby::TakeDriver {
                break;
            }
            park.park(None);
        }
        block_on.join().unwrap();
        assert!(!io.is_claimed());
    });
}

/// A worker that went to a long standby while the `block_on` thread
/// sat in the driver is woken by the end of that turn, so it watches
/// the poll that follows at the short period.
#[test]
fn a_long_standby_is_cut_short_by_the_next_turn() {
    ::loom::model(|| {
        let io = Arc::new(BlockOnIo::new());
        let park = Arc::new(ParkInner::new());
        io.begin_turn();
        // In the driver with nothing happening: the standby grows
        // until it is long enough to ask for a wake (`drowsy`).
        assert_eq!(io.standby(), Standby::StandBy(MIN_PERIOD * 2));
        assert_eq!(io.standby(), Standby::StandBy(MIN_PERIOD * 4));
        let (io2, park2) = (io.clone(), park.clone());
        let block_on = ::loom::thread::spawn(move || {
            if io2.end_turn() == EndOfTurn::WakeStandby {
                park2.unpark();
            }
            // Out of the driver now, maybe blocked in a poll for good.
        });
        // Three looks at most: short, then revoke.
        let mut took = false;
        for _ in 0..3 {
            if look(&io, &park) {
                took = true;
                break;
            }
        }
        block_on.join().unwrap();
        assert!(took, "a blocked block_on thread's claim is revoked");
    });
}
/// The request racing the worker's `put`: the `block_on` thread asks,
/// then looks for the driver once more (under the slot's lock); either
/// it gets the driver, or the worker's `put` comes after that look and
/// its `take_handover` sees the request and wakes it. Without the
/// second look this deadlocks: the worker put the driver back and
/// checked for a request just before it landed.
#[test]
fn a_handover_request_racing_the_put_is_never_lost() {
    use crate::io::driver::DriverSlot;
    ::loom::model(|| {
        let io = Arc::new(BlockOnIo::new());
        let slot = Arc::new(DriverSlot::new(0u8));
        let asker = Arc::new(ParkInner::new());
        // A worker has the driver out (a turn).
        let driver = slot.take().expect("free at first");
        let (io2, slot2) = (io.clone(), slot.clone());
        let worker = ::loom::thread::spawn(move || {
            let _ = slot2.put(driver);
            if let Some(asker) = io2.take_handover() {
                asker.unpark();
            }
        });
        io.request_handover(&asker);
        let mut got = slot.take();
        if got.is_none() {
            // Only the worker's answer ends this park.
            asker.park(None);
            got = slot.take();
        }
        assert!(got.is_some(), "woken with the driver back in the slot");
        worker.join().unwrap();
    });
}

/// A handover request reaches the worker parked in the driver (woken
/// as by its `mio::Waker`), which wakes the asking `block_on` thread
/// and then stands by instead of taking the driver back.
#[test]
fn a_handover_wakes_the_asking_thread_and_the_worker_stands_by() {
    ::loom::model(|| {
        let io = Arc::new(BlockOnIo::new());
        let worker = Arc::new(ParkInner::new());
        let asker = Arc::new(ParkInner::new());
        let (io2, worker2, asker2) = (io.clone(), worker.clone(), asker.clone());
        let block_on = ::loom::thread::spawn(move || {
            io2.request_handover(&asker2);
            worker2.unpark(); // the driver's waker
            asker2.park(None);
        });
        worker.park(None); // in `epoll_wait`
        if let Some(asker) = io.take_handover() {
            asker.unpark();
        }
        assert_eq!(io.standby(), Standby::StandBy(MIN_PERIOD));
        block_on.join().unwrap();
    });
}
