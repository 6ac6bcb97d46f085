#!/usr/bin/env python3
"""Helper of scripts/tokio-tests.sh (see that script's header for the whole picture).

Subcommands:
  select    which of Tokio's test files to build, which to skip and why
  manifest  write the Cargo.toml of one temporary test crate
  build     read `cargo build --test '*' --message-format=json` on stdin: print
            progress, keep each target's compiler output, list the binaries
  report    read the logs of both columns and print the table and the totals

Only the standard library is used.
"""

import argparse
import fnmatch
import json
import os
import re
import sys

# Sub-features of Tokio's `full`; the test crates declare them so that the
# test files' `#[cfg(feature = "...")]` see what Tokio's own CI sees.
FULL = ["fs", "io-util", "io-std", "macros", "net", "parking_lot", "process",
        "rt", "rt-multi-thread", "signal", "sync", "time"]
ENABLED = set(FULL) | {"full", "test-util"}

# Files whose cfg is true here but that do not test Tokio's public API.
EXPLICIT_SKIPS = {
    "rt_unstable_eager_driver_handoff":
        "asserts that Tokio's scheduler deadlocks without an unstable "
        "builder option: a property of Tokio's implementation",
}

# Tests of the reference that fail for a reason of this environment.
KNOWN_FAILURES = {
    "fs_try_exists::try_exists": "expects PermissionDenied, which root never gets",
}

# Tried in order on a file whose crate-level cfg is false: the first set of
# extra cfg atoms that makes it true names the reason it is skipped.
REASONS = [
    ({"tokio_unstable"}, "needs --cfg tokio_unstable"),
    ({"tokio_unstable", "feature=tracing"}, "needs tokio_unstable + tracing"),
    ({"tokio_unstable", "tokio_taskdump", "feature=taskdump"},
     "needs tokio_unstable + tokio_taskdump"),
    ({"tokio_unstable", "feature=io-uring"}, "needs io-uring (tokio_unstable)"),
    ({"tokio_unstable", "feature=schedule-latency"},
     "needs tokio_unstable + schedule-latency"),
    ({"windows", "target_os=windows", "target_family=windows"}, "Windows only"),
    ({"target_os=emscripten", "target_family=wasm", "target_arch=wasm32"},
     "wasm/emscripten only"),
    ({"target_os=emscripten", "target_family=wasm", "target_arch=wasm32",
      "target_feature=atomics"}, "wasm/emscripten only"),
    ({"target_os=wasi", "target_family=wasm", "target_arch=wasm32"}, "WASI only"),
    ({"target_os=unknown", "target_family=wasm", "target_arch=wasm32"}, "wasm only"),
]


# ---------------------------------------------------------------- select --

def crate_cfgs(text):
    """The `#![cfg(...)]` predicates at the top of a file (before any item)."""
    cfgs, i, n = [], 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
        elif text.startswith("//", i):
            i = text.find("\n", i) if text.find("\n", i) >= 0 else n
        elif text.startswith("/*", i):
            i = text.find("*/", i) + 2 if text.find("*/", i) >= 0 else n
        elif text.startswith("#![", i):
            depth, j = 0, i + 2
            while j < n:
                depth += {"[": 1, "]": -1}.get(text[j], 0)
                j += 1
                if depth == 0:
                    break
            attr = re.sub(r"//[^\n]*", "", text[i + 3:j - 1]).strip()
            if attr.startswith("cfg(") and attr.endswith(")"):
                cfgs.append(attr[4:-1])
            i = j
        else:
            break
    return cfgs


TOKEN = re.compile(r'\s*(?:([A-Za-z_][A-Za-z0-9_]*)|("(?:[^"\\]|\\.)*")|([(),=]))')


def eval_cfg(expr, truths):
    """Evaluate a cfg predicate; `truths` holds `name` and `key=value` atoms."""
    toks, pos = [], 0
    expr = expr.strip()
    while pos < len(expr):
        m = TOKEN.match(expr, pos)
        if not m or m.end() == pos:
            raise ValueError("cannot parse cfg: " + expr)
        toks.append(m.group(1) or m.group(2) or m.group(3))
        pos = m.end()
        while pos < len(expr) and expr[pos].isspace():
            pos += 1

    def pred(k):
        name = toks[k]
        if name in ("all", "any", "not") and k + 1 < len(toks) and toks[k + 1] == "(":
            vals, k = [], k + 2
            while toks[k] != ")":
                v, k = pred(k)
                vals.append(v)
                if toks[k] == ",":
                    k += 1
            k += 1
            if name == "all":
                return all(vals), k
            if name == "any":
                return any(vals), k
            return not vals[0], k
        if k + 1 < len(toks) and toks[k + 1] == "=":
            return f"{name}={toks[k + 2][1:-1]}" in truths, k + 3
        return name in truths, k + 1

    value, end = pred(0)
    if end != len(toks):
        raise ValueError("trailing tokens in cfg: " + expr)
    return value


