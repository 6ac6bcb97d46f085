//! The I/O driver: one `mio::Poll` (epoll, edge-triggered) per runtime.
//!
//! # Protocol
//!
//! * Each registered resource holds a [`Registration`]: a slot in the
//!   driver's slab (`slab.rs`) with its readiness word and waiters
//!   (`scheduled_io.rs`). The mio token is the slot's index plus its
//!   generation.
//! * A turn (`Driver::turn`) waits in `epoll_wait` (woken early through
//!   `mio::Waker` by `unpark`), then for every event whose token's
//!   generation is still current ORs the readiness into the slot's word
//!   with the turn's tick and wakes the interested waiter.
//! * Readiness is cleared only by the resource, after an operation returns
//!   `WouldBlock`, and only if the tick is unchanged (see the word's docs).
//! * Dropping a resource releases its slot (the generation moves on, so
//!   events still in flight for it are ignored). A resource that owns its
//!   descriptor closes it without `EPOLL_CTL_DEL`: the close takes it out
//!   of the epoll set. One that does not (`AsyncFd`, `into_std`)
//!   deregisters first. Slot memory is never freed while the driver
//!   lives, so no event, however stale, reaches freed memory.
//! * Timed parks use a timerfd registered with the poll, armed to the exact
//!   deadline, so epoll's millisecond timeout does not round timers up. A
//!   timerfd already set to expire before the deadline is left alone (the
//!   early expiry ends the wait, and the next park arms it exactly): a
//!   `timeout` around I/O that completes first, the common case, costs no
//!   `timerfd_settime` per park.

pub(crate) mod epoll_entry;
#[cfg(all(test, tern_loom))]
mod loom;
pub(crate) mod scheduled_io;
mod slab;
mod timerfd;

pub(crate) use scheduled_io::{Direction, ReadyEvent, ScheduledIo};

use crate::loom::sync::Mutex;
use mio::{Events, Interest, Poll, Token};
use std::io;
use std::ptr::NonNull;
use std::sync::Arc;
use std::time::Duration;

const WAKER_TOKEN: Token = Token(usize::MAX);
const TIMER_TOKEN: Token = Token(usize::MAX - 1);

/// The polling half: held by whichever thread turns or parks with the
/// drivers, through `runtime/driver.rs`.
pub(crate) struct Driver {
    poll: Poll,
    /// The buffer of a turn that may wait: its capacity is the most events
    /// one such turn takes (`Builder::max_io_events_per_tick`).
    events: Events,
    /// The buffer of a turn that does not wait (a busy scheduler polling
    /// between tasks), when `Builder::max_io_events_per_busy_tick` makes it
    /// smaller than `events`; events beyond it stay in the kernel for the
    /// next turn.
    busy_events: Option<Events>,
    tick: usize,
    /// The timerfd of precise waits, opened by the first one (a runtime
    /// that never waits for a timer does not pay its three syscalls).
    timer: TimerSlot,
}

/// The driver's timerfd, opened on first use.
enum TimerSlot {
    Unopened,
    Open(timerfd::TimerFd),
    /// `timerfd_create` failed (or this is not Linux): precise waits use
    /// epoll's millisecond timeout.
    Unavailable,
}

impl TimerSlot {
    /// The timerfd, opened (and registered with `registry`) on the first
    /// call.
    fn get(&mut self, registry: &mio::Registry) -> Option<&mut timerfd::TimerFd> {
        if let TimerSlot::Unopened = self {
            *self = match timerfd::TimerFd::new(registry, TIMER_TOKEN) {
                Ok(t) => TimerSlot::Open(t),
                Err(_) => TimerSlot::Unavailable,
            };
        }
        match self {
            TimerSlot::Open(t) => Some(t),
            _ => None,
        }
    }
}

#[derive(Clone)]
pub(crate) struct Handle {
    inner: Arc<Inner>,
}

struct Inner {
    registry: mio::Registry,
    waker: mio::Waker,
    slab: slab::Slab,
    /// The driver, taken by the thread that parks on it (or turns it
    /// without blocking).
    driver: DriverSlot<Driver>,
    /// `EPOLL_CTL_ADD`s made (tests: deferred registration skips them).
    #[cfg(test)]
    epoll_adds: std::sync::atomic::AtomicUsize,
    /// `timerfd_settime`s made (tests: far deadlines skip them).
    #[cfg(test)]
    timer_arms: std::sync::atomic::AtomicUsize,
}

