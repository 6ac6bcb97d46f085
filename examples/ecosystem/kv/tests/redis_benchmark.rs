//! The kv binary itself (its `main`, address from the argument) under
//! `redis-benchmark`, when the tool is installed (`apt-get install redis-tools`).

use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
};

#[test]
fn redis_benchmark_completes_without_errors() {
    if Command::new("redis-benchmark").arg("--version").output().is_err() {
        eprintln!("redis-benchmark is not installed: nothing to run (apt-get install redis-tools)");
        return;
    }
    // Killed on every exit path, including a failed assertion.
    struct Server(std::process::Child);
    impl Drop for Server {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut server =
        Command::new(env!("CARGO_BIN_EXE_kv")).arg("127.0.0.1:0").stdout(Stdio::piped()).spawn().unwrap();
    let stdout = server.stdout.take().unwrap();
    let _server = Server(server);
    let mut first = String::new();
    BufReader::new(stdout).read_line(&mut first).unwrap();
    let addr: std::net::SocketAddr = first.trim().strip_prefix("kv listening on ").unwrap().parse().unwrap();

    for pipeline in ["16", "1"] {
        let out = Command::new("redis-benchmark")
            .args(["-p", &addr.port().to_string(), "-t", "ping,get,set,incr"])
            .args(["-c", "20", "-n", "20000", "-P", pipeline, "--csv"])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "redis-benchmark failed: {stdout} {stderr}");
        assert!(!stderr.to_lowercase().contains("error"), "{stderr}");
        // One CSV row per test, each completed.
        for test in ["PING_INLINE", "PING_MBULK", "SET", "GET", "INCR"] {
            assert!(stdout.contains(&format!("\"{test}\"")), "no {test} row in {stdout}");
        }
    }
}
