//! The runtime groups' rows: `rt_current_thread`, `rt_multi_threaded`,
//! `task`, the blocking pool's, and the `cpu` rows (the busy runtimes of
//! `rt_multi_threaded`, timed in process CPU).

use super::{
    busy1_tern, busy1_tokio, busy2_tern, busy2_tokio, busy_yield_tern, busy_yield_tokio, on_smol_mt,
};
use crate::scenarios::{on_tern, on_tokio};
use crate::{blocking_pool, cpu_slice, sample, slice, smol_mt, smol_scenarios, time_slice, Scenario};

/// The `rt_current_thread`, `rt_multi_threaded`, `task` and blocking-pool rows.
pub(super) fn rows() -> Vec<Scenario> {
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
    v.extend([
        Scenario {
            group: mt,
            name: "spawn_many_local",
            unit: "ns",
            tern: sample(on_tern::multi_thread, on_tern::spawn_many_local_in_task),
            tokio: sample(on_tokio::multi_thread, on_tokio::spawn_many_local_in_task),
            smol: on_smol_mt(smol_mt::spawn_many_local),
        },
        Scenario {
            group: mt,
            name: "spawn_many_remote_idle",
            unit: "ns",
            tern: sample(on_tern::multi_thread, on_tern::spawn_many_remote),
            tokio: sample(on_tokio::multi_thread, on_tokio::spawn_many_remote),
            smol: on_smol_mt(smol_mt::spawn_many_remote),
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
            smol: on_smol_mt(smol_mt::ping_pong),
        },
        Scenario {
            group: mt,
            name: "yield_many",
            unit: "ns",
            tern: sample(on_tern::multi_thread, on_tern::yield_many),
            tokio: sample(on_tokio::multi_thread, on_tokio::yield_many),
            smol: on_smol_mt(smol_mt::yield_many),
        },
        Scenario {
            group: mt,
            name: "chained_spawn",
            unit: "ns",
            tern: sample(on_tern::multi_thread, on_tern::chained_spawn),
            tokio: sample(on_tokio::multi_thread, on_tokio::chained_spawn),
            smol: on_smol_mt(smol_mt::chained_spawn),
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
            smol: on_smol_mt(smol_mt::remote_spawn),
        },
        Scenario {
            group: mt,
            name: "local_set_ping_pong",
            unit: "ns",
            tern: sample(on_tern::multi_thread, on_tern::local_set_ping_pong),
            tokio: sample(on_tokio::multi_thread, on_tokio::local_set_ping_pong),
            smol: None,
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
    v
}

/// The `cpu` group: two busy `rt_multi_threaded` rows in process CPU time.
pub(super) fn cpu_rows() -> Vec<Scenario> {
    let mut v = Vec::new();
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
    v
}
