//! `promptguard serve`: the self-hosted gateway. Point an app's `base_url` at it and every
//! request and response is scanned by the engine, in-process.
//!
//! Layout (after tensorzero's gateway): `config` (YAML + env, embedded defaults), `router`
//! (layers and the explicit list of unauthenticated routes), `routes/` (handlers), `providers/`
//! (upstreams, routing, failover), `stream` (incremental SSE scanning), `store` (events),
//! `auth` (keys, loopback-only mode), `error` (provider-shaped errors), `metrics` (Prometheus).

pub mod auth;
pub mod config;
pub mod error;
pub mod extract;
pub mod metrics;
pub mod providers;
pub mod router;
pub mod routes;
pub mod store;
pub mod stream;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context, Result};
use axum::serve::ListenerExt;
use promptguard_core::{parse_preset_spec, Engine, EngineBuilder, Policy};

use crate::cli::ServeArgs;
use config::Config;

/// A project: its engine and limits.
#[derive(Debug)]
pub struct Project {
    pub name: String,
    pub engine: Engine,
    pub rate_limit_per_minute: Option<u64>,
}

/// Everything the handlers share.
#[derive(Debug)]
pub struct AppState {
    pub config: Config,
    pub projects: BTreeMap<String, Arc<Project>>,
    pub keys: auth::Keys,
    pub public_routes: Vec<String>,
    pub providers: providers::Providers,
    pub store: store::Store,
    pub metrics: Arc<metrics::Metrics>,
    pub windows: stream::Windows,
    pub started: Instant,
    pub health_cache: Mutex<Option<(Instant, serde_json::Value)>>,
}

impl AppState {
    /// The caller's project (`default` when unknown, which validation rules out).
    pub fn project(&self, name: &str) -> Option<Arc<Project>> {
        self.projects
            .get(name)
            .or_else(|| self.projects.get("default"))
            .cloned()
    }
}

fn build_project(name: &str, c: &config::ProjectConfig) -> Result<Project> {
    let ctx = || format!("project `{name}`");
    let (preset, spec_strictness) =
        parse_preset_spec(&c.preset).map_err(|e| anyhow!("key `projects.{name}.preset`: {e}"))?;
    let mut b = EngineBuilder::new();
    b.preset(preset);
    let strictness = c
        .strictness
        .as_deref()
        .map(str::parse)
        .transpose()
        .map_err(|e| anyhow!("key `projects.{name}.strictness`: {e}"))?
        .or(spec_strictness);
    if let Some(s) = strictness {
        b.strictness(s);
    }
    if let Some(path) = &c.policy_file {
        b.policy(
            Policy::from_file(path)
                .map_err(|e| anyhow!("key `projects.{name}.policy_file`: {e}"))?,
        );
    }
    if let Some(m) = c.ml_mode {
        b.ml_mode(m);
    }
    if let Some(d) = &c.model_dir {
        b.model_dir(d);
    }
    let engine = b.build().with_context(ctx)?;
    for w in engine.policy_warnings() {
        tracing::warn!("project `{name}`: policy loosens its preset: {w}");
    }
    Ok(Project {
        name: name.to_owned(),
        engine,
        rate_limit_per_minute: c.rate_limit_per_minute,
    })
}

/// Loads the configuration the arguments and environment describe.
pub fn load_config(args: &ServeArgs, env: &[(String, String)]) -> Result<Config> {
    let file = args.config.clone().or_else(|| {
        env.iter()
            .find(|(k, _)| k == "PROMPTGUARD_CONFIG")
            .map(|(_, v)| v.into())
            .filter(|p: &std::path::PathBuf| !p.as_os_str().is_empty())
    });
    let mut config = Config::load(file.as_deref(), env)?;
    if let Some(listen) = &args.listen {
        config.listen = listen.clone();
        config.listen_addr().map_err(|e| anyhow!("--listen: {e}"))?;
    }
    Ok(config)
}

/// `promptguard serve`.
pub fn run(args: ServeArgs) -> Result<ExitCode> {
    let env: Vec<(String, String)> = std::env::vars().collect();
    let config = load_config(&args, &env)?;
    let filter = tracing_subscriber::EnvFilter::try_new(&config.log)
        .map_err(|e| anyhow!("key `log`: invalid filter `{}`: {e}", config.log))?;
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("promptguard-gateway")
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(serve(config, env))?;
    Ok(ExitCode::SUCCESS)
}

async fn serve(config: Config, env: Vec<(String, String)>) -> Result<()> {
    let addr: SocketAddr = config.listen_addr()?;
    let mut projects = BTreeMap::new();
    for (name, c) in &config.projects {
        projects.insert(name.clone(), Arc::new(build_project(name, c)?));
    }
    let metrics = Arc::new(metrics::Metrics::default());
    let store = store::Store::open(
        config.storage.database_url.as_deref(),
        config.storage.redis_url.as_deref(),
        config.storage.memory_events,
        metrics.clone(),
    )
    .await?;
    let providers = providers::Providers::from_config(&config, &env)?;
    let keys = auth::Keys::from_config(&config);
    let windows = stream::Windows {
        holdback: config.scan.stream_holdback_bytes,
        context: config.scan.stream_context_bytes,
        min_release: 16,
    };
    let grace = Duration::from_secs(config.limits.shutdown_grace_secs);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let local = listener
        .local_addr()
        .context("cannot read the bound address")?;
    let state = Arc::new(AppState {
        public_routes: config.auth.public_routes.clone(),
        projects,
        keys,
        providers,
        store,
        metrics,
        windows,
        started: Instant::now(),
        health_cache: Mutex::new(None),
        config,
    });
    let default_policy = state
        .projects
        .get("default")
        .map(|p| p.engine.policy().name())
        .unwrap_or_default();
    let storage = state
        .store
        .health
        .lock()
        .map(|h| format!("{} {}", h.backend, h.target))
        .unwrap_or_default();
    if state.keys.is_empty() {
        eprintln!(
            "promptguard: no API keys configured: serving loopback clients only \
             (set auth.api_keys or PROMPTGUARD_API_KEYS to serve other hosts)"
        );
    } else {
        eprintln!(
            "promptguard: {} API key(s) configured; every non-public route requires one",
            state.keys.len()
        );
    }
    // Printed last: tools wait for this line.
    eprintln!("promptguard gateway listening on http://{local} (policy {default_policy}, storage {storage})");
    for (name, p) in &state.providers.by_name {
        tracing::info!(provider = %name, base_url = %p.base_url, key = if p.api_key.is_some() { "configured" } else { "client pass-through" }, "provider");
    }
    let app = router::build(state.clone());
    let (tx, mut rx) = tokio::sync::watch::channel(false);
    // A proxy answers in one write and must not wait for the client's delayed ACK (Nagle).
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!("cannot set TCP_NODELAY on a client connection: {e}");
        }
    });
    let server = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown_signal().await;
        eprintln!(
            "promptguard: shutting down; finishing in-flight requests (up to {}s)",
            grace.as_secs()
        );
        let _ = tx.send(true);
    });
    let deadline = async move {
        let _ = rx.wait_for(|v| *v).await;
        tokio::time::sleep(grace).await;
    };
    tokio::select! {
        r = std::future::IntoFuture::into_future(server) => r.context("server error")?,
        () = deadline => eprintln!("promptguard: grace period over; closing the remaining connections"),
    }
    state.store.shutdown().await;
    eprintln!("promptguard: stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
