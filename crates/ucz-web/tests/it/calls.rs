//! Open calls, end to end on each database: import → review → approve → a fitting firm sees the
//! call with its D-day and bookmarks it, a firm it does not fit does not see it as fitting, and
//! the account's calendar feed parses as iCalendar (Python's `icalendar`, RFC 5545).

use std::path::PathBuf;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{TestApp, add_account, firm_body};

const ICALENDAR: &str = "7.3.0";

/// A K-Startup response with one call open at the test clock's day (2026-06-30), closing
/// 2026-07-03: D-3.
pub fn daejeon_call() -> Value {
    json!({"currentCount": 1, "data": [{
        "pbanc_sn": 190001,
        "biz_pbanc_nm": "2026년 대전 청년 창업공간 입주기업 모집",
        "pbanc_ctnt": "대전 도심융합특구 창업공간 입주기업을 모집합니다.",
        "supt_biz_clsfc": "시설ㆍ공간ㆍ보육", "supt_regin": "대전",
        "biz_enyy": "예비창업자,1년미만,2년미만,3년미만",
        "biz_trgt_age": "만 20세 이상 ~ 만 39세 이하",
        "aply_trgt": "예비창업자,일반기업",
        "aply_trgt_ctnt": "대전 소재 창업 3년 미만 기업 또는 예비창업자",
        "pbanc_rcpt_bgng_dt": "20260620", "pbanc_rcpt_end_dt": "20260703",
        "pbanc_ntrp_nm": "대전광역시",
        "detl_pg_url": "https://www.k-startup.go.kr/web/contents/bizpbanc-ongoing.do?schM=view&pbancSn=190001"
    }], "matchCount": 1, "page": 1, "perPage": 10, "totalCount": 1})
}

fn example(name: &str) -> Value {
    let text = match name {
        "kstartup" => include_str!("../../../../examples/calls/kstartup.json"),
        _ => include_str!("../../../../examples/calls/bizinfo.json"),
    };
    serde_json::from_str(text).unwrap()
}

/// `python3` with `icalendar`.
fn python_with_icalendar() -> PathBuf {
    ucz_test_support::python_with(
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")),
        "icalendar",
        ICALENDAR,
    )
}

/// The events of a calendar as `icalendar` reads them: `uid|summary|dtstart` lines.
pub(crate) fn parse_calendar(text: &str) -> Vec<String> {
    let script = r#"
import sys
from icalendar import Calendar
cal = Calendar.from_ical(sys.stdin.buffer.read())
assert cal.get("VERSION") == "2.0", cal.get("VERSION")
for event in cal.walk("VEVENT"):
    print(f"{event['UID']}|{event['SUMMARY']}|{event.decoded('DTSTART').isoformat()}|{event.decoded('DTEND').isoformat()}")
"#;
    ucz_test_support::run_python(
        &python_with_icalendar(),
        script,
        text,
        "icalendar refused the feed",
    )
}

fn find(list: &Value, id: i64) -> Option<&Value> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
}

