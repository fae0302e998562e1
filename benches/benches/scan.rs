//! Criterion benches of the rule tier: a short prompt, a chat turn with hot and with cold caches,
//! a 10 KB document, the same with only the PII and secret detectors on and with only the attack
//! detectors on, engine build, and two threads sharing one engine. Throughput is reported in
//! bytes/s.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use promptguard_benches::{
    document_10k, document_10k_with_contact, document_10k_with_pii, SHORT_ATTACK, SHORT_PROMPT,
};
use promptguard_core::{DecodeLimits, EngineBuilder, MlMode, Policy, Preset, DETECTORS};

fn rules_engine() -> promptguard_core::Engine {
    EngineBuilder::new()
        .preset(Preset::Default)
        .ml_mode(MlMode::Off)
        .build()
        .expect("engine builds")
}

/// An engine with only the detectors in `on` turned on (turned-off detectors' rules are not
/// compiled, nor their views built).
fn engine_with(on: &[&str]) -> promptguard_core::Engine {
    let off: String = DETECTORS
        .iter()
        .filter(|d| !on.contains(d))
        .map(|d| format!("  {d}: {{enabled: false}}\n"))
        .collect();
    let policy = Policy::from_yaml(&format!("detectors:\n{off}")).expect("policy parses");
    EngineBuilder::new()
        .policy(policy)
        .ml_mode(MlMode::Off)
        .build()
        .expect("engine builds")
}

/// The PII and secret detectors alone: what a redaction-only deployment runs.
fn data_engine() -> promptguard_core::Engine {
    engine_with(&["pii", "secret"])
}

/// The attack detectors alone (injection, jailbreak, exfiltration, tool injection): the rule
/// tier of issue #3, whose speed targets are for these.
fn attack_engine() -> promptguard_core::Engine {
    engine_with(&["injection", "jailbreak", "exfiltration", "tool_injection"])
}

fn short(c: &mut Criterion) {
    let engine = rules_engine();
    let mut g = c.benchmark_group("rules/short_prompt");
    for (name, text) in [("benign", SHORT_PROMPT), ("attack", SHORT_ATTACK)] {
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_with_input(BenchmarkId::from_parameter(name), text, |b, t| {
            b.iter(|| engine.scan(black_box(t)))
        });
    }
    g.finish();
}

fn document(c: &mut Criterion) {
    let engine = rules_engine();
    let doc = document_10k();
    let mut g = c.benchmark_group("rules/document_10k");
    g.throughput(Throughput::Bytes(doc.len() as u64));
    g.bench_function("default", |b| b.iter(|| engine.scan(black_box(&doc))));
    g.finish();
}

/// PII and secrets only: a ~100-token prompt, the 10 KB document, the same with one contact
/// line in it, and a 10 KB document full of personal data (every ~500 bytes an e-mail, phone,
/// card, IBAN and SSN to validate and redact).
fn data(c: &mut Criterion) {
    let engine = data_engine();
    let plain = document_10k();
    let with_pii = document_10k_with_pii();
    let with_contact = document_10k_with_contact();
    let mut g = c.benchmark_group("pii_secrets");
    for (name, text) in [
        ("short_prompt", SHORT_PROMPT),
        ("document_10k", plain.as_str()),
        ("document_10k_with_contact", with_contact.as_str()),
        ("document_10k_with_pii", with_pii.as_str()),
    ] {
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_with_input(BenchmarkId::from_parameter(name), text, |b, t| {
            b.iter(|| engine.scan(black_box(t)))
        });
    }
    g.finish();
}

/// The attack detectors alone: a ~100-token prompt, benign and with an attack, and the 10 KB
/// document.
fn attacks(c: &mut Criterion) {
    let engine = attack_engine();
    let doc = document_10k();
    let mut g = c.benchmark_group("attack_rules");
    for (name, text) in [
        ("short_prompt", SHORT_PROMPT),
        ("short_attack", SHORT_ATTACK),
        ("document_10k", doc.as_str()),
    ] {
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_with_input(BenchmarkId::from_parameter(name), text, |b, t| {
            b.iter(|| engine.scan(black_box(t)))
        });
    }
    g.finish();
}

/// Normalisation alone (every view of the text), the part of a scan that does not depend on
/// the rules: what the document throughput is made of.
fn normalize(c: &mut Criterion) {
    let doc = document_10k();
    let limits = DecodeLimits::default();
    let mut g = c.benchmark_group("rules/normalize");
    for (name, text) in [
        ("short_prompt", SHORT_PROMPT),
        ("document_10k", doc.as_str()),
    ] {
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_with_input(BenchmarkId::from_parameter(name), text, |b, t| {
            b.iter(|| promptguard_core::normalize(black_box(t), &limits))
        });
    }
    g.finish();
}

/// A chat turn scanned the way a gateway scans it: between two requests the server, the HTTP
/// client and the kernel's TCP stack run, so the rule tier's automata and lazy-DFA caches are no
/// longer in the CPU caches. `cold` overwrites 16 MiB (more than this machine's L2 and its
/// share of L3) before each scan, outside the timed part; `hot` is the same scan back to back.
/// The gap between the two is what the gateway's per-request scan cost is made of
/// (benches/proxy_load.sh reports the gateway's own scan time from `/metrics`).
fn cold(c: &mut Criterion) {
    let engine = rules_engine();
    let turn = "What is the capital of France? Please answer briefly.";
    let mut scratch = vec![0u8; 16 << 20];
    let mut g = c.benchmark_group("rules/chat_turn");
    g.throughput(Throughput::Bytes(turn.len() as u64));
    g.bench_function("hot", |b| b.iter(|| engine.scan(black_box(turn))));
    g.bench_function("cold", |b| {
        b.iter_batched(
            || {
                for (i, byte) in scratch.iter_mut().enumerate().step_by(64) {
                    *byte = byte.wrapping_add(i as u8);
                }
                black_box(&scratch);
            },
            |()| engine.scan(black_box(turn)),
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

fn build(c: &mut Criterion) {
    let mut g = c.benchmark_group("engine");
    g.sample_size(10);
    g.bench_function("build", |b| b.iter(rules_engine));
    g.finish();
}

fn threads(c: &mut Criterion) {
    let engine = rules_engine();
    let mut g = c.benchmark_group("rules/two_threads_one_engine");
    g.throughput(Throughput::Bytes(2 * 100 * SHORT_PROMPT.len() as u64));
    g.bench_function("short_prompt_x100_each", |b| {
        b.iter(|| {
            std::thread::scope(|s| {
                for _ in 0..2 {
                    let e = &engine;
                    s.spawn(move || {
                        for _ in 0..100 {
                            black_box(e.scan(black_box(SHORT_PROMPT)));
                        }
                    });
                }
            })
        })
    });
    g.finish();
}

criterion_group!(benches, short, cold, document, data, attacks, normalize, build, threads);
criterion_main!(benches);
