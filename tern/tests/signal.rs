//! `tern::signal`: every listener of a signal receives it, bursts wake
//! every listener, and the last listener's drop restores the signal's
//! previous disposition. Tests in this binary share the process's signal
//! handlers: each uses its own signal.

use std::future::Future;
use tern::signal::unix::{signal, SignalKind};
use tern::time::{timeout, Duration};

fn raise(signum: libc::c_int) {
    // SAFETY: sends a signal to this very process; every test installs a
    // listener (so a handler) for its signal first.
    assert_eq!(unsafe { libc::kill(libc::getpid(), signum) }, 0);
}

/// Waits (bounded) until no `signum` sent by `raise` is still pending.
///
/// `kill(getpid())` targets the process: the kernel may hand the signal to
/// another thread (the harness's main thread, asleep), which takes it
/// later. A test dropping its last listener restores the default action,
/// so it first lets every signal it sent be taken while a listener exists.
/// `sigpending` reports only signals the caller blocks, so the signal is
/// blocked in this thread meanwhile (other threads take it).
fn settle(signum: libc::c_int) {
    // SAFETY: all zeroes is a valid `sigset_t`; `sigemptyset`/`sigaddset`
    // initialize it; `pthread_sigmask` changes only this thread's mask
    // and restores it below.
    unsafe {
        let mut only: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut only);
        libc::sigaddset(&mut only, signum);
        assert_eq!(libc::pthread_sigmask(libc::SIG_BLOCK, &only, std::ptr::null_mut()), 0);
        let mut settled = false;
        for _ in 0..10_000 {
            let mut set: libc::sigset_t = std::mem::zeroed();
            assert_eq!(libc::sigpending(&mut set), 0);
            if libc::sigismember(&set, signum) == 0 {
                settled = true;
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        assert_eq!(libc::pthread_sigmask(libc::SIG_UNBLOCK, &only, std::ptr::null_mut()), 0);
        assert!(settled, "signal {signum} still pending");
    }
}

/// The signal's current handler address (`SIG_DFL`, `SIG_IGN` or a function).
fn disposition(signum: libc::c_int) -> libc::sighandler_t {
    // SAFETY: all zeroes is a valid `sigaction`.
    let mut old: libc::sigaction = unsafe { std::mem::zeroed() };
    // SAFETY: a null new action only queries; `old` is valid for writes.
    assert_eq!(unsafe { libc::sigaction(signum, std::ptr::null(), &mut old) }, 0);
    old.sa_sigaction
}

const LONG: Duration = Duration::from_secs(20);

/// Waits (bounded by `LONG`) for `signum`'s disposition to become `want`:
/// inside a runtime, the last listener's drop restores it 10 ms later.
async fn until_disposition(signum: libc::c_int, want: libc::sighandler_t) {
    let waited = timeout(LONG, async {
        while disposition(signum) != want {
            tern::time::sleep(Duration::from_millis(1)).await;
        }
    });
    waited.await.unwrap_or_else(|_| panic!("signal {signum}: disposition not restored"));
}

#[tern::test]
async fn a_signal_reaches_every_listener() {
    let mut a = signal(SignalKind::user_defined1()).unwrap();
    let mut b = signal(SignalKind::user_defined1()).unwrap();
    raise(libc::SIGUSR1);
    timeout(LONG, a.recv()).await.unwrap().unwrap();
    timeout(LONG, b.recv()).await.unwrap().unwrap();
}

#[tern::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_wakes_every_listener_at_least_once() {
    let mut listeners: Vec<_> = (0..4).map(|_| signal(SignalKind::user_defined2()).unwrap()).collect();
    let tasks: Vec<_> = listeners
        .drain(..2)
        .map(|mut s| tern::spawn(async move { timeout(LONG, s.recv()).await.unwrap().unwrap() }))
        .collect();
    for _ in 0..100 {
        raise(libc::SIGUSR2);
    }
    for t in tasks {
        t.await.unwrap();
    }
    for s in &mut listeners {
        timeout(LONG, s.recv()).await.unwrap().unwrap();
    }
    settle(libc::SIGUSR2);
}

