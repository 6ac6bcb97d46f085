//! `Interest` (what a caller waits for) and `Ready` (what the driver saw).
//!
//! Both are bit sets over the readiness word of the I/O driver
//! (`io/driver/scheduled_io.rs`), so converting between them and the word
//! is a mask, never a table lookup.

use crate::io::driver::scheduled_io as word;
use std::fmt;
use std::ops;

/// Readiness event interest: which events a caller wants to wait for.
///
/// # Examples
///
/// ```
/// use tern::io::Interest;
///
/// let both = Interest::READABLE | Interest::WRITABLE;
/// assert!(both.is_readable());
/// assert!(both.is_writable());
/// assert_eq!(both.remove(Interest::WRITABLE), Some(Interest::READABLE));
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Interest(usize);

impl Interest {
    /// Interest in the resource becoming readable (or its read side closing).
    pub const READABLE: Interest = Interest(word::READABLE);
    /// Interest in the resource becoming writable (or its write side closing).
    pub const WRITABLE: Interest = Interest(word::WRITABLE);
    /// Interest in error events (`EPOLLERR`).
    pub const ERROR: Interest = Interest(word::ERROR);
    /// Interest in priority (out-of-band) data, `EPOLLPRI`.
    #[cfg(target_os = "linux")]
    pub const PRIORITY: Interest = Interest(word::PRIORITY);

    /// True if the interest includes readable events.
    pub const fn is_readable(self) -> bool {
        self.0 & word::READABLE != 0
    }

    /// True if the interest includes writable events.
    pub const fn is_writable(self) -> bool {
        self.0 & word::WRITABLE != 0
    }

    /// True if the interest includes error events.
    pub const fn is_error(self) -> bool {
        self.0 & word::ERROR != 0
    }

    /// True if the interest includes priority events.
    #[cfg(target_os = "linux")]
    pub const fn is_priority(self) -> bool {
        self.0 & word::PRIORITY != 0
    }

    /// Adds `other` to this interest (the `|` operator in a const context).
    #[must_use = "this returns the result of the operation, without modifying the original"]
    pub const fn add(self, other: Interest) -> Interest {
        Interest(self.0 | other.0)
    }

    /// Removes `other` from this interest; `None` if nothing is left.
    #[must_use = "this returns the result of the operation, without modifying the original"]
    pub fn remove(self, other: Interest) -> Option<Interest> {
        let rest = self.0 & !other.0;
        (rest != 0).then_some(Interest(rest))
    }

    /// The readiness bits that satisfy this interest. Closed states count
    /// for their direction, and an error satisfies every interest (a
    /// failing socket must not leave its waiter hanging).
    pub(crate) fn wake_mask(self) -> usize {
        let mut mask = word::ERROR;
        if self.is_readable() {
            mask |= word::READABLE | word::READ_CLOSED;
        }
        if self.is_writable() {
            mask |= word::WRITABLE | word::WRITE_CLOSED;
        }
        if self.0 & word::PRIORITY != 0 {
            mask |= word::PRIORITY | word::READ_CLOSED;
        }
        mask
    }

    /// The interest to register with mio.
    pub(crate) fn to_mio(self) -> mio::Interest {
        let mut mio = None::<mio::Interest>;
        let mut add = |i: mio::Interest| mio = Some(mio.map_or(i, |m| m | i));
        if self.is_readable() {
            add(mio::Interest::READABLE);
        }
        if self.is_writable() {
            add(mio::Interest::WRITABLE);
        }
        #[cfg(target_os = "linux")]
        if self.is_priority() {
            add(mio::Interest::PRIORITY);
        }
        // epoll always reports errors; an error-only interest still needs
        // a registration, so it listens for readability too.
        mio.unwrap_or(mio::Interest::READABLE)
    }
}

impl ops::BitOr for Interest {
    type Output = Interest;
    fn bitor(self, other: Interest) -> Interest {
        self.add(other)
    }
}

impl ops::BitOrAssign for Interest {
    fn bitor_assign(&mut self, other: Interest) {
        *self = self.add(other);
    }
}

impl fmt::Debug for Interest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = [
            (word::READABLE, "READABLE"),
            (word::WRITABLE, "WRITABLE"),
            (word::ERROR, "ERROR"),
            (word::PRIORITY, "PRIORITY"),
        ];
        let mut sep = "";
        for (bit, name) in names {
            if self.0 & bit != 0 {
                write!(f, "{sep}{name}")?;
                sep = " | ";
            }
        }
        Ok(())
    }
}

