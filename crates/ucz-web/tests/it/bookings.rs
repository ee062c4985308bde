//! Booking shared resources through the API: rules refusing by name, bundles, approval and
//! trainings, a no-show freeing its slot to the waitlist, a weekly series with a holiday in it,
//! 64 clients racing for one slot, and the iCalendar feeds.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::awards::firm_accounts;
use crate::calls::parse_calendar;
use crate::pages::Browser;
use crate::{TestApp, firm_body};

fn rules_of(refused: &Value) -> Vec<String> {
    refused["errors"]
        .as_array()
        .unwrap_or(&Vec::new())
        .iter()
        .filter_map(|e| {
            let m = e["message"].as_str()?;
            let rule = m.rsplit_once('(')?.1.trim_end_matches(')');
            Some(rule.to_string())
        })
        .collect()
}

fn room(facility: i64) -> Value {
    json!({
        "id": "room-a", "name": "세미나실 A", "kind": "room", "facility_id": facility,
        "with": ["projector-1"],
        "price": {"tenant_per_hour": 10_000, "other_per_hour": 20_000, "tenant_free_hours_month": 4},
        "rules": [
            {"applies_to": "anyone", "hours": [{"days": ["mon","tue","wed","thu","fri"], "open": "09:00", "close": "18:00"}],
             "max_minutes": 240, "quota_week_minutes": 240},
            {"applies_to": "tenant", "hours": [{"days": ["mon","tue","wed","thu","fri","sat"], "open": "08:00", "close": "22:00"}],
             "max_minutes": 480}
        ]
    })
}

async fn book(app: &TestApp, firm: &str, body: Value) -> (StatusCode, Value) {
    app.call(firm, Method::POST, "/bookings", Some(&body)).await
}

fn slot(resource: &str, start: &str, end: &str) -> Value {
    json!({"resource_id": resource, "start": start, "end": end})
}

