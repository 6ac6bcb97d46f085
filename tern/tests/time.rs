//! tern::time: sleeps, timeouts, intervals, paused time.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use tern::time::{self, interval_at, sleep, sleep_until, timeout, Duration, Instant, MissedTickBehavior};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn poll_once<F: Future + ?Sized>(f: Pin<&mut F>) -> Poll<F::Output> {
    f.poll(&mut Context::from_waker(Waker::noop()))
}

#[tern::test(start_paused = true)]
async fn an_hour_long_sleep_completes_at_once_when_paused() {
    let start = Instant::now();
    sleep(Duration::from_secs(3600)).await;
    assert_eq!(start.elapsed(), Duration::from_secs(3600));
}

/// The rule for a timer due at its first poll (`entry.rs`, "A first poll
/// of a due timer") on the system clock: one whose deadline is a
/// millisecond old or more completes at once, a younger one yields once
/// unless the driver already looked past it. Nothing polls the driver
/// between these creations and first polls (one thread, no await), so a
/// first poll within the millisecond must yield; a slower one (a loaded
/// machine) may complete, and is not counted.
#[tern::test]
async fn a_zero_sleep_yields_once_then_completes() {
    let mut yielded = 0;
    while yielded < 20 {
        let created = std::time::Instant::now();
        for s in [sleep(Duration::ZERO), sleep_until(Instant::now())] {
            tern::pin!(s);
            let first = poll_once(s.as_mut());
            let late = created.elapsed() >= ms(1);
            assert!(first.is_pending() || late, "a zero sleep first polled at once yields");
            assert!(s.is_elapsed());
            assert!(poll_once(s.as_mut()).is_ready());
            yielded += usize::from(first.is_pending());
        }
    }
}

/// tryhard 0.5's `retry_hook_succeed`: a hook spawned before each
/// `sleep(Duration::ZERO)` has run when the sleep completes (as on Tokio,
/// where the zero sleep waits for the timer's next tick). An iteration
/// that took a millisecond or more may have completed without yielding
/// (see above) and is not checked.
async fn zero_sleeps_let_spawned_tasks_run() {
    let mut checked = 0;
    while checked < 20 {
        let ran = Arc::new(AtomicUsize::new(0));
        let r = ran.clone();
        let started = std::time::Instant::now();
        tern::spawn(async move {
            r.fetch_add(1, SeqCst);
        });
        sleep(Duration::ZERO).await;
        if started.elapsed() < ms(1) {
            assert_eq!(ran.load(SeqCst), 1, "the spawned task ran during the zero sleep");
            checked += 1;
        }
    }
}

#[tern::test]
async fn a_zero_sleep_lets_spawned_tasks_run_current_thread() {
    zero_sleeps_let_spawned_tasks_run().await;
}

#[tern::test(flavor = "multi_thread", worker_threads = 1)]
async fn a_zero_sleep_lets_spawned_tasks_run_multi_thread() {
    // Inside a task, so the spawns and the yield share the one worker.
    tern::spawn(zero_sleeps_let_spawned_tasks_run()).await.unwrap();
}

#[tern::test]
async fn a_sleep_due_before_the_drivers_last_look_completes_on_first_poll() {
    // A filed timer, so that the driver's turns read the clock.
    let filed = sleep(Duration::from_secs(60));
    tern::pin!(filed);
    assert!(poll_once(filed.as_mut()).is_pending());
    let before = Instant::now();
    // Queued again only after the drivers were polled, at a time past
    // `before`.
    tern::task::yield_now().await;
    let s = sleep_until(before);
    tern::pin!(s);
    assert!(poll_once(s.as_mut()).is_ready());
    // And one due long before.
    let s = sleep_until(before - ms(5));
    tern::pin!(s);
    assert!(poll_once(s.as_mut()).is_ready());
}

#[tern::test(start_paused = true)]
async fn paused_sleep_until_now_completes_on_first_poll() {
    // As Tokio's `interval_at(Instant::now(), ..)`: the first tick is ready
    // at the first poll.
    let s = sleep_until(Instant::now());
    tern::pin!(s);
    assert!(poll_once(s.as_mut()).is_ready());
    time::advance(ms(5)).await;
    let s = sleep_until(Instant::now());
    tern::pin!(s);
    assert!(poll_once(s.as_mut()).is_ready());
}

