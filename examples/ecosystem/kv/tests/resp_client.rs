//! kv on tern, driven by a small RESP client over `tokio::net::TcpStream`.

use std::time::Duration;

use tokio::{
    io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader},
    net::TcpStream,
};
use tokio_util::sync::CancellationToken;

/// A reply, as the client decodes it.
#[derive(Debug, PartialEq)]
enum Reply {
    Simple(String),
    Error(String),
    Int(i64),
    Bulk(Option<Vec<u8>>),
    Array(Vec<Reply>),
}
use Reply::*;

struct Client(BufReader<TcpStream>);

impl Client {
    async fn connect(addr: std::net::SocketAddr) -> Client {
        Client(BufReader::new(TcpStream::connect(addr).await.unwrap()))
    }

    fn encode(args: &[&str]) -> Vec<u8> {
        let mut out = format!("*{}\r\n", args.len()).into_bytes();
        for a in args {
            out.extend_from_slice(format!("${}\r\n{a}\r\n", a.len()).as_bytes());
        }
        out
    }

    async fn cmd(&mut self, args: &[&str]) -> Reply {
        self.0.get_mut().write_all(&Self::encode(args)).await.unwrap();
        self.reply().await
    }

    async fn line(&mut self) -> String {
        let mut line = String::new();
        self.0.read_line(&mut line).await.unwrap();
        assert!(line.ends_with("\r\n"), "unterminated reply line {line:?}");
        line.truncate(line.len() - 2);
        line
    }

    async fn reply(&mut self) -> Reply {
        let line = self.line().await;
        let (kind, rest) = line.split_at(1);
        match kind {
            "+" => Simple(rest.to_string()),
            "-" => Error(rest.to_string()),
            ":" => Int(rest.parse().unwrap()),
            "$" => {
                let n: i64 = rest.parse().unwrap();
                if n < 0 {
                    return Bulk(None);
                }
                let mut data = vec![0; n as usize + 2];
                self.0.read_exact(&mut data).await.unwrap();
                data.truncate(n as usize);
                Bulk(Some(data))
            }
            "*" => {
                let n: usize = rest.parse().unwrap();
                let mut items = Vec::new();
                for _ in 0..n {
                    items.push(Box::pin(self.reply()).await);
                }
                Array(items)
            }
            _ => panic!("bad reply {line:?}"),
        }
    }
}

fn bulk(s: &str) -> Reply {
    Bulk(Some(s.as_bytes().to_vec()))
}

