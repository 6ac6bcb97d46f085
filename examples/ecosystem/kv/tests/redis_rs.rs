//! kv on tern, driven by redis-rs's async client (`redis::aio`), itself on
//! tern through the patch: its multiplexed connection runs a driver task
//! of its own (`tokio::spawn`), frames replies with tokio-util's codec and
//! matches them to requests in order, so pipelining and many tasks sharing
//! one connection are exercised by a client we did not write.

use redis::{aio::MultiplexedConnection, AsyncCommands, RedisResult};
use tokio_util::sync::CancellationToken;

// kv has INCR and SET .. EX, not redis-rs's INCRBY and SETEX.
async fn incr(con: &mut MultiplexedConnection, key: &str) -> RedisResult<i64> {
    redis::cmd("INCR").arg(key).query_async(con).await
}

async fn set_ex(con: &mut MultiplexedConnection, key: &str, value: &str, secs: u64) -> RedisResult<()> {
    redis::cmd("SET").arg(key).arg(value).arg("EX").arg(secs).query_async(con).await
}

async fn start() -> (redis::Client, CancellationToken, tokio::task::JoinHandle<std::io::Result<()>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let token = CancellationToken::new();
    let server = tokio::spawn(kv::serve(listener, token.clone()));
    (redis::Client::open(format!("redis://{addr}/")).unwrap(), token, server)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_pipelines_and_a_shared_connection() {
    let (client, token, server) = start().await;
    let mut con: MultiplexedConnection = client.get_multiplexed_async_connection().await.unwrap();

    let pong: String = redis::cmd("PING").query_async(&mut con).await.unwrap();
    assert_eq!(pong, "PONG");
    let () = con.set("greeting", "hello").await.unwrap();
    assert_eq!(con.get::<_, Option<String>>("greeting").await.unwrap().as_deref(), Some("hello"));
    assert_eq!(con.get::<_, Option<String>>("absent").await.unwrap(), None);
    assert_eq!(incr(&mut con, "n").await.unwrap(), 1);
    let not_a_number: RedisResult<i64> = incr(&mut con, "greeting").await;
    assert!(not_a_number.unwrap_err().to_string().contains("not an integer"));
    set_ex(&mut con, "short", "v", 100).await.unwrap();
    assert!((1..=100).contains(&con.ttl::<_, i64>("short").await.unwrap()));
    let values: Vec<Option<String>> = con.mget(&["greeting", "absent", "n"]).await.unwrap();
    assert_eq!(values, [Some("hello".into()), None, Some("1".into())]);
    assert_eq!(con.del::<_, i64>(&["greeting", "absent"]).await.unwrap(), 1);

    // One pipeline, answered in order.
    let (a, b, c, d): (i64, i64, Option<String>, String) = redis::pipe()
        .cmd("INCR")
        .arg("p")
        .cmd("INCR")
        .arg("p")
        .get("greeting")
        .cmd("PING")
        .query_async(&mut con)
        .await
        .unwrap();
    assert_eq!((a, b, c, d.as_str()), (1, 2, None, "PONG"));

    // Many tasks on clones of one multiplexed connection: every INCR lands
    // once, and each caller gets its own reply.
    let tasks: Vec<_> = (0..32)
        .map(|_| {
            let mut con = con.clone();
            tokio::spawn(async move {
                let mut seen = Vec::new();
                for _ in 0..50 {
                    seen.push(incr(&mut con, "shared").await.unwrap());
                }
                seen
            })
        })
        .collect();
    let mut all = Vec::new();
    for t in tasks {
        let seen = t.await.unwrap();
        assert!(seen.windows(2).all(|w| w[0] < w[1]), "one task's replies came back out of order");
        all.extend(seen);
    }
    all.sort_unstable();
    assert_eq!(all, (1..=32 * 50).collect::<Vec<i64>>());

    drop(con);
    token.cancel();
    server.await.unwrap().unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_key_set_with_ex_expires_on_the_paused_clock() {
    let (client, token, server) = start().await;
    let mut con = client.get_multiplexed_async_connection().await.unwrap();
    set_ex(&mut con, "k", "v", 5).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_secs(4)).await;
    assert_eq!(con.get::<_, Option<String>>("k").await.unwrap().as_deref(), Some("v"));
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(con.get::<_, Option<String>>("k").await.unwrap(), None);
    drop(con);
    token.cancel();
    server.await.unwrap().unwrap();
}
