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
/// Windows run together in one batch at most.
const MAX_BATCH: usize = 8;

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
        let model = tract_onnx::onnx()
            .model_for_read(&mut std::io::Cursor::new(bytes))
            .map_err(|e| fail("is not a loadable ONNX model", e))?;
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

    /// Embeds each token sequence (batched, padded per batch).
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
        for batch in seqs.chunks(MAX_BATCH) {
            let width = batch.iter().map(Vec::len).max().unwrap_or(0).max(1);
            let mut ids = vec![0i64; batch.len() * width];
            let mut mask = vec![0f32; batch.len() * width];
            for (row, seq) in batch.iter().enumerate() {
                ids[row * width..row * width + seq.len()].copy_from_slice(seq);
                mask[row * width..row * width + seq.len()].fill(1.0);
            }
            let ids = tract_ndarray::Array2::from_shape_vec((batch.len(), width), ids)
                .map_err(|e| e.to_string())?;
            let mask = tract_ndarray::Array2::from_shape_vec((batch.len(), width), mask)
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
            if emb.shape() != [batch.len(), DIM] {
                return Err(format!("unexpected output shape {:?}", emb.shape()));
            }
            for row in emb.outer_iter() {
                out.push(row.iter().copied().collect());
            }
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
