//! The `sync_flume_kanal` group: the mpsc rows of `sync_mpsc.rs` with
//! flume's and kanal's async channels, on the same 2-worker tern runtime,
//! so only the channel differs. In the table the peer ("Tokio") column
//! holds flume and the smol column holds kanal; the tern column is
//! `tern::sync::mpsc`, as in the `sync` group. Neither crate has
//! `recv_many` or a oneshot, so those rows are not repeated here.

use crate::sync_mpsc::{PER_SENDER, SENDERS, UNCONTENDED};
use tern::runtime::Runtime;

/// One module of rows for a channel crate: its bounded and unbounded
/// constructors and its async send and receive methods.
macro_rules! alt_channel {
    ($name:ident, $bounded:path, $unbounded:path, $send:ident, $recv:ident) => {
        pub mod $name {
            use super::*;

            fn contention(r: &Runtime, cap: Option<usize>) {
                r.block_on(async {
                    let (tx, rx) = match cap {
                        Some(n) => $bounded(n),
                        None => $unbounded(),
                    };
                    for _ in 0..SENDERS {
                        let tx = tx.clone();
                        tern::spawn(async move {
                            for i in 0..PER_SENDER {
                                tx.$send(i).await.unwrap();
                            }
                        });
                    }
                    for _ in 0..SENDERS * PER_SENDER {
                        let _ = rx.$recv().await;
                    }
                })
            }

            pub fn contention_bounded(r: &Runtime) {
                contention(r, Some(1_000_000));
            }

            pub fn contention_bounded_full(r: &Runtime) {
                contention(r, Some(100));
            }

            pub fn contention_unbounded(r: &Runtime) {
                contention(r, None);
            }

            fn uncontended(r: &Runtime, cap: Option<usize>) {
                r.block_on(async {
                    let (tx, rx) = match cap {
                        Some(n) => $bounded(n),
                        None => $unbounded(),
                    };
                    for i in 0..UNCONTENDED {
                        tx.$send(i).await.unwrap();
                    }
                    for _ in 0..UNCONTENDED {
                        let _ = rx.$recv().await;
                    }
                })
            }

            pub fn uncontended_bounded(r: &Runtime) {
                uncontended(r, Some(1_000_000));
            }

            pub fn uncontended_unbounded(r: &Runtime) {
                uncontended(r, None);
            }
        }
    };
}

alt_channel!(on_flume, flume::bounded, flume::unbounded, send_async, recv_async);
alt_channel!(on_kanal, kanal::bounded_async, kanal::unbounded_async, send, recv);
