//! Loom models of the readiness word and its waiter list: readiness set by
//! the driver while a task registers is never lost, and a waiter dropped
//! while a wake is in flight neither loses a live waiter's wake nor leaves
//! its slot behind; a slot retired while the driver dispatches to it
//! keeps no waiter, and its next registration gets its wakes. And deferred
//! registration (`epoll_entry.rs`): waiters of a descriptor not yet in the
//! epoll set all get the readiness that arrives around the add, or the
//! add's error, never a lost wake. And the driver's hand-off: a thread
//! that finds the driver taken for a turn and parks is woken when it is
//! put back.
//!
//! Run with `RUSTFLAGS="--cfg tern_loom" cargo test -p tern --release --lib loom`.

use super::epoll_entry::EpollEntry;
use super::scheduled_io::{Direction, ScheduledIo, ALL, READABLE, WRITABLE};
use crate::io::Interest;
use crate::loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use crate::loom::sync::{Arc, Mutex};
use ::loom::future::block_on;
use ::loom::thread;
use std::future::poll_fn;
use std::task::Poll;

/// The driver's dispatch of one event, on a thread of its own: records
/// `ready` at `tick` and wakes, if the slot is still at `generation`
/// (`None`: whichever is current when the thread runs).
fn dispatch(
    io: &Arc<ScheduledIo>,
    generation: Option<usize>,
    tick: usize,
    ready: usize,
) -> thread::JoinHandle<()> {
    let io = io.clone();
    thread::spawn(move || {
        if io.set_readiness(usize::MAX, generation.unwrap_or(io.generation()), tick, ready) {
            io.wake(ready);
        }
    })
}

#[test]
fn readiness_set_while_a_waiter_registers_is_not_lost() {
    ::loom::model(|| {
        let io = Arc::new(ScheduledIo::new_ready(0));
        let driver = dispatch(&io, None, 1, READABLE);
        let mut key = None;
        let ev = block_on(poll_fn(|cx| io.poll_interest(cx, Interest::READABLE.wake_mask(), &mut key)));
        assert_eq!(ev.ready & READABLE, READABLE);
        assert!(key.is_none(), "a completed wait gave its slot back");
        driver.join().unwrap();
    });
}

#[test]
fn list_waiter_and_direction_waiter_are_both_woken() {
    ::loom::model(|| {
        let io = Arc::new(ScheduledIo::new_ready(0));
        let driver = dispatch(&io, None, 1, READABLE | WRITABLE);
        let mut key = None;
        let mask = Interest::WRITABLE.wake_mask();
        // Each waits with its own waker; a lost wake deadlocks the model.
        block_on(poll_fn(|cx| io.poll_interest(cx, mask, &mut key)));
        block_on(poll_fn(|cx| io.poll_readiness(cx, Direction::Read)));
        driver.join().unwrap();
    });
}

#[test]
fn a_waiter_dropped_during_a_wake_frees_its_slot() {
    ::loom::model(|| {
        let io = Arc::new(ScheduledIo::new_ready(0));
        let mut key = None;
        // Registered and pending.
        let pending = block_on(poll_fn(|cx| {
            Poll::Ready(io.poll_interest(cx, Interest::READABLE.wake_mask(), &mut key).is_pending())
        }));
        assert!(pending);
        let driver = dispatch(&io, None, 1, READABLE);
        io.remove_waiter(&mut key);
        driver.join().unwrap();
        assert_eq!(io.armed_waiters(), 0);
    });
}

#[test]
fn a_stale_event_never_lands_in_the_slots_next_registration() {
    use super::scheduled_io::READ_CLOSED;
    use super::slab::Slab;
    ::loom::model(|| {
        let slab = Arc::new(Slab::new());
        let (_, index, old) = slab.alloc(0).unwrap();
        // The driver dispatches an event fetched for the first connection
        // (its peer hung up) ...
        let driver = {
            let slab = slab.clone();
            thread::spawn(move || {
                slab.dispatch(old, 1, READABLE | READ_CLOSED);
            })
        };
        // ... while its task closes it and the next connection takes the
        // slot (most recently freed first).
        slab.release(index);
        let (io, again, new) = slab.alloc(0).unwrap();
        assert_eq!(again, index);
        assert_ne!(new, old);
        driver.join().unwrap();
        // A stale `READ_CLOSED` here would never be cleared: every read
        // would find the connection ready and get `WouldBlock` forever.
        assert!(io.ready_now_masked(ALL).is_none(), "a stale event reached the new registration");
    });
}

#[test]
fn a_slot_retired_during_a_dispatch_is_clean_for_its_next_registration() {
    ::loom::model(|| {
        let io = Arc::new(ScheduledIo::new_ready(0));
        let mut key = None;
        let pending = block_on(poll_fn(|cx| {
            Poll::Ready(io.poll_interest(cx, Interest::READABLE.wake_mask(), &mut key).is_pending())
        }));
        assert!(pending);
        let generation = io.generation();
        // The driver's dispatch of an event with the old token.
        let driver = dispatch(&io, Some(generation), 1, READABLE);
        // The resource drops: its readiness future first, then the slot.
        io.remove_waiter(&mut key);
        drop(io.retire());
        assert_eq!(io.generation(), generation + 1);
        driver.join().unwrap();
        assert_eq!(io.armed_waiters(), 0, "no waiter survives the retire");
        // Handed out again: a current event reaches the new waiter.
        io.reset(0);
        let driver = dispatch(&io, None, 2, READABLE);
        let mut key = None;
        block_on(poll_fn(|cx| io.poll_interest(cx, Interest::READABLE.wake_mask(), &mut key)));
        driver.join().unwrap();
    });
}

