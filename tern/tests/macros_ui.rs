//! Compile-time behaviour of `#[tern::main]` / `#[tern::test]`: each misuse
//! in `tests/ui/*.rs` fails with the message (and at the place) recorded in
//! its `.stderr` file, worded as tokio-macros words it; `tests/ui/pass/`
//! builds and runs. Regenerate the `.stderr` files with `TRYBUILD=overwrite`
//! after a deliberate change, and read them before committing.

#[test]
fn attribute_macros_report_misuse_at_the_users_code() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
    cases.pass("tests/ui/pass/*.rs");
}
