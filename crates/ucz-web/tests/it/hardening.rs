//! What a hostile or unlucky client must not achieve, on both databases: a deletion racing a
//! lease losing the lease, an operator reaching past its zone, a firm account outliving its firm,
//! bodies with unknown fields, repeated keys or invisible characters, tokens without end, and a
//! page that fails for a record with only its required fields.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{TestApp, add_account, firm_body};

async fn created(app: &TestApp, role: &str, path: &str, body: Value) -> Value {
    let (status, value) = app.call(role, Method::POST, path, Some(&body)).await;
    assert_eq!(status, StatusCode::CREATED, "{path} {body}: {value}");
    value
}

/// A lease for a firm and the deletion of that firm (or of the space) sent at the same moment,
/// in both orders and to two servers on PostgreSQL: never both acknowledged, never a 500, and
/// an acknowledged lease is still there afterwards.
pub async fn a_lease_and_a_deletion_race_without_loss(app: TestApp) {
    let second = if app.url.starts_with("postgres") {
        app.second_server().await
    } else {
        app.base.clone()
    };
    let facility = created(
        &app,
        "admin",
        "/facilities",
        json!({"zone_id": "daejeon", "type": "tenant_space", "name": "경합동", "floor_area_m2": 5000}),
    )
    .await;
    let facility = facility["id"].as_i64().unwrap();
    let mut outcomes = std::collections::BTreeMap::new();
    for round in 0..200 {
        let firm = format!("RACE-{round}");
        created(&app, "admin", "/firms", firm_body(&firm, "daejeon")).await;
        let space = created(
            &app,
            "admin",
            "/spaces",
            json!({"facility_id": facility, "name": format!("{round}호"), "kind": "rental_unit", "area_m2": 40}),
        )
        .await;
        let space = space["id"].as_i64().unwrap();
        let lease = json!({"space_id": space, "firm_id": firm, "starts": "2026-01-01", "ends": "2027-01-01"});
        // Half the rounds delete the firm, half the space; the order and the servers alternate.
        let doomed = if round % 4 < 2 {
            format!("/firms/{firm}")
        } else {
            format!("/spaces/{space}")
        };
        let (lease_base, delete_base) = if round % 2 == 0 {
            (app.base.as_str(), second.as_str())
        } else {
            (second.as_str(), app.base.as_str())
        };
        let leasing = app.call_at(lease_base, "admin", Method::POST, "/leases", Some(&lease));
        let deleting = app.call_at(delete_base, "admin", Method::DELETE, &doomed, None);
        let ((leased, lease_body), (deleted, delete_body)) = if round % 2 == 0 {
            tokio::join!(leasing, deleting)
        } else {
            let (d, l) = tokio::join!(deleting, leasing);
            (l, d)
        };
        assert!(
            leased != StatusCode::INTERNAL_SERVER_ERROR
                && deleted != StatusCode::INTERNAL_SERVER_ERROR,
            "round {round}: {leased} {lease_body} / {deleted} {delete_body}"
        );
        assert!(
            !(leased == StatusCode::CREATED && deleted == StatusCode::NO_CONTENT),
            "round {round}: both acknowledged"
        );
        match (leased, deleted) {
            (StatusCode::CREATED, _) => {
                assert_eq!(
                    deleted,
                    StatusCode::CONFLICT,
                    "round {round}: {delete_body}"
                );
                assert_eq!(delete_body["code"], "conflict");
                let (status, read) = app
                    .call(
                        "admin",
                        Method::GET,
                        &format!("/leases/{}", lease_body["id"]),
                        None,
                    )
                    .await;
                assert_eq!(
                    status,
                    StatusCode::OK,
                    "round {round}: the lease was lost: {read}"
                );
            }
            (_, StatusCode::NO_CONTENT) => {
                assert!(
                    matches!(
                        leased,
                        StatusCode::CONFLICT
                            | StatusCode::NOT_FOUND
                            | StatusCode::UNPROCESSABLE_ENTITY
                    ),
                    "round {round}: {leased} {lease_body}"
                );
                assert!(
                    lease_body["code"].is_string(),
                    "a problem body: {lease_body}"
                );
                let (_, leases) = app
                    .call(
                        "admin",
                        Method::GET,
                        &format!("/leases?firm_id={firm}"),
                        None,
                    )
                    .await;
                assert_eq!(leases["total"], 0, "round {round}: {leases}");
            }
            other => {
                panic!("round {round}: neither acknowledged: {other:?} {lease_body} {delete_body}")
            }
        }
        *outcomes
            .entry(format!("{} {}", leased.as_u16(), deleted.as_u16()))
            .or_insert(0) += 1;
    }
    // The database backs the rule too: a lease's firm cannot be deleted behind the server's back.
    let (_, leases) = app
        .call("admin", Method::GET, "/leases?limit=1", None)
        .await;
    if let Some(lease) = leases["items"].get(0) {
        let firm = lease["firm_id"].as_str().unwrap().to_string();
        let refused = sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM firms WHERE id = '{firm}'"
        )))
        .execute(app.store.pool())
        .await;
        assert!(refused.is_err(), "ON DELETE RESTRICT");
    }
    // Which request won, as "lease-status delete-status": count.
    eprintln!("race outcomes: {outcomes:?}");
    assert_eq!(outcomes.values().sum::<usize>(), 200);
}

