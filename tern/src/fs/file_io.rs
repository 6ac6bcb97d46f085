//! The state machine behind [`File`](super::File)'s `AsyncRead`,
//! `AsyncWrite` and `AsyncSeek`: at most one blocking operation in flight,
//! and one buffer that travels to the blocking pool and back with it.
//!
//! | state | event | next |
//! |---|---|---|
//! | `Idle` | read, buffer holds read-ahead bytes | `Idle` (bytes handed out) |
//! | `Idle` | read, buffer empty | `Busy` (a read of one chunk: what the reader asks for, or more when reading ahead; at most `max_buf_size` bytes) |
//! | `Idle` | write | `Busy` writing (bytes copied to the buffer; read-ahead discarded by a seek back) |
//! | `Busy` writing, queued chunk absent or not full | write | same, the bytes appended to the next chunk (write-behind) |
//! | `Idle` | `start_seek` | `Busy` (the seek) |
//! | `Busy` | the operation ends | `Idle`, its result dispatched by whoever polled it |
//!
//! # Read-ahead
//!
//! Every read of an empty buffer is a pool hand-off (two thread switches),
//! so a reader asking for little at a time (`BufReader`'s 8 KiB, a codec)
//! pays one per few kilobytes: Tokio's known cost of reading a file line
//! by line. A `File` that sees sequential reads reads ahead instead:
//!
//! * `read_ahead` is the next chunk's size when the reader asks for less.
//!   It is 0 at first and after any seek, write or `set_len` (the first
//!   read after those reads what was asked, as Tokio's); each read that
//!   fills its whole chunk doubles it (from that chunk), up to
//!   [`READ_AHEAD_MAX`] and never above `max_buf_size`; a short read (the
//!   end of the file) sets it back to 0.
//! * Only regular files that `File::open` (`OpenOptions::open`) opened
//!   read ahead (`can_read_ahead`, found with one `fstat` on the pool the
//!   first time a read would read ahead): bytes read ahead from a pipe or
//!   a device could not be put back if the `File` were dropped or
//!   converted, and a descriptor from `from_std` may share its offset
//!   with a handle that goes on reading after this `File` is dropped. A
//!   `try_clone` turns it off for both handles, which share one offset.
//! * A read asking for more than the bytes kept tops them up in the same
//!   hand-off (`Buf::read_more`), so reads of a regular file are short
//!   only at its end, as Tokio's are (code that takes a short read for
//!   the end keeps working).
//! * Bytes read ahead are the reader's position minus the OS offset: a
//!   seek, a write or `set_len` seeks back over them first (as before),
//!   and `into_std`, `try_into_std` and `try_clone` put the OS offset back
//!   where the reader is.
//!
//! # Write-behind
//!
//! While a write runs on the pool, the writes made meanwhile are appended
//! to one more chunk, queued in [`Behind`] (up to `max_buf_size` bytes; a
//! write finding it full waits): the running closure writes it before it
//! returns, so copying the next chunk overlaps with writing the previous
//! one, and a stream of writes pays one pool hand-off per two chunks or
//! fewer, however small the writes (Tokio's pays one per write). A queued
//! chunk is written even if the `File` is dropped.
//!
//! # Failed writes
//!
//! A write that fails keeps the bytes it did not write in the buffer
//! (`unwritten`). Every later operation first writes those bytes again; a
//! read or seek fails with the write's error if that fails again, and
//! `flush` reports it again. Tokio instead drops the bytes and a second
//! `flush` returns `Ok(())`.

use super::buf::Buf;
use crate::io::ReadBuf;
use crate::runtime::blocking::spawn_mandatory_blocking;
use crate::task::{spawn_blocking, JoinHandle};
use std::fs::File as StdFile;
use std::future::Future;
use std::io::{self, IoSlice, Seek, SeekFrom};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{ready, Context, Poll, Waker};

/// The largest chunk read ahead (see the module docs): 256 KiB, two
/// dozen hand-offs per 5 MiB where 8 KiB reads take 640.
pub(super) const READ_AHEAD_MAX: usize = 256 * 1024;

