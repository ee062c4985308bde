//! `ucz bench bookings`: bookings confirmed per second under concurrent clients, with p50 and
//! p99, through the server's API (`POST /api/v1/bookings`) on SQLite and PostgreSQL; then the
//! same clients all asking for one slot, which exactly one gets.

use anyhow::Context;
use serde_json::json;
use ucz_core::Catalog;
use ucz_store::Store;
use ucz_web::AppState;
use ucz_web::auth::{hash_password, token_hash};

use crate::bench_serve::measure;
use crate::output;

/// Resources booked at once; each takes every day's 48 half hours.
const RESOURCES: usize = 40;

pub fn run(
    catalog: Catalog,
    bookings: usize,
    clients: usize,
    postgres: Option<String>,
    clock: ucz_core::Clock,
) -> anyhow::Result<()> {
    if bookings == 0 || clients == 0 {
        return Err(crate::input::BadInput(
            "error: --bookings and --clients must be at least 1".into(),
        )
        .into());
    }
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let dir = tempfile::tempdir()?;
        let mut lines = vec![format!("clients: {clients}, bookings: {bookings}")];
        let sqlite = format!("sqlite://{}", dir.path().join("bench.db").display());
        lines.push(format!(
            "sqlite:     {}",
            once(&catalog, &sqlite, bookings, clients, clock).await?
        ));

        let base = postgres
            .or_else(|| std::env::var("UCZ_TEST_POSTGRES").ok())
            .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/test".into());
        let schema = format!("ucz_bench_bookings_{}", std::process::id());
        let admin = Store::connect(&base)
            .await
            .with_context(|| format!("PostgreSQL at {base}"))?;
        admin.public_extensions().await?;
        admin.scratch_schema(&schema, false).await?;
        let separator = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{separator}options=-csearch_path%3D{schema}");
        let result = once(&catalog, &url, bookings, clients, clock).await;
        admin.scratch_schema(&schema, true).await?;
        lines.push(format!("postgresql: {}", result?));
        output::text(&(lines.join("\n") + "\n"))
    })
}

async fn once(
    catalog: &Catalog,
    url: &str,
    bookings: usize,
    clients: usize,
    clock: ucz_core::Clock,
) -> anyhow::Result<String> {
    let store = Store::connect(url).await?.with_clock(clock);
    store.migrate().await?;
    let state = AppState::new(store.clone(), catalog.clone(), false).with_clock(clock);
    ucz_web::demo::load(&state, 0, clock.today()).await?;
    let operator = ucz_core::account::RoleName::Admin;
    let hash = hash_password("unused")?;
    let admin = store
        .add_user("bench", "bench-admin", &hash, operator, None, None)
        .await?;
    store
        .create_token(
            "bench",
            &token_hash("bench-admin"),
            admin.id,
            "bench",
            "2999-01-01T00:00:00Z",
            20,
        )
        .await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}/api/v1", listener.local_addr()?);
    tokio::spawn(ucz_web::serve(listener, state));
    let client = reqwest::Client::new();

    // A facility of the Daejeon zone, resources open every day around the clock, and one firm
    // account per client.
    let facilities: serde_json::Value = client
        .get(format!("{base}/facilities?zone_id=daejeon&limit=1"))
        .bearer_auth("bench-admin")
        .send()
        .await?
        .json()
        .await?;
    let facility = facilities["items"][0]["id"]
        .as_i64()
        .context("the demo's Daejeon facility")?;
    let days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    for r in 0..RESOURCES {
        let id = format!("bench-{r}");
        let body = json!({"id": id, "name": id, "kind": "room", "facility_id": facility,
            "rules": [{"applies_to": "anyone", "hours": [{"days": days, "open": "00:00", "close": "24:00"}],
                "closed_on_holidays": false, "horizon_days": 3650}]});
        let answer = client
            .put(format!("{base}/resources/{id}"))
            .bearer_auth("bench-admin")
            .json(&body)
            .send()
            .await?;
        anyhow::ensure!(
            answer.status().is_success(),
            "resource {id}: {}",
            answer.text().await?
        );
    }
    for c in 0..clients {
        let firm = format!("BENCH-{c:03}");
        let body = json!({"id": firm, "name": "벤치기업", "founded": "2024-03-01", "stage": "early",
            "employees": 4, "region": "busan", "zone": "", "founder_age": 33, "sector": "J62"});
        let answer = client
            .post(format!("{base}/firms"))
            .bearer_auth("bench-admin")
            .json(&body)
            .send()
            .await?;
        anyhow::ensure!(
            answer.status().is_success(),
            "firm {firm}: {}",
            answer.text().await?
        );
        let user = store
            .add_user(
                "bench",
                &firm,
                &hash,
                ucz_core::account::RoleName::Firm,
                None,
                Some(&firm),
            )
            .await?;
        store
            .create_token(
                "bench",
                &token_hash(&firm),
                user.id,
                "bench",
                "2999-01-01T00:00:00Z",
                20,
            )
            .await?;
    }

    // Each booking a slot of its own: resource i % 40, the half hours from tomorrow on.
    let tomorrow = clock.today().add_days(1).start_in_korea().as_second();
    let free = measure(bookings, clients, |i| {
        let resource = i % RESOURCES;
        let start = tomorrow + (i / RESOURCES) as i64 * 1800;
        let at = |s: i64| ucz_core::booking::write(ucz_core::booking::from_seconds(s));
        let request = client
            .post(format!("{base}/bookings"))
            .bearer_auth(format!("BENCH-{:03}", i % clients))
            .json(&json!({"resource_id": format!("bench-{resource}"), "start": at(start), "end": at(start + 1800)}));
        async move { request.send().await.map(|r| r.status() == reqwest::StatusCode::CREATED) }
    })
    .await;
    // Every client at once for one slot: one is confirmed, the others told it is taken.
    let contended = tomorrow - 1800 + 86_400 * 30;
    let at = |s: i64| ucz_core::booking::write(ucz_core::booking::from_seconds(s));
    let statuses = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let race = measure(clients, clients, |i| {
        let request = client
            .post(format!("{base}/bookings"))
            .bearer_auth(format!("BENCH-{:03}", i % clients))
            .json(&json!({"resource_id": "bench-0", "start": at(contended), "end": at(contended + 1800)}));
        let statuses = statuses.clone();
        async move {
            let status = request.send().await?.status();
            if let Ok(mut s) = statuses.lock() {
                s.push(status);
            }
            Ok(true)
        }
    })
    .await;
    let statuses = statuses.lock().map(|s| s.clone()).unwrap_or_default();
    let confirmed = statuses
        .iter()
        .filter(|s| **s == reqwest::StatusCode::CREATED)
        .count();
    let taken = statuses
        .iter()
        .filter(|s| **s == reqwest::StatusCode::CONFLICT)
        .count();
    let verified = store.verify_audit().await?;
    store.pool().close().await;
    Ok(format!(
        "free slots: {free}\n            one slot, {clients} at once: {confirmed} confirmed, {taken} taken ({race})\n            audit chain intact: {}",
        verified.broken_at.is_none()
    ))
}
