//! Process-wide signal state: one handler action per signal number, a
//! delivery counter per signal, a self-pipe, and the listeners' wakers.
//!
//! # Protocol
//!
//! * The handler action (installed through `signal-hook-registry`, which
//!   chains it with any other handler) does only async-signal-safe work:
//!   it bumps the signal's `delivered` counter, reaps orphaned children on
//!   `SIGCHLD` (`process::orphan`), and writes one byte to the self-pipe
//!   (a full pipe drops the byte: the pipe is readable anyway).
//! * Each runtime registers one duplicate of the pipe's read end with its
//!   I/O driver ([`RtPipe`], shared by that runtime's listeners). A wake
//!   therefore goes through the I/O driver: the pipe turns readable, the
//!   driver wakes the listeners waiting on it.
//! * A listener remembers the counter value it has seen. It is ready when
//!   the counter moved; its initial value is read after the handler is
//!   installed, so a signal arriving after `signal()` returns is seen.
//! * Whoever drains the pipe (any listener of any runtime) wakes every
//!   waiting listener whose counter moved ([`broadcast`]): the pipe's
//!   readiness in another runtime's epoll set may vanish once drained.
//! * `users` counts the listeners of a signal. When it returns to zero
//!   the action is unregistered and the disposition the signal had before
//!   tern first touched it is put back (`SIG_DFL` normally), so a second
//!   ctrl-c ends the program instead of being swallowed (Tokio leaves its
//!   handler installed forever; its issue 7905). signal-hook-registry's
//!   handler is set aside meanwhile and reinstalled by the next listener.
//! * Inside a runtime with a timer, that restore waits [`RESTORE_GRACE`]
//!   (a task tern spawns, `restore_later`), and happens only if no
//!   listener exists then; outside one, it happens at once. A loop that
//!   makes a fresh `ctrl_c()` every turn (`select!` between it and a
//!   message) would otherwise install and restore the handler every
//!   turn, a dozen syscalls and signal-hook-registry's table copies: 48x
//!   Tokio's cost per turn before this grace. `restore_scheduled` keeps
//!   one such task per signal at a time.
//! * When the restore happens, the thread doing it blocks the signal and
//!   takes any instance still queued (sent before the release, not yet
//!   taken by the thread the kernel picked) off the pending set with
//!   `sigtimedwait`, counting it as delivered: only a signal sent after
//!   the release meets the restored disposition.

use crate::io::driver;
use crate::io::poll_evented::{current_io_handle, FdSource, PollEvented};
use crate::io::Interest;
use std::collections::HashMap;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::task::{Context, Poll, Waker};

pub(crate) struct Globals {
    read: OwnedFd,
    /// The pipe's write end. Never closed: a handler may write to it at
    /// any moment for the rest of the process's life.
    write: RawFd,
    /// Indexed by signal number (index 0 unused).
    slots: Box<[Slot]>,
    waiters: Mutex<Waiters>,
    /// Each runtime's registration of the pipe (see [`RtPipe::current`]).
    pipes: Mutex<Vec<Weak<RtPipe>>>,
}

struct Slot {
    /// Deliveries so far (bumped by the handler).
    delivered: AtomicU64,
    state: Mutex<SlotState>,
}

#[derive(Default)]
struct SlotState {
    users: usize,
    /// tern's action is registered (so the handler installed): from the
    /// first listener's `acquire` until a restore (`restore_locked`).
    id: Option<signal_hook_registry::SigId>,
    /// A `restore_later` task is pending for this signal.
    restore_scheduled: bool,
    /// The disposition before tern first installed a handler.
    original: Option<libc::sigaction>,
    /// signal-hook-registry's handler, set aside while `original` is back.
    parked: Option<libc::sigaction>,
}

#[derive(Default)]
struct Waiters {
    next_id: u64,
    /// Listener id -> (signal, counter value it has seen, waker).
    map: HashMap<u64, (libc::c_int, u64, Waker)>,
}