#[tern::test(start_paused = true)]
async fn sleep_never_fires_before_its_deadline() {
    let start = Instant::now();
    let s = sleep(ms(10));
    tern::pin!(s);
    assert!(poll_once(s.as_mut()).is_pending());
    time::advance(ms(9)).await;
    assert!(poll_once(s.as_mut()).is_pending());
    time::advance(ms(1)).await;
    assert!(poll_once(s.as_mut()).is_ready());
    assert_eq!(Instant::now() - start, ms(10));
}

#[tern::test(start_paused = true)]
async fn paused_time_adds_no_extra_millisecond() {
    let start = Instant::now();
    sleep(Duration::from_micros(1500)).await;
    assert_eq!(start.elapsed(), Duration::from_micros(1500));
}

#[tern::test(start_paused = true)]
async fn reset_moves_a_pending_sleep_both_ways() {
    let start = Instant::now();
    let s = sleep(ms(100));
    tern::pin!(s);
    assert!(poll_once(s.as_mut()).is_pending());
    s.as_mut().reset(start + ms(300)); // later: lazy
    time::advance(ms(150)).await;
    assert!(poll_once(s.as_mut()).is_pending());
    s.as_mut().reset(start + ms(200)); // earlier: refiled
    assert!(poll_once(s.as_mut()).is_pending());
    time::advance(ms(50)).await;
    assert!(poll_once(s.as_mut()).is_ready());
    // After it fired: a reset arms it again.
    s.as_mut().reset(Instant::now() + ms(10));
    assert!(poll_once(s.as_mut()).is_pending());
    s.await;
    assert_eq!(start.elapsed(), ms(210));
}

/// Counts the wakes it receives.
struct WakeCount(AtomicUsize);

