#[tern::test(foo)]
async fn unknown_bare_option() {}

fn main() {}
