//! The `SIGCHLD` fallback (forced: this kernel has pidfds) and the orphan
//! table, seen from inside.

use super::{orphan, wait, Command};
use std::process::Stdio;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

#[test]
fn sigchld_fallback_waits_for_every_child() {
    wait::FORCE_SIGCHLD.store(true, Ordering::Relaxed);
    let rt = crate::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        let tasks: Vec<_> = (0..50)
            .map(|i| {
                crate::spawn(async move {
                    let mut child =
                        Command::new("sh").arg("-c").arg(format!("exit {}", i % 5)).spawn().unwrap();
                    assert!(child.waits_on_sigchld());
                    child.wait().await.unwrap().code()
                })
            })
            .collect();
        for (i, t) in tasks.into_iter().enumerate() {
            assert_eq!(t.await.unwrap(), Some(i as i32 % 5));
        }
        // Runs until its stdin closes, so `try_wait` finds it running.
        let mut child = Command::new("cat").stdin(Stdio::piped()).stdout(Stdio::null()).spawn().unwrap();
        assert_eq!(child.try_wait().unwrap(), None);
        drop(child.stdin.take());
        assert!(child.wait().await.unwrap().success());
    });
    wait::FORCE_SIGCHLD.store(false, Ordering::Relaxed);
}

#[test]
fn orphans_leave_the_table_once_reaped() {
    let rt = crate::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        for _ in 0..20 {
            // Exits once dropped (its stdin closes with the `Child`): an
            // orphan that is still running when it is dropped.
            drop(Command::new("cat").stdin(Stdio::piped()).stdout(Stdio::null()).spawn().unwrap());
        }
    });
    drop(rt);
    let deadline = Instant::now() + Duration::from_secs(30);
    while orphan::pending() > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(orphan::pending(), 0);
}
