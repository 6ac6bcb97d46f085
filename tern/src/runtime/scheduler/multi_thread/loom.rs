//! Loom models of the multi-thread scheduler's lock-free and wake-up
//! protocols, on the real `queue.rs`, `inject.rs`, `idle.rs`, `owned.rs`
//! and `park.rs` (ring capacity 4 under loom).
//!
//! Every task carries an `Arc` token: loom's leak check catches a task
//! lost or kept, and the models count each task seen exactly once.

use super::idle::{Idle, LifoPushWake};
use super::inject::Inject;
use super::owned::OwnedTasks;
use super::queue::{self, CAPACITY};
use crate::loom::sync::atomic::{AtomicBool, Ordering::SeqCst};
use crate::loom::sync::Arc;
use crate::runtime::park::ParkInner;
use crate::task::{self, Id, JoinHandle, Notified, Schedule, Task};
use ::loom::thread;
use std::collections::HashSet;

#[derive(Clone, Copy)]
struct Noop;

impl Schedule for Noop {
    fn release(&self, _task: &Task<Self>) -> Option<Task<Self>> {
        None
    }
    fn schedule(&self, task: Notified<Self>) {
        drop(task);
    }
}

fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = ::loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(2);
    }
    builder.check(f);
}

fn task(token: &Arc<()>) -> (Notified<Noop>, JoinHandle<()>) {
    let t = token.clone();
    task::new_unowned_task(async move { drop(t) }, Noop, Id::next())
}

fn key(n: &Notified<Noop>) -> usize {
    n.task_ptr()
}

#[test]
fn loom_queue_pop_racing_steal_hands_out_each_task_once() {
    model(|| {
        let token = Arc::new(());
        let inject = Inject::new();
        let (steal, mut local) = queue::local::<Noop>();
        let mut joins = Vec::new();
        for _ in 0..3 {
            let (n, j) = task(&token);
            joins.push(j);
            local.push_back_or_overflow(n, &inject);
        }
        let thief = thread::spawn(move || {
            let (_s, mut mine) = queue::local::<Noop>();
            let mut got = Vec::new();
            if let Some(t) = steal.steal_into(&mut mine) {
                got.push(t);
                while let Some(t) = mine.pop() {
                    got.push(t);
                }
            }
            got
        });
        let mut seen = Vec::new();
        while let Some(t) = local.pop() {
            seen.push(t);
        }
        seen.extend(thief.join().unwrap());
        assert_eq!(seen.len(), 3, "every task exactly once");
        assert_eq!(seen.iter().map(key).collect::<HashSet<_>>().len(), 3);
        drop(seen);
        drop(joins);
        assert_eq!(Arc::strong_count(&token), 1);
    });
}

#[test]
fn loom_queue_overflow_racing_steal_loses_nothing() {
    model(|| {
        let token = Arc::new(());
        let inject = Arc::new(Inject::new());
        let (steal, mut local) = queue::local::<Noop>();
        let mut joins = Vec::new();
        let total = CAPACITY + 2;
        let mut tasks = Vec::new();
        for _ in 0..total {
            let (n, j) = task(&token);
            joins.push(j);
            tasks.push(n);
        }
        let first: Vec<_> = tasks.drain(..CAPACITY - 1).collect();
        for n in first {
            local.push_back_or_overflow(n, &inject);
        }
        let thief = thread::spawn(move || {
            let (_s, mut mine) = queue::local::<Noop>();
            let mut got = Vec::new();
            if let Some(t) = steal.steal_into(&mut mine) {
                got.push(t);
                while let Some(t) = mine.pop() {
                    got.push(t);
                }
            }
            got
        });
        // Fill past capacity while the thief may be at work: overflow.
        for n in tasks {
            local.push_back_or_overflow(n, &inject);
        }
        let mut seen = thief.join().unwrap();
        while let Some(t) = local.pop() {
            seen.push(t);
        }
        while let Some(t) = inject.pop() {
            seen.push(t);
        }
        assert_eq!(seen.len(), total);
        assert_eq!(seen.iter().map(key).collect::<HashSet<_>>().len(), total);
        drop(seen);
        drop(joins);
        assert_eq!(Arc::strong_count(&token), 1);
    });
}

