//! The `blocking` group's file-system rows: `tern::fs` against `tokio::fs`
//! (multi-thread runtimes with 2 workers both), the same code on each.
//! Each row also prints the synchronous `std::fs` time, the floor. The
//! files live on `/dev/shm` (a tmpfs) when it exists, else in the temp dir.

use crate::scenarios::{on_tern, on_tokio};
use crate::{slice, time_slice, Sample, Scenario};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

const BIG: usize = 100 * 1024 * 1024;
const SMALL: usize = 4 * 1024;
const SMALL_FILES: usize = 1000;
const WALK_FILES: usize = 10_000;
const LINES: usize = 200_000;
const CHUNK: usize = 64 * 1024;
const WRITE_LINES: usize = 5_000;

/// Files the rows use, made on first use, removed when the last row using
/// them is dropped.
struct Fixture {
    dir: PathBuf,
    big: OnceLock<PathBuf>,
    walk: OnceLock<PathBuf>,
    lines: OnceLock<PathBuf>,
    data: OnceLock<Vec<u8>>,
}

impl Fixture {
    fn new() -> Arc<Fixture> {
        // On a tmpfs where there is one: the rows measure what the runtime
        // adds to the file-system calls, which disk writeback (seconds-long
        // stalls, shared by whoever writes) would drown.
        let shm = Path::new("/dev/shm");
        let base = if shm.is_dir() { shm.to_owned() } else { std::env::temp_dir() };
        let dir = base.join(format!("tern-bench-fs-{}", std::process::id()));
        Arc::new(Fixture {
            dir,
            big: OnceLock::new(),
            walk: OnceLock::new(),
            lines: OnceLock::new(),
            data: OnceLock::new(),
        })
    }

    fn sub(&self, name: &str) -> PathBuf {
        let p = self.dir.join(name);
        std::fs::create_dir_all(&p).unwrap();
        p
    }

    fn data(&self) -> &[u8] {
        self.data.get_or_init(|| (0..BIG).map(|i| (i * 31 % 251) as u8).collect())
    }

    fn big(&self) -> &Path {
        self.big.get_or_init(|| {
            let p = self.sub("read").join("big");
            std::fs::write(&p, self.data()).unwrap();
            p
        })
    }

    /// A text file of `LINES` lines of 30 to 50 bytes (about 8 MB).
    fn lines(&self) -> &Path {
        self.lines.get_or_init(|| {
            let p = self.sub("lines").join("text");
            let text: String =
                (0..LINES).map(|i| format!("line {i:06} {}\n", "x".repeat(i % 21 + 16))).collect();
            std::fs::write(&p, text).unwrap();
            p
        })
    }

