//! A timer entry: the part of a `Sleep` the wheel links to.
//!
//! # State
//!
//! `state` (atomic) holds the entry's true deadline in driver nanoseconds,
//! or one of two markers:
//!
//! | value          | meaning                                   | set by |
//! |----------------|-------------------------------------------|--------|
//! | `UNREGISTERED` | not filed (never polled, or just reset)   | owner, under the lock |
//! | a deadline `d` | filed in the wheel at some time `<= d`    | owner (register: under the lock; extend: lock-free CAS to a later `d`) |
//! | `FIRED`        | due: taken out of the wheel, waker woken  | driver, under the lock, by CAS from `d <= now`, after taking the waker out; or the owner, for an entry due before it was ever filed |
//! | `SHUT_DOWN`    | the runtime shut down; polling panics     | driver, under the lock |
//!
//! Transitions: `UNREGISTERED -> d` (register), `d -> d' >= d` (lazy extend:
//! no lock, the driver refiles it when the old filing time comes),
//! `d -> FIRED` (driver), `d -> d' < d` (reset earlier: refiled at once
//! under the lock, keeping the waker, so the waiting task is woken at `d'`
//! without being polled in between, as in Tokio), `d -> FIRED` (reset to a
//! time already due: the owner takes the waker out and wakes it, under the
//! lock), `FIRED | UNREGISTERED -> UNREGISTERED` (reset after firing or
//! before filing: no lock, nothing waits; the next poll files it).
//!
//! Invariant: while filed, the filing time (`filed_deadline`) is `<=` the
//! true deadline in `state`, so a timer never fires late; it may be looked
//! at early (after a lazy extend) and is then refiled.
//!
//! The links, the filing time and the waker are guarded by the driver lock;
//! the `TimerShared` is pinned inside its `Sleep` and unfiled (under the
//! lock) before the `Sleep` is dropped.
//!
//! Invariant (what makes the lock-free paths of `reset` and `Drop` sound):
//! once the state is `FIRED` or `UNREGISTERED`, the entry is in no list and
//! the driver will not touch it again, so its owner may re-arm or free it
//! without the lock. The driver therefore finishes with an entry (takes its
//! waker out) *before* its CAS to `FIRED`. Reversing that order was a
//! use-after-free (loom model in `time/loom.rs`).
//!
//! # Binding
//!
//! A `Sleep` that never waits must cost only its construction: no
//! reference count, no lock, no allocation (`timeout` around a future that
//! is ready at once is the common case). So an entry starts *unbound*: it
//! holds its driver's [`DriverId`] (read from the runtime context at
//! construction, where a missing runtime or time driver still panics, as in
//! Tokio) and its deadline as an `Instant`. It binds, taking a driver
//! [`Handle`] and converting the deadline to driver nanoseconds, on the
//! first poll that finds it not yet due, just before filing it.
//!
//! * A poll of an unbound entry that is already due sets `FIRED` without
//!   binding: due by the system clock when no clock in the process was ever
//!   paused (every driver's clock is then the system's), else by its
//!   runtime's clock, read through the context's borrowed handle when the
//!   context is its runtime's. (An entry found due before it was ever
//!   filed, bound or not, completes without looking at shutdown.)
//! * Otherwise a first poll binds: with a handle cloned from the context,
//!   or, elsewhere (a thread of another runtime, a thread with no runtime),
//!   found among the live drivers (`driver.rs`, "Identity"), so the timer
//!   still runs on the runtime it was created in, as Tokio's does. If that
//!   driver is gone (its runtime dropped), the poll panics as for a
//!   shut-down runtime, as in Tokio.
//!
//! Invariant: unbound implies never filed, so the driver has never seen the
//! entry; resetting or dropping it touches only the owner's fields, with no
//! lock. Once bound, everything above applies unchanged.
//!
//! # A first poll of a due timer
//!
//! A timer found due at its first poll (`sleep(Duration::ZERO)`, or a
//! deadline that passed before anyone polled it) completes at that poll
//! only if its deadline is not after the time the driver last processed
//! (`Handle::processed_ns`): Tokio's rule, where such a timer completes
//! once the driver's turn has seen its millisecond tick. (An unbound
//! timer on the system clock whose deadline is a millisecond old or more
//! completes without that look-up, which would cost a context access on
//! every catch-up tick of an `Interval`.) Otherwise the poll
//! sets `FIRED`, yields once (`yield_now`'s deferred wake, so every other
//! ready task runs and the drivers are polled first) and the next poll
//! completes. Code relies on `sleep(Duration::ZERO)` letting spawned tasks
//! run (tryhard's retry hooks, for one). Tokio makes it wait for the next
//! millisecond tick (up to 1 ms, tokio#6390); tern only yields.

