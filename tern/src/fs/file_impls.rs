//! [`File`]'s trait implementations: `AsyncRead`, `AsyncWrite`,
//! `AsyncSeek` (over the state machine in `file_io.rs`), conversions and
//! descriptor access.

use super::file_io::Src;
use super::File;
use crate::io::{AsyncRead, AsyncSeek, AsyncWrite, ReadBuf};
use std::fmt;
use std::fs::File as StdFile;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

impl AsyncRead for File {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, dst: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let max = self.max_buf_size;
        let (std, inner) = self.get_mut().inner_mut();
        inner.poll_read(std, max, cx, dst)
    }

    /// `read_to_end` and `read_to_string` read the rest of the file in one
    /// pool hand-off, not one per `max_buf_size` chunk.
    fn __tern_poll_read_to_end(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut Vec<u8>,
    ) -> Option<Poll<io::Result<()>>> {
        let (std, inner) = self.get_mut().inner_mut();
        Some(inner.poll_read_to_end(std, cx, buf))
    }
}

impl AsyncSeek for File {
    fn start_seek(self: Pin<&mut Self>, pos: io::SeekFrom) -> io::Result<()> {
        let (std, inner) = self.get_mut().inner_mut();
        inner.start_seek(std, pos)
    }

    fn poll_complete(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        self.get_mut().inner_mut().1.poll_complete(cx)
    }
}

impl AsyncWrite for File {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, src: &[u8]) -> Poll<io::Result<usize>> {
        let max = self.max_buf_size;
        let (std, inner) = self.get_mut().inner_mut();
        inner.poll_write(std, max, cx, Src::One(src))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let max = self.max_buf_size;
        let (std, inner) = self.get_mut().inner_mut();
        inner.poll_write(std, max, cx, Src::Many(bufs))
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let (std, inner) = self.get_mut().inner_mut();
        inner.poll_flush(std, cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_flush(cx)
    }
}

impl From<StdFile> for File {
    fn from(std: StdFile) -> Self {
        Self::from_std(std)
    }
}

impl fmt::Debug for File {
    fn fmt(&self, fmt: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt.debug_struct("tern::fs::File").field("std", &self.std).finish()
    }
}

#[cfg(unix)]
mod unix {
    use super::File;
    use std::fs::File as StdFile;
    use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

    impl From<OwnedFd> for File {
        fn from(fd: OwnedFd) -> Self {
            Self::from_std(StdFile::from(fd))
        }
    }

    impl AsRawFd for File {
        fn as_raw_fd(&self) -> RawFd {
            self.std.as_raw_fd()
        }
    }

    impl AsFd for File {
        fn as_fd(&self) -> BorrowedFd<'_> {
            self.std.as_fd()
        }
    }

    impl FromRawFd for File {
        /// # Safety
        ///
        /// `fd` must be an open file descriptor that the caller owns (it is
        /// closed when the `File` is dropped), as for
        /// [`std::fs::File::from_raw_fd`].
        unsafe fn from_raw_fd(fd: RawFd) -> Self {
            // SAFETY: the caller hands us ownership of an open descriptor,
            // which is this function's contract.
            unsafe { StdFile::from_raw_fd(fd).into() }
        }
    }
}
