//! Loom models of `Mutex` and `RwLock` hand-off: a waiter cancelled after
//! (or while) being handed the lock passes it on to the next one.

use super::loom_semaphore::model;
use crate::loom::sync::Arc;
use crate::sync::{Mutex, RwLock};
use ::loom::future::block_on;
use ::loom::thread;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Waker};

#[test]
fn loom_mutex_cancelled_waiter_hands_the_lock_on() {
    model(|| {
        let m = Arc::new(Mutex::new(0));
        let g = m.try_lock().unwrap();
        let m1 = m.clone();
        let cancelled = thread::spawn(move || {
            let mut f = pin!(m1.lock());
            let _ = f.as_mut().poll(&mut Context::from_waker(Waker::noop()));
        });
        let m2 = m.clone();
        let waiter = thread::spawn(move || *block_on(m2.lock()) += 1);
        drop(g);
        cancelled.join().unwrap();
        waiter.join().unwrap();
        assert_eq!(*m.try_lock().unwrap(), 1);
    });
}

#[test]
fn loom_rwlock_cancelled_writer_lets_the_reader_behind_in() {
    model(|| {
        let l = Arc::new(RwLock::new(0));
        let r = l.try_read().unwrap();
        let l1 = l.clone();
        let cancelled = thread::spawn(move || {
            let mut f = pin!(l1.write());
            let _ = f.as_mut().poll(&mut Context::from_waker(Waker::noop()));
        });
        let l2 = l.clone();
        let reader = thread::spawn(move || *block_on(l2.read()));
        drop(r);
        cancelled.join().unwrap();
        assert_eq!(reader.join().unwrap(), 0);
        assert!(l.try_write().is_ok());
    });
}
