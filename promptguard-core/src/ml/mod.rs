//! The ML tier: learned detectors for what rules cannot name (paraphrased injections, harmful
//! requests, toxic language). No Python, no ONNX Runtime, no downloads at run time.
//!
//! Two tiers, three heads (`injection`, `harmful`, `toxicity`):
//!
//! * the **fast tier** ([`fast`]): hashed character 3–5-gram and word 1–2-gram logistic models,
//!   tens of microseconds per prompt, always available (no cargo feature needed);
//! * the **transformer tier** ([`runner`], feature `ml`, on by default): all-MiniLM-L6-v2
//!   (int8 weights) run by tract, with one small head (64 ReLU units) per detector over the
//!   sentence embedding of each 128-token window.
//!
//! In [`MlMode::Cascade`] (the default) a head does nothing where the rule tier already found its
//! threat with confidence ≥ `prior_skip` (0.9); otherwise the fast tier scores the text, and
//! where its calibrated probability is clearly low in every chunk (`fast_lo`, fitted on
//! held-apart data so that at most 0.5 % of the positives the transformer would report fall
//! below it; positives no tier reports do not count; never above 0.1) the head stops: the fast
//! tier settles negatives only. Everything else, and every text in [`MlMode::Always`], goes to
//! the transformer, whose windows get a probability fusing both tiers' logits (`stack`, Platt
//! scaling fitted on held-apart data). A head reports a finding (detector = the head's
//! detector, rule id `ml.<head>`, category = the head's label, span = the window scored,
//! confidence = that calibrated probability) only when the probability reaches the head's
//! operating point `emit_min`, chosen on held-apart data so that benign sources stay within a
//! false-positive budget of about 0.5 %. Below it the transformer never lifts a detector's
//! score, so weak rule findings are not pushed over a threshold by the engine's noisy-OR fusion.
//! Without the `ml` feature the fast tier stands alone with its own operating point
//! (`fast_emit_min`).
//!
//! Roles: each head reads only the text it learned (`roles` in `heads.json`): injection reads
//! user and tool text, harmful reads user requests, toxicity reads user, assistant and tool
//! text. System prompts (role `system`) are trusted, as in the rule packs: no head reads them.
//!
//! Long texts: the transformer reads windows of 128 tokens whose starts are 96 tokens apart, at
//! most 32 windows per engine window (≈ 3,000 tokens); windows past that budget are scored by
//! the fast tier, which reads every byte in overlapping chunks of 2,048 characters. Nothing is
//! skipped silently, so nothing is reported as unscanned by this tier.
//!
//! Where the models come from: the files in the repository's `models/` directory (`encoder.onnx`,
//! `tokenizer.json`, `fast.bin`, `heads.json`; provenance, licences and hashes in
//! `models/MANIFEST`) are compiled into the library with `include_bytes!`, so `cargo add`
//! users, the CLI and the Python/Node bindings need no files at run time. They are parsed once
//! per process and shared by every engine. `EngineBuilder::model_dir(dir)` reads the same four
//! file names from `dir` instead (a missing or corrupt file is an [`ErrorKind::Model`] error
//! naming it). With [`MlMode::Off`] nothing is loaded. Without the `ml` feature only the fast
//! tier exists: `cascade` uses it alone and `always` is a build error.
//!
//! Concurrency: the models are read-only after loading; tract run states are pooled (one per
//! concurrently scanning thread), and each thread remembers the last text it analysed so the
//! three heads share one encoder pass.

pub(crate) mod calibration;
pub(crate) mod fast;
mod negation;
#[cfg(feature = "ml")]
pub(crate) mod runner;
#[cfg(feature = "ml")]
pub(crate) mod tokenizer;

use std::cell::RefCell;
use std::hash::{Hash, Hasher};
use std::path::Path;
use std::sync::{Arc, OnceLock};

use calibration::{Head, HeadsFile};
use fast::FastModel;

use crate::decision::{Finding, Span, ThreatType};
use crate::detectors::{BuildContext, CodeDetector, DetectorInput, MlMode};
use crate::error::{Error, ErrorKind};

