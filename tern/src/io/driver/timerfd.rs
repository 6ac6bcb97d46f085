//! A timerfd registered with the poll, so timed parks end at the exact
//! deadline (epoll's own timeout is in milliseconds, rounded up).
//! Linux only; elsewhere `new` fails and epoll's timeout is used.

use mio::{Interest, Registry, Token};
use std::io;
use std::time::{Duration, Instant};

/// Expiries this close count as the same one. A far timer's deadline is
/// its wheel slot's, the same from park to park, but each park turns it
/// into a `Duration` with its own clock reading, so the instant it asks
/// for moves back and forth by the time between two readings.
const SAME_EXPIRY: Duration = Duration::from_micros(5);

pub(super) struct TimerFd {
    #[cfg(target_os = "linux")]
    fd: std::os::fd::OwnedFd,
    /// When the last arm set the timerfd to expire (read just before the
    /// `timerfd_settime`, so at most a syscall's time early). In the past
    /// once it has expired; `None` before the first arm.
    expires: Option<Instant>,
}

impl TimerFd {
    #[cfg(target_os = "linux")]
    pub(super) fn new(registry: &Registry, token: Token) -> io::Result<TimerFd> {
        use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
        // SAFETY: plain syscall; the result is checked before use.
        let raw =
            unsafe { libc::timerfd_create(libc::CLOCK_MONOTONIC, libc::TFD_NONBLOCK | libc::TFD_CLOEXEC) };
        if raw < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `raw` is a fresh descriptor we own.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        registry.register(&mut mio::unix::SourceFd(&fd.as_raw_fd()), token, Interest::READABLE)?;
        Ok(TimerFd { fd, expires: None })
    }

    #[cfg(not(target_os = "linux"))]
    pub(super) fn new(_registry: &Registry, _token: Token) -> io::Result<TimerFd> {
        Err(io::Error::new(io::ErrorKind::Unsupported, "no timerfd"))
    }

    /// Makes the timerfd expire `after` from `now` (a clock reading the
    /// caller took, or `None`: now), or earlier: an expiry already set
    /// between now and then (give or take `SAME_EXPIRY`) is kept (a wait
    /// it ends early is parked again, and that arms the timerfd exactly).
    /// Returns whether it armed (made the syscall).
    pub(super) fn expire_within(&mut self, now: Option<Instant>, after: Duration) -> io::Result<bool> {
        let now = now.unwrap_or_else(Instant::now);
        let at = now.checked_add(after);
        if let (Some(expires), Some(at)) = (self.expires, at) {
            if now < expires && expires <= at + SAME_EXPIRY {
                return Ok(false);
            }
        }
        self.set(after)?;
        self.expires = at;
        Ok(true)
    }

    #[cfg(target_os = "linux")]
    fn set(&self, after: Duration) -> io::Result<()> {
        use std::os::fd::AsRawFd;
        let spec = libc::itimerspec {
            it_interval: libc::timespec { tv_sec: 0, tv_nsec: 0 },
            it_value: libc::timespec {
                tv_sec: after.as_secs().min(i64::MAX as u64) as libc::time_t,
                tv_nsec: after.subsec_nanos() as libc::c_long,
            },
        };
        // SAFETY: `spec` is a valid itimerspec; the old value is not wanted.
        let rc = unsafe { libc::timerfd_settime(self.fd.as_raw_fd(), 0, &spec, std::ptr::null_mut()) };
        if rc < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    #[cfg(not(target_os = "linux"))]
    fn set(&self, _after: Duration) -> io::Result<()> {
        Err(io::Error::new(io::ErrorKind::Unsupported, "no timerfd"))
    }

    /// Reads the expiry count so the next expiry is a fresh edge.
    pub(super) fn drain(&mut self) {
        #[cfg(target_os = "linux")]
        {
            use std::os::fd::AsRawFd;
            let mut buf = [0u8; 8];
            // SAFETY: reads at most 8 bytes into `buf`; non-blocking fd.
            let _ = unsafe { libc::read(self.fd.as_raw_fd(), buf.as_mut_ptr().cast(), 8) };
        }
    }
}