/// The kernel's side of one descriptor, for the deferred-registration
/// models: whether it is in the epoll set and whether data has arrived.
/// Once both hold, one event is dispatched (by whichever side made the
/// second one true: `EPOLL_CTL_ADD` reports what is ready at that moment,
/// an arrival is reported to the set the descriptor is in). The first
/// `failing_adds` adds fail.
struct Kernel {
    io: Arc<ScheduledIo>,
    entry: EpollEntry,
    /// (in the set, data arrived)
    state: Mutex<(bool, bool)>,
    failing_adds: AtomicUsize,
}

impl Kernel {
    fn new(failing_adds: usize, data: bool) -> Arc<Kernel> {
        Arc::new(Kernel {
            // After a `WouldBlock`: nothing ready.
            io: Arc::new(ScheduledIo::new_ready(0)),
            entry: EpollEntry::deferred(0, mio::Interest::READABLE),
            state: Mutex::new((false, data)),
            failing_adds: AtomicUsize::new(failing_adds),
        })
    }

    fn deliver(&self) {
        if self.io.set_readiness(usize::MAX, self.io.generation(), 1, READABLE) {
            self.io.wake(READABLE);
        }
    }

    fn data_arrives(&self) {
        let in_set = {
            let mut s = self.state.lock();
            s.1 = true;
            s.0
        };
        if in_set {
            self.deliver();
        }
    }

    fn add(&self) -> std::io::Result<()> {
        if self.failing_adds.load(SeqCst) > 0 {
            self.failing_adds.fetch_sub(1, SeqCst);
            return Err(std::io::Error::from_raw_os_error(28));
        }
        let data = {
            let mut s = self.state.lock();
            s.0 = true;
            s.1
        };
        if data {
            self.deliver();
        }
        Ok(())
    }

    /// One waiter, as `PollEvented` waits: the waker is stored (the slot
    /// polled), then the descriptor made sure to be in the set.
    fn wait(&self, list: bool) -> std::io::Result<()> {
        let mut key = None;
        block_on(poll_fn(|cx| {
            let polled = if list {
                self.io.poll_interest(cx, Interest::READABLE.wake_mask(), &mut key)
            } else {
                self.io.poll_readiness(cx, Direction::Read)
            };
            match polled {
                Poll::Ready(_) => Poll::Ready(Ok(())),
                Poll::Pending => match self.entry.ensure_with(|| self.add(), || self.io.wake(ALL)) {
                    Ok(_) => Poll::Pending,
                    Err(e) => Poll::Ready(Err(e)),
                },
            }
        }))
    }
}

#[test]
fn readiness_arriving_around_the_deferred_add_is_not_lost() {
    ::loom::model(|| {
        let k = Kernel::new(0, false);
        let peer = {
            let k = k.clone();
            thread::spawn(move || k.data_arrives())
        };
        // A lost wake deadlocks the model.
        k.wait(false).unwrap();
        peer.join().unwrap();
        assert!(k.entry.is_in_set());
    });
}

#[test]
fn a_waiter_that_finds_the_add_in_progress_is_covered_by_it() {
    ::loom::model(|| {
        // Data is there already: the add reports it.
        let k = Kernel::new(0, true);
        let other = {
            let k = k.clone();
            thread::spawn(move || k.wait(true))
        };
        k.wait(false).unwrap();
        other.join().unwrap().unwrap();
    });
}

#[test]
fn a_failed_add_reaches_every_waiter_and_a_retry_can_succeed() {
    ::loom::model(|| {
        // The first add fails; whoever retries next succeeds (and the add
        // reports the data already there).
        let k = Kernel::new(1, true);
        let other = {
            let k = k.clone();
            thread::spawn(move || k.wait(true))
        };
        let mine = k.wait(false);
        let theirs = other.join().unwrap();
        // Exactly one waiter made the failing add and saw its error; the
        // other, woken by the failure (or coming after it), added the
        // descriptor itself and got the data.
        assert_eq!(u8::from(mine.is_err()) + u8::from(theirs.is_err()), 1);
        assert!(k.entry.is_in_set());
    });
}

#[test]
fn a_thread_that_parks_while_the_driver_is_out_gets_it_back() {
    use super::DriverSlot;
    use crate::runtime::park::ParkInner;
    ::loom::model(|| {
        let slot = Arc::new(DriverSlot::new(7u32));
        let parker = Arc::new(ParkInner::new());
        // A busy worker has the driver for a non-blocking turn.
        let turn = slot.try_take().expect("free at first");
        let parking = {
            let (slot, parker) = (slot.clone(), parker.clone());
            thread::spawn(move || loop {
                if let Some(driver) = slot.take_or_want() {
                    return driver;
                }
                parker.park(None);
            })
        };
        if slot.put(turn) {
            parker.unpark();
        }
        // Parked forever without the wake: the model deadlocks.
        assert_eq!(parking.join().unwrap(), 7);
    });
}
