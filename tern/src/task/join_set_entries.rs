//! The indexed set behind [`JoinSet`](crate::task::JoinSet): entries in a
//! slab, and a queue of the entries worth looking at.
//!
//! # Design
//!
//! Each entry lives in a slot of a `Vec` and is named by a *key*: its slot
//! index and the slot's generation (bumped whenever the slot is emptied),
//! so a key that outlived its entry is recognised and skipped.
//!
//! An entry is *notified* when its value may have something to say (for a
//! `JoinHandle`: the task may have completed). Two queues hold the keys of
//! notified entries:
//!
//! * `local`, owned by the set (no lock): every new entry starts there,
//!   since nobody has looked at it yet; and keys moved over from `shared`.
//! * `shared`, a `Mutex`-protected list that wakers push onto.
//!
//! Wakers are made lazily: an entry gets one (one `Arc<Node>` allocation,
//! reused for the entry's whole life) only the first time it is looked at
//! and found not ready. A node's `notified` flag makes its wakes push its
//! key at most once until the set takes the key again, and waking also
//! wakes the waker registered by the set's owner (the task in `join_next`).
//! An insert wakes that waker too (`waiter_registered`): the new entry has
//! no node yet, so its task's completion could not.
//!
//! So each entry costs O(1) work per insertion and per wake: the set never
//! scans its entries to find a ready one (only `for_each`/`drain`, which
//! visit every entry by nature, walk the slab).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering::AcqRel};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Wake, Waker};

/// Slot index (low 32 bits) and generation (high 32 bits).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub(crate) struct Key(u64);

impl Key {
    fn new(index: u32, generation: u32) -> Key {
        Key(u64::from(generation) << 32 | u64::from(index))
    }

    fn index(self) -> usize {
        (self.0 & u64::from(u32::MAX)) as usize
    }

    fn generation(self) -> u32 {
        (self.0 >> 32) as u32
    }
}

/// What wakers and the set share.
struct Shared {
    inner: Mutex<SharedInner>,
}

