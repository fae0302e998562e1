//! Where the text is in each API's request and response bodies: every text becomes a slot (a
//! JSON pointer plus the role of its author), scanned with that role and written back redacted.

use promptguard_core::Role;
use serde_json::Value;

use super::error::Family;

/// The proxied endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    ChatCompletions,
    Completions,
    Embeddings,
    Models,
    Messages,
}

impl Endpoint {
    /// Every endpoint, in declaration order (`e as usize` indexes it).
    pub const ALL: [Endpoint; 5] = [
        Endpoint::ChatCompletions,
        Endpoint::Completions,
        Endpoint::Embeddings,
        Endpoint::Models,
        Endpoint::Messages,
    ];

    pub fn family(self) -> Family {
        match self {
            Endpoint::Messages => Family::Anthropic,
            _ => Family::OpenAi,
        }
    }

    /// Label for metrics and the event store.
    pub fn as_str(self) -> &'static str {
        match self {
            Endpoint::ChatCompletions => "chat_completions",
            Endpoint::Completions => "completions",
            Endpoint::Embeddings => "embeddings",
            Endpoint::Models => "models",
            Endpoint::Messages => "messages",
        }
    }

    /// Path below an OpenAI base URL (which includes `/v1`) or an Anthropic base URL.
    pub fn upstream_path(self) -> &'static str {
        match self {
            Endpoint::ChatCompletions => "/chat/completions",
            Endpoint::Completions => "/completions",
            Endpoint::Embeddings => "/embeddings",
            Endpoint::Models => "/models",
            Endpoint::Messages => "/v1/messages",
        }
    }
}

/// One text in a body.
#[derive(Debug, Clone, PartialEq)]
pub struct Slot {
    /// JSON pointer to the string.
    pub pointer: String,
    pub role: Role,
    pub text: String,
}

fn role_of(s: &str) -> Role {
    s.parse().unwrap_or(Role::User)
}

fn push(slots: &mut Vec<Slot>, pointer: String, role: Role, v: &Value) {
    if let Value::String(s) = v {
        if !s.is_empty() {
            slots.push(Slot {
                pointer,
                role,
                text: s.clone(),
            });
        }
    }
}

/// Text parts of an OpenAI `content` (a string, or an array of `{type:"text", text}` parts).
fn openai_content(slots: &mut Vec<Slot>, base: &str, role: Role, content: &Value) {
    match content {
        Value::String(_) => push(slots, base.to_owned(), role, content),
        Value::Array(parts) => {
            for (j, part) in parts.iter().enumerate() {
                if let Some(t) = part.get("text") {
                    push(slots, format!("{base}/{j}/text"), role, t);
                }
            }
        }
        _ => {}
    }
}