/// Where the driver waits between turns, with a flag for a thread that
/// wanted it while another thread had it.
///
/// [`take_or_want`](Self::take_or_want) marks the driver wanted when it is
/// out; the next [`put`](Self::put) reports the mark (once), so the putter
/// can wake the thread that wanted it, which then takes the driver on its
/// next try: a thread that parks without the driver is never left asleep
/// while the driver lies free. Who wants it, and why that matters, is the
/// drivers layer's business (`runtime/driver.rs`, the driver role; loom
/// model in `loom.rs`).
pub(crate) struct DriverSlot<D> {
    state: Mutex<SlotState<D>>,
}

struct SlotState<D> {
    driver: Option<D>,
    wanted: bool,
}

impl<D> DriverSlot<D> {
    pub(crate) fn new(driver: D) -> DriverSlot<D> {
        DriverSlot { state: Mutex::new(SlotState { driver: Some(driver), wanted: false }) }
    }

    /// Takes the driver if it is free, waiting for the lock if another
    /// thread holds it (a look that a concurrent `put` cannot slip past).
    pub(crate) fn take(&self) -> Option<D> {
        self.state.lock().driver.take()
    }

    /// Takes the driver if it is free and uncontended (non-blocking turns:
    /// skipping one costs nothing).
    pub(crate) fn try_take(&self) -> Option<D> {
        self.state.try_lock().and_then(|mut s| s.driver.take())
    }

    /// Takes the driver, or marks it wanted if another thread has it: that
    /// thread's [`put`](Self::put) then returns `true`.
    pub(crate) fn take_or_want(&self) -> Option<D> {
        let mut s = self.state.lock();
        let driver = s.driver.take();
        s.wanted |= driver.is_none();
        driver
    }

    /// Puts the driver back; returns whether it was wanted meanwhile.
    #[must_use]
    pub(crate) fn put(&self, driver: D) -> bool {
        let mut s = self.state.lock();
        s.driver = Some(driver);
        std::mem::take(&mut s.wanted)
    }
}

/// A resource's place in the driver: its slot, released on drop.
pub(crate) struct Registration {
    /// Invariant: points at a slot of `handle`'s slab, handed out to this
    /// registration. Slab pages are never freed while the slab lives, and
    /// `handle` keeps the slab alive, so the pointer is valid for as long
    /// as `self` exists.
    io: NonNull<ScheduledIo>,
    index: usize,
    /// The mio token of this registration: `index` plus the slot's
    /// generation when it was handed out.
    token: usize,
    handle: Handle,
}

// SAFETY: a `Registration` is a shared reference to a `ScheduledIo` (which
// is `Sync`: atomics and a mutex) plus a `Handle` (`Send + Sync`); the
// pointer is valid on any thread (field invariant).
unsafe impl Send for Registration {}
// SAFETY: as above; `&Registration` only hands out `&ScheduledIo`.
unsafe impl Sync for Registration {}

impl std::ops::Deref for Registration {
    type Target = ScheduledIo;

    fn deref(&self) -> &ScheduledIo {
        // SAFETY: valid while `self` lives (the `io` field's invariant).
        unsafe { self.io.as_ref() }
    }
}

impl Registration {
    pub(crate) fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Adds `source` to the epoll set under this registration's token (for
    /// a slot taken with [`Handle::alloc`]).
    pub(crate) fn add_to_poll(
        &self,
        source: &mut impl mio::event::Source,
        interest: Interest,
    ) -> io::Result<()> {
        self.handle.inner.registry.register(source, Token(self.token), interest)?;
        #[cfg(test)]
        self.handle.inner.epoll_adds.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.handle.inner.slab.release(self.index);
    }
}

impl Handle {
    /// A driver taking at most `max_events` events per turn, and at most
    /// `max_busy_events` per turn that does not wait.
    pub(crate) fn new(max_events: usize, max_busy_events: usize) -> io::Result<Handle> {
        let poll = Poll::new()?;
        let registry = poll.registry().try_clone()?;
        let waker = mio::Waker::new(poll.registry(), WAKER_TOKEN)?;
        let busy_events = (max_busy_events < max_events).then(|| Events::with_capacity(max_busy_events));
        let driver = Driver {
            poll,
            events: Events::with_capacity(max_events),
            busy_events,
            tick: 0,
            timer: TimerSlot::Unopened,
        };
        Ok(Handle {
            inner: Arc::new(Inner {
                registry,
                waker,
                slab: slab::Slab::new(),
                driver: DriverSlot::new(driver),
                #[cfg(test)]
                epoll_adds: Default::default(),
                #[cfg(test)]
                timer_arms: Default::default(),
            }),
        })
    }

    /// Whether both handles name the same driver.
    pub(crate) fn ptr_eq(&self, other: &Handle) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// Wakes the thread parked in `epoll_wait`, if any.
    pub(crate) fn unpark(&self) {
        let _ = self.inner.waker.wake();
    }