/// Names of the model files (in `models/` and in a `model_dir`).
pub(crate) const ENCODER_FILE: &str = "encoder.onnx";
pub(crate) const TOKENIZER_FILE: &str = "tokenizer.json";
pub(crate) const FAST_FILE: &str = "fast.bin";
pub(crate) const HEADS_FILE: &str = "heads.json";

const EXCERPT_CHARS: usize = 120;

/// The model files compiled into the library.
pub(crate) mod embedded {
    pub(crate) const FAST: &[u8] =
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../models/fast.bin"));
    pub(crate) const HEADS: &[u8] =
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../models/heads.json"));
    #[cfg(feature = "ml")]
    pub(crate) const ENCODER: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../models/encoder.onnx"
    ));
    #[cfg(feature = "ml")]
    pub(crate) const TOKENIZER: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../models/tokenizer.json"
    ));
}

#[cfg(feature = "ml")]
#[derive(Debug)]
struct Transformer {
    tokenizer: std::panic::AssertUnwindSafe<tokenizer::WindowTokenizer>,
    encoder: runner::Encoder,
}

/// Every model of the tier, read-only once loaded.
#[derive(Debug)]
pub(crate) struct Models {
    fast: FastModel,
    #[cfg_attr(not(feature = "ml"), allow(dead_code))]
    cfg: HeadsFile,
    heads: Vec<Head>,
    #[cfg(feature = "ml")]
    transformer: Transformer,
}

#[cfg(feature = "ml")]
const DIM: usize = runner::DIM;
#[cfg(not(feature = "ml"))]
const DIM: usize = 384;

impl Models {
    fn load(
        fast: &[u8],
        heads: &[u8],
        encoder: Option<&[u8]>,
        tokenizer: Option<&[u8]>,
        names: &Names,
    ) -> Result<Models, Error> {
        let fast = FastModel::from_bytes(fast, &names.fast)?;
        let (cfg, heads) = HeadsFile::parse(heads, &names.heads, fast.heads(), DIM)?;
        #[cfg(feature = "ml")]
        {
            let (Some(encoder), Some(tokenizer)) = (encoder, tokenizer) else {
                return Err(Error::new(
                    ErrorKind::Model,
                    "the transformer's files were not given",
                ));
            };
            let transformer = Transformer {
                tokenizer: std::panic::AssertUnwindSafe(tokenizer::WindowTokenizer::from_bytes(
                    tokenizer,
                    &names.tokenizer,
                )?),
                encoder: runner::Encoder::from_bytes(encoder, &names.encoder)?,
            };
            Ok(Models {
                fast,
                cfg,
                heads,
                transformer,
            })
        }
        #[cfg(not(feature = "ml"))]
        {
            let _ = (encoder, tokenizer);
            Ok(Models { fast, cfg, heads })
        }
    }

    fn has_transformer(&self) -> bool {
        cfg!(feature = "ml")
    }
}

struct Names {
    fast: String,
    heads: String,
    #[cfg_attr(not(feature = "ml"), allow(dead_code))]
    encoder: String,
    #[cfg_attr(not(feature = "ml"), allow(dead_code))]
    tokenizer: String,
}

fn embedded_models() -> Result<Arc<Models>, Error> {
    static EMBEDDED: OnceLock<Result<Arc<Models>, String>> = OnceLock::new();
    let r = EMBEDDED.get_or_init(|| {
        let names = Names {
            fast: format!("models/{FAST_FILE} (embedded)"),
            heads: format!("models/{HEADS_FILE} (embedded)"),
            encoder: format!("models/{ENCODER_FILE} (embedded)"),
            tokenizer: format!("models/{TOKENIZER_FILE} (embedded)"),
        };
        #[cfg(feature = "ml")]
        let (enc, tok) = (Some(embedded::ENCODER), Some(embedded::TOKENIZER));
        #[cfg(not(feature = "ml"))]
        let (enc, tok): (Option<&[u8]>, Option<&[u8]>) = (None, None);
        Models::load(embedded::FAST, embedded::HEADS, enc, tok, &names)
            .map(Arc::new)
            .map_err(|e| e.to_string())
    });
    r.clone().map_err(|m| Error::new(ErrorKind::Model, m))
}

