//! The time driver: the wheel behind a mutex, and the hooks the drivers
//! layer (`runtime/driver.rs`) calls around parking for every scheduler.
//!
//! # Protocol with the drivers layer
//!
//! * Before parking, the thread that drives time calls `prepare_park`
//!   (`Drivers::next_timer`): under
//!   the lock it computes the next expiration, records it as `next_wake`,
//!   and records its parker. It then parks until that instant, with the
//!   parker's nanosecond precision (no rounding to milliseconds).
//! * After waking, and every `event_interval` ticks while busy, any
//!   thread may call `process` (the end of a drivers `Turn`, or
//!   `Drivers::fire_timers`), which fires every due entry (skipping the
//!   lock when the earliest expiration is still ahead).
//! * Filing a timer due before `next_wake` (under the same lock) unparks
//!   the recorded parker, so a sooner timer is never slept through. A stale
//!   `next_wake` (the driver already awake) only costs a spurious unpark.
//!
//! # Identity
//!
//! Every driver has a [`DriverId`], unique in the process. A `Sleep` records
//! only that id when it is created (no reference count: see `entry.rs`,
//! "Binding") and turns it into a [`Handle`] the first time it is filed:
//! from the current runtime's context when that is its runtime, else from
//! `LIVE`, the list of drivers that still exist. A driver leaves `LIVE` when
//! its last `Handle` is dropped, so an id never resolves to a freed driver
//! or to another runtime's.

use crate::loom::sync::atomic::{AtomicU64, Ordering::*};
use crate::loom::sync::Mutex;
use crate::runtime::park::ParkInner;
use crate::time::clock::Clock;
use crate::time::entry::TimerShared;
use crate::time::wheel::{Wheel, NANOS_PER_TICK};
use std::num::NonZeroU64;
use std::ptr::NonNull;
use std::sync::atomic::AtomicU64 as StdAtomicU64;
use std::sync::{Arc, Weak};
use std::task::Waker;
use std::time::{Duration, Instant as StdInstant};

/// Wakers fired per lock hold; the lock is dropped to call them.
const WAKE_BATCH: usize = 32;

/// How much earlier than its deadline a long timed park ends (see
/// `prepare_park`): one extra, short park per long sleep buys precision.
const EARLY_WAKE: Duration = Duration::from_micros(500);

/// The latest deadline a timer can have (about 584 years after the driver
/// started): kept below the entry state's sentinel values
/// (`entry::UNREGISTERED`, `FIRED`, `SHUT_DOWN`), which a timer's state
/// would otherwise mistake it for.
pub(crate) const MAX_DEADLINE_NS: u64 = crate::time::entry::SHUT_DOWN - 1;

/// Nanoseconds from `start` to `t`, saturating at 0 and at
/// [`MAX_DEADLINE_NS`] (driver time, with `start` the driver's).
fn ns_since(start: StdInstant, t: StdInstant) -> u64 {
    u64::try_from(t.saturating_duration_since(start).as_nanos())
        .map_or(MAX_DEADLINE_NS, |ns| ns.min(MAX_DEADLINE_NS))
}

#[derive(Clone)]
pub(crate) struct Handle {
    inner: Arc<Inner>,
}

/// Names a time driver without keeping it alive (see "Identity").
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct DriverId(NonZeroU64);

/// The drivers that still exist, for a timer first polled outside its
/// runtime's context. Touched when a runtime with timers is built or
/// dropped and by such a poll, never on a hot path. A `std` mutex, not the
/// `loom` one: it lives in a static, and no model contends for it.
static LIVE: std::sync::Mutex<Vec<(DriverId, Weak<Inner>)>> = std::sync::Mutex::new(Vec::new());

fn live() -> std::sync::MutexGuard<'static, Vec<(DriverId, Weak<Inner>)>> {
    LIVE.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

struct Inner {
    id: DriverId,
    /// Driver time 0.
    start: StdInstant,
    clock: Clock,
    core: Mutex<Core>,
    /// The earliest expiration (ns), or `u64::MAX`: lets `process` skip
    /// the lock when nothing can be due.
    earliest: AtomicU64,
    /// Driver time (ns) of the latest `process` (every timer due by then
    /// has fired), as of the clock read it made. Only a hint for a timer's
    /// first poll (`entry.rs`, "A first poll of a due timer"): it may lag
    /// (`process` skips the clock read when no timer exists), and a lag
    /// only costs that poll one yield. A `std` atomic: it orders nothing,
    /// so loom need not explore it.
    processed: StdAtomicU64,
}

