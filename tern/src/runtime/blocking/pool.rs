//! The blocking pool: threads that run `spawn_blocking` closures.
//!
//! # State
//!
//! Everything is in one [`State`] under one mutex; threads wait on `work`,
//! and `shutdown` waits on `exited`.
//!
//! | event | what changes |
//! |---|---|
//! | spawn after shutdown | nothing: the task is cancelled on the spot |
//! | spawn, an idle thread not yet notified (`idle > notified`) | push; `notified += 1`; wake one waiter |
//! | spawn, `threads < max` | push; `threads += 1`; start a thread (outside the lock). If the OS refuses, `threads -= 1`, and with no thread left every queued task is cancelled (its `JoinHandle` resolves to a cancelled error) |
//! | spawn, at the cap | push: a busy thread takes it when done (FIFO) |
//! | a thread finds a task | pop; run it outside the lock; `pending -= 1` |
//! | a thread finds none | `idle += 1`; wait (until `keep_alive` has passed since it went idle); `idle -= 1`; a pending notification (`notified > 0`) is consumed and the queue looked at again |
//! | a thread idle for `keep_alive`, or seeing shutdown with an empty queue | `threads -= 1` in the same critical section that saw the queue empty (so a spawn never counts on a thread that is leaving), then it runs `on_thread_stop` |
//! | a thread unwinds (a panicking `on_thread_start`/`on_thread_stop`) | `threads -= 1` if not done yet; if no thread is left, cancel what is queued |
//! | a thread ends, either way | `alive -= 1`; at zero, wake `shutdown` |
//! | shutdown | `shutdown = true`; wake every waiter; the threads run what is queued (mandatory or not), then end (as Tokio's: dropping a runtime waits for queued blocking work too); with no thread left, cancel what is queued; wait (bounded by the caller's timeout) until `alive == 0` |
//! | spawn mandatory after shutdown | nothing: refused (`None`), the closure dropped unrun |
//!
//! Invariants: `notified <= idle` (a notification is only handed to a
//! waiting thread); `pending` counts tasks queued or running (a paused
//! clock does not auto-advance while it is non-zero); every queued task is
//! eventually run or cancelled, because either a thread exists that will
//! look at the queue before it ends, or the queue is cancelled.

use super::{BlockingSchedule, BlockingTask};
use crate::loom::sync::{Condvar, Mutex};
use crate::runtime::{context, scheduler, Callback, ThreadNameFn};
use crate::task::{self, Id, JoinHandle, Notified};
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How the runtime's builder configured the pool.
pub(crate) struct PoolConfig {
    pub(crate) thread_name: ThreadNameFn,
    pub(crate) stack_size: Option<usize>,
    pub(crate) after_start: Option<Callback>,
    pub(crate) before_stop: Option<Callback>,
    /// At most this many threads at once (Tokio's default: 512).
    pub(crate) max_threads: usize,
    /// An idle thread exits after this long (Tokio's default: 10 s).
    pub(crate) keep_alive: Duration,
}

#[derive(Clone)]
pub(crate) struct BlockingSpawner {
    inner: Arc<Inner>,
}

struct Inner {
    state: Mutex<State>,
    /// Idle threads wait here for work.
    work: Condvar,
    /// `shutdown` waits here for the threads to end.
    exited: Condvar,
    config: PoolConfig,
}

type Queued = Notified<BlockingSchedule>;

/// A queued task, and whether it is mandatory (run even once the runtime
/// shuts down, as `tern::fs` writes are).
type Entry = (Queued, bool);

#[derive(Default)]
struct State {
    queue: VecDeque<Entry>,
    /// Threads that will still look at the queue (the count the cap and
    /// spawn decisions use).
    threads: usize,
    /// Threads not yet ended (what shutdown waits for).
    alive: usize,
    /// Threads waiting on `work`.
    idle: usize,
    /// Wake-ups handed to idle threads and not consumed yet.
    notified: usize,
    /// Tasks queued or running.
    pending: usize,
    shutdown: bool,
}

impl BlockingSpawner {
    pub(crate) fn new(config: PoolConfig) -> BlockingSpawner {
        BlockingSpawner {
            inner: Arc::new(Inner {
                state: Mutex::new(State::default()),
                work: Condvar::new(),
                exited: Condvar::new(),
                config,
            }),
        }
    }

