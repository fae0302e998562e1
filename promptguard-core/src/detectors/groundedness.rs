//! The `groundedness` detector (output direction only): security claims a model made up.
//!
//! - Invented CVE ids: malformed ids (`CVE-21-1234`, `CVE-2021-123`, `CVE-2021-01234`), years
//!   before 1999 or after the current year, and sequence numbers beyond what was issued for the
//!   year (`policy/cve_year_max.toml`).
//! - Security statistics without a source ("73% of breaches start with ...") — a weak signal
//!   that blocks only at strict settings or with another finding.
//!
//! Fabricated compliance claims ("HIPAA certified") are rules in `rules/groundedness.toml`.

use std::collections::BTreeMap;
use std::sync::LazyLock;
use std::time::{SystemTime, UNIX_EPOCH};

use regex::Regex;
use serde::Deserialize;

use super::{CodeDetector, DetectorInput, LiteralGate};
use crate::decision::{Finding, Severity, Span, ThreatType};
use crate::error::Error;
use crate::options::Direction;

/// Every match of [`CVE`] holds `cve`, every match of [`STATISTIC`] `%` or `percent`.
static CLAIM_GATE: LazyLock<LiteralGate> =
    LazyLock::new(|| LiteralGate::new(&["cve", "%", "percent"]));

static CVE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\bCVE[-‐‑–—_ ]?(\d+)[-‐‑–—_](\d+)\b").expect("static CVE regex compiles")
});

static STATISTIC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b\d{1,3}(?:\.\d+)?\s?(?:%|percent)\s+of\s+(?:all\s+)?(?:[a-z\-]+\s+){0,2}(?:companies|organi[sz]ations|businesses|enterprises|firms|breaches|data breaches|cyber-?attacks|attacks|security incidents|incidents|ransomware attacks|phishing (?:attacks|emails)|hacks|users|employees|passwords|websites|web applications|applications|apps|vulnerabilities|smbs|cisos|endpoints|devices|networks)\b",
    )
    .expect("static statistic regex compiles")
});

/// Words that show a statistic is attributed to something.
static SOURCE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)according to|\bsource[sd]?\b|\breport(?:ed)?\b|\bsurvey|\bstud(?:y|ies)\b|\bresearch(?:ers)?\b|\bfound that\b|\bpublished\b|\[\d+\]|https?://|\(\d{4}\)|\b(?:verizon|dbir|ibm|ponemon|gartner|forrester|enisa|cisa|nist|sans|sophos|mandiant|crowdstrike|idc|statista|microsoft|google|owasp|fbi|ic3|europol|proofpoint|kaspersky)\b",
    )
    .expect("static source regex compiles")
});

static SECURITY_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:secur|cyber|breach|attack|hack|phish|ransomware|malware|vulnerab|password|threat|incident|exploit|credential|fraud)")
        .expect("static security regex compiles")
});

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CveTableFile {
    max: BTreeMap<String, u64>,
    #[serde(default)]
    extra: BTreeMap<String, Vec<[u64; 2]>>,
}

/// Per-year maxima of issued CVE sequence numbers.
#[derive(Debug, Clone, Default)]
pub(crate) struct CveTable {
    max: BTreeMap<u32, u64>,
    extra: BTreeMap<u32, Vec<[u64; 2]>>,
}

fn year_key(k: &str) -> Result<u32, Error> {
    k.parse::<u32>()
        .ok()
        .filter(|y| (1999..=2200).contains(y))
        .ok_or_else(|| Error::config(format!("cve_year_max.toml: `{k}` is not a year")))
}

impl CveTable {
    pub(crate) fn parse(text: &str) -> Result<CveTable, Error> {
        let file: CveTableFile = toml::from_str(text)
            .map_err(|e| Error::config(format!("cve_year_max.toml: {}", e.message())))?;
        let mut t = CveTable::default();
        for (k, v) in file.max {
            t.max.insert(year_key(&k)?, v);
        }
        for (k, v) in file.extra {
            t.extra.insert(year_key(&k)?, v);
        }
        Ok(t)
    }

    pub(crate) fn embedded() -> Result<CveTable, Error> {
        CveTable::parse(include_str!("../../policy/cve_year_max.toml"))
    }

