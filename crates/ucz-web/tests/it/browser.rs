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
    assert!(ucz_service::demo::load_resources(&state).await.unwrap() > 0);
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
        .env("UCZ_AWARD_CALL", award_call.to_string());
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