    pub(crate) fn spawn_blocking<F, R>(&self, rt: &scheduler::Handle, func: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        match self.spawn(rt, func, false) {
            Ok(join) => join,
            Err(join) => join,
        }
    }

    /// As `spawn_blocking`, but the closure runs even if the runtime starts
    /// shutting down before it does; refused (`None`) once it has.
    pub(crate) fn spawn_mandatory_blocking<F, R>(
        &self,
        rt: &scheduler::Handle,
        func: F,
    ) -> Option<JoinHandle<R>>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.spawn(rt, func, true).ok()
    }

    /// Queues the closure; `Err` with a cancelled handle after shutdown.
    fn spawn<F, R>(
        &self,
        rt: &scheduler::Handle,
        func: F,
        mandatory: bool,
    ) -> Result<JoinHandle<R>, JoinHandle<R>>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let (notified, join) =
            task::new_unowned_task(BlockingTask { func: Some(func) }, BlockingSchedule, Id::next());
        let mut state = self.inner.state.lock();
        if state.shutdown {
            drop(state);
            // The runtime is shutting down: the closure never runs.
            notified.into_task().shutdown();
            return Err(join);
        }
        state.queue.push_back((notified, mandatory));
        state.pending += 1;
        if state.idle > state.notified {
            state.notified += 1;
            drop(state);
            self.inner.work.notify_one();
        } else if state.threads < self.inner.config.max_threads {
            state.threads += 1;
            state.alive += 1;
            drop(state);
            if let Err(e) = self.inner.clone().start_thread(rt.clone()) {
                self.inner.thread_failed(&e);
            }
        }
        Ok(join)
    }

    /// Blocking closures queued or running now (a paused clock does not
    /// auto-advance while any is).
    pub(crate) fn running(&self) -> usize {
        self.inner.state.lock().pending
    }

    /// Refuses new blocking tasks and waits (up to `timeout`, `None` for no
    /// limit) for the threads to run what is queued and end. Returns
    /// whether they all ended.
    pub(crate) fn shutdown(&self, timeout: Option<Duration>) -> bool {
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut state = self.inner.state.lock();
        state.shutdown = true;
        let orphaned = self.inner.take_orphans(&mut state);
        drop(state);
        cancel(orphaned);
        self.inner.work.notify_all();
        let mut state = self.inner.state.lock();
        while state.alive > 0 {
            match deadline {
                None => state = self.inner.exited.wait(state),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return false;
                    }
                    state = self.inner.exited.wait_timeout(state, deadline - now);
                }
            }
        }
        true
    }

    /// Threads alive (tests).
    #[cfg(all(test, not(tern_loom)))]
    fn threads(&self) -> usize {
        self.inner.state.lock().threads
    }

    /// Threads waiting for work (tests).
    #[cfg(all(test, not(tern_loom)))]
    fn idle(&self) -> usize {
        self.inner.state.lock().idle
    }
}

impl Inner {
    /// Starts a pool thread (counted in `threads` by the caller).
    fn start_thread(self: Arc<Self>, rt: scheduler::Handle) -> std::io::Result<()> {
        let mut builder = std::thread::Builder::new().name((self.config.thread_name)());
        if let Some(size) = self.config.stack_size {
            builder = builder.stack_size(size);
        }
        builder.spawn(move || {
            let _current = context::set_current(rt.clone());
            let mut exit = ThreadExit { inner: &self, counted_out: false };
            if let Some(f) = &self.config.after_start {
                f();
            }
            self.run(&rt);
            exit.counted_out = true;
            if let Some(f) = &self.config.before_stop {
                f();
            }
        })?;
        Ok(())
    }

    /// The OS refused a thread: undo its count; with no thread left to run
    /// what is queued, cancel it.
    fn thread_failed(&self, error: &std::io::Error) {
        let mut state = self.state.lock();
        state.threads -= 1;
        state.alive -= 1;
        if state.alive == 0 {
            self.exited.notify_all();
        }
        let orphaned = self.take_orphans(&mut state);
        drop(state);
        if !orphaned.is_empty() {
            eprintln!("tern: the OS refused a thread for spawn_blocking ({error}); the closure was not run");
        }
        cancel(orphaned);
    }

