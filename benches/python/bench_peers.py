#!/usr/bin/env python3
"""promptguard's Python binding side by side with the offline Python peers, in one run.

Peers (installed by /work/shared/peers/bench_peers.sh setup into $PEERS_WORK, default
~/.cache/promptguard-peers):
  presidio_patterns          presidio-analyzer + anonymizer, regex recognizers only (blank spaCy)
  detect_secrets             Yelp detect-secrets with its default plugins
  presidio + detect-secrets  both over each text, as a pipeline would run them (sum of their times)
  llmguard_offline_pipeline  llm-guard scan_prompt: InvisibleText, BanSubstrings, Secrets, Anonymize
and promptguard:
  promptguard_scan           Engine(preset="default").scan, as shipped (ML tier in cascade), one text at a time
  promptguard_rules          the same with ml_mode="off": the rule tier alone, like the regex peers
  Engine.scan_many           the shipped engine over the whole corpus, parallel, GIL released

Every single-text measurement uses the peers' own harness (bench_scanners.py: 20-text warm-up,
perf_counter_ns around each call, one process per peer, detection rates per label) on the same
corpus (gen_corpus.py, 1,080 prompts). Each peer runs --repeat times, interleaved, and the median
texts/s is quoted; ratios are promptguard's median over the peer's median.

usage: python benches/python/bench_peers.py [--repeat 3] [--peers-work DIR] [--json OUT]
       (run with a Python that has promptguard installed: pip install ./promptguard-py)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Literal, cast

PEERS = [  # (name in bench_scanners.py, venv)
    ("presidio_patterns", "venv-presidio"),
    ("detect_secrets", "venv-ds"),
    ("llmguard_offline_pipeline", "venv-llmguard"),
]

# promptguard as shipped (ML cascade) and its rule tier alone, which is what the regex peers are.
PG_NAMES = {"cascade": "promptguard_scan", "off": "promptguard_rules"}

# promptguard findings → the harness's categories
INJECTION_TYPES = {"prompt_injection", "jailbreak", "tool_injection", "data_exfiltration"}
ENTITY_CATS = {"EMAIL": "email", "PHONE": "phone", "SSN": "ssn", "CREDIT_CARD": "credit_card", "IBAN": "iban"}


def promptguard_adapter(ml_mode: str = "cascade") -> Any:
    import promptguard

    mode = cast(Literal["off", "cascade", "always"], ml_mode)
    engine = promptguard.Engine(preset="default", ml_mode=mode)

    def scan(text: str) -> set[str]:
        d = engine.scan(text)
        if d.decision == "allow":
            return set()
        out = set()
        for t in d.threats:
            if t.type in INJECTION_TYPES:
                out.add("injection")
            elif t.type == "pii":
                out.add(ENTITY_CATS.get(t.entity or "", "other"))
            elif t.type == "secret":
                out.add("secret")
            elif t.type == "toxicity":
                out.add("toxic")
            elif t.type == "malware":
                out.add("malware")
            else:
                out.add("other")
        return out

    return scan


def run_promptguard_in_harness(peers_work: Path, out: Path, ml_mode: str) -> None:
    """Child mode: run Engine.scan inside the peers' harness (same timing code)."""
    sys.path.insert(0, str(peers_work))
    import bench_scanners  # type: ignore[import-not-found]

    name = PG_NAMES[ml_mode]
    bench_scanners.PEERS[name] = lambda: promptguard_adapter(ml_mode)
    sys.argv = ["bench_scanners.py", name, "--corpus", str(peers_work / "corpus.jsonl"), "--out", str(out)]
    bench_scanners.main()


def scan_many_throughput(peers_work: Path) -> dict[str, Any]:
    import promptguard

    texts = [json.loads(line)["text"] for line in open(peers_work / "corpus.jsonl", encoding="utf-8")]
    engine = promptguard.Engine(preset="default")
    engine.scan_many(texts[:50])  # warm-up
    t0 = time.perf_counter()
    decisions = engine.scan_many(texts)
    wall = time.perf_counter() - t0
    assert len(decisions) == len(texts)
    return {"peer": "promptguard_scan_many", "n": len(texts), "wall_s": round(wall, 3),
            "texts_per_s": round(len(texts) / wall, 1), "threads": os.cpu_count()}


