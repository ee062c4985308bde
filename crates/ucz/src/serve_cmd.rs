//! `ucz serve`, `ucz migrate`, `ucz user add`, `ucz audit verify`, `ucz audit erase`: the
//! platform server and its database. Configuration: defaults, then a TOML file (`--config`), then `UCZ_`-prefixed
//! environment variables, then the command line.

use std::path::Path;

use anyhow::Context;
use serde::Deserialize;
use ucz_core::account::RoleName;
use ucz_core::firm::Firm;
use ucz_core::record::{Demo, ZonePlan};
use ucz_core::{Catalog, Clock};
use ucz_store::Store;
use ucz_web::AppState;
use ucz_web::auth::{hash_password, random_token};

use crate::input::BadInput;

/// Server settings.
#[derive(Debug, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    pub listen: String,
    pub database_url: String,
    /// Load the demo data on first start.
    pub demo: bool,
    pub demo_firms: usize,
    /// Mark session cookies `Secure` (behind TLS).
    pub secure_cookies: bool,
    /// Serve cookies without `Secure` on an address other than loopback: only where no one
    /// could read them on the way (a private test network). Refused at start otherwise.
    pub allow_insecure_cookies: bool,
    /// Seconds a client has to send a request's headers; also how long an idle kept-alive
    /// connection stays open.
    pub header_timeout_seconds: u64,
    /// Seconds the server takes at most to answer a request (408 after).
    pub request_timeout_seconds: u64,
    /// Connections open at once; more are closed as they arrive.
    pub max_connections: usize,
    /// Reverse proxies (addresses or networks, `10.0.0.0/8`) whose `X-Forwarded-For` gives the
    /// client's address; from anyone else the header is ignored.
    pub trusted_proxies: Vec<String>,
    /// On SIGTERM or Ctrl-C, seconds the requests under way have to finish.
    pub shutdown_timeout_seconds: u64,
    /// A folder for scheduled backups (`ucz-<time>.backup`); none: the server takes none.
    pub backup_dir: Option<String>,
    /// How often a scheduled backup is taken: `24h`, `6h`, `90m`.
    pub backup_every: String,
    /// Scheduled backups kept: the newest of each of this many recent days…
    pub backup_keep_daily: usize,
    /// …and of this many recent weeks.
    pub backup_keep_weekly: usize,
    /// The token `GET /metrics` asks for (`Authorization: Bearer …`); none: no metrics are
    /// served. A secret: from this file or `UCZ_METRICS_TOKEN`, never a flag.
    pub metrics_token: Option<String>,
    /// Data rows an imported spreadsheet or CSV may hold below its header row.
    pub import_max_rows: usize,
    /// Megabytes the files of all import previews awaiting confirmation may hold together.
    pub import_pending_mb: usize,
    /// The SMTP relay mail goes through: `smtp://host:25` (plain, for a relay on the same
    /// network), `smtp://user:password@host:587?tls=required` (STARTTLS), `smtps://user:password@host:465`.
    /// None: mail is held in the outbox, which administrators read at /admin/outbox. A secret
    /// when it holds a password: `UCZ_SMTP_URL` or `UCZ_SMTP_URL_FILE`.
    pub smtp_url: Option<String>,
    /// The sender of ucz's mail.
    pub mail_from: String,
    /// The address people reach this server at, which links in mail start with
    /// (`https://ucz.example.kr`); by default `http://` and the listening address.
    pub site_url: Option<String>,
    /// Run the scheduled jobs (notice scan, daily digest) in this process. Several processes
    /// may: each job's run is claimed by one.
    pub jobs: bool,
    /// The hour in Korea (0–23) the daily digest goes out.
    pub digest_hour: u8,
    /// Minutes between notice scans.
    pub notice_scan_minutes: u64,
    /// K-Startup's announcement API (its getAnnouncementInformation01 operation) to fetch on a
    /// schedule, with the key in `UCZ_KSTARTUP_KEY`; none: not fetched.
    pub kstartup_url: Option<String>,
    /// 기업마당's announcement API, with the key in `UCZ_BIZINFO_KEY`; none: not fetched.
    pub bizinfo_url: Option<String>,
    /// How often the portals are fetched (`6h`), once across every process.
    pub calls_fetch_every: String,
    /// A directory every server process shares where applicants' uploaded files are kept (by
    /// their SHA-256); none: they are kept in the database.
    pub files_dir: Option<String>,
    /// A fixed time the clock stands still at (`2026-06-15T09:00:00+09:00`), for demos and
    /// tests: today's date, ages, audit rows' times and expiries follow from it. None: the
    /// system's clock.
    pub now: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            listen: "127.0.0.1:8080".into(),
            database_url: "sqlite://ucz.db".into(),
            demo: true,
            demo_firms: 300,
            secure_cookies: false,
            allow_insecure_cookies: false,
            header_timeout_seconds: 10,
            request_timeout_seconds: 120,
            max_connections: 512,
            trusted_proxies: Vec::new(),
            shutdown_timeout_seconds: 30,
            backup_dir: None,
            backup_every: "24h".into(),
            backup_keep_daily: 7,
            backup_keep_weekly: 4,
            metrics_token: None,
            import_max_rows: ucz_web::ImportLimits::default().max_rows,
            import_pending_mb: ucz_web::ImportLimits::default().pending_bytes >> 20,
            smtp_url: None,
            mail_from: "ucz <noreply@localhost>".into(),
            site_url: None,
            jobs: true,
            digest_hour: 8,
            notice_scan_minutes: 15,
            kstartup_url: None,
            bizinfo_url: None,
            calls_fetch_every: "6h".into(),
            files_dir: None,
            now: None,
        }
    }
}

