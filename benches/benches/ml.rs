//! Benchmarks of the ML tier (one core unless stated):
//!
//! * `ml/always/<n>_tokens`: a full scan with the transformer forced on (`ml_mode = always`) of
//!   a prompt of about n tokens (n ≤ 128: one model window);
//! * `ml/cascade/benign_chat`: the default cascade over everyday chat prompts, one prompt per
//!   iteration in turn (the fast tier settles most of them);
//! * `ml/cascade/two_threads_shared_engine`: the same prompts scanned by 2 threads sharing one
//!   engine (time per prompt).
//!
//! Before criterion runs, the p50/p95 over the benign prompts are printed for both modes (one
//! timed scan per prompt after a warm-up pass).
//!
//!     cargo bench -p promptguard-benches --bench ml
//!
//! `PROMPTGUARD_MODEL_DIR=dir` benches the model files in `dir` instead of the embedded ones
//! (the same four file names as `models/`), to compare a rebuilt encoder without recompiling.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use promptguard_core::{Engine, EngineBuilder, MlMode};

const BENIGN_CHAT: &[&str] = &[
    "What's a good recipe for banana bread without eggs?",
    "Can you explain the difference between TCP and UDP in simple terms?",
    "Write a short birthday message for my coworker who loves hiking.",
    "How do I convert a list of strings to integers in Python?",
    "Summarize the main causes of the French Revolution in three bullet points.",
    "What are some tips for sleeping better when traveling across time zones?",
    "Translate 'Where is the train station?' into Spanish and German.",
    "Suggest five names for a podcast about urban gardening.",
    "How long should I boil an egg for a runny yolk?",
    "Explain what a mortgage rate lock is.",
    "Give me a 20-minute bodyweight workout I can do in a hotel room.",
    "What is the capital of Australia, and why isn't it Sydney?",
    "Help me write a polite email asking my landlord to fix the heating.",
    "Why does the moon look bigger near the horizon?",
    "Recommend three sci-fi novels for someone who liked The Martian.",
    "How do I center a div horizontally and vertically with CSS?",
    "What's the best way to learn to touch type quickly?",
    "Can you proofread this sentence: 'Their going to the park tomorrow.'",
    "Plan a three-day itinerary for a first visit to Lisbon.",
    "How does compound interest work? Give a small example.",
    "What should I pack for a weekend camping trip in autumn?",
    "Explain recursion to a ten-year-old.",
    "Draft a LinkedIn post announcing that our team shipped a new feature.",
    "Which houseplants are safe for cats?",
];

/// Prompts of about 16, 64 and 128 tokens (WordPiece, [CLS]/[SEP] included).
fn sized_prompts() -> Vec<(usize, String)> {
    let base = "Please review the following project update and tell me whether the schedule, the budget \
                and the staffing plan look realistic for a team of six engineers working on a mobile app ";
    let words: Vec<&str> = base.split_whitespace().collect();
    [16usize, 64, 128]
        .iter()
        .map(|&n| {
            // About 1.2 tokens per word here; stay within the window.
            let count = (n as f64 / 1.25) as usize;
            let text: Vec<&str> = words.iter().cycle().take(count).copied().collect();
            (n, text.join(" "))
        })
        .collect()
}

fn engine(mode: MlMode) -> Engine {
    let mut b = EngineBuilder::new();
    b.ml_mode(mode);
    if let Ok(dir) = std::env::var("PROMPTGUARD_MODEL_DIR") {
        b.model_dir(dir);
    }
    b.build().expect("engine with the models")
}

fn percentiles(engine: &Engine, label: &str) {
    for p in BENIGN_CHAT {
        black_box(engine.scan(p));
    }
    let mut times: Vec<Duration> = BENIGN_CHAT
        .iter()
        .map(|p| {
            let t = Instant::now();
            black_box(engine.scan(p));
            t.elapsed()
        })
        .collect();
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    println!(
        "{label}: p50 {:?}  p95 {:?}  max {:?} over {} benign chat prompts",
        at(0.5),
        at(0.95),
        at(1.0),
        times.len()
    );
}

/// `iters` benign chat prompts scanned by two threads sharing `engine`; the wall time.
fn two_threads(engine: &Engine, iters: u64) -> Duration {
    let start = Instant::now();
    std::thread::scope(|s| {
        for t in 0..2u64 {
            s.spawn(move || {
                for k in 0..iters.div_ceil(2) {
                    let p = BENIGN_CHAT[((k * 2 + t) as usize) % BENIGN_CHAT.len()];
                    black_box(engine.scan(p));
                }
            });
        }
    });
    start.elapsed()
}

fn bench(c: &mut Criterion) {
    let always = engine(MlMode::Always);
    let cascade = engine(MlMode::Cascade);
    percentiles(&cascade, "cascade");
    percentiles(&always, "always");

    let mut g = c.benchmark_group("ml/always");
    g.sample_size(30);
    for (n, text) in sized_prompts() {
        // Two texts in turn: the ML tier remembers the last text a thread analysed (so that
        // the three heads share one encoder pass), which must not turn this into a cache hit.
        let texts = [text.clone(), text.replacen("Please", "Kindly", 1)];
        let mut k = 0;
        g.bench_function(format!("{n}_tokens"), |b| {
            b.iter(|| {
                k ^= 1;
                black_box(always.scan(black_box(&texts[k])))
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group("ml/cascade");
    let mut i = 0;
    g.bench_function("benign_chat", |b| {
        b.iter(|| {
            i = (i + 1) % BENIGN_CHAT.len();
            black_box(cascade.scan(black_box(BENIGN_CHAT[i])))
        })
    });
    g.bench_function("two_threads_shared_engine", |b| {
        b.iter_custom(|iters| two_threads(&cascade, iters))
    });
    g.bench_function("two_threads_shared_engine_always", |b| {
        b.iter_custom(|iters| two_threads(&always, iters))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
