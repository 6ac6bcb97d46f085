#[tern::main(flavor = "foo")]
async fn main() {}
