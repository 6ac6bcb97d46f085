//! `try_join!`: waits on several fallible futures concurrently, returning
//! all their values or the first error.

/// Waits on multiple concurrent branches, returning when **all** branches
/// complete with `Ok(_)` or on the first `Err(_)`.
///
/// The `try_join!` macro must be used inside of async functions, closures,
/// and blocks. Like [`join!`](crate::join) it runs the async expressions
/// concurrently on the current task, but each must evaluate to a future
/// whose output is a `Result` (all with the same error type). It returns
/// `Ok` of the tuple of their values once all succeed, or the first `Err`
/// as soon as one fails: the other futures are then dropped, not polled
/// again.
///
/// # Fairness
///
/// By default, each poll starts with the next future in turn (rotating);
/// `biased;` written first polls them in the order written, every time.
///
/// # Examples
///
/// ```
/// # tern::runtime::Runtime::new().unwrap().block_on(async {
/// async fn do_stuff_async() -> Result<u32, &'static str> { Ok(1) }
/// async fn more_async_work() -> Result<u32, &'static str> { Err("failed") }
///
/// let res = tern::try_join!(do_stuff_async(), more_async_work());
/// assert_eq!(res, Err("failed"));
///
/// let res = tern::try_join!(biased; do_stuff_async(), async { Ok(2) });
/// assert_eq!(res, Ok((1, 2)));
/// # });
/// ```
#[macro_export]
macro_rules! try_join {
    (@ {
        rotator_select = $rotator_select:ty;
        ( $($count:tt)* )
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
                        let mut fut = unsafe { $crate::__private::Pin::new_unchecked(fut) };
                        if $crate::__private::Future::poll(fut.as_mut(), cx).is_pending() {
                            is_pending = true;
                        } else if fut.as_mut().output_mut().expect("expected completed future").is_err() {
                            // Mapped through `Option` so that an uninhabited
                            // error type yields no unreachable expression.
                            return $crate::__private::Poll::Ready(
                                fut.take_output()
                                    .expect("expected completed future")
                                    .err()
                                    .map($crate::__private::Result::Err)
                                    .expect("expected Err(_)"),
                            );
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
                $crate::__private::Poll::Ready($crate::__private::Result::Ok(( $( {
                    let ( $($skip,)* fut, .. ) = &mut *futures;
                    // SAFETY: as above.
                    let fut = unsafe { $crate::__private::Pin::new_unchecked(fut) };
                    fut.take_output().expect("expected completed future").ok().expect("expected Ok(_)")
                }, )* )))
            }
        })
        .await
    }};

    // ===== Normalize =====
    (@ { rotator_select = $rotator_select:ty; ( $($s:tt)* ) ( $($n:tt)* ) $($t:tt)* } $e:expr, $($r:tt)* ) => {
        $crate::try_join!(@{ rotator_select = $rotator_select; ($($s)* _) ($($n)* + 1) $($t)* ($($s)*) $e, } $($r)*)
    };

    // ===== Entry points =====
    (biased; $($e:expr),+ $(,)?) => {
        $crate::try_join!(@{ rotator_select = $crate::__private::SelectBiased; () (0) } $($e,)*)
    };
    ( $($e:expr),+ $(,)?) => {
        $crate::try_join!(@{ rotator_select = $crate::__private::SelectNormal; () (0) } $($e,)*)
    };
    (biased;) => { async { $crate::__private::Result::Ok(()) }.await };
    () => { async { $crate::__private::Result::Ok(()) }.await };
}
