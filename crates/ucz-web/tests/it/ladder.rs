//! The space ladder on both databases: hubs, spaces with what they admit, lease rules with the
//! conflict named, the forecast and optimal plan with reasons, accept and reject, retention.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::TestApp;

async fn created(app: &TestApp, role: &str, path: &str, body: Value) -> Value {
    let (status, value) = app.call(role, Method::POST, path, Some(&body)).await;
    assert_eq!(status, StatusCode::CREATED, "{path} {body}: {value}");
    value
}

pub async fn the_space_ladder(app: TestApp) {
    // A hub outside the zones, kept by a coordinator; operators may not register one.
    let hub = json!({"id": "dj-campus", "name": "대전 캠퍼스 혁신파크", "kind": "campus_innovation_park",
        "region": "daejeon", "site": {"lat": 36.35, "lon": 127.42}});
    assert_eq!(
        app.call("operator", Method::POST, "/hubs", Some(&hub))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    created(&app, "coordinator", "/hubs", hub).await;
    let bad_hub = json!({"id": "x", "name": "x", "kind": "castle", "region": "mars"});
    let (status, problem) = app
        .call("coordinator", Method::POST, "/hubs", Some(&bad_hub))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        problem["errors"].as_array().unwrap().len(),
        2,
        "both problems at once: {problem}"
    );

    // The operator's incubator and expansion space in Daejeon.
    let facility = created(
        &app,
        "operator",
        "/facilities",
        json!({"zone_id": "daejeon", "type": "incubation_space",
        "name": "사다리 창업보육센터", "floor_area_m2": 3000}),
    )
    .await;
    let f = facility["id"].as_i64().unwrap();
    let room = |name: &str, kind: &str, area: f64| json!({"facility_id": f, "name": name, "kind": kind, "area_m2": area});
    let mut rooms = Vec::new();
    for i in 0..3 {
        rooms.push(
            created(
                &app,
                "operator",
                "/spaces",
                room(&format!("보육실 {i}"), "incubation_room", 30.0),
            )
            .await["id"]
                .as_i64()
                .unwrap(),
        );
    }
    let office = created(
        &app,
        "operator",
        "/spaces",
        json!({"facility_id": f, "name": "Post-BI 201", "kind": "post_bi_office",
        "area_m2": 70, "admits": {"sectors": ["J"]}}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let (status, problem) = app
        .call(
            "operator",
            Method::POST,
            "/spaces",
            Some(&room("빈 방", "post_bi_office", 0.0)),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "an area ≤ 0 is refused: {problem}"
    );
    assert_eq!(problem["errors"][0]["field"], "area_m2");
    let unit = created(
        &app,
        "coordinator",
        "/spaces",
        json!({"hub_id": "dj-campus", "name": "혁신파크 101", "kind": "rental_unit",
        "area_m2": 120, "monthly_rent_krw": 1_500_000}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let (status, _) = app
        .call(
            "operator",
            Method::POST,
            "/spaces",
            Some(&json!({"hub_id": "dj-campus", "name": "x",
        "kind": "lab", "area_m2": 10})),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "hub spaces are the coordinators'"
    );
    // A hub's spaces are listed by its id.
    let (status, list) = app
        .call("operator", Method::GET, "/spaces?hub_id=dj-campus", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list["total"], 1, "{list}");
    assert_eq!(list["items"][0]["id"], unit, "{list}");

    // Four tenants graduating in 2027.
    for (id, sector) in [
        ("L-SW", "J62"),
        ("L-HW", "C26"),
        ("L-BIG", "C29"),
        ("L-OLD", "J63"),
    ] {
        created(
            &app,
            "admin",
            "/firms",
            json!({"id": id, "name": id, "founded": "2023-01-01", "stage": "growth",
            "region": "daejeon", "zone": "daejeon", "founder_age": 40, "sector": sector}),
        )
        .await;
    }
    let lease = |space: i64, firm: &str, starts: &str, ends: &str| json!({"space_id": space, "firm_id": firm, "starts": starts, "ends": ends});
    created(
        &app,
        "operator",
        "/leases",
        lease(rooms[0], "L-SW", "2025-03-01", "2027-03-01"),
    )
    .await;
    created(&app, "operator", "/leases", {
        let mut l = lease(rooms[1], "L-HW", "2025-05-01", "2027-05-01");
        l["needs"] = json!({"area_m2": 100, "preferred_hubs": ["dj-campus"]});
        l
    })
    .await;
    let mut big = lease(rooms[2], "L-BIG", "2025-06-01", "2027-06-01");
    big["needs"] = json!({"area_m2": 200});
    created(&app, "operator", "/leases", big).await;

    // The lease rules, each refusal naming its conflict; nothing written.
    let (status, problem) = app
        .call(
            "operator",
            Method::POST,
            "/leases",
            Some(&lease(rooms[0], "L-OLD", "2026-01-01", "2025-01-01")),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("on or before the day it starts"),
        "{problem}"
    );
    let (status, problem) = app
        .call(
            "operator",
            Method::POST,
            "/leases",
            Some(&lease(rooms[0], "L-OLD", "2026-06-01", "2027-06-01")),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("is leased to firm L-SW from 2025-03-01 to 2027-03-01"),
        "{problem}"
    );
    let (status, problem) = app
        .call(
            "operator",
            Method::POST,
            "/leases",
            Some(&lease(office, "L-SW", "2026-01-01", "2027-01-01")),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("firm L-SW already holds space"),
        "{problem}"
    );
    // Changed on purpose: 38 months in an incubator under the catalog default (24 + 12) used to
    // be refused (422). Each centre sets its own terms and may agree to more, so the lease is
    // written (201) with a warning naming the terms, and kept in the audit as any write.
    let (status, beyond) = app
        .call(
            "operator",
            Method::POST,
            "/leases",
            Some(&lease(rooms[0], "L-OLD", "2022-01-01", "2025-03-01")),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "38 months in an incubator: {beyond}"
    );
    assert_eq!(beyond["warnings"][0]["field"], "ends", "{beyond}");
    assert!(
        beyond["warnings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("allows 24 months"),
        "{beyond}"
    );
    let (_, audit) = app.call("admin", Method::GET, "/audit?limit=1", None).await;
    assert_eq!(audit["items"][0]["entity"], "lease", "{audit}");
    // The operator corrects it: it was renewed once, and has ended.
    let mut renewed = lease(rooms[0], "L-OLD", "2022-01-01", "2025-01-01");
    renewed["renewals"] = json!(1);
    renewed["status"] = json!("ended");
    renewed["left_to"] = json!("seoul");
    let (status, corrected) = app
        .call(
            "operator",
            Method::PUT,
            &format!("/leases/{}", beyond["id"]),
            Some(&renewed),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{corrected}");
    assert_eq!(corrected["warnings"], json!([]), "{corrected}");

    // The plan for 2027: the software firm takes the office admitting J, the hardware firm its
    // preferred hub; the big one finds nothing and is told why.
    let plan_path = "/placement?region=daejeon&as_of=2027-01-01&horizon=12";
    assert_eq!(
        app.call("firm", Method::GET, plan_path, None).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.call("other_operator", Method::GET, plan_path, None)
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let (status, plan) = app.call("operator", Method::GET, plan_path, None).await;
    assert_eq!(status, StatusCode::OK, "{plan}");
    assert_eq!(plan["graduates"], 3);
    let proposal = |firm: &str| {
        plan["proposals"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["firm"] == firm)
            .cloned()
    };
    assert_eq!(proposal("L-SW").unwrap()["space"], office.to_string());
    assert_eq!(proposal("L-HW").unwrap()["space"], unit.to_string());
    let unplaced = &plan["unplaced"][0];
    assert_eq!(unplaced["firm"], "L-BIG");
    assert!(
        unplaced["reason_en"].as_str().unwrap().contains("≥ 200 m²"),
        "{unplaced}"
    );
    assert_eq!(
        plan["months"].as_array().unwrap().len(),
        13,
        "2027-01 through 2028-01"
    );

    // Rejecting a proposal: it is not proposed again. Accepting one creates the lease.
    created(
        &app,
        "coordinator",
        "/placement/reject",
        json!({"firm_id": "L-HW", "space_id": unit}),
    )
    .await;
    let (_, plan) = app.call("coordinator", Method::GET, plan_path, None).await;
    assert!(
        plan["proposals"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["firm"] != "L-HW"),
        "{plan}"
    );
    // Only a graduate, in a space that fits it; the permission comes first.
    let (status, problem) = app
        .call(
            "operator",
            Method::POST,
            "/placement/accept",
            Some(&json!({"firm_id": "L-BIG", "space_id": office, "starts": "2027-06-01"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let message = problem["errors"][0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        message.contains("less than the 200 m² needed")
            && message.contains("admits sectors J, not C29"),
        "{message}"
    );
    let (status, _) = app
        .call(
            "firm",
            Method::POST,
            "/placement/accept",
            Some(&json!({"firm_id": "L-SW", "space_id": office})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, problem) = app
        .call("operator", Method::POST, "/placement/accept", Some(&json!({"firm_id": "L-SW", "space_id": office, "months": 0, "starts": "2027-03-01"})))
        .await;
    assert_eq!(
        (status, problem["errors"][0]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("months"))
    );
    // Every independent problem at once: not a graduate, not expansion space, the months, the
    // start.
    let (status, problem) = app
        .call("operator", Method::POST, "/placement/accept", Some(&json!({"firm_id": "T-FIRM", "space_id": rooms[0], "months": 0, "starts": "2027-02-30"})))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(
        super::answers::fields(&problem),
        ["months", "starts", "firm_id", "space_id"],
        "{problem}"
    );
    // Rejecting twice changes nothing; an unknown firm is named.
    let (status, _) = app
        .call(
            "coordinator",
            Method::POST,
            "/placement/reject",
            Some(&json!({"firm_id": "L-HW", "space_id": unit})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, problem) = app
        .call(
            "coordinator",
            Method::POST,
            "/placement/reject",
            Some(&json!({"firm_id": "NOPE", "space_id": unit})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    // A rejection can be taken back; then it is proposed again.
    let undo = json!({"firm_id": "L-HW", "space_id": unit});
    let (status, _) = app
        .call(
            "coordinator",
            Method::POST,
            "/placement/unreject",
            Some(&undo),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app
        .call(
            "coordinator",
            Method::POST,
            "/placement/unreject",
            Some(&undo),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, plan) = app.call("coordinator", Method::GET, plan_path, None).await;
    assert!(
        plan["proposals"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["firm"] == "L-HW"),
        "{plan}"
    );
    let accepted = created(
        &app,
        "operator",
        "/placement/accept",
        json!({"firm_id": "L-SW", "space_id": office, "starts": "2027-03-01"}),
    )
    .await;
    assert_eq!(
        (accepted["starts"].as_str(), accepted["ends"].as_str()),
        (Some("2027-03-01"), Some("2029-03-01"))
    );
    // Accepting it again finds the lease in the way: a conflict, not a problem of the body.
    let (status, problem) = app
        .call(
            "operator",
            Method::POST,
            "/placement/accept",
            Some(&json!({"firm_id": "L-SW", "space_id": office, "starts": "2027-03-01"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert_eq!(
        problem["detail"],
        format!(
            "firm L-SW already leases space {office} (lease {}, from 2027-03-01)",
            accepted["id"]
        )
    );
    let (_, plan) = app.call("operator", Method::GET, plan_path, None).await;
    assert_eq!(
        plan["graduates"], 2,
        "a placed graduate is no longer looking: {plan}"
    );

    // Retention: of 2025's graduates one left for Seoul; of 2027's (as of 2027-12-31) L-SW stayed.
    let (status, retention) = app
        .call(
            "operator",
            Method::GET,
            "/retention?region=daejeon&as_of=2027-12-31",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{retention}");
    let years = retention["years"].as_array().unwrap();
    let year = |y: i64| years.iter().find(|r| r["year"] == y).cloned().unwrap();
    assert_eq!(
        (
            year(2025)["left"].as_i64(),
            year(2025)["left_for_capital_region"].as_i64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(year(2025)["retention_rate"], 0.0);
    assert_eq!(
        (
            year(2027)["graduates"].as_i64(),
            year(2027)["stayed"].as_i64(),
            year(2027)["unknown"].as_i64()
        ),
        (Some(3), Some(1), Some(2))
    );

    // Another zone's operator placing a firm it cannot read learns of no other lease.
    let (_, busan) = app
        .call(
            "other_operator",
            Method::GET,
            "/facilities?zone_id=busan",
            None,
        )
        .await;
    let busan_facility = busan["items"][0]["id"].as_i64().unwrap();
    let busan_room = created(
        &app,
        "other_operator",
        "/spaces",
        json!({"facility_id": busan_facility,
        "name": "부산 보육실", "kind": "incubation_room", "area_m2": 30}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let (status, problem) = app
        .call(
            "other_operator",
            Method::POST,
            "/leases",
            Some(&lease(busan_room, "L-HW", "2026-01-01", "2027-01-01")),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains("holds another space") && !detail.contains("lease "),
        "{detail}"
    );
    let (status, _) = app
        .call(
            "firm",
            Method::POST,
            "/leases",
            Some(&lease(busan_room, "T-FIRM", "2026-01-01", "2027-01-01")),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "firms do not write leases");
    // A firm with leases is not deleted either.
    assert_eq!(
        app.call("admin", Method::DELETE, "/firms/L-HW", None)
            .await
            .0,
        StatusCode::CONFLICT
    );
    // A leased space is not deleted (its leases are the record retention counts from).
    let (status, problem) = app
        .call(
            "operator",
            Method::DELETE,
            &format!("/spaces/{office}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert!(
        problem["detail"].as_str().unwrap().contains("lease"),
        "{problem}"
    );
    let (status, _) = app
        .call(
            "operator",
            Method::DELETE,
            &format!("/facilities/{f}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "nor its facility");
    let path = format!("/leases/{}", accepted["id"]);
    assert_eq!(
        app.call("admin", Method::DELETE, &path, None).await.0,
        StatusCode::NO_CONTENT
    );
    let path = format!("/spaces/{office}");
    assert_eq!(
        app.call("operator", Method::DELETE, &path, None).await.0,
        StatusCode::NO_CONTENT
    );
    let (_, audit) = app.call("admin", Method::GET, "/audit?limit=3", None).await;
    assert_eq!(audit["chain"]["broken_at"], Value::Null);
    assert_eq!(audit["items"][0]["entity"], "space");

    // Lease terms are each incubator's own: three years in one whose rules allow it, the
    // default (24 + 12) elsewhere. A lease beyond them is written with a warning.
    let bad_terms = json!({"zone_id": "daejeon", "type": "incubation_space", "name": "x",
        "floor_area_m2": 100, "lease_rule": {"max_months": 0}});
    let (status, problem) = app
        .call("operator", Method::POST, "/facilities", Some(&bad_terms))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "lease_rule", "{problem}");
    let own = created(
        &app,
        "operator",
        "/facilities",
        json!({"zone_id": "daejeon", "type": "incubation_space", "name": "3년 보육센터",
        "floor_area_m2": 900, "lease_rule": {"max_months": 36, "max_renewals": 0}}),
    )
    .await;
    assert_eq!(
        own["lease_rule"],
        json!({"max_months": 36, "max_renewals": 0})
    );
    let own_room = json!({"facility_id": own["id"], "name": "3년 보육실", "kind": "incubation_room", "area_m2": 30});
    let own_room = created(&app, "operator", "/spaces", own_room).await["id"]
        .as_i64()
        .unwrap();
    let default_room = created(
        &app,
        "operator",
        "/spaces",
        room("기본 보육실", "incubation_room", 30.0),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    for id in ["L-36-OWN", "L-36-DEF"] {
        created(
            &app,
            "admin",
            "/firms",
            json!({"id": id, "name": id, "founded": "2025-01-01", "stage": "early",
            "region": "daejeon", "zone": "daejeon", "founder_age": 35, "sector": "J62"}),
        )
        .await;
    }
    let kept = created(
        &app,
        "operator",
        "/leases",
        lease(own_room, "L-36-OWN", "2026-01-01", "2029-01-01"),
    )
    .await;
    assert_eq!(
        kept["warnings"],
        json!([]),
        "its rules allow 36 months: {kept}"
    );
    let warned = created(
        &app,
        "operator",
        "/leases",
        lease(default_room, "L-36-DEF", "2026-01-01", "2029-01-01"),
    )
    .await;
    let warnings = warned["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{warned}");
    assert_eq!(warnings[0]["field"], "ends");
    let message = warnings[0]["message"].as_str().unwrap();
    assert!(
        message.contains("allows 24 months") && message.contains("the catalog default"),
        "{message}"
    );
    // The zone page shows the lease beyond its terms to its operator.
    let operator = super::pages::Browser::new(&app, Some("operator")).await;
    let (status, _, page) = operator.get("/zones/daejeon").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("Beyond its terms") || page.contains("입주 규정 초과"),
        "the warned lease is marked on the zone page"
    );
    // A hub sets its own terms too.
    created(
        &app,
        "coordinator",
        "/hubs",
        json!({"id": "dj-bi-36", "name": "대전 3년 보육센터", "kind": "business_incubator",
        "region": "daejeon", "lease_rule": {"max_months": 36}}),
    )
    .await;
    let hub_room = created(
        &app,
        "coordinator",
        "/spaces",
        json!({"hub_id": "dj-bi-36", "name": "H-36", "kind": "incubation_room", "area_m2": 30}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    created(
        &app,
        "admin",
        "/firms",
        json!({"id": "L-36-HUB", "name": "L-36-HUB", "founded": "2025-01-01", "stage": "early",
        "region": "daejeon", "founder_age": 35, "sector": "J62"}),
    )
    .await;
    let in_hub = created(
        &app,
        "coordinator",
        "/leases",
        lease(hub_room, "L-36-HUB", "2026-01-01", "2029-01-01"),
    )
    .await;
    assert_eq!(in_hub["warnings"], json!([]), "{in_hub}");
}

/// The demo's Daejeon runs short of expansion space: the plan places some graduates and tells
/// the others why not; the placement page shows both, and the retention of earlier graduates.
pub async fn the_demo_region_runs_short(app: TestApp) {
    let state = ucz_web::AppState::new(
        app.store.clone(),
        ucz_core::Catalog::bundled().unwrap(),
        false,
    );
    let as_of = ucz_core::date::Date::new(2026, 6, 30).unwrap();
    assert!(ucz_web::demo::load_ladder(&state, as_of).await.unwrap() > 0);
    assert_eq!(
        ucz_web::demo::load_ladder(&state, as_of).await.unwrap(),
        0,
        "loaded once"
    );
    let (status, plan) = app
        .call(
            "coordinator",
            Method::GET,
            "/placement?region=daejeon&as_of=2026-06-30",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{plan}");
    let placed = plan["proposals"].as_array().unwrap().len();
    let unplaced = plan["unplaced"].as_array().unwrap();
    assert!(placed > 0 && !unplaced.is_empty(), "{plan}");
    assert_eq!(
        placed + unplaced.len(),
        plan["graduates"].as_u64().unwrap() as usize
    );
    assert!(
        unplaced
            .iter()
            .all(|u| u["reason_ko"].as_str().is_some_and(|r| !r.is_empty()))
    );
    // A zone's view: its incubators' graduates, planned with the whole region.
    let (_, zone_plan) = app
        .call(
            "coordinator",
            Method::GET,
            "/placement?region=daejeon&zone=daejeon&as_of=2026-06-30",
            None,
        )
        .await;
    assert_eq!(
        zone_plan["graduates"], plan["graduates"],
        "all the demo's graduates are the zone's"
    );
    let (status, other) = app
        .call(
            "coordinator",
            Method::GET,
            "/placement?region=daejeon&zone=busan&as_of=2026-06-30",
            None,
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "busan is not in daejeon: {other}"
    );
    let supply: u64 = plan["months"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["freeing"].as_u64().unwrap())
        .sum();
    let demand: u64 = plan["months"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["graduating"].as_u64().unwrap())
        .sum();
    assert!(
        supply < demand,
        "supply {supply} falls short of demand {demand}"
    );
    // Rejecting one proposal moves no other graduate needlessly: the plan shown is stored and
    // the next keeps what an optimal plan can of it.
    let version = plan["version"].as_i64().expect("a stored version");
    let pairs = |plan: &Value| -> Vec<(String, String)> {
        plan["proposals"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["firm"].as_str().unwrap().to_string(),
                    p["space"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let before = pairs(&plan);
    let (firm, space) = before
        .iter()
        .find(|(firm, _)| firm == "DJ-BI-09")
        .unwrap_or(&before[0])
        .clone();
    created(
        &app,
        "coordinator",
        "/placement/reject",
        json!({"firm_id": firm, "space_id": space}),
    )
    .await;
    let path = "/placement?region=daejeon&as_of=2026-06-30";
    let (_, next) = app.call("coordinator", Method::GET, path, None).await;
    assert_eq!(next["version"].as_i64(), Some(version + 1), "{next}");
    let after = pairs(&next);
    let moved: Vec<&(String, String)> = before
        .iter()
        .filter(|(f, s)| *f != firm && !after.iter().any(|(g, t)| g == f && t == s))
        .collect();
    // The only move an optimal plan may need: the graduate in the twin of the space turned
    // down makes way and takes the space given up (in the demo, two identical offices).
    assert!(
        moved.len() <= 1
            && moved
                .iter()
                .all(|(f, _)| after.contains(&(f.clone(), space.clone()))),
        "{firm} turned down {space}; others moved: {moved:?}\nbefore {before:?}\nafter {after:?}"
    );
    let (_, again) = app.call("coordinator", Method::GET, path, None).await;
    assert_eq!(
        again["version"], next["version"],
        "an unchanged plan is not stored again"
    );
    let (_, retention) = app
        .call(
            "coordinator",
            Method::GET,
            "/retention?region=daejeon&zone=daejeon&as_of=2026-06-30",
            None,
        )
        .await;
    let left: u64 = retention["years"]
        .as_array()
        .unwrap()
        .iter()
        .map(|y| y["left_for_capital_region"].as_u64().unwrap())
        .sum();
    assert!(left >= 1, "{retention}");
}

/// The 광역경제권 as the unit of the ladder: a Busan graduate with no fitting space in Busan is
/// placed in an Ulsan hub on the 동남권 plan and told why not on Busan's own; retention counts a
/// move to Ulsan as staying in the 광역경제권; a Busan operator sees the 동남권 plan, a Daejeon
/// one does not.
pub async fn the_economic_region_ladder(app: TestApp) {
    let facility = created(
        &app,
        "other_operator",
        "/facilities",
        json!({"zone_id": "busan", "type": "incubation_space", "name": "부산 창업보육센터", "floor_area_m2": 2000}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let mut rooms = Vec::new();
    for i in 0..3 {
        rooms.push(
            created(
                &app,
                "other_operator",
                "/spaces",
                json!({"facility_id": facility, "name": format!("보육실 {i}"), "kind": "incubation_room", "area_m2": 40}),
            )
            .await["id"]
                .as_i64()
                .unwrap(),
        );
    }
    // Busan's only Post-BI office is too small for the graduate.
    created(
        &app,
        "other_operator",
        "/spaces",
        json!({"facility_id": facility, "name": "Post-BI 101", "kind": "post_bi_office", "area_m2": 60}),
    )
    .await;
    created(
        &app,
        "coordinator",
        "/hubs",
        json!({"id": "us-hub", "name": "울산 지식산업센터", "kind": "knowledge_industry_center",
        "region": "ulsan", "site": {"lat": 35.54, "lon": 129.31}}),
    )
    .await;
    let ulsan_space = created(
        &app,
        "coordinator",
        "/spaces",
        json!({"hub_id": "us-hub", "name": "울산 Post-BI 301", "kind": "post_bi_office", "area_m2": 150}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    for (id, left_to) in [
        ("BS-GRAD", None),
        ("BS-ALUM-1", Some("ulsan")),
        ("BS-ALUM-2", Some("seoul")),
    ] {
        created(
            &app,
            "admin",
            "/firms",
            json!({"id": id, "name": id, "founded": "2022-01-01", "stage": "growth",
            "region": "busan", "zone": "busan", "founder_age": 40, "sector": "J62"}),
        )
        .await;
        let room = rooms[if left_to == Some("seoul") {
            2
        } else if left_to.is_some() {
            1
        } else {
            0
        }];
        let mut lease = json!({"space_id": room, "firm_id": id});
        match left_to {
            None => {
                lease["starts"] = json!("2025-03-01");
                lease["ends"] = json!("2027-03-01");
                lease["needs"] = json!({"area_m2": 120});
            }
            Some(to) => {
                lease["starts"] = json!("2023-01-01");
                lease["ends"] = json!("2025-01-01");
                lease["status"] = json!("ended");
                lease["left_to"] = json!(to);
            }
        }
        created(&app, "other_operator", "/leases", lease).await;
    }

    // Busan alone: no space, with the reason.
    let (status, alone) = app
        .call(
            "coordinator",
            Method::GET,
            "/placement?region=busan&as_of=2027-01-01",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{alone}");
    assert_eq!(alone["proposals"].as_array().unwrap().len(), 0, "{alone}");
    let reason = alone["unplaced"][0]["reason_en"].as_str().unwrap();
    assert!(
        reason.contains("≥ 120 m²") && reason.contains("in busan"),
        "{reason}"
    );

    // 동남권: the Ulsan hub.
    let path = "/placement?region=dongnam_area&as_of=2027-01-01";
    let (status, plan) = app.call("coordinator", Method::GET, path, None).await;
    assert_eq!(status, StatusCode::OK, "{plan}");
    assert_eq!(plan["proposals"][0]["firm"], "BS-GRAD", "{plan}");
    assert_eq!(plan["proposals"][0]["space"], ulsan_space.to_string());
    assert_eq!(plan["proposals"][0]["region"], "ulsan");
    assert_eq!(plan["needs"][0]["region"], "busan");
    assert_eq!(
        app.call("other_operator", Method::GET, path, None).await.0,
        StatusCode::OK,
        "Busan's operator plans with its 광역경제권"
    );
    assert_eq!(
        app.call("operator", Method::GET, path, None).await.0,
        StatusCode::FORBIDDEN,
        "Daejeon's operator is of another 광역경제권"
    );
    let (status, problem) = app
        .call(
            "coordinator",
            Method::GET,
            "/placement?region=atlantis",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");

    // The page says it is a 광역경제권 plan and shows the move.
    let browser = super::pages::Browser::new(&app, Some("coordinator")).await;
    let (status, _, page) = browser.get(&format!("{path}&lang=ko")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("동남권") && page.contains("부산광역시 → 울산광역시"),
        "{page}"
    );

    // Retention: the graduate who moved to Ulsan stayed in the 광역경제권.
    let (status, busan) = app
        .call(
            "coordinator",
            Method::GET,
            "/retention?region=busan&as_of=2027-12-31",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{busan}");
    let y = &busan["years"][0];
    assert_eq!(
        (
            y["year"].as_i64(),
            y["stayed"].as_i64(),
            y["stayed_in_economic_region"].as_i64(),
            y["left"].as_i64(),
            y["left_for_capital_region"].as_i64()
        ),
        (Some(2025), Some(0), Some(1), Some(2), Some(1)),
        "{busan}"
    );
    let (_, dongnam) = app
        .call(
            "coordinator",
            Method::GET,
            "/retention?region=dongnam_area&as_of=2027-12-31",
            None,
        )
        .await;
    let y = &dongnam["years"][0];
    assert_eq!(
        (
            y["stayed"].as_i64(),
            y["left"].as_i64(),
            y["left_for_capital_region"].as_i64()
        ),
        (Some(1), Some(1), Some(1)),
        "{dongnam}"
    );

    // The Ulsan hub's keeper accepts the Busan graduate.
    let (status, lease) = app
        .call(
            "coordinator",
            Method::POST,
            "/placement/accept",
            Some(&json!({"firm_id": "BS-GRAD", "space_id": ulsan_space})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{lease}");
    assert_eq!(lease["starts"], "2027-03-01");
}
