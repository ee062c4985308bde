//! Request ids and the request log: every answer carries `x-request-id` (the client's when it is
//! a short safe token, else one the server makes), and every log line of a request carries it.

use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::Request;
use reqwest::{Method, StatusCode};
use tower::ServiceExt;
use ucz_web::error::ApiError;
use ucz_web::server::{Limits, with_limits};

use super::TestApp;

/// A server-made id: 32 hex digits.
fn is_made_by_the_server(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Success, API and page errors, a refused body: each answer has an id; a client's safe id comes
/// back, an unsafe or repeated one is replaced.
pub async fn every_answer_carries_a_request_id(app: TestApp) {
    let origin = app.base.trim_end_matches("/api/v1").to_string();
    let id_of = |response: &reqwest::Response| {
        response
            .headers()
            .get("x-request-id")
            .map(|v| v.to_str().unwrap().to_string())
    };

    // Made by the server, different for each request.
    let mut made = Vec::new();
    for (path, status) in [
        ("/api/v1/zones", StatusCode::OK),
        ("/api/v1/zones", StatusCode::OK),
        ("/api/v1/no-such-route", StatusCode::NOT_FOUND),
        ("/api/v1/zones/no-such-zone", StatusCode::NOT_FOUND),
        ("/no-such-page", StatusCode::NOT_FOUND),
    ] {
        let response = app
            .client
            .get(format!("{origin}{path}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status, "{path}");
        let id = id_of(&response).unwrap_or_else(|| panic!("{path}: no x-request-id"));
        assert!(is_made_by_the_server(&id), "{path}: {id}");
        made.push(id);
    }
    made.sort();
    made.dedup();
    assert_eq!(made.len(), 5, "every request its own id: {made:?}");

    // A wrong method and a body over the limit (413) too.
    let response = app
        .client
        .patch(format!("{}/zones", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(is_made_by_the_server(&id_of(&response).unwrap()));
    let response = app
        .client
        .post(format!("{}/zones", app.base))
        .bearer_auth("token-admin")
        .header("content-type", "application/json")
        .header("x-request-id", "big-body-1")
        .body(vec![b' '; ucz_web::MAX_BODY + 1])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(id_of(&response).as_deref(), Some("big-body-1"));

    // The client's id, when short and safe, is the request's id; on errors too.
    for (path, sent) in [
        ("/api/v1/zones", "client-7f3a.42"),
        ("/api/v1/no-such-route", "trace:abc_DEF-0"),
        ("/api/v1/zones", &"x".repeat(64)),
    ] {
        let response = app
            .client
            .get(format!("{origin}{path}"))
            .header("x-request-id", sent)
            .send()
            .await
            .unwrap();
        assert_eq!(id_of(&response).as_deref(), Some(sent), "{path}");
    }
    let (status, _) = app.call("admin", Method::GET, "/zones/daejeon", None).await;
    assert_eq!(status, StatusCode::OK);

    // Too long, characters that could break a log line, empty: replaced by the server's own.
    let too_long = "x".repeat(65);
    for sent in [
        too_long.as_str(),
        "two words",
        "a\"b",
        "a/b",
        "<script>",
        "",
    ] {
        let response = app
            .client
            .get(format!("{}/zones", app.base))
            .header("x-request-id", sent)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{sent:?}");
        let id = id_of(&response).unwrap();
        assert!(is_made_by_the_server(&id), "{sent:?} gave {id}");
    }
    // Sent twice: neither is taken.
    let response = app
        .client
        .get(format!("{}/zones", app.base))
        .header("x-request-id", "first-one")
        .header("x-request-id", "second-one")
        .send()
        .await
        .unwrap();
    let ids: Vec<_> = response.headers().get_all("x-request-id").iter().collect();
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert!(is_made_by_the_server(ids[0].to_str().unwrap()), "{ids:?}");
}

/// A log that writes into memory.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Log {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Log {
    fn subscriber(&self) -> impl tracing::Subscriber + Send + Sync + 'static {
        let log = self.clone();
        tracing_subscriber::fmt()
            .with_writer(move || log.clone())
            .with_ansi(false)
            .with_max_level(tracing::Level::INFO)
            .finish()
    }
    fn lines(&self) -> Vec<String> {
        String::from_utf8(self.0.lock().unwrap().clone())
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect()
    }
}

/// Sends one request through `router` as the server assembles it (limits, request id, log).
async fn send(router: &axum::Router, path: &str, id: Option<&str>) -> axum::http::Response<Body> {
    let mut request = Request::get(path);
    if let Some(id) = id {
        request = request.header("x-request-id", id);
    }
    with_limits(router.clone(), Limits::default())
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap()
}

/// The log line of each request carries its id, method, path (not the query), status and
/// latency; an event inside a handler carries the id too; a server error is logged at error
/// with its problem.
#[tokio::test]
async fn every_log_line_of_a_request_carries_its_id() {
    // The process's one subscriber: a subscriber scoped to this test would miss the span of a
    // callsite whose interest another test's thread cached meanwhile. Other tests' lines land
    // here too; the assertions pick this test's by their request ids.
    static LOG: std::sync::OnceLock<Log> = std::sync::OnceLock::new();
    let log = LOG.get_or_init(|| {
        let log = Log::default();
        let _ = tracing::subscriber::set_global_default(log.subscriber());
        log
    });
    let lines = async {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("ucz.db").display());
        let store = ucz_store::Store::connect(&url).await.unwrap();
        store.migrate().await.unwrap();
        let state = ucz_web::AppState::new(store, ucz_core::Catalog::bundled().unwrap(), false);
        let app = ucz_web::router(state);

        let response = send(&app, "/api/v1/zones/atlantis", Some("look-for-me-1")).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        // An unknown parameter (422): its value is not logged.
        let response = send(&app, "/api/v1/zones?secret=hunter2", Some("look-for-me-2")).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let response = send(&app, "/api/v1/zones", None).await;
        let made = response.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .to_string();

        let failing = axum::Router::new().route(
            "/broken",
            axum::routing::get(|| async {
                tracing::warn!("about to fail");
                ApiError::internal("the disk is full")
            }),
        );
        let response = send(&failing, "/broken", Some("look-for-me-3")).await;
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        (log.lines(), made)
    }
    .await;
    let (lines, made) = lines;
    let text = lines.join("\n");
    let line_of = |id: &str| -> Vec<&String> {
        lines
            .iter()
            .filter(|l| l.contains(&format!("id={id} ")))
            .collect()
    };

    let first = line_of("look-for-me-1");
    assert_eq!(first.len(), 1, "{text}");
    for part in [
        " INFO ",
        "method=GET",
        "path=/api/v1/zones/atlantis",
        "status=404",
        "latency=",
    ] {
        assert!(first[0].contains(part), "{part}: {text}");
    }
    let second = line_of("look-for-me-2");
    assert_eq!(second.len(), 1, "{text}");
    assert!(second[0].contains("status=422"), "{text}");
    assert!(
        !text.contains("hunter2"),
        "the query string is not logged: {text}"
    );
    assert!(is_made_by_the_server(&made), "{made}");
    assert_eq!(line_of(&made).len(), 1, "{text}");

    let failed = line_of("look-for-me-3");
    assert_eq!(failed.len(), 2, "{text}");
    assert!(
        failed[0].contains(" WARN ") && failed[0].contains("about to fail"),
        "{text}"
    );
    for part in [
        " ERROR ",
        "status=500",
        "code=\"internal\"",
        "the disk is full",
    ] {
        assert!(failed[1].contains(part), "{part}: {text}");
    }
}
