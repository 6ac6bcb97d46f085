//! Parking a worker: what it sleeps on and for how long, and the loop
//! that sleeps, runs the watchdog's rounds, and wakes.
//!
//! What a parking worker sleeps on and for how long is decided by
//! [`plan_park`] from what it holds:
//!
//! | driver role | `block_on` claims I/O | watch          | parks on       | timeout                                   |
//! |-------------|-----------------------|----------------|----------------|-------------------------------------------|
//! | no          | -                     | none           | its parker     | none                                      |
//! | no          | -                     | held, idle     | its parker     | `WATCH_IDLE_PERIOD`                       |
//! | no          | -                     | held, deep     | its parker     | none (a LIFO push wakes it)               |
//! | no          | -                     | held, armed    | its parker     | `WATCHDOG_PERIOD`                         |
//! | yes         | no                    | none           | the I/O driver | next timer                                |
//! | yes         | no                    | held           | the I/O driver | min(next timer, watch period)             |
//! | yes         | yes                   | any            | its parker     | min(next timer, standby, watch period)    |
//!
//! `park` carries the plan out through the drivers layer
//! (`runtime/driver.rs`): the I/O driver is parked on only if it is free
//! (`Take::OrWant`); a busy worker holding it for a non-blocking turn wakes
//! the role holder when it puts it back, and the role holder fires due
//! timers when it wakes. Only a timer deadline is honoured to the
//! nanosecond (`precise`); watch and standby periods are not.
//!
//! # Standing by for `block_on`
//!
//! The parked worker holding the driver role normally parks in the
//! I/O driver. While a `block_on` thread has claimed I/O polling (it parks
//! in the driver itself when every worker is idle), that worker instead
//! sleeps until its next timer or a standby period, and revokes the claim
//! if the `block_on` thread stopped coming back to the driver. A worker
//! that puts the driver back answers a pending handover request. The
//! protocol and its state word are in `block_on/mod.rs`.

use super::{end_driver_poll, Context, WATCHDOG_PERIOD, WATCH_IDLE_PERIOD};
use crate::runtime::driver::{self, Take, TurnEnd};
use crate::runtime::park::ParkInner;
use crate::runtime::scheduler::multi_thread::block_on::{Host, Standby};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What [`plan_park`] decides from.
#[derive(Clone, Copy, Debug, Default)]
struct ParkInputs {
    /// This worker holds the driver role (`runtime/driver.rs`).
    has_role: bool,
    /// Time until the next timer (role holder only).
    timer: Option<Duration>,
    /// A `block_on` thread claims I/O polling: the role holder stands by,
    /// looking at the claim every such period.
    standby: Option<Duration>,
    /// Whether this worker holds the watch, and how closely it watches.
    watch: Watch,
}

/// The watch as the parking worker holds it (`idle.rs`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(in crate::runtime::scheduler::multi_thread) enum Watch {
    /// Not the holder.
    #[default]
    None,
    /// The holder, with nothing queued behind a peer's poll and no recent
    /// progress: one look after `WATCH_IDLE_PERIOD`.
    Idle,
    /// The holder, after an idle look that found nothing queued: no
    /// timeout; the next LIFO push into an empty slot wakes it
    /// (`Idle::lifo_push_wake`).
    Deep,
    /// The holder, armed: a look every `WATCHDOG_PERIOD`.
    Armed,
}

/// How a worker parks (see the table in the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct ParkPlan {
    /// Park in the I/O driver (if it is free) rather than on the parker.
    on_driver: bool,
    timeout: Option<Duration>,
    /// The timeout is a timer's deadline, to be met to the nanosecond.
    precise: bool,
}

