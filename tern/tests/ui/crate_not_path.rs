#[tern::test(crate = "456")]
async fn crate_not_path() {}

fn main() {}