def host_truths(rustc_cfg):
    truths = {f"feature={f}" for f in ENABLED}
    for line in rustc_cfg.splitlines():
        line = line.strip()
        if line:
            truths.add(line.replace('"', ""))
    return truths


def cmd_select(a):
    tests = os.path.join(a.tokio_src, "tests")
    stems = sorted(f[:-3] for f in os.listdir(tests) if f.endswith(".rs"))
    if a.globs:
        stems = [s for s in stems
                 if any(fnmatch.fnmatch(s, g) or fnmatch.fnmatch(s + ".rs", g) for g in a.globs)]
    with open(a.rustc_cfg) as f:
        truths = host_truths(f.read())
    for stem in stems:
        with open(os.path.join(tests, stem + ".rs")) as f:
            cfgs = crate_cfgs(f.read())
        reason = EXPLICIT_SKIPS.get(stem)
        if reason is None and not all(eval_cfg(c, truths) for c in cfgs):
            reason = "cfg false here: " + " + ".join(" ".join(c.split()) for c in cfgs)
            for extra, why in REASONS:
                if all(eval_cfg(c, truths | extra) for c in cfgs):
                    reason = why
                    break
            else:
                oses = sorted(set(re.findall(r'target_os\s*=\s*"(\w+)"', " ".join(cfgs))))
                oses = [o for o in oses if all(eval_cfg(c, truths | {"target_os=" + o}) for c in cfgs)]
                if oses:
                    reason = "not on this platform (only " + ", ".join(oses) + ")"
        print(f"{stem}\t{'skip' if reason else 'run'}\t{reason or ''}")


# -------------------------------------------------------------- manifest --

def cmd_manifest(a):
    tests = os.path.join(a.tokio_src, "tests")
    features = set()
    for f in os.listdir(tests):
        if f.endswith(".rs"):
            with open(os.path.join(tests, f)) as fh:
                features |= set(re.findall(r'feature\s*=\s*"([A-Za-z0-9_-]+)"', fh.read()))
    features -= {"full", "atomics"}  # `atomics` is a target_feature, not ours
    feat_lines = ['default = ["full", "test-util"]',
                  "full = [" + ", ".join(f'"{f}"' for f in FULL) + "]"]
    feat_lines += [f'{f} = []' for f in sorted(features | set(FULL) | {"test-util"})]
    tokio_features = '["full", "test-util"]'
    patch = ""
    if a.kind == "reference":
        tokio = f'{{ version = "={a.tokio_version}", features = {tokio_features} }}'
    elif a.kind == "tern":
        tokio = f'{{ package = "tern", path = "{a.tern}", features = {tokio_features} }}'
    else:
        tokio = f'{{ version = "1", features = {tokio_features} }}'
        patch = f'\n[patch.crates-io]\ntokio = {{ path = "{a.shim}" }}\n'
    targets = "".join(
        f'\n[[test]]\nname = "{s}"\npath = "{os.path.join(tests, s + ".rs")}"\nharness = true\n'
        for s in a.files)
    # Dev-dependencies as in Tokio's Cargo.toml, the test-only ones pinned to
    # the versions this was written against (shared ones like `bytes` and
    # `libc` follow the runtimes), plus `bytes` and `pin-project-lite`, which
    # Tokio's tests reach as dependencies of Tokio itself.
    manifest = f"""# Generated by scripts/tokio-tests.sh: Tokio's integration tests, unmodified.
[package]
name = "tokio-tests-{a.kind}"
version = "0.0.0"
edition = "2021"
publish = false
autotests = false

[workspace]

[features]
{chr(10).join(feat_lines)}

[dependencies]
tokio = {tokio}

[dev-dependencies]
async-stream = "=0.3.6"
bytes = "1"
futures = {{ version = "=0.3.34", features = ["async-await"] }}
futures-concurrency = "=7.7.1"
futures-test = "=0.3.34"
mockall = "=0.13.1"
pin-project-lite = "0.2"
tokio-stream = "=0.1.19"
tokio-test = "=0.4.6"
rand = "=0.9.5"
proptest = "=1.12.0"
socket2 = {{ version = "0.6.3", features = ["all"] }}
tempfile = "=3.27.0"

[target.'cfg(unix)'.dev-dependencies]
libc = "0.2.168"
nix = {{ version = "=0.31.4", default-features = false, features = ["aio", "fs", "socket"] }}

[lints.rust]
unexpected_cfgs = "allow"
{patch}{targets}"""
    os.makedirs(os.path.join(a.out, "src"), exist_ok=True)
    with open(os.path.join(a.out, "Cargo.toml"), "w") as f:
        f.write(manifest)
    with open(os.path.join(a.out, "src", "lib.rs"), "w") as f:
        f.write("//! Empty: this crate only carries Tokio's test files as [[test]] targets.\n")


