//! `heads.json`: what each head is (detector, rule id, threat type), its head over the encoder
//! embedding, and its calibration, all fitted by `models/train.py`:
//!
//! * `fast_platt = [a, b]`: P(positive) = σ(a·z_fast + b) for the fast tier alone;
//! * `encoder`: a small network over the sentence embedding (one ReLU hidden layer, or none:
//!   logistic) whose output is the encoder logit `z_encoder`;
//! * `stack = [a, b, c]`: P(positive) = σ(a·z_fast + b·z_encoder + c), the calibrated
//!   probability of a window when the transformer ran (Platt scaling over both logits, fitted on
//!   held-apart data);
//! * `fast_lo`: in cascade mode, a text whose fast-tier probability is at most this in every
//!   chunk is settled as negative without the transformer (fitted so that at most 0.5 % of
//!   the held-apart positives the transformer reports fall below it); the fast tier never
//!   settles a text as positive;
//! * `emit_min`: a window's calibrated probability must reach this before the head reports a
//!   finding (the operating point, chosen on held-apart data so that benign sources stay below
//!   their false-positive budget); the finding's confidence is the calibrated probability;
//! * `fast_emit_min`: the same for builds without the transformer (fast tier alone);
//! * `roles`: whose text the head reads (`user`, `assistant`, `tool`): a head reads only the
//!   kind of text it learned (the injection head learned attacks that arrive from users and from
//!   documents, not a model's own answers; the harmful head learned requests).

use serde::Deserialize;

use crate::decision::{Severity, ThreatType};
use crate::error::{Error, ErrorKind};
use crate::options::Role;

/// The whole `heads.json` file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct HeadsFile {
    pub format: u32,
    /// Tokens per transformer window, [CLS] and [SEP] included.
    pub window_tokens: usize,
    /// Tokens between the starts of two windows (windows overlap by `window_tokens - 2 - stride`).
    pub window_stride: usize,
    /// The transformer scores at most this many windows per engine window; the rest keep the
    /// fast tier's score (the fast tier scans everything).
    pub max_transformer_windows: usize,
    pub fast_chunk_chars: usize,
    pub heads: Vec<HeadSpec>,
}

/// One head.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct HeadSpec {
    pub name: String,
    pub detector: String,
    pub rule_id: String,
    pub threat_type: String,
    pub category: String,
    pub severity: String,
    /// The roles whose text the head reads.
    pub roles: Vec<String>,
    /// Rule-tier detectors whose confident findings settle this head in cascade mode.
    pub prior_detectors: Vec<String>,
    /// How confident such a rule finding must be.
    pub prior_skip: f64,
    pub fast_platt: [f64; 2],
    pub fast_lo: f64,
    pub fast_emit_min: f64,
    pub encoder: EncoderHead,
    pub stack: [f64; 3],
    pub emit_min: f64,
}

/// The network over the embedding: `hidden` ReLU units (`w1` row-major `[hidden][dim]`, `b1`),
/// then one output (`w2` of length `hidden`, or of length `dim` when `hidden` is 0, and `b2`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EncoderHead {
    pub hidden: usize,
    pub w1: Vec<f32>,
    pub b1: Vec<f32>,
    pub w2: Vec<f32>,
    pub b2: f32,
}

/// A head ready to score.
#[derive(Debug)]
pub(crate) struct Head {
    pub spec: HeadSpec,
    pub detector: &'static str,
    pub threat: ThreatType,
    pub severity: Severity,
    pub roles: Vec<Role>,
}

impl Head {
    /// Calibrated probability from the fast tier's logit alone.
    pub(crate) fn fast_probability(&self, z_fast: f32) -> f64 {
        sigmoid(self.spec.fast_platt[0] * f64::from(z_fast) + self.spec.fast_platt[1])
    }

    /// In cascade mode, the fast tier settles a chunk as negative at this probability.
    pub(crate) fn fast_settles(&self, p: f64) -> bool {
        p <= self.spec.fast_lo
    }