fn os_err(msg: String) -> io::Error {
    io::Error::other(msg)
}

static GLOBALS: OnceLock<Result<Globals, i32>> = OnceLock::new();

/// The process's signal state, created on first use.
pub(crate) fn globals() -> io::Result<&'static Globals> {
    match GLOBALS.get_or_init(|| Globals::new().map_err(|e| e.raw_os_error().unwrap_or(libc::EIO))) {
        Ok(g) => Ok(g),
        Err(code) => Err(io::Error::from_raw_os_error(*code)),
    }
}

impl Globals {
    fn new() -> io::Result<Globals> {
        let mut fds = [0 as libc::c_int; 2];
        // SAFETY: `fds` is valid for writes of two descriptors.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_NONBLOCK | libc::O_CLOEXEC) } != 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `pipe2` succeeded: `fds[0]` is open and owned by nobody else.
        let read = unsafe { OwnedFd::from_raw_fd(fds[0]) };
        let max = libc::SIGRTMAX().max(libc::SIGSYS) as usize;
        let slots =
            (0..=max).map(|_| Slot { delivered: AtomicU64::new(0), state: Mutex::default() }).collect();
        Ok(Globals { read, write: fds[1], slots, waiters: Mutex::default(), pipes: Mutex::default() })
    }

    fn slot(&self, signum: libc::c_int) -> &Slot {
        &self.slots[signum as usize]
    }
}

/// Deliveries of `signum` so far (0 for a signal tern never handled).
/// Async-signal-safe: never initializes anything.
pub(crate) fn delivered(signum: libc::c_int) -> u64 {
    match GLOBALS.get() {
        Some(Ok(g)) if signum > 0 && (signum as usize) < g.slots.len() => {
            g.slot(signum).delivered.load(Ordering::Acquire)
        }
        _ => 0,
    }
}

/// The handler action: async-signal-safe only (atomics, `waitpid`,
/// `write`). signal-hook-registry preserves `errno` around it.
fn action(g: &'static Globals, signum: libc::c_int) {
    g.slot(signum).delivered.fetch_add(1, Ordering::AcqRel);
    if signum == libc::SIGCHLD {
        crate::process::orphan::reap_from_handler();
    }
    let byte = 1u8;
    // SAFETY: `write` is async-signal-safe; the descriptor stays open for
    // the life of the process and `byte` is valid for one byte. Failure
    // (a full pipe) is fine: the pipe is readable already.
    let _ = unsafe { libc::write(g.write, (&byte as *const u8).cast(), 1) };
}

/// Adds a user of `signum`: installs tern's handler action if it is the
/// first. Errors as Tokio's: forbidden or out-of-range signals are refused.
pub(crate) fn acquire(signum: libc::c_int) -> io::Result<()> {
    let g = check(signum)?;
    let mut st = g.slot(signum).state.lock().unwrap_or_else(|e| e.into_inner());
    // Still installed if the last release's restore has not happened yet.
    if st.id.is_none() {
        if st.original.is_none() {
            st.original = Some(query(signum)?);
        }
        if let Some(parked) = st.parked.take() {
            if let Err(e) = set_action(signum, &parked) {
                st.parked = Some(parked);
                return Err(e);
            }
        }
        // SAFETY: `action` only does async-signal-safe work (its docs).
        let id = unsafe { signal_hook_registry::register(signum, move || action(g, signum)) }.map_err(
            |e| match e.raw_os_error() {
                Some(code) => io::Error::from_raw_os_error(code),
                None => os_err("registering signal handler failed".to_string()),
            },
        )?;
        st.id = Some(id);
    }
    st.users += 1;
    Ok(())
}

/// Refuses what Tokio refuses: forbidden, non-positive or out-of-range
/// signal numbers.
fn check(signum: libc::c_int) -> io::Result<&'static Globals> {
    if signum <= 0 || signal_hook_registry::FORBIDDEN.contains(&signum) {
        return Err(os_err(format!("Refusing to register signal {signum}")));
    }
    let g = globals()?;
    if signum as usize >= g.slots.len() {
        return Err(os_err("signal too large".to_string()));
    }
    Ok(g)
}

