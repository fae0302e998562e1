//! Reversible redaction: numbered placeholders (`[EMAIL_1]`, `[EMAIL_2]`) kept in a per-conversation
//! [`Vault`], so that a model's answer can be given back to the user with the real values
//! restored — in one go ([`Vault::restore`]) or chunk by chunk while streaming ([`Restorer`]).
//!
//! ```text
//! user:      "Mail bob@corp.com and alice@corp.com, then bob@corp.com again"
//! to model:  "Mail [EMAIL_1] and [EMAIL_2], then [EMAIL_1] again"
//! model:     "Done: I wrote to [EMAIL_1]."
//! to user:   "Done: I wrote to bob@corp.com."
//! ```
//!
//! # Numbering
//! Placeholders are `[<ENTITY>_<n>]`; `n` counts per entity from 1 within one vault (one
//! conversation). The same entity and value always get the same placeholder, in every turn.
//!
//! # Collisions with text that already looks like a placeholder
//! A user may literally write `[EMAIL_1]` (or paste an earlier redacted transcript). If the vault
//! then issued `[EMAIL_1]` for a real address, restoring the model's echo of the user's literal
//! text would put that address where the user wrote a token — a confusion, and in shared
//! transcripts a leak. We chose **reservation plus neutralising**, not a random nonce in every
//! placeholder, because placeholders must stay short and readable (models copy `[EMAIL_1]`
//! faithfully, they mangle `[EMAIL_1_a91f03]`) and must be stable across turns:
//! - every placeholder-shaped token found in a text given to [`Vault::redact`] that the vault did
//!   not issue is *reserved*: the vault never issues it, so a literal `[EMAIL_1]` stays a literal
//!   (the real address becomes `[EMAIL_2]`) and [`Vault::restore`] leaves it untouched;
//! - a literal token that the vault *already issued* in an earlier turn (possible only when a
//!   user types a token they were never shown) is neutralised in the text sent to the model by
//!   turning its ASCII brackets into fullwidth ones (`［EMAIL_1］`), so an echo of it is never
//!   restored to a value.
//!
//! [`Vault::restore`] only replaces tokens this vault issued; anything else passes through.
//! `Debug` never prints stored values.

use std::collections::{HashMap, HashSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::decision::{Finding, Span};

/// Longest placeholder accepted (`[` + entity + `_` + number + `]`), in bytes. Bounds the look-
/// ahead of [`Vault::restore`] and the bytes a [`Restorer`] may hold back.
const MAX_TOKEN: usize = 64;

/// One stored mapping: placeholder → original value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Entry {
    token: String,
    entity: String,
    value: String,
}

/// Serialised form of a [`Vault`] (indexes are rebuilt on load).
#[derive(Serialize, Deserialize)]
struct VaultData {
    entries: Vec<Entry>,
    #[serde(default)]
    reserved: Vec<String>,
}

/// The placeholder ↔ value mapping of one conversation.
///
/// Keep one vault per conversation (e.g. in the proxy's session store; it serialises with
/// serde) and pass every user turn through [`Vault::redact`]; give model output to
/// [`Vault::restore`] or a [`Vault::restorer`].
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(from = "VaultData", into = "VaultData")]
pub struct Vault {
    entries: Vec<Entry>,
    /// (entity, value) → index into `entries`.
    by_value: HashMap<(String, String), usize>,
    /// placeholder → index into `entries`.
    by_token: HashMap<String, usize>,
    /// Last number issued per entity.
    counters: HashMap<String, u32>,
    /// Placeholder-shaped tokens seen in user text and never to be issued.
    reserved: HashSet<String>,
}

impl From<VaultData> for Vault {
    fn from(d: VaultData) -> Vault {
        let mut v = Vault::new();
        v.reserved = d.reserved.into_iter().collect();
        for e in d.entries {
            if v.by_token.contains_key(&e.token) {
                continue;
            }
            if let Some((entity, n)) = parse_token(&e.token) {
                let c = v.counters.entry(entity.to_owned()).or_insert(0);
                *c = (*c).max(n);
            }
            let i = v.entries.len();
            v.by_value.insert((e.entity.clone(), e.value.clone()), i);
            v.by_token.insert(e.token.clone(), i);
            v.entries.push(e);
        }
        v
    }
}

