//! The grpc example on tern, called through tonic's generated client (also on tern).

use grpc::{CountdownRequest, GreeterClient, HelloRequest};
use tokio_stream::StreamExt;

async fn start() -> (String, tokio::sync::oneshot::Sender<()>, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        grpc::serve(listener, async {
            let _ = stopped.await;
        })
        .await
        .unwrap()
    });
    (url, stop, server)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unary_and_server_streaming() {
    let (url, stop, server) = start().await;
    let mut client = GreeterClient::connect(url).await.unwrap();

    let reply = client.say_hello(HelloRequest { name: "tern".into() }).await.unwrap();
    assert_eq!(reply.into_inner().message, "Hello, tern!");

    let err = client.say_hello(HelloRequest { name: String::new() }).await.unwrap_err();
    assert_eq!(err.code(), tonic::Code::InvalidArgument);

    let mut stream =
        client.countdown(CountdownRequest { from: 5, interval_ms: 1 }).await.unwrap().into_inner();
    let mut got = Vec::new();
    while let Some(tick) = stream.next().await {
        got.push(tick.unwrap().n);
    }
    assert_eq!(got, [5, 4, 3, 2, 1]);

    let err = client.countdown(CountdownRequest { from: u32::MAX, interval_ms: 1 }).await.unwrap_err();
    assert_eq!(err.code(), tonic::Code::OutOfRange);

    // Many concurrent calls multiplexed over the one HTTP/2 connection.
    let calls: Vec<_> = (0..32)
        .map(|i| {
            let mut client = client.clone();
            tokio::spawn(async move { client.say_hello(HelloRequest { name: format!("n{i}") }).await })
        })
        .collect();
    for (i, call) in calls.into_iter().enumerate() {
        assert_eq!(call.await.unwrap().unwrap().into_inner().message, format!("Hello, n{i}!"));
    }

    drop(client);
    stop.send(()).unwrap();
    server.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_a_stream_midway_leaves_the_connection_usable() {
    let (url, stop, server) = start().await;
    let mut client = GreeterClient::connect(url).await.unwrap();
    let mut stream = client
        .countdown(CountdownRequest { from: grpc::MAX_COUNTDOWN, interval_ms: 1 })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(stream.next().await.unwrap().unwrap().n, grpc::MAX_COUNTDOWN);
    drop(stream);
    // The connection stays usable after the cancelled stream.
    let reply = client.say_hello(HelloRequest { name: "again".into() }).await.unwrap();
    assert_eq!(reply.into_inner().message, "Hello, again!");
    drop(client);
    stop.send(()).unwrap();
    server.await.unwrap();
}
