//! What a rule's regex can match, read off its syntax once at compile time, so that matching can
//! skip text where no match can be: how far a match reaches from one of its anchors (in bytes,
//! or in whitespace-separated tokens when its byte length is unbounded) and whether it can match
//! ASCII text at all.
//!
//! Each answer is a guarantee about *every* match, so narrowing a search by it never loses one.

use regex_syntax::hir::{Class, Hir, HirKind, Look};

use super::compile::{ceil_boundary, floor_boundary, is_word_char};

/// How far every match of a regex reaches from an anchor occurrence inside it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Reach {
    /// The longest match in bytes, if bounded.
    pub bytes: Option<usize>,
    /// The most ASCII whitespace characters a match can hold, if bounded: a regex like
    /// `ignore( [a-z]+){0,2} rules` has no longest match (`[a-z]+`), but no match of it spans
    /// more than three spaces.
    pub separators: Option<usize>,
}

impl Reach {
    /// Whether a search can be narrowed to the text around anchors at all.
    pub(crate) fn is_bounded(&self) -> bool {
        self.bytes.is_some() || self.separators.is_some()
    }
}

/// What every match of `pattern` is known to be; `None` if it does not parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Shape {
    pub reach: Reach,
    /// A string of ASCII characters only can hold a match (a Cyrillic- or Devanagari-only
    /// regex cannot match in English text).
    pub matches_ascii: bool,
    /// The bytes a match can hold: a search range whose edge has one outside this set on
    /// either side cuts no match in two (see [`safe_start`]).
    pub alphabet: ByteSet,
}

/// A set of bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ByteSet([u64; 4]);

impl ByteSet {
    pub(crate) const ALL: ByteSet = ByteSet([u64::MAX; 4]);
    const EMPTY: ByteSet = ByteSet([0; 4]);

    fn insert_range(&mut self, from: u8, to: u8) {
        for b in from..=to {
            self.0[usize::from(b >> 6)] |= 1 << (b & 63);
        }
    }

    pub(crate) fn contains(&self, b: u8) -> bool {
        self.0[usize::from(b >> 6)] & (1 << (b & 63)) != 0
    }

    fn union(mut self, other: ByteSet) -> ByteSet {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a |= b;
        }
        self
    }
}

/// The [`Shape`] of `pattern`. Regexes that assert where the text starts or ends (`^`, `$`, with
/// or without multi-line) have an unbounded reach: a search narrowed to a part of the text would
/// move those edges.
pub(crate) fn shape(pattern: &str, case_insensitive: bool) -> Option<Shape> {
    let hir = regex_syntax::ParserBuilder::new()
        .case_insensitive(case_insensitive)
        .build()
        .parse(pattern)
        .ok()?;
    let looks = hir.properties().look_set();
    let edges = [
        Look::Start,
        Look::End,
        Look::StartLF,
        Look::EndLF,
        Look::StartCRLF,
        Look::EndCRLF,
    ];
    let reach = if edges.iter().any(|l| looks.contains(*l)) {
        Reach::default()
    } else {
        Reach {
            bytes: hir.properties().maximum_len(),
            separators: separators(&hir).filter(|&n| n <= MAX_SEPARATORS),
        }
    };
    Some(Shape {
        reach,
        matches_ascii: matches_ascii(&hir),
        alphabet: alphabet(&hir),
    })
}

/// The bytes of every string `hir` matches (in UTF-8: a non-ASCII character counts as every
/// byte from 0x80 up, which is all an edge test needs).
fn alphabet(hir: &Hir) -> ByteSet {
    let mut set = ByteSet::EMPTY;
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => {}
        HirKind::Literal(lit) => lit.0.iter().for_each(|&b| set.insert_range(b, b)),
        HirKind::Class(Class::Unicode(c)) => {
            for r in c.ranges() {
                let (from, to) = (u32::from(r.start()), u32::from(r.end()));
                if from < 0x80 {
                    // Both below 0x80 here, so the casts are exact.
                    set.insert_range(from as u8, to.min(0x7F) as u8);
                }
                if to >= 0x80 {
                    set.insert_range(0x80, 0xFF);
                }
            }
        }
        HirKind::Class(Class::Bytes(c)) => c
            .ranges()
            .iter()
            .for_each(|r| set.insert_range(r.start(), r.end())),
        HirKind::Repetition(r) => set = alphabet(&r.sub),
        HirKind::Capture(c) => set = alphabet(&c.sub),
        HirKind::Concat(parts) | HirKind::Alternation(parts) => {
            set = parts.iter().fold(set, |acc, p| acc.union(alphabet(p)))
        }
    }
    set
}

