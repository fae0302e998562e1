//! Upstream providers: URLs and auth per kind, routing by model name, ordered failover with a
//! retry budget.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use http::{HeaderMap, HeaderName, HeaderValue};

use super::config::{Config, ProviderConfig, ProviderKind};
use super::extract::Endpoint;

// Header names made once: a `&str` name is parsed again on every lookup and insert.
const AUTHORIZATION: HeaderName = http::header::AUTHORIZATION;
const API_KEY: HeaderName = HeaderName::from_static("api-key");
const X_API_KEY: HeaderName = HeaderName::from_static("x-api-key");
const ANTHROPIC_VERSION: HeaderName = HeaderName::from_static("anthropic-version");

/// One configured provider, ready to call.
#[derive(Debug)]
pub struct Provider {
    pub name: String,
    pub kind: ProviderKind,
    pub base_url: String,
    /// The provider key from config or env; `None` passes the client's key through.
    pub api_key: Option<String>,
    pub models: Vec<String>,
    pub fallbacks: Vec<String>,
    pub timeout: Duration,
    pub stream_idle_timeout: Duration,
    pub api_version: Option<String>,
    pub deployments: BTreeMap<String, String>,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub client: reqwest::Client,
    /// The upstream URL of each endpoint, parsed once (`None` for Azure, whose URL names the
    /// deployment of each request's model): parsing one per request was ~2% of the gateway's CPU.
    urls: [Option<reqwest::Url>; Endpoint::ALL.len()],
}

impl Provider {
    fn from_config(name: &str, c: &ProviderConfig, env: &[(String, String)]) -> Result<Provider> {
        let api_key = c.api_key.clone().filter(|k| !k.is_empty()).or_else(|| {
            c.api_key_env.as_ref().and_then(|var| {
                env.iter()
                    .find(|(k, _)| k == var)
                    .map(|(_, v)| v.trim().to_owned())
                    .filter(|v| !v.is_empty())
            })
        });
        let mut headers = Vec::new();
        for (k, v) in &c.headers {
            let (Ok(k), Ok(v)) = (
                HeaderName::from_bytes(k.as_bytes()),
                HeaderValue::from_str(v),
            ) else {
                bail!("key `providers.{name}.headers`: `{k}` is not a valid header");
            };
            headers.push((k, v));
        }
        // A gateway hands redirects to its client rather than following them: following one
        // would resend the request (and custom key headers such as `x-api-key` or `api-key`,
        // which reqwest keeps across hosts) wherever the upstream points.
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .referer(false)
            .connect_timeout(Duration::from_millis(c.connect_timeout_ms))
            .pool_idle_timeout(Duration::from_secs(90))
            .pool_max_idle_per_host(256)
            .tcp_nodelay(true)
            .build()
            .map_err(|e| {
                anyhow::anyhow!("cannot build the HTTP client for provider `{name}`: {e}")
            })?;
        let base_url = c.base_url.trim_end_matches('/').to_owned();
        let mut urls = [const { None }; Endpoint::ALL.len()];
        if c.kind != ProviderKind::Azure {
            for e in Endpoint::ALL {
                let url = format!("{base_url}{}", e.upstream_path());
                urls[e as usize] = Some(reqwest::Url::parse(&url).map_err(|err| {
                    anyhow::anyhow!(
                        "key `providers.{name}.base_url`: `{url}` is not a valid URL: {err}"
                    )
                })?);
            }
        }
        Ok(Provider {
            name: name.to_owned(),
            kind: c.kind,
            base_url,
            api_key,
            models: c.models.clone(),
            fallbacks: c.fallbacks.clone(),
            timeout: Duration::from_secs_f64(c.timeout_secs),
            stream_idle_timeout: Duration::from_secs_f64(c.stream_idle_timeout_secs),
            api_version: c.api_version.clone(),
            deployments: c.deployments.clone(),
            headers,
            client,
            urls,
        })
    }

    /// Whether this provider speaks the endpoint's protocol.
    pub fn accepts(&self, endpoint: Endpoint) -> bool {
        match self.kind {
            ProviderKind::Anthropic => endpoint == Endpoint::Messages,
            ProviderKind::Openai | ProviderKind::Azure => endpoint != Endpoint::Messages,
        }
    }

    /// The upstream URL to send `endpoint` and `model` to, parsed (the error names the URL).
    pub fn request_url(
        &self,
        endpoint: Endpoint,
        model: Option<&str>,
    ) -> Result<reqwest::Url, String> {
        if let Some(u) = &self.urls[endpoint as usize] {
            return Ok(u.clone());
        }
        let url = self.url(endpoint, model);
        reqwest::Url::parse(&url).map_err(|e| format!("`{url}` is not a valid URL: {e}"))
    }

