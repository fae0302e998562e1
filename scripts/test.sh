#!/usr/bin/env bash
# Runs every test of the project: the Rust workspace (unit, integration, doc tests, the shared
# corpus), compiles the benches, and runs the Python, Node and gateway SDK suites when their
# crates are present. Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo test (workspace)"
cargo test --workspace --exclude promptguard-py --exclude promptguard-node 2>&1 | tee /tmp/promptguard-cargo-test.log
echo "== benches compile"
cargo bench -p promptguard-benches --no-run

for suite in promptguard-py/scripts/test.sh promptguard-node/scripts/test.sh promptguard-proxy/scripts/test-sdk.sh; do
  if [ -f "$suite" ]; then
    echo "== $suite"
    bash "$suite"
  fi
done
echo "== all tests passed"
