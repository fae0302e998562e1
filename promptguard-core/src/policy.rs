//! Presets, strictness and policies: what each detector does and when.
//!
//! Presets are data (`policy/presets.toml`). A [`Policy`] (YAML, JSON or TOML) names a preset and
//! strictness and overrides detector settings on top; unknown keys are rejected with an error
//! that names the key. Merging reports every place where the policy loosens its preset, so a
//! reviewer can see it.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::str::FromStr;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use crate::decision::Action;
use crate::error::{Error, ErrorKind};
use crate::rules::RuleSpec;

/// Names of every detector, in the order findings are reported.
pub const DETECTORS: &[&str] = &[
    "injection",
    "jailbreak",
    "exfiltration",
    "tool_injection",
    "pii",
    "secret",
    "malware",
    "fraud",
    "toxicity",
    "harmful",
    "url",
    "mcp",
    "groundedness",
];

macro_rules! name_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $s:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vdoc])* $variant,)+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];
            /// The stable name.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s,)+ }
            }
        }

        impl FromStr for $name {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self, Error> {
                match s.trim().to_ascii_lowercase().replace('-', "_").as_str() {
                    $($s => Ok($name::$variant),)+
                    _ => Err(Error::config(format!(
                        "unknown {} `{s}`; expected one of: {}",
                        stringify!($name).to_ascii_lowercase(),
                        [$($s),+].join(", ")
                    ))),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

name_enum! {
    /// A starting policy for a kind of application.
    Preset {
        /// Balanced protection.
        Default => "default",
        /// Customer support bots: strict PII, injection and toxicity.
        SupportBot => "support_bot",
        /// Coding assistants: shell and code allowed, destructive payloads blocked.
        CodeAssistant => "code_assistant",
        /// Retrieval-augmented apps: strict indirect injection and exfiltration.
        RagSystem => "rag_system",
        /// Fiction: relaxed toxicity.
        CreativeWriting => "creative_writing",
        /// Data analysis: strict PII redaction, SQL allowed.
        DataAnalysis => "data_analysis",
    }
}

name_enum! {
    /// How eagerly detectors act: shifts every threshold together.
    Strictness {
        /// Act on weaker evidence (threshold 0.5 by default).
        Strict => "strict",
        /// Balanced (0.7).
        Moderate => "moderate",
        /// Act only on strong evidence (0.9).
        Permissive => "permissive",
    }
}

name_enum! {
    /// What happens when part of an input could not be scanned.
    FailMode {
        /// Decide on what was scanned; report the rest in `unscanned`.
        Open => "open",
        /// Block when anything was left unscanned.
        Closed => "closed",
    }
}

name_enum! {
    /// What a detector does with its findings.
    ActionSetting {
        /// Block the text.
        Block => "block",
        /// Replace findings with `[TYPE_REDACTED]` tokens.
        Redact => "redact",
        /// Replace findings with `****` keeping the last four characters.
        Mask => "mask",
        /// Report nothing and let the text through (the detector still runs for explanations).
        Allow => "allow",
    }
}

impl ActionSetting {
    /// The decision this setting leads to when the detector fires.
    pub fn action(self) -> Action {
        match self {
            ActionSetting::Block => Action::Block,
            ActionSetting::Redact | ActionSetting::Mask => Action::Redact,
            ActionSetting::Allow => Action::Allow,
        }
    }
}

impl Default for Preset {
    fn default() -> Self {
        Preset::ALL[0]
    }
}

impl Default for Strictness {
    fn default() -> Self {
        Strictness::ALL[1]
    }
}

/// Parses `preset` or `preset:strictness` (e.g. `support_bot:strict`).
pub fn parse_preset_spec(spec: &str) -> Result<(Preset, Option<Strictness>), Error> {
    match spec.split_once(':') {
        Some((p, s)) => Ok((p.parse()?, Some(s.parse()?))),
        None => Ok((spec.parse()?, None)),
    }
}

/// Per-detector overrides in a policy file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DetectorOverride {
    /// Turn the detector on or off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// What it does when it fires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<ActionSetting>,
    /// Fixed threshold (0–1) for every strictness.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    /// Per-entity actions for data detectors, e.g. `{SSN: block, EMAIL: mask, IP_ADDRESS: allow}`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub entities: BTreeMap<String, ActionSetting>,
    /// Block when at least this many findings occur (bulk data dumps).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bulk_block: Option<usize>,
}

/// How redacted spans are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum RedactionStyle {
    /// `[SSN_REDACTED]`.
    #[default]
    Token,
    /// `*******6789`.
    Mask,
}

/// A user policy: a preset and strictness with overrides. Load with [`Policy::from_yaml`],
/// [`Policy::from_json`], [`Policy::from_toml`] or [`Policy::from_file`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// The preset to start from (default `default`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<Preset>,
    /// The strictness (default `moderate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strictness: Option<Strictness>,
    /// Per-detector overrides, keyed by detector name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub detectors: BTreeMap<String, DetectorOverride>,
    /// Regexes (case-insensitive) of text that is always fine: findings inside a match are dropped.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow_list: Vec<String>,
    /// Phrases (case-insensitive, after normalisation) that always block.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deny_list: Vec<String>,
    /// Extra rules, in the rule-pack format plus a `detector` field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub custom_rules: Vec<RuleSpec>,
    /// Open (default) or closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_mode: Option<FailMode>,
    /// Inputs longer than this many bytes are scanned in overlapping windows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window_bytes: Option<usize>,
    /// Inputs longer than this are scanned up to it and the rest reported as `too_large`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_input_bytes: Option<usize>,
    /// How redactions are written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redaction: Option<RedactionStyle>,
    /// URL policy of the `url` detector (allow/block lists, schemes, private addresses).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urls: Option<UrlPolicy>,
    /// Tool-call (MCP) policy used by [`crate::Engine::check_tool_call`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mcp: Option<crate::mcp::McpPolicy>,
}

