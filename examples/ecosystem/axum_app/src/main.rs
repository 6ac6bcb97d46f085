//! `cargo run -p axum_app [ADDR]`, then for example
//! `curl -d '{"name":"ada"}' -H 'content-type: application/json' http://127.0.0.1:3001/users`.
//! Ctrl-C stops it gracefully.

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = axum_app::listen_addr("127.0.0.1:3001");
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    // Asked for before the address is announced: tern registers the
    // handler at this call (Tokio only at the first poll), so a ctrl-c sent
    // as soon as the line appears is a graceful shutdown, not a kill.
    let ctrl_c = tokio::signal::ctrl_c();
    println!("axum_app listening on http://{}", listener.local_addr()?);
    axum_app::serve(listener, async move {
        let _ = ctrl_c.await;
        println!("ctrl-c: finishing in-flight requests");
    })
    .await
}
