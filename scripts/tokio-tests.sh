#!/usr/bin/env bash
# tokio-tests.sh: run Tokio's own integration tests, unmodified, against Tokio
# (the reference) and against tern renamed to `tokio`, and compare.
#
# What it does
#   1. Finds the source of the tokio 1.54.1 package that tern-bench depends on
#      (`cargo metadata` on this repo; cargo downloads it if needed). Its
#      `tests/` holds Tokio's integration tests (one binary per file, plus
#      `tests/support/`).
#   2. Picks the files to run (all, or those matching the globs given) and
#      skips, with a printed reason, those whose crate-level `#![cfg(...)]`
#      is false here (tokio_unstable, taskdump, io-uring, Windows,
#      wasm/emscripten, other OSes; evaluated against `rustc --print cfg` and
#      the features full + test-util), plus a short explicit list in
#      scripts/tokio_tests.py (EXPLICIT_SKIPS).
#   3. Writes two temporary crates under ${TMPDIR:-/tmp}/tern-tokio-tests
#      (never in the repository): `reference` depends on
#      `tokio = "=1.54.1"`, `tern` on `tokio = { package = "tern", path = ... }`,
#      both with features full + test-util. Each has one `[[test]]` target per
#      file whose `path` points at the file in cargo's registry, so
#      `#[path = "support/..."]` still resolves, and declares the features the
#      test files test (`full`, `macros`, `rt`, ...) with full + test-util on,
#      as Tokio's CI runs them. Dev-dependencies are Tokio's own (tokio-test,
#      futures, tempfile, nix, ...). Cargo.lock starts as a copy of the repo's.
#   4. Builds every test target with `cargo build --test '*' --keep-going`, so a
#      file that does not compile does not stop the others, and reads the
#      binaries from cargo's JSON messages. Each column has its own target dir
#      (target-reference, target-tern under the work dir).
#   5. Runs each binary (default test threads, in Tokio's package directory
#      as `cargo test` would) with a timeout per file; a
#      timeout or crash counts the unfinished tests as failed. Results are read
#      per test name from the `test <name> ... ok|FAILED|ignored` lines.
#   6. Prints a table (file | compiles | passed/failed/ignored, per column),
#      notes (why a file did not compile: its first error, or "two copies of
#      tokio" when a test mixes tern's types with the real Tokio that
#      tokio-test/tokio-stream bring in), the skip list, the totals, and how
#      many of the tests that pass on Tokio also pass on tern, by test name.
#
# Usage
#   scripts/tokio-tests.sh [options] [GLOB...]
#     GLOB           limit to test files whose name matches, e.g. 'macros_*'
#                    task_join_set 'task_local*' (default: all files)
#     --tokio-only   only the reference column
#     --tern-only    only the tern column
#     --via-shim DIR the second column uses DIR, a drop-in crate named
#                    `tokio`, through `[patch.crates-io]` instead of tern
#                    renamed (then tokio-test and tokio-stream use it too)
#     --timeout SECS per test file (default 120)
#   Environment: TOKIO_TESTS_DIR overrides the work dir.
#   Logs: <work dir>/<column>/logs/<file>.{build.log,list,run.log,rc}, the
#   report is also written to <work dir>/report.md.
#
# Cost: every test file is its own binary. Measured on the 2-core VM: the
# first run builds the dependencies (about 35 s for the Tokio column, 55 s
# for tern's); after that all 150 files take about 3 minutes (Tokio: build
# 75 s, run 45 s; tern: build 40 s while most files fail to compile). Cargo
# keeps the binaries that compiled, so a run after a small change is faster.
# Globs keep a run short.
#
# Needs: cargo, rustc, python3 (standard library only), timeout (coreutils).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HELPER="$REPO/scripts/tokio_tests.py"
WORK="${TOKIO_TESTS_DIR:-${TMPDIR:-/tmp}/tern-tokio-tests}"
TIMEOUT=120
RUN_REF=1
RUN_OTHER=1
SHIM=""
GLOBS=()

usage() { sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
    case "$1" in
        --tokio-only) RUN_OTHER=0 ;;
        --tern-only) RUN_REF=0 ;;
        --via-shim) SHIM=$(cd "$2" && pwd); shift ;;
        --timeout) TIMEOUT=$2; shift ;;
        -h | --help) usage; exit 0 ;;
        -*) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
        *) GLOBS+=("$1") ;;
    esac
    shift
done
if [ "$RUN_REF$RUN_OTHER" = 00 ]; then
    echo "--tokio-only and --tern-only exclude each other" >&2
    exit 2
fi
OTHER_LABEL=tern
OTHER_KIND=tern
if [ -n "$SHIM" ]; then
    OTHER_LABEL=shim
    OTHER_KIND=shim
fi

START=$(date +%s)
elapsed() { echo "$(($(date +%s) - START))s"; }
mkdir -p "$WORK"

