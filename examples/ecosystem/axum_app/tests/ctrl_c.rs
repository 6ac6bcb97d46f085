//! The axum_app binary stops gracefully on SIGINT (`tokio::signal::ctrl_c` on tern).

use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
};

#[test]
fn sigint_stops_the_server_gracefully() {
    let mut server = Command::new(env!("CARGO_BIN_EXE_axum_app"))
        .arg("127.0.0.1:0")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    assert!(first.starts_with("axum_app listening on http://127.0.0.1:"), "{first}");

    let status = Command::new("kill").args(["-INT", &server.id().to_string()]).status().unwrap();
    assert!(status.success());
    assert_eq!(lines.next().unwrap().unwrap(), "ctrl-c: finishing in-flight requests");
    let exit = server.wait().unwrap();
    assert!(exit.success(), "the server exits normally after ctrl-c, not killed by the signal: {exit:?}");
}