# ----------------------------------------------------------------- build --

def cmd_build(a):
    os.makedirs(a.logs, exist_ok=True)
    built, failed, failed_deps, deps = {}, set(), set(), 0
    logs = {}

    def log(name, text):
        if name not in logs:
            logs[name] = open(os.path.join(a.logs, name + ".build.log"), "w")
        logs[name].write(text)

    for line in sys.stdin:
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        reason, target = msg.get("reason"), msg.get("target") or {}
        is_test = "test" in target.get("kind", []) and msg.get("manifest_path") == a.manifest
        if reason == "compiler-message":
            m = msg["message"]
            name = target.get("name", "?") if is_test else "_deps"
            log(name, m.get("rendered") or m.get("message", "") + "\n")
            if m.get("level") != "error" or m["message"].startswith("aborting"):
                continue
            if not is_test:
                if target.get("name") not in failed_deps:
                    failed_deps.add(target.get("name", "?"))
                    print(f"[{a.label}] a dependency does not compile: {target.get('name')}", file=sys.stderr)
            elif name not in failed:
                failed.add(name)
                print(f"[{a.label}] {len(built) + len(failed)}/{a.total} does not compile: {name}",
                      file=sys.stderr)
        elif reason == "compiler-artifact":
            if is_test and msg.get("executable"):
                built[target["name"]] = msg["executable"]
                print(f"[{a.label}] {len(built) + len(failed)}/{a.total} built {target['name']}",
                      file=sys.stderr)
            elif not is_test and not msg.get("fresh"):
                deps += 1
                if deps % 25 == 0:
                    print(f"[{a.label}] {deps} dependencies built", file=sys.stderr)
        elif reason == "build-finished":
            print(f"[{a.label}] build finished: {len(built)} binaries, {len(failed)} files do not compile"
                  + (f", dependencies that do not compile: {', '.join(sorted(failed_deps))}"
                     if failed_deps else ""), file=sys.stderr)
    with open(os.path.join(a.logs, "_deps.failed"), "w") as f:
        f.write("".join(d + "\n" for d in sorted(failed_deps)))
    for fh in logs.values():
        fh.close()
    with open(a.exes, "w") as f:
        for name, exe in sorted(built.items()):
            f.write(f"{name}\t{exe}\n")


# ---------------------------------------------------------------- report --

RESULT = re.compile(r"^test (.+?) \.\.\. (ok|FAILED|ignored)\b")
ERROR = re.compile(r"^error(\[E\d+\])?: (.*)$", re.M)


def compile_failure(logdir, stem):
    """A short label for why a file did not compile."""
    path = os.path.join(logdir, stem + ".build.log")
    if not os.path.exists(path):
        deps = os.path.join(logdir, "_deps.failed")
        if os.path.exists(deps) and open(deps).read().split():
            return ("dependencies do not compile: " + ", ".join(open(deps).read().split())
                    + " (see _deps.build.log)")
        return "not built (see the cargo output)"
    text = open(path).read()
    errors = [m for m in ERROR.finditer(text) if not m.group(2).startswith(("aborting", "could not compile"))]
    if not errors:
        return "not built"
    first = f"{len(errors)} error{'s' if len(errors) != 1 else ''}; first: {(errors[0].group(1) or '')} {errors[0].group(2)}".replace("  ", " ")
    if "macros::support" in text:
        first = "uses Tokio's internal tokio::macros::support; " + first
    mixed = two_tokio_errors(text)
    if mixed:
        first = f"TWO COPIES OF TOKIO ({mixed} errors where tokio-test/tokio-stream types meet tern's); " + first
    return first[:220]