/// An ASCII byte that is no word character: at an edge next to one, `\b` reads the same in a
/// range as in the whole text.
fn is_non_word(b: u8) -> bool {
    b.is_ascii() && !(b.is_ascii_alphanumeric() || b == b'_')
}

/// `a` moved back to the nearest offset where a search range may start without changing what
/// a regex whose matches hold only `alphabet` finds there: the byte before it is an ASCII
/// non-word byte (so word boundaries at the edge read as in the whole text), and it or the
/// byte after is outside `alphabet` (so no match of the whole text holds both: none is cut in
/// two). Then the matches inside the range are exactly the whole text's matches there, found
/// in the same leftmost-first order, whatever chose the range.
pub(crate) fn safe_start(text: &str, mut a: usize, alphabet: &ByteSet) -> usize {
    let bytes = text.as_bytes();
    while a > 0 {
        let before = bytes[a - 1];
        let after_outside = bytes.get(a).is_none_or(|&b| !alphabet.contains(b));
        if is_non_word(before) && (!alphabet.contains(before) || after_outside) {
            break;
        }
        a -= 1;
    }
    a
}

/// `b` moved forward to the nearest offset where a search range may end: as [`safe_start`],
/// with the byte after it the ASCII non-word byte.
pub(crate) fn safe_end(text: &str, mut b: usize, alphabet: &ByteSet) -> usize {
    let bytes = text.as_bytes();
    while b < bytes.len() {
        let after = bytes[b];
        let before_outside = b == 0 || !alphabet.contains(bytes[b - 1]);
        if is_non_word(after) && (!alphabet.contains(after) || before_outside) {
            break;
        }
        b += 1;
    }
    b
}

/// Beyond this many separators a range around an anchor is most of a paragraph, and finding
/// its edges costs more than the search it saves.
const MAX_SEPARATORS: usize = 16;

/// An ASCII whitespace byte: what [`Reach::separators`] counts.
pub(crate) fn is_separator(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C)
}

/// The most separators one match of `hir` can contain, if bounded.
fn separators(hir: &Hir) -> Option<usize> {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => Some(0),
        HirKind::Literal(lit) => Some(lit.0.iter().filter(|&&b| is_separator(b)).count()),
        HirKind::Class(class) => Some(usize::from(class_has_separator(class))),
        HirKind::Repetition(r) => {
            let one = separators(&r.sub)?;
            match (one, r.max) {
                (0, _) => Some(0),
                (n, Some(max)) => n.checked_mul(usize::try_from(max).ok()?),
                (_, None) => None,
            }
        }
        HirKind::Capture(c) => separators(&c.sub),
        HirKind::Concat(parts) => parts
            .iter()
            .try_fold(0usize, |sum, p| sum.checked_add(separators(p)?)),
        HirKind::Alternation(branches) => branches
            .iter()
            .try_fold(0usize, |most, b| Some(most.max(separators(b)?))),
    }
}

fn class_has_separator(class: &Class) -> bool {
    // Every separator is at or below the space.
    let mut seps = (0..=b' ').filter(|&b| is_separator(b));
    match class {
        Class::Unicode(c) => seps.any(|b| {
            c.ranges()
                .iter()
                .any(|r| (r.start()..=r.end()).contains(&char::from(b)))
        }),
        Class::Bytes(c) => seps.any(|b| {
            c.ranges()
                .iter()
                .any(|r| (r.start()..=r.end()).contains(&b))
        }),
    }
}

/// Whether some string of ASCII characters only matches `hir`.
fn matches_ascii(hir: &Hir) -> bool {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => true,
        HirKind::Literal(lit) => lit.0.is_ascii(),
        HirKind::Class(Class::Unicode(c)) => c.ranges().iter().any(|r| r.start().is_ascii()),
        HirKind::Class(Class::Bytes(c)) => c.ranges().iter().any(|r| r.start().is_ascii()),
        HirKind::Repetition(r) => r.min == 0 || matches_ascii(&r.sub),
        HirKind::Capture(c) => matches_ascii(&c.sub),
        HirKind::Concat(parts) => parts.iter().all(matches_ascii),
        HirKind::Alternation(branches) => branches.iter().any(matches_ascii),
    }
}

