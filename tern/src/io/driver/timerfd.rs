//! A timerfd registered with the poll, so timed parks end at the exact
//! deadline (epoll's own timeout is in milliseconds, rounded up).
//! Linux only; elsewhere `new` fails and epoll's timeout is used.

use mio::{Interest, Registry, Token};
use std::io;
use std::time::{Duration, Instant};

/// Expiries this close count as the same one: a far timer's deadline is
/// its wheel slot's, the same from park to park, and reaches the driver as
/// a wait counted from a clock reading, whose conversion to whole
/// nanoseconds of driver time can move the instant by a nanosecond.
const SAME_EXPIRY: Duration = Duration::from_micros(1);

pub(super) struct TimerFd {
    #[cfg(target_os = "linux")]
    fd: std::os::fd::OwnedFd,
    /// An `Instant` and `CLOCK_MONOTONIC`'s time (as a `Duration`) read
    /// together: `Instant` is that clock on Linux, so the timerfd is armed
    /// to absolute times, `at` mapping to `.1 + (at - .0)`, off only by
    /// the nanoseconds between the two readings. (Relative arming would
    /// make a park late by the time since the reading its wait was counted
    /// from.)
    #[cfg(target_os = "linux")]
    origin: (Instant, Duration),
    /// When the timerfd is set to expire. `None` before the first arm and
    /// once an expiry has been read (`drain`, by whichever thread turned
    /// the driver): an expiry nobody will see again is no reason to skip
    /// arming.
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
        let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
        let instant = Instant::now();
        // SAFETY: `ts` is a valid, writable timespec.
        if unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) } < 0 {
            return Err(io::Error::last_os_error());
        }
        let mono = Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32);
        Ok(TimerFd { fd, origin: (instant, mono), expires: None })
    }

    #[cfg(not(target_os = "linux"))]
    pub(super) fn new(_registry: &Registry, _token: Token) -> io::Result<TimerFd> {
        Err(io::Error::new(io::ErrorKind::Unsupported, "no timerfd"))
    }

    /// Makes the timerfd expire at `at`, or earlier: an expiry already set
    /// after `now` (a clock reading the caller took) and no later than `at`
    /// (give or take `SAME_EXPIRY`) is kept, since a wait it ends early is
    /// parked again, and that arms the timerfd exactly. Returns whether it
    /// armed (made the syscall).
    pub(super) fn expire_by(&mut self, now: Instant, at: Instant) -> io::Result<bool> {
        if let Some(expires) = self.expires {
            if now < expires && expires <= at + SAME_EXPIRY {
                return Ok(false);
            }
        }
        self.set(at)?;
        self.expires = Some(at);
        Ok(true)
    }

    #[cfg(target_os = "linux")]
    fn set(&self, at: Instant) -> io::Result<()> {
        use std::os::fd::AsRawFd;
        let (origin, mono) = self.origin;
        let abs = mono.saturating_add(at.saturating_duration_since(origin));
        let spec = libc::itimerspec {
            it_interval: libc::timespec { tv_sec: 0, tv_nsec: 0 },
            it_value: libc::timespec {
                tv_sec: abs.as_secs().min(i64::MAX as u64) as libc::time_t,
                tv_nsec: abs.subsec_nanos() as libc::c_long,
            },
        };
        // SAFETY: `spec` is a valid itimerspec; the old value is not wanted.
        let rc = unsafe {
            libc::timerfd_settime(self.fd.as_raw_fd(), libc::TFD_TIMER_ABSTIME, &spec, std::ptr::null_mut())
        };
        if rc < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    #[cfg(not(target_os = "linux"))]
    fn set(&self, _at: Instant) -> io::Result<()> {
        Err(io::Error::new(io::ErrorKind::Unsupported, "no timerfd"))
    }

    /// Reads the expiry count so the next expiry is a fresh edge.
    pub(super) fn drain(&mut self) {
        self.expires = None;
        #[cfg(target_os = "linux")]
        {
            use std::os::fd::AsRawFd;
            let mut buf = [0u8; 8];
            // SAFETY: reads at most 8 bytes into `buf`; non-blocking fd.
            let _ = unsafe { libc::read(self.fd.as_raw_fd(), buf.as_mut_ptr().cast(), 8) };
        }
    }
}

#[cfg(all(test, target_os = "linux", not(tern_loom)))]
mod tests {
    use super::TimerFd;
    use std::time::{Duration, Instant};

    #[test]
    fn an_expiry_is_kept_only_while_it_is_still_to_come_and_not_late() {
        let poll = mio::Poll::new().unwrap();
        let mut t = TimerFd::new(poll.registry(), mio::Token(0)).unwrap();
        let now = Instant::now();
        let ms = Duration::from_millis(1);
        assert!(t.expire_by(now, now + 100 * ms).unwrap(), "first arm");
        assert!(!t.expire_by(now, now + 200 * ms).unwrap(), "an earlier expiry is kept");
        assert!(!t.expire_by(now, now + 100 * ms).unwrap(), "the same expiry is kept");
        assert!(t.expire_by(now, now + 50 * ms).unwrap(), "a later expiry is not");
        // Read by a turn (any thread's): nobody sees it again, so it is no
        // reason to skip.
        t.drain();
        assert!(t.expire_by(now, now + 200 * ms).unwrap(), "re-armed after the expiry was read");
        // One already past by the caller's reading is not kept either.
        let later = now + 300 * ms;
        assert!(t.expire_by(later, later + 100 * ms).unwrap(), "re-armed after the expiry passed");
    }

    #[test]
    fn the_timerfd_is_armed_to_the_absolute_instant() {
        use std::os::fd::AsRawFd;
        let poll = mio::Poll::new().unwrap();
        let mut t = TimerFd::new(poll.registry(), mio::Token(0)).unwrap();
        // Counted from a reading 50 ms old, 30 ms after it: due 20 ms ago,
        // not 30 ms from now.
        let base = Instant::now() - Duration::from_millis(50);
        assert!(t.expire_by(base, base + Duration::from_millis(30)).unwrap());
        let mut cur = libc::itimerspec {
            it_interval: libc::timespec { tv_sec: 0, tv_nsec: 0 },
            it_value: libc::timespec { tv_sec: 0, tv_nsec: 0 },
        };
        // SAFETY: a valid timerfd and a writable itimerspec.
        assert_eq!(unsafe { libc::timerfd_gettime(t.fd.as_raw_fd(), &mut cur) }, 0);
        let left = Duration::new(cur.it_value.tv_sec as u64, cur.it_value.tv_nsec as u32);
        assert!(left < Duration::from_millis(1), "{left:?} left: armed relative to now");
    }
}
