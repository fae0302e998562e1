"""Shared fixtures: the case corpus location and span checks."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import promptguard

HERE = Path(__file__).resolve().parent
# The shared corpus lives in the core crate; PROMPTGUARD_TESTDATA points elsewhere if needed.
TESTDATA = Path(os.environ.get("PROMPTGUARD_TESTDATA", HERE.parent.parent / "promptguard-core" / "testdata"))

EXCERPT_CHARS = 120


def excerpt_of(flagged: str) -> str:
    """The core's excerpt of a span's text: itself, or its first 119 characters and an ellipsis."""
    return flagged if len(flagged) <= EXCERPT_CHARS else flagged[: EXCERPT_CHARS - 1] + "\u2026"


def assert_span_is_excerpt(text: str, threat: promptguard.Threat) -> None:
    """`text[start:end]` is exactly the flagged text (for findings in the raw text)."""
    start, end = threat.span
    assert 0 <= start <= end <= len(text), (threat, len(text))
    assert excerpt_of(text[start:end]) == threat.excerpt, (threat, text[start:end])


def assert_span_is_valid(text: str, threat: promptguard.Threat) -> None:
    """Any finding: the span lies inside the text, and when the excerpt quotes the text (findings
    in decoded content describe what was decoded instead), it is the text of the span."""
    start, end = threat.span
    assert 0 <= start <= end <= len(text), (threat, len(text))
    if threat.excerpt.rstrip("\u2026") in text:
        assert excerpt_of(text[start:end]) == threat.excerpt, (threat, text[start:end])


@pytest.fixture(scope="session")
def engine() -> promptguard.Engine:
    return promptguard.Engine()
