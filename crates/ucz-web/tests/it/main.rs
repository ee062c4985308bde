//! The real server on a free port, against a fresh SQLite file and a fresh PostgreSQL schema:
//! the same scenarios on both.

#![allow(clippy::unwrap_used)]

mod accounts;
mod answers;
mod awards;
mod bookings;
mod browser;
mod calls;
mod evaluation;
mod hardening;
mod housing;
mod import;
mod ladder;
mod observability;
mod pages;
mod planning;
mod scenarios;

#[test]
fn the_openapi_document_validates_against_the_openapi_3_1_schema() {
    let schema: Value = serde_json::from_str(include_str!("openapi/schema-3.1.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let document = ucz_web::openapi();
    let errors: Vec<String> = validator
        .iter_errors(&document)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // The validator does reject a broken document.
    let mut broken = document.clone();
    broken["paths"]["/api/v1/zones"]["get"]["responses"] = Value::from("none");
    assert!(!validator.is_valid(&broken));
}

/// Every operation has its own camelCase `operationId`, each query parameter the description
/// of its field, and every operation documents the 422 of a parameter or field it refuses.
#[test]
fn every_operation_is_named_and_its_parameters_and_refusals_described() {
    let document = ucz_web::openapi();
    let mut ids = std::collections::HashSet::new();
    for (path, operations) in document["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            assert_eq!(
                operation["operationId"].as_str(),
                Some(
                    format!(
                        "{method}_{}",
                        path.trim_start_matches('/').replace(['/', '{', '}'], "_")
                    )
                    .as_str()
                ),
                "operationIds stay as clients know them"
            );
            let id = operation["x-name"].as_str().unwrap();
            assert!(
                id.chars().next().is_some_and(|c| c.is_ascii_lowercase())
                    && id.chars().all(|c| c.is_ascii_alphanumeric()),
                "{method} {path}: {id}"
            );
            assert!(ids.insert(id.to_string()), "{method} {path}: {id} twice");
            assert_eq!(
                operation["responses"]["422"]["content"]["application/problem+json"]["schema"]["$ref"],
                "#/components/schemas/Problem",
                "{method} {path}"
            );
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                if parameter["in"] == "query" {
                    assert!(
                        parameter["description"]
                            .as_str()
                            .is_some_and(|d| !d.is_empty()),
                        "{method} {path}: {parameter}"
                    );
                }
            }
        }
    }
    let firms = &document["paths"]["/api/v1/firms"];
    assert_eq!(firms["get"]["x-name"], "listFirms");
    assert_eq!(firms["post"]["x-name"], "createFirm");
    assert_eq!(
        document["paths"]["/api/v1/firms/{id}"]["get"]["x-name"],
        "readFirm"
    );
    let stage = firms["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "stage")
        .unwrap();
    assert_eq!(
        stage["description"],
        "Only the firms at this growth stage (a stage id of the catalog)."
    );
}

/// The answers' check is a real one: an answer off its schema is caught.
#[test]
fn an_answer_off_its_schema_is_caught() {
    let zone = serde_json::json!({"id": "z", "name": "가", "zone_type": "new_town", "region": "daejeon", "demo": false});
    conforms("get", "/api/v1/zones/z", StatusCode::OK, &zone);
    let page = serde_json::json!({"items": [zone], "total": 1, "limit": 50, "offset": 0});
    conforms("get", "/api/v1/zones", StatusCode::OK, &page);
    for (path, wrong) in [
        ("/api/v1/zones/z", serde_json::json!({"id": "z", "name": 5})),
        (
            "/api/v1/zones",
            serde_json::json!({"items": [{"id": 1}], "total": 1}),
        ),
        (
            "/api/v1/facilities/1",
            serde_json::json!({"zone_id": "z", "type": "x", "name": "n", "floor_area_m2": "big"}),
        ),
    ] {
        let caught = std::panic::catch_unwind(|| conforms("get", path, StatusCode::OK, &wrong));
        assert!(caught.is_err(), "{path}: {wrong}");
    }
}

use reqwest::{Client, Method, StatusCode};
use serde_json::Value;
use ucz_core::Clock;
use ucz_store::Store;
use ucz_test_support::TestDatabase;
use ucz_web::AppState;
use ucz_web::auth::{hash_password, token_hash};

