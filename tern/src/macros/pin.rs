//! `pin!`: pins values on the stack.

/// Pins a value on the stack.
///
/// Like Tokio's: shadows each named local with a `Pin<&mut T>` to it.
///
/// # Examples
///
/// ```
/// # tern::runtime::Runtime::new().unwrap().block_on(async {
/// let fut = async { 5 };
/// tern::pin!(fut);
/// assert_eq!((&mut fut).await, 5);
/// # });
/// ```
#[macro_export]
macro_rules! pin {
    ($($x:ident),* $(,)?) => { $(
        let mut $x = $x;
        // SAFETY: the original binding is shadowed, so the value can never
        // be moved again.
        #[allow(unused_mut)]
        let mut $x = unsafe { ::core::pin::Pin::new_unchecked(&mut $x) };
    )* };
    ($(let $x:ident = $init:expr;)*) => { $(
        let $x = $init;
        $crate::pin!($x);
    )* };
}