/// Decides what a parking worker sleeps on and for how long.
fn plan_park(i: ParkInputs) -> ParkPlan {
    let standby = if i.has_role { i.standby } else { None };
    let period = match i.watch {
        Watch::None | Watch::Deep => None,
        Watch::Idle => Some(WATCH_IDLE_PERIOD),
        Watch::Armed => Some(WATCHDOG_PERIOD),
    };
    let watch = match (period, standby) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    let timer = if i.has_role { i.timer } else { None };
    let (timeout, precise) = match (timer, watch) {
        (Some(a), Some(b)) => (Some(a.min(b)), a <= b),
        (Some(a), None) => (Some(a), true),
        (None, b) => (b, false),
    };
    ParkPlan { on_driver: i.has_role && standby.is_none(), timeout, precise }
}

pub(super) fn park(cx: &Context) {
    let handle = &cx.handle;
    let remote = &handle.remotes[cx.index];
    let parked = cx.with_core(|core| {
        if core.run_queue.has_tasks() {
            return None;
        }
        let was_searching = std::mem::replace(&mut core.is_searching, false);
        Some(handle.idle.transition_worker_to_parked(cx.index, was_searching))
    });
    let Some(parked) = parked else { return };
    remote.metrics.about_to_park();
    cx.with_core(|core| core.busy.stop(&remote.metrics));
    if parked.was_last_searcher {
        handle.notify_if_work_pending();
    }
    if let Some(f) = &handle.config.before_park {
        driver::run_hook(&**f);
    }
    let mut watchdog = parked.watchdog;
    // When the current armed watch period began (the peers' poll counters
    // were recorded then); `None` while the watch is not armed.
    let mut period_start: Option<Instant> = None;
    // Keep the watch armed for the next period whatever the queues show:
    // it is armed and its period has not ended, or peers made progress
    // over the last whole period (work is flowing). A whole period with no
    // progress and nothing queued leaves it idle. A new holder starts
    // armed for one whole period: parking is what a worker does between
    // bursts of work.
    let mut keep_armed = watchdog;
    // An idle look happened since the watch was last armed: the next one
    // that finds nothing queued goes deep.
    let mut idle_looked = false;
    loop {
        if handle.is_shutdown() {
            cx.with_core(|core| core.is_shutdown = true);
            // Counted back as unparked so the books stay balanced.
            let _ = handle.idle.unpark_worker_by_id(cx.index);
            break;
        }
        let mut watch = match watchdog {
            false => Watch::None,
            true if keep_armed || handle.peers_have_queued_work(cx.index) => Watch::Armed,
            true if !idle_looked => Watch::Idle,
            true => Watch::Deep,
        };
        if watch == Watch::Deep {
            // The bit first, then one more look (`idle.rs`): a LIFO push
            // either is seen here or sees the bit and wakes us.
            if !handle.idle.enter_deep_watch(cx.index) {
                // A peer took the watch over: it is that peer's now.
                watchdog = false;
                watch = Watch::None;
            } else if handle.peers_have_queued_work(cx.index) {
                let _ = handle.idle.leave_deep_watch(cx.index);
                watch = Watch::Armed;
            }
        }
        if watch == Watch::Armed {
            idle_looked = false;
        }
        let watch_armed = watch == Watch::Armed;
        if !watch_armed {
            period_start = None;
        } else if period_start.is_none() {
            cx.with_core(|core| core.record_peers(handle));
            period_start = Some(Instant::now());
        }
        let had_role = park_step(&**handle, cx.index, &remote.park, watch, || {
            cx.with_core(|core| core.in_driver_park = true);
            // The role holder sleeps until the next timer.
            cx.precise.arm();
            if watchdog {
                // I/O wakes this worker: the next peer to park takes the
                // watch over, so that it outlives this worker's wake.
                handle.idle.offer_watch(cx.index);
            }
        });
        if had_role {
            end_driver_poll(cx);
        }
        // Woken out of a deep watch by a LIFO push (it cleared the bit):
        // watch that push's worker closely for one period.
        let pushed = watch == Watch::Deep && handle.idle.leave_deep_watch(cx.index);
        if watchdog && !handle.idle.keep_watch(cx.index) {
            // Taken over while this worker slept (it offered the watch).
            watchdog = false;
            period_start = None;
        }
        if watchdog {
            // The watch stays ours while we stay parked (releasing it at
            // every wake would open a window in which a LIFO push finds it
            // vacant and wakes a parked worker to take it).
            keep_armed = watch_armed || pushed;
            idle_looked |= watch == Watch::Idle;
            // Only a whole period without progress makes a peer stuck: an
            // early wake-up compares nothing.
            if period_start.is_some_and(|start| start.elapsed() >= WATCHDOG_PERIOD) {
                let (rescued, progressed) = cx.with_core(|core| core.rescue_stranded(handle));
                keep_armed = progressed;
                period_start = Some(Instant::now());
                if let Some(task) = rescued {
                    let was_parked = handle.idle.unpark_worker_by_id(cx.index);
                    cx.with_core(|core| {
                        core.is_searching = !was_parked;
                        core.run_queue.push_back_or_overflow(task, &handle.inject);
                    });
                    break;
                }
            }
        }
        if !handle.idle.is_parked(cx.index) {
            // Woken by `worker_to_notify`, which counted us as searching.
            cx.with_core(|core| core.is_searching = true);
            break;
        }
        if cx.with_core(|core| core.run_queue.has_tasks()) && handle.idle.unpark_worker_by_id(cx.index) {
            break;
        }
        if !watchdog {
            watchdog = handle.idle.rearm_watchdog(cx.index);
            period_start = None;
            keep_armed = watchdog;
            idle_looked = false;
        }
    }
    // Every way out of the loop leaves the park: the watch is vacant again.
    if watchdog {
        handle.idle.release_watchdog(cx.index);
    }
    remote.metrics.unparked();
    cx.with_core(|core| core.busy.start());
    if let Some(f) = &handle.config.after_unpark {
        driver::run_hook(&**f);
    }
}

