# Hand-written stubs of the native module (src/*.rs); checked against it by `mypy.stubtest`.
import os
from collections.abc import Callable, Coroutine, Iterable, Mapping
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
    "Restorer",
    "RuleError",
    "THREAT_TYPES",
    "Threat",
    "Unscanned",
    "Vault",
    "__version__",
    "scan",
    "tool_call_envelope",
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
    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Threat:
        """A Threat from its `to_dict()` form."""
    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...
    def __reduce__(self) -> tuple[Callable[[Mapping[str, Any]], Threat], tuple[dict[str, Any]]]: ...

@final
class Unscanned:
    """A part of the input that was not scanned (`too_large`, `internal_error`, ...)."""

    @property
    def reason(self) -> str: ...
    @property
    def span(self) -> tuple[int, int]: ...
    def to_dict(self) -> dict[str, Any]: ...
    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Unscanned:
        """An Unscanned from its `to_dict()` form."""
    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...
    def __reduce__(self) -> tuple[Callable[[Mapping[str, Any]], Unscanned], tuple[dict[str, Any]]]: ...

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
    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Decision:
        """A Decision from its `to_dict()` form (spans taken as given: code points)."""
    @classmethod
    def from_json(cls, data: str) -> Decision:
        """A Decision from its `to_json()` form."""
    def __eq__(self, value: object, /) -> bool:
        """Equal when every field is (`event_id` and `latency_ms` included)."""
    def __hash__(self) -> int: ...
    def __reduce__(self) -> tuple[Callable[[Mapping[str, Any]], Decision], tuple[dict[str, Any]]]: ...

@final
class ConversationDecision:
    """The decision for a whole conversation, and one per message."""

    @property
    def decision(self) -> Decision: ...
    @property
    def messages(self) -> tuple[Decision, ...]: ...
    def to_dict(self) -> dict[str, Any]: ...
    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ConversationDecision:
        """A ConversationDecision from its `to_dict()` form."""
    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...
    def __reduce__(
        self,
    ) -> tuple[Callable[[Mapping[str, Any]], ConversationDecision], tuple[dict[str, Any]]]: ...

@final
class Vault:
    """The placeholder <-> value mapping of one conversation (reversible redaction).

    Pass it to `Engine.scan_reversible` for every turn, then give the model's answer to
    `restore` (or a `restorer()` while streaming). Safe to share between threads; `repr()`
    never shows stored values; pickling and `to_json()` do (store them like the conversation).
    """

    def __new__(cls) -> Vault: ...
    def __len__(self) -> int: ...
    def __contains__(self, key: object, /) -> bool: ...
    @property
    def placeholders(self) -> tuple[str, ...]:
        """The placeholders issued so far, in order of issue."""
    def value_of(self, placeholder: str) -> str | None:
        """The original value behind a placeholder this vault issued, else None."""
    def restore(self, text: str) -> str:
        """`text` with every placeholder this vault issued replaced by its value."""
    def restorer(self) -> Restorer:
        """A streaming restorer over a snapshot of the mapping as it is now."""
    def to_json(self) -> str: ...
    @classmethod
    def from_json(cls, data: str) -> Vault: ...
    def __reduce__(self) -> tuple[Callable[[str], Vault], tuple[str]]: ...

@final
class Restorer:
    """Restores placeholders in a streamed answer: `push()` every chunk, forward what it
    returns, then forward `finish()`. Placeholders split across chunks are held back."""

    def push(self, chunk: str) -> str: ...
    def push_bytes(self, chunk: bytes | bytearray) -> str: ...
    def finish(self) -> str: ...

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
    def scan_reversible(
        self,
        text: str,
        vault: Vault,
        *,
        direction: Direction = "input",
        role: Role | None = None,
        event_id: str | None = None,
        canaries: list[str] | None = None,
        system_prompt: str | None = None,
    ) -> Decision:
        """Like `scan`, but redactions become numbered placeholders (`[EMAIL_1]`) kept in `vault`."""
    def check_tool_call(
        self,
        name: str,
        arguments: Mapping[str, Any] | str | None = None,
        *,
        server: str = "",
    ) -> Decision:
        """Check a tool call against the policy's `mcp` section and every other detector.

        Spans are code points of `tool_call_envelope(name, arguments, server=server)`.
        """
    def scan_tool_output(self, name: str, output: str, *, server: str = "") -> Decision:
        """Scan what a tool returned before the model reads it; spans index `output`."""

def scan(
    text: str,
    *,
    preset: Preset = "default",
    strictness: Strictness = "moderate",
    direction: Direction = "input",
    role: Role | None = None,
    event_id: str | None = None,
) -> Decision: ...
def tool_call_envelope(name: str, arguments: Mapping[str, Any] | str | None = None, *, server: str = "") -> str:
    """The text `Engine.check_tool_call` scans; its decision's spans index this string."""
