#[tern::main(name = 5)]
async fn main() {}
