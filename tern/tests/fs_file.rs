//! `tern::fs::File` and `OpenOptions`: reads, writes, seeks, the
//! background write and its failure.

use std::io::SeekFrom;
use std::path::PathBuf;
use tern::fs::{File, OpenOptions};
use tern::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("tern-fs-file-{}-{name}", std::process::id()));
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

fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 251) as u8).collect()
}

#[tern::test]
async fn write_all_flush_then_drop_leaves_the_bytes_on_disk() {
    let dir = TempDir::new("drop");
    let path = dir.path("a");
    let mut f = File::create(&path).await.unwrap();
    f.write_all(b"hello, world").await.unwrap();
    f.flush().await.unwrap();
    drop(f);
    assert_eq!(std::fs::read(&path).unwrap(), b"hello, world");
}

#[test]
fn writes_not_flushed_still_reach_the_disk() {
    let dir = TempDir::new("noflush");
    let path = dir.path("a");
    let data = pattern(5 * 1024 * 1024 + 7); // several chunks: some queued behind
    let rt = tern::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
    rt.block_on(async {
        let mut f = File::create(&path).await.unwrap();
        f.write_all(&data).await.unwrap();
    });
    // Dropping the runtime waits for the blocking pool.
    drop(rt);
    assert!(std::fs::read(&path).unwrap() == data);
}

#[tern::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_writes_and_reads_round_trip() {
    let dir = TempDir::new("large");
    let path = dir.path("a");
    let data = pattern(9 * 1024 * 1024 + 123);
    let mut f = File::create(&path).await.unwrap();
    for chunk in data.chunks(700_000) {
        f.write_all(chunk).await.unwrap();
    }
    f.flush().await.unwrap();
    drop(f);
    assert!(std::fs::read(&path).unwrap() == data);

    // Chunked reads through AsyncReadExt::read.
    let mut f = File::open(&path).await.unwrap();
    let mut got = Vec::new();
    let mut chunk = vec![0; 100_000];
    loop {
        let n = f.read(&mut chunk).await.unwrap();
        if n == 0 {
            break;
        }
        got.extend_from_slice(&chunk[..n]);
    }
    assert!(got == data);

    // read_to_end in one go, after a partial read.
    let mut f = File::open(&path).await.unwrap();
    let mut head = [0u8; 10];
    f.read_exact(&mut head).await.unwrap();
    let mut rest = Vec::new();
    assert_eq!(f.read_to_end(&mut rest).await.unwrap(), data.len() - 10);
    assert_eq!(&head[..], &data[..10]);
    assert!(rest == data[10..]);
    // At the end now.
    let mut more = vec![1, 2];
    assert_eq!(f.read_to_end(&mut more).await.unwrap(), 0);
    assert_eq!(more, [1, 2]);
}

#[tern::test]
async fn read_to_string_and_invalid_utf8() {
    let dir = TempDir::new("string");
    let path = dir.path("a");
    std::fs::write(&path, "héllo").unwrap();
    let mut s = String::from(">");
    File::open(&path).await.unwrap().read_to_string(&mut s).await.unwrap();
    assert_eq!(s, ">héllo");
    std::fs::write(&path, [0xff, 0xfe]).unwrap();
    let mut s = String::new();
    let err = File::open(&path).await.unwrap().read_to_string(&mut s).await.unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
    assert!(s.is_empty());
}

