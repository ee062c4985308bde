//! The pages in Debian's headless Chromium, driven by playwright-core (`tests/browser/run.mjs`)
//! against the real server on SQLite. Screenshots go to `target/screenshots/`.

use std::path::{Path, PathBuf};
use std::process::Command;

use rust_xlsxwriter::{Format, Workbook};

use super::TestApp;

fn browser_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser")
}

/// playwright-core comes from npm (no browser download); installed once with `npm ci`.
fn ensure_node_modules() {
    let dir = browser_dir();
    if dir.join("node_modules/playwright-core").exists() {
        return;
    }
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(&dir)
        .status()
        .expect("npm runs (Node.js is needed for the browser tests)");
    assert!(status.success(), "npm ci in {}", dir.display());
}

/// Two good firms and, on spreadsheet row 4, one with a stage that does not exist.
fn import_workbook(path: &Path) {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let header = [
        "기업 ID (id)",
        "name",
        "창업일",
        "stage",
        "founder_age",
        "region",
        "zone",
        "sector",
    ];
    for (c, h) in header.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    let rows = [
        ("IMP-OK-1", "가져온기업 하나", "early", 36.0),
        ("IMP-OK-2", "가져온기업 둘", "growth", 41.0),
        ("IMP-BAD-3", "잘못된 단계", "unicorn", 29.0),
    ];
    for (r, (id, name, stage, age)) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        sheet.write_string(r, 0, *id).unwrap();
        sheet.write_string(r, 1, *name).unwrap();
        // 2023-01-05 as a spreadsheet date.
        sheet
            .write_number_with_format(r, 2, 44_931.0, &date)
            .unwrap();
        sheet.write_string(r, 3, *stage).unwrap();
        sheet.write_number(r, 4, *age).unwrap();
        sheet.write_string(r, 5, "daejeon").unwrap();
        sheet.write_string(r, 6, "daejeon").unwrap();
        sheet.write_string(r, 7, "J62").unwrap();
    }
    workbook.save(path).unwrap();
}

