//! Running a zone's program through the API, from the call to the selected firm's filings.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{TestApp, firm_body};

/// Firm accounts made cheaply: one password hash for all (the tests use their API tokens).
pub(crate) async fn firm_accounts(app: &TestApp, firms: &[String]) {
    let hash = ucz_web::auth::hash_password("pw-applicant").unwrap();
    for firm in firms {
        let user = app
            .store
            .add_user(
                "test",
                firm,
                &hash,
                ucz_core::account::RoleName::Firm,
                None,
                Some(firm),
            )
            .await
            .unwrap();
        token_for(app, user.id, firm).await;
    }
}

pub(crate) async fn token_for(app: &TestApp, user: ucz_core::account::UserId, name: &str) {
    app.store
        .create_token(
            "test",
            &ucz_web::auth::token_hash(&format!("token-{name}")),
            user,
            "test",
            "2999-01-01T00:00:00Z",
            20,
        )
        .await
        .unwrap();
}

fn competition() -> Value {
    json!({
        "budget": 300_000_000, "awards": 5, "max_amount": 80_000_000,
        "form": [
            {"id": "plan", "label": "사업계획 요약", "kind": "long_text", "required": true, "max_chars": 2000},
            {"id": "team", "label": "팀 규모", "kind": "number", "min": 1, "max": 500},
            {"id": "field", "label": "분야", "kind": "choice", "choices": ["AI", "바이오", "모빌리티"]},
            {"id": "deck", "label": "발표자료", "kind": "file", "max_bytes": 1_000_000, "types": ["application/pdf"]}
        ],
        "rubric": [
            {"id": "market", "name": "시장성", "weight": 40, "scale": 10},
            {"id": "tech", "name": "기술성", "weight": 60, "scale": 10}
        ],
        "reviewers_per_application": 3, "max_load": 20, "blind": true,
        "ties": ["criterion:tech", "earlier_submission"], "reserve": 2,
        "kpis": [{"id": "pilots", "name": "실증 건수", "unit": "건"}]
    })
}

/// A score sheet for the application at `i` of the ranking's input: the two tied ones total 70
/// with different tech scores; no other totals 70.
fn sheet(i: usize) -> Value {
    let (market, mut tech) = (((i * 3) % 11).min(10), ((i * 7 + 2) % 11).min(10));
    if 4 * market + 6 * tech == 70 {
        tech = (tech + 1) % 11;
    }
    json!({"market": market, "tech": tech})
}