#[tern::test]
async fn seek_after_write_and_write_after_read() {
    let dir = TempDir::new("seek");
    let path = dir.path("a");
    let mut f =
        OpenOptions::new().read(true).write(true).create(true).truncate(true).open(&path).await.unwrap();
    f.write_all(b"hello world").await.unwrap();
    // The write is still in flight: the seek waits for it.
    assert_eq!(f.stream_position().await.unwrap(), 11);
    assert_eq!(f.seek(SeekFrom::Start(6)).await.unwrap(), 6);
    f.write_all(b"abc").await.unwrap();
    f.seek(SeekFrom::Start(0)).await.unwrap();
    let mut s = String::new();
    AsyncReadExt::read_to_string(&mut f, &mut s).await.unwrap();
    assert_eq!(s, "hello abcld");

    // A read buffers ahead; a write after it lands where the reader is.
    f.seek(SeekFrom::Start(0)).await.unwrap();
    let mut two = [0u8; 2];
    f.read_exact(&mut two).await.unwrap();
    assert_eq!(&two, b"he");
    f.write_all(b"XY").await.unwrap();
    f.flush().await.unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"heXYo abcld");
    // SeekFrom::Current accounts for the read-ahead too.
    f.seek(SeekFrom::Start(1)).await.unwrap();
    f.read_exact(&mut two).await.unwrap();
    assert_eq!(f.seek(SeekFrom::Current(1)).await.unwrap(), 4);
    assert_eq!(f.seek(SeekFrom::End(-2)).await.unwrap(), 9);
    assert!(f.seek(SeekFrom::Current(-100)).await.is_err());
}

#[tern::test]
async fn start_seek_while_busy_is_an_error() {
    use std::pin::Pin;
    use tern::io::AsyncSeek;
    let dir = TempDir::new("busy");
    let mut f = File::create(dir.path("a")).await.unwrap();
    f.write_all(b"x").await.unwrap();
    // The write is in flight.
    let err = Pin::new(&mut f).start_seek(SeekFrom::Start(0)).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::Other);
    assert_eq!(std::future::poll_fn(|cx| Pin::new(&mut f).poll_complete(cx)).await.unwrap(), 0);
    Pin::new(&mut f).start_seek(SeekFrom::Start(0)).unwrap();
    let err = Pin::new(&mut f).start_seek(SeekFrom::Start(0)).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::Other);
    assert_eq!(std::future::poll_fn(|cx| Pin::new(&mut f).poll_complete(cx)).await.unwrap(), 0);
}

#[tern::test]
async fn open_options_and_constructors() {
    let dir = TempDir::new("opts");
    let path = dir.path("a");
    assert_eq!(File::open(&path).await.unwrap_err().kind(), std::io::ErrorKind::NotFound);
    let mut f = File::create_new(&path).await.unwrap();
    f.write_all(b"one").await.unwrap();
    f.flush().await.unwrap();
    assert_eq!(File::create_new(&path).await.unwrap_err().kind(), std::io::ErrorKind::AlreadyExists);
    let mut f = OpenOptions::new().append(true).open(&path).await.unwrap();
    f.write_all(b"two").await.unwrap();
    f.shutdown().await.unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"onetwo");
    let mut f = File::options().write(true).truncate(true).open(&path).await.unwrap();
    f.write_all(b"3").await.unwrap();
    f.flush().await.unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"3");
    // From std's options.
    let mut std_opts = std::fs::OpenOptions::new();
    std_opts.read(true);
    let _ = OpenOptions::from(std_opts).open(&path).await.unwrap();
}

#[cfg(unix)]
#[tern::test]
async fn unix_mode_and_custom_flags() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new("mode");
    let path = dir.path("a");
    let _f = OpenOptions::new().write(true).create(true).mode(0o600).open(&path).await.unwrap();
    assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    let link = dir.path("l");
    std::os::unix::fs::symlink(&path, &link).unwrap();
    let err = OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW).open(&link).await.unwrap_err();
    assert_eq!(err.raw_os_error(), Some(libc::ELOOP));
}

