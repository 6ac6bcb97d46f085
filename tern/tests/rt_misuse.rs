//! Misusing the runtime panics with Tokio's message (tern's advice follows
//! it), so tests written against Tokio's texts keep passing.

use std::time::Duration;
use tern::runtime::{Builder, Handle, Runtime};

fn current_thread() -> Runtime {
    Builder::new_current_thread().build().unwrap()
}

#[test]
#[should_panic(
    expected = "there is no reactor running, must be called from the context of a Tokio 1.x runtime"
)]
fn spawn_outside_a_runtime() {
    drop(tern::spawn(async {}));
}

#[test]
#[should_panic(
    expected = "there is no reactor running, must be called from the context of a Tokio 1.x runtime"
)]
fn handle_current_outside_a_runtime() {
    drop(Handle::current());
}

#[test]
#[should_panic(
    expected = "there is no reactor running, must be called from the context of a Tokio 1.x runtime"
)]
fn spawn_blocking_outside_a_runtime() {
    drop(tern::task::spawn_blocking(|| ()));
}

#[test]
#[should_panic(
    expected = "there is no reactor running, must be called from the context of a Tokio 1.x runtime"
)]
fn sleep_outside_a_runtime() {
    drop(tern::time::sleep(Duration::from_millis(1)));
}

#[test]
#[should_panic(
    expected = "there is no reactor running, must be called from the context of a Tokio 1.x runtime"
)]
fn io_resource_outside_a_runtime() {
    let std = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    drop(tern::net::UdpSocket::from_std(std));
}

#[test]
fn try_current_error_displays_tokios_text() {
    let err = Handle::try_current().unwrap_err();
    assert!(err.is_missing_context());
    assert_eq!(
        err.to_string(),
        "there is no reactor running, must be called from the context of a Tokio 1.x runtime"
    );
}

#[test]
#[should_panic(expected = "Cannot start a runtime from within a runtime. This happens because a function \
                           (like `block_on`) attempted to block the current thread while the thread is \
                           being used to drive asynchronous tasks.")]
fn block_on_inside_block_on() {
    let rt = current_thread();
    rt.block_on(async { current_thread().block_on(async {}) });
}

#[test]
#[should_panic(expected = "A Tokio 1.x context was found, but timers are disabled. Call `enable_time` on \
                           the runtime builder to enable timers.")]
fn sleep_without_the_time_driver() {
    let rt = current_thread();
    rt.block_on(async { tern::time::sleep(Duration::from_millis(1)).await });
}

#[test]
#[should_panic(expected = "A Tokio 1.x context was found, but IO is disabled. Call `enable_io` on the \
                           runtime builder to enable IO.")]
fn io_resource_without_the_io_driver() {
    let rt = current_thread();
    let std = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let _guard = rt.enter();
    drop(tern::net::UdpSocket::from_std(std));
}

#[test]
#[should_panic(expected = "Cannot drop a runtime in a context where blocking is not allowed. This happens \
                           when a runtime is dropped from within an asynchronous context.")]
fn drop_runtime_inside_async_code() {
    let outer = current_thread();
    outer.block_on(async {
        let inner = Builder::new_multi_thread().worker_threads(1).build().unwrap();
        drop(inner);
    });
}

#[test]
fn shutdown_background_inside_async_code_is_allowed() {
    let outer = current_thread();
    outer.block_on(async {
        let inner = Builder::new_multi_thread().worker_threads(1).build().unwrap();
        assert_eq!(inner.spawn(async { 5 }).await.unwrap(), 5);
        inner.shutdown_background();
    });
}

#[test]
fn drop_runtime_inside_spawn_blocking_is_allowed() {
    let outer = Builder::new_multi_thread().worker_threads(1).build().unwrap();
    let inner = current_thread();
    outer.block_on(async { tern::task::spawn_blocking(move || drop(inner)).await.unwrap() });
}

#[test]
#[should_panic(expected = "A Tokio 1.x context was found, but it is being shutdown.")]
fn timer_of_a_shut_down_runtime() {
    let rt1 = Builder::new_current_thread().enable_time().build().unwrap();
    let sleep = {
        let _guard = rt1.enter();
        tern::time::sleep(Duration::from_secs(60))
    };
    drop(rt1);
    current_thread().block_on(sleep);
}

