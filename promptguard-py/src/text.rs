//! Getting text out of Python, and byte offsets back into Python's code-point offsets.

use std::ops::Deref;

use pyo3::exceptions::{PyTypeError, PyUnicodeEncodeError};
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::types::{PyByteArray, PyBytes, PyString};

/// A text to scan, readable without the GIL (`Send + Sync`).
#[derive(Debug)]
pub(crate) enum Text {
    /// The UTF-8 of a Python `str`, borrowed from Python without a copy where the ABI allows.
    Backed(PyBackedStr),
    /// A `str` holding lone surrogates, with each of them replaced by U+FFFD (one code point for
    /// one, so offsets still index the caller's string).
    Owned(String),
}

impl Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        match self {
            Text::Backed(s) => s,
            Text::Owned(s) => s,
        }
    }
}

/// Reads `obj` as text. `what` names the argument in error messages (`text`, `texts[3]`).
pub(crate) fn extract_text(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Text> {
    let py = obj.py();
    if let Ok(s) = obj.cast::<PyString>() {
        return match PyBackedStr::try_from(s.clone()) {
            Ok(backed) => Ok(Text::Backed(backed)),
            Err(e) if e.is_instance_of::<PyUnicodeEncodeError>(py) => replace_surrogates(s),
            Err(e) => Err(e),
        };
    }
    Err(not_a_str(obj, what))
}

/// The TypeError for a non-`str` argument, with a hint for bytes.
pub(crate) fn not_a_str(obj: &Bound<'_, PyAny>, what: &str) -> PyErr {
    let type_name = obj
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "object".to_owned());
    if obj.is_instance_of::<PyBytes>() || obj.is_instance_of::<PyByteArray>() {
        PyTypeError::new_err(format!(
            "{what} must be str, not {type_name}; decode it first, e.g. data.decode(\"utf-8\")"
        ))
    } else {
        PyTypeError::new_err(format!("{what} must be str, not {type_name}"))
    }
}

/// Python strings may hold lone surrogates, which UTF-8 cannot carry. Scanning must not fail on
/// attacker-controlled text, so each of them becomes U+FFFD, keeping code-point offsets valid.
fn replace_surrogates(s: &Bound<'_, PyString>) -> PyResult<Text> {
    let encoded = s.call_method1("encode", ("utf-32-le", "surrogatepass"))?;
    let bytes = encoded.cast::<PyBytes>()?.as_bytes();
    let text: String = bytes
        .chunks_exact(4)
        .map(|c| {
            let unit = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
            char::from_u32(unit).unwrap_or(char::REPLACEMENT_CHARACTER)
        })
        .collect();
    Ok(Text::Owned(text))
}

/// Converts byte offsets of `text` into code-point offsets (Python `str` indices), in the order
/// given. Offsets inside a character or past the end are first moved down to a boundary (the core
/// promises boundaries; this keeps the conversion total). One pass over the text.
pub(crate) fn code_point_offsets(text: &str, bytes: &[usize]) -> Vec<usize> {
    let clamp = |b: usize| {
        let mut b = b.min(text.len());
        while !text.is_char_boundary(b) {
            b -= 1;
        }
        b
    };
    if bytes.is_empty() {
        return Vec::new();
    }
    if text.is_ascii() {
        return bytes.iter().map(|&b| clamp(b)).collect();
    }
    let mut order: Vec<usize> = (0..bytes.len()).collect();
    order.sort_by_key(|&i| bytes[i]);
    let mut out = vec![0; bytes.len()];
    let (mut at_byte, mut at_char) = (0usize, 0usize);
    for i in order {
        let target = clamp(bytes[i]);
        at_char += text[at_byte..target].chars().count();
        at_byte = target;
        out[i] = at_char;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_is_identity() {
        assert_eq!(
            code_point_offsets("hello world", &[6, 0, 11, 99]),
            [6, 0, 11, 11]
        );
    }

    #[test]
    fn multibyte_text_counts_code_points() {
        let text = "café 😀 naïve SSN 123";
        let start = text.find("naïve").expect("present");
        let end = start + "naïve".len();
        let got = code_point_offsets(text, &[end, start, text.len()]);
        let chars: Vec<char> = text.chars().collect();
        let excerpt: String = chars[got[1]..got[0]].iter().collect();
        assert_eq!(excerpt, "naïve");
        assert_eq!(got[2], chars.len());
    }

    #[test]
    fn offsets_inside_a_character_move_down() {
        let text = "é";
        assert_eq!(code_point_offsets(text, &[1, 2]), [0, 1]);
    }

    #[test]
    fn empty_input() {
        assert!(code_point_offsets("anything", &[]).is_empty());
        assert_eq!(code_point_offsets("", &[0, 5]), [0, 0]);
    }
}
