//! What each byte of a text is, as bit masks: one bit per byte and class, 64 bytes to a word.
//!
//! Most text is ASCII, and most of it holds nothing for the deobfuscation passes or the decoders
//! to undo. Asking each of them byte by byte whether it would change something cost more than a
//! third of normalising a long document; computed once as masks, the same questions are a few
//! word operations per 64 bytes. The class of a byte is plain arithmetic (no table), so that the
//! compiler classifies 16 bytes per instruction.

/// An ASCII letter.
pub(super) const LETTER: u8 = 1;
/// An ASCII digit.
pub(super) const DIGIT: u8 = 2;
/// A symbol leetspeak spells a letter with (`super::leet`).
pub(super) const LEET: u8 = 4;
/// Whitespace to [`char::is_whitespace`] (which, unlike [`u8::is_ascii_whitespace`], counts the
/// vertical tab).
pub(super) const SPACE: u8 = 8;
/// What separates split-up letters (`super::is_split_sep`).
pub(super) const SPLIT_SEP: u8 = 16;
/// Can be part of a base64 run (`[A-Za-z0-9+/_-]`).
pub(super) const BASE64_BYTE: u8 = 32;
/// Can be part of a hex run (`super::HEX_RE`: digits, the two prefixes and the separators).
pub(super) const HEX_BYTE: u8 = 64;
/// The space character itself.
pub(super) const BLANK: u8 = 128;

/// The classes of byte `b`, with bitwise (not short-circuit) operators throughout: the block
/// loop in [`classify`] vectorises only because nothing here branches or looks up.
#[allow(clippy::nonminimal_bool)]
const fn class_of(b: u8) -> u8 {
    let letter = (b | 0x20).wrapping_sub(b'a') < 26;
    let digit = b.wrapping_sub(b'0') < 10;
    let blank = b == b' ';
    // \t \n \v \f \r are 9 to 13.
    let space = blank | (b.wrapping_sub(b'\t') < 5);
    let leet = (digit & (b != b'2') & (b != b'6'))
        | (b == b'!')
        | (b == b'|')
        | (b == b'@')
        | (b == b'$')
        | (b == b'+');
    let split_sep = blank
        | (b == b'.')
        | (b == b'-')
        | (b == b'_')
        | (b == b'*')
        | (b == b'/')
        | (b == b',')
        | (b == b'|')
        | (b == b'+');
    let base64 = letter | digit | (b == b'+') | (b == b'/') | (b == b'_') | (b == b'-');
    let hex = digit
        | ((b | 0x20).wrapping_sub(b'a') < 6)
        | (b == b'x')
        | (b == b'\\')
        | blank
        | (b == b':')
        | (b == b',');
    ((letter as u8) * LETTER)
        | ((digit as u8) * DIGIT)
        | ((leet as u8) * LEET)
        | ((space as u8) * SPACE)
        | ((split_sep as u8) * SPLIT_SEP)
        | ((base64 as u8) * BASE64_BYTE)
        | ((hex as u8) * HEX_BYTE)
        | ((blank as u8) * BLANK)
}

const _: () = assert!(
    class_of(0) == 0,
    "ByteMasks::new pads the last block with zero bytes"
);

/// The class masks of one block. A fixed-size block, so the classifying loop vectorises; the
/// text's last, partial block is padded to one.
fn classify(block: &[u8; 64]) -> [u64; 8] {
    let mut classes = [0u8; 64];
    for (c, &b) in classes.iter_mut().zip(block) {
        *c = class_of(b);
    }
    gather(&classes)
}

/// [`class_of`] every byte, for questions about one byte.
static BYTE_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = class_of(b as u8);
        b += 1;
    }
    t
};

pub(super) fn byte_class(b: u8) -> u8 {
    BYTE_CLASS[usize::from(b)]
}

