//! tern-bench: the side-by-side benchmark.
//!
//! `cargo run -p tern-bench --release -- [--quick] [FILTER]`
//!
//! Every scenario runs on tern, on Tokio and (where it maps) on smol, in
//! this one process, alternating the order each round; each sample is the
//! mean time of one iteration over a fixed time slice. The table shows the
//! medians and the ratios peer/tern (above 1.0 means tern is faster), plus
//! a geometric mean per group, and the same rows go to
//! `target/tern-bench.json`.

mod blocking_fs;
mod blocking_pool;
mod blocking_process;
mod handoff;
mod memory;
mod net;
mod rows;
mod scenarios;
mod scenarios_io_time;
mod smol_mt;
mod smol_scenarios;
mod sync_alt;
mod sync_channels;
mod sync_locks;
mod sync_mpsc;

#[global_allocator]
static ALLOC: sync_mpsc::Counting = sync_mpsc::Counting;

use scenarios::{on_tern, on_tokio};
use std::time::{Duration, Instant};

/// One row of the table.
struct Row {
    group: &'static str,
    scenario: &'static str,
    unit: &'static str,
    tokio: f64,
    tern: f64,
    smol: Option<f64>,
}

/// A scenario on one runtime: runs one sample and returns its value (ns per
/// iteration, or bytes per task for the memory group).
type Sample = Box<dyn FnMut() -> f64>;

struct Scenario {
    group: &'static str,
    name: &'static str,
    unit: &'static str,
    tern: Sample,
    tokio: Sample,
    smol: Option<Sample>,
}

/// Times `iter` repeatedly for about `slice` (at least 3 iterations) and
/// returns the mean nanoseconds per iteration.
fn time_slice(slice: Duration, mut iter: impl FnMut()) -> f64 {
    iter(); // warm
    let start = Instant::now();
    let mut n = 0u32;
    while n < 3 || start.elapsed() < slice {
        iter();
        n += 1;
    }
    start.elapsed().as_nanos() as f64 / f64::from(n)
}

/// Process CPU time (user + sys) so far, in nanoseconds.
fn cpu_now() -> f64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid out-pointer for the call.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 * 1e9 + ts.tv_nsec as f64
}

/// As [`time_slice`], but returns process CPU nanoseconds per iteration.
fn cpu_slice(slice: Duration, mut iter: impl FnMut()) -> f64 {
    iter();
    let start = Instant::now();
    let cpu = cpu_now();
    let mut n = 0u32;
    while n < 3 || start.elapsed() < slice {
        iter();
        n += 1;
    }
    (cpu_now() - cpu) / f64::from(n)
}

fn slice() -> Duration {
    Duration::from_millis(60)
}

/// A sample that builds a runtime with `make`, then times `iter` on it.
fn sample<R: 'static>(make: fn() -> R, iter: fn(&R)) -> Sample {
    Box::new(move || {
        let rt = make();
        time_slice(slice(), || iter(&rt))
    })
}

fn percentile(mut v: Vec<f64>, p: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i]
}

