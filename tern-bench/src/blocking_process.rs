//! Group `blocking`, row `process_spawn_wait`: spawn 100 `true` processes,
//! then wait for every one (reaping included), on a multi-thread runtime
//! with 2 workers on both sides. Both wait on pidfds where the kernel has
//! them; the time is mostly fork/exec, so the row guards against the
//! runtime's own overhead around it.

use std::process::Stdio;

const N: usize = 100;

pub fn tern_rt() -> tern::runtime::Runtime {
    tern::runtime::Builder::new_multi_thread()
        .worker_threads(crate::scenarios::WORKERS)
        .enable_all()
        .build()
        .unwrap()
}

pub fn tokio_rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(crate::scenarios::WORKERS)
        .enable_all()
        .build()
        .unwrap()
}

pub fn on_tern(rt: &tern::runtime::Runtime) {
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

pub fn on_tokio(rt: &tokio::runtime::Runtime) {
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
