//! Group `blocking`, row `process_spawn_wait`: spawn 100 `true` processes,
//! then wait for every one (reaping included), on a multi-thread runtime
//! with 2 workers on both sides. Both wait on pidfds where the kernel has
//! them. Most of the time is the children's: a profile shows about 94% of
//! the CPU in `true`'s dynamic loader (its `cpuid` probing traps under
//! virtualization) and about 5% in the parent, so the row guards against
//! the runtime's overhead around spawning (tern adds the pidfd to the
//! epoll set only if a wait finds the child running: no `epoll_ctl` and no
//! worker wake-up for a child that exited first) rather than magnifying it.

use std::process::Stdio;
use std::time::Duration;

const N: usize = 100;

/// One iteration takes tens of milliseconds, mostly in the kernel: a
/// sample spans several iterations, so that the row's median is not two
/// iterations' worth of scheduling noise.
const SLICE: Duration = Duration::from_millis(500);

/// One sample of the tern side (ns per iteration).
pub fn sample_tern() -> f64 {
    let rt = tern_rt();
    crate::time_slice(SLICE, || on_tern(&rt))
}

/// One sample of the Tokio side (ns per iteration).
pub fn sample_tokio() -> f64 {
    let rt = tokio_rt();
    crate::time_slice(SLICE, || on_tokio(&rt))
}

fn tern_rt() -> tern::runtime::Runtime {
    tern::runtime::Builder::new_multi_thread()
        .worker_threads(crate::scenarios::WORKERS)
        .enable_all()
        .build()
        .unwrap()
}

fn tokio_rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(crate::scenarios::WORKERS)
        .enable_all()
        .build()
        .unwrap()
}

fn on_tern(rt: &tern::runtime::Runtime) {
    rt.block_on(async {
        let mut children: Vec<_> = (0..N)
            .map(|_| {
                tern::process::Command::new("true")
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for c in &mut children {
            assert!(c.wait().await.unwrap().success());
        }
    });
}

fn on_tokio(rt: &tokio::runtime::Runtime) {
    rt.block_on(async {
        let mut children: Vec<_> = (0..N)
            .map(|_| {
                tokio::process::Command::new("true")
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for c in &mut children {
            assert!(c.wait().await.unwrap().success());
        }
    });
}
