#!/usr/bin/env bash
# Real load tools against the ecosystem examples, on tern and on Tokio.
#
# Each server (hello_http, axum_app, kv from examples/ecosystem) is built
# twice from the same source: on tern through the workspace's
# `[patch.crates-io] tokio = ...` line, and on real Tokio from a copy of the
# workspace with that line removed (the one-line switch). Each server runs
# pinned to CPU 0 (so its runtime sees one core), the load tool pinned to
# CPU 1; the two builds alternate row by row over several rounds, starting
# order swapped each round, and the table shows the median per row:
#
#   wrk -t1 -c100 -d$DURATION --latency            against hello_http and axum_app
#   redis-benchmark -c 50 -n $REQUESTS -P 16 / -P 1 (set, get, incr, ping_mbulk) against kv
#
# Columns: requests/s, p50 and p99 latency (ms), and the server's CPU time
# (user + system, from /proc) per request in microseconds.
#
# Usage: tern-bench/load.sh [ROUNDS]   (env: DURATION=10s REQUESTS=200000 WORK=target/load)
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
ROUNDS=${1:-3}
DURATION=${DURATION:-10s}
REQUESTS=${REQUESTS:-200000}
WORK=${WORK:-$ROOT/target/load}
mkdir -p "$WORK"

need() { command -v "$1" >/dev/null 2>&1; }
if ! need wrk || ! need redis-benchmark || ! need taskset; then
    echo "== installing wrk, redis-tools (needs apt-get)"
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq wrk redis-tools util-linux >/dev/null
fi
if [ "$(nproc)" -lt 2 ]; then
    echo "needs 2 CPUs (server on one, load tool on the other)" >&2
    exit 1
fi

SERVERS=(hello_http axum_app kv)
pkgs=()
for s in "${SERVERS[@]}"; do pkgs+=(-p "$s"); done

echo "== building on tern (through the patch)"
TERN_TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
CARGO_TARGET_DIR="$TERN_TARGET" cargo build -q --release \
    --manifest-path examples/ecosystem/Cargo.toml "${pkgs[@]}"
mkdir -p "$WORK/bin-tern" "$WORK/bin-tokio"
for s in "${SERVERS[@]}"; do cp "$TERN_TARGET/release/$s" "$WORK/bin-tern/"; done

echo "== building on Tokio (the same workspace without the [patch.crates-io] line)"
rm -rf "$WORK/eco-tokio"
mkdir -p "$WORK/eco-tokio"
(cd examples/ecosystem && tar --exclude=./target -cf - .) | tar -xf - -C "$WORK/eco-tokio"
sed -i '/^\[patch.crates-io\]/,/^tokio = /d' "$WORK/eco-tokio/Cargo.toml"
if grep -q "^\[patch" "$WORK/eco-tokio/Cargo.toml"; then
    echo "the patch line was not removed" >&2
    exit 1
fi
CARGO_TARGET_DIR="$WORK/target-tokio" cargo build -q --release \
    --manifest-path "$WORK/eco-tokio/Cargo.toml" "${pkgs[@]}"
for s in "${SERVERS[@]}"; do cp "$WORK/target-tokio/release/$s" "$WORK/bin-tokio/"; done

echo "== load: $ROUNDS rounds, wrk $DURATION, redis-benchmark -n $REQUESTS"
exec python3 - "$WORK" "$ROUNDS" "$DURATION" "$REQUESTS" <<'PY'
import os, re, socket, statistics, subprocess, sys, time

work, rounds, duration, requests = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
TICK = os.sysconf("SC_CLK_TCK")
PORT = 18000

def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime

