//! The outcome of a scan: [`Decision`] and its parts, serialised exactly as the stable JSON
//! contract of `DESIGN.md` ("Decision JSON").

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// What to do with the scanned text. Ordered by severity: `Allow < Redact < Block`, so the
/// decision for a text is the maximum over its findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Let the text through unchanged.
    Allow,
    /// Let the text through with the offending spans replaced (see [`Decision::redacted_text`]).
    Redact,
    /// Stop the text.
    Block,
}

impl Action {
    /// The stable lowercase name (`allow`, `redact`, `block`).
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Allow => "allow",
            Action::Redact => "redact",
            Action::Block => "block",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! threat_types {
    ($($(#[$doc:meta])* $variant:ident => $name:literal),+ $(,)?) => {
        /// The family of a threat. The names are a stable contract (DESIGN.md).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum ThreatType {
            $($(#[$doc])* $variant,)+
        }

        impl ThreatType {
            /// Every threat type, in declaration order.
            pub const ALL: &'static [ThreatType] = &[$(ThreatType::$variant,)+];

            /// The stable snake_case name, e.g. `prompt_injection`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ThreatType::$variant => $name,)+
                }
            }
        }

        impl FromStr for ThreatType {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self, Error> {
                match s {
                    $($name => Ok(ThreatType::$variant),)+
                    other => Err(Error::config(format!(
                        "unknown threat type `{other}`; expected one of: {}",
                        [$($name),+].join(", ")
                    ))),
                }
            }
        }
    };
}

threat_types! {
    /// Attempts to override the application's instructions.
    PromptInjection => "prompt_injection",
    /// Attempts to talk the model out of its safety rules.
    Jailbreak => "jailbreak",
    /// Personal data.
    Pii => "pii",
    /// Attempts to extract system prompts, other users' data, files or credentials.
    DataExfiltration => "data_exfiltration",
    /// Hate, harassment, threats, sexual content.
    Toxicity => "toxicity",
    /// Credentials and API keys.
    Secret => "secret",
    /// Scams, phishing and social engineering.
    Fraud => "fraud",
    /// Destructive or malicious commands.
    Malware => "malware",
    /// Instructions hidden in content the model reads (tool results, documents).
    ToolInjection => "tool_injection",
    /// A tool call that breaks the MCP/tool policy.
    McpViolation => "mcp_violation",
    /// A URL that breaks the URL policy.
    UrlViolation => "url_violation",
    /// Ungrounded security claims in model output.
    Groundedness => "groundedness",
    /// Requests for seriously harmful help (weapons, drugs synthesis, ...).
    HarmfulContent => "harmful_content",
}

impl fmt::Display for ThreatType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How serious a single finding is, independent of its confidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth noting.
    Low,
    /// Suspicious.
    Medium,
    /// An attack or a leak.
    High,
    /// An attack with direct damage (destructive commands, live credentials).
    Critical,
}

impl FromStr for Severity {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "low" => Ok(Severity::Low),
            "medium" => Ok(Severity::Medium),
            "high" => Ok(Severity::High),
            "critical" => Ok(Severity::Critical),
            other => Err(Error::config(format!(
                "unknown severity `{other}`; expected low, medium, high or critical"
            ))),
        }
    }
}

/// A half-open byte range `[start, end)` of the scanned text, always on UTF-8 character
/// boundaries. Serialised as a two-element array `[start, end]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(from = "[usize; 2]", into = "[usize; 2]")]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end` (bytes).
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    /// Number of bytes covered.
    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }

    /// True when the span covers no bytes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True when the two spans share at least one byte.
    pub fn overlaps(&self, other: &Span) -> bool {
        self.start < other.end && other.start < self.end
    }
}

impl From<[usize; 2]> for Span {
    fn from(a: [usize; 2]) -> Span {
        Span::new(a[0], a[1])
    }
}

impl From<Span> for [usize; 2] {
    fn from(s: Span) -> [usize; 2] {
        [s.start, s.end]
    }
}

/// One piece of evidence: a rule (or model, or policy check) that fired on a span.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// The threat family.
    #[serde(rename = "type")]
    pub threat_type: ThreatType,
    /// The detector that produced it (`injection`, `pii`, ...).
    pub detector: String,
    /// The stable id of the rule, e.g. `pi.override.ignore_previous`.
    pub rule_id: String,
    /// Calibrated probability that this finding is a true threat.
    pub confidence: f64,
    /// Severity of the rule.
    pub severity: Severity,
    /// Where in the original text (bytes).
    pub span: Span,
    /// The original text of the span, shortened to at most 120 characters.
    pub excerpt: String,
    /// Entity label for data findings (`SSN`, `EMAIL`, `API_KEY`...); used for redaction tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity: Option<String>,
    /// Rule category (`instruction_override`, `role_hijack`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// For conversation scans: the index of the message the span refers to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<usize>,
}

/// Why part of an input was not scanned; with fail-closed policies it blocks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unscanned {
    /// `too_large`, `decode_limit`, `internal_error`, ...
    pub reason: String,
    /// The part of the input concerned.
    pub span: Span,
}

