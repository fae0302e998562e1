//! Event storage, off the request path: handlers `try_send` an [`EventRecord`] into a bounded
//! channel; a writer (a thread for SQLite, a task for PostgreSQL) batches them into one
//! transaction. Backends: embedded SQLite (default `./promptguard.db`), PostgreSQL when the
//! database URL is `postgres://...`, or memory. Redis (when configured) keeps per-day counters
//! and the per-minute rate-limit windows; without it those live in memory.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{anyhow, Context, Result};
use serde::Serialize;
use tokio::sync::mpsc;

use super::metrics::Metrics;

/// One gateway event (a request, its decisions and its outcome). No prompt text is stored:
/// decisions are kept without their excerpts.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EventRecord {
    pub event_id: String,
    pub ts_ms: i64,
    pub project: String,
    pub api_key: Option<String>,
    pub route: String,
    pub provider: Option<String>,
    pub model: Option<String>,
    pub status: u16,
    pub decision: String,
    pub threat_type: Option<String>,
    pub confidence: f64,
    pub reason: String,
    pub rule_ids: Vec<String>,
    pub request_decision: Option<String>,
    pub response_decision: Option<String>,
    pub scan_ms: f64,
    pub upstream_ms: f64,
    pub stream: bool,
    /// How the response was scanned: full, stream, partial, none, off.
    pub response_scan: String,
    pub attempts: u32,
}

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// `YYYY-MM-DD` (UTC) of a unix time in milliseconds.
pub fn day_of(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    format!("{:04}-{:02}-{:02}", if m <= 2 { y + 1 } else { y }, m, d)
}

const COLUMNS: &str = "event_id, ts_ms, project, api_key, route, provider, model, status, decision, threat_type, \
     confidence, reason, rule_ids, request_decision, response_decision, scan_ms, upstream_ms, stream, response_scan, attempts";

const DDL: &str = "CREATE TABLE IF NOT EXISTS promptguard_events (
    event_id TEXT PRIMARY KEY,
    ts_ms BIGINT NOT NULL,
    project TEXT NOT NULL,
    api_key TEXT,
    route TEXT NOT NULL,
    provider TEXT,
    model TEXT,
    status INTEGER NOT NULL,
    decision TEXT NOT NULL,
    threat_type TEXT,
    confidence DOUBLE PRECISION NOT NULL,
    reason TEXT NOT NULL,
    rule_ids TEXT NOT NULL,
    request_decision TEXT,
    response_decision TEXT,
    scan_ms DOUBLE PRECISION NOT NULL,
    upstream_ms DOUBLE PRECISION NOT NULL,
    stream BOOLEAN NOT NULL,
    response_scan TEXT NOT NULL,
    attempts INTEGER NOT NULL
)";

