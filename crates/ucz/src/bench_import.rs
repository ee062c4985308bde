//! `ucz bench import`: a large firm import through the server's own `/import` pages, as an
//! operator's browser sends it (log in, the page's form with its CSRF token, multipart upload,
//! then confirm), once from an `.xlsx` and once from a `.csv`. Prints the preview's and the
//! confirmation's time and the process's peak memory during each, and checks that every record
//! written has its audit row.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use ucz_core::Catalog;
use ucz_store::Store;
use ucz_web::AppState;
use ucz_web::auth::hash_password;

use crate::output;

const HEADER: [&str; 9] = [
    "id",
    "name",
    "founded",
    "stage",
    "founder_age",
    "employees",
    "region",
    "zone",
    "sector",
];

/// Row `i` of the generated file: a valid firm of Daejeon's zone.
fn row(prefix: &str, i: usize) -> [String; 9] {
    let stages = ["early", "growth", "scale_up"];
    [
        format!("{prefix}{i:06}"),
        format!("벤치기업 {i}"),
        format!("20{:02}-{:02}-{:02}", 15 + i % 10, 1 + i % 12, 1 + i % 28),
        stages[i % stages.len()].to_string(),
        (25 + i % 30).to_string(),
        (1 + i % 40).to_string(),
        "daejeon".into(),
        "daejeon".into(),
        ["J62", "M70", "C26"][i % 3].into(),
    ]
}

fn csv_file(prefix: &str, rows: usize) -> anyhow::Result<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(HEADER)?;
    for i in 0..rows {
        writer.write_record(row(prefix, i))?;
    }
    writer.into_inner().context("cannot write the CSV")
}

fn xlsx_file(prefix: &str, rows: usize) -> anyhow::Result<Vec<u8>> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (c, title) in HEADER.iter().enumerate() {
        sheet.write_string(0, c as u16, *title)?;
    }
    for i in 0..rows {
        for (c, value) in row(prefix, i).iter().enumerate() {
            let r = i as u32 + 1;
            match value.parse::<f64>() {
                Ok(n) if c == 4 || c == 5 => sheet.write_number(r, c as u16, n)?,
                _ => sheet.write_string(r, c as u16, value)?,
            };
        }
    }
    Ok(workbook.save_to_buffer()?)
}

/// The process's peak resident memory since the last reset, in MB (Linux), and a reset.
struct PeakMemory;

impl PeakMemory {
    fn reset() {
        let _ = std::fs::write("/proc/self/clear_refs", "5");
    }

    fn read() -> String {
        std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|status| {
                let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
                let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
                Some(format!("{:.0} MB", kb / 1024.0))
            })
            .unwrap_or_else(|| "n/a".into())
    }
}

/// A logged-in browser: the session cookie.
struct Session {
    origin: String,
    client: reqwest::Client,
    cookie: String,
}

impl Session {
    async fn page(&self, path: &str) -> anyhow::Result<String> {
        let response = self
            .client
            .get(format!("{}{path}", self.origin))
            .header(reqwest::header::COOKIE, &self.cookie)
            .send()
            .await?;
        if !response.status().is_success() {
            bail!("GET {path}: {}", response.status());
        }
        Ok(response.text().await?)
    }

    async fn post(
        &self,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> anyhow::Result<(reqwest::StatusCode, String)> {
        let response = self
            .client
            .post(format!("{}{path}", self.origin))
            .header(reqwest::header::COOKIE, &self.cookie)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body)
            .send()
            .await?;
        Ok((response.status(), response.text().await?))
    }
}

/// The value of the first `name="…" value="…"` in a page.
fn form_value(html: &str, name: &str) -> anyhow::Result<String> {
    html.split(&format!("name=\"{name}\" value=\""))
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(str::to_string)
        .with_context(|| format!("no {name} in the page"))
}