/// The URL policy (`urls` section of a [`Policy`]). Every list is optional; with no policy the
/// `url` detector flags dangerous schemes (`javascript:`, `data:text/html`, `file:`...),
/// credentials in URLs, punycode homographs, and private or cloud-metadata addresses in tool
/// texts and outputs, and leaves ordinary `https` links alone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UrlPolicy {
    /// Only these domains (and their subdomains) may appear; empty: any domain.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow_domains: Vec<String>,
    /// Domains (and their subdomains) that always violate the policy.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub block_domains: Vec<String>,
    /// Networks (CIDR or single addresses) that IP hosts may be in; allowed private networks
    /// are not reported as SSRF targets.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow_cidrs: Vec<String>,
    /// Networks (CIDR or single addresses) that IP hosts must not be in.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub block_cidrs: Vec<String>,
    /// Schemes that may appear (e.g. `[https, mailto]`); unset: every scheme but the dangerous ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_schemes: Option<Vec<String>>,
    /// Allow `user:password@` in URLs (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_credentials: Option<bool>,
    /// Report private, loopback and metadata addresses in every text, not only in tool texts
    /// and outputs (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_private_everywhere: Option<bool>,
    /// Report hosts given as IP literals (default false: only as a weak signal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_ip_hosts: Option<bool>,
}

impl Policy {
    /// Parses a YAML policy.
    pub fn from_yaml(text: &str) -> Result<Policy, Error> {
        if text.trim().is_empty() {
            return Ok(Policy::default());
        }
        serde_yaml::from_str(text)
            .map_err(|e| Error::with_source(ErrorKind::Config, format!("invalid policy: {e}"), e))
    }

    /// Parses a JSON policy.
    pub fn from_json(text: &str) -> Result<Policy, Error> {
        serde_json::from_str(text)
            .map_err(|e| Error::with_source(ErrorKind::Config, format!("invalid policy: {e}"), e))
    }

    /// Parses a TOML policy.
    pub fn from_toml(text: &str) -> Result<Policy, Error> {
        toml::from_str(text).map_err(|e| {
            Error::with_source(
                ErrorKind::Config,
                format!("invalid policy: {}", e.message()),
                e,
            )
        })
    }

    /// Builds a policy from an already-parsed JSON value (used by the bindings).
    pub fn from_value(value: serde_json::Value) -> Result<Policy, Error> {
        serde_json::from_value(value)
            .map_err(|e| Error::with_source(ErrorKind::Config, format!("invalid policy: {e}"), e))
    }

    /// Reads a policy file; the format follows the extension (`.yaml`/`.yml`, `.json`, `.toml`).
    pub fn from_file(path: impl AsRef<Path>) -> Result<Policy, Error> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::with_source(
                ErrorKind::Io,
                format!("cannot read {}: {e}", path.display()),
                e,
            )
        })?;
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        let parsed = match ext {
            "json" => Policy::from_json(&text),
            "toml" => Policy::from_toml(&text),
            "yaml" | "yml" | "" => Policy::from_yaml(&text),
            other => Err(Error::config(format!(
                "unknown policy file extension `.{other}`; use .yaml, .json or .toml"
            ))),
        };
        parsed.map_err(|e| Error::new(e.kind(), format!("{}: {}", path.display(), e.message())))
    }
}

