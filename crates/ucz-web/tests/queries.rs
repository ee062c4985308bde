//! How many SQL statements a request makes, counted from the statements sqlx logs (at trace,
//! target `sqlx::query`) through this test binary's one subscriber: a zone's page, a lease's
//! creation and an import of 1,000 firms stay within a fixed number of statements whatever the
//! database holds.

#![allow(clippy::unwrap_used)]

use std::sync::atomic::{AtomicUsize, Ordering};

use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, COOKIE, SET_COOKIE};
use serde_json::{Value, json};
use tracing_subscriber::layer::SubscriberExt;
use ucz_core::Clock;
use ucz_store::Store;
use ucz_web::AppState;
use ucz_web::auth::{hash_password, token_hash};

static STATEMENTS: AtomicUsize = AtomicUsize::new(0);

/// Counts the statements sqlx logs, but for the pragmas a new connection runs (the pool opens
/// connections when it needs them, which is not what a request asks of the database).
struct Counter;

/// The statement's summary (its first words).
#[derive(Default)]
struct Summary(String);

impl tracing::field::Visit for Summary {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == "summary" {
            self.0 = format!("{value:?}");
        }
    }
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Counter {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        if event.metadata().target() == "sqlx::query" {
            let mut summary = Summary::default();
            event.record(&mut summary);
            if !summary.0.trim_start_matches('"').starts_with("PRAGMA") {
                STATEMENTS.fetch_add(1, Ordering::SeqCst);
            }
        }
    }
}

struct Server {
    origin: String,
    client: reqwest::Client,
}

impl Server {
    async fn statements<T>(&self, request: impl std::future::Future<Output = T>) -> (T, usize) {
        let before = STATEMENTS.load(Ordering::SeqCst);
        let out = request.await;
        (out, STATEMENTS.load(Ordering::SeqCst) - before)
    }

    /// A session of `user`: its cookie and form token.
    async fn login(&self, user: &str) -> (String, String) {
        let response = self
            .client
            .post(format!("{}/api/v1/session", self.origin))
            .json(&json!({"username": user, "password": format!("pw-{user}")}))
            .send()
            .await
            .unwrap();
        let cookie = response.headers()[SET_COOKIE]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string();
        let body: Value = response.json().await.unwrap();
        (cookie, body["csrf_token"].as_str().unwrap().to_string())
    }

    async fn api(&self, method: reqwest::Method, path: &str, body: &Value) -> (StatusCode, Value) {
        let response = self
            .client
            .request(method, format!("{}/api/v1{path}", self.origin))
            .bearer_auth("token-admin")
            .json(body)
            .send()
            .await
            .unwrap();
        (
            response.status(),
            response.json().await.unwrap_or(Value::Null),
        )
    }
}

async fn add_account(store: &Store, name: &str, role: &str, zone: Option<&str>) {
    let user = store
        .add_user(
            "test",
            name,
            &hash_password(&format!("pw-{name}")).unwrap(),
            ucz_core::account::RoleName::parse(role).unwrap(),
            zone,
            None,
        )
        .await
        .unwrap();
    store
        .create_token(
            "test",
            &token_hash(&format!("token-{name}")),
            user.id,
            "test",
            "2999-01-01T00:00:00Z",
            20,
        )
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_zone_page_a_lease_and_an_import_make_a_fixed_number_of_statements() {
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(Counter)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("ucz.db").display());
    let clock = Clock::fixed_at("2026-06-30T09:00:00+09:00").unwrap();
    let store = Store::connect(&url).await.unwrap().with_clock(clock);
    store.migrate().await.unwrap();
    let state = AppState::new(store.clone(), ucz_core::Catalog::bundled().unwrap(), false)
        .with_clock(clock);
    ucz_web::sync_catalog(&state).await.unwrap();
    ucz_web::demo::load(&state, 40, clock.today())
        .await
        .unwrap();
    add_account(&store, "admin", "admin", None).await;
    add_account(&store, "operator", "operator", Some("daejeon")).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { ucz_web::serve(listener, state).await.unwrap() });
    let server = Server {
        origin,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
    };
    let (cookie, csrf) = server.login("operator").await;

    // The zone's page, as its operator sees it (facilities, spaces, leases, tenants).
    let (status, zone_page) = server
        .statements(async {
            server
                .client
                .get(format!("{}/zones/daejeon", server.origin))
                .header(COOKIE, &cookie)
                .send()
                .await
                .unwrap()
                .status()
        })
        .await;
    assert_eq!(status, StatusCode::OK);

    // A lease of a new room to a new firm.
    let (status, facilities) = server
        .api(
            reqwest::Method::GET,
            "/facilities?zone_id=daejeon",
            &Value::Null,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let facility = facilities["items"][0]["id"].as_i64().unwrap();
    let (status, space) = server
        .api(
            reqwest::Method::POST,
            "/spaces",
            &json!({"facility_id": facility, "name": "Q-101", "kind": "post_bi_office", "area_m2": 40.0}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{space}");
    let firm = json!({
        "id": "Q-FIRM", "name": "시험기업", "founded": "2024-03-01", "stage": "early",
        "employees": 4, "region": "daejeon", "zone": "daejeon", "founder_age": 33, "sector": "J62",
    });
    let (status, _) = server.api(reqwest::Method::POST, "/firms", &firm).await;
    assert_eq!(status, StatusCode::CREATED);
    let lease = json!({"space_id": space["id"], "firm_id": "Q-FIRM", "starts": "2026-07-01", "ends": "2027-07-01"});
    let ((status, body), lease_creation) = server
        .statements(server.api(reqwest::Method::POST, "/leases", &lease))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    // An import of 1,000 firms: the preview, then the confirmation.
    let mut csv = "id,name,founded,stage,founder_age,region,zone\n".to_string();
    for i in 0..1000 {
        csv.push_str(&format!(
            "IM-{i},가져온기업,2024-02-01,early,35,daejeon,daejeon\n"
        ));
    }
    let boundary = "XUCZIMPORTBOUNDARY";
    let mut upload = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{csrf}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"resource\"\r\n\r\nfirms\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"firms.csv\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    upload.extend_from_slice(csv.as_bytes());
    upload.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let (html, preview) = server
        .statements(async {
            let response = server
                .client
                .post(format!("{}/import", server.origin))
                .header(COOKIE, &cookie)
                .header(
                    CONTENT_TYPE,
                    format!("multipart/form-data; boundary={boundary}"),
                )
                .body(upload)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            response.text().await.unwrap()
        })
        .await;
    let token = html
        .split("action=\"/import/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_string();
    let form: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([("_csrf", csrf.as_str()), ("action", "confirm")])
        .finish();
    let (html, confirm) = server
        .statements(async {
            let response = server
                .client
                .post(format!("{}/import/{token}", server.origin))
                .header(COOKIE, &cookie)
                .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(form)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            response.text().await.unwrap()
        })
        .await;
    assert!(html.contains("1000"), "{html}");
    assert_eq!(store.verify_audit().await.unwrap().broken_at, None);

    eprintln!(
        "statements: zone page {zone_page}, lease creation {lease_creation}, import of 1,000 rows {preview} (preview) + {confirm} (confirm)"
    );
    // Before the scoped reads: 39, 15, and 7 + 5,007 (five statements a row).
    assert!(zone_page <= 18, "zone page: {zone_page}");
    assert!(lease_creation <= 10, "lease creation: {lease_creation}");
    assert!(preview <= 10, "import preview: {preview}");
    assert!(confirm <= 2 * 1000 + 10, "import confirmation: {confirm}");
}
