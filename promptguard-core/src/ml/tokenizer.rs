//! WordPiece tokenisation (the encoder's own `tokenizer.json`, read by the pure-Rust
//! `tokenizers` crate) and the split of long texts into overlapping model windows.

use tokenizers::Tokenizer;

use crate::error::{Error, ErrorKind};

/// One model window: token ids with [CLS] and [SEP], and the byte span of the text it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TokenWindow {
    pub ids: Vec<i64>,
    pub start: usize,
    pub end: usize,
}

/// The encoder's tokenizer (read-only; `encode` takes `&self`).
#[derive(Debug)]
pub(crate) struct WindowTokenizer {
    inner: Tokenizer,
    cls: i64,
    sep: i64,
}

impl WindowTokenizer {
    /// Loads a `tokenizer.json`; `file` names it in errors.
    pub(crate) fn from_bytes(bytes: &[u8], file: &str) -> Result<WindowTokenizer, Error> {
        let mut inner = Tokenizer::from_bytes(bytes).map_err(|e| {
            Error::new(
                ErrorKind::Model,
                format!("model file `{file}` is not a valid tokenizer: {e}"),
            )
        })?;
        // Windows are cut here, never by the tokenizer: no truncation, no padding.
        inner
            .with_truncation(None)
            .map_err(|e| Error::new(ErrorKind::Model, format!("model file `{file}`: {e}")))?;
        inner.with_padding(None);
        let id = |t: &str| {
            inner.token_to_id(t).map(i64::from).ok_or_else(|| {
                Error::new(
                    ErrorKind::Model,
                    format!("model file `{file}` lacks the token {t}"),
                )
            })
        };
        let (cls, sep) = (id("[CLS]")?, id("[SEP]")?);
        Ok(WindowTokenizer { inner, cls, sep })
    }

    /// Tokenises `text` and cuts it into windows of at most `window` tokens ([CLS] and [SEP]
    /// included) whose starts are `stride` tokens apart, so consecutive windows overlap and
    /// every token is in at least one window. An empty text is one window of [CLS] [SEP].
    pub(crate) fn windows(
        &self,
        text: &str,
        window: usize,
        stride: usize,
    ) -> Result<Vec<TokenWindow>, String> {
        let enc = self.inner.encode(text, false).map_err(|e| e.to_string())?;
        let ids = enc.get_ids();
        let offsets = enc.get_offsets();
        let body = window.saturating_sub(2).max(1);
        let stride = stride.clamp(1, body);
        let mut out = Vec::new();
        let mut i = 0;
        loop {
            let end = (i + body).min(ids.len());
            let mut w = Vec::with_capacity(end - i + 2);
            w.push(self.cls);
            w.extend(ids[i..end].iter().map(|&t| i64::from(t)));
            w.push(self.sep);
            let (start_b, end_b) = if end > i {
                (offsets[i].0, offsets[end - 1].1)
            } else {
                (0, text.len())
            };
            out.push(TokenWindow {
                ids: w,
                start: start_b.min(text.len()),
                end: end_b.min(text.len()),
            });
            if end >= ids.len() {
                break;
            }
            i += stride;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tok() -> WindowTokenizer {
        WindowTokenizer::from_bytes(super::super::embedded::TOKENIZER, "tokenizer.json")
            .expect("embedded tokenizer")
    }

    #[test]
    fn short_text_is_one_window_with_special_tokens() {
        let t = tok();
        let ws = t.windows("Hello world", 128, 96).expect("encode");
        assert_eq!(ws.len(), 1);
        assert_eq!(ws[0].ids, vec![101, 7592, 2088, 102]);
        assert_eq!((ws[0].start, ws[0].end), (0, 11));
        let empty = t.windows("", 128, 96).expect("encode");
        assert_eq!(empty[0].ids, vec![101, 102]);
    }

    #[test]
    fn long_text_windows_overlap_and_cover_every_token() {
        let t = tok();
        let text = "word ".repeat(300);
        let ws = t.windows(&text, 128, 96).expect("encode");
        assert_eq!(ws.len(), 3);
        assert!(ws.iter().all(|w| w.ids.len() <= 128));
        assert_eq!(ws[0].start, 0);
        assert_eq!(ws.last().map(|w| w.end), Some(text.trim_end().len()));
        for pair in ws.windows(2) {
            assert!(pair[1].start < pair[0].end, "windows overlap");
        }
    }

    #[test]
    fn bad_tokenizer_file_is_a_model_error() {
        let e = WindowTokenizer::from_bytes(b"{not json", "tokenizer.json").expect_err("invalid");
        assert_eq!(e.kind(), ErrorKind::Model);
        assert!(e.to_string().contains("tokenizer.json"));
    }
}
