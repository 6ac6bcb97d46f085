//! tower's middleware (what axum is built on) on tern through the patch:
//! `Buffer` spawns its worker with `tokio::spawn` and talks to it over
//! `tokio::sync::mpsc`/`oneshot`; `ConcurrencyLimit` holds
//! `OwnedSemaphorePermit`s (through tokio-util's `PollSemaphore`);
//! `RateLimit` and `Timeout` sleep on `tokio::time`. Their behaviour is
//! checked on the paused clock.

use std::{
    convert::Infallible,
    sync::{
        atomic::{AtomicUsize, Ordering::SeqCst},
        Arc,
    },
    time::Duration,
};

use tokio::time::Instant;
use tower::{service_fn, Service, ServiceBuilder, ServiceExt};

/// A service that takes `ms` milliseconds per call and records how many
/// calls ran at once, at most.
fn slow_service(
    in_flight: Arc<AtomicUsize>,
    peak: Arc<AtomicUsize>,
) -> impl Service<
    u64,
    Response = u64,
    Error = Infallible,
    Future = impl std::future::Future<Output = Result<u64, Infallible>> + Send,
> + Clone
       + Send {
    service_fn(move |ms: u64| {
        let (in_flight, peak) = (in_flight.clone(), peak.clone());
        async move {
            // Counted out when the call ends or is dropped.
            struct Running(Arc<AtomicUsize>);
            impl Drop for Running {
                fn drop(&mut self) {
                    self.0.fetch_sub(1, SeqCst);
                }
            }
            let now = in_flight.fetch_add(1, SeqCst) + 1;
            let _running = Running(in_flight);
            peak.fetch_max(now, SeqCst);
            tokio::time::sleep(Duration::from_millis(ms)).await;
            Ok(ms)
        }
    })
}

#[tokio::test(start_paused = true)]
async fn buffer_and_concurrency_limit_keep_two_calls_in_flight() {
    let (in_flight, peak) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let svc =
        ServiceBuilder::new().buffer(16).concurrency_limit(2).service(slow_service(in_flight, peak.clone()));
    let start = Instant::now();
    let calls: Vec<_> = (0..8)
        .map(|_| {
            let svc = svc.clone();
            tokio::spawn(async move { svc.oneshot(100).await.unwrap() })
        })
        .collect();
    for call in calls {
        assert_eq!(call.await.unwrap(), 100);
    }
    assert_eq!(peak.load(SeqCst), 2, "the limit let more than two calls run at once");
    // Eight calls of 100 ms, two at a time: four rounds on the paused clock.
    assert_eq!(start.elapsed(), Duration::from_millis(400));
}

#[tokio::test(start_paused = true)]
async fn rate_limit_spreads_calls_over_its_periods() {
    let (in_flight, peak) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let mut svc =
        ServiceBuilder::new().rate_limit(3, Duration::from_secs(1)).service(slow_service(in_flight, peak));
    let start = Instant::now();
    let mut started = Vec::new();
    for _ in 0..7 {
        let ready = svc.ready().await.unwrap();
        started.push(start.elapsed().as_secs());
        assert_eq!(ready.call(0).await.unwrap(), 0);
    }
    // Three calls per one-second period.
    assert_eq!(started, [0, 0, 0, 1, 1, 1, 2]);
}

#[tokio::test(start_paused = true)]
async fn timeout_ends_a_slow_call_and_load_shed_refuses_when_full() {
    let (in_flight, peak) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let svc = ServiceBuilder::new()
        .timeout(Duration::from_millis(50))
        .service(slow_service(in_flight.clone(), peak));
    assert_eq!(svc.clone().oneshot(10).await.unwrap(), 10);
    let err = svc.oneshot(1_000).await.unwrap_err();
    assert!(err.is::<tower::timeout::error::Elapsed>(), "{err}");
    // The timed-out call was dropped, not left running.
    assert_eq!(in_flight.load(SeqCst), 0);

    // One permit, held by a call in progress: the next one is shed at once.
    let (in_flight, peak) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let mut svc =
        ServiceBuilder::new().load_shed().concurrency_limit(1).service(slow_service(in_flight.clone(), peak));
    let first = svc.ready().await.unwrap().call(100);
    let running = tokio::spawn(first);
    tokio::task::yield_now().await;
    assert_eq!(in_flight.load(SeqCst), 1);
    let shed = svc.ready().await.unwrap().call(100).await.unwrap_err();
    assert!(shed.is::<tower::load_shed::error::Overloaded>(), "{shed}");
    assert_eq!(running.await.unwrap().unwrap(), 100);
    // The permit came back with the finished call.
    assert_eq!(svc.ready().await.unwrap().call(1).await.unwrap(), 1);
}