/// Anthropic content: a string or blocks (`text`, `tool_result` with nested content).
fn anthropic_content(slots: &mut Vec<Slot>, base: &str, role: Role, content: &Value) {
    match content {
        Value::String(_) => push(slots, base.to_owned(), role, content),
        Value::Array(blocks) => {
            for (j, block) in blocks.iter().enumerate() {
                match block.get("type").and_then(Value::as_str) {
                    Some("text") => {
                        if let Some(t) = block.get("text") {
                            push(slots, format!("{base}/{j}/text"), role, t);
                        }
                    }
                    Some("tool_result") => {
                        if let Some(c) = block.get("content") {
                            anthropic_content(slots, &format!("{base}/{j}/content"), Role::Tool, c);
                        }
                    }
                    Some("document") => {
                        if let Some(d) = block.get("source").and_then(|s| s.get("data")) {
                            if block.pointer("/source/type").and_then(Value::as_str) == Some("text")
                            {
                                push(slots, format!("{base}/{j}/source/data"), Role::Tool, d);
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        _ => {}
    }
}

/// The texts of a request body, each with the role of its author.
pub fn request_slots(endpoint: Endpoint, body: &Value) -> Vec<Slot> {
    let mut slots = Vec::new();
    match endpoint {
        Endpoint::ChatCompletions => {
            if let Some(msgs) = body.get("messages").and_then(Value::as_array) {
                for (i, m) in msgs.iter().enumerate() {
                    let role = role_of(m.get("role").and_then(Value::as_str).unwrap_or("user"));
                    if let Some(c) = m.get("content") {
                        openai_content(&mut slots, &format!("/messages/{i}/content"), role, c);
                    }
                }
            }
        }
        Endpoint::Completions => match body.get("prompt") {
            Some(p @ Value::String(_)) => push(&mut slots, "/prompt".into(), Role::User, p),
            Some(Value::Array(items)) => {
                for (i, p) in items.iter().enumerate() {
                    push(&mut slots, format!("/prompt/{i}"), Role::User, p);
                }
            }
            _ => {}
        },
        Endpoint::Embeddings => match body.get("input") {
            Some(p @ Value::String(_)) => push(&mut slots, "/input".into(), Role::User, p),
            Some(Value::Array(items)) => {
                for (i, p) in items.iter().enumerate() {
                    push(&mut slots, format!("/input/{i}"), Role::User, p);
                }
            }
            _ => {}
        },
        Endpoint::Messages => {
            if let Some(system) = body.get("system") {
                anthropic_content(&mut slots, "/system", Role::System, system);
            }
            if let Some(msgs) = body.get("messages").and_then(Value::as_array) {
                for (i, m) in msgs.iter().enumerate() {
                    let role = role_of(m.get("role").and_then(Value::as_str).unwrap_or("user"));
                    if let Some(c) = m.get("content") {
                        anthropic_content(&mut slots, &format!("/messages/{i}/content"), role, c);
                    }
                }
            }
        }
        Endpoint::Models => {}
    }
    slots
}

/// Token-id inputs (arrays of integers) cannot be scanned; the gateway reports them.
pub fn has_unscannable_input(endpoint: Endpoint, body: &Value) -> bool {
    let field = match endpoint {
        Endpoint::Embeddings => "input",
        Endpoint::Completions => "prompt",
        _ => return false,
    };
    match body.get(field) {
        Some(Value::Array(items)) => items.iter().any(|i| i.is_number() || i.is_array()),
        _ => false,
    }
}

/// The model's texts in a (non-streaming) response body.
pub fn response_slots(endpoint: Endpoint, body: &Value) -> Vec<Slot> {
    let mut slots = Vec::new();
    match endpoint {
        Endpoint::ChatCompletions => {
            if let Some(choices) = body.get("choices").and_then(Value::as_array) {
                for (i, c) in choices.iter().enumerate() {
                    if let Some(content) = c.pointer("/message/content") {
                        openai_content(
                            &mut slots,
                            &format!("/choices/{i}/message/content"),
                            Role::Assistant,
                            content,
                        );
                    }
                }
            }
        }
        Endpoint::Completions => {
            if let Some(choices) = body.get("choices").and_then(Value::as_array) {
                for (i, c) in choices.iter().enumerate() {
                    if let Some(t) = c.get("text") {
                        push(&mut slots, format!("/choices/{i}/text"), Role::Assistant, t);
                    }
                }
            }
        }
        Endpoint::Messages => {
            if let Some(content) = body.get("content") {
                anthropic_content(&mut slots, "/content", Role::Assistant, content);
            }
        }
        Endpoint::Embeddings | Endpoint::Models => {}
    }
    slots
}

/// Replaces the string at `pointer`.
pub fn write_back(body: &mut Value, pointer: &str, text: String) -> bool {
    match body.pointer_mut(pointer) {
        Some(v @ Value::String(_)) => {
            *v = Value::String(text);
            true
        }
        _ => false,
    }
}

/// The conversation's system prompt (for leak detection in outputs).
pub fn system_prompt(slots: &[Slot]) -> Option<String> {
    let parts: Vec<&str> = slots
        .iter()
        .filter(|s| s.role == Role::System)
        .map(|s| s.text.as_str())
        .collect();
    (!parts.is_empty()).then(|| parts.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn openai_chat_slots_carry_roles() {
        let body = json!({"model": "m", "messages": [
            {"role": "system", "content": "Be nice."},
            {"role": "user", "content": [{"type": "text", "text": "hi"}, {"type": "image_url", "image_url": {}}]},
            {"role": "tool", "tool_call_id": "x", "content": "result"},
            {"role": "developer", "content": "dev"}
        ]});
        let s = request_slots(Endpoint::ChatCompletions, &body);
        let got: Vec<(&str, Role)> = s.iter().map(|s| (s.pointer.as_str(), s.role)).collect();
        assert_eq!(
            got,
            vec![
                ("/messages/0/content", Role::System),
                ("/messages/1/content/0/text", Role::User),
                ("/messages/2/content", Role::Tool),
                ("/messages/3/content", Role::System),
            ]
        );
        assert_eq!(system_prompt(&s).as_deref(), Some("Be nice.\ndev"));
    }

    #[test]
    fn anthropic_slots_include_system_and_tool_results() {
        let body = json!({"model": "c", "system": [{"type": "text", "text": "sys"}], "messages": [
            {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": "t", "content": [{"type": "text", "text": "doc"}]},
                {"type": "text", "text": "q"}
            ]}
        ]});
        let s = request_slots(Endpoint::Messages, &body);
        assert_eq!(s.len(), 3);
        assert_eq!(s[0].role, Role::System);
        assert_eq!(
            (s[1].pointer.as_str(), s[1].role),
            ("/messages/0/content/0/content/0/text", Role::Tool)
        );
        assert_eq!(s[2].role, Role::User);
        let mut b = body.clone();
        assert!(write_back(&mut b, &s[2].pointer, "Q".into()));
        assert_eq!(b.pointer("/messages/0/content/1/text"), Some(&json!("Q")));
    }

    #[test]
    fn response_slots_and_unscannable_inputs() {
        let r = json!({"choices": [{"message": {"role": "assistant", "content": "hello"}}]});
        assert_eq!(
            response_slots(Endpoint::ChatCompletions, &r)[0].text,
            "hello"
        );
        let r = json!({"content": [{"type": "text", "text": "hey"}, {"type": "tool_use", "input": {}}]});
        assert_eq!(response_slots(Endpoint::Messages, &r).len(), 1);
        assert!(has_unscannable_input(
            Endpoint::Embeddings,
            &json!({"input": [[1, 2, 3]]})
        ));
        assert!(!has_unscannable_input(
            Endpoint::Embeddings,
            &json!({"input": ["a"]})
        ));
    }
}