#[test]
#[should_panic(
    expected = "`time::pause()` requires the `current_thread` Tokio runtime. This is the default \
                           Runtime used by `#[tokio::test]."
)]
fn pause_on_a_multi_thread_runtime() {
    let rt = Builder::new_multi_thread().worker_threads(1).enable_time().build().unwrap();
    rt.block_on(async { tern::time::pause() });
}

#[test]
#[should_panic(expected = "time cannot be frozen from outside the Tokio runtime")]
fn pause_outside_a_runtime() {
    tern::time::pause();
}

#[test]
#[should_panic(expected = "runtime name shouldn't be empty")]
fn empty_runtime_name() {
    Builder::new_current_thread().name("  ");
}

#[test]
#[should_panic(expected = "`EnterGuard` values dropped out of order. Guards returned by \
                           `tokio::runtime::Handle::enter()` must be dropped in the reverse order as they \
                           were acquired.")]
fn enter_guards_dropped_out_of_order() {
    let (rt1, rt2) = (current_thread(), current_thread());
    let g1 = rt1.enter();
    let g2 = rt2.enter();
    drop(g1);
    drop(g2);
}

/// Runs `f`, which must panic, and returns the file its panic reports.
fn panic_file(f: impl FnOnce() + std::panic::UnwindSafe) -> String {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _serial = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let file = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let seen = file.clone();
    let prev = std::panic::take_hook();
    // Other tests of this binary panic on their own threads meanwhile.
    let me = std::thread::current().id();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().id() == me {
            *seen.lock().unwrap() = info.location().unwrap().file().to_string();
        }
    }));
    let caught = std::panic::catch_unwind(f);
    std::panic::set_hook(prev);
    assert!(caught.is_err(), "no panic");
    let file = file.lock().unwrap().clone();
    file
}

/// Panics about a missing runtime or driver point at the caller's line,
/// not at tern's insides (`#[track_caller]` all the way).
#[test]
fn misuse_panics_report_the_callers_location() {
    let std_udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let std_stream = std::net::TcpStream::connect(std_listener.local_addr().unwrap()).unwrap();
    let (std_dgram, _peer) = std::os::unix::net::UnixDatagram::pair().unwrap();
    let rt = current_thread(); // no I/O driver
    assert_eq!(panic_file(|| rt.block_on(async { drop(tern::net::UdpSocket::from_std(std_udp)) })), file!());
    assert_eq!(
        panic_file(|| rt.block_on(async { drop(tern::net::TcpListener::from_std(std_listener)) })),
        file!()
    );
    assert_eq!(
        panic_file(|| rt.block_on(async { drop(tern::net::TcpStream::from_std(std_stream)) })),
        file!()
    );
    assert_eq!(
        panic_file(|| rt.block_on(async { drop(tern::net::UnixDatagram::from_std(std_dgram)) })),
        file!()
    );
    // The missing driver is reported before the (invalid) signal number.
    let kind = tern::signal::unix::SignalKind::from_raw(-1);
    assert_eq!(panic_file(|| rt.block_on(async { drop(tern::signal::unix::signal(kind)) })), file!());
    let rt = Builder::new_current_thread().enable_time().build().unwrap();
    assert_eq!(panic_file(|| rt.block_on(async { tern::time::resume() })), file!(), "time is not paused");
}

/// The payload is a `&'static str`, as Tokio's: code downcasts it.
#[test]
fn dropping_a_runtime_in_async_context_panics_with_a_str_payload() {
    let outer = Builder::new_multi_thread().worker_threads(1).build().unwrap();
    let payload = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        outer.block_on(async { drop(current_thread()) });
    }))
    .unwrap_err();
    let msg = payload.downcast_ref::<&'static str>().expect("a &'static str payload");
    assert!(msg.contains("Cannot drop a runtime"), "{msg}");
}

#[test]
fn shutdown_timeout_of_duration_max_waits_like_a_drop() {
    current_thread().shutdown_timeout(Duration::MAX);
    Builder::new_multi_thread().worker_threads(1).build().unwrap().shutdown_timeout(Duration::MAX);
}

#[test]
#[should_panic(expected = "`time::pause()` requires the `current_thread` Tokio runtime")]
fn a_paused_clock_on_a_multi_thread_runtime_panics_at_build_as_tokios() {
    let _ = tern::runtime::Builder::new_multi_thread().enable_all().start_paused(true).build();
}