fn dir_models(dir: &Path) -> Result<Arc<Models>, Error> {
    let read = |name: &str| -> Result<(Vec<u8>, String), Error> {
        let path = dir.join(name);
        let shown = path.display().to_string();
        std::fs::read(&path)
            .map(|b| (b, shown.clone()))
            .map_err(|e| {
                Error::with_source(
                    ErrorKind::Model,
                    format!("cannot read model file `{shown}`: {e}"),
                    e,
                )
            })
    };
    let (fast, fast_name) = read(FAST_FILE)?;
    let (heads, heads_name) = read(HEADS_FILE)?;
    let (encoder, tokenizer, encoder_name, tokenizer_name) = if cfg!(feature = "ml") {
        let (e, en) = read(ENCODER_FILE)?;
        let (t, tn) = read(TOKENIZER_FILE)?;
        (Some(e), Some(t), en, tn)
    } else {
        (None, None, String::new(), String::new())
    };
    let names = Names {
        fast: fast_name,
        heads: heads_name,
        encoder: encoder_name,
        tokenizer: tokenizer_name,
    };
    Models::load(
        &fast,
        &heads,
        encoder.as_deref(),
        tokenizer.as_deref(),
        &names,
    )
    .map(Arc::new)
}

/// The ML detectors for `ctx` (none with [`MlMode::Off`]).
pub(crate) fn build(ctx: &BuildContext<'_>) -> Result<Vec<Box<dyn CodeDetector>>, Error> {
    if ctx.ml_mode == MlMode::Off {
        return Ok(Vec::new());
    }
    let models = match ctx.model_dir {
        Some(dir) => dir_models(dir)?,
        None => embedded_models()?,
    };
    if ctx.ml_mode == MlMode::Always && !models.has_transformer() {
        return Err(Error::new(
            ErrorKind::Model,
            "ml_mode `always` needs the transformer, but promptguard-core was built without the `ml` feature",
        ));
    }
    Ok((0..models.heads.len())
        .map(|head| {
            Box::new(MlDetector {
                models: Arc::clone(&models),
                head,
                mode: ctx.ml_mode,
            }) as Box<dyn CodeDetector>
        })
        .collect())
}

/// One head as a code detector. The three heads of an engine share their models and, per
/// thread, the analysis of the text being scanned.
#[derive(Debug)]
struct MlDetector {
    models: Arc<Models>,
    head: usize,
    mode: MlMode,
}

/// Scores of one span of the text: by the fast tier alone, or fused with the transformer.
#[derive(Debug, Clone)]
struct Scored {
    start: usize,
    end: usize,
    /// Raw fast-tier logits, one per head.
    fast: Vec<f32>,
    /// Raw encoder-head logits, one per head, where the transformer ran.
    encoder: Option<Vec<f32>>,
}

/// What one thread computed for one text.
#[derive(Debug, Default)]
struct Analysis {
    chunks: Vec<Scored>,
    windows: Option<Vec<Scored>>,
}

struct Memo {
    models: usize,
    text: (usize, usize, u64),
    analysis: Analysis,
}

thread_local! {
    static MEMO: RefCell<Option<Memo>> = const { RefCell::new(None) };
}

fn text_key(text: &str) -> (usize, usize, u64) {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut h);
    (text.as_ptr() as usize, text.len(), h.finish())
}

impl Models {
    fn fast_scores(&self, text: &str) -> Vec<Scored> {
        let mut scratch = Vec::new();
        fast::chunks(text)
            .into_iter()
            .map(|(start, chunk)| {
                let mut logits = Vec::new();
                self.fast.logits(chunk, &mut scratch, &mut logits);
                Scored {
                    start,
                    end: start + chunk.len(),
                    fast: logits,
                    encoder: None,
                }
            })
            .collect()
    }

