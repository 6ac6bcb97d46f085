#[tern::test]
#[::core::prelude::v1::test]
async fn second_test_attribute_full_path() {}

fn main() {}
