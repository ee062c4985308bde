//! The scenarios, each run on SQLite and on PostgreSQL.

pub use super::ladder::{the_demo_region_runs_short, the_economic_region_ladder, the_space_ladder};
pub use super::pages::{
    messages_are_shown_by_key_in_the_visitors_language, pages_follow_the_role_rules,
    zone_run_programs_and_words,
};
pub use crate::accounts::accounts_and_notices;
pub use crate::awards::programs_run_from_call_to_filings;
pub use crate::bookings::bookings_from_rules_to_waitlist;
pub use crate::calls::open_calls;
pub use crate::evaluation::{evaluation_records_and_as_of, zones_are_evaluated};
pub use crate::housing::housing_from_round_to_tenancies;
pub use crate::planning::{
    planners_score_sites, planners_simulate_the_pipeline, the_hub_network_of_a_region,
};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

pub use super::answers::*;
pub use super::hardening::*;
pub use super::observability::every_answer_carries_a_request_id;

use super::{ROLES, TestApp, execute, firm_body};

fn zone_body(id: &str) -> Value {
    json!({"id": id, "name": "시험 특구", "zone_type": "new_town", "region": "gwangju", "strategic_industries": ["AI"]})
}

pub async fn crud_of_every_resource(app: TestApp) {
    // Zone
    let (status, zone) = app
        .call(
            "admin",
            Method::POST,
            "/zones",
            Some(&zone_body("testzone")),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{zone}");
    assert_eq!(zone["name"], "시험 특구");
    let (status, page) = app
        .call("anonymous", Method::GET, "/zones?limit=2", None)
        .await;
    assert_eq!(
        (
            status,
            page["items"].as_array().unwrap().len(),
            page["total"].as_i64()
        ),
        (StatusCode::OK, 2, Some(6))
    );
    let mut changed = zone_body("testzone");
    changed["name"] = json!("바뀐 특구");
    let (status, zone) = app
        .call(
            "coordinator",
            Method::PUT,
            "/zones/testzone",
            Some(&changed),
        )
        .await;
    assert_eq!(
        (status, zone["name"].as_str()),
        (StatusCode::OK, Some("바뀐 특구"))
    );

    // Facility, space, institution
    let facility = json!({"zone_id": "testzone", "type": "incubation_space", "name": "보육센터", "floor_area_m2": 900, "units": 12});
    let (status, facility) = app
        .call("admin", Method::POST, "/facilities", Some(&facility))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{facility}");
    let facility_id = facility["id"].as_i64().unwrap();
    let space = json!({"facility_id": facility_id, "name": "101호", "kind": "incubation_room", "area_m2": 33.5, "monthly_rent_krw": 300000});
    let (status, space) = app
        .call("admin", Method::POST, "/spaces", Some(&space))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{space}");
    let institution = json!({"zone_id": "testzone", "kind": "university", "name": "시험대학교"});
    let (status, institution) = app
        .call("admin", Method::POST, "/institutions", Some(&institution))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{institution}");
    let (status, list) = app
        .call(
            "operator",
            Method::GET,
            &format!("/spaces?facility_id={facility_id}"),
            None,
        )
        .await;
    assert_eq!((status, list["total"].as_i64()), (StatusCode::OK, Some(1)));
    let mut renamed = json!({"zone_id": "testzone", "type": "incubation_space", "name": "창업보육센터", "floor_area_m2": 950});
    let (status, updated) = app
        .call(
            "admin",
            Method::PUT,
            &format!("/facilities/{facility_id}"),
            Some(&renamed),
        )
        .await;
    assert_eq!(
        (status, updated["name"].as_str()),
        (StatusCode::OK, Some("창업보육센터"))
    );
    renamed["type"] = json!("castle");
    let (status, problem) = app
        .call(
            "admin",
            Method::PUT,
            &format!("/facilities/{facility_id}"),
            Some(&renamed),
        )
        .await;
    assert_eq!(
        (status, problem["errors"][0]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("type"))
    );

    // Firm
    let (status, firm) = app
        .call(
            "operator",
            Method::POST,
            "/firms",
            Some(&firm_body("T-NEW", "daejeon")),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{firm}");
    let mut grown = firm_body("T-NEW", "daejeon");
    grown["employees"] = json!(9);
    let (status, firm) = app
        .call("operator", Method::PUT, "/firms/T-NEW", Some(&grown))
        .await;
    assert_eq!(
        (status, firm["employees"].as_i64()),
        (StatusCode::OK, Some(9))
    );
    let (status, page) = app.call("operator", Method::GET, "/firms", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["zone"] == "daejeon"),
        "an operator lists its zone's firms"
    );

    // Deletes
    for path in [
        format!("/spaces/{}", space["id"]),
        format!("/institutions/{}", institution["id"]),
        "/firms/T-NEW".into(),
    ] {
        let (status, _) = app.call("admin", Method::DELETE, &path, None).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{path}");
        let (status, _) = app.call("admin", Method::GET, &path, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let (status, _) = app
        .call("admin", Method::DELETE, "/zones/testzone", None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app
        .call(
            "admin",
            Method::GET,
            &format!("/facilities/{facility_id}"),
            None,
        )
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a zone's facilities go with it"
    );
}

/// Every route × every role: allowed (2xx or 404 for a missing id), or refused (401/403), and a
/// refused write changes nothing.
pub async fn the_role_matrix(app: TestApp) {
    let (_, facility) = app
        .call("admin", Method::POST, "/facilities", Some(&json!({"zone_id": "daejeon", "type": "tenant_space", "name": "M", "floor_area_m2": 10})))
        .await;
    let f = facility["id"].as_i64().unwrap();
    let (_, space) = app
        .call(
            "admin",
            Method::POST,
            "/spaces",
            Some(&json!({"facility_id": f, "name": "S", "kind": "lab", "area_m2": 5})),
        )
        .await;
    let s = space["id"].as_i64().unwrap();
    let (_, institution) = app
        .call(
            "admin",
            Method::POST,
            "/institutions",
            Some(&json!({"zone_id": "daejeon", "kind": "operator", "name": "I"})),
        )
        .await;
    let i = institution["id"].as_i64().unwrap();

    let facility_body =
        json!({"zone_id": "daejeon", "type": "tenant_space", "name": "M2", "floor_area_m2": 11});
    let space_body = json!({"facility_id": f, "name": "S2", "kind": "lab", "area_m2": 6});
    let institution_body = json!({"zone_id": "daejeon", "kind": "operator", "name": "I2"});
    let daejeon = app
        .call("admin", Method::GET, "/zones/daejeon", None)
        .await
        .1;
    let mut daejeon_body = daejeon.clone();
    daejeon_body.as_object_mut().unwrap().remove("demo");

    // (method, path, body, roles allowed: anonymous admin coordinator operator other_operator firm)
    let y = true;
    let n = false;
    let routes: Vec<(Method, String, Option<Value>, [bool; 6])> = vec![
        (Method::GET, "/catalog".into(), None, [y, y, y, y, y, y]),
        (
            Method::GET,
            "/catalog/programs".into(),
            None,
            [y, y, y, y, y, y],
        ),
        (Method::GET, "/zones".into(), None, [y, y, y, y, y, y]),
        (
            Method::GET,
            "/zones/daejeon".into(),
            None,
            [y, y, y, y, y, y],
        ),
        (
            Method::GET,
            "/zones/daejeon/diagnosis".into(),
            None,
            [y, y, y, y, y, y],
        ),
        (
            Method::PUT,
            "/zones/daejeon".into(),
            Some(daejeon_body),
            [n, y, y, y, n, n],
        ),
        (Method::GET, "/facilities".into(), None, [n, y, y, y, y, y]),
        (
            Method::GET,
            format!("/facilities/{f}"),
            None,
            [n, y, y, y, y, y],
        ),
        (
            Method::PUT,
            format!("/facilities/{f}"),
            Some(facility_body.clone()),
            [n, y, n, y, n, n],
        ),
        (Method::GET, "/spaces".into(), None, [n, y, y, y, y, y]),
        (
            Method::GET,
            format!("/spaces/{s}"),
            None,
            [n, y, y, y, y, y],
        ),
        (
            Method::PUT,
            format!("/spaces/{s}"),
            Some(space_body.clone()),
            [n, y, n, y, n, n],
        ),
        (
            Method::GET,
            "/institutions".into(),
            None,
            [n, y, y, y, y, y],
        ),
        (
            Method::GET,
            format!("/institutions/{i}"),
            None,
            [n, y, y, y, y, y],
        ),
        (
            Method::PUT,
            format!("/institutions/{i}"),
            Some(institution_body.clone()),
            [n, y, n, y, n, n],
        ),
        (Method::GET, "/firms".into(), None, [n, y, y, y, y, n]),
        (
            Method::GET,
            "/firms/T-FIRM".into(),
            None,
            [n, y, y, y, n, y],
        ),
        (
            Method::PUT,
            "/firms/T-FIRM".into(),
            Some(firm_body("T-FIRM", "daejeon")),
            [n, y, n, y, n, y],
        ),
        (
            Method::GET,
            "/firms/T-FIRM/package".into(),
            None,
            [n, y, y, y, n, y],
        ),
        (
            Method::GET,
            "/audit?limit=1".into(),
            None,
            [n, y, y, n, n, n],
        ),
        (Method::GET, "/session".into(), None, [n, y, y, y, y, y]),
        (
            Method::POST,
            "/zones".into(),
            Some(zone_body("matrixzone")),
            [n, y, y, n, n, n],
        ),
        (
            Method::POST,
            "/facilities".into(),
            Some(facility_body),
            [n, y, n, y, n, n],
        ),
        (
            Method::POST,
            "/spaces".into(),
            Some(space_body),
            [n, y, n, y, n, n],
        ),
        (
            Method::POST,
            "/institutions".into(),
            Some(institution_body),
            [n, y, n, y, n, n],
        ),
        (
            Method::POST,
            "/firms".into(),
            Some(firm_body("T-MATRIX", "daejeon")),
            [n, y, n, y, n, n],
        ),
    ];
    for (method, path, body, allowed) in &routes {
        for (r, role) in ROLES.iter().enumerate() {
            let audit_before = app.store.audit(1, 0).await.unwrap().first().map(|a| a.id);
            let (status, response) = app.call(role, method.clone(), path, body.as_ref()).await;
            if allowed[r] {
                assert!(
                    status.is_success(),
                    "{role} {method} {path}: {status} {response}"
                );
                // Creations are undone so that the next role can create the same record.
                if *method == Method::POST {
                    let id = response["id"]
                        .as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| response["id"].to_string());
                    let (status, _) = app
                        .call("admin", Method::DELETE, &format!("{path}/{id}"), None)
                        .await;
                    assert_eq!(status, StatusCode::NO_CONTENT, "cleanup {path}/{id}");
                }
            } else {
                let expected = if *role == "anonymous" {
                    StatusCode::UNAUTHORIZED
                } else {
                    StatusCode::FORBIDDEN
                };
                assert_eq!(status, expected, "{role} {method} {path}: {response}");
                assert_eq!(
                    response["code"],
                    if *role == "anonymous" {
                        "unauthenticated"
                    } else {
                        "forbidden"
                    }
                );
                let audit_after = app.store.audit(1, 0).await.unwrap().first().map(|a| a.id);
                assert_eq!(
                    audit_before, audit_after,
                    "a refused {method} {path} by {role} changed nothing"
                );
            }
        }
    }
    // Deletes last: the allowed role deletes, the others are refused first.
    for (path, allowed) in [
        (format!("/spaces/{s}"), [n, y, n, y, n, n]),
        (format!("/institutions/{i}"), [n, y, n, y, n, n]),
        (format!("/facilities/{f}"), [n, y, n, y, n, n]),
        ("/firms/T-FIRM".to_string(), [n, y, n, y, n, n]),
    ] {
        for (r, role) in ROLES.iter().enumerate().filter(|(r, _)| !allowed[*r]) {
            let (status, _) = app.call(role, Method::DELETE, &path, None).await;
            assert!(
                matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN),
                "{role} DELETE {path}: {status} ({r})"
            );
        }
        let (status, _) = app.call("operator", Method::DELETE, &path, None).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "operator DELETE {path}");
    }
    for role in ["coordinator", "operator", "firm", "anonymous"] {
        let (status, _) = app.call(role, Method::DELETE, "/zones/gwangju", None).await;
        assert!(
            matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN),
            "{role} DELETE zone"
        );
    }
}

