//! Ordered failover on connect errors, 5xx and 429; timeouts; pass-through of the last failure.

use std::time::Duration;

use crate::common::*;

fn two_providers(primary: &str, backup: &str, extra: &str) -> String {
    format!(
        "providers:\n  openai:\n    base_url: {primary}\n    fallbacks: [backup]\n{extra}  backup:\n    kind: openai\n    base_url: {backup}\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_provider_fails_over_to_the_next() {
    let live = Mock::start(Mode::Normal).await;
    let gw = Gateway::start(Some(&two_providers(&dead_url(), &live.openai(), "")), &[]);
    let (status, h, body) = post_json(
        &gw.url("/v1/chat/completions"),
        &chat("gpt-4o-mini", "hi"),
        &[],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(header(&h, "x-promptguard-provider"), "backup");
    assert_eq!(live.count(), 1);
    let metrics = client()
        .get(gw.url("/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(
        metrics.contains("promptguard_failovers_total 1"),
        "{metrics}"
    );
    assert!(metrics.contains("outcome=\"connect_error\""), "{metrics}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_and_rate_limits_fail_over() {
    for code in [500, 503, 429] {
        let failing = Mock::start(Mode::Status(code)).await;
        let live = Mock::start(Mode::Normal).await;
        let gw = Gateway::start(
            Some(&two_providers(&failing.openai(), &live.openai(), "")),
            &[],
        );
        let (status, h, body) = post_json(
            &gw.url("/v1/chat/completions"),
            &chat("gpt-4o-mini", "hi"),
            &[],
        )
        .await;
        assert_eq!(status, 200, "{code}: {body}");
        assert_eq!(header(&h, "x-promptguard-provider"), "backup");
        assert_eq!((failing.count(), live.count()), (1, 1));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_failure_is_passed_through() {
    let failing = Mock::start(Mode::Status(503)).await;
    let gw = Gateway::start(None, &[("PROMPTGUARD_UPSTREAM_OPENAI", &failing.openai())]);
    let (status, _, body) = post_json(
        &gw.url("/v1/chat/completions"),
        &chat("gpt-4o-mini", "hi"),
        &[],
    )
    .await;
    assert_eq!(status, 503);
    assert_eq!(body["error"]["message"], "mock failure 503");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_provider_times_out_and_fails_over() {
    let slow = Mock::start(Mode::Slow(Duration::from_secs(5))).await;
    let live = Mock::start(Mode::Normal).await;
    let gw = Gateway::start(
        Some(&two_providers(
            &slow.openai(),
            &live.openai(),
            "    timeout_secs: 0.5\n",
        )),
        &[],
    );
    let t = std::time::Instant::now();
    let (status, h, body) = post_json(
        &gw.url("/v1/chat/completions"),
        &chat("gpt-4o-mini", "hi"),
        &[],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(header(&h, "x-promptguard-provider"), "backup");
    assert!(t.elapsed() < Duration::from_secs(4));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routing_by_model_prefix_strips_the_prefix() {
    let a = Mock::start(Mode::Normal).await;
    let b = Mock::start(Mode::Normal).await;
    let config = format!(
        "providers:\n  openai:\n    base_url: {}\n  local:\n    kind: openai\n    base_url: {}\n    models: [\"llama*\"]\n",
        a.openai(),
        b.openai()
    );
    let gw = Gateway::start(Some(&config), &[]);
    let (status, h, _) = post_json(
        &gw.url("/v1/chat/completions"),
        &chat("local/my-model", "hi"),
        &[],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(header(&h, "x-promptguard-provider"), "local");
    assert_eq!(b.last().body["model"], "my-model");
    let (status, h, _) = post_json(
        &gw.url("/v1/chat/completions"),
        &chat("llama3.1", "hi"),
        &[],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(header(&h, "x-promptguard-provider"), "local");
    let (_, h, _) = post_json(&gw.url("/v1/chat/completions"), &chat("gpt-4o", "hi"), &[]).await;
    assert_eq!(header(&h, "x-promptguard-provider"), "openai");
    assert_eq!((a.count(), b.count()), (1, 2));
    // An OpenAI request routed to an Anthropic provider is refused, not mistranslated.
    let (status, _, body) = post_json(
        &gw.url("/v1/chat/completions"),
        &chat("anthropic/claude-3-5-haiku", "hi"),
        &[],
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], "model_not_routable");
}

/// An upstream's redirect goes back to the client; the gateway does not follow it, which would
/// resend the request (and key headers such as `x-api-key`, which an HTTP client keeps across
/// hosts) to wherever the upstream points.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstream_redirects_are_passed_back_not_followed() {
    let elsewhere = Mock::start(Mode::Normal).await;
    let target = format!("{}/chat/completions", elsewhere.openai());
    let redirecting = axum::Router::new().fallback(move || {
        let target = target.clone();
        async move {
            (
                axum::http::StatusCode::TEMPORARY_REDIRECT,
                [(axum::http::header::LOCATION, target)],
            )
        }
    });
    let (addr, server) = serve(redirecting).await;
    let gw = Gateway::start(
        Some(&format!(
            "providers:\n  openai:\n    base_url: http://{addr}/v1\n"
        )),
        &[],
    );
    let no_follow = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let resp = no_follow
        .post(gw.url("/v1/chat/completions"))
        .header("authorization", "Bearer sk-client-key")
        .header("x-api-key", "sk-client-key")
        .json(&chat("gpt-4o-mini", "hi"))
        .send()
        .await
        .expect("gateway answers");
    assert_eq!(resp.status(), 307);
    assert_eq!(
        header(resp.headers(), "location"),
        format!("{}/chat/completions", elsewhere.openai())
    );
    assert_eq!(elsewhere.count(), 0, "the gateway followed the redirect");
    server.abort();
}