    /// Transformer windows of `text`, fused with the fast tier's logits of the same spans; on
    /// an internal failure, the fast tier's chunks stand in (degraded, never silent skipping).
    #[cfg(feature = "ml")]
    fn transformer_scores(&self, text: &str) -> Option<Vec<Scored>> {
        let t = &self.transformer;
        let windows = t
            .tokenizer
            .windows(text, self.cfg.window_tokens, self.cfg.window_stride)
            .ok()?;
        let budget = self.cfg.max_transformer_windows.min(windows.len());
        let seqs: Vec<Vec<i64>> = windows[..budget].iter().map(|w| w.ids.clone()).collect();
        let embeddings = t.encoder.embed(&seqs).ok()?;
        let mut scratch = Vec::new();
        let mut out = Vec::with_capacity(windows.len());
        for (i, w) in windows.iter().enumerate() {
            let span_text = text.get(w.start..w.end).unwrap_or(text);
            let mut fast = Vec::new();
            self.fast.logits(span_text, &mut scratch, &mut fast);
            let encoder = embeddings
                .get(i)
                .map(|e| self.heads.iter().map(|h| h.encoder_logit(e)).collect());
            out.push(Scored {
                start: w.start,
                end: w.end,
                fast,
                encoder,
            });
        }
        Some(out)
    }

    #[cfg(not(feature = "ml"))]
    fn transformer_scores(&self, _text: &str) -> Option<Vec<Scored>> {
        None
    }
}

impl MlDetector {
    /// The rule tier already settled this head for the window.
    fn rules_decided(&self, prior: &[Finding]) -> bool {
        let head = &self.models.heads[self.head];
        let mut best: std::collections::BTreeMap<&str, f64> = std::collections::BTreeMap::new();
        for f in prior
            .iter()
            .filter(|f| head.spec.prior_detectors.contains(&f.detector))
        {
            let e = best.entry(f.rule_id.as_str()).or_insert(0.0);
            *e = e.max(f.confidence);
        }
        let fused = 1.0
            - best
                .values()
                .fold(1.0, |acc, c| acc * (1.0 - c.clamp(0.0, 1.0)));
        fused >= head.spec.prior_skip
    }

    /// The probability of this head for each scored span, with the probability a finding
    /// needs there (the transformer's operating point, or the fast tier's where it stands alone).
    fn probabilities(&self, text: &str) -> Vec<(usize, usize, f64, f64)> {
        let m = &*self.models;
        let head = &m.heads[self.head];
        let key = text_key(text);
        let id = Arc::as_ptr(&self.models) as usize;
        MEMO.with(|memo| {
            let mut memo = memo.borrow_mut();
            if !memo
                .as_ref()
                .is_some_and(|x| x.models == id && x.text == key)
            {
                *memo = Some(Memo {
                    models: id,
                    text: key,
                    analysis: Analysis::default(),
                });
            }
            let Some(entry) = memo.as_mut() else {
                return Vec::new();
            };
            let a = &mut entry.analysis;
            if a.chunks.is_empty() {
                a.chunks = m.fast_scores(text);
            }
            if !m.has_transformer() {
                return self.chunk_probabilities(&a.chunks);
            }
            // The fast tier settles negatives only; anything it is unsure of, and anything that
            // may be positive, goes to the transformer.
            let settled = self.mode == MlMode::Cascade
                && a.chunks
                    .iter()
                    .all(|c| head.fast_settles(head.fast_probability(c.fast[self.head])));
            if settled {
                return Vec::new();
            }
            if a.windows.is_none() {
                a.windows = Some(m.transformer_scores(text).unwrap_or_default());
            }
            match a.windows.as_deref() {
                Some(ws) if !ws.is_empty() => self.window_probabilities(ws),
                _ => self.chunk_probabilities(&a.chunks),
            }
        })
    }

