//! promptguard API keys (hashed), header rules per API family, public routes, loopback mode,
//! rate limits.

use crate::common::*;

const KEY: &str = "pg-test-key-0123456789";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loopback_only_mode_is_announced_and_serves_local_clients() {
    let mock = Mock::start(Mode::Normal).await;
    let gw = gateway_for(&mock, None, &[]);
    assert!(gw.log().contains("loopback clients only"), "{}", gw.log());
    let (status, _, _) = post_json(
        &gw.url("/v1/chat/completions"),
        &chat("gpt-4o-mini", "hi"),
        &[],
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_are_required_once_configured() {
    let mock = Mock::start(Mode::Normal).await;
    let gw = gateway_for(&mock, None, &[("PROMPTGUARD_API_KEYS", KEY)]);
    let url = gw.url("/v1/chat/completions");
    let body = chat("gpt-4o-mini", "hi");
    let (status, _, b) = post_json(&url, &body, &[]).await;
    assert_eq!(status, 401, "{b}");
    assert_eq!(b["error"]["type"], "authentication_error");
    let (status, _, _) = post_json(&url, &body, &[("x-promptguard-key", "wrong-key-123")]).await;
    assert_eq!(status, 401);
    let (status, _, _) = post_json(&url, &body, &[("x-promptguard-key", KEY)]).await;
    assert_eq!(status, 200);
    let (status, _, _) = post_json(&url, &body, &[("x-api-key", KEY)]).await;
    assert_eq!(status, 200, "X-API-Key works on OpenAI routes");
    // The promptguard key as the SDK's api_key: accepted and not forwarded upstream.
    let (status, _, _) =
        post_json(&url, &body, &[("authorization", &format!("Bearer {KEY}"))]).await;
    assert_eq!(status, 200);
    assert!(
        mock.last().headers.get("authorization").is_none(),
        "the promptguard key must not reach the provider"
    );
    // A provider key in Authorization plus the promptguard key: the provider key goes upstream.
    let (status, _, _) = post_json(
        &url,
        &body,
        &[
            ("authorization", "Bearer sk-provider"),
            ("x-promptguard-key", KEY),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        mock.last()
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok()),
        Some("Bearer sk-provider")
    );
    assert!(mock.last().headers.get("x-promptguard-key").is_none());
    // Anthropic: x-api-key is the provider's, so the promptguard key must be in X-PromptGuard-Key.
    let aurl = gw.url("/v1/messages");
    let abody = anthropic_msg("claude-3-5-haiku-latest", "hi");
    let (status, _, b) = post_json(&aurl, &abody, &[("x-api-key", KEY)]).await;
    assert_eq!(status, 401);
    assert_eq!(b["type"], "error");
    let (status, _, _) = post_json(
        &aurl,
        &abody,
        &[("x-api-key", "sk-ant-client"), ("x-promptguard-key", KEY)],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        mock.last()
            .headers
            .get("x-api-key")
            .and_then(|v| v.to_str().ok()),
        Some("sk-ant-client")
    );
    // Public routes.
    assert_eq!(
        client()
            .get(gw.url("/health"))
            .send()
            .await
            .expect("health")
            .status(),
        200
    );
    assert_eq!(
        client()
            .get(gw.url("/metrics"))
            .send()
            .await
            .expect("metrics")
            .status(),
        200
    );
    let (status, _, _) = post_json(
        &gw.url("/api/v1/guard"),
        &serde_json::json!({"text": "hi"}),
        &[],
    )
    .await;
    assert_eq!(status, 401, "the guard API is not public");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hashed_keys_projects_and_public_route_list() {
    use sha2::{Digest, Sha256};
    let mock = Mock::start(Mode::Normal).await;
    let hash: String = Sha256::digest(KEY.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let config = format!(
        "auth:\n  public_routes: [/health]\n  api_keys:\n    - name: support\n      key_sha256: {hash}\n      project: support\nprojects:\n  support:\n    preset: support_bot:strict\n"
    );
    let gw = gateway_for(&mock, Some(&config), &[]);
    let (status, h, _) = post_json(
        &gw.url("/v1/chat/completions"),
        &chat("gpt-4o-mini", "hi"),
        &[("x-promptguard-key", KEY)],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(header(&h, "x-promptguard-policy"), "support_bot:strict");
    assert_eq!(
        client()
            .get(gw.url("/health"))
            .send()
            .await
            .expect("health")
            .status(),
        200
    );
    assert_eq!(
        client()
            .get(gw.url("/metrics"))
            .send()
            .await
            .expect("metrics")
            .status(),
        401,
        "/metrics left the public list"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_per_minute_in_memory() {
    let mock = Mock::start(Mode::Normal).await;
    let gw = gateway_for(&mock, None, &[("PROMPTGUARD_RATE_LIMIT_PER_MINUTE", "2")]);
    let url = gw.url("/v1/chat/completions");
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(post_json(&url, &chat("gpt-4o-mini", "hi"), &[]).await.0);
    }
    // Two per minute: five requests span at most two windows, so at least one is refused.
    assert_eq!(&statuses[..2], &[200, 200], "{statuses:?}");
    assert!(statuses.contains(&429), "{statuses:?}");
    let (_, _, body) = post_json(&url, &chat("gpt-4o-mini", "hi"), &[]).await;
    if body["error"]["code"] == "rate_limited" {
        assert_eq!(body["error"]["type"], "rate_limit_error");
    }
}
