//! The I/O driver: one `mio::Poll` (epoll, edge-triggered) per runtime.
//!
//! # Protocol
//!
//! * Each registered resource owns an `Arc<ScheduledIo>` (readiness word +
//!   waiters, `scheduled_io.rs`); the driver keeps another clone in its
//!   registration list, and the mio token is that allocation's address.
//! * A turn (`Driver::turn`) waits in `epoll_wait` (woken early through
//!   `mio::Waker` by `unpark`), then for every event ORs the readiness into
//!   the resource's word with the turn's tick and wakes the interested
//!   waiter.
//! * Readiness is cleared only by the resource, after an operation returns
//!   `WouldBlock`, and only if the tick is unchanged (see the word's docs).
//! * Dropping a resource deregisters it from epoll first, then moves its
//!   `Arc` from the list to `pending_release`; the driver drops those at the
//!   start of its next turn. Events already fetched from epoll may still
//!   carry the token, so the allocation outlives every event that can name
//!   it: the invariant the token dereference relies on.
//! * Timed parks use a timerfd registered with the poll, armed to the exact
//!   deadline, so epoll's millisecond timeout does not round timers up.

#[cfg(all(test, tern_loom))]
mod loom;
pub(crate) mod scheduled_io;
mod timerfd;

pub(crate) use scheduled_io::{Direction, ReadyEvent, ScheduledIo};

use crate::loom::sync::Mutex;
use mio::{Events, Interest, Poll, Token};
use std::io;
use std::sync::Arc;
use std::time::Duration;

const WAKER_TOKEN: Token = Token(usize::MAX);
const TIMER_TOKEN: Token = Token(usize::MAX - 1);

/// The polling half: owned by whichever thread parks with the drivers.
pub(crate) struct Driver {
    poll: Poll,
    events: Events,
    tick: usize,
    timer: Option<timerfd::TimerFd>,
}

#[derive(Clone)]
pub(crate) struct Handle {
    inner: Arc<Inner>,
}

struct Inner {
    registry: mio::Registry,
    waker: mio::Waker,
    registrations: Mutex<Registrations>,
    /// The driver, taken by the thread that parks on it.
    driver: Mutex<Option<Driver>>,
}

#[derive(Default)]
struct Registrations {
    live: Vec<Arc<ScheduledIo>>,
    pending_release: Vec<Arc<ScheduledIo>>,
    shutdown: bool,
}

impl Handle {
    pub(crate) fn new() -> io::Result<Handle> {
        let poll = Poll::new()?;
        let registry = poll.registry().try_clone()?;
        let waker = mio::Waker::new(poll.registry(), WAKER_TOKEN)?;
        let timer = timerfd::TimerFd::new(poll.registry(), TIMER_TOKEN).ok();
        let driver = Driver { poll, events: Events::with_capacity(1024), tick: 0, timer };
        Ok(Handle {
            inner: Arc::new(Inner {
                registry,
                waker,
                registrations: Mutex::new(Registrations::default()),
                driver: Mutex::new(Some(driver)),
            }),
        })
    }

    /// Wakes the thread parked in `epoll_wait`, if any.
    pub(crate) fn unpark(&self) {
        let _ = self.inner.waker.wake();
    }

    /// Takes the driver to park on it; `None` if another thread has it.
    pub(crate) fn try_take_driver(&self) -> Option<Driver> {
        self.inner.driver.try_lock().and_then(|mut d| d.take())
    }

    pub(crate) fn put_driver(&self, driver: Driver) {
        *self.inner.driver.lock() = Some(driver);
    }

    /// Registers `source`; returns its readiness state.
    pub(crate) fn register(
        &self,
        source: &mut impl mio::event::Source,
        interest: Interest,
    ) -> io::Result<Arc<ScheduledIo>> {
        self.register_ready(source, interest, 0)
    }