#[tern::test]
async fn methods_on_a_shared_file() {
    let dir = TempDir::new("methods");
    let path = dir.path("a");
    let mut f = File::options().read(true).write(true).create(true).truncate(true).open(&path).await.unwrap();
    f.write_all(b"0123456789").await.unwrap();
    // Each waits for the write in flight first.
    f.sync_data().await.unwrap();
    f.sync_all().await.unwrap();
    assert_eq!(f.metadata().await.unwrap().len(), 10);
    f.set_len(4).await.unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"0123");
    f.set_len(6).await.unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"0123\0\0");

    let mut perms = f.metadata().await.unwrap().permissions();
    perms.set_readonly(true);
    f.set_permissions(perms.clone()).await.unwrap();
    assert!(std::fs::metadata(&path).unwrap().permissions().readonly());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(0o644)).await.unwrap();
        assert!(!std::fs::metadata(&path).unwrap().permissions().readonly());
    }

    // Clones share the cursor.
    let mut clone = f.try_clone().await.unwrap();
    clone.seek(SeekFrom::Start(1)).await.unwrap();
    let mut b = [0u8; 1];
    f.read_exact(&mut b).await.unwrap();
    assert_eq!(&b, b"1");
    drop(clone);

    // Concurrent &self methods take turns.
    let (a, b) = tern::join!(f.sync_all(), f.set_len(2));
    a.unwrap();
    b.unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"01");
}

#[tern::test]
async fn conversions_to_and_from_std() {
    let dir = TempDir::new("conv");
    let path = dir.path("a");
    let std_file = std::fs::File::create(&path).unwrap();
    let mut f = File::from_std(std_file);
    f.write_all(b"abc").await.unwrap();
    let std_file = f.into_std().await;
    assert_eq!(std::fs::read(&path).unwrap(), b"abc");
    let f: File = std_file.into();
    assert!(format!("{f:?}").contains("tern::fs::File"));
    assert!(f.try_into_std().is_ok());
}

#[tern::test]
async fn max_buf_size_bounds_each_read() {
    let dir = TempDir::new("maxbuf");
    let path = dir.path("a");
    std::fs::write(&path, b"abcdefgh").unwrap();
    let mut f = File::open(&path).await.unwrap();
    assert_eq!(f.max_buf_size(), 2 * 1024 * 1024);
    f.set_max_buf_size(3);
    let mut buf = [0u8; 8];
    assert_eq!(f.read(&mut buf).await.unwrap(), 3);
    assert_eq!(&buf[..3], b"abc");
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f.set_max_buf_size(0)));
    let msg = r.unwrap_err().downcast::<&str>().map(|s| s.to_string()).unwrap_or_default();
    assert_eq!(msg, "`max_buf_size` must be greater than 0");
}

#[tern::test]
async fn vectored_writes() {
    let dir = TempDir::new("vectored");
    let path = dir.path("a");
    let mut f = File::create(&path).await.unwrap();
    assert!(tern::io::AsyncWrite::is_write_vectored(&f));
    let bufs = [std::io::IoSlice::new(b"ab"), std::io::IoSlice::new(b"cd")];
    let n = f.write_vectored(&bufs).await.unwrap();
    assert_eq!(n, 4);
    f.flush().await.unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"abcd");
}

/// Writing to /dev/full fails with ENOSPC, as on a full disk.
#[cfg(target_os = "linux")]
#[tern::test]
async fn a_failed_flush_keeps_the_bytes_and_fails_again() {
    let mut f = OpenOptions::new().write(true).open("/dev/full").await.unwrap();
    f.write_all(b"abc").await.unwrap();
    let err = f.flush().await.unwrap_err();
    assert_eq!(err.raw_os_error(), Some(libc::ENOSPC));
    // Tokio would return Ok(()) here, the bytes dropped.
    let err = f.flush().await.unwrap_err();
    assert_eq!(err.raw_os_error(), Some(libc::ENOSPC));
    // The next write reports the failure too (bytes are still kept).
    f.write_all(b"def").await.unwrap();
    assert_eq!(f.flush().await.unwrap_err().raw_os_error(), Some(libc::ENOSPC));
}

