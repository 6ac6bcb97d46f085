//! The attribute's options, `flavor = ".."`, `worker_threads = N`, ...,
//! read and checked with the messages tokio-macros gives, each pointing at
//! the user's tokens.

use proc_macro2::{Span, TokenStream};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Expr, ExprLit, Lit, Meta, MetaNameValue, Path, Token};

/// Which attribute is being expanded.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Main,
    Test,
}

impl Kind {
    pub(crate) fn attr_name(self) -> &'static str {
        match self {
            Kind::Main => "main",
            Kind::Test => "test",
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavor {
    CurrentThread,
    MultiThread,
    Local,
}

impl Flavor {
    fn parse(s: &str) -> Result<Flavor, String> {
        match s {
            "current_thread" => Ok(Flavor::CurrentThread),
            "multi_thread" => Ok(Flavor::MultiThread),
            "local" => Ok(Flavor::Local),
            "single_thread" => Err("The single threaded runtime flavor is called `current_thread`.".into()),
            "basic_scheduler" => {
                Err("The `basic_scheduler` runtime flavor has been renamed to `current_thread`.".into())
            }
            "threaded_scheduler" => {
                Err("The `threaded_scheduler` runtime flavor has been renamed to `multi_thread`.".into())
            }
            other => Err(format!(
                "No such runtime flavor `{other}`. The runtime flavors are `current_thread`, `local`, and `multi_thread`."
            )),
        }
    }
}

/// The options after every check: what the expansion generates from.
pub(crate) struct Config {
    pub(crate) flavor: Flavor,
    pub(crate) worker_threads: Option<usize>,
    pub(crate) start_paused: Option<bool>,
    pub(crate) name: Option<String>,
}

impl Config {
    /// What is expanded alongside an error, so that the function still
    /// exists for the IDE and for the rest of the crate's checks.
    pub(crate) const FALLBACK: Config =
        Config { flavor: Flavor::CurrentThread, worker_threads: None, start_paused: None, name: None };
}

/// The options as written, each with the span of its value.
#[derive(Default)]
pub(crate) struct Args {
    flavor: Option<(Flavor, Span)>,
    worker_threads: Option<(usize, Span)>,
    start_paused: Option<(bool, Span)>,
    name: Option<String>,
    /// `crate = "path"`: where the runtime is, instead of the discovered name.
    pub(crate) crate_path: Option<Path>,
}

const EXPECTED: &str = "expected one of: `flavor`, `worker_threads`, `start_paused`, `crate`, `name`.";

impl Args {
    /// Reads the attribute's arguments. `attr` is the attribute as the user
    /// names it (`tokio::test`), for the suggested fixes.
    pub(crate) fn parse(tokens: TokenStream, attr: &str) -> syn::Result<Args> {
        let metas = Punctuated::<Meta, Token![,]>::parse_terminated.parse2(tokens)?;
        let mut args = Args::default();
        for meta in metas {
            match meta {
                Meta::NameValue(nv) => args.set(&nv)?,
                Meta::Path(path) => return Err(bare_option_error(&path, attr)),
                other => return Err(syn::Error::new_spanned(other, "Unknown attribute inside the macro")),
            }
        }
        Ok(args)
    }

    fn set(&mut self, nv: &MetaNameValue) -> syn::Result<()> {
        let option = option_name(&nv.path)?;
        let lit = match &nv.value {
            Expr::Lit(ExprLit { lit, .. }) => lit,
            other => return Err(syn::Error::new_spanned(other, "Must be a literal")),
        };
        let span = lit.span();
        let duplicate = || syn::Error::new(span, format!("`{option}` set multiple times."));
        match option.as_str() {
            "flavor" => {
                if self.flavor.is_some() {
                    return Err(duplicate());
                }
                let flavor = Flavor::parse(&string(lit, "flavor")?).map_err(|m| syn::Error::new(span, m))?;
                self.flavor = Some((flavor, span));
            }
            "worker_threads" => {
                if self.worker_threads.is_some() {
                    return Err(duplicate());
                }
                let n = integer(lit, "worker_threads")?;
                if n == 0 {
                    return Err(syn::Error::new(span, "`worker_threads` may not be 0."));
                }
                self.worker_threads = Some((n, span));
            }
            "start_paused" => {
                if self.start_paused.is_some() {
                    return Err(duplicate());
                }
                self.start_paused = Some((boolean(lit, "start_paused")?, span));
            }
            "crate" => {
                if self.crate_path.is_some() {
                    return Err(duplicate());
                }
                self.crate_path = Some(path(lit)?);
            }
            "name" => {
                if self.name.is_some() {
                    return Err(duplicate());
                }
                self.name = Some(string(lit, "name")?);
            }
            "core_threads" => {
                let msg = "Attribute `core_threads` is renamed to `worker_threads`";
                return Err(syn::Error::new_spanned(nv, msg));
            }
            "unhandled_panic" => {
                let msg =
                    "The `unhandled_panic` option depends on Tokio's unstable API, which tern does not have.";
                return Err(syn::Error::new_spanned(nv, msg));
            }
            other => {
                let msg = format!("Unknown attribute {other} is specified; {EXPECTED}");
                return Err(syn::Error::new_spanned(nv, msg));
            }
        }
        Ok(())
    }

    /// Checks the options against each other and the attribute's defaults.
    /// `attr` is the attribute as the user names it, for the suggested fix
    /// (`#[tokio::test(flavor = "multi_thread")]`).
    pub(crate) fn finish(self, kind: Kind, attr: &str) -> syn::Result<Config> {
        let flavor = match self.flavor {
            Some((flavor, _)) => flavor,
            None if kind == Kind::Test => Flavor::CurrentThread,
            None => Flavor::MultiThread,
        };
        if let (Flavor::CurrentThread | Flavor::Local, Some((_, span))) = (flavor, self.worker_threads) {
            let msg = format!(
                "The `worker_threads` option requires the `multi_thread` runtime flavor. Use `#[{attr}(flavor = \"multi_thread\")]`"
            );
            return Err(syn::Error::new(span, msg));
        }
        if let (Flavor::MultiThread, Some((_, span))) = (flavor, self.start_paused) {
            let msg = format!(
                "The `start_paused` option requires the `current_thread` runtime flavor. Use `#[{attr}(flavor = \"current_thread\")]`"
            );
            return Err(syn::Error::new(span, msg));
        }
        Ok(Config {
            flavor,
            worker_threads: self.worker_threads.map(|(n, _)| n),
            start_paused: self.start_paused.map(|(b, _)| b),
            name: self.name,
        })
    }
}

/// The option's name, lowercased as tokio-macros does.
fn option_name(path: &Path) -> syn::Result<String> {
    match path.get_ident() {
        Some(ident) => Ok(ident.to_string().to_lowercase()),
        None => Err(syn::Error::new_spanned(path, "Must have specified ident")),
    }
}

/// An option written without `= value`: an old flavor spelling, a known
/// option missing its value, or an unknown one.
fn bare_option_error(path: &Path, attr: &str) -> syn::Error {
    let name = match option_name(path) {
        Ok(name) => name,
        Err(e) => return e,
    };
    let msg = match name.as_str() {
        "threaded_scheduler" | "multi_thread" => {
            format!("Set the runtime flavor with #[{attr}(flavor = \"multi_thread\")].")
        }
        "basic_scheduler" | "current_thread" | "single_threaded" => {
            format!("Set the runtime flavor with #[{attr}(flavor = \"current_thread\")].")
        }
        "flavor" | "worker_threads" | "start_paused" | "crate" | "name" => {
            format!("The `{name}` attribute requires an argument.")
        }
        other => format!("Unknown attribute {other} is specified; {EXPECTED}"),
    };
    syn::Error::new_spanned(path, msg)
}

fn string(lit: &Lit, option: &str) -> syn::Result<String> {
    match lit {
        Lit::Str(s) => Ok(s.value()),
        Lit::Verbatim(v) => Ok(v.to_string()),
        _ => Err(syn::Error::new(lit.span(), format!("Failed to parse value of `{option}` as string."))),
    }
}

fn integer(lit: &Lit, option: &str) -> syn::Result<usize> {
    match lit {
        Lit::Int(int) => int.base10_parse::<usize>().map_err(|e| {
            syn::Error::new(lit.span(), format!("Failed to parse value of `{option}` as integer: {e}"))
        }),
        _ => Err(syn::Error::new(lit.span(), format!("Failed to parse value of `{option}` as integer."))),
    }
}

fn boolean(lit: &Lit, option: &str) -> syn::Result<bool> {
    match lit {
        Lit::Bool(b) => Ok(b.value),
        _ => Err(syn::Error::new(lit.span(), format!("Failed to parse value of `{option}` as bool."))),
    }
}

fn path(lit: &Lit) -> syn::Result<Path> {
    match lit {
        Lit::Str(s) => s.parse::<Path>().map_err(|_| {
            syn::Error::new(
                lit.span(),
                format!("Failed to parse value of `crate` as path: \"{}\"", s.value()),
            )
        }),
        _ => Err(syn::Error::new(lit.span(), "Failed to parse value of `crate` as path.")),
    }
}