    /// The queue, when no thread is left to run it.
    fn take_orphans(&self, state: &mut State) -> VecDeque<Entry> {
        if state.threads > 0 {
            return VecDeque::new();
        }
        let orphaned = std::mem::take(&mut state.queue);
        state.pending -= orphaned.len();
        orphaned
    }

    /// A pool thread's loop: run queued tasks; idle up to `keep_alive`.
    /// Returns once the thread is counted out of `threads`.
    fn run(&self, rt: &scheduler::Handle) {
        let mut state = self.state.lock();
        let mut idle_since = None;
        loop {
            if let Some((task, _)) = state.queue.pop_front() {
                drop(state);
                task.run();
                state = self.state.lock();
                state.pending -= 1;
                if state.pending == 0 {
                    // A paused clock may auto-advance now: the scheduler may
                    // be parked until the next timer (real time) because
                    // this task was running, and nothing else would wake it
                    // (its JoinHandle may not be awaited).
                    if let Some(time) = rt.time_handle().filter(|t| t.clock().is_paused()) {
                        drop(state);
                        time.unpark();
                        state = self.state.lock();
                    }
                }
                idle_since = None;
                continue;
            }
            let since = *idle_since.get_or_insert_with(Instant::now);
            let left = self.config.keep_alive.saturating_sub(since.elapsed());
            if state.shutdown || left.is_zero() {
                // Seen empty, and counted out, under the same lock.
                state.threads -= 1;
                return;
            }
            state.idle += 1;
            state = self.work.wait_timeout(state, left);
            state.idle -= 1;
            if state.notified > 0 {
                state.notified -= 1;
            }
        }
    }
}

/// Counts a pool thread out when it ends, including by unwinding (a
/// panicking `on_thread_start`/`on_thread_stop` hook).
struct ThreadExit<'a> {
    inner: &'a Inner,
    /// `run` already took the thread out of `threads`.
    counted_out: bool,
}

impl Drop for ThreadExit<'_> {
    fn drop(&mut self) {
        let mut state = self.inner.state.lock();
        let mut orphaned = VecDeque::new();
        if !self.counted_out {
            state.threads -= 1;
            orphaned = self.inner.take_orphans(&mut state);
        }
        state.alive -= 1;
        if state.alive == 0 {
            self.inner.exited.notify_all();
        }
        drop(state);
        cancel(orphaned);
    }
}

/// Cancels queued tasks that will never run (outside the pool lock: a
/// cancelled task's join waker may run arbitrary code).
fn cancel(queued: VecDeque<Entry>) {
    for (task, _) in queued {
        task.into_task().shutdown();
    }
}

#[cfg(all(test, not(tern_loom)))]
mod tests {
    use crate::runtime::{scheduler, Builder};
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use std::sync::{Arc, Barrier};
    use std::time::Duration;

    fn spawner(rt: &crate::runtime::Runtime) -> &super::BlockingSpawner {
        rt.handle().inner.blocking_spawner()
    }

    #[test]
    fn threads_are_capped_and_the_rest_queue_in_order() {
        let rt = Builder::new_current_thread().max_blocking_threads(2).build().unwrap();
        let order = Arc::new(std::sync::Mutex::new(Vec::new()));
        let gate = Arc::new(Barrier::new(3));
        let handles: Vec<_> = (0..10)
            .map(|i| {
                let (order, gate) = (order.clone(), gate.clone());
                rt.spawn_blocking(move || {
                    if i < 2 {
                        gate.wait();
                    }
                    order.lock().unwrap().push(i);
                })
            })
            .collect();
        assert_eq!(spawner(&rt).threads(), 2);
        gate.wait();
        rt.block_on(async {
            for h in handles {
                h.await.unwrap();
            }
        });
        let order = order.lock().unwrap();
        // The queued ones (2..10) ran in FIFO order.
        let queued: Vec<_> = order.iter().copied().filter(|&i| i >= 2).collect();
        assert_eq!(queued, (2..10).collect::<Vec<_>>());
        assert_eq!(spawner(&rt).threads(), 2);
    }