    fn issued(&self, year: u32, seq: u64) -> bool {
        match self.max.get(&year) {
            None => true,
            Some(max) => {
                seq <= *max
                    || self
                        .extra
                        .get(&year)
                        .is_some_and(|r| r.iter().any(|[a, b]| (*a..=*b).contains(&seq)))
            }
        }
    }
}

/// The current year (UTC) from the system clock.
fn current_year() -> u32 {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    year_of_days(secs / 86_400)
}

/// Civil year of a day count since 1970-01-01 (H. Hinnant's `civil_from_days`).
fn year_of_days(days: u64) -> u32 {
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    u32::try_from(year).unwrap_or(1970)
}

#[derive(Debug)]
pub(crate) struct GroundednessDetector {
    table: CveTable,
    year: u32,
}

impl GroundednessDetector {
    pub(crate) fn new() -> Result<GroundednessDetector, Error> {
        Ok(GroundednessDetector {
            table: CveTable::embedded()?,
            year: current_year(),
        })
    }

    /// What is wrong with a CVE id, if anything: (rule id, weight, explanation).
    fn judge(&self, year_s: &str, seq_s: &str) -> Option<(&'static str, f64, String)> {
        if year_s.len() != 4 {
            return Some((
                "ground.cve.malformed",
                0.85,
                "the year must have four digits".into(),
            ));
        }
        if seq_s.len() < 4 || (seq_s.len() > 4 && seq_s.starts_with('0')) {
            return Some((
                "ground.cve.malformed",
                0.85,
                "the number must have four digits, or more without a leading zero".into(),
            ));
        }
        let year: u32 = year_s.parse().ok()?;
        let Ok(seq) = seq_s.parse::<u64>() else {
            return Some((
                "ground.cve.malformed",
                0.85,
                "the number is too long".into(),
            ));
        };
        if seq == 0 {
            return Some((
                "ground.cve.malformed",
                0.85,
                "no CVE has number 0000".into(),
            ));
        }
        if year < 1999 {
            return Some((
                "ground.cve.invalid_year",
                0.9,
                "CVE ids start in 1999".into(),
            ));
        }
        if year > self.year {
            return Some((
                "ground.cve.future_year",
                0.9,
                format!("{year} is after the current year {}", self.year),
            ));
        }
        if !self.table.issued(year, seq) {
            let max = self.table.max.get(&year).copied().unwrap_or(0);
            return Some((
                "ground.cve.beyond_issued",
                0.85,
                format!("numbers issued for {year} go up to about {max}"),
            ));
        }
        None
    }
}

fn finding(id: &str, weight: f64, category: &str, span: Span, excerpt: String) -> Finding {
    Finding {
        threat_type: ThreatType::Groundedness,
        detector: "groundedness".into(),
        rule_id: id.into(),
        confidence: weight,
        severity: if weight >= 0.85 {
            Severity::Medium
        } else {
            Severity::Low
        },
        span,
        excerpt,
        entity: None,
        category: Some(category.into()),
        message: None,
    }
}

fn around(text: &str, s: usize, e: usize, w: usize) -> &str {
    let mut a = s.saturating_sub(w);
    while !text.is_char_boundary(a) {
        a -= 1;
    }
    let mut b = (e + w).min(text.len());
    while !text.is_char_boundary(b) {
        b += 1;
    }
    &text[a..b]
}

