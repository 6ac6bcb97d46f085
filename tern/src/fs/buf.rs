//! The byte buffer a [`File`](super::File) moves between the task and the
//! blocking pool.
//!
//! The buffer holds either bytes read ahead from the file (not yet handed
//! to the reader) or bytes written by the task and not yet on disk
//! (`unwritten`); never both. `data[start..end]` are those bytes; `data`
//! may be longer (initialized storage a read fills without zeroing it
//! again: it grows to the largest chunk asked for and is zeroed once, when
//! it does; writes grow it by appending).

use crate::io::ReadBuf;
use std::io::{self, Read, Write};

#[derive(Debug, Default)]
pub(super) struct Buf {
    data: Vec<u8>,
    start: usize,
    end: usize,
    /// `data[start..end]` are bytes to write, not bytes read ahead.
    unwritten: bool,
}

impl Buf {
    pub(super) fn len(&self) -> usize {
        self.end - self.start
    }

    pub(super) fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// Bytes waiting to be written (kept after a failed write).
    pub(super) fn has_unwritten(&self) -> bool {
        self.unwritten && !self.is_empty()
    }

    /// Bytes read ahead and not yet handed out.
    pub(super) fn has_read_ahead(&self) -> bool {
        !self.unwritten && !self.is_empty()
    }

    pub(super) fn clear(&mut self) {
        self.start = 0;
        self.end = 0;
        self.unwritten = false;
    }

    /// Hands read-ahead bytes to `dst`; returns how many.
    pub(super) fn copy_to(&mut self, dst: &mut ReadBuf<'_>) -> usize {
        debug_assert!(!self.unwritten);
        let n = self.len().min(dst.remaining());
        dst.put_slice(&self.data[self.start..self.start + n]);
        self.start += n;
        if self.is_empty() {
            self.clear();
        }
        n
    }

    /// Moves every read-ahead byte to the end of `out`; returns how many.
    pub(super) fn drain_into(&mut self, out: &mut Vec<u8>) -> usize {
        debug_assert!(!self.unwritten);
        let n = self.len();
        out.extend_from_slice(&self.data[self.start..self.end]);
        self.clear();
        n
    }

    /// Forgets the read-ahead bytes; returns the (negative) offset the file
    /// must seek by to be where the reader thinks it is.
    pub(super) fn discard_read(&mut self) -> i64 {
        debug_assert!(!self.unwritten);
        let n = -(self.len() as i64);
        self.clear();
        n
    }

    /// Appends up to `max - len()` bytes of `src` to write; returns how many.
    pub(super) fn copy_from(&mut self, src: &[u8], max: usize) -> usize {
        debug_assert!(self.unwritten || self.is_empty());
        let n = src.len().min(max.saturating_sub(self.len()));
        if n == 0 {
            return 0;
        }
        if self.is_empty() {
            self.clear();
        }
        let end = self.end + n;
        if self.data.len() < end {
            // Grow by appending (no zeroing first); what lay past `end`
            // held nothing to keep.
            self.data.truncate(self.end);
            self.data.extend_from_slice(&src[..n]);
        } else {
            self.data[self.end..end].copy_from_slice(&src[..n]);
        }
        self.end = end;
        self.unwritten = true;
        n
    }

    /// As [`copy_from`](Buf::copy_from), gathering from several slices.
    pub(super) fn copy_from_bufs(&mut self, bufs: &[io::IoSlice<'_>], max: usize) -> usize {
        let mut n = 0;
        for b in bufs {
            let k = self.copy_from(b, max);
            n += k;
            if k < b.len() {
                break;
            }
        }
        n
    }

    /// Appends the unwritten bytes of `other` (kept when a write failed).
    pub(super) fn append_unwritten(&mut self, other: &Buf) {
        if other.has_unwritten() {
            let bytes = &other.data[other.start..other.end];
            self.copy_from(bytes, usize::MAX);
        }
    }

    /// Reads once from `rd`, up to `max` bytes, after the read-ahead bytes
    /// the buffer keeps (moved to its front first, if any).
    pub(super) fn read_more(&mut self, rd: &mut impl Read, max: usize) -> io::Result<usize> {
        debug_assert!(!self.has_unwritten());
        if self.is_empty() {
            self.clear();
        } else if self.start > 0 {
            self.data.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        let end = self.end + max;
        if self.data.len() < end {
            self.data.resize(end, 0);
        }
        let res = loop {
            match rd.read(&mut self.data[self.end..end]) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                res => break res,
            }
        };
        if let Ok(n) = res {
            self.end += n;
        }
        res
    }

    /// Reads everything left in `rd` into the empty buffer, in one go.
    pub(super) fn read_to_end_from(&mut self, rd: &mut impl Read) -> io::Result<usize> {
        debug_assert!(self.is_empty());
        self.clear();
        let mut data = std::mem::take(&mut self.data);
        data.clear();
        let res = rd.read_to_end(&mut data);
        self.end = data.len();
        self.data = data;
        res
    }

    /// Gives the read-ahead bytes as a `Vec` without copying them when they
    /// are the whole storage (after `read_to_end_from`); the buffer is left
    /// empty.
    pub(super) fn take_read_ahead(&mut self) -> Vec<u8> {
        debug_assert!(!self.unwritten);
        let mut data = std::mem::take(&mut self.data);
        data.truncate(self.end);
        if self.start > 0 {
            data.drain(..self.start);
        }
        self.clear();
        data
    }

    /// Writes the unwritten bytes to `wr`. On error, the bytes not written
    /// stay in the buffer (to be written by a later attempt).
    pub(super) fn write_to(&mut self, wr: &mut impl Write) -> io::Result<()> {
        while self.has_unwritten() {
            match wr.write(&self.data[self.start..self.end]) {
                Ok(0) => {
                    return Err(io::Error::new(io::ErrorKind::WriteZero, "failed to write whole buffer"))
                }
                Ok(n) => self.start += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        self.clear();
        Ok(())
    }
}