/// The eight classes of a text's bytes: word `i` of class `1 << c` has bit `j` set when byte
/// `64 i + j` is of that class. Bits past the text's end are clear. The eight masks share one
/// allocation (class `c`'s words are `words[c * blocks..][..blocks]`): a scan builds this for
/// every text, and in a gateway it does so with cold caches, where each allocation is a miss.
#[derive(Debug)]
pub(super) struct ByteMasks {
    words: Vec<u64>,
    blocks: usize,
    len: usize,
}

impl ByteMasks {
    pub(super) fn new(bytes: &[u8]) -> ByteMasks {
        let blocks = bytes.len().div_ceil(64);
        let mut words = vec![0u64; 8 * blocks];
        let mut put = |i: usize, block: [u64; 8]| {
            for (c, word) in block.into_iter().enumerate() {
                words[c * blocks + i] = word;
            }
        };
        let (full, rest) = bytes.as_chunks::<64>();
        for (i, block) in full.iter().enumerate() {
            put(i, classify(block));
        }
        if !rest.is_empty() {
            // Zero bytes are of no class, so the padding adds no bits.
            let mut last = [0u8; 64];
            last[..rest.len()].copy_from_slice(rest);
            put(full.len(), classify(&last));
        }
        ByteMasks {
            words,
            blocks,
            len: bytes.len(),
        }
    }

    /// The words of the bytes of `class` (one class bit).
    pub(super) fn of(&self, class: u8) -> &[u64] {
        let c = class.trailing_zeros() as usize;
        &self.words[c * self.blocks..(c + 1) * self.blocks]
    }

    /// Word `i` of `class`.
    pub(super) fn word(&self, i: usize, class: u8) -> u64 {
        self.of(class)[i]
    }

    pub(super) fn blocks(&self) -> usize {
        self.blocks
    }

    /// The length of the text, in bytes.
    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// The bits of the bytes that are in the text.
    fn inside(&self) -> Vec<u64> {
        (0..self.blocks())
            .map(|i| {
                let left = self.len - 64 * i;
                if left >= 64 {
                    u64::MAX
                } else {
                    (1u64 << left) - 1
                }
            })
            .collect()
    }

    /// The whitespace bytes the `Folded` view changes: all but a single space before a byte
    /// that is not whitespace.
    pub(super) fn collapsed_whitespace(&self) -> Vec<u64> {
        let inside = self.inside();
        let space = self.of(SPACE);
        let solid: Vec<u64> = space.iter().zip(&inside).map(|(s, i)| !s & i).collect();
        (0..space.len())
            .map(|i| space[i] & !(self.word(i, BLANK) & after(&solid, i, 0)))
            .collect()
    }

    /// Whether some byte `k` starts three characters that stand alone, one space apart
    /// (`k`, `k + 2` and `k + 4` each with whitespace or an end of the text on both sides, and
    /// blanks at `k + 1` and `k + 3`): `a b c`.
    pub(super) fn has_spaced_run(&self) -> bool {
        let inside = self.inside();
        let space = self.of(SPACE);
        let blank = self.of(BLANK);
        // Whitespace, or outside the text.
        let gap: Vec<u64> = space.iter().zip(&inside).map(|(s, i)| s | !i).collect();
        let alone: Vec<u64> = (0..space.len())
            .map(|i| !space[i] & inside[i] & before(&gap, i, u64::MAX) & after(&gap, i, u64::MAX))
            .collect();
        (0..alone.len()).any(|i| {
            alone[i] != 0
                && alone[i]
                    & ahead(blank, i, 1)
                    & ahead(&alone, i, 2)
                    & ahead(blank, i, 3)
                    & ahead(&alone, i, 4)
                    != 0
        })
    }