/// What a blocking operation did.
#[derive(Debug)]
pub(super) enum Operation {
    /// A read of one chunk (of `asked` bytes) into the buffer; `regular`
    /// is whether the file is a regular file, if the read had to find out.
    Read {
        res: io::Result<usize>,
        asked: usize,
        regular: Option<bool>,
    },
    /// A read of everything left into the buffer (`read_to_end` on a `File`).
    ReadAll(io::Result<usize>),
    Write(io::Result<()>),
    Seek(io::Result<u64>),
}

enum State {
    Idle(Option<Buf>),
    Busy { join: JoinHandle<(Operation, Buf)>, writing: bool },
}

/// The chunk queued behind a running write, and a spare buffer.
#[derive(Default)]
pub(super) struct Behind {
    /// A write closure runs and will still look at `next` before it ends.
    active: bool,
    next: Option<Buf>,
    spare: Option<Buf>,
    /// A writer waiting for `next` to be taken (or the closure to end).
    waiter: Option<Waker>,
}

pub(super) struct Inner {
    state: State,
    /// A background write's error not reported yet.
    pub(super) last_err: Option<io::Error>,
    pub(super) pos: u64,
    /// An `&self` method of `File` runs (they take turns).
    pub(super) op_locked: bool,
    /// `&self` methods waiting for their turn.
    pub(super) waiters: Vec<Waker>,
    behind: Arc<Mutex<Behind>>,
    /// The next read's chunk when the reader asks for less; 0 while reads
    /// are not sequential (module docs, "Read-ahead").
    read_ahead: usize,
    /// Whether reads may read ahead: `None` until a read needs to know
    /// (then whether the file is a regular file); `Some(false)` also once
    /// another handle shares the offset (`try_clone`).
    pub(super) can_read_ahead: Option<bool>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Bytes handed to `poll_write` or `poll_write_vectored`.
pub(super) enum Src<'a, 'b> {
    One(&'a [u8]),
    Many(&'a [IoSlice<'b>]),
}

impl Src<'_, '_> {
    fn is_empty(&self) -> bool {
        match self {
            Src::One(b) => b.is_empty(),
            Src::Many(bs) => bs.iter().all(|b| b.is_empty()),
        }
    }

    fn copy_into(&self, buf: &mut Buf, max: usize) -> usize {
        match self {
            Src::One(b) => buf.copy_from(b, max),
            Src::Many(bs) => buf.copy_from_bufs(bs, max),
        }
    }
}

/// Writes the bytes kept from a failed write before another operation.
fn write_unwritten(f: &StdFile, buf: &mut Buf) -> io::Result<()> {
    if buf.has_unwritten() {
        buf.write_to(&mut &*f)
    } else {
        Ok(())
    }
}

/// The write closure: seeks if asked, writes the buffer, then every chunk
/// queued behind it, until none is queued or a write fails.
fn write_behind(
    f: &StdFile,
    mut buf: Buf,
    seek: Option<SeekFrom>,
    behind: &Mutex<Behind>,
) -> (Operation, Buf) {
    let mut res = match seek {
        Some(seek) => (&*f).seek(seek).map(drop),
        None => Ok(()),
    };
    loop {
        if res.is_ok() {
            res = buf.write_to(&mut &*f);
        }
        let mut b = lock(behind);
        let waiter = b.waiter.take();
        match (res, b.next.take()) {
            (Ok(()), Some(next)) => {
                b.spare = Some(std::mem::replace(&mut buf, next));
                res = Ok(());
                drop(b);
                // The slot is free: the writer may queue the next chunk
                // while this one is written.
                if let Some(w) = waiter {
                    w.wake();
                }
            }
            (res, next) => {
                if let Some(mut next) = next {
                    // Failed: keep the queued chunk behind what is left.
                    buf.append_unwritten(&next);
                    next.clear();
                    b.spare = Some(next);
                }
                b.active = false;
                drop(b);
                if let Some(w) = waiter {
                    w.wake();
                }
                return (Operation::Write(res), buf);
            }
        }
    }
}

impl Inner {
    pub(super) fn new() -> Inner {
        Inner {
            state: State::Idle(Some(Buf::default())),
            last_err: None,
            pos: 0,
            op_locked: false,
            waiters: Vec::new(),
            behind: Arc::default(),
            read_ahead: 0,
            can_read_ahead: None,
        }
    }