/// How long a signal stays handled, inside a runtime, after its last
/// listener is dropped (module docs): a delivery meanwhile is counted and
/// seen by no listener, as on Tokio.
pub(crate) const RESTORE_GRACE: std::time::Duration = std::time::Duration::from_millis(10);

/// Removes a user of `signum`; the last one restores the signal's
/// original disposition, after [`RESTORE_GRACE`] inside a runtime with a
/// timer, else at once (module docs). `pipe`, the departing listener's
/// registration of the self-pipe, is kept for that grace too, so that a
/// listener made meanwhile on the same runtime reuses it rather than
/// registering a new one with the I/O driver.
pub(crate) fn release(signum: libc::c_int, pipe: Arc<RtPipe>) {
    let Ok(g) = globals() else { return };
    let mut st = g.slot(signum).state.lock().unwrap_or_else(|e| e.into_inner());
    st.users -= 1;
    if st.users > 0 || st.restore_scheduled {
        // A pending `restore_later` looks again when it ends.
        return;
    }
    let timed = crate::runtime::context::with_current_ref(|h| h.time_handle().is_some().then(|| h.clone()));
    if let Ok(Some(handle)) = timed {
        st.restore_scheduled = true;
        // Spawned without the lock: a runtime shutting down drops the task
        // at once, and its guard takes the lock.
        drop(st);
        drop(handle.spawn(restore_later(signum, pipe), crate::task::Id::next()));
        return;
    }
    restore_locked(g, &mut st, signum);
}

/// The deferred end of a `release`: after [`RESTORE_GRACE`], or when its
/// runtime drops it unfinished, restores `signum`'s disposition if no
/// listener exists by then.
fn restore_later(
    signum: libc::c_int,
    pipe: Arc<RtPipe>,
) -> impl std::future::Future<Output = ()> + Send + 'static {
    struct Guard(libc::c_int);
    impl Drop for Guard {
        fn drop(&mut self) {
            let Ok(g) = globals() else { return };
            let mut st = g.slot(self.0).state.lock().unwrap_or_else(|e| e.into_inner());
            st.restore_scheduled = false;
            if st.users == 0 {
                restore_locked(g, &mut st, self.0);
            }
        }
    }
    // Made before the future, so that it also runs if the task is dropped
    // before its first poll.
    let guard = Guard(signum);
    async move {
        crate::time::sleep(RESTORE_GRACE).await;
        drop(guard);
        drop(pipe);
    }
}

/// Unregisters tern's action and puts `signum`'s original disposition
/// back (module docs), with the slot's lock held and no listener left.
fn restore_locked(g: &'static Globals, st: &mut SlotState, signum: libc::c_int) {
    if st.id.is_none() {
        return;
    }
    // A signal sent before this release (a process signalling itself just
    // before dropping its listener) may still be queued for a thread that
    // has not run yet. With the original disposition back (`SIG_DFL`), it
    // would then kill the process. Take any queued instance off first,
    // with the signal blocked here, and count it as delivered; only a
    // signal sent after this point meets the restored disposition.
    let _blocked = BlockedHere::new(signum);
    while take_pending(signum) {
        action(g, signum);
    }
    if let Some(id) = st.id.take() {
        signal_hook_registry::unregister(id);
    }
    if let Some(original) = st.original {
        let mut current = zeroed_action();
        // SAFETY: both pointers are valid `sigaction`s; `original` was
        // returned by the kernel for this very signal.
        if unsafe { libc::sigaction(signum, &original, &mut current) } == 0 {
            st.parked = Some(current);
        }
    }
}

/// `signum` blocked in the calling thread while this lives (the mask it
/// had is put back on drop).
struct BlockedHere {
    old: libc::sigset_t,
}

