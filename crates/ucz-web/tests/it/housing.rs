//! Worker housing through the API, from opening a round to signed tenancies: units, a round
//! refused by field, employees invited by their firms, applications with documents, employment
//! confirmed, criteria verified, a person in two households flagged, closing, the frozen list,
//! a draw refused too early and with the list changed, the published result verified, offers
//! moving down the reserve list, tenancies one per unit, the next round on the vacancies, and
//! the personal data erased after the retention period.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use ucz_core::Clock;

use crate::awards::{firm_accounts, token_for};
use crate::pages::Browser;
use crate::{TestApp, execute, firm_body};

fn unit(id: &str, unit_type: &str, rooms: u32) -> Value {
    json!({"id": id, "facility": "대전 청년창업주택", "unit_type": unit_type, "area_m2": 26.4 + f64::from(rooms) * 10.0,
        "rooms": rooms, "rent": 180_000 * i64::from(rooms), "deposit": 5_000_000, "accessible": id.ends_with('1'),
        "available_from": "2026-08-01"})
}

fn setup() -> Value {
    json!({
        "name": "2026 하반기 근로자 주택 특별공급",
        "code": "DJ-2026-H1",
        "opens_at": "2026-06-29T09:00",
        "closes_at": "2026-07-01T18:00",
        "moves_in": "2026-09-01",
        "units": {"studio": 3, "two_room": 1},
        "criteria": [
            {"id": "no_home", "label": "무주택 세대", "rule": "applicant.homes_owned == 0", "documents": ["home_record"]},
            {"id": "income", "label": "월평균 소득 600만 원 이하", "rule": "applicant.household_income <= 6000000", "documents": ["income_proof"]},
            {"id": "employed", "label": "재직 확인", "rule": "applicant.months_employed >= 0", "employer_confirms": true}
        ],
        "unit_rules": {"two_room": "applicant.household_size >= 2"},
        "tiers": [
            {"id": "founders", "label": "입주기업 창업자", "rule": "applicant.founder && applicant.employer_tenant", "quotas": {"studio": 1}},
            {"id": "zone_employees", "label": "입주기업 근로자 (6개월 이상)", "rule": "applicant.employer_tenant && applicant.months_employed >= 6",
             "quotas": {"studio": 1, "two_room": 1}, "scoring": [{"field": "months_employed", "per": 1, "max": 60}]},
            {"id": "general", "label": "일반", "rule": "true"}
        ],
        "leftover": "next_tier",
        "reserve": 3,
        "offer_days": 7,
        "term_months": 24,
        "retention_days": 365
    })
}

