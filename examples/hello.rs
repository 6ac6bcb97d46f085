//! The first program to try: spawns tasks that talk to each other and
//! prints what happens.
//!
//! `cargo run --release --example hello`

use std::time::Instant;

#[tern::main]
async fn main() {
    println!("tern {}: hello from a runtime", env!("CARGO_PKG_VERSION"));

    // Spawn a few tasks and collect their results.
    let handles: Vec<_> = (1..=5u64)
        .map(|i| {
            tern::spawn(async move {
                let id = tern::task::id();
                tern::task::yield_now().await;
                (i, id, i * i)
            })
        })
        .collect();
    for handle in handles {
        let (i, id, square) = handle.await.expect("task completed");
        println!("  task {id}: {i}² = {square}");
    }

    // A panic in a task is contained: the runtime goes on.
    let err = tern::spawn(async { panic!("a task failed on purpose") }).await.unwrap_err();
    println!("  a panicking task gave: {err}");

    // Cancellation.
    let sleeper = tern::spawn(std::future::pending::<()>());
    sleeper.abort();
    println!("  an aborted task gave: {}", sleeper.await.unwrap_err());

    // Blocking work off the scheduler.
    let sum = tern::task::spawn_blocking(|| (1..=1_000_000u64).sum::<u64>()).await.unwrap();
    println!("  spawn_blocking summed 1..=1e6 = {sum}");

    // A quick feel for the speed: spawn and join 100,000 tasks.
    let start = Instant::now();
    let handles: Vec<_> = (0..100_000u32).map(|i| tern::spawn(async move { i })).collect();
    let mut total = 0u64;
    for h in handles {
        total += u64::from(h.await.unwrap());
    }
    println!("  spawned and joined 100,000 tasks in {:?} (sum {total})", start.elapsed());
    println!("bye");
}
