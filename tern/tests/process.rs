//! `tern::process`: output of large streams, reaping of waited, dropped
//! and killed children (no zombie of ours left), and Tokio's
//! wait/try_wait/kill semantics.

use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;
use tern::io::{AsyncReadExt, AsyncWriteExt};
use tern::process::Command;
use tern::time::{timeout, Duration};

const LONG: Duration = Duration::from_secs(30);

/// `pid`'s state letter and parent, if it exists.
fn stat(pid: u32) -> Option<(char, u32)> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // "pid (comm) S ppid ...": comm may hold spaces, so split after ')'.
    let rest = &s[s.rfind(')')? + 2..];
    let mut f = rest.split(' ');
    let state = f.next()?.chars().next()?;
    let ppid = f.next()?.parse().ok()?;
    Some((state, ppid))
}

/// Whether `pid` is still a child of ours (running or zombie).
fn is_our_child(pid: u32) -> bool {
    matches!(stat(pid), Some((_, ppid)) if ppid == std::process::id())
}

/// Whether `pid` is a zombie child of ours.
fn is_our_zombie(pid: u32) -> bool {
    matches!(stat(pid), Some(('Z', ppid)) if ppid == std::process::id())
}

/// Polls (bounded) until `done` holds for every pid; returns the ones left.
fn wait_until(pids: &[u32], done: impl Fn(u32) -> bool) -> Vec<u32> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let left: Vec<u32> = pids.iter().copied().filter(|&p| !done(p)).collect();
        if left.is_empty() || std::time::Instant::now() > deadline {
            return left;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[tern::test(flavor = "multi_thread", worker_threads = 2)]
async fn output_collects_10_mb_on_both_streams() {
    let script = "head -c 10485760 /dev/zero & head -c 10485760 /dev/zero | tr '\\0' e >&2; wait";
    let out = timeout(LONG, Command::new("sh").arg("-c").arg(script).output()).await.unwrap().unwrap();
    assert!(out.status.success());
    assert_eq!(out.stdout.len(), 10 << 20);
    assert_eq!(out.stderr.len(), 10 << 20);
    assert!(out.stdout.iter().all(|&b| b == 0));
    assert!(out.stderr.iter().all(|&b| b == b'e'));
}

#[test]
fn a_thousand_dropped_children_are_all_reaped_even_after_runtime_shutdown() {
    let rt = tern::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let pids = rt.block_on(async {
        (0..1000).map(|_| Command::new("true").spawn().unwrap().id().unwrap()).collect::<Vec<_>>()
    });
    drop(rt);
    assert_eq!(wait_until(&pids, |p| !is_our_zombie(p)), Vec::<u32>::new());
}

/// A child that runs until its stdin closes: until its `Child` (which
/// owns the pipe's write end) is dropped, or the pipe is taken and closed.
fn until_stdin_closes() -> Command {
    let mut cmd = Command::new("cat");
    cmd.stdin(Stdio::piped()).stdout(Stdio::null());
    cmd
}

#[tern::test]
async fn children_dropped_while_running_are_reaped_when_they_exit() {
    let pids: Vec<u32> = (0..200).map(|_| until_stdin_closes().spawn().unwrap().id().unwrap()).collect();
    // Dropped while running (each exits only once its dropped `Child`
    // has closed its stdin): the background reaper must collect them.
    let left = tern::task::spawn_blocking(move || wait_until(&pids, |p| !is_our_child(p))).await.unwrap();
    assert_eq!(left, Vec::<u32>::new());
}

#[tern::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_children_are_all_reaped() {
    let tasks: Vec<_> = (0..200)
        .map(|i| {
            tern::spawn(async move {
                let mut child = Command::new("sh").arg("-c").arg(format!("exit {}", i % 7)).spawn().unwrap();
                let pid = child.id().unwrap();
                let status = timeout(LONG, child.wait()).await.unwrap().unwrap();
                assert_eq!(status.code(), Some(i % 7));
                assert_eq!(child.id(), None);
                pid
            })
        })
        .collect();
    let mut pids = Vec::new();
    for t in tasks {
        pids.push(t.await.unwrap());
    }
    // Waited: reaped at once, no polling needed.
    assert!(pids.iter().all(|&p| !is_our_zombie(p)));
}

#[tern::test]
async fn kill_on_drop_kills_and_leaves_no_zombie() {
    let mut cmd = Command::new("sleep");
    cmd.arg("1000").kill_on_drop(true);
    assert!(cmd.get_kill_on_drop());
    let pids: Vec<u32> = (0..20).map(|_| cmd.spawn().unwrap().id().unwrap()).collect();
    let left = tern::task::spawn_blocking(move || wait_until(&pids, |p| !is_our_child(p))).await.unwrap();
    assert_eq!(left, Vec::<u32>::new(), "killed and reaped");
}

#[tern::test]
async fn wait_try_wait_and_kill() {
    let mut child = Command::new("sleep").arg("1000").spawn().unwrap();
    let pid = child.id().unwrap();
    assert_eq!(child.try_wait().unwrap(), None);
    // A wait cancelled by a timeout loses nothing.
    assert!(timeout(Duration::from_millis(20), child.wait()).await.is_err());
    child.kill().await.unwrap();
    assert_eq!(child.id(), None);
    let status = child.try_wait().unwrap().unwrap();
    assert_eq!(status.signal(), Some(libc::SIGKILL));
    assert_eq!(child.wait().await.unwrap(), status, "the same status again");
    child.start_kill().unwrap();
    child.kill().await.unwrap();
    assert!(!is_our_child(pid));

    let mut child = Command::new("sh").args(["-c", "exit 3"]).spawn().unwrap();
    let status = child.wait().await.unwrap();
    assert_eq!(status.code(), Some(3));
    assert_eq!(child.try_wait().unwrap(), Some(status));

    let mut child = Command::new("sleep").arg("1000").spawn().unwrap();
    child.start_kill().unwrap();
    let status = timeout(LONG, child.wait()).await.unwrap().unwrap();
    assert_eq!(status.signal(), Some(libc::SIGKILL));
}

