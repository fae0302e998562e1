//! Runs the shared case corpus (`testdata/*.jsonl`), the same cases the Python and Node suites run.

use std::collections::HashMap;
use std::path::Path;

use promptguard_core::{Direction, Engine, EngineBuilder, Preset, Role, ScanOptions, Strictness};
use serde_json::Value;

fn engine_for(
    cache: &mut HashMap<(Preset, Strictness), Engine>,
    preset: Preset,
    strictness: Strictness,
) -> Engine {
    cache
        .entry((preset, strictness))
        .or_insert_with(|| {
            EngineBuilder::new()
                .preset(preset)
                .strictness(strictness)
                .build()
                .expect("engine builds")
        })
        .clone()
}

fn check_case(
    case: &Value,
    engines: &mut HashMap<(Preset, Strictness), Engine>,
) -> Result<(), String> {
    let get = |k: &str| case.get(k).and_then(Value::as_str);
    let preset: Preset = get("preset")
        .unwrap_or("default")
        .parse()
        .map_err(|e| format!("{e}"))?;
    let strictness: Strictness = get("strictness")
        .unwrap_or("moderate")
        .parse()
        .map_err(|e| format!("{e}"))?;
    let direction: Direction = get("direction")
        .unwrap_or("input")
        .parse()
        .map_err(|e| format!("{e}"))?;
    let role: Option<Role> = get("role")
        .map(str::parse)
        .transpose()
        .map_err(|e| format!("{e}"))?;
    let input = get("input").ok_or("case lacks `input`")?;
    let expect = case.get("expect").ok_or("case lacks `expect`")?;
    let engine = engine_for(engines, preset, strictness);
    let d = engine.scan_with(
        input,
        &ScanOptions {
            direction,
            role,
            ..ScanOptions::default()
        },
    );
    let want = expect
        .get("decision")
        .and_then(Value::as_str)
        .ok_or("expect lacks `decision`")?;
    if d.action.as_str() != want {
        return Err(format!(
            "decision {} != expected {want} ({})",
            d.action, d.reason
        ));
    }
    if let Some(t) = expect.get("threat_type") {
        let got = d.threat_type.map(|t| t.as_str().to_owned());
        let want_t = t.as_str().map(str::to_owned);
        if got != want_t {
            return Err(format!(
                "threat_type {got:?} != expected {want_t:?} ({})",
                d.reason
            ));
        }
    }
    if let Some(ids) = expect.get("rule_ids").and_then(Value::as_array) {
        for id in ids.iter().filter_map(Value::as_str) {
            if !d.rule_ids().any(|r| r == id) {
                return Err(format!(
                    "rule {id} not among findings {:?}",
                    d.rule_ids().collect::<Vec<_>>()
                ));
            }
        }
    }
    if let Some(r) = expect.get("redacted_text").and_then(Value::as_str) {
        if d.redacted_text.as_deref() != Some(r) {
            return Err(format!(
                "redacted_text {:?} != expected {r:?}",
                d.redacted_text
            ));
        }
    }
    for f in &d.threats {
        if !(input.is_char_boundary(f.span.start)
            && input.is_char_boundary(f.span.end)
            && f.span.start <= f.span.end
            && f.span.end <= input.len())
        {
            return Err(format!(
                "finding {} has an invalid span {:?}",
                f.rule_id, f.span
            ));
        }
    }
    Ok(())
}

#[test]
fn shared_corpus_holds() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("testdata exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    let mut engines = HashMap::new();
    let mut failures = Vec::new();
    let mut total = 0;
    for f in &files {
        let text = std::fs::read_to_string(f).expect("readable");
        for (n, line) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            total += 1;
            let case: Value = match serde_json::from_str(line) {
                Ok(v) => v,
                Err(e) => {
                    failures.push(format!("{}:{}: invalid JSON: {e}", f.display(), n + 1));
                    continue;
                }
            };
            let name = case
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("?")
                .to_owned();
            if let Err(e) = check_case(&case, &mut engines) {
                let file = f
                    .file_name()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                failures.push(format!("{file}:{} [{name}]: {e}", n + 1));
            }
        }
    }
    assert!(total >= 50, "the shared corpus has only {total} cases");
    assert!(
        failures.is_empty(),
        "{} of {total} corpus cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