pub struct TestApp {
    pub base: String,
    /// With a second server on the same database: its base, and the API calls alternate.
    pub other: Option<String>,
    calls: std::sync::atomic::AtomicUsize,
    /// The second server's process, stopped with the app.
    _process: Option<Stopped>,
    pub client: Client,
    pub store: Store,
    /// The database's URL, for a second server on it.
    pub url: String,
    /// The server's and the store's clock, standing still at [`NOW`].
    pub clock: Clock,
    /// The local SMTP sink the server's mail goes to.
    pub mail: ucz_test_support::mail_sink::MailSink,
    /// The test's own database, removed with the app.
    _database: TestDatabase,
}

/// The API document as the test servers serve it.
fn document() -> &'static Value {
    static DOCUMENT: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    DOCUMENT.get_or_init(|| ucz_web::openapi_for(&ucz_core::Catalog::bundled().unwrap()))
}

/// A successful JSON answer conforms to the schema the API document gives for its operation and
/// status: every answer of the scenarios, on both databases, is checked.
pub fn conforms(method: &str, path: &str, status: StatusCode, value: &Value) {
    if !status.is_success() || value.is_null() || !path.starts_with("/api/") {
        return;
    }
    let segments: Vec<&str> = path.split('/').collect();
    let paths = document()["paths"].as_object().unwrap();
    // A literal segment beats a `{parameter}` one (`/placement/accept` before `/placement/{x}`).
    let template = paths
        .keys()
        .filter(|template| {
            let parts: Vec<&str> = template.split('/').collect();
            parts.len() == segments.len()
                && parts
                    .iter()
                    .zip(&segments)
                    .all(|(t, s)| t == s || (t.starts_with('{') && t.ends_with('}')))
        })
        .min_by_key(|template| template.matches('{').count())
        .unwrap_or_else(|| panic!("no operation in the document for {method} {path}"));
    let operation = &paths[template][method];
    assert!(
        operation.is_object(),
        "the document has no {method} {template}"
    );
    let response = &operation["responses"][status.as_str()];
    assert!(
        response.is_object(),
        "the document gives no {status} for {method} {template}"
    );
    if response["content"]["application/json"]["schema"].is_null() {
        return;
    }
    let pointer = format!(
        "#/paths/{}/{method}/responses/{}/content/application~1json/schema",
        // A JSON pointer in a URI fragment: `~` and `/` escaped, braces percent-encoded.
        template
            .replace('~', "~0")
            .replace('/', "~1")
            .replace('{', "%7B")
            .replace('}', "%7D"),
        status.as_str()
    );
    static VALIDATORS: std::sync::LazyLock<
        std::sync::Mutex<std::collections::HashMap<String, std::sync::Arc<jsonschema::Validator>>>,
    > = std::sync::LazyLock::new(Default::default);
    let known = VALIDATORS.lock().unwrap().get(&pointer).cloned();
    let validator = match known {
        Some(validator) => validator,
        None => {
            let mut root = document().clone();
            root["$ref"] = Value::from(pointer.as_str());
            let validator = std::sync::Arc::new(
                jsonschema::validator_for(&root)
                    .unwrap_or_else(|e| panic!("the schema at {pointer}: {e}")),
            );
            VALIDATORS
                .lock()
                .unwrap()
                .insert(pointer.clone(), validator.clone());
            validator
        }
    };
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{method} {path} ({status}) does not conform to {pointer}: {errors:#?}\n{value:#}"
    );
}

/// The time the test servers' clock stands at: the demo data's day, so that what the scenarios
/// see — today's date, ages, expiries — is the same whenever they run.
pub const NOW: &str = "2026-06-30T09:00:00+09:00";

/// Roles the scenarios act as; each has an API token `token-<name>`.
pub const ROLES: [&str; 6] = [
    "anonymous",
    "admin",
    "coordinator",
    "operator",
    "other_operator",
    "firm",
];

impl TestApp {
    pub async fn sqlite() -> TestApp {
        Self::sqlite_with(ucz_web::ImportLimits::default()).await
    }

    /// On SQLite, with other import limits.
    pub async fn sqlite_with(import: ucz_web::ImportLimits) -> TestApp {
        Self::start(TestDatabase::sqlite(), import).await
    }

    pub async fn postgres() -> TestApp {
        Self::start(
            TestDatabase::postgres().await,
            ucz_web::ImportLimits::default(),
        )
        .await
    }