    fn walk(&self) -> &Path {
        self.walk.get_or_init(|| {
            let d = self.sub("walk");
            for i in 0..WALK_FILES {
                std::fs::write(d.join(format!("f{i}")), b"x").unwrap();
            }
            d
        })
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The same async code against `tern::fs` and `tokio::fs`.
macro_rules! fs_ops {
    ($name:ident, $rt:ident) => {
        mod $name {
            use std::path::Path;
            use $rt::io::{AsyncReadExt, AsyncWriteExt};

            pub async fn read_big(path: &Path) -> usize {
                let mut f = $rt::fs::File::open(path).await.unwrap();
                let mut v = Vec::new();
                f.read_to_end(&mut v).await.unwrap();
                v.len()
            }

            /// What a user writes to go through a file line by line.
            pub async fn read_lines(path: &Path) -> usize {
                use $rt::io::AsyncBufReadExt;
                let f = $rt::fs::File::open(path).await.unwrap();
                let mut lines = $rt::io::BufReader::new(f).lines();
                let mut n = 0;
                while let Some(line) = lines.next_line().await.unwrap() {
                    n += line.len();
                }
                n
            }

            /// Reads the file in `CHUNK`-byte reads (hashing, copying).
            pub async fn read_chunks(path: &Path) -> usize {
                let mut f = $rt::fs::File::open(path).await.unwrap();
                let mut buf = vec![0u8; super::CHUNK];
                let mut total = 0;
                loop {
                    match f.read(&mut buf).await.unwrap() {
                        0 => return total,
                        n => total += n,
                    }
                }
            }

            /// A log or a report written line by line, one `write_all`
            /// per line, then a flush.
            pub async fn write_lines(path: &Path) {
                let mut f = $rt::fs::File::create(path).await.unwrap();
                for i in 0..super::WRITE_LINES {
                    f.write_all(format!("line {i:06} of the report\n").as_bytes()).await.unwrap();
                }
                f.flush().await.unwrap();
            }

            pub async fn write_big(path: &Path, data: &[u8]) {
                let mut f = $rt::fs::File::create(path).await.unwrap();
                f.write_all(data).await.unwrap();
                f.flush().await.unwrap();
            }

            pub async fn small_files(dir: &Path) {
                let data = [7u8; super::SMALL];
                for i in 0..super::SMALL_FILES {
                    let p = dir.join(format!("s{i}"));
                    let mut f = $rt::fs::File::create(&p).await.unwrap();
                    f.write_all(&data).await.unwrap();
                    f.flush().await.unwrap();
                    drop(f);
                    assert_eq!($rt::fs::read(&p).await.unwrap().len(), super::SMALL);
                    $rt::fs::remove_file(&p).await.unwrap();
                }
            }

            pub async fn metadata_walk(dir: &Path) -> u64 {
                let mut total = 0;
                let mut entries = $rt::fs::read_dir(dir).await.unwrap();
                while let Some(e) = entries.next_entry().await.unwrap() {
                    total += e.metadata().await.unwrap().len();
                }
                total
            }
        }
    };
}

fs_ops!(with_tern, tern);
fs_ops!(with_tokio, tokio);

mod with_std {
    use std::io::{Read, Write};
    use std::path::Path;

    pub fn read_big(path: &Path) -> usize {
        let mut v = Vec::new();
        std::fs::File::open(path).unwrap().read_to_end(&mut v).unwrap();
        v.len()
    }

    pub fn write_big(path: &Path, data: &[u8]) {
        std::fs::File::create(path).unwrap().write_all(data).unwrap();
    }

    pub fn write_lines(path: &Path) {
        let mut f = std::fs::File::create(path).unwrap();
        for i in 0..super::WRITE_LINES {
            f.write_all(format!("line {i:06} of the report\n").as_bytes()).unwrap();
        }
    }

    pub fn read_lines(path: &Path) -> usize {
        use std::io::BufRead;
        let f = std::io::BufReader::new(std::fs::File::open(path).unwrap());
        f.lines().map(|l| l.unwrap().len()).sum()
    }

    pub fn read_chunks(path: &Path) -> usize {
        let mut f = std::fs::File::open(path).unwrap();
        let mut buf = vec![0u8; super::CHUNK];
        let mut total = 0;
        loop {
            match f.read(&mut buf).unwrap() {
                0 => return total,
                n => total += n,
            }
        }
    }

    pub fn small_files(dir: &Path) {
        let data = [7u8; super::SMALL];
        for i in 0..super::SMALL_FILES {
            let p = dir.join(format!("s{i}"));
            std::fs::File::create(&p).unwrap().write_all(&data).unwrap();
            assert_eq!(std::fs::read(&p).unwrap().len(), super::SMALL);
            std::fs::remove_file(&p).unwrap();
        }
    }

    pub fn metadata_walk(dir: &Path) -> u64 {
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().metadata().unwrap().len()).sum()
    }
}

/// Which row.
#[derive(Clone, Copy)]
enum Op {
    Read,
    Lines,
    Chunks,
    WriteLines,
    Write,
    Small,
    Walk,
}

/// The median of three time slices: file-system times swing with what
/// else the machine does (page cache, other processes), more than the
/// scheduler rows' do.
fn steady(mut iter: impl FnMut()) -> f64 {
    let mut v = [0.0; 3];
    for x in &mut v {
        *x = time_slice(slice(), &mut iter);
    }
    v.sort_by(|a, b| a.total_cmp(b));
    v[1]
}

fn tern_sample(fx: Arc<Fixture>, op: Op, floor: Arc<Mutex<Vec<f64>>>) -> Sample {
    Box::new(move || {
        // The synchronous floor, once per round, printed as it goes.
        let std_ns = steady(|| run_std(&fx, op));
        let mut f = floor.lock().unwrap();
        f.push(std_ns);
        let mut sorted = f.clone();
        sorted.sort_by(|a, b| a.total_cmp(b));
        eprint!("[std::fs {:.3} ms] ", sorted[sorted.len() / 2] / 1e6);
        drop(f);
        let rt = on_tern::multi_thread();
        let (fx, dir) = (&fx, fx.sub("tern"));
        steady(|| {
            rt.block_on(async {
                match op {
                    Op::Read => drop(with_tern::read_big(fx.big()).await),
                    Op::Lines => drop(with_tern::read_lines(fx.lines()).await),
                    Op::Chunks => drop(with_tern::read_chunks(fx.big()).await),
                    Op::WriteLines => with_tern::write_lines(&dir.join("lines")).await,
                    Op::Write => with_tern::write_big(&dir.join("big"), fx.data()).await,
                    Op::Small => with_tern::small_files(&dir).await,
                    Op::Walk => drop(with_tern::metadata_walk(fx.walk()).await),
                }
            })
        })
    })
}

fn tokio_sample(fx: Arc<Fixture>, op: Op) -> Sample {
    Box::new(move || {
        let rt = on_tokio::multi_thread();
        let (fx, dir) = (&fx, fx.sub("tokio"));
        steady(|| {
            rt.block_on(async {
                match op {
                    Op::Read => drop(with_tokio::read_big(fx.big()).await),
                    Op::Lines => drop(with_tokio::read_lines(fx.lines()).await),
                    Op::Chunks => drop(with_tokio::read_chunks(fx.big()).await),
                    Op::WriteLines => with_tokio::write_lines(&dir.join("lines")).await,
                    Op::Write => with_tokio::write_big(&dir.join("big"), fx.data()).await,
                    Op::Small => with_tokio::small_files(&dir).await,
                    Op::Walk => drop(with_tokio::metadata_walk(fx.walk()).await),
                }
            })
        })
    })
}

fn run_std(fx: &Fixture, op: Op) {
    let dir = fx.sub("std");
    match op {
        Op::Read => drop(with_std::read_big(fx.big())),
        Op::Lines => drop(with_std::read_lines(fx.lines())),
        Op::Chunks => drop(with_std::read_chunks(fx.big())),
        Op::WriteLines => with_std::write_lines(&dir.join("lines")),
        Op::Write => with_std::write_big(&dir.join("big"), fx.data()),
        Op::Small => with_std::small_files(&dir),
        Op::Walk => drop(with_std::metadata_walk(fx.walk())),
    }
}

/// The rows, for the table's list (`rows/mod.rs`).
pub fn scenarios() -> Vec<Scenario> {
    let fx = Fixture::new();
    [
        ("fs_read_100mb", Op::Read),
        ("fs_read_lines_8mb", Op::Lines),
        ("fs_read_64k_chunks_100mb", Op::Chunks),
        ("fs_write_100mb", Op::Write),
        ("fs_write_lines_5k", Op::WriteLines),
        ("fs_small_files_1000", Op::Small),
        ("fs_metadata_walk_10k", Op::Walk),
    ]
    .into_iter()
    .map(|(name, op)| Scenario {
        group: "blocking",
        name,
        unit: "ns",
        tern: tern_sample(fx.clone(), op, Arc::default()),
        tokio: tokio_sample(fx.clone(), op),
        smol: None,
    })
    .collect()
}
