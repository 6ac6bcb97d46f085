//! Waiting for a child's exit: a pidfd registered with the I/O driver, or
//! `SIGCHLD` deliveries where pidfds are unavailable (module docs).

use crate::io::driver::Direction;
use crate::io::poll_evented::{FdSource, PollEvented};
use crate::signal::registry::Listener;
use std::io;
use std::os::fd::{FromRawFd, OwnedFd};
use std::process::{Child as StdChild, ExitStatus};
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{ready, Context, Poll};

/// Set once `pidfd_open` reported `ENOSYS`: no later child tries it.
static NO_PIDFD: AtomicBool = AtomicBool::new(false);

/// Tests: forces the `SIGCHLD` fallback for children spawned afterwards.
#[cfg(all(test, not(tern_loom)))]
pub(crate) static FORCE_SIGCHLD: AtomicBool = AtomicBool::new(false);

/// How a child's exit is noticed.
pub(crate) enum ExitWatch {
    /// Readable once the child has exited. (A kernel with `pidfd_open` can
    /// poll pidfds: both came in Linux 5.3.)
    Pidfd(PollEvented<FdSource<OwnedFd>>),
    /// Ready on each `SIGCHLD` delivered after it was created.
    Sigchld(Listener),
}

impl std::fmt::Debug for ExitWatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ExitWatch::Pidfd(_) => "Pidfd",
            ExitWatch::Sigchld(_) => "Sigchld",
        })
    }
}

fn pidfd_open(pid: u32) -> Option<OwnedFd> {
    #[cfg(all(test, not(tern_loom)))]
    if FORCE_SIGCHLD.load(Ordering::Relaxed) {
        return None;
    }
    if NO_PIDFD.load(Ordering::Relaxed) {
        return None;
    }
    // SAFETY: `pidfd_open(pid, flags)` takes two integers and returns a
    // new descriptor or -1.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid as libc::pid_t, 0 as libc::c_uint) };
    if fd < 0 {
        if io::Error::last_os_error().raw_os_error() == Some(libc::ENOSYS) {
            NO_PIDFD.store(true, Ordering::Relaxed);
        }
        return None;
    }
    // SAFETY: the syscall returned a fresh descriptor that nothing else owns
    // (pidfds are close-on-exec).
    Some(unsafe { OwnedFd::from_raw_fd(fd as libc::c_int) })
}

impl ExitWatch {
    /// Watches the (not yet reaped) child `pid`.
    #[track_caller]
    pub(crate) fn new(pid: u32) -> io::Result<ExitWatch> {
        if let Some(fd) = pidfd_open(pid) {
            // Assumed ready and joining the epoll set only once a wait
            // finds the child still running (`epoll_entry.rs`): a child
            // that exited before it was waited for costs no `epoll_ctl`
            // and wakes no worker.
            return Ok(ExitWatch::Pidfd(PollEvented::new_accepted(FdSource(fd))?));
        }
        Ok(ExitWatch::Sigchld(Listener::new(libc::SIGCHLD)?))
    }

    /// Ready with the child's status once it has exited (and is reaped).
    ///
    /// A watch made on a runtime that has shut down since (the child was
    /// spawned in one runtime and is waited for in another) is made again
    /// on the current runtime, as Tokio's child keeps working there.
    pub(crate) fn poll_exit(
        &mut self,
        cx: &mut Context<'_>,
        child: &mut StdChild,
    ) -> Poll<io::Result<ExitStatus>> {
        match ready!(self.poll_exit_here(cx, child)) {
            Err(e)
                if crate::runtime::is_rt_shutdown_err(&e)
                    && crate::runtime::context::is_runtime_entered() =>
            {
                if let Some(status) = child.try_wait()? {
                    return Poll::Ready(Ok(status));
                }
                // Once: if this runtime is shutting down too, its error
                // stands.
                *self = ExitWatch::new(child.id())?;
                self.poll_exit_here(cx, child)
            }
            res => Poll::Ready(res),
        }
    }

    /// [`poll_exit`](Self::poll_exit) on the runtime the watch was made on.
    fn poll_exit_here(&mut self, cx: &mut Context<'_>, child: &mut StdChild) -> Poll<io::Result<ExitStatus>> {
        match self {
            ExitWatch::Pidfd(io) => loop {
                let ev = ready!(io.poll_ready(cx, Direction::Read))?;
                if let Some(status) = child.try_wait()? {
                    return Poll::Ready(Ok(status));
                }
                io.clear_readiness(ev);
            },
            ExitWatch::Sigchld(listener) => loop {
                // Checked first: the child may have exited before the
                // listener existed.
                if let Some(status) = child.try_wait()? {
                    return Poll::Ready(Ok(status));
                }
                if ready!(listener.poll_recv(cx)).is_none() {
                    return Poll::Ready(Err(crate::runtime::messages::shutdown_io_error()));
                }
            },
        }
    }
}
