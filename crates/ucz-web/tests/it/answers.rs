//! Answers a client can act on: a filter that can never match, a body field of the wrong type,
//! an unknown field, a refusal and a placement's every problem are each told on their own terms.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::TestApp;

/// The fields of a problem's errors, in order.
pub fn fields(problem: &Value) -> Vec<&str> {
    problem["errors"]
        .as_array()
        .map(|errors| errors.iter().filter_map(|e| e["field"].as_str()).collect())
        .unwrap_or_default()
}

/// The message of the error on `field`.
fn message_on<'a>(problem: &'a Value, field: &str) -> &'a str {
    problem["errors"]
        .as_array()
        .and_then(|errors| errors.iter().find(|e| e["field"] == field))
        .and_then(|e| e["message"].as_str())
        .unwrap_or_default()
}

/// A list filter that can never match is refused on its parameter, naming what it accepts; a
/// well-formed id of a record that does not exist still lists nothing.
pub async fn list_filters_that_cannot_match_are_refused(app: TestApp) {
    for (path, parameter, told) in [
        ("/firms?stage=nonsense", "stage", "early"),
        ("/firms?region=nowhere", "region", "daejeon"),
        ("/hubs?region=nowhere", "region", "daejeon"),
        ("/spaces?facility_id=abc", "facility_id", "whole number"),
        ("/leases?space_id=abc", "space_id", "whole number"),
    ] {
        let (status, problem) = app.call("admin", Method::GET, path, None).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path}: {problem}"
        );
        assert_eq!(problem["code"], "validation", "{path}: {problem}");
        assert_eq!(fields(&problem), [parameter], "{path}: {problem}");
        assert!(
            message_on(&problem, parameter).contains(told),
            "{path}: {problem}"
        );
    }
    // Every parameter at fault at once.
    let (status, problem) = app
        .call(
            "admin",
            Method::GET,
            "/firms?stage=x&region=y&limit=0",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(fields(&problem), ["limit", "stage", "region"], "{problem}");
    // Values that can match, and record ids that merely do not exist, still list.
    for (path, empty) in [
        ("/firms?region=daejeon", Some(false)),
        ("/hubs?region=seoul", None),
        ("/spaces?facility_id=999999", Some(true)),
        ("/leases?space_id=999999", Some(true)),
        ("/firms?zone=no-such-zone", Some(true)),
    ] {
        let (status, page) = app.call("admin", Method::GET, path, None).await;
        assert_eq!(status, StatusCode::OK, "{path}: {page}");
        if let Some(empty) = empty {
            assert_eq!(page["total"] == 0, empty, "{path}: {page}");
        }
    }
}

