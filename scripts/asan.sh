#!/usr/bin/env bash
# The task, queue, time and net stress tests under AddressSanitizer.
#
#   scripts/asan.sh            # the default set below
#   scripts/asan.sh net_many   # other test targets of the tern crate
#
# Uses the stable toolchain with RUSTC_BOOTSTRAP=1 (sanitizers are a nightly
# flag); `--target` keeps the flag off proc macros and build scripts. Its own
# target dir, so the normal build is not invalidated. Exits non-zero on any
# report.
set -euo pipefail
cd "$(dirname "$0")/.."

tests=("$@")
if [ ${#tests[@]} -eq 0 ]; then
    tests=(time_stress rt_multi_thread rt_current_thread rt_current_thread_context rt_current_thread_yield
        task_join_set task_local_set task_block_in_place net_tcp net_tcp_socket net_tcp_registration sync_mpsc sync_broadcast)
fi
args=()
for t in "${tests[@]}"; do
    args+=(--test "$t")
done

target="$(rustc -vV | sed -n 's/^host: //p')"
export RUSTC_BOOTSTRAP=1
export RUSTFLAGS="-Zsanitizer=address"
export RUSTDOCFLAGS="-Zsanitizer=address"
export ASAN_OPTIONS="detect_leaks=0:${ASAN_OPTIONS:-}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target/asan}"
export TERN_STRESS_TICKS="${TERN_STRESS_TICKS:-20000}"
cargo test -p tern --features full --target "$target" "${args[@]}"