def two_tokio_errors(build_log):
    """How many errors come from mixing tern's types and traits with the real
    Tokio's (which tokio-test and tokio-stream depend on)."""
    n = 0
    for block in re.split(r"\n(?=error)", build_log):
        if not block.startswith("error"):
            continue
        # Diagnostic lines, not the quoted source (which has a `|` gutter).
        lines = [l for l in block.splitlines() if not re.match(r"^\s*(\d+\s*)?\|", l)]
        text = "\n".join(lines)
        if (re.search(r"similarly named trait `tokio::", text)
                or re.search(r"(multiple|two) different versions of crate `tokio`", text)
                or (re.search(r"`[^`]*\btern::[^`]*`", text) and re.search(r"`[^`]*\btokio::[a-z_]+::[a-z_]+::[^`]*`", text))):
            n += 1
    return n


def frequent_errors(logdir, stems, top=20):
    """The error headlines shared by most of the files that did not compile."""
    files = {}
    for stem in stems:
        path = os.path.join(logdir, stem + ".build.log")
        if os.path.exists(path):
            seen = {f"{m.group(1) or ''} {m.group(2)}".strip()
                    for m in ERROR.finditer(open(path).read())
                    if not m.group(2).startswith(("aborting", "could not compile"))}
            for headline in seen:
                files[headline] = files.get(headline, 0) + 1
    ranked = sorted(files.items(), key=lambda kv: (-kv[1], kv[0]))
    return [(n, h) for h, n in ranked[:top]]


def file_result(coldir, stem, exes):
    """(compiles, {test: status}, note) of one file in one column."""
    if stem not in exes:
        return False, {}, compile_failure(os.path.join(coldir, "logs"), stem)
    base = os.path.join(coldir, "logs", stem)
    names = []
    if os.path.exists(base + ".list"):
        names = [l[:-len(": test")] for l in open(base + ".list").read().splitlines() if l.endswith(": test")]
    if not os.path.exists(base + ".rc"):
        return True, {}, "not run"
    rc = int(open(base + ".rc").read().strip() or "1")
    status = {}
    for line in open(base + ".run.log", errors="replace").read().splitlines():
        m = RESULT.match(line)
        if m:
            name = m.group(1).removesuffix(" - should panic")
            status[name] = {"ok": "ok", "FAILED": "failed", "ignored": "ignored"}[m.group(2)]
    note = ""
    missing = [n for n in names if n not in status]
    if rc == 124 or rc == 137:
        note = f"timed out; {len(missing)} tests unfinished (counted failed)"
    elif rc not in (0, 101):
        note = f"exit code {rc}; {len(missing)} tests unfinished (counted failed)"
    elif missing:
        note = f"{len(missing)} results not parsed"
    for n in missing:
        status[n] = "ok" if rc == 0 else "failed"
    known = [f"{n}: {KNOWN_FAILURES[f'{stem}::{n}']}" for n, s in sorted(status.items())
             if s == "failed" and f"{stem}::{n}" in KNOWN_FAILURES]
    if known:
        note = "; ".join(filter(None, [note, "known: " + "; ".join(known)]))
    if not names and not status:
        note = note or "0 tests in the binary (compile-time checks only, or all cfg'd out)"
    return True, status, note


REAL_TOKIO_USES = [
    (re.compile(r"tokio_test::io\b|tokio_test::\{[^}]*\bio\b|tokio_test::stream_mock|tokio_stream"),
     "uses tokio-test's io mocks or tokio-stream, which implement the real Tokio's traits"),
    (re.compile(r"tokio_test::block_on|use tokio_test::\{?[^;]*\bblock_on\b"),
     "runs futures in tokio_test::block_on, a real Tokio runtime"),
]


def real_tokio_uses(tokio_src, stem):
    """What a test file (with the support files it includes) takes from the
    real Tokio through tokio-test or tokio-stream."""
    if not tokio_src:
        return []
    tests = os.path.join(tokio_src, "tests")
    text = open(os.path.join(tests, stem + ".rs")).read()
    for inc in re.findall(r'#\[path\s*=\s*"([^"]+)"\]', text):
        if os.path.exists(os.path.join(tests, inc)):
            text += open(os.path.join(tests, inc)).read()
    return [why for pattern, why in REAL_TOKIO_USES if pattern.search(text)]


def counts(status):
    vals = list(status.values())
    return vals.count("ok"), vals.count("failed"), vals.count("ignored")