/// What the store reports to `/health`.
#[derive(Debug, Clone, Serialize)]
pub struct StoreHealth {
    pub backend: &'static str,
    pub target: String,
    pub ok: bool,
    pub last_error: Option<String>,
    pub redis: Option<RedisHealth>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RedisHealth {
    pub url: String,
    pub ok: bool,
    pub last_error: Option<String>,
}

/// Handle shared by the request handlers.
#[derive(Debug)]
pub struct Store {
    tx: Mutex<Option<mpsc::Sender<EventRecord>>>,
    pub health: Arc<Mutex<StoreHealth>>,
    memory: Option<Arc<Mutex<VecDeque<EventRecord>>>>,
    redis: Option<redis::aio::MultiplexedConnection>,
    windows: Mutex<HashMap<(String, i64), u64>>,
    counters: Mutex<HashMap<String, u64>>,
    writer: Mutex<Option<Writer>>,
    metrics: Arc<Metrics>,
}

#[derive(Debug)]
enum Writer {
    Thread(std::thread::JoinHandle<()>),
    Task(tokio::task::JoinHandle<()>),
}

/// Hides a password in a URL for logs and `/health`.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

impl Store {
    /// Opens the backend named by `database_url` (and Redis when `redis_url` is set).
    pub async fn open(
        database_url: Option<&str>,
        redis_url: Option<&str>,
        memory_events: usize,
        metrics: Arc<Metrics>,
    ) -> Result<Store> {
        let url = database_url.unwrap_or("sqlite://./promptguard.db").trim();
        let (tx, rx) = mpsc::channel::<EventRecord>(16_384);
        let mut memory = None;
        let (backend, target, writer) = if url == "memory" || url == "memory://" {
            let ring = Arc::new(Mutex::new(VecDeque::with_capacity(
                memory_events.min(65_536),
            )));
            memory = Some(ring.clone());
            let m = metrics.clone();
            let task = tokio::spawn(memory_writer(rx, ring, memory_events, m));
            ("memory", "memory".to_owned(), Writer::Task(task))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let client = pg_connect(url).await?;
            let health_target = redact_url(url);
            (
                "postgres",
                health_target,
                Writer::Task(tokio::spawn(postgres_writer(
                    rx,
                    url.to_owned(),
                    client,
                    metrics.clone(),
                ))),
            )
        } else {
            let path = url
                .strip_prefix("sqlite://")
                .or_else(|| url.strip_prefix("sqlite:"))
                .unwrap_or(url);
            if path.is_empty() {
                return Err(anyhow!("storage.database_url: empty SQLite path"));
            }
            let conn = rusqlite::Connection::open(path)
                .with_context(|| format!("storage: cannot open SQLite database {path}"))?;
            conn.execute_batch(
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
            )
            .context("storage: cannot configure SQLite")?;
            conn.execute_batch(DDL)
                .context("storage: cannot create the events table in SQLite")?;
            let m = metrics.clone();
            let handle = std::thread::Builder::new()
                .name("promptguard-sqlite".into())
                .spawn(move || sqlite_writer(rx, conn, m))
                .context("cannot start the SQLite writer thread")?;
            ("sqlite", path.to_owned(), Writer::Thread(handle))
        };
        let mut redis_health = None;
        let mut redis_conn = None;
        if let Some(rurl) = redis_url.map(str::trim).filter(|u| !u.is_empty()) {
            let shown = redact_url(rurl);
            let connected = async {
                let client = redis::Client::open(rurl)
                    .map_err(|e| anyhow!("invalid Redis URL {shown}: {e}"))?;
                let mut conn = tokio::time::timeout(
                    Duration::from_secs(3),
                    client.get_multiplexed_tokio_connection(),
                )
                .await
                .map_err(|_| anyhow!("Redis at {shown}: connect timed out"))?
                .map_err(|e| anyhow!("Redis at {shown}: {e}"))?;
                let _: String = redis::cmd("PING")
                    .query_async(&mut conn)
                    .await
                    .map_err(|e| anyhow!("Redis at {shown}: PING failed: {e}"))?;
                Ok::<_, anyhow::Error>(conn)
            }
            .await;
            match connected {
                Ok(conn) => {
                    redis_conn = Some(conn);
                    redis_health = Some(RedisHealth {
                        url: shown,
                        ok: true,
                        last_error: None,
                    });
                }
                Err(e) => {
                    tracing::warn!("{e:#}; counters and rate limits stay in memory");
                    redis_health = Some(RedisHealth {
                        url: shown,
                        ok: false,
                        last_error: Some(format!("{e:#}")),
                    });
                }
            }
        }
        let health = Arc::new(Mutex::new(StoreHealth {
            backend,
            target,
            ok: true,
            last_error: None,
            redis: redis_health,
        }));
        Ok(Store {
            tx: Mutex::new(Some(tx)),
            health,
            memory,
            redis: redis_conn,
            windows: Mutex::new(HashMap::new()),
            counters: Mutex::new(HashMap::new()),
            writer: Mutex::new(Some(writer)),
            metrics,
        })
    }

