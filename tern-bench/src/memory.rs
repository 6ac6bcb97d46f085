//! The `memory` group: resident bytes per idle task.
//!
//! Each measurement runs in a child process of its own (`tern-bench
//! --memory-child RUNTIME N`), so that one runtime's freed memory cannot
//! flatter the next one. The child spawns N tasks that each await a
//! never-ready future, waits until every one was polled once, and reports
//! the growth of its resident set divided by N.

use std::future::Future;
use std::pin::Pin;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::task::{Context, Poll};

pub const IDLE_TASKS: usize = 1_000_000;

static POLLED: AtomicUsize = AtomicUsize::new(0);

/// Number of idle tasks polled so far.
pub fn polled() -> usize {
    POLLED.load(Relaxed)
}

/// Counts one first poll (for futures other than `idle_task`).
pub fn count_poll() {
    POLLED.fetch_add(1, Relaxed);
}

/// A future that counts its first poll and then never completes. It
/// captures nothing, so every runtime stores the same few bytes per task.
pub fn idle_task() -> impl Future<Output = ()> + Send + 'static {
    struct Idle(bool);
    impl Future for Idle {
        type Output = ();
        fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
            if !self.0 {
                self.0 = true;
                POLLED.fetch_add(1, Relaxed);
            }
            Poll::Pending
        }
    }
    Idle(false)
}

pub fn rss_bytes() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<usize>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// Runs in the child: prints the RSS growth in bytes and exits without
/// tearing down (teardown is not what is measured).
pub fn child(runtime: &str, n: usize) -> ! {
    let delta = match runtime {
        "tern-sleep" => {
            let (rt, d) = crate::scenarios::on_tern::sleeping_tasks(n);
            std::mem::forget(rt);
            d
        }
        "tokio-sleep" => {
            let (rt, d) = crate::scenarios::on_tokio::sleeping_tasks(n);
            std::mem::forget(rt);
            d
        }
        "smol-sleep" => crate::smol_scenarios::sleeping_tasks(n),
        "tern" => {
            let (rt, d) = crate::scenarios::on_tern::idle_tasks(n);
            std::mem::forget(rt);
            d
        }
        "tokio" => {
            let (rt, d) = crate::scenarios::on_tokio::idle_tasks(n);
            std::mem::forget(rt);
            d
        }
        "smol" => crate::smol_scenarios::idle_tasks(n),
        other => panic!("unknown runtime {other}"),
    };
    println!("rss_delta {delta}");
    std::process::exit(0);
}

/// Runs one child and returns its bytes per task (as "nanoseconds" in the
/// table's number column: the unit is bytes here).
pub fn measure(runtime: &str) -> f64 {
    let exe = std::env::current_exe().expect("own path");
    let out = Command::new(exe)
        .args(["--memory-child", runtime, &IDLE_TASKS.to_string()])
        .output()
        .expect("run memory child");
    let text = String::from_utf8_lossy(&out.stdout);
    let delta: f64 = text
        .lines()
        .find_map(|l| l.strip_prefix("rss_delta "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| {
            panic!("memory child for {runtime} failed: {}", String::from_utf8_lossy(&out.stderr))
        });
    delta / IDLE_TASKS as f64
}