impl Settings {
    /// Defaults ← file ← environment; the command line is applied by the caller.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Settings> {
        let mut settings = match file {
            Some(path) => {
                let text = crate::input::read_text(path)?;
                toml::from_str(&text)
                    .map_err(|e| BadInput(format!("error: {}: {}", path.display(), e.message())))?
            }
            None => Settings::default(),
        };
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        if let Some(v) = var("UCZ_LISTEN") {
            settings.listen = v;
        }
        if let Some(v) = var("UCZ_DATABASE_URL") {
            settings.database_url = v;
        }
        if let Some(v) = var("UCZ_DEMO") {
            settings.demo = yes_or_no("UCZ_DEMO", &v)?;
        }
        if let Some(v) = var("UCZ_NOW") {
            settings.now = Some(v);
        }
        settings.clock()?;
        if let Some(v) = var("UCZ_SECURE_COOKIES") {
            settings.secure_cookies = yes_or_no("UCZ_SECURE_COOKIES", &v)?;
        }
        let count = |name: &str, v: String| {
            v.parse::<usize>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| BadInput(format!("error: {name}={v}: a whole number above 0")))
        };
        if let Some(v) = var("UCZ_IMPORT_MAX_ROWS") {
            settings.import_max_rows = count("UCZ_IMPORT_MAX_ROWS", v)?;
        }
        if let Some(v) = var("UCZ_IMPORT_PENDING_MB") {
            settings.import_pending_mb = count("UCZ_IMPORT_PENDING_MB", v)?;
        }
        if let Some(v) = var("UCZ_HEADER_TIMEOUT_SECONDS") {
            settings.header_timeout_seconds = count("UCZ_HEADER_TIMEOUT_SECONDS", v)? as u64;
        }
        if let Some(v) = var("UCZ_REQUEST_TIMEOUT_SECONDS") {
            settings.request_timeout_seconds = count("UCZ_REQUEST_TIMEOUT_SECONDS", v)? as u64;
        }
        if let Some(v) = var("UCZ_MAX_CONNECTIONS") {
            settings.max_connections = count("UCZ_MAX_CONNECTIONS", v)?;
        }
        if let Some(v) = var("UCZ_SHUTDOWN_TIMEOUT_SECONDS") {
            settings.shutdown_timeout_seconds = count("UCZ_SHUTDOWN_TIMEOUT_SECONDS", v)? as u64;
        }
        if let Some(v) = var("UCZ_METRICS_TOKEN") {
            settings.metrics_token = Some(v);
        }
        // Secrets may also come from files (container secrets): `UCZ_…_FILE` names the file.
        if let Some(v) = secret_file("UCZ_DATABASE_URL_FILE")? {
            settings.database_url = v;
        }
        if let Some(v) = var("UCZ_SMTP_URL") {
            settings.smtp_url = Some(v);
        }
        if let Some(v) = secret_file("UCZ_SMTP_URL_FILE")? {
            settings.smtp_url = Some(v);
        }
        if let Some(v) = var("UCZ_MAIL_FROM") {
            settings.mail_from = v;
        }
        if let Some(v) = var("UCZ_SITE_URL") {
            settings.site_url = Some(v);
        }
        if let Some(v) = var("UCZ_KSTARTUP_URL") {
            settings.kstartup_url = Some(v);
        }
        if let Some(v) = var("UCZ_BIZINFO_URL") {
            settings.bizinfo_url = Some(v);
        }
        if let Some(v) = var("UCZ_FILES_DIR") {
            settings.files_dir = Some(v);
        }
        if let Some(v) = var("UCZ_CALLS_FETCH_EVERY") {
            settings.calls_fetch_every = v;
        }
        settings.calls_fetch_seconds()?;
        if let Some(v) = var("UCZ_JOBS") {
            settings.jobs = yes_or_no("UCZ_JOBS", &v)?;
        }
        if let Some(v) = var("UCZ_DIGEST_HOUR") {
            settings.digest_hour = v.parse::<u8>().ok().filter(|h| *h < 24).ok_or_else(|| {
                BadInput(format!("error: UCZ_DIGEST_HOUR={v}: an hour from 0 to 23"))
            })?;
        }
        if let Some(v) = var("UCZ_NOTICE_SCAN_MINUTES") {
            settings.notice_scan_minutes = count("UCZ_NOTICE_SCAN_MINUTES", v)? as u64;
        }
        if let Some(v) = secret_file("UCZ_METRICS_TOKEN_FILE")? {
            settings.metrics_token = Some(v);
        }
        if let Some(v) = var("UCZ_TRUSTED_PROXIES") {
            settings.trusted_proxies = v.split(',').map(|p| p.trim().to_string()).collect();
        }
        settings.proxies()?;
        if let Some(v) = var("UCZ_DEMO_FIRMS") {
            settings.demo_firms = count("UCZ_DEMO_FIRMS", v)?;
        }
        if let Some(v) = var("UCZ_BACKUP_DIR") {
            settings.backup_dir = Some(v);
        }
        if let Some(v) = var("UCZ_BACKUP_EVERY") {
            settings.backup_every = v;
        }
        if let Some(v) = var("UCZ_BACKUP_KEEP_DAILY") {
            settings.backup_keep_daily = count("UCZ_BACKUP_KEEP_DAILY", v)?;
        }
        if let Some(v) = var("UCZ_BACKUP_KEEP_WEEKLY") {
            settings.backup_keep_weekly = count("UCZ_BACKUP_KEEP_WEEKLY", v)?;
        }
        settings.backup_schedule()?;
        if let Some(v) = var("UCZ_ALLOW_INSECURE_COOKIES") {
            settings.allow_insecure_cookies = yes_or_no("UCZ_ALLOW_INSECURE_COOKIES", &v)?;
        }
        if let Some(token) = &settings.metrics_token {
            // A guessable token would make the metrics public in all but name.
            if token.len() < 16 || token.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(BadInput(
                    "error: metrics_token (UCZ_METRICS_TOKEN, UCZ_METRICS_TOKEN_FILE or the settings file): at least 16 characters, no spaces".into(),
                )
                .into());
            }
        }
        if settings.digest_hour > 23 || settings.notice_scan_minutes == 0 {
            return Err(BadInput(
                "error: digest_hour is an hour from 0 to 23, notice_scan_minutes a whole number above 0".into(),
            )
            .into());
        }
        settings.mail()?;
        if settings.header_timeout_seconds == 0
            || settings.request_timeout_seconds == 0
            || settings.max_connections == 0
        {
            return Err(BadInput(
                "error: header_timeout_seconds, request_timeout_seconds and max_connections must be above 0".into(),
            )
            .into());
        }
        Ok(settings)
    }

    /// The scheduled backups, when a folder is set.
    pub fn backup_schedule(&self) -> Result<Option<crate::backup_cmd::Schedule>, BadInput> {
        let every = self
            .backup_every
            .parse::<jiff::SignedDuration>()
            .ok()
            .and_then(|d| std::time::Duration::try_from(d).ok())
            .filter(|d| d.as_secs() >= 1)
            .ok_or_else(|| {
                BadInput(format!(
                    "error: backup_every = \"{}\": a duration of a second or more, such as 24h, 6h or 90m",
                    self.backup_every
                ))
            })?;
        let Some(dir) = &self.backup_dir else {
            return Ok(None);
        };
        let dir = std::path::PathBuf::from(dir);
        if !dir.is_dir() {
            return Err(BadInput(format!(
                "error: backup_dir {}: not a folder (create it, writable by the server)",
                dir.display()
            )));
        }
        Ok(Some(crate::backup_cmd::Schedule {
            dir,
            every,
            keep_daily: self.backup_keep_daily,
            keep_weekly: self.backup_keep_weekly,
            clock: self.clock()?,
        }))
    }

    /// The reverse proxies the server believes.
    pub fn proxies(&self) -> Result<ucz_web::server::Proxies, BadInput> {
        let nets = self
            .trusted_proxies
            .iter()
            .map(|p| {
                p.parse()
                    .map_err(|e| BadInput(format!("error: trusted_proxies: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ucz_web::server::Proxies::new(nets))
    }

    /// The server's limits.
    pub fn limits(&self) -> ucz_web::server::Limits {
        ucz_web::server::Limits {
            header_read_timeout: std::time::Duration::from_secs(self.header_timeout_seconds),
            request_timeout: std::time::Duration::from_secs(self.request_timeout_seconds),
            max_connections: self.max_connections,
            drain_timeout: std::time::Duration::from_secs(self.shutdown_timeout_seconds),
        }
    }
}

/// A yes-or-no setting from the environment: `true`/`false`, `1`/`0`, `yes`/`no`, `on`/`off`,
/// in any case; anything else stops the start rather than being read as one or the other.
fn yes_or_no(variable: &str, value: &str) -> Result<bool, BadInput> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(BadInput(format!(
            "error: {variable}={value}: true or false (also 1/0, yes/no, on/off)"
        ))),
    }
}

/// The secret in the file an environment variable names, trimmed; none when the variable is
/// not set.
fn secret_file(variable: &str) -> anyhow::Result<Option<String>> {
    let Some(path) = std::env::var_os(variable).filter(|p| !p.is_empty()) else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(&path).map_err(|e| {
        BadInput(format!(
            "error: {variable}={}: {e}",
            Path::new(&path).display()
        ))
    })?;
    Ok(Some(text.trim().to_string()))
}

/// Refuses a database address with a password given as a flag: the command line is visible to
/// every user of the machine (`ps`) and kept in shell histories.
pub fn refuse_secret_flag(url: &str) -> anyhow::Result<()> {
    if password_of(url).is_some() {
        return Err(BadInput(
            "error: --database-url holds a password: pass it in UCZ_DATABASE_URL, UCZ_DATABASE_URL_FILE or the settings file (--config), never on the command line".into(),
        )
        .into());
    }
    Ok(())
}

/// The password of a database address, if it has one: `postgres://user:password@host/db`, or
/// `…?password=…` among its parameters.
fn password_of(url: &str) -> Option<(usize, usize)> {
    let in_authority = || {
        let rest = url.find("://")? + 3;
        let end = rest + url[rest..].find(['/', '?']).unwrap_or(url.len() - rest);
        let at = rest + url[rest..end].rfind('@')?;
        let colon = rest + url[rest..at].find(':')?;
        (colon + 1 < at).then_some((colon + 1, at))
    };
    let in_query = || {
        let query = url.find('?')? + 1;
        let start = url[query..]
            .split('&')
            .scan(query, |at, pair| {
                let here = *at;
                *at += pair.len() + 1;
                Some((here, pair))
            })
            .find(|(_, pair)| pair.starts_with("password="))
            .map(|(at, _)| at + "password=".len())?;
        let end = start + url[start..].find('&').unwrap_or(url.len() - start);
        (start < end).then_some((start, end))
    };
    in_authority().or_else(in_query)
}

/// A database address with its password masked.
fn masked(url: &str) -> String {
    match password_of(url) {
        Some((start, end)) => format!("{}****{}", &url[..start], &url[end..]),
        None => url.to_string(),
    }
}

impl Settings {
    /// Every setting, one per line as in the settings file, with its default where it differs;
    /// secrets masked.
    pub fn show(&self) -> String {
        let value = |s: &Settings| {
            let mut v = serde_json::to_value(s).unwrap_or_default();
            if let Some(map) = v.as_object_mut() {
                if let Some(url) = map.get("database_url").and_then(|u| u.as_str()) {
                    let url = masked(url);
                    map.insert("database_url".into(), url.into());
                }
                if let Some(url) = map.get("smtp_url").and_then(|u| u.as_str()) {
                    let url = masked(url);
                    map.insert("smtp_url".into(), url.into());
                }
                if map.get("metrics_token").is_some_and(|t| !t.is_null()) {
                    map.insert("metrics_token".into(), "****".into());
                }
            }
            v
        };
        let (now, default) = (value(self), value(&Settings::default()));
        let mut out = String::from(
            "# ucz serve settings: defaults, then the settings file (--config), then UCZ_* environment variables, then flags\n",
        );
        let Some(map) = now.as_object() else {
            return out;
        };
        for (key, v) in map {
            let shown = |v: &serde_json::Value| match v {
                serde_json::Value::Null => "(not set)".to_string(),
                other => other.to_string(),
            };
            let d = default.get(key).unwrap_or(&serde_json::Value::Null);
            if v.is_null() {
                // Not valid in the file: shown as a comment.
                out.push_str(&format!("# {key} = (not set)\n"));
            } else if v == d {
                out.push_str(&format!("{key} = {}\n", shown(v)));
            } else {
                out.push_str(&format!("{key} = {}  # default: {}\n", shown(v), shown(d)));
            }
        }
        out
    }

    /// Refuses settings unsafe beyond one machine unless overridden: session cookies without
    /// `Secure` where others could read them.
    pub fn check_exposure(&self) -> Result<(), BadInput> {
        let loopback = self
            .listen
            .parse::<std::net::SocketAddr>()
            .map(|a| a.ip().is_loopback())
            .unwrap_or_else(|_| self.listen.starts_with("localhost:"));
        if !loopback && !self.secure_cookies && !self.allow_insecure_cookies {
            return Err(BadInput(format!(
                "error: listening on {} without secure_cookies: session cookies would travel in clear. Serve behind TLS and set secure_cookies = true (UCZ_SECURE_COOKIES=true), or, on a private test network only, allow_insecure_cookies = true",
                self.listen
            )));
        }
        Ok(())
    }

    /// The clock: fixed at `now` when set, else the system's.
    pub fn clock(&self) -> Result<Clock, BadInput> {
        clock_at(self.now.as_deref())
    }

    /// Where mail goes and where its links point; a relay address or sender that cannot be
    /// read is refused at start.
    pub fn mail(&self) -> Result<ucz_web::mail::MailConfig, BadInput> {
        let config = ucz_web::mail::MailConfig {
            smtp_url: self.smtp_url.clone(),
            from: self.mail_from.clone(),
            site: self
                .site_url
                .clone()
                .unwrap_or_else(|| format!("http://{}", self.listen)),
        };
        if let Some(url) = &config.smtp_url {
            ucz_web::mail::SmtpRelay::new(url, &config.from)
                .map_err(|e| BadInput(format!("error: {}: {e}", masked(url))))?;
        }
        Ok(config)
    }

    /// Seconds between scheduled fetches of the portals.
    pub fn calls_fetch_seconds(&self) -> Result<i64, BadInput> {
        self.calls_fetch_every
            .parse::<jiff::SignedDuration>()
            .ok()
            .map(|d| d.as_secs())
            .filter(|s| *s >= 60)
            .ok_or_else(|| {
                BadInput(format!(
                    "error: calls_fetch_every = \"{}\": a duration of a minute or more, such as 6h or 90m",
                    self.calls_fetch_every
                ))
            })
    }

    /// When the scheduled jobs run, if this process runs them.
    pub fn schedule(&self) -> Option<ucz_service::jobs::Schedule> {
        self.jobs.then_some(ucz_service::jobs::Schedule {
            digest_hour: self.digest_hour,
            scan_minutes: self.notice_scan_minutes as i64,
        })
    }

    /// What the import may read and keep.
    pub fn import_limits(&self) -> ucz_web::ImportLimits {
        ucz_web::ImportLimits {
            max_rows: self.import_max_rows,
            pending_bytes: self.import_pending_mb.saturating_mul(1 << 20),
        }
    }
}

pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Runtime::new().context("cannot start the async runtime")
}

/// A clock fixed at `now` (RFC 3339 with its offset), or the system's.
pub(crate) fn clock_at(now: Option<&str>) -> Result<Clock, BadInput> {
    match now {
        None => Ok(Clock::system()),
        Some(text) => Clock::fixed_at(text).map_err(|e| BadInput(format!("error: now: {e}"))),
    }
}

/// The database of the settings, migrated, reading the time from the settings' clock. A
/// database a newer ucz migrated is refused: this build would not know its tables.
pub(crate) async fn open(settings: &Settings) -> anyhow::Result<Store> {
    let url = &settings.database_url;
    let store = connect(url).await?;
    refuse_newer(&store, url).await?;
    store
        .migrate()
        .await
        .with_context(|| format!("cannot migrate {url}"))?;
    let store = match &settings.files_dir {
        Some(dir) => store.with_files_dir(dir.into()),
        None => store,
    };
    Ok(store.with_clock(settings.clock()?))
}

/// Runs the server; its start-up and its requests go to the log (`crate::logging`), which the
/// caller installs.
pub fn serve(catalog: Catalog, settings: Settings) -> anyhow::Result<()> {
    settings.check_exposure()?;
    runtime()?.block_on(async {
        let store = open(&settings).await?;
        if store.user_count().await? == 0 {
            let password = random_token()?;
            store.add_user("ucz", "admin", &hash_password(&password)?, RoleName::Admin, None, None).await?;
            tracing::info!("created the first account: user \"admin\", password {password} (shown once; keep it safe)");
        }
        let clock = settings.clock()?;
        if clock.is_fixed() {
            tracing::info!("the clock stands still at {} (today {} in Korea)", clock.now(), clock.today());
        }
        let mut state = AppState::new(store, catalog, settings.secure_cookies)
            .with_clock(clock)
            .with_metrics_token(settings.metrics_token.clone());
        state.import = settings.import_limits();
        if ucz_web::sync_catalog(&state).await? {
            tracing::info!("stored the catalog in the database");
        }
        if settings.demo {
            let today = state.clock.today();
            let (zones, firms) = ucz_web::demo::load(&state, settings.demo_firms, today).await?;
            if zones > 0 {
                tracing::info!("loaded demo data: {zones} zones and {firms} synthetic firms (marked \"demo\")");
                let leases = ucz_web::demo::load_ladder(&state, today).await?;
                tracing::info!("loaded the demo space ladder of Daejeon: {leases} incubation leases, expansion space running short");
            }
            let network = ucz_service::demo::load_network(&state.services, today).await?;
            if network > 0 {
                tracing::info!("loaded the demo hub network of Daejeon: three more hubs and {network} leases of graduates who moved between them");
            }
            let resources = ucz_service::demo::load_resources(&state.services).await?;
            if resources > 0 {
                tracing::info!("loaded {resources} bookable resources of the Daejeon zone");
            }
            let evaluation = ucz_service::demo::load_evaluation(&state.services, today).await?;
            if evaluation > 0 {
                tracing::info!("loaded the zones' evaluation records (plans, targets, milestones, investment, procedure) and a year of operations: {evaluation} records");
            }
            let units = ucz_service::demo::load_housing(&state.services, today).await?;
            if units > 0 {
                tracing::info!("loaded {units} housing units of the Daejeon zone and a round taking applications");
            }
            let calls = ucz_service::demo::load_calls(&state.services, today).await?;
            if calls > 0 {
                tracing::info!("loaded {calls} example calls (examples/calls, periods moved to today)");
            }
        }
        let jobs = std::sync::Arc::new(tokio::sync::Mutex::new(()));
        if let Some(schedule) = settings.backup_schedule()? {
            tracing::info!(
                "scheduled backups every {} into {} (keeping {} daily, {} weekly)",
                settings.backup_every,
                schedule.dir.display(),
                schedule.keep_daily,
                schedule.keep_weekly
            );
            tokio::spawn(crate::backup_cmd::run_schedule(
                state.services.store.clone(),
                schedule,
                state.monitoring.clone(),
                jobs.clone(),
            ));
        }
        let listener = tokio::net::TcpListener::bind(&settings.listen)
            .await
            .map_err(|e| BadInput(format!("error: cannot listen on {}: {e}", settings.listen)))?;
        let mut mail = settings.mail()?;
        if settings.site_url.is_none() {
            mail.site = format!("http://{}", listener.local_addr()?);
        }
        let state = state.with_mail(&mail).map_err(BadInput)?;
        match &settings.smtp_url {
            Some(url) => tracing::info!("mail goes through {}; links start with {}", masked(url), mail.site),
            None => tracing::info!("no smtp_url: mail is held in the outbox (/admin/outbox)"),
        }
        ucz_web::mail::start_background(&state, settings.schedule());
        if settings.jobs {
            let fetches = crate::calls_cmd::scheduled_fetches(&settings, state.clock.today());
            for (fetch, _) in &fetches {
                tracing::info!("fetching {} every {}", fetch.source.as_str(), settings.calls_fetch_every);
            }
            if !fetches.is_empty() {
                tokio::spawn(crate::calls_cmd::run_schedule(
                    state.services.clone(),
                    fetches,
                    settings.calls_fetch_seconds()?,
                ));
            }
        }
        tracing::info!("ucz serving http://{} (database {}); SIGTERM or Ctrl-C stops", listener.local_addr()?, settings.database_url);
        ucz_web::serve_behind(listener, state, settings.limits(), settings.proxies()?).await?;
        // A scheduled backup under way is finished, within the same bound as the requests.
        let drain = settings.limits().drain_timeout;
        let finished = match jobs.try_lock() {
            Ok(_) => true,
            Err(_) => {
                tracing::info!("stopping: finishing the scheduled backup under way");
                tokio::time::timeout(drain, jobs.lock()).await.is_ok()
            }
        };
        if !finished {
            tracing::warn!("stopping: the scheduled backup under way is cut (its partial file is left)");
        }
        tracing::info!("stopped");
        Ok(())
    })
}

/// The database of the settings as it is, refused when a newer ucz migrated it (a backup reads
/// it without migrating).
pub(crate) async fn open_existing(settings: &Settings) -> anyhow::Result<Store> {
    let url = &settings.database_url;
    if let Some(path) = url.strip_prefix("sqlite://") {
        let path = path.split('?').next().unwrap_or(path);
        if !Path::new(path).exists() {
            return Err(BadInput(format!(
                "error: database {url}: no such file (is --database-url, UCZ_DATABASE_URL or the settings file's database_url right?)"
            ))
            .into());
        }
    }
    let store = connect(url).await?;
    refuse_newer(&store, url).await?;
    if store.schema().await?.applied.is_empty() {
        return Err(BadInput(format!(
            "error: database {url} holds no ucz data (never migrated): is the address right?"
        ))
        .into());
    }
    Ok(store.with_clock(settings.clock()?))
}

async fn connect(url: &str) -> anyhow::Result<Store> {
    Ok(Store::connect(url)
        .await
        .map_err(|e| BadInput(format!("error: database {url}: {e}")))?)
}

async fn refuse_newer(store: &Store, url: &str) -> anyhow::Result<()> {
    let schema = store
        .schema()
        .await
        .with_context(|| format!("cannot read the schema version of {url}"))?;
    let newer = schema.newer();
    if !newer.is_empty() {
        return Err(BadInput(format!(
            "error: database {url} has schema versions {newer:?}, newer than this ucz {} knows (up to {}): run the ucz that wrote it, or restore a backup made for this version",
            env!("CARGO_PKG_VERSION"),
            schema.latest_known().unwrap_or(0)
        ))
        .into());
    }
    Ok(())
}

/// `ucz migrate`: applies what is pending; with `check`, says what would run and runs nothing.
pub fn migrate(settings: Settings, check: bool) -> anyhow::Result<()> {
    runtime()?.block_on(async {
        let url = &settings.database_url;
        if !check {
            open(&settings).await?;
            eprintln!("migrated {url}");
            return Ok(());
        }
        let store = connect(url).await?;
        refuse_newer(&store, url).await?;
        let schema = store.schema().await?;
        let pending = schema.pending();
        if pending.is_empty() {
            println!(
                "{url}: up to date (schema version {})",
                schema.applied.last().copied().unwrap_or(0)
            );
        } else {
            println!("{url}: `ucz migrate` would apply {}:", pending.len());
            for (version, description) in pending {
                println!("  {version:04} {description}");
            }
        }
        Ok(())
    })
}

/// Refuses a SQLite database file that does not exist: a command that reads the platform's
/// database does not create an empty one by mistake.
pub fn existing_database(settings: &Settings) -> Result<(), BadInput> {
    if let Some(path) = settings.database_url.strip_prefix("sqlite://") {
        let file = path.split('?').next().unwrap_or(path);
        if !std::path::Path::new(file).exists() {
            return Err(BadInput(format!(
                "error: no database at {file} (start `ucz serve` once, or give --database-url)"
            )));
        }
    }
    Ok(())
}

pub fn add_user(
    settings: Settings,
    username: &str,
    role: &str,
    zone: Option<&str>,
    firm: Option<&str>,
) -> anyhow::Result<()> {
    let role = RoleName::parse(role);
    let valid = match role {
        Some(
            RoleName::Admin | RoleName::Coordinator | RoleName::Evaluator | RoleName::Resident,
        ) => zone.is_none() && firm.is_none(),
        Some(RoleName::Operator) => zone.is_some() && firm.is_none(),
        Some(RoleName::Firm) => firm.is_some() && zone.is_none(),
        None => false,
    };
    let (Some(role), true) = (role, valid) else {
        return Err(BadInput(
            "error: --role admin, coordinator, evaluator or resident (alone), operator with --zone ZONE, or firm with --firm FIRM".into(),
        )
        .into());
    };
    let well_formed = !username.is_empty()
        && username.len() <= 64
        && username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '@'));
    if !well_formed {
        return Err(BadInput(format!(
            "error: user name \"{username}\": 1 to 64 letters, digits, '_', '-', '.' or '@'"
        ))
        .into());
    }
    runtime()?.block_on(async {
        let store = open(&settings).await?;
        if let Some(zone) = zone {
            if store.repo::<Demo<ZonePlan>>().find(zone).await?.is_none() {
                return Err(BadInput(format!(
                    "error: --zone {zone}: no such zone in {}",
                    settings.database_url
                ))
                .into());
            }
        }
        if let Some(firm) = firm {
            if store.repo::<Demo<Firm>>().find(firm).await?.is_none() {
                return Err(BadInput(format!(
                    "error: --firm {firm}: no such firm in {}",
                    settings.database_url
                ))
                .into());
            }
        }
        let password = random_token()?;
        store
            .add_user(
                "ucz",
                username,
                &hash_password(&password)?,
                role,
                zone,
                firm,
            )
            .await
            .map_err(|e| BadInput(format!("error: {e}")))?;
        println!("user \"{username}\" ({role}) created; password {password} (shown once)");
        Ok(())
    })
}