pub async fn open_calls(app: TestApp) {
    let root = app.base.trim_end_matches("/api/v1").to_string();

    // Only coordinators import; a firm is refused.
    let (status, _) = app
        .call(
            "firm",
            Method::POST,
            "/calls/import?source=kstartup",
            Some(&daejeon_call()),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, report) = app
        .call(
            "coordinator",
            Method::POST,
            "/calls/import?source=kstartup",
            Some(&daejeon_call()),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["created"], 1);
    // Again: updated in place, not duplicated.
    let (_, again) = app
        .call(
            "coordinator",
            Method::POST,
            "/calls/import?source=kstartup",
            Some(&daejeon_call()),
        )
        .await;
    assert_eq!(
        (again["created"].as_i64(), again["unchanged"].as_i64()),
        (Some(0), Some(1))
    );

    // Both portals' examples: the 예비창업패키지 call is on both, and grouped.
    let (_, k) = app
        .call(
            "coordinator",
            Method::POST,
            "/calls/import?source=kstartup",
            Some(&example("kstartup")),
        )
        .await;
    assert_eq!(k["created"], 4);
    let (_, b) = app
        .call(
            "admin",
            Method::POST,
            "/calls/import?source=bizinfo",
            Some(&example("bizinfo")),
        )
        .await;
    assert_eq!(
        (b["created"].as_i64(), b["grouped"].as_i64()),
        (Some(3), Some(1)),
        "{b}"
    );

    // Bad records are told by index and field, the good ones imported; a wrong envelope is refused.
    let bad = json!({"data": [
        {"pbanc_sn": 190002, "biz_pbanc_nm": "좋은 공고", "pbanc_rcpt_end_dt": "20261231"},
        {"pbanc_sn": 190003, "biz_pbanc_nm": "없는 날", "pbanc_rcpt_end_dt": "20260230"},
        {"biz_pbanc_nm": "번호 없음"}
    ]});
    let (status, report) = app
        .call(
            "coordinator",
            Method::POST,
            "/calls/import?source=kstartup",
            Some(&bad),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(report["created"], 1);
    let errors: Vec<(i64, &str)> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["index"].as_i64().unwrap(), e["field"].as_str().unwrap()))
        .collect();
    assert_eq!(errors, [(1, "pbanc_rcpt_end_dt"), (2, "pbanc_sn")]);
    let (status, problem) = app
        .call(
            "coordinator",
            Method::POST,
            "/calls/import?source=kstartup",
            Some(&example("bizinfo")),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let (status, _) = app
        .call(
            "coordinator",
            Method::POST,
            "/calls/import?source=ucz",
            Some(&daejeon_call()),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // The same call from both portals is listed once, the other portal's under `also`.
    let (status, all) = app
        .call(
            "anonymous",
            Method::GET,
            "/calls?status=all&limit=500",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let packages: Vec<&Value> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["title"].as_str().unwrap().contains("예비창업패키지"))
        .collect();
    assert_eq!(packages.len(), 1, "{all}");
    assert_eq!(packages[0]["also"][0]["source"], "bizinfo");
    let package = packages[0]["id"].as_i64().unwrap();

    // The review queue: coordinators only; our call is there with its draft.
    let (status, _) = app.call("firm", Method::GET, "/calls/review", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, queue) = app
        .call("coordinator", Method::GET, "/calls/review", None)
        .await;
    let ours = queue
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["source_id"] == "190001")
        .expect("the call is in the queue");
    let id = ours["id"].as_i64().unwrap();
    let draft = ours["review"]["rule"].as_str().unwrap().to_string();
    assert_eq!(
        draft,
        "firm.age_years < 3 && firm.founder_age >= 20 && firm.founder_age <= 39 && firm.region == \"daejeon\""
    );
    // Before approval, the fitting firm sees it as likely, with the draft's caveats.
    let (_, likely) = app.call("firm", Method::GET, "/calls", None).await;
    let seen = find(&likely, id).expect("listed for the firm");
    assert_eq!(seen["fit"], "likely");
    assert!(!seen["reasons_en"].as_array().unwrap().is_empty());

    // A rule that does not type-check is refused with its position.
    let (status, problem) = app
        .call(
            "coordinator",
            Method::PUT,
            &format!("/calls/{id}/review"),
            Some(&json!({"rule": "firm.region == ", "approve": true})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["field"], "rule");
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("column"),
        "{problem}"
    );
    let (status, _) = app
        .call(
            "firm",
            Method::PUT,
            &format!("/calls/{id}/review"),
            Some(&json!({"approve": true})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Approved as drafted, with the text's own limit checked: tried on the review firms.
    let (status, reviewed) = app
        .call(
            "coordinator",
            Method::PUT,
            &format!("/calls/{id}/review"),
            Some(&json!({"rule": draft, "approve": true, "note": "본문과 일치"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{reviewed}");
    assert_eq!(reviewed["call"]["review"]["state"], "approved");
    let trials = reviewed["trials"].as_array().unwrap();
    assert_eq!(trials.len(), 6);
    assert!(trials.iter().any(|t| t["fits"] == true) && trials.iter().any(|t| t["fits"] == false));

    // The fitting firm (Daejeon, two years old, founder 33) sees it as fitting with D-3.
    let (_, fits) = app.call("firm", Method::GET, "/calls?fit=fits", None).await;
    let seen = find(&fits, id).expect("fits the firm");
    assert_eq!(seen["fit"], "fits");
    assert_eq!(seen["days_left"], 3);
    assert_eq!(seen["status"], "open");
    // Found by a Korean search with the words apart.
    let (_, found) = app
        .call(
            "firm",
            Method::GET,
            "/calls?q=%EC%B2%AD%EB%85%84%20%EC%B0%BD%EC%97%85",
            None,
        )
        .await;
    assert_eq!(found["items"][0]["id"], id, "청년 창업: {found}");
    let (_, none) = app
        .call(
            "firm",
            Method::GET,
            "/calls?q=%EC%88%98%EC%B6%9C%20%EC%A3%BC%ED%83%9D",
            None,
        )
        .await;
    assert_eq!(none["total"], 0);

    // A firm in Busan: listed, but not as fitting, with the reason in words.
    let (status, _) = app
        .call(
            "admin",
            Method::POST,
            "/firms",
            Some(&firm_body("T-BUSAN", "busan")),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    add_account(&app.store, "firm_busan", "firm", None, Some("T-BUSAN")).await;
    let (_, busan) = app.call("firm_busan", Method::GET, "/calls", None).await;
    let seen = find(&busan, id).expect("listed");
    assert_eq!(seen["fit"], "no");
    assert_eq!(
        seen["reasons_ko"][0],
        "대상 지역: 대전광역시 (현재 부산광역시)"
    );
    assert_eq!(seen["reasons_en"][0], "for firms in Daejeon (now Busan)");
    let (_, busan_fits) = app
        .call("firm_busan", Method::GET, "/calls?fit=likely", None)
        .await;
    assert!(find(&busan_fits, id).is_none());
    // Another firm's fit is for those who may read that firm.
    let (status, _) = app
        .call("firm_busan", Method::GET, "/calls?firm=T-FIRM", None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, as_coordinator) = app
        .call("coordinator", Method::GET, "/calls?firm=T-BUSAN", None)
        .await;
    assert_eq!(find(&as_coordinator, id).unwrap()["fit"], "no");

    // Bookmarks and history.
    let (status, _) = app
        .call(
            "anonymous",
            Method::PUT,
            &format!("/calls/{id}/marks/bookmarked"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = app
        .call(
            "firm",
            Method::PUT,
            &format!("/calls/{id}/marks/bookmarked"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app
        .call("firm", Method::PUT, "/calls/999999/marks/bookmarked", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, read) = app
        .call("firm", Method::GET, &format!("/calls/{id}"), None)
        .await;
    assert_eq!(read["bookmarked"], true);
    assert_eq!(read["raw"]["pbanc_sn"], 190001);
    let (_, history) = app.call("firm", Method::GET, "/calls/history", None).await;
    let kinds: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["call_id"] == id)
        .map(|h| h["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"bookmarked") && kinds.contains(&"viewed"),
        "{history}"
    );

    // The calendar feed: made, parsed, renewed (the old address stops working).
    let (status, feed) = app.call("firm", Method::POST, "/calendar", None).await;
    assert_eq!(status, StatusCode::CREATED);
    let path = feed["path"].as_str().unwrap().to_string();
    let response = app
        .client
        .get(format!("{root}{path}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    let events = parse_calendar(&response.text().await.unwrap());
    assert_eq!(events.len(), 1, "{events:?}");
    assert!(events[0].starts_with(&format!("call-{id}@")));
    assert!(
        events[0]
            .ends_with("|[마감] 2026년 대전 청년 창업공간 입주기업 모집|2026-07-03|2026-07-04"),
        "{events:?}"
    );
    let (_, renewed) = app.call("firm", Method::POST, "/calendar", None).await;
    assert_ne!(renewed["path"], feed["path"]);
    let old = app
        .client
        .get(format!("{root}{path}"))
        .send()
        .await
        .unwrap();
    assert_eq!(old.status(), StatusCode::NOT_FOUND);

    // An operator publishes its own zone's call, not another's.
    let publish = json!({"zone": "daejeon", "title": "대전 특구 공용장비 이용기업 모집", "closes_at": "2026-07-10T18:00:00+09:00", "rule": "firm.region == \"daejeon\""});
    let (status, published) = app
        .call("operator", Method::POST, "/calls", Some(&publish))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{published}");
    assert_eq!(published["source"], "ucz");
    assert_eq!(published["review"]["state"], "approved");
    assert_eq!(published["period"]["closes_at"], "2026-07-10T09:00:00Z");
    let (status, _) = app
        .call("other_operator", Method::POST, "/calls", Some(&publish))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, problem) = app
        .call(
            "operator",
            Method::POST,
            "/calls",
            Some(&json!({"zone": "daejeon", "title": "마감 없음", "closes_at": "soon"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["field"], "closes_at");
    // Not closed already, and not opening after it closes.
    for (body, field) in [
        (
            json!({"zone": "daejeon", "title": "지난 공고", "closes_at": "2026-06-01T18:00:00+09:00"}),
            "closes_at",
        ),
        (
            json!({"zone": "daejeon", "title": "거꾸로", "opens": "2026-07-20", "closes_at": "2026-07-10T18:00:00+09:00"}),
            "opens",
        ),
    ] {
        let (status, problem) = app
            .call("operator", Method::POST, "/calls", Some(&body))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
    }

    // A coordinator splits the grouped call; the import keeps it split.
    let (status, split) = app
        .call(
            "coordinator",
            Method::PUT,
            &format!("/calls/{package}/group"),
            Some(&json!({"with": null})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{split}");
    assert_eq!(split["grouped_by_hand"], true);
    app.call(
        "coordinator",
        Method::POST,
        "/calls/import?source=bizinfo",
        Some(&example("bizinfo")),
    )
    .await;
    let (_, after) = app
        .call("anonymous", Method::GET, &format!("/calls/{package}"), None)
        .await;
    assert_eq!(after["also"].as_array().unwrap().len(), 0, "{after}");
    // Joining calls of one portal is refused.
    let (status, _) = app
        .call(
            "coordinator",
            Method::PUT,
            &format!("/calls/{id}/group"),
            Some(&json!({"with": package})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}
