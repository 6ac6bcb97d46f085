#!/usr/bin/env bash
# crate-tests.sh: run a published crate's own tests (unit and integration,
# unmodified) on real Tokio and on tern through the drop-in crate, and
# compare. It is how a library's users would meet tern: the crate is built
# as it ships, with one `[patch.crates-io] tokio = ...` line added.
#
# Usage
#   scripts/crate-tests.sh CRATE VERSION [CARGO TEST ARGS...]
#     e.g. scripts/crate-tests.sh tokio-util 0.7.20 --features full
#          scripts/crate-tests.sh tower 0.5.3 --features full
#
# What it does
#   1. Fetches CRATE@VERSION into cargo's registry (through a throwaway
#      package that depends on it) and copies its source twice under
#      ${CRATE_TESTS_DIR:-${TMPDIR:-/tmp}/tern-crate-tests}/CRATE-VERSION/
#      (`reference`, `tern`), each made a workspace of its own. The shipped
#      Cargo.lock is removed so that the patch applies.
#   2. `tern` gets `[patch.crates-io] tokio = { path = <repo>/compat/tokio }`.
#   3. Runs `cargo test --no-fail-fast ARGS` in each (their own target
#      dirs), keeps the logs, and prints passed/failed/ignored per column,
#      then the tests that pass on Tokio and fail on tern, by name.
#
# A crate whose published package has no tests/ still runs its unit tests.
# Tests that need a network or a server the machine lacks fail in both
# columns alike. Some crates' tests only build inside their own repository
# (axum's need its workspace's axum-macros): both columns then fail to
# build, and say so. Tests that read files above the package other than
# the README (tower-http's `../test-files`) fail in both columns.
#
# CRATE_TESTS_ONLY=tern runs the tern column alone and exits non-zero if a
# test fails there or none ran (what .ci/run does with tokio-util's suite).
# CRATE_TESTS_ONLY=reference runs the Tokio column alone.
#
# Disk: the two target dirs of one crate take 0.5-2 GB; they are removed
# after the run unless CRATE_TESTS_KEEP=1 (the logs stay).
set -euo pipefail

if [ $# -lt 2 ]; then
    sed -n '2,/^set -euo/p' "$0" | sed 's/^# \{0,1\}//; /^set -euo/d'
    exit 2
fi
crate=$1 version=$2
shift 2
repo=$(cd "$(dirname "$0")/.." && pwd)
work=${CRATE_TESTS_DIR:-${TMPDIR:-/tmp}/tern-crate-tests}/$crate-$version
mkdir -p "$work"

# 1. fetch
fetch=$work/fetch
mkdir -p "$fetch/src"
printf '[package]\nname = "fetch"\nversion = "0.0.0"\nedition = "2021"\n[dependencies]\n%s = "=%s"\n[workspace]\n' \
    "$crate" "$version" > "$fetch/Cargo.toml"
: > "$fetch/src/lib.rs"
src=$(cd "$fetch" && cargo metadata --format-version 1 2>/dev/null | python3 -c '
import json, sys
m = json.load(sys.stdin)
name, version = sys.argv[1], sys.argv[2]
print(next(p["manifest_path"] for p in m["packages"] if p["name"] == name and p["version"] == version))
' "$crate" "$version")
src=$(dirname "$src")

for col in reference tern; do
    rm -rf "${work:?}/$col"
    cp -r "$src" "$work/$col"
    rm -f "$work/$col/Cargo.lock"
    # A packaged toolchain pin (tower-lsp's 1.64, fastwebsockets' 1.76)
    # would make rustup ask for a toolchain this machine lacks.
    rm -f "$work/$col/rust-toolchain" "$work/$col/rust-toolchain.toml"
    printf '\n[workspace]\n' >> "$work/$col/Cargo.toml"
done
printf '\n[patch.crates-io]\ntokio = { path = "%s/compat/tokio" }\n' "$repo" >> "$work/tern/Cargo.toml"
# Some packages' tests include their workspace's README from above the
# package (tower-http's `include_bytes!("../../../../README.md")`): the
# package's own README stands in for it, next to both columns.
if [ -f "$src/README.md" ] && [ ! -e "$work/README.md" ]; then
    cp "$src/README.md" "$work/README.md"
fi

# 3. run
columns="reference tern"
case "${CRATE_TESTS_ONLY:-}" in
    tern) columns=tern ;;
    reference) columns=reference ;;
esac
for col in $columns; do
    echo "== $crate $version on ${col/reference/Tokio}: cargo test --no-fail-fast $*"
    rc=0
    (cd "$work/$col" && CARGO_TARGET_DIR="$work/target-$col" cargo test --no-fail-fast "$@" \
        > "$work/$col.log" 2>&1) || rc=$?
    echo "$rc" > "$work/$col.rc"
    if [ "$col" = tern ] && ! (cd "$work/tern" && cargo tree -q -i tokio -e normal,dev "$@" 2>/dev/null | head -1 | grep -q compat/tokio); then
        echo "the patch was not used: tokio is not the drop-in crate in the tern column" >&2
        exit 1
    fi
done

if [ "${CRATE_TESTS_KEEP:-0}" != 1 ]; then
    rm -rf "$work/target-reference" "$work/target-tern"
fi

python3 - "$work" "$columns" <<'PY'
import os, re, sys
work, columns = sys.argv[1], sys.argv[2].split()
def results(col):
    res = {}
    if col not in columns:
        return res
    binary = "?"
    for line in open(f"{work}/{col}.log", errors="replace"):
        m = re.match(r"\s+Running (?:unittests )?(\S+)", line)
        if m:
            binary = m[1]
        # "test NAME - should panic ... ok" for #[should_panic] tests
        m = re.match(r"test (\S+)(?: - should panic)? \.\.\. (ok|FAILED|ignored)", line)
        if m:
            res[f"{binary}::{m[1]}"] = m[2]
    return res
ref, tern = results("reference"), results("tern")
for name, col, r in (("Tokio", "reference", ref), ("tern", "tern", tern)):
    if col not in columns:
        continue
    c = {k: sum(v == k for v in r.values()) for k in ("ok", "FAILED", "ignored")}
    print(f"{name}: passed {c['ok']}, failed {c['FAILED']}, ignored {c['ignored']}")
if columns == ["reference", "tern"]:
    worse = sorted(t for t, v in ref.items() if v == "ok" and tern.get(t) != "ok")
    print(f"passing on Tokio, not on tern: {len(worse)}")
    for t in worse:
        print(f"  {t}: {tern.get(t, 'not run (build failed?)')}")
elif columns == ["tern"]:
    for t in sorted(t for t, v in tern.items() if v == "FAILED"):
        print(f"  failed: {t}")
print("logs: " + ", ".join(f"{work}/{c}.log" for c in columns))
crashed = [l.strip() for l in open(f"{work}/tern.log", errors="replace")
           if "process didn't exit successfully" in l and "signal" in l] if "tern" in columns else []
for c in crashed:
    print(f"  crashed on tern: {c}")
if columns == ["tern"]:
    failed = sum(v == "FAILED" for v in tern.values())
    rc = open(f"{work}/tern.rc").read().strip()
    if failed or not tern or rc != "0":
        sys.exit(f"{failed} failed on tern, cargo test exited {rc}" if tern else "no test ran on tern (build failed?)")
PY