impl From<Vault> for VaultData {
    fn from(v: Vault) -> VaultData {
        let mut reserved: Vec<String> = v.reserved.into_iter().collect();
        reserved.sort();
        VaultData {
            entries: v.entries,
            reserved,
        }
    }
}

impl fmt::Debug for Vault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print values: vaults end up in logs.
        f.debug_struct("Vault")
            .field("entries", &self.entries.len())
            .field("reserved", &self.reserved.len())
            .finish()
    }
}

/// The entity label of a finding as used in placeholders: upper case, `[A-Z0-9_]` only.
fn entity_of(f: &Finding) -> String {
    let raw = f
        .entity
        .clone()
        .unwrap_or_else(|| f.threat_type.as_str().to_owned());
    let mut e: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    e.truncate(MAX_TOKEN - 12);
    if e.is_empty() || !e.as_bytes()[0].is_ascii_uppercase() {
        e.insert(0, 'X');
    }
    e
}

/// Splits `[ENTITY_N]` into (`ENTITY`, N).
fn parse_token(tok: &str) -> Option<(&str, u32)> {
    let inner = tok.strip_prefix('[')?.strip_suffix(']')?;
    let (entity, n) = inner.rsplit_once('_')?;
    let first = entity.bytes().next()?;
    if !first.is_ascii_uppercase()
        || !entity
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        || n.is_empty()
        || n.len() > 9
        || !n.bytes().all(|b| b.is_ascii_digit())
        || n.starts_with('0')
    {
        return None;
    }
    Some((entity, n.parse().ok()?))
}

/// Byte length of a placeholder-shaped token starting at `s[0] == b'['`, if there is one.
fn token_len_at(s: &[u8]) -> Option<usize> {
    if s.first() != Some(&b'[') {
        return None;
    }
    let end = s.iter().take(MAX_TOKEN).position(|&b| b == b']')?;
    let tok = std::str::from_utf8(&s[..=end]).ok()?;
    parse_token(tok).map(|_| end + 1)
}

/// True when `s` (starting with `[`) could still grow into a placeholder: only placeholder
/// characters after the bracket and shorter than the longest placeholder.
fn could_be_token_prefix(s: &[u8]) -> bool {
    s.first() == Some(&b'[')
        && s.len() < MAX_TOKEN
        && s[1..]
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_')
        && s.get(1).is_none_or(u8::is_ascii_uppercase)
}

impl Vault {
    /// An empty vault.
    pub fn new() -> Vault {
        Vault::default()
    }

    /// Number of stored values.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The original value behind a placeholder this vault issued.
    pub fn value_of(&self, token: &str) -> Option<&str> {
        self.by_token
            .get(token)
            .map(|&i| self.entries[i].value.as_str())
    }

