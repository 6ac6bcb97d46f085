//! [`read_dir`], [`ReadDir`] and [`DirEntry`].
//!
//! Entries are fetched in batches, one blocking-pool job per batch (the
//! batches grow from 64 to 1024 entries; Tokio fetches 32 at a time). A
//! batch also records each entry's file type as `readdir` reported it, so
//! [`DirEntry::file_type`] needs no job where the file system reports
//! types. Once any entry's [`DirEntry::metadata`] is asked for, the rest of
//! its batch and every later batch of the same `ReadDir` are `stat`ed in
//! the batch's job too, so a walk that asks every entry for its metadata
//! pays one job per batch rather than one per entry.

use super::asyncify;
use crate::task::{spawn_blocking, JoinHandle};
use std::collections::VecDeque;
use std::ffi::OsString;
use std::fmt;
use std::fs::{FileType, Metadata};
use std::future::{poll_fn, Future};
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{Arc, OnceLock};
use std::task::{ready, Context, Poll};

const FIRST_BATCH: usize = 64;
const MAX_BATCH: usize = 1024;

/// Returns a stream over the entries within a directory.
///
/// This is an async version of [`std::fs::read_dir`].
///
/// This operation is implemented by running the equivalent blocking
/// operation on a separate thread pool using `spawn_blocking`.
///
/// # Examples
///
/// ```no_run
/// use tern::fs;
///
/// # async fn dox() -> std::io::Result<()> {
/// let mut entries = fs::read_dir(".").await?;
/// while let Some(entry) = entries.next_entry().await? {
///     println!("{}", entry.path().display());
/// }
/// # Ok(())
/// # }
/// ```
pub async fn read_dir(path: impl AsRef<Path>) -> io::Result<ReadDir> {
    let path = path.as_ref().to_owned();
    let std = asyncify(move || std::fs::read_dir(path)).await?;
    Ok(ReadDir(State::Idle(Some(Reader {
        std,
        buf: VecDeque::new(),
        done: false,
        batch: FIRST_BATCH,
        want_metadata: Arc::new(AtomicBool::new(false)),
    }))))
}

/// Reads the entries in a directory.
///
/// This struct is returned from the [`read_dir`] function of this module
/// and will yield instances of [`DirEntry`]. Through a [`DirEntry`]
/// information like the entry's path and possibly other metadata can be
/// learned.
///
/// [`poll_next_entry`](ReadDir::poll_next_entry) lets a `Stream` adapter
/// wrap it.
///
/// # Errors
///
/// This stream will return an [`Err`] if there's some sort of intermittent
/// IO error during iteration.
#[derive(Debug)]
#[must_use = "streams do nothing unless polled"]
pub struct ReadDir(State);

#[derive(Debug)]
enum State {
    /// `None` after a failed fetch job: the stream has ended.
    Idle(Option<Reader>),
    Pending(JoinHandle<Reader>),
}

#[derive(Debug)]
struct Reader {
    std: std::fs::ReadDir,
    buf: VecDeque<io::Result<DirEntry>>,
    done: bool,
    /// Entries the next job fetches.
    batch: usize,
    /// Some entry's metadata was asked for: `stat` entries as they are read.
    want_metadata: Arc<AtomicBool>,
}

/// One batch of entries, shared by its `DirEntry`s.
struct Batch {
    entries: Vec<std::fs::DirEntry>,
    file_types: Vec<Option<FileType>>,
    metadata: Vec<OnceLock<Metadata>>,
}

impl Batch {
    /// `stat`s the entries from `from` on that have no metadata yet.
    fn prefetch(&self, from: usize) {
        for (entry, slot) in self.entries.iter().zip(&self.metadata).skip(from) {
            if slot.get().is_none() {
                if let Ok(m) = entry.metadata() {
                    let _ = slot.set(m);
                }
            }
        }
    }
}

/// The blocking job: reads up to `batch` entries.
fn fetch(mut r: Reader) -> Reader {
    let mut entries = Vec::with_capacity(r.batch);
    let mut error = None;
    while entries.len() < r.batch {
        match r.std.next() {
            Some(Ok(entry)) => entries.push(entry),
            Some(Err(e)) => {
                error = Some(e);
                r.done = true;
                break;
            }
            None => {
                r.done = true;
                break;
            }
        }
    }
    let file_types = entries.iter().map(|e| e.file_type().ok()).collect();
    let metadata = entries.iter().map(|_| OnceLock::new()).collect();
    let batch = Arc::new(Batch { entries, file_types, metadata });
    if r.want_metadata.load(Relaxed) {
        batch.prefetch(0);
    }
    for index in 0..batch.entries.len() {
        r.buf.push_back(Ok(DirEntry { batch: batch.clone(), index, want_metadata: r.want_metadata.clone() }));
    }
    if let Some(e) = error {
        r.buf.push_back(Err(e));
    }
    r.batch = (r.batch * 2).min(MAX_BATCH);
    r
}

impl ReadDir {
    /// Returns the next entry in the directory stream.
    ///
    /// # Cancel safety
    ///
    /// This method is cancellation safe.
    pub async fn next_entry(&mut self) -> io::Result<Option<DirEntry>> {
        poll_fn(|cx| self.poll_next_entry(cx)).await
    }