    /// Another server on the same database, with its own connections and its own process lock,
    /// as a second server process would have; its API base URL.
    pub async fn second_server(&self) -> String {
        let store = Store::connect(&self.url).await.unwrap();
        let catalog = ucz_core::Catalog::bundled().unwrap();
        let state = AppState::new(store, catalog, false).with_clock(self.clock);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}/api/v1", listener.local_addr().unwrap());
        tokio::spawn(async move { ucz_web::serve(listener, state).await.unwrap() });
        base
    }

    /// Another server on the same database whose clock stands at another moment; its API base.
    pub async fn server_at(&self, clock: Clock) -> String {
        let store = Store::connect(&self.url).await.unwrap().with_clock(clock);
        let catalog = ucz_core::Catalog::bundled().unwrap();
        let state = AppState::new(store, catalog, false).with_clock(clock);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}/api/v1", listener.local_addr().unwrap());
        tokio::spawn(async move { ucz_web::serve(listener, state).await.unwrap() });
        base
    }

    /// Sends a request as `role` to the server at `base`.
    pub async fn call_at(
        &self,
        base: &str,
        role: &str,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        let verb = method.as_str().to_lowercase();
        let mut request = self.client.request(method, format!("{base}{path}"));
        if role != "anonymous" {
            request = request.bearer_auth(format!("token-{role}"));
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let url = response.url().clone();
        let text = response.text().await.unwrap();
        let value = serde_json::from_str(&text).unwrap_or(Value::Null);
        conforms(&verb, url.path(), status, &value);
        (status, value)
    }

    async fn start(database: TestDatabase, import: ucz_web::ImportLimits) -> TestApp {
        let store = database.store().await;
        let url = database.url.clone();
        let clock = Clock::fixed_at(NOW).unwrap();
        let store = store.with_clock(clock);
        store.migrate().await.unwrap();
        let catalog = ucz_core::Catalog::bundled().unwrap();
        let mut state = AppState::new(store.clone(), catalog, false).with_clock(clock);
        state.import = import;
        assert!(
            ucz_web::sync_catalog(&state).await.unwrap(),
            "the first start stores the catalog"
        );
        assert!(
            !ucz_web::sync_catalog(&state).await.unwrap(),
            "an unchanged catalog is not stored again"
        );
        let entries: usize = state.catalog.counts().iter().map(|(_, n)| n).sum();
        assert_eq!(store.catalog_entry_count().await.unwrap(), entries as i64);
        ucz_web::demo::load(&state, 40, clock.today())
            .await
            .unwrap();
        for (name, role, zone) in [
            ("admin", "admin", None),
            ("coordinator", "coordinator", None),
            ("operator", "operator", Some("daejeon")),
            ("other_operator", "operator", Some("busan")),
        ] {
            add_account(&store, name, role, zone, None).await;
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}/api/v1", listener.local_addr().unwrap());
        let mail = ucz_test_support::mail_sink::MailSink::start().await;
        let state = state
            .with_mail(&ucz_web::mail::MailConfig {
                smtp_url: Some(mail.url.clone()),
                from: "ucz <noreply@ucz.test>".into(),
                site: base.trim_end_matches("/api/v1").to_string(),
            })
            .unwrap();
        ucz_web::mail::start_background(&state, None);
        tokio::spawn(async move { ucz_web::serve(listener, state).await.unwrap() });
        let app = TestApp {
            mail,
            base,
            other: None,
            calls: Default::default(),
            _process: None,
            client: Client::new(),
            store,
            url,
            clock,
            _database: database,
        };
        // A firm account is bound to its firm record, so the firm comes first.
        let firm_id = "T-FIRM";
        let (status, _) = app
            .call(
                "admin",
                Method::POST,
                "/firms",
                Some(&firm_body(firm_id, "daejeon")),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
        add_account(&app.store, "firm", "firm", None, Some(firm_id)).await;
        app
    }

    /// Sends a request as `role` (an API token, or nothing for anonymous).
    pub async fn call(
        &self,
        role: &str,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        let n = self
            .calls
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let base = match &self.other {
            Some(other) if n % 2 == 1 => other,
            _ => &self.base,
        };
        self.call_at(base, role, method, path, body).await
    }

    /// On PostgreSQL with a second server process (`ucz serve`, the binary built beside these
    /// tests) on the same database; API calls alternate between the two, as a balancer
    /// spreading requests over two processes would send them.
    pub async fn postgres_two_servers() -> TestApp {
        let mut app = Self::postgres().await;
        let (address, process) = spawn_serve(
            &app.url,
            &[
                ("UCZ_SMTP_URL", app.mail.url.as_str()),
                ("UCZ_JOBS", "false"),
            ],
        )
        .await;
        app.other = Some(format!("http://{address}/api/v1"));
        app._process = Some(process);
        app
    }
}

/// A `ucz serve` process (the binary built beside these tests) on the database at `url`, its
/// clock at [`NOW`], with more environment; its address.
pub async fn spawn_serve(url: &str, env: &[(&str, &str)]) -> (String, Stopped) {
    let binary = std::env::current_exe()
        .ok()
        .and_then(|test| Some(test.parent()?.parent()?.join("ucz")))
        .filter(|ucz| ucz.exists())
        .expect("the ucz binary beside the tests: cargo test --workspace builds it");
    let mut command = std::process::Command::new(binary);
    command
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--no-demo",
            "--database-url",
            url,
        ])
        .env("UCZ_NOW", NOW)
        .env_remove("RUST_LOG")
        .env_remove("UCZ_METRICS_TOKEN")
        .stderr(std::process::Stdio::piped());
    for (key, value) in env {
        command.env(key, value);
    }
    let mut process = command.spawn().unwrap();
    let stderr = process.stderr.take().unwrap();
    let address = tokio::task::spawn_blocking(move || {
        use std::io::BufRead;
        let mut lines = std::io::BufReader::new(stderr).lines();
        let address = loop {
            let line = lines.next().expect("the server's output").unwrap();
            if let Some(rest) = line.split("serving http://").nth(1) {
                break rest.split_whitespace().next().unwrap().to_string();
            }
        };
        std::thread::spawn(move || for _ in lines.map_while(Result::ok) {});
        address
    })
    .await
    .unwrap();
    (address, Stopped(process))
}