impl std::task::Wake for WakeCount {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

/// A reset keeps the waker of the last poll: the task waiting on the sleep
/// is woken at the new deadline without being polled in between (as in
/// Tokio; tokio-util's `DelayQueue` resets its `Sleep` and relies on it).
#[tern::test(start_paused = true)]
async fn reset_earlier_wakes_the_waiting_task_without_another_poll() {
    let start = Instant::now();
    let count = Arc::new(WakeCount(AtomicUsize::new(0)));
    let waker = Waker::from(count.clone());
    let s = sleep(ms(100));
    tern::pin!(s);
    assert!(s.as_mut().poll(&mut Context::from_waker(&waker)).is_pending());

    // Earlier, not yet due: woken when the new deadline comes.
    s.as_mut().reset(start + ms(20));
    time::advance(ms(19)).await;
    assert_eq!(count.0.load(SeqCst), 0, "woken before its deadline");
    time::advance(ms(1)).await;
    assert_eq!(count.0.load(SeqCst), 1, "not woken at the new deadline");
    assert!(s.is_elapsed());

    // Armed again and polled, then moved to a time already past: woken at
    // once, by the reset itself.
    s.as_mut().reset(Instant::now() + ms(50));
    assert!(s.as_mut().poll(&mut Context::from_waker(&waker)).is_pending());
    s.as_mut().reset(start);
    assert_eq!(count.0.load(SeqCst), 2, "a reset into the past did not wake the task");
    assert!(s.as_mut().poll(&mut Context::from_waker(&waker)).is_ready());

    // Later (the lazy path) also keeps the waker.
    s.as_mut().reset(Instant::now() + ms(10));
    assert!(s.as_mut().poll(&mut Context::from_waker(&waker)).is_pending());
    s.as_mut().reset(Instant::now() + ms(30));
    time::advance(ms(29)).await;
    assert_eq!(count.0.load(SeqCst), 2);
    time::advance(ms(1)).await;
    assert_eq!(count.0.load(SeqCst), 3);
}

#[tern::test(start_paused = true)]
async fn timeout_on_ready_and_pending_futures() {
    assert_eq!(timeout(ms(0), async { 1 }).await, Ok(1));
    let start = Instant::now();
    let err = timeout(ms(50), std::future::pending::<()>()).await.unwrap_err();
    assert_eq!(err.to_string(), "deadline has elapsed");
    assert_eq!(start.elapsed(), ms(50));
    let io: std::io::Error = err.into();
    assert_eq!(io.kind(), std::io::ErrorKind::TimedOut);
    let mut t = timeout(ms(5), async { 2 });
    let _: &mut _ = t.get_mut();
    assert_eq!(t.into_inner().await, 2);
    let t = time::timeout_at(Instant::now() + ms(5), async { 3 });
    assert_eq!(t.await, Ok(3));
}

#[tern::test]
async fn timeout_fires_even_when_the_inner_future_spends_the_budget() {
    // Never ready, and spends the whole budget on every poll.
    let busy = async {
        loop {
            tern::task::consume_budget().await;
        }
    };
    assert!(timeout(ms(10), busy).await.is_err());
}

/// Polls the interval until it is pending, returning the ticks in ms
/// relative to `start`.
fn ticks(i: &mut time::Interval, start: Instant) -> Vec<u64> {
    let mut out = Vec::new();
    let mut cx = Context::from_waker(Waker::noop());
    while let Poll::Ready(t) = i.poll_tick(&mut cx) {
        out.push((t - start).as_millis() as u64);
    }
    out
}

async fn interval_script(behavior: MissedTickBehavior) -> Vec<Vec<u64>> {
    let start = Instant::now();
    let mut i = interval_at(start, ms(300));
    i.set_missed_tick_behavior(behavior);
    assert_eq!(i.missed_tick_behavior(), behavior);
    let mut out = vec![ticks(&mut i, start)];
    for step in [100, 200, 650, 200, 100, 250, 300] {
        time::advance(ms(step)).await;
        out.push(ticks(&mut i, start));
    }
    out
}

#[tern::test(start_paused = true)]
async fn interval_burst_catches_up_on_the_original_schedule() {
    let got = interval_script(MissedTickBehavior::Burst).await;
    // now: 0, 100, 300, 950, 1150, 1250, 1500, 1800
    let want: Vec<Vec<u64>> =
        vec![vec![0], vec![], vec![300], vec![600, 900], vec![], vec![1200], vec![1500], vec![1800]];
    assert_eq!(got, want);
}

#[tern::test(start_paused = true)]
async fn interval_delay_restarts_the_period_from_the_late_tick() {
    let got = interval_script(MissedTickBehavior::Delay).await;
    // At 950 the 600 tick is late: the next is 950 + 300 = 1250, then
    // 1550 (seen at 1800, late again: the next would be 2100).
    let want: Vec<Vec<u64>> =
        vec![vec![0], vec![], vec![300], vec![600], vec![], vec![1250], vec![], vec![1550]];
    assert_eq!(got, want);
}

#[tern::test(start_paused = true)]
async fn interval_skip_jumps_to_the_next_multiple_of_the_period() {
    let got = interval_script(MissedTickBehavior::Skip).await;
    // At 950 the 600 tick is late: 900 is skipped, the next is 1200.
    let want: Vec<Vec<u64>> =
        vec![vec![0], vec![], vec![300], vec![600], vec![], vec![1200], vec![1500], vec![1800]];
    assert_eq!(got, want);
}

#[tern::test(start_paused = true)]
async fn interval_resets() {
    let start = Instant::now();
    let mut i = time::interval(ms(100));
    assert_eq!(i.period(), ms(100));
    assert_eq!(ticks(&mut i, start), vec![0]);
    time::advance(ms(50)).await;
    i.reset(); // next at 150
    time::advance(ms(99)).await;
    assert_eq!(ticks(&mut i, start), Vec::<u64>::new());
    time::advance(ms(1)).await;
    assert_eq!(ticks(&mut i, start), vec![150]);
    i.reset_immediately();
    assert_eq!(ticks(&mut i, start), vec![150]);
    i.reset_after(ms(30));
    time::advance(ms(30)).await;
    assert_eq!(ticks(&mut i, start), vec![180]);
    i.reset_at(start + ms(500));
    time::advance(ms(320)).await;
    assert_eq!(ticks(&mut i, start), vec![500]);
}

#[test]
#[should_panic(expected = "`period` must be non-zero.")]
fn zero_period_interval_panics() {
    let rt = tern::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    rt.block_on(async {
        let _ = time::interval(Duration::ZERO);
    });
}

#[test]
#[should_panic(expected = "timers are disabled")]
fn sleep_without_time_driver_panics() {
    let rt = tern::runtime::Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        drop(sleep(ms(1)));
    });
}

#[test]
#[should_panic(expected = "outside of a tern runtime")]
fn sleep_without_runtime_panics() {
    drop(sleep(ms(1)));
}