pub async fn programs_run_from_call_to_filings(app: TestApp) {
    // The zone's operator publishes a call for Daejeon firms, closing tomorrow at 18:00.
    let (status, call) = app
        .call(
            "operator",
            Method::POST,
            "/calls",
            Some(
                &json!({"zone": "daejeon", "title": "대전 특구 스케일업 실증 지원",
                         "closes_at": "2026-07-01T18:00:00+09:00",
                         "rule": "firm.region == \"daejeon\""}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{call}");
    let id = call["id"].as_i64().unwrap();
    let at = |path: &str| format!("/awards/calls/{id}{path}");

    // A setup with problems is refused whole, each by its field; the good one is stored.
    let mut bad = competition();
    bad["budget"] = json!(0);
    bad["ties"] = json!(["criterion:team"]);
    bad["form"][1]["id"] = json!("plan");
    let (status, refused) = app.call("operator", Method::PUT, &at(""), Some(&bad)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    let fields: Vec<&str> = refused["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["budget", "form[1].id", "ties[0]"], "{refused}");
    let (status, _) = app
        .call("other_operator", Method::PUT, &at(""), Some(&competition()))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "another zone's operator");
    let (status, set) = app
        .call("operator", Method::PUT, &at(""), Some(&competition()))
        .await;
    assert_eq!(status, StatusCode::OK, "{set}");
    let (status, shown) = app.call("anonymous", Method::GET, &at(""), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(shown["setup"]["rubric"][1]["id"], "tech");

    // Thirty firms: 27 in Daejeon, 3 in Busan.
    let firms: Vec<String> = (1..=30).map(|i| format!("APP-{i:02}")).collect();
    for (i, firm) in firms.iter().enumerate() {
        let zone = if i >= 27 { "busan" } else { "daejeon" };
        let mut body = firm_body(firm, zone);
        body["name"] = json!(format!("신청기업 {i:02}"));
        let (status, made) = app.call("admin", Method::POST, "/firms", Some(&body)).await;
        assert_eq!(status, StatusCode::CREATED, "{made}");
    }
    firm_accounts(&app, &firms).await;

    // Bad answers are refused by question, nothing written.
    let (status, wrong) = app
        .call(
            &firms[0],
            Method::POST,
            &at("/applications"),
            Some(&json!({"answers": {"team": "다섯", "field": "핀테크"}, "requested": 90_000_000})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{wrong}");
    let fields: Vec<&str> = wrong["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["answers.team", "answers.field", "requested"]);
    let (_, mine) = app
        .call(&firms[0], Method::GET, "/awards/applications", None)
        .await;
    assert_eq!(mine["items"], json!([]), "nothing was written");

    // Files: over the limit and of a refused type are refused; a PDF is kept by its hash.
    let upload = |firm: &str, kind: &str, bytes: Vec<u8>| {
        let request = app
            .client
            .post(format!(
                "{}/awards/calls/{id}/files?question=deck&name=%EC%8B%A0%EC%B2%AD%EA%B8%B0%EC%97%85-deck.pdf",
                app.base
            ))
            .bearer_auth(format!("token-{firm}"))
            .header("content-type", kind)
            .body(bytes);
        async move {
            let response = request.send().await.unwrap();
            let status = response.status();
            (
                status,
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let (status, big) = upload(&firms[0], "application/pdf", vec![b'%'; 1_000_001]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{big}");
    assert!(
        big["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("1000000"),
        "{big}"
    );
    let (status, png) = upload(&firms[0], "image/png", b"\x89PNG".to_vec()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{png}");
    let pdf = b"%PDF-1.4 deck of the firm".to_vec();
    let (status, deck) = upload(&firms[0], "application/pdf", pdf.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{deck}");
    assert_eq!(deck["size"], pdf.len());

    // A file answer names the firm's own upload: another firm citing its hash is refused, and the
    // name, size and type come from the upload whatever the answer claims.
    let mut borrowed = deck.clone();
    borrowed["size"] = json!(10);
    let (status, refused) = app
        .call(
            &firms[1],
            Method::POST,
            &at("/applications"),
            Some(&json!({"answers": {"deck": borrowed}})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["errors"][0]["field"], "answers.deck");

    // Everyone drafts; the Busan firms are refused at submission with the reason.
    let mut applications = Vec::new();
    for (i, firm) in firms.iter().enumerate() {
        let mut answers =
            json!({"plan": format!("실증 계획 {i}"), "team": 3 + i % 5, "field": "AI"});
        if i == 0 {
            let mut claimed = deck.clone();
            claimed["size"] = json!(1);
            answers["deck"] = claimed;
        }
        let requested = 40_000_000 + (i as i64 % 5) * 10_000_000;
        let (status, draft) = app
            .call(
                firm,
                Method::POST,
                &at("/applications"),
                Some(&json!({"answers": answers, "requested": requested})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{draft}");
        assert_eq!(draft["state"], "draft");
        if i == 0 {
            assert_eq!(
                draft["answers"]["deck"]["size"],
                pdf.len(),
                "the upload's size"
            );
        }
        applications.push(draft["id"].as_i64().unwrap());
    }
    let (status, twice) = app
        .call(
            &firms[1],
            Method::POST,
            &at("/applications"),
            Some(&json!({"answers": {}})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "one per firm: {twice}");
    let (_, precheck) = app
        .call(&firms[28], Method::GET, &at("/precheck"), None)
        .await;
    assert_eq!(precheck["eligible"], false, "{precheck}");
    assert!(!precheck["reasons_ko"][0].as_str().unwrap().is_empty());
    for (i, firm) in firms.iter().enumerate().skip(27) {
        let path = format!("/awards/applications/{}/submit", applications[i]);
        let (status, refused) = app.call(firm, Method::POST, &path, None).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        assert!(
            refused["detail"]
                .as_str()
                .unwrap()
                .contains("does not meet"),
            "{refused}"
        );
    }
    // The 27th submits one second after the closing moment, on a server whose clock says so.
    let late_clock = ucz_core::Clock::fixed_at("2026-07-01T18:00:01+09:00").unwrap();
    let late = app.server_at(late_clock).await;
    let path = format!("/awards/applications/{}/submit", applications[26]);
    let (status, refused) = app
        .call_at(&late, &firms[26], Method::POST, &path, None)
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert!(
        refused["detail"]
            .as_str()
            .unwrap()
            .contains("closed at 2026-07-01 18:00"),
        "{refused}"
    );
    // The other 26 submit in time and keep their receipts.
    for i in 0..26 {
        let path = format!("/awards/applications/{}/submit", applications[i]);
        let (status, sent) = app.call(&firms[i], Method::POST, &path, None).await;
        assert_eq!(status, StatusCode::OK, "{sent}");
        assert_eq!(sent["state"], "submitted");
        assert_eq!(sent["receipt"]["sha256"].as_str().unwrap().len(), 64);
        assert_eq!(
            sent["receipt"]["number"],
            format!("{id}-{:05}", applications[i])
        );
    }
    let (status, _) = app
        .call(
            &firms[0],
            Method::POST,
            &format!("/awards/applications/{}/submit", applications[0]),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "submitted once");
    let (_, listed) = app
        .call("operator", Method::GET, &at("/applications"), None)
        .await;
    let submitted = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["state"] == "submitted")
        .count();
    assert_eq!(submitted, 26);

    // Five evaluators; the first worked for the second firm (its affiliation).
    let mut evaluators = Vec::new();
    for e in 1..=5 {
        let email = format!("evaluator{e}@eval.test");
        let affiliations = if e == 1 {
            json!([firms[1].clone()])
        } else {
            json!([])
        };
        let (status, invited) = app
            .call(
                "operator",
                Method::POST,
                &at("/evaluators"),
                Some(&json!({"email": email, "name": format!("평가위원{e}"), "affiliations": affiliations})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{invited}");
        let user = ucz_core::account::UserId(invited["user_id"].as_i64().unwrap());
        token_for(&app, user, &format!("e{e}")).await;
        evaluators.push((format!("e{e}"), user.0));
    }
    let invite = app.mail.wait_for("evaluator1@eval.test", 1).await;
    assert!(
        invite[0].link("/password/reset").is_some(),
        "the invitation sets a password"
    );
    let (status, _) = app
        .call(
            "operator",
            Method::POST,
            &at("/evaluators"),
            Some(&json!({"email": "firm-owner@x.test", "name": ""})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // Two declared conflicts.
    for (who, on) in [("e2", 4), ("e3", 6)] {
        let path = format!("/awards/applications/{}/conflict", applications[on]);
        let (status, done) = app
            .call(
                who,
                Method::POST,
                &path,
                Some(&json!({"reason": "former_employer"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{done}");
    }
    let (status, _) = app
        .call(
            &firms[0],
            Method::POST,
            &format!("/awards/applications/{}/conflict", applications[0]),
            Some(&json!({"reason": "x"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "firms declare no conflicts");

    let (status, report) = app
        .call("operator", Method::POST, &at("/assign"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["applications"], 26);
    assert_eq!(report["declared_conflicts"], 2);
    assert_eq!(report["found_conflicts"], 1);
    let pairs: Vec<(i64, i64)> = report["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p[0].as_i64().unwrap(), p[1].as_i64().unwrap()))
        .collect();
    assert_eq!(pairs.len(), 78);
    let user_of = |name: &str| evaluators.iter().find(|(n, _)| n == name).unwrap().1;
    for (application, user) in [
        (applications[4], user_of("e2")),
        (applications[6], user_of("e3")),
        (applications[1], user_of("e1")),
    ] {
        assert!(
            !pairs.contains(&(application, user)),
            "a conflict was assigned"
        );
    }
    for application in &applications[..26] {
        assert_eq!(pairs.iter().filter(|(a, _)| a == application).count(), 3);
    }
    let loads: Vec<i64> = report["loads"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_i64().unwrap())
        .collect();
    assert!(
        loads.iter().max().unwrap() - loads.iter().min().unwrap() <= 1,
        "{loads:?}"
    );

    // Blind review: the evaluator sees neither the firm nor the file's name.
    let (_, assigned) = app
        .call("e1", Method::GET, "/awards/assignments", None)
        .await;
    let items = assigned["items"].as_array().unwrap();
    assert!(!items.is_empty());
    for item in items {
        assert!(
            item["application"]["firm_id"].is_null() && item["application"]["firm_name"].is_null()
        );
        assert!(
            !item.to_string().contains("APP-") && !item.to_string().contains("신청기업"),
            "{item}"
        );
    }
    if let Some(with_deck) = items
        .iter()
        .find(|i| i["application"]["id"] == applications[0])
    {
        assert_eq!(
            with_deck["application"]["answers"]["deck"]["name"],
            "deck.pdf"
        );
    }

    // One firm withdraws after the assignment: it is not ranked, and its sheets are not waited for.
    let withdrawn = applications[25];
    let (status, out) = app
        .call(
            &firms[25],
            Method::POST,
            &format!("/awards/applications/{withdrawn}/withdraw"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["state"], "withdrawn");

    // Scores: outside the scale refused; a conflicted evaluator refused; the rest stored.
    let (who, application) = {
        let (a, u) = pairs[0];
        (
            evaluators
                .iter()
                .find(|(_, id)| *id == u)
                .unwrap()
                .0
                .clone(),
            a,
        )
    };
    let path = format!("/awards/applications/{application}/score");
    let (status, out) = app
        .call(
            &who,
            Method::PUT,
            &path,
            Some(&json!({"scores": {"market": 11, "tech": 5}})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{out}");
    assert_eq!(out["errors"][0]["field"], "scores.market");
    let (status, out) = app
        .call(
            "e2",
            Method::PUT,
            &format!("/awards/applications/{}/score", applications[4]),
            Some(&json!({"scores": {"market": 5, "tech": 5}})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{out}");
    assert!(out["detail"].as_str().unwrap().contains("conflict"));
    let (tie_a, tie_b) = (applications[10], applications[11]);
    for (application, user) in pairs.iter().filter(|(a, _)| *a != withdrawn) {
        let who = &evaluators.iter().find(|(_, id)| id == user).unwrap().0;
        let index = applications.iter().position(|a| a == application).unwrap();
        let scores = if *application == tie_a {
            json!({"market": 10, "tech": 5})
        } else if *application == tie_b {
            json!({"market": 4, "tech": 9})
        } else {
            sheet(index)
        };
        let (status, out) = app
            .call(
                who,
                Method::PUT,
                &format!("/awards/applications/{application}/score"),
                Some(&json!({"scores": scores, "comment": "검토함"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{out}");
    }

    // The ranking: the tie broken by the tech criterion, as the call states.
    let (status, ranking) = app
        .call("operator", Method::GET, &at("/ranking"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{ranking}");
    assert_eq!(ranking["missing_scores"], 0);
    let ranked = ranking["ranking"].as_array().unwrap();
    assert_eq!(ranked.len(), 25);
    assert!(ranked.iter().all(|r| r["application"] != withdrawn));
    let place = |application: i64| {
        ranked
            .iter()
            .position(|r| r["application"] == application)
            .unwrap()
    };
    assert_eq!(place(tie_a), place(tie_b) + 1, "{ranking}");
    assert_eq!(ranked[place(tie_a)]["tie_broken_by"], "criterion:tech");
    assert_eq!(ranked[place(tie_b)]["score"], 70.0);

    let caller = &app;
    let select = |body: Value| {
        let path = at("/selection");
        async move {
            caller
                .call("operator", Method::POST, &path, Some(&body))
                .await
        }
    };
    // A selection by hand above the budget is refused; the walk down the ranking is within it.
    let everyone: Vec<i64> = applications[..25].to_vec();
    let (status, over) = select(json!({"selected": everyone})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{over}");
    let (status, results) = select(json!({"publish": true})).await;
    assert_eq!(status, StatusCode::OK, "{results}");
    let outcomes: Vec<&str> = results["ranking"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["outcome"].as_str().unwrap())
        .collect();
    let selected: Vec<&Value> = results["ranking"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["outcome"] == "selected")
        .collect();
    assert!(!selected.is_empty() && selected.len() <= 5);
    let awarded: i64 = selected.iter().map(|r| r["amount"].as_i64().unwrap()).sum();
    assert!(awarded <= 300_000_000);
    assert_eq!(results["awarded"], awarded);
    assert_eq!(
        outcomes.iter().filter(|o| **o == "reserve").count(),
        2,
        "{outcomes:?}"
    );
    // Reproducible: the ranking from the stored scores is the stored one.
    let (_, again) = app
        .call("operator", Method::GET, &at("/ranking"), None)
        .await;
    let (_, stored) = app
        .call("operator", Method::GET, &at("/results"), None)
        .await;
    assert_eq!(again["ranking"], stored["ranking"]);
    assert!(stored["published_at"].is_string());

    // Published results are final: not recomputed, not scored again; the form and rubric stay
    // as the applications were written against them.
    let (status, again) = select(json!({"publish": true})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{again}");
    let (a, u) = pairs[0];
    let who = &evaluators.iter().find(|(_, id)| *id == u).unwrap().0;
    let (status, _) = app
        .call(
            who,
            Method::PUT,
            &format!("/awards/applications/{a}/score"),
            Some(&json!({"scores": {"market": 1, "tech": 1}})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "no scoring after publication");
    let mut changed = competition();
    changed["rubric"][0]["weight"] = json!(50);
    let (status, locked) = app
        .call("operator", Method::PUT, &at(""), Some(&changed))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{locked}");

    // Applicants see their own result only.
    let first = selected[0]["application"].as_i64().unwrap();
    let owner = &firms[applications.iter().position(|a| *a == first).unwrap()];
    let (status, own) = app
        .call(
            owner,
            Method::GET,
            &format!("/awards/applications/{first}/result"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{own}");
    assert_eq!(own["outcome"], "selected");
    assert_eq!(own["rank"], 1);
    assert!(
        !own.to_string().contains("APP-"),
        "no other firm in it: {own}"
    );
    let other = firms.iter().find(|f| *f != owner).unwrap();
    let (status, _) = app
        .call(
            other,
            Method::GET,
            &format!("/awards/applications/{first}/result"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let last = ranked.last().unwrap()["application"].as_i64().unwrap();
    let loser = &firms[applications.iter().position(|a| *a == last).unwrap()];
    let (status, objection) = app
        .call(
            loser,
            Method::POST,
            &format!("/awards/applications/{last}/objections"),
            Some(&json!({"text": "평가 점수 재검토를 요청합니다"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{objection}");
    let (_, objections) = app
        .call("operator", Method::GET, &at("/objections"), None)
        .await;
    assert_eq!(objections["items"].as_array().unwrap().len(), 1);

    // The agreement: not above the award.
    let amount = selected[0]["amount"].as_i64().unwrap();
    let agreement_path = format!("/awards/applications/{first}/agreement");
    let agreement = |amount: i64| {
        json!({"starts": "2026-07-01", "ends": "2027-06-30", "amount": amount,
        "milestones": [{"due": "2026-12-31", "text": "실증 1차 완료"}]})
    };
    let (status, _) = app
        .call(
            "operator",
            Method::PUT,
            &agreement_path,
            Some(&agreement(amount + 1)),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, signed) = app
        .call(
            "operator",
            Method::PUT,
            &agreement_path,
            Some(&agreement(amount)),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{signed}");
    assert_eq!(signed["periods"].as_array().unwrap().len(), 4);

    // Two quarterly filings, made in January 2027 (a server whose clock says so); a filing
    // dated after today, and one with more youth employees than employees, are refused.
    let january = app
        .server_at(ucz_core::Clock::fixed_at("2027-01-20T10:00:00+09:00").unwrap())
        .await;
    let filings = format!("/awards/applications/{first}/filings");
    let filing = |period: u32, as_of: &str, employees: i64, youth: i64, revenue: i64| {
        json!({"period": period, "as_of": as_of, "employees": employees, "youth_employees": youth,
               "revenue_krw": revenue, "export_revenue_krw": 0, "investment_krw": 0,
               "patents_filed": 1, "patents_granted": 0, "kpis": {"pilots": 2.0}})
    };
    let server = &app;
    let file = |body: Value| {
        let (january, filings) = (january.clone(), filings.clone());
        async move {
            server
                .call_at(&january, owner, Method::POST, &filings, Some(&body))
                .await
        }
    };
    let (status, early) = app
        .call(
            owner,
            Method::POST,
            &filings,
            Some(&filing(1, "2026-09-30", 7, 4, 400_000_000)),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{early}");
    assert_eq!(early["errors"][0]["field"], "as_of", "after today: {early}");
    let (status, bad) = file(filing(1, "2026-09-30", 5, 7, 400_000_000)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    assert_eq!(bad["errors"][0]["field"], "youth_employees");
    let (status, one) = file(filing(1, "2026-09-30", 7, 4, 400_000_000)).await;
    assert_eq!(status, StatusCode::CREATED, "{one}");
    let (status, jump) = file(filing(2, "2026-12-31", 20, 5, 520_000_000)).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a big jump needs a note: {jump}"
    );
    let (status, two) = file(filing(2, "2026-12-31", 9, 5, 520_000_000)).await;
    assert_eq!(status, StatusCode::CREATED, "{two}");
    // A correction is a new version; the first stays.
    let (status, corrected) = file(filing(2, "2026-12-31", 10, 5, 520_000_000)).await;
    assert_eq!(status, StatusCode::CREATED, "{corrected}");
    assert_eq!(corrected["version"], 2);
    let (_, listed) = app.call(owner, Method::GET, &filings, None).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 3);

    // The firm's profile holds the newest dated facts.
    let (_, profile) = app
        .call(owner, Method::GET, &format!("/firms/{owner}"), None)
        .await;
    assert_eq!(profile["employees"], 10, "{profile}");
    assert_eq!(profile["youth_employees"], 5);
    assert_eq!(profile["revenue_krw"], 520_000_000);
    // The firm's own edit in February is newer still; every fact stays in the history.
    let february = app
        .server_at(ucz_core::Clock::fixed_at("2027-02-10T10:00:00+09:00").unwrap())
        .await;
    let mut edited = profile.clone();
    edited["employees"] = json!(11);
    let (status, saved) = app
        .call_at(
            &february,
            owner,
            Method::PUT,
            &format!("/firms/{owner}"),
            Some(&edited),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    let (_, facts) = app
        .call(owner, Method::GET, &format!("/firms/{owner}/facts"), None)
        .await;
    let facts = facts["facts"].as_array().unwrap();
    assert_eq!(facts.len(), 13, "{facts:?}");
    assert_eq!(facts[0]["source"], "edit");
    assert_eq!(facts[0]["as_of"], "2027-02-10");
    assert_eq!(facts[0]["value"], 11);

    // In May the third quarter is late: the operator's table says so and the firm is reminded.
    let may = app
        .server_at(ucz_core::Clock::fixed_at("2027-05-05T10:00:00+09:00").unwrap())
        .await;
    let (_, table) = app
        .call_at(&may, "operator", Method::GET, &at("/filings"), None)
        .await;
    let rows = table["items"].as_array().unwrap();
    assert_eq!(rows.len(), 4);
    let late: Vec<i64> = rows
        .iter()
        .filter(|r| r["late"] == true)
        .map(|r| r["period"]["index"].as_i64().unwrap())
        .collect();
    assert_eq!(late, [3]);
    assert_eq!(rows[1]["version"], 2);
    let (status, ran) = app
        .call_at(&may, "admin", Method::POST, "/jobs/notices/run", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{ran}");
    let (_, inbox) = app.call(owner, Method::GET, "/inbox", None).await;
    let reminders: Vec<&Value> = inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "filing_due")
        .collect();
    assert_eq!(reminders.len(), 1, "{inbox}");
    let reminder = reminders[0].to_string();
    assert!(
        reminder.contains("2027-04-30") && reminder.contains("\"period\":3"),
        "the late third quarter: {reminder}"
    );

    // The operator's page and its exports: every evaluator's sheet, one row each.
    let operator = crate::pages::Browser::new(&app, Some("operator")).await;
    let (status, _, page) = operator.get(&format!("/awards/calls/{id}/manage")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("id=\"ranking\"") && page.contains("id=\"filings\""));
    let (status, _, csv) = operator
        .get(&format!("/awards/calls/{id}/export/sheets.csv"))
        .await;
    assert_eq!(status, StatusCode::OK, "{csv}");
    assert_eq!(
        csv.trim().lines().count(),
        1 + 25 * 3,
        "a header and 75 sheets"
    );
    let other = crate::pages::Browser::new(&app, Some("other_operator")).await;
    let (status, _, _) = other
        .get(&format!("/awards/calls/{id}/export/sheets.csv"))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let chain = app.store.verify_audit().await.unwrap();
    assert_eq!(chain.broken_at, None);
}