struct SharedInner {
    /// Keys of entries whose waker fired, in the order they fired.
    woken: Vec<Key>,
    /// The waker of whoever waits for an entry to be notified.
    waiter: Option<Waker>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, SharedInner> {
        // Nothing panics while the lock is held; the data is always whole.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// An entry's waker.
struct Node {
    shared: Arc<Shared>,
    key: Key,
    /// Set when the key was pushed onto `shared.woken`; cleared when the
    /// set takes the key to look at the entry.
    notified: AtomicBool,
}

impl Wake for Node {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        // AcqRel: pairs with the set's `swap(false)`, so that whichever of
        // the two comes second sees what the other side did before it.
        if self.notified.swap(true, AcqRel) {
            return; // already queued
        }
        let waiter = {
            let mut shared = self.shared.lock();
            shared.woken.push(self.key);
            shared.waiter.take()
        };
        if let Some(waiter) = waiter {
            waiter.wake();
        }
    }
}

struct Slot<V> {
    generation: u32,
    entry: Option<Entry<V>>,
}

struct Entry<V> {
    value: V,
    node: Option<Arc<Node>>,
}

/// A set of values, each with a waker of its own that marks it notified.
pub(crate) struct NotifySet<V> {
    slots: Vec<Slot<V>>,
    /// Indices of empty slots.
    free: Vec<u32>,
    len: usize,
    /// Notified keys the set owns (no lock needed).
    local: VecDeque<Key>,
    shared: Arc<Shared>,
    /// `pop_notified` registered a waiter that may still be there: an
    /// insert must wake it (a new entry has no waker of its own until it
    /// is looked at). Cleared when an insert takes the waiter.
    waiter_registered: bool,
}

impl<V> NotifySet<V> {
    pub(crate) fn new() -> NotifySet<V> {
        NotifySet {
            slots: Vec::new(),
            free: Vec::new(),
            len: 0,
            local: VecDeque::new(),
            shared: Arc::new(Shared { inner: Mutex::new(SharedInner { woken: Vec::new(), waiter: None }) }),
            waiter_registered: false,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Adds `value`, notified (nobody has looked at it yet).
    pub(crate) fn insert(&mut self, value: V) {
        let entry = Some(Entry { value, node: None });
        let index = match self.free.pop() {
            Some(index) => {
                self.slots[index as usize].entry = entry;
                index
            }
            None => {
                let index = u32::try_from(self.slots.len()).expect("JoinSet holds more than u32::MAX tasks");
                self.slots.push(Slot { generation: 0, entry });
                index
            }
        };
        self.len += 1;
        self.local.push_back(Key::new(index, self.slots[index as usize].generation));
        // Whoever waits for a notification (a `join_next` that returned
        // `Pending`) must look at the new entry: nothing else would wake
        // it when the entry's task completes.
        if std::mem::take(&mut self.waiter_registered) {
            let waiter = self.shared.lock().waiter.take();
            if let Some(waiter) = waiter {
                waiter.wake();
            }
        }
    }

    fn entry(&self, key: Key) -> Option<&Entry<V>> {
        let slot = self.slots.get(key.index())?;
        if slot.generation != key.generation() {
            return None;
        }
        slot.entry.as_ref()
    }

    fn entry_mut(&mut self, key: Key) -> &mut Entry<V> {
        let slot = &mut self.slots[key.index()];
        assert_eq!(slot.generation, key.generation(), "stale JoinSet key");
        slot.entry.as_mut().expect("stale JoinSet key")
    }

    /// Takes the key of the next notified entry, clearing its notification.
    ///
    /// When none is left, registers `waiter` (if given) to be woken by the
    /// next notification, and returns `None`.
    pub(crate) fn pop_notified(&mut self, waiter: Option<&Waker>) -> Option<Key> {
        loop {
            let key = match self.local.pop_front() {
                Some(key) => key,
                None => {
                    let mut shared = self.shared.lock();
                    if shared.woken.is_empty() {
                        self.waiter_registered |= waiter.is_some();
                        let replaced = match waiter {
                            Some(waiter) => match &shared.waiter {
                                Some(w) if w.will_wake(waiter) => None,
                                _ => shared.waiter.replace(waiter.clone()),
                            },
                            None => None,
                        };
                        drop(shared);
                        // The old waker is dropped outside the lock: its
                        // destructor may run anything, even the tasks whose
                        // wakers take this lock.
                        drop(replaced);
                        return None;
                    }
                    self.local.extend(shared.woken.drain(..));
                    continue;
                }
            };
            // A key whose entry is gone (removed after it was queued) is
            // skipped.
            if let Some(entry) = self.entry(key) {
                if let Some(node) = &entry.node {
                    node.notified.swap(false, AcqRel);
                }
                return Some(key);
            }
        }
    }

    /// Whether the entry has been given a waker yet.
    pub(crate) fn has_waker(&self, key: Key) -> bool {
        self.entry(key).is_some_and(|e| e.node.is_some())
    }

    /// The entry's waker (made on first use): waking it notifies the entry.
    pub(crate) fn waker(&mut self, key: Key) -> Waker {
        let shared = &self.shared;
        let entry = &mut self.slots[key.index()].entry;
        let entry = entry.as_mut().expect("stale JoinSet key");
        let node = entry.node.get_or_insert_with(|| {
            Arc::new(Node { shared: shared.clone(), key, notified: AtomicBool::new(false) })
        });
        Waker::from(node.clone())
    }

    pub(crate) fn value_mut(&mut self, key: Key) -> &mut V {
        &mut self.entry_mut(key).value
    }

    /// Removes the entry and returns its value.
    pub(crate) fn remove(&mut self, key: Key) -> V {
        let index = key.index();
        let value = self.take(index).expect("stale JoinSet key");
        debug_assert_eq!(self.slots[index].generation, key.generation().wrapping_add(1));
        value
    }

    /// Empties slot `index`, retiring its keys.
    fn take(&mut self, index: usize) -> Option<V> {
        let slot = &mut self.slots[index];
        let entry = slot.entry.take()?;
        slot.generation = slot.generation.wrapping_add(1);
        self.free.push(index as u32);
        self.len -= 1;
        Some(entry.value)
    }

    /// Calls `f` on every value.
    pub(crate) fn for_each(&mut self, mut f: impl FnMut(&mut V)) {
        for slot in &mut self.slots {
            if let Some(entry) = &mut slot.entry {
                f(&mut entry.value);
            }
        }
    }

    /// Removes every value, passing each to `f`.
    ///
    /// The set is empty afterwards even if `f` panics (the values not yet
    /// passed are then dropped).
    pub(crate) fn drain(&mut self, mut f: impl FnMut(V)) {
        struct Finish<'a, V>(&'a mut NotifySet<V>, usize);
        impl<V> Drop for Finish<'_, V> {
            fn drop(&mut self) {
                while self.1 < self.0.slots.len() {
                    drop(self.0.take(self.1));
                    self.1 += 1;
                }
                self.0.local.clear();
            }
        }
        let mut finish = Finish(self, 0);
        while finish.1 < finish.0.slots.len() {
            let index = finish.1;
            finish.1 += 1;
            if let Some(value) = finish.0.take(index) {
                f(value);
            }
        }
    }
}

#[cfg(all(test, not(tern_loom)))]
mod tests {
    use super::*;

