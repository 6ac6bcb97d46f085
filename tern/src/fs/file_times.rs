//! [`FileTimes`]: timestamps for [`File::set_times`](super::File::set_times).

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

    pub(super) fn into_std(self) -> std::fs::FileTimes {
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
