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
export PROMPTGUARD_BIN="${PROMPTGUARD_BIN:-$(pwd)/${CARGO_TARGET_DIR:-target}/debug/promptguard}"

for suite in promptguard-py/scripts/test.sh promptguard-node/scripts/test.sh promptguard-proxy/scripts/test-sdk.sh; do
  if [ -f "$suite" ]; then
    echo "== $suite"
    bash "$suite"
  fi
done
echo "== all tests passed"
