//! `ucz bench serve`: requests per second and latency percentiles of the running server, for a
//! read (`GET /api/v1/firms/{id}/package`) and a write (`PUT /api/v1/firms/{id}`), from a client
//! in the same process over loopback.

use std::time::{Duration, Instant};

use anyhow::Context;
use ucz_core::Catalog;
use ucz_store::Store;
use ucz_web::AppState;
use ucz_web::auth::{hash_password, token_hash};

use crate::output;

pub fn run(
    catalog: Catalog,
    database_url: Option<String>,
    requests: usize,
    concurrency: usize,
    clock: ucz_core::Clock,
) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let dir = tempfile::tempdir()?;
        let url = database_url.unwrap_or_else(|| format!("sqlite://{}", dir.path().join("bench.db").display()));
        let store = Store::connect(&url).await?.with_clock(clock);
        store.migrate().await?;
        let state = AppState::new(store.clone(), catalog, false).with_clock(clock);
        let today = clock.today();
        ucz_web::demo::load(&state, 300, today).await?;
        let name = format!("bench-{}", std::process::id());
        let user = store.add_user("bench", &name, &hash_password("unused")?, ucz_core::account::RoleName::Admin, None, None).await?;
        store.create_token("bench", &token_hash(&name), user.id, "bench", "2999-01-01T00:00:00Z", 20).await?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}/api/v1", listener.local_addr()?);
        tokio::spawn(ucz_web::serve(listener, state));

        let client = reqwest::Client::new();
        let firms = store.repo::<ucz_core::record::Demo<ucz_core::firm::Firm>>();
        let (firms, _) = firms.list(&ucz_store::Filter { equals: Vec::new(), limit: 300, offset: 0 }).await?;
        let ids: Vec<String> = firms.iter().map(|f| f.id.to_string()).collect();
        let bodies: Vec<serde_json::Value> = firms.iter().map(|f| serde_json::to_value(&f.record.record)).collect::<Result<_, _>>()?;

        let read = measure(requests, concurrency, |i| {
            let request = client
                .get(format!("{base}/firms/{}/package", ids[i % ids.len()]))
                .bearer_auth(&name);
            async move { request.send().await.map(|r| r.status().is_success()) }
        })
        .await;
        let write = measure(requests / 4, concurrency, |i| {
            let mut body = bodies[i % bodies.len()].clone();
            body["employees"] = serde_json::Value::from((i % 50) as i64 + body["youth_employees"].as_i64().unwrap_or(0));
            let request = client.put(format!("{base}/firms/{}", ids[i % ids.len()])).bearer_auth(&name).json(&body);
            async move { request.send().await.map(|r| r.status().is_success()) }
        })
        .await;
        let verified = store.verify_audit().await?;
        output::text(&format!(
            "database: {}\nconcurrency: {concurrency}\n\
             GET /api/v1/firms/{{id}}/package: {}\nPUT /api/v1/firms/{{id}}: {}\naudit rows: {} (chain intact: {})\n",
            if url.starts_with("postgres") { "postgresql" } else { "sqlite" },
            read,
            write,
            verified.rows,
            verified.broken_at.is_none()
        ))
    })
}

pub(crate) struct Figures {
    requests: usize,
    failed: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl std::fmt::Display for Figures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut sorted = self.latencies.clone();
        sorted.sort();
        let at = |q: f64| {
            sorted
                .get(((sorted.len() as f64 * q) as usize).min(sorted.len().saturating_sub(1)))
                .copied()
                .unwrap_or_default()
        };
        write!(
            f,
            "{} requests, {:.0} per second, p50 {:.2} ms, p99 {:.2} ms, failed {}",
            self.requests,
            self.requests as f64 / self.elapsed.as_secs_f64(),
            at(0.50).as_secs_f64() * 1e3,
            at(0.99).as_secs_f64() * 1e3,
            self.failed
        )
    }
}

pub(crate) async fn measure<F, Fut>(requests: usize, concurrency: usize, make: F) -> Figures
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = Result<bool, reqwest::Error>> + Send + 'static,
{
    let started = Instant::now();
    let mut latencies = Vec::with_capacity(requests);
    let mut failed = 0;
    let mut next = 0;
    let mut running = tokio::task::JoinSet::new();
    while next < requests || !running.is_empty() {
        while next < requests && running.len() < concurrency.max(1) {
            let request = make(next);
            running.spawn(async move {
                let sent = Instant::now();
                let ok = request.await.unwrap_or(false);
                (ok, sent.elapsed())
            });
            next += 1;
        }
        if let Some(Ok((ok, latency))) = running.join_next().await {
            latencies.push(latency);
            failed += usize::from(!ok);
        }
    }
    Figures {
        requests,
        failed,
        elapsed: started.elapsed(),
        latencies,
    }
}
