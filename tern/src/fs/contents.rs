//! Whole-file operations: [`read`], [`read_to_string`], [`write`], [`copy`].
//! Each is one blocking-pool hand-off.

use super::asyncify;
use std::io;
use std::path::Path;

/// Reads the entire contents of a file into a bytes vector.
///
/// This is an async version of [`std::fs::read`]: the whole read is one
/// job on the blocking pool.
///
/// This is a convenience function for using [`File::open`](super::File::open)
/// and [`read_to_end`](crate::io::AsyncReadExt::read_to_end) with fewer imports and
/// without an intermediate variable. It pre-allocates a buffer based on
/// the file size when available, so it is generally faster than reading
/// into a vector created with `Vec::new()`.
///
/// # Errors
///
/// This function will return an error if `path` does not already exist.
/// Other errors may also be returned according to
/// [`OpenOptions::open`](super::OpenOptions::open).
///
/// It will also return an error if it encounters while reading an error of
/// a kind other than [`ErrorKind::Interrupted`](io::ErrorKind::Interrupted).
///
/// # Examples
///
/// ```no_run
/// use tern::fs;
/// use std::net::SocketAddr;
///
/// #[tern::main]
/// async fn main() -> Result<(), Box<dyn std::error::Error + 'static>> {
///     let contents = fs::read("address.txt").await?;
///     let foo: SocketAddr = String::from_utf8_lossy(&contents).parse()?;
///     Ok(())
/// }
/// ```
pub async fn read(path: impl AsRef<Path>) -> io::Result<Vec<u8>> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::read(path)).await
}

/// Creates a future which will open a file for reading and read the entire
/// contents into a string and return said string.
///
/// This is the async equivalent of [`std::fs::read_to_string`]: one job on
/// the blocking pool.
///
/// # Examples
///
/// ```no_run
/// use tern::fs;
///
/// # async fn dox() -> std::io::Result<()> {
/// let contents = fs::read_to_string("foo.txt").await?;
/// println!("foo.txt contains {} bytes", contents.len());
/// # Ok(())
/// # }
/// ```
pub async fn read_to_string(path: impl AsRef<Path>) -> io::Result<String> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::read_to_string(path)).await
}

/// Creates a future that will open a file for writing and write the entire
/// contents of `contents` to it.
///
/// This is the async equivalent of [`std::fs::write`]: the contents are
/// copied once, and the open and the whole write are one job on the
/// blocking pool.
///
/// # Examples
///
/// ```no_run
/// use tern::fs;
///
/// # async fn dox() -> std::io::Result<()> {
/// fs::write("foo.txt", b"Hello world!").await?;
/// # Ok(())
/// # }
/// ```
pub async fn write(path: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    let contents = contents.as_ref().to_owned();
    asyncify(move || std::fs::write(path, contents)).await
}

/// Copies the contents of one file to another. This function will also copy
/// the permission bits of the original file to the destination file.
/// This function will overwrite the contents of `to`.
///
/// This is the async equivalent of [`std::fs::copy`].
///
/// # Examples
///
/// ```no_run
/// use tern::fs;
///
/// # async fn dox() -> std::io::Result<()> {
/// fs::copy("foo.txt", "bar.txt").await?;
/// # Ok(())
/// # }
/// ```
pub async fn copy(from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<u64> {
    let (from, to) = (from.as_ref().to_owned(), to.as_ref().to_owned());
    asyncify(move || std::fs::copy(from, to)).await
}
