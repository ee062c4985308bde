//! Accounts founders make themselves, end to end on each database: sign-up → the verification
//! link from the SMTP sink → the firm profile → the operator links it to its zone → an approved
//! open call that fits is in the inbox and the next digest, a bookmarked call's D-1 reminder is
//! mailed once → password change and reset → removal leaves no personal data and the audit chain
//! verifies.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::TestApp;

const EMAIL: &str = "founder.kim@example.kr";
const PASSWORD: &str = "조용한 오후의 커피 한 잔";
const NAME: &str = "김창업";
const PHONE: &str = "010-2718-2818";
const BUSINESS: &str = "2208162517";

/// A logged-in browser session: its cookie and form token.
struct Session {
    cookie: String,
    csrf: String,
}

impl TestApp {
    async fn log_in(&self, login: &str, password: &str) -> Result<Session, StatusCode> {
        let response = self
            .client
            .post(format!("{}/session", self.base))
            .header("user-agent", "accounts-test")
            .json(&json!({"username": login, "password": password}))
            .send()
            .await
            .unwrap();
        if response.status() != StatusCode::OK {
            return Err(response.status());
        }
        let cookie = response
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .unwrap()
            .to_string();
        let body: Value = response.json().await.unwrap();
        Ok(Session {
            cookie,
            csrf: body["csrf_token"].as_str().unwrap().to_string(),
        })
    }

    async fn as_session(
        &self,
        session: &Session,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        let verb = method.as_str().to_lowercase();
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base))
            .header("cookie", &session.cookie)
            .header("x-csrf-token", &session.csrf);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let url = response.url().clone();
        let value: Value =
            serde_json::from_str(&response.text().await.unwrap()).unwrap_or(Value::Null);
        super::conforms(&verb, url.path(), status, &value);
        (status, value)
    }
}

