//! The runtime's clock: real time, or paused and moved by hand (tests).
//!
//! Paused, `now` stands still until `advance` moves it or, when the
//! runtime has nothing else to do, the scheduler moves it straight to the
//! next timer (auto-advance), so a test of a one-hour timeout finishes at
//! once. Only the current-thread runtime may pause (as in Tokio).

use crate::loom::sync::atomic::{AtomicBool, Ordering::*};
use crate::loom::sync::Mutex;
use std::sync::atomic::AtomicUsize;
use std::time::{Duration, Instant as StdInstant};

/// How many clocks have ever been paused in this process: while zero,
/// `Instant::now()` never needs to look for a runtime.
pub(crate) static EVER_PAUSED: AtomicUsize = AtomicUsize::new(0);

pub(crate) struct Clock {
    paused: AtomicBool,
    inner: Mutex<Inner>,
}

struct Inner {
    /// `now` is `base`, plus the real time since `unfrozen` when running.
    base: StdInstant,
    unfrozen: Option<StdInstant>,
}

impl Clock {
    pub(crate) fn new(start_paused: bool) -> Clock {
        let now = StdInstant::now();
        let clock = Clock {
            paused: AtomicBool::new(false),
            inner: Mutex::new(Inner { base: now, unfrozen: Some(now) }),
        };
        if start_paused {
            clock.pause();
        }
        clock
    }

    /// The clock's reading at the system time `real` (a reading of
    /// `std::time::Instant::now()` the caller shares): `real` itself while
    /// the clock is the system's.
    pub(crate) fn now_at(&self, real: StdInstant) -> StdInstant {
        if !self.paused.load(Acquire) && EVER_PAUSED.load(Relaxed) == 0 {
            return real;
        }
        let inner = self.inner.lock();
        match inner.unfrozen {
            Some(unfrozen) => inner.base + real.saturating_duration_since(unfrozen),
            None => inner.base,
        }
    }

    pub(crate) fn now(&self) -> StdInstant {
        self.now_at(StdInstant::now())
    }

    pub(crate) fn is_paused(&self) -> bool {
        self.paused.load(Acquire)
    }

    pub(crate) fn pause(&self) {
        let mut inner = self.inner.lock();
        if let Some(unfrozen) = inner.unfrozen.take() {
            inner.base += unfrozen.elapsed();
        }
        EVER_PAUSED.fetch_add(1, Relaxed);
        self.paused.store(true, Release);
    }

    pub(crate) fn resume(&self) -> Result<(), &'static str> {
        let mut inner = self.inner.lock();
        if inner.unfrozen.is_some() {
            return Err("time is not frozen");
        }
        inner.unfrozen = Some(StdInstant::now());
        self.paused.store(false, Release);
        Ok(())
    }

    pub(crate) fn advance(&self, duration: Duration) -> Result<(), &'static str> {
        let mut inner = self.inner.lock();
        if inner.unfrozen.is_some() {
            return Err("time is not frozen");
        }
        inner.base += duration;
        Ok(())
    }
}
