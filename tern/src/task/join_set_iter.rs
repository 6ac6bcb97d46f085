//! `JoinSet` from and extended by an iterator of futures (`collect`,
//! `extend`), each spawned as by [`JoinSet::spawn`].

use crate::task::JoinSet;
use std::future::Future;

/// Collect an iterator of futures into a [`JoinSet`].
///
/// This is equivalent to calling [`JoinSet::spawn`] on each element of the
/// iterator.
///
/// # Examples
///
/// The main example from [`JoinSet`]'s documentation can also be written
/// using [`collect`]:
///
/// ```
/// use tern::task::JoinSet;
///
/// # tern::runtime::Runtime::new().unwrap().block_on(async {
/// let mut set: JoinSet<_> = (0..10).map(|i| async move { i }).collect();
///
/// let mut seen = [false; 10];
/// while let Some(res) = set.join_next().await {
///     let idx = res.unwrap();
///     seen[idx] = true;
/// }
///
/// for i in 0..10 {
///     assert!(seen[i]);
/// }
/// # });
/// ```
///
/// [`collect`]: std::iter::Iterator::collect
impl<T, F> std::iter::FromIterator<F> for JoinSet<T>
where
    F: Future<Output = T>,
    F: Send + 'static,
    T: Send + 'static,
{
    fn from_iter<I: IntoIterator<Item = F>>(iter: I) -> Self {
        let mut set = Self::new();
        set.extend(iter);
        set
    }
}

/// Extend a [`JoinSet`] with futures from an iterator.
///
/// This is equivalent to calling [`JoinSet::spawn`] on each element of the
/// iterator.
///
/// # Examples
///
/// ```
/// use tern::task::JoinSet;
///
/// #[tern::main]
/// async fn main() {
///     let mut set: JoinSet<_> = (0..5).map(|i| async move { i }).collect();
///
///     set.extend((5..10).map(|i| async move { i }));
///
///     let mut seen = [false; 10];
///     while let Some(res) = set.join_next().await {
///         let idx = res.unwrap();
///         seen[idx] = true;
///     }
///
///     for i in 0..10 {
///         assert!(seen[i]);
///     }
/// }
/// ```
impl<T, F> std::iter::Extend<F> for JoinSet<T>
where
    F: Future<Output = T>,
    F: Send + 'static,
    T: Send + 'static,
{
    fn extend<I>(&mut self, iter: I)
    where
        I: IntoIterator<Item = F>,
    {
        iter.into_iter().for_each(|task| {
            self.spawn(task);
        });
    }
}
