//! BLOCK answers a provider-shaped error; REDACT forwards the redacted request and redacts
//! responses.

use serde_json::json;

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openai_injection_is_blocked_and_not_forwarded() {
    let mock = Mock::start(Mode::Normal).await;
    let gw = gateway_for(&mock, None, &[]);
    let (status, h, body) = post_json(
        &gw.url("/v1/chat/completions"),
        &chat("gpt-4o-mini", INJECTION),
        &[],
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["type"], "promptguard_blocked");
    assert_eq!(body["error"]["code"], "prompt_blocked");
    let msg = body["error"]["message"].as_str().unwrap_or("");
    assert!(msg.contains("blocked") && msg.contains("pi."), "{msg}");
    assert_eq!(body["error"]["promptguard"]["decision"], "block");
    assert_eq!(header(&h, "x-promptguard-decision"), "block");
    assert_eq!(header(&h, "x-promptguard-threat-type"), "prompt_injection");
    assert_eq!(
        mock.count(),
        0,
        "a blocked prompt must not reach the provider"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anthropic_injection_is_blocked_in_anthropic_shape() {
    let mock = Mock::start(Mode::Normal).await;
    let gw = gateway_for(&mock, None, &[]);
    let (status, h, body) = post_json(
        &gw.url("/v1/messages"),
        &anthropic_msg("claude-3-5-haiku-latest", INJECTION),
        &[],
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["type"], "error");
    assert_eq!(body["error"]["type"], "promptguard_blocked");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap_or("")
        .contains("blocked"));
    assert_eq!(header(&h, "x-promptguard-decision"), "block");
    assert_eq!(mock.count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tool_results_are_scanned_and_system_prompts_trusted() {
    let mock = Mock::start(Mode::Normal).await;
    let gw = gateway_for(&mock, None, &[]);
    let body = json!({"model": "gpt-4o-mini", "messages": [
        {"role": "user", "content": "Summarise the page."},
        {"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "fetch", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "c1", "content": INJECTION}
    ]});
    let (status, _, b) = post_json(&gw.url("/v1/chat/completions"), &body, &[]).await;
    assert_eq!(status, 400, "{b}");
    assert_eq!(b["error"]["type"], "promptguard_blocked");
    // The same words in the system prompt are the application's own context.
    let body = json!({"model": "gpt-4o-mini", "messages": [
        {"role": "system", "content": INJECTION},
        {"role": "user", "content": "What is the capital of France?"}
    ]});
    let (status, h, b) = post_json(&gw.url("/v1/chat/completions"), &body, &[]).await;
    assert_eq!(status, 200, "{b}");
    assert_eq!(header(&h, "x-promptguard-decision"), "allow");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pii_in_the_prompt_is_redacted_before_forwarding() {
    let mock = Mock::start(Mode::Normal).await;
    let gw = gateway_for(&mock, None, &[]);
    let (status, h, body) = post_json(
        &gw.url("/v1/chat/completions"),
        &chat("echo", EMAIL_PROMPT),
        &[],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(header(&h, "x-promptguard-decision"), "redact");
    assert_eq!(header(&h, "x-promptguard-threat-type"), "pii");
    let forwarded = mock.last().body["messages"][1]["content"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    assert!(!forwarded.contains("john.smith@example.com"), "{forwarded}");
    assert!(forwarded.contains("[EMAIL_REDACTED]"), "{forwarded}");
    // The echo comes back redacted too (nothing to leak).
    let content = body["choices"][0]["message"]["content"]
        .as_str()
        .unwrap_or("");
    assert!(content.contains("[EMAIL_REDACTED]"), "{content}");
    // Anthropic, with the text in a content block.
    let req = json!({"model": "claude-echo", "max_tokens": 10, "messages": [{"role": "user", "content": [{"type": "text", "text": EMAIL_PROMPT}]}]});
    let (status, h, _) = post_json(&gw.url("/v1/messages"), &req, &[]).await;
    assert_eq!(status, 200);
    assert_eq!(header(&h, "x-promptguard-decision"), "redact");
    let forwarded = mock.last().body["messages"][0]["content"][0]["text"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    assert!(
        forwarded.contains("[EMAIL_REDACTED]") && !forwarded.contains("john.smith"),
        "{forwarded}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completions_and_embeddings_inputs_are_redacted() {
    let mock = Mock::start(Mode::Normal).await;
    let gw = gateway_for(&mock, None, &[]);
    let (status, _, _) = post_json(
        &gw.url("/v1/embeddings"),
        &json!({"model": "text-embedding-3-small", "input": [EMAIL_PROMPT, "hello"]}),
        &[],
    )
    .await;
    assert_eq!(status, 200);
    let seen = mock.last();
    assert_eq!(seen.path, "/v1/embeddings");
    assert!(
        seen.body["input"][0]
            .as_str()
            .unwrap_or("")
            .contains("[EMAIL_REDACTED]"),
        "{}",
        seen.body
    );
    assert_eq!(seen.body["input"][1], "hello");
    let (status, h, b) = post_json(
        &gw.url("/v1/completions"),
        &json!({"model": "gpt-3.5-turbo-instruct", "prompt": EMAIL_PROMPT}),
        &[],
    )
    .await;
    assert_eq!(status, 200, "{b}");
    assert_eq!(header(&h, "x-promptguard-decision"), "redact");
    assert!(mock.last().body["prompt"]
        .as_str()
        .unwrap_or("")
        .contains("[EMAIL_REDACTED]"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn responses_are_scanned_and_redacted() {
    let mock = Mock::start(Mode::Normal).await;
    let gw = gateway_for(&mock, None, &[]);
    let (status, h, body) = post_json(
        &gw.url("/v1/chat/completions"),
        &chat("leak", "How do I reach my account manager?"),
        &[],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let content = body["choices"][0]["message"]["content"]
        .as_str()
        .unwrap_or("");
    assert!(
        content.contains("[EMAIL_REDACTED]") && !content.contains("jane.doe"),
        "{content}"
    );
    assert_eq!(header(&h, "x-promptguard-decision"), "redact");
    assert_eq!(header(&h, "x-promptguard-response-scan"), "full");
    let (status, h, body) = post_json(
        &gw.url("/v1/messages"),
        &anthropic_msg("claude-leak", "How do I reach my account manager?"),
        &[],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let text = body["content"][0]["text"].as_str().unwrap_or("");
    assert!(
        text.contains("[EMAIL_REDACTED]") && !text.contains("jane.doe"),
        "{text}"
    );
    assert_eq!(header(&h, "x-promptguard-decision"), "redact");
}

/// A policy that blocks PII instead of redacting it, to see blocked responses.
pub const BLOCK_PII_POLICY: &str = "detectors:\n  pii:\n    action: block\n";

pub fn block_pii_config(dir_tag: &str) -> String {
    let dir = std::env::temp_dir().join(format!("pg-policy-{dir_tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("policy.yaml");
    std::fs::write(&path, BLOCK_PII_POLICY).expect("policy");
    format!(
        "projects:\n  default:\n    policy_file: {}\n",
        path.display()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn responses_can_be_blocked_by_policy() {
    let mock = Mock::start(Mode::Normal).await;
    let config = block_pii_config("resp");
    let gw = gateway_for(&mock, Some(&config), &[]);
    let (status, h, body) = post_json(
        &gw.url("/v1/chat/completions"),
        &chat("leak", "How do I reach my account manager?"),
        &[],
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], "response_blocked");
    assert!(
        !body.to_string().contains("answers within a day"),
        "the response text must not leak: {body}"
    );
    assert_eq!(header(&h, "x-promptguard-decision"), "block");
    let (status, _, body) = post_json(
        &gw.url("/v1/messages"),
        &anthropic_msg("claude-leak", "How do I reach him?"),
        &[],
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["type"], "error");
    assert_eq!(body["error"]["type"], "promptguard_blocked");
}
