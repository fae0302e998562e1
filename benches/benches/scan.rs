//! Criterion benches of the rule tier: a short prompt, a 10 KB document, engine build, and two
//! threads sharing one engine. Throughput is reported in bytes/s.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use promptguard_benches::{document_10k, SHORT_ATTACK, SHORT_PROMPT};
use promptguard_core::{DecodeLimits, EngineBuilder, MlMode, Preset};

fn rules_engine() -> promptguard_core::Engine {
    EngineBuilder::new()
        .preset(Preset::Default)
        .ml_mode(MlMode::Off)
        .build()
        .expect("engine builds")
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

criterion_group!(benches, short, document, normalize, build, threads);
criterion_main!(benches);