/// The drivers' part of one sleep of parked worker `index` (whose parker
/// is `parker`): takes the driver role if no worker holds it, looks at a
/// `block_on` thread's claim, sleeps as `plan_park` says (in the I/O
/// driver, or on the parker), and gives the role back. `with_role` runs
/// just before the sleep if the worker holds the role (it then turns the
/// drivers, whose wakes it queues). Returns whether it held the role.
///
/// Generic over the runtime (`block_on::Host`) so that the loom models of
/// `block_on` (`block_on/loom.rs`) run this step as it is.
pub(in crate::runtime::scheduler::multi_thread) fn park_step<H: Host>(
    host: &H,
    index: usize,
    parker: &Arc<ParkInner>,
    watch: Watch,
    with_role: impl FnOnce(),
) -> bool {
    let drivers = host.drivers();
    // One parked worker holds the driver role: it sleeps no later than
    // the next timer and fires what is due when it wakes.
    let role = drivers.try_take_role(index);
    let has_role = role.is_some();
    // The timer's wait comes with the clock reading it is counted from;
    // the I/O driver arms its timerfd from that reading too.
    let (timer, now) = has_role.then(|| drivers.next_timer(parker)).flatten().unzip();
    // A `block_on` thread polling I/O leaves this worker the timers, and
    // a look at its claim every period (`block_on/`).
    let standby = if has_role && drivers.io().is_some() {
        match host.block_on_io().standby() {
            Standby::StandBy(period) => Some(period),
            Standby::TakeDriver => None,
        }
    } else {
        None
    };
    let plan = plan_park(ParkInputs { has_role, timer, standby, watch });
    // If a busy worker has the driver for a non-blocking turn, it wakes us
    // when it puts it back (`DriverSlot`). Only the role holder (this
    // worker) ever marks the driver wanted, so no want is pending when
    // this turn puts it back; a `block_on` thread's handover may be. The
    // role holder fires timers when it wakes.
    let take = if plan.on_driver { Take::OrWant } else { Take::No };
    let turn = drivers.take(take, has_role, WorkerTurnEnd(host));
    if has_role {
        with_role();
    }
    turn.park(parker, plan.timeout, if plan.precise { now } else { None });
    drop(role);
    has_role
}

