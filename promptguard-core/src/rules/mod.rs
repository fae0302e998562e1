//! Rule packs: parsing (`rules/*.toml`, see `rules/README.md`), compiling and matching.
//!
//! Matching is two-staged so that a thousand rules cost little more than one pass over the
//! text: one Aho-Corasick automaton per view finds every literal and every regex *anchor* (a
//! literal that must occur for the regex to match, extracted from the regex); only regexes
//! whose anchors occurred are then run. Regexes with no anchor (an e-mail, a phone number) go
//! through one lazy DFA together, which says where each one's matches end
//! ([`match_ends`]). On long texts each regex then runs only over the bytes that can hold a
//! match: around its anchors, before its match ends, or near its context words, in ranges
//! whose edges cut no match ([`reach`]). Everything is linear in the input (regex crate).

mod compile;
mod match_ends;
mod reach;

use std::collections::{BTreeMap, HashSet};
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

pub(crate) use compile::{floor_boundary, RuleSet};

use crate::decision::Severity;
use crate::error::{Error, ErrorKind};
use crate::options::{Direction, Role};

include!(concat!(env!("OUT_DIR"), "/packs.rs"));

/// One rule as written in a pack or a policy's `custom_rules`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// Unique dotted id, e.g. `pi.override.ignore_previous`.
    pub id: String,
    /// Detector fed by the rule (packs give it once in `[pack]`; custom rules give it here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detector: Option<String>,
    /// Threat type name; defaults to the detector's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threat: Option<String>,
    /// Category within the detector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Severity (default medium).
    #[serde(default = "default_severity")]
    pub severity: Severity,
    /// Probability that a match alone is a true threat.
    pub weight: f64,
    /// The regular expression (exclusive with `literals`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regex: Option<String>,
    /// Phrases (exclusive with `regex`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub literals: Option<Vec<String>>,
    /// Views to match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub views: Option<Vec<String>>,
    /// Directions the rule applies to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<Vec<Direction>>,
    /// Roles the rule applies to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<Role>>,
    /// Literals one of which must occur before the regex is tried.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anchors: Option<Vec<String>>,
    /// A match whose text matches this regex is dropped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unless: Option<String>,
    /// A match is dropped when the text just before it (`context_window` bytes) matches this
    /// regex; end it with `$` to mean "directly before" (an e-mail shape right after
    /// `https://user:` is a URL's password and host, not an address).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unless_before: Option<String>,
    /// What `unless` is tested on: the match alone (the default), or the match and the rest
    /// of its sentence. A request's exception often follows it ("how to set up a dogfight *in
    /// a flight sim*", "…*with their consent*"); with `to_sentence_end` the rule can drop such
    /// a match while its match, and so its reported span, stays the request itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unless_scope: Option<UnlessScope>,
    /// Words one of which must occur near the match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Vec<String>>,
    /// Bytes either side searched for `context`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_window: Option<usize>,
    /// Name of a validator (`src/validators`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validator: Option<String>,
    /// Entity label for redaction tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity: Option<String>,
    /// Keep case when matching raw text.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub case_sensitive: bool,
    /// A catch-all shape (a secret assigned to a key-named variable) that reports only what
    /// the specific rules of its detector missed: its match is dropped where another rule of
    /// the same detector found something overlapping, so a provider key is named once, by its
    /// provider's rule, and a key no provider rule recognises is still reported.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fallback: bool,
    /// Literals only: require word boundaries (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub word_boundary: Option<bool>,
    /// What the rule detects, in words; used in decision reasons.
    #[serde(default)]
    pub description: String,
    /// Examples checked by the test suite.
    #[serde(default, skip_serializing_if = "Examples::is_empty")]
    pub examples: Examples,
}

/// What a rule's `unless` regex is tested on (see [`RuleSpec::unless_scope`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnlessScope {
    /// The matched text alone.
    #[default]
    Match,
    /// The matched text and what follows it up to the end of its sentence (the first `.`,
    /// `?`, `!` or line break), at most [`UnlessScope::SENTENCE_REACH`] bytes past the match.
    ToSentenceEnd,
}

impl UnlessScope {
    /// How far past a match `to_sentence_end` looks when no sentence end comes first: a
    /// clause, not a page (in a text with no punctuation a word three paragraphs on must not
    /// drop a request).
    pub const SENTENCE_REACH: usize = 80;
}