impl BlockedHere {
    fn new(signum: libc::c_int) -> BlockedHere {
        let set = single_set(signum);
        // SAFETY: `sigset_t` is plain data; all zeroes is a valid value,
        // overwritten by `pthread_sigmask` below.
        let mut old: libc::sigset_t = unsafe { std::mem::zeroed() };
        // SAFETY: both sets are valid; changing this thread's own mask.
        unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, &set, &mut old) };
        BlockedHere { old }
    }
}

impl Drop for BlockedHere {
    fn drop(&mut self) {
        // SAFETY: `old` is the mask `pthread_sigmask` returned.
        unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &self.old, std::ptr::null_mut()) };
    }
}

fn single_set(signum: libc::c_int) -> libc::sigset_t {
    // SAFETY: `sigset_t` is plain data; `sigemptyset` initializes it.
    let mut set: libc::sigset_t = unsafe { std::mem::zeroed() };
    // SAFETY: `set` is valid for writes; `signum` passed `check` when the
    // signal was acquired.
    unsafe {
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, signum);
    }
    set
}

/// Takes one queued instance of `signum` (blocked in this thread) off
/// the thread's or the process's pending set, without waiting.
fn take_pending(signum: libc::c_int) -> bool {
    let set = single_set(signum);
    let zero = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `set` and `zero` are valid; a null `siginfo` is allowed.
    unsafe { libc::sigtimedwait(&set, std::ptr::null_mut(), &zero) == signum }
}

fn zeroed_action() -> libc::sigaction {
    // SAFETY: `sigaction` is plain data; all zeroes is a valid value
    // (`SIG_DFL`, empty mask, no flags).
    unsafe { std::mem::zeroed() }
}

