//! Incremental scanning of streamed (SSE) responses, OpenAI and Anthropic event formats.
//!
//! Each text stream (an OpenAI choice, an Anthropic content block) has a [`TextScanner`] that
//! holds back the last few bytes it received: a secret or PII split across chunks is still
//! seen whole before any of it leaves. Every release rescans the held text together with some
//! already-sent context; redacted spans are replaced, and a block ends the stream with a
//! well-formed error event (then `[DONE]` on OpenAI streams).

use promptguard_core::{
    mask, token_for, Action, ActionSetting, Decision, Engine, RedactionStyle, ScanOptions,
};
use serde_json::{json, Value};

use super::error::Family;

/// Largest char boundary of `s` at or below `i`.
fn floor_boundary(s: &str, mut i: usize) -> usize {
    if i >= s.len() {
        return s.len();
    }
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Smallest char boundary of `s` at or above `i`.
fn ceil_boundary(s: &str, mut i: usize) -> usize {
    while i < s.len() && !s.is_char_boundary(i) {
        i += 1;
    }
    i.min(s.len())
}

/// The engine, the options and the running verdict of one stream.
#[derive(Debug)]
pub struct ScanCtx {
    engine: Engine,
    options: ScanOptions,
    /// Strongest decision seen so far.
    pub worst: Option<Decision>,
    /// Scans run.
    pub scans: usize,
    /// Total scan time (ms).
    pub scan_ms: f64,
}

impl ScanCtx {
    pub fn new(engine: Engine, options: ScanOptions) -> ScanCtx {
        ScanCtx {
            engine,
            options,
            worst: None,
            scans: 0,
            scan_ms: 0.0,
        }
    }

    fn scan(&mut self, text: &str) -> Decision {
        let d = self.engine.scan_with(text, &self.options);
        self.scans += 1;
        self.scan_ms += d.latency_ms;
        let stronger = match &self.worst {
            None => true,
            Some(w) => {
                d.action > w.action
                    || (d.action == w.action
                        && d.action != Action::Allow
                        && d.confidence > w.confidence)
            }
        };
        if stronger {
            self.worst = Some(d.clone());
        }
        d
    }

    /// The replacement text of a redacted finding, as the engine would write it.
    fn replacement(&self, f: &promptguard_core::Finding, original: &str) -> String {
        let policy = self.engine.policy();
        let setting = policy.detector(&f.detector).map(|c| {
            f.entity
                .as_ref()
                .and_then(|e| c.entities.get(e))
                .copied()
                .unwrap_or(c.action)
        });
        if setting == Some(ActionSetting::Mask) || policy.redaction == RedactionStyle::Mask {
            mask(original)
        } else {
            token_for(f)
        }
    }
}

/// Hold-back scanner of one text stream.
#[derive(Debug, Default)]
pub struct TextScanner {
    /// Tail of already-released raw text, for detection context.
    context: String,
    /// Received, not yet released.
    pending: String,
}

/// Sizes of the hold-back and context windows.
#[derive(Debug, Clone, Copy)]
pub struct Windows {
    pub holdback: usize,
    pub context: usize,
    /// Release only once this many bytes beyond the hold-back have gathered (fewer scans).
    pub min_release: usize,
}

impl TextScanner {
    /// Adds text; returns the text that may be sent now, or the blocking decision.
    pub fn push(
        &mut self,
        text: &str,
        ctx: &mut ScanCtx,
        w: Windows,
    ) -> Result<String, Box<Decision>> {
        self.pending.push_str(text);
        if self.pending.len() < w.holdback + w.min_release {
            return Ok(String::new());
        }
        self.release(false, ctx, w)
    }

    /// Releases everything held (end of this text stream).
    pub fn finish(&mut self, ctx: &mut ScanCtx, w: Windows) -> Result<String, Box<Decision>> {
        if self.pending.is_empty() {
            return Ok(String::new());
        }
        self.release(true, ctx, w)
    }

    fn release(
        &mut self,
        last: bool,
        ctx: &mut ScanCtx,
        w: Windows,
    ) -> Result<String, Box<Decision>> {
        let base = self.context.len();
        let s = format!("{}{}", self.context, self.pending);
        let d = ctx.scan(&s);
        if d.action == Action::Block {
            return Err(Box::new(d));
        }
        // Redacted spans, merged like the engine merges them (the first token wins).
        let mut spans: Vec<(usize, usize, String)> = Vec::new();
        if d.action == Action::Redact {
            let mut found: Vec<&promptguard_core::Finding> = d.threats.iter().collect();
            found.sort_by_key(|f| (f.span.start, std::cmp::Reverse(f.span.end)));
            for f in found {
                let (fs, fe) = (f.span.start.min(s.len()), f.span.end.min(s.len()));
                match spans.last_mut() {
                    Some(last_span) if fs < last_span.1 => last_span.1 = last_span.1.max(fe),
                    _ => spans.push((fs, fe, String::new())),
                }
            }
            for sp in &mut spans {
                let (a, b) = (floor_boundary(&s, sp.0), ceil_boundary(&s, sp.1));
                sp.0 = a;
                sp.1 = b;
                let f = d
                    .threats
                    .iter()
                    .find(|f| f.span.start.min(s.len()) == a)
                    .or_else(|| d.threats.first());
                sp.2 = match f {
                    Some(f) => ctx.replacement(f, &s[a..b]),
                    None => "[REDACTED]".to_owned(),
                };
            }
        }
        let mut cut = if last {
            s.len()
        } else {
            floor_boundary(&s, s.len().saturating_sub(w.holdback)).max(base)
        };
        if !last {
            // Never cut through a redacted span: hold it back until it is complete.
            loop {
                let mut moved = false;
                for (a, b, _) in &spans {
                    if *a < cut && *b > cut {
                        cut = (*a).max(base);
                        moved = true;
                    }
                }
                if !moved {
                    break;
                }
            }
        }
        let mut out = String::with_capacity(cut - base);
        let mut at = base;
        for (a, b, rep) in &spans {
            if *b <= base || *a >= cut {
                continue;
            }
            let (a0, b0) = ((*a).max(base), (*b).min(cut));
            if a0 < at {
                continue;
            }
            out.push_str(&s[at..a0]);
            out.push_str(rep);
            at = b0;
        }
        out.push_str(&s[at..cut]);
        // Keep the tail of released raw text as context.
        let start = ceil_boundary(&s, cut.saturating_sub(w.context));
        self.context = s[start..cut].to_owned();
        self.pending = s[cut..].to_owned();
        Ok(out)
    }
}

/// One server-sent event.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SseEvent {
    pub event: Option<String>,
    pub data: String,
}