#[test]
fn loom_lifo_slot_taken_by_owner_or_thief_never_both() {
    model(|| {
        let token = Arc::new(());
        let (steal, mut local) = queue::local::<Noop>();
        let (n, j) = task(&token);
        assert!(local.push_lifo(n).is_none());
        let thief = thread::spawn(move || steal.steal_lifo());
        let mine = local.pop_lifo();
        let theirs = thief.join().unwrap();
        assert!(mine.is_some() != theirs.is_some());
        drop((mine, theirs, j));
        assert_eq!(Arc::strong_count(&token), 1);
    });
}

#[test]
fn loom_unpark_is_never_lost() {
    model(|| {
        let park = Arc::new(ParkInner::new());
        let flag = Arc::new(AtomicBool::new(false));
        let (p, f) = (park.clone(), flag.clone());
        let waker = thread::spawn(move || {
            f.store(true, SeqCst);
            p.unpark();
        });
        while !flag.load(SeqCst) {
            park.park(None);
        }
        waker.join().unwrap();
    });
}

/// A worker going to sleep races a producer that queues work and wakes a
/// worker: the work is always picked up (else loom reports a deadlock).
#[test]
fn loom_queued_work_wakes_a_parking_worker() {
    model(|| {
        let token = Arc::new(());
        let inject = Arc::new(Inject::<Noop>::new());
        let idle = Arc::new(Idle::new(1));
        let park = Arc::new(ParkInner::new());
        let (n, j) = task(&token);
        let (inj, idl, prk) = (inject.clone(), idle.clone(), park.clone());
        let producer = thread::spawn(move || {
            let _ = inj.push(n);
            if let Some(worker) = idl.worker_to_notify() {
                assert_eq!(worker, 0);
                prk.unpark();
            }
        });
        // The worker, as in `worker/`: search, then park.
        let got = loop {
            let searching = idle.transition_worker_to_searching();
            if let Some(t) = inject.pop() {
                if searching {
                    let _ = idle.transition_worker_from_searching();
                }
                break t;
            }
            let parked = idle.transition_worker_to_parked(0, searching);
            if parked.was_last_searcher && !inject.is_empty() {
                let _ = idle.unpark_worker_by_id(0);
                continue;
            }
            while idle.is_parked(0) {
                park.park(None);
            }
        };
        producer.join().unwrap();
        drop((got, j));
        assert_eq!(Arc::strong_count(&token), 1);
    });
}

/// Shutdown (close, cancel all) racing a spawn and a wake: the future is
/// dropped exactly once and the join handle is resolved.
#[test]
fn loom_shutdown_racing_spawn_and_wake() {
    model(|| {
        let token = Arc::new(());
        let owned = Arc::new(OwnedTasks::<Noop>::new(1));
        let inject = Arc::new(Inject::<Noop>::new());
        let (o, i) = (owned.clone(), inject.clone());
        let spawner = thread::spawn(move || token_task(&o, &i));
        fn token_task(owned: &OwnedTasks<Noop>, inject: &Inject<Noop>) -> (JoinHandle<()>, Arc<()>) {
            let token = Arc::new(());
            let t = token.clone();
            let (task, notified, join) = task::new_task(async move { drop(t) }, Noop, Id::next());
            match owned.bind(task) {
                Ok(()) => {
                    let _ = inject.push(notified);
                }
                Err(task) => {
                    task.shutdown();
                    drop(notified);
                }
            }
            (join, token)
        }
        // Shutdown, as the last worker does it.
        owned.close();
        drop(inject.close());
        owned.shutdown_all(0);
        let (join, spawned_token) = spawner.join().unwrap();
        // Whatever raced: nothing is left listed or queued, and the task is
        // cancelled (its future dropped).
        owned.shutdown_all(0);
        drop(inject.close());
        assert!(owned.is_empty());
        assert!(join.is_finished());
        drop(join);
        assert_eq!(Arc::strong_count(&spawned_token), 1);
        drop(token);
    });
}

