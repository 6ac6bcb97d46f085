//! Operations on paths: creating and removing directories, renaming,
//! links, metadata. Each is one blocking-pool job running the `std::fs`
//! function of the same name.

use super::asyncify;
use std::fs::{Metadata, Permissions};
use std::io;
use std::path::{Path, PathBuf};

/// Runs `std::fs::$f` on one owned path, on the blocking pool.
macro_rules! one_path {
    ($path:expr, $f:path) => {{
        let path = $path.as_ref().to_owned();
        asyncify(move || $f(path)).await
    }};
}

/// Runs `std::fs::$f` on two owned paths, on the blocking pool.
macro_rules! two_paths {
    ($a:expr, $b:expr, $f:path) => {{
        let (a, b) = ($a.as_ref().to_owned(), $b.as_ref().to_owned());
        asyncify(move || $f(a, b)).await
    }};
}

/// Creates a new, empty directory at the provided path.
///
/// This is an async version of [`std::fs::create_dir`].
///
/// # Errors
///
/// This function will return an error if the user lacks permissions to
/// make a new directory at the provided path, a parent of the given path
/// doesn't exist, or the path already exists (`ErrorKind::AlreadyExists`).
///
/// # Examples
///
/// ```no_run
/// use tern::fs;
///
/// #[tern::main]
/// async fn main() -> std::io::Result<()> {
///     fs::create_dir("/some/dir").await?;
///     Ok(())
/// }
/// ```
pub async fn create_dir(path: impl AsRef<Path>) -> io::Result<()> {
    one_path!(path, std::fs::create_dir)
}

/// Recursively creates a directory and all of its parent components if
/// they are missing.
///
/// This is an async version of [`std::fs::create_dir_all`].
///
/// # Examples
///
/// ```no_run
/// use tern::fs;
///
/// #[tern::main]
/// async fn main() -> std::io::Result<()> {
///     fs::create_dir_all("/some/dir").await?;
///     Ok(())
/// }
/// ```
pub async fn create_dir_all(path: impl AsRef<Path>) -> io::Result<()> {
    one_path!(path, std::fs::create_dir_all)
}

/// Removes an existing, empty directory.
///
/// This is an async version of [`std::fs::remove_dir`].
pub async fn remove_dir(path: impl AsRef<Path>) -> io::Result<()> {
    one_path!(path, std::fs::remove_dir)
}

/// Removes a directory at this path, after removing all its contents. Use
/// carefully!
///
/// This is an async version of [`std::fs::remove_dir_all`]: the whole walk
/// is one blocking-pool job.
pub async fn remove_dir_all(path: impl AsRef<Path>) -> io::Result<()> {
    one_path!(path, std::fs::remove_dir_all)
}

/// Removes a file from the filesystem.
///
/// Note that there is no guarantee that the file is immediately deleted
/// (e.g. depending on platform, other open file descriptors may prevent
/// immediate removal).
///
/// This is an async version of [`std::fs::remove_file`].
pub async fn remove_file(path: impl AsRef<Path>) -> io::Result<()> {
    one_path!(path, std::fs::remove_file)
}

/// Renames a file or directory to a new name, replacing the original file
/// if `to` already exists.
///
/// This will not work if the new name is on a different mount point.
///
/// This is an async version of [`std::fs::rename`].
pub async fn rename(from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<()> {
    two_paths!(from, to, std::fs::rename)
}

/// Creates a new hard link on the filesystem.
///
/// The `link` path will be a link pointing to the `original` path. Note
/// that systems often require these two paths to both be located on the
/// same filesystem.
///
/// This is an async version of [`std::fs::hard_link`].
pub async fn hard_link(original: impl AsRef<Path>, link: impl AsRef<Path>) -> io::Result<()> {
    two_paths!(original, link, std::fs::hard_link)
}

/// Creates a new symbolic link on the filesystem.
///
/// The `link` path will be a symbolic link pointing to the `original` path.
///
/// This is an async version of [`std::os::unix::fs::symlink`].
#[cfg(unix)]
pub async fn symlink(original: impl AsRef<Path>, link: impl AsRef<Path>) -> io::Result<()> {
    two_paths!(original, link, std::os::unix::fs::symlink)
}

/// Reads a symbolic link, returning the file that the link points to.
///
/// This is an async version of [`std::fs::read_link`].
pub async fn read_link(path: impl AsRef<Path>) -> io::Result<PathBuf> {
    one_path!(path, std::fs::read_link)
}

/// Returns the canonical, absolute form of a path with all intermediate
/// components normalized and symbolic links resolved.
///
/// This is an async version of [`std::fs::canonicalize`].
///
/// # Errors
///
/// This function will return an error in the following situations, but is
/// not limited to just these cases:
///
/// * `path` does not exist.
/// * A non-final component in path is not a directory.
///
/// # Examples
///
/// ```no_run
/// use tern::fs;
///
/// #[tern::main]
/// async fn main() -> std::io::Result<()> {
///     let path = fs::canonicalize("../a/../foo.txt").await?;
///     Ok(())
/// }
/// ```
pub async fn canonicalize(path: impl AsRef<Path>) -> io::Result<PathBuf> {
    one_path!(path, std::fs::canonicalize)
}

/// Given a path, queries the file system to get information about a file,
/// directory, etc.
///
/// This is an async version of [`std::fs::metadata`].
///
/// This function will traverse symbolic links to query information about
/// the destination file.
///
/// # Examples
///
/// ```no_run
/// use tern::fs;
///
/// #[tern::main]
/// async fn main() -> std::io::Result<()> {
///     let attr = fs::metadata("/some/file/path.txt").await?;
///     // inspect attr ...
///     Ok(())
/// }
/// ```
pub async fn metadata(path: impl AsRef<Path>) -> io::Result<Metadata> {
    one_path!(path, std::fs::metadata)
}

/// Queries the file system metadata for a path, without following a final
/// symbolic link.
///
/// This is an async version of [`std::fs::symlink_metadata`].
pub async fn symlink_metadata(path: impl AsRef<Path>) -> io::Result<Metadata> {
    one_path!(path, std::fs::symlink_metadata)
}

/// Changes the permissions found on a file or a directory.
///
/// This is an async version of [`std::fs::set_permissions`].
pub async fn set_permissions(path: impl AsRef<Path>, perm: Permissions) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::set_permissions(path, perm)).await
}

/// Returns `Ok(true)` if the path points at an existing entity.
///
/// This function will traverse symbolic links to query information about
/// the destination file. In case of broken symbolic links this will return
/// `Ok(false)`.
///
/// This is an async version of [`std::path::Path::try_exists`].
///
/// # Examples
///
/// ```no_run
/// use tern::fs;
///
/// # async fn dox() -> std::io::Result<()> {
/// fs::try_exists("foo.txt").await?;
/// # Ok(())
/// # }
/// ```
pub async fn try_exists(path: impl AsRef<Path>) -> io::Result<bool> {
    let path = path.as_ref().to_owned();
    asyncify(move || path.try_exists()).await
}