    #[test]
    fn new_entries_are_notified_once_then_wakes_notify() {
        let mut set = NotifySet::new();
        set.insert('a');
        set.insert('b');
        assert_eq!(set.len(), 2);
        let a = set.pop_notified(None).unwrap();
        assert_eq!(*set.value_mut(a), 'a');
        let wa = set.waker(a);
        let b = set.pop_notified(None).unwrap();
        assert_eq!(*set.value_mut(b), 'b');
        assert!(set.pop_notified(None).is_none());

        // Two wakes queue the key once.
        wa.wake_by_ref();
        wa.wake_by_ref();
        assert_eq!(set.pop_notified(None), Some(a));
        assert!(set.pop_notified(None).is_none());

        // After the set took it, a wake queues it again.
        wa.wake_by_ref();
        assert_eq!(set.remove(a), 'a');
        // The key is stale now: skipped, even once the slot is reused.
        set.insert('c');
        let c = set.pop_notified(None).unwrap();
        assert_eq!(*set.value_mut(c), 'c');
        assert_ne!(c, a);
        assert!(set.pop_notified(None).is_none());
        assert_eq!(set.len(), 2);
    }

    #[test]
    fn waiter_is_woken_by_a_notification() {
        use std::sync::atomic::Ordering::SeqCst;
        struct Flag(AtomicBool);
        impl Wake for Flag {
            fn wake(self: Arc<Self>) {
                self.0.store(true, SeqCst);
            }
        }
        let flag = Arc::new(Flag(AtomicBool::new(false)));
        let waiter = Waker::from(flag.clone());
        let mut set = NotifySet::new();
        set.insert(1);
        let k = set.pop_notified(Some(&waiter)).unwrap();
        let w = set.waker(k);
        assert!(set.pop_notified(Some(&waiter)).is_none());
        assert!(!flag.0.load(SeqCst));
        w.wake();
        assert!(flag.0.load(SeqCst));
        assert_eq!(set.pop_notified(None), Some(k));
    }

    #[test]
    fn drain_and_for_each_visit_every_entry() {
        let mut set = NotifySet::new();
        for i in 0..10 {
            set.insert(i);
        }
        let k = set.pop_notified(None).unwrap();
        set.remove(k);
        let mut seen = Vec::new();
        set.for_each(|v| seen.push(*v));
        assert_eq!(seen, (1..10).collect::<Vec<_>>());
        let mut drained = Vec::new();
        set.drain(|v| drained.push(v));
        assert_eq!(drained, seen);
        assert!(set.is_empty());
        assert!(set.pop_notified(None).is_none());
    }

    #[test]
    fn concurrent_wakes_are_never_lost() {
        const N: usize = 4_000;
        let mut set = NotifySet::new();
        for i in 0..N {
            set.insert(i);
        }
        let mut wakers = Vec::new();
        while let Some(k) = set.pop_notified(None) {
            wakers.push((k, set.waker(k)));
        }
        let keys: Vec<Key> = wakers.iter().map(|(k, _)| *k).collect();
        let chunks: Vec<Vec<Waker>> =
            wakers.chunks(N / 4).map(|c| c.iter().map(|(_, w)| w.clone()).collect()).collect();
        let threads: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                std::thread::spawn(move || {
                    for w in chunk {
                        w.wake_by_ref();
                        w.wake();
                    }
                })
            })
            .collect();
        // Each waker fires twice; a key may come back once more only if the
        // set took it between the two wakes.
        let mut seen = std::collections::HashSet::new();
        let mut pops = 0;
        while seen.len() < N {
            match set.pop_notified(None) {
                Some(k) => {
                    seen.insert(k);
                    pops += 1;
                }
                None => std::thread::yield_now(),
            }
        }
        for t in threads {
            t.join().unwrap();
        }
        while set.pop_notified(None).is_some() {
            pops += 1;
        }
        assert!(pops <= 2 * N);
        assert!(keys.iter().all(|k| seen.contains(k)));
    }
}
