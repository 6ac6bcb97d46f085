#[tern::test(flavor = "multi_thread", worker_threads = "foo")]
async fn worker_threads_not_integer() {}

fn main() {}