#[test]
fn listeners_in_two_runtimes_both_receive() {
    let make = || {
        let rt = tern::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let sig = rt.block_on(async { signal(SignalKind::io()).unwrap() });
        (rt, sig)
    };
    let (rt1, mut s1) = make();
    let (rt2, mut s2) = make();
    let t =
        std::thread::spawn(move || rt2.block_on(async { timeout(LONG, s2.recv()).await.unwrap().unwrap() }));
    raise(libc::SIGIO);
    rt1.block_on(async { timeout(LONG, s1.recv()).await.unwrap().unwrap() });
    t.join().unwrap();
}

#[tern::test]
async fn the_last_listener_dropped_restores_the_default_disposition() {
    assert_eq!(disposition(libc::SIGALRM), libc::SIG_DFL);
    let mut a = signal(SignalKind::alarm()).unwrap();
    let b = signal(SignalKind::alarm()).unwrap();
    assert_ne!(disposition(libc::SIGALRM), libc::SIG_DFL);
    drop(b);
    assert_ne!(disposition(libc::SIGALRM), libc::SIG_DFL, "a listener is left");
    raise(libc::SIGALRM);
    timeout(LONG, a.recv()).await.unwrap().unwrap();
    drop(a);
    until_disposition(libc::SIGALRM, libc::SIG_DFL).await;

    // Listening again reinstalls the handler, and it works.
    let mut c = signal(SignalKind::alarm()).unwrap();
    assert_ne!(disposition(libc::SIGALRM), libc::SIG_DFL);
    raise(libc::SIGALRM);
    timeout(LONG, c.recv()).await.unwrap().unwrap();
    drop(c);
    until_disposition(libc::SIGALRM, libc::SIG_DFL).await;
}

/// A loop that makes a listener and drops it every turn (a `select!`
/// between `ctrl_c()` and messages) keeps the handler installed across the
/// turns, and every listener of it works; the default comes back once
/// none has existed for the grace period.
#[tern::test]
async fn listeners_made_within_the_grace_keep_the_handler() {
    assert_eq!(disposition(libc::SIGPROF), libc::SIG_DFL);
    for _ in 0..100 {
        let s = signal(SignalKind::from_raw(libc::SIGPROF)).unwrap();
        drop(s);
        // Still tern's: the restore waits for the grace period.
        assert_ne!(disposition(libc::SIGPROF), libc::SIG_DFL);
    }
    let mut s = signal(SignalKind::from_raw(libc::SIGPROF)).unwrap();
    raise(libc::SIGPROF);
    timeout(LONG, s.recv()).await.unwrap().unwrap();
    settle(libc::SIGPROF);
    drop(s);
    until_disposition(libc::SIGPROF, libc::SIG_DFL).await;
    // And a listener after the restore installs it again.
    let mut s = signal(SignalKind::from_raw(libc::SIGPROF)).unwrap();
    assert_ne!(disposition(libc::SIGPROF), libc::SIG_DFL);
    raise(libc::SIGPROF);
    timeout(LONG, s.recv()).await.unwrap().unwrap();
    settle(libc::SIGPROF);
}

/// Without a runtime to wait in, the last drop restores at once; so does
/// the runtime's end for a restore it was still waiting to do.
#[test]
fn without_a_runtime_the_restore_is_immediate() {
    let rt = tern::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let s = rt.block_on(async { signal(SignalKind::from_raw(libc::SIGURG)).unwrap() });
    assert_ne!(disposition(libc::SIGURG), libc::SIG_DFL);
    drop(s);
    assert_eq!(disposition(libc::SIGURG), libc::SIG_DFL);

    let s = rt.block_on(async { signal(SignalKind::from_raw(libc::SIGURG)).unwrap() });
    rt.block_on(async move { drop(s) });
    assert_ne!(disposition(libc::SIGURG), libc::SIG_DFL, "restore waits for the grace period");
    drop(rt);
    assert_eq!(disposition(libc::SIGURG), libc::SIG_DFL);
}

