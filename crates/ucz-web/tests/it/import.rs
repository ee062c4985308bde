//! The import's limits over HTTP on SQLite: workbooks refused from what their zip declares and
//! at the first cell beyond the limits (before anything is allocated for the sheet), CSV refused
//! beyond the row limit, previews that count every row but show only the first errors, and
//! previews kept within a memory budget, one per account.

use std::io::{Cursor, Read, Write};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use ucz_web::ImportLimits;

use super::TestApp;
use super::pages::Browser;

/// Posts a file of firms to `/import` as the page's form does: multipart with the CSRF token.
async fn upload(browser: &Browser, file_name: &str, bytes: &[u8]) -> (StatusCode, String) {
    upload_as(browser, "firms", file_name, bytes).await
}

async fn upload_as(
    browser: &Browser,
    resource: &str,
    file_name: &str,
    bytes: &[u8],
) -> (StatusCode, String) {
    let boundary = "XUCZIMPORTBOUNDARY";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"resource\"\r\n\r\n{resource}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n",
        browser.csrf
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let (status, _, html) = browser
        .send(
            "/import",
            &format!("multipart/form-data; boundary={boundary}"),
            body,
        )
        .await;
    (status, html)
}

/// The confirmation token of a preview.
fn token(html: &str) -> String {
    html.split("action=\"/import/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_string()
}

/// The text of the element with this id.
fn by_id<'a>(html: &'a str, id: &str) -> &'a str {
    html.split(&format!("id=\"{id}\">"))
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .unwrap_or_else(|| panic!("no #{id} in {html}"))
}

/// Every entry of a zip, with `edit` applied to each entry's text.
fn rezip(bytes: &[u8], edit: impl Fn(&str, String) -> String) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        let mut text = String::new();
        entry.read_to_string(&mut text).unwrap();
        out.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(edit(&name, text).as_bytes()).unwrap();
    }
    out.finish().unwrap().into_inner()
}

/// Sets the uncompressed size that the zip's central directory declares for `entry`.
fn declare_size(bytes: &mut [u8], entry: &str, size: u32) {
    let mut at = 0;
    while let Some(found) = bytes[at..]
        .windows(4)
        .position(|w| w == [0x50, 0x4b, 0x01, 0x02])
    {
        let header = at + found;
        let name_len = u16::from_le_bytes([bytes[header + 28], bytes[header + 29]]) as usize;
        if &bytes[header + 46..header + 46 + name_len] == entry.as_bytes() {
            bytes[header + 24..header + 28].copy_from_slice(&size.to_le_bytes());
            return;
        }
        at = header + 4;
    }
    panic!("no {entry} in the central directory");
}

fn firm_row(id: &str, age: &str) -> String {
    format!("{id},가져온기업,2024-02-01,early,{age},daejeon,daejeon\n")
}

