//! `UCred`: the credentials of the peer of a Unix stream.

use crate::net::unix::{gid_t, pid_t, uid_t};
use std::io;
use std::os::fd::BorrowedFd;

/// Credentials of a process: those of the peer of a
/// [`UnixStream`](crate::net::UnixStream) at the time it called `connect`
/// (or `pair`), from [`UnixStream::peer_cred`](crate::net::UnixStream::peer_cred).
///
/// # Examples
///
/// ```
/// # tern::runtime::Runtime::new().unwrap().block_on(async {
/// let (a, _b) = tern::net::UnixStream::pair().unwrap();
/// let cred = a.peer_cred().unwrap();
/// assert_eq!(cred.pid(), Some(std::process::id() as i32));
/// # });
/// ```
#[derive(Copy, Clone, Eq, PartialEq, Hash, Debug)]
pub struct UCred {
    pid: Option<pid_t>,
    uid: uid_t,
    gid: gid_t,
}

impl UCred {
    /// Gets UID (user ID) of the process.
    pub fn uid(&self) -> uid_t {
        self.uid
    }

    /// Gets GID (group ID) of the process.
    pub fn gid(&self) -> gid_t {
        self.gid
    }

    /// Gets PID (process ID) of the process (always `Some` on Linux).
    pub fn pid(&self) -> Option<pid_t> {
        self.pid
    }
}

/// Reads `SO_PEERCRED` of a connected Unix socket.
pub(crate) fn peer_cred(fd: BorrowedFd<'_>) -> io::Result<UCred> {
    let (pid, uid, gid) = crate::net::sys::peer_cred(fd)?;
    Ok(UCred { pid: Some(pid), uid, gid })
}
