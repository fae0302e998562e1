//! Byte offsets (core) to UTF-16 code-unit offsets (JavaScript), so that
//! `text.slice(start, end)` in JavaScript is exactly the span the core reported.

/// Number of UTF-16 code units of the UTF-8 bytes `bytes`: one per character start (any byte
/// that is not a continuation byte `10xxxxxx`), plus one more for each 4-byte character (lead
/// byte `11110xxx`), which JavaScript stores as a surrogate pair. A slice that ends inside a
/// character counts that character whole (the offset rounds up to the character's end).
fn utf16_units(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .map(|&b| usize::from((b & 0xC0) != 0x80) + usize::from(b >= 0xF0))
        .sum()
}

/// Maps a batch of byte offsets of one text to UTF-16 offsets with one pass over the text
/// (up to the largest offset asked for).
#[derive(Debug)]
pub(crate) struct Utf16Offsets {
    /// `(byte offset, utf16 offset)`, sorted by byte offset.
    table: Vec<(usize, u32)>,
}

impl Utf16Offsets {
    /// Prepares the mapping of `offsets` (any order, duplicates allowed) within `text`.
    /// Offsets past the end of the text are clamped to its end.
    pub(crate) fn new(text: &str, offsets: impl IntoIterator<Item = usize>) -> Utf16Offsets {
        let mut byte_offsets: Vec<usize> = offsets.into_iter().map(|o| o.min(text.len())).collect();
        byte_offsets.sort_unstable();
        byte_offsets.dedup();
        let bytes = text.as_bytes();
        let ascii = bytes.is_ascii();
        let mut table = Vec::with_capacity(byte_offsets.len());
        let (mut prev_byte, mut prev_units) = (0usize, 0usize);
        for off in byte_offsets {
            let units = if ascii {
                off
            } else {
                prev_units + utf16_units(&bytes[prev_byte..off])
            };
            // JavaScript strings are shorter than 2^30 code units, so this never saturates.
            table.push((off, u32::try_from(units).unwrap_or(u32::MAX)));
            prev_byte = off;
            prev_units = units;
        }
        Utf16Offsets { table }
    }

    /// The UTF-16 offset of byte offset `byte` (which must have been passed to [`Self::new`];
    /// others map to the nearest prepared offset at or below it).
    pub(crate) fn get(&self, byte: usize) -> u32 {
        match self.table.binary_search_by_key(&byte, |&(b, _)| b) {
            Ok(i) => self.table[i].1,
            Err(0) => 0,
            Err(i) => self.table[i - 1].1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn js_len(s: &str) -> u32 {
        u32::try_from(s.encode_utf16().count()).expect("small")
    }

    #[test]
    fn ascii_is_identity() {
        let m = Utf16Offsets::new("hello world", [0, 5, 11, 99]);
        assert_eq!((m.get(0), m.get(5), m.get(11), m.get(99)), (0, 5, 11, 11));
    }

    #[test]
    fn every_char_boundary_matches_encode_utf16() {
        let text = "a é € 😀 𝔘 z\u{1F468}\u{200D}\u{1F469} 日本";
        let offsets: Vec<usize> = text
            .char_indices()
            .map(|(i, _)| i)
            .chain([text.len()])
            .collect();
        let m = Utf16Offsets::new(text, offsets.iter().rev().copied());
        for &o in &offsets {
            assert_eq!(m.get(o), js_len(&text[..o]), "byte offset {o}");
        }
    }

    #[test]
    fn offset_inside_a_character_rounds_up() {
        let text = "x😀y"; // 😀 is bytes 1..5, UTF-16 units 1..3
        let m = Utf16Offsets::new(text, [2, 5]);
        assert_eq!(m.get(2), 3);
        assert_eq!(m.get(5), 3);
    }
}