    fn idle_buf(&mut self) -> &mut Buf {
        match &mut self.state {
            State::Idle(buf) => buf.get_or_insert_with(Buf::default),
            State::Busy { .. } => unreachable!("the file is busy"),
        }
    }

    fn take_idle(&mut self) -> Buf {
        std::mem::take(self.idle_buf())
    }

    /// Runs `op` on the pool with the buffer.
    pub(super) fn spawn(
        &mut self,
        std: &Arc<StdFile>,
        op: impl FnOnce(&StdFile, &mut Buf) -> Operation + Send + 'static,
    ) {
        let mut buf = self.take_idle();
        let std = std.clone();
        let join = spawn_blocking(move || {
            let op = op(&std, &mut buf);
            (op, buf)
        });
        self.state = State::Busy { join, writing: false };
    }

    /// Starts writing the buffer (and whatever gets queued behind it). As
    /// in Tokio, a write runs even if the runtime starts shutting down
    /// after it was handed over; once it has, writes fail.
    fn spawn_write(&mut self, std: &Arc<StdFile>, buf: Buf, seek: Option<SeekFrom>) -> io::Result<()> {
        lock(&self.behind).active = true;
        let (std, behind) = (std.clone(), self.behind.clone());
        match spawn_mandatory_blocking(move || write_behind(&std, buf, seek, &behind)) {
            Some(join) => {
                self.state = State::Busy { join, writing: true };
                Ok(())
            }
            None => {
                lock(&self.behind).active = false;
                self.state = State::Idle(Some(Buf::default()));
                Err(io::Error::other("background task failed"))
            }
        }
    }

