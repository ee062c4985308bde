//! The pages over HTTP on both databases: role rules, CSRF on forms, inline errors, exports and
//! the import's preview-then-confirm, without a browser.

use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use reqwest::{Client, StatusCode, redirect::Policy};
use serde_json::json;

use super::TestApp;

pub struct Browser {
    pub origin: String,
    pub client: Client,
    pub cookie: String,
    pub csrf: String,
}

impl Browser {
    pub async fn new(app: &TestApp, user: Option<&str>) -> Browser {
        let origin = app.base.trim_end_matches("/api/v1").to_string();
        let client = Client::builder().redirect(Policy::none()).build().unwrap();
        let (mut cookie, mut csrf) = (String::new(), String::new());
        if let Some(user) = user {
            let response = client
                .post(format!("{}/session", app.base))
                .json(&json!({"username": user, "password": format!("pw-{user}")}))
                .send()
                .await
                .unwrap();
            cookie = response.headers()[SET_COOKIE]
                .to_str()
                .unwrap()
                .split(';')
                .next()
                .unwrap()
                .to_string();
            let body: serde_json::Value = response.json().await.unwrap();
            csrf = body["csrf_token"].as_str().unwrap().to_string();
        }
        Browser {
            origin,
            client,
            cookie,
            csrf,
        }
    }

