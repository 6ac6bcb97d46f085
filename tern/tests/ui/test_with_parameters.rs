#[tern::test]
async fn test_with_parameters(value: u32) {
    assert_eq!(value, 1);
}

fn main() {}
