//! Asynchronous process management (Tokio's `tokio::process`).
//!
//! [`Command`] imitates [`std::process::Command`], but its `spawn`,
//! `status` and `output` return handles and futures that work with tern.
//!
//! # How children are waited for
//!
//! * On Linux 5.3 and later each child gets a pidfd (`pidfd_open`),
//!   registered with the runtime's I/O driver: it turns readable when the
//!   child exits, and [`Child::wait`] then reaps it. No thread per child.
//! * Where pidfds are unavailable, waits fall back to `SIGCHLD` (through
//!   [`crate::signal`]'s handler): every delivery makes each waiting child
//!   check its own status.
//! * A [`Child`] dropped before its exit was collected (with or without
//!   [`Command::kill_on_drop`]) becomes an *orphan*: its pid goes to a
//!   process-wide list that a `SIGCHLD` handler reaps from (`waitpid` is
//!   async-signal-safe), so it is reaped as soon as it exits, whether or
//!   not any runtime still runs. Installing that handler is the one lasting
//!   change tern makes to the process's signal dispositions; it is
//!   installed only once a first child is orphaned.
//!
//! # Examples
//!
//! Here's an example program which will spawn `echo hello world` and then
//! wait for it to complete.
//!
//! ```
//! use tern::process::Command;
//!
//! #[tern::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     // The usage is similar as with the standard library's `Command` type
//!     let mut child = Command::new("echo")
//!         .arg("hello")
//!         .arg("world")
//!         .spawn()
//!         .expect("failed to spawn");
//!
//!     // Await until the command completes
//!     let status = child.wait().await?;
//!     println!("the command exited with: {}", status);
//!     Ok(())
//! }
//! ```
//!
//! Capturing the output:
//!
//! ```
//! use tern::process::Command;
//!
//! #[tern::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let output = Command::new("echo").arg("hello").arg("world").output().await?;
//!
//!     assert!(output.status.success());
//!     assert_eq!(output.stdout, b"hello world\n");
//!     Ok(())
//! }
//! ```
//!
//! Writing to a child's standard input and reading its output:
//!
//! ```
//! use tern::io::AsyncWriteExt;
//! use tern::process::Command;
//! use std::process::Stdio;
//!
//! #[tern::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let mut child = Command::new("sort")
//!         .stdin(Stdio::piped())
//!         .stdout(Stdio::piped())
//!         .spawn()?;
//!     let mut stdin = child.stdin.take().unwrap();
//!     stdin.write_all(b"b\na\n").await?;
//!     drop(stdin);
//!     let output = child.wait_with_output().await?;
//!     assert_eq!(output.stdout, b"a\nb\n");
//!     Ok(())
//! }
//! ```

mod child;
pub(crate) mod orphan;
mod stdio;
#[cfg(all(test, not(tern_loom)))]
mod tests;
mod wait;

pub use child::Child;
pub use stdio::{ChildStderr, ChildStdin, ChildStdout};

use std::ffi::OsStr;
use std::future::Future;
use std::io;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command as StdCommand, ExitStatus, Output, Stdio};

/// This structure mimics the API of [`std::process::Command`] found in the
/// standard library, but replaces functions that create a process with an
/// asynchronous variant. The main provided asynchronous functions are
/// [spawn](Command::spawn), [status](Command::status), and
/// [output](Command::output).
///
/// `Command` uses asynchronous versions of some `std` types (for example
/// [`Child`]).
#[derive(Debug)]
pub struct Command {
    std: StdCommand,
    kill_on_drop: bool,
}

impl Command {
    /// Constructs a new `Command` for launching the program at path
    /// `program`, with the following default configuration:
    ///
    /// * No arguments to the program
    /// * Inherit the current process's environment
    /// * Inherit the current process's working directory
    /// * Inherit stdin/stdout/stderr for `spawn` or `status`, but create
    ///   pipes for `output`
    ///
    /// Builder methods are provided to change these defaults and otherwise
    /// configure the process. If `program` is not an absolute path, the
    /// `PATH` is searched as `std` does.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use tern::process::Command;
    /// let mut command = Command::new("sh");
    /// # let _ = command.output(); // assert borrow checker
    /// ```
    pub fn new<S: AsRef<OsStr>>(program: S) -> Command {
        Self::from(StdCommand::new(program))
    }

    /// Cheaply convert to a `&std::process::Command` for places where the
    /// type from the standard library is expected.
    pub fn as_std(&self) -> &StdCommand {
        &self.std
    }