    /// Queues an event; never waits (a full queue drops it and counts the drop).
    pub fn record(&self, event: EventRecord) {
        let counter = format!(
            "{}:{}:{}",
            day_of(event.ts_ms),
            event.project,
            event.decision
        );
        if let Some(conn) = &self.redis {
            let mut conn = conn.clone();
            let metrics = self.metrics.clone();
            tokio::spawn(async move {
                let (day, field) = counter
                    .split_once(':')
                    .map_or((counter.as_str(), ""), |(d, f)| (d, f));
                let key = format!("promptguard:counts:{day}");
                let res: redis::RedisResult<()> = redis::pipe()
                    .cmd("HINCRBY")
                    .arg(&key)
                    .arg(field)
                    .arg(1)
                    .ignore()
                    .cmd("EXPIRE")
                    .arg(&key)
                    .arg(90 * 86_400)
                    .ignore()
                    .query_async(&mut conn)
                    .await;
                if res.is_err() {
                    metrics.store_errors.fetch_add(1, Ordering::Relaxed);
                }
            });
        } else if let Ok(mut c) = self.counters.lock() {
            *c.entry(counter).or_default() += 1;
        }
        let sent = self
            .tx
            .lock()
            .ok()
            .and_then(|g| g.as_ref().map(|tx| tx.try_send(event).is_ok()));
        if sent != Some(true) {
            self.metrics.events_dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Counts one request against a per-minute limit; false when over it.
    pub async fn rate_limit(&self, who: &str, limit: u64) -> bool {
        let minute = now_ms() / 60_000;
        if let Some(conn) = &self.redis {
            let mut conn = conn.clone();
            let key = format!("promptguard:rl:{who}:{minute}");
            let res: redis::RedisResult<(u64,)> = redis::pipe()
                .cmd("INCR")
                .arg(&key)
                .cmd("EXPIRE")
                .arg(&key)
                .arg(120)
                .ignore()
                .query_async(&mut conn)
                .await;
            match res {
                Ok((n,)) => return n <= limit,
                Err(e) => {
                    self.metrics.store_errors.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!("Redis rate limit failed ({e}); counting in memory");
                }
            }
        }
        let Ok(mut w) = self.windows.lock() else {
            return true;
        };
        w.retain(|(_, m), _| *m >= minute - 1);
        let n = w.entry((who.to_owned(), minute)).or_default();
        *n += 1;
        *n <= limit
    }

    /// Events kept by the memory backend, newest last.
    #[cfg(test)]
    pub fn recent(&self) -> Vec<EventRecord> {
        self.memory
            .as_ref()
            .and_then(|m| m.lock().ok().map(|q| q.iter().cloned().collect()))
            .unwrap_or_default()
    }

    /// In-memory counters (when Redis is not used): `day:project:decision` -> count.
    pub fn counters(&self) -> HashMap<String, u64> {
        self.counters.lock().map(|c| c.clone()).unwrap_or_default()
    }

    /// Number of events held by the memory backend.
    pub fn memory_len(&self) -> Option<usize> {
        self.memory
            .as_ref()
            .and_then(|m| m.lock().ok().map(|q| q.len()))
    }

    /// Closes the queue and waits for the writer to store what is queued.
    pub async fn shutdown(&self) {
        if let Ok(mut tx) = self.tx.lock() {
            tx.take();
        }
        let writer = self.writer.lock().ok().and_then(|mut w| w.take());
        match writer {
            Some(Writer::Task(t)) => {
                let _ = t.await;
            }
            Some(Writer::Thread(h)) => {
                let _ = tokio::task::spawn_blocking(move || h.join()).await;
            }
            None => {}
        }
    }
}

async fn memory_writer(
    mut rx: mpsc::Receiver<EventRecord>,
    ring: Arc<Mutex<VecDeque<EventRecord>>>,
    cap: usize,
    metrics: Arc<Metrics>,
) {
    while let Some(e) = rx.recv().await {
        if let Ok(mut q) = ring.lock() {
            if q.len() >= cap.max(1) {
                q.pop_front();
            }
            q.push_back(e);
        }
        metrics.events_written.fetch_add(1, Ordering::Relaxed);
    }
}

/// How long the SQLite writer gathers events before one transaction writes them.
const SQLITE_FLUSH_INTERVAL: Duration = Duration::from_millis(20);

fn sqlite_writer(
    mut rx: mpsc::Receiver<EventRecord>,
    mut conn: rusqlite::Connection,
    metrics: Arc<Metrics>,
) {
    let sql = format!(
        "INSERT INTO promptguard_events ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20) ON CONFLICT(event_id) DO NOTHING"
    );
    while let Some(first) = rx.blocking_recv() {
        // Let a burst gather before writing: one transaction per interval instead of one per
        // request, and while this thread sleeps (rather than waits on the channel) queueing an
        // event does not have to wake it, which on a busy 2-core machine was most of the
        // gateway's added tail latency. Shutdown drains the queue all the same.
        std::thread::sleep(SQLITE_FLUSH_INTERVAL);
        let mut batch = vec![first];
        while batch.len() < 4096 {
            match rx.try_recv() {
                Ok(e) => batch.push(e),
                Err(_) => break,
            }
        }
        let res = (|| -> rusqlite::Result<()> {
            let tx = conn.transaction()?;
            {
                let mut stmt = tx.prepare_cached(&sql)?;
                for e in &batch {
                    stmt.execute(rusqlite::params![
                        e.event_id,
                        e.ts_ms,
                        e.project,
                        e.api_key,
                        e.route,
                        e.provider,
                        e.model,
                        e.status,
                        e.decision,
                        e.threat_type,
                        e.confidence,
                        e.reason,
                        serde_json::to_string(&e.rule_ids).unwrap_or_default(),
                        e.request_decision,
                        e.response_decision,
                        e.scan_ms,
                        e.upstream_ms,
                        e.stream,
                        e.response_scan,
                        e.attempts,
                    ])?;
                }
            }
            tx.commit()
        })();
        match res {
            Ok(()) => {
                metrics
                    .events_written
                    .fetch_add(batch.len() as u64, Ordering::Relaxed);
            }
            Err(e) => {
                metrics.store_errors.fetch_add(1, Ordering::Relaxed);
                tracing::warn!("SQLite write of {} events failed: {e}", batch.len());
            }
        }
    }
}

async fn pg_connect(url: &str) -> Result<tokio_postgres::Client> {
    let shown = redact_url(url);
    let (client, connection) = tokio::time::timeout(
        Duration::from_secs(5),
        tokio_postgres::connect(url, tokio_postgres::NoTls),
    )
    .await
    .map_err(|_| anyhow!("storage: PostgreSQL at {shown}: connect timed out"))?
    .map_err(|e| anyhow!("storage: PostgreSQL at {shown}: {e}"))?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::warn!("PostgreSQL connection closed: {e}");
        }
    });
    client.batch_execute(DDL).await.map_err(|e| {
        anyhow!("storage: PostgreSQL at {shown}: cannot create the events table: {e}")
    })?;
    Ok(client)
}

