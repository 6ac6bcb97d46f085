//! A Tokio program's use of fs, signal, process, block_in_place and sync,
//! unchanged: only the dependency line says tern.

use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::Command;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::{mpsc, oneshot, watch, Mutex};

#[tokio::test]
async fn fs_round_trip() {
    let dir = std::env::temp_dir().join(format!("renamed-fs-{}", std::process::id()));
    tokio::fs::create_dir_all(&dir).await.unwrap();
    let path = dir.join("hello.txt");
    let mut file = tokio::fs::File::create(&path).await.unwrap();
    file.write_all(b"hello\nworld\n").await.unwrap();
    file.flush().await.unwrap();
    drop(file);
    let text = tokio::fs::read_to_string(&path).await.unwrap();
    assert_eq!(text, "hello\nworld\n");
    let mut lines = BufReader::new(tokio::fs::File::open(&path).await.unwrap()).lines();
    assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("hello"));
    let mut entries = tokio::fs::read_dir(&dir).await.unwrap();
    let mut names = Vec::new();
    while let Some(e) = entries.next_entry().await.unwrap() {
        names.push(e.file_name());
    }
    assert_eq!(names, ["hello.txt"]);
    tokio::fs::remove_dir_all(&dir).await.unwrap();
}

#[tokio::test]
async fn process_output_and_pipes() {
    let out = Command::new("echo").arg("hi").output().await.unwrap();
    assert!(out.status.success());
    assert_eq!(out.stdout, b"hi\n");

    let mut child = Command::new("cat")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"piped").await.unwrap();
    drop(stdin);
    let mut got = String::new();
    child.stdout.take().unwrap().read_to_string(&mut got).await.unwrap();
    assert_eq!(got, "piped");
    assert!(child.wait().await.unwrap().success());
}

#[tokio::test]
async fn a_signal_reaches_its_listener() {
    let mut usr2 = signal(SignalKind::user_defined2()).unwrap();
    kill_self_usr2();
    tokio::time::timeout(Duration::from_secs(10), usr2.recv()).await.expect("signal arrives").unwrap();
}

/// `kill(getpid(), SIGUSR2)` without a libc dependency: through `kill(1)`.
fn kill_self_usr2() {
    let status =
        std::process::Command::new("kill").args(["-USR2", &std::process::id().to_string()]).status().unwrap();
    assert!(status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn block_in_place_and_channels() {
    let (tx, mut rx) = mpsc::channel(8);
    let shared = std::sync::Arc::new(Mutex::new(0u32));
    let (done_tx, done_rx) = oneshot::channel();
    let (watch_tx, mut watch_rx) = watch::channel(0u32);
    let s = shared.clone();
    tokio::spawn(async move {
        while let Some(v) = rx.recv().await {
            *s.lock().await += v;
            watch_tx.send(v).unwrap();
        }
        done_tx.send(()).unwrap();
    });
    let summed = tokio::task::block_in_place(|| (1..=10u32).sum::<u32>());
    for v in [summed, 1, 2] {
        tx.send(v).await.unwrap();
    }
    drop(tx);
    done_rx.await.unwrap();
    assert_eq!(*shared.lock().await, 58);
    watch_rx.changed().await.unwrap_or(());
    assert_eq!(*watch_rx.borrow(), 2);
}