/// The settings of one detector after merging preset, strictness and policy.
#[derive(Debug, Clone, PartialEq)]
pub struct DetectorConfig {
    /// Whether it runs.
    pub enabled: bool,
    /// What it does when it fires.
    pub action: ActionSetting,
    /// Score at which it fires.
    pub threshold: f64,
    /// Per-entity actions (data detectors).
    pub entities: BTreeMap<String, ActionSetting>,
    /// Findings count at which a data detector blocks.
    pub bulk_block: Option<usize>,
}

/// A policy resolved against its preset: what the engine applies.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedPolicy {
    /// Preset it started from.
    pub preset: Preset,
    /// Strictness in force.
    pub strictness: Strictness,
    /// Per-detector settings, keyed by detector name.
    pub detectors: BTreeMap<&'static str, DetectorConfig>,
    /// Fail open or closed.
    pub fail_mode: FailMode,
    /// Window size for long inputs.
    pub window_bytes: usize,
    /// Hard limit on scanned bytes.
    pub max_input_bytes: usize,
    /// Redaction style.
    pub redaction: RedactionStyle,
    /// Where the policy is looser than its preset, in words.
    pub loosenings: Vec<String>,
    /// True when a policy with overrides was applied.
    pub customised: bool,
}

impl ResolvedPolicy {
    /// `preset:strictness`, plus `+policy` when overrides were applied.
    pub fn name(&self) -> String {
        let custom = if self.customised { "+policy" } else { "" };
        format!("{}:{}{custom}", self.preset, self.strictness)
    }

