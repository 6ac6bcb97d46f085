//! tern-bench: the side-by-side benchmark.
//!
//! `cargo run -p tern-bench --release -- [--quick] [FILTER]`
//!
//! Every scenario runs on tern, on Tokio and (where it maps) on smol, in
//! this one process, alternating the order each round; each sample is the
//! mean time of one iteration over a fixed time slice. The table shows the
//! medians and the ratios peer/tern (above 1.0 means tern is faster), plus
//! a geometric mean per group, and the same rows go to
//! `target/tern-bench.json`.

mod blocking_fs;
mod blocking_pool;
mod blocking_process;
mod handoff;
mod memory;
mod net;
mod scenarios;
mod smol_mt;
mod smol_scenarios;
mod sync_alt;
mod sync_channels;
mod sync_locks;
mod sync_mpsc;

#[global_allocator]
static ALLOC: sync_mpsc::Counting = sync_mpsc::Counting;

use scenarios::{on_tern, on_tokio};
use std::time::{Duration, Instant};

/// One row of the table.
struct Row {
    group: &'static str,
    scenario: &'static str,
    unit: &'static str,
    tokio: f64,
    tern: f64,
    smol: Option<f64>,
}

/// A scenario on one runtime: runs one sample and returns its value (ns per
/// iteration, or bytes per task for the memory group).
type Sample = Box<dyn FnMut() -> f64>;

struct Scenario {
    group: &'static str,
    name: &'static str,
    unit: &'static str,
    tern: Sample,
    tokio: Sample,
    smol: Option<Sample>,
}

/// Times `iter` repeatedly for about `slice` (at least 3 iterations) and
/// returns the mean nanoseconds per iteration.
fn time_slice(slice: Duration, mut iter: impl FnMut()) -> f64 {
    iter(); // warm
    let start = Instant::now();
    let mut n = 0u32;
    while n < 3 || start.elapsed() < slice {
        iter();
        n += 1;
    }
    start.elapsed().as_nanos() as f64 / f64::from(n)
}

/// Process CPU time (user + sys) so far, in nanoseconds.
fn cpu_now() -> f64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid out-pointer for the call.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 * 1e9 + ts.tv_nsec as f64
}

/// As [`time_slice`], but returns process CPU nanoseconds per iteration.
fn cpu_slice(slice: Duration, mut iter: impl FnMut()) -> f64 {
    iter();
    let start = Instant::now();
    let cpu = cpu_now();
    let mut n = 0u32;
    while n < 3 || start.elapsed() < slice {
        iter();
        n += 1;
    }
    (cpu_now() - cpu) / f64::from(n)
}

fn slice() -> Duration {
    Duration::from_millis(60)
}

/// A sample that builds a runtime with `make`, then times `iter` on it.
fn sample<R: 'static>(make: fn() -> R, iter: fn(&R)) -> Sample {
    Box::new(move || {
        let rt = make();
        time_slice(slice(), || iter(&rt))
    })
}

