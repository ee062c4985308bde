//! What a load balancer and a monitoring system ask of a running server: `GET /healthz` (the
//! process answers), `GET /readyz` (the database answers, its schema is this build's, the catalog
//! is loaded) and `GET /metrics` in the Prometheus text format (requests by route and status,
//! their latency, the database pool, imports and failed logins). The metrics are not public: they
//! answer only a request that carries the configured token (`Authorization: Bearer …`), and do
//! not exist without one.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppState;

/// Upper bounds of the latency histogram's buckets, in seconds.
const BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The route label of a request that matched no route: unknown paths are not labels of their
/// own, so a scanner cannot grow the metrics.
const UNMATCHED: &str = "unmatched";

/// Counters the server keeps while it runs.
#[derive(Default)]
pub struct Metrics {
    /// By (route, method, status).
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    /// By route: counts per bucket (not cumulative), the sum of seconds, the count.
    latency: Mutex<BTreeMap<String, Histogram>>,
    login_failures: AtomicU64,
    imports: AtomicU64,
    imported_rows: AtomicU64,
    /// By (job, outcome).
    jobs: Mutex<BTreeMap<(String, &'static str), u64>>,
    /// Seconds since 1970 of each job's last success.
    last_success: Mutex<BTreeMap<String, f64>>,
    started: Option<Instant>,
}

#[derive(Default, Clone)]
struct Histogram {
    buckets: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

impl Metrics {
    pub fn new() -> Self {
        Metrics {
            started: Some(Instant::now()),
            ..Metrics::default()
        }
    }

    /// One answered request.
    pub fn request(&self, route: &str, method: &str, status: u16, took: Duration) {
        if let Ok(mut requests) = self.requests.lock() {
            *requests
                .entry((route.to_string(), method.to_string(), status))
                .or_default() += 1;
        }
        if let Ok(mut latency) = self.latency.lock() {
            let histogram = latency.entry(route.to_string()).or_default();
            let seconds = took.as_secs_f64();
            if let Some(i) = BUCKETS.iter().position(|b| seconds <= *b) {
                histogram.buckets[i] += 1;
            }
            histogram.sum += seconds;
            histogram.count += 1;
        }
    }

    /// A login refused for its name or password (not for the rate limit).
    pub fn login_failed(&self) {
        self.login_failures.fetch_add(1, Ordering::Relaxed);
    }

    /// A confirmed import and the records it wrote.
    pub fn imported(&self, rows: usize) {
        self.imports.fetch_add(1, Ordering::Relaxed);
        self.imported_rows.fetch_add(rows as u64, Ordering::Relaxed);
    }

    /// A background job's run (`backup`), and whether it succeeded.
    pub fn job(&self, job: &str, ok: bool, unix_seconds: f64) {
        if let Ok(mut jobs) = self.jobs.lock() {
            *jobs
                .entry((job.to_string(), if ok { "ok" } else { "failed" }))
                .or_default() += 1;
        }
        if ok {
            if let Ok(mut last) = self.last_success.lock() {
                last.insert(job.to_string(), unix_seconds);
            }
        }
    }

    /// Everything in the Prometheus text format (version 0.0.4), with the pool's state.
    pub fn render(&self, pool: Pool) -> String {
        let mut out = String::new();
        let family = |out: &mut String, name: &str, kind: &str, help: &str| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        };
        family(&mut out, "ucz_build_info", "gauge", "The running build.");
        let _ = writeln!(
            out,
            "ucz_build_info{{version=\"{}\"}} 1",
            env!("CARGO_PKG_VERSION")
        );
        family(
            &mut out,
            "ucz_uptime_seconds",
            "gauge",
            "Seconds since the server started.",
        );
        let uptime = self.started.map_or(0.0, |s| s.elapsed().as_secs_f64());
        let _ = writeln!(out, "ucz_uptime_seconds {uptime:.3}");

