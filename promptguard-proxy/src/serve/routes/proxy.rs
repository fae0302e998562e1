//! The proxied provider routes: scan the request, forward it (with failover), scan the
//! response (whole or streamed), answer with `X-PromptGuard-*` headers, record the event.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use promptguard_core::{Action, Decision, Direction, Message, Role, ScanOptions};
use serde_json::Value;

use super::{decision_headers, decision_json, decision_record, strongest};
use crate::serve::auth::Caller;
use crate::serve::error::ApiError;
use crate::serve::extract::{self, Endpoint};
use crate::serve::providers::Provider;
use crate::serve::store::{now_ms, EventRecord};
use crate::serve::stream::{ScanCtx, StreamProcessor};
use crate::serve::{AppState, Project};

pub type BoxFut = Pin<Box<dyn Future<Output = Response> + Send>>;

/// Texts above this size are scanned on the blocking pool instead of inline.
const INLINE_SCAN_BYTES: usize = 256 * 1024;

/// What happened to one request, for headers, metrics and the event store.
#[derive(Debug, Clone)]
struct Outcome {
    event_id: String,
    started: Instant,
    project: String,
    key_name: Option<String>,
    endpoint: Endpoint,
    model: Option<String>,
    provider: Option<String>,
    request: Option<Decision>,
    response: Option<Decision>,
    scan_ms: f64,
    upstream_ms: f64,
    attempts: u32,
    stream: bool,
    response_scan: &'static str,
}

impl Outcome {
    fn combined(&self) -> Option<&Decision> {
        strongest(self.request.as_ref(), self.response.as_ref())
    }

    fn record(&self, state: &AppState, status: u16) {
        let d = self.combined();
        let decision: &'static str = d.map_or("none", |d| d.action.as_str());
        state
            .metrics
            .request(self.endpoint.as_str(), decision, status);
        state.metrics.scan_seconds.observe(self.scan_ms / 1000.0);
        state.store.record(EventRecord {
            event_id: self.event_id.clone(),
            ts_ms: now_ms(),
            project: self.project.clone(),
            api_key: self.key_name.clone(),
            route: self.endpoint.as_str().to_owned(),
            provider: self.provider.clone(),
            model: self.model.clone(),
            status,
            decision: decision.to_owned(),
            threat_type: d.and_then(|d| d.threat_type).map(|t| t.as_str().to_owned()),
            confidence: d.map_or(0.0, |d| d.confidence),
            reason: d.map_or_else(String::new, |d| d.reason.clone()),
            rule_ids: self
                .request
                .iter()
                .chain(self.response.iter())
                .flat_map(|d| d.rule_ids().map(str::to_owned))
                .collect(),
            request_decision: self.request.as_ref().map(decision_record),
            response_decision: self.response.as_ref().map(decision_record),
            scan_ms: self.scan_ms,
            upstream_ms: self.upstream_ms,
            stream: self.stream,
            response_scan: self.response_scan.to_owned(),
            attempts: self.attempts,
        });
    }

    /// The `X-PromptGuard-*` headers for `decision` (the request's alone while a stream is
    /// still running, both directions' once the response is scanned).
    fn headers(&self, h: &mut HeaderMap, decision: Option<&Decision>) {
        decision_headers(h, &self.event_id, decision, self.scan_ms);
        h.insert(
            super::RESPONSE_SCAN,
            HeaderValue::from_static(self.response_scan),
        );
        if let Some(p) = self
            .provider
            .as_deref()
            .and_then(|p| HeaderValue::from_str(p).ok())
        {
            h.insert(super::PROVIDER, p);
        }
    }

    /// Adds the headers and records the event.
    fn finish(&self, state: &AppState, mut resp: Response) -> Response {
        self.headers(resp.headers_mut(), self.combined());
        state
            .metrics
            .request_seconds
            .observe(self.started.elapsed().as_secs_f64());
        self.record(state, resp.status().as_u16());
        resp
    }
}

/// Scans on the blocking pool when the text is large, inline otherwise.
async fn scan_off_thread<T: Send + 'static>(
    size: usize,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    if size < INLINE_SCAN_BYTES {
        return f();
    }
    match tokio::task::spawn_blocking(f).await {
        Ok(v) => v,
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}

/// Reads the body up to the limit: 413 beyond it.
pub async fn read_body(body: Body, headers: &HeaderMap, limit: usize) -> Result<Bytes, ApiError> {
    let declared = headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(ApiError::too_large(limit));
    }
    match axum::body::to_bytes(body, limit).await {
        Ok(b) => Ok(b),
        Err(e) => {
            let mut src: Option<&(dyn std::error::Error + 'static)> = Some(&e);
            while let Some(s) = src {
                if s.is::<http_body_util::LengthLimitError>() {
                    return Err(ApiError::too_large(limit));
                }
                src = s.source();
            }
            Err(ApiError::bad_request(
                "unreadable_body",
                format!("cannot read the request body: {e}"),
            ))
        }
    }
}