async fn start() -> (std::net::SocketAddr, CancellationToken, tokio::task::JoinHandle<std::io::Result<()>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let token = CancellationToken::new();
    (addr, token.clone(), tokio::spawn(kv::serve(listener, token)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands() {
    let (addr, token, server) = start().await;
    let mut c = Client::connect(addr).await;
    assert_eq!(c.cmd(&["PING"]).await, Simple("PONG".into()));
    assert_eq!(c.cmd(&["ping", "hi"]).await, bulk("hi"));
    assert_eq!(c.cmd(&["GET", "a"]).await, Bulk(None));
    assert_eq!(c.cmd(&["SET", "a", "1"]).await, Simple("OK".into()));
    assert_eq!(c.cmd(&["GET", "a"]).await, bulk("1"));
    assert_eq!(c.cmd(&["INCR", "a"]).await, Int(2));
    assert_eq!(c.cmd(&["INCR", "fresh"]).await, Int(1));
    assert_eq!(c.cmd(&["SET", "s", "x"]).await, Simple("OK".into()));
    assert_eq!(c.cmd(&["INCR", "s"]).await, Error("ERR value is not an integer or out of range".into()));
    assert_eq!(c.cmd(&["MGET", "a", "nope", "s"]).await, Array(vec![bulk("2"), Bulk(None), bulk("x")]));
    assert_eq!(c.cmd(&["DEL", "a", "s", "nope"]).await, Int(2));
    assert_eq!(c.cmd(&["GET", "a"]).await, Bulk(None));
    assert_eq!(c.cmd(&["EXPIRE", "nope", "10"]).await, Int(0));
    assert_eq!(c.cmd(&["SET", "t", "v", "EX", "100"]).await, Simple("OK".into()));
    assert!(matches!(c.cmd(&["TTL", "t"]).await, Int(1..=100)));
    assert_eq!(c.cmd(&["SET", "t", "v"]).await, Simple("OK".into()));
    assert_eq!(c.cmd(&["TTL", "t"]).await, Int(-1), "SET without EX clears the deadline");
    assert_eq!(c.cmd(&["GET"]).await, Error("ERR wrong number of arguments for 'get' command".into()));
    assert_eq!(c.cmd(&["NOPE"]).await, Error("ERR unknown command 'NOPE'".into()));

    // Inline commands, as typed into nc.
    c.0.get_mut().write_all(b"SET inline yes\r\nGET inline\r\n").await.unwrap();
    assert_eq!(c.reply().await, Simple("OK".into()));
    assert_eq!(c.reply().await, bulk("yes"));

    token.cancel();
    server.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipelined_requests_answered_in_order_across_clients() {
    let (addr, token, server) = start().await;
    let mut tasks = Vec::new();
    for client in 0..8 {
        tasks.push(tokio::spawn(async move {
            let mut c = Client::connect(addr).await;
            let mut batch = Vec::new();
            for _ in 0..500 {
                batch.extend(Client::encode(&["INCR", "shared"]));
                batch.extend(Client::encode(&["SET", &format!("k{client}"), "v"]));
            }
            c.0.get_mut().write_all(&batch).await.unwrap();
            let mut last = 0;
            for _ in 0..500 {
                let Int(n) = c.reply().await else { panic!("INCR reply") };
                assert!(n > last, "INCR replies increase on one connection");
                last = n;
                assert_eq!(c.reply().await, Simple("OK".into()));
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let mut c = Client::connect(addr).await;
    assert_eq!(c.cmd(&["GET", "shared"]).await, bulk("4000"));
    token.cancel();
    server.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_expire_on_the_timer() {
    let (addr, token, server) = start().await;
    let mut c = Client::connect(addr).await;
    assert_eq!(c.cmd(&["SET", "short", "v", "PX", "20"]).await, Simple("OK".into()));
    assert_eq!(c.cmd(&["SET", "kept", "v", "PX", "20"]).await, Simple("OK".into()));
    assert_eq!(c.cmd(&["SET", "kept", "v"]).await, Simple("OK".into()));
    assert_eq!(c.cmd(&["SET", "later", "v"]).await, Simple("OK".into()));
    assert_eq!(c.cmd(&["EXPIRE", "later", "1"]).await, Int(1));
    // DBSIZE counts keys the expiry task has not removed yet, so reaching 1
    // proves the DelayQueue deleted them (a read would hide them anyway).
    loop {
        let Int(n) = c.cmd(&["DBSIZE"]).await else { panic!("DBSIZE reply") };
        if n == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(c.cmd(&["GET", "kept"]).await, bulk("v"), "rewriting a key cancels its old deadline");
    assert_eq!(c.cmd(&["GET", "short"]).await, Bulk(None));
    token.cancel();
    server.await.unwrap().unwrap();
}

/// The store on paused time: the DelayQueue deletes each key exactly at its
/// deadline, and re-arming with EXPIRE moves the deadline.
#[tokio::test(start_paused = true)]
async fn store_expiry_on_paused_time() {
    let store = kv::store::Store::new(CancellationToken::new());
    store.set("a".into(), "1".into(), Some(Duration::from_secs(10)));
    store.set("b".into(), "2".into(), None);
    assert!(store.expire(b"b", Duration::from_secs(20)));
    assert!(store.expire(b"b", Duration::from_secs(30)));
    tokio::time::sleep(Duration::from_millis(9_999)).await;
    assert_eq!(store.len(), 2);
    tokio::time::sleep(Duration::from_millis(2)).await;
    assert_eq!(store.len(), 1);
    assert_eq!(store.get(b"a"), None);
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert_eq!(store.get(b"b").as_deref(), Some(&b"2"[..]), "the 20 s deadline was replaced by 30 s");
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert!(store.is_empty());
}
