//! [`Child`]: a spawned process, its exit status once collected, and its
//! standard streams.

use super::orphan;
use super::stdio::{ChildStderr, ChildStdin, ChildStdout};
use super::wait::ExitWatch;
use crate::io::{AsyncRead, AsyncReadExt};
use std::io;
use std::process::{Child as StdChild, ExitStatus, Output};
use std::task::{ready, Context, Poll};

/// Representation of a child process spawned onto an event loop.
///
/// # Caveats
///
/// Similar to the behavior of the standard library, and unlike the futures
/// paradigm of dropping-implies-cancellation, a spawned process will, by
/// default, continue to execute even after the `Child` handle has been
/// dropped.
///
/// The [`Command::kill_on_drop`](super::Command::kill_on_drop) method can
/// be used to modify this behavior and kill the child process if the
/// `Child` wrapper is dropped before it has exited.
///
/// Either way, a child dropped before its exit status was collected is
/// reaped in the background once it exits (see the
/// [module docs](super)): no zombie is left.
#[derive(Debug)]
pub struct Child {
    child: FusedChild,

    /// The handle for writing to the child's standard input (stdin), if it
    /// has been captured. To avoid partially moving the `child` and thus
    /// blocking yourself from calling functions on `child` while using
    /// `stdin`, you might find it helpful to do:
    ///
    /// ```no_run
    /// # let mut child = tern::process::Command::new("cat").spawn().unwrap();
    /// let stdin = child.stdin.take().unwrap();
    /// ```
    pub stdin: Option<ChildStdin>,

    /// The handle for reading from the child's standard output (stdout), if
    /// it has been captured. You might find it helpful to do
    ///
    /// ```no_run
    /// # let mut child = tern::process::Command::new("cat").spawn().unwrap();
    /// let stdout = child.stdout.take().unwrap();
    /// ```
    ///
    /// to avoid partially moving the `child` and thus blocking yourself from
    /// calling functions on `child` while using `stdout`.
    pub stdout: Option<ChildStdout>,

    /// The handle for reading from the child's standard error (stderr), if
    /// it has been captured. You might find it helpful to do
    ///
    /// ```no_run
    /// # let mut child = tern::process::Command::new("cat").spawn().unwrap();
    /// let stderr = child.stderr.take().unwrap();
    /// ```
    ///
    /// to avoid partially moving the `child` and thus blocking yourself from
    /// calling functions on `child` while using `stderr`.
    pub stderr: Option<ChildStderr>,
}

#[derive(Debug)]
enum FusedChild {
    Running(Running),
    Done(ExitStatus),
}

/// A child whose exit status was not collected yet.
#[derive(Debug)]
struct Running {
    std: StdChild,
    watch: ExitWatch,
    kill_on_drop: bool,
}

impl Drop for Running {
    fn drop(&mut self) {
        // Reaped already (cached status): nothing to kill or to reap.
        if let Ok(Some(_)) = self.std.try_wait() {
            return;
        }
        if self.kill_on_drop {
            let _ = self.std.kill();
        }
        if let Ok(None) = self.std.try_wait() {
            orphan::push(self.std.id() as libc::pid_t);
        }
    }
}

impl Child {
    /// Wraps a freshly spawned std child: its exit watch and its streams
    /// registered with the current runtime.
    #[track_caller]
    pub(super) fn build(mut std: StdChild, kill_on_drop: bool) -> io::Result<Child> {
        // Each spawn also reaps orphans that exited (in case the SIGCHLD
        // handler could not be installed or missed an overflowed pid).
        orphan::reap();
        let (stdin, stdout, stderr) = (std.stdin.take(), std.stdout.take(), std.stderr.take());
        let watch = match ExitWatch::new(std.id()) {
            Ok(watch) => watch,
            Err(e) => {
                if kill_on_drop {
                    let _ = std.kill();
                }
                if let Ok(None) = std.try_wait() {
                    orphan::push(std.id() as libc::pid_t);
                }
                return Err(e);
            }
        };
        // From here on, an error drops `running`, which kills (if asked)
        // and orphans the child.
        let running = Running { std, watch, kill_on_drop };
        Ok(Child {
            stdin: stdin.map(ChildStdin::from_std).transpose()?,
            stdout: stdout.map(ChildStdout::from_std).transpose()?,
            stderr: stderr.map(ChildStderr::from_std).transpose()?,
            child: FusedChild::Running(running),
        })
    }

    /// Whether this child's exit is noticed through `SIGCHLD` (tests).
    #[cfg(all(test, not(tern_loom)))]
    pub(crate) fn waits_on_sigchld(&self) -> bool {
        matches!(&self.child, FusedChild::Running(r) if matches!(r.watch, ExitWatch::Sigchld(_)))
    }

    /// Returns the OS-assigned process identifier associated with this
    /// child while it is still running.
    ///
    /// Once the child has been polled to completion this will return
    /// `None`. This is done to avoid confusion on platforms like Unix where
    /// the OS identifier could be reused once the process has completed.
    pub fn id(&self) -> Option<u32> {
        match &self.child {
            FusedChild::Running(r) => Some(r.std.id()),
            FusedChild::Done(_) => None,
        }
    }

    /// Attempts to force the child to exit, but does not wait for the
    /// request to take effect.
    ///
    /// On Unix platforms, this is the equivalent to sending a `SIGKILL`.
    /// Note that on Unix platforms it is possible for a zombie process to
    /// remain after a kill is sent; to avoid this, the caller should ensure
    /// that either `child.wait().await` or `child.try_wait()` is invoked
    /// successfully (or drop the `Child`: tern then reaps it).
    ///
    /// Does nothing (and returns `Ok`) once the child's exit status was
    /// collected.
    pub fn start_kill(&mut self) -> io::Result<()> {
        match &mut self.child {
            FusedChild::Running(r) => r.std.kill(),
            FusedChild::Done(_) => Ok(()),
        }
    }