use crate::loom::cell::UnsafeCell;
use crate::loom::sync::atomic::{AtomicU64, Ordering::*};
use crate::time::clock::EVER_PAUSED;
use crate::time::driver::{DriverId, Handle, Locked};
use std::marker::PhantomPinned;
use std::ptr::NonNull;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant as StdInstant};

pub(crate) const UNREGISTERED: u64 = u64::MAX;
pub(crate) const FIRED: u64 = u64::MAX - 1;
/// Fired because the runtime shut down: polling it panics, as in Tokio.
pub(crate) const SHUT_DOWN: u64 = u64::MAX - 2;

/// Wheel links of an entry.
#[derive(Default)]
pub(crate) struct Links {
    pub(crate) prev: Option<NonNull<TimerShared>>,
    pub(crate) next: Option<NonNull<TimerShared>>,
}

/// Guarded by the driver lock.
#[derive(Default)]
struct Guarded {
    links: Links,
    /// Deadline (ns) and tick it is filed under, while filed.
    filed_deadline: u64,
    filed_tick: u64,
    filed: bool,
    waker: Option<Waker>,
}

pub(crate) struct TimerShared {
    state: AtomicU64,
    guarded: UnsafeCell<Guarded>,
    _pinned: PhantomPinned,
}

// SAFETY: the links, filing data and waker (`guarded`) are only touched
// with the driver lock held, and `state` is atomic; the raw links point to
// other entries under the same lock.
unsafe impl Send for TimerShared {}
// SAFETY: as for `Send`.
unsafe impl Sync for TimerShared {}

impl TimerShared {
    pub(crate) fn new() -> TimerShared {
        TimerShared {
            state: AtomicU64::new(UNREGISTERED),
            guarded: UnsafeCell::new(Guarded::default()),
            _pinned: PhantomPinned,
        }
    }

    pub(crate) fn state(&self) -> u64 {
        self.state.load(Acquire)
    }

    /// # Safety
    ///
    /// The driver lock is held and `entry` is live.
    unsafe fn guarded<R>(entry: NonNull<TimerShared>, f: impl FnOnce(&mut Guarded) -> R) -> R {
        // SAFETY: forwarded from the caller: the lock gives exclusive access.
        unsafe { entry.as_ref() }.guarded.with_mut(|g| f(unsafe { &mut *g }))
    }

    /// # Safety
    ///
    /// As [`TimerShared::guarded`].
    pub(crate) unsafe fn links<R>(entry: NonNull<TimerShared>, f: impl FnOnce(&mut Links) -> R) -> R {
        // SAFETY: forwarded from the caller.
        unsafe { Self::guarded(entry, |g| f(&mut g.links)) }
    }

    /// # Safety
    ///
    /// As [`TimerShared::guarded`].
    pub(crate) unsafe fn set_filed(entry: NonNull<TimerShared>, deadline: u64, tick: u64) {
        // SAFETY: forwarded from the caller.
        unsafe {
            Self::guarded(entry, |g| {
                g.filed_deadline = deadline;
                g.filed_tick = tick;
                g.filed = true;
            })
        }
    }

