//! `cargo run -p grpc [ADDR]`: serves `greet.Greeter` on 127.0.0.1:50051
//! until ctrl-c.

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let addr = grpc::listen_addr("127.0.0.1:50051");
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("grpc listening on {}", listener.local_addr()?);
    grpc::serve(listener, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}
