//! [`FileTimes`]: timestamps for [`File::set_times`](super::File::set_times),
//! and [`File`]'s methods that change a file's times and permissions.

use super::{asyncify, File};
use std::fs::Permissions;
use std::io;
use std::time::SystemTime;

/// Timestamps for a file.
///
/// This is a specialized version of [`std::fs::FileTimes`] for usage with
/// [`File::set_times`](super::File::set_times). Unset timestamps are left
/// unchanged.
///
/// # Examples
///
/// ```
/// use tern::fs::FileTimes;
///
/// let times = FileTimes::new()
///     .set_accessed(std::time::SystemTime::now())
///     .set_modified(std::time::SystemTime::now());
/// ```
#[derive(Debug, Clone, Default)]
#[must_use = "must be applied to a file via `File::set_times` to have any effect"]
pub struct FileTimes {
    accessed: Option<SystemTime>,
    modified: Option<SystemTime>,
}

impl FileTimes {
    /// Creates a new empty [`FileTimes`].
    ///
    /// Unset timestamps are left unchanged.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the last access time.
    pub fn set_accessed(mut self, t: SystemTime) -> Self {
        self.accessed = Some(t);
        self
    }

    /// Sets the last modification time.
    pub fn set_modified(mut self, t: SystemTime) -> Self {
        self.modified = Some(t);
        self
    }

    fn into_std(self) -> std::fs::FileTimes {
        let mut times = std::fs::FileTimes::new();
        if let Some(accessed) = self.accessed {
            times = times.set_accessed(accessed);
        }
        if let Some(modified) = self.modified {
            times = times.set_modified(modified);
        }
        times
    }
}

impl File {
    /// Changes the permissions on the underlying file.
    ///
    /// # Platform-specific behavior
    ///
    /// This function currently corresponds to the `fchmod` function on Unix
    /// and the `SetFileInformationByHandle` function on Windows. Note that,
    /// this may change in the future.
    ///
    /// # Errors
    ///
    /// This function will return an error if the user lacks permission
    /// change attributes on the underlying file. It may also return an
    /// error in other os-specific unspecified cases.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use tern::fs::File;
    ///
    /// # async fn dox() -> std::io::Result<()> {
    /// let file = File::open("foo.txt").await?;
    /// let mut perms = file.metadata().await?.permissions();
    /// perms.set_readonly(true);
    /// file.set_permissions(perms).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn set_permissions(&self, perm: Permissions) -> io::Result<()> {
        let std = self.std.clone();
        asyncify(move || std.set_permissions(perm)).await
    }

    /// Changes the timestamps on the underlying file, once the operation
    /// in flight is done.
    ///
    /// # Errors
    ///
    /// This function will return an error if the user lacks permission to
    /// change timestamps on the underlying file. It may also return an
    /// error in other os-specific unspecified cases.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use tern::fs::{File, FileTimes};
    ///
    /// # async fn dox() -> std::io::Result<()> {
    /// let file = File::open("foo.txt").await?;
    /// let times = FileTimes::new()
    ///     .set_accessed(std::time::SystemTime::now())
    ///     .set_modified(std::time::SystemTime::now());
    /// file.set_times(times).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn set_times(&self, times: FileTimes) -> io::Result<()> {
        let _turn = self.turn().await;
        let (std, times) = (self.std.clone(), times.into_std());
        asyncify(move || std.set_times(times)).await
    }

    /// Changes the modification timestamp on the underlying file.
    ///
    /// This is equivalent to `set_times` with only the modification time
    /// set.
    pub async fn set_modified(&self, time: std::time::SystemTime) -> io::Result<()> {
        self.set_times(FileTimes::new().set_modified(time)).await
    }
}
