"""Literal types of promptguard's names (presets, strictness, decisions, threat types...).

Each alias is spelled as a Union of single-value Literals: the same type to a type checker as
``Literal["a", "b"]``, and a ``typing.Union`` at runtime too, which is what ``mypy.stubtest``
expects of a union alias.
"""

from typing import Literal, Union

__all__ = ["Action", "Direction", "MlMode", "Preset", "Role", "Severity", "Strictness", "ThreatType"]

Preset = Union[
    Literal["default"],
    Literal["support_bot"],
    Literal["code_assistant"],
    Literal["rag_system"],
    Literal["creative_writing"],
    Literal["data_analysis"],
]
Strictness = Union[Literal["strict"], Literal["moderate"], Literal["permissive"]]
Action = Union[Literal["allow"], Literal["block"], Literal["redact"]]
ThreatType = Union[
    Literal["prompt_injection"],
    Literal["jailbreak"],
    Literal["pii"],
    Literal["data_exfiltration"],
    Literal["toxicity"],
    Literal["secret"],
    Literal["fraud"],
    Literal["malware"],
    Literal["tool_injection"],
    Literal["mcp_violation"],
    Literal["url_violation"],
    Literal["groundedness"],
    Literal["harmful_content"],
]
Severity = Union[Literal["low"], Literal["medium"], Literal["high"], Literal["critical"]]
Direction = Union[Literal["input"], Literal["output"]]
Role = Union[Literal["system"], Literal["user"], Literal["assistant"], Literal["tool"]]
MlMode = Union[Literal["off"], Literal["cascade"], Literal["always"]]