fn query(signum: libc::c_int) -> io::Result<libc::sigaction> {
    let mut old = zeroed_action();
    // SAFETY: a null new action only queries; `old` is valid for writes.
    if unsafe { libc::sigaction(signum, std::ptr::null(), &mut old) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(old)
}

fn set_action(signum: libc::c_int, act: &libc::sigaction) -> io::Result<()> {
    // SAFETY: `act` is a valid `sigaction` the kernel returned earlier for
    // this signal (signal-hook-registry's own handler).
    if unsafe { libc::sigaction(signum, act, std::ptr::null_mut()) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// One runtime's registration of the self-pipe's read end.
pub(crate) struct RtPipe {
    io: PollEvented<FdSource<OwnedFd>>,
    driver: driver::Handle,
}

impl RtPipe {
    /// The registration for `driver` (the current runtime's I/O driver),
    /// made on first use.
    #[track_caller]
    pub(crate) fn current(g: &'static Globals, driver: driver::Handle) -> io::Result<Arc<RtPipe>> {
        let mut pipes = g.pipes.lock().unwrap_or_else(|e| e.into_inner());
        pipes.retain(|w| w.strong_count() > 0);
        if let Some(p) = pipes.iter().filter_map(Weak::upgrade).find(|p| p.driver.ptr_eq(&driver)) {
            return Ok(p);
        }
        // SAFETY: `F_DUPFD_CLOEXEC` returns a new descriptor or -1.
        let fd = unsafe { libc::fcntl(g.read.as_raw_fd(), libc::F_DUPFD_CLOEXEC, 0) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` was just returned by `fcntl` and is owned by nobody else.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        // Deregistered explicitly on drop: closing a duplicate does not take
        // it out of the epoll set while `g.read` keeps the pipe open (and a
        // later duplicate with the same number would then fail `EEXIST`).
        let io = PollEvented::new_borrowed(FdSource(fd), Interest::READABLE)?;
        let pipe = Arc::new(RtPipe { io, driver });
        pipes.push(Arc::downgrade(&pipe));
        Ok(pipe)
    }
}

/// Reads the pipe empty (until `WouldBlock`; the write end never closes).
fn drain(g: &Globals) {
    let mut buf = [0u8; 128];
    loop {
        // SAFETY: `buf` is valid for writes of its length; the descriptor is open.
        let n = unsafe { libc::read(g.read.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
        if n > 0 {
            continue;
        }
        let err = io::Error::last_os_error();
        if n < 0 && err.kind() == io::ErrorKind::Interrupted {
            continue;
        }
        return;
    }
}

/// Wakes every waiting listener whose signal was delivered since it looked.
fn broadcast(g: &Globals) {
    let mut woken = Vec::new();
    {
        let mut w = g.waiters.lock().unwrap_or_else(|e| e.into_inner());
        w.map.retain(|_, (signum, seen, waker)| {
            if g.slot(*signum).delivered.load(Ordering::Acquire) != *seen {
                woken.push(waker.clone());
                false
            } else {
                true
            }
        });
    }
    woken.into_iter().for_each(Waker::wake);
}

/// A listener of one signal: the state behind `Signal` and the `SIGCHLD`
/// fallback of `process`.
pub(crate) struct Listener {
    g: &'static Globals,
    signum: libc::c_int,
    seen: u64,
    pipe: Arc<RtPipe>,
    pipe_key: Option<usize>,
    id: u64,
    waiting: bool,
}

impl std::fmt::Debug for Listener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Listener").field("signum", &self.signum).finish_non_exhaustive()
    }
}

impl Listener {
    /// Starts listening for `signum` in the current runtime.
    ///
    /// # Panics
    ///
    /// Outside of a runtime with the I/O driver enabled.
    #[track_caller]
    pub(crate) fn new(signum: libc::c_int) -> io::Result<Listener> {
        // The runtime first (as Tokio): without one with I/O this panics,
        // whatever the signal number, with Tokio's texts.
        let driver = match crate::runtime::context::with_current_ref(|h| h.io_handle().cloned()) {
            Ok(Some(driver)) => driver,
            Ok(None) => panic!("{}", crate::runtime::messages::SIGNAL_DISABLED),
            Err(_) => current_io_handle(),
        };
        let g = check(signum)?;
        let pipe = RtPipe::current(g, driver)?;
        acquire(signum)?;
        // Read after the handler is installed: every later delivery counts.
        let seen = g.slot(signum).delivered.load(Ordering::Acquire);
        let id = {
            let mut w = g.waiters.lock().unwrap_or_else(|e| e.into_inner());
            w.next_id += 1;
            w.next_id
        };
        Ok(Listener { g, signum, seen, pipe, pipe_key: None, id, waiting: false })
    }

    /// Ready once the signal was delivered since the last `Ready`;
    /// `None` once the runtime's I/O driver has shut down.
    pub(crate) fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<()>> {
        let slot = self.g.slot(self.signum);
        loop {
            let now = slot.delivered.load(Ordering::Acquire);
            if now != self.seen {
                self.seen = now;
                self.stop_waiting();
                return Poll::Ready(Some(()));
            }
            // Stored before the pipe is looked at: a drain by anyone after
            // this point wakes us if the counter moved.
            {
                let mut w = self.g.waiters.lock().unwrap_or_else(|e| e.into_inner());
                w.map.insert(self.id, (self.signum, self.seen, cx.waker().clone()));
                self.waiting = true;
            }
            if slot.delivered.load(Ordering::Acquire) != self.seen {
                continue;
            }
            match self.pipe.io.poll_ready_keyed(cx, Interest::READABLE, &mut self.pipe_key) {
                Poll::Ready(Ok(ev)) => {
                    drain(self.g);
                    self.pipe.io.clear_readiness(ev);
                    broadcast(self.g);
                }
                Poll::Ready(Err(_)) => {
                    self.stop_waiting();
                    return Poll::Ready(None);
                }
                Poll::Pending => return Poll::Pending,
            }
        }
    }

    fn stop_waiting(&mut self) {
        self.pipe.io.remove_waiter(&mut self.pipe_key);
        if std::mem::take(&mut self.waiting) {
            self.g.waiters.lock().unwrap_or_else(|e| e.into_inner()).map.remove(&self.id);
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop_waiting();
        release(self.signum, self.pipe.clone());
    }
}
