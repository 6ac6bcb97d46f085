//! Loom models of the `block_on` I/O claim.
//!
//! The first models drive `BlockOnIo` by hand against the real
//! `ParkInner` and `DriverSlot`. The models of the whole loop (from
//! `two_block_on_threads_...` on) run the real code end to end: the
//! `block_on` loop (`run.rs`, `run`), the worker's park step
//! (`worker/park.rs`, `park_step`: the driver role, the standby look, the
//! plan, the turn) and the drivers layer (`runtime/driver.rs`: `Drivers`,
//! `Turn` and its drop guard, `park_on_driver`), over a [`Model`] runtime
//! (the `Host` trait) whose I/O driver is a fake on loom primitives
//! ([`FakeIo`]: the real `DriverSlot`, plus a mutex and a condvar for
//! `epoll_wait` and its eventfd). Only the workers' outer loop (leave the
//! park when notified, run a "task", park again) and the tasks are the
//! models' own.
//!
//! # Time
//!
//! Time does not pass under loom: `too_soon` lets every look count, and a
//! timed wait never times out (loom's `Condvar::wait_timeout` is a plain
//! wait; the fake driver's timed wait does the same). So a standby, short
//! or long, ends only when something wakes the worker: the models check
//! that no progress waits for a standby period to run out, which holds
//! when no `block_on` future blocks its thread (the one case the period is
//! there for; `a_long_standby_is_cut_short_by_the_next_turn` covers the
//! looks that revoke). A hang is a loom deadlock: every thread blocked.
//!
//! Preemption bound 2 (unless `LOOM_MAX_PREEMPTIONS` says otherwise): the
//! three models of the loop take about 30 s, 6 s and 0.3 s in release on
//! a 2-core machine.
//!
//! Run with `RUSTFLAGS="--cfg tern_loom" cargo test -p tern --release --lib loom`.

use super::*;
use crate::io::driver::DriverSlot;
use crate::loom::sync::atomic::AtomicUsize;
use crate::loom::sync::Condvar;
use crate::runtime::driver::IoWaker;
use crate::runtime::scheduler::multi_thread::worker::{park_step, Watch};
use std::future::poll_fn;
use std::task::{Context, Poll, Waker};

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

// ---------------------------------------------------------------------------
// Models of the whole loop.

fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = ::loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(2);
    }
    builder.check(f);
}

/// Something a `block_on` future waits for: ready once, by a plain wake
/// from another thread ([`Source::wake`]) or by an I/O event that a
/// driver turn dispatches ([`FakeIo::event`]).
struct Source(Mutex<(bool, Option<Waker>)>);

impl Source {
    fn new() -> Arc<Source> {
        Arc::new(Source(Mutex::new((false, None))))
    }

    fn poll(&self, cx: &mut Context<'_>) -> Poll<()> {
        let mut s = self.0.lock();
        if s.0 {
            return Poll::Ready(());
        }
        s.1 = Some(cx.waker().clone());
        Poll::Pending
    }

    fn wake(&self) {
        let waker = {
            let mut s = self.0.lock();
            s.0 = true;
            s.1.take()
        };
        if let Some(w) = waker {
            crate::runtime::driver::wake(w);
        }
    }
}

/// The I/O driver on loom primitives, with the `Io` contract
/// (`runtime/driver.rs`): the real `DriverSlot` holds the driver (a
/// token); `epoll_wait` is a wait on a condvar for an event or an eventfd
/// write (`woken`, kept until the next wait, as the eventfd's edge is).
#[derive(Clone)]
struct FakeIo(Arc<FakeInner>);

struct FakeInner {
    slot: DriverSlot<FakeDriver>,
    poll: Mutex<Pending>,
    ready: Condvar,
    /// Threads holding the driver (a plain counter: bookkeeping of the
    /// model, not part of what loom explores).
    holders: std::sync::atomic::AtomicUsize,
}

/// What the next `epoll_wait` returns at once.
struct Pending {
    woken: bool,
    events: Vec<Arc<Source>>,
}

struct FakeDriver;

impl FakeIo {
    fn new() -> FakeIo {
        FakeIo(Arc::new(FakeInner {
            slot: DriverSlot::new(FakeDriver),
            poll: Mutex::new(Pending { woken: false, events: Vec::new() }),
            ready: Condvar::new(),
            holders: Default::default(),
        }))
    }

    /// An I/O event for `source`: readiness the next turn dispatches.
    fn event(&self, source: &Arc<Source>) {
        self.0.poll.lock().events.push(source.clone());
        self.0.ready.notify_one();
    }