/// Checks the chain; with `expect_head`, also that it still ends at that hash.
pub fn verify_audit(
    settings: Settings,
    expect_head: Option<&str>,
) -> anyhow::Result<std::process::ExitCode> {
    let expected = match expect_head {
        None => None,
        Some(hash) if hash.len() == 64 && hash.chars().all(|c| c.is_ascii_hexdigit()) => {
            Some(hash.to_ascii_lowercase())
        }
        Some(hash) => {
            return Err(BadInput(format!(
                "error: --expect-head {hash}: a head hash as `ucz audit verify` prints it (64 hex digits)"
            ))
            .into());
        }
    };
    runtime()?.block_on(async {
        let store = open(&settings).await?;
        let result = store.verify_audit().await?;
        if let Some(id) = result.broken_at {
            println!(
                "audit trail BROKEN at row {id} (of {}): a row was altered or removed",
                result.rows
            );
            return Ok(std::process::ExitCode::from(1));
        }
        println!("audit trail intact: {} rows", result.rows);
        println!("head: {}", result.head);
        if result.erased > 0 {
            println!("erased payloads: {}", result.erased);
        }
        let Some(expected) = expected else {
            return Ok(std::process::ExitCode::SUCCESS);
        };
        if expected == result.head {
            println!("head as expected");
            return Ok(std::process::ExitCode::SUCCESS);
        }
        match store.audit_row_with_hash(&expected).await? {
            _ if expected == ucz_store::GENESIS => println!(
                "audit trail head is NOT the expected {expected}: the trail was empty then, and rows were added"
            ),
            Some(id) => println!(
                "audit trail head is NOT the expected {expected}: that is row {id}'s hash, and rows were added after it"
            ),
            None => println!(
                "audit trail head is NOT the expected {expected}: no row has that hash — the newest rows were removed (the tail truncated), or this is another database"
            ),
        }
        Ok(std::process::ExitCode::from(1))
    })
}

