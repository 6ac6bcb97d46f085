#[tern::main]
fn main() {}
