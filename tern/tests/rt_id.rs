//! Runtime identity (`Handle::id`, `Handle::name`) and the error I/O
//! returns once its runtime has shut down (`is_rt_shutdown_err`).

use std::collections::HashSet;
use std::io;
use tern::runtime::{is_rt_shutdown_err, Builder, Handle, Id, Runtime};

#[test]
fn ids_identify_runtimes() {
    let a = Builder::new_current_thread().build().unwrap();
    let b = Builder::new_multi_thread().worker_threads(1).build().unwrap();
    assert_ne!(a.handle().id(), b.handle().id());
    // Every handle of one runtime reports its id, also from inside it.
    let inside = a.block_on(async { Handle::current().id() });
    assert_eq!(inside, a.handle().id());
    assert_eq!(a.handle().clone().id(), a.handle().id());
    let ids: HashSet<Id> = [a.handle().id(), b.handle().id(), inside].into_iter().collect();
    assert_eq!(ids.len(), 2);
    // Displayed as a number.
    assert!(a.handle().id().to_string().parse::<u64>().is_ok());
}

#[test]
fn names() {
    let unnamed = Builder::new_current_thread().build().unwrap();
    assert_eq!(unnamed.handle().name(), None);
    let named = Builder::new_multi_thread().worker_threads(1).name("ingest").build().unwrap();
    assert_eq!(named.handle().name(), Some("ingest"));
    assert_eq!(
        named
            .block_on(async { tern::spawn(async { Handle::current().name().map(String::from) }).await })
            .unwrap()
            .as_deref(),
        Some("ingest")
    );
}

#[test]
fn io_on_a_shut_down_runtime_is_recognised() {
    let rt1 = Runtime::new().unwrap();
    let rt2 = Runtime::new().unwrap();
    let listener = rt1.block_on(async { tern::net::TcpListener::bind("127.0.0.1:0").await.unwrap() });
    drop(rt1);
    rt2.block_on(async {
        let err = listener.accept().await.unwrap_err();
        assert!(is_rt_shutdown_err(&err), "{err:?}");
        assert_eq!(err.to_string(), "A Tokio 1.x context was found, but it is being shutdown.");
    });
}

#[test]
fn other_errors_are_not_shutdown_errors() {
    assert!(!is_rt_shutdown_err(&io::Error::from(io::ErrorKind::Other)));
    assert!(!is_rt_shutdown_err(&io::Error::other(
        "A Tokio 1.x context was found, but it is being shut down"
    )));
    assert!(!is_rt_shutdown_err(&io::Error::new(io::ErrorKind::BrokenPipe, "pipe")));
}