fn scenarios() -> Vec<Scenario> {
    let ct = "rt_current_thread";
    let mut v = vec![
        Scenario {
            group: ct,
            name: "spawn_many_local",
            unit: "ns",
            tern: sample(on_tern::current_thread, on_tern::spawn_many_local),
            tokio: sample(on_tokio::current_thread, on_tokio::spawn_many_local),
            smol: Some(Box::new(|| time_slice(slice(), smol_scenarios::spawn_many_local))),
        },
        Scenario {
            group: ct,
            name: "spawn_many_remote_idle",
            unit: "ns",
            tern: sample(on_tern::current_thread, on_tern::spawn_many_remote),
            tokio: sample(on_tokio::current_thread, on_tokio::spawn_many_remote),
            smol: None,
        },
        Scenario {
            group: ct,
            name: "spawn_many_remote_busy",
            unit: "ns",
            tern: sample(
                || {
                    let rt = on_tern::current_thread();
                    on_tern::make_busy(&rt);
                    rt
                },
                on_tern::spawn_many_remote,
            ),
            tokio: sample(
                || {
                    let rt = on_tokio::current_thread();
                    on_tokio::make_busy(&rt);
                    rt
                },
                on_tokio::spawn_many_remote,
            ),
            smol: None,
        },
        Scenario {
            group: ct,
            name: "spawn_many_remote_busy_yield",
            unit: "ns",
            tern: sample(
                || {
                    let rt = on_tern::current_thread();
                    on_tern::make_busy_yield_plain(&rt, 1);
                    rt
                },
                on_tern::spawn_many_remote,
            ),
            tokio: sample(
                || {
                    let rt = on_tokio::current_thread();
                    on_tokio::make_busy_yield_plain(&rt, 1);
                    rt
                },
                on_tokio::spawn_many_remote,
            ),
            smol: None,
        },
        Scenario {
            group: ct,
            name: "yield_many",
            unit: "ns",
            tern: sample(on_tern::current_thread, on_tern::yield_many),
            tokio: sample(on_tokio::current_thread, on_tokio::yield_many),
            smol: Some(Box::new(|| time_slice(slice(), smol_scenarios::yield_many))),
        },
        Scenario {
            group: ct,
            name: "ping_pong",
            unit: "ns",
            tern: sample(on_tern::current_thread, on_tern::ping_pong),
            tokio: sample(on_tokio::current_thread, on_tokio::ping_pong),
            smol: Some(Box::new(|| time_slice(slice(), smol_scenarios::ping_pong))),
        },
        Scenario {
            group: ct,
            name: "chained_spawn",
            unit: "ns",
            tern: sample(on_tern::current_thread, on_tern::chained_spawn),
            tokio: sample(on_tokio::current_thread, on_tokio::chained_spawn),
            smol: Some(Box::new(|| time_slice(slice(), smol_scenarios::chained_spawn))),
        },
        Scenario {
            group: ct,
            name: "block_on_ready",
            unit: "ns",
            tern: sample(on_tern::current_thread_timed, on_tern::block_on_ready),
            tokio: sample(on_tokio::current_thread_timed, on_tokio::block_on_ready),
            smol: Some(Box::new(|| time_slice(slice(), smol_scenarios::block_on_ready))),
        },
    ];
    let mt = "rt_multi_threaded";
    fn busy1_tern() -> tern::runtime::Runtime {
        let rt = on_tern::multi_thread();
        on_tern::make_busy_yielding(&rt);
        rt
    }
    fn busy1_tokio() -> tokio::runtime::Runtime {
        let rt = on_tokio::multi_thread();
        on_tokio::make_busy_yielding(&rt);
        rt
    }
    fn busy_yield_tern() -> tern::runtime::Runtime {
        let rt = on_tern::multi_thread();
        on_tern::make_busy_yield_plain(&rt, 2);
        rt
    }
    fn busy_yield_tokio() -> tokio::runtime::Runtime {
        let rt = on_tokio::multi_thread();
        on_tokio::make_busy_yield_plain(&rt, 2);
        rt
    }
    fn busy2_tern() -> tern::runtime::Runtime {
        let rt = on_tern::multi_thread();
        on_tern::make_busy_spawning(&rt);
        rt
    }
    fn busy2_tokio() -> tokio::runtime::Runtime {
        let rt = on_tokio::multi_thread();
        on_tokio::make_busy_spawning(&rt);
        rt
    }
    fn smol_mt(iter: fn(&smol_mt::Pool)) -> Option<Sample> {
        Some(Box::new(move || {
            let p = smol_mt::pool();
            time_slice(slice(), || iter(&p))
        }))
    }
    v.extend([
        Scenario {
            group: mt,
            name: "spawn_many_local",
            unit: "ns",
            tern: sample(on_tern::multi_thread, on_tern::spawn_many_local_in_task),
            tokio: sample(on_tokio::multi_thread, on_tokio::spawn_many_local_in_task),
            smol: smol_mt(smol_mt::spawn_many_local),
        },
        Scenario {
            group: mt,
            name: "spawn_many_remote_idle",
            unit: "ns",
            tern: sample(on_tern::multi_thread, on_tern::spawn_many_remote),
            tokio: sample(on_tokio::multi_thread, on_tokio::spawn_many_remote),
            smol: smol_mt(smol_mt::spawn_many_remote),
        },
        Scenario {
            group: mt,
            name: "spawn_many_remote_busy1",
            unit: "ns",
            tern: sample(busy1_tern, on_tern::spawn_many_remote),
            tokio: sample(busy1_tokio, on_tokio::spawn_many_remote),
            smol: None,
        },
        Scenario {
            group: mt,
            name: "spawn_many_remote_busy_yield",
            unit: "ns",
            tern: sample(busy_yield_tern, on_tern::spawn_many_remote),
            tokio: sample(busy_yield_tokio, on_tokio::spawn_many_remote),
            smol: None,
        },
        Scenario {
            group: mt,
            name: "spawn_many_remote_busy_yield_counted",
            unit: "ns",
            tern: sample(busy_yield_tern, on_tern::spawn_many_remote_counted),
            tokio: sample(busy_yield_tokio, on_tokio::spawn_many_remote_counted),
            smol: None,
        },
        Scenario {
            group: mt,
            name: "spawn_many_remote_busy2",
            unit: "ns",
            tern: sample(busy2_tern, on_tern::spawn_many_remote_busy2),
            tokio: sample(busy2_tokio, on_tokio::spawn_many_remote_busy2),
            smol: None,
        },
        Scenario {
            group: mt,
            name: "ping_pong",
            unit: "ns",
            tern: sample(on_tern::multi_thread, on_tern::ping_pong),
            tokio: sample(on_tokio::multi_thread, on_tokio::ping_pong),
            smol: smol_mt(smol_mt::ping_pong),
        },
        Scenario {
            group: mt,
            name: "yield_many",
            unit: "ns",
            tern: sample(on_tern::multi_thread, on_tern::yield_many),
            tokio: sample(on_tokio::multi_thread, on_tokio::yield_many),
            smol: smol_mt(smol_mt::yield_many),
        },
        Scenario {
            group: mt,
            name: "chained_spawn",
            unit: "ns",
            tern: sample(on_tern::multi_thread, on_tern::chained_spawn),
            tokio: sample(on_tokio::multi_thread, on_tokio::chained_spawn),
            smol: smol_mt(smol_mt::chained_spawn),
        },
        Scenario {
            group: mt,
            name: "block_on_ready",
            unit: "ns",
            tern: sample(on_tern::multi_thread_all, on_tern::block_on_ready),
            tokio: sample(on_tokio::multi_thread_all, on_tokio::block_on_ready),
            smol: None,
        },
        Scenario {
            group: mt,
            name: "remote_spawn",
            unit: "ns",
            tern: sample(on_tern::multi_thread, on_tern::remote_spawn),
            tokio: sample(on_tokio::multi_thread, on_tokio::remote_spawn),
            smol: smol_mt(smol_mt::remote_spawn),
        },
    ]);
    // `task`: task utilities (multi-thread, `WORKERS` workers).
    v.push(Scenario {
        group: "task",
        name: "join_set_spawn_join_10k",
        unit: "ns",
        tern: sample(on_tern::multi_thread, on_tern::join_set_spawn_join),
        tokio: sample(on_tokio::multi_thread, on_tokio::join_set_spawn_join),
        smol: None,
    });
    // `blocking`: the blocking pool (multi-thread, `WORKERS` workers).
    v.extend([
        Scenario {
            group: "blocking",
            name: "spawn_blocking_many",
            unit: "ns",
            tern: sample(on_tern::multi_thread, blocking_pool::on_tern::spawn_blocking_many),
            tokio: sample(on_tokio::multi_thread, blocking_pool::on_tokio::spawn_blocking_many),
            smol: None,
        },
        Scenario {
            group: "blocking",
            name: "block_in_place_many",
            unit: "ns",
            tern: sample(on_tern::multi_thread, blocking_pool::on_tern::block_in_place_many),
            tokio: sample(on_tokio::multi_thread, blocking_pool::on_tokio::block_in_place_many),
            smol: None,
        },
        Scenario {
            group: "blocking",
            name: "stdout_lines_5k",
            unit: "ns",
            tern: sample(on_tern::multi_thread, blocking_pool::on_tern::stdout_lines),
            tokio: sample(on_tokio::multi_thread, blocking_pool::on_tokio::stdout_lines),
            smol: None,
        },
    ]);
    let tm = "time";
    v.extend([
        Scenario {
            group: tm,
            name: "timeout_no_fire",
            unit: "ns",
            tern: sample(on_tern::current_thread_timed, on_tern::timeout_no_fire),
            tokio: sample(on_tokio::current_thread_timed, on_tokio::timeout_no_fire),
            smol: None,
        },
        Scenario {
            group: tm,
            name: "sleep_many",
            unit: "ns",
            tern: sample(on_tern::current_thread_timed, on_tern::sleep_many),
            tokio: sample(on_tokio::current_thread_timed, on_tokio::sleep_many),
            smol: None,
        },
        Scenario {
            group: tm,
            name: "reset_heavy",
            unit: "ns",
            tern: sample(on_tern::current_thread_timed, on_tern::reset_heavy),
            tokio: sample(on_tokio::current_thread_timed, on_tokio::reset_heavy),
            smol: None,
        },
        Scenario {
            group: tm,
            name: "interval_ticks",
            unit: "ns",
            tern: sample(on_tern::current_thread_timed, on_tern::interval_ticks),
            tokio: sample(on_tokio::current_thread_timed, on_tokio::interval_ticks),
            smol: None,
        },
        Scenario {
            group: tm,
            name: "select_recv_or_sleep",
            unit: "ns",
            tern: sample(on_tern::current_thread_timed, on_tern::select_recv_or_sleep),
            tokio: sample(on_tokio::current_thread_timed, on_tokio::select_recv_or_sleep),
            smol: None,
        },
    ]);
    for (i, (name, _, _)) in net::SCENARIOS.iter().enumerate() {
        v.push(Scenario {
            group: "net",
            name,
            unit: "ns",
            tern: Box::new(move || net::cpu_per_op("tern", i)),
            tokio: Box::new(move || net::cpu_per_op("tokio", i)),
            smol: None,
        });
    }
    for (i, name) in [
        "tcp_echo_64b_vs_mio_floor",
        "tcp_echo_16k_vs_mio_floor",
        "tcp_connect_accept_vs_mio_floor",
        "udp_echo_vs_mio_floor",
    ]
    .into_iter()
    .enumerate()
    {
        // The "Tokio" column holds the mio floor here; tern runs
        // current-thread, like the floor.
        v.push(Scenario {
            group: "net",
            name,
            unit: "ns",
            tern: Box::new(move || net::cpu_per_op("tern-ct", i)),
            tokio: Box::new(move || net::cpu_per_op("mio", i)),
            smol: None,
        });
    }
    v.push(Scenario {
        group: "cpu",
        name: "spawn_many_remote_busy1_cpu",
        unit: "ns",
        tern: Box::new(|| {
            let rt = busy1_tern();
            cpu_slice(slice(), || on_tern::spawn_many_remote(&rt))
        }),
        tokio: Box::new(|| {
            let rt = busy1_tokio();
            cpu_slice(slice(), || on_tokio::spawn_many_remote(&rt))
        }),
        smol: None,
    });
    v.push(Scenario {
        group: "cpu",
        name: "spawn_many_remote_busy_yield_cpu",
        unit: "ns",
        tern: Box::new(|| {
            let rt = busy_yield_tern();
            cpu_slice(slice(), || on_tern::spawn_many_remote(&rt))
        }),
        tokio: Box::new(|| {
            let rt = busy_yield_tokio();
            cpu_slice(slice(), || on_tokio::spawn_many_remote(&rt))
        }),
        smol: None,
    });
    for (name, tern, tokio) in [
        (
            "semaphore_contended",
            sync_locks::on_tern::semaphore_contended as fn(&_),
            sync_locks::on_tokio::semaphore_contended as fn(&_),
        ),
        ("mutex_contended", sync_locks::on_tern::mutex_contended, sync_locks::on_tokio::mutex_contended),
        (
            "rwlock_read_contended",
            sync_locks::on_tern::rwlock_read_contended,
            sync_locks::on_tokio::rwlock_read_contended,
        ),
        (
            "notify_one_ping_pong",
            sync_locks::on_tern::notify_one_ping_pong,
            sync_locks::on_tokio::notify_one_ping_pong,
        ),
    ] {
        v.push(Scenario {
            group: "sync",
            name,
            unit: "ns",
            tern: sample(sync_locks::on_tern::multi_thread, tern),
            tokio: sample(sync_locks::on_tokio::multi_thread, tokio),
            smol: None,
        });
    }
    v.push(Scenario {
        group: "sync",
        name: "notify_waiters",
        unit: "ns",
        tern: sample(sync_locks::on_tern::with_waiters, sync_locks::on_tern::notify_waiters),
        tokio: sample(sync_locks::on_tokio::with_waiters, sync_locks::on_tokio::notify_waiters),
        smol: None,
    });
    v.extend(sync_channels_rows());
    macro_rules! mpsc_row {
        ($name:literal, $f:ident) => {
            Scenario {
                group: "sync",
                name: $name,
                unit: "ns",
                tern: sample(on_tern::multi_thread, sync_mpsc::on_tern::$f),
                tokio: sample(on_tokio::multi_thread, sync_mpsc::on_tokio::$f),
                smol: smol_mt(sync_mpsc::on_smol::$f),
            }
        };
    }
    v.extend([
        mpsc_row!("mpsc_contention_bounded", contention_bounded),
        mpsc_row!("mpsc_contention_bounded_full", contention_bounded_full),
        mpsc_row!("mpsc_contention_bounded_full_rx_task", contention_bounded_full_rx_task),
        mpsc_row!("mpsc_contention_unbounded", contention_unbounded),
        mpsc_row!("mpsc_contention_bounded_recv_many", contention_bounded_recv_many),
        mpsc_row!("mpsc_uncontended_bounded", uncontended_bounded),
        mpsc_row!("mpsc_uncontended_unbounded", uncontended_unbounded),
    ]);
    // The same mpsc rows with flume (peer column) and kanal (smol column)
    // on the same tern runtime (`sync_alt.rs`).
    macro_rules! alt_row {
        ($name:literal, $f:ident) => {
            Scenario {
                group: "sync_flume_kanal",
                name: $name,
                unit: "ns",
                tern: sample(on_tern::multi_thread, sync_mpsc::on_tern::$f),
                tokio: sample(on_tern::multi_thread, sync_alt::on_flume::$f),
                smol: Some(sample(on_tern::multi_thread, sync_alt::on_kanal::$f)),
            }
        };
    }
    v.extend([
        alt_row!("mpsc_contention_bounded", contention_bounded),
        alt_row!("mpsc_contention_bounded_full", contention_bounded_full),
        alt_row!("mpsc_contention_unbounded", contention_unbounded),
        alt_row!("mpsc_uncontended_bounded", uncontended_bounded),
        alt_row!("mpsc_uncontended_unbounded", uncontended_unbounded),
    ]);
    v.push(Scenario {
        group: "memory",
        name: "mpsc_drained_after_burst_bytes",
        unit: "B",
        tern: Box::new(sync_mpsc::on_tern::drained_bytes),
        tokio: Box::new(sync_mpsc::on_tokio::drained_bytes),
        smol: Some(Box::new(sync_mpsc::on_smol::drained_bytes)),
    });
    v.push(Scenario {
        group: "memory",
        name: "mpsc_idle_bounded_16_bytes",
        unit: "B",
        tern: Box::new(sync_mpsc::on_tern::idle_bounded_bytes),
        tokio: Box::new(sync_mpsc::on_tokio::idle_bounded_bytes),
        smol: Some(Box::new(sync_mpsc::on_smol::idle_bounded_bytes)),
    });
    v.push(Scenario {
        group: "memory",
        name: "idle_task_bytes",
        unit: "B",
        tern: Box::new(|| memory::measure("tern")),
        tokio: Box::new(|| memory::measure("tokio")),
        smol: Some(Box::new(|| memory::measure("smol"))),
    });
    v.push(Scenario {
        group: "memory",
        name: "sleeping_task_bytes",
        unit: "B",
        tern: Box::new(|| memory::measure("tern-sleep")),
        tokio: Box::new(|| memory::measure("tokio-sleep")),
        smol: Some(Box::new(|| memory::measure("smol-sleep"))),
    });
    v.push(Scenario {
        group: "blocking",
        name: "process_spawn_wait",
        unit: "ns",
        tern: Box::new(blocking_process::sample_tern),
        tokio: Box::new(blocking_process::sample_tokio),
        smol: None,
    });
    v.push(Scenario {
        group: "macros",
        name: "select_two_ready",
        unit: "ns",
        tern: sample(on_tern::current_thread, on_tern::select_two_ready),
        tokio: sample(on_tokio::current_thread, on_tokio::select_two_ready),
        smol: None,
    });
    v.push(Scenario {
        group: "io",
        name: "read_lines",
        unit: "ns",
        tern: sample(on_tern::current_thread, on_tern::read_lines),
        tokio: sample(on_tokio::current_thread, on_tokio::read_lines),
        smol: None,
    });
    v.push(Scenario {
        group: "io",
        name: "next_lines",
        unit: "ns",
        tern: sample(on_tern::current_thread, on_tern::next_lines),
        tokio: sample(on_tokio::current_thread, on_tokio::next_lines),
        smol: None,
    });
    v.push(Scenario {
        group: "io",
        name: "read_frames",
        unit: "ns",
        tern: sample(on_tern::current_thread, on_tern::read_frames),
        tokio: sample(on_tokio::current_thread, on_tokio::read_frames),
        smol: None,
    });
    v.push(Scenario {
        group: "io",
        name: "write_frames",
        unit: "ns",
        tern: sample(on_tern::current_thread, on_tern::write_frames),
        tokio: sample(on_tokio::current_thread, on_tokio::write_frames),
        smol: None,
    });
    v.push(Scenario {
        group: "io",
        name: "read_lines_fresh_512",
        unit: "ns",
        tern: sample(on_tern::current_thread, on_tern::read_lines_fresh),
        tokio: sample(on_tokio::current_thread, on_tokio::read_lines_fresh),
        smol: None,
    });
    v.push(Scenario {
        group: "io",
        name: "read_lines_mt",
        unit: "ns",
        tern: sample(on_tern::multi_thread, on_tern::read_lines),
        tokio: sample(on_tokio::multi_thread, on_tokio::read_lines),
        smol: None,
    });
    v.extend(blocking_fs::scenarios());
    v
}

