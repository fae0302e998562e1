# Hand-written stubs of the native module (src/*.rs); checked against it by `mypy.stubtest`.
import os
from collections.abc import Coroutine, Iterable, Mapping
from typing import Any, final

from promptguard._types import Action, Direction, MlMode, Preset, Role, Severity, Strictness, ThreatType

__all__ = [
    "ConfigError",
    "ConversationDecision",
    "DETECTORS",
    "Decision",
    "Engine",
    "InvalidInputError",
    "ModelError",
    "PRESETS",
    "ParseError",
    "PolicyFileError",
    "PromptGuardError",
    "RuleError",
    "THREAT_TYPES",
    "Threat",
    "Unscanned",
    "__version__",
    "scan",
]

__version__: str
PRESETS: list[Preset]
THREAT_TYPES: list[ThreatType]
DETECTORS: list[str]

class PromptGuardError(Exception):
    """Base class of every error raised by promptguard."""

    code: str

class ConfigError(PromptGuardError, ValueError):
    """An invalid preset, strictness, option or policy; the message names the key or value."""

class ParseError(ConfigError):
    """A policy (text or file) that cannot be parsed."""

class RuleError(ConfigError):
    """A custom rule or allow-list pattern that does not compile."""

class PolicyFileError(PromptGuardError, OSError):
    """A policy or model file that cannot be read."""

class ModelError(PromptGuardError):
    """A model file that is missing, corrupt or fails to load."""

class InvalidInputError(PromptGuardError, ValueError):
    """An input given to an API is invalid (e.g. a malformed message)."""

@final
class Threat:
    """One piece of evidence: a rule, model or policy check that fired on a span of the text."""

    @property
    def type(self) -> ThreatType: ...
    @property
    def detector(self) -> str: ...
    @property
    def rule_id(self) -> str: ...
    @property
    def confidence(self) -> float: ...
    @property
    def severity(self) -> Severity: ...
    @property
    def span(self) -> tuple[int, int]:
        """`(start, end)` in code points: `text[start:end]` is the flagged part."""
    @property
    def excerpt(self) -> str: ...
    @property
    def entity(self) -> str | None: ...
    @property
    def category(self) -> str | None: ...
    @property
    def message(self) -> int | None: ...
    def to_dict(self) -> dict[str, Any]: ...

@final
class Unscanned:
    """A part of the input that was not scanned (`too_large`, `internal_error`, ...)."""

    @property
    def reason(self) -> str: ...
    @property
    def span(self) -> tuple[int, int]: ...

@final
class Decision:
    """The result of scanning one text: what to do, how sure, why, and the evidence."""

    @property
    def decision(self) -> Action: ...
    @property
    def confidence(self) -> float: ...
    @property
    def threat_type(self) -> ThreatType | None: ...
    @property
    def reason(self) -> str: ...
    @property
    def event_id(self) -> str: ...
    @property
    def threats(self) -> tuple[Threat, ...]: ...
    @property
    def redacted_text(self) -> str | None: ...
    @property
    def unscanned(self) -> tuple[Unscanned, ...]: ...
    @property
    def policy(self) -> str: ...
    @property
    def latency_ms(self) -> float: ...
    @property
    def blocked(self) -> bool: ...
    @property
    def rule_ids(self) -> tuple[str, ...]: ...
    def to_dict(self) -> dict[str, Any]:
        """The Decision JSON of DESIGN.md as a dict (spans in code points)."""
    def to_json(self, *, indent: int | None = None) -> str:
        """The Decision JSON of DESIGN.md."""

@final
class ConversationDecision:
    """The decision for a whole conversation, and one per message."""

    @property
    def decision(self) -> Decision: ...
    @property
    def messages(self) -> tuple[Decision, ...]: ...
    def to_dict(self) -> dict[str, Any]: ...

@final
class Engine:
    """A compiled engine: build once (preset, strictness, policy), then scan from any thread."""

    def __new__(
        cls,
        *,
        preset: Preset = "default",
        strictness: Strictness = "moderate",
        policy: Mapping[str, Any] | str | os.PathLike[str] | None = None,
        ml_mode: MlMode = "cascade",
        model_dir: str | os.PathLike[str] | None = None,
    ) -> Engine: ...
    @property
    def preset(self) -> Preset: ...
    @property
    def strictness(self) -> Strictness: ...
    @property
    def policy_name(self) -> str: ...
    @property
    def policy_warnings(self) -> tuple[str, ...]: ...
    @property
    def rule_count(self) -> int: ...
    def scan(
        self,
        text: str,
        *,
        direction: Direction = "input",
        role: Role | None = None,
        event_id: str | None = None,
        canaries: list[str] | None = None,
        system_prompt: str | None = None,
    ) -> Decision: ...
    def scan_many(
        self,
        texts: Iterable[str],
        *,
        direction: Direction = "input",
        role: Role | None = None,
        threads: int | None = None,
    ) -> list[Decision]: ...
    def scan_async(
        self,
        text: str,
        *,
        direction: Direction = "input",
        role: Role | None = None,
        event_id: str | None = None,
        canaries: list[str] | None = None,
        system_prompt: str | None = None,
    ) -> Coroutine[Any, Any, Decision]: ...
    def scan_messages(
        self, messages: Iterable[Mapping[str, str | None] | tuple[str, str]]
    ) -> ConversationDecision: ...

def scan(
    text: str,
    *,
    preset: Preset = "default",
    strictness: Strictness = "moderate",
    direction: Direction = "input",
    role: Role | None = None,
    event_id: str | None = None,
) -> Decision: ...
