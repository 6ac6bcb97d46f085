//! The `memory`, `macros` and `io` groups' rows, and the process row of
//! `blocking`. (The `oneshot` channel's `memory` row is in `sync.rs`.)

use crate::scenarios::{on_tern, on_tokio};
use crate::{blocking_process, memory, sync_mpsc};
use crate::{sample, Scenario};

/// The channel and task `memory` rows, the process row of `blocking`, `macros` and `io`.
pub(super) fn rows() -> Vec<Scenario> {
    vec![
        Scenario {
            group: "memory",
            name: "mpsc_drained_after_burst_bytes",
            unit: "B",
            tern: Box::new(sync_mpsc::on_tern::drained_bytes),
            tokio: Box::new(sync_mpsc::on_tokio::drained_bytes),
            smol: Some(Box::new(sync_mpsc::on_smol::drained_bytes)),
        },
        Scenario {
            group: "memory",
            name: "mpsc_idle_bounded_16_bytes",
            unit: "B",
            tern: Box::new(sync_mpsc::on_tern::idle_bounded_bytes),
            tokio: Box::new(sync_mpsc::on_tokio::idle_bounded_bytes),
            smol: Some(Box::new(sync_mpsc::on_smol::idle_bounded_bytes)),
        },
        Scenario {
            group: "memory",
            name: "idle_task_bytes",
            unit: "B",
            tern: Box::new(|| memory::measure("tern")),
            tokio: Box::new(|| memory::measure("tokio")),
            smol: Some(Box::new(|| memory::measure("smol"))),
        },
        Scenario {
            group: "memory",
            name: "sleeping_task_bytes",
            unit: "B",
            tern: Box::new(|| memory::measure("tern-sleep")),
            tokio: Box::new(|| memory::measure("tokio-sleep")),
            smol: Some(Box::new(|| memory::measure("smol-sleep"))),
        },
        Scenario {
            group: "blocking",
            name: "process_spawn_wait",
            unit: "ns",
            tern: Box::new(blocking_process::sample_tern),
            tokio: Box::new(blocking_process::sample_tokio),
            smol: None,
        },
        Scenario {
            group: "macros",
            name: "select_two_ready",
            unit: "ns",
            tern: sample(on_tern::current_thread, on_tern::select_two_ready),
            tokio: sample(on_tokio::current_thread, on_tokio::select_two_ready),
            smol: None,
        },
        Scenario {
            group: "io",
            name: "read_lines",
            unit: "ns",
            tern: sample(on_tern::current_thread, on_tern::read_lines),
            tokio: sample(on_tokio::current_thread, on_tokio::read_lines),
            smol: None,
        },
        Scenario {
            group: "io",
            name: "next_lines",
            unit: "ns",
            tern: sample(on_tern::current_thread, on_tern::next_lines),
            tokio: sample(on_tokio::current_thread, on_tokio::next_lines),
            smol: None,
        },
        Scenario {
            group: "io",
            name: "read_frames",
            unit: "ns",
            tern: sample(on_tern::current_thread, on_tern::read_frames),
            tokio: sample(on_tokio::current_thread, on_tokio::read_frames),
            smol: None,
        },
        Scenario {
            group: "io",
            name: "write_frames",
            unit: "ns",
            tern: sample(on_tern::current_thread, on_tern::write_frames),
            tokio: sample(on_tokio::current_thread, on_tokio::write_frames),
            smol: None,
        },
        Scenario {
            group: "io",
            name: "read_lines_fresh_512",
            unit: "ns",
            tern: sample(on_tern::current_thread, on_tern::read_lines_fresh),
            tokio: sample(on_tokio::current_thread, on_tokio::read_lines_fresh),
            smol: None,
        },
        Scenario {
            group: "io",
            name: "read_lines_mt",
            unit: "ns",
            tern: sample(on_tern::multi_thread, on_tern::read_lines),
            tokio: sample(on_tokio::multi_thread, on_tokio::read_lines),
            smol: None,
        },
    ]
}
