//! Streaming (SSE): incremental scanning with a hold-back window, for OpenAI and Anthropic.

use serde_json::{json, Value};

use crate::block_redact::block_pii_config;
use crate::common::*;

/// The events of an SSE body: (event name, data).
fn events(body: &str) -> Vec<(Option<String>, String)> {
    let mut out = Vec::new();
    for block in body.split("\n\n") {
        let mut name = None;
        let mut data = Vec::new();
        for line in block.lines() {
            if let Some(n) = line.strip_prefix("event: ") {
                name = Some(n.to_owned());
            } else if let Some(d) = line.strip_prefix("data: ") {
                data.push(d);
            }
        }
        if !data.is_empty() {
            out.push((name, data.join("\n")));
        }
    }
    out
}

async fn stream(url: &str, body: &Value) -> (u16, reqwest::header::HeaderMap, String) {
    let resp = client().post(url).json(body).send().await.expect("request");
    let status = resp.status().as_u16();
    let h = resp.headers().clone();
    (status, h, resp.text().await.expect("body"))
}

fn openai_text(body: &str) -> String {
    events(body)
        .iter()
        .filter_map(|(_, d)| serde_json::from_str::<Value>(d).ok())
        .filter_map(|v| {
            v.pointer("/choices/0/delta/content")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .collect()
}

fn anthropic_text(body: &str) -> String {
    events(body)
        .iter()
        .filter_map(|(_, d)| serde_json::from_str::<Value>(d).ok())
        .filter(|v| v["type"] == "content_block_delta")
        .filter_map(|v| {
            v.pointer("/delta/text")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openai_stream_passes_clean_text_and_ends_with_done() {
    let mock = Mock::start(Mode::Normal).await;
    let gw = gateway_for(&mock, None, &[]);
    let mut req = chat("gpt-4o-mini", "Say hello");
    req["stream"] = json!(true);
    let (status, h, body) = stream(&gw.url("/v1/chat/completions"), &req).await;
    assert_eq!(status, 200);
    assert!(header(&h, "content-type").starts_with("text/event-stream"));
    assert_eq!(header(&h, "x-promptguard-response-scan"), "stream");
    assert_eq!(header(&h, "x-promptguard-decision"), "allow");
    assert_eq!(openai_text(&body), "Hello from the mock upstream.");
    let evs = events(&body);
    assert_eq!(evs.last().map(|e| e.1.as_str()), Some("[DONE]"));
    assert!(body.contains("scanned=true"), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openai_stream_redacts_an_email_split_across_chunks() {
    let mock = Mock::start(Mode::Normal).await;
    let gw = gateway_for(&mock, None, &[]);
    let mut req = chat("leak", "How do I reach my account manager?");
    req["stream"] = json!(true);
    let (status, _, body) = stream(&gw.url("/v1/chat/completions"), &req).await;
    assert_eq!(status, 200);
    let text = openai_text(&body);
    assert_eq!(
        text,
        "Sure. You can reach our account manager at [EMAIL_REDACTED] any time, she answers within a day."
    );
    assert!(
        !body.contains("jane") && !body.contains("example.org"),
        "no fragment may leak: {body}"
    );
    assert!(body.contains("decision=redact"));
    assert_eq!(events(&body).last().map(|e| e.1.as_str()), Some("[DONE]"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anthropic_stream_redacts_an_email_split_across_chunks() {
    let mock = Mock::start(Mode::Normal).await;
    let gw = gateway_for(&mock, None, &[]);
    let mut req = anthropic_msg("claude-leak", "How do I reach my account manager?");
    req["stream"] = json!(true);
    let (status, h, body) = stream(&gw.url("/v1/messages"), &req).await;
    assert_eq!(status, 200);
    assert_eq!(header(&h, "x-promptguard-response-scan"), "stream");
    let text = anthropic_text(&body);
    assert_eq!(
        text,
        "Sure. You can reach our account manager at [EMAIL_REDACTED] any time, she answers within a day."
    );
    assert!(
        !body.contains("jane") && !body.contains("example.org"),
        "{body}"
    );
    let names: Vec<String> = events(&body).into_iter().filter_map(|e| e.0).collect();
    assert_eq!(names.first().map(String::as_str), Some("message_start"));
    assert_eq!(names.last().map(String::as_str), Some("message_stop"));
    let stop = names
        .iter()
        .position(|n| n == "content_block_stop")
        .expect("block stop");
    let last_delta = names
        .iter()
        .rposition(|n| n == "content_block_delta")
        .expect("delta");
    assert!(
        last_delta < stop,
        "all text is released before its block stops"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_block_mid_stream_ends_it_with_an_error_event() {
    let mock = Mock::start(Mode::Normal).await;
    let config = block_pii_config("stream");
    let gw = gateway_for(&mock, Some(&config), &[]);
    let mut req = chat("leak", "How do I reach my account manager?");
    req["stream"] = json!(true);
    let (status, _, body) = stream(&gw.url("/v1/chat/completions"), &req).await;
    assert_eq!(status, 200);
    let evs = events(&body);
    assert_eq!(evs.last().map(|e| e.1.as_str()), Some("[DONE]"), "{body}");
    let err: Value = serde_json::from_str(&evs[evs.len() - 2].1).expect("error event json");
    assert_eq!(err["error"]["type"], "promptguard_blocked");
    assert_eq!(err["error"]["code"], "response_blocked");
    assert!(
        !body.contains("jane") && !body.contains("example.org"),
        "{body}"
    );
    assert!(!openai_text(&body).contains("answers within a day"));

    let mut req = anthropic_msg("claude-leak", "How do I reach my account manager?");
    req["stream"] = json!(true);
    let (status, _, body) = stream(&gw.url("/v1/messages"), &req).await;
    assert_eq!(status, 200);
    let evs = events(&body);
    let (name, data) = evs.last().expect("events");
    assert_eq!(name.as_deref(), Some("error"), "{body}");
    let err: Value = serde_json::from_str(data).expect("json");
    assert_eq!(err["type"], "error");
    assert_eq!(err["error"]["type"], "promptguard_blocked");
    assert!(
        !body.contains("jane") && !body.contains("example.org"),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocked_streaming_request_gets_a_plain_error() {
    let mock = Mock::start(Mode::Normal).await;
    let gw = gateway_for(&mock, None, &[]);
    let mut req = chat("gpt-4o-mini", INJECTION);
    req["stream"] = json!(true);
    let (status, _, body) = stream(&gw.url("/v1/chat/completions"), &req).await;
    assert_eq!(status, 400);
    let v: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(v["error"]["type"], "promptguard_blocked");
    assert_eq!(mock.count(), 0);
}
