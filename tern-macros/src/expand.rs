//! The expansion: an `async fn` becomes a plain `fn` that builds a runtime
//! and blocks on the body.
//!
//! ```text
//! #[tern::main]                      fn main() {
//! async fn main() {            =>        let body = async { body };
//!     body                               return ::tern::runtime::Builder::new_multi_thread()
//! }                                          .enable_all().build()
//!                                            .expect("Failed building the Runtime")
//!                                            .block_on(body);
//!                                    }
//! ```

use proc_macro2::{TokenStream, TokenTree};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{Attribute, Meta, ReturnType, Type};

use crate::config::{Args, Config, Flavor, Kind};
use crate::crate_path::CratePath;
use crate::item::ItemFn;

/// Expands `#[tern::main]` / `#[tern::test]`. On a misuse the function is
/// still expanded (with the default options) next to the error, so that
/// the rest of the crate (and an IDE) still sees it and the misuse is, as
/// far as possible, the only error reported.
pub(crate) fn expand(kind: Kind, args: TokenStream, item: TokenStream) -> TokenStream {
    let input: ItemFn = match syn::parse2(item.clone()) {
        Ok(input) => input,
        Err(e) => return with_error(item, e),
    };
    let (last_start, _) = input.last_stmt_spans();
    let discovered = CratePath::discovered(last_start);

    let checked = check_item(&input, kind).and_then(|()| {
        let attr = |krate: &CratePath| format!("{}::{}", krate.name, kind.attr_name());
        let args = Args::parse(args, &attr(&discovered))?;
        let explicit = args.crate_path.as_ref().map(CratePath::explicit);
        let config = args.finish(kind, &attr(explicit.as_ref().unwrap_or(&discovered)))?;
        Ok((config, explicit))
    });
    match checked {
        Ok((config, explicit)) => {
            generate(input, kind, &config, explicit.as_ref().unwrap_or(&discovered), true)
        }
        Err(e) => {
            // A test with parameters gets no `#[test]`, or `cargo test`
            // would report it a second time.
            let test_attr = input.sig.inputs.is_empty();
            with_error(generate(input, kind, &Config::FALLBACK, &discovered, test_attr), e)
        }
    }
}

/// The checks on the function itself, before its options, in
/// tokio-macros' order.
fn check_item(input: &ItemFn, kind: Kind) -> syn::Result<()> {
    match kind {
        Kind::Main if input.sig.ident == "main" && !input.sig.inputs.is_empty() => {
            let msg = "the main function cannot accept arguments";
            return Err(syn::Error::new_spanned(&input.sig.ident, msg));
        }
        Kind::Test => {
            if let Some(attr) = input.attrs().find(|a| is_test_attribute(a)) {
                let msg = "second test attribute is supplied, consider removing or changing the order of your test attributes";
                return Err(syn::Error::new_spanned(attr, msg));
            }
        }
        Kind::Main => {}
    }
    if input.sig.asyncness.is_none() {
        let msg = "the `async` keyword is missing from the function declaration";
        return Err(syn::Error::new_spanned(input.sig.fn_token, msg));
    }
    // rustc reports this only when building tests (`#[test]` functions do
    // not exist otherwise); reported here in every build, in rustc's words.
    if kind == Kind::Test && !input.sig.inputs.is_empty() {
        let msg = "functions used as tests can not have any arguments";
        return Err(syn::Error::new_spanned(&input.sig.inputs, msg));
    }
    Ok(())
}

/// `#[test]`, or the prelude's `test` by its full path
/// (`#[::core::prelude::v1::test]`, `#[std::prelude::rust_2021::test]`, ...),
/// which would run the function a second time as a plain test.
fn is_test_attribute(attr: &Attribute) -> bool {
    let Meta::Path(path) = &attr.meta else { return false };
    let segments: Vec<String> = path
        .segments
        .iter()
        .map(|s| if s.arguments.is_none() { s.ident.to_string() } else { String::new() })
        .collect();
    match segments.as_slice() {
        [only] => path.leading_colon.is_none() && only == "test",
        [root, prelude, edition, test] => {
            (root == "core" || root == "std") && prelude == "prelude" && !edition.is_empty() && test == "test"
        }
        _ => false,
    }
}

