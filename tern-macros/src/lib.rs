//! `#[tern::main]` and `#[tern::test]`, with tokio-macros' options and
//! error messages.
//!
//! Both turn an `async fn` into a plain function that builds a tern runtime
//! and `block_on`s the body. The generated code names the runtime crate by
//! the name the user's Cargo.toml gives it, so a program ported with
//! `tokio = { package = "tern", ... }` expands to `::tokio::runtime::...`
//! with no `crate = "..."` option. The name is, in order: the `crate`
//! option; the `tern` package under its dependency name (`::tern` inside
//! tern itself); a package named `tokio` (a drop-in crate re-exporting
//! tern); else `tern`.
//!
//! These macros are used through the runtime crate's re-export
//! (`tern::main`, `tern::test`), as Tokio's are.

#![deny(unsafe_op_in_unsafe_fn)]
// The examples show what the attributes expand to: a `fn main` or a
// `#[test]` function, written out.
#![allow(clippy::needless_doctest_main, clippy::test_attr_in_doctest)]
#![doc(test(attr(deny(warnings), allow(dead_code, unused_variables))))]

mod config;
mod crate_path;
mod expand;
mod item;

use proc_macro::TokenStream;

use config::Kind;

/// Marks an async function to be executed by the selected runtime.
///
/// This sets up a [`Runtime`] without the user writing the [`Builder`]
/// calls. The function is expanded into a synchronous one that builds a
/// runtime each time it is called and blocks on the body; the body itself
/// does not run on a worker thread, so work that should run on the workers
/// is spawned from it. For anything the options below do not cover, use the
/// [`Builder`] directly.
///
/// Arguments are allowed for any function except `main`.
///
/// # Options
///
/// | option | values | default |
/// |---|---|---|
/// | `flavor` | `"multi_thread"`, `"current_thread"`, `"local"` | `"multi_thread"` |
/// | `worker_threads` | an integer > 0; `multi_thread` only | the number of CPUs |
/// | `start_paused` | `true` / `false`; `current_thread` and `local` only | `false` |
/// | `name` | a string: the runtime's name ([`Builder::name`]) | none |
/// | `crate` | a string holding a path to the runtime crate | discovered from Cargo.toml |
///
/// Misuses are compile errors worded as tokio-macros words them, pointing
/// at the offending option.
///
/// # Examples
///
/// ## Using the multi-threaded runtime
///
/// ```
/// #[tern::main]
/// async fn main() {
///     println!("Hello world");
/// }
/// ```
///
/// Equivalent code not using `#[tern::main]`:
///
/// ```
/// fn main() {
///     tern::runtime::Builder::new_multi_thread()
///         .enable_all()
///         .build()
///         .unwrap()
///         .block_on(async {
///             println!("Hello world");
///         })
/// }
/// ```
///
/// ## Set the number of worker threads
///
/// ```
/// #[tern::main(flavor = "multi_thread", worker_threads = 2)]
/// async fn main() {
///     println!("Hello world");
/// }
/// ```
///
/// Equivalent code not using `#[tern::main]`:
///
/// ```
/// fn main() {
///     tern::runtime::Builder::new_multi_thread()
///         .worker_threads(2)
///         .enable_all()
///         .build()
///         .unwrap()
///         .block_on(async {
///             println!("Hello world");
///         })
/// }
/// ```
///
/// ## Using the current-thread runtime
///
/// ```
/// #[tern::main(flavor = "current_thread")]
/// async fn main() {
///     println!("Hello world");
/// }
/// ```
///
/// Equivalent code not using `#[tern::main]`:
///
/// ```
/// fn main() {
///     tern::runtime::Builder::new_current_thread()
///         .enable_all()
///         .build()
///         .unwrap()
///         .block_on(async {
///             println!("Hello world");
///         })
/// }
/// ```
///
/// ## Using the local runtime
///
/// The local runtime is a current-thread runtime that also runs `!Send`
/// tasks (`task::spawn_local`). It expands to
/// `Builder::build_local(LocalOptions::default())`:
///
/// ```
/// #[tern::main(flavor = "local")]
/// async fn main() {
///     println!("Hello world");
/// }
/// ```
///
/// Equivalent code not using `#[tern::main]`:
///
/// ```
/// fn main() {
///     tern::runtime::Builder::new_current_thread()
///         .enable_all()
///         .build_local(tern::runtime::LocalOptions::default())
///         .unwrap()
///         .block_on(async {
///             println!("Hello world");
///         })
/// }
/// ```
///
/// ## Configure the runtime to start with time paused
///
/// ```
/// #[tern::main(flavor = "current_thread", start_paused = true)]
/// async fn main() {
///     println!("Hello world");
/// }
/// ```
///
/// Equivalent code not using `#[tern::main]`:
///
/// ```
/// fn main() {
///     tern::runtime::Builder::new_current_thread()
///         .enable_all()
///         .start_paused(true)
///         .build()
///         .unwrap()
///         .block_on(async {
///             println!("Hello world");
///         })
/// }
/// ```
///
/// ## Set the name of the runtime
///
/// ```
/// #[tern::main(name = "my-runtime")]
/// async fn main() {
///     assert_eq!(tern::runtime::Handle::current().name(), Some("my-runtime"));
/// }
/// ```
///
/// Equivalent code not using `#[tern::main]`:
///
/// ```
/// fn main() {
///     tern::runtime::Builder::new_multi_thread()
///         .name("my-runtime")
///         .enable_all()
///         .build()
///         .unwrap()
///         .block_on(async {
///             assert_eq!(tern::runtime::Handle::current().name(), Some("my-runtime"));
///         })
/// }
/// ```
///
/// ## Rename package
///
/// A dependency renamed in Cargo.toml is found without this option; it is
/// for a crate reached under another path, as here through a `use`:
///
/// ```
/// use tern as tern1;
///
/// #[tern1::main(crate = "tern1")]
/// async fn main() {
///     println!("Hello world");
/// }
/// ```
///
/// Equivalent code not using `#[tern::main]`:
///
/// ```
/// use tern as tern1;
///
/// fn main() {
///     tern1::runtime::Builder::new_multi_thread()
///         .enable_all()
///         .build()
///         .unwrap()
///         .block_on(async {
///             println!("Hello world");
///         })
/// }
/// ```
///
/// [`Runtime`]: ../tern/runtime/struct.Runtime.html
/// [`Builder`]: ../tern/runtime/struct.Builder.html
/// [`Builder::name`]: ../tern/runtime/struct.Builder.html
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(Kind::Main, args.into(), item.into()).into()
}

