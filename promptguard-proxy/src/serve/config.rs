//! Gateway configuration: embedded defaults (`default.yaml`), then a YAML file, then
//! `PROMPTGUARD_*` environment variables. Unknown keys are rejected with their path named.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use promptguard_core::MlMode;
use serde::Deserialize;
use serde_yaml::{Mapping, Value};

/// The embedded defaults: `promptguard serve` starts with no config at all.
pub const DEFAULT_YAML: &str = include_str!("default.yaml");

/// The whole gateway configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub listen: String,
    pub log: String,
    pub projects: BTreeMap<String, ProjectConfig>,
    pub auth: AuthConfig,
    pub scan: ScanConfig,
    pub limits: LimitsConfig,
    pub providers: BTreeMap<String, ProviderConfig>,
    pub routing: RoutingConfig,
    pub storage: StorageConfig,
}

/// One project: the engine its keys scan with.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectConfig {
    /// `preset` or `preset:strictness`.
    #[serde(default = "default_preset")]
    pub preset: String,
    #[serde(default)]
    pub strictness: Option<String>,
    #[serde(default)]
    pub policy_file: Option<PathBuf>,
    #[serde(default)]
    pub ml_mode: Option<MlMode>,
    #[serde(default)]
    pub model_dir: Option<PathBuf>,
    #[serde(default)]
    pub rate_limit_per_minute: Option<u64>,
}

fn default_preset() -> String {
    "default".into()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    pub api_keys: Vec<ApiKeyConfig>,
    pub public_routes: Vec<String>,
}

/// A promptguard API key: stored as its sha256 (hex); `key` (plaintext) is hashed at load.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyConfig {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub key: Option<String>,
    #[serde(default)]
    pub key_sha256: Option<String>,
    #[serde(default = "default_project")]
    pub project: String,
}