/// The text of the element with this id.
fn by_id(html: &str, id: &str) -> anyhow::Result<String> {
    html.split(&format!("id=\"{id}\">"))
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .map(str::to_string)
        .with_context(|| format!("no #{id} in the page"))
}

/// A preview awaiting confirmation.
struct Preview {
    file: &'static str,
    size: usize,
    time: Duration,
    peak: String,
    valid: String,
    bad: String,
    token: String,
    csrf: String,
}

/// Uploads a file as the page's form does and reads the preview.
async fn preview(session: &Session, file: &'static str, bytes: Vec<u8>) -> anyhow::Result<Preview> {
    let size = bytes.len();
    let form = session.page("/import").await?;
    let csrf = form_value(&form, "_csrf")?;
    let boundary = "UCZBENCHBOUNDARY";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{csrf}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"resource\"\r\n\r\nfirms\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file}\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&bytes);
    drop(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    PeakMemory::reset();
    let started = Instant::now();
    let (status, page) = session
        .post(
            "/import",
            &format!("multipart/form-data; boundary={boundary}"),
            body,
        )
        .await?;
    let time = started.elapsed();
    let peak = PeakMemory::read();
    if !status.is_success() {
        bail!("{file}: the preview answered {status}");
    }
    Ok(Preview {
        file,
        size,
        time,
        peak,
        valid: by_id(&page, "import-valid")?,
        bad: by_id(&page, "import-bad")?,
        token: page
            .split("action=\"/import/")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .context("no confirmation form in the preview")?
            .to_string(),
        csrf: form_value(&page, "_csrf")?,
    })
}

/// A confirmed import.
struct Written {
    time: Duration,
    peak: String,
    written: usize,
    audited: usize,
}

/// Confirms the preview; counts the firms written and their audit rows.
async fn confirm(
    session: &Session,
    store: &Store,
    preview: &Preview,
    prefix: &str,
) -> anyhow::Result<Written> {
    let firms_before = firm_count(store).await?;
    let last_audit = store.audit(1, 0).await?.first().map_or(0, |e| e.id);
    PeakMemory::reset();
    let started = Instant::now();
    let form = format!("_csrf={}&action=confirm", preview.csrf);
    let (status, done) = session
        .post(
            &format!("/import/{}", preview.token),
            "application/x-www-form-urlencoded",
            form.into_bytes(),
        )
        .await?;
    let time = started.elapsed();
    let peak = PeakMemory::read();
    if !status.is_success() {
        bail!("{}: the confirmation answered {status}", preview.file);
    }
    let written = firm_count(store).await? - firms_before;
    let shown = by_id(&done, "import-done")?;
    if !shown.ends_with(&format!(": {written}")) {
        bail!(
            "{}: the page says \"{shown}\", the database holds {written} new firms",
            preview.file
        );
    }
    // Every firm written has its audit row: the creations since the import began, by id.
    let mut audited = HashSet::new();
    let mut offset = 0;
    'pages: loop {
        let entries = store.audit(5_000, offset).await?;
        if entries.is_empty() {
            break;
        }
        for entry in &entries {
            if entry.id <= last_audit {
                break 'pages;
            }
            if entry.action == "create" && entry.entity_id.starts_with(prefix) {
                audited.insert(entry.entity_id.clone());
            }
        }
        offset += entries.len() as i64;
    }
    Ok(Written {
        time,
        peak,
        written: written as usize,
        audited: audited.len(),
    })
}

/// Logs in through the API's session endpoint, as the login page does.
async fn log_in(
    client: &reqwest::Client,
    origin: &str,
    name: &str,
    password: &str,
) -> anyhow::Result<Session> {
    let login = client
        .post(format!("{origin}/api/v1/session"))
        .json(&serde_json::json!({"username": name, "password": password}))
        .send()
        .await?;
    if !login.status().is_success() {
        bail!("cannot log in: {}", login.status());
    }
    let cookie = login
        .headers()
        .get(reqwest::header::SET_COOKIE)
        .and_then(|c| c.to_str().ok())
        .and_then(|c| c.split(';').next())
        .context("no session cookie")?
        .to_string();
    Ok(Session {
        origin: origin.to_string(),
        client: client.clone(),
        cookie,
    })
}

