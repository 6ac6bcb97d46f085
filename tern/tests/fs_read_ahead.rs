//! `tern::fs::File`'s read-ahead (`fs/file_io.rs`, "Read-ahead"): small
//! sequential reads of a regular file read bigger chunks on the pool, and
//! whatever comes next (a seek, a write, a conversion to std, a clone)
//! still sees the file from where the reader is. Pipes are not read ahead.

use std::io::{Read, Seek, SeekFrom};
use std::os::fd::AsRawFd;
use std::path::PathBuf;
use tern::fs::{File, OpenOptions};
use tern::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

const K8: usize = 8 * 1024;

/// A file of `len` patterned bytes in a fresh directory, removed on drop.
struct Fixture {
    dir: PathBuf,
    data: Vec<u8>,
}

impl Fixture {
    fn new(name: &str, len: usize) -> Fixture {
        let dir = std::env::temp_dir().join(format!("tern-fs-read-ahead-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let data: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
        std::fs::write(dir.join("f"), &data).unwrap();
        Fixture { dir, data }
    }
    fn path(&self) -> PathBuf {
        self.dir.join("f")
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The descriptor's offset as the OS has it.
fn os_offset(fd: &impl AsRawFd) -> u64 {
    // SAFETY: `lseek` on a descriptor the caller keeps open; SEEK_CUR with
    // offset 0 only reads the offset.
    let off = unsafe { libc::lseek(fd.as_raw_fd(), 0, libc::SEEK_CUR) };
    assert!(off >= 0, "lseek: {}", std::io::Error::last_os_error());
    off as u64
}

/// Reads `n` chunks of exactly `size` bytes, checking them against `data`
/// from `from`.
async fn read_chunks(f: &mut File, data: &[u8], from: usize, n: usize, size: usize) {
    let mut buf = vec![0; size];
    for i in 0..n {
        f.read_exact(&mut buf).await.unwrap();
        let at = from + i * size;
        assert!(buf == data[at..at + size], "bytes at {at}");
    }
}

#[tern::test]
async fn small_sequential_reads_read_ahead_and_return_every_byte_in_order() {
    let fx = Fixture::new("seq", 3 * 1024 * 1024 + 123);
    let mut f = File::open(fx.path()).await.unwrap();
    read_chunks(&mut f, &fx.data, 0, 8, K8).await;
    // The pool read past what was handed out: chunks of 8, 16, 32, 64 KiB.
    assert!(os_offset(&f) > 8 * K8 as u64, "read ahead: offset {}", os_offset(&f));

    let mut rest = Vec::new();
    let mut buf = vec![0; 3000]; // odd sizes, across chunk ends
    loop {
        let n = f.read(&mut buf).await.unwrap();
        if n == 0 {
            break;
        }
        rest.extend_from_slice(&buf[..n]);
    }
    assert!(rest == fx.data[8 * K8..], "the rest, in order");
    assert_eq!(os_offset(&f), fx.data.len() as u64);
}

#[tern::test(flavor = "multi_thread", worker_threads = 2)]
async fn lines_through_a_buf_reader_are_all_there() {
    use tern::io::AsyncBufReadExt;
    let dir = Fixture::new("lines", 0);
    let text: String = (0..50_000).map(|i| format!("line {i}\n")).collect();
    std::fs::write(dir.path(), &text).unwrap();
    let mut lines = tern::io::BufReader::new(File::open(dir.path()).await.unwrap()).lines();
    let mut n = 0;
    while let Some(line) = lines.next_line().await.unwrap() {
        assert_eq!(line, format!("line {n}"));
        n += 1;
    }
    assert_eq!(n, 50_000);
}

#[tern::test]
async fn a_seek_after_reading_ahead_is_from_where_the_reader_is() {
    let fx = Fixture::new("seek", 1024 * 1024);
    let mut f = File::open(fx.path()).await.unwrap();
    read_chunks(&mut f, &fx.data, 0, 5, K8).await;
    assert!(os_offset(&f) > 5 * K8 as u64, "read ahead (chunks of 8, 16, 32 KiB)");
    assert_eq!(f.stream_position().await.unwrap(), 5 * K8 as u64);
    assert_eq!(f.seek(SeekFrom::Current(-100)).await.unwrap(), 5 * K8 as u64 - 100);
    read_chunks(&mut f, &fx.data, 5 * K8 - 100, 1, 100).await;
    // Reads after a seek start over: the first reads what it asks.
    f.seek(SeekFrom::Start(500_000)).await.unwrap();
    read_chunks(&mut f, &fx.data, 500_000, 1, K8).await;
    assert_eq!(os_offset(&f), 500_000 + K8 as u64);
}

#[tern::test]
async fn a_write_after_reading_ahead_lands_where_the_reader_is() {
    let fx = Fixture::new("write", 256 * 1024);
    let mut f = OpenOptions::new().read(true).write(true).open(fx.path()).await.unwrap();
    read_chunks(&mut f, &fx.data, 0, 5, K8).await;
    f.write_all(b"XYZ").await.unwrap();
    f.flush().await.unwrap();
    read_chunks(&mut f, &fx.data, 5 * K8 + 3, 1, K8).await;
    let mut expected = fx.data.clone();
    expected[5 * K8..5 * K8 + 3].copy_from_slice(b"XYZ");
    assert!(std::fs::read(fx.path()).unwrap() == expected);
}

#[tern::test]
async fn into_std_and_try_into_std_leave_the_offset_where_the_reader_is() {
    let fx = Fixture::new("std", 512 * 1024);
    let mut f = File::open(fx.path()).await.unwrap();
    read_chunks(&mut f, &fx.data, 0, 5, K8).await;
    let mut std = f.into_std().await;
    assert_eq!(std.stream_position().unwrap(), 5 * K8 as u64);
    let mut rest = Vec::new();
    std.read_to_end(&mut rest).unwrap();
    assert!(rest == fx.data[5 * K8..]);

    let mut f = File::open(fx.path()).await.unwrap();
    read_chunks(&mut f, &fx.data, 0, 5, K8).await;
    assert!(os_offset(&f) > 5 * K8 as u64, "read ahead");
    let mut std = f.try_into_std().unwrap_or_else(|_| panic!("no operation in flight"));
    assert_eq!(std.stream_position().unwrap(), 5 * K8 as u64);
}

#[tern::test]
async fn a_file_from_std_does_not_read_ahead() {
    let fx = Fixture::new("from-std", 512 * 1024);
    // Another handle shares the offset, and reads on once `f` is gone.
    let std = std::fs::File::open(fx.path()).unwrap();
    let mut other = std.try_clone().unwrap();
    let mut f = File::from_std(std);
    read_chunks(&mut f, &fx.data, 0, 5, K8).await;
    assert_eq!(os_offset(&f), 5 * K8 as u64);
    drop(f);
    let mut rest = Vec::new();
    other.read_to_end(&mut rest).unwrap();
    assert!(rest == fx.data[5 * K8..]);
}

#[tern::test]
async fn clones_share_the_offset_and_neither_reads_ahead() {
    let fx = Fixture::new("clone", 512 * 1024);
    let mut f = File::open(fx.path()).await.unwrap();
    read_chunks(&mut f, &fx.data, 0, 5, K8).await;
    let mut g = f.try_clone().await.unwrap();
    assert_eq!(os_offset(&g), 5 * K8 as u64, "the clone starts where the reader is");
    // One offset, read in turn: each read takes the next bytes.
    read_chunks(&mut g, &fx.data, 5 * K8, 2, K8).await;
    read_chunks(&mut f, &fx.data, 7 * K8, 2, K8).await;
    read_chunks(&mut g, &fx.data, 9 * K8, 2, K8).await;
    assert_eq!(os_offset(&f), 11 * K8 as u64, "nothing read ahead");
}

#[tern::test]
async fn max_buf_size_bounds_the_read_ahead() {
    let fx = Fixture::new("max", 256 * 1024);
    let mut f = File::open(fx.path()).await.unwrap();
    f.set_max_buf_size(4096);
    for i in 0..40 {
        read_chunks(&mut f, &fx.data, i * 1000, 1, 1000).await;
        let ahead = os_offset(&f) - (i as u64 + 1) * 1000;
        assert!(ahead < 4096, "read {i}: {ahead} bytes ahead");
    }
}

#[tern::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fifo_is_not_read_ahead() {
    let fx = Fixture::new("fifo", 0);
    let fifo = fx.dir.join("fifo");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: `c` is a NUL-terminated path that outlives the call.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let data: Vec<u8> = (0..48 * 1024).map(|i| (i % 253) as u8).collect();
    let writer = {
        let (data, fifo) = (data.clone(), fifo.clone());
        std::thread::spawn(move || std::fs::write(fifo, data).unwrap())
    };
    let mut f = File::open(&fifo).await.unwrap();
    // Everything is in the FIFO before the first read (48 KiB fit in its
    // buffer), so reads are full and would read ahead if it could.
    writer.join().unwrap();
    let mut got = vec![0; 4 * K8];
    for i in 0..4 {
        f.read_exact(&mut got[i * K8..(i + 1) * K8]).await.unwrap();
    }
    // Whatever the pool had read from the FIFO and not handed out would
    // be lost here.
    let mut std = f.into_std().await;
    std.read_to_end(&mut got).unwrap();
    assert!(got == data, "every byte, in order");
}

/// Reads of a regular file return as much as asked, wherever they fall
/// against the chunks read ahead, until the end of the file (as Tokio's,
/// whose reads are never short before the end): kept bytes fewer than
/// asked are topped up in the same hand-off.
#[tern::test]
async fn reads_are_short_only_at_the_end_of_the_file() {
    let fx = Fixture::new("full", 2 * 1024 * 1024 + 77);
    let mut f = File::open(fx.path()).await.unwrap();
    let sizes = [8192, 8192, 65536, 3000, 5, 100_000, 7, 8192, 250_000, 1];
    let mut pos = 0;
    let mut got = Vec::new();
    for i in 0.. {
        let size = sizes[i % sizes.len()];
        let mut buf = vec![0; size];
        let n = f.read(&mut buf).await.unwrap();
        assert_eq!(n, size.min(fx.data.len() - pos), "read {i} of {size} at {pos}");
        if n == 0 {
            break;
        }
        got.extend_from_slice(&buf[..n]);
        pos += n;
    }
    assert!(got == fx.data);
}