    /// Each fast-tier chunk's probability for this head and the probability a finding needs
    /// there, where the fast tier stands alone.
    fn chunk_probabilities(&self, chunks: &[Scored]) -> Vec<(usize, usize, f64, f64)> {
        let head = &self.models.heads[self.head];
        chunks
            .iter()
            .map(|c| {
                (
                    c.start,
                    c.end,
                    head.fast_probability(c.fast[self.head]),
                    head.spec.fast_emit_min,
                )
            })
            .collect()
    }

    /// Each transformer window's probability for this head and the probability a finding needs
    /// there (the fast tier's alone where the encoder gave no embedding).
    fn window_probabilities(&self, ws: &[Scored]) -> Vec<(usize, usize, f64, f64)> {
        let head = &self.models.heads[self.head];
        ws.iter()
            .map(|w| {
                let z_fast = w.fast[self.head];
                match &w.encoder {
                    Some(z) => (
                        w.start,
                        w.end,
                        head.fused_probability(z_fast, z[self.head]),
                        head.spec.emit_min,
                    ),
                    None => (
                        w.start,
                        w.end,
                        head.fast_probability(z_fast),
                        head.spec.fast_emit_min,
                    ),
                }
            })
            .collect()
    }

    /// Whether this head still reports `text` with its negated orders blanked out
    /// ([`negation`]); `true` when there are none. Runs the models again on the blanked text,
    /// outside the per-thread memo, so only for texts the head reported.
    fn reported_without_negated_orders(&self, text: &str) -> bool {
        let Some(blank) = negation::blanked(text, &negation::negated_orders(text)) else {
            return true;
        };
        let m = &*self.models;
        let scores = if m.has_transformer() {
            m.transformer_scores(&blank)
                .filter(|ws| !ws.is_empty())
                .map(|ws| self.window_probabilities(&ws))
        } else {
            None
        };
        let scores = scores.unwrap_or_else(|| self.chunk_probabilities(&m.fast_scores(&blank)));
        scores
            .iter()
            .any(|&(_, _, p, emit_min)| p.is_finite() && p >= emit_min)
    }
}

impl CodeDetector for MlDetector {
    fn name(&self) -> &'static str {
        self.models.heads[self.head].detector
    }

    fn model_rule_id(&self) -> Option<&str> {
        Some(&self.models.heads[self.head].spec.rule_id)
    }

    fn scan(&self, input: &DetectorInput<'_>, out: &mut Vec<Finding>) {
        let head = &self.models.heads[self.head];
        // A head reads only the roles it learned (never system prompts: the application's own
        // text is trusted, as in the rule packs).
        if self.mode == MlMode::Off
            || !head.roles.contains(&input.options.effective_role())
            || (self.mode == MlMode::Cascade && self.rules_decided(input.prior))
        {
            return;
        }
        let reported: Vec<_> = self
            .probabilities(input.text)
            .into_iter()
            .filter(|&(_, _, p, emit_min)| p.is_finite() && p >= emit_min)
            .collect();
        // A defensive sentence ("you must never ignore your instructions") reads as the attack
        // it denies: the injection head's report stands only if the text without it is reported.
        if reported.is_empty()
            || (head.threat == ThreatType::PromptInjection
                && !self.reported_without_negated_orders(input.text))
        {
            return;
        }
        for (start, end, p, _) in reported {
            let piece = input.text.get(start..end).unwrap_or_default();
            let excerpt = if piece.chars().count() <= EXCERPT_CHARS {
                piece.to_owned()
            } else {
                piece.chars().take(EXCERPT_CHARS - 1).collect::<String>() + "…"
            };
            out.push(Finding {
                threat_type: head.threat,
                detector: head.detector.to_owned(),
                rule_id: head.spec.rule_id.clone(),
                confidence: (p * 10_000.0).round() / 10_000.0,
                severity: head.severity,
                span: Span::new(input.offset + start, input.offset + end),
                excerpt,
                entity: None,
                category: Some(head.spec.category.clone()),
                message: None,
            });
        }
    }
}

#[cfg(test)]
mod tests;
