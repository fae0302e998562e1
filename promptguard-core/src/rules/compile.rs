//! Compiling rule specs into a [`RuleSet`] and matching it over the views of a text.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::{Regex, RegexBuilder};
use regex_syntax::hir::literal::Extractor;

use super::RuleSpec;
use crate::decision::{Severity, Span, ThreatType};
use crate::error::{Error, ErrorKind};
use crate::normalize::{ViewKind, Views};
use crate::options::{Direction, Role};
use crate::policy::DETECTORS;
use crate::validators::{self, Validator};

/// The threat type a detector reports by default.
pub(crate) fn detector_threat(detector: &str) -> Option<ThreatType> {
    Some(match detector {
        "injection" => ThreatType::PromptInjection,
        "jailbreak" => ThreatType::Jailbreak,
        "exfiltration" => ThreatType::DataExfiltration,
        "tool_injection" => ThreatType::ToolInjection,
        "pii" => ThreatType::Pii,
        "secret" => ThreatType::Secret,
        "malware" => ThreatType::Malware,
        "fraud" => ThreatType::Fraud,
        "toxicity" => ThreatType::Toxicity,
        "harmful" => ThreatType::HarmfulContent,
        "url" => ThreatType::UrlViolation,
        "mcp" => ThreatType::McpViolation,
        "groundedness" => ThreatType::Groundedness,
        _ => return None,
    })
}

/// Data detectors match the original text and apply to every role, system prompts included.
fn is_data_detector(detector: &str) -> bool {
    matches!(detector, "pii" | "secret")
}

#[derive(Debug)]
enum Pattern {
    Regex { re: Regex, value_group: bool },
    Literals,
}

/// A rule ready to match.
#[derive(Debug)]
pub(crate) struct CompiledRule {
    pub id: String,
    pub detector: &'static str,
    pub threat: ThreatType,
    pub category: Option<String>,
    pub severity: Severity,
    pub weight: f64,
    pub entity: Option<String>,
    pub description: String,
    pattern: Pattern,
    unless: Option<Regex>,
    context: Vec<String>,
    context_window: usize,
    validator: Option<Validator>,
    case_sensitive: bool,
    word_boundary: bool,
    literals: Vec<String>,
    directions: u8,
    roles: u8,
}

impl CompiledRule {
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn first_direction(&self) -> Direction {
        if self.directions & Direction::Input.bit() != 0 {
            Direction::Input
        } else {
            Direction::Output
        }
    }

    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn first_role(&self) -> Role {
        [Role::User, Role::Tool, Role::Assistant, Role::System]
            .into_iter()
            .find(|r| self.roles & r.bit() != 0)
            .unwrap_or(Role::User)
    }

    fn applies(&self, direction: Direction, role: Role) -> bool {
        self.directions & direction.bit() != 0 && self.roles & role.bit() != 0
    }
}

/// What an Aho-Corasick pattern stands for.
#[derive(Debug, Clone, Copy)]
enum AcTarget {
    /// A literal of a literal rule: a match is a hit.
    Literal(usize),
    /// An anchor of a regex rule: a match makes the regex a candidate.
    Anchor(usize),
}

/// A view group while rules are being compiled: its kind, automaton patterns, unanchored rules.
type PendingGroup = (ViewKind, Vec<(String, AcTarget)>, Vec<usize>);

/// All rules that run on one kind of view.
#[derive(Debug)]
struct ViewGroup {
    kind: ViewKind,
    ac: Option<AhoCorasick>,
    targets: Vec<AcTarget>,
    /// Regex rules without usable anchors: always tried.
    unanchored: Vec<usize>,
}

/// A rule that matched, at original offsets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Hit {
    pub rule: usize,
    pub span: Span,
}

/// Compiled rules grouped by view.
#[derive(Debug)]
pub(crate) struct RuleSet {
    rules: Vec<CompiledRule>,
    groups: Vec<ViewGroup>,
}

fn rule_err(id: &str, msg: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::Rule, format!("rule `{id}`: {msg}"))
}