    /// Forces the child to exit.
    ///
    /// This is equivalent to sending a `SIGKILL` on unix platforms followed
    /// by [`wait`](Child::wait).
    ///
    /// Note: std version of [`Child::kill`](std::process::Child::kill) does
    /// not `wait`. For an equivalent of `Child::kill` in the standard
    /// library, use [`start_kill`](Child::start_kill).
    ///
    /// # Examples
    ///
    /// ```
    /// use tern::process::Command;
    ///
    /// # tern::runtime::Runtime::new().unwrap().block_on(async {
    /// let mut child = Command::new("sleep").arg("10").spawn().unwrap();
    /// child.kill().await.expect("kill failed");
    /// assert_eq!(child.id(), None);
    /// # });
    /// ```
    pub async fn kill(&mut self) -> io::Result<()> {
        self.start_kill()?;
        self.wait().await?;
        Ok(())
    }

    /// Waits for the child to exit completely, returning the status that
    /// it exited with. This function will continue to have the same return
    /// value after it has been called at least once.
    ///
    /// The stdin handle to the child process, if any, will be closed before
    /// waiting. This helps avoid deadlock: it ensures that the child does
    /// not block waiting for input from the parent, while the parent waits
    /// for the child to exit.
    ///
    /// If the caller wishes to explicitly control when the child's stdin
    /// handle is closed, they may `.take()` it before calling `.wait()`.
    ///
    /// # Cancel safety
    ///
    /// This function is cancel safe.
    ///
    /// # Examples
    ///
    /// ```
    /// use tern::io::AsyncWriteExt;
    /// use tern::process::Command;
    /// use std::process::Stdio;
    ///
    /// #[tern::main]
    /// async fn main() {
    ///     let mut child = Command::new("cat")
    ///         .stdin(Stdio::piped())
    ///         .stdout(Stdio::null())
    ///         .spawn()
    ///         .unwrap();
    ///
    ///     let mut stdin = child.stdin.take().unwrap();
    ///     tern::spawn(async move {
    ///         // do something with stdin here...
    ///         stdin.write_all(b"hello world\n").await.unwrap();
    ///         // then drop when finished
    ///         drop(stdin);
    ///     });
    ///
    ///     // wait for the process to complete
    ///     let _ = child.wait().await;
    /// }
    /// ```
    pub async fn wait(&mut self) -> io::Result<ExitStatus> {
        drop(self.stdin.take());
        std::future::poll_fn(|cx| self.poll_wait(cx)).await
    }

    fn poll_wait(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<ExitStatus>> {
        let status = match &mut self.child {
            FusedChild::Done(status) => return Poll::Ready(Ok(*status)),
            FusedChild::Running(r) => ready!(r.watch.poll_exit(cx, &mut r.std))?,
        };
        self.child = FusedChild::Done(status);
        Poll::Ready(Ok(status))
    }

    /// Attempts to collect the exit status of the child if it has already
    /// exited.
    ///
    /// This function will not block the calling thread and will only check
    /// to see if the child process has exited or not. If the child has
    /// exited then on Unix the process ID is reaped. This function is
    /// guaranteed to repeatedly return a successful exit status so long as
    /// the child has already exited.
    ///
    /// If the child has exited, then `Ok(Some(status))` is returned. If the
    /// exit status is not available at this time then `Ok(None)` is
    /// returned. If an error occurs, then that error is returned.
    ///
    /// Note that unlike `wait`, this function will not attempt to drop
    /// stdin, nor will it wake the current task if the child exits.
    pub fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        match &mut self.child {
            FusedChild::Done(status) => Ok(Some(*status)),
            FusedChild::Running(r) => {
                let status = r.std.try_wait()?;
                if let Some(status) = status {
                    self.child = FusedChild::Done(status);
                }
                Ok(status)
            }
        }
    }

    /// Returns a future that will resolve to an `Output`, containing the
    /// exit status, stdout, and stderr of the child process.
    ///
    /// The returned future will simultaneously wait for the child to exit
    /// and collect all remaining output on the stdout/stderr handles,
    /// returning an `Output` instance.
    ///
    /// The stdin handle to the child process, if any, will be closed before
    /// waiting. This helps avoid deadlock: it ensures that the child does
    /// not block waiting for input from the parent, while the parent waits
    /// for the child to exit.
    ///
    /// By default, stdin, stdout and stderr are inherited from the parent.
    /// In order to capture the output into this `Output` it is necessary to
    /// create new pipes between parent and child. Use
    /// `stdout(Stdio::piped())` or `stderr(Stdio::piped())`, respectively,
    /// when creating a `Command`.
    pub async fn wait_with_output(mut self) -> io::Result<Output> {
        async fn read_to_end<A: AsyncRead + Unpin>(io: &mut Option<A>) -> io::Result<Vec<u8>> {
            let mut vec = Vec::new();
            if let Some(io) = io.as_mut() {
                io.read_to_end(&mut vec).await?;
            }
            Ok(vec)
        }

        let mut stdout_pipe = self.stdout.take();
        let mut stderr_pipe = self.stderr.take();
        let (status, stdout, stderr) =
            crate::try_join!(self.wait(), read_to_end(&mut stdout_pipe), read_to_end(&mut stderr_pipe))?;
        // Dropped after the join, as Tokio does (its issue 4309).
        drop(stdout_pipe);
        drop(stderr_pipe);
        Ok(Output { status, stdout, stderr })
    }
}