# 1. Tokio's source, as cargo fetched it for this workspace.
echo "== locating the tokio package of this workspace (cargo metadata)" >&2
read -r TOKIO_MANIFEST TOKIO_VERSION < <(
    cargo metadata --format-version 1 --manifest-path "$REPO/Cargo.toml" |
        python3 -c '
import json, sys
pkgs = [p for p in json.load(sys.stdin)["packages"] if p["name"] == "tokio"]
if not pkgs:
    sys.exit("no package tokio in the workspace graph")
p = max(pkgs, key=lambda p: [int(x) for x in p["version"].split(".")])
print(p["manifest_path"], p["version"])')
if [ -z "${TOKIO_MANIFEST:-}" ]; then
    echo "cargo metadata found no tokio package (is the network or the registry reachable?)" >&2
    exit 1
fi
TOKIO_SRC=$(dirname "$TOKIO_MANIFEST")
if [ ! -d "$TOKIO_SRC/tests" ]; then
    echo "no tests/ in $TOKIO_SRC" >&2
    exit 1
fi
echo "   tokio $TOKIO_VERSION at $TOKIO_SRC" >&2

# 2. The selection.
rustc --print cfg >"$WORK/rustc-cfg.txt"
python3 "$HELPER" select --tokio-src "$TOKIO_SRC" --rustc-cfg "$WORK/rustc-cfg.txt" \
    ${GLOBS[@]+"${GLOBS[@]}"} >"$WORK/selection.tsv"
mapfile -t FILES < <(awk -F'\t' '$2 == "run" { print $1 }' "$WORK/selection.tsv")
NSKIP=$(awk -F'\t' '$2 == "skip"' "$WORK/selection.tsv" | wc -l)
echo "== ${#FILES[@]} test files to build, $NSKIP skipped" >&2
if [ ${#FILES[@]} -eq 0 ] && [ "$NSKIP" -eq 0 ]; then
    echo "no test file matches: ${GLOBS[*]}" >&2
    exit 1
fi

# 3-5. One column: write the crate, build its tests, run them.
column() {
    local label=$1 kind=$2
    local dir="$WORK/$label"
    local n=${#FILES[@]}
    mkdir -p "$dir"
    python3 "$HELPER" manifest --kind "$kind" --tokio-src "$TOKIO_SRC" \
        --tokio-version "$TOKIO_VERSION" --tern "$REPO/tern" --shim "$SHIM" \
        --out "$dir" ${FILES[@]+"${FILES[@]}"}
    [ -f "$dir/Cargo.lock" ] || cp "$REPO/Cargo.lock" "$dir/Cargo.lock"
    rm -rf "$dir/logs" "$dir/exes.tsv"
    mkdir -p "$dir/logs"
    : >"$dir/exes.tsv"
    [ "$n" -gt 0 ] || return 0

    echo "== [$label] building $n test files (cargo build --keep-going) at $(elapsed)" >&2
    # `cargo build --test NAME` builds test targets as `cargo test` does, and
    # unlike `cargo test --no-run` it has `--keep-going`: a target that does
    # not compile does not stop the others.
    local rc=0
    CARGO_TARGET_DIR="$WORK/target-$label" cargo build --manifest-path "$dir/Cargo.toml" \
        --keep-going --message-format=json --test '*' 2>"$dir/cargo.stderr" |
        python3 "$HELPER" build --label "$label" --logs "$dir/logs" --exes "$dir/exes.tsv" \
            --total "$n" --manifest "$dir/Cargo.toml" || rc=$?
    if [ ! -s "$dir/exes.tsv" ] && ! grep -q "could not compile \`tokio-tests-" "$dir/cargo.stderr"; then
        echo "== [$label] no test binary was built; the end of cargo's output:" >&2
        grep -v '^ *\(Compiling\|Downloaded\|Checking\)' "$dir/cargo.stderr" | tail -n 15 >&2 || true
    fi
    [ "$rc" -eq 0 ] || echo "== [$label] cargo exited with $rc (expected when a file does not compile)" >&2

    echo "== [$label] running at $(elapsed) (timeout ${TIMEOUT}s per file)" >&2
    local i=0 stem exe t0 ok failed status
    while IFS=$'\t' read -r stem exe; do
        i=$((i + 1))
        t0=$(date +%s)
        # In Tokio's directory, as `cargo test` runs Tokio's tests (one test
        # reads ./Cargo.toml); none of them writes to a relative path.
        (cd "$TOKIO_SRC" && timeout -k 10 "$TIMEOUT" "$exe" --list --format terse \
            >"$dir/logs/$stem.list" 2>/dev/null </dev/null) || true
        status=0
        (cd "$TOKIO_SRC" && timeout -k 10 "$TIMEOUT" "$exe" \
            >"$dir/logs/$stem.run.log" 2>&1 </dev/null) || status=$?
        echo "$status" >"$dir/logs/$stem.rc"
        ok=$(grep -c '^test .* \.\.\. ok$' "$dir/logs/$stem.run.log" || true)
        failed=$(grep -c '^test .* \.\.\. FAILED$' "$dir/logs/$stem.run.log" || true)
        local what="$ok ok, $failed failed"
        [ "$status" -ne 124 ] && [ "$status" -ne 137 ] || what="$what, TIMED OUT"
        echo "[$label run] $i/$(wc -l <"$dir/exes.tsv") $stem: $what ($(($(date +%s) - t0))s)" >&2
    done <"$dir/exes.tsv"
}

COLS=()
if [ "$RUN_REF" = 1 ]; then
    column reference reference
    COLS+=(--col "tokio=$WORK/reference")
fi
if [ "$RUN_OTHER" = 1 ]; then
    column "$OTHER_LABEL" "$OTHER_KIND"
    COLS+=(--col "$OTHER_LABEL=$WORK/$OTHER_LABEL")
fi

# 6. The report.
echo "== done in $(elapsed); report also in $WORK/report.md" >&2
echo
python3 "$HELPER" report --selection "$WORK/selection.tsv" --tokio-src "$TOKIO_SRC" "${COLS[@]}" | tee "$WORK/report.md"
