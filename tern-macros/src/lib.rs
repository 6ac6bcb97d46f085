//! `#[tern::main]` and `#[tern::test]`.
//!
//! Both turn an `async fn` into a plain function that builds a tern runtime
//! and `block_on`s the body, accepting Tokio's attribute arguments:
//! `flavor = "current_thread" | "multi_thread"`, `worker_threads = N`,
//! `start_paused = bool`, `name = "runtime name"`, and `crate = "path"` (to
//! name tern under another name, for instance `tokio` after a dependency
//! rename).

use proc_macro::TokenStream;
use proc_macro2::Span;
use quote::{quote, quote_spanned};
use syn::parse::Parser;
use syn::spanned::Spanned;
use syn::{punctuated::Punctuated, Expr, ExprLit, ItemFn, Lit, MetaNameValue, Token};

/// Marks an async function to be executed by the selected tern runtime.
///
/// ```ignore
/// #[tern::main]
/// async fn main() {
///     println!("Hello world");
/// }
/// ```
///
/// is equivalent to
///
/// ```ignore
/// fn main() {
///     tern::runtime::Builder::new_multi_thread()
///         .enable_all()
///         .build()
///         .expect("Failed building the Runtime")
///         .block_on(async { println!("Hello world") })
/// }
/// ```
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(args, item, false)
}

/// Marks an async function to be executed by a tern runtime, as a test.
///
/// The default flavor is `current_thread`, as in Tokio.
///
/// ```ignore
/// #[tern::test]
/// async fn my_test() {
///     assert!(true);
/// }
/// ```
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(args, item, true)
}

struct Config {
    flavor: Option<(String, Span)>,
    worker_threads: Option<Expr>,
    start_paused: Option<Expr>,
    crate_path: Option<syn::Path>,
    /// The runtime's name (`Builder::name`).
    name: Option<String>,
}

fn parse_args(args: TokenStream) -> syn::Result<Config> {
    let args = Punctuated::<MetaNameValue, Token![,]>::parse_terminated.parse(args)?;
    let mut config =
        Config { flavor: None, worker_threads: None, start_paused: None, crate_path: None, name: None };
    for arg in args {
        let name = arg.path.get_ident().map(|i| i.to_string()).unwrap_or_default();
        match name.as_str() {
            "flavor" => config.flavor = Some((lit_str(&arg.value)?, arg.value.span())),
            "worker_threads" => config.worker_threads = Some(arg.value),
            "start_paused" => config.start_paused = Some(arg.value),
            "crate" => config.crate_path = Some(syn::parse_str(&lit_str(&arg.value)?)?),
            "name" => config.name = Some(lit_str(&arg.value)?),
            _ => {
                return Err(syn::Error::new(
                    arg.path.span(),
                    "unknown attribute: expected one of `flavor`, `worker_threads`, `start_paused`, `crate`, `name`",
                ))
            }
        }
    }
    Ok(config)
}

fn lit_str(expr: &Expr) -> syn::Result<String> {
    match expr {
        Expr::Lit(ExprLit { lit: Lit::Str(s), .. }) => Ok(s.value()),
        other => Err(syn::Error::new(other.span(), "expected a string literal")),
    }
}

fn expand(args: TokenStream, item: TokenStream, is_test: bool) -> TokenStream {
    let mut input: ItemFn = match syn::parse(item.clone()) {
        Ok(f) => f,
        Err(e) => return e.to_compile_error().into(),
    };
    let config = match parse_args(args) {
        Ok(c) => c,
        Err(e) => return e.to_compile_error().into(),
    };
    if input.sig.asyncness.take().is_none() {
        let msg = "the `async` keyword is missing from the function declaration";
        return syn::Error::new(input.sig.fn_token.span(), msg).to_compile_error().into();
    }
    if !is_test && input.sig.ident == "main" && !input.sig.inputs.is_empty() {
        let msg = "the main function cannot accept arguments";
        return syn::Error::new(input.sig.inputs.span(), msg).to_compile_error().into();
    }
    let krate = config.crate_path.clone().unwrap_or_else(|| syn::parse_quote!(::tern));
    let multi = match &config.flavor {
        None => !is_test,
        Some((f, _)) if f == "multi_thread" => true,
        Some((f, _)) if f == "current_thread" => false,
        Some((f, span)) => {
            let msg = format!("unknown `flavor = \"{f}\"`: expected \"current_thread\" or \"multi_thread\"");
            return syn::Error::new(*span, msg).to_compile_error().into();
        }
    };
    if !multi {
        if let Some(w) = &config.worker_threads {
            let msg = "the `worker_threads` option requires the `multi_thread` runtime flavor";
            return syn::Error::new(w.span(), msg).to_compile_error().into();
        }
    }
    let mut builder = if multi {
        quote! { #krate::runtime::Builder::new_multi_thread() }
    } else {
        quote! { #krate::runtime::Builder::new_current_thread() }
    };
    if let Some(w) = &config.worker_threads {
        builder = quote! { #builder.worker_threads(#w) };
    }
    if let Some(p) = &config.start_paused {
        builder = quote! { #builder.start_paused(#p) };
    }
    if let Some(name) = &config.name {
        builder = quote! { #builder.name(#name) };
    }

    let body = &input.block;
    let brace = body.brace_token.span.join();
    let new_body = quote_spanned! {brace=>
        {
            let body = async move #body;
            #[allow(clippy::expect_used, clippy::diverging_sub_expression)]
            {
                return #builder
                    .enable_all()
                    .build()
                    .expect("Failed building the Runtime")
                    .block_on(body);
            }
        }
    };
    input.block = syn::parse2(new_body).expect("generated body parses");
    let test_attr = if is_test && !input.attrs.iter().any(|a| a.path().is_ident("test")) {
        quote! { #[::core::prelude::v1::test] }
    } else {
        quote! {}
    };
    quote! { #test_attr #input }.into()
}
