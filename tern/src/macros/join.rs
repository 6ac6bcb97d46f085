//! `join!`: waits on several futures concurrently, returning all their
//! outputs.

/// Waits on multiple concurrent branches, returning when **all** branches
/// complete.
///
/// The `join!` macro must be used inside of async functions, closures, and
/// blocks. It takes a list of async expressions and evaluates them
/// concurrently on the same task. Each async expression evaluates to a
/// future, and the futures from each expression are multiplexed on the
/// current task. The output is a tuple of their outputs, in order.
///
/// When working with async expressions returning `Result`, `join!` waits
/// for **all** of them to complete regardless of errors; use
/// [`try_join!`](crate::try_join) to return early on the first `Err`.
///
/// # Notes
///
/// The supplied futures are stored inline and do not require allocating a
/// `Vec`. By running all async expressions on the current task, they run
/// **concurrently** but not in **parallel**: if one blocks the thread, the
/// others cannot progress. To run them in parallel, spawn each one with
/// [`tern::spawn`](crate::spawn) and pass the join handles to `join!`.
///
/// # Fairness
///
/// By default, each poll of `join!` starts with the next future in turn
/// (rotating), so that a future which spends the whole coop budget cannot
/// starve the others. Writing `biased;` first polls the futures in the
/// order they are written, every time.
///
/// # Examples
///
/// ```
/// # tern::runtime::Runtime::new().unwrap().block_on(async {
/// async fn do_stuff_async() -> u32 { 1 }
/// async fn more_async_work() -> &'static str { "two" }
///
/// let (first, second) = tern::join!(do_stuff_async(), more_async_work());
/// assert_eq!((first, second), (1, "two"));
///
/// let (a, b) = tern::join!(biased; async { 3 }, async { 4 });
/// assert_eq!(a + b, 7);
/// # });
/// ```
#[macro_export]
macro_rules! join {
    (@ {
        rotator_select = $rotator_select:ty;
        // One `_` per future (unused once normalized).
        ( $($count:tt)* )
        // `0 + 1 + ... + 1`: the number of futures.
        ( $($total:tt)* )
        $( ( $($skip:tt)* ) $e:expr, )*
    }) => {{
        let mut futures = ( $( $crate::__private::maybe_done($e), )* );
        // The closure below holds only this reference: nothing is moved out
        // of `futures` while it is pinned.
        let futures = &mut futures;
        let mut rotator =
            <$rotator_select as $crate::__private::RotatorSelect>::Rotator::<{ $($total)* }>::default();

        $crate::__private::poll_fn(move |cx| {
            const COUNT: u32 = $($total)*;
            let mut is_pending = false;
            let mut to_run = COUNT;
            // Futures passed over on the first lap, polled on the second.
            let mut skip = rotator.num_skip();
            loop {
                $(
                    if skip == 0 {
                        if to_run == 0 {
                            break;
                        }
                        to_run -= 1;
                        let ( $($skip,)* fut, .. ) = &mut *futures;
                        // SAFETY: `futures` lives on this stack frame until
                        // the join ends and is never moved.
                        let fut = unsafe { $crate::__private::Pin::new_unchecked(fut) };
                        if $crate::__private::Future::poll(fut, cx).is_pending() {
                            is_pending = true;
                        }
                    } else {
                        skip -= 1;
                    }
                )*
            }
            if is_pending {
                return $crate::__private::Poll::Pending;
            }
            #[allow(unreachable_code)]
            {
                $crate::__private::Poll::Ready(( $( {
                    let ( $($skip,)* fut, .. ) = &mut *futures;
                    // SAFETY: as above.
                    let fut = unsafe { $crate::__private::Pin::new_unchecked(fut) };
                    fut.take_output().expect("expected completed future")
                }, )* ))
            }
        })
        .await
    }};

    // ===== Normalize =====
    (@ { rotator_select = $rotator_select:ty; ( $($s:tt)* ) ( $($n:tt)* ) $($t:tt)* } $e:expr, $($r:tt)* ) => {
        $crate::join!(@{ rotator_select = $rotator_select; ($($s)* _) ($($n)* + 1) $($t)* ($($s)*) $e, } $($r)*)
    };

    // ===== Entry points =====
    (biased; $($e:expr),+ $(,)?) => {
        $crate::join!(@{ rotator_select = $crate::__private::SelectBiased; () (0) } $($e,)*)
    };
    ( $($e:expr),+ $(,)?) => {
        $crate::join!(@{ rotator_select = $crate::__private::SelectNormal; () (0) } $($e,)*)
    };
    (biased;) => { async {}.await };
    () => { async {}.await };
}