pub async fn diagnosis_and_package(app: TestApp) {
    let (status, diagnosis) = app
        .call("anonymous", Method::GET, "/zones/daejeon/diagnosis", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(diagnosis["zone"]["id"], "daejeon");
    assert_eq!(diagnosis["functions"].as_array().unwrap().len(), 4);
    assert_eq!(diagnosis["typology"]["id"], "enterprise_tenant");
    // Adding worker housing through the API makes the living function present.
    let housing = json!({"zone_id": "daejeon", "type": "worker_housing", "name": "근로자지원주택", "floor_area_m2": 5000});
    let (status, _) = app
        .call("operator", Method::POST, "/facilities", Some(&housing))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, diagnosis) = app
        .call("anonymous", Method::GET, "/zones/daejeon/diagnosis", None)
        .await;
    let living = diagnosis["functions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "living")
        .unwrap()
        .clone();
    assert_eq!(living["status"], "present");

    let (status, package) = app
        .call(
            "firm",
            Method::GET,
            "/firms/T-FIRM/package?as_of=2026-06-30",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{package}");
    assert_eq!(package["firm"], "T-FIRM");
    let eligible: Vec<&str> = package["eligible"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    assert!(eligible.contains(&"early_startup_package"), "{eligible:?}");
    assert!(
        eligible.contains(&"employee_special_supply"),
        "a zone tenant with employees: {eligible:?}"
    );
    let (status, problem) = app
        .call(
            "firm",
            Method::GET,
            "/firms/T-FIRM/package?as_of=tomorrow",
            None,
        )
        .await;
    assert_eq!(
        (status, problem["errors"][0]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("as_of"))
    );
}

pub async fn problems_are_problem_json(app: TestApp) {
    let response = app
        .client
        .get(format!("{}/zones/atlantis", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let problem: Value = response.json().await.unwrap();
    assert_eq!(
        (problem["code"].as_str(), problem["status"].as_i64()),
        (Some("not_found"), Some(404))
    );

    let mut bad_zone = zone_body("badzone");
    bad_zone["zone_type"] = json!("castle_town");
    let (status, problem) = app
        .call("admin", Method::POST, "/zones", Some(&bad_zone))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["code"], "validation");
    assert_eq!(problem["errors"][0]["field"], "zone_type");
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("expected one of: new_town"),
        "{problem}"
    );

    let mut bad_firm = firm_body("T-BAD", "daejeon");
    bad_firm["employees"] = json!(-3);
    let (status, problem) = app
        .call("admin", Method::POST, "/firms", Some(&bad_firm))
        .await;
    assert_eq!(
        (status, problem["errors"][0]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("employees"))
    );

    let response = app
        .client
        .post(format!("{}/zones", app.base))
        .bearer_auth("token-admin")
        .header("content-type", "application/json")
        .body("{\"id\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["code"], "bad_request");

    // The server answers 413 as soon as it sees the length; it may close the connection while
    // the client is still sending, which the client then reports as a reset. Either way,
    // nothing is written.
    let huge = json!({"id": "huge", "name": "x".repeat(2 << 20)});
    // On a client of its own: the connection the server closes must not be reused by the next
    // request.
    let sent = reqwest::Client::new()
        .post(format!("{}/zones", app.base))
        .bearer_auth("token-admin")
        .json(&huge)
        .send()
        .await;
    match sent {
        Ok(response) => assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE),
        Err(error) => assert!(error.is_request() || error.is_body(), "{error}"),
    }
    let (status, _) = app.call("admin", Method::GET, "/zones/huge", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "nothing written");

    let (status, problem) = app
        .call("admin", Method::POST, "/zones", Some(&zone_body("daejeon")))
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("conflict"))
    );
    let (status, problem) = app.call("admin", Method::GET, "/firms?limit=0", None).await;
    assert_eq!(
        (status, problem["errors"][0]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("limit"))
    );
    let (status, problem) = app
        .call("anonymous", Method::GET, "/no/such/route", None)
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("unknown_route"))
    );
    let (status, _) = app.call("anonymous", Method::GET, "/zones", None).await;
    assert_eq!(status, StatusCode::OK, "the server is still up");
}