    /// Takes the driver to park on it; `None` if another thread has it.
    pub(crate) fn try_take_driver(&self) -> Option<Driver> {
        self.inner.driver.try_take()
    }

    /// Takes the driver if it is free (waiting out a concurrent `put`).
    pub(crate) fn take_driver(&self) -> Option<Driver> {
        self.inner.driver.take()
    }

    /// Takes the driver to park on it; if another thread has it for a
    /// turn, records that it is wanted ([`DriverSlot::take_or_want`]).
    pub(crate) fn take_driver_or_want(&self) -> Option<Driver> {
        self.inner.driver.take_or_want()
    }

    /// Returns the driver. `true`: a thread wanted it meanwhile and is
    /// parked without it: the caller must wake that thread.
    #[must_use]
    pub(crate) fn put_driver(&self, driver: Driver) -> bool {
        self.inner.driver.put(driver)
    }

    /// Takes a slot whose readiness starts as `ready` (0: nothing
    /// assumed; readiness comes from the driver's events), without adding
    /// anything to the epoll set yet ([`Registration::add_to_poll`] does).
    pub(crate) fn alloc(&self, ready: usize) -> io::Result<Registration> {
        let (io, index, token) = self.inner.slab.alloc(ready)?;
        Ok(Registration { io: NonNull::from(io), index, token, handle: self.clone() })
    }

    /// Takes a slot and adds `source` to the epoll set under its token.
    pub(crate) fn register(
        &self,
        source: &mut impl mio::event::Source,
        interest: Interest,
    ) -> io::Result<Registration> {
        let registration = self.alloc(0)?;
        // On error `registration` drops and frees the slot.
        registration.add_to_poll(source, interest)?;
        Ok(registration)
    }

    /// Takes `source` out of the epoll set, for a resource whose descriptor
    /// outlives its registration. The slot is freed when the
    /// `Registration` drops.
    pub(crate) fn deregister(&self, source: &mut impl mio::event::Source) -> io::Result<()> {
        self.inner.registry.deregister(source)
    }

    /// Registered resources (tests: registrations return to zero).
    #[cfg(all(test, not(tern_loom)))]
    pub(crate) fn num_registrations(&self) -> usize {
        self.inner.slab.live()
    }

