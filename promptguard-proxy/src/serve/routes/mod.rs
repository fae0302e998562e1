//! Route handlers, and the `X-PromptGuard-*` response headers they share.

pub mod guard;
pub mod health;
pub mod proxy;

use http::{HeaderMap, HeaderValue};
use promptguard_core::{Action, Decision};

/// The stronger of two decisions (by action, then confidence); the first wins ties.
pub fn strongest<'a>(a: Option<&'a Decision>, b: Option<&'a Decision>) -> Option<&'a Decision> {
    match (a, b) {
        (Some(x), Some(y)) => {
            if y.action > x.action
                || (y.action == x.action
                    && y.action != Action::Allow
                    && y.confidence > x.confidence)
            {
                Some(y)
            } else {
                Some(x)
            }
        }
        (x, None) => x,
        (None, y) => y,
    }
}

fn set(h: &mut HeaderMap, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        h.insert(name, v);
    }
}

/// Sets the `X-PromptGuard-*` headers. Decision headers appear only when something was scanned.
pub fn decision_headers(
    h: &mut HeaderMap,
    event_id: &str,
    decision: Option<&Decision>,
    scan_ms: f64,
) {
    set(h, "x-promptguard-event-id", event_id);
    if let Some(d) = decision {
        set(h, "x-promptguard-decision", d.action.as_str());
        set(
            h,
            "x-promptguard-confidence",
            &format!("{:.4}", d.confidence),
        );
        set(
            h,
            "x-promptguard-threat-type",
            d.threat_type.map_or("none", |t| t.as_str()),
        );
        set(h, "x-promptguard-policy", &d.policy);
    }
    set(h, "x-promptguard-latency-ms", &format!("{scan_ms:.3}"));
}

/// A decision as JSON for clients and the store; `excerpts: false` drops the quoted text.
pub fn decision_json(d: &Decision, excerpts: bool) -> serde_json::Value {
    let mut v = serde_json::to_value(d).unwrap_or(serde_json::Value::Null);
    if !excerpts {
        if let Some(threats) = v.get_mut("threats").and_then(|t| t.as_array_mut()) {
            for t in threats {
                if let Some(o) = t.as_object_mut() {
                    o.remove("excerpt");
                }
            }
        }
    }
    v
}
