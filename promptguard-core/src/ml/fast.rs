//! The fast tier: hashed character and word n-gram logistic models, one per head, scored in
//! microseconds. The feature hashing is specified (and trained) by `models/fastfeat.py`; the
//! two must agree bit for bit, which the golden-vector test checks.
//!
//! File format of `fast.bin` (little endian): magic `PGFAST01`, `u32` bucket count, `u32` head
//! count, per head `f32` weight scale and `f32` bias, then `buckets x heads` `i8` weights laid
//! out bucket-major (one cache line brings every head's weight for a bucket).

use crate::error::{Error, ErrorKind};

const MAGIC: &[u8; 8] = b"PGFAST01";
/// Texts are scored in chunks of at most this many characters (as in training).
pub(crate) const CHUNK_CHARS: usize = 2048;
const PUNCT: &str = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

/// The fast tier's weights (read-only, shared by all threads).
#[derive(Debug)]
pub(crate) struct FastModel {
    buckets: usize,
    heads: usize,
    scale_bias: Vec<(f32, f32)>,
    weights: Vec<i8>,
}

impl FastModel {
    /// Parses `fast.bin`; `file` names it in errors.
    pub(crate) fn from_bytes(bytes: &[u8], file: &str) -> Result<FastModel, Error> {
        let bad = |what: &str| {
            Error::new(
                ErrorKind::Model,
                format!("model file `{file}` is corrupt: {what}"),
            )
        };
        if bytes.len() < 16 || &bytes[..8] != MAGIC {
            return Err(bad("bad magic (expected PGFAST01)"));
        }
        let u32_at = |at: usize| -> Result<usize, Error> {
            let b: [u8; 4] = bytes
                .get(at..at + 4)
                .and_then(|s| s.try_into().ok())
                .ok_or_else(|| bad("truncated header"))?;
            Ok(u32::from_le_bytes(b) as usize)
        };
        let buckets = u32_at(8)?;
        let heads = u32_at(12)?;
        if buckets == 0 || heads == 0 || heads > 64 || buckets > (1 << 24) {
            return Err(bad("implausible bucket or head count"));
        }
        let table_at = 16 + heads * 8;
        if bytes.len() != table_at + buckets * heads {
            return Err(bad("size does not match its header"));
        }
        let mut scale_bias = Vec::with_capacity(heads);
        for h in 0..heads {
            let at = 16 + h * 8;
            let f = |o: usize| -> Result<f32, Error> {
                let b: [u8; 4] = bytes
                    .get(o..o + 4)
                    .and_then(|s| s.try_into().ok())
                    .ok_or_else(|| bad("truncated header"))?;
                Ok(f32::from_le_bytes(b))
            };
            let (scale, bias) = (f(at)?, f(at + 4)?);
            if !scale.is_finite() || !bias.is_finite() {
                return Err(bad("non-finite scale or bias"));
            }
            scale_bias.push((scale, bias));
        }
        let weights = bytes[table_at..].iter().map(|&b| b as i8).collect();
        Ok(FastModel {
            buckets,
            heads,
            scale_bias,
            weights,
        })
    }

    /// Number of heads.
    pub(crate) fn heads(&self) -> usize {
        self.heads
    }

    /// Raw logits (before calibration) of every head for `text`, cut to [`CHUNK_CHARS`]
    /// characters. `scratch` is reused between calls.
    pub(crate) fn logits(&self, text: &str, scratch: &mut Vec<u32>, out: &mut Vec<f32>) {
        scratch.clear();
        features(text, self.buckets, scratch);
        scratch.sort_unstable();
        scratch.dedup();
        let mut sums = vec![0i32; self.heads];
        for &b in scratch.iter() {
            let row = &self.weights[b as usize * self.heads..(b as usize + 1) * self.heads];
            for (s, &w) in sums.iter_mut().zip(row) {
                *s += i32::from(w);
            }
        }
        let norm = if scratch.is_empty() {
            0.0
        } else {
            1.0 / (scratch.len() as f64).sqrt()
        };
        out.clear();
        for (s, &(scale, bias)) in sums.iter().zip(&self.scale_bias) {
            out.push((f64::from(*s) * f64::from(scale) * norm + f64::from(bias)) as f32);
        }
    }
}

