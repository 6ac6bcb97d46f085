#[tern::test(flavor = "current_thread", worker_threads = 4)]
async fn worker_threads_current_thread() {}

fn main() {}