/// The `sync` group (see `sync_channels.rs`) and its memory row.
fn sync_channels_rows() -> Vec<Scenario> {
    use sync_channels::{on_smol, on_tern as tn, on_tokio as tk};
    let g = "sync";
    vec![
        Scenario {
            group: g,
            name: "oneshot_request_response",
            unit: "ns",
            tern: sample(tn::request_reply_setup, tn::request_reply),
            tokio: sample(tk::request_reply_setup, tk::request_reply),
            smol: Some(sample(on_smol::request_reply_setup, on_smol::request_reply)),
        },
        Scenario {
            group: g,
            name: "actor_8_clients_ct",
            unit: "ns",
            tern: sample(on_tern::current_thread_timed, tn::actor),
            tokio: sample(on_tokio::current_thread_timed, tk::actor),
            smol: None,
        },
        Scenario {
            group: g,
            name: "actor_8_clients_mt",
            unit: "ns",
            tern: sample(on_tern::multi_thread_all, tn::actor),
            tokio: sample(on_tokio::multi_thread_all, tk::actor),
            smol: None,
        },
        Scenario {
            group: g,
            name: "watch_many_receivers",
            unit: "ns",
            tern: sample(|| tn::watch_setup(100), tn::watch_rounds),
            tokio: sample(|| tk::watch_setup(100), tk::watch_rounds),
            smol: None,
        },
        Scenario {
            group: g,
            name: "broadcast_contended",
            unit: "ns",
            tern: sample(|| tn::broadcast_setup(10), tn::broadcast_rounds),
            tokio: sample(|| tk::broadcast_setup(10), tk::broadcast_rounds),
            smol: None,
        },
        Scenario {
            group: g,
            name: "broadcast_fanout_500",
            unit: "ns",
            tern: sample(|| tn::broadcast_setup(500), tn::broadcast_rounds),
            tokio: sample(|| tk::broadcast_setup(500), tk::broadcast_rounds),
            smol: None,
        },
        Scenario {
            group: g,
            name: "broadcast_stream_4",
            unit: "ns",
            tern: sample(on_tern::multi_thread_all, tn::broadcast_stream),
            tokio: sample(on_tokio::multi_thread_all, tk::broadcast_stream),
            smol: None,
        },
        Scenario {
            group: g,
            name: "broadcast_stream_4_all",
            unit: "ns",
            tern: sample(on_tern::multi_thread_all, tn::broadcast_stream_all),
            tokio: sample(on_tokio::multi_thread_all, tk::broadcast_stream_all),
            smol: None,
        },
        Scenario {
            group: "memory",
            name: "oneshot_channel_bytes",
            unit: "B",
            tern: Box::new(|| sync_channels::oneshot_memory("tern")),
            tokio: Box::new(|| sync_channels::oneshot_memory("tokio")),
            smol: None,
        },
    ]
}

