//! The live tasks of a multi-thread runtime: the owned-task list of
//! `task/list.rs`, sharded by task id behind one mutex per shard, since
//! tasks are spawned and completed on any thread. Shutdown closes every
//! shard (later spawns are refused) and cancels what is left.

use crate::loom::sync::Mutex;
use crate::task::list::OwnedList;
use crate::task::{Schedule, Task};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

pub(super) struct OwnedTasks<S: 'static> {
    shards: Box<[Shard<S>]>,
    mask: usize,
}

/// One shard, alone on its cache lines: the spawning thread binds into one
/// shard while workers release from others, and they must not bounce a
/// shared line.
///
/// `len` mirrors the list's length for `num_alive_tasks`: stored under the
/// lock, on the line the lock already brought in, read without it.
#[repr(align(128))]
struct Shard<S: 'static> {
    list: Mutex<OwnedList<S>>,
    len: AtomicUsize,
}

impl<S: Schedule> Shard<S> {
    /// Runs `f` on the list under the lock, then publishes its length.
    fn with<R>(&self, f: impl FnOnce(&mut OwnedList<S>) -> R) -> R {
        let mut list = self.list.lock();
        let r = f(&mut list);
        self.len.store(list.len(), Relaxed);
        r
    }
}

impl<S: Schedule> OwnedTasks<S> {
    pub(super) fn new(num_workers: usize) -> Self {
        // One shard under loom: shard choice follows task ids, which are
        // not reproducible across loom's executions.
        let n = crate::loom::if_loom!(
            (num_workers * 16).next_power_of_two().clamp(16, 1 << 12),
            num_workers.min(1)
        );
        let shards = (0..n).map(|_| Shard { list: Mutex::new(OwnedList::new()), len: AtomicUsize::new(0) });
        OwnedTasks { shards: shards.collect(), mask: n - 1 }
    }

    fn shard(&self, task: &Task<S>) -> &Shard<S> {
        &self.shards[task.raw().id().0.get() as usize & self.mask]
    }

    /// Links `task`, or hands it back if the runtime shut down.
    pub(super) fn bind(&self, task: Task<S>) -> Result<(), Task<S>> {
        self.shard(&task).with(|list| list.push(task))
    }

    pub(super) fn remove(&self, task: &Task<S>) -> Option<Task<S>> {
        self.shard(task).with(|list| {
            // SAFETY: a task is only ever linked into the shard its id
            // selects, so it is in this shard's list or in none.
            unsafe { list.remove(task) }
        })
    }

    pub(super) fn close(&self) {
        for shard in self.shards.iter() {
            shard.list.lock().close();
        }
    }

    /// Cancels every listed task, starting at shard `start` so that workers
    /// shutting down together spread out. Each task is popped under its
    /// shard's lock and cancelled outside it.
    pub(super) fn shutdown_all(&self, start: usize) {
        let n = self.shards.len();
        for i in 0..n {
            let shard = &self.shards[(start + i) & self.mask];
            loop {
                let task = shard.with(OwnedList::pop);
                match task {
                    Some(task) => task.shutdown(),
                    None => break,
                }
            }
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.shards.iter().all(|s| s.list.lock().len() == 0)
    }

    /// Live tasks, summed over the shards without locking them (so only
    /// roughly consistent while tasks come and go).
    pub(super) fn len(&self) -> usize {
        self.shards.iter().map(|s| s.len.load(Relaxed)).sum()
    }
}