/// The `WATCHDOG` bit (`idle.rs`): two workers park while a third stays
/// awake, each takes the watch if it is vacant, wakes (releasing it) and
/// re-decides once (`rearm_watchdog`). At most one worker ever watches,
/// and one of the first two parks does take the watch, since a peer is
/// awake.
#[test]
fn loom_watchdog_is_held_by_at_most_one_parked_worker() {
    use crate::loom::sync::atomic::AtomicUsize;
    model(|| {
        let idle = Arc::new(Idle::new(3));
        let watching = Arc::new(AtomicUsize::new(0));
        let took = Arc::new(AtomicUsize::new(0));
        let watch = |watching: &AtomicUsize, idle: &Idle, me: usize| {
            assert_eq!(watching.fetch_add(1, SeqCst), 0, "two workers on watch");
            watching.fetch_sub(1, SeqCst);
            idle.release_watchdog(me);
        };
        let workers: Vec<_> = (1..3)
            .map(|i| {
                let (idle, watching, took) = (idle.clone(), watching.clone(), took.clone());
                thread::spawn(move || {
                    let parked = idle.transition_worker_to_parked(i, false);
                    if parked.watchdog {
                        took.fetch_add(1, SeqCst);
                        watch(&watching, &idle, i);
                    }
                    if idle.rearm_watchdog(i) {
                        watch(&watching, &idle, i);
                    }
                    assert!(idle.unpark_worker_by_id(i));
                })
            })
            .collect();
        for w in workers {
            w.join().unwrap();
        }
        assert!(took.load(SeqCst) >= 1, "a peer was awake, yet nobody took the watch");
        assert_eq!(idle.lifo_push_wake(), LifoPushWake::Nobody, "every worker awake again: no watch needed");
    });
}

/// The rule "an outside push wakes a worker only if the injection queue
/// was empty" (`Handle::schedule_task`), with two parked workers and two
/// pushes: the second push wakes nobody when the first is still queued, so
/// the worker woken for the first must find both (it takes a fair batch,
/// and as the last searcher to find work it wakes the other). Every task
/// runs; loom reports a deadlock if one is left queued with every worker
/// asleep.
#[test]
fn loom_a_push_onto_a_non_empty_injection_queue_needs_no_wake() {
    use crate::loom::sync::atomic::AtomicUsize;
    model(|| {
        let token = Arc::new(());
        let inject = Arc::new(Inject::<Noop>::new());
        let idle = Arc::new(Idle::new(2));
        let parks: Arc<Vec<ParkInner>> = Arc::new((0..2).map(|_| ParkInner::new()).collect());
        let done = Arc::new(AtomicUsize::new(0));
        for w in 0..2 {
            let parked = idle.transition_worker_to_parked(w, false);
            if parked.watchdog {
                idle.release_watchdog(w);
            }
        }
        let mut joins = Vec::new();
        let mut tasks = Vec::new();
        for _ in 0..2 {
            let (n, j) = task(&token);
            tasks.push(n);
            joins.push(j);
        }
        let notify = |idle: &Idle, parks: &[ParkInner]| {
            if let Some(w) = idle.worker_to_notify() {
                parks[w].unpark();
            }
        };
        let (inj, idl, prk) = (inject.clone(), idle.clone(), parks.clone());
        let producer = thread::spawn(move || {
            for n in tasks {
                if inj.push(n) {
                    notify(&idl, &prk);
                }
            }
        });
        let workers: Vec<_> = (0..2)
            .map(|w| {
                let (inject, idle, parks, done) = (inject.clone(), idle.clone(), parks.clone(), done.clone());
                thread::spawn(move || loop {
                    while idle.is_parked(w) {
                        if done.load(SeqCst) == 2 {
                            return;
                        }
                        parks[w].park(None);
                    }
                    // Woken by `worker_to_notify`: searching.
                    let mut searching = true;
                    loop {
                        let want = inject.len() / 2 + 1;
                        if let Some(batch) = inject.pop_batch(want, |d| d.collect::<Vec<_>>()) {
                            if searching && idle.transition_worker_from_searching() {
                                notify(&idle, &parks);
                            }
                            searching = false;
                            let n = batch.len();
                            drop(batch);
                            if done.fetch_add(n, SeqCst) + n == 2 {
                                for p in parks.iter() {
                                    p.unpark();
                                }
                                return;
                            }
                            continue;
                        }
                        let parked = idle.transition_worker_to_parked(w, searching);
                        if parked.watchdog {
                            idle.release_watchdog(w);
                        }
                        if parked.was_last_searcher && !inject.is_empty() && idle.unpark_worker_by_id(w) {
                            searching = false;
                            continue;
                        }
                        break;
                    }
                    if done.load(SeqCst) == 2 {
                        return;
                    }
                })
            })
            .collect();
        producer.join().unwrap();
        for w in workers {
            w.join().unwrap();
        }
        assert_eq!(done.load(SeqCst), 2);
        drop(joins);
        assert_eq!(Arc::strong_count(&token), 1);
    });
}

