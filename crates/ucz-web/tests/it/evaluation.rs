//! A zone's performance evaluation through the API: every indicator of the catalog, a new firm
//! of the zone counted in its jobs, bad years and unknown zones refused.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::{TestApp, firm_body};

fn measure(card: &Value, name: &str) -> f64 {
    card["measures"][name].as_f64().unwrap_or(f64::NAN)
}

pub async fn zones_are_evaluated(app: TestApp) {
    let path = "/zones/daejeon/evaluation?year=2026";
    let (status, card) = app.call("anonymous", Method::GET, path, None).await;
    assert_eq!(status, StatusCode::OK, "{card}");
    let catalog = ucz_core::Catalog::bundled().unwrap();
    assert_eq!(
        card["lines"].as_array().unwrap().len(),
        catalog.indicators.len()
    );
    let principles = card["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["indicator"] == "principles_met")
        .unwrap();
    assert!(principles["value"].as_f64().is_some(), "{card}");
    let (firms, jobs) = (measure(&card, "firms"), measure(&card, "jobs"));
    assert!(firms > 0.0 && jobs > 0.0, "{card}");

    // A firm of the zone founded in 2024 with four employees adds one firm and four jobs.
    let (status, _) = app
        .call(
            "admin",
            Method::POST,
            "/firms",
            Some(&firm_body("EVAL-NEW", "daejeon")),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, after) = app.call("anonymous", Method::GET, path, None).await;
    assert_eq!(measure(&after, "firms"), firms + 1.0);
    assert_eq!(measure(&after, "jobs"), jobs + 4.0);

    for (path, expected) in [
        (
            "/zones/daejeon/evaluation?year=12026",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/zones/atlantis/evaluation?year=2026",
            StatusCode::NOT_FOUND,
        ),
        (
            "/zones/daejeon/evaluation",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let (status, body) = app.call("anonymous", Method::GET, path, None).await;
        assert_eq!(status, expected, "{path}: {body}");
    }
}

fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|e| {
            e.iter()
                .map(|e| e["field"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn line<'a>(card: &'a Value, indicator: &str) -> &'a Value {
    card["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["indicator"] == indicator)
        .unwrap_or_else(|| panic!("{indicator} in {card}"))
}

/// What an as-of evaluation must keep: every line's value and target, every measure.
fn figures(card: &Value) -> Value {
    let lines: Vec<Value> = card["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| serde_json::json!([l["indicator"], l["value"], l["target"], l["achievement"]]))
        .collect();
    serde_json::json!({"lines": lines, "measures": card["measures"]})
}

/// The records a zone's evaluation reads: bad input refused by field with nothing stored,
/// targets and achievement, milestones and investment records in the measures, drill-down
/// within rights, the procedure's deadlines and their notices, the report and open data, and an
/// evaluation as of a past moment that later adds, edits and deletes do not change.
pub async fn evaluation_records_and_as_of(app: TestApp) {
    use serde_json::json;
    let z = "/zones/daejeon";
    let count = |v: &Value| v["items"].as_array().map_or(0, Vec::len);
    let (_, before_targets) = app
        .call("coordinator", Method::GET, &format!("{z}/targets"), None)
        .await;
    let (_, before_milestones) = app
        .call("coordinator", Method::GET, &format!("{z}/milestones"), None)
        .await;

    // Bad input: by field, and nothing stored.
    for (path, body, field) in [
        (
            format!("{z}/targets"),
            json!({"indicator": "happiness", "year": 2026, "value": 1.0}),
            "indicator",
        ),
        (
            format!("{z}/milestones"),
            json!({"id": "m-bad", "name_ko": "착공", "kind": "construction",
                   "planned_start": "2026-03-01", "planned_end": "2026-12-31",
                   "actual_start": "2026-02-01"}),
            "actual_start",
        ),
        (
            format!("{z}/procedure"),
            json!({"dates": {"inspection_started": "2024-06-01", "inspection_ended": "2024-06-10"}}),
            "dates.inspection_ended",
        ),
        (
            format!("{z}/plan"),
            json!({"title": "t", "items": [{"item": "moon_base", "status": "present", "section": "1"}]}),
            "items[0].item",
        ),
        (
            format!("{z}/investments"),
            json!({"id": "inv-x", "day": "2026-04-01", "investor": "A", "kind": "anchor_firm",
                   "amount_krw": 100, "evidence": ""}),
            "evidence",
        ),
        // What has not happened by today (2026-06-30) is not a fact, and a target is not below 0.
        (
            format!("{z}/investments"),
            json!({"id": "inv-x", "day": "2026-07-01", "investor": "A", "kind": "anchor_firm",
                   "amount_krw": 100, "evidence": "MOU"}),
            "day",
        ),
        (
            format!("{z}/milestones"),
            json!({"id": "m-bad", "name_ko": "착공", "kind": "construction",
                   "planned_start": "2026-03-01", "planned_end": "2026-12-31",
                   "actual_start": "2026-03-02", "actual_end": "2026-08-01"}),
            "actual_end",
        ),
        (
            format!("{z}/procedure"),
            json!({"dates": {"designated": "2027-01-01"}}),
            "dates.designated",
        ),
        (
            format!("{z}/targets"),
            json!({"indicator": "jobs", "year": 2026, "value": -5.0}),
            "value",
        ),
    ] {
        let (status, problem) = app
            .call("coordinator", Method::PUT, &path, Some(&body))
            .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path}: {problem}"
        );
        assert_eq!(fields(&problem), [field], "{path}: {problem}");
    }
    let (_, t) = app
        .call("coordinator", Method::GET, &format!("{z}/targets"), None)
        .await;
    let (_, m) = app
        .call("coordinator", Method::GET, &format!("{z}/milestones"), None)
        .await;
    assert_eq!(
        (count(&t), count(&m)),
        (count(&before_targets), count(&before_milestones))
    );
    // A firm and another zone's operator may not write; the zone's operator may.
    let target = json!({"indicator": "jobs", "year": 2026, "value": 100000.0});
    for (role, expected) in [
        ("firm", StatusCode::FORBIDDEN),
        ("other_operator", StatusCode::FORBIDDEN),
        ("anonymous", StatusCode::UNAUTHORIZED),
        ("operator", StatusCode::OK),
    ] {
        let (status, body) = app
            .call(role, Method::PUT, &format!("{z}/targets"), Some(&target))
            .await;
        assert_eq!(status, expected, "{role}: {body}");
    }

    // The target, achievement and trend on the scorecard.
    let path = format!("{z}/evaluation?year=2026");
    let (_, card) = app.call("anonymous", Method::GET, &path, None).await;
    let jobs = line(&card, "jobs");
    assert_eq!(jobs["target"], 100000.0, "{jobs}");
    let value = jobs["value"].as_f64().unwrap();
    let achieved = jobs["achievement"].as_f64().unwrap();
    assert!((achieved - value / 1000.0).abs() < 1e-9, "{jobs}");
    assert_eq!(jobs["trend"].as_array().unwrap().len(), 5);
    assert_eq!(jobs["trend"][4]["year"], 2026);

    // An investment record and a milestone done count in the measures.
    let investment_before = measure(&card, "investment_krw");
    let done_before = measure(&card, "milestones_done");
    let (status, _) = app
        .call(
            "coordinator",
            Method::PUT,
            &format!("{z}/investments"),
            Some(
                &json!({"id": "inv-eval", "day": "2026-04-01", "investor": "앵커 연구소",
                         "kind": "research_institute", "amount_krw": 3_000_000_000_i64,
                         "evidence": "MOU 2026-04-01"}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, view) = app
        .call(
            "coordinator",
            Method::PUT,
            &format!("{z}/milestones"),
            Some(
                &json!({"id": "m-eval", "name_ko": "앵커 건물 준공", "kind": "opening",
                         "planned_start": "2025-03-01", "planned_end": "2026-05-31",
                         "actual_start": "2025-03-02", "actual_end": "2026-05-20"}),
            ),
        )
        .await;
    assert_eq!(
        (status, view["state"].as_str()),
        (StatusCode::OK, Some("done")),
        "{view}"
    );
    let (_, card) = app.call("anonymous", Method::GET, &path, None).await;
    assert_eq!(measure(&card, "investment_krw"), investment_before + 3e9);
    assert_eq!(measure(&card, "milestones_done"), done_before + 1.0);

    // Drill-down within rights: the records add up to the number.
    let drill = format!("{z}/evaluation/records?year=2026&measure=investment_krw");
    let (status, records) = app.call("operator", Method::GET, &drill, None).await;
    assert_eq!(status, StatusCode::OK, "{records}");
    let sum: f64 = records["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["value"].as_f64().unwrap())
        .sum();
    assert!(
        (sum - records["value"].as_f64().unwrap()).abs() < 1e-6,
        "{records}"
    );
    assert!(records.to_string().contains("inv-eval"), "{records}");
    assert!(
        records["definition_ko"]
            .as_str()
            .unwrap_or_default()
            .contains("투자"),
        "{records}"
    );
    let jobs_drill = format!("{z}/evaluation/records?year=2026&measure=jobs");
    let (_, all) = app
        .call("coordinator", Method::GET, &jobs_drill, None)
        .await;
    let (status, own) = app.call("firm", Method::GET, &jobs_drill, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        own["records"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["firm"] == "T-FIRM"),
        "{own}"
    );
    assert_eq!(
        own["records"].as_array().unwrap().len() + own["hidden"].as_u64().unwrap() as usize,
        all["records"].as_array().unwrap().len()
    );
    for (role, path, expected) in [
        ("other_operator", jobs_drill.clone(), StatusCode::FORBIDDEN),
        ("anonymous", jobs_drill.clone(), StatusCode::UNAUTHORIZED),
        (
            "coordinator",
            format!("{z}/evaluation/records?year=2026&measure=joy"),
            StatusCode::NOT_FOUND,
        ),
    ] {
        let (status, body) = app.call(role, Method::GET, &path, None).await;
        assert_eq!(status, expected, "{role} {path}: {body}");
    }

    // The procedure: ministries asked on 2026-06-01 answer by 07-01 — at risk on 06-30.
    let dates = json!({"dates": {"plan_drafted": "2026-04-01", "inspection_started": "2026-05-01",
                                 "inspection_ended": "2026-05-20", "opinions_requested": "2026-06-01"}});
    let (status, procedure) = app
        .call(
            "coordinator",
            Method::PUT,
            &format!("{z}/procedure"),
            Some(&dates),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{procedure}");
    let step = procedure["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"] == "ministry_opinions")
        .unwrap();
    assert_eq!(
        (step["status"].as_str(), step["deadline"].as_str()),
        (Some("at_risk"), Some("2026-07-01")),
        "{step}"
    );
    let (_, overview) = app
        .call(
            "anonymous",
            Method::GET,
            "/evaluation/overview?year=2026",
            None,
        )
        .await;
    assert!(
        overview["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["zone"] == "daejeon" && a["step"] == "ministry_opinions"),
        "{overview}"
    );
    assert_eq!(overview["zones"].as_array().unwrap().len(), 5);
    let (status, _) = app
        .call("admin", Method::POST, "/jobs/notices/run", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    for role in ["coordinator", "operator"] {
        let (_, inbox) = app.call(role, Method::GET, "/inbox", None).await;
        assert!(
            inbox["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|n| n["body"]["kind"] == "procedure_due"
                    && n["body"]["step"] == "ministry_opinions"),
            "{role}: {inbox}"
        );
    }
    let (_, inbox) = app
        .call("other_operator", Method::GET, "/inbox", None)
        .await;
    assert!(!inbox.to_string().contains("ministry_opinions"), "{inbox}");

    // The report and the open data.
    let (status, report) = app
        .call(
            "coordinator",
            Method::GET,
            &format!("{z}/evaluation/report?year=2026"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(
        report["checklist"].as_array().unwrap().len(),
        ucz_core::Catalog::bundled().unwrap().plan_items.len()
    );
    let (status, open) = app
        .call(
            "anonymous",
            Method::GET,
            "/evaluation/open-data?year=2026",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !open.to_string().contains("T-FIRM"),
        "no firm in the open data"
    );
    let csv = app
        .client
        .get(format!(
            "{}/evaluation/open-data?year=2026&format=csv",
            app.base
        ))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.starts_with("zone,year,indicator"), "{csv}");
    assert!(
        csv.lines()
            .next()
            .unwrap_or_default()
            .ends_with("compared_by,target_illustrative"),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), 1 + count(&open));

    // As of now, then later writes: an investment edited, a milestone deleted, a firm added and
    // one deleted, a target changed.
    let (status, firm) = app
        .call(
            "admin",
            Method::POST,
            "/firms",
            Some(&firm_body("EVAL-GONE", "daejeon")),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{firm}");
    let as_of = "2026-06-30T00:00:00Z";
    let pinned = format!("{z}/evaluation?year=2026&as_of={as_of}");
    let (status, then) = app.call("anonymous", Method::GET, &pinned, None).await;
    assert_eq!(status, StatusCode::OK, "{then}");
    assert!(measure(&then, "firms") > 0.0, "{then}");
    let later = app
        .server_at(ucz_core::clock::Clock::fixed_at("2026-09-01T09:00:00+09:00").unwrap())
        .await;
    for (method, path, body) in [
        (
            Method::PUT,
            format!("{z}/investments"),
            Some(
                json!({"id": "inv-eval", "day": "2026-04-01", "investor": "앵커 연구소", "kind": "research_institute", "amount_krw": 9_000_000_000_i64, "evidence": "정정 공시"}),
            ),
        ),
        (
            Method::PUT,
            format!("{z}/investments"),
            Some(
                json!({"id": "inv-late", "day": "2026-05-01", "investor": "B", "kind": "co_investment", "amount_krw": 1_000_000_000_i64, "evidence": "펀드 공고"}),
            ),
        ),
        (Method::DELETE, format!("{z}/milestones/m-eval"), None),
        (
            Method::PUT,
            format!("{z}/targets"),
            Some(json!({"indicator": "jobs", "year": 2026, "value": 5.0})),
        ),
        (
            Method::POST,
            "/firms".to_string(),
            Some(firm_body("EVAL-LATE", "daejeon")),
        ),
        (Method::DELETE, "/firms/EVAL-GONE".to_string(), None),
    ] {
        let (status, body) = app
            .call_at(&later, "admin", method.clone(), &path, body.as_ref())
            .await;
        assert!(status.is_success(), "{method} {path}: {status} {body}");
    }
    let (_, again) = app
        .call_at(&later, "anonymous", Method::GET, &pinned, None)
        .await;
    assert_eq!(
        figures(&again),
        figures(&then),
        "as of June 30, after September's writes"
    );
    let (_, now) = app
        .call_at(&later, "anonymous", Method::GET, &path, None)
        .await;
    assert_ne!(figures(&now), figures(&then), "the writes do show now");
    assert_eq!(
        measure(&now, "investment_krw"),
        measure(&then, "investment_krw") + 7e9
    );
    let (_, history) = app
        .call_at(
            &later,
            "coordinator",
            Method::GET,
            &format!("{z}/evaluation/history?kind=investment&key=inv-eval"),
            None,
        )
        .await;
    assert_eq!(count(&history), 2, "{history}");
    let (status, problem) = app
        .call_at(
            &later,
            "coordinator",
            Method::GET,
            &format!("{z}/evaluation/history?kind=zzz&key=a"),
            None,
        )
        .await;
    assert_eq!(
        (status, fields(&problem)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["kind".to_string()])
    );
    // The pages: the plan page's forms refuse beside the form, keeping what was typed.
    let op = crate::pages::Browser::new(&app, Some("operator")).await;
    let (status, _, html) = op.get("/evaluation/daejeon/plan").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("id=\"checklist\""));
    let milestone = [
        ("_csrf", op.csrf.as_str()),
        ("id", "m-page"),
        ("name_ko", "착공 (페이지)"),
        ("kind", "construction"),
        ("planned_start", "2026-03-01"),
        ("planned_end", "2026-12-31"),
        ("actual_start", "2026-02-01"),
    ];
    let (status, _, html) = op
        .post("/evaluation/daejeon/plan/milestone", &milestone)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("<code>actual_start</code>"), "{html}");
    assert!(html.contains("value=\"착공 (페이지)\"") && html.contains("value=\"2026-02-01\""));
    let investment = [
        ("_csrf", op.csrf.as_str()),
        ("id", "inv-page"),
        ("day", "2026-05-01"),
        ("investor", "<script>x</script>"),
        ("kind", "anchor_firm"),
        ("amount_krw", "1억"),
        ("evidence", "MOU"),
    ];
    let (status, _, html) = op
        .post("/evaluation/daejeon/plan/investment", &investment)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("<code>amount_krw</code>") && html.contains("value=\"1억\""));
    assert!(
        !html.contains("<script>x</script>"),
        "typed text is escaped"
    );
    let (status, _, _) = op
        .post("/evaluation/daejeon/plan/milestone", &milestone[1..])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "no CSRF token");
    let mut fixed = milestone.to_vec();
    fixed[6] = ("actual_start", "2026-03-02");
    let (status, location, _) = op.post("/evaluation/daejeon/plan/milestone", &fixed).await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/evaluation/daejeon/plan#milestones")
    );
    let (_, _, html) = op.get("/evaluation/daejeon/plan").await;
    assert!(html.contains("착공 (페이지)"));
    let other = crate::pages::Browser::new(&app, Some("other_operator")).await;
    let mut theirs = fixed.clone();
    theirs[0] = ("_csrf", other.csrf.as_str());
    let (status, _, _) = other
        .post("/evaluation/daejeon/plan/milestone", &theirs)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The scorecard, overview, records and report pages; the records only within rights.
    for path in [
        "/evaluation?year=2026",
        "/evaluation/daejeon?year=2026",
        "/evaluation/daejeon/report?year=2026",
    ] {
        let (status, _, html) = other.get(path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(html.contains("2026"), "{path}");
    }
    let (status, _, _) = other
        .get("/evaluation/daejeon/records?year=2026&measure=jobs")
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let firm = crate::pages::Browser::new(&app, Some("firm")).await;
    let (status, _, html) = firm
        .get("/evaluation/daejeon/records?year=2026&measure=jobs")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("T-FIRM") && html.contains("id=\"hidden\""),
        "{html}"
    );
    let (status, _, xlsx) = op.get("/evaluation/daejeon/report.xlsx?year=2026").await;
    assert_eq!(status, StatusCode::OK);
    assert!(xlsx.starts_with("PK"));

    // A moment in the future or not a moment at all.
    for bad in ["2099-01-01", "yesterday"] {
        let (status, problem) = app
            .call(
                "anonymous",
                Method::GET,
                &format!("{z}/evaluation?year=2026&as_of={bad}"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert_eq!(fields(&problem), ["as_of"]);
    }
}
