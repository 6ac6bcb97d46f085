#[tern::main(foo = 123)]
async fn main() {}
