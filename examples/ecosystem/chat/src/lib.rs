//! A TCP chat server: every line a client sends goes to every other client.
//!
//! Lines are framed with tokio-util's [`LinesCodec`] over [`Framed`]; the
//! fan-out is one `tokio::sync::broadcast` channel. The first line a client
//! sends is its nickname; after that each line is relayed as `nick: line`,
//! and joins and departures are announced as `* nick joined` / `* nick left`.
//! A client is told `* you are nick` once it receives the others' lines.
//! Try it with two `nc 127.0.0.1 6142`.

use std::sync::atomic::{AtomicU64, Ordering};

use futures::{SinkExt, StreamExt};
use tokio::{
    net::{TcpListener, TcpStream},
    sync::broadcast,
};
use tokio_util::{
    codec::{Framed, LinesCodec},
    sync::CancellationToken,
    task::TaskTracker,
};

/// Longest line accepted from a client (longer ones end its session).
pub const MAX_LINE: usize = 8 * 1024;

/// A message on the broadcast channel: who sent it, and the text.
#[derive(Clone, Debug)]
struct Msg {
    from: u64,
    text: String,
}

/// Serves the chat on `listener` until `shutdown` is cancelled, then tells
/// every client goodbye and waits for their sessions to end.
pub async fn serve(listener: TcpListener, shutdown: CancellationToken) -> std::io::Result<()> {
    let (tx, _) = broadcast::channel::<Msg>(256);
    let tracker = TaskTracker::new();
    let ids = AtomicU64::new(0);
    loop {
        let (stream, _) = tokio::select! {
            res = listener.accept() => res?,
            () = shutdown.cancelled() => break,
        };
        let id = ids.fetch_add(1, Ordering::Relaxed);
        tracker.spawn(session(stream, id, tx.clone(), shutdown.clone()));
    }
    tracker.close();
    tracker.wait().await;
    Ok(())
}

async fn session(stream: TcpStream, id: u64, tx: broadcast::Sender<Msg>, shutdown: CancellationToken) {
    let mut lines = Framed::new(stream, LinesCodec::new_with_max_length(MAX_LINE));
    if lines.send("welcome! what is your name?").await.is_err() {
        return;
    }
    let nick = match lines.next().await {
        Some(Ok(nick)) if !nick.trim().is_empty() => nick.trim().to_string(),
        _ => return,
    };
    // Subscribe before announcing, so the join is ordered before anything
    // this client will see.
    let mut rx = tx.subscribe();
    let _ = tx.send(Msg { from: id, text: format!("* {nick} joined") });
    if lines.send(format!("* you are {nick}")).await.is_err() {
        return;
    }
    loop {
        tokio::select! {
            line = lines.next() => match line {
                Some(Ok(line)) => {
                    let _ = tx.send(Msg { from: id, text: format!("{nick}: {line}") });
                }
                // End of stream, I/O error or an over-long line.
                _ => break,
            },
            msg = rx.recv() => match msg {
                Ok(msg) if msg.from == id => {}
                Ok(msg) => {
                    if lines.send(msg.text).await.is_err() {
                        break;
                    }
                }
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    if lines.send(format!("* {n} messages were dropped (too slow)")).await.is_err() {
                        break;
                    }
                }
                Err(broadcast::error::RecvError::Closed) => break,
            },
            () = shutdown.cancelled() => {
                let _ = lines.send("* server shutting down").await;
                return;
            }
        }
    }
    let _ = tx.send(Msg { from: id, text: format!("* {nick} left") });
}

/// The listen address: the first argument, else `$ADDR`, else `default`.
pub fn listen_addr(default: &str) -> String {
    std::env::args().nth(1).or_else(|| std::env::var("ADDR").ok()).unwrap_or_else(|| default.to_string())
}