/// `\b` as an ASCII word boundary: Unicode boundaries stop the regex crate's fast DFA on
/// non-ASCII text.
fn ascii_word_boundaries(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('b') => out.push_str("(?-u:\\b)"),
                Some(n) => {
                    out.push('\\');
                    out.push(n);
                }
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Lowercase literals one of which every match of `pattern` starts with, if they are few and
/// long enough to be worth a prefilter.
fn extract_anchors(pattern: &str) -> Option<Vec<String>> {
    let hir = regex_syntax::ParserBuilder::new()
        .utf8(false)
        .build()
        .parse(pattern)
        .ok()?;
    let seq = Extractor::new().extract(&hir);
    let lits = seq.literals()?;
    if lits.is_empty() || lits.len() > 128 {
        return None;
    }
    let mut out: Vec<String> = Vec::with_capacity(lits.len());
    for l in lits {
        let s = String::from_utf8_lossy(l.as_bytes()).to_lowercase();
        if s.trim().chars().count() < 3 {
            return None;
        }
        if !out.contains(&s) {
            out.push(s);
        }
    }
    Some(out)
}

impl RuleSet {
    /// Compiles `specs`; fails on the first bad rule, naming it.
    pub(crate) fn compile(specs: &[RuleSpec]) -> Result<RuleSet, Error> {
        let mut rules = Vec::with_capacity(specs.len());
        let mut per_view: Vec<PendingGroup> = [
            ViewKind::Raw,
            ViewKind::Folded,
            ViewKind::Deobfuscated,
            ViewKind::Decoded,
            ViewKind::DecodedRaw,
        ]
        .into_iter()
        .map(|k| (k, Vec::new(), Vec::new()))
        .collect();
        for spec in specs {
            let idx = rules.len();
            let id = spec.id.trim();
            if id.is_empty() {
                return Err(Error::new(ErrorKind::Rule, "a rule has an empty id"));
            }
            let detector_name = spec.detector.as_deref().unwrap_or("");
            let detector = DETECTORS
                .iter()
                .copied()
                .find(|d| *d == detector_name)
                .ok_or_else(|| {
                    rule_err(
                        id,
                        format!(
                            "unknown detector `{detector_name}`; expected one of: {}",
                            DETECTORS.join(", ")
                        ),
                    )
                })?;
            let threat = match &spec.threat {
                Some(t) => t.parse().map_err(|e: Error| rule_err(id, e.message()))?,
                None => detector_threat(detector)
                    .ok_or_else(|| rule_err(id, "detector without threat type"))?,
            };
            if !(0.0..=1.0).contains(&spec.weight) || spec.weight.is_nan() {
                return Err(rule_err(
                    id,
                    format!("weight must be between 0 and 1, got {}", spec.weight),
                ));
            }
            let data = is_data_detector(detector);
            let view_names: Vec<String> = match &spec.views {
                Some(v) => v.clone(),
                None if data => vec!["raw".into(), "decoded".into()],
                None => vec!["folded".into(), "deobfuscated".into(), "decoded".into()],
            };
            let mut views = Vec::new();
            for name in &view_names {
                let k = ViewKind::parse(name).ok_or_else(|| {
                    rule_err(
                        id,
                        format!(
                            "unknown view `{name}`; expected raw, folded, deobfuscated, decoded"
                        ),
                    )
                })?;
                views.push(k);
            }
            let raw_like = views.contains(&ViewKind::Raw) || views.contains(&ViewKind::DecodedRaw);
            if raw_like {
                // For rules on the original text, `decoded` means the raw decoded text.
                for v in &mut views {
                    if *v == ViewKind::Decoded {
                        *v = ViewKind::DecodedRaw;
                    }
                }
            }
            views.sort();
            views.dedup();
            let case_insensitive = raw_like && !spec.case_sensitive;
            let pattern = match (&spec.regex, &spec.literals) {
                (Some(re), None) => {
                    let src = ascii_word_boundaries(re);
                    let compiled = RegexBuilder::new(&src)
                        .case_insensitive(case_insensitive)
                        .size_limit(4 << 20)
                        .build()
                        .map_err(|e| rule_err(id, format!("bad regex: {e}")))?;
                    let value_group = compiled.capture_names().any(|n| n == Some("value"));
                    Pattern::Regex {
                        re: compiled,
                        value_group,
                    }
                }
                (None, Some(lits)) if !lits.is_empty() => {
                    if lits.iter().any(|l| l.trim().is_empty()) {
                        return Err(rule_err(id, "empty literal"));
                    }
                    Pattern::Literals
                }
                _ => {
                    return Err(rule_err(
                        id,
                        "needs exactly one of `regex` or a non-empty `literals`",
                    ))
                }
            };
            let unless = spec
                .unless
                .as_deref()
                .map(|u| {
                    RegexBuilder::new(&ascii_word_boundaries(u))
                        .case_insensitive(true)
                        .build()
                        .map_err(|e| rule_err(id, format!("bad `unless` regex: {e}")))
                })
                .transpose()?;
            let validator = spec
                .validator
                .as_deref()
                .map(|v| {
                    validators::lookup(v)
                        .ok_or_else(|| rule_err(id, format!("unknown validator `{v}`")))
                })
                .transpose()?;
            let directions = spec
                .direction
                .as_ref()
                .map_or(3, |d| d.iter().fold(0, |m, d| m | d.bit()));
            let default_roles = if data { 15 } else { 14 };
            let roles = spec
                .roles
                .as_ref()
                .map_or(default_roles, |r| r.iter().fold(0, |m, r| m | r.bit()));
            if directions == 0 || roles == 0 {
                return Err(rule_err(id, "empty `direction` or `roles` list"));
            }
            // Register patterns with every view group the rule runs on.
            let anchors: Option<Vec<String>> = match (&pattern, &spec.anchors) {
                (Pattern::Regex { .. }, Some(a)) if !a.is_empty() => {
                    Some(a.iter().map(|s| s.to_lowercase()).collect())
                }
                (Pattern::Regex { .. }, _) => {
                    extract_anchors(&ascii_word_boundaries(spec.regex.as_deref().unwrap_or("")))
                }
                _ => None,
            };
            // The literal automaton folds ASCII case only: a case-insensitive regex on raw text
            // with non-ASCII anchors (Cyrillic capitals...) must not be gated by them.
            let anchors =
                anchors.filter(|a| !(case_insensitive && a.iter().any(|s| !s.is_ascii())));
            for (kind, targets, unanchored) in &mut per_view {
                if !views.contains(kind) {
                    continue;
                }
                match &pattern {
                    Pattern::Literals => {
                        for l in spec.literals.iter().flatten() {
                            targets.push((l.to_lowercase(), AcTarget::Literal(idx)));
                        }
                    }
                    Pattern::Regex { .. } => match &anchors {
                        Some(a) => {
                            targets.extend(a.iter().map(|s| (s.clone(), AcTarget::Anchor(idx))))
                        }
                        None => unanchored.push(idx),
                    },
                }
            }
            rules.push(CompiledRule {
                id: id.to_owned(),
                detector,
                threat,
                category: spec.category.clone(),
                severity: spec.severity,
                weight: spec.weight,
                entity: spec.entity.as_ref().map(|e| e.to_ascii_uppercase()),
                description: spec.description.clone(),
                pattern,
                unless,
                context: spec
                    .context
                    .iter()
                    .flatten()
                    .map(|c| c.to_lowercase())
                    .collect(),
                context_window: spec.context_window.unwrap_or(48),
                validator,
                case_sensitive: spec.case_sensitive,
                word_boundary: spec.word_boundary.unwrap_or(true),
                literals: spec.literals.clone().unwrap_or_default(),
                directions,
                roles,
            });
        }
        let mut groups = Vec::new();
        for (kind, targets, unanchored) in per_view {
            if targets.is_empty() && unanchored.is_empty() {
                continue;
            }
            let ac = if targets.is_empty() {
                None
            } else {
                Some(
                    AhoCorasickBuilder::new()
                        .ascii_case_insensitive(true)
                        .match_kind(MatchKind::Standard)
                        .build(targets.iter().map(|(p, _)| p.as_str()))
                        .map_err(|e| {
                            Error::new(
                                ErrorKind::Rule,
                                format!("cannot build literal automaton: {e}"),
                            )
                        })?,
                )
            };
            groups.push(ViewGroup {
                kind,
                ac,
                targets: targets.into_iter().map(|(_, t)| t).collect(),
                unanchored,
            });
        }
        Ok(RuleSet { rules, groups })
    }

    pub(crate) fn rules(&self) -> &[CompiledRule] {
        &self.rules
    }

    /// Appends every hit of every applicable rule over every view. Hits are not deduplicated.
    pub(crate) fn find(&self, views: &Views, direction: Direction, role: Role, out: &mut Vec<Hit>) {
        let mut candidate = vec![false; self.rules.len()];
        for group in &self.groups {
            for view in views.of_kind(group.kind) {
                let text = view.text.as_str();
                candidate.iter_mut().for_each(|c| *c = false);
                if let Some(ac) = &group.ac {
                    for m in ac.find_overlapping_iter(text) {
                        match group.targets[m.pattern().as_usize()] {
                            AcTarget::Anchor(r) => candidate[r] = true,
                            AcTarget::Literal(r) => {
                                let rule = &self.rules[r];
                                if !rule.applies(direction, role) {
                                    continue;
                                }
                                let (s, e) = (m.start(), m.end());
                                if rule.word_boundary && !at_word_boundaries(text, s, e) {
                                    continue;
                                }
                                if rule.case_sensitive
                                    && matches!(group.kind, ViewKind::Raw | ViewKind::DecodedRaw)
                                    && !rule.literals.iter().any(|l| l == &text[s..e])
                                {
                                    continue;
                                }
                                if self.accept(rule, views, view, text, s, e, None) {
                                    out.push(Hit {
                                        rule: r,
                                        span: view.original_span(s, e),
                                    });
                                }
                            }
                        }
                    }
                }
                for &r in &group.unanchored {
                    candidate[r] = true;
                }
                for (r, _) in candidate.iter().enumerate().filter(|(_, c)| **c) {
                    let rule = &self.rules[r];
                    if !rule.applies(direction, role) {
                        continue;
                    }
                    let Pattern::Regex { re, value_group } = &rule.pattern else {
                        continue;
                    };
                    if *value_group {
                        for caps in re.captures_iter(text).take(MAX_HITS_PER_RULE) {
                            let (Some(m), value) = (caps.get(0), caps.name("value")) else {
                                continue;
                            };
                            let v = value.map(|v| v.as_str());
                            if self.accept(rule, views, view, text, m.start(), m.end(), v) {
                                let (s, e) =
                                    value.map_or((m.start(), m.end()), |v| (v.start(), v.end()));
                                out.push(Hit {
                                    rule: r,
                                    span: view.original_span(s, e),
                                });
                            }
                        }
                    } else {
                        for m in re.find_iter(text).take(MAX_HITS_PER_RULE) {
                            if self.accept(rule, views, view, text, m.start(), m.end(), None) {
                                out.push(Hit {
                                    rule: r,
                                    span: view.original_span(m.start(), m.end()),
                                });
                            }
                        }
                    }
                }
            }
        }
    }

    /// Post-match checks: `unless`, validator, context.
    #[allow(clippy::too_many_arguments)]
    fn accept(
        &self,
        rule: &CompiledRule,
        views: &Views,
        view: &crate::normalize::View,
        text: &str,
        s: usize,
        e: usize,
        value: Option<&str>,
    ) -> bool {
        let matched = &text[s..e];
        if rule.unless.as_ref().is_some_and(|u| u.is_match(matched)) {
            return false;
        }
        if let Some(v) = rule.validator {
            if !v(value.unwrap_or(matched)) {
                return false;
            }
        }
        if !rule.context.is_empty() {
            // Context is looked for in the same view around the match, and for decoded
            // segments in the original text around the segment as well.
            let near = window(text, s, e, rule.context_window).to_lowercase();
            let found = rule.context.iter().any(|c| near.contains(c.as_str()));
            if !found {
                let span = view.original_span(s, e);
                let raw = views.views.first().map_or("", |v| v.text.as_str());
                let near_raw =
                    window(raw, span.start, span.end, rule.context_window).to_lowercase();
                if !rule.context.iter().any(|c| near_raw.contains(c.as_str())) {
                    return false;
                }
            }
        }
        true
    }
}

/// A cap per rule and view, so that a pathological input cannot produce unbounded output.
const MAX_HITS_PER_RULE: usize = 4096;

/// The largest character boundary of `s` at or before `i` (clamped to `s.len()`).
pub(crate) fn floor_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

fn window(text: &str, s: usize, e: usize, w: usize) -> &str {
    let a = floor_boundary(text, s.saturating_sub(w));
    let b = ceil_boundary(text, e.saturating_add(w));
    &text[a..b]
}

fn at_word_boundaries(text: &str, s: usize, e: usize) -> bool {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let m = &text[s..e];
    let first_word = m.chars().next().is_some_and(word);
    let last_word = m.chars().next_back().is_some_and(word);
    let before_ok = !first_word || text[..s].chars().next_back().is_none_or(|c| !word(c));
    let after_ok = !last_word || text[e..].chars().next().is_none_or(|c| !word(c));
    before_ok && after_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_boundaries_are_ascii() {
        assert_eq!(
            ascii_word_boundaries(r"\bfoo\b\\b"),
            r"(?-u:\b)foo(?-u:\b)\\b"
        );
    }

    #[test]
    fn anchors_are_extracted() {
        let a = extract_anchors(r"(?-u:\b)(ignore|disregard) (all )?previous").expect("anchors");
        assert!(!a.is_empty());
        assert!(
            a.iter()
                .all(|s| s.starts_with("ignore") || s.starts_with("disregard")),
            "{a:?}"
        );
        assert!(extract_anchors(r".{0,10}foo").is_none());
    }

    #[test]
    fn literal_word_boundaries() {
        assert!(at_word_boundaries("say dan now", 4, 7));
        assert!(!at_word_boundaries("abundance", 2, 5));
        assert!(at_word_boundaries("<|im_start|>", 0, 12));
    }
}
