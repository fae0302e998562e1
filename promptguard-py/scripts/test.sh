#!/usr/bin/env bash
# Builds promptguard-py from source into a fresh virtualenv (the way a user installs it: one
# `pip install`, maturin as the PEP 517 backend; plus pytest, mypy and the openai SDK that the
# OpenAI example test drives against a local fake server) and runs its checks:
#   1. python -m mypy.stubtest promptguard   the hand-written .pyi match the native module
#   2. mypy --strict on the tests and examples (the stubs are usable as typed API)
#   3. pytest promptguard-py/tests           the shared corpus + the binding's own tests
# Exits non-zero on the first failure.
#
# usage: promptguard-py/scripts/test.sh [extra pytest args]
# env:   PYTHON (default python3)   KEEP_VENV=1 keeps the temp dir   CARGO_TARGET_DIR is honoured
#        PROMPTGUARD_BUILD_PROFILE=dev|release (default release)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROOT=$(cd "$HERE/.." && pwd)
PYTHON=${PYTHON:-python3}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/promptguard-py-test.XXXXXX")
cleanup() {
  if [ "${KEEP_VENV:-0}" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

t0=$(date +%s)
step() { echo "== [$(( $(date +%s) - t0 ))s] $*"; }

step "fresh venv in $WORK ($("$PYTHON" --version))"
"$PYTHON" -m venv "$WORK/venv"
VPY="$WORK/venv/bin/python"
"$VPY" -m pip install -q --disable-pip-version-check --upgrade pip

# PROMPTGUARD_BUILD_PROFILE (release by default, as for users; scripts/test.sh sets dev) picks
# the cargo profile maturin builds the extension with; CARGO_BUILD_TARGET (scripts/test.sh sets it)
# the target triple, so that the build lands beside the workspace's.
step "pip install $HERE (builds the Rust extension with maturin, profile ${PROMPTGUARD_BUILD_PROFILE:-release})"
MATURIN_PEP517_ARGS="--profile ${PROMPTGUARD_BUILD_PROFILE:-release}${CARGO_BUILD_TARGET:+ --target $CARGO_BUILD_TARGET}" \
  "$VPY" -m pip install -q --disable-pip-version-check "$HERE" pytest mypy openai

# Run from the temp dir so that `import promptguard` is the installed wheel, not the source tree.
cd "$WORK"
"$VPY" -c 'import promptguard, sys; print("installed promptguard", promptguard.__version__, "from", promptguard.__file__)'

step "mypy.stubtest promptguard"
ALLOWLIST=()
if [ -f "$HERE/stubtest-allowlist.txt" ]; then ALLOWLIST=(--allowlist "$HERE/stubtest-allowlist.txt"); fi
"$VPY" -m mypy.stubtest promptguard "${ALLOWLIST[@]}"

step "mypy --strict tests and examples"
"$VPY" -m mypy --config-file "$HERE/pyproject.toml" --cache-dir "$WORK/.mypy_cache" \
  "$HERE/tests" "$ROOT/examples/python"

step "pytest"
"$VPY" -m pytest -q -p no:cacheprovider --rootdir "$HERE" "$HERE/tests" "$@"

step "all Python checks passed"
