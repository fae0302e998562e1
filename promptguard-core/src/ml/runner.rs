//! The sentence encoder run by tract: loaded and optimised once, read-only afterwards; each
//! scan borrows a run state from a pool (no per-call plan setup, no lock held while running).

use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};

use tract_onnx::prelude::*;

use crate::error::{Error, ErrorKind};

type Plan = TypedRunnableModel;
type State = TypedSimpleState;

/// Embedding width of the shipped encoder.
pub(crate) const DIM: usize = 384;

/// The encoder: `input_ids` i64 [batch, seq] + `attention_mask` f32 [batch, seq] ->
/// `embedding` f32 [batch, 384] (mean-pooled, L2-normalised).
pub(crate) struct Encoder {
    plan: AssertUnwindSafe<Arc<Plan>>,
    pool: Mutex<Vec<AssertUnwindSafe<State>>>,
}

impl std::fmt::Debug for Encoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Encoder")
            .field("dim", &DIM)
            .finish_non_exhaustive()
    }
}

impl Encoder {
    /// Loads and optimises an ONNX encoder; `file` names it in errors.
    pub(crate) fn from_bytes(bytes: &[u8], file: &str) -> Result<Encoder, Error> {
        let fail = |what: &str, e: TractError| {
            Error::new(
                ErrorKind::Model,
                format!("model file `{file}` {what}: {}", first_line(&e)),
            )
        };
        let mut model = tract_onnx::onnx()
            .model_for_read(&mut std::io::Cursor::new(bytes))
            .map_err(|e| fail("is not a loadable ONNX model", e))?;
        // One window per run, of at least one token. Told so, tract can prove that element-wise
        // ops over [1, seq, 384] tensors are big enough for its vectorised kernels; with a
        // symbolic batch it cannot bound batch x seq, and every residual add, GELU product and
        // layer-norm step falls back to a generic broadcasting loop.
        model
            .symbols
            .add_assertion("seq>=1")
            .map_err(|e| fail("has unusable input dimensions", e))?;
        let seq = model.symbols.sym("seq").to_dim();
        for (input, dt) in [(0, i64::datum_type()), (1, f32::datum_type())] {
            model
                .set_input_fact(
                    input,
                    InferenceFact::dt_shape(dt, tvec![1.to_dim(), seq.clone()]),
                )
                .map_err(|e| fail("has unexpected inputs", e))?;
        }
        let plan = model
            .into_optimized()
            .map_err(|e| fail("cannot be optimised", e))?
            .into_runnable()
            .map_err(|e| fail("cannot be prepared", e))?;
        let enc = Encoder {
            plan: AssertUnwindSafe(plan),
            pool: Mutex::new(Vec::new()),
        };
        // One real run proves the graph is the expected encoder.
        let out = enc.embed(&[vec![101, 102]]).map_err(|e| {
            Error::new(
                ErrorKind::Model,
                format!("model file `{file}` does not run as a sentence encoder: {e}"),
            )
        })?;
        if out.len() != 1 || out[0].len() != DIM {
            return Err(Error::new(
                ErrorKind::Model,
                format!("model file `{file}` does not output {DIM}-wide embeddings"),
            ));
        }
        Ok(enc)
    }

    /// Embeds each token sequence, one run per sequence (the plan is built for a batch of one;
    /// see `from_bytes`). An empty sequence runs as one masked padding token.
    pub(crate) fn embed(&self, seqs: &[Vec<i64>]) -> Result<Vec<Vec<f32>>, String> {
        let mut state = match self.pool.lock() {
            Ok(mut pool) => pool.pop(),
            Err(poisoned) => poisoned.into_inner().pop(),
        };
        let mut st = match state.take() {
            Some(s) => s,
            None => AssertUnwindSafe(self.plan.spawn().map_err(|e| first_line(&e))?),
        };
        let mut out = Vec::with_capacity(seqs.len());
        for seq in seqs {
            let (ids, mask) = if seq.is_empty() {
                (vec![0i64], vec![0f32])
            } else {
                (seq.clone(), vec![1f32; seq.len()])
            };
            let width = ids.len();
            let ids = tract_ndarray::Array2::from_shape_vec((1, width), ids)
                .map_err(|e| e.to_string())?;
            let mask = tract_ndarray::Array2::from_shape_vec((1, width), mask)
                .map_err(|e| e.to_string())?;
            let result = st
                .run(tvec!(
                    Tensor::from(ids).into_tvalue(),
                    Tensor::from(mask).into_tvalue()
                ))
                .map_err(|e| first_line(&e))?;
            let emb = result
                .first()
                .ok_or("no output")?
                .to_plain_array_view::<f32>()
                .map_err(|e| first_line(&e))?;
            if emb.shape() != [1, DIM] {
                return Err(format!("unexpected output shape {:?}", emb.shape()));
            }
            out.push(emb.iter().copied().collect());
        }
        match self.pool.lock() {
            Ok(mut pool) => pool.push(st),
            Err(poisoned) => poisoned.into_inner().push(st),
        }
        Ok(out)
    }
}

fn first_line(e: &TractError) -> String {
    format!("{e:#}")
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}
