//! The per-thread fast random generator (`select!`'s first branch) and the
//! seeds that make it reproducible.
//!
//! Each thread has a [`FastRand`] in a destructor-free thread-local `Cell`,
//! so a draw is a thread-local load, a few shifts and a store: no lock, no
//! allocation. A thread that never entered a runtime seeds it from process
//! entropy on first use.
//!
//! A runtime owns seeds: entering it (`block_on`, and each worker thread
//! when it starts) replaces the thread's generator with one seeded from the
//! runtime, and leaving restores the previous one. A runtime built with
//! [`Builder::rng_seed`](crate::runtime::Builder::rng_seed) derives all its
//! seeds from that seed: the `block_on` entries draw from a generator of
//! seeds in call order, and worker `i` gets a seed computed from `i` alone
//! (workers start in any order).

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// A seed for random number generation.
///
/// In order to make certain functions within a runtime deterministic (the
/// branch `select!` polls first), a seed can be given to
/// [`Builder::rng_seed`](crate::runtime::Builder::rng_seed) when the runtime
/// is built.
///
/// # Examples
///
/// ```
/// use tern::runtime::RngSeed;
///
/// let seed = RngSeed::from_bytes(b"make me a seed");
/// let rt = tern::runtime::Builder::new_current_thread().rng_seed(seed).build().unwrap();
/// # drop(rt);
/// ```
#[derive(Clone, Debug)]
pub struct RngSeed {
    s: u32,
    r: u32,
}