    /// The placeholders this vault issued, in order of issue.
    pub fn placeholders(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|e| e.token.as_str())
    }

    /// The placeholder for `value` of `entity` (e.g. `EMAIL`), issuing a new one if needed.
    pub fn placeholder(&mut self, entity: &str, value: &str) -> String {
        let key = (entity.to_owned(), value.to_owned());
        if let Some(&i) = self.by_value.get(&key) {
            return self.entries[i].token.clone();
        }
        let counter = self.counters.entry(entity.to_owned()).or_insert(0);
        let token = loop {
            *counter += 1;
            let t = format!("[{entity}_{counter}]");
            if !self.reserved.contains(&t) && !self.by_token.contains_key(&t) {
                break t;
            }
        };
        let i = self.entries.len();
        self.entries.push(Entry {
            token: token.clone(),
            entity: entity.to_owned(),
            value: value.to_owned(),
        });
        self.by_value.insert(key, i);
        self.by_token.insert(token.clone(), i);
        token
    }

    /// Records placeholder-shaped tokens of `text` that this vault did not issue, so they are
    /// never issued later (see the module docs on collisions).
    pub fn reserve_lookalikes(&mut self, text: &str) {
        let b = text.as_bytes();
        let mut i = 0;
        while let Some(off) = b[i..].iter().position(|&c| c == b'[') {
            let at = i + off;
            if let Some(n) = token_len_at(&b[at..]) {
                let tok = &text[at..at + n];
                if !self.by_token.contains_key(tok) {
                    self.reserved.insert(tok.to_owned());
                }
                i = at + n;
            } else {
                i = at + 1;
            }
        }
    }

    /// Replaces every finding's span of `text` with its numbered placeholder and returns the
    /// text to send on. Spans are byte offsets into `text` (as in [`Finding::span`]); spans
    /// that are out of range or not on character boundaries are skipped; overlapping spans
    /// merge into the first (widened), so no byte of a value survives. Placeholder look-alikes
    /// already in `text` are reserved, or neutralised when they collide with an issued
    /// placeholder.
    pub fn redact(&mut self, text: &str, findings: &[Finding]) -> String {
        self.reserve_lookalikes(text);
        let mut spans: Vec<(Span, String)> = findings
            .iter()
            .filter(|f| f.span.start < f.span.end && f.span.end <= text.len())
            .filter(|f| text.is_char_boundary(f.span.start) && text.is_char_boundary(f.span.end))
            .map(|f| (f.span, entity_of(f)))
            .collect();
        spans.sort_by_key(|(s, _)| (s.start, std::cmp::Reverse(s.end)));
        let mut merged: Vec<(Span, String)> = Vec::with_capacity(spans.len());
        for (span, entity) in spans {
            match merged.last_mut() {
                Some((last, _)) if last.overlaps(&span) => last.end = last.end.max(span.end),
                _ => merged.push((span, entity)),
            }
        }
        let mut out = String::with_capacity(text.len() + merged.len() * 8);
        let mut at = 0;
        for (span, entity) in merged {
            self.neutralise_into(&text[at..span.start], &mut out);
            let token = self.placeholder(&entity, &text[span.start..span.end]);
            out.push_str(&token);
            at = span.end;
        }
        self.neutralise_into(&text[at..], &mut out);
        out
    }

    /// Copies `s` to `out`, turning literal occurrences of issued placeholders into a
    /// fullwidth-bracket form that [`Vault::restore`] will not touch.
    fn neutralise_into(&self, s: &str, out: &mut String) {
        if self.by_token.is_empty() {
            out.push_str(s);
            return;
        }
        let b = s.as_bytes();
        let mut i = 0;
        let mut copied = 0;
        while let Some(off) = b[i..].iter().position(|&c| c == b'[') {
            let at = i + off;
            match token_len_at(&b[at..]) {
                Some(n) if self.by_token.contains_key(&s[at..at + n]) => {
                    out.push_str(&s[copied..at]);
                    out.push('［');
                    out.push_str(&s[at + 1..at + n - 1]);
                    out.push('］');
                    copied = at + n;
                    i = at + n;
                }
                Some(n) => i = at + n,
                None => i = at + 1,
            }
        }
        out.push_str(&s[copied..]);
    }

    /// `text` with every placeholder this vault issued replaced by its value. Other bracketed
    /// text, including reserved look-alikes, is left as it is.
    pub fn restore(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        self.restore_into(text, &mut out);
        out
    }

    fn restore_into(&self, text: &str, out: &mut String) {
        if self.by_token.is_empty() {
            out.push_str(text);
            return;
        }
        let b = text.as_bytes();
        let mut i = 0;
        let mut copied = 0;
        while let Some(off) = b[i..].iter().position(|&c| c == b'[') {
            let at = i + off;
            match token_len_at(&b[at..]) {
                Some(n) => {
                    if let Some(&idx) = self.by_token.get(&text[at..at + n]) {
                        out.push_str(&text[copied..at]);
                        out.push_str(&self.entries[idx].value);
                        copied = at + n;
                    }
                    i = at + n;
                }
                None => i = at + 1,
            }
        }
        out.push_str(&text[copied..]);
    }

    /// A streaming restorer over a snapshot of this vault's mapping.
    pub fn restorer(&self) -> Restorer {
        Restorer {
            vault: self.clone(),
            pending: String::new(),
        }
    }
}

/// Restores placeholders in streamed model output: feed chunks with [`Restorer::push`], get text
/// to forward; a placeholder split across chunks (`"[EMA"` + `"IL_1] hi"`) is held back until it
/// is complete (at most [`MAX_TOKEN`] bytes), and [`Restorer::finish`] flushes what is left.
/// Chunks may split UTF-8 characters only if given as bytes via [`Restorer::push_bytes`].
pub struct Restorer {
    vault: Vault,
    pending: String,
}

