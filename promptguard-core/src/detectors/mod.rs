//! Detectors written as code, for checks that rules cannot express (URL parsing and policy,
//! CVE tables, ...). Rule-driven detectors need no code here: their packs feed the rule tier.
//!
//! A code detector gets the text of one window with its views and the scan options, and pushes
//! findings at original byte offsets (add `input.offset` to offsets within `input.text`). It
//! must not panic; the engine still catches a panic and reports the window as unscanned.

#[cfg(test)]
mod corpus_tests;
#[cfg(test)]
mod gate_tests;
mod groundedness;
mod powershell;
mod url;

use std::fmt::Debug;

use aho_corasick::AhoCorasick;

use crate::decision::Finding;
use crate::error::Error;
use crate::normalize::Views;
use crate::options::ScanOptions;
use crate::policy::Policy;

/// What a code detector sees.
#[derive(Debug)]
#[allow(dead_code)] // `views` is not read by every detector build
pub(crate) struct DetectorInput<'a> {
    /// The window of the original text being scanned.
    pub text: &'a str,
    /// Byte offset of `text` within the whole input.
    pub offset: usize,
    /// The normalised views of `text`.
    pub views: &'a Views,
    /// The scan's options.
    pub options: &'a ScanOptions,
    /// Findings of the rule tier in this window (for cascades: act only where rules are unsure).
    pub prior: &'a [Finding],
}

/// Literals of which every match of a detector's regexes holds at least one, so that a text
/// holding none of them is not run through the regexes at all. Most texts hold no URL, CVE or
/// PowerShell command line, and a regex search costs its fixed set-up (a cache taken from the
/// regex's pool, slower on every thread but the first that used it) and, in a gateway between
/// two requests, cold caches, even on a short text: one small case-insensitive automaton for
/// all of a detector's regexes is cheaper.
///
/// Exact only on ASCII text: `(?i)` also folds `ſ` (U+017F) to `s` and the Kelvin sign to `k`,
/// which an ASCII case-insensitive search does not, so any other text always runs the regexes.
#[derive(Debug)]
pub(crate) struct LiteralGate(AhoCorasick);

impl LiteralGate {
    /// `literals` are searched ASCII case-insensitively; they are constants of the detector.
    pub(crate) fn new(literals: &[&str]) -> LiteralGate {
        LiteralGate(
            AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .build(literals)
                .expect("a detector's gate literals build an automaton"),
        )
    }

    /// False only when no match of the gated regexes can be in `text`.
    pub(crate) fn may_match(&self, text: &str) -> bool {
        !text.is_ascii() || self.0.is_match(text)
    }
}

/// How the ML tier runs (see `ML-NOTES.md` and the ML issue).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MlMode {
    /// Rules only.
    Off,
    /// Models score only what the rules leave unsure (rules alone in builds without models).
    #[default]
    Cascade,
    /// Models score every text.
    Always,
}

impl MlMode {
    /// `off`, `cascade` or `always`.
    pub fn as_str(self) -> &'static str {
        match self {
            MlMode::Off => "off",
            MlMode::Cascade => "cascade",
            MlMode::Always => "always",
        }
    }
}

impl std::str::FromStr for MlMode {
    type Err = crate::error::Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "off" => Ok(MlMode::Off),
            "cascade" => Ok(MlMode::Cascade),
            "always" => Ok(MlMode::Always),
            _ => Err(crate::error::Error::config(format!(
                "unknown ML mode `{s}`; expected off, cascade or always"
            ))),
        }
    }
}

/// What building a code detector may depend on.
#[derive(Debug, Clone, Default)]
pub(crate) struct BuildContext<'a> {
    /// The user's policy, if any.
    pub policy: Option<&'a Policy>,
    /// How the ML tier runs.
    pub ml_mode: MlMode,
    /// Where model files are read from (`None`: the embedded/default location).
    pub model_dir: Option<&'a std::path::Path>,
}

/// A detector implemented in code.
pub(crate) trait CodeDetector: Send + Sync + Debug + std::panic::RefUnwindSafe {
    /// The detector name (one of [`crate::DETECTORS`]) whose policy settings apply.
    fn name(&self) -> &'static str;
    /// Pushes findings for `input`.
    fn scan(&self, input: &DetectorInput<'_>, out: &mut Vec<Finding>);
    /// The rule id of this detector's findings when they are a model's score and nothing else
    /// (the ML tier): such a finding corroborates, it cannot say which phrase is the threat.
    fn model_rule_id(&self) -> Option<&str> {
        None
    }
}

/// Builds every code detector for a policy (the policy may configure them).
pub(crate) fn build_all(ctx: &BuildContext<'_>) -> Result<Vec<Box<dyn CodeDetector>>, Error> {
    let mut all: Vec<Box<dyn CodeDetector>> = vec![
        Box::new(url::UrlDetector::new(
            ctx.policy.and_then(|p| p.urls.as_ref()),
        )?),
        Box::new(groundedness::GroundednessDetector::new()?),
        Box::new(powershell::EncodedPowerShell::new(ctx.policy)?),
        Box::new(crate::mcp::McpDetector::new(
            ctx.policy.and_then(|p| p.mcp.as_ref()),
        )?),
    ];
    all.extend(crate::ml::build(ctx)?);
    Ok(all)
}
