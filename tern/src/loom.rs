//! The one place the runtime takes its synchronisation primitives from.
//!
//! Under `--cfg tern_loom` every atomic, cell, mutex and `Arc` below is
//! loom's, so the loom models in `task/loom.rs` (and later ones) exercise the
//! real runtime code rather than a copy. Everywhere else these are the plain
//! `std` types with no wrapper cost. Code in the runtime must import from
//! here, never from `std::sync` directly, for anything a model may touch.
//!
//! Capacities that loom could not explore exhaustively are shrunk with
//! [`if_loom`] (for example the allocation batch of task ids).
//!
//! A plain store that races a read-modify-write of the same atomic is
//! written `store_rmw` (`atomic::StoreRmw`): a store here, a swap under
//! loom, whose 0.7 release mishandles that race (tokio-rs/loom#254).

#[cfg(not(tern_loom))]
mod imp {
    pub(crate) mod sync {
        pub(crate) use std::sync::Arc;

        pub(crate) mod atomic {
            pub(crate) use std::sync::atomic::{
                fence, AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicUsize, Ordering,
            };

            /// A store that loom models as a read-modify-write (see the
            /// loom side); a plain `store` here.
            pub(crate) trait StoreRmw<T> {
                fn store_rmw(&self, value: T, order: Ordering);
            }

            impl StoreRmw<bool> for AtomicBool {
                #[inline(always)]
                fn store_rmw(&self, value: bool, order: Ordering) {
                    self.store(value, order);
                }
            }
        }

        /// `std::sync::Mutex` with poisoning ignored: a panic while a
        /// runtime lock is held is caught elsewhere and must not turn every
        /// later lock into a second panic.
        #[derive(Debug, Default)]
        pub(crate) struct Mutex<T>(std::sync::Mutex<T>);

        pub(crate) type MutexGuard<'a, T> = std::sync::MutexGuard<'a, T>;

        impl<T> Mutex<T> {
            pub(crate) const fn new(value: T) -> Self {
                Mutex(std::sync::Mutex::new(value))
            }

            pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
                self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
            }

            pub(crate) fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
                match self.0.try_lock() {
                    Ok(g) => Some(g),
                    Err(std::sync::TryLockError::Poisoned(p)) => Some(p.into_inner()),
                    Err(std::sync::TryLockError::WouldBlock) => None,
                }
            }
        }

        /// `std::sync::RwLock` with poisoning ignored, as for [`Mutex`].
        #[derive(Debug, Default)]
        pub(crate) struct RwLock<T>(std::sync::RwLock<T>);

        pub(crate) type RwLockReadGuard<'a, T> = std::sync::RwLockReadGuard<'a, T>;
        pub(crate) type RwLockWriteGuard<'a, T> = std::sync::RwLockWriteGuard<'a, T>;

        impl<T> RwLock<T> {
            pub(crate) const fn new(value: T) -> Self {
                RwLock(std::sync::RwLock::new(value))
            }

            pub(crate) fn read(&self) -> RwLockReadGuard<'_, T> {
                self.0.read().unwrap_or_else(|poisoned| poisoned.into_inner())
            }

            /// `None` if it would block (a writer holds it or waits).
            pub(crate) fn try_read(&self) -> Option<RwLockReadGuard<'_, T>> {
                match self.0.try_read() {
                    Ok(g) => Some(g),
                    Err(std::sync::TryLockError::Poisoned(p)) => Some(p.into_inner()),
                    Err(std::sync::TryLockError::WouldBlock) => None,
                }
            }

            pub(crate) fn write(&self) -> RwLockWriteGuard<'_, T> {
                self.0.write().unwrap_or_else(|poisoned| poisoned.into_inner())
            }
        }

        /// `std::sync::Condvar`, poisoning ignored as for [`Mutex`].
        #[derive(Debug, Default)]
        pub(crate) struct Condvar(std::sync::Condvar);

        impl Condvar {
            pub(crate) const fn new() -> Self {
                Condvar(std::sync::Condvar::new())
            }

            pub(crate) fn wait<'a, T>(&self, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
                self.0.wait(guard).unwrap_or_else(|p| p.into_inner())
            }

            pub(crate) fn wait_timeout<'a, T>(
                &self,
                guard: MutexGuard<'a, T>,
                timeout: std::time::Duration,
            ) -> MutexGuard<'a, T> {
                self.0.wait_timeout(guard, timeout).map(|(g, _)| g).unwrap_or_else(|p| p.into_inner().0)
            }

            pub(crate) fn notify_one(&self) {
                self.0.notify_one()
            }

            pub(crate) fn notify_all(&self) {
                self.0.notify_all()
            }
        }
    }

    pub(crate) mod cell {
        /// An `UnsafeCell` with loom's closure-based access API, so that the
        /// same code compiles against loom's tracked cell.
        #[derive(Debug)]
        pub(crate) struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

        impl<T> UnsafeCell<T> {
            pub(crate) const fn new(value: T) -> Self {
                UnsafeCell(std::cell::UnsafeCell::new(value))
            }

            #[inline(always)]
            pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
                f(self.0.get())
            }

            #[inline(always)]
            pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
                f(self.0.get())
            }
        }
    }

    /// `a` normally, `b` when the code is modelled by loom.
    macro_rules! if_loom {
        ($normal:expr, $loom:expr) => {
            $normal
        };
    }
    pub(crate) use if_loom;
}