        family(
            &mut out,
            "ucz_http_requests_total",
            "counter",
            "Requests answered, by route, method and status.",
        );
        if let Ok(requests) = self.requests.lock() {
            for ((route, method, status), n) in requests.iter() {
                let _ = writeln!(
                    out,
                    "ucz_http_requests_total{{route=\"{}\",method=\"{}\",status=\"{status}\"}} {n}",
                    label(route),
                    label(method)
                );
            }
        }
        family(
            &mut out,
            "ucz_http_request_duration_seconds",
            "histogram",
            "Time to answer a request, by route.",
        );
        if let Ok(latency) = self.latency.lock() {
            for (route, h) in latency.iter() {
                let route = label(route);
                let mut cumulative = 0;
                for (bound, n) in BUCKETS.iter().zip(h.buckets) {
                    cumulative += n;
                    let _ = writeln!(
                        out,
                        "ucz_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {cumulative}"
                    );
                }
                let _ = writeln!(
                    out,
                    "ucz_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}\nucz_http_request_duration_seconds_sum{{route=\"{route}\"}} {:.6}\nucz_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                    h.count, h.sum, h.count
                );
            }
        }
        family(
            &mut out,
            "ucz_db_pool_connections",
            "gauge",
            "Database connections of the pool, by state.",
        );
        let _ = writeln!(
            out,
            "ucz_db_pool_connections{{state=\"idle\"}} {}\nucz_db_pool_connections{{state=\"in_use\"}} {}",
            pool.idle,
            pool.size.saturating_sub(pool.idle)
        );
        family(
            &mut out,
            "ucz_db_pool_max_connections",
            "gauge",
            "The most connections the pool opens.",
        );
        let _ = writeln!(out, "ucz_db_pool_max_connections {}", pool.max);
        for (name, help, value) in [
            (
                "ucz_login_failures_total",
                "Logins refused for a wrong name or password.",
                &self.login_failures,
            ),
            (
                "ucz_imports_total",
                "Spreadsheet and CSV imports confirmed.",
                &self.imports,
            ),
            (
                "ucz_imported_records_total",
                "Records written by confirmed imports.",
                &self.imported_rows,
            ),
        ] {
            family(&mut out, name, "counter", help);
            let _ = writeln!(out, "{name} {}", value.load(Ordering::Relaxed));
        }
        family(
            &mut out,
            "ucz_jobs_total",
            "counter",
            "Background jobs run, by job and outcome.",
        );
        if let Ok(jobs) = self.jobs.lock() {
            for ((job, outcome), n) in jobs.iter() {
                let _ = writeln!(
                    out,
                    "ucz_jobs_total{{job=\"{}\",outcome=\"{outcome}\"}} {n}",
                    label(job)
                );
            }
        }
        family(
            &mut out,
            "ucz_job_last_success_timestamp_seconds",
            "gauge",
            "When each background job last succeeded (seconds since 1970).",
        );
        if let Ok(last) = self.last_success.lock() {
            for (job, at) in last.iter() {
                let _ = writeln!(
                    out,
                    "ucz_job_last_success_timestamp_seconds{{job=\"{}\"}} {at:.3}",
                    label(job)
                );
            }
        }
        out
    }
}

/// The database pool as the metrics show it.
#[derive(Clone, Copy, Debug)]
pub struct Pool {
    pub size: u32,
    pub idle: u32,
    pub max: u32,
}

/// A label value escaped as the text format asks (`\`, `"` and line feeds).
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Marks a response with the route its request matched, for [`record`]; runs inside the router,
/// where the matched route is known.
pub async fn mark_route(request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().cloned();
    let mut response = next.run(request).await;
    if let Some(route) = route {
        response.extensions_mut().insert(route);
    }
    response
}

/// Counts every request with its route, status and latency; runs around the whole router, so
/// that unknown paths and refused requests are counted too.
pub async fn record(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().to_string();
    let response = next.run(request).await;
    let route = response
        .extensions()
        .get::<MatchedPath>()
        .map_or(UNMATCHED, |r| r.as_str());
    state.monitoring.metrics.request(
        route,
        &method,
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

/// The server's monitoring: its metrics and who may read them.
pub struct Monitoring {
    pub metrics: Metrics,
    /// The token `/metrics` asks for; none: `/metrics` does not exist.
    pub token: Option<String>,
}

impl Default for Monitoring {
    fn default() -> Self {
        Monitoring {
            metrics: Metrics::new(),
            token: None,
        }
    }
}

/// The routes of this module.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
}

fn text(status: StatusCode, body: String) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

/// The process answers.
async fn healthz() -> Response {
    text(StatusCode::OK, "ok\n".into())
}

/// Ready for traffic: the database answers, its schema is the one this build knows, and the
/// catalog is loaded. 503 with the failing checks otherwise.
async fn readyz(State(state): State<AppState>) -> Response {
    let database = match tokio::time::timeout(Duration::from_secs(5), state.store.schema()).await {
        Err(_) => Err("no answer within 5 s".to_string()),
        Ok(Err(e)) => Err(e.to_string()),
        Ok(Ok(schema)) => Ok(schema),
    };
    let (database, migrations) = match &database {
        Err(e) => (format!("failed: {e}"), "unknown".to_string()),
        Ok(schema) => ("ok".to_string(), schema.summary()),
    };
    let catalog = if state.catalog.programs.is_empty() {
        "failed: no programs".to_string()
    } else {
        "ok".to_string()
    };
    let ready = [&database, &migrations, &catalog]
        .iter()
        .all(|c| c.as_str() == "ok");
    let body = serde_json::json!({
        "status": if ready { "ready" } else { "not ready" },
        "checks": { "database": database, "migrations": migrations, "catalog": catalog },
    });
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        axum::Json(body),
    )
        .into_response()
}

/// The metrics, for a request with the token; 404 when no token is configured (they are not
/// served), 401 without the right one.
async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(token) = state.monitoring.token.as_deref() else {
        return text(StatusCode::NOT_FOUND, "not found\n".into());
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        // The scheme's name is not case-sensitive (RFC 9110).
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map_or("", |(_, token)| token.trim());
    if !crate::auth::same_secret(given, token) {
        let mut response = text(
            StatusCode::UNAUTHORIZED,
            "a metrics token is needed\n".into(),
        );
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            axum::http::HeaderValue::from_static("Bearer"),
        );
        return response;
    }
    let pool = state.store.pool();
    let pool = Pool {
        size: pool.size(),
        idle: u32::try_from(pool.num_idle()).unwrap_or(u32::MAX),
        max: pool.options().get_max_connections(),
    };
    let mut response = text(StatusCode::OK, state.monitoring.metrics.render(pool));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_histograms_render_in_the_text_format() {
        let metrics = Metrics::new();
        metrics.request("/api/v1/zones", "GET", 200, Duration::from_millis(3));
        metrics.request("/api/v1/zones", "GET", 200, Duration::from_millis(30));
        metrics.request(UNMATCHED, "GET", 404, Duration::from_millis(1));
        metrics.login_failed();
        metrics.imported(12);
        metrics.job("backup", true, 1_800_000_000.5);
        metrics.job("backup", false, 1_800_000_100.0);
        let text = metrics.render(Pool {
            size: 3,
            idle: 2,
            max: 4,
        });
        for line in [
            "ucz_http_requests_total{route=\"/api/v1/zones\",method=\"GET\",status=\"200\"} 2",
            "ucz_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"} 1",
            "ucz_http_request_duration_seconds_bucket{route=\"/api/v1/zones\",le=\"0.005\"} 1",
            "ucz_http_request_duration_seconds_bucket{route=\"/api/v1/zones\",le=\"0.025\"} 1",
            "ucz_http_request_duration_seconds_bucket{route=\"/api/v1/zones\",le=\"0.05\"} 2",
            "ucz_http_request_duration_seconds_bucket{route=\"/api/v1/zones\",le=\"+Inf\"} 2",
            "ucz_http_request_duration_seconds_count{route=\"/api/v1/zones\"} 2",
            "ucz_db_pool_connections{state=\"in_use\"} 1",
            "ucz_login_failures_total 1",
            "ucz_imported_records_total 12",
            "ucz_jobs_total{job=\"backup\",outcome=\"ok\"} 1",
            "ucz_jobs_total{job=\"backup\",outcome=\"failed\"} 1",
            "ucz_job_last_success_timestamp_seconds{job=\"backup\"} 1800000000.500",
        ] {
            assert!(text.lines().any(|l| l == line), "{line}\n{text}");
        }
        assert_eq!(label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