fn default_severity() -> Severity {
    Severity::Medium
}

/// Positive and negative examples of a rule.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Examples {
    /// Texts the rule must match.
    #[serde(default)]
    pub positive: Vec<String>,
    /// Look-alikes the rule must not match.
    #[serde(default)]
    pub negative: Vec<String>,
}

impl Examples {
    fn is_empty(&self) -> bool {
        self.positive.is_empty() && self.negative.is_empty()
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PackFile {
    pack: PackHeader,
    #[serde(default)]
    rule: Vec<RuleSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PackHeader {
    detector: String,
    #[serde(default)]
    #[allow(dead_code)]
    description: String,
    /// `unless_before` of every rule of the pack that has none of its own: an exception that
    /// holds for a whole family of rules is written once.
    #[serde(default)]
    unless_before: Option<String>,
    /// `unless_scope` of every rule of the pack that has none of its own.
    #[serde(default)]
    unless_scope: Option<UnlessScope>,
    /// Named exceptions: a rule's `unless` or `unless_before` of `"@name"` is the regex named
    /// here, so an exception that several rules of a pack share (but not all of them) is
    /// written, and fixed, once. One that rules of several packs share is in
    /// `rules/exceptions.toml` instead, and a pack may not define its names again.
    #[serde(default)]
    exceptions: BTreeMap<String, String>,
}

/// `rules/exceptions.toml`: exceptions every pack, and every custom rule, may name.
const SHARED_EXCEPTIONS_FILE: &str = include_str!("../../rules/exceptions.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SharedExceptionsFile {
    exceptions: BTreeMap<String, String>,
}

/// The exceptions of `rules/exceptions.toml`, parsed once. The file is compiled in, so it
/// fails for every engine or for none (`embedded_packs_compile` proves none).
fn shared_exceptions() -> Result<&'static BTreeMap<String, String>, Error> {
    static SHARED: OnceLock<Result<BTreeMap<String, String>, String>> = OnceLock::new();
    SHARED
        .get_or_init(|| {
            toml::from_str::<SharedExceptionsFile>(SHARED_EXCEPTIONS_FILE)
                .map(|f| f.exceptions)
                .map_err(|e| e.message().to_string())
        })
        .as_ref()
        .map_err(|m| Error::new(ErrorKind::Rule, format!("rules/exceptions.toml: {m}")))
}

/// `field`'s value with a named exception (`@name`) replaced by its regex: the pack's own
/// (`local`), else a shared one. `owner` says whose rule it is in an error ("rule pack x.toml",
/// "custom rule").
fn resolve_exception(
    owner: &str,
    rule: &str,
    field: &str,
    value: &mut Option<String>,
    local: &BTreeMap<String, String>,
) -> Result<(), Error> {
    let Some(name) = value.as_deref().and_then(|v| v.strip_prefix('@')) else {
        return Ok(());
    };
    let shared = shared_exceptions()?;
    let regex = local
        .get(name)
        .or_else(|| shared.get(name))
        .ok_or_else(|| {
            let known: Vec<&str> = local
                .keys()
                .chain(shared.keys())
                .map(String::as_str)
                .collect();
            let known = known.join(", ");
            Error::new(
                ErrorKind::Rule,
                format!(
                    "{owner}: rule `{rule}`: {field} names exception `{name}`, which is not \
                     defined (known: {known})"
                ),
            )
        })?;
    *value = Some(regex.clone());
    Ok(())
}

/// Both exception fields of `r` (`unless`, `unless_before`) with their named exceptions
/// resolved: what a pack's rules and a policy's custom rules go through alike.
fn resolve_named(
    owner: &str,
    r: &mut RuleSpec,
    local: &BTreeMap<String, String>,
) -> Result<(), Error> {
    resolve_exception(owner, &r.id, "unless", &mut r.unless, local)?;
    resolve_exception(owner, &r.id, "unless_before", &mut r.unless_before, local)
}

/// A custom rule (from a policy) with its named exceptions (`@name`, from
/// `rules/exceptions.toml`) resolved; an unknown name is an error naming the rule.
pub(crate) fn resolve_custom(mut r: RuleSpec) -> Result<RuleSpec, Error> {
    resolve_named("custom rule", &mut r, &BTreeMap::new())?;
    Ok(r)
}

/// Parses one pack; every rule gets the pack's detector, `unless_before` and `unless_scope`
/// unless it names its own, and its named exceptions (`@name`) resolved.
pub(crate) fn parse_pack(name: &str, text: &str) -> Result<Vec<RuleSpec>, Error> {
    let file: PackFile = toml::from_str(text).map_err(|e| {
        Error::with_source(
            ErrorKind::Rule,
            format!("rule pack {name}: {}", e.message()),
            e,
        )
    })?;
    let exceptions = &file.pack.exceptions;
    let shared = shared_exceptions()?;
    if let Some(taken) = exceptions.keys().find(|k| shared.contains_key(*k)) {
        return Err(Error::new(
            ErrorKind::Rule,
            format!(
                "rule pack {name}: [pack.exceptions] defines `{taken}`, which \
                 rules/exceptions.toml already defines"
            ),
        ));
    }
    let owner = format!("rule pack {name}");
    file.rule
        .into_iter()
        .map(|mut r| {
            r.detector.get_or_insert_with(|| file.pack.detector.clone());
            if r.unless_before.is_none() {
                r.unless_before.clone_from(&file.pack.unless_before);
            }
            r.unless_scope = r.unless_scope.or(file.pack.unless_scope);
            resolve_named(&owner, &mut r, exceptions)?;
            Ok(r)
        })
        .collect()
}

/// Every rule of every embedded pack.
pub(crate) fn embedded_rules() -> Result<Vec<RuleSpec>, Error> {
    let mut all = Vec::new();
    let mut ids = HashSet::new();
    for (name, text) in EMBEDDED_PACKS {
        for r in parse_pack(name, text)? {
            if !ids.insert(r.id.clone()) {
                return Err(Error::new(
                    ErrorKind::Rule,
                    format!("rule pack {name}: duplicate rule id `{}`", r.id),
                ));
            }
            all.push(r);
        }
    }
    Ok(all)
}

/// Number of patterns of a rule: 1 per regex, 1 per literal.
pub(crate) fn pattern_count(r: &RuleSpec) -> usize {
    r.literals
        .as_ref()
        .map_or(usize::from(r.regex.is_some()), Vec::len)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decision::Span;
    use crate::normalize::{normalize, DecodeLimits};

    #[test]
    fn embedded_packs_compile() {
        let rules = embedded_rules().expect("packs parse");
        assert!(!rules.is_empty());
        RuleSet::compile(&rules).expect("packs compile");
    }

    #[test]
    fn every_rule_has_description_and_examples() {
        for r in embedded_rules().expect("packs parse") {
            assert!(
                !r.description.trim().is_empty(),
                "rule {} lacks a description",
                r.id
            );
            assert!(
                !r.examples.positive.is_empty(),
                "rule {} lacks a positive example",
                r.id
            );
            assert!(
                !r.examples.negative.is_empty(),
                "rule {} lacks a negative example",
                r.id
            );
        }
    }

    /// A pack's `unless_before` and `unless_scope` are every rule's that does not set its own.
    #[test]
    fn pack_exceptions_are_rule_defaults() {
        let pack = "[pack]\ndetector = \"harmful\"\nunless_scope = \"to_sentence_end\"\n\
                    unless_before = 'why'\n\
                    [[rule]]\nid = \"a\"\nweight = 0.5\nregex = 'x'\n\
                    [[rule]]\nid = \"b\"\nweight = 0.5\nregex = 'y'\nunless_scope = \"match\"\n\
                    unless_before = 'how come'\n";
        let rules = parse_pack("t", pack).expect("pack parses");
        assert_eq!(rules[0].unless_scope, Some(UnlessScope::ToSentenceEnd));
        assert_eq!(rules[0].unless_before.as_deref(), Some("why"));
        assert_eq!(rules[1].unless_scope, Some(UnlessScope::Match));
        assert_eq!(rules[1].unless_before.as_deref(), Some("how come"));
        let plain = parse_pack(
            "t",
            "[pack]\ndetector = \"harmful\"\n[[rule]]\nid = \"a\"\nweight = 0.5\nregex = 'x'\n",
        )
        .expect("pack parses");
        assert_eq!(plain[0].unless_scope, None);
        assert_eq!(plain[0].unless_before, None);
    }

    /// `"@name"` in `unless` or `unless_before` is the pack's exception of that name; a name the
    /// pack does not define is an error that names the rule and the exception.
    #[test]
    fn named_exceptions_resolve_within_their_pack() {
        let pack = "[pack]\ndetector = \"injection\"\nunless_before = '@negated'\n\
                    [pack.exceptions]\nnegated = '\\bnever\\s*$'\nhuman = 'doctor'\n\
                    [[rule]]\nid = \"a\"\nweight = 0.5\nregex = 'x'\nunless = '@human'\n\
                    [[rule]]\nid = \"b\"\nweight = 0.5\nregex = 'y'\nunless_before = 'why'\n";
        let rules = parse_pack("t", pack).expect("pack parses");
        assert_eq!(rules[0].unless.as_deref(), Some("doctor"));
        assert_eq!(rules[0].unless_before.as_deref(), Some("\\bnever\\s*$"));
        assert_eq!(rules[1].unless_before.as_deref(), Some("why"));
        let missing = "[pack]\ndetector = \"injection\"\n\
                       [[rule]]\nid = \"a\"\nweight = 0.5\nregex = 'x'\nunless_before = '@nope'\n";
        let err = parse_pack("t.toml", missing).expect_err("unknown exception");
        assert_eq!(err.kind(), ErrorKind::Rule);
        let msg = err.to_string();
        assert!(msg.contains("`a`") && msg.contains("`nope`"), "{msg}");
    }

    /// `rules/exceptions.toml` is every pack's: a pack names its exceptions without defining
    /// them, may not define one of them again, and a custom rule names them too.
    #[test]
    fn shared_exceptions_serve_every_pack_and_custom_rules() {
        let shared = shared_exceptions().expect("exceptions.toml parses");
        let negated = shared
            .get("negated_order")
            .expect("negated_order is shared");
        let pack = "[pack]\ndetector = \"injection\"\n\
                    [[rule]]\nid = \"a\"\nweight = 0.5\nregex = 'x'\nunless_before = '@negated_order'\n";
        let rules = parse_pack("t", pack).expect("pack parses");
        assert_eq!(rules[0].unless_before.as_ref(), Some(negated));
        let again = "[pack]\ndetector = \"injection\"\n[pack.exceptions]\nnegated_order = 'no'\n\
                     [[rule]]\nid = \"a\"\nweight = 0.5\nregex = 'x'\n";
        let msg = parse_pack("t.toml", again)
            .expect_err("defined twice")
            .to_string();
        assert!(
            msg.contains("negated_order") && msg.contains("exceptions.toml"),
            "{msg}"
        );

        let custom = |unless: &str| {
            let pack = "[pack]\ndetector = \"injection\"\n\
                        [[rule]]\nid = \"acme.x\"\nweight = 0.5\nregex = 'x'\n";
            let mut r = parse_pack("t", pack).expect("pack parses").remove(0);
            // As a policy's custom rule arrives: its `@name` not yet resolved.
            r.unless = Some(unless.to_string());
            resolve_custom(r)
        };
        let r = custom("@someone_elses_instructions").expect("shared name");
        assert_eq!(r.unless.as_ref(), shared.get("someone_elses_instructions"));
        assert_eq!(
            custom("plain").expect("a regex").unless.as_deref(),
            Some("plain")
        );
        let err = custom("@nope").expect_err("unknown name");
        assert_eq!(err.kind(), ErrorKind::Rule);
        let msg = err.to_string();
        assert!(
            msg.contains("custom rule") && msg.contains("acme.x") && msg.contains("negated_order"),
            "{msg}"
        );
    }

    /// Every rule matches its positive examples and not its negative ones, each scanned in the
    /// first direction and role the rule applies to.
    #[test]
    fn every_rule_example_holds() {
        let rules = embedded_rules().expect("packs parse");
        let set = RuleSet::compile(&rules).expect("packs compile");
        let mut failures = Vec::new();
        for (i, r) in set.rules().iter().enumerate() {
            let dir = r.first_direction();
            let role = r.first_role();
            let check = |text: &str| -> bool {
                let views = normalize(text, &DecodeLimits::default());
                let mut hits = Vec::new();
                set.find(&views, dir, role, &mut hits);
                hits.iter().any(|h| h.rule == i)
            };
            let spec = &rules[i];
            for p in &spec.examples.positive {
                if !check(p) {
                    failures.push(format!("{}: positive example not matched: {p:?}", r.id));
                }
            }
            for n in &spec.examples.negative {
                if check(n) {
                    failures.push(format!("{}: negative example matched: {n:?}", r.id));
                }
            }
        }
        assert!(
            failures.is_empty(),
            "{} failures:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    /// In long texts regexes run only around their anchors, and only those anchors count that
    /// sit where the regex puts word boundaries: every positive example must still be found,
    /// at its place, inside a long document.
    #[test]
    fn every_positive_example_holds_inside_a_long_text() {
        let rules = embedded_rules().expect("packs parse");
        let set = RuleSet::compile(&rules).expect("packs compile");
        // Plain prose with no rule's anchors in it, so searches are narrowed to the example.
        let filler = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ".repeat(40);
        let mut failures = Vec::new();
        let mut checked = 0;
        for (i, r) in set.rules().iter().enumerate() {
            let spec = &rules[i];
            // Edge assertions (`^`, `$`) cannot hold in the middle of a document.
            if spec
                .regex
                .as_deref()
                .is_some_and(|re| re.contains('^') || re.contains('$'))
            {
                continue;
            }
            let (dir, role) = (r.first_direction(), r.first_role());
            let hits = |text: &str| -> Vec<Span> {
                let views = normalize(text, &DecodeLimits::default());
                let mut hits = Vec::new();
                set.find(&views, dir, role, &mut hits);
                hits.into_iter()
                    .filter(|h| h.rule == i)
                    .map(|h| h.span)
                    .collect()
            };
            for p in &spec.examples.positive {
                if hits(p).is_empty() {
                    continue;
                }
                checked += 1;
                let text = format!("{filler}\n{p}\n{filler}");
                let at = filler.len() + 1;
                // Where it starts: greedy tails (`\s+[A-Z]\w+` names) may run on into the text.
                if !hits(&text)
                    .iter()
                    .any(|s| s.start >= at && s.start < at + p.len())
                {
                    failures.push(format!("{}: not found in a long text: {p:?}", r.id));
                }
            }
        }
        assert!(checked > 500, "only {checked} examples checked");
        assert!(
            failures.is_empty(),
            "{} failures:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    #[test]
    fn bad_rules_fail_with_the_rule_named() {
        let bad = |toml_text: &str| {
            let rules = parse_pack("t.toml", toml_text)?;
            RuleSet::compile(&rules).map(|_| ())
        };
        let e = bad(
            "[pack]\ndetector='injection'\n[[rule]]\nid='x.y'\nweight=0.5\nregex='(unclosed'\n",
        )
        .expect_err("bad regex");
        assert!(e.to_string().contains("x.y"), "{e}");
        let e = bad("[pack]\ndetector='nope'\n[[rule]]\nid='x.z'\nweight=0.5\nregex='a'\n")
            .expect_err("bad detector");
        assert!(e.to_string().contains("nope"), "{e}");
        let e = bad(
            "[pack]\ndetector='pii'\n[[rule]]\nid='x.v'\nweight=0.5\nregex='a'\nvalidator='zzz'\n",
        )
        .expect_err("bad validator");
        assert!(e.to_string().contains("zzz"), "{e}");
        let e = bad("[pack]\ndetector='pii'\n[[rule]]\nid='x.w'\nweight=1.5\nregex='abc'\n")
            .expect_err("bad weight");
        assert!(e.to_string().contains("x.w"), "{e}");
        let e = bad("[pack]\ndetector='pii'\n[[rule]]\nid='x.u'\nweight=0.5\nregex='abc'\nfoo=1\n")
            .expect_err("unknown key");
        assert!(e.to_string().contains("foo"), "{e}");
    }

    /// A regex counts once, a literal list by its phrases: what `embedded_pattern_count`
    /// reports is the sum over the packs, and every rule holds at least one pattern.
    #[test]
    fn counts_patterns() {
        let one = |extra: &str| {
            let pack = format!("[pack]\ndetector='pii'\n[[rule]]\nid='x.u'\nweight=0.5\n{extra}\n");
            pattern_count(&parse_pack("t", &pack).expect("pack parses")[0])
        };
        assert_eq!(one("regex='abc'"), 1);
        assert_eq!(one("literals=['abc', 'def', 'ghi']"), 3);
        let rules = embedded_rules().expect("ok");
        assert!(rules.iter().all(|r| pattern_count(r) >= 1));
        let total: usize = rules.iter().map(pattern_count).sum();
        assert!(total >= rules.len());
        assert_eq!(crate::embedded_pattern_count(), total);
    }
}
