//! Errors the gateway itself returns, shaped like the provider the client speaks to, so the
//! official SDKs raise their usual exceptions with our message.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Which API family a route belongs to (decides the error shape).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// OpenAI: `{"error":{"message","type","param","code"}}`.
    OpenAi,
    /// Anthropic: `{"type":"error","error":{"type","message"}}`.
    Anthropic,
}

/// A gateway error: status, type, code and message.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    /// `promptguard_blocked`, `invalid_request_error`, `authentication_error`, ...
    pub kind: &'static str,
    /// A stable machine-readable code, e.g. `prompt_blocked`, `body_too_large`.
    pub code: &'static str,
    pub message: String,
    pub family: Family,
    /// Extra fields for the OpenAI error object (e.g. the decision).
    pub extra: Option<serde_json::Value>,
}

impl ApiError {
    pub fn new(
        status: StatusCode,
        kind: &'static str,
        code: &'static str,
        message: impl Into<String>,
    ) -> ApiError {
        ApiError {
            status,
            kind,
            code,
            message: message.into(),
            family: Family::OpenAi,
            extra: None,
        }
    }

    pub fn family(mut self, family: Family) -> ApiError {
        self.family = family;
        self
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            code,
            message,
        )
    }

    pub fn too_large(limit: usize) -> ApiError {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "invalid_request_error",
            "body_too_large",
            format!("request body is larger than the gateway's limit of {limit} bytes (limits.max_body_bytes)"),
        )
    }

    pub fn unauthorized(message: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "authentication_error",
            "invalid_promptguard_key",
            message,
        )
    }

    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "permission_error",
            "loopback_only",
            message,
        )
    }

    pub fn bad_gateway(message: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::BAD_GATEWAY,
            "api_error",
            "upstream_unreachable",
            message,
        )
    }

    pub fn gateway_timeout(message: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::GATEWAY_TIMEOUT,
            "api_error",
            "upstream_timeout",
            message,
        )
    }

    pub fn rate_limited(message: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limit_error",
            "rate_limited",
            message,
        )
    }

    /// A block by the engine: HTTP 400, type `promptguard_blocked`.
    pub fn blocked(
        code: &'static str,
        message: impl Into<String>,
        decision: serde_json::Value,
    ) -> ApiError {
        let mut e = ApiError::new(
            StatusCode::BAD_REQUEST,
            "promptguard_blocked",
            code,
            message,
        );
        e.extra = Some(decision);
        e
    }

    /// The JSON body in the family's shape.
    pub fn body(&self) -> serde_json::Value {
        match self.family {
            Family::OpenAi => {
                let mut err = json!({
                    "message": self.message,
                    "type": self.kind,
                    "param": null,
                    "code": self.code,
                });
                if let (Some(extra), Some(obj)) = (&self.extra, err.as_object_mut()) {
                    obj.insert("promptguard".into(), extra.clone());
                }
                json!({ "error": err })
            }
            Family::Anthropic => {
                let mut body = json!({
                    "type": "error",
                    "error": { "type": self.kind, "message": self.message },
                });
                if let (Some(extra), Some(obj)) = (&self.extra, body.as_object_mut()) {
                    obj.insert("promptguard".into(), extra.clone());
                }
                body
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = self.body().to_string();
        let mut resp = (self.status, body).into_response();
        resp.headers_mut().insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_follow_the_family() {
        let e = ApiError::bad_request("invalid_json", "bad");
        let v = e.body();
        assert_eq!(v["error"]["type"], "invalid_request_error");
        assert_eq!(v["error"]["code"], "invalid_json");
        assert_eq!(v["error"]["message"], "bad");
        let v = ApiError::too_large(10).family(Family::Anthropic).body();
        assert_eq!(v["type"], "error");
        assert_eq!(v["error"]["type"], "invalid_request_error");
        assert!(v["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("10 bytes"));
    }
}
