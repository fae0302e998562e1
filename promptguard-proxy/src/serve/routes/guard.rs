//! `POST /api/v1/guard`: scan only. Messages (or one text) in, a Decision out.
//!
//! Body: `{"messages": [{"role": "user", "content": "..."}], "direction"?: "input"|"output",
//! "system_prompt"?: "..."}` or `{"text": "...", "direction"?, "role"?, "system_prompt"?}`.
//! Answer: the Decision JSON (the stable contract), plus `messages` with one decision per
//! message when messages were sent.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use http::StatusCode;
use promptguard_core::{Decision, Direction, Message, Role, ScanOptions};
use serde::Deserialize;
use serde_json::Value;

use super::decision_headers;
use super::proxy::read_body;
use crate::serve::auth::Caller;
use crate::serve::error::ApiError;
use crate::serve::store::{now_ms, EventRecord};
use crate::serve::AppState;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GuardRequest {
    #[serde(default)]
    messages: Option<Vec<GuardMessage>>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    direction: Option<String>,
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    system_prompt: Option<String>,
    #[serde(default)]
    event_id: Option<String>,
}

#[derive(Debug, Deserialize)]
struct GuardMessage {
    role: String,
    content: Value,
}

fn content_text(v: &Value) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Array(parts) => Ok(parts
            .iter()
            .filter_map(|p| p.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join("\n")),
        Value::Null => Ok(String::new()),
        _ => Err("message `content` must be a string or an array of text parts".into()),
    }
}

pub async fn handle(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    req: Request,
) -> Response {
    let started = Instant::now();
    let result = scan(&state, &caller, req).await;
    let (status, body, decision) = match result {
        Ok((body, d)) => (StatusCode::OK, body, Some(d)),
        Err(e) => {
            let status = e.status;
            state.metrics.request("guard", "none", status.as_u16());
            return e.into_response();
        }
    };
    let mut resp = (
        status,
        [(http::header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response();
    if let Some(d) = &decision {
        decision_headers(resp.headers_mut(), &d.event_id, Some(d), d.latency_ms);
        state.metrics.request("guard", d.action.as_str(), 200);
        state.metrics.scan_seconds.observe(d.latency_ms / 1000.0);
        state
            .metrics
            .request_seconds
            .observe(started.elapsed().as_secs_f64());
        state.store.record(EventRecord {
            event_id: d.event_id.clone(),
            ts_ms: now_ms(),
            project: caller.project.clone(),
            api_key: caller.key_name.clone(),
            route: "guard".into(),
            provider: None,
            model: None,
            status: 200,
            decision: d.action.as_str().into(),
            threat_type: d.threat_type.map(|t| t.as_str().to_owned()),
            confidence: d.confidence,
            reason: d.reason.clone(),
            rule_ids: d.rule_ids().map(str::to_owned).collect(),
            request_decision: Some(super::decision_record(d)),
            response_decision: None,
            scan_ms: d.latency_ms,
            upstream_ms: 0.0,
            stream: false,
            response_scan: "none".into(),
            attempts: 0,
        });
    }
    resp
}

async fn scan(
    state: &AppState,
    caller: &Caller,
    req: Request,
) -> Result<(Value, Decision), ApiError> {
    let (parts, body) = req.into_parts();
    let bytes = read_body(body, &parts.headers, state.config.limits.max_body_bytes).await?;
    let g: GuardRequest = serde_json::from_slice(&bytes).map_err(|e| {
        ApiError::bad_request("invalid_json", format!("invalid guard request: {e}"))
    })?;
    let direction: Direction = match &g.direction {
        Some(d) => d
            .parse()
            .map_err(|e| ApiError::bad_request("invalid_direction", format!("{e}")))?,
        None => Direction::Input,
    };
    let project = state.project(&caller.project).ok_or_else(|| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "api_error",
            "no_project",
            "no project configured",
        )
    })?;
    let event_id = g
        .event_id
        .clone()
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    match (g.messages, g.text) {
        (Some(_), Some(_)) => Err(ApiError::bad_request(
            "invalid_request",
            "give `messages` or `text`, not both",
        )),
        (None, None) => Err(ApiError::bad_request(
            "invalid_request",
            "give `messages` (a list of {role, content}) or `text`",
        )),
        (None, Some(text)) => {
            let role: Option<Role> = g
                .role
                .as_deref()
                .map(str::parse)
                .transpose()
                .map_err(|e| ApiError::bad_request("invalid_role", format!("{e}")))?;
            let opts = ScanOptions {
                direction,
                role,
                event_id: Some(event_id),
                canaries: Vec::new(),
                system_prompt: g.system_prompt,
            };
            let d = project.engine.scan_with(&text, &opts);
            Ok((super::decision_json(&d, true), d))
        }
        (Some(msgs), None) => {
            let mut messages = Vec::with_capacity(msgs.len());
            for (i, m) in msgs.iter().enumerate() {
                let role: Role = m.role.parse().map_err(|e| {
                    ApiError::bad_request("invalid_role", format!("messages[{i}].role: {e}"))
                })?;
                let content = content_text(&m.content).map_err(|e| {
                    ApiError::bad_request("invalid_content", format!("messages[{i}]: {e}"))
                })?;
                messages.push(Message::new(role, content));
            }
            if direction == Direction::Output {
                // Outputs: each message is a model response, scanned as such.
                let system = g.system_prompt.clone().or_else(|| {
                    let s: Vec<&str> = messages
                        .iter()
                        .filter(|m| m.role == Role::System)
                        .map(|m| m.content.as_str())
                        .collect();
                    (!s.is_empty()).then(|| s.join("\n"))
                });
                let per: Vec<Decision> = messages
                    .iter()
                    .filter(|m| m.role != Role::System)
                    .map(|m| {
                        project.engine.scan_with(
                            &m.content,
                            &ScanOptions {
                                direction,
                                role: Some(m.role),
                                event_id: Some(event_id.clone()),
                                canaries: Vec::new(),
                                system_prompt: system.clone(),
                            },
                        )
                    })
                    .collect();
                let mut overall = per
                    .iter()
                    .max_by(|a, b| {
                        a.action
                            .cmp(&b.action)
                            .then(a.confidence.total_cmp(&b.confidence))
                    })
                    .cloned()
                    .unwrap_or_else(|| project.engine.scan(""));
                overall.event_id = event_id;
                let mut body = super::decision_json(&overall, true);
                if let Some(o) = body.as_object_mut() {
                    o.insert(
                        "messages".into(),
                        per.iter().map(|d| super::decision_json(d, true)).collect(),
                    );
                }
                return Ok((body, overall));
            }
            let conv = project.engine.scan_messages(&messages);
            let mut d = conv.decision;
            d.event_id = event_id;
            let mut body = super::decision_json(&d, true);
            if let Some(o) = body.as_object_mut() {
                o.insert(
                    "messages".into(),
                    conv.messages
                        .iter()
                        .map(|d| super::decision_json(d, true))
                        .collect(),
                );
            }
            Ok((body, d))
        }
    }
}
