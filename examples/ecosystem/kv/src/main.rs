//! `cargo run --release -p kv [ADDR]`, then `redis-cli -p 6379 set a 1` or
//! `redis-benchmark -p 6379 -t ping,get,set,incr`.

use tokio_util::sync::CancellationToken;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = kv::listen_addr("127.0.0.1:6379");
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    // Asked for before the address is announced: tern registers the
    // handler at this call (Tokio only at the first poll), so a ctrl-c sent
    // as soon as the line appears is a graceful shutdown, not a kill.
    let ctrl_c = tokio::signal::ctrl_c();
    println!("kv listening on {}", listener.local_addr()?);
    let shutdown = CancellationToken::new();
    let on_signal = shutdown.clone();
    tokio::spawn(async move {
        let _ = ctrl_c.await;
        on_signal.cancel();
    });
    kv::serve(listener, shutdown).await
}