impl SseEvent {
    fn write(&self, out: &mut Vec<u8>) {
        if let Some(e) = &self.event {
            out.extend_from_slice(b"event: ");
            out.extend_from_slice(e.as_bytes());
            out.push(b'\n');
        }
        for line in self.data.split('\n') {
            out.extend_from_slice(b"data: ");
            out.extend_from_slice(line.as_bytes());
            out.push(b'\n');
        }
        out.push(b'\n');
    }
}

/// Splits a byte stream into events (blank-line separated; `\r\n` tolerated).
#[derive(Debug, Default)]
pub struct SseParser {
    buf: Vec<u8>,
}

impl SseParser {
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<SseEvent> {
        self.buf
            .extend(chunk.iter().copied().filter(|b| *b != b'\r'));
        let mut events = Vec::new();
        while let Some(pos) = self.buf.windows(2).position(|w| w == b"\n\n") {
            let block: Vec<u8> = self.buf.drain(..pos + 2).collect();
            if let Some(ev) = parse_block(&block[..pos]) {
                events.push(ev);
            }
        }
        events
    }

    /// Whatever is left when the stream ends without a final blank line.
    pub fn finish(&mut self) -> Option<SseEvent> {
        let block = std::mem::take(&mut self.buf);
        parse_block(&block)
    }
}

