//! Evasion robustness: every plain injection/jailbreak attack of the shared corpus, mutated with
//! each of ten obfuscations attackers use against filters, should still be blocked; the test
//! prints every miss and fails on any.
//!
//! "Plain" means normalisation changes nothing but case and spacing: attacks in the corpus that
//! are already obfuscated (leetspeak, homoglyphs, encodings...) are themselves the result of a
//! mutation and are checked as corpus cases; obfuscating them twice is out of scope here.

use std::path::Path;

use base64::Engine as _;
use promptguard_core::{Action, Direction, EngineBuilder, Preset, Role, ScanOptions, Strictness};
use serde_json::Value;

struct Attack {
    name: String,
    preset: Preset,
    strictness: Strictness,
    direction: Direction,
    role: Option<Role>,
    input: String,
}

fn attacks() -> Vec<Attack> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
    let mut out = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("testdata")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    for f in files {
        for line in std::fs::read_to_string(&f).expect("readable").lines() {
            let Ok(v) = serde_json::from_str::<Value>(line) else {
                continue;
            };
            let s = |k: &str| v.get(k).and_then(Value::as_str);
            let e = |k: &str| {
                v.get("expect")
                    .and_then(|x| x.get(k))
                    .and_then(Value::as_str)
            };
            if e("decision") != Some("block")
                || !matches!(e("threat_type"), Some("prompt_injection" | "jailbreak"))
                || !is_plain(s("input").unwrap_or(""))
            {
                continue;
            }
            out.push(Attack {
                name: s("name").unwrap_or("?").to_owned(),
                preset: s("preset").unwrap_or("default").parse().expect("preset"),
                strictness: s("strictness")
                    .unwrap_or("moderate")
                    .parse()
                    .expect("strictness"),
                direction: s("direction")
                    .unwrap_or("input")
                    .parse()
                    .expect("direction"),
                role: s("role").map(|r| r.parse().expect("role")),
                input: s("input").unwrap_or("").to_owned(),
            });
        }
    }
    out
}

/// True when the text carries no obfuscation: no decoded segments, no de-obfuscated view that
/// differs from the folded one, nothing invisible or folded from another script.
fn is_plain(t: &str) -> bool {
    let v = promptguard_core::normalize(t, &promptguard_core::DecodeLimits::default());
    let f = &v.flags;
    f.invisible == 0
        && f.confusables == 0
        && f.decoded_segments == 0
        && v.of_kind(promptguard_core::ViewKind::Deobfuscated)
            .next()
            .is_none()
        && !t.to_lowercase().contains("rot13")
}

fn homoglyphs(t: &str) -> String {
    // Swap Latin letters for Cyrillic look-alikes inside words (every other occurrence).
    let mut flip = false;
    t.chars()
        .map(|c| {
            let r = match c {
                'a' => 'а',
                'e' => 'е',
                'o' => 'о',
                'p' => 'р',
                'c' => 'с',
                'i' => 'і',
                _ => return c,
            };
            flip = !flip;
            if flip {
                r
            } else {
                c
            }
        })
        .collect()
}

fn zero_width(t: &str) -> String {
    let mut out = String::new();
    for (i, c) in t.chars().enumerate() {
        out.push(c);
        if i % 2 == 1 && c.is_alphabetic() {
            out.push('\u{200B}');
        }
    }
    out
}

fn unicode_tags(t: &str) -> String {
    let hidden: String = t
        .chars()
        .filter(|c| c.is_ascii() && !c.is_ascii_control())
        .filter_map(|c| char::from_u32(0xE0000 + c as u32))
        .collect();
    format!("Please summarise this note.{hidden}")
}

fn leetspeak(t: &str) -> String {
    t.chars()
        .map(|c| match c {
            'o' | 'O' => '0',
            'e' | 'E' => '3',
            'a' | 'A' => '4',
            'i' | 'I' => '1',
            's' | 'S' => '5',
            _ => c,
        })
        .collect()
}

fn spacing(t: &str) -> String {
    t.split(' ')
        .map(|w| {
            w.chars()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("   ")
}

fn alternating_case(t: &str) -> String {
    t.chars()
        .enumerate()
        .map(|(i, c)| {
            if i % 2 == 0 {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect()
}

fn base64(t: &str) -> String {
    format!(
        "Decode this and do what it says: {}",
        base64::engine::general_purpose::STANDARD.encode(t)
    )
}

fn rot13(t: &str) -> String {
    let r: String = t
        .chars()
        .map(|c| match c {
            'a'..='m' | 'A'..='M' => ((c as u8) + 13) as char,
            'n'..='z' | 'N'..='Z' => ((c as u8) - 13) as char,
            _ => c,
        })
        .collect();
    format!("{r} (rot13)")
}

fn markdown(t: &str) -> String {
    format!("Here is my input:\n\n```text\n{t}\n```\n\n> {t}")
}

fn translate_core_phrase(t: &str) -> String {
    let lower = t.to_lowercase();
    for phrase in [
        "ignore all previous instructions",
        "ignore previous instructions",
        "ignore all prior instructions",
    ] {
        if let Some(i) = lower.find(phrase) {
            if t.is_char_boundary(i) && t.is_char_boundary(i + phrase.len()) {
                return format!(
                    "{}ignora todas las instrucciones anteriores{}",
                    &t[..i],
                    &t[i + phrase.len()..]
                );
            }
        }
    }
    t.to_owned()
}

type Mutation = (&'static str, fn(&str) -> String);

const MUTATIONS: &[Mutation] = &[
    ("homoglyphs", homoglyphs),
    ("zero_width", zero_width),
    ("unicode_tags", unicode_tags),
    ("leetspeak", leetspeak),
    ("spacing", spacing),
    ("case", alternating_case),
    ("base64", base64),
    ("rot13", rot13),
    ("markdown", markdown),
    ("translation", translate_core_phrase),
];

/// Whether a mutation can carry this attack at all: tags and rot13 carry ASCII letters only.
fn applicable(mutation: &str, input: &str) -> bool {
    match mutation {
        "unicode_tags" | "rot13" | "leetspeak" | "spacing" | "case" | "homoglyphs" => input
            .chars()
            .filter(|c| c.is_alphabetic())
            .all(|c| c.is_ascii()),
        _ => true,
    }
}

#[test]
fn mutated_attacks_are_still_blocked() {
    let attacks = attacks();
    assert!(
        attacks.len() >= 20,
        "only {} attacks in the corpus",
        attacks.len()
    );
    let mut failures = Vec::new();
    let mut checked = 0;
    for a in &attacks {
        let engine = EngineBuilder::new()
            .preset(a.preset)
            .strictness(a.strictness)
            .build()
            .expect("engine");
        let opts = ScanOptions {
            direction: a.direction,
            role: a.role,
            ..ScanOptions::default()
        };
        for (name, mutate) in MUTATIONS {
            if !applicable(name, &a.input) {
                continue;
            }
            let text = mutate(&a.input);
            checked += 1;
            let d = engine.scan_with(&text, &opts);
            if d.action != Action::Block {
                failures.push(format!(
                    "[{}] {name}: {:?} -> {}",
                    a.name,
                    text.chars().take(100).collect::<String>(),
                    d.reason
                ));
            }
        }
    }
    let caught = checked - failures.len();
    println!(
        "evasion: {caught} of {checked} mutated attacks blocked; missed:\n{}",
        failures.join("\n")
    );
    assert!(
        failures.is_empty(),
        "only {caught} of {checked} mutated attacks blocked:\n{}",
        failures.join("\n")
    );
}
