//! Prometheus metrics (text exposition format 0.0.4), kept in atomics and small maps.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// Histogram bucket upper bounds, in seconds.
const BUCKETS: &[f64] = &[
    0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
    2.5, 5.0, 10.0, 30.0,
];

#[derive(Debug)]
pub struct Histogram {
    counts: Vec<AtomicU64>,
    sum_ns: AtomicU64,
    count: AtomicU64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            counts: BUCKETS.iter().map(|_| AtomicU64::new(0)).collect(),
            sum_ns: AtomicU64::new(0),
            count: AtomicU64::new(0),
        }
    }
}

impl Histogram {
    pub fn observe(&self, seconds: f64) {
        if let Some(i) = BUCKETS.iter().position(|b| seconds <= *b) {
            self.counts[i].fetch_add(1, Ordering::Relaxed);
        }
        self.sum_ns
            .fetch_add((seconds.max(0.0) * 1e9) as u64, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    fn render(&self, out: &mut String, name: &str, help: &str) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
        let mut cum = 0;
        for (b, c) in BUCKETS.iter().zip(&self.counts) {
            cum += c.load(Ordering::Relaxed);
            let _ = writeln!(out, "{name}_bucket{{le=\"{b}\"}} {cum}");
        }
        let count = self.count.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {count}");
        let _ = writeln!(
            out,
            "{name}_sum {}",
            self.sum_ns.load(Ordering::Relaxed) as f64 / 1e9
        );
        let _ = writeln!(out, "{name}_count {count}");
    }
}

/// All gateway metrics.
#[derive(Debug, Default)]
pub struct Metrics {
    /// (route, decision, status) -> count
    requests: Mutex<BTreeMap<(&'static str, &'static str, u16), u64>>,
    /// (provider, outcome) -> count; outcome: ok, status_5xx, status_429, connect_error, timeout
    upstream: Mutex<BTreeMap<(String, &'static str), u64>>,
    pub failovers: AtomicU64,
    pub retry_budget_exhausted: AtomicU64,
    pub stream_blocks: AtomicU64,
    pub events_dropped: AtomicU64,
    pub events_written: AtomicU64,
    pub store_errors: AtomicU64,
    pub scan_seconds: Histogram,
    pub upstream_seconds: Histogram,
    pub request_seconds: Histogram,
}

impl Metrics {
    pub fn request(&self, route: &'static str, decision: &'static str, status: u16) {
        if let Ok(mut m) = self.requests.lock() {
            *m.entry((route, decision, status)).or_default() += 1;
        }
    }

    pub fn upstream(&self, provider: &str, outcome: &'static str) {
        if let Ok(mut m) = self.upstream.lock() {
            *m.entry((provider.to_owned(), outcome)).or_default() += 1;
        }
    }

    /// The exposition text.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(4096);
        out.push_str("# HELP promptguard_requests_total Requests handled, by route, decision and HTTP status.\n");
        out.push_str("# TYPE promptguard_requests_total counter\n");
        if let Ok(m) = self.requests.lock() {
            for ((route, decision, status), n) in m.iter() {
                let _ = writeln!(
                    out,
                    "promptguard_requests_total{{route=\"{route}\",decision=\"{decision}\",status=\"{status}\"}} {n}"
                );
            }
        }
        out.push_str("# HELP promptguard_upstream_requests_total Upstream attempts, by provider and outcome.\n");
        out.push_str("# TYPE promptguard_upstream_requests_total counter\n");
        if let Ok(m) = self.upstream.lock() {
            for ((provider, outcome), n) in m.iter() {
                let provider = provider.replace('"', "");
                let _ = writeln!(
                    out,
                    "promptguard_upstream_requests_total{{provider=\"{provider}\",outcome=\"{outcome}\"}} {n}"
                );
            }
        }
        for (name, help, v) in [
            (
                "promptguard_failovers_total",
                "Attempts moved to the next provider.",
                &self.failovers,
            ),
            (
                "promptguard_retry_budget_exhausted_total",
                "Failovers refused because the retry budget was spent.",
                &self.retry_budget_exhausted,
            ),
            (
                "promptguard_stream_blocks_total",
                "Streams ended mid-way by a block.",
                &self.stream_blocks,
            ),
            (
                "promptguard_events_written_total",
                "Events written to the store.",
                &self.events_written,
            ),
            (
                "promptguard_events_dropped_total",
                "Events dropped because the store queue was full.",
                &self.events_dropped,
            ),
            (
                "promptguard_store_errors_total",
                "Failed writes to the event store or Redis.",
                &self.store_errors,
            ),
        ] {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}",
                v.load(Ordering::Relaxed)
            );
        }
        self.scan_seconds.render(
            &mut out,
            "promptguard_scan_seconds",
            "Time spent scanning per request (request and response).",
        );
        self.upstream_seconds.render(
            &mut out,
            "promptguard_upstream_seconds",
            "Time to upstream response headers.",
        );
        self.request_seconds.render(
            &mut out,
            "promptguard_request_seconds",
            "Gateway time per request until the response starts.",
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_histograms() {
        let m = Metrics::default();
        m.request("chat_completions", "block", 400);
        m.upstream("openai", "ok");
        m.scan_seconds.observe(0.00003);
        m.scan_seconds.observe(2.0);
        let text = m.render();
        assert!(
            text.contains("promptguard_requests_total{route=\"chat_completions\",decision=\"block\",status=\"400\"} 1")
        );
        assert!(text
            .contains("promptguard_upstream_requests_total{provider=\"openai\",outcome=\"ok\"} 1"));
        assert!(text.contains("promptguard_scan_seconds_bucket{le=\"0.00005\"} 1"));
        assert!(text.contains("promptguard_scan_seconds_bucket{le=\"+Inf\"} 2"));
        assert!(text.contains("promptguard_scan_seconds_count 2"));
    }
}