fn default_project() -> String {
    "default".into()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanConfig {
    pub requests: bool,
    pub responses: bool,
    pub stream_holdback_bytes: usize,
    pub stream_context_bytes: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsConfig {
    pub max_body_bytes: usize,
    pub shutdown_grace_secs: u64,
}

/// The wire protocol a provider speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProviderKind {
    /// OpenAI or any OpenAI-compatible API (Gemini's compatible endpoint, Mistral, Groq, vLLM,
    /// Ollama, TGI, ...): `Authorization: Bearer`.
    Openai,
    /// Azure OpenAI: `{base}/openai/deployments/{deployment}/...?api-version=`, `api-key` header.
    Azure,
    /// Anthropic Messages API: `x-api-key`, `anthropic-version`.
    Anthropic,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderConfig {
    pub kind: ProviderKind,
    pub base_url: String,
    #[serde(default)]
    pub api_key: Option<String>,
    #[serde(default)]
    pub api_key_env: Option<String>,
    #[serde(default)]
    pub models: Vec<String>,
    /// Providers tried next, in order, on connect errors, timeouts, 5xx and 429.
    #[serde(default)]
    pub fallbacks: Vec<String>,
    /// Whole-request timeout for non-streaming calls; time to response headers for streams.
    #[serde(default = "default_timeout")]
    pub timeout_secs: f64,
    #[serde(default = "default_connect_timeout")]
    pub connect_timeout_ms: u64,
    /// Longest silence between two chunks of a stream.
    #[serde(default = "default_timeout")]
    pub stream_idle_timeout_secs: f64,
    /// Azure: the `api-version` query parameter.
    #[serde(default)]
    pub api_version: Option<String>,
    /// Azure: model name -> deployment name (default: the model name itself).
    #[serde(default)]
    pub deployments: BTreeMap<String, String>,
    /// Extra headers sent to this provider.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
}

fn default_timeout() -> f64 {
    120.0
}

fn default_connect_timeout() -> u64 {
    5000
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoutingConfig {
    pub openai_default: String,
    pub anthropic_default: String,
    pub max_attempts: u32,
    pub retry_budget_ratio: f64,
    pub retry_budget_min_per_sec: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageConfig {
    pub database_url: Option<String>,
    pub redis_url: Option<String>,
    pub memory_events: usize,
}

/// Environment variables the gateway reads, and the config key each sets.
/// `PROMPTGUARD_UPSTREAM_<NAME>` (any provider name) sets `providers.<name>.base_url`.
pub const ENV_KEYS: &[(&str, &str)] = &[
    ("PROMPTGUARD_LISTEN", "listen"),
    ("PROMPTGUARD_LOG", "log"),
    ("PROMPTGUARD_PRESET", "projects.default.preset"),
    ("PROMPTGUARD_STRICTNESS", "projects.default.strictness"),
    ("PROMPTGUARD_POLICY_FILE", "projects.default.policy_file"),
    ("PROMPTGUARD_ML_MODE", "projects.default.ml_mode"),
    ("PROMPTGUARD_MODEL_DIR", "projects.default.model_dir"),
    (
        "PROMPTGUARD_RATE_LIMIT_PER_MINUTE",
        "projects.default.rate_limit_per_minute",
    ),
    ("PROMPTGUARD_API_KEYS", "auth.api_keys"),
    ("PROMPTGUARD_PUBLIC_ROUTES", "auth.public_routes"),
    ("PROMPTGUARD_SCAN_REQUESTS", "scan.requests"),
    ("PROMPTGUARD_SCAN_RESPONSES", "scan.responses"),
    (
        "PROMPTGUARD_STREAM_HOLDBACK_BYTES",
        "scan.stream_holdback_bytes",
    ),
    (
        "PROMPTGUARD_STREAM_CONTEXT_BYTES",
        "scan.stream_context_bytes",
    ),
    ("PROMPTGUARD_MAX_BODY_BYTES", "limits.max_body_bytes"),
    (
        "PROMPTGUARD_SHUTDOWN_GRACE_SECS",
        "limits.shutdown_grace_secs",
    ),
    ("PROMPTGUARD_MAX_ATTEMPTS", "routing.max_attempts"),
    ("PROMPTGUARD_DATABASE_URL", "storage.database_url"),
    ("PROMPTGUARD_REDIS_URL", "storage.redis_url"),
];

/// `PROMPTGUARD_*` variables that belong to other tools (the config file path, test harnesses).
fn env_ignored(name: &str) -> bool {
    name == "PROMPTGUARD_CONFIG"
        || name == "PROMPTGUARD_BIN"
        || name.starts_with("PROMPTGUARD_TEST_")
}

impl Config {
    /// Defaults, then `file` (if any), then the variables in `env`.
    pub fn load(file: Option<&Path>, env: &[(String, String)]) -> Result<Config> {
        let mut value: Value =
            serde_yaml::from_str(DEFAULT_YAML).context("embedded default config is invalid")?;
        if let Some(path) = file {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read config file {}", path.display()))?;
            let overlay: Value = serde_yaml::from_str(&text)
                .map_err(|e| anyhow!("config file {}: invalid YAML: {e}", path.display()))?;
            match overlay {
                Value::Null => {}
                Value::Mapping(_) => merge(&mut value, overlay),
                _ => bail!(
                    "config file {}: expected a mapping of keys at the top level",
                    path.display()
                ),
            }
        }
        apply_env(&mut value, env)?;
        let origin = file.map_or_else(
            || "config".to_owned(),
            |p| format!("config file {}", p.display()),
        );
        let config: Config = serde_path_to_error::deserialize(value).map_err(|e| {
            let path = e.path().to_string();
            if path == "." {
                anyhow!("{origin}: {}", e.inner())
            } else {
                anyhow!("{origin}: key `{path}`: {}", e.inner())
            }
        })?;
        config.validate()?;
        Ok(config)
    }

    /// The listen address, parsed.
    pub fn listen_addr(&self) -> Result<SocketAddr> {
        self.listen.parse().map_err(|e| {
            anyhow!(
                "key `listen`: `{}` is not an address like 127.0.0.1:8080 ({e})",
                self.listen
            )
        })
    }

    fn validate(&self) -> Result<()> {
        self.listen_addr()?;
        if !self.projects.contains_key("default") {
            bail!("key `projects`: a project named `default` is required");
        }
        for (name, p) in &self.providers {
            let url = p.base_url.trim_end_matches('/');
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                bail!(
                    "key `providers.{name}.base_url`: `{}` must start with http:// or https://",
                    p.base_url
                );
            }
            if url.parse::<http::Uri>().is_err() {
                bail!(
                    "key `providers.{name}.base_url`: `{}` is not a valid URL",
                    p.base_url
                );
            }
            for f in &p.fallbacks {
                if !self.providers.contains_key(f) {
                    bail!("key `providers.{name}.fallbacks`: unknown provider `{f}`");
                }
            }
            if !(p.timeout_secs > 0.0 && p.timeout_secs.is_finite()) {
                bail!("key `providers.{name}.timeout_secs`: must be a positive number");
            }
            if !(p.stream_idle_timeout_secs > 0.0 && p.stream_idle_timeout_secs.is_finite()) {
                bail!("key `providers.{name}.stream_idle_timeout_secs`: must be a positive number");
            }
        }
        for (key, name) in [
            ("routing.openai_default", &self.routing.openai_default),
            ("routing.anthropic_default", &self.routing.anthropic_default),
        ] {
            if !self.providers.contains_key(name) {
                bail!("key `{key}`: unknown provider `{name}`");
            }
        }
        if self.routing.max_attempts == 0 {
            bail!("key `routing.max_attempts`: must be at least 1");
        }
        if !(0.0..=10.0).contains(&self.routing.retry_budget_ratio) {
            bail!("key `routing.retry_budget_ratio`: must be between 0 and 10");
        }
        for (i, k) in self.auth.api_keys.iter().enumerate() {
            if !self.projects.contains_key(&k.project) {
                bail!(
                    "key `auth.api_keys[{i}].project`: unknown project `{}`",
                    k.project
                );
            }
            match (&k.key, &k.key_sha256) {
                (Some(_), Some(_)) => {
                    bail!("key `auth.api_keys[{i}]`: give `key` or `key_sha256`, not both")
                }
                (None, None) => {
                    bail!("key `auth.api_keys[{i}]`: `key` or `key_sha256` is required")
                }
                (Some(key), None) if key.len() < 8 => {
                    bail!("key `auth.api_keys[{i}].key`: too short (at least 8 characters)")
                }
                (None, Some(h)) if h.len() != 64 || !h.bytes().all(|b| b.is_ascii_hexdigit()) => {
                    bail!("key `auth.api_keys[{i}].key_sha256`: expected 64 hex digits")
                }
                _ => {}
            }
        }
        for r in &self.auth.public_routes {
            if !r.starts_with('/') {
                bail!("key `auth.public_routes`: `{r}` must start with /");
            }
        }
        if self.limits.max_body_bytes == 0 {
            bail!("key `limits.max_body_bytes`: must be positive");
        }
        Ok(())
    }
}

/// Deep merge: mappings merge key by key; anything else replaces.
fn merge(base: &mut Value, overlay: Value) {
    match (base, overlay) {
        (Value::Mapping(b), Value::Mapping(o)) => {
            for (k, v) in o {
                match b.get_mut(&k) {
                    Some(existing) if existing.is_mapping() && v.is_mapping() => merge(existing, v),
                    _ => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (b, o) => *b = o,
    }
}

/// Sets `path` (dot-separated) in `root`, creating mappings on the way.
fn set_path(root: &mut Value, path: &str, v: Value) {
    let mut cur = root;
    let parts: Vec<&str> = path.split('.').collect();
    for (i, part) in parts.iter().enumerate() {
        if !cur.is_mapping() {
            *cur = Value::Mapping(Mapping::new());
        }
        let Value::Mapping(m) = cur else { return };
        let key = Value::String((*part).to_owned());
        if i + 1 == parts.len() {
            m.insert(key, v);
            return;
        }
        cur = m
            .entry(key)
            .or_insert_with(|| Value::Mapping(Mapping::new()));
    }
}

/// A scalar from the environment: numbers and booleans typed, `null`/empty as null.
fn env_scalar(raw: &str) -> Value {
    let t = raw.trim();
    match t {
        "" | "null" | "~" => Value::Null,
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        _ => match t.parse::<u64>() {
            Ok(n) => Value::Number(n.into()),
            Err(_) => Value::String(t.to_owned()),
        },
    }
}

fn apply_env(value: &mut Value, env: &[(String, String)]) -> Result<()> {
    for (name, raw) in env {
        if let Some(provider) = name.strip_prefix("PROMPTGUARD_UPSTREAM_") {
            let provider = provider.to_ascii_lowercase();
            let exists = value
                .get("providers")
                .and_then(|p| p.get(provider.as_str()))
                .is_some();
            if !exists {
                bail!("environment variable {name}: no provider named `{provider}` (configure it under `providers`)");
            }
            set_path(
                value,
                &format!("providers.{provider}.base_url"),
                Value::String(raw.trim().to_owned()),
            );
            continue;
        }
        if !name.starts_with("PROMPTGUARD_") || env_ignored(name) {
            continue;
        }
        let Some((_, path)) = ENV_KEYS.iter().find(|(k, _)| k == name) else {
            let known: Vec<&str> = ENV_KEYS.iter().map(|(k, _)| *k).collect();
            bail!(
                "unknown environment variable {name}; known: {}, PROMPTGUARD_UPSTREAM_<PROVIDER>, PROMPTGUARD_CONFIG",
                known.join(", ")
            );
        };
        let v = match *path {
            "auth.api_keys" => Value::Sequence(parse_env_keys(raw)),
            "auth.public_routes" => Value::Sequence(
                raw.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| Value::String(s.to_owned()))
                    .collect(),
            ),
            _ => env_scalar(raw),
        };
        if *path == "auth.api_keys" {
            // Environment keys are added to the file's keys, not replacing them.
            let mut existing = value
                .get("auth")
                .and_then(|a| a.get("api_keys"))
                .and_then(Value::as_sequence)
                .cloned()
                .unwrap_or_default();
            if let Value::Sequence(new) = v {
                existing.extend(new);
            }
            set_path(value, path, Value::Sequence(existing));
        } else {
            set_path(value, path, v);
        }
    }
    // The conventional unprefixed variables of DESIGN.md.
    for (name, raw) in env {
        match name.as_str() {
            "DATABASE_URL" if !raw.trim().is_empty() => set_path(
                value,
                "storage.database_url",
                Value::String(raw.trim().to_owned()),
            ),
            "REDIS_URL" if !raw.trim().is_empty() => set_path(
                value,
                "storage.redis_url",
                Value::String(raw.trim().to_owned()),
            ),
            _ => {}
        }
    }
    Ok(())
}

/// `PROMPTGUARD_API_KEYS=key1,key2:project` (comma-separated; `:project` optional).
fn parse_env_keys(raw: &str) -> Vec<Value> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .enumerate()
        .map(|(i, entry)| {
            let (key, project) = match entry.rsplit_once(':') {
                Some((k, p)) if !p.is_empty() && !k.is_empty() => (k, p),
                _ => (entry, "default"),
            };
            let mut m = Mapping::new();
            m.insert("name".into(), Value::String(format!("env-{}", i + 1)));
            m.insert("key".into(), Value::String(key.to_owned()));
            m.insert("project".into(), Value::String(project.to_owned()));
            Value::Mapping(m)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn defaults_load_without_any_config() {
        let c = Config::load(None, &[]).expect("defaults");
        assert_eq!(c.listen, "127.0.0.1:8080");
        assert_eq!(c.projects["default"].preset, "default");
        assert!(c.auth.api_keys.is_empty());
        assert_eq!(c.providers["openai"].base_url, "https://api.openai.com/v1");
        assert_eq!(c.providers["anthropic"].kind, ProviderKind::Anthropic);
        assert_eq!(c.auth.public_routes, vec!["/health", "/metrics"]);
    }

    #[test]
    fn env_overrides_and_upstreams() {
        let c = Config::load(
            None,
            &env(&[
                ("PROMPTGUARD_UPSTREAM_OPENAI", "http://127.0.0.1:9/v1"),
                ("PROMPTGUARD_UPSTREAM_ANTHROPIC", "http://127.0.0.1:9"),
                ("PROMPTGUARD_PRESET", "support_bot:strict"),
                ("PROMPTGUARD_MAX_BODY_BYTES", "1000"),
                (
                    "PROMPTGUARD_API_KEYS",
                    "pg-test-key-1,pg-test-key-2:default",
                ),
                ("PROMPTGUARD_TEST_POSTGRES_URL", "ignored"),
                ("DATABASE_URL", "memory"),
            ]),
        )
        .expect("loads");
        assert_eq!(c.providers["openai"].base_url, "http://127.0.0.1:9/v1");
        assert_eq!(c.providers["anthropic"].base_url, "http://127.0.0.1:9");
        assert_eq!(c.projects["default"].preset, "support_bot:strict");
        assert_eq!(c.limits.max_body_bytes, 1000);
        assert_eq!(c.auth.api_keys.len(), 2);
        assert_eq!(c.storage.database_url.as_deref(), Some("memory"));
    }

    #[test]
    fn unknown_env_variable_is_named() {
        let e = Config::load(None, &env(&[("PROMPTGUARD_LISTN", "x")])).expect_err("rejected");
        assert!(e.to_string().contains("PROMPTGUARD_LISTN"), "{e}");
    }

    #[test]
    fn unknown_file_key_is_named_with_its_path() {
        let dir = std::env::temp_dir().join(format!("pg-config-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("c.yaml");
        std::fs::write(&path, "providers:\n  openai:\n    base_ur: http://x\n").expect("write");
        let e = Config::load(Some(&path), &[]).expect_err("rejected");
        let msg = e.to_string();
        assert!(
            msg.contains("providers.openai") && msg.contains("base_ur"),
            "{msg}"
        );
        std::fs::write(&path, "listen: 127.0.0.1:1\nscan:\n  respones: false\n").expect("write");
        let msg = Config::load(Some(&path), &[])
            .expect_err("rejected")
            .to_string();
        assert!(msg.contains("respones"), "{msg}");
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn invalid_values_are_explained() {
        let e = Config::load(None, &env(&[("PROMPTGUARD_LISTEN", "nowhere")])).expect_err("bad");
        assert!(e.to_string().contains("listen"), "{e}");
        let e = Config::load(None, &env(&[("PROMPTGUARD_UPSTREAM_NOPE", "http://x")]))
            .expect_err("bad");
        assert!(e.to_string().contains("nope"), "{e}");
        let e =
            Config::load(None, &env(&[("PROMPTGUARD_MAX_BODY_BYTES", "lots")])).expect_err("bad");
        assert!(e.to_string().contains("limits.max_body_bytes"), "{e}");
    }
}
