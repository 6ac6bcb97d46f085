//! `#[tern::main]` and `#[tern::test]` build a runtime around an async fn.

#[tern::test]
async fn test_attribute_runs_the_body_on_a_current_thread_runtime() {
    let h = tern::spawn(async { 2 });
    assert_eq!(h.await.unwrap(), 2);
    assert_eq!(
        tern::runtime::Handle::current().runtime_flavor(),
        tern::runtime::RuntimeFlavor::CurrentThread
    );
}

#[tern::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_attribute_accepts_tokio_arguments() {
    assert_eq!(tern::spawn(async { 3 }).await.unwrap(), 3);
}

#[tern::test]
async fn test_attribute_supports_result_returns() -> Result<(), std::io::Error> {
    tern::task::yield_now().await;
    Ok(())
}

mod renamed {
    // What a ported program sees after `tokio = { package = "tern" }`.
    extern crate tern as tokio;

    #[tokio::test(crate = "tokio")]
    async fn crate_argument_names_the_runtime_crate() {
        assert_eq!(tokio::spawn(async { 4 }).await.unwrap(), 4);
    }
}

#[test]
fn main_attribute_builds_a_runtime() {
    #[tern::main]
    async fn main() -> u32 {
        tern::spawn(async { 5 }).await.unwrap()
    }
    assert_eq!(main(), 5);
}

#[tern::test(name = "named-test-runtime")]
async fn name_argument_names_the_runtime() {
    assert_eq!(tern::runtime::Handle::current().name(), Some("named-test-runtime"));
}
