//! A TCP echo server.
//!
//! ```sh
//! cargo run --release --example echo            # listens on 127.0.0.1:8080
//! cargo run --release --example echo 0.0.0.0:9000
//! ```
//!
//! Then, from another terminal: `nc 127.0.0.1 8080`, type a line, and it
//! comes back.

use tern::io::{AsyncReadExt, AsyncWriteExt};
use tern::net::TcpListener;

#[tern::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:8080".to_string());
    let listener = TcpListener::bind(&addr).await?;
    println!("echo server listening on {}", listener.local_addr()?);
    loop {
        let (mut socket, peer) = match listener.accept().await {
            Ok(conn) => conn,
            Err(e) => {
                // Out of descriptors, or the peer gave up before we got to
                // it: say so, back off briefly, keep serving.
                eprintln!("accept failed: {e}");
                tern::time::sleep(tern::time::Duration::from_millis(100)).await;
                continue;
            }
        };
        tern::spawn(async move {
            let mut buf = vec![0u8; 16 * 1024];
            loop {
                let n = match socket.read(&mut buf).await {
                    Ok(0) => break,
                    Ok(n) => n,
                    Err(e) => {
                        eprintln!("{peer}: read failed: {e}");
                        break;
                    }
                };
                if let Err(e) = socket.write_all(&buf[..n]).await {
                    eprintln!("{peer}: write failed: {e}");
                    break;
                }
            }
        });
    }
}