    /// Polls for the next directory entry in the stream.
    ///
    /// This method returns:
    ///
    ///  * `Poll::Pending` if the next directory entry is not yet available.
    ///  * `Poll::Ready(Ok(Some(entry)))` if the next directory entry is
    ///    available.
    ///  * `Poll::Ready(Ok(None))` if there are no more directory entries in
    ///    this stream.
    ///  * `Poll::Ready(Err(err))` if an IO error occurred while reading the
    ///    next directory entry.
    ///
    /// When the method returns `Poll::Pending`, the `Waker` in the provided
    /// `Context` is scheduled to receive a wakeup when the next directory
    /// entry becomes available on the underlying IO resource.
    ///
    /// Note that on multiple calls to `poll_next_entry`, only the `Waker`
    /// from the `Context` passed to the most recent call is scheduled to
    /// receive a wakeup.
    pub fn poll_next_entry(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Option<DirEntry>>> {
        loop {
            match &mut self.0 {
                State::Idle(None) => return Poll::Ready(Ok(None)),
                State::Idle(Some(reader)) => {
                    if let Some(entry) = reader.buf.pop_front() {
                        return Poll::Ready(entry.map(Some));
                    }
                    if reader.done {
                        return Poll::Ready(Ok(None));
                    }
                    let State::Idle(Some(reader)) = std::mem::replace(&mut self.0, State::Idle(None)) else {
                        unreachable!()
                    };
                    self.0 = State::Pending(spawn_blocking(move || fetch(reader)));
                }
                State::Pending(join) => {
                    let res = ready!(Pin::new(join).poll(cx));
                    match res {
                        Ok(reader) => self.0 = State::Idle(Some(reader)),
                        Err(e) => {
                            self.0 = State::Idle(None);
                            return Poll::Ready(Err(e.into()));
                        }
                    }
                }
            }
        }
    }
}

/// Entries returned by the [`ReadDir`] stream.
///
/// This is a specialized version of [`std::fs::DirEntry`] for usage from
/// the tern runtime.
///
/// An instance of `DirEntry` represents an entry inside of a directory on
/// the filesystem. Each entry can be inspected via methods to learn about
/// the full path or possibly other metadata through per-platform extension
/// traits.
pub struct DirEntry {
    batch: Arc<Batch>,
    index: usize,
    want_metadata: Arc<AtomicBool>,
}

impl DirEntry {
    fn std(&self) -> &std::fs::DirEntry {
        &self.batch.entries[self.index]
    }

    /// Returns the full path to the file that this entry represents.
    ///
    /// The full path is created by joining the original path to `read_dir`
    /// with the filename of this entry.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use tern::fs;
    ///
    /// # async fn dox() -> std::io::Result<()> {
    /// let mut entries = fs::read_dir(".").await?;
    /// while let Some(entry) = entries.next_entry().await? {
    ///     println!("{:?}", entry.path());
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn path(&self) -> PathBuf {
        self.std().path()
    }

    /// Returns the bare file name of this directory entry without any other
    /// leading path component.
    pub fn file_name(&self) -> OsString {
        self.std().file_name()
    }

    /// Returns the underlying `d_ino` field in the contained `dirent`
    /// structure.
    #[cfg(unix)]
    pub fn ino(&self) -> u64 {
        std::os::unix::fs::DirEntryExt::ino(self.std())
    }

    /// Returns the metadata for the file that this entry points at.
    ///
    /// This function will not traverse symlinks if this entry points at a
    /// symlink.
    ///
    /// # Batching
    ///
    /// The first call on an entry of a [`ReadDir`] `stat`s the rest of its
    /// batch in the same blocking job, and the `ReadDir` then `stat`s the
    /// entries it reads next as it reads them; their `metadata` returns
    /// that without a job. The metadata is thus as of when the batch was
    /// read, a few moments before the call (`std` queries at the call).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use tern::fs;
    ///
    /// # async fn dox() -> std::io::Result<()> {
    /// let mut entries = fs::read_dir(".").await?;
    /// while let Some(entry) = entries.next_entry().await? {
    ///     if let Ok(metadata) = entry.metadata().await {
    ///         println!("{:?}: {:?}", entry.path(), metadata.permissions());
    ///     }
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn metadata(&self) -> io::Result<Metadata> {
        if let Some(m) = self.batch.metadata[self.index].get() {
            return Ok(m.clone());
        }
        self.want_metadata.store(true, Relaxed);
        let (batch, index) = (self.batch.clone(), self.index);
        asyncify(move || {
            let res = batch.entries[index].metadata();
            batch.prefetch(index + 1);
            res
        })
        .await
    }

    /// Returns the file type for the file that this entry points at.
    ///
    /// This function will not traverse symlinks if this entry points at a
    /// symlink. Where `readdir` reports the type (most Linux file systems),
    /// no blocking job runs.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use tern::fs;
    ///
    /// # async fn dox() -> std::io::Result<()> {
    /// let mut entries = fs::read_dir(".").await?;
    /// while let Some(entry) = entries.next_entry().await? {
    ///     if let Ok(file_type) = entry.file_type().await {
    ///         println!("{:?}: {:?}", entry.path(), file_type);
    ///     }
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn file_type(&self) -> io::Result<FileType> {
        if let Some(t) = self.batch.file_types[self.index] {
            return Ok(t);
        }
        let (batch, index) = (self.batch.clone(), self.index);
        asyncify(move || batch.entries[index].file_type()).await
    }
}

impl fmt::Debug for DirEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DirEntry").field("std", self.std()).finish()
    }
}

impl fmt::Debug for Batch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Batch").field("len", &self.entries.len()).finish()
    }
}