/// The result of scanning one text: what to do, how sure, why, and the evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    /// Allow, redact or block.
    #[serde(rename = "decision")]
    pub action: Action,
    /// Calibrated confidence in the decision (0–1): for allow, that the text is benign.
    pub confidence: f64,
    /// The primary threat; `None` when allowed. Of the findings that reach the decided action,
    /// one a rule or check names wins over an ML head's score alone (the model corroborates; its
    /// score still counts in `confidence`).
    pub threat_type: Option<ThreatType>,
    /// A human-readable reason naming the rule that decided.
    pub reason: String,
    /// Identifier of this scan event (UUID v7 unless injected).
    pub event_id: String,
    /// The findings that caused the action, strongest first (by action; then rule-named before
    /// model-only; then by score).
    pub threats: Vec<Finding>,
    /// The text with redacted spans replaced; `None` unless the action is redact.
    pub redacted_text: Option<String>,
    /// Parts of the input that were not scanned, and why.
    pub unscanned: Vec<Unscanned>,
    /// The policy that decided, as `preset:strictness` (plus `+custom` for policy files).
    pub policy: String,
    /// Time spent scanning, in milliseconds.
    pub latency_ms: f64,
}

impl Decision {
    /// True when the action is [`Action::Block`].
    pub fn is_blocked(&self) -> bool {
        self.action == Action::Block
    }

    /// The rule ids of all findings, in order.
    pub fn rule_ids(&self) -> impl Iterator<Item = &str> {
        self.threats.iter().map(|f| f.rule_id.as_str())
    }

    /// The text that should travel on: the redacted text when redacting, else the input.
    pub fn text_to_forward<'a>(&'a self, input: &'a str) -> &'a str {
        self.redacted_text.as_deref().unwrap_or(input)
    }

    /// The Decision as compact JSON (the stable contract).
    pub fn to_json(&self) -> String {
        // Serialising plain data with finite floats cannot fail; non-finite floats are
        // never produced (confidences are clamped), and serde_json writes them as null anyway.
        serde_json::to_string(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }

    /// The Decision as indented JSON.
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Decision {
        Decision {
            action: Action::Block,
            confidence: 0.97,
            threat_type: Some(ThreatType::PromptInjection),
            reason: "Instruction override".into(),
            event_id: "0193f2a1-7c4e-7d2a-9b1e-5f3c2d1a0b9c".into(),
            threats: vec![Finding {
                threat_type: ThreatType::PromptInjection,
                detector: "injection".into(),
                rule_id: "pi.override.ignore_previous".into(),
                confidence: 0.97,
                severity: Severity::High,
                span: Span::new(0, 32),
                excerpt: "Ignore all previous instructions".into(),
                entity: None,
                category: None,
                message: None,
            }],
            redacted_text: None,
            unscanned: vec![],
            policy: "default:moderate".into(),
            latency_ms: 0.031,
        }
    }

    #[test]
    fn json_shape_matches_the_contract() {
        let v: serde_json::Value = serde_json::from_str(&sample().to_json()).expect("json");
        assert_eq!(v["decision"], "block");
        assert_eq!(v["threat_type"], "prompt_injection");
        assert_eq!(v["threats"][0]["type"], "prompt_injection");
        assert_eq!(v["threats"][0]["span"], serde_json::json!([0, 32]));
        assert_eq!(v["threats"][0]["severity"], "high");
        assert!(v["redacted_text"].is_null());
        let keys: Vec<&str> = v
            .as_object()
            .expect("object")
            .keys()
            .map(|k| k.as_str())
            .collect();
        for k in [
            "decision",
            "confidence",
            "threat_type",
            "reason",
            "event_id",
            "threats",
            "redacted_text",
            "unscanned",
            "policy",
            "latency_ms",
        ] {
            assert!(keys.contains(&k), "missing key {k}");
        }
        assert_eq!(keys.len(), 10, "no extra top-level keys: {keys:?}");
    }

    #[test]
    fn json_round_trips() {
        let d = sample();
        let back: Decision = serde_json::from_str(&d.to_json()).expect("parse");
        assert_eq!(back, d);
        let allow = Decision {
            action: Action::Allow,
            threat_type: None,
            threats: vec![],
            ..sample()
        };
        let v: serde_json::Value = serde_json::from_str(&allow.to_json()).expect("json");
        assert!(v["threat_type"].is_null());
        assert_eq!(serde_json::from_value::<Decision>(v).expect("parse"), allow);
    }

    #[test]
    fn threat_type_names_are_stable() {
        let names: Vec<&str> = ThreatType::ALL.iter().map(|t| t.as_str()).collect();
        assert_eq!(
            names,
            [
                "prompt_injection",
                "jailbreak",
                "pii",
                "data_exfiltration",
                "toxicity",
                "secret",
                "fraud",
                "malware",
                "tool_injection",
                "mcp_violation",
                "url_violation",
                "groundedness",
                "harmful_content"
            ]
        );
        for t in ThreatType::ALL {
            assert_eq!(t.as_str().parse::<ThreatType>().expect("parse"), *t);
            assert_eq!(serde_json::to_value(t).expect("ser"), t.as_str());
        }
        assert!("nope".parse::<ThreatType>().is_err());
    }

    #[test]
    fn actions_order_by_severity() {
        assert!(Action::Allow < Action::Redact && Action::Redact < Action::Block);
    }
}
