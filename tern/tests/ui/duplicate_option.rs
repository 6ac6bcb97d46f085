#[tern::test(flavor = "current_thread", flavor = "multi_thread")]
async fn duplicate_option() {}

fn main() {}