/// A precision row: `n` sequential sleeps of `d` per runtime, interleaved
/// in chunks; the row holds the median overshoot past the deadline (ns),
/// and the p99 is printed.
fn precision(name: &'static str, d: Duration, n: usize) -> Row {
    let tern_rt = on_tern::current_thread_timed();
    let tokio_rt = on_tokio::current_thread_timed();
    let (mut tern, mut tokio) = (Vec::new(), Vec::new());
    let chunk = (n / 4).max(1);
    while tern.len() < n {
        tern.extend(on_tern::sleep_overshoots(&tern_rt, d, chunk));
        tokio.extend(on_tokio::sleep_overshoots(&tokio_rt, d, chunk));
    }
    eprint!(
        "[p99 overshoot: Tokio {:.0} µs, tern {:.0} µs] ",
        percentile(tokio.clone(), 0.99) / 1e3,
        percentile(tern.clone(), 0.99) / 1e3
    );
    Row { group: "time", scenario: name, unit: "ns", tokio: median(tokio), tern: median(tern), smol: None }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn run(s: &mut Scenario, rounds: usize) -> Row {
    let (mut tern, mut tokio, mut smol) = (Vec::new(), Vec::new(), Vec::new());
    // Profiling aid: `TERN_BENCH_ONLY=tern` (or `tokio`) runs one side.
    if let Ok(only) = std::env::var("TERN_BENCH_ONLY") {
        let f = match only.as_str() {
            "tern" => &mut s.tern,
            "tokio" => &mut s.tokio,
            _ => panic!("TERN_BENCH_ONLY is tern or tokio"),
        };
        let v: Vec<f64> = (0..rounds).map(|_| f()).collect();
        eprint!("{only}: median {:.0} ", median(v.clone()));
        return Row {
            group: s.group,
            scenario: s.name,
            unit: s.unit,
            tokio: median(v.clone()),
            tern: median(v),
            smol: None,
        };
    }
    for round in 0..rounds {
        // Rotate who goes first, so drift in machine state hits each alike.
        for k in 0..3 {
            match (round + k) % 3 {
                0 => tern.push((s.tern)()),
                1 => tokio.push((s.tokio)()),
                _ => {
                    if let Some(f) = s.smol.as_mut() {
                        smol.push(f());
                    }
                }
            }
        }
    }
    if std::env::var_os("TERN_BENCH_SAMPLES").is_some() {
        // Every round's value, to see the spread behind a median.
        let show = |v: &[f64]| v.iter().map(|x| format!("{x:.0}")).collect::<Vec<_>>().join(" ");
        eprintln!("\n  tern [{}]\n  peer [{}]\n  smol [{}]", show(&tern), show(&tokio), show(&smol));
    }
    Row {
        group: s.group,
        scenario: s.name,
        unit: s.unit,
        tokio: median(tokio),
        tern: median(tern),
        smol: if smol.is_empty() { None } else { Some(median(smol)) },
    }
}

fn fmt_value(v: f64, unit: &str) -> String {
    if unit == "B" {
        return format!("{v:.1} B");
    }
    if v >= 1e6 {
        format!("{:.3} ms", v / 1e6)
    } else if v >= 1e3 {
        format!("{:.2} µs", v / 1e3)
    } else {
        format!("{v:.0} ns")
    }
}

fn geomean(v: &[f64]) -> f64 {
    (v.iter().map(|x| x.ln()).sum::<f64>() / v.len() as f64).exp()
}

fn print_table(rows: &[Row]) {
    println!(
        "| group | scenario | Tokio | tern | ratio (Tokio/tern) | smol | smol_ratio (smol/tern) |\n|---|---|---:|---:|---:|---:|---:|"
    );
    let mut groups: Vec<&str> = Vec::new();
    for r in rows {
        if !groups.contains(&r.group) {
            groups.push(r.group);
        }
    }
    for g in groups {
        let rs: Vec<&Row> = rows.iter().filter(|r| r.group == g).collect();
        for r in &rs {
            let (smol, sr) = match r.smol {
                Some(s) => (fmt_value(s, r.unit), format!("{:.2}", s / r.tern)),
                None => ("-".into(), "-".into()),
            };
            println!(
                "| {} | {} | {} | {} | {:.2} | {} | {} |",
                r.group,
                r.scenario,
                fmt_value(r.tokio, r.unit),
                fmt_value(r.tern, r.unit),
                r.tokio / r.tern,
                smol,
                sr
            );
        }
        let ratios: Vec<f64> = rs.iter().map(|r| r.tokio / r.tern).collect();
        let smol_ratios: Vec<f64> = rs.iter().filter_map(|r| r.smol.map(|s| s / r.tern)).collect();
        let smol_geo =
            if smol_ratios.is_empty() { "-".into() } else { format!("{:.2}", geomean(&smol_ratios)) };
        println!("| {g} | **geomean** | | | **{:.2}** | | **{smol_geo}** |", geomean(&ratios));
    }
}

fn write_json(rows: &[Row]) -> std::io::Result<std::path::PathBuf> {
    let mut out = String::from("[\n");
    for (i, r) in rows.iter().enumerate() {
        out.push_str(&format!(
            "  {{\"group\": \"{}\", \"scenario\": \"{}\", \"tokio_ns\": {:.1}, \"tern_ns\": {:.1}, \"ratio\": {:.4}",
            r.group,
            r.scenario,
            r.tokio,
            r.tern,
            r.tokio / r.tern
        ));
        if let Some(s) = r.smol {
            out.push_str(&format!(", \"smol_ns\": {:.1}, \"smol_ratio\": {:.4}", s, s / r.tern));
        }
        if r.unit != "ns" {
            out.push_str(&format!(", \"unit\": \"{}\"", r.unit));
        }
        out.push('}');
        out.push_str(if i + 1 < rows.len() { ",\n" } else { "\n" });
    }
    out.push_str("]\n");
    let dir = target_dir();
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("tern-bench.json");
    std::fs::write(&path, out)?;
    Ok(path)
}

/// The workspace's `target/` (next to this crate's manifest directory).
fn target_dir() -> std::path::PathBuf {
    if let Ok(dir) = std::env::var("CARGO_TARGET_DIR") {
        return dir.into();
    }
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("target")
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--net-server") {
        net::server(&args[1], &args[2]);
    }
    if args.first().map(String::as_str) == Some("--net-load") {
        // Profiling aid: drive an already running `--net-server` (e.g. one
        // started under `perf stat`) with one scenario for a while.
        let port: u16 = args[2].parse().expect("--net-load SCENARIO PORT [SECONDS]");
        let secs = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(5.0);
        net::load_for(&args[1], port, Duration::from_secs_f64(secs));
        return;
    }
    if args.first().map(String::as_str) == Some("--memory-child") {
        let n = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(memory::IDLE_TASKS);
        memory::child(&args[1], n);
    }
    if args.first().map(String::as_str) == Some("--sync-memory-child") {
        let n = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(sync_channels::MEMORY_CHANNELS);
        sync_channels::memory_child(&args[1], n);
    }
    let quick = args.iter().any(|a| a == "--quick");
    let filter: Option<&String> = args.iter().find(|a| !a.starts_with("--"));
    let rounds = if quick { 3 } else { 10 };
    let mut rows = Vec::new();
    for mut s in rows::all() {
        let full = format!("{}/{}", s.group, s.name);
        if filter.is_some_and(|f| !full.contains(f.as_str())) {
            continue;
        }
        eprint!("{full} ... ");
        // A `net` round's spread comes from how the kernel schedules the
        // client against the server (about ±10% per round on
        // `tcp_echo_16k`, whichever server), not from the code under test:
        // three times the rounds keep the medians steadier (the median of
        // 30 spreads about a quarter as much as one round's value).
        let n = if s.group == "net" { 3 * rounds } else { rounds };
        let row = run(&mut s, n);
        eprintln!("ratio {:.2}", row.tokio / row.tern);
        rows.push(row);
    }
    for (name, d) in [
        ("sleep_precision_20ms", Duration::from_millis(20)),
        ("sleep_precision_500us", Duration::from_micros(500)),
    ] {
        let full = format!("time/{name}");
        if filter.is_some_and(|f| !full.contains(f.as_str())) {
            continue;
        }
        eprint!("{full} ... ");
        let row = precision(name, d, if quick { 60 } else { 200 });
        eprintln!("ratio {:.2}", row.tokio / row.tern);
        rows.push(row);
    }
    if rows.is_empty() {
        eprintln!("no scenario matches the filter");
        std::process::exit(1);
    }
    print_table(&rows);
    match write_json(&rows) {
        Ok(path) => eprintln!("wrote {}", path.display()),
        Err(e) => eprintln!("could not write target/tern-bench.json: {e}"),
    }
}