    /// The full upstream URL for `endpoint` and `model`.
    pub fn url(&self, endpoint: Endpoint, model: Option<&str>) -> String {
        match self.kind {
            ProviderKind::Azure => {
                let version = self.api_version.as_deref().unwrap_or("2024-10-21");
                if endpoint == Endpoint::Models {
                    return format!("{}/openai/models?api-version={version}", self.base_url);
                }
                let model = model.unwrap_or("");
                let deployment = self.deployments.get(model).map_or(model, String::as_str);
                format!(
                    "{}/openai/deployments/{deployment}{}?api-version={version}",
                    self.base_url,
                    endpoint.upstream_path()
                )
            }
            _ => format!("{}{}", self.base_url, endpoint.upstream_path()),
        }
    }

    /// Sets the provider's auth headers: its own key, or the client's passed through.
    pub fn auth_headers(
        &self,
        client: &HeaderMap,
        forward_authorization: bool,
        out: &mut HeaderMap,
    ) {
        let set = |out: &mut HeaderMap, name: HeaderName, value: &str| {
            if let Ok(v) = HeaderValue::from_str(value) {
                out.insert(name, v);
            }
        };
        // The client's own key header, else its `Authorization` when it may be forwarded.
        let pass = |out: &mut HeaderMap, own: Option<HeaderName>| {
            if let Some(name) = own {
                if let Some(v) = client.get(&name) {
                    out.insert(name, v.clone());
                    return;
                }
            }
            if forward_authorization {
                if let Some(v) = client.get(AUTHORIZATION) {
                    out.insert(AUTHORIZATION, v.clone());
                }
            }
        };
        match (self.kind, &self.api_key) {
            (ProviderKind::Openai, Some(k)) => set(out, AUTHORIZATION, &format!("Bearer {k}")),
            (ProviderKind::Azure, Some(k)) => set(out, API_KEY, k),
            (ProviderKind::Anthropic, Some(k)) => set(out, X_API_KEY, k),
            (ProviderKind::Openai, None) => pass(out, None),
            (ProviderKind::Azure, None) => pass(out, Some(API_KEY)),
            (ProviderKind::Anthropic, None) => pass(out, Some(X_API_KEY)),
        }
        if self.kind == ProviderKind::Anthropic && !out.contains_key(&ANTHROPIC_VERSION) {
            out.insert(ANTHROPIC_VERSION, HeaderValue::from_static("2023-06-01"));
        }
        for (k, v) in &self.headers {
            out.insert(k.clone(), v.clone());
        }
    }
}

/// Ordered failover with a shared retry budget.
#[derive(Debug)]
pub struct Providers {
    pub by_name: BTreeMap<String, Provider>,
    pub openai_default: String,
    pub anthropic_default: String,
    pub max_attempts: u32,
    budget: Mutex<RetryBudget>,
}

/// A route: the chain of providers to try and the model name to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    pub chain: Vec<String>,
    /// The model name after stripping a `provider/` prefix.
    pub model: Option<String>,
}

/// Glob with `*` wildcards (any run of characters).
fn glob(pattern: &str, s: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == s;
    }
    let mut rest = s;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(p) => rest = &rest[p + part.len()..],
                None => return false,
            }
        }
    }
    true
}

impl Providers {
    pub fn from_config(config: &Config, env: &[(String, String)]) -> Result<Providers> {
        let mut by_name = BTreeMap::new();
        for (name, c) in &config.providers {
            by_name.insert(name.clone(), Provider::from_config(name, c, env)?);
        }
        Ok(Providers {
            by_name,
            openai_default: config.routing.openai_default.clone(),
            anthropic_default: config.routing.anthropic_default.clone(),
            max_attempts: config.routing.max_attempts,
            budget: Mutex::new(RetryBudget::new(
                config.routing.retry_budget_ratio,
                config.routing.retry_budget_min_per_sec,
            )),
        })
    }