/// Headers passed from the client to the provider (besides auth), as names made once: a `&str`
/// name is parsed again on every lookup and insert.
const PASS_HEADERS: [HeaderName; 9] = [
    http::header::ACCEPT,
    HeaderName::from_static("anthropic-version"),
    HeaderName::from_static("anthropic-beta"),
    HeaderName::from_static("openai-organization"),
    HeaderName::from_static("openai-project"),
    HeaderName::from_static("openai-beta"),
    http::header::USER_AGENT,
    HeaderName::from_static("x-stainless-lang"),
    HeaderName::from_static("x-stainless-package-version"),
];

/// Upstream response headers not copied back.
fn skip_response_header(name: &str) -> bool {
    matches!(
        name,
        "connection"
            | "keep-alive"
            | "transfer-encoding"
            | "content-length"
            | "upgrade"
            | "proxy-connection"
            | "te"
            | "trailer"
    ) || name.starts_with("x-promptguard-")
}

pub async fn handle(
    state: Arc<AppState>,
    caller: Caller,
    endpoint: Endpoint,
    req: Request,
) -> Response {
    let family = endpoint.family();
    let mut o = Outcome {
        event_id: uuid::Uuid::now_v7().to_string(),
        started: Instant::now(),
        project: caller.project.clone(),
        key_name: caller.key_name.clone(),
        endpoint,
        model: None,
        provider: None,
        request: None,
        response: None,
        scan_ms: 0.0,
        upstream_ms: 0.0,
        attempts: 0,
        stream: false,
        response_scan: "none",
    };
    match run(&state, &caller, endpoint, req, &mut o).await {
        Ok(Reply::Done(resp)) => o.finish(&state, resp),
        Ok(Reply::Streaming(resp)) => {
            // The stream task records the event when the stream ends.
            let mut resp = resp;
            o.headers(resp.headers_mut(), o.request.as_ref());
            state
                .metrics
                .request_seconds
                .observe(o.started.elapsed().as_secs_f64());
            resp
        }
        Err(e) => o.finish(&state, e.family(family).into_response()),
    }
}

enum Reply {
    Done(Response),
    Streaming(Response),
}

async fn run(
    state: &Arc<AppState>,
    caller: &Caller,
    endpoint: Endpoint,
    req: Request,
    o: &mut Outcome,
) -> Result<Reply, ApiError> {
    let Some(project) = state.project(&caller.project) else {
        return Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "api_error",
            "no_project",
            "no project configured",
        ));
    };
    if let Some(limit) = project.rate_limit_per_minute {
        let who = caller
            .key_name
            .clone()
            .unwrap_or_else(|| format!("project:{}", project.name));
        if !state.store.rate_limit(&who, limit).await {
            return Err(ApiError::rate_limited(format!(
                "promptguard rate limit of {limit} requests per minute reached for {who}"
            )));
        }
    }
    let (parts, body) = req.into_parts();
    let limit = state.config.limits.max_body_bytes;
    if parts.method == Method::POST {
        let bytes = read_body(body, &parts.headers, limit).await?;
        let mut json: Value = serde_json::from_slice(&bytes).map_err(|e| {
            ApiError::bad_request(
                "invalid_json",
                format!("request body is not valid JSON: {e}"),
            )
        })?;
        if !json.is_object() {
            return Err(ApiError::bad_request(
                "invalid_json",
                "request body must be a JSON object",
            ));
        }
        o.model = json.get("model").and_then(Value::as_str).map(str::to_owned);
        if o.model.is_none() {
            return Err(ApiError::bad_request(
                "missing_model",
                "request body needs a string `model` field",
            ));
        }
        let wants_stream = json.get("stream").and_then(Value::as_bool) == Some(true);
        o.stream = wants_stream;
        let slots = extract::request_slots(endpoint, &json);
        let system_prompt = extract::system_prompt(&slots);
        let mut modified = false;
        if state.config.scan.requests && !slots.is_empty() {
            let engine = project.engine.clone();
            let messages: Vec<Message> = slots
                .iter()
                .map(|s| Message::new(s.role, s.text.clone()))
                .collect();
            let size: usize = messages.iter().map(|m| m.content.len()).sum();
            let conv = scan_off_thread(size, move || engine.scan_messages(&messages)).await;
            let mut d = conv.decision;
            d.event_id = o.event_id.clone();
            o.scan_ms += d.latency_ms;
            if d.action == Action::Block {
                let message = format!(
                    "promptguard blocked this request: {} (event {})",
                    d.reason, o.event_id
                );
                let extra = decision_json(&d, true);
                o.request = Some(d);
                return Err(ApiError::blocked("prompt_blocked", message, extra));
            }
            for (slot, md) in slots.iter().zip(&conv.messages) {
                if md.action == Action::Redact {
                    if let Some(r) = &md.redacted_text {
                        modified |= extract::write_back(&mut json, &slot.pointer, r.clone());
                    }
                }
            }
            o.request = Some(d);
        }
        if extract::has_unscannable_input(endpoint, &json) {
            tracing::debug!(event_id = %o.event_id, "token-id input forwarded unscanned");
        }
        let route = state
            .providers
            .route(endpoint, o.model.as_deref())
            .map_err(|m| ApiError::bad_request("model_not_routable", m))?;
        if route.model != o.model {
            if let (Some(m), Some(obj)) = (&route.model, json.as_object_mut()) {
                obj.insert("model".into(), Value::String(m.clone()));
                modified = true;
            }
        }
        let body_out = if modified {
            Bytes::from(serde_json::to_vec(&json).map_err(|e| {
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "api_error",
                    "internal_error",
                    format!("cannot encode the request: {e}"),
                )
            })?)
        } else {
            bytes
        };
        forward(
            state,
            caller,
            endpoint,
            &parts,
            body_out,
            route.chain,
            route.model,
            wants_stream,
            system_prompt,
            project,
            o,
        )
        .await
    } else {
        drop(body);
        let route = state
            .providers
            .route(endpoint, None)
            .map_err(|m| ApiError::bad_request("model_not_routable", m))?;
        forward(
            state,
            caller,
            endpoint,
            &parts,
            Bytes::new(),
            route.chain,
            None,
            false,
            None,
            project,
            o,
        )
        .await
    }
}

