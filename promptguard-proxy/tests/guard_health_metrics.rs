//! `/api/v1/guard` (scan only), `/health` (liveness and readiness), `/metrics` (Prometheus).

use serde_json::json;

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guard_scans_messages_and_texts() {
    let mock = Mock::start(Mode::Normal).await;
    let gw = gateway_for(&mock, None, &[]);
    let url = gw.url("/api/v1/guard");
    let (status, h, d) = post_json(
        &url,
        &json!({"messages": [
            {"role": "system", "content": "You are a bot."},
            {"role": "user", "content": INJECTION}
        ]}),
        &[],
    )
    .await;
    assert_eq!(status, 200, "{d}");
    assert_eq!(d["decision"], "block");
    assert_eq!(d["threat_type"], "prompt_injection");
    assert_eq!(
        d["event_id"].as_str(),
        Some(header(&h, "x-promptguard-event-id"))
    );
    assert_eq!(d["messages"].as_array().map(Vec::len), Some(2));
    assert_eq!(d["messages"][0]["decision"], "allow");
    for key in [
        "confidence",
        "reason",
        "threats",
        "redacted_text",
        "unscanned",
        "policy",
        "latency_ms",
    ] {
        assert!(d.get(key).is_some(), "Decision JSON has `{key}`: {d}");
    }
    let (status, _, d) = post_json(&url, &json!({"text": EMAIL_PROMPT}), &[]).await;
    assert_eq!(status, 200);
    assert_eq!(d["decision"], "redact");
    assert!(d["redacted_text"]
        .as_str()
        .unwrap_or("")
        .contains("[EMAIL_REDACTED]"));
    let (status, _, d) = post_json(
        &url,
        &json!({"text": "Your card was charged.", "direction": "output", "event_id": "evt-1"}),
        &[],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(d["event_id"], "evt-1");
    let (status, _, d) = post_json(
        &url,
        &json!({"messages": [{"role": "robot", "content": "x"}]}),
        &[],
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        d["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("messages[0].role"),
        "{d}"
    );
    let (status, _, _) = post_json(&url, &json!({"txt": "x"}), &[]).await;
    assert_eq!(status, 400);
    assert_eq!(mock.count(), 0, "the guard API never calls a provider");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_reports_readiness() {
    let mock = Mock::start(Mode::Normal).await;
    let gw = gateway_for(&mock, None, &[]);
    let v: serde_json::Value = client()
        .get(gw.url("/health"))
        .send()
        .await
        .expect("health")
        .json()
        .await
        .expect("json");
    assert_eq!(v["live"], true);
    assert_eq!(v["ready"], true, "{v}");
    assert_eq!(v["providers"]["openai"]["reachable"], true);
    assert_eq!(v["store"]["backend"], "memory");
    assert_eq!(
        client()
            .get(gw.url("/health?ready=1"))
            .send()
            .await
            .expect("ready")
            .status(),
        200
    );
    drop(gw);
    // Every provider unreachable: alive, not ready.
    let dead = dead_url();
    let config = format!(
        "providers:\n  openai:\n    base_url: {dead}\n  anthropic:\n    base_url: {}\n  gemini:\n    base_url: {dead}\n  mistral:\n    base_url: {dead}\n  groq:\n    base_url: {dead}\n",
        dead.trim_end_matches("/v1")
    );
    let gw = Gateway::start(Some(&config), &[]);
    let resp = client()
        .get(gw.url("/health"))
        .send()
        .await
        .expect("health");
    assert_eq!(resp.status(), 200);
    let v: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(
        (v["live"].clone(), v["ready"].clone(), v["status"].clone()),
        (json!(true), json!(false), json!("degraded"))
    );
    assert_eq!(
        client()
            .get(gw.url("/health?ready=1"))
            .send()
            .await
            .expect("ready")
            .status(),
        503
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_requests_by_decision() {
    let mock = Mock::start(Mode::Normal).await;
    let gw = gateway_for(&mock, None, &[]);
    post_json(
        &gw.url("/v1/chat/completions"),
        &chat("gpt-4o-mini", INJECTION),
        &[],
    )
    .await;
    post_json(
        &gw.url("/v1/chat/completions"),
        &chat("gpt-4o-mini", "hi"),
        &[],
    )
    .await;
    let resp = client()
        .get(gw.url("/metrics"))
        .send()
        .await
        .expect("metrics");
    assert!(resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .starts_with("text/plain"));
    let text = resp.text().await.expect("text");
    assert!(
        text.contains("promptguard_requests_total{route=\"chat_completions\",decision=\"block\",status=\"400\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("promptguard_requests_total{route=\"chat_completions\",decision=\"allow\",status=\"200\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("promptguard_upstream_requests_total{provider=\"openai\",outcome=\"ok\"} 1"),
        "{text}"
    );
    assert!(text.contains("promptguard_scan_seconds_count 2"), "{text}");
}