impl fmt::Debug for Restorer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Restorer")
            .field("vault", &self.vault)
            .field("pending_bytes", &self.pending.len())
            .finish()
    }
}

impl Restorer {
    /// Adds a chunk; returns the restored text that can be forwarded now.
    pub fn push(&mut self, chunk: &str) -> String {
        self.pending.push_str(chunk);
        let hold = self.hold_from();
        let mut out = String::with_capacity(hold);
        self.vault.restore_into(&self.pending[..hold], &mut out);
        self.pending.drain(..hold);
        out
    }

    /// Everything still held back, restored. Call once at the end of the stream.
    pub fn finish(&mut self) -> String {
        let rest = std::mem::take(&mut self.pending);
        self.vault.restore(&rest)
    }

    /// Where the possibly incomplete placeholder at the end of `pending` starts (or its length).
    fn hold_from(&self) -> usize {
        let b = self.pending.as_bytes();
        let start = b.len().saturating_sub(MAX_TOKEN);
        match b[start..].iter().rposition(|&c| c == b'[') {
            Some(off) if could_be_token_prefix(&b[start + off..]) => start + off,
            _ => b.len(),
        }
    }
}

/// A [`Restorer`] for byte chunks whose boundaries may split UTF-8 characters (raw network
/// reads): incomplete trailing sequences are held back until completed.
#[derive(Debug)]
pub struct ByteRestorer {
    inner: Restorer,
    partial: Vec<u8>,
}

impl ByteRestorer {
    /// A byte-level restorer over a snapshot of `vault`.
    pub fn new(vault: &Vault) -> ByteRestorer {
        ByteRestorer {
            inner: vault.restorer(),
            partial: Vec::new(),
        }
    }

    /// Adds bytes; returns restored text ready to forward.
    pub fn push_bytes(&mut self, chunk: &[u8]) -> String {
        self.partial.extend_from_slice(chunk);
        let valid = match std::str::from_utf8(&self.partial) {
            Ok(_) => self.partial.len(),
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            // Invalid bytes (not just incomplete): pass them on lossily.
            Err(_) => {
                let s = String::from_utf8_lossy(&self.partial).into_owned();
                self.partial.clear();
                return self.inner.push(&s);
            }
        };
        let rest = self.partial.split_off(valid);
        let text =
            String::from_utf8_lossy(&std::mem::replace(&mut self.partial, rest)).into_owned();
        self.inner.push(&text)
    }

    /// Flushes everything, restored.
    pub fn finish(&mut self) -> String {
        let mut out = String::new();
        if !self.partial.is_empty() {
            let s = String::from_utf8_lossy(&std::mem::take(&mut self.partial)).into_owned();
            out.push_str(&self.inner.push(&s));
        }
        out.push_str(&self.inner.finish());
        out
    }
}

