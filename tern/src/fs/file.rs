//! [`File`]: a file on the blocking pool.

use super::file_io::{Inner, Operation};
use super::{asyncify, OpenOptions};
use std::fs::{File as StdFile, Metadata};
use std::future::poll_fn;
use std::io::{self, Seek};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::Poll;

/// The largest chunk one blocking read or write moves by default, as in
/// Tokio (2 MiB); see [`File::set_max_buf_size`].
pub(super) const DEFAULT_MAX_BUF_SIZE: usize = 2 * 1024 * 1024;

/// A reference to an open file on the filesystem.
///
/// This is a specialized version of [`std::fs::File`] for usage from the
/// tern runtime.
///
/// An instance of a `File` can be read and/or written depending on what
/// options it was opened with. Files also implement [`AsyncSeek`](crate::io::AsyncSeek) to alter
/// the logical cursor that the file contains internally.
///
/// A file will not be closed immediately when it goes out of scope if there
/// are any IO operations that have not yet completed. To ensure that a file
/// is closed immediately when it is dropped, you should call
/// [`flush`](crate::io::AsyncWriteExt::flush) before dropping it. Note that
/// this does not ensure that the file has been fully written to disk; the
/// operating system might keep the changes around in an in-memory buffer.
/// See the [`sync_all`](File::sync_all) method for telling the OS to write
/// the data to disk.
///
/// Reading and writing to a `File` is usually done using the convenience
/// methods found on the [`AsyncReadExt`](crate::io::AsyncReadExt) and
/// [`AsyncWriteExt`](crate::io::AsyncWriteExt) traits.
///
/// # Writes, flush and errors
///
/// A write completes once its bytes are copied into the file's buffer; the
/// disk write runs in the background, on the blocking pool, and
/// [`flush`](crate::io::AsyncWriteExt::flush) waits for it. While one
/// chunk is being written, the writes made meanwhile are appended to the
/// next chunk (write-behind, up to `max_buf_size` bytes; a write finding
/// it full waits), which the same pool job writes next: a long stream of
/// writes keeps the pool thread busy, and a file written line by line
/// pays one pool hand-off per chunk, where Tokio's `File` makes each write
/// wait for the previous one (two thread switches per line). A chunk
/// handed over is written even if the `File` is dropped before `flush`.
///
/// Unlike Tokio's, a background write that fails (a full disk, `ENOSPC`)
/// does not drop its bytes: they stay buffered, the error is reported by
/// the next write or `flush`, and every later `flush` writes them again
/// (and reports the error again while it persists). A read or seek first
/// writes them too, and fails with that error if it cannot. Bytes still
/// kept when the `File` is dropped are lost.
///
/// # Reading
///
/// Each read that finds the file's buffer empty is one pool hand-off (two
/// thread switches), reading up to [`max_buf_size`](File::max_buf_size)
/// bytes. Tokio reads exactly what the reader asks for, so a
/// [`BufReader`](crate::io::BufReader) over a Tokio `File` pays a hand-off
/// per 8 KiB, which makes reading a file line by line several times slower
/// than `std`. A tern `File` reads ahead instead: when small reads of a
/// regular file this crate opened follow one another (not one made with
/// [`from_std`](File::from_std)), each hand-off reads twice as much as
/// the last, up to 256 KiB (and never more than `max_buf_size`), and later
/// reads are served from memory. The first read after opening, seeking or
/// writing reads only what it asks for, so random access does not read
/// ahead; pipes and devices never do. A read is never short before the
/// end of the file (bytes kept that are fewer than asked are topped up in
/// the same hand-off). Bytes read ahead are invisible: a
/// seek, a write, [`into_std`](File::into_std),
/// [`try_into_std`](File::try_into_std) and [`try_clone`](File::try_clone)
/// all see the file from where the reader is (a clone shares the offset,
/// so neither handle reads ahead after a `try_clone`). Only a raw
/// descriptor (`as_raw_fd`) shows the OS offset past the reader's.
///
/// [`AsyncReadExt::read_to_end`] and
/// [`AsyncReadExt::read_to_string`] on a `File` read the whole rest of the
/// file in a single hand-off (Tokio's take one per chunk). If such a read
/// is cancelled, `buf` keeps what was appended to it and the bytes of the
/// hand-off in flight stay in the file's buffer, for the next read.
///
/// [`AsyncReadExt::read_to_end`]: crate::io::AsyncReadExt::read_to_end
/// [`AsyncReadExt::read_to_string`]: crate::io::AsyncReadExt::read_to_string
///
/// # Examples
///
/// Create a new file and asynchronously write bytes to it:
///
/// ```no_run
/// use tern::fs::File;
/// use tern::io::AsyncWriteExt; // for write_all()
///
/// # async fn dox() -> std::io::Result<()> {
/// let mut file = File::create("foo.txt").await?;
/// file.write_all(b"hello, world!").await?;
/// file.flush().await?;
/// # Ok(())
/// # }
/// ```
///
/// Read the contents of a file into a buffer:
///
/// ```no_run
/// use tern::fs::File;
/// use tern::io::AsyncReadExt; // for read_to_end()
///
/// # async fn dox() -> std::io::Result<()> {
/// let mut file = File::open("foo.txt").await?;
///
/// let mut contents = vec![];
/// file.read_to_end(&mut contents).await?;
///
/// println!("len = {}", contents.len());
/// # Ok(())
/// # }
/// ```
pub struct File {
    pub(super) std: Arc<StdFile>,
    inner: Mutex<Inner>,
    pub(super) max_buf_size: usize,
}