#[cfg(tern_loom)]
mod imp {
    pub(crate) mod sync {
        pub(crate) use loom::sync::Arc;

        pub(crate) mod atomic {
            pub(crate) use loom::sync::atomic::{
                fence, AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicUsize, Ordering,
            };

            /// A store that races a read-modify-write of the same atomic
            /// on another thread. Loom 0.7 lets a plain store fall between
            /// the read and the write of such an RMW (tokio-rs/loom#254:
            /// the RMW's write then seems to overwrite a store it never
            /// read, a lost update no real machine produces, and a later
            /// load in the storing thread may even read the older value).
            /// A swap has the store's effect and is ordered as an RMW, so
            /// loom keeps to the memory model; outside loom this is a
            /// plain store.
            pub(crate) trait StoreRmw<T> {
                fn store_rmw(&self, value: T, order: Ordering);
            }

            impl StoreRmw<bool> for AtomicBool {
                fn store_rmw(&self, value: bool, order: Ordering) {
                    let _ = self.swap(value, order);
                }
            }
        }

        #[derive(Debug, Default)]
        pub(crate) struct Mutex<T>(loom::sync::Mutex<T>);

        pub(crate) type MutexGuard<'a, T> = loom::sync::MutexGuard<'a, T>;

        impl<T> Mutex<T> {
            pub(crate) fn new(value: T) -> Self {
                Mutex(loom::sync::Mutex::new(value))
            }

            pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
                self.0.lock().unwrap()
            }

            pub(crate) fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
                self.0.try_lock().ok()
            }
        }

        #[derive(Debug, Default)]
        pub(crate) struct RwLock<T>(loom::sync::RwLock<T>);

        pub(crate) type RwLockReadGuard<'a, T> = loom::sync::RwLockReadGuard<'a, T>;
        pub(crate) type RwLockWriteGuard<'a, T> = loom::sync::RwLockWriteGuard<'a, T>;

        impl<T> RwLock<T> {
            pub(crate) fn new(value: T) -> Self {
                RwLock(loom::sync::RwLock::new(value))
            }

            pub(crate) fn read(&self) -> RwLockReadGuard<'_, T> {
                self.0.read().unwrap()
            }

            pub(crate) fn try_read(&self) -> Option<RwLockReadGuard<'_, T>> {
                self.0.try_read().ok()
            }

            pub(crate) fn write(&self) -> RwLockWriteGuard<'_, T> {
                self.0.write().unwrap()
            }
        }

        #[derive(Debug, Default)]
        pub(crate) struct Condvar(loom::sync::Condvar);

        impl Condvar {
            pub(crate) fn new() -> Self {
                Condvar(loom::sync::Condvar::new())
            }

            pub(crate) fn wait<'a, T>(&self, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
                self.0.wait(guard).unwrap()
            }

            pub(crate) fn wait_timeout<'a, T>(
                &self,
                guard: MutexGuard<'a, T>,
                timeout: std::time::Duration,
            ) -> MutexGuard<'a, T> {
                self.0.wait_timeout(guard, timeout).unwrap().0
            }

            pub(crate) fn notify_one(&self) {
                self.0.notify_one()
            }

            pub(crate) fn notify_all(&self) {
                self.0.notify_all()
            }
        }
    }

    pub(crate) mod cell {
        pub(crate) use loom::cell::UnsafeCell;
    }

    macro_rules! if_loom {
        ($normal:expr, $loom:expr) => {
            $loom
        };
    }
    pub(crate) use if_loom;
}

pub(crate) use imp::*;