    fn took(&self, driver: Option<FakeDriver>) -> Option<FakeDriver> {
        if driver.is_some() {
            let before = self.0.holders.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            assert_eq!(before, 0, "two holders of the I/O driver");
        }
        driver
    }
}

impl Io for FakeIo {
    type Driver = FakeDriver;

    fn try_take_driver(&self) -> Option<FakeDriver> {
        self.took(self.0.slot.try_take())
    }

    fn take_driver(&self) -> Option<FakeDriver> {
        self.took(self.0.slot.take())
    }

    fn take_driver_or_want(&self) -> Option<FakeDriver> {
        self.took(self.0.slot.take_or_want())
    }

    fn put_driver(&self, driver: FakeDriver) -> bool {
        self.0.holders.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
        self.0.slot.put(driver)
    }

    fn unpark(&self) {
        self.0.poll.lock().woken = true;
        self.0.ready.notify_one();
    }

    fn turn(
        &self,
        _: &mut FakeDriver,
        timeout: Option<Duration>,
        _: crate::runtime::driver::Precise,
        after_wait: impl FnOnce(),
    ) {
        let events = {
            let mut p = self.0.poll.lock();
            if timeout != Some(Duration::ZERO) {
                while !p.woken && p.events.is_empty() {
                    p = self.0.ready.wait(p);
                }
            }
            p.woken = false;
            std::mem::take(&mut p.events)
        };
        after_wait();
        for source in events {
            source.wake();
        }
    }

    fn waker(&self) -> IoWaker {
        let io = self.clone();
        IoWaker::from_fn(move || io.unpark())
    }
}

/// A multi-thread runtime as the protocol sees it (`Host`): the drivers
/// with the fake I/O driver and no time driver, the claim, and the
/// workers' parkers and idle count. The workers' loop is [`Model::worker`].
struct Model {
    drivers: Drivers<FakeIo>,
    io: BlockOnIo,
    parkers: Vec<Arc<ParkInner>>,
    /// Workers out of their park (`Idle`'s `num_unparked`).
    awake: AtomicUsize,
    /// A task waits for worker `i` (set by [`Model::notify`]).
    notified: Vec<AtomicBool>,
    shutdown: AtomicBool,
}

impl Host for Model {
    type Io = FakeIo;

    fn drivers(&self) -> &Drivers<FakeIo> {
        &self.drivers
    }

    fn block_on_io(&self) -> &BlockOnIo {
        &self.io
    }

    fn all_parked(&self) -> bool {
        self.awake.load(SeqCst) == 0
    }

    fn inject_is_empty(&self) -> bool {
        true
    }

    fn wake_role_holder(&self) {
        self.parkers[self.drivers.role_holder()].unpark();
    }
}

impl Model {
    /// `workers` workers, all parked.
    fn new(workers: usize) -> Arc<Model> {
        let drivers = Drivers::new(Some(FakeIo::new()), None);
        let parkers = (0..workers).map(|_| drivers.new_parker()).collect();
        Arc::new(Model {
            drivers,
            io: BlockOnIo::new(),
            parkers,
            awake: AtomicUsize::new(0),
            notified: (0..workers).map(|_| AtomicBool::new(false)).collect(),
            shutdown: AtomicBool::new(false),
        })
    }

    fn fake(&self) -> &FakeIo {
        self.drivers.io().expect("the model has an I/O driver")
    }

    /// Worker `index` until shutdown: the real park step, again and again
    /// (each wake ends one); when notified, it leaves its park, runs
    /// `task` and parks again.
    fn worker(&self, index: usize, mut task: impl FnMut()) {
        while !self.shutdown.load(SeqCst) {
            let _ = park_step(self, index, &self.parkers[index], Watch::None, || {});
            if self.notified[index].swap(false, SeqCst) {
                task();
                self.awake.fetch_sub(1, SeqCst);
            }
        }
    }

    /// A task for worker `index`: counted out of its park, then woken (as
    /// `Idle::worker_to_notify` and `notify_parked` do).
    fn notify(&self, index: usize) {
        self.awake.fetch_add(1, SeqCst);
        // Against the worker's swap: `store_rmw` (`crate::loom`).
        self.notified[index].store_rmw(true, SeqCst);
        self.parkers[index].unpark();
    }

    /// Every `block_on` thread has left: no claim is left behind, nor a
    /// flag of one.
    fn assert_released(&self) {
        let s = self.io.state.load(SeqCst);
        assert_eq!(s & FLAGS, 0, "claim flags left after every block_on thread left: {s:#x}");
    }

