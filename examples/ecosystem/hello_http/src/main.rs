//! `cargo run -p hello_http [ADDR]`, then `curl http://127.0.0.1:3000/`.

use tokio_util::sync::CancellationToken;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = hello_http::listen_addr("127.0.0.1:3000");
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    // Asked for before the address is announced: tern registers the
    // handler at this call (Tokio only at the first poll), so a ctrl-c sent
    // as soon as the line appears is a graceful shutdown, not a kill.
    let ctrl_c = tokio::signal::ctrl_c();
    println!("hello_http listening on http://{}", listener.local_addr()?);
    let shutdown = CancellationToken::new();
    let on_signal = shutdown.clone();
    tokio::spawn(async move {
        let _ = ctrl_c.await;
        on_signal.cancel();
    });
    hello_http::serve(listener, shutdown).await
}