#[allow(clippy::too_many_arguments)]
async fn forward(
    state: &Arc<AppState>,
    caller: &Caller,
    endpoint: Endpoint,
    parts: &http::request::Parts,
    body: Bytes,
    chain: Vec<String>,
    model: Option<String>,
    wants_stream: bool,
    system_prompt: Option<String>,
    project: Arc<Project>,
    o: &mut Outcome,
) -> Result<Reply, ApiError> {
    let providers = &state.providers;
    providers.note_request();
    let mut last_err: Option<ApiError> = None;
    'providers: for (i, name) in chain.iter().enumerate() {
        let Some(p) = providers.by_name.get(name) else {
            continue;
        };
        if o.attempts > 0 {
            state.metrics.failovers.fetch_add(1, Ordering::Relaxed);
            tracing::info!(event_id = %o.event_id, provider = %name, "failing over");
        }
        o.attempts += 1;
        let can_fail_over =
            |o: &Outcome| i + 1 < chain.len() && o.attempts < providers.max_attempts;
        let mut headers = HeaderMap::new();
        for h in &PASS_HEADERS {
            if let Some(v) = parts.headers.get(h) {
                headers.insert(h.clone(), v.clone());
            }
        }
        if parts.method == Method::POST {
            headers.insert(
                http::header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
        }
        p.auth_headers(&parts.headers, caller.forward_authorization, &mut headers);
        // Every failure of this attempt, the URL's included, goes through the same failover
        // checks (attempts, retry budget) below.
        let failure = 'attempt: {
            let url = match p.request_url(endpoint, model.as_deref()) {
                Ok(u) => u,
                Err(m) => {
                    state.metrics.upstream(name, "error");
                    break 'attempt ApiError::bad_gateway(format!(
                        "upstream provider `{name}`: {m}"
                    ));
                }
            };
            let request = p
                .client
                .request(parts.method.clone(), url)
                .headers(headers)
                .body(body.clone());
            let t0 = Instant::now();
            let sent = tokio::time::timeout(p.timeout, request.send()).await;
            match sent {
                Err(_) => {
                    state.metrics.upstream(name, "timeout");
                    ApiError::gateway_timeout(format!(
                        "provider `{name}` did not answer within {}s",
                        p.timeout.as_secs_f64()
                    ))
                }
                Ok(Err(e)) => {
                    let (outcome, err) = if e.is_timeout() {
                        (
                            "timeout",
                            ApiError::gateway_timeout(format!("provider `{name}` timed out: {e}")),
                        )
                    } else if e.is_connect() {
                        (
                            "connect_error",
                            ApiError::bad_gateway(format!(
                                "upstream provider `{name}` ({}) is unreachable: {}",
                                p.base_url,
                                error_chain(&e)
                            )),
                        )
                    } else {
                        (
                            "error",
                            ApiError::bad_gateway(format!(
                                "upstream provider `{name}` ({}) failed: {}",
                                p.base_url,
                                error_chain(&e)
                            )),
                        )
                    };
                    state.metrics.upstream(name, outcome);
                    err
                }
                Ok(Ok(resp)) => {
                    let status = resp.status();
                    let retryable =
                        status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS;
                    if retryable && can_fail_over(o) {
                        if providers.try_retry() {
                            state.metrics.upstream(
                                name,
                                if status.is_server_error() {
                                    "status_5xx"
                                } else {
                                    "status_429"
                                },
                            );
                            tracing::warn!(event_id = %o.event_id, provider = %name, %status, "upstream error; trying the next provider");
                            last_err = Some(ApiError::bad_gateway(format!(
                                "provider `{name}` answered {status}"
                            )));
                            continue 'providers;
                        }
                        state
                            .metrics
                            .retry_budget_exhausted
                            .fetch_add(1, Ordering::Relaxed);
                    }
                    state.metrics.upstream(
                        name,
                        if status.is_server_error() {
                            "status_5xx"
                        } else if status == StatusCode::TOO_MANY_REQUESTS {
                            "status_429"
                        } else {
                            "ok"
                        },
                    );
                    o.upstream_ms = t0.elapsed().as_secs_f64() * 1000.0;
                    state
                        .metrics
                        .upstream_seconds
                        .observe(o.upstream_ms / 1000.0);
                    o.provider = Some(name.clone());
                    return respond(
                        state,
                        endpoint,
                        p,
                        resp,
                        wants_stream,
                        system_prompt,
                        project,
                        o,
                        t0,
                    )
                    .await;
                }
            }
        };
        tracing::warn!(event_id = %o.event_id, provider = %name, "{}", failure.message);
        last_err = Some(failure);
        if !can_fail_over(o) {
            break;
        }
        if !providers.try_retry() {
            state
                .metrics
                .retry_budget_exhausted
                .fetch_add(1, Ordering::Relaxed);
            break;
        }
    }
    Err(last_err.unwrap_or_else(|| ApiError::bad_gateway("no upstream provider available")))
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(x) = src {
        let t = x.to_string();
        if !s.contains(&t) {
            s.push_str(": ");
            s.push_str(&t);
        }
        src = x.source();
    }
    s
}