const HEADER: &str = "id,name,founded,stage,founder_age,region,zone\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workbook_with_a_cell_at_xfd1048576_is_refused_without_allocating_the_sheet() {
    let app = TestApp::sqlite().await;
    let operator = Browser::new(&app, Some("operator")).await;
    let template = operator
        .client
        .get(format!("{}/import/template/firms.xlsx", operator.origin))
        .header(reqwest::header::COOKIE, &operator.cookie)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let corner = "<row r=\"1048576\"><c r=\"XFD1048576\" t=\"inlineStr\"><is><t>x</t></is></c></row></sheetData>";
    // As a spreadsheet program saves it: the declared range grows to the corner cell.
    let declared = rezip(&template, |name, text| {
        if name != "xl/worksheets/sheet1.xml" {
            return text;
        }
        let range = text
            .split("<dimension ref=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .unwrap()
            .to_string();
        text.replace(
            &format!("<dimension ref=\"{range}\""),
            "<dimension ref=\"A1:XFD1048576\"",
        )
        .replace("</sheetData>", corner)
    });
    // As a hand-made file may be: the cell alone, the range left as it was.
    let undeclared = rezip(&template, |name, text| {
        if name == "xl/worksheets/sheet1.xml" {
            text.replace("</sheetData>", corner)
        } else {
            text
        }
    });
    for (file, expected) in [(declared, "A1:XFD1048576"), (undeclared, "셀 XFD1048576")] {
        assert!(file.len() < 10_000, "a few KB: {}", file.len());
        let started = Instant::now();
        let (status, html) = upload(&operator, "firms.xlsx", &file).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "refused at once: {:?}",
            started.elapsed()
        );
        assert!(html.contains(expected), "names the cell: {html}");
        assert!(
            html.contains("50,000 data rows below the header row, columns A to BL")
                || html.contains("데이터 50,000행, A–BL열"),
            "names the limits: {html}"
        );
    }
    // The server is still up and the template itself still reads.
    let (status, html) = upload(&operator, "firms.xlsx", &template).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("데이터 행이 없습니다"), "{html}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workbook_whose_sheet_expands_beyond_the_limit_is_refused_from_its_declared_size() {
    let app = TestApp::sqlite().await;
    let operator = Browser::new(&app, Some("operator")).await;
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (c, h) in HEADER.trim().split(',').enumerate() {
        sheet.write_string(0, c as u16, h).unwrap();
    }
    for (c, v) in firm_row("XL-1", "30").trim().split(',').enumerate() {
        sheet.write_string(1, c as u16, v).unwrap();
    }
    let mut bytes = workbook.save_to_buffer().unwrap();
    let (status, html) = upload(&operator, "firms.xlsx", &bytes).await;
    assert_eq!(status, StatusCode::OK, "the workbook reads: {html}");
    assert_eq!(by_id(&html, "import-valid"), "1");
    // The probe's workbook: 3.6 MB that inflate to 740 MB of sheet XML.
    declare_size(&mut bytes, "xl/worksheets/sheet1.xml", 740 << 20);
    let (status, html) = upload(&operator, "firms.xlsx", &bytes).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(
        html.contains("sheet1.xml — 압축을 풀면 740.0 MB, 가져오기 한도는 100.0 MB"),
        "names the entry, its size and the limit: {html}"
    );
    // Shared strings are read whole before any sheet: their limit is lower.
    let mut workbook = rust_xlsxwriter::Workbook::new();
    workbook.add_worksheet().write_string(0, 0, "id").unwrap();
    let mut bytes = workbook.save_to_buffer().unwrap();
    declare_size(&mut bytes, "xl/sharedStrings.xml", 40 << 20);
    let (status, html) = upload(&operator, "firms.xlsx", &bytes).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(
        html.contains("sharedStrings.xml — 압축을 풀면 40.0 MB, 가져오기 한도는 32.0 MB"),
        "{html}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_csv_over_the_row_limit_is_refused() {
    let app = TestApp::sqlite_with(ImportLimits {
        max_rows: 300,
        ..ImportLimits::default()
    })
    .await;
    let operator = Browser::new(&app, Some("operator")).await;
    let mut csv = HEADER.to_string();
    for i in 0..300 {
        csv.push_str(&firm_row(&format!("ROW-{i}"), "30"));
    }
    let (status, html) = upload(&operator, "firms.csv", csv.as_bytes()).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "300 rows are within the limit: {html}"
    );
    assert_eq!(by_id(&html, "import-valid"), "300");
    csv.push_str(&firm_row("ROW-300", "30"));
    let (status, html) = upload(&operator, "firms.csv", csv.as_bytes()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(
        html.contains("줄 302 (데이터 행 301)") && html.contains("데이터 300행"),
        "names the row and the limit: {html}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_preview_counts_every_row_shows_the_first_errors_and_confirm_checks_again() {
    let app = TestApp::sqlite().await;
    let operator = Browser::new(&app, Some("operator")).await;
    // 400 rows: every third valid, the others with a founder's age that is not a number.
    let mut csv = HEADER.to_string();
    for i in 0..400 {
        let age = if i % 3 == 0 { "35" } else { "abc" };
        csv.push_str(&firm_row(&format!("PV-{i}"), age));
    }
    let (status, html) = upload(&operator, "firms.csv", csv.as_bytes()).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert_eq!(by_id(&html, "import-read"), "400");
    assert_eq!(by_id(&html, "import-valid"), "134");
    assert_eq!(by_id(&html, "import-bad"), "266");
    assert_eq!(
        html.matches("<tr class=\"bad\">").count(),
        100,
        "the first 100 errors"
    );
    assert_eq!(
        html.matches("<tr class=\"good\">").count(),
        10,
        "a sample of valid rows"
    );
    assert!(
        html.contains("<th scope=\"row\">3</th>"),
        "row 3 is the first bad one"
    );
    assert!(html.contains("(founder_age)</code>"), "the field");
    assert!(
        !html.contains("PV-398"),
        "rows beyond the first errors are counted, not listed"
    );
    assert!(html.len() < 200_000, "a page of {} bytes", html.len());
    // A firm of the file created meanwhile: confirming checks the file again and skips it.
    let (status, _) = app
        .call(
            "admin",
            reqwest::Method::POST,
            "/firms",
            Some(&super::firm_body("PV-3", "daejeon")),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let token = token(&html);
    let (status, _, html) = operator
        .post(
            &format!("/import/{token}"),
            &[("_csrf", &operator.csrf), ("action", "confirm")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert_eq!(by_id(&html, "import-done"), "저장한 행: 133");
    assert_eq!(
        by_id(&html, "import-skipped"),
        "다시 검사해 오류로 건너뛴 행: 267"
    );
    let written = app.store.audit(1_000, 0).await.unwrap();
    let created: Vec<&str> = written
        .iter()
        .filter(|e| e.action == "create" && e.entity_id.starts_with("PV-"))
        .map(|e| e.entity_id.as_str())
        .collect();
    assert_eq!(
        created.len(),
        134,
        "133 imported and one created before, each audited"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pending_imports_are_one_per_account_within_a_memory_budget() {
    let file = |id: &str| {
        // An ignored column pads the file to a known size.
        let mut csv = format!("memo,{HEADER}");
        csv.push_str(&format!("{},{}", "x".repeat(1_000), firm_row(id, "30")));
        csv
    };
    let size = file("BUDGET-1").len();
    let app = TestApp::sqlite_with(ImportLimits {
        pending_bytes: size * 2 - 10,
        ..ImportLimits::default()
    })
    .await;
    let operator = Browser::new(&app, Some("operator")).await;
    let admin = Browser::new(&app, Some("admin")).await;
    let (status, first) = upload(&operator, "firms.csv", file("BUDGET-1").as_bytes()).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    // A second upload by the same account replaces the first: the budget still holds.
    let (status, second) = upload(&operator, "firms.csv", file("BUDGET-2").as_bytes()).await;
    assert_eq!(status, StatusCode::OK, "{second}");
    let (status, _, html) = operator
        .post(
            &format!("/import/{}", token(&first)),
            &[("_csrf", &operator.csrf), ("action", "confirm")],
        )
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "the replaced preview is gone: {html}"
    );
    // Another account's preview would go beyond the budget: refused, nothing read.
    let (status, html) = upload(&admin, "firms.csv", file("BUDGET-3").as_bytes()).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{html}");
    assert!(
        html.contains("가져오기 메모리를 모두 쓰고 있습니다"),
        "{html}"
    );
    // Once the waiting preview is written, there is room again.
    let (status, _, html) = operator
        .post(
            &format!("/import/{}", token(&second)),
            &[("_csrf", &operator.csrf), ("action", "confirm")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert_eq!(by_id(&html, "import-done"), "저장한 행: 1");
    let (status, html) = upload(&admin, "firms.csv", file("BUDGET-3").as_bytes()).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    // Only the owner confirms, and only once.
    let token = token(&html);
    let (status, _, _) = operator
        .post(
            &format!("/import/{token}"),
            &[("_csrf", &operator.csrf), ("action", "confirm")],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = admin
        .post(
            &format!("/import/{token}"),
            &[("_csrf", &admin.csrf), ("action", "cancel")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _, _) = admin
        .post(
            &format!("/import/{token}"),
            &[("_csrf", &admin.csrf), ("action", "confirm")],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a cancelled preview is gone");
    let (status, _) = app
        .call("admin", reqwest::Method::GET, "/firms/BUDGET-3", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spaces_import_checks_each_rows_facility_and_its_zone() {
    let app = TestApp::sqlite().await;
    let operator = Browser::new(&app, Some("operator")).await;
    let facility = |zone: &'static str| {
        let app = &app;
        async move {
            let (_, page) = app
                .call(
                    "admin",
                    reqwest::Method::GET,
                    &format!("/facilities?zone_id={zone}&limit=1"),
                    None,
                )
                .await;
            page["items"][0]["id"].as_i64().unwrap()
        }
    };
    let own = facility("daejeon").await;
    let other = facility("busan").await;
    let mut csv = "facility_id,name,kind,area_m2\n".to_string();
    for i in 0..2 {
        csv.push_str(&format!("{own},보육실 {i},incubation_room,33\n"));
    }
    // A choice may be given by its name, as in the form.
    csv.push_str(&format!("{own},보육실 2,창업보육실,33\n"));
    csv.push_str(&format!("{other},남의 공간,lab,50\n"));
    csv.push_str("999999,없는 시설,lab,50\n999999,없는 시설 둘,lab,50\n");
    let (status, html) = upload_as(&operator, "spaces", "spaces.csv", csv.as_bytes()).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert_eq!(by_id(&html, "import-valid"), "3");
    assert_eq!(by_id(&html, "import-bad"), "3");
    assert!(
        html.contains("이 특구의 자료를 쓸 권한이 없습니다 (busan)"),
        "another zone's facility: {html}"
    );
    assert_eq!(
        html.matches("없는 시설: 999999").count(),
        2,
        "an unknown facility, remembered, is reported on each of its rows: {html}"
    );
    let (status, _, html) = operator
        .post(
            &format!("/import/{}", token(&html)),
            &[("_csrf", &operator.csrf), ("action", "confirm")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert_eq!(by_id(&html, "import-done"), "저장한 행: 3");
    let (_, spaces) = app
        .call(
            "admin",
            reqwest::Method::GET,
            &format!("/spaces?facility_id={own}&limit=100"),
            None,
        )
        .await;
    let named = spaces["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "보육실 2")
        .unwrap();
    assert_eq!(named["kind"], "incubation_room");
}

/// A spreadsheet updates spaces by their `id` (and adds the rows without one), and bookable
/// resources by theirs (only the columns the sheet has), with the same preview and
/// confirmation as creating records; another zone's rows are refused, nothing half written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spaces_and_resources_update_from_a_spreadsheet_by_id() {
    let app = TestApp::sqlite().await;
    let state = ucz_web::AppState::new(
        app.store.clone(),
        ucz_core::Catalog::bundled().unwrap(),
        false,
    )
    .with_clock(app.clock);
    assert!(ucz_service::demo::load_resources(&state).await.unwrap() > 0);
    let operator = Browser::new(&app, Some("operator")).await;
    let (_, facilities) = app
        .call(
            "operator",
            reqwest::Method::GET,
            "/facilities?zone_id=daejeon&limit=1",
            None,
        )
        .await;
    let facility = facilities["items"][0]["id"].as_i64().unwrap();
    let (status, space) = app
        .call(
            "operator",
            reqwest::Method::POST,
            "/spaces",
            Some(&serde_json::json!({"facility_id": facility, "name": "401호", "kind": "rental_unit", "area_m2": 30})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{space}");
    let id = space["id"].as_i64().unwrap();
    let csv = format!(
        "id,facility_id,name,kind,area_m2,monthly_rent_krw\n{id},{facility},401호 (확장),rental_unit,45,450000\n,{facility},402호,rental_unit,25,\n"
    );
    let (status, html) = upload_as(&operator, "spaces", "spaces.csv", csv.as_bytes()).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert_eq!(by_id(&html, "import-valid"), "2", "{html}");
    let (status, _, html) = operator
        .post(
            &format!("/import/{}", token(&html)),
            &[("_csrf", &operator.csrf), ("action", "confirm")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let (_, updated) = app
        .call(
            "operator",
            reqwest::Method::GET,
            &format!("/spaces/{id}"),
            None,
        )
        .await;
    assert_eq!(
        (updated["name"].as_str(), updated["area_m2"].as_f64()),
        (Some("401호 (확장)"), Some(45.0))
    );
    // A space id that does not exist is that row's error; nothing is written.
    let csv =
        format!("id,facility_id,name,kind,area_m2\n999999,{facility},없는 방,rental_unit,10\n");
    let (_, html) = upload_as(&operator, "spaces", "spaces.csv", csv.as_bytes()).await;
    assert_eq!(by_id(&html, "import-bad"), "1", "{html}");

    // Resources: prices and approval of two, the rules kept; a column not in the sheet kept.
    let csv = "id,tenant_per_hour,approval\ndj-seminar-a,12000,예\ndj-projector-1,0,아니오\n";
    let (status, html) = upload_as(&operator, "resources", "resources.csv", csv.as_bytes()).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert_eq!(by_id(&html, "import-valid"), "2", "{html}");
    let (status, _, html) = operator
        .post(
            &format!("/import/{}", token(&html)),
            &[("_csrf", &operator.csrf), ("action", "confirm")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let (_, room) = app
        .call(
            "operator",
            reqwest::Method::GET,
            "/resources/dj-seminar-a",
            None,
        )
        .await;
    assert_eq!(room["setup"]["price"]["tenant_per_hour"], 12_000);
    assert_eq!(room["setup"]["approval"], true);
    assert_eq!(
        room["setup"]["price"]["other_per_hour"], 20_000,
        "untouched"
    );
    assert_eq!(
        room["setup"]["rules"].as_array().unwrap().len(),
        2,
        "rules kept"
    );
    // Another zone's operator may not touch them; an unknown id and a bad price are errors.
    let other = Browser::new(&app, Some("other_operator")).await;
    let (_, html) = upload_as(&other, "resources", "resources.csv", csv.as_bytes()).await;
    assert_eq!(by_id(&html, "import-bad"), "2", "{html}");
    let csv = "id,per_use\nno-such-thing,1000\ndj-seminar-a,-5\n";
    let (_, html) = upload_as(&operator, "resources", "resources.csv", csv.as_bytes()).await;
    assert_eq!(by_id(&html, "import-bad"), "2", "{html}");

    // Hubs have pages: a coordinator makes one from the form and sees it listed.
    let coordinator = Browser::new(&app, Some("coordinator")).await;
    let (status, _, html) = coordinator.get("/hubs").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("/hubs/new"), "{html}");
    let (status, location, html) = coordinator
        .post(
            "/hubs/new",
            &[
                ("_csrf", &coordinator.csrf),
                ("id", "sejong-cip"),
                ("name", "세종 캠퍼스혁신파크"),
                ("kind", "campus_innovation_park"),
                ("region", "sejong"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location} {html}");
    let (_, _, html) = coordinator.get("/hubs?region=sejong").await;
    assert!(
        html.contains("세종 캠퍼스혁신파크") && html.contains("/hubs/sejong-cip/edit"),
        "{html}"
    );
    let (status, _, _) = coordinator.get("/hubs/sejong-cip/edit").await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = operator.get("/hubs/new").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
