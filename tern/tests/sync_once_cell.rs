//! `tern::sync::OnceCell` and `SetOnce`.

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use tern::sync::{OnceCell, SetError, SetOnce, SetOnceError};

/// Counts its drops.
struct Tracked(Arc<AtomicUsize>);

impl Drop for Tracked {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

#[test]
fn set_get_and_errors() {
    let c = OnceCell::new();
    assert!(!c.initialized());
    assert_eq!(c.get(), None);
    c.set(1).unwrap();
    assert_eq!(c.get(), Some(&1));
    let e = c.set(2).unwrap_err();
    assert!(e.is_already_init_err() && !e.is_initializing_err());
    assert_eq!(e, SetError::AlreadyInitializedError(2));
    assert_eq!(e.to_string(), "AlreadyInitializedError");
    assert_eq!(format!("{c:?}"), "OnceCell { value: Some(1) }");
    assert_eq!(c.clone(), OnceCell::new_with(Some(1)));
}

#[test]
fn set_while_another_initializes_is_an_initializing_error() {
    let c = OnceCell::<u8>::new();
    let mut cx = Context::from_waker(Waker::noop());
    let mut init = pin!(c.get_or_init(std::future::pending));
    assert!(init.as_mut().poll(&mut cx).is_pending());
    let e = c.set(3).unwrap_err();
    assert!(e.is_initializing_err());
    assert_eq!(e.to_string(), "InitializingError");
}

#[test]
fn a_cancelled_initializer_lets_the_next_one_try() {
    let c = OnceCell::<u8>::new();
    let mut cx = Context::from_waker(Waker::noop());
    let mut first = Box::pin(c.get_or_init(std::future::pending));
    assert!(first.as_mut().poll(&mut cx).is_pending());
    let mut second = pin!(c.get_or_init(|| async { 9 }));
    assert!(second.as_mut().poll(&mut cx).is_pending(), "waits for the first");
    drop(first);
    assert!(matches!(second.as_mut().poll(&mut cx), Poll::Ready(&9)));
    assert_eq!(c.get(), Some(&9));
}

#[test]
fn a_failed_try_init_leaves_the_cell_empty() {
    let c = OnceCell::<u8>::new();
    let mut cx = Context::from_waker(Waker::noop());
    let r = pin!(c.get_or_try_init(|| async { Err::<u8, &str>("no") })).poll(&mut cx);
    assert!(matches!(r, Poll::Ready(Err("no"))));
    assert!(!c.initialized());
    let r = pin!(c.get_or_try_init(|| async { Ok::<u8, &str>(4) })).poll(&mut cx);
    assert!(matches!(r, Poll::Ready(Ok(&4))));
}

#[tern::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_or_init_runs_once_under_contention() {
    let c = Arc::new(OnceCell::new());
    let runs = Arc::new(AtomicUsize::new(0));
    let hs: Vec<_> = (0..10)
        .map(|i| {
            let (c, runs) = (c.clone(), runs.clone());
            tern::spawn(async move {
                *c.get_or_init(|| async move {
                    runs.fetch_add(1, SeqCst);
                    tern::task::yield_now().await;
                    i
                })
                .await
            })
        })
        .collect();
    let mut seen = Vec::new();
    for h in hs {
        seen.push(h.await.unwrap());
    }
    assert_eq!(runs.load(SeqCst), 1);
    assert!(seen.iter().all(|v| *v == seen[0]));
}

#[test]
fn values_are_dropped_exactly_once() {
    let drops = Arc::new(AtomicUsize::new(0));
    let c = OnceCell::new();
    c.set(Tracked(drops.clone())).ok().unwrap();
    drop(c);
    assert_eq!(drops.load(SeqCst), 1);

    let mut c = OnceCell::from(Tracked(drops.clone()));
    let v = c.take().unwrap();
    assert!(c.get().is_none());
    assert!(c.set(Tracked(drops.clone())).is_ok(), "take empties the cell for a new value");
    drop(v);
    assert_eq!(drops.load(SeqCst), 2);
    let inner = c.into_inner().unwrap();
    assert_eq!(drops.load(SeqCst), 2);
    drop(inner);
    assert_eq!(drops.load(SeqCst), 3);

    let s = SetOnce::new();
    s.set(Tracked(drops.clone())).ok().unwrap();
    let SetOnceError(rejected) = s.set(Tracked(drops.clone())).err().unwrap();
    drop(rejected);
    assert_eq!(drops.load(SeqCst), 4);
    drop(s);
    assert_eq!(drops.load(SeqCst), 5);
}

// The `const` constructors are not built under loom (its atomics are not const).
#[cfg(not(tern_loom))]
#[test]
fn get_mut_const_and_new_with() {
    let mut c = OnceCell::new_with(Some(1));
    *c.get_mut().unwrap() += 1;
    assert_eq!(c.into_inner(), Some(2));
    static C: OnceCell<u8> = OnceCell::const_new();
    static D: OnceCell<u8> = OnceCell::const_new_with(5);
    assert!(C.set(1).is_ok());
    assert_eq!(D.get(), Some(&5));
    assert!(D.set(6).unwrap_err().is_already_init_err());
}

// The `const` constructors are not built under loom (its atomics are not const).
#[cfg(not(tern_loom))]
#[test]
fn set_once_basics() {
    let s = SetOnce::new();
    assert!(!s.initialized());
    assert_eq!(s.get(), None);
    s.set(3).unwrap();
    assert_eq!(s.get(), Some(&3));
    assert_eq!(s.set(4), Err(SetOnceError(4)));
    assert_eq!(SetOnceError(4).to_string(), "SetOnceError");
    assert_eq!(s.into_inner(), Some(3));
    static S: SetOnce<u8> = SetOnce::const_new();
    static T: SetOnce<u8> = SetOnce::const_new_with(1);
    assert!(S.set(2).is_ok());
    assert_eq!(T.get(), Some(&1));
    assert_eq!(SetOnce::from(7).get(), Some(&7));
    assert_eq!(SetOnce::new_with(None::<u8>).get(), None);
}

#[test]
fn wait_is_woken_by_set_and_is_cancel_safe() {
    let s = SetOnce::new();
    let mut cx = Context::from_waker(Waker::noop());
    let mut dropped = Box::pin(s.wait());
    assert!(dropped.as_mut().poll(&mut cx).is_pending());
    drop(dropped);
    let mut w = pin!(s.wait());
    assert!(w.as_mut().poll(&mut cx).is_pending());
    s.set(8).unwrap();
    assert!(matches!(w.as_mut().poll(&mut cx), Poll::Ready(&8)));
}

#[tern::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_once_wakes_waiting_tasks() {
    let s = Arc::new(SetOnce::new());
    let hs: Vec<_> = (0..4)
        .map(|_| {
            let s = s.clone();
            tern::spawn(async move { *s.wait().await })
        })
        .collect();
    tern::task::yield_now().await;
    s.set(42).unwrap();
    for h in hs {
        assert_eq!(h.await.unwrap(), 42);
    }
}
