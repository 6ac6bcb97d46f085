//! The two hidden helpers of `tern::select!`.
//!
//! * `declare_output_enum`: from `(_ _ _)` (one `_` per branch), declares
//!   the output enum `Out<_0, _1, _2>` (one variant per branch, plus
//!   `Disabled`), the bit-mask type `Mask`, the branch count `BRANCHES`, and
//!   for branch `k` a constant `I` (its index) and an alias `V` (its
//!   variant) in the module reached by `k` nested `n` modules. The
//!   declarative macro builds the path `n::n::...` from its own count of
//!   earlier branches, as it cannot build a number or an identifier.
//! * `clean_pattern`: removes `ref` and `mut` from a pattern, so that it can
//!   be matched against a reference to the branch's output (checking the
//!   match without moving the output).

use proc_macro::{TokenStream, TokenTree};
use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::quote;
use syn::parse::Parser;
use syn::Ident;

/// Most branches a `select!` may have (the bits of a `u64` mask).
const MAX_BRANCHES: usize = 64;

pub(crate) fn declare_output_enum(input: TokenStream) -> TokenStream {
    let branches = match input.into_iter().next() {
        Some(TokenTree::Group(group)) => group.stream().into_iter().count(),
        _ => return compile_error("unexpected input to select_priv_declare_output_enum!"),
    };
    if branches == 0 {
        return compile_error("select! requires at least one branch.");
    }
    if branches > MAX_BRANCHES {
        return compile_error("select! supports up to 64 branches");
    }
    let variants: Vec<Ident> =
        (0..branches).map(|k| Ident::new(&format!("_{k}"), Span::call_site())).collect();
    let mask = Ident::new(
        match branches {
            0..=8 => "u8",
            9..=16 => "u16",
            17..=32 => "u32",
            _ => "u64",
        },
        Span::call_site(),
    );
    let count = branches as u32;
    let index_modules = branch_module(0, branches);
    quote! {
        #[allow(dead_code, non_camel_case_types, unreachable_pub, clippy::all)]
        pub enum Out<#( #variants ),*> {
            #( #variants(#variants), )*
            /// Every branch is disabled.
            Disabled,
        }

        #[allow(dead_code)]
        pub type Mask = #mask;

        #[allow(dead_code)]
        pub const BRANCHES: u32 = #count;

        #index_modules
    }
    .into()
}

/// The index constant and variant alias of branch `k`, and (inside a module
/// `n`) those of the branches after it.
fn branch_module(k: usize, branches: usize) -> TokenStream2 {
    let variant = Ident::new(&format!("_{k}"), Span::call_site());
    let index = k as u32;
    let root = if k == 0 { quote!(self::) } else { (0..k).map(|_| quote!(super::)).collect() };
    let rest = if k + 1 < branches {
        let inner = branch_module(k + 1, branches);
        quote! {
            #[allow(dead_code)]
            pub mod n {
                #inner
            }
        }
    } else {
        quote! {}
    };
    quote! {
        #[allow(unused_imports)]
        pub use #root Out::#variant as V;
        #[allow(dead_code)]
        pub const I: u32 = #index;
        #rest
    }
}

pub(crate) fn clean_pattern_macro(input: TokenStream) -> TokenStream {
    // Input that is not a pattern is passed through: `select!` puts it in
    // a pattern position, where the compiler reports the error.
    let mut pat = match syn::Pat::parse_single.parse(input.clone()) {
        Ok(pat) => pat,
        Err(_) => return input,
    };
    clean_pattern(&mut pat);
    quote::ToTokens::into_token_stream(pat).into()
}

/// Removes every `ref` and `mut` binding mode in `pat`.
fn clean_pattern(pat: &mut syn::Pat) {
    match pat {
        syn::Pat::Ident(ident) => {
            ident.by_ref = None;
            ident.mutability = None;
            if let Some((_, sub)) = &mut ident.subpat {
                clean_pattern(sub);
            }
        }
        syn::Pat::Or(or) => or.cases.iter_mut().for_each(clean_pattern),
        syn::Pat::Slice(slice) => slice.elems.iter_mut().for_each(clean_pattern),
        syn::Pat::Tuple(tuple) => tuple.elems.iter_mut().for_each(clean_pattern),
        syn::Pat::TupleStruct(tuple) => tuple.elems.iter_mut().for_each(clean_pattern),
        syn::Pat::Struct(strukt) => strukt.fields.iter_mut().for_each(|field| clean_pattern(&mut field.pat)),
        syn::Pat::Reference(reference) => {
            reference.mutability = None;
            clean_pattern(&mut reference.pat);
        }
        syn::Pat::Type(typed) => clean_pattern(&mut typed.pat),
        syn::Pat::Paren(paren) => clean_pattern(&mut paren.pat),
        // Literals, paths, ranges, `..`, `_`, macros: nothing to clean.
        _ => {}
    }
}

fn compile_error(msg: &str) -> TokenStream {
    quote!(::core::compile_error!(#msg);).into()
}