def cmd_report(a):
    cols = []
    for spec in a.col:
        label, coldir = spec.split("=", 1)
        exes = {}
        if os.path.exists(os.path.join(coldir, "exes.tsv")):
            for line in open(os.path.join(coldir, "exes.tsv")).read().splitlines():
                name, exe = line.split("\t", 1)
                exes[name] = exe
        cols.append((label, coldir, exes))
    selection = [l.split("\t") for l in open(a.selection).read().splitlines() if l]
    run = [s for s, what, _ in selection if what == "run"]
    skipped = [(s, why) for s, what, why in selection if what == "skip"]

    header = "| file |" + "".join(f" {l} compiles | {l} passed/failed/ignored |" for l, _, _ in cols)
    print(header)
    print("|---|" + "---|---|" * len(cols))
    totals = {l: {"files": 0, "ok": 0, "failed": 0, "ignored": 0, "passing": set(), "failing": set(),
                  "mixed": 0}
              for l, _, _ in cols}
    notes = []
    for stem in run:
        row = f"| {stem} |"
        for label, coldir, exes in cols:
            compiles, status, note = file_result(coldir, stem, exes)
            p, f, i = counts(status)
            t = totals[label]
            t["files"] += compiles
            t["ok"] += p
            t["failed"] += f
            t["ignored"] += i
            t["passing"] |= {f"{stem}::{n}" for n, s in status.items() if s == "ok"}
            t["failing"] |= {f"{stem}::{n}" for n, s in status.items() if s == "failed"}
            row += f" {'yes' if compiles else 'NO'} | {f'{p}/{f}/{i}' if compiles else '-'} |"
            if label != "tokio" and (not compiles or f) and not note.startswith("TWO COPIES"):
                note = "; ".join(filter(None, [note] + real_tokio_uses(a.tokio_src, stem)))
            if note:
                notes.append(f"- {label} {stem}: {note}")
            t["mixed"] += (not compiles) and ("TWO COPIES" in note or "real Tokio's traits" in note)
        print(row)
    print()
    if notes:
        print("Notes:")
        print("\n".join(notes))
        print()
    if skipped:
        print(f"Skipped ({len(skipped)} files, in neither column):")
        for stem, why in skipped:
            print(f"- {stem}: {why}")
        print()
    if len(cols) == 2:
        (ref, _, _), (other, _, _) = cols
        regressions = sorted(totals[ref]["passing"] & totals[other]["failing"])
        if regressions:
            print(f"Tests that pass on {ref} and fail on {other} ({len(regressions)}):")
            for name in regressions[:100]:
                print(f"- {name}")
            if len(regressions) > 100:
                print(f"- ... and {len(regressions) - 100} more")
            print()
    for label, coldir, exes in cols:
        frequent = frequent_errors(os.path.join(coldir, "logs"), [s for s in run if s not in exes])
        if frequent:
            print(f"Most frequent compile errors ({label}; number of files, error):")
            for n, headline in frequent:
                print(f"- {n:3} {headline}")
            print()
    for label, _, _ in cols:
        t = totals[label]
        print(f"{label}: files compiled {t['files']}/{len(run)}, tests passed {t['ok']}, "
              f"failed {t['failed']}, ignored {t['ignored']}"
              + (f" ({t['mixed']} of the files that do not compile mix in the real Tokio"
                 " through tokio-test/tokio-stream)"
                 if t["mixed"] else ""))
    if len(cols) == 2:
        (ref, _, _), (other, _, _) = cols
        base = totals[ref]["passing"]
        both = base & totals[other]["passing"]
        pct = 100.0 * len(both) / len(base) if base else 0.0
        print(f"{other} passes {len(both)} of the {len(base)} tests {ref} passes ({pct:.1f}%)")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("select")
    s.add_argument("--tokio-src", required=True)
    s.add_argument("--rustc-cfg", required=True, help="file with `rustc --print cfg` output")
    s.add_argument("globs", nargs="*")
    m = sub.add_parser("manifest")
    m.add_argument("--kind", choices=["reference", "tern", "shim"], required=True)
    m.add_argument("--tokio-src", required=True)
    m.add_argument("--tokio-version", required=True)
    m.add_argument("--tern")
    m.add_argument("--shim")
    m.add_argument("--out", required=True)
    m.add_argument("files", nargs="*")
    b = sub.add_parser("build")
    b.add_argument("--label", required=True)
    b.add_argument("--logs", required=True)
    b.add_argument("--exes", required=True)
    b.add_argument("--total", type=int, required=True)
    b.add_argument("--manifest", required=True, help="the test crate's Cargo.toml")
    r = sub.add_parser("report")
    r.add_argument("--selection", required=True)
    r.add_argument("--col", action="append", required=True, help="LABEL=DIR")
    r.add_argument("--tokio-src", help="to point out tests that use the real Tokio via tokio-test")
    a = p.parse_args()
    {"select": cmd_select, "manifest": cmd_manifest, "build": cmd_build, "report": cmd_report}[a.cmd](a)


if __name__ == "__main__":
    main()
