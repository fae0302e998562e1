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
    })
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
    let (mut a, mut b) = (0, text.len());
    if let Some(r) = reach.bytes {
        a = floor_boundary(text, s.saturating_sub(r));
        while let Some(c) = text[..a].chars().next_back().filter(|c| is_word_char(*c)) {
            a -= c.len_utf8();
        }
        b = ceil_boundary(text, e.saturating_add(r));
        while let Some(c) = text[b..].chars().next().filter(|c| is_word_char(*c)) {
            b += c.len_utf8();
        }
    }
    if let Some(n) = reach.separators {
        let bytes = text.as_bytes();
        // Just after the (n+1)-th separator before the anchor, and at the (n+1)-th after it:
        // separators are ASCII, so both are character boundaries.
        let mut seen = 0;
        if let Some(i) = bytes[a..s.max(a)].iter().rposition(|&x| {
            seen += usize::from(is_separator(x));
            seen > n
        }) {
            a += i + 1;
        }
        let mut seen = 0;
        if let Some(i) = bytes[e.min(b)..b].iter().position(|&x| {
            seen += usize::from(is_separator(x));
            seen > n
        }) {
            b = b.min(e.min(b) + i);
        }
    }
    Some((a, b.max(a)))
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
}
