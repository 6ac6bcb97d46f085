//! The key space, and key expiry on tokio-util's [`DelayQueue`].
//!
//! Values live in a `HashMap` behind a `std::sync::Mutex` (held only for a
//! map operation, never across an `.await`). A key with a time to live
//! carries its deadline and a generation number; the deadline is also queued
//! on one expiry task's `DelayQueue`, which deletes the key when it fires
//! unless the key was rewritten since (its generation changed). Reads also
//! check the deadline, so an expired key is never seen even if the expiry
//! task is behind.

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

use bytes::Bytes;
use tokio::{sync::mpsc, time::Instant};
use tokio_util::{sync::CancellationToken, time::DelayQueue};

struct Entry {
    value: Bytes,
    /// Deadline and generation of the key's time to live, if it has one.
    ttl: Option<(Instant, u64)>,
}

/// A shared handle to the key space.
#[derive(Clone)]
pub struct Store {
    map: Arc<Mutex<HashMap<Bytes, Entry>>>,
    generation: Arc<AtomicU64>,
    expiry: mpsc::UnboundedSender<(Bytes, Instant, u64)>,
}

/// Why `INCR` failed.
#[derive(Debug, PartialEq, Eq)]
pub enum IncrError {
    /// The value is not a decimal `i64`.
    NotAnInteger,
    /// The result would not fit in an `i64`.
    Overflow,
}

impl Store {
    /// Creates an empty store and spawns its expiry task, which runs until
    /// `shutdown` is cancelled.
    pub fn new(shutdown: CancellationToken) -> Store {
        let (tx, rx) = mpsc::unbounded_channel();
        let store = Store { map: Arc::default(), generation: Arc::default(), expiry: tx };
        tokio::spawn(expire_keys(Arc::downgrade(&store.map), rx, shutdown));
        store
    }

    fn live<'a>(map: &'a mut HashMap<Bytes, Entry>, key: &[u8], now: Instant) -> Option<&'a mut Entry> {
        if matches!(map.get(key), Some(Entry { ttl: Some((at, _)), .. }) if *at <= now) {
            map.remove(key);
            return None;
        }
        map.get_mut(key)
    }

    fn schedule(&self, key: Bytes, ttl: Duration) -> (Instant, u64) {
        let at = Instant::now() + ttl;
        let generation = self.generation.fetch_add(1, Ordering::Relaxed);
        let _ = self.expiry.send((key, at, generation));
        (at, generation)
    }

    /// `GET`.
    pub fn get(&self, key: &[u8]) -> Option<Bytes> {
        let mut map = self.map.lock().unwrap();
        Self::live(&mut map, key, Instant::now()).map(|e| e.value.clone())
    }

    /// `SET key value [EX seconds]`: replaces any value and any time to live.
    pub fn set(&self, key: Bytes, value: Bytes, ttl: Option<Duration>) {
        let ttl = ttl.map(|d| self.schedule(key.clone(), d));
        self.map.lock().unwrap().insert(key, Entry { value, ttl });
    }

    /// `DEL`: whether the key existed.
    pub fn del(&self, key: &[u8]) -> bool {
        let mut map = self.map.lock().unwrap();
        Self::live(&mut map, key, Instant::now()).is_some() && map.remove(key).is_some()
    }

    /// `INCR`: adds one to a decimal value (a missing key counts as 0),
    /// keeping its time to live.
    pub fn incr(&self, key: &[u8]) -> Result<i64, IncrError> {
        let mut map = self.map.lock().unwrap();
        if let Some(e) = Self::live(&mut map, key, Instant::now()) {
            let n: i64 = std::str::from_utf8(&e.value)
                .ok()
                .and_then(|s| s.parse().ok())
                .ok_or(IncrError::NotAnInteger)?;
            let n = n.checked_add(1).ok_or(IncrError::Overflow)?;
            e.value = Bytes::from(n.to_string());
            return Ok(n);
        }
        map.insert(Bytes::copy_from_slice(key), Entry { value: Bytes::from_static(b"1"), ttl: None });
        Ok(1)
    }

    /// `EXPIRE key seconds`: whether the key exists (and got the deadline).
    pub fn expire(&self, key: &[u8], ttl: Duration) -> bool {
        let mut map = self.map.lock().unwrap();
        let Some(e) = Self::live(&mut map, key, Instant::now()) else { return false };
        let key = Bytes::copy_from_slice(key);
        e.ttl = Some(self.schedule(key, ttl));
        true
    }

    /// `TTL`: seconds left (rounded up), -1 without a deadline, -2 if missing.
    pub fn ttl(&self, key: &[u8]) -> i64 {
        let mut map = self.map.lock().unwrap();
        let now = Instant::now();
        match Self::live(&mut map, key, now) {
            None => -2,
            Some(Entry { ttl: None, .. }) => -1,
            Some(Entry { ttl: Some((at, _)), .. }) => (*at - now).as_millis().div_ceil(1000) as i64,
        }
    }

    /// Number of keys held, including expired keys not yet removed.
    pub fn len(&self) -> usize {
        self.map.lock().unwrap().len()
    }

    /// Whether the store holds no key.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The expiry task: deadlines arrive on `rx` and wait on a `DelayQueue`.
async fn expire_keys(
    map: std::sync::Weak<Mutex<HashMap<Bytes, Entry>>>,
    mut rx: mpsc::UnboundedReceiver<(Bytes, Instant, u64)>,
    shutdown: CancellationToken,
) {
    let mut queue: DelayQueue<(Bytes, u64)> = DelayQueue::new();
    loop {
        tokio::select! {
            msg = rx.recv() => match msg {
                Some((key, at, generation)) => { queue.insert_at((key, generation), at); }
                // Every Store handle is gone.
                None => return,
            },
            Some(expired) = std::future::poll_fn(|cx| queue.poll_expired(cx)) => {
                let (key, generation) = expired.into_inner();
                let Some(map) = map.upgrade() else { return };
                let mut map = map.lock().unwrap();
                if matches!(map.get(&key), Some(Entry { ttl: Some((_, g)), .. }) if *g == generation) {
                    map.remove(&key);
                }
            }
            () = shutdown.cancelled() => return,
        }
    }
}