/// The deep watch (`idle.rs`, `WATCH_DEEP`): worker 0 holds the watch and
/// goes deep (sets the bit, then looks at its peer's queue once more)
/// while worker 1 pushes a task into its empty LIFO slot and asks whom to
/// wake. Either the holder's look sees the task or the push wakes the
/// holder: a deep watch never sleeps through a stranded task.
#[test]
fn loom_a_lifo_push_wakes_a_deep_watch_or_is_seen() {
    deep_watch_model(true);
}

/// The same with the task pushed alone into the ring (a wake after the
/// LIFO slot's run of polls, `worker::schedule_local`).
#[test]
fn loom_a_lone_ring_push_wakes_a_deep_watch_or_is_seen() {
    deep_watch_model(false);
}

fn deep_watch_model(lifo: bool) {
    model(move || {
        let token = Arc::new(());
        let idle = Arc::new(Idle::new(2));
        let parked = idle.transition_worker_to_parked(0, false);
        assert!(parked.watchdog, "a peer is awake: the parking worker takes the watch");
        let (steal, mut local) = queue::local::<Noop>();
        let (n, j) = task(&token);
        let idl = idle.clone();
        let holder = thread::spawn(move || {
            assert!(idl.enter_deep_watch(0), "nobody else parks to take the watch over");
            let saw = steal.has_queued();
            if saw {
                let _ = idl.leave_deep_watch(0);
            }
            saw
        });
        if lifo {
            assert!(local.push_lifo(n).is_none());
        } else {
            local.push_back_or_overflow(n, &Inject::new());
        }
        let wake = idle.lifo_push_wake();
        let saw = holder.join().unwrap();
        assert!(saw || wake == LifoPushWake::Holder(0), "the task is stranded behind a deep watch");
        if wake == LifoPushWake::Holder(0) {
            assert!(!idle.is_watch_deep(), "the push cleared the bit it acted on");
        }
        drop(local.pop_lifo());
        drop(local.pop());
        drop(j);
        assert_eq!(Arc::strong_count(&token), 1);
    });
}

/// The watch taken over (`idle.rs`, `offer_watch`): worker 0 holds the
/// watch, sleeps deep in the I/O driver and has offered it; worker 2
/// stays awake. Worker 1 parks (and takes the watch over if the offer is
/// still up), goes deep and looks at the queue once more; worker 0 wakes
/// meanwhile (leaves its deep watch, asks whether the watch is still its
/// own); worker 2 pushes into its empty LIFO slot and asks whom to wake.
/// In every order exactly one of the two holds the watch afterwards, and
/// a deep holder either saw the task or is the one the push wakes: the
/// old holder's late `leave_deep_watch` never clears the new one's bit.
#[test]
fn loom_a_watch_taken_over_stays_with_one_holder_and_its_deep_bit() {
    model(|| {
        let token = Arc::new(());
        let idle = Arc::new(Idle::new(3));
        assert!(idle.transition_worker_to_parked(0, false).watchdog);
        idle.offer_watch(0);
        assert!(idle.enter_deep_watch(0));
        let (steal, mut local) = queue::local::<Noop>();
        let (n, j) = task(&token);
        let idl = idle.clone();
        let old = thread::spawn(move || {
            let _ = idl.leave_deep_watch(0);
            idl.keep_watch(0)
        });
        let idl = idle.clone();
        let new = thread::spawn(move || {
            if !idl.transition_worker_to_parked(1, false).watchdog {
                return (false, false, false);
            }
            let deep = idl.enter_deep_watch(1);
            let saw = deep && steal.has_queued();
            if saw {
                let _ = idl.leave_deep_watch(1);
            }
            (true, deep, saw)
        });
        assert!(local.push_lifo(n).is_none());
        let wake = idle.lifo_push_wake();
        let kept = old.join().unwrap();
        let (took, deep, saw) = new.join().unwrap();
        assert!(kept != took, "the watch has one holder: old kept {kept}, new took {took}");
        if deep && !saw {
            assert_eq!(
                wake,
                LifoPushWake::Holder(1),
                "the task is stranded behind the new holder's deep watch"
            );
        }
        drop(local.pop_lifo());
        drop(j);
        assert_eq!(Arc::strong_count(&token), 1);
    });
}