async fn postgres_writer(
    mut rx: mpsc::Receiver<EventRecord>,
    url: String,
    client: tokio_postgres::Client,
    metrics: Arc<Metrics>,
) {
    let sql = format!(
        "INSERT INTO promptguard_events ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20) ON CONFLICT (event_id) DO NOTHING"
    );
    let mut client = Some(client);
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < 512 {
            match rx.try_recv() {
                Ok(e) => batch.push(e),
                Err(_) => break,
            }
        }
        if client.as_ref().is_none_or(|c| c.is_closed()) {
            client = pg_connect(&url)
                .await
                .map_err(|e| tracing::warn!("{e:#}"))
                .ok();
        }
        let Some(c) = client.as_mut() else {
            metrics.store_errors.fetch_add(1, Ordering::Relaxed);
            continue;
        };
        let res = async {
            let tx = c.transaction().await?;
            let stmt = tx.prepare(&sql).await?;
            for e in &batch {
                let status = i32::from(e.status);
                let attempts = i32::try_from(e.attempts).unwrap_or(i32::MAX);
                let rule_ids = serde_json::to_string(&e.rule_ids).unwrap_or_default();
                tx.execute(
                    &stmt,
                    &[
                        &e.event_id,
                        &e.ts_ms,
                        &e.project,
                        &e.api_key,
                        &e.route,
                        &e.provider,
                        &e.model,
                        &status,
                        &e.decision,
                        &e.threat_type,
                        &e.confidence,
                        &e.reason,
                        &rule_ids,
                        &e.request_decision,
                        &e.response_decision,
                        &e.scan_ms,
                        &e.upstream_ms,
                        &e.stream,
                        &e.response_scan,
                        &attempts,
                    ],
                )
                .await?;
            }
            tx.commit().await
        }
        .await;
        match res {
            Ok(()) => {
                metrics
                    .events_written
                    .fetch_add(batch.len() as u64, Ordering::Relaxed);
            }
            Err(e) => {
                metrics.store_errors.fetch_add(1, Ordering::Relaxed);
                tracing::warn!("PostgreSQL write of {} events failed: {e}", batch.len());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: &str) -> EventRecord {
        EventRecord {
            event_id: id.into(),
            ts_ms: now_ms(),
            project: "default".into(),
            api_key: None,
            route: "chat_completions".into(),
            provider: Some("openai".into()),
            model: Some("gpt-4o-mini".into()),
            status: 200,
            decision: "redact".into(),
            threat_type: Some("pii".into()),
            confidence: 0.9,
            reason: "email".into(),
            rule_ids: vec!["pii.email".into()],
            request_decision: None,
            response_decision: None,
            scan_ms: 0.05,
            upstream_ms: 1.0,
            stream: false,
            response_scan: "full".into(),
            attempts: 1,
        }
    }

    #[test]
    fn days_and_urls() {
        assert_eq!(day_of(0), "1970-01-01");
        assert_eq!(day_of(1_700_000_000_000), "2023-11-14");
        assert_eq!(day_of(951_782_400_000), "2000-02-29");
        assert_eq!(
            redact_url("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(
            redact_url("redis://127.0.0.1:6379"),
            "redis://127.0.0.1:6379"
        );
    }

    #[tokio::test]
    async fn sqlite_store_writes_events() {
        let dir = std::env::temp_dir().join(format!("pg-store-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("events.db");
        let url = format!("sqlite://{}", path.display());
        let store = Store::open(Some(&url), None, 10, Arc::new(Metrics::default()))
            .await
            .expect("open");
        store.record(event("e1"));
        store.record(event("e2"));
        store.record(event("e1"));
        store.shutdown().await;
        let conn = rusqlite::Connection::open(&path).expect("reopen");
        let n: i64 = conn
            .query_row("SELECT count(*) FROM promptguard_events", [], |r| r.get(0))
            .expect("count");
        assert_eq!(n, 2);
        std::fs::remove_dir_all(&dir).ok();
    }

    #[tokio::test]
    async fn memory_store_keeps_recent_and_rate_limits() {
        let store = Store::open(Some("memory"), None, 2, Arc::new(Metrics::default()))
            .await
            .expect("open");
        for id in ["a", "b", "c"] {
            store.record(event(id));
        }
        assert!(store.rate_limit("k", 2).await);
        assert!(store.rate_limit("k", 2).await);
        assert!(!store.rate_limit("k", 2).await);
        assert!(store.rate_limit("other", 2).await);
        let counters = store.counters();
        assert_eq!(counters.values().sum::<u64>(), 3);
        store.shutdown().await;
        let ids: Vec<String> = store.recent().into_iter().map(|e| e.event_id).collect();
        assert_eq!(ids, vec!["b", "c"]);
    }
}