struct Core {
    wheel: Wheel,
    shutdown: bool,
    /// When the driving thread will wake (ns), as of its last park.
    next_wake: u64,
    parker: Option<Arc<ParkInner>>,
}

/// The locked driver, handed to entry operations.
pub(crate) struct Locked<'a> {
    pub(crate) wheel: &'a mut Wheel,
    /// The driver's time: the reading the caller took before the lock
    /// (`with_locked_at`), else read on first use under the lock (`now`):
    /// an unfiling (a dropped timer) needs none, and the clock costs tens
    /// of nanoseconds a read on a VM.
    now: Option<u64>,
    handle: &'a Handle,
    shutdown: bool,
    next_wake: u64,
    earliest: u64,
    unpark: bool,
}

impl Locked<'_> {
    /// The driver's time: read once, under the lock, so no earlier than
    /// the lock's previous holder's (a `process` reads its time before
    /// taking the lock), unless the caller handed in an earlier reading
    /// (`with_locked_at`: a deadline it calls not yet due may then be
    /// behind the wheel, which files it at its elapsed tick).
    pub(crate) fn now(&mut self) -> u64 {
        let handle = self.handle;
        *self.now.get_or_insert_with(|| handle.now_ns())
    }

    pub(crate) fn is_shutdown(&self) -> bool {
        self.shutdown
    }

    /// Files `entry` for `deadline`.
    ///
    /// # Safety
    ///
    /// `entry` is pinned, live, and in no list; `deadline > now`.
    pub(crate) unsafe fn file(&mut self, entry: NonNull<TimerShared>, deadline: u64) {
        // SAFETY: forwarded from the caller; we hold the lock.
        let expires = unsafe { self.wheel.insert(entry, deadline) };
        self.earliest = self.earliest.min(expires);
        if deadline < self.next_wake {
            self.unpark = true;
        }
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        let id = self.id;
        live().retain(|(live_id, _)| *live_id != id);
    }
}

impl Handle {
    pub(crate) fn new(start_paused: bool) -> Handle {
        static NEXT_ID: StdAtomicU64 = StdAtomicU64::new(1);
        let id = NEXT_ID.fetch_add(1, Relaxed);
        let id =
            DriverId(NonZeroU64::new(id).expect("driver ids do not wrap around in a process's lifetime"));
        let start = StdInstant::now();
        let clock = Clock::new(start_paused);
        // Time up to the clock's reading now counts as processed: nothing
        // was due before the driver existed. (A paused clock stands at
        // this reading, so a timer for "now" completes at its first poll,
        // as in Tokio.)
        let processed = ns_since(start, clock.now());
        let inner = Arc::new(Inner {
            id,
            start,
            clock,
            core: Mutex::new(Core { wheel: Wheel::new(), shutdown: false, next_wake: 0, parker: None }),
            earliest: AtomicU64::new(u64::MAX),
            processed: StdAtomicU64::new(processed),
        });
        live().push((id, Arc::downgrade(&inner)));
        Handle { inner }
    }

    pub(crate) fn id(&self) -> DriverId {
        self.inner.id
    }

    /// The current runtime's driver, if it has one: its id, read through
    /// the context (no reference count). `Err` when no runtime is current.
    #[inline]
    pub(crate) fn current_id() -> Result<Option<DriverId>, crate::runtime::TryCurrentError> {
        crate::runtime::context::with_current_ref(|h| h.time_handle().map(Handle::id))
    }

    /// Runs `f` on driver `id`, borrowed from the current context, if it is
    /// the current runtime's driver; `None` otherwise.
    #[inline]
    pub(crate) fn with_current<R>(id: DriverId, f: impl FnOnce(&Handle) -> R) -> Option<R> {
        crate::runtime::context::with_current_ref(|h| h.time_handle().filter(|t| t.id() == id).map(f))
            .ok()
            .flatten()
    }

    /// Driver `id` looked up in `LIVE` (a timer first polled outside the
    /// runtime it was created in), or `None` once its runtime and every
    /// handle are gone.
    pub(crate) fn find_live(id: DriverId) -> Option<Handle> {
        let live = live();
        let inner = live.iter().find(|(live_id, _)| *live_id == id)?.1.upgrade()?;
        Some(Handle { inner })
    }

    /// Strong references to this driver (tests: a `Sleep` that was never
    /// filed holds none).
    #[cfg(all(test, not(tern_loom)))]
    pub(crate) fn ref_count(&self) -> usize {
        Arc::strong_count(&self.inner)
    }

