//! `cargo run -p axum_app [ADDR]`, then for example
//! `curl -d '{"name":"ada"}' -H 'content-type: application/json' http://127.0.0.1:3001/users`.
//! Ctrl-C stops it gracefully.

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = axum_app::listen_addr("127.0.0.1:3001");
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("axum_app listening on http://{}", listener.local_addr()?);
    axum_app::serve(listener, async {
        let _ = tokio::signal::ctrl_c().await;
        println!("ctrl-c: finishing in-flight requests");
    })
    .await
}
