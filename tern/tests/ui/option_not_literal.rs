const THREADS: usize = 2;

#[tern::main(worker_threads = THREADS)]
async fn main() {}