    /// Waits (bounded) for `cond`, by polling.
    fn eventually(cond: impl Fn() -> bool) {
        for _ in 0..5000 {
            if cond() {
                return;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        panic!("condition not reached within 10 s");
    }

    #[test]
    fn an_idle_thread_is_reused() {
        let rt = Builder::new_current_thread().build().unwrap();
        let ids = Arc::new(std::sync::Mutex::new(std::collections::HashSet::new()));
        for _ in 0..20 {
            let ids = ids.clone();
            let h = rt.spawn_blocking(move || {
                ids.lock().unwrap().insert(std::thread::current().id());
            });
            rt.block_on(h).unwrap();
            // The thread counts itself idle just after the closure's
            // handle completes: wait for that, so the next spawn finds it.
            eventually(|| spawner(&rt).idle() == 1);
        }
        // One after the other: the same idle thread took every closure.
        assert_eq!(ids.lock().unwrap().len(), 1);
        assert_eq!(spawner(&rt).threads(), 1);
    }

    #[test]
    fn an_idle_thread_leaves_after_keep_alive() {
        let rt = Builder::new_current_thread().thread_keep_alive(Duration::from_millis(20)).build().unwrap();
        rt.block_on(rt.spawn_blocking(|| ())).unwrap();
        eventually(|| spawner(&rt).threads() == 0);
        // And the pool starts a new one when needed.
        assert_eq!(rt.block_on(rt.spawn_blocking(|| 5)).unwrap(), 5);
    }

    #[test]
    fn a_panicking_thread_start_hook_neither_hangs_nor_strands_closures() {
        let starts = Arc::new(AtomicUsize::new(0));
        let s = starts.clone();
        let rt = Builder::new_current_thread()
            .on_thread_start(move || {
                if s.fetch_add(1, SeqCst) == 0 {
                    panic!("hook fails once");
                }
            })
            .build()
            .unwrap();
        let first = rt.spawn_blocking(|| 1);
        let err = rt.block_on(first).unwrap_err();
        assert!(err.is_cancelled());
        // The pool still works afterwards, and drop returns.
        assert_eq!(rt.block_on(rt.spawn_blocking(|| 2)).unwrap(), 2);
        drop(rt);
    }

    #[test]
    fn shutdown_runs_what_is_queued_then_refuses_more() {
        let rt = Builder::new_current_thread().max_blocking_threads(1).build().unwrap();
        let gate = Arc::new(Barrier::new(2));
        let g = gate.clone();
        let running = rt.spawn_blocking(move || {
            g.wait();
            "ran"
        });
        let queued = rt.spawn_blocking(|| "queued, then ran");
        gate.wait();
        let handle = rt.handle().clone();
        let sched: &scheduler::Handle = &handle.inner;
        assert!(sched.blocking_spawner().shutdown(None));
        let late = sched.spawn_blocking(|| "never");
        let rt2 = Builder::new_current_thread().build().unwrap();
        assert_eq!(rt2.block_on(running).unwrap(), "ran");
        assert_eq!(rt2.block_on(queued).unwrap(), "queued, then ran");
        assert!(rt2.block_on(late).unwrap_err().is_cancelled());
    }

    #[test]
    fn shutdown_runs_queued_mandatory_tasks_and_refuses_new_ones() {
        let rt = Builder::new_current_thread().max_blocking_threads(1).build().unwrap();
        let gate = Arc::new(Barrier::new(2));
        let g = gate.clone();
        let pool = spawner(&rt).clone();
        let running = rt.spawn_blocking(move || {
            g.wait();
            // Still running when the shutdown begins, with the two below
            // queued behind it.
            eventually(|| pool.inner.state.lock().shutdown);
        });
        let sched: scheduler::Handle = rt.handle().inner.clone();
        let ran = Arc::new(AtomicUsize::new(0));
        let r = ran.clone();
        let mandatory =
            sched.blocking_spawner().spawn_mandatory_blocking(&sched, move || r.fetch_add(1, SeqCst));
        let plain = rt.spawn_blocking(|| ());
        gate.wait();
        assert!(sched.blocking_spawner().shutdown(None));
        assert_eq!(ran.load(SeqCst), 1);
        let rt2 = Builder::new_current_thread().build().unwrap();
        rt2.block_on(running).unwrap();
        assert_eq!(rt2.block_on(mandatory.unwrap()).unwrap(), 0);
        // A plain task queued before shutdown runs too (as in Tokio).
        rt2.block_on(plain).unwrap();
        assert!(sched.blocking_spawner().spawn_mandatory_blocking(&sched, || ()).is_none());
    }
}