def run_child(cmd: list[str], name: str, out: Path) -> dict[str, Any] | None:
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false",
               PYTHONWARNINGS="ignore")
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900)
    result = out / f"{name}.json"
    if proc.returncode != 0 or not result.exists():
        print(f"  {name}: FAILED (exit {proc.returncode})\n{proc.stderr[-2000:]}", file=sys.stderr)
        return None
    data: dict[str, Any] = json.loads(result.read_text())
    result.unlink()
    return data


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--peers-work", type=Path,
                    default=Path(os.environ.get("PEERS_WORK", Path.home() / ".cache" / "promptguard-peers")))
    ap.add_argument("--json", type=Path, help="write all runs and the summary here")
    ap.add_argument("--child", choices=["promptguard"], help=argparse.SUPPRESS)
    ap.add_argument("--ml-mode", choices=sorted(PG_NAMES), default="cascade", help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    a = ap.parse_args()
    pw = a.peers_work.expanduser()
    if a.child == "promptguard":
        run_promptguard_in_harness(pw, a.out, a.ml_mode)
        return 0

    peers = [(n, v) for n, v in PEERS if (pw / v / "bin" / "python").exists()]
    if not peers or not (pw / "corpus.jsonl").exists() or not (pw / "bench_scanners.py").exists():
        print(f"peers are not installed under {pw} (no peer venv, corpus or harness); run\n"
              "  /work/shared/peers/bench_peers.sh setup   (and `scanners` once, or gen_corpus.py)", file=sys.stderr)
        return 2
    for name, venv in sorted(set(PEERS) - set(peers)):
        print(f"note: {name} skipped ({pw / venv} is not installed)", file=sys.stderr)
    import promptguard

    print(f"promptguard {promptguard.__version__} ({promptguard.__file__}), python {sys.version.split()[0]}")
    print(f"corpus: {pw / 'corpus.jsonl'}; repeats: {a.repeat}; cpus: {os.cpu_count()}; "
          f"loadavg before: {os.getloadavg()[0]:.2f}")
    runs: dict[str, list[dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        for r in range(a.repeat):
            jobs = [(name, [sys.executable, __file__, "--child", "promptguard", "--ml-mode", mode,
                            "--peers-work", str(pw), "--out", str(out)]) for mode, name in PG_NAMES.items()]
            jobs += [(name, [str(pw / venv / "bin" / "python"), str(pw / "bench_scanners.py"), name,
                             "--corpus", str(pw / "corpus.jsonl"), "--out", str(out)]) for name, venv in peers]
            for name, cmd in jobs:
                res = run_child(cmd, name, out)
                if res:
                    runs.setdefault(name, []).append(res)
                    print(f"  run {r + 1}: {name:28s} {res['texts_per_s']:9.1f} texts/s  p50 {res['p50_ms']:.3f} ms")
            many = scan_many_throughput(pw)
            runs.setdefault("promptguard_scan_many", []).append(many)
            print(f"  run {r + 1}: {'promptguard_scan_many':28s} {many['texts_per_s']:9.1f} texts/s")

    def med(name: str, key: str) -> float:
        return statistics.median(x[key] for x in runs[name]) if runs.get(name) else float("nan")

    # presidio + detect-secrets as one pipeline: their per-corpus times add up.
    if runs.get("presidio_patterns") and runs.get("detect_secrets"):
        combo = []
        for p, d in zip(runs["presidio_patterns"], runs["detect_secrets"]):
            per_text_s = p["wall_s"] / p["n"] + d["wall_s"] / d["n"]
            combo.append({"texts_per_s": round(1 / per_text_s, 1), "p50_ms": p["p50_ms"] + d["p50_ms"],
                          "p99_ms": float("nan")})
        runs["presidio+detect_secrets"] = combo

    pg = med("promptguard_scan", "texts_per_s")
    pg_rules = med("promptguard_rules", "texts_per_s")
    rows = ["promptguard_scan", "promptguard_rules", "promptguard_scan_many", "presidio_patterns", "detect_secrets",
            "presidio+detect_secrets", "llmguard_offline_pipeline"]
    print(f"\nloadavg after: {os.getloadavg()[0]:.2f}")
    print(f"{'scanner':28s} {'texts/s':>10s} {'p50 ms':>8s} {'p99 ms':>8s} {'promptguard (ML) is':>20s}"
          f" {'rule tier is':>14s}")
    summary = {}
    for name in rows:
        if not runs.get(name):
            continue
        tps = med(name, "texts_per_s")
        p50 = med(name, "p50_ms") if "p50_ms" in runs[name][0] else float("nan")
        p99 = med(name, "p99_ms") if "p99_ms" in runs[name][0] else float("nan")
        ratio = "" if name.startswith("promptguard") else f"{pg / tps:.2f}x as fast"
        ratio_rules = "" if name.startswith("promptguard") else f"{pg_rules / tps:.1f}x as fast"
        print(f"{name:28s} {tps:10.1f} {p50:8.3f} {p99:8.3f} {ratio:>20s} {ratio_rules:>14s}")
        summary[name] = {"texts_per_s_median": tps, "p50_ms_median": p50, "p99_ms_median": p99}
    print()
    for name in [*PG_NAMES.values(), *(n for n, _ in PEERS)]:
        if runs.get(name):
            print(f"{name} detection rates (last run): {json.dumps(runs[name][-1].get('detection_rate', {}))}")
    if a.json:
        a.json.write_text(json.dumps({"summary": summary, "runs": runs}, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