#[tern::test(flavor = "multi_thread", worker_threads = 2)]
async fn timers_registered_and_dropped_on_any_worker() {
    let fired = Arc::new(AtomicUsize::new(0));
    let mut handles = Vec::new();
    for i in 0..200u64 {
        let fired = fired.clone();
        handles.push(tern::spawn(async move {
            // Half are dropped before firing, from whichever worker.
            if i % 2 == 0 {
                let s = sleep(ms(1000));
                tern::pin!(s);
                assert!(poll_once(s.as_mut()).is_pending());
                tern::task::yield_now().await;
                return;
            }
            sleep(Duration::from_micros(100 * (i % 20))).await;
            fired.fetch_add(1, SeqCst);
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    assert_eq!(fired.load(SeqCst), 100);
}

#[tern::test(start_paused = true)]
async fn a_million_concurrent_sleeps_fire_in_deadline_order() {
    const N: u64 = 1_000_000;
    let order = Arc::new(Mutex::new(Vec::with_capacity(N as usize)));
    let start = Instant::now();
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let mut handles = Vec::new();
    for _ in 0..N {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let deadline = start + Duration::from_micros(seed % 10_000_000);
        let order = order.clone();
        handles.push(tern::spawn(async move {
            sleep_until(deadline).await;
            assert!(Instant::now() >= deadline, "fired early");
            order.lock().unwrap().push((deadline - start).as_millis());
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    let order = order.lock().unwrap();
    assert_eq!(order.len() as u64, N);
    assert!(order.windows(2).all(|w| w[0] <= w[1]), "fired out of deadline order (1 ms granularity)");
}

#[test]
fn pause_on_multi_thread_runtime_panics_with_a_clear_message() {
    let rt = tern::runtime::Builder::new_multi_thread().worker_threads(1).enable_time().build().unwrap();
    let err = rt.block_on(async { tern::spawn(async { time::pause() }).await.unwrap_err() });
    let payload = err.into_panic();
    let msg = match payload.downcast_ref::<String>() {
        Some(msg) => msg.clone(),
        None => payload.downcast_ref::<&str>().unwrap().to_string(),
    };
    assert!(msg.contains("requires the `current_thread`"), "{msg}");
}

/// The driver parks until its earliest timer; a sooner timer filed from
/// another thread must wake it.
#[test]
fn a_sooner_timer_from_another_thread_wakes_the_parked_driver() {
    let rt = tern::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let first = rt.block_on(async {
        let long = sleep(Duration::from_secs(30));
        let handle = tern::runtime::Handle::current();
        let short = std::thread::spawn(move || handle.block_on(sleep(ms(10))));
        let short = tern::task::spawn_blocking(move || short.join().unwrap());
        tern::pin!(long, short);
        // Whichever completes first ("long" wins a tie).
        std::future::poll_fn(|cx| {
            if long.as_mut().poll(cx).is_ready() {
                return Poll::Ready("long");
            }
            if short.as_mut().poll(cx).is_ready() {
                return Poll::Ready("short");
            }
            Poll::Pending
        })
        .await
    });
    assert_eq!(first, "short");
}

/// Deadlines past the wheel's horizon (about 2.2 years) are filed at the
/// horizon and refiled when it is reached; with the clock away from a
/// top-level slot boundary that once filed them in the current slot,
/// where they cascaded forever.
#[tern::test(start_paused = true)]
async fn sleeps_past_the_wheel_horizon_complete() {
    const YEAR: Duration = Duration::from_secs(365 * 24 * 3600);
    for _ in 0..5 {
        tern::time::sleep(YEAR).await;
    }
    let deadline = tern::time::Instant::now() + 10 * YEAR;
    tern::time::sleep_until(deadline).await;
    assert!(tern::time::Instant::now() >= deadline);
}

#[tern::test]
async fn interval_resets_with_duration_max_do_not_overflow() {
    let mut i = time::interval(Duration::MAX);
    i.reset();
    let mut i = time::interval(ms(1));
    i.reset_after(Duration::MAX);
}

/// A blocking task finishing lets a paused clock auto-advance even if its
/// `JoinHandle` is not awaited: the parked scheduler is woken.
#[tern::test(start_paused = true)]
async fn a_finished_blocking_task_wakes_a_paused_runtime() {
    let t0 = std::time::Instant::now();
    let blocking = tern::task::spawn_blocking(|| std::thread::sleep(std::time::Duration::from_millis(1)));
    sleep(Duration::from_secs(15)).await;
    blocking.await.unwrap();
    assert!(t0.elapsed() < std::time::Duration::from_secs(10), "slept in real time");
}

/// A sleep too long for the driver's nanosecond clock is filed at its
/// latest deadline, not mistaken for a timer of a shut-down runtime.
#[tern::test(start_paused = true)]
async fn a_sleep_beyond_the_clocks_range_stays_pending() {
    let big = Duration::from_secs(u64::MAX / 10);
    tern::select! {
        biased;
        _ = sleep(big) => panic!("fired"),
        _ = sleep(Duration::from_nanos(1)) => {}
    }
}

/// A waker whose drop drops another registered `Sleep` of the same driver:
/// the entry releases the waker outside the driver lock, or this deadlocks
/// (Tokio's `drop_from_waker_drop`). Both ways a waker leaves an entry:
/// replaced by a later poll's waker, and dropped with the entry.
#[test]
fn a_waker_whose_drop_drops_a_sleep_does_not_deadlock() {
    use std::task::Wake;

    struct TimerOwner(std::sync::Mutex<Option<std::pin::Pin<Box<tern::time::Sleep>>>>);
    impl Wake for TimerOwner {
        fn wake(self: Arc<Self>) {}
    }
    impl Drop for TimerOwner {
        fn drop(&mut self) {
            drop(self.0.lock().unwrap().take());
        }
    }
    let noop = Waker::from(Arc::new(TimerOwner(std::sync::Mutex::new(None))));
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tern::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        rt.block_on(async {
            let owner = |noop: &Waker| {
                let mut secondary = Box::pin(tern::time::sleep(Duration::from_secs(3600)));
                assert!(secondary.as_mut().poll(&mut Context::from_waker(noop)).is_pending());
                Waker::from(Arc::new(TimerOwner(std::sync::Mutex::new(Some(secondary)))))
            };
            // Dropped with the entry.
            let waker = owner(&noop);
            let mut primary = Box::pin(tern::time::sleep(Duration::from_secs(3600)));
            assert!(primary.as_mut().poll(&mut Context::from_waker(&waker)).is_pending());
            drop(waker);
            drop(primary);
            // Replaced by a later poll's waker.
            let waker = owner(&noop);
            let mut primary = Box::pin(tern::time::sleep(Duration::from_secs(3600)));
            assert!(primary.as_mut().poll(&mut Context::from_waker(&waker)).is_pending());
            drop(waker);
            assert!(primary.as_mut().poll(&mut Context::from_waker(&noop)).is_pending());
        });
        tx.send(()).unwrap();
    });
    rx.recv_timeout(Duration::from_secs(60)).expect("deadlocked dropping a waker that drops a Sleep");
}

/// The driving thread lowers its timer slack only once it sleeps until a
/// timer (a `block_on` that never does makes no system call for it), and
/// restores it when the `block_on` ends.
#[cfg(target_os = "linux")]
#[test]
fn timer_slack_is_lowered_only_for_a_timed_sleep_and_restored() {
    fn slack() -> libc::c_int {
        // SAFETY: PR_GET_TIMERSLACK takes no pointer; it reads this
        // thread's slack.
        unsafe { libc::prctl(libc::PR_GET_TIMERSLACK, 0, 0, 0, 0) }
    }
    std::thread::spawn(|| {
        let before = slack();
        assert!(before > 1, "the default slack is above 1 ns");
        let rt = tern::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        assert_eq!(rt.block_on(async { slack() }), before);
        let during = rt.block_on(async {
            tern::time::sleep(std::time::Duration::from_millis(2)).await;
            slack()
        });
        assert_eq!(during, 1, "lowered for the timed park");
        assert_eq!(slack(), before, "restored when block_on returned");
    })
    .join()
    .unwrap();
}

#[test]
fn timer_errors_read_as_tokios() {
    use tern::time::error::Error;
    assert_eq!(
        Error::shutdown().to_string(),
        "the timer is shutdown, must be called from the context of Tokio runtime"
    );
    assert_eq!(Error::at_capacity().to_string(), "timer is at capacity and cannot create a new entry");
    assert_eq!(Error::invalid().to_string(), "timer duration exceeds maximum duration");
}