    pub(crate) fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    /// Driver time (ns since start) of `t`, saturating at 0 and at
    /// [`MAX_DEADLINE_NS`].
    pub(crate) fn to_ns(&self, t: StdInstant) -> u64 {
        ns_since(self.inner.start, t)
    }

    pub(crate) fn now_ns(&self) -> u64 {
        self.to_ns(self.inner.clock.now())
    }

    /// Driver time up to which `process` has fired timers (a hint that may
    /// lag; see the field).
    pub(crate) fn processed_ns(&self) -> u64 {
        self.inner.processed.load(Relaxed)
    }

    fn note_processed(&self, now: u64) {
        // Two threads processing at once may store out of order; the hint
        // then lags, which is allowed.
        if now > self.inner.processed.load(Relaxed) {
            self.inner.processed.store(now, Relaxed);
        }
    }

    /// Runs `f` under the lock; unparks the driver if `f` filed a timer due
    /// before it would wake.
    pub(crate) fn with_locked<R>(&self, f: impl FnOnce(&mut Locked<'_>) -> R) -> R {
        self.with_locked_at(None, f)
    }

    /// [`with_locked`](Self::with_locked), where `Locked::now` is `now`
    /// if given: a reading of this driver's time the caller took before
    /// the lock. (It may be earlier than the time a `process` that took
    /// the lock meanwhile read: an entry filed for a deadline between the
    /// two is filed at the wheel's elapsed tick, and fires at the next
    /// `process`.)
    pub(crate) fn with_locked_at<R>(&self, now: Option<u64>, f: impl FnOnce(&mut Locked<'_>) -> R) -> R {
        let mut core = self.inner.core.lock();
        let core = &mut *core;
        let mut locked = Locked {
            wheel: &mut core.wheel,
            now,
            handle: self,
            shutdown: core.shutdown,
            next_wake: core.next_wake,
            earliest: self.inner.earliest.load(Relaxed),
            unpark: false,
        };
        let r = f(&mut locked);
        let (earliest, unpark) = (locked.earliest, locked.unpark);
        self.inner.earliest.store(earliest, Relaxed);
        if unpark {
            if let Some(p) = &core.parker {
                p.unpark();
            }
        }
        r
    }

    /// Wakes the thread parked on this driver's timers, if any: something
    /// that gates the paused clock's auto-advance changed (the last
    /// blocking task finished), so the parked thread must look again.
    pub(crate) fn unpark(&self) {
        let parker = self.inner.core.lock().parker.clone();
        if let Some(p) = parker {
            p.unpark();
        }
    }

    /// Records `parker` as the driving thread's and returns how long it may
    /// sleep (`None`: no timer).
    /// With the wait, the system clock reading it is counted from (read
    /// only if there is a timer).
    pub(crate) fn prepare_park(&self, parker: &Arc<ParkInner>) -> Option<(Duration, StdInstant)> {
        let mut real = None;
        let wait = self.prepare_park_with(parker, || {
            let read = *real.insert(StdInstant::now());
            self.to_ns(self.inner.clock.now_at(read))
        });
        wait.zip(real)
    }

    /// [`prepare_park`](Self::prepare_park) at the system time `real`, a
    /// reading the caller shares.
    pub(crate) fn prepare_park_at(&self, parker: &Arc<ParkInner>, real: StdInstant) -> Option<Duration> {
        self.prepare_park_with(parker, || self.to_ns(self.inner.clock.now_at(real)))
    }

    fn prepare_park_with(&self, parker: &Arc<ParkInner>, now_ns: impl FnOnce() -> u64) -> Option<Duration> {
        let mut core = self.inner.core.lock();
        let next = core.wheel.next_expiration().map(|e| e.deadline);
        core.next_wake = next.unwrap_or(u64::MAX);
        if !core.parker.as_ref().is_some_and(|p| Arc::ptr_eq(p, parker)) {
            core.parker = Some(parker.clone());
        }
        // The clock is read outside the wheel lock (as everywhere else).
        drop(core);
        next.map(|d| {
            let wait = Duration::from_nanos(d.saturating_sub(now_ns()));
            // A long sleep wakes a little early and finishes with a short,
            // precise one: waking from a long idle takes longer (deeper
            // idle states, host scheduling), which would show as overshoot.
            if wait > 4 * EARLY_WAKE {
                wait - EARLY_WAKE
            } else {
                wait
            }
        })
    }

    /// Fires every due timer. Cheap (no lock) when none can be due.
    pub(crate) fn process(&self) {
        self.process_with(|| self.now_ns());
    }

    /// [`process`](Self::process) at the system time `real`, a reading the
    /// caller shares (read before this call, as `process` reads its own
    /// before taking the lock).
    pub(crate) fn process_at(&self, real: StdInstant) {
        self.process_with(|| self.to_ns(self.inner.clock.now_at(real)));
    }

    fn process_with(&self, now_ns: impl FnOnce() -> u64) {
        let earliest = self.inner.earliest.load(Relaxed);
        // No timer at all: not even the clock is read (a park reads it
        // several times, and servers often run with no timer pending).
        if earliest == u64::MAX {
            // Except on a paused clock, whose reading is cheap and moves
            // only when a test moves it: `advance` then counts as looked at.
            if self.inner.clock.is_paused() {
                self.note_processed(now_ns());
            }
            return;
        }
        let now = now_ns();
        self.note_processed(now);
        if now < earliest {
            return;
        }
        let now_tick = now / NANOS_PER_TICK;
        let mut wakers: [Option<Waker>; WAKE_BATCH] = Default::default();
        let mut n = 0;
        let mut core = self.inner.core.lock();
        // Entries of the slot being processed fire if due by `not_after`;
        // the rest are refiled (`Expiration::not_after`), so that timers
        // fire in deadline order even when the clock jumped far ahead.
        let mut not_after = now;
        loop {
            let core_ref = &mut *core;
            // SAFETY: the lock is held for all wheel and entry accesses.
            let next = unsafe { core_ref.wheel.pop_pending() };
            let entry = match next {
                Some(entry) => entry,
                None => match core_ref.wheel.next_expiration() {
                    Some(exp) if exp.deadline <= now => {
                        not_after = exp.not_after(now);
                        // SAFETY: lock held; `pending` is empty here.
                        unsafe { core_ref.wheel.take_slot(exp, now_tick) };
                        continue;
                    }
                    _ => break,
                },
            };
            let mut locked = Locked {
                wheel: &mut core_ref.wheel,
                now: Some(now),
                handle: self,
                shutdown: core_ref.shutdown,
                next_wake: 0,
                earliest: u64::MAX,
                unpark: false,
            };
            // SAFETY: lock held; the entry was just taken from `pending`.
            if let Some(w) = unsafe { TimerShared::process(entry, &mut locked, not_after) } {
                wakers[n] = Some(w);
                n += 1;
                if n == WAKE_BATCH {
                    drop(core);
                    wakers.iter_mut().filter_map(Option::take).for_each(crate::runtime::driver::wake);
                    n = 0;
                    core = self.inner.core.lock();
                }
            }
        }
        core.wheel.set_elapsed(now_tick);
        let earliest = core.wheel.next_expiration().map_or(u64::MAX, |e| e.deadline);
        self.inner.earliest.store(earliest, Relaxed);
        drop(core);
        wakers.iter_mut().filter_map(Option::take).for_each(crate::runtime::driver::wake);
    }

    /// Stops the driver: every filed timer fires, and later polls of a
    /// `Sleep` on this runtime panic.
    pub(crate) fn shutdown(&self) {
        let mut wakers = Vec::new();
        {
            let mut core = self.inner.core.lock();
            core.shutdown = true;
            let core = &mut *core;
            loop {
                // SAFETY: lock held.
                if let Some(e) = unsafe { core.wheel.pop_pending() } {
                    // SAFETY: lock held; `e` was just taken out of the wheel.
                    wakers.extend(unsafe { TimerShared::fire_now(e) });
                    continue;
                }
                match core.wheel.next_expiration() {
                    // SAFETY: lock held; `pending` is empty.
                    Some(exp) => unsafe { core.wheel.take_slot(exp, u64::MAX) },
                    None => break,
                }
            }
            self.inner.earliest.store(u64::MAX, Relaxed);
        }
        wakers.into_iter().for_each(crate::runtime::driver::wake);
    }

    /// Number of filed timers (tests).
    #[cfg(all(test, not(tern_loom)))]
    pub(crate) fn len(&self) -> usize {
        self.inner.core.lock().wheel.len()
    }
}

#[cfg(all(test, not(tern_loom)))]
mod tests {
    use super::*;
    use crate::time::entry::TimerEntry;
    use proptest::prelude::*;
    use std::collections::BTreeMap;
    use std::pin::Pin;
    use std::sync::Mutex as StdMutex;
    use std::task::{Context, Wake};

    /// Records the id of each timer that fires.
    struct Recorder {
        id: usize,
        log: Arc<StdMutex<Vec<usize>>>,
    }

    impl Wake for Recorder {
        fn wake(self: Arc<Self>) {
            self.log.lock().unwrap().push(self.id);
        }
    }

    #[derive(Debug, Clone)]
    enum Op {
        Insert(u64),
        Reset(usize, u64),
        Cancel(usize),
        Advance(u64),
    }

    fn op() -> impl Strategy<Value = Op> {
        // Deadlines up to ~70 s ahead in µs, so several wheel levels are hit.
        prop_oneof![
            4 => (0u64..70_000_000).prop_map(Op::Insert),
            2 => (any::<usize>(), 0u64..70_000_000).prop_map(|(i, d)| Op::Reset(i, d)),
            1 => any::<usize>().prop_map(Op::Cancel),
            3 => prop_oneof![0u64..2_000, 0u64..100_000, 0u64..20_000_000].prop_map(Op::Advance),
        ]
    }

    struct Timer {
        entry: Pin<Box<TimerEntry>>,
        waker: std::task::Waker,
    }

    impl Timer {
        fn poll(&mut self) -> bool {
            let mut cx = Context::from_waker(&self.waker);
            // SAFETY: the entry is pinned in its box.
            unsafe { self.entry.as_mut().get_unchecked_mut().poll_elapsed(&mut cx) }.is_ready()
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        /// The wheel against an ordered map: same timers fire at each step,
        /// in deadline order (1 ms granularity), never before their deadline.
        #[test]
        fn wheel_matches_an_ordered_map(ops in proptest::collection::vec(op(), 1..60)) {
            let driver = Handle::new(true);
            let log = Arc::new(StdMutex::new(Vec::new()));
            let mut timers: Vec<Option<Timer>> = Vec::new();
            // Reference: id -> deadline (ns) of armed timers.
            let mut model: BTreeMap<usize, u64> = BTreeMap::new();
            for op in ops {
                let now = driver.now_ns();
                match op {
                    Op::Insert(us) => {
                        let id = timers.len();
                        let at = driver.clock().now() + Duration::from_micros(us);
                        let deadline = driver.to_ns(at);
                        prop_assert_eq!(deadline, now + us * 1000);
                        let waker = Arc::new(Recorder { id, log: log.clone() }).into();
                        // Created unbound and polled outside any runtime:
                        // the first poll finds the driver in `LIVE`.
                        let mut t = Timer { entry: Box::pin(TimerEntry::new(driver.id(), at)), waker };
                        if t.poll() {
                            prop_assert!(deadline <= now);
                        } else {
                            model.insert(id, deadline);
                        }
                        timers.push(Some(t));
                    }
                    Op::Reset(i, us) if !timers.is_empty() => {
                        let id = i % timers.len();
                        if let Some(t) = timers[id].as_mut() {
                            let at = driver.clock().now() + Duration::from_micros(us);
                            let deadline = driver.to_ns(at);
                            // SAFETY: pinned in its box.
                            unsafe { t.entry.as_mut().get_unchecked_mut().reset(at) };
                            if t.poll() {
                                prop_assert!(deadline <= now);
                                model.remove(&id);
                            } else {
                                model.insert(id, deadline);
                            }
                        }
                    }
                    Op::Cancel(i) if !timers.is_empty() => {
                        let id = i % timers.len();
                        timers[id] = None;
                        model.remove(&id);
                    }
                    Op::Advance(us) => {
                        driver.clock().advance(Duration::from_micros(us)).unwrap();
                        driver.process();
                        let now = driver.now_ns();
                        let fired: Vec<usize> = std::mem::take(&mut *log.lock().unwrap());
                        let mut expected: Vec<(u64, usize)> =
                            model.iter().filter(|(_, d)| **d <= now).map(|(id, d)| (*d, *id)).collect();
                        expected.sort();
                        let mut got_sorted = fired.clone();
                        got_sorted.sort();
                        let mut want_sorted: Vec<usize> = expected.iter().map(|(_, id)| *id).collect();
                        want_sorted.sort();
                        prop_assert_eq!(got_sorted, want_sorted, "fired set at now={}", now);
                        // Deadline order, within 1 ms granularity.
                        let ticks: Vec<u64> = fired.iter().map(|id| model[id] / NANOS_PER_TICK).collect();
                        prop_assert!(ticks.windows(2).all(|w| w[0] <= w[1]), "order {:?}", ticks);
                        for id in fired {
                            prop_assert!(model[&id] <= now, "fired early");
                            model.remove(&id);
                            prop_assert!(timers[id].as_mut().unwrap().poll());
                        }
                    }
                    _ => {}
                }
            }
            drop(timers);
            prop_assert_eq!(driver.len(), 0);
        }
    }
}
