//! chat on tern: clients speak plain lines over `tokio::net::TcpStream`.

use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines},
    net::{tcp::OwnedReadHalf, tcp::OwnedWriteHalf, TcpStream},
};
use tokio_util::sync::CancellationToken;

struct Client {
    lines: Lines<BufReader<OwnedReadHalf>>,
    write: OwnedWriteHalf,
}

impl Client {
    async fn join(addr: std::net::SocketAddr, nick: &str) -> Client {
        let (read, write) = TcpStream::connect(addr).await.unwrap().into_split();
        let mut c = Client { lines: BufReader::new(read).lines(), write };
        assert_eq!(c.line().await, "welcome! what is your name?");
        c.say(nick).await;
        // From here on this client hears every later line.
        assert_eq!(c.line().await, format!("* you are {nick}"));
        c
    }
    async fn say(&mut self, line: &str) {
        self.write.write_all(format!("{line}\n").as_bytes()).await.unwrap();
    }
    async fn line(&mut self) -> String {
        self.lines.next_line().await.unwrap().expect("connection closed")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lines_are_relayed_to_the_others_in_order() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let token = CancellationToken::new();
    let server = tokio::spawn(chat::serve(listener, token.clone()));

    let mut ada = Client::join(addr, "ada").await;
    // A client does not hear its own join.
    let mut bob = Client::join(addr, "bob").await;
    assert_eq!(ada.line().await, "* bob joined");

    for i in 0..50 {
        ada.say(&format!("hello {i}")).await;
    }
    for i in 0..50 {
        assert_eq!(bob.line().await, format!("ada: hello {i}"));
    }
    bob.say("hi ada").await;
    assert_eq!(ada.line().await, "bob: hi ada");

    drop(bob);
    assert_eq!(ada.line().await, "* bob left");

    token.cancel();
    assert_eq!(ada.line().await, "* server shutting down");
    assert_eq!(ada.lines.next_line().await.unwrap(), None);
    server.await.unwrap().unwrap();
}
