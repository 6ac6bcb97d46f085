//! axum_app on tern, driven by hyper-util's legacy client (also on tern).

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request, StatusCode};
use hyper_util::{
    client::legacy::{connect::HttpConnector, Client},
    rt::TokioExecutor,
};

type HttpClient = Client<HttpConnector, Full<Bytes>>;

async fn call(client: &HttpClient, method: Method, url: String, body: &str) -> (StatusCode, Bytes) {
    let req = Request::builder()
        .method(method)
        .uri(url)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::copy_from_slice(body.as_bytes())))
        .unwrap();
    let res = client.request(req).await.unwrap();
    let status = res.status();
    (status, res.into_body().collect().await.unwrap().to_bytes())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_routes_path_params_shared_state_and_graceful_shutdown() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(axum_app::serve(listener, async move {
        let _ = stop_rx.await;
    }));
    let client: HttpClient = Client::builder(TokioExecutor::new()).build_http();

    let (status, body) = call(&client, Method::GET, format!("{base}/"), "").await;
    assert_eq!((status, &body[..]), (StatusCode::OK, &b"hello from axum"[..]));

    let (status, body) = call(&client, Method::POST, format!("{base}/users"), r#"{"name":"ada"}"#).await;
    assert_eq!(status, StatusCode::CREATED);
    let ada: axum_app::User = serde_json::from_slice(&body).unwrap();
    assert_eq!(ada.name, "ada");

    let (status, body) = call(&client, Method::GET, format!("{base}/users/{}", ada.id), "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(serde_json::from_slice::<axum_app::User>(&body).unwrap(), ada);

    let (status, _) = call(&client, Method::GET, format!("{base}/users/999"), "").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Concurrent increments of the shared counter each land exactly once.
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let (client, url) = (client.clone(), format!("{base}/counter"));
        tasks.push(tokio::spawn(async move { call(&client, Method::POST, url, "").await }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap().0, StatusCode::OK);
    }
    let (_, body) = call(&client, Method::POST, format!("{base}/counter"), "").await;
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["count"], 21);

    // Graceful shutdown completes even with the client's idle pooled connections open.
    drop(client);
    stop_tx.send(()).unwrap();
    server.await.unwrap().unwrap();
}
