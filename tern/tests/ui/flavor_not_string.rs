#[tern::test(flavor = 123)]
async fn flavor_not_string() {}

fn main() {}
