//! `X-PromptGuard-*` headers, pass-through of provider headers and keys, and route aliases.

use serde_json::json;

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn allowed_requests_carry_every_header() {
    let mock = Mock::start(Mode::Normal).await;
    let gw = gateway_for(&mock, None, &[]);
    let (status, h, body) = post_json(
        &gw.url("/v1/chat/completions"),
        &chat("gpt-4o-mini", "What is the capital of France?"),
        &[],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["choices"][0]["message"]["content"],
        "Hello from the mock upstream."
    );
    let id = header(&h, "x-promptguard-event-id");
    assert_eq!(id.len(), 36, "uuid event id: {id}");
    assert_eq!(header(&h, "x-promptguard-decision"), "allow");
    let conf: f64 = header(&h, "x-promptguard-confidence")
        .parse()
        .expect("confidence");
    assert!((0.0..=1.0).contains(&conf));
    assert_eq!(header(&h, "x-promptguard-threat-type"), "none");
    let ms: f64 = header(&h, "x-promptguard-latency-ms")
        .parse()
        .expect("latency");
    assert!(ms >= 0.0);
    assert_eq!(header(&h, "x-promptguard-provider"), "openai");
    assert_eq!(
        header(&h, "x-upstream"),
        "mock",
        "provider headers pass through"
    );
    assert_eq!(header(&h, "x-promptguard-policy"), "default:moderate");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_keys_pass_through_and_configured_keys_replace_them() {
    let mock = Mock::start(Mode::Normal).await;
    let gw = gateway_for(&mock, None, &[]);
    let (status, _, _) = post_json(
        &gw.url("/v1/chat/completions"),
        &chat("gpt-4o-mini", "hi"),
        &[("authorization", "Bearer sk-client")],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        mock.last()
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok()),
        Some("Bearer sk-client")
    );
    let (status, _, _) = post_json(
        &gw.url("/v1/messages"),
        &anthropic_msg("claude-3-5-haiku-latest", "hi"),
        &[
            ("x-api-key", "sk-ant-client"),
            ("anthropic-version", "2023-06-01"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    let seen = mock.last();
    assert_eq!(
        seen.headers.get("x-api-key").and_then(|v| v.to_str().ok()),
        Some("sk-ant-client")
    );
    assert_eq!(
        seen.headers
            .get("anthropic-version")
            .and_then(|v| v.to_str().ok()),
        Some("2023-06-01")
    );
    drop(gw);
    let gw = gateway_for(
        &mock,
        None,
        &[
            ("OPENAI_API_KEY", "sk-from-config"),
            ("ANTHROPIC_API_KEY", "sk-ant-config"),
        ],
    );
    let (status, _, _) = post_json(
        &gw.url("/v1/chat/completions"),
        &chat("gpt-4o-mini", "hi"),
        &[("authorization", "Bearer sk-client")],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        mock.last()
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok()),
        Some("Bearer sk-from-config")
    );
    let (status, _, _) = post_json(
        &gw.url("/v1/messages"),
        &anthropic_msg("claude-3-5-haiku-latest", "hi"),
        &[],
    )
    .await;
    assert_eq!(status, 200);
    let seen = mock.last();
    assert_eq!(
        seen.headers.get("x-api-key").and_then(|v| v.to_str().ok()),
        Some("sk-ant-config")
    );
    assert_eq!(
        seen.headers
            .get("anthropic-version")
            .and_then(|v| v.to_str().ok()),
        Some("2023-06-01")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proxy_prefix_routes_and_models() {
    let mock = Mock::start(Mode::Normal).await;
    let gw = gateway_for(&mock, None, &[]);
    for path in [
        "/api/v1/proxy/chat/completions",
        "/api/v1/proxy/v1/chat/completions",
    ] {
        let (status, h, _) = post_json(&gw.url(path), &chat("gpt-4o-mini", "hi"), &[]).await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(header(&h, "x-promptguard-decision"), "allow");
    }
    let (status, _, b) = post_json(
        &gw.url("/api/v1/proxy/v1/messages"),
        &anthropic_msg("claude-3-5-haiku-latest", "hi"),
        &[],
    )
    .await;
    assert_eq!(status, 200, "{b}");
    assert_eq!(b["content"][0]["text"], "Hello from the mock upstream.");
    for path in ["/v1/models", "/api/v1/proxy/models"] {
        let resp = client().get(gw.url(path)).send().await.expect("models");
        assert_eq!(resp.status(), 200);
        assert_eq!(
            resp.headers()
                .get("x-promptguard-event-id")
                .map(|v| v.len()),
            Some(36)
        );
        let v: serde_json::Value = resp.json().await.expect("json");
        assert_eq!(v["data"][0]["id"], "gpt-4o-mini");
    }
    assert_eq!(mock.last().path, "/v1/models");
    // Unknown routes: 404 in the provider shape.
    let (status, _, b) = post_json(&gw.url("/v1/nothing"), &json!({}), &[]).await;
    assert_eq!(status, 404);
    assert_eq!(b["error"]["code"], "unknown_route");
}
