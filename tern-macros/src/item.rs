//! The annotated function, parsed only as far as the expansion needs.
//!
//! The body is kept as raw token streams, one per statement, so that it
//! keeps the user's spans exactly and a body with a syntax error still
//! reaches rustc (whose error is better than ours). The last statement's
//! spans locate the generated runtime call, which is where rustc reports a
//! mismatch between the body's value and the declared return type.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::parse::{Parse, ParseStream};
use syn::token::Brace;
use syn::{braced, AttrStyle, Attribute, Signature, Token, Visibility};

pub(crate) struct ItemFn {
    pub(crate) outer_attrs: Vec<Attribute>,
    pub(crate) vis: Visibility,
    pub(crate) sig: Signature,
    pub(crate) brace_token: Brace,
    pub(crate) inner_attrs: Vec<Attribute>,
    /// The body's statements, each with its terminating `;` when it has one.
    pub(crate) stmts: Vec<TokenStream>,
}

impl Parse for ItemFn {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let outer_attrs = input.call(Attribute::parse_outer)?;
        let vis = input.parse()?;
        let sig = input.parse()?;
        let content;
        let brace_token = braced!(content in input);
        let inner_attrs = content.call(Attribute::parse_inner)?;

        // Split at top-level `;` only: nested groups are single token trees,
        // so their contents are never looked at.
        let mut stmts = Vec::new();
        let mut current = TokenStream::new();
        while !content.is_empty() {
            if let Some(semi) = content.parse::<Option<Token![;]>>()? {
                semi.to_tokens(&mut current);
                stmts.push(std::mem::take(&mut current));
            } else {
                current.extend([content.parse::<TokenTree>()?]);
            }
        }
        if !current.is_empty() {
            stmts.push(current);
        }
        Ok(ItemFn { outer_attrs, vis, sig, brace_token, inner_attrs, stmts })
    }
}

impl ItemFn {
    /// Outer and inner attributes, in source order.
    pub(crate) fn attrs(&self) -> impl Iterator<Item = &Attribute> {
        self.outer_attrs.iter().chain(&self.inner_attrs)
    }

    /// The first and last token spans of the last statement (call site for
    /// an empty body). On stable Rust a `Span` cannot cover several tokens,
    /// so both ends are kept, as `syn::Error::new_spanned` does.
    pub(crate) fn last_stmt_spans(&self) -> (Span, Span) {
        let mut tokens = self.stmts.last().cloned().unwrap_or_default().into_iter();
        let start = tokens.next().map_or_else(Span::call_site, |t| t.span());
        let end = tokens.last().map_or(start, |t| t.span());
        (start, end)
    }

    /// The body as a block with the user's braces and statements.
    pub(crate) fn body(&self) -> TokenStream {
        let mut tokens = TokenStream::new();
        self.brace_token.surround(&mut tokens, |tokens| tokens.extend(self.stmts.iter().cloned()));
        tokens
    }

    /// The function again: its attributes (inner ones turned outer, since
    /// the new body is not where they were written), then `extra_attrs`, then
    /// the signature around `new_body` in the user's braces.
    pub(crate) fn into_tokens(self, extra_attrs: TokenStream, new_body: TokenStream) -> TokenStream {
        let mut tokens = TokenStream::new();
        for attr in &self.outer_attrs {
            attr.to_tokens(&mut tokens);
        }
        for mut attr in self.inner_attrs {
            attr.style = AttrStyle::Outer;
            attr.to_tokens(&mut tokens);
        }
        tokens.extend(extra_attrs);
        self.vis.to_tokens(&mut tokens);
        self.sig.to_tokens(&mut tokens);
        self.brace_token.surround(&mut tokens, |tokens| tokens.extend(new_body));
        tokens
    }
}