fn token_of(link: &str) -> String {
    link.split("token=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_string()
}

pub async fn accounts_and_notices(app: TestApp) {
    let (_, privacy) = app.call("anonymous", Method::GET, "/privacy", None).await;
    let version = privacy["version"].as_str().unwrap().to_string();
    assert!(privacy["ko"]["sections"].as_array().unwrap().len() >= 5);
    let users_before = app.store.user_count().await.unwrap();

    // Bad input: a clear message on its field, and nothing made or mailed.
    let good = json!({
        "email": "Founder.Kim@Example.KR", "password": PASSWORD, "consent_version": version,
        "business_number": "220-81-62517", "name": NAME, "phone": PHONE,
    });
    for (n, (field, value, wrong)) in [
        ("email", json!("founder.kim@"), "email"),
        ("password", json!("short"), "password"),
        ("password", json!("qwertyuiop"), "password"),
        ("password", json!("signup3.kim-2026"), "password"),
        ("business_number", json!("220-81-62518"), "business_number"),
        ("consent_version", json!("1999-01-01"), "consent_version"),
        ("phone", json!("call me"), "phone"),
    ]
    .into_iter()
    .enumerate()
    {
        // Each from an address of its own: requests that may mail are limited per address.
        let mut body = good.clone();
        body["email"] = json!(format!("signup{n}.kim@example.kr"));
        body[field] = value;
        let (status, problem) = app
            .call("anonymous", Method::POST, "/signup", Some(&body))
            .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}: {problem}"
        );
        assert_eq!(problem["errors"][0]["field"], wrong, "{problem}");
    }
    assert_eq!(app.store.user_count().await.unwrap(), users_before);

    // Sign-up: the same answer for a new address and a registered one; the owner is mailed.
    let (status, first) = app
        .call("anonymous", Method::POST, "/signup", Some(&good))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{first}");
    let verify = app.mail.wait_for(EMAIL, 1).await;
    let link = verify[0]
        .link("/signup/verify?token=")
        .expect("a verification link");
    assert!(
        verify[0].subject.contains("이메일"),
        "{}",
        verify[0].subject
    );
    let (status, again) = app
        .call("anonymous", Method::POST, "/signup", Some(&good))
        .await;
    assert_eq!((status, &again), (StatusCode::ACCEPTED, &first));
    let taken = app.mail.wait_for(EMAIL, 2).await;
    assert!(
        taken[1].link("/password/reset?token=").is_some(),
        "{:?}",
        taken[1]
    );
    assert_eq!(app.store.user_count().await.unwrap(), users_before + 1);

    // Not verified yet: no login.
    assert_eq!(
        app.log_in(EMAIL, PASSWORD).await.err(),
        Some(StatusCode::UNAUTHORIZED)
    );
    let token = token_of(&link);
    let (status, done) = app
        .call(
            "anonymous",
            Method::POST,
            "/signup/verify",
            Some(&json!({"token": token})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    let (status, spent) = app
        .call(
            "anonymous",
            Method::POST,
            "/signup/verify",
            Some(&json!({"token": token})),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a link works once: {spent}"
    );
    assert_eq!(spent["errors"][0]["field"], "token");

    // A founder: its account, no firm yet, and no other firm's data.
    let founder = app.log_in(EMAIL, PASSWORD).await.unwrap();
    let (status, account) = app
        .as_session(&founder, Method::GET, "/account", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{account}");
    assert_eq!(account["profile"]["email"], EMAIL);
    assert_eq!(account["profile"]["business_number"], BUSINESS);
    assert_eq!(account["profile"]["consent_version"], version.as_str());
    assert!(account["user"]["firm_id"].is_null());
    assert_eq!(account["sessions"][0]["agent"], "accounts-test");
    let (status, _) = app.as_session(&founder, Method::GET, "/firms", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The profile, asking for the Daejeon zone: the firm is made outside every zone first.
    let firm = json!({
        "id": "kim-startup", "name": "바람개비 주식회사", "founded": "2025-03-01", "stage": "early",
        "employees": 3, "region": "daejeon", "zone": "daejeon", "founder_age": 31, "sector": "J62",
    });
    // A zone that does not exist, or no name: refused on the field, nothing made.
    for (field, value) in [("zone", json!("nowhere")), ("name", json!("  "))] {
        let mut wrong = firm.clone();
        wrong[field] = value;
        let (status, problem) = app
            .as_session(&founder, Method::POST, "/account/profile", Some(&wrong))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
    }
    let (status, made) = app
        .as_session(&founder, Method::POST, "/account/profile", Some(&firm))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    assert_eq!(made["firm"]["zone"], "");
    assert_eq!(made["zone_link"]["status"], "requested");
    let link_id = made["zone_link"]["id"].as_i64().unwrap();
    let (status, _) = app
        .as_session(&founder, Method::POST, "/account/profile", Some(&firm))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "one profile per account");

    // The operator of Daejeon decides; Busan's may not; a firm account sees no queue.
    let (status, queue) = app
        .call(
            "operator",
            Method::GET,
            "/zone-links?status=requested",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        queue["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["id"] == link_id)
    );
    let (status, other) = app
        .call("other_operator", Method::GET, "/zone-links", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !other["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["id"] == link_id)
    );
    let approve = format!("/zone-links/{link_id}/approve");
    let (status, _) = app
        .call("other_operator", Method::POST, &approve, None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app.call("firm", Method::GET, "/zone-links", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, decided) = app.call("operator", Method::POST, &approve, None).await;
    assert_eq!(status, StatusCode::OK, "{decided}");
    assert_eq!(decided["status"], "approved");
    let (status, _) = app.call("operator", Method::POST, &approve, None).await;
    assert_eq!(status, StatusCode::CONFLICT, "decided once");
    let (_, tenant) = app
        .call("operator", Method::GET, "/firms/kim-startup", None)
        .await;
    assert_eq!(tenant["zone"], "daejeon", "{tenant}");

    // An approved call that fits (Daejeon firms), and one closing tomorrow that the founder
    // bookmarks; a call that does not fit (Busan firms) is not noticed.
    let publish = |title: &str, closes: &str, region: &str| {
        json!({"zone": "daejeon", "title": title, "closes_at": closes,
               "rule": format!("firm.region == \"{region}\"")})
    };
    let (status, fits) = app
        .call(
            "operator",
            Method::POST,
            "/calls",
            Some(&publish(
                "대전 창업기업 시제품 제작 지원",
                "2026-07-20T18:00:00+09:00",
                "daejeon",
            )),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{fits}");
    let (_, closing) = app
        .call(
            "operator",
            Method::POST,
            "/calls",
            Some(&publish(
                "대전 특구 공용장비 바우처",
                "2026-07-01T18:00:00+09:00",
                "seoul",
            )),
        )
        .await;
    let (_, elsewhere) = app
        .call(
            "operator",
            Method::POST,
            "/calls",
            Some(&publish(
                "부산 기업 전용 지원",
                "2026-07-20T18:00:00+09:00",
                "busan",
            )),
        )
        .await;
    // The founder's session is now a firm account's: log in again to carry the firm.
    let founder = app.log_in(EMAIL, PASSWORD).await.unwrap();
    let (status, _) = app
        .as_session(
            &founder,
            Method::PUT,
            &format!("/calls/{}/marks/bookmarked", closing["id"]),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    let (status, run) = app
        .call("admin", Method::POST, "/jobs/notices/run", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{run}");
    let (status, _) = app
        .call("firm", Method::POST, "/jobs/notices/run", None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, inbox) = app.as_session(&founder, Method::GET, "/inbox", None).await;
    let items = inbox["items"].as_array().unwrap();
    let fitting: Vec<&Value> = items.iter().filter(|n| n["kind"] == "call_fits").collect();
    assert!(
        fitting.iter().any(|n| n["body"]["call"] == fits["id"]),
        "{inbox:#}"
    );
    assert!(
        !fitting.iter().any(|n| n["body"]["call"] == elsewhere["id"]),
        "{inbox:#}"
    );
    assert!(
        items.iter().any(|n| n["kind"] == "call_closing"
            && n["body"]["call"] == closing["id"]
            && n["body"]["days"] == 1
            && n["body"]["reminder"] == 1),
        "{inbox:#}"
    );
    assert_eq!(inbox["unread"].as_i64(), Some(items.len() as i64));
    let (_, rescan) = app
        .call("admin", Method::POST, "/jobs/notices/run", None)
        .await;
    assert!(
        rescan["outcome"]
            .as_str()
            .unwrap()
            .contains(" 0 notices added"),
        "{rescan}"
    );

    // The digest: one mail with both, once, however often the job runs.
    let (status, digest) = app
        .call("admin", Method::POST, "/jobs/digest/run", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{digest}");
    let mails = app.mail.wait_for(EMAIL, 3).await;
    let digest_mail = &mails[2];
    assert!(
        digest_mail.body.contains("대전 창업기업 시제품 제작 지원"),
        "{}",
        digest_mail.body
    );
    assert!(
        digest_mail.body.contains("대전 특구 공용장비 바우처"),
        "{}",
        digest_mail.body
    );
    assert!(
        digest_mail.body.contains("/unsubscribe?token="),
        "{}",
        digest_mail.body
    );
    let (_, again) = app
        .call("admin", Method::POST, "/jobs/digest/run", None)
        .await;
    assert!(
        again["outcome"]
            .as_str()
            .unwrap()
            .contains("0 digests queued"),
        "{again}"
    );
    let (_, _) = app
        .call("admin", Method::POST, "/jobs/mail/run", None)
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let reminders = app
        .mail
        .to(EMAIL)
        .iter()
        .filter(|m| m.body.contains("대전 특구 공용장비 바우처"))
        .count();
    assert_eq!(reminders, 1, "the D-1 reminder is mailed once");
    let (_, inbox) = app.as_session(&founder, Method::GET, "/inbox", None).await;
    assert!(
        inbox["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| !n["mailed_at"].is_null())
    );

    // Unsubscribing by the digest's link stops that kind; an unknown kind is refused.
    let unsubscribe = digest_mail.link("kind=call_fits").unwrap();
    let secret = token_of(&unsubscribe);
    let (status, _) = app
        .call(
            "anonymous",
            Method::POST,
            "/unsubscribe",
            Some(&json!({"token": secret, "kind": "spam"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, stopped) = app
        .call(
            "anonymous",
            Method::POST,
            "/unsubscribe",
            Some(&json!({"token": secret, "kind": "call_fits"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{stopped}");
    let (_, preferences) = app
        .as_session(&founder, Method::GET, "/account/mail", None)
        .await;
    assert_eq!(preferences["mail"]["call_fits"], false);
    assert_eq!(preferences["mail"]["call_closing"], true);
    let (status, _) = app
        .as_session(
            &founder,
            Method::PUT,
            "/account/mail",
            Some(&json!({"mail": {"weather": true}})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, preferences) = app
        .as_session(
            &founder,
            Method::PUT,
            "/account/mail",
            Some(&json!({"mail": {"call_fits": true}})),
        )
        .await;
    assert_eq!(preferences["mail"]["call_fits"], true);

    // Reading notices.
    let first_id = inbox["items"][0]["id"].as_i64().unwrap();
    let (_, marked) = app
        .as_session(
            &founder,
            Method::POST,
            "/inbox/read",
            Some(&json!({"id": first_id})),
        )
        .await;
    assert_eq!(marked["marked"], 1);
    let (status, _) = app
        .as_session(
            &founder,
            Method::POST,
            "/inbox/read",
            Some(&json!({"id": 999_999})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Password change: the current one is asked for; other sessions end, this one stays.
    let other = app.log_in(EMAIL, PASSWORD).await.unwrap();
    let changed = "바다 건너 부는 바람 소리";
    let (status, _) = app
        .as_session(
            &founder,
            Method::PUT,
            "/account/password",
            Some(&json!({"current_password": "wrong", "password": changed})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = app
        .as_session(
            &founder,
            Method::PUT,
            "/account/password",
            Some(&json!({"current_password": PASSWORD, "password": "qwertyuiop"})),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a common password"
    );
    let (status, _) = app
        .as_session(
            &founder,
            Method::PUT,
            "/account/password",
            Some(&json!({"current_password": PASSWORD, "password": changed})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app
        .as_session(&founder, Method::GET, "/account", None)
        .await;
    assert_eq!(status, StatusCode::OK, "the session that changed it stays");
    let (status, _) = app.as_session(&other, Method::GET, "/account", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "other sessions end");
    assert!(app.log_in(EMAIL, PASSWORD).await.is_err());

    // Reset: the same answer for any address; the link works once, within its time.
    let (status, unknown) = app
        .call(
            "anonymous",
            Method::POST,
            "/password/forgot",
            Some(&json!({"email": "nobody@example.kr"})),
        )
        .await;
    let (status_known, known) = app
        .call(
            "anonymous",
            Method::POST,
            "/password/forgot",
            Some(&json!({"email": EMAIL})),
        )
        .await;
    assert_eq!((status, &unknown), (status_known, &known));
    assert_eq!(status, StatusCode::ACCEPTED);
    let mails = app.mail.wait_for(EMAIL, 4).await;
    let reset = token_of(&mails[3].link("/password/reset?token=").unwrap());
    let (status, _) = app
        .call(
            "anonymous",
            Method::POST,
            "/password/reset",
            Some(&json!({"token": reset, "password": "short"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, problem) = app
        .call(
            "anonymous",
            Method::POST,
            "/password/reset",
            Some(&json!({"token": reset, "password": "founder.kim-2026"})),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the address in it: {problem}"
    );
    let reset_to = "새벽 세 시의 고요한 도서관";
    let (status, _) = app
        .call(
            "anonymous",
            Method::POST,
            "/password/reset",
            Some(&json!({"token": reset, "password": reset_to})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app
        .call(
            "anonymous",
            Method::POST,
            "/password/reset",
            Some(&json!({"token": reset, "password": "또 다른 긴 비밀번호"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "used once");
    let (status, _) = app
        .as_session(&founder, Method::GET, "/account", None)
        .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "a reset ends every session"
    );
    let founder = app.log_in(EMAIL, reset_to).await.unwrap();

    // Sessions are listed and ended one by one.
    let second = app.log_in(EMAIL, reset_to).await.unwrap();
    let (_, account) = app
        .as_session(&founder, Method::GET, "/account", None)
        .await;
    let sessions = account["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 2, "{account}");
    assert_eq!(sessions.iter().filter(|s| s["current"] == true).count(), 1);
    for s in sessions.iter().filter(|s| s["current"] == false) {
        let (status, _) = app
            .as_session(
                &founder,
                Method::DELETE,
                &format!("/account/sessions/{}", s["id"].as_str().unwrap()),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
    }
    let (status, _) = app.as_session(&second, Method::GET, "/account", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the other session ended");
    let (status, _) = app
        .as_session(&founder, Method::GET, "/account", None)
        .await;
    assert_eq!(status, StatusCode::OK, "this one goes on");

    // Outbox and jobs: administrators only.
    let (status, outbox) = app
        .call("admin", Method::GET, "/outbox?status=sent", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{outbox}");
    assert!(outbox["total"].as_i64().unwrap() >= 4, "{outbox}");
    let (status, _) = app.call("coordinator", Method::GET, "/outbox", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, jobs) = app.call("admin", Method::GET, "/jobs", None).await;
    assert!(
        jobs["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|j| j["name"] == "digest")
    );

    // Removal: a wrong password changes nothing; the right one leaves no personal data.
    let (status, _) = app
        .as_session(
            &founder,
            Method::POST,
            "/account/remove",
            Some(&json!({"password": "wrong"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(app.log_in(EMAIL, reset_to).await.is_ok());
    let (status, removed) = app
        .as_session(
            &founder,
            Method::POST,
            "/account/remove",
            Some(&json!({"password": reset_to})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{removed}");
    assert!(app.log_in(EMAIL, reset_to).await.is_err());
    let mut dump = Vec::new();
    app.store.backup(&mut dump, &mut |_, _| {}).await.unwrap();
    let dump = String::from_utf8(dump).unwrap();
    for personal in [EMAIL, NAME, PHONE, BUSINESS, "Founder.Kim"] {
        assert!(
            !dump.contains(personal),
            "{personal} is still in the database"
        );
    }
    assert!(dump.contains("kim-startup"), "the firm record stays");
    let verification = app.store.verify_audit().await.unwrap();
    assert_eq!(verification.broken_at, None, "{verification:?}");
    assert!(verification.erased > 0);
}

/// Founders with a verified address and a profile in Daejeon, each with a fitting call to
/// hear of; their addresses.
async fn founders(app: &TestApp, count: usize) -> Vec<String> {
    let (_, privacy) = app.call("anonymous", Method::GET, "/privacy", None).await;
    let mut addresses = Vec::new();
    for n in 0..count {
        let email = format!("founder{n}@example.kr");
        let body =
            json!({"email": email, "password": PASSWORD, "consent_version": privacy["version"]});
        let (status, _) = app
            .call("anonymous", Method::POST, "/signup", Some(&body))
            .await;
        assert_eq!(status, StatusCode::ACCEPTED);
        let link = app.mail.wait_for(&email, 1).await[0]
            .link("/signup/verify?token=")
            .unwrap();
        let (status, _) = app
            .call(
                "anonymous",
                Method::POST,
                "/signup/verify",
                Some(&json!({"token": token_of(&link)})),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let session = app.log_in(&email, PASSWORD).await.unwrap();
        let firm = json!({"id": format!("founder-{n}"), "name": "기업", "stage": "early", "founded": "2025-01-01",
                          "region": "daejeon", "founder_age": 30 + n});
        let (status, made) = app
            .as_session(&session, Method::POST, "/account/profile", Some(&firm))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{made}");
        addresses.push(email);
    }
    let call = json!({"zone": "daejeon", "title": "대전 창업기업 성장 지원", "closes_at": "2026-07-20T18:00:00+09:00",
                      "rule": "firm.region == \"daejeon\""});
    let (status, _) = app
        .call("operator", Method::POST, "/calls", Some(&call))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    addresses
}

/// Two `ucz serve` processes on one PostgreSQL database, both scheduling jobs, their clocks past
/// the digest hour (so the digest is due as they start), and an administrator asking both for a
/// digest at once besides: each founder gets exactly one digest.
pub async fn two_processes_mail_one_digest_each(app: TestApp) {
    let addresses = founders(&app, 4).await;
    let env = [
        ("UCZ_SMTP_URL", app.mail.url.as_str()),
        ("UCZ_JOBS", "true"),
        ("UCZ_DIGEST_HOUR", "8"),
    ];
    let (first, _a) = super::spawn_serve(&app.url, &env).await;
    let (second, _b) = super::spawn_serve(&app.url, &env).await;
    let ask = |base: String| {
        let client = app.client.clone();
        async move {
            client
                .post(format!("http://{base}/api/v1/jobs/digest/run"))
                .bearer_auth("token-admin")
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    let (a, b) = tokio::join!(ask(first.clone()), ask(second.clone()));
    assert_eq!((a, b), (StatusCode::OK, StatusCode::OK));
    for address in &addresses {
        app.mail.wait_for(address, 2).await;
    }
    // Both schedulers have ticked by now; give a late second digest time to show.
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    for address in &addresses {
        let digests: Vec<_> = app
            .mail
            .to(address)
            .into_iter()
            .filter(|m| m.body.contains("대전 창업기업 성장 지원"))
            .collect();
        assert_eq!(digests.len(), 1, "{address}: {digests:#?}");
    }
    let (_, jobs) = app.call("admin", Method::GET, "/jobs", None).await;
    let digest = jobs["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["name"] == "digest")
        .cloned()
        .unwrap();
    // One scheduled run (claimed by one process) and the two asked for.
    assert_eq!(digest["runs"], 1, "{jobs:#}");
    assert_eq!(
        digest["next_run_at"], "2026-06-30T23:00:00Z",
        "tomorrow at 08:00 in Korea: {digest}"
    );
}
