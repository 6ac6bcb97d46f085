//! A RESP key-value server: `PING`, `ECHO`, `GET`, `SET` (with `EX`/`PX`),
//! `DEL`, `INCR`, `EXPIRE`, `TTL`, `MGET`, `DBSIZE` and enough of `CONFIG GET`
//! for `redis-benchmark`; speak to it with `redis-cli -p 6379` or `nc`.
//!
//! Keys expire on a timer (tokio-util's `DelayQueue`, see [`store`]);
//! connections are tracked with a `TaskTracker` and stopped with a
//! `CancellationToken`. Pipelined requests are answered with one write per
//! batch read.

pub mod resp;
pub mod store;

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};
use tokio_util::{sync::CancellationToken, task::TaskTracker};

use store::{IncrError, Store};

/// Serves on `listener` until `shutdown` is cancelled, then closes every
/// connection after its current batch and waits for them.
pub async fn serve(listener: TcpListener, shutdown: CancellationToken) -> std::io::Result<()> {
    let store = Store::new(shutdown.child_token());
    let tracker = TaskTracker::new();
    loop {
        let (stream, _) = tokio::select! {
            res = listener.accept() => res?,
            () = shutdown.cancelled() => break,
        };
        let _ = stream.set_nodelay(true);
        let (store, shutdown) = (store.clone(), shutdown.clone());
        tracker.spawn(async move {
            tokio::select! {
                _ = connection(stream, store) => {}
                () = shutdown.cancelled() => {}
            }
        });
    }
    tracker.close();
    tracker.wait().await;
    Ok(())
}

async fn connection(mut stream: TcpStream, store: Store) -> std::io::Result<()> {
    let mut input = BytesMut::with_capacity(16 * 1024);
    let mut output = BytesMut::with_capacity(16 * 1024);
    loop {
        if stream.read_buf(&mut input).await? == 0 {
            return Ok(());
        }
        loop {
            match resp::parse(&mut input) {
                Ok(Some(args)) if args.is_empty() => {}
                Ok(Some(args)) => execute(&store, &args, &mut output),
                Ok(None) => break,
                Err(resp::ProtocolError(why)) => {
                    resp::error(&mut output, &format!("ERR Protocol error: {why}"));
                    stream.write_all(&output).await?;
                    return Ok(());
                }
            }
        }
        if !output.is_empty() {
            stream.write_all(&output).await?;
            output.clear();
        }
    }
}

fn seconds(arg: &[u8], unit: Duration) -> Option<Duration> {
    let n: u32 = std::str::from_utf8(arg).ok()?.parse().ok()?;
    (n > 0).then(|| unit * n)
}

/// Runs one command, appending its reply to `out`.
pub fn execute(store: &Store, args: &[Bytes], out: &mut BytesMut) {
    let cmd = args[0].to_ascii_uppercase();
    let arity_ok = match &cmd[..] {
        b"PING" => args.len() <= 2,
        b"DBSIZE" => args.len() == 1,
        b"GET" | b"INCR" | b"TTL" | b"ECHO" => args.len() == 2,
        b"EXPIRE" => args.len() == 3,
        b"SET" => args.len() == 3 || args.len() == 5,
        b"DEL" | b"MGET" => args.len() >= 2,
        b"CONFIG" => args.len() >= 2,
        _ => {
            let name = String::from_utf8_lossy(&args[0]);
            return resp::error(out, &format!("ERR unknown command '{name}'"));
        }
    };
    if !arity_ok {
        let name = String::from_utf8_lossy(&args[0]).to_lowercase();
        return resp::error(out, &format!("ERR wrong number of arguments for '{name}' command"));
    }
    match &cmd[..] {
        b"PING" => match args.get(1) {
            Some(msg) => resp::bulk(out, Some(msg)),
            None => resp::simple(out, "PONG"),
        },
        b"ECHO" => resp::bulk(out, Some(&args[1])),
        b"DBSIZE" => resp::int(out, store.len() as i64),
        b"GET" => resp::bulk(out, store.get(&args[1]).as_deref()),
        b"SET" => {
            let ttl = if args.len() == 5 {
                let unit = match &args[3].to_ascii_uppercase()[..] {
                    b"EX" => Duration::from_secs(1),
                    b"PX" => Duration::from_millis(1),
                    _ => return resp::error(out, "ERR syntax error"),
                };
                match seconds(&args[4], unit) {
                    Some(d) => Some(d),
                    None => return resp::error(out, "ERR invalid expire time in 'set' command"),
                }
            } else {
                None
            };
            store.set(args[1].clone(), args[2].clone(), ttl);
            resp::simple(out, "OK");
        }
        b"DEL" => {
            let n = args[1..].iter().filter(|k| store.del(k)).count();
            resp::int(out, n as i64);
        }
        b"INCR" => match store.incr(&args[1]) {
            Ok(n) => resp::int(out, n),
            Err(IncrError::NotAnInteger) => resp::error(out, "ERR value is not an integer or out of range"),
            Err(IncrError::Overflow) => resp::error(out, "ERR increment or decrement would overflow"),
        },
        b"EXPIRE" => match seconds(&args[2], Duration::from_secs(1)) {
            Some(d) => resp::int(out, store.expire(&args[1], d) as i64),
            None => resp::error(out, "ERR invalid expire time in 'expire' command"),
        },
        b"TTL" => resp::int(out, store.ttl(&args[1])),
        b"MGET" => {
            resp::array(out, args.len() - 1);
            for key in &args[1..] {
                resp::bulk(out, store.get(key).as_deref());
            }
        }
        // redis-benchmark asks for `save` and `appendonly` before it starts.
        b"CONFIG" if args[1].eq_ignore_ascii_case(b"GET") && args.len() == 3 => {
            let value: &[u8] = match &args[2].to_ascii_lowercase()[..] {
                b"save" => b"",
                b"appendonly" => b"no",
                _ => return resp::array(out, 0),
            };
            resp::array(out, 2);
            resp::bulk(out, Some(&args[2]));
            resp::bulk(out, Some(value));
        }
        _ => resp::error(out, "ERR unsupported CONFIG subcommand"),
    }
}

/// The listen address: the first argument, else `$ADDR`, else `default`.
pub fn listen_addr(default: &str) -> String {
    std::env::args().nth(1).or_else(|| std::env::var("ADDR").ok()).unwrap_or_else(|| default.to_string())
}
