#[tern::test(crate = 456)]
async fn crate_not_string() {}

fn main() {}
