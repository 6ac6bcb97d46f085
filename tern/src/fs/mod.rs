//! Asynchronous file utilities.
//!
//! This module contains utility methods for working with the file system
//! asynchronously. This includes reading/writing to files, and working
//! with directories.
//!
//! Be aware that most operating systems do not provide asynchronous file
//! system APIs. Because of that, tern uses ordinary blocking file
//! operations behind the scenes, on the blocking pool
//! ([`spawn_blocking`](crate::task::spawn_blocking)).
//!
//! The `tern::fs` module should only be used for ordinary files. Trying to
//! use it with e.g., a named pipe on Linux can result in surprising
//! behavior, such as hangs during runtime shutdown.
//!
//! # Cancellation
//!
//! Cancelling a future from this module will stop waiting for the result,
//! but the underlying blocking operation will continue to run on the
//! thread pool. For example, cancelling a [`write()`] future after it has
//! been polled will still result in the data being written to disk.
//!
//! # Fewer hand-offs than Tokio
//!
//! Every pool hand-off costs a thread wake-up, so tern moves data in as
//! few as it can: [`read`], [`read_to_string`] and [`write()`] are one job
//! each; `read_to_end` on a [`File`] reads the rest of it in one job; writes
//! to a [`File`] are written behind (the next chunk is copied while the
//! previous one is written); and [`ReadDir`] reads entries in growing
//! batches, `stat`ing them in the same job once metadata is asked for.
//!
//! # Usage
//!
//! The easiest way to use this module is to use the utility functions that
//! operate on entire files: [`read`], [`read_to_string`] and [`write()`].
//!
//! ```no_run
//! # async fn dox() -> std::io::Result<()> {
//! let contents = tern::fs::read_to_string("my_file.txt").await?;
//! println!("File has {} lines.", contents.lines().count());
//!
//! tern::fs::write("my_file.txt", "First line.\n".as_bytes()).await?;
//! # Ok(())
//! # }
//! ```
//!
//! ## Using `File`
//!
//! The main type for interacting with files is [`File`]. It can be used to
//! read from and write to a given file. This is done using the
//! [`AsyncRead`](crate::io::AsyncRead) and
//! [`AsyncWrite`](crate::io::AsyncWrite) traits.
//!
//! **Note:** It is important to use
//! [`flush`](crate::io::AsyncWriteExt::flush) when writing to a [`File`].
//! This is because calls to `write` will return before the write has
//! finished, and `flush` will wait for the write to finish. (The write will
//! happen even if you don't flush; it will just happen later.) This is
//! different from [`std::fs::File`]. A failed background write keeps its
//! bytes and `flush` reports the error again until they are written (see
//! [`File`]).
//!
//! ```no_run
//! use tern::fs::File;
//! use tern::io::AsyncWriteExt;
//!
//! # async fn dox() -> std::io::Result<()> {
//! let mut file = File::create("my_file.txt").await?;
//! file.write_all(b"First line.\n").await?;
//! file.write_all(b"Second line.\n").await?;
//! // Remember to call `flush` after writing!
//! file.flush().await?;
//! # Ok(())
//! # }
//! ```

mod buf;
mod contents;
mod dir_builder;
mod file;
mod file_impls;
mod file_io;
mod file_times;
mod open_options;
mod paths;
mod read_dir;

pub use contents::{copy, read, read_to_string, write};
pub use dir_builder::DirBuilder;
pub use file::File;
pub use file_times::FileTimes;
pub use open_options::OpenOptions;
#[cfg(unix)]
pub use paths::symlink;
pub use paths::{
    canonicalize, create_dir, create_dir_all, hard_link, metadata, read_link, remove_dir, remove_dir_all,
    remove_file, rename, set_permissions, symlink_metadata, try_exists,
};
pub use read_dir::{read_dir, DirEntry, ReadDir};

/// Runs `f` on the blocking pool; a job that did not run (the runtime shut
/// down) is an `io::Error`.
pub(crate) async fn asyncify<F, T>(f: F) -> std::io::Result<T>
where
    F: FnOnce() -> std::io::Result<T> + Send + 'static,
    T: Send + 'static,
{
    match crate::task::spawn_blocking(f).await {
        Ok(res) => res,
        Err(_) => Err(std::io::Error::other("background task failed")),
    }
}