impl CodeDetector for GroundednessDetector {
    fn name(&self) -> &'static str {
        "groundedness"
    }

    fn scan(&self, input: &DetectorInput<'_>, out: &mut Vec<Finding>) {
        if input.options.direction != Direction::Output {
            return;
        }
        let text = input.text;
        if !CLAIM_GATE.may_match(text) {
            return;
        }
        for c in CVE.captures_iter(text).take(1024) {
            let (Some(m), Some(y), Some(n)) = (c.get(0), c.get(1), c.get(2)) else {
                continue;
            };
            if let Some((id, w, why)) = self.judge(y.as_str(), n.as_str()) {
                let span = Span::new(input.offset + m.start(), input.offset + m.end());
                out.push(finding(
                    id,
                    w,
                    "invented_cve",
                    span,
                    format!("{} ({why})", m.as_str()),
                ));
            }
        }
        for m in STATISTIC.find_iter(text).take(256) {
            let near = around(text, m.start(), m.end(), 240);
            if SOURCE.is_match(near) || !SECURITY_WORDS.is_match(near) {
                continue;
            }
            let span = Span::new(input.offset + m.start(), input.offset + m.end());
            out.push(finding(
                "ground.statistic.unsourced",
                0.55,
                "unsourced_statistic",
                span,
                format!("{} (security statistic without a source)", m.as_str()),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detectors::gate_tests;
    use crate::normalize::{normalize, DecodeLimits};
    use crate::options::ScanOptions;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4096))]

        /// The gate never keeps the regexes from a text they match.
        #[test]
        fn the_gate_opens_on_every_match(text in gate_tests::text()) {
            proptest::prop_assert!(
                gate_tests::opens_on_every_match(&CLAIM_GATE, &[&CVE, &STATISTIC], &text),
                "{:?}",
                text
            );
        }
    }

    #[test]
    fn the_gate_shuts_only_on_text_without_a_claim() {
        assert!(CLAIM_GATE.may_match("see Cve-2021-44228"));
        assert!(CLAIM_GATE.may_match("73 PERCENT of breaches"));
        assert!(!CLAIM_GATE.may_match("The capital of France is Paris."));
    }

    fn ids(text: &str, options: &ScanOptions) -> Vec<String> {
        let d = GroundednessDetector {
            table: CveTable::embedded().expect("table parses"),
            year: 2026,
        };
        let views = normalize(text, &DecodeLimits::default());
        let input = DetectorInput {
            text,
            offset: 0,
            views: &views,
            options,
            prior: &[],
        };
        let mut out = Vec::new();
        d.scan(&input, &mut out);
        out.into_iter().map(|f| f.rule_id).collect()
    }

    fn out_ids(text: &str) -> Vec<String> {
        ids(text, &ScanOptions::output())
    }

    #[test]
    fn embedded_table_parses_and_covers_known_ids() {
        let t = CveTable::embedded().expect("parses");
        assert!(t.issued(2021, 44228), "Log4Shell");
        assert!(t.issued(2014, 160), "Heartbleed");
        assert!(t.issued(2018, 1002105), "Kubernetes DWF-range id");
        assert!(t.issued(2026, 999_999), "the current year has no maximum");
        assert!(!t.issued(2014, 99_999));
        assert!(CveTable::parse("[max]\nnineteen = 3\n").is_err());
    }

    #[test]
    fn real_cves_pass() {
        assert!(out_ids(
            "Log4Shell is CVE-2021-44228; Heartbleed is CVE-2014-0160; see also cve-2017-5754."
        )
        .is_empty());
    }

    #[test]
    fn invented_cves_are_reported() {
        assert_eq!(
            out_ids("Patch CVE-2031-1234 now"),
            vec!["ground.cve.future_year"]
        );
        assert_eq!(
            out_ids("It is tracked as CVE-2014-99999."),
            vec!["ground.cve.beyond_issued"]
        );
        assert_eq!(out_ids("see CVE-21-1234"), vec!["ground.cve.malformed"]);
        assert_eq!(out_ids("see CVE-2020-123"), vec!["ground.cve.malformed"]);
        assert_eq!(out_ids("see CVE-2020-01234"), vec!["ground.cve.malformed"]);
        assert_eq!(
            out_ids("see CVE-1995-0001"),
            vec!["ground.cve.invalid_year"]
        );
    }

    #[test]
    fn inputs_are_not_checked() {
        assert!(ids("Is CVE-2031-1234 real?", &ScanOptions::input()).is_empty());
    }

    #[test]
    fn statistics_need_a_source() {
        assert_eq!(
            out_ids("Security matters: 91% of companies suffered a breach last year."),
            vec!["ground.statistic.unsourced"]
        );
        assert!(out_ids(
            "According to the Verizon DBIR, 74% of breaches involve the human element."
        )
        .is_empty());
        assert!(out_ids("About 40% of users prefer dark mode in our app.").is_empty());
    }

    #[test]
    fn civil_year() {
        assert_eq!(year_of_days(0), 1970);
        assert_eq!(year_of_days(20_454), 2026); // 2026-01-01
        assert_eq!(year_of_days(20_453), 2025); // 2025-12-31
    }
}
