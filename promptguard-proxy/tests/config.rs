//! Configuration: starts with none; unknown keys and bad values are named.

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starts_with_no_config_at_all() {
    let gw = Gateway::start(None, &[]);
    let resp = client()
        .get(gw.url("/health"))
        .send()
        .await
        .expect("health");
    assert_eq!(resp.status(), 200);
    let v: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(v["live"], true);
    assert_eq!(v["config"]["auth"], "loopback-only");
    assert_eq!(
        v["config"]["projects"]["default"]["policy"],
        "default:moderate"
    );
    assert_eq!(
        v["providers"]["openai"]["base_url"],
        "https://api.openai.com/v1"
    );
    assert_eq!(
        v["providers"]["anthropic"]["base_url"],
        "https://api.anthropic.com"
    );
}

#[test]
fn unknown_keys_in_the_file_are_named() {
    let err = serve_fails(
        Some("scan:\n  responses: true\n  stream_holdbak_bytes: 10\n"),
        &[],
    );
    assert!(
        err.contains("scan") && err.contains("stream_holdbak_bytes"),
        "{err}"
    );
    let err = serve_fails(
        Some("providers:\n  vllm:\n    kind: openai\n    base_url: http://127.0.0.1:1/v1\n    timeout: 3\n"),
        &[],
    );
    assert!(
        err.contains("providers.vllm") && err.contains("timeout"),
        "{err}"
    );
    let err = serve_fails(Some("listn: 1\n"), &[]);
    assert!(err.contains("listn"), "{err}");
}

#[test]
fn unknown_environment_variables_are_named() {
    let err = serve_fails(
        None,
        &[("PROMPTGUARD_UPSTREAM_OPENIA", "http://127.0.0.1:1/v1")],
    );
    assert!(
        err.contains("PROMPTGUARD_UPSTREAM_OPENIA") && err.contains("openia"),
        "{err}"
    );
    let err = serve_fails(None, &[("PROMPTGUARD_PRSET", "default")]);
    assert!(err.contains("PROMPTGUARD_PRSET"), "{err}");
}

#[test]
fn bad_values_are_explained() {
    let err = serve_fails(None, &[("PROMPTGUARD_PRESET", "nonsense")]);
    assert!(
        err.contains("projects.default.preset") && err.contains("nonsense"),
        "{err}"
    );
    let err = serve_fails(None, &[("PROMPTGUARD_MAX_BODY_BYTES", "lots")]);
    assert!(err.contains("limits.max_body_bytes"), "{err}");
    let err = serve_fails(
        Some("providers:\n  openai:\n    fallbacks: [nowhere]\n"),
        &[],
    );
    assert!(
        err.contains("providers.openai.fallbacks") && err.contains("nowhere"),
        "{err}"
    );
    let err = serve_fails(Some("auth:\n  api_keys:\n    - key: short\n"), &[]);
    assert!(err.contains("auth.api_keys[0]"), "{err}");
    let err = serve_fails(Some("providers:\n  openai:\n    base_url: ftp://x\n"), &[]);
    assert!(err.contains("providers.openai.base_url"), "{err}");
}
