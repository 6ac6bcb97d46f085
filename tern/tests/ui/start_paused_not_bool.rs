#[tern::test(start_paused = 1)]
async fn start_paused_not_bool() {}

fn main() {}