pub async fn sessions_need_csrf_for_writes_and_logins_are_limited(app: TestApp) {
    let response = app
        .client
        .post(format!("{}/session", app.base))
        .json(&json!({"username": "operator", "password": "pw-operator"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let session = cookie.split(';').next().unwrap().to_string();
    let body: Value = response.json().await.unwrap();
    let csrf = body["csrf_token"].as_str().unwrap().to_string();

    let me = app
        .client
        .get(format!("{}/session", app.base))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    let me: Value = me.json().await.unwrap();
    assert_eq!(me["user"]["username"], "operator");

    let facility =
        json!({"zone_id": "daejeon", "type": "tenant_space", "name": "쿠키", "floor_area_m2": 10});
    let without = app
        .client
        .post(format!("{}/facilities", app.base))
        .header("cookie", &session)
        .json(&facility)
        .send()
        .await
        .unwrap();
    assert_eq!(without.status(), StatusCode::FORBIDDEN);
    let problem: Value = without.json().await.unwrap();
    assert_eq!(problem["code"], "csrf");
    let with = app
        .client
        .post(format!("{}/facilities", app.base))
        .header("cookie", &session)
        .header("x-csrf-token", &csrf)
        .json(&facility)
        .send()
        .await
        .unwrap();
    assert_eq!(with.status(), StatusCode::CREATED);

    let logout = app
        .client
        .delete(format!("{}/session", app.base))
        .header("cookie", &session)
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    let me = app
        .client
        .get(format!("{}/session", app.base))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED, "the session is gone");

    for attempt in 0..6 {
        let response = app
            .client
            .post(format!("{}/session", app.base))
            .json(&json!({"username": "coordinator", "password": "guess"}))
            .send()
            .await
            .unwrap();
        let expected = if attempt < 5 {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::TOO_MANY_REQUESTS
        };
        assert_eq!(response.status(), expected, "attempt {attempt}");
    }
    let response = app
        .client
        .post(format!("{}/session", app.base))
        .json(&json!({"username": "coordinator", "password": "pw-coordinator"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits"
    );

    let (status, token) = app
        .call(
            "firm",
            Method::POST,
            "/tokens",
            Some(&json!({"name": "script"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let fresh = token["token"].as_str().unwrap();
    let response = app
        .client
        .get(format!("{}/firms/T-FIRM", app.base))
        .bearer_auth(fresh)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

pub async fn the_audit_chain_holds_and_detects_tampering(app: TestApp) {
    let (status, _) = app
        .call(
            "operator",
            Method::POST,
            "/firms",
            Some(&firm_body("T-AUDIT", "daejeon")),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, audit) = app
        .call("coordinator", Method::GET, "/audit?limit=5", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let newest = &audit["items"][0];
    assert_eq!(
        (
            newest["actor"].as_str(),
            newest["action"].as_str(),
            newest["entity_id"].as_str()
        ),
        (Some("operator"), Some("create"), Some("T-AUDIT"))
    );
    assert_eq!(newest["after"]["id"], "T-AUDIT");
    assert_eq!(audit["chain"]["broken_at"], Value::Null);
    assert_eq!(audit["chain"]["head"], newest["hash"], "{}", audit["chain"]);
    assert_eq!(audit["chain"]["erased"], 0);
    assert_eq!(newest["version"], 2);
    assert_eq!(newest["erased_at"], Value::Null);

    // Erasing the payload (the firm's founder's age among it) keeps the chain intact.
    let id = newest["id"].as_i64().unwrap();
    assert!(app.store.erase_audit_payload("admin", id).await.unwrap());
    let (_, audit) = app.call("admin", Method::GET, "/audit?limit=2", None).await;
    assert_eq!(audit["chain"]["broken_at"], Value::Null);
    assert_eq!(audit["chain"]["erased"], 1);
    assert_eq!(
        (
            audit["items"][0]["action"].as_str(),
            audit["items"][0]["entity"].as_str()
        ),
        (Some("erase"), Some("audit"))
    );
    assert_eq!(
        audit["items"][1]["after"],
        serde_json::json!({"erased": true})
    );
    assert_eq!(audit["items"][1]["payload_hash"], newest["payload_hash"]);

    // Editing a payload that was not erased breaks the chain.
    let (status, _) = app
        .call(
            "operator",
            Method::POST,
            "/firms",
            Some(&firm_body("T-AUDIT2", "daejeon")),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    execute(
        &app.store,
        "UPDATE audit SET after = REPLACE(after, 'T-AUDIT2', 'T-OTHER') WHERE entity_id = 'T-AUDIT2'",
    )
    .await;
    let (_, audit) = app.call("admin", Method::GET, "/audit?limit=1", None).await;
    assert!(audit["chain"]["broken_at"].is_i64(), "{}", audit["chain"]);
}

/// Every operation of the OpenAPI document is served (none falls through to `unknown_route`),
/// and the document is well formed; the reference page loads nothing from elsewhere.
pub async fn the_openapi_document_covers_every_route(app: TestApp) {
    let root = app.base.trim_end_matches("/api/v1").to_string();
    let document: Value = app
        .client
        .get(format!("{root}/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(document["openapi"], "3.1.0");
    let mut operation_ids = std::collections::HashSet::new();
    let paths = document["paths"].as_object().unwrap();
    assert_eq!(paths.len(), 151);
    for (path, operations) in paths {
        for (method, operation) in operations.as_object().unwrap() {
            assert!(
                operation["responses"].is_object() && operation["summary"].is_string(),
                "{method} {path}"
            );
            assert!(
                operation_ids.insert(operation["operationId"].as_str().unwrap().to_string()),
                "unique operationId"
            );
            if let Some(reference) =
                operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].as_str()
            {
                let name = reference.trim_start_matches("#/components/schemas/");
                assert!(
                    document["components"]["schemas"][name].is_object(),
                    "{reference}"
                );
            }
            let concrete = path
                .replace("{kind}", "programs")
                .replace("{id}", "daejeon");
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let mut request = app
                .client
                .request(method.clone(), format!("{root}{concrete}"))
                .bearer_auth("token-admin");
            if operation["requestBody"].is_object() {
                request = request.json(&json!({}));
            }
            let response = request.send().await.unwrap();
            let status = response.status();
            let body: Value = response.json().await.unwrap_or(Value::Null);
            assert_ne!(
                body["code"], "unknown_route",
                "{method} {path} is documented but not served ({status})"
            );
        }
    }
    // Every answer with a body is described: one kind of the catalog is any of the catalog's
    // fields.
    for (path, operations) in paths {
        for (method, operation) in operations.as_object().unwrap() {
            for (status, response) in operation["responses"].as_object().unwrap() {
                if path.starts_with("/api/v1/") && matches!(status.as_str(), "200" | "201") {
                    // JSON, or a file of the media type it was stored with.
                    assert!(
                        response["content"]["application/json"]["schema"].is_object()
                            || response["content"]["*/*"]["schema"].is_object(),
                        "{method} {path} {status} is undescribed"
                    );
                }
            }
        }
    }
    let kinds = document["components"]["schemas"]["Catalog"]["properties"]
        .as_object()
        .map_or(0, |p| p.len());
    let kind = &document["paths"]["/api/v1/catalog/{kind}"]["get"]["responses"]["200"];
    let any_of = &kind["content"]["application/json"]["schema"]["anyOf"];
    assert_eq!(any_of.as_array().map(Vec::len), Some(kinds), "{kind}");
    assert!(kinds > 10);
    let (status, problem) = app
        .call("admin", Method::PATCH, "/zones/daejeon", Some(&json!({})))
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::METHOD_NOT_ALLOWED, Some("method_not_allowed")),
        "undocumented: not served"
    );

    let page = app
        .client
        .get(format!("{root}/api/docs"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("/api/v1/firms/{id}/package"));
    assert!(
        !page.contains("<script") && !page.contains("src=\"http") && !page.contains("href=\"http"),
        "nothing from the network"
    );
}

/// What a new integrator ran into: names with control characters, ids that disagree with the
/// URL, query strings that do not parse, facilities read back as written, revoking a token.
pub async fn integrators_get_clear_answers(app: TestApp) {
    let tabbed =
        json!({"zone_id": "daejeon", "type": "tenant_space", "name": "a\tb", "floor_area_m2": 10});
    let (status, problem) = app
        .call("admin", Method::POST, "/facilities", Some(&tabbed))
        .await;
    assert_eq!(
        (status, problem["errors"][0]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("name"))
    );
    let (status, _) = app
        .call("anonymous", Method::GET, "/zones/daejeon/diagnosis", None)
        .await;
    assert_eq!(status, StatusCode::OK, "the diagnosis stays computable");

    let mut other = firm_body("T-FIRM", "daejeon");
    other["id"] = json!("T-ELSE");
    let (status, problem) = app
        .call("admin", Method::PUT, "/firms/T-FIRM", Some(&other))
        .await;
    assert_eq!(
        (status, problem["errors"][0]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("id"))
    );

    for query in [
        "/firms?limit=abc",
        "/facilities?zon=daejeon",
        "/audit?limit=1.5",
    ] {
        let response = app
            .client
            .get(format!("{}{query}", app.base))
            .bearer_auth("token-admin")
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{query}"
        );
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json",
            "{query}"
        );
    }
    let (status, page) = app
        .call("admin", Method::GET, "/firms?zone_id=daejeon", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["zone"] == "daejeon")
    );

    let facility = json!({"zone_id": "daejeon", "type": "support_space", "name": "시험인증센터", "floor_area_m2": 100});
    let (_, created) = app
        .call("operator", Method::POST, "/facilities", Some(&facility))
        .await;
    let path = format!("/facilities/{}", created["id"]);
    let (_, read) = app.call("operator", Method::GET, &path, None).await;
    assert_eq!(
        read["type"], "support_space",
        "read back with the field it was written with"
    );
    let (status, _) = app.call("operator", Method::PUT, &path, Some(&read)).await;
    assert_eq!(status, StatusCode::OK, "what was read can be written back");

    let (_, token) = app
        .call(
            "firm",
            Method::POST,
            "/tokens",
            Some(&json!({"name": "once"})),
        )
        .await;
    let token = token["token"].as_str().unwrap().to_string();
    let revoke = app
        .client
        .delete(format!("{}/session", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(revoke.status(), StatusCode::NO_CONTENT);
    let after = app
        .client
        .get(format!("{}/session", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        after.status(),
        StatusCode::UNAUTHORIZED,
        "a revoked token no longer works"
    );
    // Each list takes its own filters: another list's filter is refused, not ignored.
    for (path, ok) in [
        ("/zones?zone_id=daejeon", false),
        ("/zones?limit=5", true),
        ("/facilities?region=daejeon", false),
        ("/facilities?zone_id=daejeon", true),
        ("/spaces?zone_id=daejeon", false),
        ("/hubs?region=daejeon", true),
        ("/hubs?stage=early", false),
        ("/leases?firm_id=x&space_id=1", true),
        ("/leases?zone=daejeon", false),
        ("/firms?zone=daejeon&stage=early&region=daejeon", true),
        ("/audit?limit=1&firm_id=x", false),
        ("/zones/daejeon?lang=en", false),
        ("/zones/daejeon/diagnosis?x=1", false),
        ("/zones/daejeon/diagnosis", true),
        ("/audit?limit=1", true),
    ] {
        let (status, body) = app.call("admin", Method::GET, path, None).await;
        if ok {
            assert_eq!(status, StatusCode::OK, "{path}: {body}");
        } else {
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {body}");
            assert_eq!(body["errors"][0]["field"], "query", "{path}: {body}");
        }
    }
    // What a client reads it may send back: the server's own fields (`demo`) are not refused.
    for path in ["/firms/T-FIRM", "/zones/daejeon"] {
        let (status, record) = app.call("admin", Method::GET, path, None).await;
        assert_eq!(status, StatusCode::OK, "{path}: {record}");
        assert!(record.get("demo").is_some(), "{path}: {record}");
        let (status, body) = app.call("admin", Method::PUT, path, Some(&record)).await;
        assert_eq!(status, StatusCode::OK, "{path} sent back as read: {body}");
    }
    // An operator asking for another zone's firms is refused, not answered with its own.
    let (status, body) = app
        .call("operator", Method::GET, "/firms?zone=busan", None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = app
        .call("operator", Method::GET, "/firms?zone=daejeon", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // A firm missing its required fields hears of every one at once.
    let (status, body) = app
        .call(
            "admin",
            Method::POST,
            "/firms",
            Some(&json!({"id": "REV-2"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(fields, ["stage", "region", "founder_age"], "{body}");
    // An impossible founder's age and a founding date after today are refused on their fields.
    let mut firm = firm_body("REV-3", "daejeon");
    firm["founder_age"] = json!(300);
    firm["founded"] = json!("2030-01-01");
    let (status, body) = app.call("admin", Method::POST, "/firms", Some(&firm)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["field"], "founder_age", "{body}");
    firm["founder_age"] = json!(40);
    let (status, body) = app.call("admin", Method::POST, "/firms", Some(&firm)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["field"], "founded", "{body}");
    // A refusal says whose the record is.
    let facility = json!({"zone_id": "busan", "type": "tenant_space", "name": "남의 시설", "floor_area_m2": 10});
    let (status, body) = app
        .call("operator", Method::POST, "/facilities", Some(&facility))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(
        body["detail"].as_str().is_some_and(|d| d.contains("busan")),
        "{body}"
    );
    // A login or a token without its fields is told which, field by field.
    let (status, body) = app
        .call(
            "anonymous",
            Method::POST,
            "/session",
            Some(&json!({"username": "admin"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["field"], "password", "{body}");
    let (status, body) = app
        .call("admin", Method::POST, "/tokens", Some(&json!({})))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["field"], "name", "{body}");
}

/// The operator of a zone created through the API can have tenant firms, in the zone's region,
/// and their packages count them as zone tenants.
pub async fn firms_can_be_tenants_of_zones_created_through_the_api(app: TestApp) {
    let (status, _) = app
        .call("admin", Method::POST, "/zones", Some(&zone_body("newzone")))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, firm) = app
        .call(
            "admin",
            Method::POST,
            "/firms",
            Some(&firm_body("T-NEWZONE", "gwangju").tap_zone("newzone")),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{firm}");
    let (status, problem) = app
        .call(
            "admin",
            Method::POST,
            "/firms",
            Some(&firm_body("T-ELSEWHERE", "busan").tap_zone("newzone")),
        )
        .await;
    assert_eq!(
        (status, problem["errors"][0]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("zone"))
    );
    let (status, package) = app
        .call(
            "admin",
            Method::GET,
            "/firms/T-NEWZONE/package?as_of=2026-06-30",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{package}");
    let eligible: Vec<&str> = package["eligible"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    assert!(
        eligible.contains(&"employee_special_supply"),
        "{eligible:?}"
    );
}

/// Review findings: a zone with tenants cannot be deleted (a new zone of the same id would inherit
/// them), facility units fit the plan's type, firm ids are path-safe.
pub async fn boundaries_hold(app: TestApp) {
    let (status, problem) = app
        .call("admin", Method::DELETE, "/zones/daejeon", None)
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("conflict")),
        "{problem}"
    );
    let huge = json!({"zone_id": "daejeon", "type": "tenant_space", "name": "큰 시설", "floor_area_m2": 10, "units": 5_000_000_000_u64});
    let (status, problem) = app
        .call("operator", Method::POST, "/facilities", Some(&huge))
        .await;
    assert_eq!(
        (status, problem["errors"][0]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("units"))
    );
    let (status, _) = app
        .call("anonymous", Method::GET, "/zones/daejeon/diagnosis", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, problem) = app
        .call(
            "admin",
            Method::POST,
            "/firms",
            Some(&firm_body("a/b", "daejeon")),
        )
        .await;
    assert_eq!(
        (status, problem["errors"][0]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("id"))
    );
    let (status, _) = app
        .call(
            "other_operator",
            Method::POST,
            "/firms",
            Some(&firm_body("T-FIRM", "busan")),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "an id taken in another zone is not revealed"
    );
}

trait TapZone {
    fn tap_zone(self, zone: &str) -> Value;
}

impl TapZone for Value {
    fn tap_zone(mut self, zone: &str) -> Value {
        self["zone"] = json!(zone);
        self
    }
}
