//! A WebSocket route (axum's `ws`, on hyper's HTTP upgrade) on tern,
//! with tokio-tungstenite's client, also on tern through the patch: the
//! upgraded connection is tern's `TcpStream` handed through hyper.

use axum::{
    extract::ws::{Message, WebSocket, WebSocketUpgrade},
    response::Response,
    routing::get,
    Router,
};
use futures::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite;

/// Echoes text frames upper-cased (binary ones as they are) until the
/// client closes.
async fn echo(mut socket: WebSocket) {
    while let Some(Ok(msg)) = socket.recv().await {
        let reply = match msg {
            Message::Text(text) => Message::Text(text.to_uppercase().into()),
            Message::Binary(data) => Message::Binary(data),
            // The close reply goes out on the next `recv`, which then ends.
            _ => continue,
        };
        if socket.send(reply).await.is_err() {
            break;
        }
    }
}

async fn upgrade(ws: WebSocketUpgrade) -> Response {
    ws.on_upgrade(echo)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upgraded_connection_echoes_frames_both_ways() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let app = Router::new().route("/ws", get(upgrade));
    let server = tokio::spawn(async move {
        axum::serve(listener, app).with_graceful_shutdown(async move { drop(stop_rx.await) }).await
    });

    // Several clients at once, each with its own exchange.
    let clients: Vec<_> = (0..4)
        .map(|client| {
            tokio::spawn(async move {
                let (mut ws, response) =
                    tokio_tungstenite::connect_async(format!("ws://{addr}/ws")).await.unwrap();
                assert_eq!(response.status(), 101);
                for i in 0..50 {
                    ws.send(tungstenite::Message::text(format!("client {client} says {i}"))).await.unwrap();
                    let reply = ws.next().await.unwrap().unwrap();
                    assert_eq!(reply.into_text().unwrap().as_str(), format!("CLIENT {client} SAYS {i}"));
                }
                // A frame larger than a socket read, back intact.
                let big: Vec<u8> = (0..200_000u32).map(|i| i as u8).collect();
                ws.send(tungstenite::Message::binary(big.clone())).await.unwrap();
                assert_eq!(ws.next().await.unwrap().unwrap().into_data(), big);
                ws.close(None).await.unwrap();
                // The server's close reply, then the end of the stream.
                while let Some(frame) = ws.next().await {
                    match frame {
                        Ok(tungstenite::Message::Close(_)) => {}
                        Ok(other) => panic!("unexpected frame {other:?}"),
                        Err(tungstenite::Error::ConnectionClosed) => break,
                        Err(e) => panic!("{e}"),
                    }
                }
            })
        })
        .collect();
    for c in clients {
        c.await.unwrap();
    }

    stop_tx.send(()).unwrap();
    server.await.unwrap().unwrap();
}