fn parse_block(block: &[u8]) -> Option<SseEvent> {
    let text = String::from_utf8_lossy(block);
    let mut ev = SseEvent::default();
    let mut data: Vec<&str> = Vec::new();
    for line in text.split('\n') {
        if line.is_empty() || line.starts_with(':') {
            continue;
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line, ""),
        };
        match field {
            "event" => ev.event = Some(value.to_owned()),
            "data" => data.push(value),
            _ => {}
        }
    }
    if data.is_empty() && ev.event.is_none() {
        return None;
    }
    ev.data = data.join("\n");
    Some(ev)
}

/// Rewrites one SSE response stream, scanning its text as it passes.
#[derive(Debug)]
pub struct StreamProcessor {
    family: Family,
    windows: Windows,
    pub ctx: ScanCtx,
    parser: SseParser,
    scanners: std::collections::BTreeMap<u64, TextScanner>,
    /// OpenAI: fields of the last chunk, to build chunks that carry released text.
    template: Option<Value>,
    /// The stream was ended by us (block) or by the upstream's terminator.
    pub done: bool,
    /// The decision that ended the stream, if it was blocked.
    pub blocked: Option<Decision>,
    /// Events whose data could not be parsed, forwarded unscanned.
    pub unscanned_events: usize,
    event_id: String,
    trailer_written: bool,
}

impl StreamProcessor {
    pub fn new(
        family: Family,
        ctx: ScanCtx,
        windows: Windows,
        event_id: String,
    ) -> StreamProcessor {
        StreamProcessor {
            family,
            windows,
            ctx,
            parser: SseParser::default(),
            scanners: Default::default(),
            template: None,
            done: false,
            blocked: None,
            unscanned_events: 0,
            event_id,
            trailer_written: false,
        }
    }

