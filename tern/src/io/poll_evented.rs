//! `PollEvented`: a mio source registered with the runtime's I/O driver.
//!
//! An accepted connection joins the epoll set only when a task first
//! waits on it (`io/driver/epoll_entry.rs`): every wait below stores its
//! waker first, then calls `ensure_in_set`.

use crate::io::driver::epoll_entry::EpollEntry;
use crate::io::driver::{self, Direction, ReadyEvent, Registration, ScheduledIo};
use crate::io::Interest;
use crate::io::ReadBuf;
use crate::task::coop;
use std::future::Future;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, AsRawFd};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// Any descriptor holder as a mio source, registered by its raw fd: a
/// borrowed `RawFd` (`AsyncFd`) or an owned `File` (pipes).
#[derive(Debug)]
pub(crate) struct FdSource<T: AsRawFd>(pub(crate) T);

impl<T: AsRawFd> AsRawFd for FdSource<T> {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.0.as_raw_fd()
    }
}

impl<T: AsRawFd> mio::event::Source for FdSource<T> {
    fn register(
        &mut self,
        registry: &mio::Registry,
        token: mio::Token,
        interests: mio::Interest,
    ) -> io::Result<()> {
        mio::unix::SourceFd(&self.0.as_raw_fd()).register(registry, token, interests)
    }

    fn reregister(
        &mut self,
        registry: &mio::Registry,
        token: mio::Token,
        interests: mio::Interest,
    ) -> io::Result<()> {
        mio::unix::SourceFd(&self.0.as_raw_fd()).reregister(registry, token, interests)
    }

    fn deregister(&mut self, registry: &mio::Registry) -> io::Result<()> {
        mio::unix::SourceFd(&self.0.as_raw_fd()).deregister(registry)
    }
}

pub(crate) struct PollEvented<E: mio::event::Source> {
    io: Option<E>,
    shared: Registration,
    /// Dropping `io` closes the descriptor, which takes it out of the
    /// epoll set without an `EPOLL_CTL_DEL` (`driver` module docs). False
    /// for `AsyncFd`, whose descriptor belongs to the caller.
    closes_on_drop: bool,
    /// Whether `io` is in the epoll set yet (`epoll_entry.rs`).
    epoll: EpollEntry,
}

impl<E: mio::event::Source> PollEvented<E> {
    /// Registers `io` with the current runtime's I/O driver.
    #[track_caller]
    pub(crate) fn new(io: E) -> io::Result<Self> {
        Self::new_with_interest(io, Interest::READABLE | Interest::WRITABLE)
    }

    /// Registers `io` for the events of `interest` only.
    #[track_caller]
    pub(crate) fn new_with_interest(io: E, interest: Interest) -> io::Result<Self> {
        Self::register(io, interest, true)
    }

    /// Registers a descriptor the caller owns: deregistered explicitly on
    /// drop, since dropping `io` does not close it.
    #[track_caller]
    pub(crate) fn new_borrowed(io: E, interest: Interest) -> io::Result<Self> {
        Self::register(io, interest, false)
    }

    #[track_caller]
    fn register(mut io: E, interest: Interest, closes_on_drop: bool) -> io::Result<Self> {
        let shared = current_io_handle().register(&mut io, interest.to_mio())?;
        Ok(PollEvented { io: Some(io), shared, closes_on_drop, epoll: EpollEntry::in_set() })
    }