    /// Picks the provider chain for `model` on `endpoint`.
    pub fn route(&self, endpoint: Endpoint, model: Option<&str>) -> Result<Route, String> {
        let mut model_out = model.map(str::to_owned);
        let mut primary: Option<&str> = None;
        if let Some(m) = model {
            if let Some((prefix, rest)) = m.split_once('/') {
                if self.by_name.contains_key(prefix) && !rest.is_empty() {
                    primary = Some(
                        self.by_name
                            .get_key_value(prefix)
                            .map_or(prefix, |(k, _)| k.as_str()),
                    );
                    model_out = Some(rest.to_owned());
                }
            }
            if primary.is_none() {
                let mut best: Option<(&str, usize)> = None;
                for (name, p) in &self.by_name {
                    if !p.accepts(endpoint) {
                        continue;
                    }
                    for pat in &p.models {
                        if glob(pat, m) && best.is_none_or(|(_, len)| pat.len() > len) {
                            best = Some((name.as_str(), pat.len()));
                        }
                    }
                }
                primary = best.map(|(n, _)| n);
            }
        }
        let primary = primary.unwrap_or(if endpoint == Endpoint::Messages {
            &self.anthropic_default
        } else {
            &self.openai_default
        });
        let Some(p) = self.by_name.get(primary) else {
            return Err(format!("no provider named `{primary}`"));
        };
        if !p.accepts(endpoint) {
            return Err(format!(
                "model `{}` routes to provider `{primary}`, which does not serve this API (kind {:?}); \
                 use an {} model or route it to another provider",
                model.unwrap_or(""),
                p.kind,
                if endpoint == Endpoint::Messages {
                    "Anthropic"
                } else {
                    "OpenAI-compatible"
                }
            ));
        }
        let mut chain = vec![primary.to_owned()];
        let mut i = 0;
        while i < chain.len() {
            let next: Vec<String> = self
                .by_name
                .get(&chain[i])
                .map(|p| p.fallbacks.clone())
                .unwrap_or_default();
            for f in next {
                if !chain.contains(&f) && self.by_name.get(&f).is_some_and(|p| p.accepts(endpoint))
                {
                    chain.push(f);
                }
            }
            i += 1;
        }
        Ok(Route {
            chain,
            model: model_out,
        })
    }

    /// Records a first attempt (earns retry budget).
    pub fn note_request(&self) {
        if let Ok(mut b) = self.budget.lock() {
            b.deposit();
        }
    }

    /// Takes one retry from the budget; false when it is spent.
    pub fn try_retry(&self) -> bool {
        self.budget
            .lock()
            .map(|mut b| b.withdraw())
            .unwrap_or(false)
    }
}

/// Retries allowed: `ratio` per request plus `min_per_sec` per second, capped.
#[derive(Debug)]
struct RetryBudget {
    ratio: f64,
    min_per_sec: f64,
    tokens: f64,
    cap: f64,
    last: Instant,
}

impl RetryBudget {
    fn new(ratio: f64, min_per_sec: u32) -> RetryBudget {
        let min_per_sec = f64::from(min_per_sec);
        let cap = (min_per_sec * 10.0).max(10.0);
        RetryBudget {
            ratio,
            min_per_sec,
            tokens: cap,
            cap,
            last: Instant::now(),
        }
    }