    /// Stops the workers (`handles`) and checks the driver is back.
    fn shut_down(&self, handles: Vec<::loom::thread::JoinHandle<()>>) {
        self.shutdown.store(true, SeqCst);
        for p in &self.parkers {
            p.unpark();
        }
        for h in handles {
            h.join().unwrap();
        }
        assert!(self.fake().0.slot.take().is_some(), "the I/O driver is back in its slot");
    }
}

/// `run` (the real `block_on` loop) on `m`, until `source` is ready.
fn block_on(m: &Model, source: &Source) {
    let parker = m.drivers.new_parker();
    super::run::run(m, &parker, &mut super::run::Backoff::new(), poll_fn(|cx| source.poll(cx)));
}

/// Two `block_on` threads and one worker holding the driver role; a task
/// thread wakes one through an I/O event (only a driver turn can deliver
/// it: the other `block_on` thread's, or the worker's once the claim is
/// gone) and the other with a plain wake. Both return (no lost wake-up, no
/// standby left asleep), the driver has one holder at a time, and the
/// claim is released once both have left.
#[test]
fn two_block_on_threads_each_woken_once_both_return() {
    model(|| {
        let m = Model::new(1);
        let (a, b) = (Source::new(), Source::new());
        let worker = {
            let m = m.clone();
            ::loom::thread::spawn(move || m.worker(0, || {}))
        };
        let task = {
            let (m, a, b) = (m.clone(), a.clone(), b.clone());
            ::loom::thread::spawn(move || {
                m.fake().event(&a);
                b.wake();
            })
        };
        let other = {
            let m = m.clone();
            ::loom::thread::spawn(move || block_on(&m, &b))
        };
        block_on(&m, &a);
        other.join().unwrap();
        task.join().unwrap();
        m.assert_released();
        m.shut_down(vec![worker]);
    });
}

/// One `block_on` thread and two workers; the driver role moves between
/// them while the `block_on` thread asks for a handover: a task thread
/// notifies worker 0 (it leaves its park, and the driver if it was in
/// it), whose task notifies worker 1, whose task makes the I/O event the
/// `block_on` future waits for; each parks again after its task, and the
/// first to do so takes the role. Whatever the handover request meets (the
/// worker in the driver, one on its way out, a role with no holder), it
/// is answered, or the claim dropped, and the event is delivered.
#[test]
fn a_handover_request_while_the_role_moves_between_workers() {
    model(|| {
        let m = Model::new(2);
        let a = Source::new();
        let w0 = {
            let m = m.clone();
            ::loom::thread::spawn(move || m.worker(0, || m.notify(1)))
        };
        let w1 = {
            let (m, a) = (m.clone(), a.clone());
            ::loom::thread::spawn(move || m.worker(1, || m.fake().event(&a)))
        };
        let task = {
            let m = m.clone();
            ::loom::thread::spawn(move || m.notify(0))
        };
        block_on(&m, &a);
        task.join().unwrap();
        m.assert_released();
        m.shut_down(vec![w0, w1]);
    });
}

/// A `block_on` thread that leaves as soon as it is woken (by an I/O
/// event, so it may hold the claim and be in a driver turn then): its
/// turn ends and its claim is released, and the worker standing by is
/// woken and polls I/O again: a second event, which only a worker can
/// deliver now, reaches the thread that waits for it afterwards.
///
/// This is the way out a panic takes too (the same drops, `Claim` and the
/// turn's guard, in the same order); the panic itself cannot run under
/// loom: its threads share one OS thread, so while one unwinds every loom
/// lock any of them drops is poisoned. `tests.rs` has the panic on a real
/// runtime (`a_panic_in_block_on_releases_the_claim`).
#[test]
fn leaving_block_on_with_the_claim_wakes_the_standby() {
    model(|| {
        let m = Model::new(1);
        let (a, b) = (Source::new(), Source::new());
        let worker = {
            let m = m.clone();
            ::loom::thread::spawn(move || m.worker(0, || {}))
        };
        let task = {
            let (m, a, b) = (m.clone(), a.clone(), b.clone());
            ::loom::thread::spawn(move || {
                m.fake().event(&a);
                m.fake().event(&b);
            })
        };
        block_on(&m, &a);
        m.assert_released();
        // Off the runtime now: a plain wait, which only a worker's turn of
        // the driver ends.
        let parker = Arc::new(ParkInner::new());
        let waker = Waker::from(parker.clone());
        while b.poll(&mut Context::from_waker(&waker)).is_pending() {
            parker.park(None);
        }
        task.join().unwrap();
        m.shut_down(vec![worker]);
    });
}