/// Erases one audit row's payload (`ucz audit erase --row ID`).
pub fn erase_audit_payload(settings: Settings, row: i64) -> anyhow::Result<()> {
    runtime()?.block_on(async {
        let store = open(&settings).await?;
        let erased = store
            .erase_audit_payload("ucz", row)
            .await
            .map_err(|e| match e {
                ucz_store::StoreError::Rejected(why) => BadInput(format!("error: {why}")).into(),
                other => anyhow::Error::from(other),
            })?;
        if !erased {
            return Err(BadInput(format!("error: --row {row}: no such audit row")).into());
        }
        println!("audit row {row}: payload erased (its hash kept; the chain still verifies)");
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_in_database_addresses_are_found_and_masked() {
        assert_eq!(
            masked("postgres://ucz:s3cret@db:5432/ucz"),
            "postgres://ucz:****@db:5432/ucz"
        );
        assert_eq!(masked("postgres://ucz@db/ucz"), "postgres://ucz@db/ucz");
        assert_eq!(masked("sqlite://ucz.db"), "sqlite://ucz.db");
        assert!(refuse_secret_flag("postgres://a:b@h/d").is_err());
        assert!(refuse_secret_flag("postgres://a@h/d").is_ok());
        assert_eq!(
            masked("postgres://u@db/ucz?sslmode=require&password=pw&x=1"),
            "postgres://u@db/ucz?sslmode=require&password=****&x=1"
        );
        assert!(refuse_secret_flag("postgres://u@db/ucz?password=pw").is_err());
    }

    #[test]
    fn cookies_in_clear_are_refused_beyond_loopback_unless_allowed() {
        let at = |listen: &str, secure: bool, allow: bool| Settings {
            listen: listen.into(),
            secure_cookies: secure,
            allow_insecure_cookies: allow,
            ..Settings::default()
        };
        assert!(at("127.0.0.1:8080", false, false).check_exposure().is_ok());
        assert!(at("[::1]:8080", false, false).check_exposure().is_ok());
        assert!(at("localhost:8080", false, false).check_exposure().is_ok());
        assert!(at("0.0.0.0:8080", false, false).check_exposure().is_err());
        assert!(at("0.0.0.0:8080", true, false).check_exposure().is_ok());
        assert!(at("10.0.0.5:8080", false, true).check_exposure().is_ok());
    }
}
