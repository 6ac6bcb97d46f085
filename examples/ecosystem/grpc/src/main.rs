//! `cargo run -p grpc [ADDR]`: serves `greet.Greeter` on 127.0.0.1:50051
//! until ctrl-c.

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let addr = grpc::listen_addr("127.0.0.1:50051");
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    // Asked for before the address is announced: tern registers the
    // handler at this call (Tokio only at the first poll), so a ctrl-c sent
    // as soon as the line appears is a graceful shutdown, not a kill.
    let ctrl_c = tokio::signal::ctrl_c();
    println!("grpc listening on {}", listener.local_addr()?);
    grpc::serve(listener, async move {
        let _ = ctrl_c.await;
    })
    .await?;
    Ok(())
}