fn percentile(mut v: Vec<f64>, p: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i]
}

/// A precision row: `n` sequential sleeps of `d` per runtime, interleaved
/// in chunks; the row holds the median overshoot past the deadline (ns),
/// and the p99 is printed.
fn precision(name: &'static str, d: Duration, n: usize) -> Row {
    let tern_rt = on_tern::current_thread_timed();
    let tokio_rt = on_tokio::current_thread_timed();
    let (mut tern, mut tokio) = (Vec::new(), Vec::new());
    let chunk = (n / 4).max(1);
    while tern.len() < n {
        tern.extend(on_tern::sleep_overshoots(&tern_rt, d, chunk));
        tokio.extend(on_tokio::sleep_overshoots(&tokio_rt, d, chunk));
    }
    eprint!(
        "[p99 overshoot: Tokio {:.0} µs, tern {:.0} µs] ",
        percentile(tokio.clone(), 0.99) / 1e3,
        percentile(tern.clone(), 0.99) / 1e3
    );
    Row { group: "time", scenario: name, unit: "ns", tokio: median(tokio), tern: median(tern), smol: None }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn run(s: &mut Scenario, rounds: usize) -> Row {
    let (mut tern, mut tokio, mut smol) = (Vec::new(), Vec::new(), Vec::new());
    // Profiling aid: `TERN_BENCH_ONLY=tern` (or `tokio`) runs one side.
    if let Ok(only) = std::env::var("TERN_BENCH_ONLY") {
        let f = match only.as_str() {
            "tern" => &mut s.tern,
            "tokio" => &mut s.tokio,
            _ => panic!("TERN_BENCH_ONLY is tern or tokio"),
        };
        let v: Vec<f64> = (0..rounds).map(|_| f()).collect();
        eprint!("{only}: median {:.0} ", median(v.clone()));
        return Row {
            group: s.group,
            scenario: s.name,
            unit: s.unit,
            tokio: median(v.clone()),
            tern: median(v),
            smol: None,
        };
    }
    for round in 0..rounds {
        // Rotate who goes first, so drift in machine state hits each alike.
        for k in 0..3 {
            match (round + k) % 3 {
                0 => tern.push((s.tern)()),
                1 => tokio.push((s.tokio)()),
                _ => {
                    if let Some(f) = s.smol.as_mut() {
                        smol.push(f());
                    }
                }
            }
        }
    }
    if std::env::var_os("TERN_BENCH_SAMPLES").is_some() {
        // Every round's value, to see the spread behind a median.
        let show = |v: &[f64]| v.iter().map(|x| format!("{x:.0}")).collect::<Vec<_>>().join(" ");
        eprintln!("\n  tern [{}]\n  peer [{}]\n  smol [{}]", show(&tern), show(&tokio), show(&smol));
    }
    Row {
        group: s.group,
        scenario: s.name,
        unit: s.unit,
        tokio: median(tokio),
        tern: median(tern),
        smol: if smol.is_empty() { None } else { Some(median(smol)) },
    }
}

fn fmt_value(v: f64, unit: &str) -> String {
    if unit == "B" {
        return format!("{v:.1} B");
    }
    if v >= 1e6 {
        format!("{:.3} ms", v / 1e6)
    } else if v >= 1e3 {
        format!("{:.2} µs", v / 1e3)
    } else {
        format!("{v:.0} ns")
    }
}

fn geomean(v: &[f64]) -> f64 {
    (v.iter().map(|x| x.ln()).sum::<f64>() / v.len() as f64).exp()
}

fn print_table(rows: &[Row]) {
    println!(
        "| group | scenario | Tokio | tern | ratio (Tokio/tern) | smol | smol_ratio (smol/tern) |\n|---|---|---:|---:|---:|---:|---:|"
    );
    let mut groups: Vec<&str> = Vec::new();
    for r in rows {
        if !groups.contains(&r.group) {
            groups.push(r.group);
        }
    }
    for g in groups {
        let rs: Vec<&Row> = rows.iter().filter(|r| r.group == g).collect();
        for r in &rs {
            let (smol, sr) = match r.smol {
                Some(s) => (fmt_value(s, r.unit), format!("{:.2}", s / r.tern)),
                None => ("-".into(), "-".into()),
            };
            println!(
                "| {} | {} | {} | {} | {:.2} | {} | {} |",
                r.group,
                r.scenario,
                fmt_value(r.tokio, r.unit),
                fmt_value(r.tern, r.unit),
                r.tokio / r.tern,
                smol,
                sr
            );
        }
        let ratios: Vec<f64> = rs.iter().map(|r| r.tokio / r.tern).collect();
        let smol_ratios: Vec<f64> = rs.iter().filter_map(|r| r.smol.map(|s| s / r.tern)).collect();
        let smol_geo =
            if smol_ratios.is_empty() { "-".into() } else { format!("{:.2}", geomean(&smol_ratios)) };
        println!("| {g} | **geomean** | | | **{:.2}** | | **{smol_geo}** |", geomean(&ratios));
    }
}

fn write_json(rows: &[Row]) -> std::io::Result<std::path::PathBuf> {
    let mut out = String::from("[\n");
    for (i, r) in rows.iter().enumerate() {
        out.push_str(&format!(
            "  {{\"group\": \"{}\", \"scenario\": \"{}\", \"tokio_ns\": {:.1}, \"tern_ns\": {:.1}, \"ratio\": {:.4}",
            r.group,
            r.scenario,
            r.tokio,
            r.tern,
            r.tokio / r.tern
        ));
        if let Some(s) = r.smol {
            out.push_str(&format!(", \"smol_ns\": {:.1}, \"smol_ratio\": {:.4}", s, s / r.tern));
        }
        if r.unit != "ns" {
            out.push_str(&format!(", \"unit\": \"{}\"", r.unit));
        }
        out.push('}');
        out.push_str(if i + 1 < rows.len() { ",\n" } else { "\n" });
    }
    out.push_str("]\n");
    let dir = target_dir();
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("tern-bench.json");
    std::fs::write(&path, out)?;
    Ok(path)
}

/// The workspace's `target/` (next to this crate's manifest directory).
fn target_dir() -> std::path::PathBuf {
    if let Ok(dir) = std::env::var("CARGO_TARGET_DIR") {
        return dir.into();
    }
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("target")
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--net-server") {
        net::server(&args[1], &args[2]);
    }
    if args.first().map(String::as_str) == Some("--net-load") {
        // Profiling aid: drive an already running `--net-server` (e.g. one
        // started under `perf stat`) with one scenario for a while.
        let port: u16 = args[2].parse().expect("--net-load SCENARIO PORT [SECONDS]");
        let secs = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(5.0);
        net::load_for(&args[1], port, Duration::from_secs_f64(secs));
        return;
    }
    if args.first().map(String::as_str) == Some("--memory-child") {
        let n = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(memory::IDLE_TASKS);
        memory::child(&args[1], n);
    }
    if args.first().map(String::as_str) == Some("--sync-memory-child") {
        let n = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(sync_channels::MEMORY_CHANNELS);
        sync_channels::memory_child(&args[1], n);
    }
    let quick = args.iter().any(|a| a == "--quick");
    let filter: Option<&String> = args.iter().find(|a| !a.starts_with("--"));
    let rounds = if quick { 3 } else { 10 };
    let mut rows = Vec::new();
    for mut s in scenarios() {
        let full = format!("{}/{}", s.group, s.name);
        if filter.is_some_and(|f| !full.contains(f.as_str())) {
            continue;
        }
        eprint!("{full} ... ");
        // A `net` round's spread comes from how the kernel schedules the
        // client against the server (about ±10% per round on
        // `tcp_echo_16k`, whichever server), not from the code under test:
        // three times the rounds keep the medians steadier (the median of
        // 30 spreads about a quarter as much as one round's value).
        let n = if s.group == "net" { 3 * rounds } else { rounds };
        let row = run(&mut s, n);
        eprintln!("ratio {:.2}", row.tokio / row.tern);
        rows.push(row);
    }
    for (name, d) in [
        ("sleep_precision_20ms", Duration::from_millis(20)),
        ("sleep_precision_500us", Duration::from_micros(500)),
    ] {
        let full = format!("time/{name}");
        if filter.is_some_and(|f| !full.contains(f.as_str())) {
            continue;
        }
        eprint!("{full} ... ");
        let row = precision(name, d, if quick { 60 } else { 200 });
        eprintln!("ratio {:.2}", row.tokio / row.tern);
        rows.push(row);
    }
    if rows.is_empty() {
        eprintln!("no scenario matches the filter");
        std::process::exit(1);
    }
    print_table(&rows);
    match write_json(&rows) {
        Ok(path) => eprintln!("wrote {}", path.display()),
        Err(e) => eprintln!("could not write target/tern-bench.json: {e}"),
    }
}
