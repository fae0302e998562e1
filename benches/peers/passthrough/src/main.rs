//! The floor of a Rust gateway: an axum server that forwards each POST body to one upstream URL
//! with reqwest (pooled keep-alive connections, as promptguard's) and answers with the upstream's
//! status and body. No JSON, no scanning, no event log, no headers of its own. What
//! benches/proxy_load.sh measures through it is what any axum + reqwest proxy adds on this
//! machine; what promptguard adds beyond it is promptguard's own work.
//!
//! Usage: passthrough LISTEN_ADDR UPSTREAM_URL

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Clone)]
struct Upstream {
    client: reqwest::Client,
    url: String,
}

async fn forward(State(up): State<Upstream>, body: Bytes) -> (StatusCode, Bytes) {
    let sent = up
        .client
        .post(&up.url)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await;
    let resp = match sent {
        Ok(r) => r,
        Err(e) => return (StatusCode::BAD_GATEWAY, Bytes::from(e.to_string())),
    };
    let status = StatusCode::from_u16(resp.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    match resp.bytes().await {
        Ok(b) => (status, b),
        Err(e) => (StatusCode::BAD_GATEWAY, Bytes::from(e.to_string())),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(listen), Some(url)) = (args.next(), args.next()) else {
        return Err("usage: passthrough LISTEN_ADDR UPSTREAM_URL".into());
    };
    let up = Upstream {
        client: reqwest::Client::new(),
        url,
    };
    let app = Router::new().fallback(post(forward)).with_state(up);
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    axum::serve(listener, app).await?;
    Ok(())
}
