//! `cargo run -p chat [ADDR]`, then `nc 127.0.0.1 6142` from two terminals.

use tokio_util::sync::CancellationToken;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = chat::listen_addr("127.0.0.1:6142");
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    // Asked for before the address is announced: tern registers the
    // handler at this call (Tokio only at the first poll), so a ctrl-c sent
    // as soon as the line appears is a graceful shutdown, not a kill.
    let ctrl_c = tokio::signal::ctrl_c();
    println!(
        "chat listening on {}; try `nc {}`",
        listener.local_addr()?,
        listener.local_addr()?.to_string().replace(':', " ")
    );
    let shutdown = CancellationToken::new();
    let on_signal = shutdown.clone();
    tokio::spawn(async move {
        let _ = ctrl_c.await;
        on_signal.cancel();
    });
    chat::serve(listener, shutdown).await
}