#[tern::test]
async fn status_and_spawn_errors() {
    assert!(Command::new("true").status().await.unwrap().success());
    assert_eq!(Command::new("false").status().await.unwrap().code(), Some(1));
    let err = Command::new("/nonexistent/tern-test-binary").spawn().unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
}

#[tern::test]
async fn wait_closes_stdin_and_streams_round_trip() {
    let mut child = Command::new("cat").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    stdin.write_all(b"hello").await.unwrap();
    drop(stdin);
    let mut got = String::new();
    stdout.read_to_string(&mut got).await.unwrap();
    assert_eq!(got, "hello");
    assert!(child.wait().await.unwrap().success());

    // `wait` drops a still-held stdin, so `cat` sees end of file.
    let mut child = Command::new("cat").stdin(Stdio::piped()).stdout(Stdio::null()).spawn().unwrap();
    assert!(timeout(LONG, child.wait()).await.unwrap().unwrap().success());
}

#[tern::test]
async fn a_childs_stdout_pipes_into_another_child() {
    let mut first = Command::new("echo").arg("piped").stdout(Stdio::piped()).spawn().unwrap();
    let out = first.stdout.take().unwrap();
    let stdio: Stdio = out.try_into().unwrap();
    let second = Command::new("cat").stdin(stdio).output().await.unwrap();
    assert_eq!(second.stdout, b"piped\n");
    assert!(first.wait().await.unwrap().success());
}

#[tern::test]
async fn into_owned_fd_returns_a_blocking_descriptor() {
    use std::io::Read;
    use std::os::fd::{AsFd, AsRawFd};
    let mut child = Command::new("echo").arg("fd").stdout(Stdio::piped()).spawn().unwrap();
    let out = child.stdout.take().unwrap();
    assert_eq!(out.as_fd().as_raw_fd(), out.as_raw_fd());
    let fd = out.into_owned_fd().unwrap();
    let mut s = String::new();
    std::fs::File::from(fd).read_to_string(&mut s).unwrap();
    assert_eq!(s, "fd\n");
    child.wait().await.unwrap();
}

#[tern::test]
async fn command_conversions_and_builders() {
    let mut std_cmd = std::process::Command::new("sh");
    std_cmd.args(["-c", "echo $0 $TERN_X; pwd"]);
    let mut cmd = Command::from(std_cmd);
    cmd.arg0("zero").env("TERN_X", "x").current_dir("/").process_group(0);
    assert_eq!(cmd.as_std().get_program(), "sh");
    cmd.as_std_mut().env_remove("UNUSED");
    let out = cmd.output().await.unwrap();
    assert_eq!(out.stdout, b"zero x\n/\n");
    assert!(!cmd.get_kill_on_drop());
    let std_cmd = cmd.into_std();
    assert_eq!(std_cmd.get_program(), "sh");
}

#[tern::test]
async fn pre_exec_errors_fail_the_spawn() {
    let mut cmd = Command::new("true");
    // SAFETY: the closure only builds an error value: no allocation-free
    // requirement is broken in practice, and no lock is taken.
    unsafe { cmd.pre_exec(|| Err(std::io::Error::from_raw_os_error(libc::EPERM))) };
    let err = cmd.spawn().unwrap_err();
    assert_eq!(err.raw_os_error(), Some(libc::EPERM));
}

#[test]
fn a_wait_cut_short_by_runtime_shutdown_still_gets_its_child_reaped() {
    let rt = tern::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    rt.spawn(async move {
        // Exits only once the runtime's shutdown drops this task, and with
        // it the `Child` and its stdin: the wait is always cut short.
        let mut child = until_stdin_closes().spawn().unwrap();
        tx.send(child.id().unwrap()).unwrap();
        let _ = child.wait().await;
    });
    let pid = rx.recv_timeout(std::time::Duration::from_secs(30)).unwrap();
    // The waiting task (and its `Child`) is dropped with the runtime.
    drop(rt);
    assert_eq!(wait_until(&[pid], |p| !is_our_child(p)), Vec::<u32>::new());
}

#[test]
fn handles_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Command>();
    check::<tern::process::Child>();
    check::<tern::process::ChildStdin>();
    check::<tern::process::ChildStdout>();
    check::<tern::process::ChildStderr>();
    check::<tern::signal::unix::Signal>();
}

#[test]
fn spawn_outside_a_runtime_panics() {
    let mut cmd = Command::new("sleep");
    cmd.arg("1000");
    let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| cmd.spawn()));
    assert!(res.is_err());
}

/// A child spawned on a runtime that is gone since is waited for on
/// another runtime (its exit watch is made again there).
#[test]
fn a_child_outlives_the_runtime_that_spawned_it() {
    let mut child = tern::runtime::Runtime::new().unwrap().block_on(async {
        tern::process::Command::new("true").stdin(std::process::Stdio::piped()).spawn().unwrap()
    });
    let status = tern::runtime::Runtime::new().unwrap().block_on(child.wait()).unwrap();
    assert!(status.success());
}
