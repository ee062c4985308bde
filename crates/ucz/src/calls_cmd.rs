//! `ucz calls import` (a portal's response from a file) and `ucz calls fetch` (a live portal,
//! page by page, for deployments): both go through the same import use case as the upload page.

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use ucz_core::Catalog;
use ucz_core::account::{RoleName, User, UserId};
use ucz_core::call::CallSource;
use ucz_core::date::Date;
use ucz_service::calls::{self, ImportReport};
use ucz_service::{Caller, Role, Services};

use crate::input::{BadInput, read_text_within};
use crate::serve_cmd::{Settings, open_existing, runtime};

/// The command line acts as an administrator of the database it was given.
fn local_admin() -> Caller {
    Caller::User {
        user: User {
            id: UserId(0),
            username: "ucz-cli".into(),
            email: None,
            password_hash: String::new(),
            role: RoleName::Admin,
            zone_id: None,
            firm_id: None,
            disabled: false,
        },
        role: Role::Admin,
    }
}

pub fn parse_source(text: &str) -> Result<CallSource, String> {
    match CallSource::parse(text) {
        Some(source) if source != CallSource::Ucz => Ok(source),
        _ => Err(format!("\"{text}\": expected kstartup or bizinfo")),
    }
}

fn summary(name: &str, report: &ImportReport) -> String {
    let w = &report.written;
    let mut text = format!(
        "{name}: {} records, {} created, {} updated, {} unchanged, {} grouped with the other portal, {} refused\n",
        report.records,
        w.created,
        w.updated,
        w.unchanged,
        w.grouped,
        report.errors.len()
    );
    for e in &report.errors {
        match &e.field {
            Some(field) => text.push_str(&format!(
                "  {name}: record {}, field {field}: {}\n",
                e.index, e.message
            )),
            None => text.push_str(&format!("  {name}: record {}: {}\n", e.index, e.message)),
        }
    }
    text
}

/// Imports one response file. Records that cannot be read are told with their index and field
/// and the rest imported; the exit code is then 2, as for any bad input.
pub fn import(
    catalog: Catalog,
    settings: Settings,
    file: &Path,
    source: CallSource,
) -> anyhow::Result<ExitCode> {
    let text = read_text_within(file, ucz_service::calls::MAX_IMPORT_BYTES as u64)?;
    let name = file.display().to_string();
    runtime()?.block_on(async {
        let store = open_existing(&settings).await?;
        let services = Services::new(store, catalog);
        let report = calls::import(&services, &local_admin(), source, &text)
            .await
            .map_err(|e| BadInput(format!("error: {name}: {}", e.detail)))?;
        let out = summary(&name, &report);
        if report.errors.is_empty() {
            crate::output::text(&out)?;
            Ok(ExitCode::SUCCESS)
        } else {
            eprint!("{out}");
            Ok(ExitCode::from(2))
        }
    })
}

/// What `ucz calls fetch` asks a portal for.
pub struct Fetch {
    pub source: CallSource,
    pub url: String,
    /// Announcements closing on or after this day (K-Startup's `pbanc_rcpt_end_dt`).
    pub since: Option<ucz_core::date::Date>,
    pub per_page: u32,
    pub max_pages: u32,
    /// Requests per second, at most.
    pub rate: f64,
    pub retries: u32,
    /// The API key: read from this file, else from the environment variable.
    pub key_file: Option<std::path::PathBuf>,
    pub key_env: String,
}

fn key(fetch: &Fetch) -> Result<String, BadInput> {
    let key = match &fetch.key_file {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| BadInput(format!("error: {}: cannot read the key: {e}", path.display())))?,
        None => std::env::var(&fetch.key_env).map_err(|_| {
            BadInput(format!(
                "error: no API key: set {} or give --key-file (a key is never taken on the command line)",
                fetch.key_env
            ))
        })?,
    };
    let key = key.trim().to_string();
    if key.is_empty() {
        return Err(BadInput("error: the API key is empty".into()));
    }
    Ok(key)
}

/// The address of one page.
fn page_url(fetch: &Fetch, key: &str, page: u32) -> Result<reqwest::Url, BadInput> {
    let mut url = reqwest::Url::parse(&fetch.url)
        .map_err(|e| BadInput(format!("error: --url {}: {e}", fetch.url)))?;
    {
        let mut q = url.query_pairs_mut();
        match fetch.source {
            CallSource::Kstartup => {
                q.append_pair("serviceKey", key)
                    .append_pair("page", &page.to_string())
                    .append_pair("perPage", &fetch.per_page.to_string())
                    .append_pair("returnType", "json");
                if let Some(since) = fetch.since {
                    let day = since.to_string().replace('-', "");
                    q.append_pair("cond[pbanc_rcpt_end_dt::GTE]", &day);
                }
            }
            _ => {
                q.append_pair("crtfcKey", key)
                    .append_pair("dataType", "json")
                    .append_pair("pageUnit", &fetch.per_page.to_string())
                    .append_pair("pageIndex", &page.to_string());
            }
        }
    }
    Ok(url)
}

