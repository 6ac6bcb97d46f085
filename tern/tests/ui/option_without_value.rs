#[tern::main(flavor)]
async fn main() {}
