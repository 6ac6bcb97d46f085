//! axum_app on tern, driven by reqwest through the same patch: the async
//! client on the test's runtime, and reqwest's blocking client, which
//! builds and drives a runtime of its own on a thread it spawns (through
//! `tokio::runtime::Builder`, that is tern's).

use axum_app::{NewUser, User};
use reqwest::StatusCode;

async fn start() -> (String, tokio::sync::oneshot::Sender<()>, tokio::task::JoinHandle<std::io::Result<()>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(axum_app::serve(listener, async move {
        let _ = stop_rx.await;
    }));
    (base, stop_tx, server)
}

#[tokio::test]
async fn the_async_client_posts_and_reads_json() {
    let (base, stop, server) = start().await;
    let client = reqwest::Client::new();

    let res = client.get(format!("{base}/")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.text().await.unwrap(), "hello from axum");

    let res =
        client.post(format!("{base}/users")).json(&NewUser { name: "grace".into() }).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let grace: User = res.json().await.unwrap();
    assert_eq!(grace.name, "grace");

    let fetched: User =
        client.get(format!("{base}/users/{}", grace.id)).send().await.unwrap().json().await.unwrap();
    assert_eq!(fetched, grace);
    let res = client.get(format!("{base}/users/{}", grace.id + 1)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    // Requests in flight at once, each on the client's pool, each counted once.
    let bumps: Vec<_> = (0..16)
        .map(|_| {
            let (client, url) = (client.clone(), format!("{base}/counter"));
            tokio::spawn(async move { client.post(url).send().await.unwrap().status() })
        })
        .collect();
    for b in bumps {
        assert_eq!(b.await.unwrap(), StatusCode::OK);
    }
    let v: serde_json::Value =
        client.post(format!("{base}/counter")).send().await.unwrap().json().await.unwrap();
    assert_eq!(v["count"], 17);

    // A refused connection is a connect error.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let refused = format!("http://{}/", closed.local_addr().unwrap());
    drop(closed);
    let err = client.get(refused).send().await.unwrap_err();
    assert!(err.is_connect(), "{err:?}");

    // A peer that accepts and never answers: reqwest's per-request timeout
    // (a `tokio::time::sleep`, so tern's timer) ends the request.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_url = format!("http://{}/", silent.local_addr().unwrap());
    let holder = tokio::spawn(async move {
        let (conn, _) = silent.accept().await.unwrap();
        std::future::pending::<()>().await;
        drop(conn);
    });
    let err = client.get(silent_url).timeout(std::time::Duration::from_millis(200)).send().await.unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    holder.abort();

    drop(client);
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_blocking_client_runs_its_own_runtime_beside_ours() {
    let (base, stop, server) = start().await;
    let url = base.clone();
    let user = tokio::task::spawn_blocking(move || {
        let client = reqwest::blocking::Client::new();
        let created: User = client
            .post(format!("{url}/users"))
            .json(&NewUser { name: "edsger".into() })
            .send()
            .unwrap()
            .json()
            .unwrap();
        let fetched: User = client.get(format!("{url}/users/{}", created.id)).send().unwrap().json().unwrap();
        assert_eq!(fetched, created);
        created
    })
    .await
    .unwrap();
    assert_eq!(user.name, "edsger");

    // Built on a runtime thread instead of a blocking one, reqwest's
    // blocking client refuses as it does on Tokio: its runtime may not be
    // dropped inside ours (Tokio's documented panic, matched by tern).
    let misuse = tokio::spawn(async { drop(reqwest::blocking::Client::new()) }).await;
    let payload = misuse.unwrap_err().into_panic();
    let message = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or_default();
    assert!(
        message.contains("Cannot drop a runtime in a context where blocking is not allowed"),
        "{message}"
    );

    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}
