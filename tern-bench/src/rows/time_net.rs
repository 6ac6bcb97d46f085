//! The `time` and `net` groups' rows.

use crate::net;
use crate::scenarios::{on_tern, on_tokio};
use crate::{sample, Scenario};

/// The `time` rows, then `net` (tern against Tokio, and against a mio floor).
pub(super) fn rows() -> Vec<Scenario> {
    let mut v = Vec::new();
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
        Scenario {
            group: tm,
            name: "timeout_around_io",
            unit: "ns",
            tern: sample(on_tern::current_thread_timed, on_tern::timeout_around_io),
            tokio: sample(on_tokio::current_thread_timed, on_tokio::timeout_around_io),
            smol: None,
        },
    ]);
    v.push(Scenario {
        group: "net",
        name: "tcp_short_connections_mt",
        unit: "ns",
        tern: sample(on_tern::multi_thread_all, on_tern::tcp_short_connections),
        tokio: sample(on_tokio::multi_thread_all, on_tokio::tcp_short_connections),
        smol: None,
    });
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
    v
}