/// The byte range of `text` that can hold a match reaching `reach` from an anchor at `s..e`:
/// at most `reach.bytes` bytes either side, widened to whole words (so that a word boundary at
/// the range's edge means what it means in the whole text), and at most `reach.separators`
/// separators either side (the range then ends just inside the next one, which is no word
/// character either). `None` if `reach` bounds nothing.
pub(crate) fn range_around(text: &str, s: usize, e: usize, reach: Reach) -> Option<(usize, usize)> {
    if !reach.is_bounded() {
        return None;
    }
    let a = start_before(text, s, reach);
    let b = end_after(text, e, reach);
    Some((a, b.max(a)))
}

/// The byte range of `text` that can hold a match reaching `reach` and ending at `end`: back
/// as [`range_around`] goes, forward only to the end of the word `end` is in (so that a word
/// boundary at the edge means what it does in the whole text). `None` if `reach` bounds
/// nothing.
pub(crate) fn range_ending_at(text: &str, end: usize, reach: Reach) -> Option<(usize, usize)> {
    if !reach.is_bounded() {
        return None;
    }
    let a = start_before(text, end, reach);
    let b = word_end(text, ceil_boundary(text, end));
    Some((a, b.max(a)))
}

/// Where a match holding offset `s` can start, at the earliest.
fn start_before(text: &str, s: usize, reach: Reach) -> usize {
    let mut a = 0;
    if let Some(r) = reach.bytes {
        a = floor_boundary(text, s.saturating_sub(r));
        while let Some(c) = text[..a].chars().next_back().filter(|c| is_word_char(*c)) {
            a -= c.len_utf8();
        }
    }
    if let Some(n) = reach.separators {
        // Just after the (n+1)-th separator before `s`: separators are ASCII, so that is a
        // character boundary.
        let mut seen = 0;
        if let Some(i) = text.as_bytes()[a..s.max(a)].iter().rposition(|&x| {
            seen += usize::from(is_separator(x));
            seen > n
        }) {
            a += i + 1;
        }
    }
    a
}

/// Where a match holding offset `e` can end, at the latest.
fn end_after(text: &str, e: usize, reach: Reach) -> usize {
    let mut b = text.len();
    if let Some(r) = reach.bytes {
        b = word_end(text, ceil_boundary(text, e.saturating_add(r)));
    }
    if let Some(n) = reach.separators {
        // At the (n+1)-th separator after `e`.
        let mut seen = 0;
        if let Some(i) = text.as_bytes()[e.min(b)..b].iter().position(|&x| {
            seen += usize::from(is_separator(x));
            seen > n
        }) {
            b = b.min(e.min(b) + i);
        }
    }
    b
}