    /// Whether some byte `k` starts four single letters (no letter or digit on either side),
    /// one split separator apart: `i.g.n.o`.
    pub(super) fn has_split_letters(&self) -> bool {
        let letter = self.of(LETTER);
        let digit = self.of(DIGIT);
        let sep = self.of(SPLIT_SEP);
        let alnum: Vec<u64> = letter.iter().zip(digit).map(|(l, d)| l | d).collect();
        let single: Vec<u64> = (0..letter.len())
            .map(|i| letter[i] & !before(&alnum, i, 0) & !after(&alnum, i, 0))
            .collect();
        (0..single.len()).any(|i| {
            single[i] != 0
                && (1..=3).fold(single[i], |m, k| {
                    m & ahead(sep, i, 2 * k - 1) & ahead(&single, i, 2 * k)
                }) != 0
        })
    }

    /// The maximal runs of bytes of `class`, as byte ranges in order.
    pub(super) fn runs(&self, class: u8, mut f: impl FnMut(usize, usize)) {
        let mut open: Option<usize> = None;
        for (i, &mask) in self.of(class).iter().enumerate() {
            // Where the mask changes, with a run carried in as a set bit before the block.
            let mut edges = mask ^ ((mask << 1) | u64::from(open.is_some()));
            while edges != 0 {
                let at = 64 * i + edges.trailing_zeros() as usize;
                edges &= edges - 1;
                match open.take() {
                    None => open = Some(at),
                    Some(s) => f(s, at),
                }
            }
        }
        if let Some(s) = open {
            f(s, self.len);
        }
    }
}

/// The first set bit of `bits` at or after bit `from`.
pub(super) fn next_set(bits: &[u64], from: usize) -> Option<usize> {
    let first = bits.get(from / 64)? & (u64::MAX << (from % 64));
    if first != 0 {
        return Some(from / 64 * 64 + first.trailing_zeros() as usize);
    }
    (from / 64 + 1..bits.len())
        .find(|&i| bits[i] != 0)
        .map(|i| 64 * i + bits[i].trailing_zeros() as usize)
}

/// Gathers the class bytes of a block into one mask per class: a 64 x 8 bit matrix (a byte
/// per row) turned into an 8 x 64 one, as eight 8 x 8 bit transposes, one per eight bytes, and
/// then an 8 x 8 transpose of their bytes.
fn gather(classes: &[u8; 64]) -> [u64; 8] {
    let mut x = [0u64; 8];
    for (w, eight) in x.iter_mut().zip(classes.chunks_exact(8)) {
        let mut word = [0u8; 8];
        word.copy_from_slice(eight);
        *w = transpose_bits(u64::from_le_bytes(word));
    }
    transpose_bytes(&mut x);
    x
}

/// Transposes the 8 x 8 bit matrix whose row `k` is byte `k` of `x`: bit `8 k + c` goes to bit
/// `8 c + k`. Three rounds, each swapping the two off-diagonal blocks of every 2 x 2, 4 x 4 and
/// 8 x 8 block (Hacker's Delight, 7-3).
fn transpose_bits(mut x: u64) -> u64 {
    let mut t = (x ^ (x >> 7)) & 0x00AA_00AA_00AA_00AA;
    x ^= t ^ (t << 7);
    t = (x ^ (x >> 14)) & 0x0000_CCCC_0000_CCCC;
    x ^= t ^ (t << 14);
    t = (x ^ (x >> 28)) & 0x0000_0000_F0F0_F0F0;
    x ^= t ^ (t << 28);
    x
}

/// Transposes the 8 x 8 byte matrix whose row `j` is `x[j]`: byte `c` of `x[j]` goes to byte `j`
/// of `x[c]`. The same three rounds, on rows four, two and one apart.
fn transpose_bytes(x: &mut [u64; 8]) {
    for (apart, mask) in [
        (4, 0x0000_0000_FFFF_FFFFu64),
        (2, 0x0000_FFFF_0000_FFFF),
        (1, 0x00FF_00FF_00FF_00FF),
    ] {
        let shift = 8 * apart as u32;
        for j in (0..8).filter(|j| j & apart == 0) {
            let t = ((x[j] >> shift) ^ x[j + apart]) & mask;
            x[j + apart] ^= t;
            x[j] ^= t << shift;
        }
    }
}

