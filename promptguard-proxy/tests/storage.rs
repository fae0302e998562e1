//! Event storage: SQLite by default, PostgreSQL and Redis when their test URLs are set
//! (`PROMPTGUARD_TEST_POSTGRES_URL`, `PROMPTGUARD_TEST_REDIS_URL`); without them those tests
//! print a loud SKIPPED line and pass.

use std::time::Duration;

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_go_to_sqlite_by_default() {
    let mock = Mock::start(Mode::Normal).await;
    // An empty DATABASE_URL falls back to the default ./promptguard.db (in the test's directory).
    let mut gw = gateway_for(&mock, None, &[("DATABASE_URL", "")]);
    assert!(
        gw.log().contains("storage sqlite ./promptguard.db"),
        "{}",
        gw.log()
    );
    let (_, h, _) = post_json(
        &gw.url("/v1/chat/completions"),
        &chat("gpt-4o-mini", INJECTION),
        &[],
    )
    .await;
    let blocked_id = header(&h, "x-promptguard-event-id").to_owned();
    let (_, h, _) = post_json(&gw.url("/v1/chat/completions"), &chat("leak", "hi"), &[]).await;
    let redacted_id = header(&h, "x-promptguard-event-id").to_owned();
    let status = tokio::task::block_in_place(|| gw.terminate());
    assert!(status.success());
    let db = gw.dir.join("promptguard.db");
    let conn = rusqlite::Connection::open(&db).expect("open db");
    let row = |id: &str| -> (String, i64, String, Option<String>) {
        conn.query_row(
            "SELECT decision, status, route, threat_type FROM promptguard_events WHERE event_id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .expect("event row")
    };
    assert_eq!(
        row(&blocked_id),
        (
            "block".into(),
            400,
            "chat_completions".into(),
            Some("prompt_injection".into())
        )
    );
    assert_eq!(
        row(&redacted_id),
        (
            "redact".into(),
            200,
            "chat_completions".into(),
            Some("pii".into())
        )
    );
    let stored: String = conn
        .query_row(
            "SELECT response_decision FROM promptguard_events WHERE event_id = ?1",
            [&redacted_id],
            |r| r.get(0),
        )
        .expect("response decision");
    assert!(
        !stored.contains("jane.doe"),
        "no excerpts of content are stored: {stored}"
    );
}

fn env_url(name: &str) -> Option<String> {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => Some(v),
        _ => {
            eprintln!("SKIPPED: {name} is not set; set it to run this test");
            None
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_go_to_postgres_when_configured() {
    let Some(url) = env_url("PROMPTGUARD_TEST_POSTGRES_URL") else {
        return;
    };
    let connected = tokio::time::timeout(
        Duration::from_secs(5),
        tokio_postgres::connect(&url, tokio_postgres::NoTls),
    )
    .await;
    let (pg, conn) = match connected {
        Ok(Ok(c)) => c,
        other => {
            eprintln!(
                "SKIPPED: PostgreSQL at {url} is unreachable: {:?}",
                other.map(|r| r.err())
            );
            return;
        }
    };
    tokio::spawn(conn);
    let mock = Mock::start(Mode::Normal).await;
    let mut gw = gateway_for(&mock, None, &[("DATABASE_URL", &url)]);
    assert!(gw.log().contains("storage postgres"), "{}", gw.log());
    let (_, h, _) = post_json(
        &gw.url("/v1/chat/completions"),
        &chat("gpt-4o-mini", INJECTION),
        &[],
    )
    .await;
    let id = header(&h, "x-promptguard-event-id").to_owned();
    let status = tokio::task::block_in_place(|| gw.terminate());
    assert!(status.success());
    let row = pg
        .query_one(
            "SELECT decision, status, threat_type FROM promptguard_events WHERE event_id = $1",
            &[&id],
        )
        .await
        .expect("event row in postgres");
    let decision: String = row.get(0);
    let code: i32 = row.get(1);
    let threat: Option<String> = row.get(2);
    assert_eq!(
        (decision.as_str(), code, threat.as_deref()),
        ("block", 400, Some("prompt_injection"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_keeps_counters_and_rate_limits_when_configured() {
    let Some(url) = env_url("PROMPTGUARD_TEST_REDIS_URL") else {
        return;
    };
    let client = match redis::Client::open(url.as_str()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("SKIPPED: invalid PROMPTGUARD_TEST_REDIS_URL {url}: {e}");
            return;
        }
    };
    let mut conn = match tokio::time::timeout(
        Duration::from_secs(3),
        client.get_multiplexed_tokio_connection(),
    )
    .await
    {
        Ok(Ok(c)) => c,
        _ => {
            eprintln!("SKIPPED: Redis at {url} is unreachable");
            return;
        }
    };
    let mock = Mock::start(Mode::Normal).await;
    // A key name unique to this run, so parallel runs do not share a rate-limit window.
    let name = format!(
        "test-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    );
    let project = name.clone();
    let config = format!(
        "auth:\n  api_keys:\n    - name: {name}\n      key: pg-redis-test-key\n      project: {project}\nprojects:\n  {project}:\n    preset: default\n    rate_limit_per_minute: 2\n"
    );
    let gw = gateway_for(&mock, Some(&config), &[("REDIS_URL", &url)]);
    let url_chat = gw.url("/v1/chat/completions");
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(
            post_json(
                &url_chat,
                &chat("gpt-4o-mini", "hi"),
                &[("x-promptguard-key", "pg-redis-test-key")],
            )
            .await
            .0,
        );
    }
    assert_eq!(&statuses[..2], &[200, 200], "{statuses:?}");
    assert!(statuses.contains(&429), "{statuses:?}");
    // Counters: HINCRBY promptguard:counts:<day> <day>... field "<project>:<decision>".
    tokio::time::sleep(Duration::from_millis(300)).await;
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg("promptguard:counts:*")
        .query_async(&mut conn)
        .await
        .expect("keys");
    let mut total = 0u64;
    for k in keys {
        let v: Option<u64> = redis::cmd("HGET")
            .arg(&k)
            .arg(format!("{project}:allow"))
            .query_async(&mut conn)
            .await
            .expect("hget");
        total += v.unwrap_or(0);
    }
    assert!(total >= 2, "allow counter for {project} in Redis: {total}");
    let health: serde_json::Value = crate::common::client()
        .get(gw.url("/health"))
        .send()
        .await
        .expect("health")
        .json()
        .await
        .expect("json");
    assert_eq!(health["store"]["redis"]["ok"], true, "{health}");
}
