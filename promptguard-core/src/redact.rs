//! Writing redactions into a text: `[SSN_REDACTED]` tokens or `****6789` masks.

use crate::decision::{Finding, Span};
use crate::policy::ActionSetting;

/// The redaction token of a finding: `[<ENTITY>_REDACTED]`, e.g. `[SSN_REDACTED]`.
pub fn token_for(f: &Finding) -> String {
    let entity = f
        .entity
        .clone()
        .unwrap_or_else(|| f.threat_type.as_str().to_ascii_uppercase());
    format!("[{entity}_REDACTED]")
}

/// `****6789`: every character but the last four replaced by `*` (all of them when short).
pub fn mask(value: &str) -> String {
    let n = value.chars().count();
    let keep = if n > 8 { 4 } else { 0 };
    value
        .chars()
        .enumerate()
        .map(|(i, c)| if i + keep < n { '*' } else { c })
        .collect()
}

/// One span to redact: where, with which token, how, and how sure the finding is.
pub(crate) type Redaction = (Span, String, ActionSetting, f64);

/// Applies redactions to `text`. Overlapping spans merge into one, widened to cover both so
/// no secret byte survives between two findings, and written with the token of the most
/// confident finding (a valid NHS number that also looks like a phone number stays an NHS
/// number).
pub(crate) fn apply(text: &str, redactions: &mut [Redaction]) -> String {
    redactions.sort_by_key(|(s, _, _, _)| (s.start, std::cmp::Reverse(s.end)));
    let mut merged: Vec<(Span, &str, ActionSetting, f64)> = Vec::new();
    for (span, token, style, conf) in redactions.iter() {
        match merged.last_mut() {
            Some(last) if last.0.overlaps(span) => {
                last.0.end = last.0.end.max(span.end);
                if *conf > last.3 {
                    last.1 = token.as_str();
                    last.2 = *style;
                    last.3 = *conf;
                }
            }
            _ => merged.push((*span, token.as_str(), *style, *conf)),
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (span, token, style, _) in merged {
        let (s, e) = (span.start.min(text.len()), span.end.min(text.len()));
        if s < at || !text.is_char_boundary(s) || !text.is_char_boundary(e) {
            continue;
        }
        out.push_str(&text[at..s]);
        match style {
            ActionSetting::Mask => out.push_str(&mask(&text[s..e])),
            _ => out.push_str(token),
        }
        at = e;
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_masks() {
        let mut r = vec![
            (
                Span::new(10, 21),
                "[SSN_REDACTED]".to_string(),
                ActionSetting::Redact,
                0.9,
            ),
            (
                Span::new(26, 39),
                "[EMAIL_REDACTED]".to_string(),
                ActionSetting::Mask,
                0.9,
            ),
        ];
        let text = "My SSN is 123-45-6789 and a@example.com ok";
        assert_eq!(
            apply(text, &mut r),
            "My SSN is [SSN_REDACTED] and *********.com ok"
        );
        assert_eq!(mask("123"), "***");
    }

    #[test]
    fn overlapping_spans_merge() {
        let mut r = vec![
            (
                Span::new(0, 5),
                "[A_REDACTED]".to_string(),
                ActionSetting::Redact,
                0.6,
            ),
            (
                Span::new(3, 8),
                "[B_REDACTED]".to_string(),
                ActionSetting::Redact,
                0.9,
            ),
        ];
        assert_eq!(apply("abcdefghij", &mut r), "[B_REDACTED]ij");
    }
}
