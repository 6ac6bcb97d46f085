//! hello_http on tern, driven by hyper-util's legacy client (also on tern).

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::StatusCode;
use hyper_util::{client::legacy::Client, rt::TokioExecutor};
use tokio_util::sync::CancellationToken;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_root_and_404_then_graceful_shutdown() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let token = CancellationToken::new();
    let server = tokio::spawn(hello_http::serve(listener, token.clone()));

    let client = Client::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
    for _ in 0..3 {
        let res = client.get(format!("http://{addr}/").parse().unwrap()).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let body = res.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(&body[..], b"Hello, World!");
    }
    let res = client.get(format!("http://{addr}/nope").parse().unwrap()).await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    // The client keeps an idle pooled connection open; graceful shutdown
    // closes it and the server returns.
    token.cancel();
    server.await.unwrap().unwrap();
}

#[tokio::test]
async fn conn_api_on_current_thread() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let token = CancellationToken::new();
    let server = tokio::spawn(hello_http::serve(listener, token.clone()));

    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut send, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await.unwrap();
    let conn = tokio::spawn(conn);
    let req = hyper::Request::get("/").header("host", "localhost").body(Empty::<Bytes>::new()).unwrap();
    let res = send.send_request(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body = res.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(&body[..], b"Hello, World!");
    drop(send);
    conn.await.unwrap().unwrap();
    token.cancel();
    server.await.unwrap().unwrap();
}
