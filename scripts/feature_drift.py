#!/usr/bin/env python3
"""Lists the dependencies of promptguard-core whose features differ between the workspace build
and a binding's own build, i.e. what build-features/Cargo.toml must ask for so that maturin's and
napi's builds reuse the workspace's compiled dependencies (that file says why). Prints nothing
and exits 0 when they agree.

usage: python3 scripts/feature_drift.py

It compares `cargo tree` feature lists, which does not show one more cause of a rebuild: a crate
that the workspace uses both at run time and from a proc-macro is compiled once there, but only
for the host in a binding's build (fnv and strsim were such; build-features lists them as
run-time dependencies). scripts/test.sh checks the outcome itself (the promptguard-core build id).
"""
import subprocess
import sys

WORKSPACE = ["--workspace", "--exclude", "promptguard-py", "--exclude", "promptguard-node"]
BINDINGS = ["promptguard-py", "promptguard-node"]


def features(selection: list[str], edges: str) -> dict[str, set[str]]:
    out = subprocess.run(
        ["cargo", "tree", *selection, "-e", edges, "--prefix", "none", "-f", "{p}|{f}"],
        check=True, capture_output=True, text=True,
    ).stdout
    found: dict[str, set[str]] = {}
    for line in out.splitlines():
        if "|" not in line:
            continue
        package, feats = line.replace(" (*)", "").replace(" (proc-macro)", "").split("|", 1)
        found.setdefault(package.strip(), set()).add(feats.strip())
    return found


def main() -> int:
    workspace = features(WORKSPACE, "normal,build,dev")
    # Only the engine's dependencies are shared with the workspace build; the bindings' own
    # (pyo3, napi and theirs) are compiled for them alone whatever their features.
    shared = set(features(["-p", "promptguard-core"], "normal,build"))
    drift = 0
    for binding in BINDINGS:
        for package, feats in sorted(features(["-p", binding], "normal,build").items()):
            if package in shared and feats != workspace[package]:
                drift += 1
                print(f"{binding}: {package}\n  binding:   {sorted(feats)}\n  workspace: {sorted(workspace[package])}")
    return 1 if drift else 0


if __name__ == "__main__":
    sys.exit(main())