fn copy_headers(from: &reqwest::header::HeaderMap, to: &mut HeaderMap) {
    for (k, v) in from {
        if !skip_response_header(k.as_str()) {
            to.append(k.clone(), v.clone());
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn respond(
    state: &Arc<AppState>,
    endpoint: Endpoint,
    p: &Provider,
    resp: reqwest::Response,
    wants_stream: bool,
    system_prompt: Option<String>,
    project: Arc<Project>,
    o: &mut Outcome,
    t0: Instant,
) -> Result<Reply, ApiError> {
    let status = resp.status();
    let family = endpoint.family();
    let is_sse = resp
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/event-stream"));
    let options = ScanOptions {
        direction: Direction::Output,
        role: Some(Role::Assistant),
        event_id: Some(o.event_id.clone()),
        canaries: Vec::new(),
        system_prompt,
    };
    if wants_stream && is_sse && status.is_success() {
        let mut builder = Response::builder().status(status);
        if let Some(h) = builder.headers_mut() {
            copy_headers(resp.headers(), h);
        }
        let idle = p.stream_idle_timeout;
        let provider_name = p.name.clone();
        if !state.config.scan.responses {
            o.response_scan = "off";
            let body = Body::from_stream(resp.bytes_stream());
            o.record(state, status.as_u16());
            return Ok(Reply::Streaming(
                builder
                    .body(body)
                    .unwrap_or_else(|_| StatusCode::BAD_GATEWAY.into_response()),
            ));
        }
        o.response_scan = "stream";
        let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(64);
        let mut proc = StreamProcessor::new(
            family,
            ScanCtx::new(project.engine.clone(), options),
            state.windows,
            o.event_id.clone(),
        );
        let mut record = o.clone();
        let st = state.clone();
        tokio::spawn(async move {
            let mut upstream = resp.bytes_stream();
            let mut client_gone = false;
            loop {
                let (out, last) = match tokio::time::timeout(idle, upstream.next()).await {
                    Err(_) => (
                        proc.fail(&format!(
                            "upstream provider `{provider_name}` stalled for {}s mid-stream",
                            idle.as_secs_f64()
                        )),
                        true,
                    ),
                    Ok(None) => (proc.finish(), true),
                    Ok(Some(Err(e))) => (
                        proc.fail(&format!(
                            "upstream provider `{provider_name}` stream failed: {e}"
                        )),
                        true,
                    ),
                    Ok(Some(Ok(chunk))) => (proc.feed(&chunk), false),
                };
                if !out.is_empty() && tx.send(Bytes::from(out)).await.is_err() {
                    client_gone = true;
                    break;
                }
                if last || proc.done {
                    break;
                }
            }
            if proc.blocked.is_some() {
                st.metrics.stream_blocks.fetch_add(1, Ordering::Relaxed);
            }
            record.scan_ms += proc.ctx.scan_ms;
            record.response =
                proc.blocked
                    .clone()
                    .or_else(|| proc.ctx.worst.clone())
                    .map(|mut d| {
                        d.event_id = record.event_id.clone();
                        d
                    });
            record.response_scan = if client_gone || proc.unscanned_events > 0 {
                "partial"
            } else {
                "stream"
            };
            record.upstream_ms = t0.elapsed().as_secs_f64() * 1000.0;
            record.record(&st, status.as_u16());
        });
        let body = Body::from_stream(futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv()
                .await
                .map(|b| (Ok::<Bytes, std::convert::Infallible>(b), rx))
        }));
        return Ok(Reply::Streaming(
            builder
                .body(body)
                .unwrap_or_else(|_| StatusCode::BAD_GATEWAY.into_response()),
        ));
    }
    // Whole body.
    let remaining = p.timeout.saturating_sub(t0.elapsed());
    let upstream_headers = resp.headers().clone();
    let bytes = match tokio::time::timeout(remaining, resp.bytes()).await {
        Err(_) => {
            return Err(ApiError::gateway_timeout(format!(
                "provider `{}` did not finish its response within {}s",
                p.name,
                p.timeout.as_secs_f64()
            )))
        }
        Ok(Err(e)) => {
            return Err(ApiError::bad_gateway(format!(
                "provider `{}` response failed: {}",
                p.name,
                error_chain(&e)
            )))
        }
        Ok(Ok(b)) => b,
    };
    o.upstream_ms = t0.elapsed().as_secs_f64() * 1000.0;
    let mut out_bytes = bytes.clone();
    if status.is_success() && endpoint != Endpoint::Models && endpoint != Endpoint::Embeddings {
        if !state.config.scan.responses {
            o.response_scan = "off";
        } else if let Ok(mut v) = serde_json::from_slice::<Value>(&bytes) {
            let slots = extract::response_slots(endpoint, &v);
            if !slots.is_empty() {
                let engine = project.engine.clone();
                let size: usize = slots.iter().map(|s| s.text.len()).sum();
                let texts: Vec<String> = slots.iter().map(|s| s.text.clone()).collect();
                let decisions: Vec<Decision> = scan_off_thread(size, move || {
                    texts
                        .iter()
                        .map(|t| engine.scan_with(t, &options))
                        .collect()
                })
                .await;
                let mut worst: Option<Decision> = None;
                let mut modified = false;
                for (slot, d) in slots.iter().zip(&decisions) {
                    o.scan_ms += d.latency_ms;
                    if d.action == Action::Redact {
                        if let Some(r) = &d.redacted_text {
                            modified |= extract::write_back(&mut v, &slot.pointer, r.clone());
                        }
                    }
                    if strongest(worst.as_ref(), Some(d)).is_some_and(|s| std::ptr::eq(s, d)) {
                        worst = Some(d.clone());
                    }
                }
                o.response_scan = "full";
                if let Some(w) = &worst {
                    if w.action == Action::Block {
                        let message = format!(
                            "promptguard blocked the model's response: {} (event {})",
                            w.reason, o.event_id
                        );
                        // No excerpts: they would carry the blocked output to the client.
                        let extra = decision_json(w, false);
                        o.response = worst;
                        return Err(ApiError::blocked("response_blocked", message, extra));
                    }
                }
                o.response = worst;
                if modified {
                    out_bytes =
                        Bytes::from(serde_json::to_vec(&v).unwrap_or_else(|_| bytes.to_vec()));
                }
            }
        } else {
            o.response_scan = "unscanned";
        }
    }
    let mut resp = Response::builder()
        .status(status)
        .body(Body::from(out_bytes))
        .unwrap_or_else(|_| StatusCode::BAD_GATEWAY.into_response());
    copy_headers(&upstream_headers, resp.headers_mut());
    Ok(Reply::Done(resp))
}
