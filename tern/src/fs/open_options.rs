//! [`OpenOptions`]: how a [`File`] is opened.

use super::{asyncify, File};
use std::fs::OpenOptions as StdOpenOptions;
use std::io;
use std::path::Path;

/// Options and flags which can be used to configure how a file is opened.
///
/// This builder exposes the ability to configure how a [`File`] is opened
/// and what operations are permitted on the open file. The [`File::open`]
/// and [`File::create`] methods are aliases for commonly used options using
/// this builder.
///
/// Generally speaking, when using `OpenOptions`, you'll first call
/// [`new`](OpenOptions::new), then chain calls to methods to set each
/// option, then call [`open`](OpenOptions::open), passing the path of the
/// file you're trying to open. This will give you a [`io::Result`] with a
/// [`File`] inside that you can further operate on.
///
/// This is a specialized version of [`std::fs::OpenOptions`] for usage from
/// the tern runtime.
///
/// `From<std::fs::OpenOptions>` is implemented for more advanced
/// configuration than the methods provided here.
///
/// # Examples
///
/// Opening a file for both reading and writing, as well as creating it if
/// it doesn't exist:
///
/// ```no_run
/// use tern::fs::OpenOptions;
/// use std::io;
///
/// #[tern::main]
/// async fn main() -> io::Result<()> {
///     let file = OpenOptions::new().read(true).write(true).create(true).open("foo.txt").await?;
///     Ok(())
/// }
/// ```
#[derive(Clone, Debug)]
pub struct OpenOptions(StdOpenOptions);

impl OpenOptions {
    /// Creates a blank new set of options ready for configuration.
    ///
    /// All options are initially set to `false`.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use tern::fs::OpenOptions;
    ///
    /// # async fn dox() -> std::io::Result<()> {
    /// let mut options = OpenOptions::new();
    /// let future = options.read(true).open("foo.txt");
    /// # Ok(())
    /// # }
    /// ```
    pub fn new() -> OpenOptions {
        OpenOptions(StdOpenOptions::new())
    }

    /// Sets the option for read access.
    ///
    /// This option, when true, will indicate that the file should be
    /// `read`-able if opened.
    pub fn read(&mut self, read: bool) -> &mut OpenOptions {
        self.0.read(read);
        self
    }

    /// Sets the option for write access.
    ///
    /// This option, when true, will indicate that the file should be
    /// `write`-able if opened.
    pub fn write(&mut self, write: bool) -> &mut OpenOptions {
        self.0.write(write);
        self
    }

    /// Sets the option for the append mode.
    ///
    /// This option, when true, means that writes will append to a file
    /// instead of overwriting previous contents. Note that setting
    /// `.write(true).append(true)` has the same effect as setting only
    /// `.append(true)`.
    ///
    /// ## Note
    ///
    /// This function doesn't create the file if it doesn't exist. Use the
    /// [`create`](OpenOptions::create) method to do so.
    pub fn append(&mut self, append: bool) -> &mut OpenOptions {
        self.0.append(append);
        self
    }

    /// Sets the option for truncating a previous file.
    ///
    /// If a file is successfully opened with this option set it will
    /// truncate the file to 0 length if it already exists.
    ///
    /// The file must be opened with write access for truncate to work.
    pub fn truncate(&mut self, truncate: bool) -> &mut OpenOptions {
        self.0.truncate(truncate);
        self
    }

    /// Sets the option for creating a new file.
    ///
    /// This option indicates whether a new file will be created if the file
    /// does not yet already exist.
    ///
    /// In order for the file to be created, either
    /// [`write`](OpenOptions::write) or [`append`](OpenOptions::append)
    /// access must be used.
    pub fn create(&mut self, create: bool) -> &mut OpenOptions {
        self.0.create(create);
        self
    }

    /// Sets the option to always create a new file.
    ///
    /// This option indicates whether a new file will be created. No file is
    /// allowed to exist at the target location, also no (dangling) symlink.
    ///
    /// This option is useful because it is atomic. Otherwise between
    /// checking whether a file exists and creating a new one, the file may
    /// have been created by another process (a TOCTOU race condition /
    /// attack).
    ///
    /// If `.create_new(true)` is set, [`.create()`](OpenOptions::create)
    /// and [`.truncate()`](OpenOptions::truncate) are ignored.
    ///
    /// The file must be opened with write or append access in order to
    /// create a new file.
    pub fn create_new(&mut self, create_new: bool) -> &mut OpenOptions {
        self.0.create_new(create_new);
        self
    }

