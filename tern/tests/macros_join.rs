//! `join!` and `try_join!`: outputs in order, rotating (fair) first future
//! unless `biased;`, and `try_join!`'s short-circuit on the first `Err`.

use std::future::{pending, ready, Future};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

/// Records `id` in `log` on each poll; ready with `out` after `pendings`
/// polls (waking itself meanwhile).
fn logged<T: Clone>(
    id: usize,
    pendings: usize,
    out: T,
    log: Arc<Mutex<Vec<usize>>>,
) -> impl Future<Output = T> {
    let mut left = pendings;
    std::future::poll_fn(move |cx| {
        log.lock().unwrap().push(id);
        if left == 0 {
            Poll::Ready(out.clone())
        } else {
            left -= 1;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    })
}

/// Counts its polls and its drop; never completes.
struct Tracked {
    polls: Arc<AtomicUsize>,
    drops: Arc<AtomicUsize>,
}

impl Future for Tracked {
    type Output = Result<u32, &'static str>;
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Self::Output> {
        self.polls.fetch_add(1, SeqCst);
        Poll::Pending
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.drops.fetch_add(1, SeqCst);
    }
}

#[tern::test]
async fn join_returns_outputs_in_order() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let (a, b, c) = tern::join!(logged(0, 2, "a", log.clone()), ready(2u8), async { 3.5f32 });
    assert_eq!((a, b, c), ("a", 2, 3.5));
    let () = tern::join!();
    let () = tern::join!(biased;);
    let (one,) = tern::join!(ready(1));
    assert_eq!(one, 1);
}

#[tern::test]
async fn join_rotates_first_future() {
    let log = Arc::new(Mutex::new(Vec::new()));
    tern::join!(logged(0, 2, (), log.clone()), logged(1, 2, (), log.clone()), logged(2, 2, (), log.clone()));
    // Poll 1 starts at 0, poll 2 at 1, poll 3 at 2; done futures are not
    // polled again (they keep their output).
    assert_eq!(*log.lock().unwrap(), [0, 1, 2, 1, 2, 0, 2, 0, 1]);
}

#[tern::test]
async fn join_biased_polls_in_order() {
    let log = Arc::new(Mutex::new(Vec::new()));
    tern::join!(biased; logged(0, 2, (), log.clone()), logged(1, 2, (), log.clone()), logged(2, 2, (), log.clone()));
    assert_eq!(*log.lock().unwrap(), [0, 1, 2, 0, 1, 2, 0, 1, 2]);
}

#[tern::test]
async fn join_waits_for_all_even_on_errors() {
    let (a, b) = tern::join!(ready(Err::<u8, &str>("no")), async {
        tern::task::yield_now().await;
        Ok::<u8, &str>(1)
    });
    assert_eq!((a, b), (Err("no"), Ok(1)));
}

#[tern::test]
async fn try_join_ok() {
    let res = tern::try_join!(ready(Ok::<_, ()>(1)), async { Ok(2) }, ready(Ok("three")));
    assert_eq!(res, Ok((1, 2, "three")));
    assert_eq!(tern::try_join!(), Ok::<(), ()>(()));
    assert_eq!(tern::try_join!(biased;), Ok::<(), ()>(()));
}

#[tern::test]
async fn try_join_short_circuits_and_drops_the_rest() {
    let polls = Arc::new(AtomicUsize::new(0));
    let drops = Arc::new(AtomicUsize::new(0));
    let log = Arc::new(Mutex::new(Vec::new()));
    let res = tern::try_join!(
        Tracked { polls: polls.clone(), drops: drops.clone() },
        logged(1, 2, Err::<u32, _>("boom"), log.clone()),
    );
    assert_eq!(res, Err("boom"));
    let polled = polls.load(SeqCst);
    assert!((2..=3).contains(&polled), "polled {polled} times");
    assert_eq!(drops.load(SeqCst), 1, "the other futures are dropped on the first error");
    tern::task::yield_now().await;
    assert_eq!(polls.load(SeqCst), polled);
}

#[tern::test]
async fn try_join_biased_error_first_skips_the_rest() {
    let polls = Arc::new(AtomicUsize::new(0));
    let drops = Arc::new(AtomicUsize::new(0));
    let res = tern::try_join!(
        biased;
        ready(Err::<u32, &str>("first")),
        Tracked { polls: polls.clone(), drops: drops.clone() },
    );
    assert_eq!(res, Err("first"));
    assert_eq!(polls.load(SeqCst), 0, "biased: the error came first, nothing else was polled");
    assert_eq!(drops.load(SeqCst), 1);
}

#[tern::test]
async fn try_join_rotates_first_future() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let res = tern::try_join!(
        logged(0, 1, Ok::<u8, ()>(0), log.clone()),
        logged(1, 1, Ok::<u8, ()>(1), log.clone()),
    );
    assert_eq!(res, Ok((0, 1)));
    assert_eq!(*log.lock().unwrap(), [0, 1, 1, 0]);
}

#[tern::test]
async fn try_join_with_uninhabited_error() {
    let res: Result<(u8, u8), std::convert::Infallible> = tern::try_join!(ready(Ok(1)), ready(Ok(2)));
    assert_eq!(res, Ok((1, 2)));
}

#[tern::test]
async fn a_never_ready_future_keeps_join_pending() {
    // `join!` with a pending future never completes; select it against a
    // ready one to observe that without hanging.
    let v = tern::select! {
        biased;
        _ = async { tern::join!(pending::<()>(), ready(())) } => 0,
        v = ready(1) => v,
    };
    assert_eq!(v, 1);
}

/// The futures `join!`/`try_join!` build are the size of Tokio's (Tokio's
/// own tests assert these numbers).
#[test]
fn join_future_sizes_match_tokios() {
    use std::future::ready;
    use std::mem::size_of_val;
    let one = async { tern::join!(ready(0i32)) };
    let two = async { tern::join!(ready(0i32), ready(0i32)) };
    assert_eq!((size_of_val(&one), size_of_val(&two)), (32, 48));
    let one = async { tern::join!(biased; ready(0i32)) };
    let two = async { tern::join!(biased; ready(0i32), ready(0i32)) };
    assert_eq!((size_of_val(&one), size_of_val(&two)), (24, 40));
    let one = async { tern::try_join!(biased; ready(Ok::<i32, ()>(0))) };
    let two = async { tern::try_join!(biased; ready(Ok::<i32, ()>(0)), ready(Ok::<i32, ()>(0))) };
    assert_eq!((size_of_val(&one), size_of_val(&two)), (24, 40));
}