/// The kept bytes are written once writing works again: swap the
/// descriptor under the `File` from /dev/full to a real file.
#[cfg(target_os = "linux")]
#[tern::test]
async fn kept_bytes_are_written_when_the_disk_has_room_again() {
    use std::os::fd::AsRawFd;
    let dir = TempDir::new("retry");
    let path = dir.path("a");
    let mut f = OpenOptions::new().write(true).open("/dev/full").await.unwrap();
    f.write_all(b"kept ").await.unwrap();
    assert!(f.flush().await.is_err());
    f.write_all(b"and more").await.unwrap();
    assert!(f.flush().await.is_err());
    let real = std::fs::File::create(&path).unwrap();
    // SAFETY: both descriptors are open and owned by this test; dup2
    // replaces the /dev/full descriptor the File owns with a copy of
    // `real`'s, so the File still owns exactly one open descriptor.
    assert!(unsafe { libc::dup2(real.as_raw_fd(), f.as_raw_fd()) } >= 0);
    f.flush().await.unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"kept and more");
}

#[tern::test]
async fn set_times_and_set_modified() {
    use std::time::{Duration, SystemTime};
    let dir = TempDir::new("times");
    let path = dir.path("a");
    let mut f = File::create(&path).await.unwrap();
    f.write_all(b"x").await.unwrap();
    let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
    f.set_modified(t).await.unwrap();
    assert_eq!(std::fs::metadata(&path).unwrap().modified().unwrap(), t);
    let a = SystemTime::UNIX_EPOCH + Duration::from_secs(2_000_000);
    let times = tern::fs::FileTimes::new().set_accessed(a).set_modified(a);
    f.set_times(times).await.unwrap();
    let m = std::fs::metadata(&path).unwrap();
    assert_eq!((m.accessed().unwrap(), m.modified().unwrap()), (a, a));
}

#[tern::test]
async fn buf_reader_seek_after_write() {
    let dir = TempDir::new("bufreader");
    for (seek, expected) in [(SeekFrom::Start(0), 0u64), (SeekFrom::End(-2), 3), (SeekFrom::Current(-2), 3)] {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(dir.path("a"))
            .await
            .unwrap();
        let mut reader = tern::io::BufReader::new(file);
        reader.write_all(b"hello").await.unwrap();
        assert_eq!(reader.seek(seek).await.unwrap(), expected);
        let mut rest = Vec::new();
        AsyncReadExt::read_to_end(&mut reader, &mut rest).await.unwrap();
        assert_eq!(rest, &b"hello"[expected as usize..]);
    }
}

/// `read_to_end` and `read_to_string` on a `File` are `AsyncReadExt`'s (as
/// on Tokio): a program whose only use of the trait is these calls must not
/// find its import unused (an error under `-D warnings`).
#[deny(unused_imports)]
mod read_to_end_is_the_trait_method {
    use tern::io::AsyncReadExt;

    pub async fn both(f: &mut tern::fs::File) -> (Vec<u8>, String) {
        let mut v = Vec::new();
        f.read_to_end(&mut v).await.unwrap();
        let mut s = String::new();
        f.read_to_string(&mut s).await.unwrap();
        (v, s)
    }
}

#[tern::test]
async fn read_to_end_through_the_trait_wrappers() {
    let dir = TempDir::new("trait-read-to-end");
    let path = dir.path("a");
    let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(&path, &data).unwrap();

    let mut f = File::open(&path).await.unwrap();
    let (v, s) = read_to_end_is_the_trait_method::both(&mut f).await;
    assert!(v == data);
    assert!(s.is_empty(), "at the end of the file already");

    // Through a box, a `&mut` and a pin: the same bytes.
    let mut boxed: Box<dyn tern::io::AsyncRead + Unpin + Send> = Box::new(File::open(&path).await.unwrap());
    let mut v = vec![9];
    assert_eq!(boxed.read_to_end(&mut v).await.unwrap(), data.len());
    assert!(v[0] == 9 && v[1..] == data[..]);
    let mut pinned = Box::pin(File::open(&path).await.unwrap());
    let mut v = Vec::new();
    assert_eq!(pinned.read_to_end(&mut v).await.unwrap(), data.len());
    assert!(v == data);
}