    /// Opens a file at `path` with the options specified by `self`.
    ///
    /// # Errors
    ///
    /// This function will return an error under a number of different
    /// circumstances. Some of these error conditions are listed here,
    /// together with their [`ErrorKind`](io::ErrorKind):
    ///
    /// * `NotFound`: The specified file does not exist and neither `create`
    ///   or `create_new` is set.
    /// * `NotFound`: One of the directory components of the file path does
    ///   not exist.
    /// * `PermissionDenied`: The user lacks permission to get the specified
    ///   access rights for the file.
    /// * `PermissionDenied`: The user lacks permission to open one of the
    ///   directory components of the specified path.
    /// * `AlreadyExists`: `create_new` was specified and the file already
    ///   exists.
    /// * `InvalidInput`: Invalid combinations of open options (truncate
    ///   without write access, no access mode set, etc.).
    /// * `Other`: One of the directory components of the specified file path
    ///   was not, in fact, a directory.
    /// * `Other`: Filesystem-level errors: full disk, write permission
    ///   requested on a read-only file system, exceeded disk quota, too many
    ///   open files, too long filename, too many symbolic links in the
    ///   specified path (Unix-like systems only), etc.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use tern::fs::OpenOptions;
    /// use std::io;
    ///
    /// #[tern::main]
    /// async fn main() -> io::Result<()> {
    ///     let file = OpenOptions::new().open("foo.txt").await?;
    ///     Ok(())
    /// }
    /// ```
    pub async fn open(&self, path: impl AsRef<Path>) -> io::Result<File> {
        let (opts, path) = (self.0.clone(), path.as_ref().to_owned());
        Ok(File::opened(asyncify(move || opts.open(path)).await?))
    }
}

#[cfg(unix)]
impl OpenOptions {
    /// Sets the mode bits that a new file will be created with.
    ///
    /// If a new file is created as part of an `OpenOptions::open` call then
    /// this specified `mode` will be used as the permission bits for the
    /// new file. If no `mode` is set, the default of `0o666` will be used.
    /// The operating system masks out bits with the system's `umask`, to
    /// produce the final permissions.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use tern::fs::OpenOptions;
    /// use std::io;
    ///
    /// #[tern::main]
    /// async fn main() -> io::Result<()> {
    ///     let mut options = OpenOptions::new();
    ///     options.mode(0o644); // Give read/write for owner and read for others.
    ///     let file = options.open("foo.txt").await?;
    ///     Ok(())
    /// }
    /// ```
    pub fn mode(&mut self, mode: u32) -> &mut OpenOptions {
        std::os::unix::fs::OpenOptionsExt::mode(&mut self.0, mode);
        self
    }

    /// Passes custom flags to the `flags` argument of `open`.
    ///
    /// The bits that define the access mode are masked out with
    /// `O_ACCMODE`, to ensure they do not interfere with the access mode set
    /// by Rust's options.
    ///
    /// Custom flags can only set flags, not remove flags set by Rust's
    /// options. This options overwrites any previously set custom flags.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use tern::fs::OpenOptions;
    /// use std::io;
    ///
    /// #[tern::main]
    /// async fn main() -> io::Result<()> {
    ///     let mut options = OpenOptions::new();
    ///     options.write(true);
    ///     if cfg!(unix) {
    ///         options.custom_flags(libc::O_NOFOLLOW);
    ///     }
    ///     let file = options.open("foo.txt").await?;
    ///     Ok(())
    /// }
    /// ```
    pub fn custom_flags(&mut self, flags: i32) -> &mut OpenOptions {
        std::os::unix::fs::OpenOptionsExt::custom_flags(&mut self.0, flags);
        self
    }
}

impl From<StdOpenOptions> for OpenOptions {
    fn from(options: StdOpenOptions) -> OpenOptions {
        OpenOptions(options)
    }
}

impl Default for OpenOptions {
    fn default() -> Self {
        Self::new()
    }
}
