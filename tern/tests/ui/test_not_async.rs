#[tern::test]
fn test_not_async() {}

fn main() {}