/// Tokio's `signal_drop_rt` in a loop: the second signal is sent while a
/// listener exists, but that listener's `recv` returns at once (it had not
/// seen the first), so the signal may still be queued for another thread
/// when the listener is dropped. Restoring `SIG_DFL` then must not let it
/// kill the process (it did, 18 runs in 20 of Tokio's test): the release
/// takes it off the queue first.
#[tern::test]
async fn a_signal_sent_before_the_last_drop_does_not_meet_the_default_action() {
    let kind = SignalKind::from_raw(libc::SIGVTALRM);
    for _ in 0..50 {
        let mut first = signal(kind).unwrap();
        let mut second = signal(kind).unwrap();
        raise(libc::SIGVTALRM);
        timeout(LONG, first.recv()).await.unwrap().unwrap();
        drop(first);
        raise(libc::SIGVTALRM);
        timeout(LONG, second.recv()).await.unwrap().unwrap();
        drop(second);
        until_disposition(libc::SIGVTALRM, libc::SIG_DFL).await;
    }
    // Anything still queued for another thread would end the process
    // here, with the default action back in place.
    std::thread::sleep(std::time::Duration::from_millis(20));
}

#[tern::test]
async fn the_previous_disposition_comes_back_even_if_not_default() {
    // The Rust runtime ignores SIGPIPE at startup.
    assert_eq!(disposition(libc::SIGPIPE), libc::SIG_IGN);
    let mut s = signal(SignalKind::pipe()).unwrap();
    raise(libc::SIGPIPE);
    timeout(LONG, s.recv()).await.unwrap().unwrap();
    drop(s);
    until_disposition(libc::SIGPIPE, libc::SIG_IGN).await;
}

/// Every SIGINT case in one test: they would see each other's signals.
#[test]
fn ctrl_c_completes_on_sigint() {
    // No runtime: the call must not panic (Tokio's panics only on poll),
    // and it registers on its first poll.
    let made_outside = tern::signal::ctrl_c();
    let rt = tern::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        // Held so that no SIGINT sent below can reach the default action.
        let _guard = signal(SignalKind::interrupt()).unwrap();
        tern::pin!(made_outside);
        let first = std::future::poll_fn(|cx| std::task::Poll::Ready(made_outside.as_mut().poll(cx))).await;
        assert!(first.is_pending(), "no SIGINT sent yet");
        raise(libc::SIGINT);
        timeout(LONG, made_outside).await.expect("ctrl_c missed the SIGINT").unwrap();
        settle(libc::SIGINT);

        // Inside a runtime the call itself registers (Tokio waits for the
        // first poll): a SIGINT between the call and the first poll counts.
        let early = tern::signal::ctrl_c();
        raise(libc::SIGINT);
        settle(libc::SIGINT);
        timeout(LONG, early).await.expect("ctrl_c lost a SIGINT sent before its first poll").unwrap();
    });
}

#[tern::test]
async fn forbidden_signals_are_refused_with_tokios_error() {
    for signum in [libc::SIGKILL, libc::SIGSTOP, libc::SIGSEGV, 0, -1] {
        let err = signal(SignalKind::from_raw(signum)).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::Other);
        assert_eq!(err.to_string(), format!("Refusing to register signal {signum}"));
    }
}

#[tern::test]
async fn recv_is_cancel_safe() {
    let mut s = signal(SignalKind::hangup()).unwrap();
    // A recv dropped while pending loses nothing.
    assert!(timeout(Duration::from_millis(10), s.recv()).await.is_err());
    raise(libc::SIGHUP);
    timeout(LONG, s.recv()).await.unwrap().unwrap();
}

#[test]
#[should_panic]
fn signal_outside_a_runtime_panics() {
    let _ = signal(SignalKind::window_change());
}

#[test]
#[should_panic(
    expected = "there is no signal driver running, must be called from the context of Tokio runtime"
)]
fn signal_on_a_runtime_without_io_panics_with_tokios_text() {
    let rt = tern::runtime::Builder::new_current_thread().build().unwrap();
    let _guard = rt.enter();
    let _ = signal(SignalKind::window_change());
}