/// An operator moves its own zone to another region (refused), and sees of its region's
/// placement plan only its own graduates and the proposals for spaces it keeps.
pub async fn an_operator_reaches_only_its_zone(app: TestApp) {
    let (_, zone) = app
        .call("operator", Method::GET, "/zones/daejeon", None)
        .await;
    let mut moved = zone.clone();
    moved.as_object_mut().unwrap().remove("demo");
    moved["region"] = json!("busan");
    let (status, problem) = app
        .call("operator", Method::PUT, "/zones/daejeon", Some(&moved))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");
    assert!(problem["detail"].as_str().unwrap().contains("region"));
    let (status, _) = app
        .call("operator", Method::GET, "/placement?region=busan", None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "busan is not its region");
    let (_, zone) = app.call("admin", Method::GET, "/zones/daejeon", None).await;
    assert_eq!(zone["region"], "daejeon", "nothing changed");
    // Its other fields it may still change.
    let mut renamed = moved.clone();
    renamed["region"] = json!("daejeon");
    renamed["location"] = json!("대전역 일원");
    let (status, _) = app
        .call("operator", Method::PUT, "/zones/daejeon", Some(&renamed))
        .await;
    assert_eq!(status, StatusCode::OK);

    // Graduates in Daejeon: one from the zone's incubator, one from a hub's incubator outside
    // the zone, and a room the zone keeps for them.
    let facility = created(
        &app,
        "operator",
        "/facilities",
        json!({"zone_id": "daejeon", "type": "incubation_space", "name": "보육동", "floor_area_m2": 900}),
    )
    .await;
    let room = created(
        &app,
        "operator",
        "/spaces",
        json!({"facility_id": facility["id"], "name": "B101", "kind": "incubation_room", "area_m2": 30}),
    )
    .await;
    let office = created(
        &app,
        "operator",
        "/spaces",
        json!({"facility_id": facility["id"], "name": "P201", "kind": "post_bi_office", "area_m2": 80}),
    )
    .await;
    created(
        &app,
        "coordinator",
        "/hubs",
        json!({"id": "dj-bi", "name": "대전 창업보육센터", "kind": "business_incubator", "region": "daejeon"}),
    )
    .await;
    let hub_room = created(
        &app,
        "coordinator",
        "/spaces",
        json!({"hub_id": "dj-bi", "name": "H1", "kind": "incubation_room", "area_m2": 30}),
    )
    .await;
    let mut outsider = firm_body("OUTSIDE-1", "daejeon");
    outsider.as_object_mut().unwrap().remove("zone");
    created(&app, "admin", "/firms", outsider).await;
    created(&app, "admin", "/firms", firm_body("INSIDE-1", "daejeon")).await;
    for (space, firm) in [(&room, "INSIDE-1"), (&hub_room, "OUTSIDE-1")] {
        created(
            &app,
            "admin",
            "/leases",
            json!({"space_id": space["id"], "firm_id": firm, "starts": "2024-09-01", "ends": "2026-08-01",
                "needs": {"area_m2": 60}}),
        )
        .await;
    }
    let path = "/placement?region=daejeon&as_of=2026-06-30";
    let (status, whole) = app.call("coordinator", Method::GET, path, None).await;
    assert_eq!(status, StatusCode::OK, "{whole}");
    assert!(whole.to_string().contains("OUTSIDE-1"), "{whole}");
    assert!(whole["withheld"].is_null());
    let (status, narrowed) = app.call("operator", Method::GET, path, None).await;
    assert_eq!(status, StatusCode::OK, "{narrowed}");
    assert_eq!(
        narrowed["graduates"], whole["graduates"],
        "counts stay whole"
    );
    // Every firm the operator is shown is one it may open, or one proposed a space it keeps.
    let keeps = office["id"].to_string();
    let shown: Vec<(String, Option<String>)> = narrowed["needs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["firm"].as_str().unwrap().to_string(), None))
        .chain(
            narrowed["unplaced"]
                .as_array()
                .unwrap()
                .iter()
                .map(|u| (u["firm"].as_str().unwrap().to_string(), None)),
        )
        .chain(narrowed["proposals"].as_array().unwrap().iter().map(|p| {
            (
                p["firm"].as_str().unwrap().to_string(),
                Some(p["space"].as_str().unwrap().to_string()),
            )
        }))
        .collect();
    assert!(shown.iter().any(|(f, _)| f == "INSIDE-1"), "{narrowed}");
    for (firm, space) in &shown {
        let (status, _) = app
            .call("operator", Method::GET, &format!("/firms/{firm}"), None)
            .await;
        let proposed_to_its_space = narrowed["proposals"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["firm"] == firm.as_str() && p["space"] == keeps);
        assert!(
            status == StatusCode::OK || proposed_to_its_space,
            "{firm} ({space:?}) shown to an operator who cannot open it: {narrowed}"
        );
    }
    let withheld = &narrowed["withheld"];
    let total = withheld["graduates"].as_u64().unwrap() as usize
        + narrowed["needs"].as_array().unwrap().len();
    assert_eq!(
        total as u64,
        whole["needs"].as_array().unwrap().len() as u64,
        "{withheld}"
    );
    if !narrowed.to_string().contains("OUTSIDE-1") {
        assert!(withheld["graduates"].as_u64().unwrap() >= 1, "{withheld}");
    }
    // A firm sees no regional plan at all.
    let (status, _) = app.call("firm", Method::GET, path, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// A firm account holds its firm record's internal key: deleting the firm disables the account
/// (its token and login stop working), and a new firm given the same id does not revive it.
pub async fn firm_accounts_follow_their_firm_record(app: TestApp) {
    created(&app, "admin", "/firms", firm_body("GONE-1", "daejeon")).await;
    add_account(&app.store, "gone", "firm", None, Some("GONE-1")).await;
    let (status, firm) = app.call("gone", Method::GET, "/firms/GONE-1", None).await;
    assert_eq!(status, StatusCode::OK, "{firm}");
    let (status, _) = app
        .call("admin", Method::DELETE, "/firms/GONE-1", None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    created(&app, "admin", "/firms", firm_body("GONE-1", "daejeon")).await;
    let (status, _) = app.call("gone", Method::GET, "/firms/GONE-1", None).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the token went with the account"
    );
    let (status, _) = app
        .call(
            "anonymous",
            Method::POST,
            "/session",
            Some(&json!({"username": "gone", "password": "pw-gone"})),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "a disabled account cannot log in"
    );
    let (_, audit) = app
        .call("admin", Method::GET, "/audit?limit=50", None)
        .await;
    assert!(
        audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "disable" && e["entity"] == "user"),
        "the disabling is audited"
    );
    assert_eq!(audit["chain"]["broken_at"], Value::Null);
    // Accounts can only be bound to a firm that exists.
    let missing = app
        .store
        .add_user(
            "test",
            "nobody",
            "x",
            ucz_core::account::RoleName::Firm,
            None,
            Some("NO-SUCH-FIRM"),
        )
        .await;
    assert!(missing.is_err());
}

/// An operator account holds its zone's internal key: deleting the zone disables it, and a later
/// zone of the same id is not its zone.
pub async fn operator_accounts_follow_their_zone_record(app: TestApp) {
    let zone = json!({"id": "gonezone", "name": "사라질 특구", "zone_type": "new_town", "region": "gwangju"});
    created(&app, "admin", "/zones", zone.clone()).await;
    add_account(&app.store, "zoneop", "operator", Some("gonezone"), None).await;
    let mut plan = zone.clone();
    plan["name"] = json!("고친 특구");
    let (status, body) = app
        .call("zoneop", Method::PUT, "/zones/gonezone", Some(&plan))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = app
        .call("admin", Method::DELETE, "/zones/gonezone", None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    created(&app, "admin", "/zones", zone.clone()).await;
    let (status, _) = app
        .call("zoneop", Method::PUT, "/zones/gonezone", Some(&plan))
        .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the account and its token went with the zone"
    );
    let (_, audit) = app
        .call("admin", Method::GET, "/audit?limit=20", None)
        .await;
    let disabled = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "disable" && e["entity"] == "user")
        .cloned()
        .unwrap_or_default();
    assert_eq!(disabled["after"]["zone_id"], "gonezone", "{disabled}");
    assert_eq!(disabled["after"]["disabled"], true, "{disabled}");
    // Accounts can only be bound to a zone that exists.
    let missing = app
        .store
        .add_user(
            "test",
            "nozone",
            "x",
            ucz_core::account::RoleName::Operator,
            Some("atlantis"),
            None,
        )
        .await;
    assert!(missing.is_err());
}

/// Unknown fields are refused by name on every resource, a key given twice is refused, and
/// names holding bidirectional overrides or zero-width characters are refused.
pub async fn bodies_follow_one_policy(app: TestApp) {
    let facility = created(
        &app,
        "admin",
        "/facilities",
        json!({"zone_id": "daejeon", "type": "tenant_space", "name": "정책동", "floor_area_m2": 100}),
    )
    .await;
    let space = created(
        &app,
        "admin",
        "/spaces",
        json!({"facility_id": facility["id"], "name": "S1", "kind": "rental_unit", "area_m2": 40}),
    )
    .await;
    let cases = [
        (
            "coordinator",
            "/hubs",
            json!({"id": "h-x", "name": "거점", "kind": "business_incubator", "region": "daejeon", "role": "admin", "is_admin": true}),
        ),
        (
            "admin",
            "/facilities",
            json!({"zone_id": "daejeon", "type": "tenant_space", "name": "F", "floor_area_m2": 10, "is_admin": true}),
        ),
        (
            "admin",
            "/spaces",
            json!({"facility_id": facility["id"], "name": "S", "kind": "lab", "area_m2": 5, "is_admin": true}),
        ),
        (
            "admin",
            "/institutions",
            json!({"zone_id": "daejeon", "kind": "operator", "name": "I", "is_admin": true}),
        ),
        (
            "admin",
            "/leases",
            json!({"space_id": space["id"], "firm_id": "T-FIRM", "starts": "2026-01-01", "ends": "2027-01-01", "is_admin": true}),
        ),
        (
            "admin",
            "/firms",
            json!({"id": "F-X", "stage": "early", "region": "daejeon", "founder_age": 30, "founded": "2024-01-01", "is_admin": true}),
        ),
        (
            "admin",
            "/zones",
            json!({"id": "zx", "name": "특구", "zone_type": "new_town", "region": "gwangju", "is_admin": true}),
        ),
    ];
    for (role, path, body) in cases {
        let (status, problem) = app.call(role, Method::POST, path, Some(&body)).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path}: {problem}"
        );
        assert!(
            problem.to_string().contains("is_admin"),
            "{path}: the unknown field is named: {problem}"
        );
    }
    let (_, hubs) = app.call("admin", Method::GET, "/hubs", None).await;
    assert!(!hubs.to_string().contains("is_admin"), "nothing kept");

    // A key given twice.
    let response = app
        .client
        .post(format!("{}/facilities", app.base))
        .bearer_auth("token-admin")
        .header("content-type", "application/json")
        .body(r#"{"zone_id": "daejeon", "type": "tenant_space", "name": "A", "name": "B", "floor_area_m2": 10}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let problem: Value = response.json().await.unwrap();
    assert!(
        problem["detail"].as_str().unwrap().contains("/name"),
        "{problem}"
    );

    // Invisible characters in names.
    for name in ["invoice\u{202E}fdp.exe", "보육\u{200B}센터", "a\u{2066}b"] {
        let (status, problem) = app
            .call(
                "admin",
                Method::POST,
                "/facilities",
                Some(&json!({"zone_id": "daejeon", "type": "tenant_space", "name": name, "floor_area_m2": 10})),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{name:?}: {problem}"
        );
        let mut firm = firm_body("F-BIDI", "daejeon");
        firm["name"] = json!(name);
        let (status, problem) = app.call("admin", Method::POST, "/firms", Some(&firm)).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{name:?}: {problem}"
        );
        let zone =
            json!({"id": "zbidi", "name": name, "zone_type": "new_town", "region": "gwangju"});
        let (status, problem) = app.call("admin", Method::POST, "/zones", Some(&zone)).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{name:?}: {problem}"
        );
    }
}