/// Word `i` of `bits` seen from byte `p - 1`: bit `j` is bit `64 i + j - 1` (`outside` for the
/// bit before the first byte).
fn before(bits: &[u64], i: usize, outside: u64) -> u64 {
    let carry = if i == 0 { outside } else { bits[i - 1] };
    (bits[i] << 1) | (carry >> 63)
}

/// Word `i` of `bits` seen from byte `p + 1`: bit `j` is bit `64 i + j + 1` (`outside` past the
/// last word).
fn after(bits: &[u64], i: usize, outside: u64) -> u64 {
    let next = bits.get(i + 1).copied().unwrap_or(outside);
    (bits[i] >> 1) | (next << 63)
}

/// Word `i` of `bits` seen `by` (1 to 63) bytes ahead: bit `j` is bit `64 i + j + by`, clear
/// past the end.
fn ahead(bits: &[u64], i: usize, by: u32) -> u64 {
    let next = bits.get(i + 1).copied().unwrap_or(0);
    (bits[i] >> by) | (next << (64 - by))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_are_what_the_passes_ask() {
        for b in 0..=255u8 {
            let c = char::from(b);
            let ascii = b.is_ascii();
            let expect = [
                (LETTER, b.is_ascii_alphabetic()),
                (DIGIT, b.is_ascii_digit()),
                (LEET, ascii && super::super::leet(c).is_some()),
                (SPACE, ascii && c.is_whitespace()),
                (SPLIT_SEP, ascii && super::super::is_split_sep(c)),
                (
                    BASE64_BYTE,
                    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'_' | b'-'),
                ),
                (
                    HEX_BYTE,
                    b.is_ascii_hexdigit() || matches!(b, b'x' | b'\\' | b' ' | b':' | b','),
                ),
                (BLANK, b == b' '),
            ];
            for (class, is) in expect {
                assert_eq!(
                    byte_class(b) & class != 0,
                    is,
                    "byte {b:#04x} class {class}"
                );
            }
        }
    }

    proptest::proptest! {
        /// Bit `j` of class `c`'s mask is bit `c` of byte `j`, for any bytes.
        #[test]
        fn gather_transposes(bytes in proptest::collection::vec(proptest::num::u8::ANY, 64)) {
            let mut classes = [0u8; 64];
            classes.copy_from_slice(&bytes);
            let masks = gather(&classes);
            for (c, mask) in masks.iter().enumerate() {
                for (j, b) in classes.iter().enumerate() {
                    proptest::prop_assert_eq!(mask >> j & 1, u64::from(b >> c & 1));
                }
            }
        }

        /// The masks hold each byte's class at its place, and runs are the maximal runs, across
        /// block edges and at both ends.
        #[test]
        fn masks_and_runs_are_byte_by_byte(text in "([a-z]{1,70}|[ 0-9.!]{1,3}){0,40}", pad in 0usize..64) {
            let text = format!("{}{text}", ".".repeat(pad));
            let bytes = text.as_bytes();
            let masks = ByteMasks::new(bytes);
            for class in [LETTER, DIGIT, LEET, SPACE, SPLIT_SEP, BASE64_BYTE, HEX_BYTE, BLANK] {
                let words = masks.of(class);
                for (p, &b) in bytes.iter().enumerate() {
                    proptest::prop_assert_eq!(words[p / 64] >> (p % 64) & 1 == 1, byte_class(b) & class != 0);
                }
                proptest::prop_assert!(words.len() * 64 < bytes.len() + 64);
                let mut runs = Vec::new();
                masks.runs(class, |s, e| runs.push((s, e)));
                let mut expected = Vec::new();
                let mut start = None;
                for (i, b) in bytes.iter().copied().chain([0]).enumerate() {
                    match (byte_class(b) & class != 0, start) {
                        (true, None) => start = Some(i),
                        (false, Some(s)) => {
                            expected.push((s, i));
                            start = None;
                        }
                        _ => {}
                    }
                }
                proptest::prop_assert_eq!(runs, expected);
            }
        }
    }
}
