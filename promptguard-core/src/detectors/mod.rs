//! Detectors written as code, for checks that rules cannot express (URL parsing and policy,
//! CVE tables, ...). Rule-driven detectors need no code here: their packs feed the rule tier.
//!
//! A code detector gets the text of one window with its views and the scan options, and pushes
//! findings at original byte offsets (add `input.offset` to offsets within `input.text`). It
//! must not panic; the engine still catches a panic and reports the window as unscanned.

#[cfg(test)]
mod corpus_tests;
mod groundedness;
mod powershell;
mod url;

use std::fmt::Debug;

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
