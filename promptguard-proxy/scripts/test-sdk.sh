#!/usr/bin/env bash
# The gateway driven by the official `openai` and `anthropic` Python SDKs (tests/sdk/test_sdk.py).
# Creates a venv (default /tmp/promptguard-sdk-venv), installs the SDKs and pytest from PyPI,
# builds the binary unless PROMPTGUARD_BIN is set, and runs pytest.
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV=${PROMPTGUARD_SDK_VENV:-/tmp/promptguard-sdk-venv}
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install -q --disable-pip-version-check openai anthropic pytest
if [ -z "${PROMPTGUARD_BIN:-}" ]; then
  cargo build -q -p promptguard-proxy
  PROMPTGUARD_BIN="$(cargo metadata --format-version 1 --no-deps | "$VENV/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/debug/promptguard"
fi
export PROMPTGUARD_BIN
echo "SDK tests against $PROMPTGUARD_BIN"
"$VENV/bin/python" -m pytest promptguard-proxy/tests/sdk -q -p no:cacheprovider
