//! Per-worker counters: written only by the thread that runs the worker
//! (or holds the current-thread core), read by anyone.
//!
//! A single writer means an update is a `Relaxed` load and store of a
//! counter on a line the worker already owns: no read-modify-write, no
//! contention. Readers see each counter's latest value, with no ordering
//! between counters (Tokio's metrics promise no more).

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

/// What a worker publishes about itself.
#[derive(Debug, Default)]
pub(crate) struct WorkerMetrics {
    /// Nanoseconds spent processing work (`worker_total_busy_duration`).
    busy_ns: AtomicU64,
    /// Times the worker went idle (`worker_park_count`).
    park_count: AtomicU64,
    /// Parks plus unparks: odd while parked (`worker_park_unpark_count`).
    park_unpark_count: AtomicU64,
}

/// Adds `n` to a counter that only the calling thread writes.
#[inline]
fn add(counter: &AtomicU64, n: u64) {
    counter.store(counter.load(Relaxed).wrapping_add(n), Relaxed);
}

impl WorkerMetrics {
    pub(crate) fn new() -> WorkerMetrics {
        WorkerMetrics::default()
    }

    pub(crate) fn busy_duration(&self) -> Duration {
        Duration::from_nanos(self.busy_ns.load(Relaxed))
    }

    pub(crate) fn park_count(&self) -> u64 {
        self.park_count.load(Relaxed)
    }

    pub(crate) fn park_unpark_count(&self) -> u64 {
        self.park_unpark_count.load(Relaxed)
    }

    /// The worker is about to go idle (writer only).
    #[inline]
    pub(crate) fn about_to_park(&self) {
        add(&self.park_count, 1);
        add(&self.park_unpark_count, 1);
    }

    /// The worker is back from idling (writer only).
    #[inline]
    pub(crate) fn unparked(&self) {
        add(&self.park_unpark_count, 1);
    }

    fn add_busy(&self, d: Duration) {
        add(&self.busy_ns, u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
    }
}

/// Times a worker's busy periods: from when it starts processing (start,
/// unpark) to when it stops (park, exit), published at those points and
/// at maintenance ticks so a long busy stretch shows up before it ends.
/// Owned by the worker, next to its other private state.
#[derive(Debug, Default)]
pub(crate) struct BusyClock {
    since: Option<Instant>,
}

impl BusyClock {
    /// A busy period starts now.
    #[inline]
    pub(crate) fn start(&mut self) {
        self.start_at(Instant::now());
    }

    /// A busy period starts at `now` (a reading the caller shares).
    #[inline]
    pub(crate) fn start_at(&mut self, now: Instant) {
        self.since = Some(now);
    }

    /// The busy period ends now: publishes its length.
    #[inline]
    pub(crate) fn stop(&mut self, metrics: &WorkerMetrics) {
        self.stop_at(metrics, Instant::now());
    }

    /// The busy period ends at `now` (a reading the caller shares):
    /// publishes its length.
    #[inline]
    pub(crate) fn stop_at(&mut self, metrics: &WorkerMetrics, now: Instant) {
        if let Some(since) = self.since.take() {
            metrics.add_busy(now.saturating_duration_since(since));
        }
    }

    /// Publishes the busy time so far and keeps timing.
    pub(crate) fn checkpoint(&mut self, metrics: &WorkerMetrics) {
        if let Some(since) = self.since {
            let now = Instant::now();
            metrics.add_busy(now.saturating_duration_since(since));
            self.since = Some(now);
        }
    }
}

#[cfg(all(test, not(tern_loom)))]
mod tests {
    use super::{BusyClock, WorkerMetrics};

    #[test]
    fn park_unpark_parity_and_busy_time() {
        let m = WorkerMetrics::new();
        let mut clock = BusyClock::default();
        clock.start();
        std::hint::black_box((0..10_000u64).sum::<u64>());
        clock.checkpoint(&m);
        m.about_to_park();
        clock.stop(&m);
        assert_eq!((m.park_count(), m.park_unpark_count()), (1, 1));
        m.unparked();
        assert_eq!((m.park_count(), m.park_unpark_count()), (1, 2));
        // A stopped clock publishes nothing more.
        let busy = m.busy_duration();
        clock.stop(&m);
        assert_eq!(m.busy_duration(), busy);
    }
}