    /// Waits for the operation in flight; the state is `Idle` afterwards.
    /// An error is the blocking task's failure (cancelled at shutdown).
    fn poll_busy(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Operation>> {
        let State::Busy { join, .. } = &mut self.state else {
            unreachable!("no operation in flight");
        };
        let res = ready!(Pin::new(join).poll(cx));
        Poll::Ready(match res {
            Ok((op, buf)) => {
                self.state = State::Idle(Some(buf));
                Ok(op)
            }
            Err(e) => {
                self.state = State::Idle(Some(Buf::default()));
                let mut b = lock(&self.behind);
                b.active = false;
                b.next = None;
                Err(e.into())
            }
        })
    }

    pub(super) fn poll_read(
        &mut self,
        std: &Arc<StdFile>,
        max_buf_size: usize,
        cx: &mut Context<'_>,
        dst: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        loop {
            if let State::Idle(_) = self.state {
                let asked = dst.remaining().min(max_buf_size);
                let regular = self.can_read_ahead == Some(true);
                let buf = self.idle_buf();
                let kept = if buf.has_read_ahead() { buf.len() } else { 0 };
                // Kept bytes are handed out alone only if they are enough,
                // or the file is not one that reads ahead (a pipe gives
                // what it has). A regular file's are topped up in the same
                // hand-off, so a read in the middle of the file is never
                // short, as on Tokio (code that takes a short read for the
                // end of the file keeps working).
                if asked == 0 || kept >= asked || (kept > 0 && !regular) {
                    buf.copy_to(dst);
                    return Poll::Ready(Ok(()));
                }
                let ahead =
                    if self.can_read_ahead == Some(false) { 0 } else { self.read_ahead.min(max_buf_size) };
                let check = ahead > asked && self.can_read_ahead.is_none();
                self.spawn(std, move |f, buf| {
                    if let Err(e) = write_unwritten(f, buf) {
                        return Operation::Read { res: Err(e), asked: 0, regular: None };
                    }
                    let regular = check.then(|| f.metadata().is_ok_and(|m| m.file_type().is_file()));
                    // The bytes to read after the `kept` ones.
                    let more = if regular == Some(false) { asked } else { asked.max(ahead) } - kept;
                    Operation::Read { res: buf.read_more(&mut &*f, more), asked: more, regular }
                });
                continue;
            }
            match ready!(self.poll_busy(cx))? {
                Operation::Read { res: Ok(n), asked, regular } => {
                    // Only an unknown answer is filled in: a `try_clone`
                    // while this read ran has turned read-ahead off.
                    if self.can_read_ahead.is_none() {
                        self.can_read_ahead = regular;
                    }
                    self.read_ahead = if n == asked && self.can_read_ahead != Some(false) {
                        asked.saturating_mul(2).min(READ_AHEAD_MAX)
                    } else {
                        0
                    };
                    self.idle_buf().copy_to(dst);
                    return Poll::Ready(Ok(()));
                }
                Operation::ReadAll(Ok(_)) => {
                    self.idle_buf().copy_to(dst);
                    return Poll::Ready(Ok(()));
                }
                Operation::Read { res: Err(e), .. } | Operation::ReadAll(Err(e)) => {
                    return Poll::Ready(Err(e))
                }
                Operation::Write(Ok(())) => {}
                Operation::Write(Err(e)) => self.last_err = Some(e),
                Operation::Seek(res) => {
                    if let Ok(pos) = res {
                        self.pos = pos;
                    }
                }
            }
        }
    }

    /// A read to the end (`AsyncReadExt::read_to_end` or `read_to_string`
    /// on a `File`): the read-ahead bytes, then the rest of the file in one
    /// blocking read, appended to `out`.
    pub(super) fn poll_read_to_end(
        &mut self,
        std: &Arc<StdFile>,
        cx: &mut Context<'_>,
        out: &mut Vec<u8>,
    ) -> Poll<io::Result<()>> {
        loop {
            if let State::Idle(_) = self.state {
                let buf = self.idle_buf();
                if buf.has_read_ahead() {
                    buf.drain_into(out);
                }
                self.spawn(std, |f, buf| match write_unwritten(f, buf) {
                    Ok(()) => Operation::ReadAll(buf.read_to_end_from(&mut &*f)),
                    Err(e) => Operation::ReadAll(Err(e)),
                });
                continue;
            }
            match ready!(self.poll_busy(cx))? {
                Operation::ReadAll(Ok(_)) => {
                    let buf = self.idle_buf();
                    if out.is_empty() {
                        *out = buf.take_read_ahead();
                    } else {
                        buf.drain_into(out);
                    }
                    return Poll::Ready(Ok(()));
                }
                Operation::Read { res: Err(e), .. } | Operation::ReadAll(Err(e)) => {
                    return Poll::Ready(Err(e))
                }
                Operation::Read { res: Ok(_), .. } | Operation::Write(Ok(())) => {}
                Operation::Write(Err(e)) => self.last_err = Some(e),
                Operation::Seek(res) => {
                    if let Ok(pos) = res {
                        self.pos = pos;
                    }
                }
            }
        }
    }

    pub(super) fn poll_write(
        &mut self,
        std: &Arc<StdFile>,
        max_buf_size: usize,
        cx: &mut Context<'_>,
        src: Src<'_, '_>,
    ) -> Poll<io::Result<usize>> {
        if let Some(e) = self.last_err.take() {
            return Poll::Ready(Err(e));
        }
        if src.is_empty() {
            return Poll::Ready(Ok(0));
        }
        loop {
            match self.state {
                State::Idle(_) => {
                    self.read_ahead = 0;
                    let mut buf = self.take_idle();
                    let seek = buf.has_read_ahead().then(|| SeekFrom::Current(buf.discard_read()));
                    // Zero only when kept bytes fill the buffer: write them first.
                    let n = src.copy_into(&mut buf, max_buf_size);
                    if let Err(e) = self.spawn_write(std, buf, seek) {
                        return Poll::Ready(Err(e));
                    }
                    if n > 0 {
                        return Poll::Ready(Ok(n));
                    }
                }
                State::Busy { writing: true, .. } => {
                    let mut b = lock(&self.behind);
                    if b.active {
                        let b = &mut *b;
                        let next = b.next.get_or_insert_with(|| b.spare.take().unwrap_or_default());
                        // Appended to the queued chunk while it has room.
                        let n = src.copy_into(next, max_buf_size);
                        if n > 0 {
                            return Poll::Ready(Ok(n));
                        }
                        // Full: woken when the closure takes it, and below
                        // by the job's end (if it ends without taking it:
                        // a panic).
                        b.waiter = Some(cx.waker().clone());
                    }
                    drop(b);
                    if let Operation::Write(Err(e)) = ready!(self.poll_busy(cx))? {
                        return Poll::Ready(Err(e));
                    }
                }
                State::Busy { writing: false, .. } => {
                    let op = ready!(self.poll_busy(cx))?;
                    self.settle(op)?;
                }
            }
        }
    }

    pub(super) fn poll_flush(&mut self, std: &Arc<StdFile>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Some(e) = self.last_err.take() {
            return Poll::Ready(Err(e));
        }
        loop {
            if let State::Idle(_) = self.state {
                if !self.idle_buf().has_unwritten() {
                    return Poll::Ready(Ok(()));
                }
                let buf = self.take_idle();
                if let Err(e) = self.spawn_write(std, buf, None) {
                    return Poll::Ready(Err(e));
                }
            }
            let op = ready!(self.poll_busy(cx))?;
            self.settle(op)?;
        }
    }

    /// Waits for the operation in flight and writes kept bytes; an error is
    /// kept for the next write or flush to report.
    pub(super) fn poll_complete_inflight(&mut self, std: &Arc<StdFile>, cx: &mut Context<'_>) -> Poll<()> {
        // The job in flight first, even with an error kept (`poll_flush`
        // would report that error without waiting): the caller goes on to
        // use the buffer or the descriptor alone.
        while let State::Busy { .. } = self.state {
            if let Err(e) = ready!(self.poll_busy(cx)).and_then(|op| self.settle(op)) {
                self.last_err.get_or_insert(e);
            }
        }
        if self.last_err.is_none() {
            if let Err(e) = ready!(self.poll_flush(std, cx)) {
                self.last_err = Some(e);
            }
        }
        Poll::Ready(())
    }

    /// What a finished operation leaves behind when no reader is waiting
    /// for its bytes: a seek's new position is recorded, a write's error
    /// returned (a read's bytes stay in the buffer, read ahead).
    fn settle(&mut self, op: Operation) -> io::Result<()> {
        match op {
            Operation::Write(res) => res,
            Operation::Seek(Ok(pos)) => {
                self.pos = pos;
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Takes the idle buffer's read-ahead bytes out, returning the seek
    /// that puts the OS position where the reader is (`None` if there are
    /// none, or while an operation is in flight: its buffer is away).
    /// Reads after it start over without reading ahead.
    pub(super) fn discard_read_ahead(&mut self) -> Option<SeekFrom> {
        self.read_ahead = 0;
        match &mut self.state {
            State::Idle(Some(buf)) if buf.has_read_ahead() => Some(SeekFrom::Current(buf.discard_read())),
            _ => None,
        }
    }

    /// Waits for an operation started by an `&self` method (after
    /// [`poll_complete_inflight`](Inner::poll_complete_inflight)).
    pub(super) fn poll_op(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Operation>> {
        self.poll_busy(cx)
    }

    pub(super) fn start_seek(&mut self, std: &Arc<StdFile>, mut pos: SeekFrom) -> io::Result<()> {
        if let State::Busy { .. } = self.state {
            return Err(io::Error::other(
                "other file operation is pending, call poll_complete before start_seek",
            ));
        }
        self.read_ahead = 0;
        let buf = self.idle_buf();
        let mut extra = None;
        if buf.has_read_ahead() {
            let n = buf.discard_read();
            if let SeekFrom::Current(offset) = &mut pos {
                match offset.checked_add(n) {
                    Some(sum) => *offset = sum,
                    None => extra = Some(SeekFrom::Current(n)),
                }
            }
        }
        self.spawn(std, move |f, buf| {
            let res = write_unwritten(f, buf).and_then(|()| {
                if let Some(extra) = extra {
                    (&*f).seek(extra)?;
                }
                (&*f).seek(pos)
            });
            Operation::Seek(res)
        });
        Ok(())
    }

    pub(super) fn poll_complete(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        loop {
            if let State::Idle(_) = self.state {
                return Poll::Ready(Ok(self.pos));
            }
            match ready!(self.poll_busy(cx))? {
                Operation::Write(Err(e)) => self.last_err = Some(e),
                Operation::Seek(res) => {
                    if let Ok(pos) = res {
                        self.pos = pos;
                    }
                    return Poll::Ready(res);
                }
                _ => {}
            }
        }
    }
}