    /// Registers `source`, already assumed ready for `ready`.
    pub(crate) fn register_ready(
        &self,
        source: &mut impl mio::event::Source,
        interest: Interest,
        ready: usize,
    ) -> io::Result<Arc<ScheduledIo>> {
        let io = Arc::new(ScheduledIo::new_ready(ready));
        {
            let mut regs = self.inner.registrations.lock();
            if regs.shutdown {
                return Err(io::Error::other("the tern runtime this resource belongs to has shut down"));
            }
            io.index.store(regs.live.len(), std::sync::atomic::Ordering::Relaxed);
            regs.live.push(io.clone());
        }
        let token = Token(Arc::as_ptr(&io) as usize);
        if let Err(e) = self.inner.registry.register(source, token, interest) {
            self.release(&io);
            return Err(e);
        }
        Ok(io)
    }

    /// Deregisters `source` and schedules its state for release.
    pub(crate) fn deregister(
        &self,
        source: &mut impl mio::event::Source,
        io: &Arc<ScheduledIo>,
    ) -> io::Result<()> {
        let res = self.inner.registry.deregister(source);
        self.release(io);
        res
    }

    fn release(&self, io: &Arc<ScheduledIo>) {
        let mut regs = self.inner.registrations.lock();
        let i = io.index.load(std::sync::atomic::Ordering::Relaxed);
        if i < regs.live.len() && Arc::ptr_eq(&regs.live[i], io) {
            let removed = regs.live.swap_remove(i);
            if let Some(moved) = regs.live.get(i) {
                moved.index.store(i, std::sync::atomic::Ordering::Relaxed);
            }
            regs.pending_release.push(removed);
        }
    }

    /// Registered resources (tests: registrations return to zero).
    #[cfg(test)]
    pub(crate) fn num_registrations(&self) -> usize {
        self.inner.registrations.lock().live.len()
    }

    /// Stops the driver: every resource becomes ready and fails.
    pub(crate) fn shutdown(&self) {
        let live = {
            let mut regs = self.inner.registrations.lock();
            regs.shutdown = true;
            std::mem::take(&mut regs.live)
        };
        for io in &live {
            io.shutdown();
        }
        self.inner.registrations.lock().pending_release.extend(live);
    }
}

impl Driver {
    /// One turn: waits up to `timeout` (`None`: until woken) for events and
    /// dispatches them. A `precise` timeout (a timer's deadline) is kept to
    /// the nanosecond with the timerfd; an imprecise one (the watchdog's
    /// period) uses epoll's millisecond timeout and costs no extra syscall.
    pub(crate) fn turn(&mut self, handle: &Handle, timeout: Option<Duration>, precise: bool) {
        // Safe point: no event fetched before now is still being handled.
        drop(std::mem::take(&mut handle.inner.registrations.lock().pending_release));
        // 1..=0x7FFF: tick 0 is reserved for readiness assumed at
        // registration (`ScheduledIo::new_ready`).
        self.tick = self.tick % 0x7FFF + 1;
        // Arm the timerfd for the exact deadline; epoll itself would round
        // the timeout up to a millisecond. It is not disarmed afterwards:
        // the next precise turn re-arms it, and a stale expiry only ends
        // some later wait early (callers re-check and park again).
        let timeout = match (timeout, self.timer.as_mut()) {
            (Some(d), Some(timer)) if precise && !d.is_zero() => {
                if timer.arm(d).is_ok() {
                    None
                } else {
                    Some(d)
                }
            }
            (t, _) => t,
        };
        if let Err(e) = self.poll.poll(&mut self.events, timeout) {
            if e.kind() != io::ErrorKind::Interrupted {
                panic!("epoll_wait failed: {e}");
            }
        }
        for event in self.events.iter() {
            match event.token() {
                WAKER_TOKEN => {}
                TIMER_TOKEN => {
                    if let Some(timer) = &mut self.timer {
                        timer.drain();
                    }
                }
                Token(addr) => {
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
                    // SAFETY: the token is the address of a `ScheduledIo`
                    // that the registration list or `pending_release` keeps
                    // alive until the start of the next turn (module docs).
                    let io = unsafe { &*(addr as *const ScheduledIo) };
                    io.set_readiness(self.tick, ready);
                    io.wake(ready);
                }
            }
        }
    }
}