/// An account with the password `pw-<name>` and the API token `token-<name>`.
pub async fn add_account(
    store: &Store,
    name: &str,
    role: &str,
    zone: Option<&str>,
    firm: Option<&str>,
) {
    let user = store
        .add_user(
            "test",
            name,
            &hash_password(&format!("pw-{name}")).unwrap(),
            ucz_core::account::RoleName::parse(role).unwrap(),
            zone,
            firm,
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

/// Raw SQL for the tests' own setup and tampering.
pub async fn execute(store: &Store, sql: &str) {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .execute(store.pool())
        .await
        .unwrap();
}

/// A valid firm in a zone.
pub fn firm_body(id: &str, zone: &str) -> Value {
    serde_json::json!({
        "id": id, "name": "시험기업", "founded": "2024-03-01", "stage": "early", "employees": 4,
        "region": zone, "zone": zone, "founder_age": 33, "sector": "J62",
    })
}

macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                super::scenarios::$name(super::TestApp::sqlite().await).await;
            })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                super::scenarios::$name(super::TestApp::postgres().await).await;
            })*
        }
        mod two_servers {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                super::scenarios::$name(super::TestApp::postgres_two_servers().await).await;
            })*
        }
    };
}

on_both!(
    programs_run_from_call_to_filings,
    bookings_from_rules_to_waitlist,
    housing_from_round_to_tenancies,
    zones_are_evaluated,
    evaluation_records_and_as_of,
    accounts_and_notices,
    open_calls,
    the_demo_region_runs_short,
    the_space_ladder,
    the_economic_region_ladder,
    zone_run_programs_and_words,
    pages_follow_the_role_rules,
    messages_are_shown_by_key_in_the_visitors_language,
    crud_of_every_resource,
    the_role_matrix,
    diagnosis_and_package,
    problems_are_problem_json,
    sessions_need_csrf_for_writes_and_logins_are_limited,
    the_audit_chain_holds_and_detects_tampering,
    the_openapi_document_covers_every_route,
    integrators_get_clear_answers,
    firms_can_be_tenants_of_zones_created_through_the_api,
    boundaries_hold,
    a_lease_and_a_deletion_race_without_loss,
    an_operator_reaches_only_its_zone,
    firm_accounts_follow_their_firm_record,
    operator_accounts_follow_their_zone_record,
    bodies_follow_one_policy,
    api_tokens_expire_are_limited_listed_and_audited,
    every_page_renders_for_minimal_records,
    every_answer_carries_a_request_id,
    list_filters_that_cannot_match_are_refused,
    fields_of_the_wrong_type_are_told_so,
    unknown_fields_are_told_alike,
    refusals_say_why,
    korean_pages_name_what_they_mean,
    planners_score_sites,
    the_hub_network_of_a_region,
    planners_simulate_the_pipeline,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_mail_one_digest_each() {
    accounts::two_processes_mail_one_digest_each(TestApp::postgres().await).await;
}

/// A child process killed when dropped.
pub struct Stopped(std::process::Child);

impl Drop for Stopped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
