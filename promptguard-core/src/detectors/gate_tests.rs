//! Texts for testing a [`LiteralGate`](super::LiteralGate) against the regexes it gates: made of
//! those regexes' own pieces, in any order and either case, so that matches and near misses are
//! common, with the characters that `(?i)` folds to ASCII letters (`ſ`, `K`) and other non-ASCII.

use proptest::prelude::*;
use regex::Regex;

use super::LiteralGate;

const PIECES: &[&str] = &[
    "http",
    "hxxp",
    "s",
    ":",
    "[:]",
    "//",
    "/",
    "www",
    ".",
    "[.]",
    "(.)",
    "{.}",
    "[dot]",
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    "dot",
    "java",
    "script",
    "vb",
    "data",
    "file",
    "text",
    "html",
    ";",
    ",",
    "a",
    "b",
    "1",
    " ",
    "cve",
    "-",
    "_",
    "2021",
    "12345",
    "%",
    "percent",
    "of",
    "all",
    "companies",
    "breaches",
    "power",
    "shell",
    "pw",
    "sh",
    ".exe",
    "-enc",
    "-e",
    "/e",
    "\"",
    "'",
    "aGVsbG8gd29ybGQgaGVsbG8=",
    "\n",
    "|",
    "\u{17f}",
    "\u{212a}",
    "\u{e9}",
    "0",
    // Whole matches and most of one, so that matches are common rather than rare.
    "https://",
    "hxxps[:]//",
    "javascript:",
    "data:text/html,",
    "file:/",
    "www.",
    "evil[.]com",
    "x(.)y",
    "CVE-2021-",
    "73% of ",
    "12 percent of ",
    "powershell -enc ",
    "pwsh.exe -e ",
    "CVE-2021-44228",
    "73% of all companies",
    "pwsh -e aGVsbG8gd29ybGQgaGVsbG8=",
];

/// A text of up to 16 pieces.
pub(super) fn text() -> impl Strategy<Value = String> {
    proptest::collection::vec((proptest::sample::select(PIECES), any::<bool>()), 0..16).prop_map(
        |pieces| {
            pieces
                .into_iter()
                .map(|(p, upper)| {
                    if upper {
                        p.to_ascii_uppercase()
                    } else {
                        p.to_owned()
                    }
                })
                .collect()
        },
    )
}

/// What each gated detector's property test asserts: wherever one of `regexes` matches `text`,
/// `gate` is open on it.
pub(super) fn opens_on_every_match(gate: &LiteralGate, regexes: &[&Regex], text: &str) -> bool {
    !regexes.iter().any(|re| re.is_match(text)) || gate.may_match(text)
}