    /// The encoder head's raw logit for one embedding.
    #[cfg_attr(not(feature = "ml"), allow(dead_code))]
    pub(crate) fn encoder_logit(&self, embedding: &[f32]) -> f32 {
        let e = &self.spec.encoder;
        if e.hidden == 0 {
            return dot(&e.w2, embedding) + e.b2;
        }
        let dim = embedding.len();
        let mut z = e.b2;
        for ((row, b), w) in e.w1.chunks_exact(dim).zip(&e.b1).zip(&e.w2) {
            let h = dot(row, embedding) + b;
            if h > 0.0 {
                z += h * w;
            }
        }
        z
    }

    /// Calibrated probability fusing both tiers' logits.
    pub(crate) fn fused_probability(&self, z_fast: f32, z_encoder: f32) -> f64 {
        let [a, b, c] = self.spec.stack;
        sigmoid(a * f64::from(z_fast) + b * f64::from(z_encoder) + c)
    }
}

#[cfg_attr(not(feature = "ml"), allow(dead_code))]
fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

pub(crate) fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

impl HeadsFile {
    /// Parses and checks `heads.json` against the fast tier's head count and the encoder width.
    pub(crate) fn parse(
        bytes: &[u8],
        file: &str,
        fast_heads: usize,
        dim: usize,
    ) -> Result<(HeadsFile, Vec<Head>), Error> {
        let bad = |what: String| {
            Error::new(
                ErrorKind::Model,
                format!("model file `{file}` is invalid: {what}"),
            )
        };
        let mut f: HeadsFile = serde_json::from_slice(bytes).map_err(|e| bad(e.to_string()))?;
        if f.format != 2 {
            return Err(bad(format!(
                "format {} is not supported (expected 2)",
                f.format
            )));
        }
        if f.heads.len() != fast_heads {
            return Err(bad(format!(
                "{} heads, but the fast tier has {fast_heads}",
                f.heads.len()
            )));
        }
        if f.window_tokens < 8
            || f.window_stride == 0
            || f.window_stride > f.window_tokens - 2
            || f.max_transformer_windows == 0
        {
            return Err(bad("window settings out of range".into()));
        }
        if f.fast_chunk_chars != super::fast::CHUNK_CHARS {
            return Err(bad(format!(
                "fast_chunk_chars {} does not match this build ({})",
                f.fast_chunk_chars,
                super::fast::CHUNK_CHARS
            )));
        }
        let mut heads = Vec::new();
        for spec in std::mem::take(&mut f.heads) {
            let detector = crate::policy::DETECTORS
                .iter()
                .copied()
                .find(|d| *d == spec.detector)
                .ok_or_else(|| {
                    bad(format!(
                        "head `{}`: unknown detector `{}`",
                        spec.name, spec.detector
                    ))
                })?;
            let threat: ThreatType = spec
                .threat_type
                .parse()
                .map_err(|e: Error| bad(e.to_string()))?;
            let severity: Severity = spec
                .severity
                .parse()
                .map_err(|e: Error| bad(e.to_string()))?;
            let roles = spec
                .roles
                .iter()
                .map(|r| {
                    r.parse::<Role>()
                        .map_err(|e: Error| bad(format!("head `{}`: {e}", spec.name)))
                })
                .collect::<Result<Vec<Role>, Error>>()?;
            if roles.is_empty() || roles.contains(&Role::System) {
                return Err(bad(format!("head `{}`: roles must name at least one of user, assistant, tool (system prompts are trusted)", spec.name)));
            }
            let e = &spec.encoder;
            let (w1, b1, w2) = if e.hidden == 0 {
                (0, 0, dim)
            } else {
                (e.hidden * dim, e.hidden, e.hidden)
            };
            if e.w1.len() != w1 || e.b1.len() != b1 || e.w2.len() != w2 {
                return Err(bad(format!(
                    "head `{}`: encoder head shapes do not fit {} hidden units over {dim} inputs",
                    spec.name, e.hidden
                )));
            }
            let finite = e.w1.iter().chain(&e.b1).chain(&e.w2).all(|w| w.is_finite())
                && e.b2.is_finite()
                && spec
                    .stack
                    .iter()
                    .chain(&spec.fast_platt)
                    .all(|x| x.is_finite());
            if !finite {
                return Err(bad(format!("head `{}` has non-finite weights", spec.name)));
            }
            let unit = [
                spec.fast_lo,
                spec.emit_min,
                spec.fast_emit_min,
                spec.prior_skip,
            ];
            if !unit.iter().all(|x| (0.0..=1.0).contains(x)) {
                return Err(bad(format!(
                    "head `{}`: thresholds must be within 0..1",
                    spec.name
                )));
            }
            heads.push(Head {
                spec,
                detector,
                threat,
                severity,
                roles,
            });
        }
        Ok((f, heads))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(dim: usize, hidden: usize) -> String {
        let (w1, b1, w2) = if hidden == 0 {
            (0, 0, dim)
        } else {
            (hidden * dim, hidden, hidden)
        };
        let list = |n: usize, v: &str| vec![v; n].join(",");
        format!(
            r#"{{"format":2,"window_tokens":128,"window_stride":96,"max_transformer_windows":4,
            "fast_chunk_chars":2048,"heads":[{{"name":"injection","detector":"injection","rule_id":"ml.injection",
            "threat_type":"prompt_injection","category":"prompt_injection","severity":"high","roles":["user","tool"],
            "prior_detectors":["injection"],"prior_skip":0.9,"fast_platt":[1.0,0.0],"fast_lo":0.1,"fast_emit_min":0.9,
            "encoder":{{"hidden":{hidden},"w1":[{}],"b1":[{}],"w2":[{}],"b2":-1.0}},"stack":[1.0,2.0,0.5],"emit_min":0.8}}]}}"#,
            list(w1, "0.5"),
            list(b1, "-0.25"),
            list(w2, "0.5")
        )
    }

    #[test]
    fn parses_and_scores() {
        let (f, heads) =
            HeadsFile::parse(file(3, 0).as_bytes(), "heads.json", 1, 3).expect("valid");
        assert_eq!(f.window_tokens, 128);
        let h = &heads[0];
        assert_eq!(h.detector, "injection");
        assert!((h.fast_probability(0.0) - 0.5).abs() < 1e-12);
        assert!(h.fast_settles(0.05) && !h.fast_settles(0.5));
        assert!((h.encoder_logit(&[1.0, 1.0, 2.0]) - 1.0).abs() < 1e-6);
        assert!((h.fused_probability(0.0, -0.25) - 0.5).abs() < 1e-12);
        // Two hidden units, each 0.5·(1+1+2) − 0.25 = 1.75, and one at −0.25 clipped by ReLU.
        let (_, heads) =
            HeadsFile::parse(file(3, 2).as_bytes(), "heads.json", 1, 3).expect("valid");
        assert!((heads[0].encoder_logit(&[1.0, 1.0, 2.0]) - (2.0 * 0.5 * 1.75 - 1.0)).abs() < 1e-6);
        assert!((heads[0].encoder_logit(&[-1.0, -1.0, -2.0]) - (-1.0)).abs() < 1e-6);
    }

    #[test]
    fn rejects_mismatches_with_the_file_named() {
        let cases = [
            (file(3, 0), 2, 3),
            (file(3, 0), 1, 4),
            (file(3, 2), 1, 4),
            ("{".to_owned(), 1, 3),
            (
                file(3, 0).replace("\"injection\",\"rule_id", "\"nope\",\"rule_id"),
                1,
                3,
            ),
            (
                file(3, 0).replace("\"emit_min\":0.8", "\"emit_min\":1.5"),
                1,
                3,
            ),
            (file(3, 0).replace("\"format\":2", "\"format\":1"), 1, 3),
            (
                file(3, 0).replace("[\"user\",\"tool\"]", "[\"user\",\"system\"]"),
                1,
                3,
            ),
            (
                file(3, 0).replace("[\"user\",\"tool\"]", "[\"robot\"]"),
                1,
                3,
            ),
            (file(3, 0).replace("[\"user\",\"tool\"]", "[]"), 1, 3),
        ];
        for (text, heads, dim) in cases {
            let e =
                HeadsFile::parse(text.as_bytes(), "heads.json", heads, dim).expect_err("invalid");
            assert_eq!(e.kind(), ErrorKind::Model);
            assert!(e.to_string().contains("heads.json"), "{e}");
        }
    }
}