    /// # Safety
    ///
    /// As [`TimerShared::guarded`].
    pub(crate) unsafe fn filed_tick(entry: NonNull<TimerShared>) -> u64 {
        // SAFETY: forwarded from the caller.
        unsafe { Self::guarded(entry, |g| g.filed_tick) }
    }

    /// # Safety
    ///
    /// As [`TimerShared::guarded`].
    pub(crate) unsafe fn filed_deadline(entry: NonNull<TimerShared>) -> u64 {
        // SAFETY: forwarded from the caller.
        unsafe { Self::guarded(entry, |g| g.filed_deadline) }
    }

    /// Driver side: an entry taken out of a due slot. Fires it if its true
    /// deadline has passed (returning its waker), or refiles it.
    ///
    /// # Safety
    ///
    /// Lock held (through `locked`); `entry` was just taken out of the wheel.
    pub(crate) unsafe fn process(
        entry: NonNull<TimerShared>,
        locked: &mut Locked,
        now: u64,
    ) -> Option<Waker> {
        // SAFETY: forwarded from the caller.
        unsafe { Self::guarded(entry, |g| g.filed = false) };
        // SAFETY: the entry is live while filed (caller's contract).
        let shared = unsafe { entry.as_ref() };
        let mut cur = shared.state.load(Acquire);
        loop {
            if cur > now && cur < SHUT_DOWN {
                // Extended meanwhile: refile at the true deadline.
                // SAFETY: lock held, entry in no list now.
                let _ = unsafe { locked.wheel.insert(entry, cur) };
                return None;
            }
            // The waker leaves the entry *before* `FIRED` is published: the
            // owner may see `FIRED`, reset to `UNREGISTERED` and drop the
            // entry without the lock, so after the CAS the driver must not
            // touch it again.
            // SAFETY: lock held.
            let waker = unsafe { Self::guarded(entry, |g| g.waker.take()) };
            match shared.state.compare_exchange(cur, FIRED, AcqRel, Acquire) {
                Ok(_) => return waker,
                Err(actual) => {
                    // Extended meanwhile: the entry keeps its waker.
                    // SAFETY: lock held; `FIRED` was not published.
                    unsafe { Self::guarded(entry, |g| g.waker = waker) };
                    cur = actual;
                }
            }
        }
    }

    /// Driver side, at shutdown: fires the entry whatever its deadline.
    ///
    /// # Safety
    ///
    /// As [`TimerShared::process`].
    pub(crate) unsafe fn fire_now(entry: NonNull<TimerShared>) -> Option<Waker> {
        // SAFETY: lock held.
        let waker = unsafe {
            Self::guarded(entry, |g| {
                g.filed = false;
                g.waker.take()
            })
        };
        // Published last, as in `process`: every owner path that sees
        // `SHUT_DOWN` takes the lock (held here) today, but nothing may
        // touch the entry after a mark its owner could act on.
        // SAFETY: forwarded from the caller; the entry is live.
        unsafe { entry.as_ref() }.state.store(SHUT_DOWN, Release);
        waker
    }
}

/// The owner's side of a timer (lives inside `Sleep`).
pub(crate) struct TimerEntry {
    /// The driver this timer belongs to, from construction on.
    driver: DriverId,
    /// That driver, once bound; `None` while unbound (never filed).
    handle: Option<Handle>,
    /// The deadline as given (what `Sleep::deadline` returns).
    when: StdInstant,
    /// `when` in driver nanoseconds: set on binding, kept in step by
    /// `reset` after. Meaningless while unbound.
    deadline: u64,
    shared: TimerShared,
}

impl TimerEntry {
    /// An unbound entry of driver `driver`, due at `when`.
    pub(crate) fn new(driver: DriverId, when: StdInstant) -> TimerEntry {
        TimerEntry { driver, handle: None, when, deadline: 0, shared: TimerShared::new() }
    }