pub async fn bookings_from_rules_to_waitlist(app: TestApp) {
    // A facility of the operator's zone.
    let (status, facilities) = app
        .call(
            "operator",
            Method::GET,
            "/facilities?zone_id=daejeon&limit=1",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{facilities}");
    let facility = facilities["items"][0]["id"].as_i64().unwrap();

    // Resources: a projector, the room booked with it, a 3D printer needing a training and
    // the operator's approval. A setup with problems is refused by field; another zone's
    // operator is refused.
    let projector = json!({"id": "projector-1", "name": "빔프로젝터", "kind": "equipment", "facility_id": facility,
        "rules": [{"applies_to": "anyone", "hours": [{"days": ["mon","tue","wed","thu","fri","sat"], "open": "08:00", "close": "22:00"}]}]});
    let (status, made) = app
        .call(
            "operator",
            Method::PUT,
            "/resources/projector-1",
            Some(&projector),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{made}");
    let mut bad = room(facility);
    bad["rules"][0]["hours"][0]["close"] = json!("07:00");
    bad["rules"][1]["slot_minutes"] = json!(7);
    bad["with"] = json!(["nothing-here"]);
    let (status, refused) = app
        .call("operator", Method::PUT, "/resources/room-a", Some(&bad))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    let fields: Vec<&str> = refused["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["rules[0].hours[0].close", "rules[1].slot_minutes"],
        "{refused}"
    );
    let (status, _) = app
        .call(
            "other_operator",
            Method::PUT,
            "/resources/room-a",
            Some(&room(facility)),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, made) = app
        .call(
            "operator",
            Method::PUT,
            "/resources/room-a",
            Some(&room(facility)),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{made}");
    assert_eq!(made["zone_id"], "daejeon");
    let printer = json!({"id": "printer-3d", "name": "3D 프린터", "kind": "equipment", "facility_id": facility,
        "training": "3d_printer_safety", "approval": true, "price": {"per_use": 5_000, "other_per_hour": 8_000, "tenant_per_hour": 4_000},
        "rules": [{"applies_to": "anyone", "hours": [{"days": ["mon","tue","wed","thu","fri"], "open": "09:00", "close": "18:00"}], "slot_minutes": 60, "min_minutes": 60, "buffer_minutes": 30}]});
    let (status, made) = app
        .call(
            "operator",
            Method::PUT,
            "/resources/printer-3d",
            Some(&printer),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{made}");
    let (status, listed) = app
        .call("anonymous", Method::GET, "/resources?zone=daejeon", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listed["items"].as_array().unwrap().len(), 3);

    // Three firms: the zone's tenant (`firm`), one of the region outside the zone, one of Busan.
    let mut regional = firm_body("REG-01", "daejeon");
    regional["zone"] = json!("");
    let (status, _) = app
        .call("admin", Method::POST, "/firms", Some(&regional))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = app
        .call(
            "admin",
            Method::POST,
            "/firms",
            Some(&firm_body("BSN-01", "busan")),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    firm_accounts(&app, &["REG-01".to_string(), "BSN-01".to_string()]).await;

    // Each rule refuses by name, nothing written (NOW is Tuesday 2026-06-30 09:00 in Korea).
    for (firm, body, rules) in [
        (
            "REG-01",
            slot("room-a", "2026-07-01T08:00", "2026-07-01T09:00"),
            vec!["hours"],
        ),
        (
            "firm",
            slot("room-a", "2026-07-01T07:00", "2026-07-01T08:00"),
            vec!["hours"],
        ),
        (
            "REG-01",
            slot("room-a", "2026-07-04T10:00", "2026-07-04T11:00"),
            vec!["hours"],
        ),
        (
            "REG-01",
            slot("room-a", "2026-07-17T10:00", "2026-07-17T11:00"),
            vec!["holiday"],
        ),
        (
            "REG-01",
            slot("room-a", "2026-07-01T10:15", "2026-07-01T11:00"),
            vec!["slot"],
        ),
        (
            "REG-01",
            slot("room-a", "2026-07-01T09:00", "2026-07-01T14:00"),
            vec!["max_minutes", "quota_week"],
        ),
        (
            "REG-01",
            slot("room-a", "2026-06-30T08:00", "2026-06-30T08:30"),
            vec!["past", "hours"],
        ),
        (
            "REG-01",
            slot("room-a", "2026-09-30T10:00", "2026-09-30T11:00"),
            vec!["horizon"],
        ),
        (
            "REG-01",
            slot("printer-3d", "2026-07-01T10:00", "2026-07-01T11:00"),
            vec!["training"],
        ),
    ] {
        let (status, refused) = book(&app, firm, body.clone()).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {refused}"
        );
        assert_eq!(rules_of(&refused), rules, "{body}: {refused}");
    }
    let (status, refused) = book(
        &app,
        "REG-01",
        slot("room-a", "2026-07-17T10:00", "2026-07-17T11:00"),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Constitution Day"),
        "{refused}"
    );
    let (status, mine) = app
        .call("REG-01", Method::GET, "/bookings/mine", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        mine["bookings"].as_array().unwrap().is_empty(),
        "nothing written: {mine}"
    );

    // The tenant books the room with its projector (its own rules: Saturday, from 08:00).
    let (status, booked) = book(
        &app,
        "firm",
        slot("room-a", "2026-07-01T10:00", "2026-07-01T11:00"),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{booked}");
    let first = &booked["bookings"][0];
    assert_eq!(first["state"], "confirmed");
    assert_eq!(first["with"], json!(["projector-1"]));
    assert_eq!(first["applicant"], "tenant");
    assert_eq!(first["price"], 10_000);
    let first_id = first["id"].as_i64().unwrap();
    let (status, saturday) = book(
        &app,
        "firm",
        slot("room-a", "2026-07-04T08:00", "2026-07-04T09:00"),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{saturday}");
    // The bundle holds the projector: booking it alone at that time is taken; the room too.
    let (status, taken) = book(
        &app,
        "BSN-01",
        slot("projector-1", "2026-07-01T10:30", "2026-07-01T11:30"),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{taken}");
    assert!(
        taken["detail"].as_str().unwrap().contains("빔프로젝터")
            || taken["detail"].as_str().unwrap().contains("projector"),
        "{taken}"
    );
    // A bundle never half succeeds: the projector is held at 12:00 alone, so the room with it
    // is refused whole and the room stays free.
    let (status, _) = book(
        &app,
        "BSN-01",
        slot("projector-1", "2026-07-01T12:00", "2026-07-01T13:00"),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, half) = book(
        &app,
        "REG-01",
        slot("room-a", "2026-07-01T12:00", "2026-07-01T13:00"),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{half}");
    let (status, day) = app
        .call(
            "REG-01",
            Method::GET,
            "/resources/room-a/day?date=2026-07-01",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{day}");
    let state_at = |day: &Value, start: &str| {
        day["slots"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["start"] == start)
            .map(|s| s["state"].as_str().unwrap().to_string())
    };
    assert_eq!(
        state_at(&day, "2026-07-01T12:00").as_deref(),
        Some("taken"),
        "{day}"
    );
    assert_eq!(state_at(&day, "2026-07-01T10:00").as_deref(), Some("taken"));
    let (_, holiday) = app
        .call(
            "REG-01",
            Method::GET,
            "/resources/room-a/day?date=2026-07-17",
            None,
        )
        .await;
    assert!(
        holiday["closed"].as_str().unwrap().contains("제헌절"),
        "{holiday}"
    );

    // The regional firm waits for the tenant's slot.
    let mut wait = slot("room-a", "2026-07-01T10:00", "2026-07-01T11:00");
    wait["waitlist"] = json!(true);
    let (status, waiting) = book(&app, "REG-01", wait).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{waiting}");
    assert_eq!(waiting["waitlisted"]["state"], "waiting");
    let mut again = slot("room-a", "2026-07-01T10:00", "2026-07-01T11:00");
    again["waitlist"] = json!(true);
    let (status, _) = book(&app, "REG-01", again).await;
    assert_eq!(status, StatusCode::CONFLICT, "once per firm and slot");

    // The printer: after the training is recorded, the booking waits for approval; the
    // operator approves it.
    let (status, _) = app
        .call(
            "operator",
            Method::POST,
            "/bookings/trainings",
            Some(
                &json!({"training": "3d_printer_safety", "firm_id": "REG-01", "person": "김안전"}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, requested) = book(
        &app,
        "REG-01",
        slot("printer-3d", "2026-07-01T10:00", "2026-07-01T11:00"),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{requested}");
    assert_eq!(requested["bookings"][0]["state"], "requested");
    assert_eq!(requested["bookings"][0]["price"], 13_000);
    let printer_id = requested["bookings"][0]["id"].as_i64().unwrap();
    // The buffer of 30 minutes keeps 11:00–11:30 free after it.
    let (status, _) = book(
        &app,
        "REG-01",
        slot("printer-3d", "2026-07-01T11:00", "2026-07-01T12:00"),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = app
        .call(
            "REG-01",
            Method::POST,
            &format!("/bookings/{printer_id}/approve"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a firm does not approve");
    let (status, approved) = app
        .call(
            "operator",
            Method::POST,
            &format!("/bookings/{printer_id}/approve"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{approved}");
    assert_eq!(approved["state"], "confirmed");
    let (status, list) = app
        .call(
            "operator",
            Method::GET,
            "/bookings?from=2026-07-01&days=7",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(list["items"].as_array().unwrap().len() >= 4, "{list}");
    let (status, _) = app
        .call(
            "other_operator",
            Method::GET,
            "/bookings?zone=daejeon",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The tenant does not come: 20 minutes past the start (grace 15), its booking is a
    // no-show, the room and projector are freed, and the waiting firm is offered the slot.
    let later = app
        .server_at(ucz_core::Clock::fixed_at("2026-07-01T10:20:00+09:00").unwrap())
        .await;
    let (status, early) = app
        .call_at(
            &later,
            "firm",
            Method::POST,
            &format!("/bookings/{first_id}/check-in"),
            None,
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "too late to check in: {early}"
    );
    let (status, mine) = app
        .call_at(&later, "firm", Method::GET, "/bookings/mine", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let gone = mine["bookings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["id"] == first_id)
        .unwrap();
    assert_eq!(gone["state"], "no_show", "{mine}");
    let (_, theirs) = app
        .call_at(&later, "REG-01", Method::GET, "/bookings/mine", None)
        .await;
    assert_eq!(theirs["waitlist"][0]["state"], "offered", "{theirs}");
    let offer = theirs["waitlist"][0]["booking_id"].as_i64().unwrap();
    let (status, taken) = app
        .call_at(
            &later,
            "REG-01",
            Method::POST,
            &format!("/bookings/{offer}/take"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{taken}");
    assert_eq!(taken["state"], "confirmed");
    assert_eq!(taken["start"], "2026-07-01T10:00");
    // Offered after the start, the slot's grace period runs from the offer.
    let (status, checked) = app
        .call_at(
            &later,
            "REG-01",
            Method::POST,
            &format!("/bookings/{offer}/check-in"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{checked}");
    assert_eq!(checked["state"], "checked_in");

    // A request approved after its grace period would be a no-show at once: refused, and the
    // sweep lets it lapse (not billed).
    let (status, late) = book(
        &app,
        "REG-01",
        slot("printer-3d", "2026-07-01T14:00", "2026-07-01T15:00"),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{late}");
    let late_id = late["bookings"][0]["id"].as_i64().unwrap();
    let afternoon = app
        .server_at(ucz_core::Clock::fixed_at("2026-07-01T14:30:00+09:00").unwrap())
        .await;
    let (status, refused) = app
        .call_at(
            &afternoon,
            "operator",
            Method::POST,
            &format!("/bookings/{late_id}/approve"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    let (_, theirs) = app
        .call_at(&afternoon, "REG-01", Method::GET, "/bookings/mine", None)
        .await;
    let lapsed = theirs["bookings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["id"] == late_id)
        .unwrap();
    assert_eq!(lapsed["state"], "declined", "{theirs}");
    // A firm does not cancel a booking that has started (its no-show would go unbilled).
    let saturday_id = saturday["bookings"][0]["id"].as_i64().unwrap();
    let started = app
        .server_at(ucz_core::Clock::fixed_at("2026-07-04T08:05:00+09:00").unwrap())
        .await;
    let (status, _) = app
        .call_at(
            &started,
            "firm",
            Method::POST,
            &format!("/bookings/{saturday_id}/cancel"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);

    // A weekly series on Fridays across 제헌절: refused whole, then booked in part.
    let mut empty = slot("room-a", "2026-07-03T14:00", "2026-07-03T15:00");
    empty["repeat"] = json!({"weeks": 0});
    let (status, none) = book(&app, "REG-01", empty).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(none["errors"][0]["field"], "repeat", "{none}");
    let mut series = slot("room-a", "2026-07-03T14:00", "2026-07-03T15:00");
    series["repeat"] = json!({"weeks": 4});
    let (status, refused) = book(&app, "REG-01", series.clone()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(rules_of(&refused), ["holiday"], "{refused}");
    series["partial"] = json!(true);
    let (status, part) = book(&app, "REG-01", series).await;
    assert_eq!(status, StatusCode::CREATED, "{part}");
    let days: Vec<&str> = part["bookings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["start"].as_str().unwrap())
        .collect();
    assert_eq!(
        days,
        ["2026-07-03T14:00", "2026-07-10T14:00", "2026-07-24T14:00"]
    );
    assert_eq!(part["refused"][0]["rules"], json!(["holiday"]));
    let series_id = part["bookings"][0]["series_id"].as_i64().unwrap();
    let (status, cancelled) = app
        .call(
            "REG-01",
            Method::POST,
            &format!("/bookings/series/{series_id}/cancel?from=2026-07-10"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{cancelled}");
    assert_eq!(cancelled["items"].as_array().unwrap().len(), 2);

    // A closure the operator adds cancels that day's bookings and refuses new ones.
    let (status, before) = book(
        &app,
        "BSN-01",
        slot("room-a", "2026-07-08T10:00", "2026-07-08T11:00"),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{before}");
    let (status, closure) = app
        .call(
            "operator",
            Method::POST,
            "/bookings/closures",
            Some(&json!({"from": "2026-07-08", "until": "2026-07-08", "reason": "정기 점검"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{closure}");
    assert_eq!(closure["cancelled"], 1, "{closure}");
    let (_, theirs) = app
        .call("BSN-01", Method::GET, "/bookings/mine", None)
        .await;
    let closed = theirs["bookings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["id"] == before["bookings"][0]["id"])
        .unwrap();
    assert_eq!(closed["state"], "cancelled");
    let (status, closed) = book(
        &app,
        "REG-01",
        slot("room-a", "2026-07-08T10:00", "2026-07-08T11:00"),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(rules_of(&closed), ["closure"]);
    let (_, upkeep) = app
        .call("operator", Method::GET, "/bookings/upkeep", None)
        .await;
    assert_eq!(upkeep["holidays_until"], 2027);
    assert_eq!(upkeep["trainings"][0]["firm_id"], "REG-01");

    // 64 clients at once for one slot: exactly one booking holds it.
    let firms = ["firm", "REG-01", "BSN-01"];
    let races: Vec<_> = (0..64)
        .map(|i| {
            let body = slot("projector-1", "2026-07-02T15:00", "2026-07-02T16:00");
            let firm = firms[i % 3];
            let app = &app;
            async move { book(app, firm, body).await.0 }
        })
        .collect();
    let statuses = join_all(races).await;
    let created = statuses
        .iter()
        .filter(|s| **s == StatusCode::CREATED)
        .count();
    let conflicts = statuses
        .iter()
        .filter(|s| **s == StatusCode::CONFLICT)
        .count();
    assert_eq!((created, conflicts), (1, 63), "{statuses:?}");
    let (_, day) = app
        .call(
            "operator",
            Method::GET,
            "/resources/projector-1/day?date=2026-07-02",
            None,
        )
        .await;
    let held = day["slots"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["state"] != "free")
        .count();
    assert_eq!(held, 2, "one hour of 30-minute slots: {day}");

    // The feeds parse as iCalendar: the resource's busy times, a firm's own bookings.
    let root = app.base.trim_end_matches("/api/v1").to_string();
    let text = reqwest::get(format!("{root}/api/v1/resources/room-a/calendar"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let events = parse_calendar(&text);
    assert!(
        events
            .iter()
            .any(|e| e.contains("2026-07-01T01:00:00+00:00")),
        "{events:?}"
    );
    assert!(
        events
            .iter()
            .any(|e| e.contains("2026-07-03T05:00:00+00:00")),
        "{events:?}"
    );
    assert!(
        !text.contains("REG-01"),
        "no firm names in a resource's feed"
    );
    let (status, feed) = app.call("REG-01", Method::POST, "/calendar", None).await;
    assert_eq!(status, StatusCode::CREATED, "{feed}");
    let path = feed["path"]
        .as_str()
        .unwrap()
        .replace("/calendar/", "/calendar/bookings/");
    let text = reqwest::get(format!("{root}{path}"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let events = parse_calendar(&text);
    // The room it checked in to and the series' first Friday; the printer, approved but not
    // checked in by 10:15, was a no-show.
    let rooms = events.iter().filter(|e| e.contains("세미나실 A")).count();
    assert_eq!(rooms, 2, "{events:?}");
    assert!(
        !events.iter().any(|e| e.contains("3D 프린터")),
        "{events:?}"
    );

    // The tenant rents an office in the facility from 11 July; its rent rises on 21 July.
    let (status, space) = app
        .call("operator", Method::POST, "/spaces",
            Some(&json!({"facility_id": facility, "name": "301호", "kind": "rental_unit", "area_m2": 33, "monthly_rent_krw": 310_000})))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{space}");
    let (status, lease) = app
        .call("operator", Method::POST, "/leases",
            Some(&json!({"space_id": space["id"], "firm_id": "T-FIRM", "starts": "2026-07-11", "ends": "2027-07-11"})))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{lease}");
    let lease_id = lease["id"].as_i64().unwrap();
    let (status, history) = app
        .call(
            "firm",
            Method::GET,
            &format!("/leases/{lease_id}/rent"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{history}");
    assert_eq!(
        history["terms"][0]["rent"], 310_000,
        "the space's listed rent: {history}"
    );
    for (from, rent) in [("2026-07-11", 310_000), ("2026-07-21", 620_000)] {
        let (status, history) = app
            .call(
                "operator",
                Method::POST,
                &format!("/leases/{lease_id}/rent"),
                Some(&json!({"from": from, "rent": rent, "deposit": 1_000_000})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{history}");
    }
    // A rent from before the lease or after it is refused on its field.
    let (status, outside) = app
        .call(
            "operator",
            Method::POST,
            &format!("/leases/{lease_id}/rent"),
            Some(&json!({"from": "2020-01-01", "rent": 1000})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(outside["errors"][0]["field"], "from", "{outside}");
    let (status, _) = app
        .call(
            "firm",
            Method::POST,
            &format!("/leases/{lease_id}/rent"),
            Some(&json!({"from": "2026-07-11", "rent": 1})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // July's statements, issued in August: not before the month ends.
    let (status, early) = app
        .call(
            "operator",
            Method::POST,
            "/statements/issue",
            Some(&json!({"month": "2026-07"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{early}");
    let august = app
        .server_at(ucz_core::Clock::fixed_at("2026-08-03T09:00:00+09:00").unwrap())
        .await;
    let (status, issued) = app
        .call_at(
            &august,
            "operator",
            Method::POST,
            "/statements/issue",
            Some(&json!({"month": "2026-07"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{issued}");
    let statements = issued["items"].as_array().unwrap();
    let numbers: Vec<&str> = statements
        .iter()
        .map(|s| s["number"].as_str().unwrap())
        .collect();
    let expected: Vec<String> = (1..=statements.len())
        .map(|i| format!("DAEJEON-2026-{i:04}"))
        .collect();
    assert_eq!(numbers, expected, "numbered without gaps");
    let of = |firm: &str| {
        statements
            .iter()
            .find(|s| s["firm_id"] == firm)
            .unwrap()
            .clone()
    };
    // The tenant: rent 100,000 (10 days at 310,000) + 220,000 (11 days at 620,000); the room on
    // Saturday (10,000) and its no-show (10,000, billed) within its 4 free hours (-20,000).
    let tenant = of("T-FIRM");
    let kinds: Vec<(&str, i64)> = tenant["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["kind"].as_str().unwrap(), l["amount"].as_i64().unwrap()))
        .collect();
    assert!(
        kinds.contains(&("rent", 100_000)) && kinds.contains(&("rent", 220_000)),
        "{tenant}"
    );
    assert!(kinds.contains(&("free_hours", -20_000)), "{tenant}");
    let supply = tenant["supply"].as_i64().unwrap();
    assert_eq!(supply, kinds.iter().map(|(_, a)| a).sum::<i64>());
    assert_eq!(tenant["vat"].as_i64().unwrap(), supply / 10);
    assert_eq!(tenant["total"].as_i64().unwrap(), supply + supply / 10);
    assert!(
        tenant["notice_ko"]
            .as_str()
            .unwrap()
            .contains("전자세금계산서가 아닙니다")
    );
    // Issuing again issues nothing new; a firm reads its own and not another's.
    let (status, again) = app
        .call_at(
            &august,
            "operator",
            Method::POST,
            "/statements/issue",
            Some(&json!({"month": "2026-07"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert!(again["items"].as_array().unwrap().is_empty(), "{again}");
    let tenant_id = tenant["id"].as_i64().unwrap();
    let (status, _) = app
        .call(
            "REG-01",
            Method::GET,
            &format!("/statements/{tenant_id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, own) = app
        .call("firm", Method::GET, "/statements/mine", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(own["items"][0]["number"], tenant["number"]);
    // A correction is a credit note with the next number, never an edit; once only.
    let (status, credit) = app
        .call_at(
            &august,
            "operator",
            Method::POST,
            &format!("/statements/{tenant_id}/credit"),
            Some(&json!({"reason": "임대료 산정 오류"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{credit}");
    assert_eq!(credit["kind"], "credit");
    assert_eq!(
        credit["number"],
        format!("DAEJEON-2026-{:04}", statements.len() + 1)
    );
    assert_eq!(
        credit["total"].as_i64().unwrap(),
        -tenant["total"].as_i64().unwrap()
    );
    let (status, _) = app
        .call_at(
            &august,
            "operator",
            Method::POST,
            &format!("/statements/{tenant_id}/credit"),
            Some(&json!({"reason": "again"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    // Credited, the month is issued again for that firm, numbered next.
    let (status, reissued) = app
        .call_at(
            &august,
            "operator",
            Method::POST,
            "/statements/issue",
            Some(&json!({"month": "2026-07"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{reissued}");
    assert_eq!(reissued["items"].as_array().unwrap().len(), 1, "{reissued}");
    assert_eq!(reissued["items"][0]["firm_id"], "T-FIRM");
    assert_eq!(
        reissued["items"][0]["number"],
        format!("DAEJEON-2026-{:04}", statements.len() + 2)
    );
    let (_, unchanged) = app
        .call(
            "operator",
            Method::GET,
            &format!("/statements/{tenant_id}"),
            None,
        )
        .await;
    assert_eq!(
        unchanged["total"], tenant["total"],
        "the statement itself is never edited"
    );
    let regional = of("REG-01");
    // A payment is recorded once received: not dated after today, never negative.
    let pay =
        |amount: Value, day: &str| json!({"amount": amount, "paid_on": day, "note": "계좌이체"});
    for (amount, day) in [
        (json!(-5), "2026-08-03"),
        (regional["total"].clone(), "2026-08-10"),
    ] {
        let (status, _) = app
            .call_at(
                &august,
                "operator",
                Method::POST,
                &format!("/statements/{}/payments", regional["id"]),
                Some(&pay(amount, day)),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let (status, paid) = app
        .call_at(
            &august,
            "operator",
            Method::POST,
            &format!("/statements/{}/payments", regional["id"]),
            Some(&pay(regional["total"].clone(), "2026-08-03")),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{paid}");
    assert_eq!(paid["paid"], regional["total"]);

    // The pages: the tenant books from the week's calendar (a refusal says why beside it), the
    // operator sees it, the statements list and a printable statement.
    let firm = Browser::new(&app, Some("firm")).await;
    let (status, _, html) = firm.get("/bookings?resource=room-a&week=2026-07-06").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("data-start=\"2026-07-07T19:00\""),
        "a tenant's evening slot is free"
    );
    let booking = [
        ("_csrf", firm.csrf.as_str()),
        ("resource_id", "room-a"),
        ("start", "2026-07-07T19:00"),
        ("end", "2026-07-07T19:30"),
    ];
    let (status, location, _) = firm.post("/bookings/book", &booking).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    let (_, _, html) = firm.get("/bookings?resource=room-a&week=2026-07-06").await;
    assert!(html.contains("2026-07-07 19:00"), "in my bookings");
    let holiday = [
        ("_csrf", firm.csrf.as_str()),
        ("resource_id", "room-a"),
        ("start", "2026-07-17T10:00"),
        ("end", "2026-07-17T11:00"),
    ];
    let (status, _, html) = firm.post("/bookings/book", &holiday).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("제헌절"), "the refusal names the holiday");
    let (status, _, html) = firm.get("/bookings/statements").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(tenant["number"].as_str().unwrap()));
    for page in ["/bookings/manage", "/bookings/occupancy"] {
        let (status, _, _) = firm.get(page).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{page} is the keeper's");
    }
    let operator = Browser::new(&app, Some("operator")).await;
    let (status, _, html) = operator.get("/bookings/manage").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("2026-07-07 19:00") && html.contains("3d_printer_safety"),
        "bookings and trainings"
    );
    let (status, _, html) = operator.get("/bookings/statements?month=2026-07").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("DAEJEON-2026-0001"));
    let (status, _, html) = operator
        .get(&format!("/bookings/statements/{tenant_id}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("전자세금계산서가 아닙니다") && html.contains("임대료"),
        "printable, with its notice"
    );
    let (status, _, _) = operator
        .get("/bookings/statements/export.xlsx?month=2026-07")
        .await;
    assert_eq!(status, StatusCode::OK);
    let other = Browser::new(&app, Some("other_operator")).await;
    let (status, _, _) = other
        .get(&format!("/bookings/statements/{tenant_id}"))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Occupancy in August: the room's hours of the week booked, its no-shows, and a lease
    // ending within 30 days, which the firm is reminded of.
    let (status, space) = app
        .call("operator", Method::POST, "/spaces",
            Some(&json!({"facility_id": facility, "name": "302호", "kind": "rental_unit", "area_m2": 20})))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{space}");
    let (status, lease) = app
        .call("operator", Method::POST, "/leases",
            Some(&json!({"space_id": space["id"], "firm_id": "REG-01", "starts": "2026-01-01", "ends": "2026-09-01"})))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{lease}");
    let (status, d) = app
        .call_at(&august, "operator", Method::GET, "/occupancy", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{d}");
    let room = d["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["resource_id"] == "room-a")
        .unwrap();
    assert!(room["utilisation"].as_f64().unwrap() > 0.0, "{room}");
    assert!(
        room["no_shows"].as_i64().unwrap() >= 2
            && room["due"].as_i64().unwrap() > room["no_shows"].as_i64().unwrap(),
        "{room}"
    );
    // The heat map's booked minutes are the held, checked-in and no-show bookings' minutes.
    let window = format!(
        "/bookings?from={}&days=84",
        d["window_from"].as_str().unwrap()
    );
    let (_, list) = app
        .call_at(&august, "operator", Method::GET, &window, None)
        .await;
    let minutes = |t: &str| {
        let hm = &t[11..16];
        hm[..2].parse::<i64>().unwrap() * 60 + hm[3..].parse::<i64>().unwrap()
    };
    let expected: i64 = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["resource_id"] == "room-a")
        .filter(|b| {
            ["confirmed", "checked_in", "no_show", "offered"]
                .contains(&b["state"].as_str().unwrap())
        })
        .map(|b| minutes(b["end"].as_str().unwrap()) - minutes(b["start"].as_str().unwrap()))
        .sum();
    let booked: i64 = room["booked"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|day| day.as_array().unwrap().iter().map(|m| m.as_i64().unwrap()))
        .sum();
    assert_eq!(booked, expected, "{room}");
    // Wednesday 10:00 (the checked-in hour of 1 July) was booked.
    assert!(room["booked"][2][10].as_i64().unwrap() >= 60, "{room}");
    let ending = d["ending"].as_array().unwrap();
    let soon = ending.iter().find(|e| e["firm_id"] == "REG-01").unwrap();
    assert_eq!(
        (soon["band"].as_i64(), soon["outlook"].as_str()),
        (Some(30), Some("renew")),
        "{soon}"
    );
    let july = d["months"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["month"] == "2026-07" && m["leased_days"].as_i64().unwrap() > 0);
    assert!(july.is_some(), "July's occupancy counts the leases: {d}");
    let (status, _) = app
        .call_at(
            &august,
            "other_operator",
            Method::GET,
            "/occupancy?zone=daejeon",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app
        .call_at(&august, "admin", Method::POST, "/jobs/notices/run", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, inbox) = app
        .call_at(&august, "REG-01", Method::GET, "/inbox", None)
        .await;
    let text = inbox.to_string();
    assert!(
        text.contains("lease_ending") && text.contains("302호"),
        "{inbox}"
    );
    // The zone's operator is reminded too, of the firm and what comes next.
    let (_, inbox) = app
        .call_at(&august, "operator", Method::GET, "/inbox", None)
        .await;
    let reminder = inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["body"]["kind"] == "lease_ending" && n["body"]["firm"] == "REG-01")
        .unwrap_or_else(|| panic!("{inbox}"))
        .clone();
    assert!(
        reminder["text"].as_str().unwrap().contains("renewal"),
        "{reminder}"
    );
    let (status, _, html) = operator.get("/bookings/occupancy").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("svg class=\"heat\"") && html.contains("세미나실 A"),
        "the heat map with its table"
    );
}

/// Runs the futures together on this task: every request is in flight before any answer is
/// read. Their outputs, in order.
async fn join_all<F: std::future::Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut pinned: Vec<_> = futures.into_iter().map(Box::pin).collect();
    let mut out: Vec<Option<F::Output>> = (0..pinned.len()).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (f, done) in pinned.iter_mut().zip(out.iter_mut()) {
            if done.is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => *done = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    out.into_iter().flatten().collect()
}
