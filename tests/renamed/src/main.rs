//! A small Tokio program, unchanged: it only knows the crate as `tokio`.

use std::time::Duration;
use tokio::task::JoinSet;

tokio::task_local! {
    static REQUEST_ID: u64;
}

async fn handle(n: u64) -> u64 {
    REQUEST_ID
        .scope(n, async {
            tokio::task::yield_now().await;
            REQUEST_ID.get() * 2
        })
        .await
}

#[tokio::main]
async fn main() {
    let mut set = JoinSet::new();
    for i in 0..10 {
        set.spawn(handle(i));
    }
    let mut sum = 0;
    while let Some(res) = set.join_next().await {
        sum += res.expect("task panicked");
    }

    let (a, b) = tokio::join!(async { 1 }, async { 2 });
    let timed_out = tokio::select! {
        _ = tokio::time::sleep(Duration::from_secs(60)) => true,
        v = async { a + b } => { assert_eq!(v, 3); false }
    };
    assert!(!timed_out);
    println!("sum of doubled ids: {sum}");
}