/// `b` moved forward past the word characters that follow it.
fn word_end(text: &str, mut b: usize) -> usize {
    while let Some(c) = text[b..].chars().next().filter(|c| is_word_char(*c)) {
        b += c.len_utf8();
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reach(p: &str) -> Reach {
        shape(p, false).expect("parses").reach
    }

    #[test]
    fn byte_reach_is_bounded_only_without_edge_assertions() {
        assert_eq!(reach("abc").bytes, Some(3));
        assert_eq!(reach(r"ab.{0,10}c").bytes, Some(3 + 40));
        assert_eq!(reach(r"^abc"), Reach::default());
        assert_eq!(reach(r"(?m)abc$"), Reach::default());
        assert_eq!(reach(r"ab.*c").bytes, None);
    }

    #[test]
    fn separator_reach_counts_what_can_be_whitespace() {
        assert_eq!(
            reach(r"\bignore( [a-z-]+){0,2} rules\b").separators,
            Some(3)
        );
        assert_eq!(
            reach(r"\b(\w+ ){0,2}(mass shooting|bombing)\b").separators,
            Some(3)
        );
        assert_eq!(reach(r"tokens[^\n]{0,10}end").separators, Some(10));
        assert_eq!(reach(r"tokens[^\n]{0,100}end").separators, None);
        // Unbounded runs of what can be whitespace: no bound.
        assert_eq!(reach(r"send.*to").separators, None);
        assert_eq!(reach(r"send\s+to").separators, None);
        assert_eq!(reach(r"send[^.]+to").separators, None);
        // Unbounded runs of what cannot: bounded.
        assert_eq!(reach(r"\w+@\w+\.com").separators, Some(0));
        assert_eq!(reach(r"^a b").separators, None);
    }

    #[test]
    fn ascii_text_can_or_cannot_match() {
        let ascii = |p: &str| shape(p, false).expect("parses").matches_ascii;
        assert!(ascii(r"ignore (all )?instructions"));
        assert!(ascii(r"игнорируй|ignore"));
        assert!(ascii(r"(?i)\bk\b"));
        assert!(!ascii(r"игнорируй (все )?инструкции"));
        assert!(!ascii(r"(पिछले|सभी) निर्देश"));
        assert!(!ascii(r"[а-я]+ [0-9]+"));
        assert!(ascii(r"[а-я]* [0-9]+"));
    }

    #[test]
    fn ranges_cover_every_match_and_end_at_separators() {
        let text = "alpha beta ignore the very old rules now gamma delta";
        let s = text.find("ignore").expect("present");
        let e = s + "ignore".len();
        let r = reach(r"\bignore( [a-z-]+){0,3} rules\b");
        let (a, b) = range_around(text, s, e, r).expect("bounded");
        // Up to four separators either side: back to the start, forward to `rules`.
        assert_eq!(&text[a..b], "alpha beta ignore the very old rules");
        let re = regex::Regex::new(r"\bignore( [a-z-]+){0,3} rules\b").expect("valid");
        assert_eq!(
            re.find(&text[a..b]).map(|m| m.as_str()),
            re.find(text).map(|m| m.as_str())
        );
        // Both bounds: the tighter side of each wins.
        let both = Reach {
            bytes: Some(8),
            separators: Some(1),
        };
        let (a, b) = range_around(text, s, e, both).expect("bounded");
        assert_eq!(&text[a..b], "beta ignore the");
        assert_eq!(range_around(text, s, e, Reach::default()), None);
    }

    #[test]
    fn ranges_ending_at_a_match_end_hold_every_match_ending_there() {
        let text = "call me at 415 555 0132 today";
        let re = r"[0-9][0-9 ]{5,12}[0-9]";
        let end = text.find(" today").expect("present");
        let (a, b) = range_ending_at(text, end, reach(re)).expect("bounded");
        // Back by the longest match (14 bytes), widened to the word; forward to the word's end.
        assert!(a <= text.find("415").expect("present"));
        assert_eq!(b, end);
        let unbounded = shape(r"[0-9]+", false).expect("parses").reach;
        assert_eq!(unbounded.separators, Some(0));
        let (a, _) = range_ending_at(text, end, unbounded).expect("bounded by separators");
        assert_eq!(&text[a..end], "0132");
        assert_eq!(range_ending_at(text, end, Reach::default()), None);
        // Inside a word, the range runs to the word's end.
        assert_eq!(range_ending_at("abcdef", 3, reach("abc")), Some((0, 6)));
    }

    #[test]
    fn alphabets_hold_every_byte_a_match_can() {
        let abc = |p: &str, ci: bool| shape(p, ci).expect("parses").alphabet;
        let digits = abc(r"\b[0-9]{3}[ .]?[0-9]{2}\b", false);
        assert!(b"0123456789 .".iter().all(|&b| digits.contains(b)));
        assert!(!digits.contains(b'a') && !digits.contains(b'-') && !digits.contains(0xC3));
        let letters = abc(r"[a-z]+", true);
        assert!(letters.contains(b'A') && letters.contains(b'z'));
        // Case-insensitive `k` and `s` match the Kelvin and long-s signs: non-ASCII bytes.
        assert!(letters.contains(0xE2));
        assert!(abc(r"\w", false).contains(0xC3));
        assert!(ByteSet::ALL.contains(0xFF));
    }

    #[test]
    fn safe_edges_cut_no_match_and_keep_word_boundaries() {
        let pairs = shape(r"\b[0-9]{2}(?: [0-9]{2}){3}\b", false)
            .expect("parses")
            .alphabet;
        let text = "ref: 11 22 33 44 55 66, done";
        let at_33 = text.find("33").expect("present");
        // Back past every digit and space the run is made of, to the colon.
        assert_eq!(
            safe_start(text, at_33, &pairs),
            text.find(' ').expect("present")
        );
        assert_eq!(&text[safe_end(text, at_33, &pairs)..], ", done");
        assert_eq!(safe_start(text, 0, &pairs), 0);
        assert_eq!(safe_end(text, text.len(), &pairs), text.len());
        // Letters are word characters: an edge is never put inside a word.
        let words = shape(r"[A-Z]{6}", false).expect("parses").alphabet;
        let text = "code DEUTDEFF here";
        let inside = text.find("TDE").expect("present");
        assert_eq!(safe_start(text, inside, &words), 5);
        assert_eq!(safe_end(text, inside, &words), 13);
        // Non-ASCII bytes are stepped over whole.
        let text = "é 12 34 56 78 ü";
        let a = safe_start(text, text.find("56").expect("present"), &pairs);
        assert!(text.is_char_boundary(a) && a <= text.find("12").expect("present"));
    }
}