    /// Waits until the resource is ready for `interest`. Any number of
    /// tasks may wait at once (unlike `poll_ready`, which keeps one waker
    /// per direction). Spends no coop budget (as Tokio's `readable()` and
    /// friends): readiness is a signal, not progress; the operation that
    /// follows (`async_io`, `poll_read`, ...) is what takes the budget.
    pub(crate) fn readiness(&self, interest: Interest) -> Readiness<'_> {
        Readiness { io: &self.shared, epoll: &self.epoll, mask: interest.wake_mask(), key: None }
    }

    /// [`readiness`](Self::readiness) as a poll function for a waiter that
    /// keeps its own slot `key` across polls (many waiters at once, e.g.
    /// every signal listener of a runtime on one self-pipe). The caller
    /// frees the slot with [`remove_waiter`](Self::remove_waiter) when it
    /// stops waiting. Spends one unit of coop budget.
    pub(crate) fn poll_ready_keyed(
        &self,
        cx: &mut Context<'_>,
        interest: Interest,
        key: &mut Option<usize>,
    ) -> Poll<io::Result<ReadyEvent>> {
        let coop = ready!(coop::poll_proceed(cx));
        let ev = match self.shared.poll_interest(cx, interest.wake_mask(), key) {
            Poll::Ready(ev) => ev,
            Poll::Pending => {
                if let Err(e) = self.epoll.ensure_in_set(&self.shared) {
                    coop.made_progress();
                    return Poll::Ready(Err(e));
                }
                return Poll::Pending;
            }
        };
        if ScheduledIo::is_shutdown(ev) {
            return Poll::Ready(Err(shutdown_error()));
        }
        coop.made_progress();
        Poll::Ready(Ok(ev))
    }

    /// Frees the waiter slot of [`poll_ready_keyed`](Self::poll_ready_keyed).
    pub(crate) fn remove_waiter(&self, key: &mut Option<usize>) {
        self.shared.remove_waiter(key);
    }

    /// The readiness for `interest` right now, without waiting.
    pub(crate) fn ready_now(&self, interest: Interest) -> Option<ReadyEvent> {
        self.shared.ready_now_masked(interest.wake_mask())
    }

    /// One attempt of `f` if ready for `interest`: `WouldBlock` (from `f` or
    /// because not ready) clears the readiness `f` ran under.
    pub(crate) fn try_io_interest<R>(
        &self,
        interest: Interest,
        f: impl FnOnce() -> io::Result<R>,
    ) -> io::Result<R> {
        let ev = self.ready_now(interest).ok_or(io::ErrorKind::WouldBlock)?;
        match f() {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                self.clear_readiness(ev);
                Err(e)
            }
            res => res,
        }
    }

    /// Waits for `interest` and runs `f` until it does not return
    /// `WouldBlock` (Tokio's `async_io`). Each attempt takes a unit of coop
    /// budget, given back when it ends in `WouldBlock`.
    pub(crate) async fn async_io<R>(
        &self,
        interest: Interest,
        mut f: impl FnMut() -> io::Result<R>,
    ) -> io::Result<R> {
        loop {
            let ev = self.readiness(interest).await?;
            let coop = std::future::poll_fn(coop::poll_proceed).await;
            match f() {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.clear_readiness(ev),
                res => {
                    coop.made_progress();
                    return res;
                }
            }
        }
    }

    /// Takes a driver slot for a freshly accepted connection: assumed
    /// readable and writable, so the first operations skip the wait for the
    /// first edge, and added to the epoll set only once a task waits on it
    /// (module docs).
    #[track_caller]
    pub(crate) fn new_accepted(io: E) -> io::Result<Self>
    where
        E: AsRawFd,
    {
        use crate::io::driver::scheduled_io::{READABLE, WRITABLE};
        Self::new_assumed_ready(io, READABLE | WRITABLE)
    }

    /// Takes a driver slot for a socket known to be ready for `ready`
    /// already (a fresh socket pair is writable: its buffers are empty),
    /// added to the epoll set only once a task waits on it, as
    /// [`new_accepted`](Self::new_accepted).
    #[track_caller]
    pub(crate) fn new_assumed_ready(io: E, ready: usize) -> io::Result<Self>
    where
        E: AsRawFd,
    {
        let shared = current_io_handle().alloc(ready)?;
        let epoll = EpollEntry::deferred(io.as_raw_fd(), mio::Interest::READABLE | mio::Interest::WRITABLE);
        Ok(PollEvented { io: Some(io), shared, closes_on_drop: true, epoll })
    }

    pub(crate) fn get_ref(&self) -> &E {
        self.io.as_ref().expect("present until drop")
    }

    /// Deregisters and returns the source.
    pub(crate) fn into_inner(mut self) -> io::Result<E> {
        let mut io = self.io.take().expect("present until drop");
        // `self` is owned: no waiter can be adding it concurrently.
        if self.epoll.is_in_set() {
            if let Some(fd) = self.epoll.added_fd() {
                // Added by descriptor (deferred): removed the same way, since
                // the mio source does not know it was registered.
                self.shared.handle().deregister(&mut mio::unix::SourceFd(&fd))?;
            } else {
                self.shared.handle().deregister(&mut io)?;
            }
        }
        Ok(io)
    }

    /// Waits for readiness in `dir`, spending one unit of coop budget.
    pub(crate) fn poll_ready(&self, cx: &mut Context<'_>, dir: Direction) -> Poll<io::Result<ReadyEvent>> {
        let coop = ready!(coop::poll_proceed(cx));
        let ev = match self.shared.poll_readiness(cx, dir) {
            Poll::Ready(ev) => ev,
            Poll::Pending => {
                // The waker is stored: now events must be able to come.
                if let Err(e) = self.epoll.ensure_in_set(&self.shared) {
                    // Progress of a kind: a loop retrying on it must yield.
                    coop.made_progress();
                    return Poll::Ready(Err(e));
                }
                return Poll::Pending;
            }
        };
        if ScheduledIo::is_shutdown(ev) {
            return Poll::Ready(Err(shutdown_error()));
        }
        coop.made_progress();
        Poll::Ready(Ok(ev))
    }

    pub(crate) fn clear_readiness(&self, ev: ReadyEvent) {
        self.shared.clear_readiness(ev);
    }

    /// Runs `f` when ready in `dir`, until it does not return `WouldBlock`
    /// (clearing the readiness each time it does).
    pub(crate) fn poll_io<R>(
        &self,
        cx: &mut Context<'_>,
        dir: Direction,
        mut f: impl FnMut(&E) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        loop {
            let ev = ready!(self.poll_ready(cx, dir))?;
            match f(self.get_ref()) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.clear_readiness(ev),
                res => return Poll::Ready(res),
            }
        }
    }

    /// One attempt, without waiting: `WouldBlock` clears the readiness.
    pub(crate) fn try_io<R>(&self, dir: Direction, f: impl FnOnce(&E) -> io::Result<R>) -> io::Result<R> {
        let ev = self.shared.ready_now(dir).ok_or(io::ErrorKind::WouldBlock)?;
        match f(self.get_ref()) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                self.clear_readiness(ev);
                Err(e)
            }
            res => res,
        }
    }
}

