//! The `sync` and `sync_flume_kanal` groups' rows, and the `memory` row of
//! the `oneshot` channel (`sync_channels_rows`, with the other rows of
//! `sync_channels.rs`).

use super::on_smol_mt;
use crate::scenarios::{on_tern, on_tokio};
use crate::{sample, Scenario};
use crate::{sync_alt, sync_channels, sync_locks, sync_mpsc};

/// The lock, notify, channel and mpsc rows (`sync`), then the mpsc rows against flume and kanal.
pub(super) fn rows() -> Vec<Scenario> {
    let mut v = Vec::new();
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
                smol: on_smol_mt(sync_mpsc::on_smol::$f),
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
    v.push(Scenario {
        group: "sync",
        name: "mpsc_recv_or_ctrl_c_ct",
        unit: "ns",
        tern: sample(on_tern::current_thread_timed, sync_mpsc::on_tern::recv_or_ctrl_c),
        tokio: sample(on_tokio::current_thread_timed, sync_mpsc::on_tokio::recv_or_ctrl_c),
        smol: None,
    });
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