/// Tokens expire (90 days unless asked), an account holds at most 20, lists them without their
/// secrets and revokes them; creation and revocation are audited.
pub async fn api_tokens_expire_are_limited_listed_and_audited(app: TestApp) {
    let (status, made) = app
        .call(
            "operator",
            Method::POST,
            "/tokens",
            Some(&json!({"name": "ci"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let expires = made["expires_at"].as_str().unwrap();
    let in_90_days = app.clock.stamp_in(90 * 86_400);
    assert_eq!(&expires[..10], &in_90_days[..10]);
    let secret = made["token"].as_str().unwrap().to_string();
    let id = made["id"].as_str().unwrap().to_string();
    let (status, list) = app.call("operator", Method::GET, "/tokens", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(list.to_string().contains(&id) && !list.to_string().contains(&secret));
    let (status, _) = app
        .call(
            "operator",
            Method::POST,
            "/tokens",
            Some(&json!({"name": "x", "days": 400})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // The limit: the account holds the test token and "ci"; 18 more fit, the 21st does not.
    for n in 0..18 {
        let (status, _) = app
            .call(
                "operator",
                Method::POST,
                "/tokens",
                Some(&json!({"name": format!("t{n}")})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let (status, problem) = app
        .call(
            "operator",
            Method::POST,
            "/tokens",
            Some(&json!({"name": "one too many"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    // Another account cannot revoke it; its owner can, and the secret stops working.
    let (status, _) = app
        .call(
            "coordinator",
            Method::DELETE,
            &format!("/tokens/{id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let me = |token: &str| {
        app.client
            .get(format!("{}/session", app.base))
            .bearer_auth(token.to_string())
            .send()
    };
    assert_eq!(me(&secret).await.unwrap().status(), StatusCode::OK);
    let (status, _) = app
        .call("operator", Method::DELETE, &format!("/tokens/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        me(&secret).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    // An expired token is refused.
    let (_, made) = app
        .call(
            "coordinator",
            Method::POST,
            "/tokens",
            Some(&json!({"name": "old"})),
        )
        .await;
    super::execute(
        &app.store,
        "UPDATE api_tokens SET expires_at = '2000-01-01T00:00:00Z' WHERE name = 'old'",
    )
    .await;
    assert_eq!(
        me(made["token"].as_str().unwrap()).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    let (_, audit) = app
        .call("admin", Method::GET, "/audit?limit=100", None)
        .await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["entity"] == "api token")
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"create") && actions.contains(&"revoke"),
        "{actions:?}"
    );
}

/// Records with only their required fields, made through the API, and every page that shows
/// them: none fails.
pub async fn every_page_renders_for_minimal_records(app: TestApp) {
    created(
        &app,
        "admin",
        "/zones",
        json!({"id": "bare", "name": "최소 특구", "zone_type": "new_town", "region": "gwangju"}),
    )
    .await;
    let facility = created(
        &app,
        "admin",
        "/facilities",
        json!({"zone_id": "bare", "type": "tenant_space", "name": "F", "floor_area_m2": 1}),
    )
    .await;
    let space = created(
        &app,
        "admin",
        "/spaces",
        json!({"facility_id": facility["id"], "name": "S", "kind": "rental_unit", "area_m2": 1}),
    )
    .await;
    let institution = created(
        &app,
        "admin",
        "/institutions",
        json!({"zone_id": "bare", "kind": "operator", "name": "I"}),
    )
    .await;
    created(
        &app,
        "admin",
        "/firms",
        json!({"id": "BARE-1", "stage": "pre_startup", "region": "gwangju", "founder_age": 30}),
    )
    .await;
    created(
        &app,
        "coordinator",
        "/hubs",
        json!({"id": "bare-hub", "name": "H", "kind": "business_incubator", "region": "gwangju"}),
    )
    .await;
    created(
        &app,
        "admin",
        "/leases",
        json!({"space_id": space["id"], "firm_id": "BARE-1", "starts": "2026-01-01", "ends": "2026-12-01"}),
    )
    .await;
    let origin = app.base.trim_end_matches("/api/v1").to_string();
    let login = app
        .client
        .post(format!("{}/session", app.base))
        .json(&json!({"username": "admin", "password": "pw-admin"}))
        .send()
        .await
        .unwrap();
    let cookie = login.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let pages = [
        "/".to_string(),
        "/zones/bare".into(),
        "/zones/bare?lang=en".into(),
        "/zones/bare/edit".into(),
        "/zones/new".into(),
        "/facilities/new?zone=bare".into(),
        format!("/spaces/new?zone=bare&facility={}", facility["id"]),
        "/institutions/new?zone=bare".into(),
        "/firms/new?zone=bare".into(),
        "/zones/bare/delete".into(),
        format!("/facilities/{}/edit", facility["id"]),
        format!("/spaces/{}/edit", space["id"]),
        format!("/institutions/{}/edit", institution["id"]),
        "/firms".into(),
        "/firms/BARE-1".into(),
        "/firms/BARE-1?lang=en".into(),
        "/firms/BARE-1/edit".into(),
        "/placement?region=gwangju".into(),
        "/catalog".into(),
        "/account".into(),
        "/import".into(),
        "/export/zones.csv".into(),
        "/export/firms.xlsx".into(),
    ];
    for page in pages {
        let response = app
            .client
            .get(format!("{origin}{page}"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let csp = response
            .headers()
            .get("content-security-policy")
            .map(|v| v.to_str().unwrap().to_string());
        assert_eq!(
            status,
            StatusCode::OK,
            "{page}: {}",
            response.text().await.unwrap()
        );
        assert!(
            csp.is_some_and(|c| c.contains("script-src 'self'") && !c.contains("unsafe-eval")),
            "{page}: the content security policy"
        );
    }

    // The account page makes a token (shown once), lists it and revokes it, with the form token.
    let account = app
        .client
        .get(format!("{origin}/account"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = account
        .split("name=\"_csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_string();
    let form = |pairs: &[(&str, &str)]| {
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish()
    };
    let post = |path: String, body: String| {
        app.client
            .post(format!("{origin}{path}"))
            .header("cookie", &cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    let response = post(
        "/account/tokens".into(),
        form(&[("_csrf", &csrf), ("name", "page token"), ("days", "7")]),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let html = response.text().await.unwrap();
    assert!(
        html.contains("id=\"new-token\"") && html.contains("page token"),
        "{html}"
    );
    let forged = post("/account/tokens".into(), form(&[("name", "x")]))
        .await
        .unwrap();
    assert_eq!(
        forged.status(),
        StatusCode::FORBIDDEN,
        "no form token, no token"
    );
    let (_, tokens) = app.call("admin", Method::GET, "/tokens", None).await;
    let made = tokens["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "page token")
        .unwrap()
        .clone();
    let id = made["id"].as_str().unwrap();
    let response = post(
        format!("/account/tokens/{id}/revoke"),
        form(&[("_csrf", &csrf)]),
    )
    .await
    .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "followed to the account page"
    );
    let (_, tokens) = app.call("admin", Method::GET, "/tokens", None).await;
    assert!(!tokens.to_string().contains("page token"), "{tokens}");
}

/// The server's limits on a router of its own: half-sent headers and idle kept-alive
/// connections are closed, connections beyond the maximum are closed at once, a request that
/// takes too long gets 408 with a problem body, and every answer has the security headers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_idle_and_surplus_connections_are_closed() {
    use std::time::{Duration, Instant};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let router = axum::Router::new()
        .route("/fast", axum::routing::get(|| async { "ok" }))
        .route(
            "/slow",
            axum::routing::get(|| async {
                tokio::time::sleep(Duration::from_secs(30)).await;
                "late"
            }),
        );
    let limits = ucz_web::server::Limits {
        header_read_timeout: Duration::from_secs(1),
        request_timeout: Duration::from_secs(1),
        max_connections: 3,
        ..Default::default()
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(ucz_web::server::serve(
        listener,
        router,
        limits,
        std::future::pending(),
    ));
    // Reads until the server closes the connection; how long that took and what it sent.
    async fn until_closed(stream: &mut tokio::net::TcpStream) -> (Duration, String) {
        let start = Instant::now();
        let mut received = Vec::new();
        let mut buffer = [0u8; 4096];
        loop {
            match tokio::time::timeout(Duration::from_secs(15), stream.read(&mut buffer)).await {
                Ok(Ok(0)) | Ok(Err(_)) => break,
                Ok(Ok(n)) => received.extend_from_slice(&buffer[..n]),
                Err(_) => panic!("the connection was held open"),
            }
        }
        (
            start.elapsed(),
            String::from_utf8_lossy(&received).into_owned(),
        )
    }

    // Headers begun and never finished.
    let mut half = tokio::net::TcpStream::connect(address).await.unwrap();
    half.write_all(b"GET /fast HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let (held, _) = until_closed(&mut half).await;
    assert!(held < Duration::from_secs(10), "held {held:?}");

    // A kept-alive connection left idle after its answer.
    let mut idle = tokio::net::TcpStream::connect(address).await.unwrap();
    idle.write_all(b"GET /fast HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let (held, answer) = until_closed(&mut idle).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(held < Duration::from_secs(10), "held {held:?}");
    let lower = answer.to_lowercase();
    for header in [
        "content-security-policy: default-src 'self'; script-src 'self'",
        "x-frame-options: deny",
        "x-content-type-options: nosniff",
        "referrer-policy: same-origin",
        "x-request-id: ",
    ] {
        assert!(lower.contains(header), "{header}: {answer}");
    }

    // Three connections open; a fourth is closed as it arrives, long before the header timeout.
    let mut open = Vec::new();
    for _ in 0..3 {
        open.push(tokio::net::TcpStream::connect(address).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut surplus = tokio::net::TcpStream::connect(address).await.unwrap();
    let _ = surplus
        .write_all(b"GET /fast HTTP/1.1\r\nHost: x\r\n\r\n")
        .await;
    let (held, answer) = until_closed(&mut surplus).await;
    assert!(
        answer.is_empty() && held < Duration::from_millis(900),
        "{held:?} {answer}"
    );
    drop(open);

    // A request past its time.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let response = reqwest::get(format!("http://{address}/slow"))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::REQUEST_TIMEOUT);
    assert!(
        response.headers().contains_key("x-request-id"),
        "{:?}",
        response.headers()
    );
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["code"], "timeout");
}

/// Stopping under load: every request the server has begun is answered in full, a connection
/// opened just before the signal still gets its answer, kept-alive connections close after their
/// answer, and once the server is stopping new connections are refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_answers_every_request_under_way_and_refuses_new_ones() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let begun = Arc::new(AtomicUsize::new(0));
    let counted = begun.clone();
    let router = axum::Router::new().route(
        "/slow",
        axum::routing::get(move || {
            let counted = counted.clone();
            async move {
                counted.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(700)).await;
                "done"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(ucz_web::server::serve(
        listener,
        router,
        ucz_web::server::Limits::default(),
        async {
            let _ = stopped.await;
        },
    ));
    async fn ask(address: std::net::SocketAddr, delay: Duration) -> String {
        let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
        tokio::time::sleep(delay).await;
        stream
            .write_all(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let mut answer = Vec::new();
        // The server closes the connection after the answer: it is stopping.
        tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut answer))
            .await
            .expect("the answer and the close came")
            .unwrap();
        String::from_utf8_lossy(&answer).into_owned()
    }
    const UNDER_WAY: usize = 6;
    let mut asked: Vec<_> = (0..UNDER_WAY)
        .map(|_| tokio::spawn(ask(address, Duration::ZERO)))
        .collect();
    while begun.load(Ordering::SeqCst) < UNDER_WAY {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // Connected before the signal, its request sent after it.
    asked.push(tokio::spawn(ask(address, Duration::from_millis(300))));
    tokio::time::sleep(Duration::from_millis(50)).await;
    stop.send(()).unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        tokio::net::TcpStream::connect(address).await.is_err(),
        "a new connection is refused while stopping"
    );
    let mut answered = 0;
    for one in asked {
        let answer = one.await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(answer.ends_with("done"), "{answer}");
        answered += 1;
    }
    assert_eq!(answered, UNDER_WAY + 1);
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("the server returned once the requests were answered")
        .unwrap()
        .unwrap();
}