fn fields(refused: &Value) -> Vec<String> {
    refused["errors"]
        .as_array()
        .unwrap_or(&Vec::new())
        .iter()
        .map(|e| e["field"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn declaration(name: &str, birth: &str, months: i64, unit_type: &str, members: Value) -> Value {
    json!({"name": name, "birth_date": birth, "months_employed": months, "homes_owned": 0,
        "household_income": 3_900_000, "members": members, "unit_type": unit_type})
}

const PDF: &[u8] = b"%PDF-1.4\n% ucz test document\n";

async fn upload(
    app: &TestApp,
    who: &str,
    id: i64,
    kind: &str,
    bytes: &[u8],
) -> (StatusCode, Value) {
    let response = app
        .client
        .post(format!(
            "{}/housing/applications/{id}/documents?kind={kind}&name={kind}.pdf",
            app.base
        ))
        .bearer_auth(format!("token-{who}"))
        .body(bytes.to_vec())
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// A multipart form: text fields and files (field, file name, bytes).
fn multipart(fields: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "ucz-test-boundary-7d1f";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    for (name, file, bytes) in files {
        body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\nContent-Type: application/pdf\r\n\r\n").as_bytes());
        body.extend(*bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

fn at(text: &str) -> Clock {
    Clock::fixed_at(text).unwrap()
}

pub async fn housing_from_round_to_tenancies(app: TestApp) {
    // Units of the Daejeon zone; a bad one refused by field; another zone's operator refused.
    for (id, t, rooms) in [
        ("dj-h1-s01", "studio", 1),
        ("dj-h1-s02", "studio", 1),
        ("dj-h1-s03", "studio", 1),
        ("dj-h1-t01", "two_room", 2),
    ] {
        let (status, made) = app
            .call(
                "operator",
                Method::POST,
                "/housing/units",
                Some(&unit(id, t, rooms)),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{made}");
        assert_eq!(made["zone_id"], "daejeon");
    }
    let mut bad = unit("Bad Unit", "Studio", 0);
    bad["rent"] = json!(-1);
    let (status, refused) = app
        .call("operator", Method::POST, "/housing/units", Some(&bad))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(fields(&refused), ["id", "unit_type", "rooms", "rent"]);
    let (status, _) = app
        .call(
            "other_operator",
            Method::POST,
            "/housing/units?zone=daejeon",
            Some(&unit("dj-x", "studio", 1)),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // A round whose rule does not type-check and whose quotas exceed its units is refused by
    // field; so is one offering more studios than are free; then the round opens.
    let mut wrong = setup();
    wrong["criteria"][0]["rule"] = json!("applicant.homes_owned == 'none'");
    wrong["tiers"][1]["quotas"]["studio"] = json!(3);
    let (status, refused) = app
        .call("operator", Method::POST, "/housing/rounds", Some(&wrong))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(fields(&refused), ["criteria[0].rule", "units.studio"]);
    assert!(
        refused
            .to_string()
            .contains("add up to 4, more than its 3 units"),
        "{refused}"
    );
    let mut past = setup();
    past["opens_at"] = json!("2026-06-01T09:00");
    past["closes_at"] = json!("2026-06-15T18:00");
    let (status, refused) = app
        .call("operator", Method::POST, "/housing/rounds", Some(&past))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(fields(&refused), ["closes_at"]);
    let mut greedy = setup();
    greedy["units"]["studio"] = json!(4);
    greedy["tiers"][1]["quotas"]["studio"] = json!(1);
    let (status, refused) = app
        .call("operator", Method::POST, "/housing/rounds", Some(&greedy))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert!(
        refused
            .to_string()
            .contains("4 units of studio are offered but 3 are free"),
        "{refused}"
    );
    let (status, round) = app
        .call("operator", Method::POST, "/housing/rounds", Some(&setup()))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{round}");
    let (status, taken) = app
        .call("operator", Method::POST, "/housing/rounds", Some(&setup()))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{taken}");
    assert_eq!(fields(&taken), ["code"]);
    let round_id = round["id"].as_i64().unwrap();
    assert_eq!(round["taking"], true);
    let (status, public) = app
        .call(
            "anonymous",
            Method::GET,
            &format!("/housing/rounds/{round_id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(public["setup"]["code"], "DJ-2026-H1");

    // Firms: the test firm (a Daejeon tenant, whose founder applies), a second Daejeon tenant
    // and a Busan firm. Each invites its employees; the invitation mails a password link.
    for (id, zone) in [("H-DJ2", "daejeon"), ("H-BUSAN", "busan")] {
        let (status, _) = app
            .call("admin", Method::POST, "/firms", Some(&firm_body(id, zone)))
            .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    firm_accounts(&app, &["H-DJ2".to_string(), "H-BUSAN".to_string()]).await;
    let mut residents = Vec::new();
    for (firm, who) in [
        ("firm", "r1"),
        ("firm", "r2"),
        ("firm", "r3"),
        ("H-DJ2", "r4"),
        ("H-BUSAN", "r5"),
    ] {
        let (status, invited) = app
            .call(
                firm,
                Method::POST,
                "/housing/employees",
                Some(&json!({"email": format!("{who}@staff.test"), "name": format!("직원 {who}")})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{invited}");
        let user = invited["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["email"] == format!("{who}@staff.test"))
            .unwrap()["user_id"]
            .as_i64()
            .unwrap();
        token_for(&app, ucz_core::account::UserId(user), who).await;
        residents.push(who);
    }
    let invite = app.mail.wait_for("r1@staff.test", 1).await;
    assert!(invite[0].link("/password/reset").is_some());
    // Invited again before setting a password, the employee gets a new link; the firm's list
    // shows the name the firm gave.
    let (status, again) = app
        .call(
            "firm",
            Method::POST,
            "/housing/employees",
            Some(&json!({"email": "r1@staff.test", "name": "이하늘 매니저"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{again}");
    assert!(
        again.to_string().contains("직원 r1"),
        "the first name given stays: {again}"
    );
    let invites = app.mail.wait_for("r1@staff.test", 2).await;
    assert!(invites[1].link("/password/reset").is_some());
    let (status, _) = app
        .call(
            "operator",
            Method::POST,
            "/housing/employees",
            Some(&json!({"email": "x@staff.test", "name": "x"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "only firms invite employees");

    // Applications. r4's spouse is also declared by r5: one person in two households.
    let spouse = json!([{"name": "정다은", "birth_date": "1995-05-05", "relation": "배우자"}]);
    let people = [
        (
            "firm",
            declaration("김창업", "1990-01-10", 30, "studio", json!([])),
        ),
        (
            "r1",
            declaration("이하늘", "1994-03-01", 24, "studio", json!([])),
        ),
        (
            "r2",
            declaration("박바다", "1996-07-07", 10, "studio", json!([])),
        ),
        (
            "r3",
            declaration("최산", "1999-09-09", 3, "studio", json!([])),
        ),
        (
            "r4",
            declaration("정우주", "1993-02-02", 30, "two_room", spouse.clone()),
        ),
        (
            "r5",
            declaration("한별", "1992-12-12", 40, "studio", spouse),
        ),
    ];
    let mut ids = std::collections::BTreeMap::new();
    let path = format!("/housing/rounds/{round_id}/applications");
    for (who, declared) in &people {
        let (status, made) = app
            .call(
                who,
                Method::POST,
                &path,
                Some(&json!({"declaration": declared})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{who}: {made}");
        assert_eq!(made["state"], "draft");
        ids.insert(who.to_string(), made["id"].as_i64().unwrap());
    }
    // Applying again edits the one application of the applicant's household.
    let (status, again) = app
        .call(
            "r1",
            Method::POST,
            &path,
            Some(&json!({"declaration": people[1].1})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again["id"].as_i64(), Some(ids["r1"]));
    let mut odd = people[2].1.clone();
    odd["unit_type"] = json!("penthouse");
    odd["homes_owned"] = json!(-1);
    let (status, refused) = app
        .call(
            "r2",
            Method::POST,
            &path,
            Some(&json!({"declaration": odd})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        fields(&refused),
        ["declaration.homes_owned", "declaration.unit_type"]
    );
    let (status, _) = app
        .call(
            "operator",
            Method::POST,
            &path,
            Some(&json!({"declaration": people[1].1})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Documents: a text file named .pdf and a kind the round does not ask for are refused.
    let (status, refused) = upload(&app, "r1", ids["r1"], "income_proof", b"just text").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert!(
        refused.to_string().contains("PDF, PNG or JPEG"),
        "{refused}"
    );
    let (status, refused) = upload(&app, "r1", ids["r1"], "passport", PDF).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.to_string().contains("resident_register"),
        "{refused}"
    );
    let (status, _) = upload(&app, "r2", ids["r1"], "income_proof", PDF).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "not one's own application");
    let (status, early) = app
        .call(
            "r1",
            Method::POST,
            &format!("/housing/applications/{}/submit", ids["r1"]),
            None,
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "no register, no submission"
    );
    assert_eq!(fields(&early), ["documents"]);
    let mut unborn = people[2].1.clone();
    unborn["birth_date"] = json!("2027-01-01");
    let (status, refused) = app
        .call(
            "r2",
            Method::POST,
            &path,
            Some(&json!({"declaration": unborn})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&refused), ["declaration.birth_date"]);
    let mut r1_document = 0;
    for (who, id) in &ids {
        for kind in ["resident_register", "home_record", "income_proof"] {
            let (status, doc) = upload(&app, who, *id, kind, PDF).await;
            assert_eq!(status, StatusCode::CREATED, "{doc}");
            assert_eq!(doc["content_type"], "application/pdf");
            if who == "r1" {
                r1_document = doc["id"].as_i64().unwrap();
            }
        }
        let (status, sent) = app
            .call(
                who,
                Method::POST,
                &format!("/housing/applications/{id}/submit"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{sent}");
        assert!(sent["number"].as_str().unwrap().starts_with("DJ-2026-H1-"));
    }
    let (status, _) = app
        .call(
            "r2",
            Method::GET,
            &format!("/housing/documents/{r1_document}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let bytes = app
        .client
        .get(format!("{}/housing/documents/{r1_document}", app.base))
        .bearer_auth("token-operator")
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&bytes[..], PDF);

    // Before anyone confirms, r1's employment waits for its firm.
    let (_, mine) = app
        .call("r1", Method::GET, "/housing/applications/mine", None)
        .await;
    let checks = &mine["items"][0]["checks"];
    assert_eq!(checks[2]["id"], "employed");
    assert_eq!(checks[2]["status"], "unverified");
    assert_eq!(
        checks[0]["status"], "unverified",
        "documents wait for the operator"
    );
    // Employers confirm; they see the employment and nothing else of the application.
    let (status, seen) = app
        .call("firm", Method::GET, "/housing/employment", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(seen["items"].as_array().unwrap().len(), 3, "{seen}");
    assert!(
        seen["items"][0].get("number").is_none(),
        "no number to find in the result"
    );
    assert!(!seen.to_string().contains("household_income") && !seen.to_string().contains("정다은"));
    for (firm, who) in [
        ("firm", "r1"),
        ("firm", "r2"),
        ("firm", "r3"),
        ("H-DJ2", "r4"),
        ("H-BUSAN", "r5"),
    ] {
        let (status, _) = app
            .call(
                firm,
                Method::POST,
                &format!("/housing/applications/{}/verdicts", ids[who]),
                Some(&json!({"ok": true})),
            )
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{firm} confirms {who}");
    }
    let (status, _) = app
        .call(
            "H-BUSAN",
            Method::POST,
            &format!("/housing/applications/{}/verdicts", ids["r1"]),
            Some(&json!({"ok": true})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another firm's employee");

    // The operator sees the shared person flagged, verifies the documents, and rejects the
    // household of r5 (its register does not list the spouse).
    let list = format!("/housing/rounds/{round_id}/applications");
    let (status, listed) = app.call("operator", Method::GET, &list, None).await;
    assert_eq!(status, StatusCode::OK);
    let of = |listed: &Value, id: i64| -> Value {
        listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == id)
            .unwrap()
            .clone()
    };
    let r4 = of(&listed, ids["r4"]);
    assert_eq!(r4["shared_with"].as_array().unwrap().len(), 1, "{r4}");
    assert_eq!(r4["checks"][3]["status"], "not_met");
    // The applicant is not told who else declared its spouse: the household waits.
    let (_, own) = app
        .call("r4", Method::GET, "/housing/applications/mine", None)
        .await;
    assert_eq!(own["items"][0]["shared_with"], json!([]));
    assert_eq!(own["items"][0]["checks"][3]["status"], "unverified");
    assert!(
        !own.to_string()
            .contains(of(&listed, ids["r5"])["number"].as_str().unwrap()),
        "{own}"
    );
    let (status, _) = app.call("other_operator", Method::GET, &list, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    for (who, id) in &ids {
        for criterion in ["no_home", "income", "household"] {
            let ok = !(who == "r5" && criterion == "household");
            let (status, view) = app
                .call(
                    "operator",
                    Method::POST,
                    &format!("/housing/applications/{id}/verdicts"),
                    Some(&json!({"criterion": criterion, "ok": ok, "note": if ok { "" } else { "등본에 배우자 없음" }})),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{view}");
        }
    }
    // An edit after verification is verified again: r3 changes its declaration, its employer
    // confirms again and the operator checks again.
    let mut edited = people[3].1.clone();
    edited["months_employed"] = json!(4);
    let (status, again) = app
        .call(
            "r3",
            Method::POST,
            &path,
            Some(&json!({"declaration": edited})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again["state"], "submitted");
    assert_eq!(again["checks"][0]["status"], "unverified", "{again}");
    assert_eq!(again["checks"][2]["status"], "unverified", "{again}");
    let (status, _) = app
        .call(
            "firm",
            Method::POST,
            &format!("/housing/applications/{}/verdicts", ids["r3"]),
            Some(&json!({"ok": true})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    for criterion in ["no_home", "income", "household"] {
        let (status, _) = app
            .call(
                "operator",
                Method::POST,
                &format!("/housing/applications/{}/verdicts", ids["r3"]),
                Some(&json!({"criterion": criterion, "ok": true})),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    let (_, listed) = app.call("operator", Method::GET, &list, None).await;
    let eligible: Vec<(String, String)> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["eligible"] == true)
        .map(|a| {
            (
                a["number"].as_str().unwrap().to_string(),
                a["tier"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(eligible.len(), 5, "{listed}");
    let r5 = of(&listed, ids["r5"]);
    assert_eq!(r5["eligible"], false);
    assert!(
        r5["checks"][3]["reason_ko"]
            .as_str()
            .unwrap()
            .contains("등본에 배우자 없음")
    );
    assert_eq!(of(&listed, ids["r4"])["shared_with"], json!([]));
    assert_eq!(of(&listed, ids["firm"])["tier"], "founders");
    assert_eq!(of(&listed, ids["r3"])["tier"], "general");
    assert_eq!(of(&listed, ids["r1"])["score"], 24);

    // The pages: a resident with a password applies from the form (a draft, its document
    // kept; a document that is not one refused beside the form); the firm confirms on its page.
    let hash = ucz_web::auth::hash_password("pw-r9@staff.test").unwrap();
    app.store
        .add_user(
            "test",
            "r9@staff.test",
            &hash,
            ucz_core::account::RoleName::Resident,
            None,
            None,
        )
        .await
        .unwrap();
    // As an invited account that set its password: signed in by its address.
    execute(&app.store, "UPDATE users SET email = username, email_verified_at = '2026-06-01T00:00:00Z' WHERE username = 'r9@staff.test'").await;
    let (status, _) = app
        .call(
            "firm",
            Method::POST,
            "/housing/employees",
            Some(&json!({"email": "r9@staff.test", "name": "직원 r9"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let r9 = Browser::new(&app, Some("r9@staff.test")).await;
    let (status, _, html) = r9.get("/housing").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(
        html.contains(&format!("/housing/rounds/{round_id}/apply")),
        "the round's form"
    );
    let form = [
        ("_csrf", r9.csrf.as_str()),
        ("name", "오늘"),
        ("birth_date", "1998-04-04"),
        ("months_employed", "8"),
        ("homes_owned", "0"),
        ("household_income", "3,100,000"),
        ("members", ""),
        ("unit_type", "studio"),
        ("action", "save"),
    ];
    let (content_type, body) = multipart(
        &form,
        &[("file_income_proof", "소득.pdf", b"not a pdf at all")],
    );
    let (status, _, html) = r9
        .send(
            &format!("/housing/rounds/{round_id}/apply"),
            &content_type,
            body,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("PDF, PNG, JPEG"),
        "the refusal beside the form"
    );
    let (content_type, body) = multipart(&form, &[("file_resident_register", "등본.pdf", PDF)]);
    let (status, location, _) = r9
        .send(
            &format!("/housing/rounds/{round_id}/apply"),
            &content_type,
            body,
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    let (_, _, html) = r9.get("/housing").await;
    assert!(
        html.contains("resident_register") && html.contains("작성 중"),
        "the draft and its document"
    );
    let firm_page = Browser::new(&app, Some("firm")).await;
    let (status, _, html) = firm_page.get("/housing").await;
    assert_eq!(status, StatusCode::OK);
    let employment = html.split("id=\"employment\"").nth(1).unwrap_or_default();
    assert!(employment.contains("이하늘"), "{employment}");
    assert!(
        !employment.contains("3900000") && !employment.contains("1994-03-01"),
        "only the employment"
    );

    // After closing: no application, no document; freezing needs a random value still to come.
    let closed = app.server_at(at("2026-07-02T10:00:00+09:00")).await;
    let (status, late) = app
        .call_at(
            &closed,
            "r2",
            Method::POST,
            &path,
            Some(&json!({"declaration": people[2].1})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{late}");
    assert!(late.to_string().contains("2026-07-01 18:00"), "{late}");
    let freeze = format!("/housing/rounds/{round_id}/freeze");
    let (status, early) = app
        .call(
            "operator",
            Method::POST,
            &freeze,
            Some(&json!({"random_source": "로또", "random_at": "2026-07-04T20:45"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "not before closing: {early}");
    let (status, past) = app
        .call_at(
            &closed,
            "operator",
            Method::POST,
            &freeze,
            Some(&json!({"random_source": "로또", "random_at": "2026-07-01T20:45"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{past}");
    let source = "동행복권 로또 6/45 제1231회 당첨번호 (2026-07-04 20:45 추첨)";
    let (status, frozen) = app
        .call_at(
            &closed,
            "operator",
            Method::POST,
            &freeze,
            Some(&json!({"random_source": source, "random_at": "2026-07-04T20:45"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{frozen}");
    assert_eq!(frozen["state"], "frozen");
    assert_eq!(frozen["applicants"], 5);
    let list_hash = frozen["list_hash"].as_str().unwrap().to_string();
    assert_eq!(list_hash.len(), 64);
    let (status, _) = app
        .call_at(
            &closed,
            "operator",
            Method::POST,
            &freeze,
            Some(&json!({"random_source": source, "random_at": "2026-07-04T20:45"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "frozen once");
    let (status, _) = app
        .call_at(
            &closed,
            "operator",
            Method::POST,
            &format!("/housing/applications/{}/verdicts", ids["r5"]),
            Some(&json!({"criterion": "household", "ok": true})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "verdicts end with the freeze");

    // The draw: refused before the random value's time, refused when the list changed after
    // freezing (an application withdrawn behind ucz's back), then drawn.
    let draw = format!("/housing/rounds/{round_id}/draw");
    let random = json!({"random": "3 11 19 24 33 41 + 7"});
    let (status, refused) = app
        .call_at(&closed, "operator", Method::POST, &draw, Some(&random))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        refused.to_string().contains("2026-07-04 20:45"),
        "{refused}"
    );
    let drawing = app.server_at(at("2026-07-05T10:00:00+09:00")).await;
    execute(
        &app.store,
        &format!(
            "UPDATE housing_applications SET state = 'withdrawn' WHERE id = {}",
            ids["r3"]
        ),
    )
    .await;
    let (status, refused) = app
        .call_at(&drawing, "operator", Method::POST, &draw, Some(&random))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(refused.to_string().contains(&list_hash), "{refused}");
    execute(
        &app.store,
        &format!(
            "UPDATE housing_applications SET state = 'submitted' WHERE id = {}",
            ids["r3"]
        ),
    )
    .await;
    let (status, drawn) = app
        .call_at(&drawing, "operator", Method::POST, &draw, Some(&random))
        .await;
    assert_eq!(status, StatusCode::OK, "{drawn}");
    let number = |who: &str| {
        of(&listed, ids[who])["number"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let outcome = |result: &Value, n: &str| -> String {
        result["lines"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["number"] == n)
            .map(|l| l["outcome"].as_str().unwrap().to_string())
            .unwrap_or_else(|| "none".into())
    };
    // The founder, the longest employed tenant employee, the two-room household, and the
    // general tier's applicant for the studio no quota named; r2 waits on the reserve list.
    for (who, expected) in [
        ("firm", "housed"),
        ("r1", "housed"),
        ("r4", "housed"),
        ("r3", "housed"),
        ("r2", "reserve"),
        ("r5", "none"),
    ] {
        assert_eq!(outcome(&drawn, &number(who)), expected, "{who}: {drawn}");
    }
    // Small tiers show no points; nothing names anyone.
    assert!(
        drawn["lines"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["score"].is_null())
    );
    let (status, result) = app
        .call(
            "anonymous",
            Method::GET,
            &format!("/housing/rounds/{round_id}/result"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    for name in ["김창업", "이하늘", "정우주", "3900000"] {
        assert!(
            !result.to_string().contains(name),
            "{name} in the published result"
        );
    }
    // Anyone re-runs the draw from the published JSON; a changed random value or applicant
    // gives another result.
    let (status, published) = app
        .call(
            "anonymous",
            Method::GET,
            &format!("/housing/rounds/{round_id}/round.json"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let published: ucz_core::housing::Published = serde_json::from_value(published).unwrap();
    assert_eq!(published.outcome.list_hash, list_hash);
    assert!(
        ucz_core::housing::draw::verify(&published.inputs, &published.outcome)
            .unwrap()
            .is_empty()
    );
    let mut other = published.inputs.clone();
    other.list[0].score_rank += 1;
    assert!(
        !ucz_core::housing::draw::verify(&other, &published.outcome)
            .unwrap()
            .is_empty()
    );

    // The public page shows the commitment, the result and how to verify it, and no names.
    let anyone = Browser::new(&app, None).await;
    let (status, _, html) = anyone.get(&format!("/housing/rounds/{round_id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(&list_hash)
            && html.contains(&number("r1"))
            && html.contains("ucz housing verify")
    );
    assert!(!html.contains("이하늘") && !html.contains("정우주"));
    let operator_page = Browser::new(&app, Some("operator")).await;
    let (status, _, html) = operator_page
        .get(&format!("/housing/manage?round={round_id}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("id=\"offers\"") && html.contains("dj-h1-t01"),
        "offers and units"
    );
    let (status, _, _) = firm_page.get("/housing/manage").await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Offers went out with the draw. r1 refuses: its studio goes to r2 from the reserve list.
    let (status, offers) = app
        .call_at(
            &drawing,
            "operator",
            Method::GET,
            &format!("/housing/rounds/{round_id}/offers"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let offer_of = |offers: &Value, who: &str| -> Value {
        offers["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["number"] == number(who).as_str())
            .cloned()
            .unwrap_or(Value::Null)
    };
    assert_eq!(offers["items"].as_array().unwrap().len(), 4, "{offers}");
    let r1_offer = offer_of(&offers, "r1");
    let (status, refused) = app
        .call_at(
            &drawing,
            "r1",
            Method::POST,
            &format!("/housing/offers/{}/refuse", r1_offer["id"]),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{refused}");
    let (_, offers) = app
        .call_at(
            &drawing,
            "operator",
            Method::GET,
            &format!("/housing/rounds/{round_id}/offers"),
            None,
        )
        .await;
    let r2_offer = offer_of(&offers, "r2");
    assert_eq!(r2_offer["unit_id"], r1_offer["unit_id"], "{offers}");
    assert_eq!(r2_offer["state"], "offered");
    // Someone else's offer is not found; the holders accept and their tenancies are signed.
    let (status, _) = app
        .call_at(
            &drawing,
            "r1",
            Method::POST,
            &format!("/housing/offers/{}/accept", r2_offer["id"]),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    for who in ["r2", "r4", "firm"] {
        let offer = offer_of(&offers, who);
        let (status, answered) = app
            .call_at(
                &drawing,
                who,
                Method::POST,
                &format!("/housing/offers/{}/accept", offer["id"]),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{who}: {answered}");
        assert_eq!(answered["tenancy"]["starts_on"], "2026-09-01");
        assert_eq!(answered["tenancy"]["ends_on"], "2028-08-31");
        assert_eq!(answered["tenancy"]["unit_id"], offer["unit_id"]);
    }
    let (status, _) = app
        .call_at(
            &drawing,
            "r2",
            Method::POST,
            &format!("/housing/offers/{}/accept", r2_offer["id"]),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "accepted once");
    // r3 lets its offer lapse; with no one left on the studio reserve list the unit is vacant.
    let later = app.server_at(at("2026-07-13T10:00:00+09:00")).await;
    let (_, offers) = app
        .call_at(
            &later,
            "operator",
            Method::GET,
            &format!("/housing/rounds/{round_id}/offers"),
            None,
        )
        .await;
    let r3_offer = offer_of(&offers, "r3");
    assert_eq!(r3_offer["state"], "lapsed", "{offers}");
    let (status, _) = app
        .call_at(
            &later,
            "r3",
            Method::POST,
            &format!("/housing/offers/{}/accept", r3_offer["id"]),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (_, mine) = app
        .call_at(
            &later,
            "r2",
            Method::GET,
            "/housing/applications/mine",
            None,
        )
        .await;
    assert_eq!(mine["items"][0]["outcome"], "reserve");
    assert_eq!(mine["items"][0]["offers"][0]["state"], "accepted");

    // Tenancies: one per unit at a time.
    let (_, units) = app
        .call("operator", Method::GET, "/housing/units", None)
        .await;
    let let_units: Vec<&Value> = units["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| !u["tenancies"].as_array().unwrap().is_empty())
        .collect();
    assert_eq!(let_units.len(), 3, "{units}");
    let taken = r2_offer["unit_id"].as_str().unwrap();
    let (status, clash) = app
        .call(
            "operator",
            Method::POST,
            "/housing/tenancies",
            Some(&json!({"unit_id": taken, "holder": "누군가", "starts_on": "2027-01-01", "ends_on": "2027-12-31"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{clash}");
    assert!(clash.to_string().contains("2028-08-31"), "{clash}");
    let (status, refused) = app
        .call(
            "operator",
            Method::POST,
            "/housing/tenancies",
            Some(&json!({"unit_id": taken, "holder": "", "starts_on": "2031-01-01", "ends_on": "2030-12-31", "rent": -5})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&refused), ["ends_on", "holder", "rent"]);
    let tenancy = let_units[0]["tenancies"][0]["id"].as_i64().unwrap();
    let (status, renewed) = app
        .call(
            "operator",
            Method::POST,
            &format!("/housing/tenancies/{tenancy}/renew"),
            Some(&json!({"ends_on": "2030-08-31"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{renewed}");
    assert_eq!(renewed["renewals"], 1);

    // The next round offers the vacancy: one studio is free, not two.
    let mut next = setup();
    next["code"] = json!("DJ-2026-H2");
    next["opens_at"] = json!("2026-07-20T09:00");
    next["closes_at"] = json!("2026-07-31T18:00");
    next["units"] = json!({"studio": 2});
    next["tiers"] = json!([{"id": "general", "label": "일반", "rule": "true"}]);
    next["unit_rules"] = json!({});
    let (status, refused) = app
        .call("operator", Method::POST, "/housing/rounds", Some(&next))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert!(
        refused
            .to_string()
            .contains("2 units of studio are offered but 1 are free"),
        "{refused}"
    );
    next["units"] = json!({"studio": 1});
    let (status, _) = app
        .call("operator", Method::POST, "/housing/rounds", Some(&next))
        .await;
    assert_eq!(status, StatusCode::CREATED);

    // The audit trail has every decision and no personal data.
    let audit: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT action, entity, after FROM audit WHERE entity LIKE 'housing%' OR entity = 'tenancy' ORDER BY id",
    )
    .fetch_all(app.store.pool())
    .await
    .unwrap();
    for action in [
        "create",
        "submitted",
        "upload",
        "verify",
        "freeze",
        "draw",
        "offer",
        "refused",
        "accepted",
        "lapsed",
        "sign",
        "renew",
    ] {
        assert!(
            audit.iter().any(|(a, _, _)| a == action),
            "no {action} in the audit"
        );
    }
    for (_, _, after) in &audit {
        let after = after.clone().unwrap_or_default();
        assert!(
            !after.contains("이하늘") && !after.contains("3900000") && !after.contains("정다은"),
            "{after}"
        );
    }

    // A year after the draw the notice scan erases the round's personal data.
    let year_on = app.server_at(at("2027-07-06T10:00:00+09:00")).await;
    let (status, _) = app
        .call_at(&year_on, "admin", Method::POST, "/jobs/notices/run", None)
        .await;
    assert!(status.is_success());
    let (_, listed) = app
        .call_at(&year_on, "operator", Method::GET, &list, None)
        .await;
    assert!(
        listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["declaration"].is_null()),
        "{listed}"
    );
    assert!(!listed.to_string().contains("이하늘"));
    let (status, _) = app
        .call_at(
            &year_on,
            "operator",
            Method::GET,
            &format!("/housing/documents/{r1_document}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, result) = app
        .call_at(
            &year_on,
            "anonymous",
            Method::GET,
            &format!("/housing/rounds/{round_id}/round.json"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "the published draw stays");
    assert_eq!(result["outcome"]["list_hash"], list_hash.as_str());
}