async fn firm_count(store: &Store) -> anyhow::Result<i64> {
    let firms = store.repo::<ucz_core::record::Demo<ucz_core::firm::Firm>>();
    Ok(firms.count(&[]).await?)
}

pub fn run(
    catalog: Catalog,
    database_url: Option<String>,
    rows: usize,
    clock: ucz_core::Clock,
) -> anyhow::Result<()> {
    if rows == 0 {
        return Err(crate::input::BadInput("error: --rows must be at least 1".into()).into());
    }
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let dir = tempfile::tempdir()?;
        let url = database_url
            .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("bench.db").display()));
        let store = Store::connect(&url).await?.with_clock(clock);
        store.migrate().await?;
        let mut state = AppState::new(store.clone(), catalog, false).with_clock(clock);
        state.import.max_rows = state.import.max_rows.max(rows);
        ucz_web::demo::load(&state, 300, clock.today()).await?;
        // Unique per run: the firms' ids and the accounts' names. The system's clock, not the
        // run's, which `UCZ_NOW` may hold still.
        let run = format!(
            "{}{}",
            std::process::id(),
            ucz_core::Clock::system().now().as_millisecond() % 1_000_000
        );
        // Two operators of Daejeon's zone, one per file (a preview is kept per account): both
        // previews are measured before either confirmation.
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(1_800))
            .build()?;
        let password = ucz_web::auth::random_token()?;
        let mut sessions = Vec::new();
        for file in ["xlsx", "csv"] {
            let name = format!("bench-import-{file}-{run}");
            store
                .add_user(
                    "bench",
                    &name,
                    &hash_password(&password)?,
                    ucz_core::account::RoleName::Operator,
                    Some("daejeon"),
                    None,
                )
                .await?;
            sessions.push(name);
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let origin = format!("http://{}", listener.local_addr()?);
        tokio::spawn(ucz_web::serve(listener, state));
        let xlsx_session = log_in(&client, &origin, &sessions[0], &password).await?;
        let csv_session = log_in(&client, &origin, &sessions[1], &password).await?;

        let xlsx_prefix = format!("BX{run}-");
        let csv_prefix = format!("BC{run}-");
        let xlsx = preview(&xlsx_session, "firms.xlsx", xlsx_file(&xlsx_prefix, rows)?).await?;
        let csv = preview(&csv_session, "firms.csv", csv_file(&csv_prefix, rows)?).await?;
        let runs = [
            (
                confirm(&xlsx_session, &store, &xlsx, &xlsx_prefix).await?,
                &xlsx,
            ),
            (confirm(&csv_session, &store, &csv, &csv_prefix).await?, &csv),
        ];
        let mut text = format!(
            "database: {}\nrows per file: {rows}\n",
            if url.starts_with("postgres") {
                "postgresql"
            } else {
                "sqlite"
            }
        );
        for (w, p) in &runs {
            text.push_str(&format!(
                "{}: {:.1} MB; preview {:.2} s (valid {}, errors {}), peak {}; confirm {:.2} s, {} records written, peak {}; audit rows for them: {}\n",
                p.file,
                p.size as f64 / 1048576.0,
                p.time.as_secs_f64(),
                p.valid,
                p.bad,
                p.peak,
                w.time.as_secs_f64(),
                w.written,
                w.peak,
                w.audited,
            ));
        }
        text.push_str(
            "peak: the whole process's resident memory (server, client and the generated files), reset before each step\n",
        );
        output::text(&text)?;
        for (w, p) in &runs {
            if w.written != rows || w.audited != w.written {
                bail!(
                    "{}: {} of {rows} rows written, {} of them audited",
                    p.file,
                    w.written,
                    w.audited
                );
            }
        }
        Ok(())
    })
}