impl RngSeed {
    /// Generates a seed from the provided byte slice.
    ///
    /// The same bytes always give the same seed (on every platform and
    /// every release of this tern version).
    pub fn from_bytes(bytes: &[u8]) -> RngSeed {
        // FNV-1a over the bytes, then a SplitMix64 finalizer to spread them.
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for &b in bytes {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
        RngSeed::from_u64(mix64(hash))
    }

    /// A seed from process entropy (std's per-process random hash keys,
    /// plus a counter so that each call differs).
    pub(crate) fn from_entropy() -> RngSeed {
        use std::hash::{BuildHasher, Hasher};
        use std::sync::atomic::{AtomicU64, Ordering};
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
        RngSeed::from_u64(hasher.finish())
    }

    fn from_u64(seed: u64) -> RngSeed {
        RngSeed::from_pair((seed >> 32) as u32, seed as u32)
    }

    /// The all-zero state is a fixed point of xorshift: avoid it.
    fn from_pair(s: u32, r: u32) -> RngSeed {
        if s == 0 && r == 0 {
            RngSeed { s: 0, r: 1 }
        } else {
            RngSeed { s, r }
        }
    }

    /// The seed of the `index`-th member of a family rooted at `self` (a
    /// runtime's worker threads): a pure function, so it does not depend on
    /// the order in which the members ask.
    pub(crate) fn derive(&self, index: u64) -> RngSeed {
        let base = (u64::from(self.s) << 32) | u64::from(self.r);
        RngSeed::from_u64(mix64(base ^ mix64(index.wrapping_add(1))))
    }
}

/// SplitMix64's output function.
fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A fast, non-cryptographic generator: xorshift64+ (two 32-bit xorshift
/// words added, shift triplet [17, 7, 16], after Marsaglia).
#[derive(Clone, Copy, Debug)]
pub(crate) struct FastRand {
    one: u32,
    two: u32,
}

impl FastRand {
    pub(crate) fn from_seed(seed: RngSeed) -> FastRand {
        FastRand { one: seed.s, two: seed.r }
    }

    /// A number in `0..n` (Lemire's multiply-shift instead of `%`).
    #[inline]
    pub(crate) fn fastrand_n(&mut self, n: u32) -> u32 {
        ((u64::from(self.fastrand()) * u64::from(n)) >> 32) as u32
    }

    #[inline]
    fn fastrand(&mut self) -> u32 {
        let mut s1 = self.one;
        let s0 = self.two;
        s1 ^= s1 << 17;
        s1 = s1 ^ s0 ^ (s1 >> 7) ^ (s0 >> 16);
        self.one = s0;
        self.two = s1;
        s0.wrapping_add(s1)
    }
}

/// A deterministic source of seeds, shared by the threads that enter one
/// runtime through `block_on` (drawn once per entry, never per select).
///
/// The `i`-th seed drawn is `root.derive(i)`: a counter, not a locked
/// generator, so that a `block_on` entry takes no lock (for a fixed seed
/// the sequence depends only on the order of the draws, as before).
#[derive(Debug)]
pub(crate) struct RngSeedGenerator {
    root: RngSeed,
    /// Seeds drawn so far (a plain counter: no other memory hangs on it).
    drawn: AtomicU64,
}

impl RngSeedGenerator {
    pub(crate) fn new(seed: RngSeed) -> RngSeedGenerator {
        RngSeedGenerator { root: seed, drawn: AtomicU64::new(0) }
    }

    /// The next seed of the sequence.
    pub(crate) fn next_seed(&self) -> RngSeed {
        let i = self.drawn.fetch_add(1, Relaxed);
        self.root.derive(i)
    }

    /// A generator seeded with the next seed.
    pub(crate) fn next_generator(&self) -> RngSeedGenerator {
        RngSeedGenerator::new(self.next_seed())
    }
}

thread_local! {
    // `Cell` of a `Copy` value: no destructor, so access needs no
    // registration and works even while the thread is being torn down.
    static RNG: Cell<Option<FastRand>> = const { Cell::new(None) };
}

/// A number in `0..n` from this thread's generator. `n` must not be 0.
#[inline]
pub(crate) fn thread_rng_n(n: u32) -> u32 {
    RNG.try_with(|cell| {
        let mut rng = cell.get().unwrap_or_else(seed_thread);
        let value = rng.fastrand_n(n);
        cell.set(Some(rng));
        value
    })
    .unwrap_or_else(|_| FastRand::from_seed(RngSeed::from_entropy()).fastrand_n(n))
}

#[cold]
fn seed_thread() -> FastRand {
    FastRand::from_seed(RngSeed::from_entropy())
}

/// Restores the thread's previous generator on drop (leaving a runtime).
pub(crate) struct RngGuard {
    prev: Option<FastRand>,
}

/// Replaces this thread's generator with one seeded from `seed` until the
/// returned guard is dropped.
pub(crate) fn reseed(seed: RngSeed) -> RngGuard {
    let prev = RNG.try_with(|cell| cell.replace(Some(FastRand::from_seed(seed)))).unwrap_or(None);
    RngGuard { prev }
}

impl Drop for RngGuard {
    fn drop(&mut self) {
        let _ = RNG.try_with(|cell| cell.set(self.prev));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_seed_is_avoided() {
        let seed = RngSeed::from_pair(0, 0);
        assert_eq!((seed.s, seed.r), (0, 1));
    }

    #[test]
    fn same_bytes_same_numbers() {
        let draw = |bytes: &[u8]| {
            let mut rng = FastRand::from_seed(RngSeed::from_bytes(bytes));
            (0..32).map(|_| rng.fastrand_n(1000)).collect::<Vec<_>>()
        };
        assert_eq!(draw(b"seed"), draw(b"seed"));
        assert_ne!(draw(b"seed"), draw(b"other seed"));
    }

    #[test]
    fn draws_stay_in_range() {
        let mut rng = FastRand::from_seed(RngSeed::from_bytes(b"range"));
        for n in 1..100 {
            assert!(rng.fastrand_n(n) < n);
        }
    }

    #[test]
    fn reseed_guard_restores_the_previous_generator() {
        let _outer = reseed(RngSeed::from_bytes(b"outer"));
        let first = thread_rng_n(1 << 30);
        let _outer2 = reseed(RngSeed::from_bytes(b"outer"));
        {
            let _inner = reseed(RngSeed::from_bytes(b"inner"));
            thread_rng_n(10);
        }
        // Back to the state right after `_outer2` seeded it.
        assert_eq!(thread_rng_n(1 << 30), first);
    }

    #[test]
    fn derived_seeds_differ_by_index() {
        let root = RngSeed::from_bytes(b"root");
        let a = root.derive(0);
        let b = root.derive(1);
        assert_ne!((a.s, a.r), (b.s, b.r));
        let again = root.derive(1);
        assert_eq!((b.s, b.r), (again.s, again.r));
    }
}
