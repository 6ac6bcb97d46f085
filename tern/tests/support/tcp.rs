//! TCP helpers shared by the `net_tcp*` tests and `net_many`.

use tern::io::{AsyncReadExt, AsyncWriteExt};
use tern::net::TcpListener;

/// A loopback echo server on the current runtime; returns its address.
pub async fn echo_server() -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tern::spawn(serve_echo(listener, 4096));
    addr
}

/// Echoes every byte back on each connection `listener` accepts (a task
/// per connection, with a `buf_size`-byte buffer), until an accept fails
/// (reported on stderr: the listener's drop then refuses the clients).
pub async fn serve_echo(listener: TcpListener, buf_size: usize) {
    loop {
        let mut socket = match listener.accept().await {
            Ok((socket, _)) => socket,
            Err(e) => {
                eprintln!("serve_echo: accept failed: {e}");
                return;
            }
        };
        tern::spawn(async move {
            let mut buf = vec![0u8; buf_size];
            loop {
                match socket.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => {
                        if socket.write_all(&buf[..n]).await.is_err() {
                            return;
                        }
                    }
                }
            }
        });
    }
}

/// A TCP socket bound to a free loopback port, not listening: (fd, port).
pub fn bound_not_listening() -> (i32, u16) {
    // SAFETY: plain socket syscalls on a descriptor we own, with valid
    // pointers to a properly sized sockaddr_in.
    unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0);
        assert!(fd >= 0);
        let mut addr: libc::sockaddr_in = std::mem::zeroed();
        addr.sin_family = libc::AF_INET as libc::sa_family_t;
        addr.sin_addr.s_addr = u32::from_ne_bytes([127, 0, 0, 1]);
        let len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
        assert_eq!(libc::bind(fd, &addr as *const _ as *const libc::sockaddr, len), 0);
        let mut out: libc::sockaddr_in = std::mem::zeroed();
        let mut out_len = len;
        assert_eq!(libc::getsockname(fd, &mut out as *mut _ as *mut libc::sockaddr, &mut out_len), 0);
        (fd, u16::from_be(out.sin_port))
    }
}

/// Hang guard: a future that should complete must do so well within this.
pub const GUARD: tern::time::Duration = tern::time::Duration::from_secs(10);

/// Polls two futures in one task until both complete (no `join!` needed).
pub async fn both<A: std::future::Future, B: std::future::Future>(a: A, b: B) -> (A::Output, B::Output) {
    let (mut a, mut b) = (Box::pin(a), Box::pin(b));
    let (mut ra, mut rb) = (None, None);
    std::future::poll_fn(|cx| {
        if ra.is_none() {
            if let std::task::Poll::Ready(v) = a.as_mut().poll(cx) {
                ra = Some(v);
            }
        }
        if rb.is_none() {
            if let std::task::Poll::Ready(v) = b.as_mut().poll(cx) {
                rb = Some(v);
            }
        }
        if ra.is_some() && rb.is_some() {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    (ra.unwrap(), rb.unwrap())
}