    /// `EPOLL_CTL_ADD`s made so far.
    #[cfg(all(test, not(tern_loom)))]
    pub(crate) fn epoll_adds(&self) -> usize {
        self.inner.epoll_adds.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Times a turn armed the timerfd so far.
    #[cfg(all(test, not(tern_loom)))]
    pub(crate) fn timer_arms(&self) -> usize {
        self.inner.timer_arms.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Stops the driver: every resource becomes ready and fails.
    pub(crate) fn shutdown(&self) {
        self.inner.slab.shutdown();
    }
}

impl Driver {
    /// One turn: waits up to `timeout` (`None`: until woken) for events and
    /// dispatches them. A `precise` timeout (a timer's deadline, counted
    /// from the clock reading it holds) is kept to the nanosecond with the
    /// timerfd; an imprecise one (the watchdog's period) uses epoll's
    /// millisecond timeout and costs no extra syscall.
    ///
    /// Calls `after_wait` once `epoll_wait` has returned and before any
    /// event is dispatched: the parker uses it to stop counting as asleep,
    /// so wakes fired by the dispatch on this very thread do not write to
    /// the `mio::Waker` (a syscall, and a spurious event that would end the
    /// next wait at once).
    pub(crate) fn turn_then(
        &mut self,
        handle: &Handle,
        timeout: Option<Duration>,
        precise: crate::runtime::driver::Precise,
        after_wait: impl FnOnce(),
    ) {
        // 1..=0x7FFF: tick 0 is reserved for readiness assumed at
        // registration (`ScheduledIo::new_ready`).
        self.tick = self.tick % 0x7FFF + 1;
        let timeout = match (timeout, precise) {
            // The timerfd keeps the exact deadline; epoll itself would
            // round the timeout up to a millisecond. It is armed to an
            // absolute time, the reading the wait was counted from plus
            // the wait, so the time since that reading does not make the
            // park late. It is not disarmed afterwards, and it is left as
            // it is when already set to expire between that reading and
            // the deadline: an early expiry only ends this wait early
            // (callers re-check and park again, and that park arms it
            // exactly). So a `timeout` around I/O that ends first,
            // re-filed further out at every park, costs a
            // `timerfd_settime` once per its duration, not once per park.
            // A kept expiry is backed by epoll's own timeout (no extra
            // syscall): should the expiry have been read by another
            // thread's turn after this reading, this wait still ends,
            // at most a millisecond late.
            (Some(d), Some(base)) if !d.is_zero() => {
                let timer = self.timer.get(self.poll.registry());
                match timer.zip(base.checked_add(d)).map(|(timer, at)| timer.expire_by(base, at)) {
                    Some(Ok(true)) => {
                        #[cfg(test)]
                        handle.inner.timer_arms.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        None
                    }
                    _ => Some(d),
                }
            }
            (t, _) => t,
        };
        // A turn that does not wait takes the smaller busy batch, if any.
        let events = match &mut self.busy_events {
            Some(busy) if timeout == Some(Duration::ZERO) => busy,
            _ => &mut self.events,
        };
        if let Err(e) = self.poll.poll(events, timeout) {
            if e.kind() != io::ErrorKind::Interrupted {
                panic!("epoll_wait failed: {e}");
            }
        }
        after_wait();
        for event in events.iter() {
            match event.token() {
                WAKER_TOKEN => {}
                TIMER_TOKEN => {
                    if let TimerSlot::Open(timer) = &mut self.timer {
                        timer.drain();
                    }
                }
                Token(token) => {
                    let mut ready = 0;
                    if event.is_readable() {
                        ready |= scheduled_io::READABLE;
                    }
                    if event.is_writable() {
                        ready |= scheduled_io::WRITABLE;
                    }
                    if event.is_read_closed() {
                        ready |= scheduled_io::READ_CLOSED;
                    }
                    if event.is_write_closed() {
                        ready |= scheduled_io::WRITE_CLOSED;
                    }
                    if event.is_error() {
                        ready |= scheduled_io::ERROR;
                    }
                    if event.is_priority() {
                        ready |= scheduled_io::PRIORITY;
                    }
                    // A released slot's events are stale: ignored.
                    if let Some(io) = handle.inner.slab.dispatch(token, self.tick, ready) {
                        io.wake(ready);
                    }
                }
            }
        }
    }
}

#[cfg(all(test, not(tern_loom)))]
mod tests {
    use super::DriverSlot;
    use std::time::{Duration, Instant};

    #[test]
    fn a_timerfd_set_to_expire_before_the_deadline_is_not_armed_again() {
        use crate::io::{AsyncReadExt, AsyncWriteExt};
        let rt = crate::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let io = rt.handle().inner.io_handle().unwrap().clone();
        rt.block_on(async {
            // A `timeout` around reads that complete first: the parks
            // between them never arm the timerfd for the far deadline.
            let (mut a, mut b) = crate::net::UnixStream::pair().unwrap();
            let echo = crate::spawn(async move {
                let mut buf = [0u8; 8];
                while let Ok(n @ 1..) = b.read(&mut buf).await {
                    b.write_all(&buf[..n]).await.unwrap();
                }
            });
            let before = io.timer_arms();
            let mut buf = [0u8; 8];
            for _ in 0..100 {
                a.write_all(b"ping").await.unwrap();
                crate::time::timeout(Duration::from_secs(30), a.read_exact(&mut buf[..4]))
                    .await
                    .expect("the echo came back")
                    .unwrap();
            }
            // Every park but a few keeps the expiry the first one set: a
            // later park re-arms only if it asks for an instant more than
            // `SAME_EXPIRY` before it (the first parks' clock readings are
            // further apart, cold). Arming at every park would make 100+.
            let arms = io.timer_arms() - before;
            assert!((1..20).contains(&arms), "{arms} arms for 100 parks");
            drop(a);
            echo.await.unwrap();

            // A sleep due before that expiry re-arms it, and ends at its
            // deadline, not before.
            let (start, before) = (Instant::now(), io.timer_arms());
            crate::time::sleep(Duration::from_millis(30)).await;
            assert!(start.elapsed() >= Duration::from_millis(30));
            assert!(io.timer_arms() > before, "the sleep armed the timerfd");
        });
    }

    #[test]
    fn driver_slot_reports_a_want_once_and_only_to_the_putter() {
        let slot = DriverSlot::new(1u8);
        // Free: taken without a mark, put back unwanted.
        let d = slot.take_or_want().unwrap();
        assert!(slot.try_take().is_none(), "out");
        assert!(slot.take_or_want().is_none(), "out: marked wanted");
        assert!(slot.put(d), "the put reports the mark");
        let d = slot.try_take().unwrap();
        assert!(!slot.put(d), "the mark was cleared by the report");
        // A failed `try_take` (a non-blocking turn skipped) marks nothing.
        let d = slot.try_take().unwrap();
        assert!(slot.try_take().is_none());
        assert!(!slot.put(d));
    }
}