/// Marks an async function to be executed by a runtime, as a test.
///
/// Each test builds its own runtime, by default a `current_thread` one. The
/// function gets `#[test]` added: do not write a second test attribute.
/// Test functions cannot take arguments, as with `#[test]`.
///
/// # Options
///
/// | option | values | default |
/// |---|---|---|
/// | `flavor` | `"current_thread"`, `"multi_thread"`, `"local"` | `"current_thread"` |
/// | `worker_threads` | an integer > 0; `multi_thread` only | the number of CPUs |
/// | `start_paused` | `true` / `false`; `current_thread` and `local` only | `false` |
/// | `name` | a string: the runtime's name ([`Builder::name`]) | none |
/// | `crate` | a string holding a path to the runtime crate | discovered from Cargo.toml |
///
/// Misuses are compile errors worded as tokio-macros words them, pointing
/// at the offending option.
///
/// # Examples
///
/// ## Using the current-thread runtime
///
/// ```
/// #[tern::test]
/// async fn my_test() {
///     assert!(true);
/// }
/// ```
///
/// Equivalent code not using `#[tern::test]`:
///
/// ```
/// #[test]
/// fn my_test() {
///     tern::runtime::Builder::new_current_thread()
///         .enable_all()
///         .build()
///         .unwrap()
///         .block_on(async {
///             assert!(true);
///         })
/// }
/// ```
///
/// ## Using the multi-threaded runtime
///
/// ```
/// #[tern::test(flavor = "multi_thread", worker_threads = 2)]
/// async fn my_test() {
///     assert!(true);
/// }
/// ```
///
/// Equivalent code not using `#[tern::test]`:
///
/// ```
/// #[test]
/// fn my_test() {
///     tern::runtime::Builder::new_multi_thread()
///         .worker_threads(2)
///         .enable_all()
///         .build()
///         .unwrap()
///         .block_on(async {
///             assert!(true);
///         })
/// }
/// ```
///
/// ## Using the local runtime
///
/// ```
/// #[tern::test(flavor = "local")]
/// async fn my_test() {
///     let local = tern::task::spawn_local(async { std::rc::Rc::new(1) });
///     assert_eq!(*local.await.unwrap(), 1);
/// }
/// ```
///
/// ## Configure the runtime to start with time paused
///
/// With time paused, a sleep completes as soon as the runtime has nothing
/// else to do, with the clock moved forward by the sleep's duration:
///
/// ```
/// #[tern::test(start_paused = true)]
/// async fn my_test() {
///     let start = tern::time::Instant::now();
///     tern::time::sleep(std::time::Duration::from_secs(3600)).await;
///     assert!(start.elapsed() >= std::time::Duration::from_secs(3600));
/// }
/// ```
///
/// Equivalent code not using `#[tern::test]`:
///
/// ```
/// #[test]
/// fn my_test() {
///     tern::runtime::Builder::new_current_thread()
///         .enable_all()
///         .start_paused(true)
///         .build()
///         .unwrap()
///         .block_on(async {
///             assert!(true);
///         })
/// }
/// ```
///
/// ## Set the name of the runtime
///
/// ```
/// #[tern::test(name = "my-test-runtime")]
/// async fn my_test() {
///     assert_eq!(tern::runtime::Handle::current().name(), Some("my-test-runtime"));
/// }
/// ```
///
/// ## Rename package
///
/// ```
/// use tern as tern1;
///
/// #[tern1::test(crate = "tern1")]
/// async fn my_test() {
///     println!("Hello world");
/// }
/// ```
///
/// [`Builder::name`]: ../tern/runtime/struct.Builder.html
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(Kind::Test, args.into(), item.into()).into()
}

// ----- hidden helpers of `tern::select!` -----

/// Declares the output enum of one `select!` (implementation detail of
/// `tern::select!`; not a public API).
#[doc(hidden)]
#[proc_macro]
pub fn select_priv_declare_output_enum(input: TokenStream) -> TokenStream {
    select::declare_output_enum(input)
}

/// Removes `ref`/`mut` from a `select!` branch pattern (implementation
/// detail of `tern::select!`; not a public API).
#[doc(hidden)]
#[proc_macro]
pub fn select_priv_clean_pattern(input: TokenStream) -> TokenStream {
    select::clean_pattern_macro(input)
}

mod select;
