"""Errors: one hierarchy, one mapping from the core's ErrorKind; messages name the bad key/value."""

from __future__ import annotations

from pathlib import Path

import pytest

import promptguard
from promptguard import ConfigError, InvalidInputError, ParseError, PolicyFileError, PromptGuardError, RuleError


def test_hierarchy() -> None:
    assert issubclass(ConfigError, PromptGuardError) and issubclass(ConfigError, ValueError)
    assert issubclass(ParseError, ConfigError) and issubclass(RuleError, ConfigError)
    assert issubclass(PolicyFileError, PromptGuardError) and issubclass(PolicyFileError, OSError)
    assert issubclass(InvalidInputError, PromptGuardError) and issubclass(InvalidInputError, ValueError)
    assert issubclass(promptguard.ModelError, PromptGuardError)
    assert issubclass(PromptGuardError, Exception)
    assert ConfigError.__module__ == "promptguard"
    assert PromptGuardError.code == "error" and ConfigError.code == "config"


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"preset": "nope"}, "`nope`"),
        ({"preset": "support-bot-x"}, "support-bot-x"),
        ({"strictness": "extreme"}, "`extreme`"),
        ({"ml_mode": "sometimes"}, "`sometimes`"),
    ],
)
def test_bad_engine_options(kwargs: dict[str, str], needle: str) -> None:
    with pytest.raises(ConfigError) as info:
        promptguard.Engine(**kwargs)  # type: ignore[arg-type]
    assert needle in str(info.value)
    assert info.value.code == "config"


def test_bad_preset_in_module_scan() -> None:
    with pytest.raises(ConfigError, match="unknown preset `nope`.*support_bot"):
        promptguard.scan("hi", preset="nope")  # type: ignore[arg-type]
    with pytest.raises(ValueError):  # ConfigError is a ValueError
        promptguard.scan("hi", strictness="loose")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="role"):
        promptguard.scan("hi", role="narrator")  # type: ignore[arg-type]


def test_preset_of_wrong_type() -> None:
    with pytest.raises(TypeError):
        promptguard.scan("hi", preset=3)  # type: ignore[arg-type]


def test_unknown_policy_key_is_named() -> None:
    with pytest.raises(ConfigError, match="detectorz"):
        promptguard.Engine(policy={"detectorz": {}})
    with pytest.raises(ConfigError, match="thresold"):
        promptguard.Engine(policy={"detectors": {"pii": {"thresold": 0.5}}})


def test_unknown_detector_and_bad_values_are_named() -> None:
    with pytest.raises(ConfigError, match="piii"):
        promptguard.Engine(policy={"detectors": {"piii": {"enabled": True}}})
    with pytest.raises(ConfigError, match="threshold"):
        promptguard.Engine(policy={"detectors": {"pii": {"threshold": 1.5}}})
    with pytest.raises(ConfigError, match="(?i)nan"):
        promptguard.Engine(policy={"detectors": {"pii": {"threshold": float("nan")}}})
    with pytest.raises(ConfigError, match="explode"):
        promptguard.Engine(policy={"detectors": {"pii": {"action": "explode"}}})


def test_policy_values_of_unsupported_types() -> None:
    with pytest.raises(ConfigError, match=r"policy\.deny_list: unsupported value of type set"):
        promptguard.Engine(policy={"deny_list": {"a", "b"}})
    with pytest.raises(ConfigError, match="keys must be str"):
        promptguard.Engine(policy={"detectors": {1: {}}})
    with pytest.raises(TypeError, match="policy must be"):
        promptguard.Engine(policy=42)  # type: ignore[arg-type]


def test_bad_allow_list_regex_is_named() -> None:
    with pytest.raises(ConfigError, match=r"allow_list pattern `\(unclosed`"):
        promptguard.Engine(policy={"allow_list": ["(unclosed"]})


def test_bad_custom_rule_raises_rule_or_config_error() -> None:
    rule = {"id": "custom.bad", "detector": "injection", "weight": 0.9, "regex": "(unclosed"}
    with pytest.raises(RuleError, match="custom.bad") as info:
        promptguard.Engine(policy={"custom_rules": [rule]})
    assert info.value.code == "rule"
    no_detector = {"id": "custom.nodet", "weight": 0.9, "literals": ["x"]}
    with pytest.raises(ConfigError, match="custom.nodet"):
        promptguard.Engine(policy={"custom_rules": [no_detector]})


def test_invalid_yaml_policy_text() -> None:
    with pytest.raises(ConfigError, match="invalid policy"):
        promptguard.Engine(policy="detectors: [unclosed")


def test_missing_policy_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(PolicyFileError) as info:
        promptguard.Engine(policy=missing)
    assert str(missing) in str(info.value)
    assert info.value.code == "io"
    assert isinstance(info.value, OSError)


def test_policy_file_with_bad_extension(tmp_path: Path) -> None:
    path = tmp_path / "policy.ini"
    path.write_text("x = 1")
    with pytest.raises(ConfigError, match=r"\.ini"):
        promptguard.Engine(policy=path)


def test_policy_file_with_bad_content_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text('strictness = "wild"\n')
    with pytest.raises(ConfigError, match="policy.toml"):
        promptguard.Engine(policy=path)