    pub async fn get(&self, path: &str) -> (StatusCode, String, String) {
        let response = self
            .client
            .get(format!("{}{path}", self.origin))
            .header(COOKIE, &self.cookie)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let location = response
            .headers()
            .get(LOCATION)
            .map(|l| l.to_str().unwrap().to_string())
            .unwrap_or_default();
        (status, location, response.text().await.unwrap())
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> (StatusCode, String, String) {
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        self.send(path, "application/x-www-form-urlencoded", body.into_bytes())
            .await
    }

    pub async fn send(
        &self,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> (StatusCode, String, String) {
        let response = self
            .client
            .post(format!("{}{path}", self.origin))
            .header(COOKIE, &self.cookie)
            .header(CONTENT_TYPE, content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let location = response
            .headers()
            .get(LOCATION)
            .map(|l| l.to_str().unwrap().to_string())
            .unwrap_or_default();
        (status, location, response.text().await.unwrap())
    }
}

pub async fn pages_follow_the_role_rules(app: TestApp) {
    let anonymous = Browser::new(&app, None).await;
    let (status, _, html) = anonymous.get("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("대전 도심융합특구") && html.contains(r#"<html lang="ko">"#));
    let (_, _, html) = anonymous.get("/?lang=en").await;
    assert!(html.contains(r#"<html lang="en">"#) && html.contains("Zones compared"));
    let (_, _, html) = anonymous.get("/catalog?ministry=molit&kind=program").await;
    assert!(
        html.contains("국토교통부") && !html.contains(">중소벤처기업부</span>"),
        "filtered by ministry"
    );
    let (status, _, html) = anonymous.get("/zones/daejeon").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("svg class=\"diamond\"") && !html.contains("facilities-table"));
    let (status, location, _) = anonymous.get("/firms").await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/login?next=%2Ffirms")
    );
    let (status, _, html) = anonymous.get("/no-such-page").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("<h1>404"));
    // A missing record's page says which record it looked for.
    let (status, _, html) = anonymous.get("/zones/atlantis").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("atlantis"), "{html}");

    let operator = Browser::new(&app, Some("operator")).await;
    let (_, _, html) = operator.get("/zones/daejeon").await;
    assert!(html.contains("facilities-table") && html.contains("/facilities/new?zone=daejeon"));
    let facility = [
        ("zone_id", "daejeon"),
        ("type", "support_space"),
        ("name", "페이지 시험 공동기기실"),
        ("floor_area_m2", "0"),
    ];
    // No token, no write.
    let (status, _, _) = operator.post("/facilities/new", &facility).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let mut with_token = facility.to_vec();
    with_token.push(("_csrf", &operator.csrf));
    let (status, _, html) = operator.post("/facilities/new", &with_token).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains(r#"id="err-floor_area_m2""#), "inline error");
    with_token[3] = ("floor_area_m2", "1500");
    let (status, location, _) = operator.post("/facilities/new", &with_token).await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/zones/daejeon?saved=1")
    );
    let (_, _, html) = operator.get("/zones/daejeon").await;
    assert!(html.contains("페이지 시험 공동기기실"));
    // Every problem at once: an unreadable number beside an unknown type.
    let (status, _, html) = operator
        .post(
            "/facilities/new",
            &[
                ("_csrf", &operator.csrf),
                ("zone_id", "daejeon"),
                ("type", "castle"),
                ("name", "x"),
                ("floor_area_m2", "many"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains(r#"id="err-floor_area_m2""#) && html.contains(r#"id="err-type""#),
        "{html}"
    );
    // Another zone's facility is refused by the API's rule.
    with_token[0] = ("zone_id", "busan");
    let (status, _, _) = operator.post("/facilities/new", &with_token).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // An operator's new firm with a taken id is told so on the id field.
    let (status, _, html) = operator
        .post(
            "/firms/new",
            &[
                ("_csrf", &operator.csrf),
                ("id", "T-FIRM"),
                ("stage", "early"),
                ("founded", "2024-01-01"),
                ("founder_age", "40"),
                ("region", "daejeon"),
                ("zone", "daejeon"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains(r#"id="err-id""#), "{html}");
    // Deleting asks first; a GET changes nothing.
    let (status, _, html) = operator.get("/firms/T-FIRM/delete").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("confirm-delete"));
    assert_eq!(
        app.call("admin", reqwest::Method::GET, "/firms/T-FIRM", None)
            .await
            .0,
        StatusCode::OK
    );
    // Browser addresses get HTML, not problem+json, when something is off.
    let (status, _, html) = anonymous.get("/catalog?q=a&q=b").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("<html"), "{html}");
    let (status, _, _) = operator.get("/placement?done=x:a:1").await;
    assert_eq!(status, StatusCode::OK, "an unknown notice is ignored");
    let (status, location, _) = operator.get("/logout").await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/account")
    );
    let (status, _, html) = operator.post("/zones/daejeon", &[]).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(html.contains("<html"), "{html}");
    // Ending a lease on the zone page records where the firm went.
    let (_, facilities) = app
        .call(
            "operator",
            reqwest::Method::GET,
            "/facilities?zone_id=daejeon",
            None,
        )
        .await;
    let facility = facilities["items"][0]["id"].as_i64().unwrap();
    let (_, room) = app
        .call(
            "operator",
            reqwest::Method::POST,
            "/spaces",
            Some(&json!({"facility_id": facility,
            "name": "보육실 P", "kind": "incubation_room", "area_m2": 30})),
        )
        .await;
    let (status, lease) = app
        .call(
            "operator",
            reqwest::Method::POST,
            "/leases",
            Some(&json!({"space_id": room["id"],
            "firm_id": "T-FIRM", "starts": "2025-01-01", "ends": "2027-01-01"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{lease}");
    let (_, _, html) = operator.get("/zones/daejeon").await;
    assert!(
        html.contains(&format!("action=\"/leases/{}/end\"", lease["id"])),
        "the end form"
    );
    let (status, location, _) = operator
        .post(
            &format!("/leases/{}/end", lease["id"]),
            &[
                ("_csrf", &operator.csrf),
                ("ends", "2026-03-01"),
                ("left_to", "seoul"),
                ("back", "/zones/daejeon"),
            ],
        )
        .await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/zones/daejeon?saved=1#leases")
    );
    let (_, ended) = app
        .call(
            "operator",
            reqwest::Method::GET,
            &format!("/leases/{}", lease["id"]),
            None,
        )
        .await;
    assert_eq!(
        (
            ended["status"].as_str(),
            ended["ends"].as_str(),
            ended["left_to"].as_str()
        ),
        (Some("ended"), Some("2026-03-01"), Some("seoul"))
    );
    // Exports keep the list's rules: an operator gets its zone's firms only.
    let (status, _, csv) = operator.get("/export/firms.csv").await;
    assert_eq!(status, StatusCode::OK);
    let mut lines = csv.trim_start_matches('\u{feff}').lines();
    let header = lines.next().unwrap();
    assert!(header.contains("(zone)"), "{header}");
    let zone_column = header
        .split(',')
        .position(|h| h.ends_with("(zone)"))
        .unwrap();
    let rows: Vec<&str> = lines.collect();
    assert!(!rows.is_empty());
    assert!(
        rows.iter()
            .all(|r| r.split(',').nth(zone_column) == Some("daejeon")),
        "{csv}"
    );
    let response = operator
        .client
        .get(format!("{}/export/zones.xlsx", operator.origin))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.bytes().await.unwrap().starts_with(b"PK"),
        "an xlsx is a zip"
    );
    let (status, _, _) = anonymous.get("/export/firms.csv").await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    // Import: preview first, nothing written, then confirm.
    let csv = "id,name,founded,stage,founder_age,region,zone\n\
               PG-IMP-1,하나,2024-02-01,early,30,daejeon,daejeon\n\
               PG-IMP-2,둘,2024-02-01,early,abc,daejeon,daejeon\n";
    let boundary = "XUCZBOUNDARY";
    let multipart = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"resource\"\r\n\r\nfirms\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"firms.csv\"\r\nContent-Type: text/csv\r\n\r\n{csv}\r\n\
         --{boundary}--\r\n",
        operator.csrf
    );
    let (status, _, html) = operator
        .send(
            "/import",
            &format!("multipart/form-data; boundary={boundary}"),
            multipart.into_bytes(),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(
        html.contains("<th scope=\"row\">3</th>"),
        "the bad row's number"
    );
    assert!(
        html.contains("(founder_age)</code>"),
        "the bad field: {html}"
    );
    let (status, _) = app
        .call("admin", reqwest::Method::GET, "/firms/PG-IMP-1", None)
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "nothing written before confirming"
    );
    let token = html
        .split("action=\"/import/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_string();
    // Someone else's session cannot confirm it.
    let other = Browser::new(&app, Some("other_operator")).await;
    let (status, _, _) = other
        .post(
            &format!("/import/{token}"),
            &[("_csrf", &other.csrf), ("action", "confirm")],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, html) = operator
        .post(
            &format!("/import/{token}"),
            &[("_csrf", &operator.csrf), ("action", "confirm")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("id=\"import-done\""));
    let (status, _) = app
        .call("admin", reqwest::Method::GET, "/firms/PG-IMP-1", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    // A token is used once.
    let (status, _, _) = operator
        .post(
            &format!("/import/{token}"),
            &[("_csrf", &operator.csrf), ("action", "confirm")],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A firm sees its package, not the import nor other firms.
    let firm = Browser::new(&app, Some("firm")).await;
    let (status, _, html) = firm.get("/firms/T-FIRM").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("eligible-table"));
    assert_eq!(firm.get("/import").await.0, StatusCode::FORBIDDEN);
    assert_eq!(firm.get("/firms/PG-IMP-1").await.0, StatusCode::FORBIDDEN);
    assert_eq!(firm.get("/zones/new").await.0, StatusCode::FORBIDDEN);
}

/// A refused form shows the API's messages by key in the visitor's language; the API answers
/// the same refusal in English.
pub async fn messages_are_shown_by_key_in_the_visitors_language(app: TestApp) {
    let mut operator = Browser::new(&app, Some("operator")).await;
    let form = [
        ("_csrf", operator.csrf.as_str()),
        ("zone_id", "daejeon"),
        ("type", "castle"),
        ("name", "메시지 시험동"),
        ("floor_area_m2", "0"),
    ];
    let (status, _, html) = operator.post("/facilities/new", &form).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("0보다 큰 수를 입력하세요 (최대 10억)"),
        "{html}"
    );
    assert!(html.contains("알 수 없는 시설 유형"), "{html}");
    assert!(!html.contains("required: a number"), "{html}");
    assert!(!html.contains("unknown facility type"), "{html}");

    operator.cookie.push_str("; ucz_lang=en");
    let (status, _, html) = operator.post("/facilities/new", &form).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("required: a number greater than 0 (at most 1e9)"),
        "{html}"
    );
    assert!(!html.contains("0보다 큰 수"), "{html}");

    let (status, body) = app
        .call(
            "operator",
            reqwest::Method::POST,
            "/facilities",
            Some(&json!({"zone_id": "daejeon", "type": "castle", "name": "메시지 시험동", "floor_area_m2": 0})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["detail"], "the request is not valid");
    let messages: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap())
        .collect();
    assert!(
        messages.contains(&"required: a number greater than 0 (at most 1e9)"),
        "{body}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("unknown facility type \"castle\"; expected one of: ")),
        "{body}"
    );
    let mut keys: Vec<&String> = body.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(
        keys,
        ["code", "detail", "errors", "status", "title", "type"],
        "nothing is added to a problem"
    );
}

/// A firm is told it may apply to a zone-run program only where its zone runs it; the zone page
/// keeps what the plan uses apart from what the diagnosis would add; Korean pages show rules in
/// words, with CEL only under the rule disclosure.
pub async fn zone_run_programs_and_words(app: TestApp) {
    let (status, _) = app
        .call(
            "admin",
            reqwest::Method::POST,
            "/firms",
            Some(&super::firm_body("W-FIRM", "daejeon")),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let coordinator = Browser::new(&app, Some("coordinator")).await;
    let (status, _, html) = coordinator.get("/firms/W-FIRM?lang=ko").await;
    assert_eq!(status, StatusCode::OK);
    // 혁신기관 공동운영 엑셀러레이팅 (Figure 3): its rule holds for an early tenant, but Daejeon does
    // not run it; Daegu does.
    let table = |id: &str| -> String {
        let start = html
            .find(&format!("id=\"{id}\""))
            .unwrap_or_else(|| panic!("{id}: {html}"));
        let end = html[start..]
            .find("</table>")
            .map_or(html.len(), |e| start + e);
        html[start..end].to_string()
    };
    let eligible = table("eligible-table");
    let row = eligible
        .split("</tr>")
        .find(|row| row.contains("혁신기관 공동운영 엑셀러레이팅"))
        .unwrap_or_else(|| panic!("the program is offered: {eligible}"));
    assert!(
        row.contains("입주 특구에서 운영하지 않음") && row.contains("대구"),
        "{row}"
    );
    let run_here = eligible
        .split("</tr>")
        .find(|row| {
            row.contains("투자유치 및 판로개척 지원") || row.contains("기술이전·사업화 연계 지원")
        })
        .unwrap_or_default();
    assert!(
        run_here.is_empty() || run_here.contains("입주 특구에서 운영: 신청 가능"),
        "{run_here}"
    );
    assert_no_rule_text_outside_disclosures(&html);

    let (status, _, zone) = coordinator.get("/zones/daejeon?lang=ko").await;
    assert_eq!(status, StatusCode::OK);
    for heading in [
        "사용 중인 사업",
        "보유 지정제도",
        "추가할 사업",
        "추가할 지정제도",
    ] {
        assert!(zone.contains(&format!(">{heading}</th>")), "{heading}");
    }
    // Daejeon uses 공공임대형 지식산업센터 (중기부): it is in the "in use" column, not "to add".
    let mss = zone
        .split("</tr>")
        .find(|row| row.contains(">중소벤처기업부</th>"))
        .expect("a row for 중소벤처기업부");
    let cells: Vec<&str> = mss.split("<td>").collect();
    assert!(cells[1].contains("공공임대형 지식산업센터"), "{mss}");
    assert!(!cells[3].contains("공공임대형 지식산업센터"), "{mss}");
    assert_no_rule_text_outside_disclosures(&zone);
}

/// `firm.` (a rule's text) appears only inside `<details class="rule">` or the catalog's code.
pub fn assert_no_rule_text_outside_disclosures(html: &str) {
    let mut rest = html;
    let mut outside = String::new();
    while let Some(start) = rest.find("<details class=\"rule\">") {
        outside.push_str(&rest[..start]);
        rest = rest[start..]
            .find("</details>")
            .map_or("", |end| &rest[start + end..]);
    }
    outside.push_str(rest);
    assert!(
        !outside.contains("firm."),
        "rule text outside the rule disclosure: {}",
        &outside[outside.find("firm.").unwrap_or(0).saturating_sub(200)..]
            .chars()
            .take(400)
            .collect::<String>()
    );
}
