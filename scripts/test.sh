#!/usr/bin/env bash
# Runs every test of the project: the Rust workspace (unit, integration, doc tests, the shared
# corpus), compiles the benches, and runs the Python, Node and gateway SDK suites when their
# crates are present. Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."

# The binding suites build their native modules in the same profile as `cargo test` (dev, with
# dependencies optimised: see Cargo.toml), so that tract and the rest are compiled once, not once
# per profile. Set PROMPTGUARD_BUILD_PROFILE=release to test release builds.
export PROMPTGUARD_BUILD_PROFILE="${PROMPTGUARD_BUILD_PROFILE:-dev}"
# Every build below names the target triple: napi always passes `--target`, and cargo keeps such
# builds in target/<triple>/, apart from plain ones, so without it the Node addon would compile
# every dependency again. With CARGO_BUILD_TARGET set, cargo, maturin and napi build in one place
# and share one set of compiled dependencies (build-features/Cargo.toml keeps their features equal).
export CARGO_BUILD_TARGET="${CARGO_BUILD_TARGET:-$(rustc -vV | sed -n 's/^host: //p')}"

echo "== cargo test (workspace)"
cargo test --workspace --exclude promptguard-py --exclude promptguard-node 2>&1 | tee /tmp/promptguard-cargo-test.log
echo "== benches (each benchmark run once, as a test)"
# Same package selection as above, so cargo reuses every artifact: another selection (`-p
# promptguard-benches`) unifies dependency features differently and rebuilds them all, and
# `cargo bench` builds with thin LTO. (`--benches` also reruns the library unit tests, which have
# `bench = true`; `--bench '*'` avoids that but resolves features differently and rebuilds tract.)
# Measuring is `cargo bench -p promptguard-benches`.
cargo test --workspace --exclude promptguard-py --exclude promptguard-node --benches

# The gateway's SDK suite drives the binary cargo test built above (a `-p promptguard-proxy`
# build would recompile the dependencies for the same reason).
export PROMPTGUARD_BIN="${PROMPTGUARD_BIN:-$(pwd)/${CARGO_TARGET_DIR:-target}/$CARGO_BUILD_TARGET/debug/promptguard}"

# The binding suites build their own crates (maturin: `-p promptguard-py`, napi: `-p
# promptguard-node`). Those builds reuse the dependencies compiled above only while every shared
# dependency gets the same features (build-features/Cargo.toml says why); otherwise tract and the
# rest are compiled twice more. Say so loudly when a dependency update broke that.
core_build_id() {
  cargo "$@" --message-format=json 2>/dev/null | python3 -c '
import json, sys
found = "none"
for line in sys.stdin:
    m = json.loads(line) if line.startswith("{") else {}
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "promptguard_core" and not m["profile"]["test"]:
        found = m["filenames"][0].rsplit("-", 1)[-1]
print(found)'  # reads to the end: closing the pipe early would fail cargo (and set -e)
}
workspace_core=$(core_build_id test --workspace --exclude promptguard-py --exclude promptguard-node --no-run)
for binding in promptguard-py promptguard-node; do
  binding_core=$(core_build_id build -p "$binding")
  if [ "$binding_core" != "$workspace_core" ]; then
    echo "WARNING: $binding builds promptguard-core and its dependencies again ($binding_core, not $workspace_core):"
    echo "WARNING: a dependency's features differ for it; update build-features/Cargo.toml (see there)."
  fi
done

for suite in promptguard-py/scripts/test.sh promptguard-node/scripts/test.sh promptguard-proxy/scripts/test-sdk.sh; do
  if [ -f "$suite" ]; then
    echo "== $suite"
    bash "$suite"
  fi
done
echo "== all tests passed"
