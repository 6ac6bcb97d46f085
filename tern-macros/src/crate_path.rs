//! The path to the runtime crate in the user's code, found from the user's
//! Cargo.toml, so that `tokio = { package = "tern", ... }` needs no
//! `crate = "tokio"` in every attribute.

use proc_macro2::{Ident, Span, TokenStream};
use proc_macro_crate::{crate_name, FoundCrate};
use quote::{quote_spanned, ToTokens};
use syn::Path;

/// The runtime crate's path, with its name as the user spells it (for
/// messages).
pub(crate) struct CratePath {
    pub(crate) tokens: TokenStream,
    pub(crate) name: String,
}

impl CratePath {
    /// `crate = "path"` as written: used verbatim (it may be a path relative
    /// to the item, such as a local `extern crate` or `use`).
    pub(crate) fn explicit(path: &Path) -> CratePath {
        let name = path.to_token_stream().to_string().replace(' ', "");
        CratePath { tokens: path.to_token_stream(), name }
    }

    /// `::name` for the name the current package's Cargo.toml gives the
    /// runtime. The path resolves at the call site and is reported at
    /// `span` (the body's last statement, where type errors show).
    pub(crate) fn discovered(span: Span) -> CratePath {
        let name = discover(lookup("tern"), || lookup("tokio"));
        let ident = Ident::new(&name, Span::call_site().located_at(span));
        CratePath { tokens: quote_spanned!(ident.span()=> ::#ident), name }
    }
}

fn lookup(package: &str) -> Option<FoundCrate> {
    crate_name(package).ok()
}

/// The resolution order: the `tern` package under whatever name the
/// manifest gives it (`::tern` from tern's own tests and doc tests, where
/// it is the package itself); otherwise a package named `tokio` (a drop-in
/// crate that re-exports tern); otherwise `tern`.
fn discover(tern: Option<FoundCrate>, tokio: impl FnOnce() -> Option<FoundCrate>) -> String {
    match tern {
        Some(FoundCrate::Name(name)) => name,
        Some(FoundCrate::Itself) => "tern".to_owned(),
        None => match tokio() {
            Some(FoundCrate::Name(name)) => name,
            Some(FoundCrate::Itself) => "tokio".to_owned(),
            None => "tern".to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn name(n: &str) -> Option<FoundCrate> {
        Some(FoundCrate::Name(n.to_owned()))
    }

    #[test]
    fn tern_under_any_name_comes_first() {
        assert_eq!(discover(name("tokio"), || panic!("not looked up")), "tokio");
        assert_eq!(discover(name("rt"), || name("tokio")), "rt");
        assert_eq!(discover(Some(FoundCrate::Itself), || name("tokio")), "tern");
    }

    #[test]
    fn a_package_named_tokio_is_used_when_tern_is_absent() {
        assert_eq!(discover(None, || name("tokio")), "tokio");
        assert_eq!(discover(None, || name("tokio1")), "tokio1");
        assert_eq!(discover(None, || Some(FoundCrate::Itself)), "tokio");
        assert_eq!(discover(None, || None), "tern");
    }

    /// The whole path through proc-macro-crate, on the manifest of a ported
    /// program. The only test here that touches `CARGO_MANIFEST_DIR`.
    #[test]
    fn renamed_dependency_in_a_manifest_gives_its_new_name() {
        let dir = std::env::temp_dir().join(format!("tern-macros-crate-path-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let manifest = "[package]\nname = \"ported\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
                        [dependencies]\ntokio = { package = \"tern\", path = \"../tern\", features = [\"full\"] }\n";
        fs::write(dir.join("Cargo.toml"), manifest).unwrap();
        std::env::set_var("CARGO_MANIFEST_DIR", &dir);
        let found = CratePath::discovered(Span::call_site());
        fs::remove_dir_all(&dir).unwrap();
        assert_eq!(found.name, "tokio");
        assert_eq!(found.tokens.to_string(), ":: tokio");
    }
}