/// Pushes the bucket of every gram of `text` (duplicates included).
pub(crate) fn features(text: &str, buckets: usize, out: &mut Vec<u32>) {
    let s = normalise(text);
    let chars: Vec<char> = std::iter::once(' ')
        .chain(s.chars())
        .chain(std::iter::once(' '))
        .collect();
    let mut buf = Vec::with_capacity(32);
    let mut utf8 = [0u8; 4];
    for n in 3..=5 {
        if chars.len() < n {
            continue;
        }
        for w in chars.windows(n) {
            buf.clear();
            buf.push(b'c');
            for c in w {
                buf.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
            }
            out.push((crc32(&buf) as usize % buckets) as u32);
        }
    }
    let words: Vec<&str> = s
        .split(' ')
        .map(|w| w.trim_matches(|c| PUNCT.contains(c)))
        .filter(|w| !w.is_empty())
        .collect();
    for w in &words {
        buf.clear();
        buf.push(b'w');
        buf.extend_from_slice(w.as_bytes());
        out.push((crc32(&buf) as usize % buckets) as u32);
    }
    for pair in words.windows(2) {
        buf.clear();
        buf.push(b'b');
        buf.extend_from_slice(pair[0].as_bytes());
        buf.push(b' ');
        buf.extend_from_slice(pair[1].as_bytes());
        out.push((crc32(&buf) as usize % buckets) as u32);
    }
}

/// Lower case, whitespace runs as one space, trimmed; at most [`CHUNK_CHARS`] characters of
/// the input are read.
fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(CHUNK_CHARS * 4));
    let mut space = false;
    let lower = text
        .chars()
        .take(CHUNK_CHARS)
        .collect::<String>()
        .to_lowercase();
    for c in lower.chars() {
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        out.push(c);
    }
    out
}

/// Splits `text` into chunks of at most [`CHUNK_CHARS`] characters overlapping by a quarter,
/// as (byte offset, chunk). Short texts are one chunk.
pub(crate) fn chunks(text: &str) -> Vec<(usize, &str)> {
    let starts: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
    if starts.len() <= CHUNK_CHARS {
        return vec![(0, text)];
    }
    let step = CHUNK_CHARS * 3 / 4;
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        let end_char = i + CHUNK_CHARS;
        let end = starts.get(end_char).copied().unwrap_or(text.len());
        out.push((starts[i], &text[starts[i]..end]));
        if end_char >= starts.len() {
            break;
        }
        i += step;
    }
    out
}

/// CRC-32 (IEEE, as zlib's `crc32`).
fn crc32(bytes: &[u8]) -> u32 {
    static TABLE: std::sync::OnceLock<[u32; 256]> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut t = [0u32; 256];
        for (i, e) in t.iter_mut().enumerate() {
            let mut c = i as u32;
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
            *e = c;
        }
        t
    });
    let mut c = !0u32;
    for &b in bytes {
        c = table[((c ^ u32::from(b)) & 0xFF) as usize] ^ (c >> 8);
    }
    !c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_matches_zlib() {
        assert_eq!(crc32(b""), 0);
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(
            crc32(b"The quick brown fox jumps over the lazy dog"),
            0x414F_A339
        );
    }

    #[test]
    fn normalise_collapses_whitespace_and_lowercases() {
        assert_eq!(normalise("  Hello\t\u{3000}WORLD \n"), "hello world");
        assert_eq!(normalise(""), "");
    }

    #[test]
    fn features_of_empty_text_are_empty() {
        let mut v = Vec::new();
        features("", 1 << 18, &mut v);
        assert!(v.is_empty());
        features("a", 1 << 18, &mut v);
        // " a " gives one 3-gram, plus the word "a".
        assert_eq!(v.len(), 2);
    }

    #[test]
    fn chunks_cover_long_text_with_overlap() {
        let text = "é".repeat(5000);
        let cs = chunks(&text);
        assert!(cs.len() >= 3);
        assert_eq!(cs[0].0, 0);
        let last = cs.last().expect("chunks");
        assert_eq!(last.0 + last.1.len(), text.len());
        for w in cs.windows(2) {
            assert!(w[1].0 < w[0].0 + w[0].1.len());
        }
        assert_eq!(chunks("short").len(), 1);
    }

    #[test]
    fn corrupt_files_are_errors() {
        for bytes in [&b""[..], b"PGFAST01", b"XXXXXXXX\x01\0\0\0\x01\0\0\0"] {
            let e = FastModel::from_bytes(bytes, "fast.bin").expect_err("corrupt");
            assert_eq!(e.kind(), ErrorKind::Model);
            assert!(e.to_string().contains("fast.bin"));
        }
        let mut ok = b"PGFAST01".to_vec();
        ok.extend_from_slice(&4u32.to_le_bytes());
        ok.extend_from_slice(&1u32.to_le_bytes());
        ok.extend_from_slice(&0.5f32.to_le_bytes());
        ok.extend_from_slice(&(-1.0f32).to_le_bytes());
        ok.extend_from_slice(&[1, 2, 3, 4]);
        let m = FastModel::from_bytes(&ok, "fast.bin").expect("valid");
        let mut out = Vec::new();
        m.logits("", &mut Vec::new(), &mut out);
        assert_eq!(out, vec![-1.0]);
        ok.pop();
        assert!(FastModel::from_bytes(&ok, "fast.bin").is_err());
    }
}
