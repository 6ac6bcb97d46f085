//! Deferred registration: whether a resource's descriptor is in the epoll
//! set yet.
//!
//! A freshly accepted connection takes its driver slot at once (assumed
//! readable and writable, see `scheduled_io.rs`) but joins the epoll set
//! only when a task first has to wait on it: events are only needed by a
//! waiter. A connection served and closed without ever waiting (the
//! request already in the buffer, or a peer that connects and resets)
//! costs no `EPOLL_CTL_ADD`, and its close no epoll removal. Tokio adds
//! every resource up front. Every other resource is added when it is
//! created and starts `IN_SET`.
//!
//! | state      | meaning                              | next                             |
//! |------------|--------------------------------------|----------------------------------|
//! | `IN_SET`   | in the epoll set (final)             | -                                |
//! | `DEFERRED` | not in the set, nobody adding it     | `ADDING` (a waiter wins the CAS) |
//! | `ADDING`   | one waiter is in `EPOLL_CTL_ADD`     | `IN_SET`, or `DEFERRED` on error |
//!
//! Why no readiness is lost: a waiter stores its waker in the slot (and
//! re-checks the readiness word) *before* it makes sure the descriptor is
//! in the set, and `EPOLL_CTL_ADD` queues an event for whatever the
//! descriptor is ready for at that moment. So readiness that appeared
//! after the operation that returned `WouldBlock` reaches the driver
//! either way, and the driver wakes the stored waker. A waiter that finds
//! another one `ADDING` just waits: that add covers it. If the add fails,
//! the adder wakes every waiter, so each retries it and sees the error
//! itself. (Loom models in `loom.rs`.)
//!
//! So a registration error (`ENOSPC` at `max_user_watches`, say) shows on
//! the first wait (`readable`, `read`...) rather than on `accept`.

use super::scheduled_io::ALL;
use super::Registration;
use crate::loom::sync::atomic::{AtomicUsize, Ordering::*};
use std::io;
use std::os::fd::RawFd;

const IN_SET: usize = 0;
const DEFERRED: usize = 1;
const ADDING: usize = 2;

/// What [`EpollEntry::ensure_with`] did.
#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Ensured {
    /// The descriptor is in the set, or another waiter is adding it.
    Covered,
    /// This call added it.
    Added,
}

/// A descriptor's membership of the epoll set (the table above).
pub(crate) struct EpollEntry {
    state: AtomicUsize,
    /// The descriptor to add (-1: the source was registered up front);
    /// valid while the owning resource holds its source.
    fd: RawFd,
    interest: mio::Interest,
}

impl EpollEntry {
    /// A resource already in the set.
    pub(crate) fn in_set() -> EpollEntry {
        EpollEntry { state: AtomicUsize::new(IN_SET), fd: -1, interest: mio::Interest::READABLE }
    }

    /// A resource whose `fd` is added for `interest` by its first waiter.
    pub(crate) fn deferred(fd: RawFd, interest: mio::Interest) -> EpollEntry {
        EpollEntry { state: AtomicUsize::new(DEFERRED), fd, interest }
    }

    pub(crate) fn is_in_set(&self) -> bool {
        self.state.load(Acquire) == IN_SET
    }

    /// The descriptor, if it was added by descriptor (deferred) rather
    /// than through its mio source: it must be removed the same way.
    pub(crate) fn added_fd(&self) -> Option<RawFd> {
        (self.fd >= 0).then_some(self.fd)
    }

    /// Called by a waiter after its waker is stored: puts the descriptor
    /// in the set unless it is there or being added.
    #[inline]
    pub(crate) fn ensure_in_set(&self, shared: &Registration) -> io::Result<()> {
        // The common case, checked where the waiter is (one load): a call
        // per pending poll costs more than the check.
        if self.is_in_set() {
            return Ok(());
        }
        self.add_deferred(shared)
    }

    #[cold]
    #[inline(never)]
    fn add_deferred(&self, shared: &Registration) -> io::Result<()> {
        self.ensure_with(
            || shared.add_to_poll(&mut mio::unix::SourceFd(&self.fd), self.interest),
            || shared.wake(ALL),
        )
        .map(drop)
    }

    /// The protocol of [`ensure_in_set`](Self::ensure_in_set), with the
    /// add and the wake of every waiter as parameters (the loom models
    /// supply a model kernel).
    pub(crate) fn ensure_with(
        &self,
        add: impl FnOnce() -> io::Result<()>,
        wake_all: impl FnOnce(),
    ) -> io::Result<Ensured> {
        if self.is_in_set() || self.state.compare_exchange(DEFERRED, ADDING, Acquire, Acquire).is_err() {
            return Ok(Ensured::Covered);
        }
        match add() {
            Ok(()) => {
                self.state.store(IN_SET, Release);
                Ok(Ensured::Added)
            }
            Err(e) => {
                self.state.store(DEFERRED, Release);
                // Waiters that counted on this add retry it themselves.
                wake_all();
                Err(e)
            }
        }
    }
}
