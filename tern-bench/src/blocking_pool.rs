//! `blocking` group, pool rows: `spawn_blocking` and `block_in_place`, the
//! same text compiled for tern and for Tokio.

/// Closures per `spawn_blocking_many` iteration (Tokio's
/// `benches/spawn_blocking.rs` size).
pub const BLOCKING_SPAWNS: usize = 10_000;
/// Tasks per `block_in_place_many` iteration, each blocking once.
pub const IN_PLACE_TASKS: usize = 1_000;
/// Lines per `stdout_lines` iteration.
pub const STDOUT_LINES: usize = 5_000;

/// Runs `f` with the process's standard output sent to `/dev/null` (the
/// table goes to standard output later), putting it back afterwards.
pub fn with_stdout_to_null(f: impl FnOnce()) {
    use std::io::Write;
    use std::os::fd::AsRawFd;
    std::io::stdout().flush().unwrap();
    let null = std::fs::OpenOptions::new().write(true).open("/dev/null").unwrap();
    // SAFETY: plain descriptor calls on descriptors this function owns
    // (`saved`, `null`) or the process's standard output, which it puts
    // back before returning.
    unsafe {
        let saved = libc::dup(1);
        assert!(saved >= 0);
        assert!(libc::dup2(null.as_raw_fd(), 1) >= 0);
        f();
        assert!(libc::dup2(saved, 1) >= 0);
        libc::close(saved);
    }
}

macro_rules! pool_scenarios {
    ($name:ident, $krate:ident) => {
        pub mod $name {
            use super::*;
            use ::$krate as rt;
            use rt::runtime::Runtime;

            /// 10,000 `spawn_blocking` closures from one task, then all
            /// awaited.
            pub fn spawn_blocking_many(rt: &Runtime) {
                rt.block_on(async {
                    let handles: Vec<_> = (0..BLOCKING_SPAWNS)
                        .map(|i| rt::task::spawn_blocking(move || std::hint::black_box(i)))
                        .collect();
                    for h in handles {
                        std::hint::black_box(h.await.unwrap());
                    }
                });
            }

            /// 1,000 tasks that each call `block_in_place` once around a
            /// little work, then yield.
            pub fn block_in_place_many(rt: &Runtime) {
                rt.block_on(async {
                    let handles: Vec<_> = (0..IN_PLACE_TASKS)
                        .map(|i| {
                            rt::spawn(async move {
                                let v = rt::task::block_in_place(|| std::hint::black_box(i * 2));
                                rt::task::yield_now().await;
                                v
                            })
                        })
                        .collect();
                    for h in handles {
                        std::hint::black_box(h.await.unwrap());
                    }
                });
            }

            /// 5,000 lines written to `stdout()` one `write_all` each, as
            /// a program prints its output, then a flush (into
            /// `/dev/null`).
            pub fn stdout_lines(rt: &Runtime) {
                use rt::io::AsyncWriteExt;
                with_stdout_to_null(|| {
                    rt.block_on(async {
                        let mut out = rt::io::stdout();
                        for i in 0..STDOUT_LINES {
                            out.write_all(format!("line {i} of the output\n").as_bytes()).await.unwrap();
                        }
                        out.flush().await.unwrap();
                    })
                });
            }
        }
    };
}

pool_scenarios!(on_tern, tern);
pool_scenarios!(on_tokio, tokio);
