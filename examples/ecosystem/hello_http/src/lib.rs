//! A hyper 1.x server with hyper-util's Tokio glue, on `tokio::net::TcpListener`.
//!
//! `GET /` answers `Hello, World!`; any other path answers 404. Connections
//! are tracked with tokio-util's [`TaskTracker`]; cancelling the
//! [`CancellationToken`] stops accepting, asks every connection to finish its
//! in-flight request (hyper's graceful shutdown) and waits for them.

use std::convert::Infallible;

use bytes::Bytes;
use http_body_util::Full;
use hyper::{body::Incoming, server::conn::http1, service::service_fn, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio_util::{sync::CancellationToken, task::TaskTracker};

async fn hello(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let res = if req.uri().path() == "/" {
        Response::new(Full::new(Bytes::from_static(b"Hello, World!")))
    } else {
        let mut res = Response::new(Full::new(Bytes::from_static(b"not found")));
        *res.status_mut() = StatusCode::NOT_FOUND;
        res
    };
    Ok(res)
}

/// Serves HTTP/1.1 on `listener` until `shutdown` is cancelled, then waits
/// for the open connections to finish.
pub async fn serve(listener: TcpListener, shutdown: CancellationToken) -> std::io::Result<()> {
    let tracker = TaskTracker::new();
    loop {
        let (stream, _) = tokio::select! {
            res = listener.accept() => res?,
            () = shutdown.cancelled() => break,
        };
        let _ = stream.set_nodelay(true);
        let shutdown = shutdown.clone();
        tracker.spawn(async move {
            let conn = http1::Builder::new().serve_connection(TokioIo::new(stream), service_fn(hello));
            let mut conn = std::pin::pin!(conn);
            tokio::select! {
                res = conn.as_mut() => { let _ = res; }
                () = shutdown.cancelled() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
        });
    }
    tracker.close();
    tracker.wait().await;
    Ok(())
}

/// The listen address: the first argument, else `$ADDR`, else `default`.
pub fn listen_addr(default: &str) -> String {
    std::env::args().nth(1).or_else(|| std::env::var("ADDR").ok()).unwrap_or_else(|| default.to_string())
}
