//! `GET /health` (liveness and readiness) and `GET /metrics` (Prometheus).
//!
//! `/health` always answers 200 while the process serves, with the checks in the body;
//! `/health?ready=1` answers 503 unless the store works and at least one provider is reachable
//! (a TCP connect, cached for 10 s).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use serde_json::{json, Value};

use crate::serve::AppState;

const CACHE: Duration = Duration::from_secs(10);

/// host:port of a base URL.
fn host_port(url: &str) -> Option<(String, u16)> {
    let uri: http::Uri = url.parse().ok()?;
    let host = uri
        .host()?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let port = uri
        .port_u16()
        .unwrap_or(if uri.scheme_str() == Some("https") {
            443
        } else {
            80
        });
    Some((host, port))
}

async fn reachable(url: &str) -> Result<(), String> {
    let (host, port) = host_port(url).ok_or_else(|| format!("cannot parse {url}"))?;
    match tokio::time::timeout(
        Duration::from_millis(800),
        tokio::net::TcpStream::connect((host.as_str(), port)),
    )
    .await
    {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("connect timed out".into()),
    }
}

async fn provider_checks(state: &AppState) -> Value {
    if let Ok(cache) = state.health_cache.lock() {
        if let Some((at, v)) = cache.as_ref() {
            if at.elapsed() < CACHE {
                return v.clone();
            }
        }
    }
    let checks = state.providers.by_name.iter().map(|(name, p)| async move {
        let r = reachable(&p.base_url).await;
        (
            name.clone(),
            json!({
                "kind": format!("{:?}", p.kind).to_ascii_lowercase(),
                "base_url": p.base_url,
                "key": if p.api_key.is_some() { "configured" } else { "client pass-through" },
                "reachable": r.is_ok(),
                "error": r.err(),
            }),
        )
    });
    let results = futures_util::future::join_all(checks).await;
    let v: Value = results
        .into_iter()
        .collect::<serde_json::Map<String, Value>>()
        .into();
    if let Ok(mut cache) = state.health_cache.lock() {
        *cache = Some((Instant::now(), v.clone()));
    }
    v
}

pub async fn handle(
    State(state): State<Arc<AppState>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let providers = provider_checks(&state).await;
    let any_reachable = providers
        .as_object()
        .is_some_and(|m| m.values().any(|p| p["reachable"] == json!(true)));
    let store = state.store.health.lock().map(|h| h.clone()).ok();
    let store_ok = store.as_ref().is_some_and(|s| s.ok);
    let ready = store_ok && any_reachable;
    let projects: serde_json::Map<String, Value> = state
        .projects
        .iter()
        .map(|(n, p)| {
            (
                n.clone(),
                json!({"policy": p.engine.policy().name(), "rules": p.engine.rule_count()}),
            )
        })
        .collect();
    let body = json!({
        "status": if ready { "ok" } else { "degraded" },
        "live": true,
        "ready": ready,
        "version": env!("CARGO_PKG_VERSION"),
        "uptime_secs": state.started.elapsed().as_secs(),
        "config": {
            "ok": true,
            "auth": if state.keys.is_empty() { "loopback-only" } else { "api-keys" },
            "api_keys": state.keys.len(),
            "projects": projects,
            "scan_requests": state.config.scan.requests,
            "scan_responses": state.config.scan.responses,
        },
        "store": store,
        "events": {
            "written": state.metrics.events_written.load(std::sync::atomic::Ordering::Relaxed),
            "dropped": state.metrics.events_dropped.load(std::sync::atomic::Ordering::Relaxed),
            "in_memory": state.store.memory_len(),
            "counters": if state.store.health.lock().is_ok_and(|h| h.redis.as_ref().is_some_and(|r| r.ok)) {
                Value::String("redis".into())
            } else {
                json!(state.store.counters())
            },
        },
        "providers": providers,
    });
    let want_ready = q.get("ready").is_some_and(|v| v != "0" && v != "false");
    let status = if want_ready && !ready {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    };
    (
        status,
        [(http::header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

pub async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    (
        StatusCode::OK,
        [(
            http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_ports() {
        assert_eq!(
            host_port("https://api.openai.com/v1"),
            Some(("api.openai.com".into(), 443))
        );
        assert_eq!(
            host_port("http://127.0.0.1:9000"),
            Some(("127.0.0.1".into(), 9000))
        );
        assert_eq!(
            host_port("http://[::1]:9000/v1"),
            Some(("::1".into(), 9000))
        );
    }
}
