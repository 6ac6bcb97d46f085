//! The `sync_flume_kanal` group: the mpsc rows of `sync_mpsc.rs` with
//! flume's and kanal's async channels, on the same 2-worker tern runtime,
//! so only the channel differs. In the table the peer ("Tokio") column
//! holds flume and the smol column holds kanal; the tern column is
//! `tern::sync::mpsc`, as in the `sync` group. Neither crate has
//! `recv_many` or a oneshot, so those rows are not repeated here.

use crate::sync_mpsc::{PER_SENDER, SENDERS, UNCONTENDED};
use tern::runtime::Runtime;

pub mod on_flume {
    use super::*;

    fn contention(r: &Runtime, cap: Option<usize>) {
        r.block_on(async {
            let (tx, rx) = match cap {
                Some(n) => flume::bounded::<usize>(n),
                None => flume::unbounded::<usize>(),
            };
            for _ in 0..SENDERS {
                let tx = tx.clone();
                tern::spawn(async move {
                    for i in 0..PER_SENDER {
                        tx.send_async(i).await.unwrap();
                    }
                });
            }
            for _ in 0..SENDERS * PER_SENDER {
                let _ = rx.recv_async().await;
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
                Some(n) => flume::bounded::<usize>(n),
                None => flume::unbounded::<usize>(),
            };
            for i in 0..UNCONTENDED {
                tx.send_async(i).await.unwrap();
            }
            for _ in 0..UNCONTENDED {
                let _ = rx.recv_async().await;
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

pub mod on_kanal {
    use super::*;

    fn contention(r: &Runtime, cap: Option<usize>) {
        r.block_on(async {
            let (tx, rx) = match cap {
                Some(n) => kanal::bounded_async::<usize>(n),
                None => kanal::unbounded_async::<usize>(),
            };
            for _ in 0..SENDERS {
                let tx = tx.clone();
                tern::spawn(async move {
                    for i in 0..PER_SENDER {
                        tx.send(i).await.unwrap();
                    }
                });
            }
            for _ in 0..SENDERS * PER_SENDER {
                let _ = rx.recv().await;
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
                Some(n) => kanal::bounded_async::<usize>(n),
                None => kanal::unbounded_async::<usize>(),
            };
            for i in 0..UNCONTENDED {
                tx.send(i).await.unwrap();
            }
            for _ in 0..UNCONTENDED {
                let _ = rx.recv().await;
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
