"""The shared case corpus (promptguard-core/testdata/*.jsonl), checked exactly as the Rust suite
(promptguard-core/tests/corpus.rs) checks it: decision; threat_type when given; expected rule ids
among the findings; redacted_text when given; plus every span indexing the Python string."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import pytest

import promptguard
from conftest import TESTDATA, assert_span_is_valid


def load_cases() -> list[Any]:
    cases = []
    for path in sorted(TESTDATA.glob("*.jsonl")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            case = json.loads(line)
            cases.append(pytest.param(case, id=f"{path.name}:{n}:{case.get('name', '?')}"))
    return cases


CASES = load_cases()


@lru_cache(maxsize=None)
def engine_for(preset: str, strictness: str) -> promptguard.Engine:
    return promptguard.Engine(preset=preset, strictness=strictness)  # type: ignore[arg-type]


def test_corpus_is_present() -> None:
    assert TESTDATA.is_dir(), f"corpus directory {TESTDATA} is missing"
    assert len(CASES) >= 50, f"the shared corpus has only {len(CASES)} cases"


@pytest.mark.parametrize("case", CASES)
def test_case(case: dict[str, Any]) -> None:
    engine = engine_for(case.get("preset", "default"), case.get("strictness", "moderate"))
    text = case["input"]
    d = engine.scan(text, direction=case.get("direction", "input"), role=case.get("role"))
    expect = case["expect"]
    assert d.decision == expect["decision"], d.reason
    if "threat_type" in expect:
        assert d.threat_type == expect["threat_type"], d.reason
    for rule_id in expect.get("rule_ids", []):
        assert rule_id in d.rule_ids, (rule_id, d.rule_ids)
    if expect.get("redacted_text") is not None:
        assert d.redacted_text == expect["redacted_text"]
    for threat in d.threats:
        assert_span_is_valid(text, threat)


def test_module_scan_agrees_with_engine_on_corpus() -> None:
    """The module-level scan() (shared engines) decides every corpus case as an Engine does."""
    for param in CASES:
        case = param.values[0]
        kwargs = {"preset": case.get("preset", "default"), "strictness": case.get("strictness", "moderate")}
        opts = {"direction": case.get("direction", "input"), "role": case.get("role")}
        a = promptguard.scan(case["input"], **kwargs, **opts)
        b = engine_for(kwargs["preset"], kwargs["strictness"]).scan(case["input"], **opts)
        assert (a.decision, a.threat_type, a.rule_ids) == (b.decision, b.threat_type, b.rule_ids), case["name"]