/// Moves the OS offset back over the bytes read ahead and not yet handed
/// out (they are dropped), so that the descriptor's offset is where the
/// reader is: for a handle that outlives this `File`'s buffer or shares
/// its offset. An `lseek` (no I/O), done in place; read-ahead exists only
/// for regular files, where it cannot fail.
fn unread(std: &StdFile, inner: &mut Inner) {
    if let Some(seek) = inner.discard_read_ahead() {
        let _ = (&*std).seek(seek);
    }
}

/// An `&self` method's turn (they run one at a time).
pub(super) struct OpTurn<'a>(&'a File);

impl Drop for OpTurn<'_> {
    fn drop(&mut self) {
        let waiters = {
            let mut inner = self.0.lock();
            inner.op_locked = false;
            std::mem::take(&mut inner.waiters)
        };
        waiters.into_iter().for_each(|w| w.wake());
    }
}

impl File {
    /// Attempts to open a file in read-only mode.
    ///
    /// See [`OpenOptions`] for more details.
    ///
    /// # Errors
    ///
    /// This function will return an error if called from outside of the
    /// tern runtime or if path does not already exist. Other errors may
    /// also be returned according to `OpenOptions::open`.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use tern::fs::File;
    /// use tern::io::AsyncReadExt;
    ///
    /// # async fn dox() -> std::io::Result<()> {
    /// let mut file = File::open("foo.txt").await?;
    /// let mut contents = vec![];
    /// file.read_to_end(&mut contents).await?;
    /// println!("len = {}", contents.len());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn open(path: impl AsRef<Path>) -> io::Result<File> {
        Self::options().read(true).open(path).await
    }

    /// Opens a file in write-only mode.
    ///
    /// This function will create a file if it does not exist, and will
    /// truncate it if it does.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use tern::fs::File;
    /// use tern::io::AsyncWriteExt;
    ///
    /// # async fn dox() -> std::io::Result<()> {
    /// let mut file = File::create("foo.txt").await?;
    /// file.write_all(b"hello, world!").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create(path: impl AsRef<Path>) -> io::Result<File> {
        Self::options().write(true).create(true).truncate(true).open(path).await
    }

    /// Opens a file in read-write mode, creating it; fails if the file
    /// exists (`ErrorKind::AlreadyExists`).
    ///
    /// This option is useful because it is atomic. Otherwise, between
    /// checking whether a file exists and creating a new one, the file may
    /// have been created by another process (a TOCTOU race condition /
    /// attack).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use tern::fs::File;
    /// use tern::io::AsyncWriteExt;
    ///
    /// # async fn dox() -> std::io::Result<()> {
    /// let mut file = File::create_new("foo.txt").await?;
    /// file.write_all(b"hello, world!").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create_new<P: AsRef<Path>>(path: P) -> io::Result<File> {
        Self::options().read(true).write(true).create_new(true).open(path).await
    }

    /// Returns a new [`OpenOptions`] object.
    ///
    /// This function returns a new `OpenOptions` object that you can use to
    /// open or create a file with specific options if `open()` or
    /// `create()` are not appropriate.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use tern::fs::File;
    ///
    /// # async fn dox() -> std::io::Result<()> {
    /// let file = File::options().read(true).open("foo.txt").await?;
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn options() -> OpenOptions {
        OpenOptions::new()
    }

    /// Converts a [`std::fs::File`] to a [`tern::fs::File`](File).
    ///
    /// Unlike a file this crate opened, a `File` made from a `std` one does
    /// not read ahead (see "Reading" above): its descriptor may share its
    /// offset with another handle (a `try_clone` of the `std` file, an
    /// inherited descriptor), which must find the offset where this
    /// `File`'s reader is, even if this `File` is dropped.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # fn dox() -> std::io::Result<()> {
    /// let std_file = std::fs::File::open("foo.txt")?;
    /// let file = tern::fs::File::from_std(std_file);
    /// # Ok(())
    /// # }
    /// ```
    pub fn from_std(std: StdFile) -> File {
        let mut file = File::opened(std);
        file.inner_mut().1.can_read_ahead = Some(false);
        file
    }

    /// A file this crate opened: nothing else has its descriptor, so it
    /// may read ahead.
    pub(super) fn opened(std: StdFile) -> File {
        File { std: Arc::new(std), inner: Mutex::new(Inner::new()), max_buf_size: DEFAULT_MAX_BUF_SIZE }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(super) fn inner_mut(&mut self) -> (&Arc<StdFile>, &mut Inner) {
        (&self.std, self.inner.get_mut().unwrap_or_else(|e| e.into_inner()))
    }

    /// Waits for this method's turn, then for the operation in flight (and
    /// kept bytes) to be written; a write error is kept for the next write
    /// or flush.
    pub(super) async fn turn(&self) -> OpTurn<'_> {
        poll_fn(|cx| {
            let mut inner = self.lock();
            if inner.op_locked {
                if !inner.waiters.iter().any(|w| w.will_wake(cx.waker())) {
                    inner.waiters.push(cx.waker().clone());
                }
                return Poll::Pending;
            }
            inner.op_locked = true;
            Poll::Ready(())
        })
        .await;
        let turn = OpTurn(self);
        poll_fn(|cx| self.lock().poll_complete_inflight(&self.std, cx)).await;
        turn
    }

    /// Attempts to sync all OS-internal metadata to disk.
    ///
    /// This function will attempt to ensure that all in-core data reaches
    /// the filesystem before returning.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use tern::fs::File;
    /// use tern::io::AsyncWriteExt;
    ///
    /// # async fn dox() -> std::io::Result<()> {
    /// let mut file = File::create("foo.txt").await?;
    /// file.write_all(b"hello, world!").await?;
    /// file.sync_all().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn sync_all(&self) -> io::Result<()> {
        let _turn = self.turn().await;
        let std = self.std.clone();
        asyncify(move || std.sync_all()).await
    }

    /// This function is similar to `sync_all`, except that it may not
    /// synchronize file metadata to the filesystem.
    ///
    /// This is intended for use cases that must synchronize content, but
    /// don't need the metadata on disk. The goal of this method is to
    /// reduce disk operations.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use tern::fs::File;
    /// use tern::io::AsyncWriteExt;
    ///
    /// # async fn dox() -> std::io::Result<()> {
    /// let mut file = File::create("foo.txt").await?;
    /// file.write_all(b"hello, world!").await?;
    /// file.sync_data().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn sync_data(&self) -> io::Result<()> {
        let _turn = self.turn().await;
        let std = self.std.clone();
        asyncify(move || std.sync_data()).await
    }

    /// Truncates or extends the underlying file, updating the size of this
    /// file to become size.
    ///
    /// If the size is less than the current file's size, then the file will
    /// be shrunk. If it is greater than the current file's size, then the
    /// file will be extended to size and have all of the intermediate data
    /// filled in with 0s.
    ///
    /// # Errors
    ///
    /// This function will return an error if the file is not opened for
    /// writing.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use tern::fs::File;
    /// use tern::io::AsyncWriteExt;
    ///
    /// # async fn dox() -> std::io::Result<()> {
    /// let mut file = File::create("foo.txt").await?;
    /// file.write_all(b"hello, world!").await?;
    /// file.set_len(10).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn set_len(&self, size: u64) -> io::Result<()> {
        let _turn = self.turn().await;
        {
            let mut inner = self.lock();
            let seek = inner.discard_read_ahead();
            inner.spawn(&self.std, move |f, _buf| {
                let res = match seek {
                    Some(seek) => (&*f).seek(seek).map(drop),
                    None => Ok(()),
                };
                Operation::Seek(res.and_then(|()| f.set_len(size)).map(|()| 0))
            });
        }
        match poll_fn(|cx| self.lock().poll_op(cx)).await? {
            Operation::Seek(res) => res.map(drop),
            _ => unreachable!("set_len runs a seek operation"),
        }
    }

    /// Queries metadata about the underlying file.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use tern::fs::File;
    ///
    /// # async fn dox() -> std::io::Result<()> {
    /// let file = File::open("foo.txt").await?;
    /// let metadata = file.metadata().await?;
    /// println!("{:?}", metadata);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn metadata(&self) -> io::Result<Metadata> {
        let std = self.std.clone();
        asyncify(move || std.metadata()).await
    }

    /// Creates a new `File` instance that shares the same underlying file
    /// handle as the existing `File` instance. Reads, writes, and seeks
    /// will affect both `File` instances simultaneously.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use tern::fs::File;
    ///
    /// # async fn dox() -> std::io::Result<()> {
    /// let file = File::open("foo.txt").await?;
    /// let file_clone = file.try_clone().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn try_clone(&self) -> io::Result<File> {
        let _turn = self.turn().await;
        {
            // The two handles share one offset: neither reads ahead, and
            // the offset is put where this one's reader is.
            let mut inner = self.lock();
            inner.can_read_ahead = Some(false);
            unread(&self.std, &mut inner);
        }
        let std = self.std.clone();
        let std_file = asyncify(move || std.try_clone()).await?;
        // `from_std`: the new handle does not read ahead either.
        let mut file = File::from_std(std_file);
        file.set_max_buf_size(self.max_buf_size);
        Ok(file)
    }

    /// Destructures `File` into a [`std::fs::File`]. This function is
    /// async to allow any in-flight operations to complete.
    ///
    /// Use `File::try_into_std` to attempt conversion immediately.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use tern::fs::File;
    ///
    /// # async fn dox() -> std::io::Result<()> {
    /// let tern_file = File::open("foo.txt").await?;
    /// let std_file = tern_file.into_std().await;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn into_std(mut self) -> StdFile {
        let (std, inner) = self.inner_mut();
        poll_fn(|cx| inner.poll_complete_inflight(std, cx)).await;
        unread(std, inner);
        Arc::try_unwrap(self.std).expect("Arc::try_unwrap failed")
    }

    /// Tries to immediately destructure `File` into a [`std::fs::File`].
    ///
    /// # Errors
    ///
    /// This function will return an error containing the file if some
    /// operation is in-flight.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use tern::fs::File;
    ///
    /// # async fn dox() -> std::io::Result<()> {
    /// let tern_file = File::open("foo.txt").await?;
    /// let std_file = tern_file.try_into_std().unwrap();
    /// # Ok(())
    /// # }
    /// ```
    #[allow(clippy::result_large_err)]
    pub fn try_into_std(mut self) -> Result<StdFile, Self> {
        match Arc::try_unwrap(self.std) {
            Ok(file) => {
                unread(&file, self.inner.get_mut().unwrap_or_else(|e| e.into_inner()));
                Ok(file)
            }
            Err(std) => {
                self.std = std;
                Err(self)
            }
        }
    }

    /// Set the maximum buffer size for the underlying [`AsyncRead`](crate::io::AsyncRead) /
    /// [`AsyncWrite`](crate::io::AsyncWrite) operation.
    ///
    /// Although the default value is 2 MiB, a larger one may be set
    /// (a large-file copy moves fewer, larger chunks), as may a smaller one.
    ///
    /// # Panics
    ///
    /// Panics if `max_buf_size` is 0: "`max_buf_size` must be greater than 0".
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use tern::fs::File;
    ///
    /// # async fn dox() -> std::io::Result<()> {
    /// let mut file = File::open("foo.txt").await?;
    /// file.set_max_buf_size(16 * 1024 * 1024);
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn set_max_buf_size(&mut self, max_buf_size: usize) {
        assert!(max_buf_size > 0, "`max_buf_size` must be greater than 0");
        self.max_buf_size = max_buf_size;
    }

    /// Get the maximum buffer size for the underlying [`AsyncRead`](crate::io::AsyncRead) /
    /// [`AsyncWrite`](crate::io::AsyncWrite) operation.
    pub fn max_buf_size(&self) -> usize {
        self.max_buf_size
    }
}