    pub(crate) fn when(&self) -> StdInstant {
        self.when
    }

    pub(crate) fn is_elapsed(&self) -> bool {
        self.shared.state() == FIRED
    }

    /// Whether the entry has taken a driver handle (tests).
    #[cfg(all(test, not(tern_loom)))]
    pub(crate) fn is_bound(&self) -> bool {
        self.handle.is_some()
    }

    fn ptr(&self) -> NonNull<TimerShared> {
        NonNull::from(&self.shared)
    }

    /// Moves the deadline to `when`. Unbound, that is all; bound, extending
    /// a filed timer is one CAS; moving a filed timer earlier refiles it at
    /// once under the lock, keeping its waker (or fires it, waking the
    /// waker, if `when` is already due); a fired or never-filed timer is
    /// filed by its next poll.
    ///
    /// # Safety
    ///
    /// `self` is pinned (it may be filed).
    pub(crate) unsafe fn reset(&mut self, when: StdInstant) {
        self.when = when;
        let handle = match &self.handle {
            Some(handle) => handle,
            None => {
                // Never filed: `FIRED` (set by a poll that found it due) or
                // already `UNREGISTERED`, and no one else looks.
                self.shared.state.store(UNREGISTERED, Release);
                return;
            }
        };
        let deadline = handle.to_ns(when);
        self.deadline = deadline;
        let mut cur = self.shared.state.load(Acquire);
        while cur < SHUT_DOWN && deadline >= cur {
            match self.shared.state.compare_exchange_weak(cur, deadline, AcqRel, Acquire) {
                Ok(_) => return,
                Err(actual) => cur = actual,
            }
        }
        if cur == FIRED || cur == UNREGISTERED {
            // Fired or never filed: not in the wheel (fired entries are
            // unfiled by the driver), so no lock is needed to re-arm.
            self.shared.state.store(UNREGISTERED, Release);
            return;
        }
        // Filed (or shut down), and moved earlier: refiled now, with the
        // waker its last poll left, so the task waiting on it is woken at
        // the new deadline even if it is not polled in between (Tokio's
        // `Sleep::reset` re-registers at once; tokio-util's `DelayQueue`
        // resets its `Sleep` and relies on that). Already due: it fires
        // here, waking that task.
        let ptr = self.ptr();
        let shared = &self.shared;
        let fired = handle.with_locked(|locked| {
            // SAFETY: lock held; the entry is pinned and live.
            unsafe { locked.unfile(ptr) };
            if locked.is_shutdown() {
                shared.state.store(UNREGISTERED, Release);
                return None;
            }
            // SAFETY: lock held.
            let has_waker = unsafe { TimerShared::guarded(ptr, |g| g.waker.is_some()) };
            if !has_waker {
                // Nothing waits on it: filed by the next poll.
                shared.state.store(UNREGISTERED, Release);
                None
            } else if deadline <= locked.now() {
                // The waker leaves before `FIRED` is published, as in the
                // driver's `process` (the entry is in no list now).
                // SAFETY: lock held.
                let waker = unsafe { TimerShared::guarded(ptr, |g| g.waker.take()) };
                shared.state.store(FIRED, Release);
                waker
            } else {
                shared.state.store(deadline, Release);
                // SAFETY: lock held; the entry is pinned (caller), in no
                // list (just unfiled) and `deadline > now`.
                unsafe { locked.file(ptr, deadline) };
                None
            }
        });
        // Woken outside the driver lock, as the driver does.
        if let Some(waker) = fired {
            waker.wake();
        }
    }

