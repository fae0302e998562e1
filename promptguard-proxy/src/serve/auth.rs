//! promptguard API keys (stored as sha256) and the loopback-only mode when none exist.
//!
//! The key travels in `X-PromptGuard-Key` on every route, or `X-API-Key` on OpenAI routes, or
//! as `Authorization: Bearer <key>` on OpenAI routes (then the provider key comes from the
//! gateway's config and the header is not forwarded). On Anthropic routes `x-api-key` belongs
//! to the provider.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::HeaderMap;
use sha2::{Digest, Sha256};

use super::config::Config;
use super::error::{ApiError, Family};
use super::AppState;

/// One key as kept in memory: only its hash.
#[derive(Debug, Clone)]
pub struct KeyEntry {
    pub name: String,
    pub project: String,
}

/// Who is calling, put into the request's extensions by the auth layer.
#[derive(Debug, Clone)]
pub struct Caller {
    pub project: String,
    pub key_name: Option<String>,
    /// False when `Authorization` carried the promptguard key (so it must not go upstream).
    pub forward_authorization: bool,
}

/// The key table.
#[derive(Debug, Default)]
pub struct Keys {
    by_hash: HashMap<[u8; 32], KeyEntry>,
}

pub fn sha256(s: &str) -> [u8; 32] {
    Sha256::digest(s.as_bytes()).into()
}

fn from_hex(h: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    if h.len() != 64 {
        return None;
    }
    for (i, chunk) in h.as_bytes().chunks(2).enumerate() {
        let s = std::str::from_utf8(chunk).ok()?;
        out[i] = u8::from_str_radix(s, 16).ok()?;
    }
    Some(out)
}

impl Keys {
    pub fn from_config(config: &Config) -> Keys {
        let mut by_hash = HashMap::new();
        for (i, k) in config.auth.api_keys.iter().enumerate() {
            // Validated in Config::validate: exactly one of key / key_sha256, well-formed.
            let hash = match (&k.key, &k.key_sha256) {
                (Some(key), _) => Some(sha256(key)),
                (None, Some(h)) => from_hex(h),
                (None, None) => None,
            };
            if let Some(hash) = hash {
                let name = k.name.clone().unwrap_or_else(|| format!("key-{}", i + 1));
                by_hash.insert(
                    hash,
                    KeyEntry {
                        name,
                        project: k.project.clone(),
                    },
                );
            }
        }
        Keys { by_hash }
    }

    pub fn is_empty(&self) -> bool {
        self.by_hash.is_empty()
    }

    pub fn len(&self) -> usize {
        self.by_hash.len()
    }

    pub fn lookup(&self, key: &str) -> Option<&KeyEntry> {
        self.by_hash.get(&sha256(key))
    }
}

/// The family of a path, for the error shape.
pub fn family_of(path: &str) -> Family {
    if path.ends_with("/messages") {
        Family::Anthropic
    } else {
        Family::OpenAi
    }
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// Resolves the caller, or the error to return.
pub fn authenticate(
    keys: &Keys,
    headers: &HeaderMap,
    peer: SocketAddr,
    family: Family,
) -> Result<Caller, ApiError> {
    if keys.is_empty() {
        if peer.ip().is_loopback() {
            return Ok(Caller {
                project: "default".into(),
                key_name: None,
                forward_authorization: true,
            });
        }
        return Err(ApiError::forbidden(format!(
            "promptguard has no API keys configured and serves loopback clients only; {} is not loopback \
             (configure auth.api_keys or PROMPTGUARD_API_KEYS)",
            peer.ip()
        ))
        .family(family));
    }
    let mut presented = header(headers, "x-promptguard-key");
    let mut via_authorization = false;
    if presented.is_none() && family == Family::OpenAi {
        presented = header(headers, "x-api-key");
        if presented.is_none() {
            if let Some(bearer) =
                header(headers, "authorization").and_then(|a| a.strip_prefix("Bearer "))
            {
                if keys.lookup(bearer.trim()).is_some() {
                    presented = Some(bearer.trim());
                    via_authorization = true;
                }
            }
        }
    }
    let Some(key) = presented else {
        let how = match family {
            Family::OpenAi => "X-PromptGuard-Key (or X-API-Key)",
            Family::Anthropic => "X-PromptGuard-Key",
        };
        return Err(ApiError::unauthorized(format!(
            "missing promptguard API key: send it in the {how} header"
        ))
        .family(family));
    };
    match keys.lookup(key) {
        Some(entry) => Ok(Caller {
            project: entry.project.clone(),
            key_name: Some(entry.name.clone()),
            forward_authorization: !via_authorization,
        }),
        None => Err(ApiError::unauthorized("invalid promptguard API key").family(family)),
    }
}

/// The auth layer: public routes pass; every other route needs a caller.
pub async fn layer(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    mut req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path();
    if state.public_routes.iter().any(|r| r == path) {
        return next.run(req).await;
    }
    match authenticate(&state.keys, req.headers(), peer, family_of(path)) {
        Ok(caller) => {
            req.extensions_mut().insert(caller);
            next.run(req).await
        }
        Err(e) => e.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> Keys {
        let mut k = Keys::default();
        k.by_hash.insert(
            sha256("pg-secret-1"),
            KeyEntry {
                name: "a".into(),
                project: "default".into(),
            },
        );
        k
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().expect("header"));
        }
        h
    }

    #[test]
    fn loopback_only_without_keys() {
        let k = Keys::default();
        let local: SocketAddr = "127.0.0.1:5000".parse().expect("addr");
        let remote: SocketAddr = "192.0.2.1:5000".parse().expect("addr");
        assert!(authenticate(&k, &HeaderMap::new(), local, Family::OpenAi).is_ok());
        let e = authenticate(&k, &HeaderMap::new(), remote, Family::OpenAi).expect_err("remote");
        assert_eq!(e.status, 403);
    }

    #[test]
    fn keys_in_headers() {
        let k = keys();
        let peer: SocketAddr = "127.0.0.1:1".parse().expect("addr");
        assert!(authenticate(&k, &HeaderMap::new(), peer, Family::OpenAi).is_err());
        let c = authenticate(
            &k,
            &headers(&[("x-promptguard-key", "pg-secret-1")]),
            peer,
            Family::Anthropic,
        )
        .expect("ok");
        assert_eq!(c.key_name.as_deref(), Some("a"));
        assert!(authenticate(
            &k,
            &headers(&[("x-api-key", "pg-secret-1")]),
            peer,
            Family::OpenAi
        )
        .is_ok());
        // On Anthropic routes x-api-key is the provider's.
        assert!(authenticate(
            &k,
            &headers(&[("x-api-key", "pg-secret-1")]),
            peer,
            Family::Anthropic
        )
        .is_err());
        let c = authenticate(
            &k,
            &headers(&[("authorization", "Bearer pg-secret-1")]),
            peer,
            Family::OpenAi,
        )
        .expect("ok");
        assert!(!c.forward_authorization);
        let e = authenticate(
            &k,
            &headers(&[("x-promptguard-key", "wrong")]),
            peer,
            Family::OpenAi,
        )
        .expect_err("bad");
        assert_eq!(e.status, 401);
        assert_eq!(from_hex(&"ab".repeat(32)).map(|h| h[0]), Some(0xab));
    }
}