/// One page's body, retried on connection errors, 429 and 5xx with a doubling wait.
async fn get_page(
    client: &reqwest::Client,
    url: reqwest::Url,
    retries: u32,
    shown: &str,
) -> anyhow::Result<String> {
    let mut wait = Duration::from_millis(500);
    let mut attempt = 0;
    loop {
        attempt += 1;
        let outcome = client.get(url.clone()).send().await;
        let retry = match outcome {
            Ok(response) if response.status().is_success() => {
                return Ok(response.text().await?);
            }
            Ok(response)
                if response.status().as_u16() == 429 || response.status().is_server_error() =>
            {
                format!("{shown}: HTTP {}", response.status())
            }
            Ok(response) => {
                return Err(BadInput(format!(
                    "error: {shown}: HTTP {} (check --url and the key)",
                    response.status()
                ))
                .into());
            }
            Err(e) => format!("{shown}: {}", e.without_url()),
        };
        if attempt > retries {
            return Err(anyhow::anyhow!("{retry}; gave up after {attempt} attempts"));
        }
        eprintln!("{retry}; trying again in {:.1} s", wait.as_secs_f64());
        tokio::time::sleep(wait).await;
        wait *= 2;
    }
}

/// Pages through a portal's API and imports each page as it comes; stops at a short page, at
/// the source's total, or after `max_pages`. Each page's summary goes to `told`; the records seen
/// and refused.
pub async fn fetch_pages(
    services: &Services,
    fetch: &Fetch,
    key: &str,
    told: &(dyn Fn(&str) + Sync),
) -> anyhow::Result<(u64, usize)> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()?;
    let gap = Duration::from_secs_f64(1.0 / fetch.rate);
    let mut refused = 0;
    let mut seen = 0u64;
    for page in 1..=fetch.max_pages {
        if page > 1 {
            tokio::time::sleep(gap).await;
        }
        let url = page_url(fetch, key, page)?;
        // The key stays out of what is printed.
        let shown = format!("{} page {page}", fetch.source.as_str());
        let body = get_page(&client, url, fetch.retries, &shown).await?;
        let report = calls::import(services, &local_admin(), fetch.source, &body)
            .await
            .map_err(|e| BadInput(format!("error: {shown}: {}", e.detail)))?;
        refused += report.errors.len();
        seen += report.records as u64;
        told(&summary(&shown, &report));
        let done = report.records < fetch.per_page as usize
            || report.total.is_some_and(|total| seen >= total);
        if done {
            break;
        }
    }
    Ok((seen, refused))
}

/// The portals a server fetches on a schedule (`calls_fetch`): each with a URL and its key in
/// the environment.
pub fn scheduled_fetches(settings: &Settings, today: Date) -> Vec<(Fetch, String)> {
    [
        (
            CallSource::Kstartup,
            &settings.kstartup_url,
            "UCZ_KSTARTUP_KEY",
        ),
        (
            CallSource::Bizinfo,
            &settings.bizinfo_url,
            "UCZ_BIZINFO_KEY",
        ),
    ]
    .into_iter()
    .filter_map(|(source, url, key_env)| {
        let fetch = Fetch {
            source,
            url: url.clone()?,
            since: Some(today),
            per_page: 100,
            max_pages: 100,
            rate: 2.0,
            retries: 3,
            key_file: None,
            key_env: key_env.into(),
        };
        let key = key(&fetch).ok()?;
        Some((fetch, key))
    })
    .collect()
}

/// Fetches the portals every `every_seconds`, once across every process sharing the database
/// (the `calls_fetch` job's claim); each run recorded and audited as the system's.
pub async fn run_schedule(services: Services, fetches: Vec<(Fetch, String)>, every_seconds: i64) {
    loop {
        let (now, next) = (
            services.clock.stamp(),
            services.clock.stamp_in(every_seconds),
        );
        match services.store.claim_job("calls_fetch", &now, &next).await {
            Ok(true) => {
                let mut outcome = Vec::new();
                let mut failed = false;
                for (fetch, key) in &fetches {
                    let told = |line: &str| tracing::info!("calls_fetch: {}", line.trim_end());
                    match fetch_pages(&services, fetch, key, &told).await {
                        Ok((seen, refused)) => outcome.push(format!(
                            "{}: {seen} records, {refused} refused",
                            fetch.source.as_str()
                        )),
                        Err(error) => {
                            failed = true;
                            tracing::error!("calls_fetch: {error:#}");
                            outcome.push(format!("{}: {error:#}", fetch.source.as_str()));
                        }
                    }
                }
                if let Err(error) = services
                    .store
                    .job_done("calls_fetch", &outcome.join("; "), failed)
                    .await
                {
                    tracing::error!("calls_fetch: {error}");
                }
            }
            Ok(false) => {}
            Err(error) => tracing::error!("calls_fetch: {error}"),
        }
        tokio::time::sleep(Duration::from_secs(30)).await;
    }
}

/// `ucz calls fetch`: pages through a portal's API, stopping at a short page, at the source's
/// total, or after `max_pages`.
pub fn fetch(catalog: Catalog, settings: Settings, fetch: &Fetch) -> anyhow::Result<ExitCode> {
    let key = key(fetch)?;
    if !(1..=1000).contains(&fetch.per_page) {
        return Err(BadInput("error: --per-page must be 1 to 1000".into()).into());
    }
    if !(fetch.rate > 0.0 && fetch.rate.is_finite()) {
        return Err(BadInput("error: --rate must be above 0".into()).into());
    }
    page_url(fetch, &key, 1)?;
    runtime()?.block_on(async {
        let store = open_existing(&settings).await?;
        let services = Services::new(store, catalog);
        let (_, refused) = fetch_pages(&services, fetch, &key, &|line| eprint!("{line}")).await?;
        Ok(if refused == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(2)
        })
    })
}
