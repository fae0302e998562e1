//! 413, 400 (in each provider's shape), 502, 504, and graceful shutdown.

use std::time::Duration;

use serde_json::json;

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_bodies_get_413_in_the_provider_shape() {
    let mock = Mock::start(Mode::Normal).await;
    let gw = gateway_for(&mock, None, &[("PROMPTGUARD_MAX_BODY_BYTES", "1000")]);
    let big = "a".repeat(2000);
    let (status, _, b) = post_json(
        &gw.url("/v1/chat/completions"),
        &chat("gpt-4o-mini", &big),
        &[],
    )
    .await;
    assert_eq!(status, 413);
    assert_eq!(b["error"]["code"], "body_too_large");
    assert!(b["error"]["message"]
        .as_str()
        .unwrap_or("")
        .contains("1000 bytes"));
    let (status, _, b) = post_json(
        &gw.url("/v1/messages"),
        &anthropic_msg("claude-3-5-haiku-latest", &big),
        &[],
    )
    .await;
    assert_eq!(status, 413);
    assert_eq!(b["type"], "error");
    assert_eq!(b["error"]["type"], "invalid_request_error");
    // Chunked bodies without Content-Length are limited too.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = vec![
        Ok(b"{\"model\":\"x\",\"messages\":[],\"pad\":\"".to_vec()),
        Ok(vec![b'a'; 3000]),
        Ok(b"\"}".to_vec()),
    ];
    let body = reqwest::Body::wrap_stream(futures_util::stream::iter(chunks));
    let resp = client()
        .post(gw.url("/v1/chat/completions"))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 413);
    assert_eq!(mock.count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_json_gets_400_in_the_provider_shape() {
    let mock = Mock::start(Mode::Normal).await;
    let gw = gateway_for(&mock, None, &[]);
    let resp = client()
        .post(gw.url("/v1/chat/completions"))
        .body("{not json")
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 400);
    let b: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(b["error"]["code"], "invalid_json");
    assert_eq!(b["error"]["type"], "invalid_request_error");
    let resp = client()
        .post(gw.url("/v1/messages"))
        .body("[1,2")
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 400);
    let b: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(b["type"], "error");
    assert!(b["error"]["message"]
        .as_str()
        .unwrap_or("")
        .contains("not valid JSON"));
    let (status, _, b) = post_json(
        &gw.url("/v1/chat/completions"),
        &json!({"messages": []}),
        &[],
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(b["error"]["code"], "missing_model");
    let (status, _, _) = post_json(&gw.url("/v1/chat/completions"), &json!([1]), &[]).await;
    assert_eq!(status, 400);
    assert_eq!(mock.count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_upstream_is_502_with_a_clear_message() {
    let dead = dead_url();
    let gw = Gateway::start(None, &[("PROMPTGUARD_UPSTREAM_OPENAI", &dead)]);
    let (status, _, b) = post_json(
        &gw.url("/v1/chat/completions"),
        &chat("gpt-4o-mini", "hi"),
        &[],
    )
    .await;
    assert_eq!(status, 502, "{b}");
    assert_eq!(b["error"]["code"], "upstream_unreachable");
    let msg = b["error"]["message"].as_str().unwrap_or("");
    assert!(
        msg.contains("openai") && msg.contains("unreachable") && msg.contains(&dead),
        "{msg}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_upstream_is_504() {
    let slow = Mock::start(Mode::Slow(Duration::from_secs(5))).await;
    let config = format!(
        "providers:\n  anthropic:\n    base_url: {}\n    timeout_secs: 0.5\n",
        slow.anthropic()
    );
    let gw = Gateway::start(Some(&config), &[]);
    let (status, _, b) = post_json(
        &gw.url("/v1/messages"),
        &anthropic_msg("claude-3-5-haiku-latest", "hi"),
        &[],
    )
    .await;
    assert_eq!(status, 504, "{b}");
    assert_eq!(b["type"], "error");
    assert!(
        b["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("did not answer within 0.5s"),
        "{b}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_finishes_in_flight_requests() {
    let slow = Mock::start(Mode::Slow(Duration::from_millis(1500))).await;
    let mut gw = gateway_for(&slow, None, &[]);
    let url = gw.url("/v1/chat/completions");
    let pending =
        tokio::spawn(async move { post_json(&url, &chat("gpt-4o-mini", "hi"), &[]).await });
    tokio::time::sleep(Duration::from_millis(400)).await;
    let status = tokio::task::block_in_place(|| gw.terminate());
    let (code, _, body) = pending.await.expect("request task");
    assert_eq!(code, 200, "the in-flight request completes: {body}");
    assert!(status.success(), "clean exit: {status:?}\n{}", gw.log());
    assert!(gw.log().contains("shutting down"), "{}", gw.log());
}