fn generate(
    mut input: ItemFn,
    kind: Kind,
    config: &Config,
    krate: &CratePath,
    test_attr: bool,
) -> TokenStream {
    input.sig.asyncness = None;
    let krate = &krate.tokens;
    // The runtime call stands where the body's value does: rustc reports a
    // body/return type mismatch there, on the user's last statement.
    let (last_start, last_end) = input.last_stmt_spans();

    let mut builder = match config.flavor {
        Flavor::CurrentThread | Flavor::Local => {
            quote_spanned!(last_start=> #krate::runtime::Builder::new_current_thread())
        }
        Flavor::MultiThread => quote_spanned!(last_start=> #krate::runtime::Builder::new_multi_thread()),
    };
    if let Some(n) = config.worker_threads {
        builder = quote_spanned!(last_start=> #builder.worker_threads(#n));
    }
    if let Some(paused) = config.start_paused {
        builder = quote_spanned!(last_start=> #builder.start_paused(#paused));
    }
    if let Some(name) = &config.name {
        builder = quote_spanned!(last_start=> #builder.name(#name));
    }
    let build = match config.flavor {
        Flavor::Local => quote_spanned!(last_start=> build_local(::core::default::Default::default())),
        Flavor::CurrentThread | Flavor::MultiThread => quote_spanned!(last_start=> build()),
    };

    let output = match &input.sig.output {
        ReturnType::Default => quote!(()),
        ReturnType::Type(_, ty) => ty.to_token_stream(),
    };
    let body = input.body();
    let body = match kind {
        // One `block_on` instantiation for every test of the crate: the
        // body is pinned and blocked on as a `dyn Future`.
        Kind::Test => quote! {
            let body = async #body;
            let body = ::core::pin::pin!(body);
            let body: ::core::pin::Pin<&mut dyn ::core::future::Future<Output = #output>> = body;
        },
        // A compile-time check (never run) that the body's value has the
        // declared type, so a mismatch is reported inside the body.
        Kind::Main => {
            // It also gives `?` in the body the type to convert errors to.
            // A mismatch is reported at the declared return type.
            let check = match &input.sig.output {
                ReturnType::Type(_, ty) if matches!(**ty, Type::Never(_)) || mentions_impl(ty) => quote!(),
                ReturnType::Type(_, ty) => quote_spanned! {ty.span()=>
                    if false {
                        let _: &dyn ::core::future::Future<Output = #output> = &body;
                    }
                },
                ReturnType::Default => quote! {
                    if false {
                        let _: &dyn ::core::future::Future<Output = #output> = &body;
                    }
                },
            };
            quote! {
                let body = async #body;
                let body = {
                    #check
                    body
                };
            }
        }
    };
    // The explicit `return` lets a body that ends in `return x;` (no tail
    // expression) still type-check against the declared return type.
    let run = quote_spanned! {last_end=>
        #[allow(
            clippy::expect_used,
            clippy::diverging_sub_expression,
            clippy::needless_return,
            clippy::unwrap_in_result
        )]
        {
            return #builder
                .enable_all()
                .#build
                .expect("Failed building the Runtime")
                .block_on(body);
        }
    };
    let test_attr = match kind {
        Kind::Test if test_attr => quote!(#[::core::prelude::v1::test]),
        Kind::Test | Kind::Main => quote!(),
    };
    input.into_tokens(test_attr, quote!(#body #run))
}

/// Whether the return type has an `impl Trait` anywhere (which cannot be
/// named as `dyn Future<Output = ...>`).
fn mentions_impl(ty: &Type) -> bool {
    fn scan(tokens: TokenStream) -> bool {
        tokens.into_iter().any(|t| match t {
            TokenTree::Ident(i) => i == "impl",
            TokenTree::Group(g) => scan(g.stream()),
            _ => false,
        })
    }
    scan(ty.to_token_stream())
}

fn with_error(mut tokens: TokenStream, error: syn::Error) -> TokenStream {
    tokens.extend(error.into_compile_error());
    tokens
}