    fn refill(&mut self) {
        let now = Instant::now();
        let dt = now.duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + dt * self.min_per_sec).min(self.cap);
    }

    fn deposit(&mut self) {
        self.refill();
        self.tokens = (self.tokens + self.ratio).min(self.cap);
    }

    fn withdraw(&mut self) -> bool {
        self.refill();
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn providers(extra_yaml: &str) -> Providers {
        let dir = std::env::temp_dir().join(format!(
            "pg-prov-{}-{}",
            std::process::id(),
            extra_yaml.len()
        ));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("c.yaml");
        std::fs::write(&path, extra_yaml).expect("write");
        let config = Config::load(Some(&path), &[]).expect("config");
        std::fs::remove_dir_all(&dir).ok();
        Providers::from_config(&config, &[("OPENAI_API_KEY".into(), "sk-x".into())])
            .expect("providers")
    }

    #[test]
    fn glob_matches() {
        assert!(glob("gpt-*", "gpt-4o"));
        assert!(!glob("gpt-*", "xgpt-4o"));
        assert!(glob("*mini*", "gpt-4o-mini-2024"));
        assert!(glob("o1*", "o1"));
        assert!(glob("exact", "exact") && !glob("exact", "exact2"));
    }

    #[test]
    fn routes_by_prefix_pattern_and_default() {
        let p = providers("providers:\n  openai:\n    fallbacks: [local]\n  local:\n    kind: openai\n    base_url: http://127.0.0.1:1/v1\n    models: [\"llama*\"]\n");
        let r = p
            .route(Endpoint::ChatCompletions, Some("gpt-4o"))
            .expect("route");
        assert_eq!(r.chain, vec!["openai", "local"]);
        let r = p
            .route(Endpoint::ChatCompletions, Some("groq/llama-3.1-8b-instant"))
            .expect("route");
        assert_eq!(
            (r.chain[0].as_str(), r.model.as_deref()),
            ("groq", Some("llama-3.1-8b-instant"))
        );
        assert_eq!(
            p.route(Endpoint::ChatCompletions, Some("llama3"))
                .expect("route")
                .chain,
            vec!["local"]
        );
        assert_eq!(
            p.route(Endpoint::ChatCompletions, Some("gemini-2.0-flash"))
                .expect("route")
                .chain[0],
            "gemini"
        );
        assert_eq!(
            p.route(Endpoint::ChatCompletions, Some("unknown"))
                .expect("route")
                .chain[0],
            "openai"
        );
        assert_eq!(
            p.route(Endpoint::Messages, Some("claude-3-5-haiku"))
                .expect("route")
                .chain,
            vec!["anthropic"]
        );
        assert!(p.route(Endpoint::Messages, Some("openai/gpt-4o")).is_err());
        assert_eq!(p.by_name["openai"].api_key.as_deref(), Some("sk-x"));
    }

    #[test]
    fn azure_urls_and_headers() {
        let p = providers("providers:\n  az:\n    kind: azure\n    base_url: https://r.openai.azure.com\n    api_key: k1\n    api_version: 2024-06-01\n    deployments: {gpt-4o: prod-4o}\n");
        let az = &p.by_name["az"];
        assert_eq!(
            az.url(Endpoint::ChatCompletions, Some("gpt-4o")),
            "https://r.openai.azure.com/openai/deployments/prod-4o/chat/completions?api-version=2024-06-01"
        );
        let mut h = HeaderMap::new();
        az.auth_headers(&HeaderMap::new(), true, &mut h);
        assert_eq!(h.get("api-key").and_then(|v| v.to_str().ok()), Some("k1"));
    }

    #[test]
    fn request_urls_are_the_urls_parsed() {
        let p = providers("providers:\n  az:\n    kind: azure\n    base_url: https://r.openai.azure.com/\n    api_key: k1\n    deployments: {gpt-4o: prod-4o}\n");
        for (name, model) in [
            ("openai", Some("gpt-4o")),
            ("anthropic", Some("claude-3-5-haiku")),
            ("az", Some("gpt-4o")),
            ("az", Some("my model")),
            ("az", None),
        ] {
            let provider = &p.by_name[name];
            for e in Endpoint::ALL {
                let want = reqwest::Url::parse(&provider.url(e, model)).expect("valid URL");
                assert_eq!(
                    provider.request_url(e, model).expect("request URL"),
                    want,
                    "{name} {e:?} {model:?}"
                );
            }
        }
    }

    #[test]
    fn client_keys_pass_through_by_provider_kind() {
        let client: HeaderMap = [
            ("authorization", "Bearer sk-client"),
            ("x-api-key", "sk-ant-client"),
            ("api-key", "az-client"),
        ]
        .into_iter()
        .map(|(k, v)| (HeaderName::from_static(k), HeaderValue::from_static(v)))
        .collect();
        let p = providers("providers:\n  openai:\n    api_key_env: NONE\n  az:\n    kind: azure\n    base_url: https://r.openai.azure.com\n");
        let sent = |name: &str, client: &HeaderMap, forward: bool| {
            let mut h = HeaderMap::new();
            p.by_name[name].auth_headers(client, forward, &mut h);
            let mut v: Vec<String> = h
                .iter()
                .map(|(k, v)| format!("{k}: {}", v.to_str().unwrap_or("?")))
                .collect();
            v.sort();
            v
        };
        assert_eq!(
            sent("openai", &client, true),
            ["authorization: Bearer sk-client"]
        );
        assert!(sent("openai", &client, false).is_empty());
        assert_eq!(
            sent("anthropic", &client, true),
            ["anthropic-version: 2023-06-01", "x-api-key: sk-ant-client"]
        );
        assert_eq!(sent("az", &client, false), ["api-key: az-client"]);
        let bearer_only: HeaderMap = client
            .iter()
            .filter(|(k, _)| *k == "authorization")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        assert_eq!(
            sent("az", &bearer_only, true),
            ["authorization: Bearer sk-client"]
        );
        assert!(sent("az", &bearer_only, false).is_empty());
        assert_eq!(
            sent("anthropic", &bearer_only, true),
            [
                "anthropic-version: 2023-06-01",
                "authorization: Bearer sk-client"
            ]
        );
    }

    #[test]
    fn retry_budget_runs_out() {
        let mut b = RetryBudget::new(0.0, 0);
        let mut n = 0;
        while b.withdraw() {
            n += 1;
            assert!(n < 100);
        }
        assert_eq!(n, 10);
    }
}
