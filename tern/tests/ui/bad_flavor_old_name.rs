#[tern::test(flavor = "single_thread")]
async fn bad_flavor_old_name() {}

fn main() {}
