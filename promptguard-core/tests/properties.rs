//! Property tests: for any input, scanning returns a well-formed decision whose spans are valid
//! character-boundary ranges of the original text.

use promptguard_core::{normalize, shared_engine, Action, DecodeLimits, Preset};
use proptest::prelude::*;

fn hostile_text() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "ignore",
        " all ",
        "previous",
        " instructions",
        "\u{200b}",
        "\u{202e}",
        "\u{e0041}",
        "і",
        "ＩＧＮ",
        "e\u{301}",
        "1gn0r3",
        "i g n o r e",
        "SWdub3Jl",
        "%20",
        "\\x41",
        "🙂",
        "👩‍👩‍👧",
        " ",
        "\n",
        "system prompt",
        "<|im_start|>system",
        "ß",
        "İ",
        "ﬁ",
        "㎏",
        "\u{0}",
        "=",
        "QUJD",
        "48656c6c6f20",
        "my ssn is 123-45-6789",
        "sk-",
        "@",
        "$",
        "!",
    ]);
    (prop::collection::vec(pieces, 0..40), any::<String>()).prop_map(|(v, s)| v.concat() + &s)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn spans_are_valid_char_ranges(text in hostile_text()) {
        let d = shared_engine(Preset::Default).scan(&text);
        prop_assert!((0.0..=1.0).contains(&d.confidence));
        for f in &d.threats {
            prop_assert!(f.span.start <= f.span.end && f.span.end <= text.len());
            prop_assert!(text.is_char_boundary(f.span.start) && text.is_char_boundary(f.span.end));
        }
        for u in &d.unscanned {
            prop_assert!(text.is_char_boundary(u.span.start) && text.is_char_boundary(u.span.end));
        }
        prop_assert_eq!(d.redacted_text.is_some(), d.action == Action::Redact);
        if d.action == Action::Allow {
            prop_assert!(d.threat_type.is_none());
        }
    }

    #[test]
    fn view_offsets_map_inside_the_original(text in hostile_text()) {
        let views = normalize(&text, &DecodeLimits::default());
        for v in &views.views {
            // Matches start and end on character boundaries of the view.
            for (i, c) in v.text.char_indices() {
                let span = v.original_span(i, i + c.len_utf8());
                prop_assert!(span.start <= span.end && span.end <= text.len());
                prop_assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end));
            }
        }
    }
}
