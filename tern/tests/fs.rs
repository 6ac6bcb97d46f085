//! `tern::fs` free functions, `DirBuilder`, `read_dir`.

use std::collections::HashSet;
use std::future::Future;
use std::io::ErrorKind;
use std::path::PathBuf;
use tern::fs;

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("tern-fs-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tern::test]
async fn whole_file_functions() {
    let dir = TempDir::new("whole");
    let a = dir.path("a");
    fs::write(&a, b"hello").await.unwrap();
    assert_eq!(fs::read(&a).await.unwrap(), b"hello");
    assert_eq!(fs::read_to_string(&a).await.unwrap(), "hello");
    fs::write(&a, "over").await.unwrap();
    assert_eq!(std::fs::read(&a).unwrap(), b"over");
    let b = dir.path("b");
    assert_eq!(fs::copy(&a, &b).await.unwrap(), 4);
    assert_eq!(std::fs::read(&b).unwrap(), b"over");
    assert_eq!(fs::read(dir.path("missing")).await.unwrap_err().kind(), ErrorKind::NotFound);
    std::fs::write(&a, [0xff]).unwrap();
    assert_eq!(fs::read_to_string(&a).await.unwrap_err().kind(), ErrorKind::InvalidData);
}

#[tern::test(flavor = "multi_thread", worker_threads = 2)]
async fn paths_rename_remove_links_metadata() {
    let dir = TempDir::new("paths");
    let a = dir.path("a");
    fs::write(&a, b"12345").await.unwrap();
    assert!(fs::try_exists(&a).await.unwrap());
    assert!(!fs::try_exists(dir.path("nope")).await.unwrap());

    let m = fs::metadata(&a).await.unwrap();
    assert!(m.is_file());
    assert_eq!(m.len(), 5);

    let b = dir.path("b");
    fs::rename(&a, &b).await.unwrap();
    assert!(!a.exists());
    assert!(b.exists());

    let hard = dir.path("hard");
    fs::hard_link(&b, &hard).await.unwrap();
    assert_eq!(std::fs::read(&hard).unwrap(), b"12345");

    let link = dir.path("link");
    fs::symlink(&b, &link).await.unwrap();
    assert_eq!(fs::read_link(&link).await.unwrap(), b);
    assert!(fs::symlink_metadata(&link).await.unwrap().file_type().is_symlink());
    assert!(fs::metadata(&link).await.unwrap().is_file());
    assert_eq!(fs::canonicalize(&link).await.unwrap(), std::fs::canonicalize(&b).unwrap());

    let mut perms = fs::metadata(&b).await.unwrap().permissions();
    perms.set_readonly(true);
    fs::set_permissions(&b, perms).await.unwrap();
    assert!(std::fs::metadata(&b).unwrap().permissions().readonly());

    fs::remove_file(&link).await.unwrap();
    assert!(!fs::try_exists(&link).await.unwrap());
    assert_eq!(fs::remove_file(&link).await.unwrap_err().kind(), ErrorKind::NotFound);
}

#[tern::test]
async fn directories() {
    let dir = TempDir::new("dirs");
    let d = dir.path("d");
    fs::create_dir(&d).await.unwrap();
    assert_eq!(fs::create_dir(&d).await.unwrap_err().kind(), ErrorKind::AlreadyExists);
    fs::remove_dir(&d).await.unwrap();

    let deep = dir.path("x/y/z");
    assert_eq!(fs::create_dir(&deep).await.unwrap_err().kind(), ErrorKind::NotFound);
    fs::create_dir_all(&deep).await.unwrap();
    fs::create_dir_all(&deep).await.unwrap();
    fs::write(deep.join("f"), b"1").await.unwrap();
    assert!(fs::remove_dir(dir.path("x")).await.is_err());
    fs::remove_dir_all(dir.path("x")).await.unwrap();
    assert!(!dir.path("x").exists());

    let built = dir.path("p/q");
    assert!(fs::DirBuilder::new().create(&built).await.is_err());
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    builder.mode(0o700);
    builder.create(&built).await.unwrap();
    assert!(built.is_dir());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&built).unwrap().permissions().mode() & 0o777, 0o700);
    }
}

#[tern::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_dir_of_ten_thousand_entries_yields_each_once() {
    let dir = TempDir::new("ten-k");
    for i in 0..10_000 {
        std::fs::write(dir.path(&format!("f{i}")), i.to_string()).unwrap();
    }
    std::fs::create_dir(dir.path("sub")).unwrap();
    let mut seen = HashSet::new();
    let mut entries = fs::read_dir(&dir.0).await.unwrap();
    while let Some(entry) = entries.next_entry().await.unwrap() {
        let name = entry.file_name().into_string().unwrap();
        assert_eq!(entry.path(), dir.path(&name));
        let ty = entry.file_type().await.unwrap();
        let meta = entry.metadata().await.unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            assert_eq!(entry.ino(), meta.ino());
        }
        if name == "sub" {
            assert!(ty.is_dir() && meta.is_dir());
        } else {
            assert!(ty.is_file() && meta.is_file());
            // The file holds its own number: metadata is that entry's.
            assert_eq!(meta.len() as usize, name[1..].len());
        }
        assert!(seen.insert(name), "an entry came twice");
    }
    assert_eq!(seen.len(), 10_001);
    // Ended: stays ended.
    assert!(entries.next_entry().await.unwrap().is_none());
}

#[tern::test]
async fn read_dir_poll_next_entry_and_errors() {
    let dir = TempDir::new("poll");
    std::fs::write(dir.path("only"), b"").unwrap();
    let mut entries = fs::read_dir(&dir.0).await.unwrap();
    let first = std::future::poll_fn(|cx| entries.poll_next_entry(cx)).await.unwrap().unwrap();
    assert_eq!(first.file_name(), "only");
    assert!(format!("{first:?}").contains("DirEntry"));
    assert!(std::future::poll_fn(|cx| entries.poll_next_entry(cx)).await.unwrap().is_none());
    assert_eq!(fs::read_dir(dir.path("missing")).await.unwrap_err().kind(), ErrorKind::NotFound);
    // metadata of an entry removed after it was listed, before it was stat'ed.
    let mut entries = fs::read_dir(&dir.0).await.unwrap();
    let entry = entries.next_entry().await.unwrap().unwrap();
    std::fs::remove_file(dir.path("only")).unwrap();
    assert_eq!(entry.metadata().await.unwrap_err().kind(), ErrorKind::NotFound);
}

#[test]
#[should_panic]
fn outside_a_runtime_panics() {
    let fut = fs::read("x");
    let waker = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(waker);
    let _ = std::pin::pin!(fut).as_mut().poll(&mut cx);
}

#[test]
fn types_are_send_sync_and_unpin() {
    fn check<T: Send + Sync + Unpin>() {}
    check::<fs::File>();
    check::<fs::OpenOptions>();
    check::<fs::DirBuilder>();
    check::<fs::ReadDir>();
    check::<fs::DirEntry>();
    check::<fs::FileTimes>();
}