#[tern::test]
async fn a_cancelled_read_to_end_loses_no_bytes() {
    use std::future::Future;
    let dir = TempDir::new("cancel-read-to-end");
    let path = dir.path("a");
    let data: Vec<u8> = (0..1_000_000u32).map(|i| (i % 253) as u8).collect();
    std::fs::write(&path, &data).unwrap();

    let mut f = File::open(&path).await.unwrap();
    let mut head = [0u8; 3];
    f.read_exact(&mut head).await.unwrap();
    let mut first = head.to_vec();
    {
        // One poll hands the rest of the file to the pool (or, rarely,
        // finds it read already); then the read is dropped.
        let mut read = std::pin::pin!(f.read_to_end(&mut first));
        let _ = std::future::poll_fn(|cx| std::task::Poll::Ready(read.as_mut().poll(cx))).await;
    }
    // The next read to the end brings whatever `first` did not get.
    let mut rest = Vec::new();
    f.read_to_end(&mut rest).await.unwrap();
    first.extend_from_slice(&rest);
    assert!(first == data, "{} bytes of {}", first.len(), data.len());
}

/// Writes made while a write runs are appended to the chunk queued behind
/// it, without waiting, until it holds `max_buf_size` bytes. A pipe that
/// nobody reads yet holds the running write.
#[tern::test]
async fn small_writes_queue_behind_a_running_write() {
    use std::future::Future;
    use std::os::fd::{AsRawFd, FromRawFd};
    use std::task::{Context, Poll, Waker};

    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors `pipe` writes.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: both descriptors were just created and are owned by nothing
    // else; each is wrapped once.
    let (mut rd, wr) = unsafe { (std::fs::File::from_raw_fd(fds[0]), std::fs::File::from_raw_fd(fds[1])) };
    // SAFETY: `fcntl` on the pipe's write end, which `wr` owns.
    let held = unsafe { libc::fcntl(wr.as_raw_fd(), libc::F_GETPIPE_SZ) };
    assert!(held > 0);
    let mut f = File::from_std(wr);
    // One chunk, twice what the pipe holds: the write blocks.
    let mut expected = pattern(2 * held as usize);
    f.set_max_buf_size(expected.len());
    f.write_all(&expected).await.unwrap();
    let mut cx = Context::from_waker(Waker::noop());
    for i in 0..2000 {
        let line = format!("{i:05}\n");
        let mut w = std::pin::pin!(f.write_all(line.as_bytes()));
        assert!(matches!(w.as_mut().poll(&mut cx), Poll::Ready(Ok(()))), "write {i} waited");
        expected.extend_from_slice(line.as_bytes());
    }
    let reader = std::thread::spawn(move || {
        let mut got = Vec::new();
        std::io::Read::read_to_end(&mut rd, &mut got).unwrap();
        got
    });
    f.flush().await.unwrap();
    drop(f);
    assert!(reader.join().unwrap() == expected, "every byte, in order");
}

/// A read cancelled after its first poll leaves its job in flight with a
/// background write's error kept; `set_len` (an `&self` method, which
/// needs the buffer) waits for that job instead of finding the file busy.
#[cfg(target_os = "linux")]
#[tern::test]
async fn a_method_after_a_cancelled_read_waits_for_its_job_when_an_error_is_kept() {
    use std::future::Future;
    use std::task::{Context, Waker};
    let mut f = OpenOptions::new().read(true).write(true).open("/dev/full").await.unwrap();
    f.write_all(b"abc").await.unwrap(); // written in the background: ENOSPC
    tern::time::sleep(std::time::Duration::from_millis(50)).await;
    let mut buf = [0u8; 16];
    {
        // Takes the write's error (kept) and starts a read job.
        let mut read = std::pin::pin!(f.read(&mut buf));
        let _ = read.as_mut().poll(&mut Context::from_waker(Waker::noop()));
    }
    let _ = f.set_len(0).await; // used to panic: "the file is busy"
    assert_eq!(f.flush().await.unwrap_err().raw_os_error(), Some(libc::ENOSPC));
}
