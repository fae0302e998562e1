//! Runs the detector case corpus (`testdata/detectors.jsonl`, `testdata/benign_commands.jsonl`)
//! through the engine: every case's decision, threat type and rule ids must hold.

use std::collections::HashMap;

use serde::Deserialize;

use crate::engine::{Engine, EngineBuilder};
use crate::options::{Direction, Role, ScanOptions};
use crate::policy::{Preset, Strictness};

#[derive(Debug, Deserialize)]
struct Case {
    name: String,
    preset: String,
    #[serde(default)]
    strictness: Option<String>,
    #[serde(default)]
    direction: Option<String>,
    #[serde(default)]
    role: Option<String>,
    input: String,
    expect: Expect,
}

#[derive(Debug, Deserialize)]
struct Expect {
    decision: String,
    #[serde(default)]
    threat_type: Option<String>,
    #[serde(default)]
    rule_ids: Vec<String>,
}

fn run(corpus: &str) -> Vec<String> {
    let mut engines: HashMap<(String, String), Engine> = HashMap::new();
    let mut failures = Vec::new();
    for (i, line) in corpus
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let case: Case =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("line {}: {e}", i + 1));
        let strictness = case.strictness.clone().unwrap_or_else(|| "moderate".into());
        let engine = engines
            .entry((case.preset.clone(), strictness.clone()))
            .or_insert_with(|| {
                let preset: Preset = case.preset.parse().expect("preset");
                let s: Strictness = strictness.parse().expect("strictness");
                EngineBuilder::new()
                    .preset(preset)
                    .strictness(s)
                    .build()
                    .expect("engine builds")
            });
        let mut options = ScanOptions::default();
        if let Some(d) = &case.direction {
            options.direction = d.parse::<Direction>().expect("direction");
        }
        if let Some(r) = &case.role {
            options = options.with_role(r.parse::<Role>().expect("role"));
        }
        let d = engine.scan_with(&case.input, &options);
        let mut problems = Vec::new();
        if d.action.as_str() != case.expect.decision {
            problems.push(format!(
                "decision {} (expected {})",
                d.action, case.expect.decision
            ));
        }
        if let Some(t) = &case.expect.threat_type {
            if d.threat_type.map(|x| x.as_str()) != Some(t.as_str()) {
                problems.push(format!(
                    "threat {:?} (expected {t})",
                    d.threat_type.map(|x| x.as_str())
                ));
            }
        }
        for r in &case.expect.rule_ids {
            if !d.rule_ids().any(|x| x == r) {
                problems.push(format!("rule {r} missing"));
            }
        }
        if !problems.is_empty() {
            failures.push(format!(
                "{}: {} — {}",
                case.name,
                problems.join(", "),
                d.reason
            ));
        }
    }
    failures
}

#[test]
fn detector_cases_hold() {
    let corpus = include_str!("../../testdata/detectors.jsonl");
    assert!(corpus.lines().count() >= 40);
    let failures = run(corpus);
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn benign_commands_are_allowed() {
    let failures = run(include_str!("../../testdata/benign_commands.jsonl"));
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Development aid, not a check: block rates of the default and code_assistant presets over
/// labelled datasets. `PG_EVAL_FILES=a.jsonl:b.jsonl cargo test --lib eval_datasets -- --ignored --nocapture`
#[test]
#[ignore = "reads ../shared/datasets; run by hand"]
fn eval_datasets() {
    let files = std::env::var("PG_EVAL_FILES").unwrap_or_default();
    for preset in [Preset::Default, Preset::CodeAssistant] {
        let engine = EngineBuilder::new()
            .preset(preset)
            .build()
            .expect("engine builds");
        for file in files.split(':').filter(|f| !f.is_empty()) {
            let text = std::fs::read_to_string(file).expect("dataset readable");
            let (mut n, mut flagged, mut mine) = (0usize, 0usize, 0usize);
            let ours = [
                "malware",
                "fraud",
                "toxicity",
                "harmful",
                "url",
                "mcp",
                "groundedness",
            ];
            let mut by_rule: HashMap<String, usize> = HashMap::new();
            for line in text.lines() {
                let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
                    continue;
                };
                let t = v["text"].as_str().unwrap_or("");
                let d = engine.scan(t);
                n += 1;
                if d.action != crate::decision::Action::Allow {
                    flagged += 1;
                    if d.threats
                        .iter()
                        .any(|f| ours.contains(&f.detector.as_str()))
                    {
                        mine += 1;
                    }
                    if let Some(f) = d.threats.first() {
                        *by_rule.entry(f.rule_id.clone()).or_default() += 1;
                    }
                }
            }
            let mut top: Vec<_> = by_rule.into_iter().collect();
            top.sort_by_key(|e| std::cmp::Reverse(e.1));
            top.truncate(6);
            let pct = |k: usize| 100.0 * k as f64 / n.max(1) as f64;
            println!(
                "{preset} {file}: {flagged}/{n} = {:.1}% flagged, by these detectors {mine} = {:.1}%; top {top:?}",
                pct(flagged),
                pct(mine)
            );
        }
    }
}