    /// The settings of `detector`.
    pub fn detector(&self, detector: &str) -> Option<&DetectorConfig> {
        self.detectors.get(detector)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PresetFile {
    strictness: BTreeMap<Strictness, f64>,
    preset: BTreeMap<Preset, PresetDef>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PresetDef {
    #[allow(dead_code)]
    description: String,
    #[serde(default)]
    inherit: Option<Preset>,
    detectors: BTreeMap<String, PresetDetector>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct PresetDetector {
    action: ActionSetting,
    #[serde(default)]
    shift: f64,
    #[serde(default)]
    bulk_block: Option<usize>,
}

static PRESETS: LazyLock<Result<PresetFile, String>> = LazyLock::new(|| {
    toml::from_str(include_str!("../policy/presets.toml")).map_err(|e| e.to_string())
});

fn presets() -> Result<&'static PresetFile, Error> {
    PRESETS
        .as_ref()
        .map_err(|e| Error::config(format!("embedded presets.toml is invalid: {e}")))
}

fn detector_name(name: &str) -> Result<&'static str, Error> {
    DETECTORS
        .iter()
        .copied()
        .find(|d| *d == name)
        .ok_or_else(|| {
            Error::config(format!(
                "unknown detector `{name}` in policy; expected one of: {}",
                DETECTORS.join(", ")
            ))
        })
}

/// The settings of `preset` at `strictness`, before any policy.
fn preset_detectors(
    preset: Preset,
    strictness: Strictness,
) -> Result<BTreeMap<&'static str, DetectorConfig>, Error> {
    let file = presets()?;
    let base = *file
        .strictness
        .get(&strictness)
        .ok_or_else(|| Error::config(format!("presets.toml lacks strictness {strictness}")))?;
    // Walk the inheritance chain root-first.
    let mut chain = vec![preset];
    while let Some(parent) = file
        .preset
        .get(chain.last().unwrap_or(&preset))
        .and_then(|d| d.inherit)
    {
        if chain.contains(&parent) {
            return Err(Error::config(format!(
                "preset inheritance cycle at {parent}"
            )));
        }
        chain.push(parent);
    }
    let mut merged: BTreeMap<&'static str, PresetDetector> = BTreeMap::new();
    for p in chain.iter().rev() {
        let def = file
            .preset
            .get(p)
            .ok_or_else(|| Error::config(format!("presets.toml lacks preset {p}")))?;
        for (name, d) in &def.detectors {
            merged.insert(detector_name(name)?, d.clone());
        }
    }
    Ok(DETECTORS
        .iter()
        .map(|&name| {
            let cfg = match merged.get(name) {
                Some(d) => DetectorConfig {
                    enabled: true,
                    action: d.action,
                    threshold: (base + d.shift).clamp(0.05, 0.99),
                    entities: BTreeMap::new(),
                    bulk_block: d.bulk_block,
                },
                None => DetectorConfig {
                    enabled: false,
                    action: ActionSetting::Allow,
                    threshold: base,
                    entities: BTreeMap::new(),
                    bulk_block: None,
                },
            };
            (name, cfg)
        })
        .collect())
}

/// Resolves `policy` over `preset`/`strictness` (the policy's own preset and strictness win).
pub fn resolve(
    preset: Preset,
    strictness: Strictness,
    policy: Option<&Policy>,
) -> Result<ResolvedPolicy, Error> {
    let empty = Policy::default();
    let p = policy.unwrap_or(&empty);
    let preset = p.preset.unwrap_or(preset);
    let strictness = p.strictness.unwrap_or(strictness);
    let base = preset_detectors(preset, strictness)?;
    let mut detectors = base.clone();
    let mut loosenings = Vec::new();
    for (name, o) in &p.detectors {
        let name = detector_name(name)?;
        let before = &base[name];
        let cfg = detectors
            .get_mut(name)
            .ok_or_else(|| Error::config(format!("unknown detector `{name}`")))?;
        if let Some(t) = o.threshold {
            if !(0.0..=1.0).contains(&t) || t.is_nan() {
                return Err(Error::config(format!(
                    "detectors.{name}.threshold must be between 0 and 1, got {t}"
                )));
            }
            cfg.threshold = t;
        }
        if let Some(a) = o.action {
            cfg.action = a;
            cfg.enabled = a != ActionSetting::Allow || o.enabled.unwrap_or(true);
        }
        if let Some(e) = o.enabled {
            cfg.enabled = e;
            if e && cfg.action == ActionSetting::Allow && o.action.is_none() {
                cfg.action = ActionSetting::Block;
            }
        }
        for (entity, a) in &o.entities {
            cfg.entities.insert(entity.to_ascii_uppercase(), *a);
        }
        if o.bulk_block.is_some() {
            cfg.bulk_block = o.bulk_block;
        }
        if before.enabled && !cfg.enabled {
            loosenings.push(format!(
                "detector `{name}` is disabled (preset {preset} enables it)"
            ));
        }
        if cfg.enabled && cfg.action.action() < before.action.action() {
            loosenings.push(format!(
                "detector `{name}` action is {} (preset {preset}: {})",
                cfg.action, before.action
            ));
        }
        if cfg.threshold > before.threshold + 1e-9 {
            loosenings.push(format!(
                "detector `{name}` threshold raised to {:.2} (preset {preset}:{strictness}: {:.2})",
                cfg.threshold, before.threshold
            ));
        }
        for (entity, a) in &cfg.entities {
            if a.action() < cfg.action.action() {
                loosenings.push(format!("entity `{entity}` of `{name}` is {a}"));
            }
        }
    }
    if !p.allow_list.is_empty() {
        loosenings.push(format!(
            "{} allow-list pattern(s) suppress findings",
            p.allow_list.len()
        ));
    }
    let fail_mode = p.fail_mode.unwrap_or(FailMode::Open);
    let max_input_bytes = p.max_input_bytes.unwrap_or(16 * 1024 * 1024);
    let window_bytes = p.window_bytes.unwrap_or(1024 * 1024).max(1024);
    if max_input_bytes == 0 {
        return Err(Error::config("max_input_bytes must be greater than 0"));
    }
    Ok(ResolvedPolicy {
        preset,
        strictness,
        detectors,
        fail_mode,
        window_bytes,
        max_input_bytes,
        redaction: p.redaction.unwrap_or_default(),
        loosenings,
        customised: policy.is_some_and(|p| {
            p != &Policy {
                preset: p.preset,
                strictness: p.strictness,
                ..Policy::default()
            }
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_and_strictness_resolves() {
        for p in Preset::ALL {
            for s in Strictness::ALL {
                let r = resolve(*p, *s, None).expect("resolves");
                assert_eq!(r.detectors.len(), DETECTORS.len());
                assert!(r
                    .detectors
                    .values()
                    .all(|d| (0.0..=1.0).contains(&d.threshold)));
                assert_eq!(r.name(), format!("{p}:{s}"));
            }
        }
    }

    #[test]
    fn strictness_shifts_thresholds_together() {
        let t = |s| resolve(Preset::Default, s, None).expect("ok").detectors["injection"].threshold;
        assert!(t(Strictness::Strict) < t(Strictness::Moderate));
        assert!(t(Strictness::Moderate) < t(Strictness::Permissive));
        assert!((t(Strictness::Moderate) - 0.7).abs() < 1e-9);
    }

    #[test]
    fn presets_differ_where_documented() {
        let r = |p| resolve(p, Strictness::Moderate, None).expect("ok");
        assert!(
            r(Preset::RagSystem).detectors["tool_injection"].threshold
                < r(Preset::Default).detectors["tool_injection"].threshold
        );
        assert!(
            r(Preset::CodeAssistant).detectors["malware"].threshold
                > r(Preset::Default).detectors["malware"].threshold
        );
        assert!(r(Preset::SupportBot).detectors["pii"].bulk_block.is_some());
    }

    #[test]
    fn unknown_keys_are_rejected_by_name() {
        let e = Policy::from_yaml("preset: default\nstrictnes: strict\n").expect_err("rejects");
        assert_eq!(e.kind(), ErrorKind::Config);
        assert!(e.to_string().contains("strictnes"), "{e}");
        let e = Policy::from_json(r#"{"detectors": {"pii": {"actoin": "block"}}}"#)
            .expect_err("rejects");
        assert!(e.to_string().contains("actoin"), "{e}");
        let e = Policy::from_toml("[detectors.pii]\nbogus = 1\n").expect_err("rejects");
        assert!(e.to_string().contains("bogus"), "{e}");
        let p = Policy::from_yaml("detectors:\n  injektion: {enabled: false}\n").expect("parses");
        let e = resolve(Preset::Default, Strictness::Moderate, Some(&p)).expect_err("rejects");
        assert!(e.to_string().contains("injektion"), "{e}");
    }

    #[test]
    fn bad_values_name_the_value() {
        let e = Policy::from_yaml("preset: nope\n").expect_err("rejects");
        assert!(e.to_string().contains("nope"), "{e}");
        assert!("supportbot".parse::<Preset>().is_err());
        assert_eq!(
            "support-bot".parse::<Preset>().expect("ok"),
            Preset::SupportBot
        );
        let p = Policy::from_yaml("detectors:\n  pii: {threshold: 1.5}\n").expect("parses");
        assert!(resolve(Preset::Default, Strictness::Moderate, Some(&p)).is_err());
    }

    #[test]
    fn policy_merges_over_preset_and_flags_loosening() {
        let p = Policy::from_yaml(
            "preset: support_bot\nstrictness: strict\ndetectors:\n  toxicity: {enabled: false}\n  injection: {threshold: 0.95}\n  pii: {entities: {EMAIL: allow, SSN: block}}\n",
        )
        .expect("parses");
        let r = resolve(Preset::Default, Strictness::Moderate, Some(&p)).expect("ok");
        assert_eq!(r.preset, Preset::SupportBot);
        assert_eq!(r.strictness, Strictness::Strict);
        assert!(!r.detectors["toxicity"].enabled);
        assert!((r.detectors["injection"].threshold - 0.95).abs() < 1e-9);
        assert_eq!(r.detectors["pii"].entities["SSN"], ActionSetting::Block);
        assert!(r.loosenings.iter().any(|l| l.contains("toxicity")));
        assert!(r.loosenings.iter().any(|l| l.contains("injection")));
        assert!(r.loosenings.iter().any(|l| l.contains("EMAIL")));
        assert_eq!(r.name(), "support_bot:strict+policy");
    }

    #[test]
    fn preset_spec_parses() {
        assert_eq!(
            parse_preset_spec("support_bot:strict").expect("ok"),
            (Preset::SupportBot, Some(Strictness::Strict))
        );
        assert!(parse_preset_spec("support_bot:hard").is_err());
    }

    #[test]
    fn policy_round_trips_through_every_format() {
        let p = Policy::from_yaml(
            "preset: rag_system\ndetectors:\n  pii: {action: mask}\ndeny_list: [\"project x\"]\n",
        )
        .expect("ok");
        let json = serde_json::to_string(&p).expect("json");
        assert_eq!(Policy::from_json(&json).expect("json back"), p);
        let toml_text = toml::to_string(&p).expect("toml");
        assert_eq!(Policy::from_toml(&toml_text).expect("toml back"), p);
    }
}
