//! Loom models of `Mutex` and `RwLock` hand-off (a waiter cancelled after
//! (or while) being handed the lock passes it on to the next one) and of
//! `Barrier`'s generations.

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

/// A `Barrier` of 2 and four arrivals: two generations. No task leaves the
/// barrier before its generation is complete: whenever one leaves, at most
/// as many have left as there are tasks in complete generations (those
/// that entered, rounded down to a multiple of 2). A task of the second
/// generation arriving while the first's leader is between its count and
/// its wake-up must not be released with the first. Two threads wait;
/// the main thread arrives by polling a wait once (so it never blocks),
/// then waits again (the fourth arrival), then polls the first to the end.
#[test]
fn loom_barrier_releases_no_task_of_the_next_generation() {
    use crate::loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use crate::sync::{Barrier, BarrierWaitResult};
    use std::task::Poll;

    struct Books {
        entered: AtomicUsize,
        left: AtomicUsize,
        leaders: AtomicUsize,
    }
    impl Books {
        fn leave(&self, r: BarrierWaitResult) {
            let gone = self.left.fetch_add(1, SeqCst) + 1;
            assert!(gone <= self.entered.load(SeqCst) & !1, "left before its generation was complete");
            if r.is_leader() {
                self.leaders.fetch_add(1, SeqCst);
            }
        }
    }

    model(|| {
        let barrier = Arc::new(Barrier::new(2));
        let books = Arc::new(Books {
            entered: AtomicUsize::new(0),
            left: AtomicUsize::new(0),
            leaders: AtomicUsize::new(0),
        });
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let (barrier, books) = (barrier.clone(), books.clone());
                thread::spawn(move || {
                    books.entered.fetch_add(1, SeqCst);
                    books.leave(block_on(barrier.wait()));
                })
            })
            .collect();
        let mut cx = Context::from_waker(Waker::noop());
        books.entered.fetch_add(1, SeqCst);
        let mut first = pin!(barrier.wait());
        let mut first_done = false;
        if let Poll::Ready(r) = first.as_mut().poll(&mut cx) {
            books.leave(r);
            first_done = true;
        }
        books.entered.fetch_add(1, SeqCst);
        books.leave(block_on(barrier.wait()));
        for t in threads {
            t.join().unwrap();
        }
        if !first_done {
            match first.as_mut().poll(&mut cx) {
                Poll::Ready(r) => books.leave(r),
                Poll::Pending => panic!("both generations are complete, yet a task still waits"),
            }
        }
        assert_eq!(books.leaders.load(SeqCst), 2);
    });
}