    /// Feeds upstream bytes; returns the bytes to send to the client.
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        for ev in self.parser.feed(chunk) {
            if self.done {
                break;
            }
            self.on_event(ev, &mut out);
        }
        out
    }

    /// The upstream ended: process any partial event and release everything held.
    pub fn finish(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        if !self.done {
            if let Some(ev) = self.parser.finish() {
                self.on_event(ev, &mut out);
            }
        }
        if !self.done {
            self.flush_all(&mut out);
            self.write_trailer(&mut out);
        }
        out
    }

    /// Ends the stream with an error event (upstream failure or stall mid-stream).
    pub fn fail(&mut self, message: &str) -> Vec<u8> {
        let mut out = Vec::new();
        if !self.done {
            self.write_error(&mut out, "api_error", "upstream_error", message);
            self.done = true;
        }
        out
    }

    /// "true" when every text event was scanned, "partial" otherwise.
    pub fn scanned(&self) -> &'static str {
        if self.unscanned_events == 0 {
            "true"
        } else {
            "partial"
        }
    }

    fn write_trailer(&mut self, out: &mut Vec<u8>) {
        if self.trailer_written {
            return;
        }
        self.trailer_written = true;
        let decision = self
            .ctx
            .worst
            .as_ref()
            .map_or("allow", |d| d.action.as_str());
        out.extend_from_slice(
            format!(
                ": promptguard event_id={} decision={} scanned={} scans={}\n\n",
                self.event_id,
                decision,
                self.scanned(),
                self.ctx.scans
            )
            .as_bytes(),
        );
    }

    fn write_error(&mut self, out: &mut Vec<u8>, kind: &str, code: &str, message: &str) {
        match self.family {
            Family::OpenAi => {
                let body = json!({"error": {"message": message, "type": kind, "param": null, "code": code}});
                SseEvent {
                    event: None,
                    data: body.to_string(),
                }
                .write(out);
                self.write_trailer(out);
                SseEvent {
                    event: None,
                    data: "[DONE]".into(),
                }
                .write(out);
            }
            Family::Anthropic => {
                let body = json!({"type": "error", "error": {"type": kind, "message": message}});
                SseEvent {
                    event: Some("error".into()),
                    data: body.to_string(),
                }
                .write(out);
                self.write_trailer(out);
            }
        }
    }

    fn block(&mut self, d: Decision, out: &mut Vec<u8>) {
        let message = format!(
            "promptguard blocked the response mid-stream: {} (event {})",
            d.reason, self.event_id
        );
        self.write_error(out, "promptguard_blocked", "response_blocked", &message);
        self.blocked = Some(d);
        self.done = true;
    }

    fn on_event(&mut self, ev: SseEvent, out: &mut Vec<u8>) {
        match self.family {
            Family::OpenAi => self.on_openai(ev, out),
            Family::Anthropic => self.on_anthropic(ev, out),
        }
    }

    /// Releases everything held; OpenAI text goes out in chunks built from the template.
    fn flush_all(&mut self, out: &mut Vec<u8>) {
        let keys: Vec<u64> = self.scanners.keys().copied().collect();
        for idx in keys {
            let res = match self.scanners.get_mut(&idx) {
                Some(s) => s.finish(&mut self.ctx, self.windows),
                None => continue,
            };
            match res {
                Ok(text) if text.is_empty() => {}
                Ok(text) => match self.family {
                    Family::OpenAi => {
                        let mut chunk = self
                            .template
                            .clone()
                            .unwrap_or_else(|| json!({"object": "chat.completion.chunk"}));
                        if let Some(obj) = chunk.as_object_mut() {
                            obj.remove("usage");
                            obj.insert(
                                "choices".into(),
                                json!([{"index": idx, "delta": {"content": text}, "finish_reason": null}]),
                            );
                        }
                        SseEvent {
                            event: None,
                            data: chunk.to_string(),
                        }
                        .write(out);
                    }
                    Family::Anthropic => {
                        let body = json!({"type": "content_block_delta", "index": idx, "delta": {"type": "text_delta", "text": text}});
                        SseEvent {
                            event: Some("content_block_delta".into()),
                            data: body.to_string(),
                        }
                        .write(out);
                    }
                },
                Err(d) => {
                    self.block(*d, out);
                    return;
                }
            }
        }
    }

    fn on_openai(&mut self, ev: SseEvent, out: &mut Vec<u8>) {
        if ev.data.trim() == "[DONE]" {
            self.flush_all(out);
            if self.done {
                return;
            }
            self.write_trailer(out);
            ev.write(out);
            self.done = true;
            return;
        }
        let Ok(mut v) = serde_json::from_str::<Value>(&ev.data) else {
            self.unscanned_events += 1;
            ev.write(out);
            return;
        };
        if v.get("error").is_some() {
            ev.write(out);
            return;
        }
        let mut droppable = true;
        let mut any_choice = false;
        let mut blocked = None;
        let mut legacy_text = false;
        if let Some(choices) = v.get_mut("choices").and_then(Value::as_array_mut) {
            for (pos, choice) in choices.iter_mut().enumerate() {
                any_choice = true;
                let idx = choice
                    .get("index")
                    .and_then(Value::as_u64)
                    .unwrap_or(pos as u64);
                let finished = choice.get("finish_reason").is_some_and(|f| !f.is_null());
                // chat: delta.content; legacy completions: text
                let (ptr, original) = match choice.pointer("/delta/content").and_then(Value::as_str)
                {
                    Some(t) => ("/delta/content", t.to_owned()),
                    None => match choice.get("text").and_then(Value::as_str) {
                        Some(t) => {
                            legacy_text = true;
                            ("/text", t.to_owned())
                        }
                        None => ("", String::new()),
                    },
                };
                let scanner = self.scanners.entry(idx).or_default();
                let mut released = match scanner.push(&original, &mut self.ctx, self.windows) {
                    Ok(t) => t,
                    Err(d) => {
                        blocked = Some(d);
                        break;
                    }
                };
                if finished {
                    match scanner.finish(&mut self.ctx, self.windows) {
                        Ok(t) => released.push_str(&t),
                        Err(d) => {
                            blocked = Some(d);
                            break;
                        }
                    }
                }
                let only_text = match choice.get("delta").and_then(Value::as_object) {
                    Some(delta) => delta.keys().all(|k| k == "content"),
                    None => legacy_text,
                };
                if !only_text || !released.is_empty() || finished || original.is_empty() {
                    droppable = false;
                }
                if !ptr.is_empty() {
                    if let Some(slot) = choice.pointer_mut(ptr) {
                        *slot = Value::String(released);
                    }
                } else if finished && !released.is_empty() {
                    if let Some(delta) = choice.get_mut("delta").and_then(Value::as_object_mut) {
                        delta.insert("content".into(), Value::String(released));
                    }
                }
            }
        }
        if let Some(d) = blocked {
            self.block(*d, out);
            return;
        }
        if let Some(obj) = v.as_object() {
            let mut t = serde_json::Map::new();
            for k in ["id", "object", "created", "model", "system_fingerprint"] {
                if let Some(x) = obj.get(k) {
                    t.insert(k.into(), x.clone());
                }
            }
            self.template = Some(Value::Object(t));
        }
        let has_usage = v.get("usage").is_some_and(|u| !u.is_null());
        if any_choice && droppable && !has_usage {
            return;
        }
        SseEvent {
            event: ev.event,
            data: v.to_string(),
        }
        .write(out);
    }

    fn on_anthropic(&mut self, ev: SseEvent, out: &mut Vec<u8>) {
        let Ok(mut v) = serde_json::from_str::<Value>(&ev.data) else {
            self.unscanned_events += 1;
            ev.write(out);
            return;
        };
        let kind = ev
            .event
            .clone()
            .or_else(|| v.get("type").and_then(Value::as_str).map(str::to_owned))
            .unwrap_or_default();
        let idx = v.get("index").and_then(Value::as_u64).unwrap_or(0);
        match kind.as_str() {
            "content_block_start"
                if v.pointer("/content_block/type").and_then(Value::as_str) == Some("text") =>
            {
                let text = v
                    .pointer("/content_block/text")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned();
                let scanner = self.scanners.entry(idx).or_default();
                match scanner.push(&text, &mut self.ctx, self.windows) {
                    Ok(t) => {
                        if let Some(slot) = v.pointer_mut("/content_block/text") {
                            *slot = Value::String(t);
                        }
                    }
                    Err(d) => return self.block(*d, out),
                }
            }
            "content_block_delta"
                if v.pointer("/delta/type").and_then(Value::as_str) == Some("text_delta") =>
            {
                let text = v
                    .pointer("/delta/text")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned();
                let scanner = self.scanners.entry(idx).or_default();
                match scanner.push(&text, &mut self.ctx, self.windows) {
                    Ok(t) if t.is_empty() => return,
                    Ok(t) => {
                        if let Some(slot) = v.pointer_mut("/delta/text") {
                            *slot = Value::String(t);
                        }
                    }
                    Err(d) => return self.block(*d, out),
                }
            }
            "content_block_stop" => {
                if let Some(scanner) = self.scanners.get_mut(&idx) {
                    match scanner.finish(&mut self.ctx, self.windows) {
                        Ok(t) if t.is_empty() => {}
                        Ok(t) => {
                            let body = json!({"type": "content_block_delta", "index": idx, "delta": {"type": "text_delta", "text": t}});
                            SseEvent {
                                event: Some("content_block_delta".into()),
                                data: body.to_string(),
                            }
                            .write(out);
                        }
                        Err(d) => return self.block(*d, out),
                    }
                }
            }
            "message_delta" => {
                self.flush_all(out);
                if self.done {
                    return;
                }
            }
            "message_stop" => {
                self.flush_all(out);
                if self.done {
                    return;
                }
                self.write_trailer(out);
                SseEvent {
                    event: ev.event,
                    data: v.to_string(),
                }
                .write(out);
                self.done = true;
                return;
            }
            _ => {}
        }
        SseEvent {
            event: ev.event,
            data: v.to_string(),
        }
        .write(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const W: Windows = Windows {
        holdback: 32,
        context: 256,
        min_release: 8,
    };

    fn ctx() -> ScanCtx {
        ScanCtx::new(Engine::new().expect("engine"), ScanOptions::output())
    }

    /// Feeds `text` in pieces of `n` bytes (on char boundaries) through a scanner.
    fn stream_through(text: &str, n: usize) -> Result<String, Box<Decision>> {
        let mut c = ctx();
        let mut s = TextScanner::default();
        let mut out = String::new();
        let mut i = 0;
        while i < text.len() {
            let j = ceil_boundary(text, (i + n).min(text.len()));
            out.push_str(&s.push(&text[i..j], &mut c, W)?);
            i = j;
        }
        out.push_str(&s.finish(&mut c, W)?);
        Ok(out)
    }

    #[test]
    fn plain_text_passes_unchanged_in_any_chunking() {
        let text =
            "The capital of France is Paris. It has many museums and a river called the Seine. "
                .repeat(3);
        for n in [1, 3, 7, 50, 1000] {
            assert_eq!(
                stream_through(&text, n).expect("allowed"),
                text,
                "chunk size {n}"
            );
        }
    }

    #[test]
    fn email_split_across_chunks_is_redacted() {
        let text = "Sure! You can reach John at john.smith@example.com any time, he answers quickly and politely.";
        let whole = Engine::new()
            .expect("engine")
            .scan_with(text, &ScanOptions::output());
        assert_eq!(
            whole.action,
            Action::Redact,
            "engine should redact emails: {}",
            whole.reason
        );
        for n in [1, 2, 5, 11] {
            let out = stream_through(text, n).expect("not blocked");
            assert!(
                !out.contains("john.smith@example.com"),
                "leaked with chunk size {n}: {out}"
            );
            assert!(
                !out.contains("smith@"),
                "partly leaked with chunk size {n}: {out}"
            );
            assert_eq!(
                out,
                whole.redacted_text.clone().unwrap_or_default(),
                "chunk size {n}"
            );
        }
    }

    #[test]
    fn sse_parser_handles_split_events_and_crlf() {
        let mut p = SseParser::default();
        assert!(p.feed(b"data: {\"a\"").is_empty());
        let evs = p.feed(b":1}\r\n\r\nevent: ping\ndata: {}\n\ndata: [DO");
        assert_eq!(evs.len(), 2);
        assert_eq!(evs[0].data, "{\"a\":1}");
        assert_eq!(evs[1].event.as_deref(), Some("ping"));
        assert_eq!(p.finish().map(|e| e.data), Some("[DO".to_owned()));
    }

    #[test]
    fn openai_stream_redacts_and_ends_with_done() {
        let mut p = StreamProcessor::new(Family::OpenAi, ctx(), W, "ev".into());
        let text = "Contact me at jane.doe@example.org please, thanks a lot for asking about it.";
        let mut input = String::new();
        for piece in text.as_bytes().chunks(4) {
            let piece = String::from_utf8_lossy(piece);
            input.push_str(&format!(
                "data: {}\n\n",
                json!({"id": "c", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": null}]})
            ));
        }
        input.push_str(&format!(
            "data: {}\n\n",
            json!({"id": "c", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
        ));
        input.push_str("data: [DONE]\n\n");
        let mut out = Vec::new();
        for b in input.as_bytes().chunks(13) {
            out.extend(p.feed(b));
        }
        out.extend(p.finish());
        let out = String::from_utf8(out).expect("utf8");
        let mut joined = String::new();
        let mut parser = SseParser::default();
        let events = parser.feed(out.as_bytes());
        for e in &events {
            if let Ok(v) = serde_json::from_str::<Value>(&e.data) {
                if let Some(t) = v
                    .pointer("/choices/0/delta/content")
                    .and_then(Value::as_str)
                {
                    joined.push_str(t);
                }
            }
        }
        assert!(!joined.contains("jane.doe"), "{joined}");
        assert!(joined.contains("[EMAIL_REDACTED]"), "{joined}");
        assert!(
            joined.starts_with("Contact me at ") && joined.ends_with("about it."),
            "{joined}"
        );
        assert_eq!(events.last().map(|e| e.data.as_str()), Some("[DONE]"));
        assert!(out.contains("decision=redact"), "{out}");
    }
}