/// Two housing rounds of the Daejeon zone: one drawn (its applicant the test firm's founder,
/// applied, frozen and drawn by servers whose clocks stand on those days), one taking
/// applications today; and a resident account with a password the firm invited.
async fn housing_rounds(app: &TestApp) -> (i64, i64) {
    use reqwest::Method;
    use serde_json::json;
    let at = |t: &str| ucz_core::Clock::fixed_at(t).unwrap();
    for id in ["dj-h-0101", "dj-h-0102"] {
        let unit = json!({"id": id, "facility": "대전 청년창업주택", "unit_type": "studio", "area_m2": 26.4,
            "rooms": 1, "rent": 180000, "deposit": 5000000, "available_from": "2026-06-01"});
        let (status, made) = app
            .call("operator", Method::POST, "/housing/units", Some(&unit))
            .await;
        assert_eq!(status, 200, "{made}");
    }
    let round = |code: &str, opens: &str, closes: &str| {
        json!({"name": format!("{code} 근로자 주택 특별공급"), "code": code, "opens_at": opens, "closes_at": closes,
            "moves_in": "2026-09-01", "units": {"studio": 1},
            "criteria": [{"id": "no_home", "label": "무주택 세대", "rule": "applicant.homes_owned == 0"}],
            "tiers": [{"id": "zone_employees", "label": "입주기업 근로자", "rule": "applicant.employer_tenant", "quotas": {"studio": 1}},
                      {"id": "general", "label": "일반", "rule": "true"}],
            "leftover": "next_tier", "reserve": 3})
    };
    let early = app.server_at(at("2026-06-10T10:00:00+09:00")).await;
    let (status, drawn) = app
        .call_at(
            &early,
            "operator",
            Method::POST,
            "/housing/rounds",
            Some(&round("DJ-2026-H1", "2026-06-01T09:00", "2026-06-20T18:00")),
        )
        .await;
    assert_eq!(status, 201, "{drawn}");
    let drawn = drawn["id"].as_i64().unwrap();
    let declared = json!({"declaration": {"name": "김창업", "birth_date": "1990-01-10", "months_employed": 30, "unit_type": "studio"}});
    let (status, applied) = app
        .call_at(
            &early,
            "firm",
            Method::POST,
            &format!("/housing/rounds/{drawn}/applications"),
            Some(&declared),
        )
        .await;
    assert_eq!(status, 200, "{applied}");
    let id = applied["id"].as_i64().unwrap();
    let response = app
        .client
        .post(format!(
            "{early}/housing/applications/{id}/documents?kind=resident_register&name=a.pdf"
        ))
        .bearer_auth("token-firm")
        .body(b"%PDF-1.4 register".to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let (status, _) = app
        .call_at(
            &early,
            "firm",
            Method::POST,
            &format!("/housing/applications/{id}/submit"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    for criterion in ["no_home", "household"] {
        let (status, _) = app
            .call_at(
                &early,
                "operator",
                Method::POST,
                &format!("/housing/applications/{id}/verdicts"),
                Some(&json!({"criterion": criterion, "ok": true})),
            )
            .await;
        assert_eq!(status, 200);
    }
    let closed = app.server_at(at("2026-06-21T10:00:00+09:00")).await;
    let (status, frozen) = app
        .call_at(&closed, "operator", Method::POST, &format!("/housing/rounds/{drawn}/freeze"), Some(&json!({"random_source": "동행복권 로또 6/45 제1228회", "random_at": "2026-06-21T20:45"})))
        .await;
    assert_eq!(status, 200, "{frozen}");
    let drawing = app.server_at(at("2026-06-22T10:00:00+09:00")).await;
    let (status, result) = app
        .call_at(
            &drawing,
            "operator",
            Method::POST,
            &format!("/housing/rounds/{drawn}/draw"),
            Some(&json!({"random": "5 12 17 29 34 42 + 8"})),
        )
        .await;
    assert_eq!(status, 200, "{result}");
    let (status, open) = app
        .call(
            "operator",
            Method::POST,
            "/housing/rounds",
            Some(&round("DJ-2026-H2", "2026-06-29T09:00", "2026-07-10T18:00")),
        )
        .await;
    assert_eq!(status, 201, "{open}");
    // The firm invites its employee; the mailed link sets the password.
    let (status, _) = app
        .call(
            "firm",
            Method::POST,
            "/housing/employees",
            Some(&json!({"email": "worker@staff.test", "name": "박근로"})),
        )
        .await;
    assert_eq!(status, 201);
    let mail = app.mail.wait_for("worker@staff.test", 1).await;
    let link = mail[0].link("/password/reset").expect("an invitation link");
    let token = link.split("token=").nth(1).unwrap().to_string();
    let (status, done) = app
        .call(
            "anonymous",
            Method::POST,
            "/password/reset",
            Some(&json!({"token": token, "password": "Housing-Applicant-9"})),
        )
        .await;
    assert_eq!(status, 200, "{done}");
    (drawn, open["id"].as_i64().unwrap())
}

/// A call Daejeon's operator runs in ucz: blind review by one evaluator (`judge@eval.test`,
/// invited by mail, its password set through the invitation's link: `Blind-Review-Ready-7`), a PDF deck question, and one application already in from
/// another firm; the browser applies as the test firm, scores, selects and publishes.
async fn award_call(app: &TestApp) -> i64 {
    use reqwest::Method;
    use serde_json::json;
    let (status, call) = app
        .call(
            "operator",
            Method::POST,
            "/calls",
            Some(&json!({"zone": "daejeon", "title": "대전 특구 실증 바우처",
                         "closes_at": "2026-07-01T18:00:00+09:00", "rule": "firm.region == \"daejeon\""})),
        )
        .await;
    assert_eq!(status, 201, "{call}");
    let id = call["id"].as_i64().unwrap();
    let setup = json!({
        "budget": 100_000_000, "awards": 1, "max_amount": 50_000_000, "blind": true,
        "form": [
            {"id": "plan", "label": "실증 계획", "kind": "long_text", "required": true},
            {"id": "deck", "label": "발표자료(PDF)", "kind": "file", "types": ["application/pdf"]}
        ],
        "rubric": [
            {"id": "market", "name": "시장성", "weight": 40, "scale": 10},
            {"id": "tech", "name": "기술성", "weight": 60, "scale": 10}
        ],
        "reviewers_per_application": 1, "max_load": 5, "reserve": 1
    });
    let (status, set) = app
        .call(
            "operator",
            Method::PUT,
            &format!("/awards/calls/{id}"),
            Some(&setup),
        )
        .await;
    assert_eq!(status, 200, "{set}");
    let (status, invited) = app
        .call(
            "operator",
            Method::POST,
            &format!("/awards/calls/{id}/evaluators"),
            Some(&json!({"email": "judge@eval.test", "name": "외부 평가위원"})),
        )
        .await;
    assert_eq!(status, 201, "{invited}");
    // The invitation's link sets the evaluator's password.
    let mail = app.mail.wait_for("judge@eval.test", 1).await;
    let link = mail[0].link("/password/reset").expect("an invitation link");
    let token = link.split("token=").nth(1).unwrap().to_string();
    let (status, done) = app
        .call(
            "anonymous",
            Method::POST,
            "/password/reset",
            Some(&json!({"token": token, "password": "Blind-Review-Ready-7"})),
        )
        .await;
    assert_eq!(status, 200, "{done}");
    let (status, _) = app
        .call(
            "admin",
            Method::POST,
            "/firms",
            Some(&super::firm_body("B-FIRM", "daejeon")),
        )
        .await;
    assert_eq!(status, 201);
    super::add_account(&app.store, "bfirm", "firm", None, Some("B-FIRM")).await;
    let (status, draft) = app
        .call(
            "bfirm",
            Method::POST,
            &format!("/awards/calls/{id}/applications"),
            Some(&json!({"answers": {"plan": "공공 데이터 실증"}, "requested": 40_000_000})),
        )
        .await;
    assert_eq!(status, 201, "{draft}");
    let (status, sent) = app
        .call(
            "bfirm",
            Method::POST,
            &format!("/awards/applications/{}/submit", draft["id"]),
            None,
        )
        .await;
    assert_eq!(status, 200, "{sent}");
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pages_in_headless_chromium() {
    let chromium = std::env::var("UCZ_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !Path::new(&chromium).exists() && Path::new("/usr/bin/apt-get").exists() {
        // A fresh Debian machine: the browser tests install the browser they drive.
        eprintln!("installing Debian's chromium for the browser tests");
        let _ = Command::new("apt-get")
            .args(["install", "-y", "-qq", "chromium"])
            .status();
    }
    assert!(
        Path::new(&chromium).exists(),
        "{chromium} is missing: install Debian's Chromium with `apt-get install -y chromium` \
         (.ci/run does), or point UCZ_CHROMIUM at a Chromium binary"
    );
    ensure_node_modules();
    let app = TestApp::sqlite().await;
    // The server's clock stands still (`super::NOW`): the ladder, the plan's months and the
    // firm's age are those of its day, whenever the test runs.
    let today = app.clock.today();
    let state = ucz_web::AppState::new(
        app.store.clone(),
        ucz_core::Catalog::bundled().unwrap(),
        false,
    )
    .with_clock(app.clock);
    ucz_web::demo::load_ladder(&state, today).await.unwrap();
    assert!(
        ucz_service::demo::load_network(&state, today)
            .await
            .unwrap()
            > 0
    );
    assert!(ucz_service::demo::load_resources(&state).await.unwrap() > 0);
    // The zones' plans, targets, milestones and investment records, and a year of operations.
    assert!(
        ucz_service::demo::load_evaluation(&state, today)
            .await
            .unwrap()
            > 0
    );
    let (status, _) = app
        .call(
            "coordinator",
            reqwest::Method::POST,
            "/calls/import?source=kstartup",
            Some(&super::calls::daejeon_call()),
        )
        .await;
    assert_eq!(status, 200);
    let award_call = award_call(&app).await;
    let (drawn_round, open_round) = housing_rounds(&app).await;
    let origin = app.base.trim_end_matches("/api/v1").to_string();
    let files = tempfile::tempdir().unwrap();
    let workbook = files.path().join("firms.xlsx");
    import_workbook(&workbook);
    let screenshots = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    let mut node = Command::new("node");
    node.arg(browser_dir().join("run.mjs"))
        .arg(&origin)
        .arg(&screenshots)
        .arg(&workbook)
        .arg(today.to_string())
        .env("UCZ_CHROMIUM", &chromium)
        .env("UCZ_AWARD_CALL", award_call.to_string())
        .env("UCZ_HOUSING_DRAWN", drawn_round.to_string())
        .env("UCZ_HOUSING_OPEN", open_round.to_string());
    let output = tokio::task::spawn_blocking(move || node.output())
        .await
        .unwrap()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "browser run failed:\n{stdout}\n{stderr}"
    );
    for name in [
        "overview",
        "catalog",
        "zone",
        "firm",
        "import-preview",
        "placement",
        "forbidden",
        "call-review",
        "calls",
        "call-calendar",
        "signup",
        "outbox",
        "inbox",
        "award-apply",
        "award-score",
        "award-manage",
        "housing-apply",
        "housing-result",
    ] {
        assert!(
            screenshots.join(format!("{name}.png")).exists(),
            "screenshot {name}"
        );
    }
    // What the browser did is in the database: the two good rows, not the bad one, audited.
    let (status, _) = app
        .call("admin", reqwest::Method::GET, "/firms/IMP-OK-2", None)
        .await;
    assert_eq!(status, 200);
    let (status, _) = app
        .call("admin", reqwest::Method::GET, "/firms/IMP-BAD-3", None)
        .await;
    assert_eq!(status, 404);
    let (_, audit) = app
        .call("admin", reqwest::Method::GET, "/audit?limit=100", None)
        .await;
    assert_eq!(
        audit["chain"]["broken_at"],
        serde_json::Value::Null,
        "{audit}"
    );
    assert!(
        audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["entity_id"] == "IMP-OK-1" && e["actor"] == "operator"),
        "{audit}"
    );
}
