//! `select!`: waits on several branches, returning with the first that
//! completes and matches its pattern.
//!
//! How the expansion is built: a tt-muncher normalizes every branch to
//! `(skip) (path) <pat> = <fut>, if <cond> => <handler>,` where `skip` is
//! one `_` per earlier branch (a tuple pattern `(_, _, fut, ..)` reaches the
//! branch's future) and `path` is one `n` per earlier branch. The hidden
//! proc macro `select_priv_declare_output_enum!` then declares, in a module
//! local to the expansion, the output enum `Out<_0, .., _k>` (one variant
//! per branch, plus `Disabled`), the bit-mask type, and nested modules
//! `n::n::..` so that `__tern_select_util::n::n::I` is branch 2's index and
//! `__tern_select_util::n::n::V` its variant: macro_rules cannot count, so
//! the path of `n`s stands for the number.

/// Waits on multiple concurrent branches, returning when the **first** branch
/// completes, cancelling the remaining branches.
///
/// The `select!` macro must be used inside of async functions, closures, and
/// blocks. Each branch has the form
///
/// ```text
/// <pattern> = <async expression> (, if <precondition>)? => <handler>,
/// ```
///
/// and one optional `else => <expression>` branch may come last, evaluated
/// when every other branch is disabled.
///
/// All `<async expression>`s run concurrently on the **current** task. Once
/// the first of them completes with a value that matches its `<pattern>`,
/// `select!` evaluates that branch's `<handler>` (with the pattern's
/// bindings) and returns its value; the other futures are dropped.
///
/// The lifecycle of one `select!`:
///
/// 1. Evaluate every `<precondition>`; a branch whose precondition is
///    `false` is disabled for the rest of this `select!`.
/// 2. Evaluate every `<async expression>`, including disabled ones (their
///    futures are never polled).
/// 3. If **all** branches are disabled, go to step 6.
/// 4. Poll the futures of the enabled branches until one completes.
/// 5. Match its output against the branch's `<pattern>`. On a match,
///    evaluate the `<handler>` and return. Otherwise disable the branch and
///    continue from step 3.
/// 6. Evaluate the `else` expression; without one, panic.
///
/// At most 64 branches are supported.
///
/// # Fairness
///
/// By default, `select!` picks at random which branch to poll first on each
/// poll, so that in a loop an always-ready branch does not starve the
/// others. The generator is per thread and cheap; a runtime built with
/// [`Builder::rng_seed`](crate::runtime::Builder::rng_seed) makes the
/// choices reproducible.
///
/// Writing `biased;` first makes `select!` poll the branches in the order
/// they are written, every time. It is then your job to keep the order
/// fair (put a shutdown branch before a busy stream, for instance).
///
/// # Panics
///
/// Panics with "all branches are disabled and there is no else branch" if
/// every branch is disabled (by its precondition, or because its output did
/// not match its pattern) and there is no `else` branch.
///
/// # Cancellation safety
///
/// When `select!` returns, the futures of the other branches are dropped.
/// In a loop, use futures whose cancellation loses nothing (a channel's
/// `recv`, a listener's `accept`), or keep a future alive across iterations
/// by pinning it outside the loop and selecting on `&mut fut`.
///
/// # Examples
///
/// ```
/// # tern::runtime::Runtime::new().unwrap().block_on(async {
/// async fn do_stuff_async() -> u32 { 1 }
/// async fn more_async_work() -> u32 { 2 }
///
/// tern::select! {
///     v = do_stuff_async() => println!("do_stuff_async() completed first with {v}"),
///     v = more_async_work() => println!("more_async_work() completed first with {v}"),
/// };
/// # });
/// ```
///
/// A pattern that does not match disables its branch, and the `else`
/// branch runs once every branch is disabled:
///
/// ```
/// # tern::runtime::Runtime::new().unwrap().block_on(async {
/// let (mut a_done, mut b_done) = (false, false);
/// let mut seen = Vec::new();
/// loop {
///     tern::select! {
///         Some(v) = async { Some(1) }, if !a_done => { a_done = true; seen.push(v) }
///         Some(v) = async { Some(2) }, if !b_done => { b_done = true; seen.push(v) }
///         else => break,
///     }
/// }
/// seen.sort();
/// assert_eq!(seen, [1, 2]);
/// # });
/// ```
///
/// With `biased;`, branches are polled top to bottom:
///
/// ```
/// # tern::runtime::Runtime::new().unwrap().block_on(async {
/// let first = tern::select! {
///     biased;
///     v = async { "first" } => v,
///     v = async { "second" } => v,
/// };
/// assert_eq!(first, "first");
/// # });
/// ```
#[macro_export]
macro_rules! select {
    // ===== Everything normalized: expand =====
    (@ {
        start = $start:expr;
        ( $($count:tt)* )
        ( $($ncount:tt)* )
        $( ( $($skip:tt)* ) ( $($path:tt)* ) $bind:pat = $fut:expr, if $c:expr => $handle:expr, )+
        ; $else:expr
    }) => {{
        #[doc(hidden)]
        mod __tern_select_util {
            $crate::__private::select_priv_declare_output_enum!( ( $($count)* ) );
        }

        let mut disabled: __tern_select_util::Mask = 0;
        $(
            if !$c {
                disabled |= 1 << __tern_select_util:: $($path ::)* I;
            }
        )+

        // Polling happens in its own scope, so that the handler runs with
        // the futures (and their borrows) already dropped.
        let mut output = {
            // Kept as written first, so that temporaries in the expressions
            // live as long as the `select!` (temporary lifetime extension).
            let futures_init = ( $( $fut, )+ );
            let mut futures = ( $(
                $crate::__private::IntoFuture::into_future({
                    let ( $($skip,)* fut, .. ) = futures_init;
                    fut
                }),
            )+ );
            // The closure below holds only this reference: nothing is moved
            // out of `futures` while it is pinned.
            let futures = &mut futures;

            $crate::__private::poll_fn(|cx| {
                if $crate::__private::poll_budget_available(cx).is_pending() {
                    return $crate::__private::Poll::Pending;
                }
                let mut is_pending = false;
                let start: u32 = $start;
                for i in 0..__tern_select_util::BRANCHES {
                    #[allow(clippy::modulo_one)]
                    let branch = (start + i) % __tern_select_util::BRANCHES;
                    match branch {
                        $(
                            #[allow(unreachable_code)]
                            __tern_select_util:: $($path ::)* I => {
                                let mask: __tern_select_util::Mask = 1 << branch;
                                if disabled & mask == mask {
                                    continue;
                                }
                                let ( $($skip,)* fut, .. ) = &mut *futures;
                                // SAFETY: `futures` lives on this stack
                                // frame until the select ends and is never
                                // moved: the closure only borrows it.
                                let fut = unsafe { $crate::__private::Pin::new_unchecked(fut) };
                                let out = match $crate::__private::Future::poll(fut, cx) {
                                    $crate::__private::Poll::Ready(out) => out,
                                    $crate::__private::Poll::Pending => {
                                        is_pending = true;
                                        continue;
                                    }
                                };
                                disabled |= mask;
                                #[allow(unused_variables, unused_mut)]
                                match &out {
                                    $crate::__private::select_priv_clean_pattern!($bind) => {}
                                    _ => continue,
                                }
                                return $crate::__private::Poll::Ready(
                                    __tern_select_util:: $($path ::)* V(out)
                                );
                            }
                        )+
                        _ => ::core::unreachable!("select!: branch index out of range"),
                    }
                }
                if is_pending {
                    $crate::__private::Poll::Pending
                } else {
                    $crate::__private::Poll::Ready(__tern_select_util::Out::Disabled)
                }
            })
            .await
        };

        match output {
            $( __tern_select_util:: $($path ::)* V($bind) => $handle, )+
            __tern_select_util::Out::Disabled => $else,
            #[allow(unreachable_patterns)]
            _ => ::core::unreachable!("select!: the output matched its pattern when polled"),
        }
    }};

    // ===== Normalize one branch per step =====

    // No branch left and no `else`.
    (@ { start = $start:expr; ( $($s:tt)* ) ( $($n:tt)* ) $($t:tt)* } ) => {
        $crate::select!(@{ start = $start; ($($s)*) ($($n)*) $($t)*;
            ::core::panic!("all branches are disabled and there is no else branch") })
    };
    (@ { start = $start:expr; ( $($s:tt)* ) ( $($n:tt)* ) $($t:tt)* } else => $else:expr $(,)?) => {
        $crate::select!(@{ start = $start; ($($s)*) ($($n)*) $($t)*; $else })
    };
    // A block handler: the comma after it is optional.
    (@ { start = $start:expr; ( $($s:tt)* ) ( $($n:tt)* ) $($t:tt)* }
        $p:pat = $f:expr, if $c:expr => $h:block, $($r:tt)* ) => {
        $crate::select!(@{ start = $start; ($($s)* _) ($($n)* n) $($t)*
            ($($s)*) ($($n)*) $p = $f, if $c => $h, } $($r)*)
    };
    (@ { start = $start:expr; ( $($s:tt)* ) ( $($n:tt)* ) $($t:tt)* }
        $p:pat = $f:expr => $h:block, $($r:tt)* ) => {
        $crate::select!(@{ start = $start; ($($s)* _) ($($n)* n) $($t)*
            ($($s)*) ($($n)*) $p = $f, if true => $h, } $($r)*)
    };
    (@ { start = $start:expr; ( $($s:tt)* ) ( $($n:tt)* ) $($t:tt)* }
        $p:pat = $f:expr, if $c:expr => $h:block $($r:tt)* ) => {
        $crate::select!(@{ start = $start; ($($s)* _) ($($n)* n) $($t)*
            ($($s)*) ($($n)*) $p = $f, if $c => $h, } $($r)*)
    };
    (@ { start = $start:expr; ( $($s:tt)* ) ( $($n:tt)* ) $($t:tt)* }
        $p:pat = $f:expr => $h:block $($r:tt)* ) => {
        $crate::select!(@{ start = $start; ($($s)* _) ($($n)* n) $($t)*
            ($($s)*) ($($n)*) $p = $f, if true => $h, } $($r)*)
    };
    // An expression handler: a comma follows unless it is the last branch.
    (@ { start = $start:expr; ( $($s:tt)* ) ( $($n:tt)* ) $($t:tt)* }
        $p:pat = $f:expr, if $c:expr => $h:expr ) => {
        $crate::select!(@{ start = $start; ($($s)* _) ($($n)* n) $($t)*
            ($($s)*) ($($n)*) $p = $f, if $c => $h, })
    };
    (@ { start = $start:expr; ( $($s:tt)* ) ( $($n:tt)* ) $($t:tt)* }
        $p:pat = $f:expr => $h:expr ) => {
        $crate::select!(@{ start = $start; ($($s)* _) ($($n)* n) $($t)*
            ($($s)*) ($($n)*) $p = $f, if true => $h, })
    };
    (@ { start = $start:expr; ( $($s:tt)* ) ( $($n:tt)* ) $($t:tt)* }
        $p:pat = $f:expr, if $c:expr => $h:expr, $($r:tt)* ) => {
        $crate::select!(@{ start = $start; ($($s)* _) ($($n)* n) $($t)*
            ($($s)*) ($($n)*) $p = $f, if $c => $h, } $($r)*)
    };
    (@ { start = $start:expr; ( $($s:tt)* ) ( $($n:tt)* ) $($t:tt)* }
        $p:pat = $f:expr => $h:expr, $($r:tt)* ) => {
        $crate::select!(@{ start = $start; ($($s)* _) ($($n)* n) $($t)*
            ($($s)*) ($($n)*) $p = $f, if true => $h, } $($r)*)
    };

    // ===== Entry points =====

    ($(biased;)? else => $else:expr $(,)? ) => {{
        $else
    }};
    (biased; $p:pat = $($t:tt)* ) => {
        $crate::select!(@{ start = 0; () () } $p = $($t)*)
    };
    ( $p:pat = $($t:tt)* ) => {
        // A random first branch on each poll, for fairness.
        $crate::select!(@{
            start = $crate::__private::thread_rng_n(__tern_select_util::BRANCHES); () ()
        } $p = $($t)*)
    };
    () => {
        ::core::compile_error!("select! requires at least one branch.")
    };
}