def start(build, server):
    global PORT
    PORT += 1
    addr = f"127.0.0.1:{PORT}"
    proc = subprocess.Popen(["taskset", "-c", "0", f"{work}/bin-{build}/{server}", addr],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", PORT), timeout=0.1).close()
            return proc, PORT
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit(f"{server} ({build}) did not start")

def ms(v):
    m = re.match(r"([\d.]+)(us|ms|s)$", v)
    return float(m[1]) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[m[2]]

def run_wrk(build, server):
    proc, port = start(build, server)
    try:
        before = cpu_seconds(proc.pid)
        out = subprocess.run(["taskset", "-c", "1", "wrk", "-t1", "-c100", f"-d{duration}", "--latency",
                              f"http://127.0.0.1:{port}/"], capture_output=True, text=True, check=True).stdout
        cpu = cpu_seconds(proc.pid) - before
    finally:
        proc.kill(); proc.wait()
    total = int(re.search(r"(\d+) requests in", out)[1])
    errors = sum(int(n) for n in re.findall(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)[0]) \
        if "Socket errors" in out else 0
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors += int(non2xx[1]) if non2xx else 0
    return {f"{server} wrk": dict(rps=float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1]),
                                 # Anchored: "+/- Stdev" columns such as "72.50%" also contain "50%".
                                 p50=ms(re.search(r"^\s+50%\s+(\S+)", out, re.M)[1]),
                                 p99=ms(re.search(r"^\s+99%\s+(\S+)", out, re.M)[1]),
                                 cpu=cpu / total * 1e6, errors=errors)}

def run_redis(build):
    rows = {}
    for pipeline in (16, 1):
        proc, port = start(build, "kv")
        try:
            for test in ("set", "get", "incr", "ping_mbulk"):
                before = cpu_seconds(proc.pid)
                res = subprocess.run(["taskset", "-c", "1", "redis-benchmark", "-p", str(port), "-t", test,
                                      "-c", "50", "-n", str(requests), "-P", str(pipeline), "--csv"],
                                     capture_output=True, text=True)
                cpu = cpu_seconds(proc.pid) - before
                lines = [l for l in res.stdout.splitlines() if l.startswith('"') and not l.startswith('"test"')]
                if res.returncode != 0 or len(lines) != 1 or "error" in res.stderr.lower():
                    raise SystemExit(f"redis-benchmark {test} failed on {build}: {res.stdout} {res.stderr}")
                cols = [c.strip('"') for c in lines[0].split(",")]
                # "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
                rows[f"kv {test} -P{pipeline}"] = dict(rps=float(cols[1]), p50=float(cols[4]), p99=float(cols[6]),
                                                     cpu=cpu / requests * 1e6, errors=0)
        finally:
            proc.kill(); proc.wait()
    return rows

results = {"tern": {}, "tokio": {}}
# The builds alternate row by row (each wrk row, then the kv rows of one
# server start), not round by round: this VM has slow spells of a minute
# or so, and a spell that covers one build's whole round decided medians
# of three rounds (one run had hello_http at 171 k/133 k/162 k req/s for
# tern against 170 k/172 k/156 k for Tokio: tern won rounds 1 and 3).
steps = [lambda b: run_wrk(b, "hello_http"), lambda b: run_wrk(b, "axum_app"), run_redis]
for r in range(rounds):
    order = ["tern", "tokio"] if r % 2 == 0 else ["tokio", "tern"]
    for step in steps:
        for build in order:
            rows = step(build)
            for name, row in rows.items():
                results[build].setdefault(name, []).append(row)
            # Every round's rates, not only the medians: a row that loses
            # in one round only (a VM spell) reads differently from one
            # that loses in every round.
            rates = ", ".join(f"{name} {row['rps']:.0f}" for name, row in rows.items())
            print(f"round {r + 1}/{rounds} {build}: {rates}", file=sys.stderr)

def med(build, name, key):
    return statistics.median(row[key] for row in results[build][name])

print()
print(f"| row | tern req/s | Tokio req/s | ratio | tern p50 ms | Tokio p50 ms | tern p99 ms | Tokio p99 ms | tern CPU µs/req | Tokio CPU µs/req | errors |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for name in results["tern"]:
    t, k = (lambda key: med("tern", name, key)), (lambda key: med("tokio", name, key))
    errs = sum(row["errors"] for b in results for row in results[b][name])
    print(f"| {name} | {t('rps'):.0f} | {k('rps'):.0f} | {t('rps') / k('rps'):.2f} | {t('p50'):.3f} | {k('p50'):.3f} "
          f"| {t('p99'):.3f} | {k('p99'):.3f} | {t('cpu'):.2f} | {k('cpu'):.2f} | {errs} |")
PY
