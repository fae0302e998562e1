#!/usr/bin/env bash
# Builds and tests the Node binding (npm package `promptguard`):
#   npm install (devDependencies incl. @napi-rs/cli and typescript, from package-lock.json)
#   -> release build of the addon with `napi build` (regenerates native.js / native.d.ts and
#      fails if they differ from the committed ones)
#   -> tsc --noEmit on the typed example -> node --test __test__/ -> the examples' tests.
# Exits non-zero on any failure. Honours CARGO_TARGET_DIR.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
started=$(date +%s)

echo "== npm install (promptguard-node, from package-lock.json)"
# `npm install`, not `npm ci`: npm 11 leaves @napi-rs/cli's optional per-platform packages out
# of the lock file and `npm ci` then refuses it; `npm install` follows the lock all the same.
npm install --ignore-scripts --no-audit --no-fund

# PROMPTGUARD_BUILD_PROFILE=dev (scripts/test.sh sets it) builds the addon without --release.
if [ "${PROMPTGUARD_BUILD_PROFILE:-release}" = dev ]; then build_script=build:debug; else build_script=build; fi
echo "== napi $build_script"
committed="$(mktemp -d)"
trap 'rm -rf "$committed"' EXIT
cp native.js native.d.ts "$committed/"
npm run --silent "$build_script"
for f in native.js native.d.ts; do
  if ! cmp -s "$f" "$committed/$f"; then
    diff -u "$committed/$f" "$f" | head -40 || true
    echo "error: $f is out of date with src/*.rs; commit the regenerated $f" >&2
    exit 1
  fi
done

echo "== tsc --noEmit"
npx --no-install tsc --noEmit -p tsconfig.json

echo "== node --test (promptguard-node)"
node --test __test__/

echo "== examples/node"
cd "$here/../examples/node"
npm ci --no-audit --no-fund
node --test test/

echo "promptguard-node: all checks passed in $(( $(date +%s) - started ))s"