    /// Polls for expiry, binding and filing the timer on first use.
    ///
    /// # Safety
    ///
    /// `self` is pinned.
    pub(crate) unsafe fn poll_elapsed(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        match self.shared.state() {
            FIRED => return Poll::Ready(()),
            SHUT_DOWN => shutdown_panic(),
            _ => {}
        }
        // The driver's time as read on the way here, if it was: the locked
        // path below uses it rather than reading the clock again.
        let mut now = None;
        let handle = match &self.handle {
            Some(handle) => {
                if self.shared.state() == UNREGISTERED {
                    let read = handle.now_ns();
                    if self.deadline <= read {
                        // Already due: never filed, no lock. (Only the
                        // owner moves an entry out of UNREGISTERED.)
                        self.shared.state.store(FIRED, Release);
                        return due_at_first_poll(self.deadline <= handle.processed_ns(), cx);
                    }
                    now = Some(read);
                }
                handle
            }
            None => match self.binding() {
                Ok((handle, deadline, read)) => {
                    self.deadline = deadline;
                    now = read;
                    self.handle.insert(handle)
                }
                Err(processed) => {
                    // Due, and unbound: no driver can see the entry, so no
                    // lock.
                    self.shared.state.store(FIRED, Release);
                    return due_at_first_poll(processed, cx);
                }
            },
        };
        let deadline = self.deadline;
        let shared = &self.shared;
        let ptr = NonNull::from(shared);
        handle
            .with_locked_at(now, |locked| {
                if locked.is_shutdown() {
                    return Err(());
                }
                let state = shared.state.load(Acquire);
                if state == FIRED {
                    return Ok(Polled::Ready);
                }
                if state == UNREGISTERED {
                    if deadline <= locked.now() {
                        shared.state.store(FIRED, Release);
                        return Ok(Polled::DueAtFirstPoll);
                    }
                    shared.state.store(deadline, Release);
                    // SAFETY: lock held; the entry is pinned (caller) and in no
                    // list (UNREGISTERED).
                    unsafe { locked.file(ptr, deadline) };
                }
                // SAFETY: lock held.
                let old = unsafe {
                    TimerShared::guarded(ptr, |g| match &g.waker {
                        Some(w) if w.will_wake(cx.waker()) => None,
                        _ => g.waker.replace(cx.waker().clone()),
                    })
                };
                Ok(Polled::Pending(old))
            })
            .map(|outcome| match outcome {
                Polled::Ready => Poll::Ready(()),
                // Deferred (a wake) outside the lock.
                Polled::DueAtFirstPoll => due_at_first_poll(deadline <= handle.processed_ns(), cx),
                // The replaced waker is dropped outside the lock (see
                // `cancel`).
                Polled::Pending(old) => {
                    drop(old);
                    Poll::Pending
                }
            })
            .unwrap_or_else(|()| shutdown_panic())
    }

    /// First poll of an unbound entry: the handle to bind it to, its
    /// deadline in that driver's nanoseconds and the driver's time the due
    /// check read (when it read the system clock; the locked filing uses it
    /// rather than reading again), or, if it is already due,
    /// whether the driver has processed its deadline (see "A first poll of
    /// a due timer"). Due-ness comes from the system clock when no clock was ever
    /// paused, else from the driver's clock through the context's borrowed
    /// handle when the context is its runtime's; the handle to keep is
    /// cloned from the context, or looked up by id elsewhere (leaving a
    /// paused clock's due check to the locked path). Panics if the driver
    /// no longer exists (its runtime is gone).
    fn binding(&self) -> Result<(Handle, u64, Option<u64>), bool> {
        let when = self.when;
        // No clock in the process was ever paused: every driver's clock is
        // the system's, so one read of it settles due-ness for any driver.
        let now = (EVER_PAUSED.load(Relaxed) == 0).then(StdInstant::now);
        if let Some(read) = now {
            if when <= read {
                // Due a millisecond or more ago: complete without looking
                // up the driver (see "A first poll of a due timer").
                // Outside its runtime's context there is no scheduler of
                // that runtime to yield to: complete too.
                let processed = read.saturating_duration_since(when) >= Duration::from_millis(1)
                    || Handle::with_current(self.driver, |h| h.to_ns(when) <= h.processed_ns())
                        .unwrap_or(true);
                return Err(processed);
            }
        }
        let in_context = Handle::with_current(self.driver, |h| {
            let deadline = h.to_ns(when);
            if let Some(read) = now {
                // The system clock is this driver's clock.
                Ok((h.clone(), deadline, Some(h.to_ns(read))))
            } else if deadline > h.now_ns() {
                Ok((h.clone(), deadline, None))
            } else {
                Err(deadline <= h.processed_ns())
            }
        });
        if let Some(binding) = in_context {
            return binding;
        }
        let handle = Handle::find_live(self.driver).unwrap_or_else(|| shutdown_panic());
        let deadline = handle.to_ns(when);
        let read = now.map(|read| handle.to_ns(read));
        Ok((handle, deadline, read))
    }
}