/// A worker's end of a driver turn: once the I/O driver is back, wakes
/// the role holder if it marked it wanted, and a `block_on` thread that
/// asked for it meanwhile (`block_on/`, `HANDOVER`).
pub(super) struct WorkerTurnEnd<'a, H: Host>(pub(super) &'a H);

impl<H: Host> TurnEnd for WorkerTurnEnd<'_, H> {
    fn put_back(&mut self, wanted: bool) {
        let host = self.0;
        if wanted {
            // The role holder parked without it.
            host.wake_role_holder();
        }
        if let Some(block_on) = host.block_on_io().take_handover() {
            block_on.unpark();
        }
    }
}

#[cfg(all(test, not(tern_loom)))]
mod park_plan_tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    fn plan(
        has_role: bool,
        timer: Option<Duration>,
        standby: Option<Duration>,
        watch_armed: bool,
    ) -> ParkPlan {
        let watch = if watch_armed { Watch::Armed } else { Watch::None };
        plan_park(ParkInputs { has_role, timer, standby, watch })
    }

    /// One test per row of the table in the module docs.
    #[test]
    fn a_plain_parked_worker_sleeps_until_woken() {
        assert_eq!(
            plan(false, None, None, false),
            ParkPlan { on_driver: false, timeout: None, precise: false }
        );
    }

    #[test]
    fn an_idle_watch_looks_rarely() {
        let p = plan_park(ParkInputs { watch: Watch::Idle, ..ParkInputs::default() });
        assert_eq!(p, ParkPlan { on_driver: false, timeout: Some(WATCH_IDLE_PERIOD), precise: false });
        let p = plan_park(ParkInputs {
            has_role: true,
            timer: Some(MS),
            watch: Watch::Idle,
            ..ParkInputs::default()
        });
        assert_eq!(p, ParkPlan { on_driver: true, timeout: Some(MS), precise: true });
    }

    #[test]
    fn a_deep_watch_has_no_timeout() {
        let p = plan_park(ParkInputs { watch: Watch::Deep, ..ParkInputs::default() });
        assert_eq!(p, ParkPlan { on_driver: false, timeout: None, precise: false });
        let p = plan_park(ParkInputs {
            has_role: true,
            timer: Some(MS),
            watch: Watch::Deep,
            ..ParkInputs::default()
        });
        assert_eq!(p, ParkPlan { on_driver: true, timeout: Some(MS), precise: true });
    }

    #[test]
    fn an_armed_watch_parks_for_one_period() {
        let p = plan(false, None, None, true);
        assert_eq!(p, ParkPlan { on_driver: false, timeout: Some(WATCHDOG_PERIOD), precise: false });
    }

    #[test]
    fn the_role_holder_parks_on_io_until_the_next_timer() {
        let p = plan(true, Some(50 * MS), None, false);
        assert_eq!(p, ParkPlan { on_driver: true, timeout: Some(50 * MS), precise: true });
        assert_eq!(plan(true, None, None, false).timeout, None, "no timer, no watch: no timeout");
    }

    #[test]
    fn the_role_holder_with_an_armed_watch_wakes_at_the_sooner() {
        let p = plan(true, Some(50 * MS), None, true);
        assert_eq!(p, ParkPlan { on_driver: true, timeout: Some(WATCHDOG_PERIOD), precise: false });
        let p = plan(true, Some(WATCHDOG_PERIOD / 2), None, true);
        assert_eq!(p, ParkPlan { on_driver: true, timeout: Some(WATCHDOG_PERIOD / 2), precise: true });
    }

    #[test]
    fn standing_by_for_block_on_parks_off_the_driver() {
        let p = plan(true, Some(50 * MS), Some(10 * MS), false);
        assert_eq!(p, ParkPlan { on_driver: false, timeout: Some(10 * MS), precise: false });
        let p = plan(true, None, Some(10 * MS), true);
        assert_eq!(p.timeout, Some(WATCHDOG_PERIOD.min(10 * MS)));
        // A standby period means nothing to a worker without the role.
        assert_eq!(plan(false, None, Some(10 * MS), false).timeout, None);
    }
}