impl Restorer {
    /// Convenience for byte streams: see [`ByteRestorer`].
    pub fn into_bytes(self) -> ByteRestorer {
        ByteRestorer {
            inner: self,
            partial: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decision::ThreatType;

    /// A finding built through its JSON form, so the tests survive new optional fields.
    fn finding(text: &str, needle: &str, entity: &str) -> Finding {
        let start = text.find(needle).expect("needle in text");
        serde_json::from_value(serde_json::json!({
            "type": "pii",
            "detector": "pii",
            "rule_id": format!("pii.{}", entity.to_ascii_lowercase()),
            "confidence": 0.9,
            "severity": "medium",
            "span": [start, start + needle.len()],
            "excerpt": needle,
            "entity": entity,
        }))
        .expect("finding json")
    }

    fn all(text: &str, needles: &[(&str, &str)]) -> Vec<Finding> {
        let mut out = Vec::new();
        for (needle, entity) in needles {
            let mut from = 0;
            while let Some(i) = text[from..].find(needle) {
                let mut f = finding(&text[from + i..], needle, entity);
                f.span = Span::new(from + i, from + i + needle.len());
                out.push(f);
                from += i + needle.len();
            }
        }
        out
    }

    const TEXT: &str =
        "Mail bob@corp.com and alice@corp.com, call +1 415 867 5309, then bob@corp.com again";

    fn vault_with_text() -> (Vault, String) {
        let mut v = Vault::new();
        let f = all(
            TEXT,
            &[
                ("bob@corp.com", "EMAIL"),
                ("alice@corp.com", "EMAIL"),
                ("+1 415 867 5309", "PHONE"),
            ],
        );
        let r = v.redact(TEXT, &f);
        (v, r)
    }

    #[test]
    fn numbers_placeholders_and_reuses_them() {
        let (v, r) = vault_with_text();
        assert_eq!(
            r,
            "Mail [EMAIL_1] and [EMAIL_2], call [PHONE_1], then [EMAIL_1] again"
        );
        assert_eq!(v.len(), 3);
        assert_eq!(v.value_of("[EMAIL_2]"), Some("alice@corp.com"));
        assert_eq!(v.restore(&r), TEXT);
    }

    #[test]
    fn same_value_same_number_across_turns() {
        let (mut v, _) = vault_with_text();
        let t2 = "and cc alice@corp.com and carol@corp.com";
        let r2 = v.redact(
            t2,
            &all(
                t2,
                &[("alice@corp.com", "EMAIL"), ("carol@corp.com", "EMAIL")],
            ),
        );
        assert_eq!(r2, "and cc [EMAIL_2] and [EMAIL_3]");
    }

    #[test]
    fn restore_leaves_unknown_and_malformed_tokens() {
        let (v, _) = vault_with_text();
        let answer = "[EMAIL_9] [email_1] [EMAIL_01] [EMAIL_] [EMAIL_1 [[EMAIL_1]] [] [";
        assert_eq!(
            v.restore(answer),
            "[EMAIL_9] [email_1] [EMAIL_01] [EMAIL_] [EMAIL_1 [bob@corp.com] [] ["
        );
    }

    #[test]
    fn literal_lookalike_is_reserved_not_restored() {
        let mut v = Vault::new();
        let t = "I typed [EMAIL_1] literally; my address is bob@corp.com";
        let r = v.redact(t, &all(t, &[("bob@corp.com", "EMAIL")]));
        assert_eq!(r, "I typed [EMAIL_1] literally; my address is [EMAIL_2]");
        assert_eq!(
            v.restore("You typed [EMAIL_1]; yours is [EMAIL_2]"),
            "You typed [EMAIL_1]; yours is bob@corp.com"
        );
    }

    #[test]
    fn later_literal_of_issued_token_is_neutralised() {
        let (mut v, _) = vault_with_text();
        let t = "what is [EMAIL_1]?";
        let r = v.redact(t, &[]);
        assert_eq!(r, "what is ［EMAIL_1］?");
        assert_eq!(v.restore(&r), r, "a neutralised token is never restored");
    }

    #[test]
    fn overlapping_and_bad_spans() {
        let mut v = Vault::new();
        let t = "card 4111 1111 1111 1111 é end";
        let mut a = finding(t, "4111 1111 1111 1111", "CREDIT_CARD");
        let mut b = a.clone();
        b.span = Span::new(a.span.start + 5, a.span.end + 1);
        let mut bad = a.clone();
        bad.span = Span::new(t.find('é').expect("é") + 1, t.len()); // inside a character
        let mut oob = a.clone();
        oob.span = Span::new(1, 10_000);
        a.entity = Some("credit card".into());
        let r = v.redact(t, &[b, a, bad, oob]);
        assert_eq!(r, "card [CREDIT_CARD_1]é end");
        assert_eq!(v.restore(&r), t);
    }

    #[test]
    fn entity_defaults_to_threat_type() {
        let mut v = Vault::new();
        let t = "key sk-abc";
        let mut f = finding(t, "sk-abc", "X");
        f.entity = None;
        f.threat_type = ThreatType::Secret;
        assert_eq!(v.redact(t, &[f]), "key [SECRET_1]");
    }

    #[test]
    fn streaming_split_placeholder() {
        let (v, _) = vault_with_text();
        let mut r = v.restorer();
        let mut out = r.push("[EMA");
        assert_eq!(out, "");
        out.push_str(&r.push("IL_1] hi"));
        out.push_str(&r.finish());
        assert_eq!(out, "bob@corp.com hi");
    }

    #[test]
    fn streaming_every_split_point_and_every_chunk_size() {
        let (v, redacted) = vault_with_text();
        let answer =
            format!("Sure! {redacted} — [EMAIL_9] stays, [x] too, and [PHONE_1]é[EMAIL_2]");
        let expected = v.restore(&answer);
        assert!(expected.contains("alice@corp.com") && expected.contains("+1 415 867 5309"));
        // Two chunks, split at every char boundary.
        for i in 0..=answer.len() {
            if !answer.is_char_boundary(i) {
                continue;
            }
            let mut r = v.restorer();
            let mut out = r.push(&answer[..i]);
            out.push_str(&r.push(&answer[i..]));
            out.push_str(&r.finish());
            assert_eq!(out, expected, "split at {i}");
        }
        // One character at a time, and chunks of every size.
        for size in 1..=12 {
            let mut r = v.restorer();
            let mut out = String::new();
            let mut buf = String::new();
            for c in answer.chars() {
                buf.push(c);
                if buf.len() >= size {
                    out.push_str(&r.push(&buf));
                    buf.clear();
                }
            }
            out.push_str(&r.push(&buf));
            out.push_str(&r.finish());
            assert_eq!(out, expected, "chunk size {size}");
        }
    }

    #[test]
    fn streaming_bytes_split_at_every_byte() {
        let (v, redacted) = vault_with_text();
        let answer = format!("ünïcödé {redacted} 😀[EMAIL_2]");
        let expected = v.restore(&answer);
        let b = answer.as_bytes();
        for i in 0..=b.len() {
            let mut r = ByteRestorer::new(&v);
            let mut out = r.push_bytes(&b[..i]);
            out.push_str(&r.push_bytes(&b[i..]));
            out.push_str(&r.finish());
            assert_eq!(out, expected, "byte split at {i}");
        }
        let mut r = v.restorer().into_bytes();
        let mut out = String::new();
        for byte in b {
            out.push_str(&r.push_bytes(std::slice::from_ref(byte)));
        }
        out.push_str(&r.finish());
        assert_eq!(out, expected);
    }

    #[test]
    fn streaming_holds_back_at_most_a_token() {
        let (v, _) = vault_with_text();
        let mut r = v.restorer();
        assert_eq!(r.push("abc [EMAIL_"), "abc ");
        // Not a placeholder after all: released as soon as that is clear.
        assert_eq!(r.push("x] done"), "[EMAIL_x] done");
        let long = format!("[{}", "A".repeat(100));
        assert_eq!(r.push(&long), long);
        assert_eq!(r.finish(), "");
    }

    #[test]
    fn serde_round_trip_keeps_numbering_and_hides_values_in_debug() {
        let (v, _) = vault_with_text();
        let json = serde_json::to_string(&v).expect("ser");
        let mut back: Vault = serde_json::from_str(&json).expect("de");
        assert_eq!(back.value_of("[EMAIL_1]"), Some("bob@corp.com"));
        assert_eq!(back.placeholder("EMAIL", "dave@corp.com"), "[EMAIL_3]");
        assert_eq!(back.placeholder("EMAIL", "bob@corp.com"), "[EMAIL_1]");
        let dbg = format!("{v:?} {:?}", v.restorer());
        assert!(!dbg.contains("bob@corp.com"), "{dbg}");
    }

    #[test]
    fn property_redact_then_restore_is_identity() {
        // Deterministic pseudo-random texts with findings at random places.
        let mut next = crate::testdata::xorshift(0x2545_f491_4f6c_dd1d);
        let words = [
            "hello",
            "[EMAIL_1]",
            "bob@x.io",
            "123-45-6789",
            "é",
            "[",
            "]",
            " ",
            "[SSN_2]",
        ];
        for _ in 0..300 {
            let mut text = String::new();
            for _ in 0..next(12) {
                text.push_str(words[next(words.len())]);
            }
            let mut fs = Vec::new();
            for (needle, entity) in [("bob@x.io", "EMAIL"), ("123-45-6789", "SSN")] {
                fs.extend(all(&text, &[(needle, entity)]));
            }
            let mut v = Vault::new();
            let red = v.redact(&text, &fs);
            assert!(
                !red.contains("bob@x.io") && !red.contains("123-45-6789"),
                "{red}"
            );
            assert_eq!(v.restore(&red), text, "{red}");
        }
    }
}
