#[tern::test]
#[test]
async fn second_test_attribute() {}

fn main() {}