impl<E> PollEvented<E>
where
    E: mio::event::Source + AsFd,
    for<'a> &'a E: Read + Write,
{
    /// Reads once readable. A short read means the socket buffer is
    /// drained (epoll is edge-triggered), so the readiness is cleared right
    /// away: the next read waits for the next edge instead of spending a
    /// syscall to learn `WouldBlock`. Data arriving meanwhile bumps the
    /// tick, which makes that clear a no-op.
    pub(crate) fn poll_read(&self, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        loop {
            let ev = ready!(self.poll_ready(cx, Direction::Read))?;
            // SAFETY: only written through (by `recv(2)`), never read, and
            // no uninitialized byte is marked initialized.
            let unfilled = unsafe { buf.unfilled_mut() };
            let len = unfilled.len();
            match crate::net::sys::recv_uninit(self.get_ref().as_fd(), unfilled) {
                Ok(n) => {
                    if n > 0 && n < len {
                        self.clear_readiness(ev);
                    }
                    // SAFETY: `recv(2)` initialized the first `n` bytes of
                    // the unfilled part.
                    unsafe { buf.assume_init(n) };
                    buf.advance(n);
                    return Poll::Ready(Ok(()));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.clear_readiness(ev),
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }

    /// Writes once writable; a short write clears the readiness as a short
    /// read does (the send buffer is full).
    pub(crate) fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        loop {
            let ev = ready!(self.poll_ready(cx, Direction::Write))?;
            match self.get_ref().write(buf) {
                Ok(n) => {
                    if n > 0 && n < buf.len() {
                        self.clear_readiness(ev);
                    }
                    return Poll::Ready(Ok(n));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.clear_readiness(ev),
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }

    pub(crate) fn poll_write_vectored(
        &self,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.poll_io(cx, Direction::Write, |mut io| io.write_vectored(bufs))
    }
}

impl<E: mio::event::Source> Drop for PollEvented<E> {
    fn drop(&mut self) {
        if let Some(mut io) = self.io.take() {
            if !self.closes_on_drop && self.epoll.is_in_set() {
                // Nothing to do on failure: the slot is freed regardless,
                // and events still coming from the descriptor are stale.
                let _ = self.shared.handle().deregister(&mut io);
            }
            // Dropped (and closed) before `shared` frees the slot.
            drop(io);
        }
    }
}

/// Future of [`PollEvented::readiness`]: a slot in the resource's waiter
/// list from its first pending poll until it completes or drops.
pub(crate) struct Readiness<'a> {
    io: &'a Registration,
    epoll: &'a EpollEntry,
    mask: usize,
    key: Option<usize>,
}

impl Future for Readiness<'_> {
    type Output = io::Result<ReadyEvent>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let ev = match this.io.poll_interest(cx, this.mask, &mut this.key) {
            Poll::Ready(ev) => ev,
            Poll::Pending => {
                // The waker is stored: now events must be able to come.
                this.epoll.ensure_in_set(this.io)?;
                return Poll::Pending;
            }
        };
        if ScheduledIo::is_shutdown(ev) {
            return Poll::Ready(Err(shutdown_error()));
        }
        Poll::Ready(Ok(ev))
    }
}

impl Drop for Readiness<'_> {
    fn drop(&mut self) {
        self.io.remove_waiter(&mut self.key);
    }
}

/// The runtime's I/O driver has shut down (`runtime::is_rt_shutdown_err`).
fn shutdown_error() -> io::Error {
    crate::runtime::messages::shutdown_io_error()
}

#[track_caller]
pub(crate) fn current_io_handle() -> driver::Handle {
    match crate::runtime::context::with_current_ref(|h| h.io_handle().cloned()) {
        Ok(Some(h)) => h,
        Ok(None) => panic!("{}", crate::runtime::messages::IO_DISABLED),
        Err(e) => panic!("{}", e.panic_message("creating a tern I/O resource")),
    }
}