/// A body field of the wrong JSON type is a 422 on that field saying which type it must be, at
/// login and token creation as in the records; a missing one is still "required".
pub async fn fields_of_the_wrong_type_are_told_so(app: TestApp) {
    for (role, path, body, field, told) in [
        (
            "anonymous",
            "/session",
            json!({"username": 5, "password": "x"}),
            "username",
            "wrong type: expected text, found a number",
        ),
        (
            "anonymous",
            "/session",
            json!({"username": "admin", "password": ["pw-admin"]}),
            "password",
            "wrong type: expected text, found a list",
        ),
        (
            "admin",
            "/tokens",
            json!({"name": {"a": 1}}),
            "name",
            "wrong type: expected text, found an object",
        ),
        (
            "admin",
            "/tokens",
            json!({"name": "ci", "days": "ninety"}),
            "days",
            "wrong type: expected a number, found text",
        ),
        (
            "admin",
            "/tokens",
            json!({"name": "ci", "days": 1.5}),
            "days",
            "1 to 365 days",
        ),
        (
            "admin",
            "/tokens",
            json!({"name": "ci", "expires": 3}),
            "expires",
            "unknown field \"expires\"; a NewToken has: days, name",
        ),
        (
            "operator",
            "/facilities",
            json!({"zone_id": "daejeon", "type": "tenant_space", "name": "형 시험동", "floor_area_m2": "big"}),
            "floor_area_m2",
            "wrong type: expected a number, found text",
        ),
        (
            "operator",
            "/leases",
            json!({"space_id": "1", "firm_id": "T-FIRM", "starts": "2026-07-01", "ends": "2027-07-01"}),
            "space_id",
            "wrong type: expected a number, found text",
        ),
    ] {
        let (status, problem) = app.call(role, Method::POST, path, Some(&body)).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {problem}"
        );
        assert_eq!(message_on(&problem, field), told, "{body}: {problem}");
    }
    // Missing and mistyped at once: each field is told its own problem.
    let (status, problem) = app
        .call(
            "anonymous",
            Method::POST,
            "/session",
            Some(&json!({"password": true})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(fields(&problem), ["username", "password"], "{problem}");
    assert_eq!(message_on(&problem, "username"), "required: a user name");
    // A login and a token that are right still work.
    let (status, _) = app
        .call(
            "anonymous",
            Method::POST,
            "/session",
            Some(&json!({"username": "admin", "password": "pw-admin"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, token) = app
        .call(
            "admin",
            Method::POST,
            "/tokens",
            Some(&json!({"name": "ci", "days": 7})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{token}");
    // Text that is not JSON stays a 400.
    let response = app
        .client
        .post(format!("{}/session", app.base))
        .header("content-type", "application/json")
        .body("{\"username\":")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

/// An unknown top-level field of a firm or a zone is told as for every other record: the
/// field, the record and the fields it has.
pub async fn unknown_fields_are_told_alike(app: TestApp) {
    let mut firm = super::firm_body("UF-1", "daejeon");
    firm["employes"] = json!(4);
    let zone = json!({"id": "uf_zone", "name": "가", "zone_type": "new_town", "region": "gwangju", "budget": 1});
    let hub = json!({"id": "uf-hub", "name": "가", "kind": "business_incubator", "region": "daejeon", "budget": 1});
    for (path, body, field, record) in [
        ("/firms", &firm, "employes", "Firm"),
        ("/zones", &zone, "budget", "Zone"),
        ("/hubs", &hub, "budget", "Hub"),
    ] {
        let (status, problem) = app.call("admin", Method::POST, path, Some(body)).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path}: {problem}"
        );
        assert_eq!(fields(&problem), [field], "{path}: {problem}");
        let told = message_on(&problem, field);
        assert!(
            told.starts_with(&format!("unknown field \"{field}\"; a {record} has: ")),
            "{path}: {told}"
        );
    }
    let (_, problem) = app.call("admin", Method::POST, "/firms", Some(&firm)).await;
    assert!(
        message_on(&problem, "employes").contains("employees"),
        "the accepted fields are named: {problem}"
    );
    // Without the unknown field both are written as before.
    firm.as_object_mut().unwrap().remove("employes");
    let mut zone = zone;
    zone.as_object_mut().unwrap().remove("budget");
    for (path, body) in [("/firms", &firm), ("/zones", &zone)] {
        let (status, created) = app.call("admin", Method::POST, path, Some(body)).await;
        assert_eq!(status, StatusCode::CREATED, "{path}: {created}");
    }
}

/// A refusal a user can understand says why; a firm the caller may not read is still refused
/// without a word about it.
pub async fn refusals_say_why(app: TestApp) {
    let lease =
        json!({"space_id": 1, "firm_id": "T-FIRM", "starts": "2026-07-01", "ends": "2027-07-01"});
    let mut moved = super::firm_body("T-FIRM", "busan");
    moved["region"] = json!("busan");
    let busan_firm = super::firm_body("RS-BUSAN", "busan");
    let hub =
        json!({"id": "rs-hub", "name": "가", "kind": "business_incubator", "region": "daejeon"});
    let zone = json!({"id": "busan", "name": "부산", "zone_type": "new_town", "region": "busan"});
    for (role, method, path, body, because) in [
        (
            "firm",
            Method::POST,
            "/leases",
            Some(&lease),
            "not by a firm account",
        ),
        (
            "firm",
            Method::PUT,
            "/firms/T-FIRM",
            Some(&moved),
            "does not move its firm to another zone",
        ),
        (
            "firm",
            Method::GET,
            "/firms",
            None,
            "a firm account reads its own profile only",
        ),
        (
            "operator",
            Method::POST,
            "/firms",
            Some(&busan_firm),
            "the firms of zone busan are kept by its operator",
        ),
        (
            "operator",
            Method::PUT,
            "/firms/T-FIRM",
            Some(&moved),
            "the firms of zone busan are kept by its operator",
        ),
        (
            "coordinator",
            Method::PUT,
            "/firms/T-FIRM",
            Some(&super::firm_body("T-FIRM", "daejeon")),
            "coordinators read firms",
        ),
        (
            "operator",
            Method::POST,
            "/hubs",
            Some(&hub),
            "kept by coordinators and admins",
        ),
        (
            "operator",
            Method::PUT,
            "/zones/busan",
            Some(&zone),
            "this zone (busan)",
        ),
        (
            "firm",
            Method::GET,
            "/audit",
            None,
            "read by coordinators and admins",
        ),
    ] {
        let (status, problem) = app.call(role, method.clone(), path, body).await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "{role} {method} {path}: {problem}"
        );
        let detail = problem["detail"].as_str().unwrap_or_default();
        assert!(detail.contains(because), "{role} {method} {path}: {detail}");
    }
    // A firm account learns nothing of another firm, whether it exists or not.
    let (status, _) = app
        .call("admin", Method::POST, "/firms", Some(&busan_firm))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    for method in [Method::GET, Method::PUT, Method::DELETE] {
        let mut answers = Vec::new();
        for id in ["RS-BUSAN", "NO-SUCH"] {
            let body = super::firm_body(id, "busan");
            let path = format!("/firms/{id}");
            let (status, problem) = app.call("firm", method.clone(), &path, Some(&body)).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}: {problem}");
            answers.push(problem);
        }
        assert_eq!(answers[0], answers[1], "{method}");
        assert_eq!(answers[0]["detail"], "your role may not do this");
    }
}

/// The text of a page without its code samples (the rules, which stay CEL on purpose).
fn prose(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(start) = rest.find("<code") {
        out.push_str(&rest[..start]);
        rest = rest[start..]
            .find("</code>")
            .map_or("", |end| &rest[start + end + "</code>".len()..]);
    }
    out.push_str(rest);
    out
}

/// The Korean pages say in words, with the catalog's Korean names, what the rules and the
/// refusals name by id.
pub async fn korean_pages_name_what_they_mean(app: TestApp) {
    let firm = super::pages::Browser::new(&app, Some("firm")).await;
    let (status, _, html) = firm.get("/firms/T-FIRM?lang=ko").await;
    assert_eq!(status, StatusCode::OK);
    let text = prose(&html);
    // A clause of alternatives reads as words, not as the rule's identifiers.
    assert!(
        text.contains("기업부설연구소 보유 기업 대상 또는 연구개발비 0원 초과 대상"),
        "{text}"
    );
    assert!(!text.contains("firm.has_rnd_lab"), "{text}");
    assert!(!text.contains("\"rnd_special_zone\""), "{text}");
    // A refusal names the zone by its name, in the visitor's language.
    let operator = super::pages::Browser::new(&app, Some("operator")).await;
    let form = [
        ("_csrf", operator.csrf.as_str()),
        ("zone_id", "busan"),
        ("type", "tenant_space"),
        ("name", "남의 시설"),
        ("floor_area_m2", "10"),
    ];
    let (status, _, html) = operator.post("/facilities/new?lang=ko", &form).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{html}");
    assert!(
        html.contains("특구 부산 도심융합특구 (센텀2)의 시설·공간은 그 특구 운영기관이 관리합니다"),
        "{html}"
    );
    // The API keeps its English with the id.
    let body = json!({"zone_id": "busan", "type": "tenant_space", "name": "남의 시설", "floor_area_m2": 10});
    let (_, problem) = app
        .call("operator", Method::POST, "/facilities", Some(&body))
        .await;
    assert_eq!(
        problem["detail"],
        "what zone busan holds is kept by its operator"
    );
}