/// What a poll decided under the driver lock; acted on after it.
enum Polled {
    Ready,
    DueAtFirstPoll,
    /// Filed or still filed; holds the waker it replaced, if any.
    Pending(Option<Waker>),
}

/// The end of a first poll that found its timer due (state `FIRED`
/// already): complete if the driver has already processed the deadline's
/// time (`processed`), else yield once, as `yield_now` does (the task is
/// queued again after the scheduler's next driver poll), and complete at
/// the next poll. See "A first poll of a due timer".
fn due_at_first_poll(processed: bool, cx: &mut Context<'_>) -> Poll<()> {
    if processed {
        return Poll::Ready(());
    }
    crate::runtime::context::defer(cx.waker());
    Poll::Pending
}

#[cold]
fn shutdown_panic() -> ! {
    panic!(
        "{} (tern: the runtime this timer belongs to has shut down; its timers no longer fire.)",
        crate::runtime::messages::RUNTIME_SHUTTING_DOWN
    )
}

impl TimerEntry {
    /// Drop of a bound entry: unfiles it under the lock unless it is known
    /// to be out of the wheel (`UNREGISTERED`). Out of line, so that the
    /// inlined `drop` stays a test of `handle`.
    #[inline(never)]
    fn cancel(&mut self, handle: &Handle) {
        if self.shared.state() == UNREGISTERED {
            return;
        }
        let ptr = self.ptr();
        let waker = handle.with_locked(|locked| {
            // SAFETY: lock held; the entry is live until this returns.
            unsafe { locked.unfile(ptr) };
            // SAFETY: lock held.
            unsafe { TimerShared::guarded(ptr, |g| g.waker.take()) }
        });
        // Dropped outside the driver lock: a waker's drop may drop another
        // `Sleep` of this driver, which takes the lock (Tokio's
        // `drop_from_waker_drop`).
        drop(waker);
    }
}

impl Drop for TimerEntry {
    /// Inline: the unbound case (nothing to do) is the common one.
    #[inline]
    fn drop(&mut self) {
        // Unbound: never filed, so nothing to unfile and no driver to
        // synchronise with (see "Binding").
        if let Some(handle) = self.handle.take() {
            self.cancel(&handle);
        }
        // Under loom, the free that follows counts as a write to the entry,
        // so that a driver access not ordered before it is reported.
        #[cfg(tern_loom)]
        self.shared.guarded.with_mut(|_| ());
    }
}

impl Locked<'_> {
    /// Unfiles `entry` if it is filed.
    ///
    /// # Safety
    ///
    /// `entry` is live.
    pub(crate) unsafe fn unfile(&mut self, entry: NonNull<TimerShared>) {
        // SAFETY: we hold the lock (`Locked`), entry live (caller).
        if unsafe { TimerShared::guarded(entry, |g| g.filed) } {
            // SAFETY: it is filed in this wheel.
            unsafe { self.wheel.remove(entry) };
            // SAFETY: lock held.
            unsafe { TimerShared::guarded(entry, |g| g.filed = false) };
        }
    }
}
