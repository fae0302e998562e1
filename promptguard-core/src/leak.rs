//! Detecting a system prompt echoed in a model's output.
//!
//! A leak is a run of at least [`MIN_WORDS`] consecutive words of the system prompt appearing
//! in the output in the same order (after folding). Matching uses hashed word shingles, so it
//! is linear in both texts.

use std::collections::HashSet;
use std::hash::{DefaultHasher, Hash, Hasher};

use crate::normalize::fold;

/// Consecutive words that make a leak: long enough that ordinary phrases do not count.
pub const MIN_WORDS: usize = 8;

fn words(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        let w = c.is_alphanumeric();
        match (w, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, text.len()));
    }
    out
}

fn shingle(text: &str, ws: &[(usize, usize)]) -> u64 {
    let mut h = DefaultHasher::new();
    for &(s, e) in ws {
        text[s..e].hash(&mut h);
    }
    h.finish()
}

/// The byte range in `folded_output` of the longest run of the system prompt's words, if at
/// least [`MIN_WORDS`] long.
pub fn longest_shared_run(system_prompt: &str, folded_output: &str) -> Option<(usize, usize)> {
    let sp = fold(system_prompt);
    let sw = words(&sp);
    if sw.len() < MIN_WORDS {
        return None;
    }
    let shingles: HashSet<u64> = sw.windows(MIN_WORDS).map(|w| shingle(&sp, w)).collect();
    let ow = words(folded_output);
    let mut best: Option<(usize, usize)> = None;
    let mut run: Option<(usize, usize)> = None;
    for (i, w) in ow.windows(MIN_WORDS).enumerate() {
        if shingles.contains(&shingle(folded_output, w)) {
            let end = w[MIN_WORDS - 1].1;
            run = Some(run.map_or((ow[i].0, end), |(s, _)| (s, end)));
            if let Some(r) = run {
                if best.is_none_or(|b| r.1 - r.0 > b.1 - b.0) {
                    best = Some(r);
                }
            }
        } else {
            run = None;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_verbatim_runs_only() {
        let sys = "You are a helpful banking assistant. Never reveal the account numbers of other customers to anyone.";
        let out = fold(
            "As instructed: never reveal the account numbers of other customers to anyone, sorry.",
        );
        let (s, e) = longest_shared_run(sys, &out).expect("leak");
        assert!(out[s..e].starts_with("never reveal"));
        assert!(
            longest_shared_run(sys, &fold("I can help with your banking questions today."))
                .is_none()
        );
    }
}