/// The readiness a resource was found in.
///
/// # Examples
///
/// ```
/// use tern::io::Ready;
///
/// let ready = Ready::READABLE | Ready::READ_CLOSED;
/// assert!(ready.is_readable());
/// assert!(ready.is_read_closed());
/// assert!(!ready.is_writable());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ready(usize);

impl Ready {
    /// No readiness.
    pub const EMPTY: Ready = Ready(0);
    /// Readable.
    pub const READABLE: Ready = Ready(word::READABLE);
    /// Writable.
    pub const WRITABLE: Ready = Ready(word::WRITABLE);
    /// The read side is closed (the peer shut down its write side).
    pub const READ_CLOSED: Ready = Ready(word::READ_CLOSED);
    /// The write side is closed.
    pub const WRITE_CLOSED: Ready = Ready(word::WRITE_CLOSED);
    /// An error is pending on the resource.
    pub const ERROR: Ready = Ready(word::ERROR);
    /// Priority data is available.
    #[cfg(target_os = "linux")]
    pub const PRIORITY: Ready = Ready(word::PRIORITY);
    /// Every readiness.
    pub const ALL: Ready = Ready(
        word::READABLE
            | word::WRITABLE
            | word::READ_CLOSED
            | word::WRITE_CLOSED
            | word::ERROR
            | word::PRIORITY,
    );

    pub(crate) const fn from_word(bits: usize) -> Ready {
        Ready(bits & Ready::ALL.0)
    }

    pub(crate) const fn as_word(self) -> usize {
        self.0
    }

    /// True if no readiness is set.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// True if readable or read-closed.
    pub const fn is_readable(self) -> bool {
        self.0 & (word::READABLE | word::READ_CLOSED) != 0
    }

    /// True if writable or write-closed.
    pub const fn is_writable(self) -> bool {
        self.0 & (word::WRITABLE | word::WRITE_CLOSED) != 0
    }

    /// True if the read side is closed.
    pub const fn is_read_closed(self) -> bool {
        self.0 & word::READ_CLOSED != 0
    }

    /// True if the write side is closed.
    pub const fn is_write_closed(self) -> bool {
        self.0 & word::WRITE_CLOSED != 0
    }

    /// True if an error is pending.
    pub const fn is_error(self) -> bool {
        self.0 & word::ERROR != 0
    }

    /// True if priority data is available.
    #[cfg(target_os = "linux")]
    pub const fn is_priority(self) -> bool {
        self.0 & word::PRIORITY != 0
    }
}

impl ops::BitOr for Ready {
    type Output = Ready;
    fn bitor(self, other: Ready) -> Ready {
        Ready(self.0 | other.0)
    }
}

impl ops::BitOrAssign for Ready {
    fn bitor_assign(&mut self, other: Ready) {
        self.0 |= other.0;
    }
}

impl ops::BitAnd for Ready {
    type Output = Ready;
    fn bitand(self, other: Ready) -> Ready {
        Ready(self.0 & other.0)
    }
}

impl ops::Sub for Ready {
    type Output = Ready;
    fn sub(self, other: Ready) -> Ready {
        Ready(self.0 & !other.0)
    }
}

impl fmt::Debug for Ready {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ready")
            .field("is_readable", &self.is_readable())
            .field("is_writable", &self.is_writable())
            .field("is_read_closed", &self.is_read_closed())
            .field("is_write_closed", &self.is_write_closed())
            .field("is_error", &self.is_error())
            .field("is_priority", &(self.0 & word::PRIORITY != 0))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interest_masks_cover_closed_states_and_errors() {
        let r = Interest::READABLE.wake_mask();
        assert_eq!(r & word::READ_CLOSED, word::READ_CLOSED);
        assert_eq!(r & word::WRITABLE, 0);
        assert_ne!(Interest::WRITABLE.wake_mask() & word::ERROR, 0);
        assert_eq!(Interest::READABLE.remove(Interest::READABLE), None);
        assert_eq!(format!("{:?}", Interest::READABLE | Interest::WRITABLE), "READABLE | WRITABLE");
    }

    #[test]
    fn ready_set_operations() {
        let r = Ready::READABLE | Ready::WRITABLE;
        assert_eq!(r - Ready::WRITABLE, Ready::READABLE);
        assert_eq!(r & Ready::WRITABLE, Ready::WRITABLE);
        assert!(!r.is_empty() && Ready::EMPTY.is_empty());
        assert!(Ready::ALL.is_error() && Ready::ALL.is_read_closed());
    }
}