    /// Cheaply convert to a `&mut std::process::Command` for places where
    /// the type from the standard library is expected.
    pub fn as_std_mut(&mut self) -> &mut StdCommand {
        &mut self.std
    }

    /// Cheaply convert into a `std::process::Command`.
    ///
    /// Note that tern specific options (such as `kill_on_drop`) are lost.
    pub fn into_std(self) -> StdCommand {
        self.std
    }

    /// Adds an argument to pass to the program (one argument per call; see
    /// [`std::process::Command::arg`]).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn test() { // allow using await
    /// use tern::process::Command;
    ///
    /// let output = Command::new("ls")
    ///         .arg("-l")
    ///         .arg("-a")
    ///         .output().await.unwrap();
    /// # }
    /// ```
    pub fn arg<S: AsRef<OsStr>>(&mut self, arg: S) -> &mut Command {
        self.std.arg(arg);
        self
    }

    /// Adds multiple arguments to pass to the program.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn test() { // allow using await
    /// use tern::process::Command;
    ///
    /// let output = Command::new("ls")
    ///         .args(&["-l", "-a"])
    ///         .output().await.unwrap();
    /// # }
    /// ```
    pub fn args<I, S>(&mut self, args: I) -> &mut Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.std.args(args);
        self
    }

    /// Inserts or updates an environment variable mapping.
    ///
    /// Note that environment variable names are case-insensitive (but
    /// case-preserving) on Windows, and case-sensitive on all other
    /// platforms.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn test() { // allow using await
    /// use tern::process::Command;
    ///
    /// let output = Command::new("ls")
    ///         .env("PATH", "/bin")
    ///         .output().await.unwrap();
    /// # }
    /// ```
    pub fn env<K, V>(&mut self, key: K, val: V) -> &mut Command
    where
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        self.std.env(key, val);
        self
    }

    /// Adds or updates multiple environment variable mappings.
    pub fn envs<I, K, V>(&mut self, vars: I) -> &mut Command
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        self.std.envs(vars);
        self
    }

    /// Removes an environment variable mapping.
    pub fn env_remove<K: AsRef<OsStr>>(&mut self, key: K) -> &mut Command {
        self.std.env_remove(key);
        self
    }

    /// Clears the entire environment map for the child process.
    pub fn env_clear(&mut self) -> &mut Command {
        self.std.env_clear();
        self
    }

    /// Sets the working directory for the child process.
    ///
    /// If the program path is relative (e.g., `"./script.sh"`), it's
    /// ambiguous whether it should be interpreted relative to the parent's
    /// working directory or relative to `current_dir`. The behavior in this
    /// case is platform specific and unstable, and it's recommended to use
    /// [`canonicalize`] to get an absolute program path instead.
    ///
    /// [`canonicalize`]: std::fs::canonicalize
    pub fn current_dir<P: AsRef<Path>>(&mut self, dir: P) -> &mut Command {
        self.std.current_dir(dir);
        self
    }

    /// Sets configuration for the child process's standard input (stdin)
    /// handle.
    ///
    /// Defaults to [`inherit`](Stdio::inherit) when used with `spawn` or
    /// `status`, and defaults to [`piped`](Stdio::piped) when used with
    /// `output`.
    pub fn stdin<T: Into<Stdio>>(&mut self, cfg: T) -> &mut Command {
        self.std.stdin(cfg);
        self
    }

    /// Sets configuration for the child process's standard output (stdout)
    /// handle.
    ///
    /// Defaults to [`inherit`](Stdio::inherit) when used with `spawn` or
    /// `status`, and defaults to [`piped`](Stdio::piped) when used with
    /// `output`.
    pub fn stdout<T: Into<Stdio>>(&mut self, cfg: T) -> &mut Command {
        self.std.stdout(cfg);
        self
    }

    /// Sets configuration for the child process's standard error (stderr)
    /// handle.
    ///
    /// Defaults to [`inherit`](Stdio::inherit) when used with `spawn` or
    /// `status`, and defaults to [`piped`](Stdio::piped) when used with
    /// `output`.
    pub fn stderr<T: Into<Stdio>>(&mut self, cfg: T) -> &mut Command {
        self.std.stderr(cfg);
        self
    }

    /// Controls whether a `kill` operation should be invoked on a spawned
    /// child process when its corresponding `Child` handle is dropped.
    ///
    /// By default, this value is assumed to be `false`, meaning the next
    /// spawned process will not be killed on drop, similar to the behavior
    /// of the standard library.
    ///
    /// # Caveats
    ///
    /// On Unix platforms processes must be "reaped" by their parent process
    /// after they have exited in order to release all OS resources. The
    /// killed child cannot be awaited inside the destructor; tern reaps it
    /// in the background from its `SIGCHLD` handler as soon as it has
    /// exited (see the [module docs](self)), so no zombie is left behind.
    pub fn kill_on_drop(&mut self, kill_on_drop: bool) -> &mut Command {
        self.kill_on_drop = kill_on_drop;
        self
    }

    /// Sets the child process's user ID. This translates to a `setuid` call
    /// in the child process. Failure in the `setuid` call will cause the
    /// spawn to fail.
    pub fn uid(&mut self, id: u32) -> &mut Command {
        self.std.uid(id);
        self
    }

    /// Similar to `uid` but sets the group ID of the child process. This
    /// has the same semantics as the `uid` field.
    pub fn gid(&mut self, id: u32) -> &mut Command {
        self.std.gid(id);
        self
    }

    /// Sets executable argument.
    ///
    /// Set the first process argument, `argv[0]`, to something other than
    /// the default executable path.
    pub fn arg0<S>(&mut self, arg: S) -> &mut Command
    where
        S: AsRef<OsStr>,
    {
        self.std.arg0(arg);
        self
    }

    /// Schedules a closure to be run just before the `exec` function is
    /// invoked.
    ///
    /// The closure is allowed to return an I/O error whose OS error code
    /// will be communicated back to the parent and returned as an error
    /// from when the spawn was requested.
    ///
    /// Multiple closures can be registered and they will be called in order
    /// of their registration. If a closure returns `Err` then no further
    /// closures will be called and the spawn operation will immediately
    /// return with a failure.
    ///
    /// # Safety
    ///
    /// This closure will be run in the context of the child process after a
    /// `fork`. This primarily means that any modifications made to memory on
    /// behalf of this closure will **not** be visible to the parent process.
    /// This is often a very constrained environment where normal operations
    /// like `malloc` or acquiring a mutex are not guaranteed to work (due to
    /// other threads perhaps still running when the `fork` was run).
    ///
    /// This also means that all resources such as file descriptors and
    /// memory-mapped regions got duplicated. It is your responsibility to
    /// make sure that the closure does not violate library invariants by
    /// making invalid use of these duplicates.
    ///
    /// When this closure is run, aspects such as the stdio file descriptors
    /// and working directory have successfully been changed, so output to
    /// these locations may not appear where intended.
    pub unsafe fn pre_exec<F>(&mut self, f: F) -> &mut Command
    where
        F: FnMut() -> io::Result<()> + Send + Sync + 'static,
    {
        // SAFETY: the caller upholds `pre_exec`'s contract (this function's
        // `# Safety`, the same as std's).
        unsafe { self.std.pre_exec(f) };
        self
    }

    /// Sets the process group ID (PGID) of the child process. Equivalent to
    /// a `setpgid` call in the child process, but may be more efficient.
    ///
    /// Process groups determine which processes receive signals. A process
    /// group ID of 0 will use the process ID as the PGID.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn test() { // allow using await
    /// use tern::process::Command;
    ///
    /// let output = Command::new("sleep")
    ///     .arg("10")
    ///     .process_group(0)
    ///     .output()
    ///     .await
    ///     .unwrap();
    /// # }
    /// ```
    pub fn process_group(&mut self, pgroup: i32) -> &mut Command {
        self.std.process_group(pgroup);
        self
    }

    /// Executes the command as a child process, returning a handle to it.
    ///
    /// By default, stdin, stdout and stderr are inherited from the parent.
    ///
    /// This method will spawn the child process synchronously and return a
    /// handle to a future-aware child process. The `Child` returned
    /// implements `Future` through [`Child::wait`] and its stdio handles
    /// implement tern's `AsyncRead`/`AsyncWrite`.
    ///
    /// All I/O this child does will be associated with the current default
    /// event loop.
    ///
    /// A `Child` dropped before it exited is reaped in the background (see
    /// the [module docs](self)); it is killed first if
    /// [`kill_on_drop`](Command::kill_on_drop) was set.
    ///
    /// # Errors
    ///
    /// What spawning reports; on Unix platforms `std::io::ErrorKind::WouldBlock`
    /// if the system process limit is reached.
    ///
    /// # Panics
    ///
    /// Outside of a runtime with the I/O driver enabled.
    ///
    /// # Examples
    ///
    /// ```
    /// use tern::process::Command;
    ///
    /// # tern::runtime::Runtime::new().unwrap().block_on(async {
    /// let status = Command::new("true").spawn().expect("spawn").wait().await.unwrap();
    /// assert!(status.success());
    /// # });
    /// ```
    #[track_caller]
    pub fn spawn(&mut self) -> io::Result<Child> {
        // Panics here, outside a runtime, rather than after the fork
        // (which would leave a child nobody reaps).
        drop(crate::io::poll_evented::current_io_handle());
        let child = self.std.spawn()?;
        Child::build(child, self.kill_on_drop)
    }

    /// Executes the command as a child process, waiting for it to finish
    /// and collecting its exit status.
    ///
    /// By default, stdin, stdout and stderr are inherited from the parent.
    /// If any input/output handles are set to a pipe then they will be
    /// immediately closed after the child is spawned.
    ///
    /// The destructor of the future returned by this function will kill the
    /// child if [`kill_on_drop`](Command::kill_on_drop) is set to true.
    ///
    /// # Errors
    ///
    /// This future will return an error if the child process cannot be
    /// spawned or if there is an error while awaiting its status.
    ///
    /// # Examples
    ///
    /// ```
    /// use tern::process::Command;
    ///
    /// async fn run_false() -> std::process::ExitStatus {
    ///     Command::new("false")
    ///         .status()
    ///         .await
    ///         .expect("false command failed to run")
    /// }
    /// # tern::runtime::Runtime::new().unwrap().block_on(async {
    /// assert_eq!(run_false().await.code(), Some(1));
    /// # });
    /// ```
    pub fn status(&mut self) -> impl Future<Output = io::Result<ExitStatus>> {
        let child = self.spawn();
        async {
            let mut child = child?;
            // Closed so the child cannot block on a pipe we hold.
            child.stdin.take();
            child.stdout.take();
            child.stderr.take();
            child.wait().await
        }
    }

    /// Executes the command as a child process, waiting for it to finish
    /// and collecting all of its output.
    ///
    /// > **Note**: this method, unlike the standard library, will
    /// > unconditionally configure the stdout/stderr handles to be pipes,
    /// > even if they have been previously configured. If this is not
    /// > desired then the `spawn` method should be used in combination with
    /// > the `wait_with_output` method on child.
    ///
    /// The returned future resolves to the [`Output`] type of the standard
    /// library, with `stdout` and `stderr` as `Vec<u8>` along with the
    /// [`ExitStatus`].
    ///
    /// The destructor of the future returned by this function will kill the
    /// child if [`kill_on_drop`](Command::kill_on_drop) is set to true.
    ///
    /// # Errors
    ///
    /// This future will return an error if the child process cannot be
    /// spawned or if there is an error while awaiting its status.
    ///
    /// # Examples
    ///
    /// ```
    /// use tern::process::Command;
    ///
    /// # tern::runtime::Runtime::new().unwrap().block_on(async {
    /// let output = Command::new("sh").args(["-c", "echo out; echo err >&2"]).output().await.unwrap();
    /// assert_eq!(output.stdout, b"out\n");
    /// assert_eq!(output.stderr, b"err\n");
    /// # });
    /// ```
    pub fn output(&mut self) -> impl Future<Output = io::Result<Output>> {
        self.std.stdout(Stdio::piped());
        self.std.stderr(Stdio::piped());
        let child = self.spawn();
        async { child?.wait_with_output().await }
    }

    /// Returns the boolean value that was previously set by
    /// [`Command::kill_on_drop`].
    ///
    /// Note that if you have not previously called
    /// [`Command::kill_on_drop`], the default value of `false` will be
    /// returned here.
    ///
    /// # Examples
    ///
    /// ```
    /// use tern::process::Command;
    ///
    /// let mut cmd = Command::new("echo");
    /// assert!(!cmd.get_kill_on_drop());
    ///
    /// cmd.kill_on_drop(true);
    /// assert!(cmd.get_kill_on_drop());
    /// ```
    pub fn get_kill_on_drop(&self) -> bool {
        self.kill_on_drop
    }
}

impl From<StdCommand> for Command {
    fn from(std: StdCommand) -> Command {
        Command { std, kill_on_drop: false }
    }
}
