//! Routes and layers. Authentication wraps every route; the only routes served without a key
//! are the explicit `auth.public_routes` list (default `/health`, `/metrics`), matched exactly.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use http::header::AUTHORIZATION;
use http::HeaderName;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;

use super::auth::{self, family_of, Caller};
use super::error::ApiError;
use super::extract::Endpoint;
use super::routes;
use super::AppState;

fn proxy(
    endpoint: Endpoint,
) -> impl Fn(State<Arc<AppState>>, Extension<Caller>, Request) -> routes::proxy::BoxFut + Clone {
    move |State(state), Extension(caller), req| {
        Box::pin(routes::proxy::handle(state, caller, endpoint, req))
    }
}

/// The whole application.
pub fn build(state: Arc<AppState>) -> Router {
    let mut app = Router::new();
    for prefix in ["", "/api/v1/proxy", "/api/v1/proxy/v1"] {
        let (openai_prefix, anthropic_prefix) = match prefix {
            "" => ("/v1".to_owned(), "/v1".to_owned()),
            "/api/v1/proxy" => (prefix.to_owned(), "/api/v1/proxy/v1".to_owned()),
            _ => (prefix.to_owned(), String::new()),
        };
        if prefix == "/api/v1/proxy/v1" {
            // `/api/v1/proxy/v1/...` for clients whose base URL keeps `/v1` (Anthropic's path
            // is already registered by the `/api/v1/proxy` entry).
            app = app
                .route(
                    &format!("{openai_prefix}/chat/completions"),
                    post(proxy(Endpoint::ChatCompletions)),
                )
                .route(
                    &format!("{openai_prefix}/completions"),
                    post(proxy(Endpoint::Completions)),
                )
                .route(
                    &format!("{openai_prefix}/embeddings"),
                    post(proxy(Endpoint::Embeddings)),
                )
                .route(
                    &format!("{openai_prefix}/models"),
                    get(proxy(Endpoint::Models)),
                );
            continue;
        }
        app = app
            .route(
                &format!("{openai_prefix}/chat/completions"),
                post(proxy(Endpoint::ChatCompletions)),
            )
            .route(
                &format!("{openai_prefix}/completions"),
                post(proxy(Endpoint::Completions)),
            )
            .route(
                &format!("{openai_prefix}/embeddings"),
                post(proxy(Endpoint::Embeddings)),
            )
            .route(
                &format!("{openai_prefix}/models"),
                get(proxy(Endpoint::Models)),
            )
            .route(
                &format!("{anthropic_prefix}/messages"),
                post(proxy(Endpoint::Messages)),
            );
    }
    app.route("/api/v1/guard", post(routes::guard::handle))
        .route("/health", get(routes::health::handle))
        .route("/metrics", get(routes::health::metrics))
        .fallback(not_found)
        .layer(from_fn_with_state(state.clone(), auth::layer))
        .layer(SetSensitiveRequestHeadersLayer::new([
            AUTHORIZATION,
            HeaderName::from_static("x-api-key"),
            HeaderName::from_static("api-key"),
            HeaderName::from_static("x-promptguard-key"),
        ]))
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::new(
                http::StatusCode::INTERNAL_SERVER_ERROR,
                "api_error",
                "internal_error",
                "internal error in the gateway",
            )
            .into_response()
        }))
        .with_state(state)
}

async fn not_found(req: Request) -> Response {
    let path = req.uri().path().to_owned();
    ApiError::new(
        http::StatusCode::NOT_FOUND,
        "invalid_request_error",
        "unknown_route",
        format!("no route {} {path}", req.method()),
    )
    .family(family_of(&path))
    .into_response()
}
