//! Running ucz as a service: health, readiness and metrics as a load balancer and Prometheus read
//! them, a stop under load that loses no request under way, and migrations checked before they
//! run. The metrics are read by Prometheus's own text-format parser (`prometheus_client` from
//! PyPI, in a virtual environment under the build folder, made on the first run).

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use ucz_test_support::TestDatabase;

use crate::{stderr, stdout, ucz};

const PROMETHEUS_CLIENT: &str = "0.21.1";
const TOKEN: &str = "metrics-token-0123456789";

/// `python3` with `prometheus_client`.
fn python_with_parser() -> PathBuf {
    ucz_test_support::python_with(
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")),
        "prometheus_client",
        PROMETHEUS_CLIENT,
    )
}

/// Every sample of a metrics text, as Prometheus's parser reads it: `name{labels} value` lines,
/// labels sorted; the parser refuses a malformed text (a test failure).
fn parse_metrics(text: &str) -> Vec<String> {
    let script = r#"
import sys
from prometheus_client.parser import text_string_to_metric_families
for family in text_string_to_metric_families(sys.stdin.read()):
    for s in family.samples:
        labels = ",".join(f'{k}="{v}"' for k, v in sorted(s.labels.items()))
        print(f"{s.name}{{{labels}}} {s.value}")
"#;
    ucz_test_support::run_python(
        &python_with_parser(),
        script,
        text,
        "the parser refused the metrics",
    )
}

/// `ucz serve` on a fresh SQLite database without demo data, and the address it serves.
fn start(dir: &std::path::Path, env: &[(&str, &str)]) -> (Child, String) {
    start_on(&format!("sqlite://{}", dir.join("ucz.db").display()), env)
}

/// `ucz serve` on `url` without demo data, and the address it serves.
fn start_on(url: &str, env: &[(&str, &str)]) -> (Child, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ucz"));
    command
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            url,
            "--no-demo",
        ])
        .env_remove("RUST_LOG")
        .env_remove("UCZ_METRICS_TOKEN")
        .stderr(Stdio::piped());
    for (k, v) in env {
        command.env(k, v);
    }
    let mut server = command.spawn().unwrap();
    let mut lines = BufReader::new(server.stderr.take().unwrap()).lines();
    let address = loop {
        let line = lines.next().expect("server output").unwrap();
        if let Some(rest) = line.split("serving http://").nth(1) {
            break rest.split_whitespace().next().unwrap().to_string();
        }
    };
    // The log goes on being read, so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines.map_while(Result::ok) {});
    (server, address)
}

#[test]
fn health_readiness_and_metrics_answer_as_monitors_expect() {
    let dir = tempfile::tempdir().unwrap();
    let (mut server, address) = start(dir.path(), &[("UCZ_METRICS_TOKEN", TOKEN)]);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let client = reqwest::Client::new();
        let get = |path: &str| client.get(format!("http://{address}{path}"));

        let health = get("/healthz").send().await.unwrap();
        assert_eq!(health.status(), 200);
        assert_eq!(health.text().await.unwrap(), "ok\n");

        let ready = get("/readyz").send().await.unwrap();
        assert_eq!(ready.status(), 200);
        let ready: serde_json::Value = ready.json().await.unwrap();
        assert_eq!(ready["status"], "ready", "{ready}");
        for check in ["database", "migrations", "catalog"] {
            assert_eq!(ready["checks"][check], "ok", "{ready}");
        }

        // Not public: no token, or a wrong one, is refused.
        assert_eq!(get("/metrics").send().await.unwrap().status(), 401);
        let wrong = get("/metrics")
            .bearer_auth("metrics-token-wrong-one")
            .send();
        assert_eq!(wrong.await.unwrap().status(), 401);

        // What the metrics should count.
        assert_eq!(get("/api/v1/zones").send().await.unwrap().status(), 200);
        assert_eq!(get("/no/such/page").send().await.unwrap().status(), 404);
        let login = client
            .post(format!("http://{address}/api/v1/session"))
            .json(&serde_json::json!({"username": "admin", "password": "not the password"}))
            .send()
            .await
            .unwrap();
        assert_eq!(login.status(), 401);

        let lower = get("/metrics").header("authorization", format!("bearer {TOKEN}"));
        assert_eq!(
            lower.send().await.unwrap().status(),
            200,
            "the scheme in any case"
        );
        let metrics = get("/metrics").bearer_auth(TOKEN).send().await.unwrap();
        assert_eq!(metrics.status(), 200);
        assert_eq!(
            metrics.headers()["content-type"],
            "text/plain; version=0.0.4; charset=utf-8"
        );
        let samples = parse_metrics(&metrics.text().await.unwrap());
        for sample in [
            r#"ucz_http_requests_total{method="GET",route="/api/v1/zones",status="200"} 1.0"#,
            r#"ucz_http_requests_total{method="GET",route="unmatched",status="404"} 1.0"#,
            r#"ucz_http_requests_total{method="POST",route="/api/v1/session",status="401"} 1.0"#,
            r#"ucz_http_requests_total{method="GET",route="/healthz",status="200"} 1.0"#,
            r#"ucz_http_request_duration_seconds_count{route="/api/v1/zones"} 1.0"#,
            r#"ucz_http_request_duration_seconds_bucket{le="+Inf",route="/api/v1/zones"} 1.0"#,
            r#"ucz_login_failures_total{} 1.0"#,
            r#"ucz_db_pool_max_connections{} 4.0"#,
        ] {
            assert!(
                samples.iter().any(|s| s == sample),
                "{sample} in {samples:#?}"
            );
        }
        assert!(
            samples
                .iter()
                .any(|s| s.starts_with(r#"ucz_db_pool_connections{state="idle"} "#)),
            "{samples:#?}"
        );
    });
    server.kill().unwrap();
    server.wait().unwrap();

    // Without a token the metrics are not served at all.
    let (mut server, address) = start(dir.path(), &[]);
    runtime.block_on(async {
        let response = reqwest::get(format!("http://{address}/metrics"))
            .await
            .unwrap();
        assert_eq!(response.status(), 404);
    });
    server.kill().unwrap();
    server.wait().unwrap();
}

#[test]
fn a_token_that_could_be_guessed_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("ucz.db").display());
    let out = Command::new(env!("CARGO_BIN_EXE_ucz"))
        .args(["serve", "--listen", "127.0.0.1:0", "--database-url", &url])
        .env("UCZ_METRICS_TOKEN", "short")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("metrics_token (UCZ_METRICS_TOKEN, UCZ_METRICS_TOKEN_FILE or the settings file): at least 16 characters"),
        "{}",
        stderr(&out)
    );
}

/// SIGTERM while clients keep the server busy: every request that began before the signal is
/// answered in full, the clients then find the port closed (as a load balancer would), and the
/// server exits cleanly.
#[test]
fn sigterm_under_load_loses_no_request_under_way() {
    const CLIENTS: usize = 8;
    let dir = tempfile::tempdir().unwrap();
    let (mut server, address) = start(dir.path(), &[]);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let stopping = Arc::new(AtomicBool::new(false));
    let (answered, lost, refused, under_way) = (
        Arc::new(AtomicUsize::new(0)),
        Arc::new(AtomicUsize::new(0)),
        Arc::new(AtomicUsize::new(0)),
        Arc::new(AtomicUsize::new(0)),
    );
    let at_signal = runtime.block_on(async {
        let mut clients = Vec::new();
        for _ in 0..CLIENTS {
            // A connection per request, as a balancer spreading new requests would open.
            let client = reqwest::Client::builder()
                .pool_max_idle_per_host(0)
                .build()
                .unwrap();
            let url = format!("http://{address}/api/v1/zones?limit=50");
            let (stopping, answered, lost, refused, under_way) = (
                stopping.clone(),
                answered.clone(),
                lost.clone(),
                refused.clone(),
                under_way.clone(),
            );
            clients.push(tokio::spawn(async move {
                // After the signal no new request is begun; those under way run to their end.
                while !stopping.load(Ordering::SeqCst) {
                    under_way.fetch_add(1, Ordering::SeqCst);
                    let result = client.get(&url).send().await;
                    let outcome = match result {
                        Ok(response) if response.status() == 200 => match response.bytes().await {
                            Ok(body) if body.starts_with(b"{") => &answered,
                            _ => &lost,
                        },
                        Ok(_) => &lost,
                        // The port closed before this request's connection was made.
                        Err(e) if e.is_connect() => &refused,
                        Err(_) => &lost,
                    };
                    outcome.fetch_add(1, Ordering::SeqCst);
                    under_way.fetch_sub(1, Ordering::SeqCst);
                }
            }));
        }
        tokio::time::sleep(Duration::from_millis(1500)).await;
        stopping.store(true, Ordering::SeqCst);
        let at_signal = under_way.load(Ordering::SeqCst);
        let killed = Command::new("kill")
            .args(["-TERM", &server.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        for client in clients {
            client.await.unwrap();
        }
        at_signal
    });
    let (answered, lost) = (answered.load(Ordering::SeqCst), lost.load(Ordering::SeqCst));
    assert!(at_signal > 0, "requests were under way at the signal");
    assert!(answered > 0);
    assert_eq!(
        lost, 0,
        "requests begun before SIGTERM and not answered (of {answered} answered, {at_signal} under way at the signal)"
    );
    let status = (0..300)
        .find_map(|_| {
            std::thread::sleep(Duration::from_millis(100));
            server.try_wait().unwrap()
        })
        .expect("the server exits after SIGTERM");
    assert!(status.success(), "{status:?}");
}

#[test]
fn migrate_check_says_what_would_run_and_a_newer_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ucz.db");
    let url = format!("sqlite://{}", path.display());
    let check = ucz(&["migrate", "--check", "--database-url", &url]);
    assert!(check.status.success(), "{}", stderr(&check));
    assert!(
        stdout(&check).contains("`ucz migrate` would apply"),
        "{}",
        stdout(&check)
    );
    assert!(stdout(&check).contains("  0001 "), "{}", stdout(&check));
    let check_again = ucz(&["migrate", "--check", "--database-url", &url]);
    assert!(
        stdout(&check_again).contains("would apply"),
        "a check changes nothing: {}",
        stdout(&check_again)
    );
    let migrated = ucz(&["migrate", "--database-url", &url]);
    assert!(migrated.status.success(), "{}", stderr(&migrated));
    let current = ucz(&["migrate", "--check", "--database-url", &url]);
    assert!(
        stdout(&current).contains(": up to date (schema version "),
        "{}",
        stdout(&current)
    );

    // A later ucz applied a migration this one does not know.
    let newer = Command::new("python3")
        .args([
            "-c",
            "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute(\"INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (99990101000000, 'from a later ucz', 1, x'00', 0)\"); c.commit()",
        ])
        .arg(&path)
        .status()
        .unwrap();
    assert!(newer.success());
    for args in [
        vec!["migrate", "--check", "--database-url", &url],
        vec!["migrate", "--database-url", &url],
        vec!["serve", "--listen", "127.0.0.1:0", "--database-url", &url],
    ] {
        let out = ucz(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("newer than this ucz"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn config_show_masks_secrets_and_secrets_on_the_command_line_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, "from-a-file-0123456789\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ucz"))
        .args(["config", "show"])
        .env("UCZ_DATABASE_URL", "postgres://ucz:s3cret@db.internal/ucz")
        .env("UCZ_METRICS_TOKEN_FILE", &token_file)
        .env_remove("UCZ_METRICS_TOKEN")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let shown = stdout(&out);
    assert!(
        shown.contains(
            r#"database_url = "postgres://ucz:****@db.internal/ucz"  # default: "sqlite://ucz.db""#
        ),
        "{shown}"
    );
    assert!(shown.contains(r#"metrics_token = "****""#), "{shown}");
    assert!(shown.contains("shutdown_timeout_seconds = 30\n"), "{shown}");
    assert!(
        !shown.contains("s3cret") && !shown.contains("from-a-file"),
        "{shown}"
    );

    for (variable, value, code) in [("UCZ_SECURE_COOKIES", "yes", 0), ("UCZ_DEMO", "maybe", 2)] {
        let out = Command::new(env!("CARGO_BIN_EXE_ucz"))
            .args(["config", "show"])
            .env(variable, value)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(code),
            "{variable}={value}: {}",
            stderr(&out)
        );
        if code == 0 {
            assert!(
                stdout(&out).contains("secure_cookies = true"),
                "{}",
                stdout(&out)
            );
        } else {
            assert!(
                stderr(&out).contains("UCZ_DEMO=maybe: true or false"),
                "{}",
                stderr(&out)
            );
        }
    }

    let out = ucz(&[
        "migrate",
        "--database-url",
        "postgres://ucz:s3cret@127.0.0.1:1/ucz",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--database-url holds a password"),
        "{}",
        stderr(&out)
    );

    let out = Command::new(env!("CARGO_BIN_EXE_ucz"))
        .args(["config", "show"])
        .env("UCZ_TRUSTED_PROXIES", "10.0.0.0/8, 10.0.0.0/33")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("trusted_proxies: \"10.0.0.0/33\": a prefix from 0 to 32"),
        "{}",
        stderr(&out)
    );

    let url = format!("sqlite://{}", dir.path().join("ucz.db").display());
    let out = ucz(&["serve", "--listen", "0.0.0.0:0", "--database-url", &url]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("without secure_cookies"),
        "{}",
        stderr(&out)
    );
}

/// `ucz` against a database, its output kept.
fn ucz_on(url: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_ucz"))
        .args(args)
        .arg("--database-url")
        .arg(url)
        .env_remove("UCZ_DATABASE_URL")
        .output()
        .unwrap()
}

/// The user names in a backup's `users` table.
fn users_in(backup: &std::path::Path) -> Vec<String> {
    let text = std::fs::read_to_string(backup).unwrap();
    let mut in_users = false;
    let mut column = 0;
    let mut names = Vec::new();
    for line in text.lines() {
        let value: serde_json::Value = serde_json::from_str(line).unwrap();
        if let Some(table) = value.get("table") {
            in_users = table == "users";
            column = value["columns"]
                .as_array()
                .unwrap()
                .iter()
                .position(|c| c == "username")
                .unwrap_or(0);
        } else if in_users && value.is_array() {
            names.push(value[column].as_str().unwrap().to_string());
        }
    }
    names
}

/// Accounts are added by other processes while the backup is taken: the backup holds every one
/// acknowledged before it began, restores into a fresh database of either backend with the
/// manifest's counts and audit head, and the server reads the restored database.
fn backup_while_writing_restores(source: &str, targets: &[&str]) {
    let out = ucz_on(source, &["migrate"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let stop = Arc::new(AtomicBool::new(false));
    let acknowledged = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let writer = {
        let (stop, acknowledged, source) = (stop.clone(), acknowledged.clone(), source.to_string());
        std::thread::spawn(move || {
            let mut i = 0;
            while !stop.load(Ordering::SeqCst) {
                let name = format!("writer{i}");
                let out = ucz_on(
                    &source,
                    &["user", "add", "--role", "coordinator", "--username", &name],
                );
                assert!(out.status.success(), "{}", stderr(&out));
                acknowledged.lock().unwrap().push(name);
                i += 1;
            }
        })
    };
    while acknowledged.lock().unwrap().len() < 5 {
        std::thread::sleep(Duration::from_millis(20));
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ucz.backup");
    let before: Vec<String> = acknowledged.lock().unwrap().clone();
    let out = ucz_on(source, &["backup", "--out", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    while acknowledged.lock().unwrap().len() < before.len() + 3 {
        std::thread::sleep(Duration::from_millis(20));
    }
    stop.store(true, Ordering::SeqCst);
    writer.join().unwrap();
    let printed = stdout(&out);
    let head = printed
        .lines()
        .find_map(|l| l.strip_prefix("audit head: "))
        .unwrap()
        .to_string();
    let backed_up = users_in(&file);
    for name in &before {
        assert!(
            backed_up.contains(name),
            "{name} was acknowledged before the backup began"
        );
    }
    assert!(!file.with_extension("partial").exists());
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "a backup is its owner's alone");
    }

    for target in targets {
        let out = ucz_on(target, &["restore", file.to_str().unwrap()]);
        assert!(
            out.status.success(),
            "restore into {target}: {}",
            stderr(&out)
        );
        assert!(
            stdout(&out).contains("head as in the backup"),
            "{}",
            stdout(&out)
        );
        let verified = ucz_on(target, &["audit", "verify", "--expect-head", &head]);
        assert!(verified.status.success(), "{}", stdout(&verified));
        // The restored database is migrated and the server reads it.
        let check = ucz_on(target, &["migrate", "--check"]);
        assert!(stdout(&check).contains("up to date"), "{}", stdout(&check));
        // Every account backed up is there: adding one of them again is refused.
        let again = ucz_on(
            target,
            &[
                "user",
                "add",
                "--role",
                "coordinator",
                "--username",
                &before[0],
            ],
        );
        assert_eq!(again.status.code(), Some(2), "{}", stderr(&again));
        // A second restore into the now full database is refused and changes nothing.
        let twice = ucz_on(target, &["restore", file.to_str().unwrap()]);
        assert_eq!(twice.status.code(), Some(2));
        assert!(
            stderr(&twice).contains("is not empty"),
            "{}",
            stderr(&twice)
        );
        let verified = ucz_on(target, &["audit", "verify", "--expect-head", &head]);
        assert!(verified.status.success(), "{}", stdout(&verified));
    }
}

#[test]
fn a_backup_taken_while_writing_restores_on_sqlite_and_into_postgres() {
    let source = TestDatabase::sqlite();
    let (sqlite, postgres) = (TestDatabase::sqlite(), TestDatabase::postgres_blocking());
    backup_while_writing_restores(&source.url, &[&sqlite.url, &postgres.url]);
    // The server reads the copy in PostgreSQL.
    let (mut server, address) = start_on(&postgres.url, &[]);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let ready = reqwest::get(format!("http://{address}/readyz"))
            .await
            .unwrap();
        assert_eq!(ready.status(), 200);
        let zones = reqwest::get(format!("http://{address}/api/v1/zones"))
            .await
            .unwrap();
        assert_eq!(zones.status(), 200);
    });
    server.kill().unwrap();
    server.wait().unwrap();
    // And back: the PostgreSQL copy backed up and restored into SQLite ends at the same head.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("from-postgres.backup");
    let out = ucz_on(&postgres.url, &["backup", "--out", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let back = TestDatabase::sqlite();
    let out = ucz_on(&back.url, &["restore", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let (mut server, address) = start_on(&back.url, &[]);
    let catalog: serde_json::Value = runtime.block_on(async {
        let ready = reqwest::get(format!("http://{address}/readyz"))
            .await
            .unwrap();
        assert_eq!(ready.status(), 200);
        reqwest::get(format!("http://{address}/api/v1/catalog"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    assert!(catalog.is_object());
    server.kill().unwrap();
    server.wait().unwrap();
}

#[test]
fn a_backup_taken_while_writing_restores_on_postgres() {
    let source = TestDatabase::postgres_blocking();
    let target = TestDatabase::postgres_blocking();
    backup_while_writing_restores(&source.url, &[&target.url]);
}

#[test]
fn an_altered_cut_or_foreign_backup_is_refused_and_changes_nothing() {
    let source = TestDatabase::sqlite();
    let out = ucz_on(
        &source.url,
        &["user", "add", "--role", "admin", "--username", "kim"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("good.backup");
    let out = ucz_on(&source.url, &["backup", "--out", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let good = std::fs::read_to_string(&file).unwrap();
    let lines: Vec<&str> = good.lines().collect();
    let write = |name: &str, text: String| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let altered = write("altered", good.replacen("\"kim\"", "\"lee\"", 1));
    let cut = write("cut", lines[..lines.len() - 2].join("\n") + "\n");
    let foreign = write("foreign", "id,name\n1,x\n".into());
    let newer = write(
        "newer",
        good.replacen("\"format_version\":1", "\"format_version\":2", 1),
    );
    let newer_schema = write(
        "newer-schema",
        good.replacen(
            "\"schema_versions\":[",
            "\"schema_versions\":[99990101000000,",
            1,
        ),
    );
    for (path, why) in [
        (
            &newer_schema,
            "schema versions [99990101000000] are unknown to this build",
        ),
        (&altered, "the checksum does not match"),
        (&cut, "no manifest: the file was cut short"),
        (&foreign, "not a ucz backup"),
        (&newer, "format version 2 is newer than this ucz reads (1)"),
    ] {
        let target = TestDatabase::sqlite();
        let out = ucz_on(&target.url, &["restore", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{why}: {}", stderr(&out));
        assert!(stderr(&out).contains(why), "{why}: {}", stderr(&out));
        let target_file = target.url.strip_prefix("sqlite://").unwrap();
        assert!(
            !std::path::Path::new(target_file).exists(),
            "a refused restore leaves no database file behind"
        );
        // Nothing was written: the target is still empty and takes the good backup.
        let out = ucz_on(&target.url, &["restore", file.to_str().unwrap()]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
}

#[test]
fn the_server_takes_scheduled_backups_and_keeps_what_the_retention_says() {
    let dir = tempfile::tempdir().unwrap();
    let backups = dir.path().join("backups");
    std::fs::create_dir(&backups).unwrap();
    let url = format!("sqlite://{}", dir.path().join("ucz.db").display());
    let mut server = Command::new(env!("CARGO_BIN_EXE_ucz"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--no-demo",
            "--database-url",
            &url,
        ])
        .env("UCZ_BACKUP_DIR", &backups)
        .env("UCZ_BACKUP_EVERY", "1s")
        .env("UCZ_BACKUP_KEEP_DAILY", "1")
        .env("UCZ_BACKUP_KEEP_WEEKLY", "1")
        .env("UCZ_METRICS_TOKEN", TOKEN)
        .env_remove("RUST_LOG")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stderr.take().unwrap()).lines();
    let mut address = String::new();
    let mut taken = 0;
    while taken < 3 {
        let line = lines.next().expect("server output").unwrap();
        if let Some(rest) = line.split("serving http://").nth(1) {
            address = rest.split_whitespace().next().unwrap().to_string();
        }
        assert!(!line.contains("scheduled backup failed"), "{line}");
        if line.contains("scheduled backup taken") {
            taken += 1;
        }
    }
    std::thread::spawn(move || for _ in lines.map_while(Result::ok) {});
    let metrics = tokio::runtime::Runtime::new().unwrap().block_on(async {
        reqwest::Client::new()
            .get(format!("http://{address}/metrics"))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    });
    server.kill().unwrap();
    server.wait().unwrap();
    let samples = parse_metrics(&metrics);
    let ok = samples
        .iter()
        .find_map(|s| s.strip_prefix(r#"ucz_jobs_total{job="backup",outcome="ok"} "#))
        .expect("backups counted");
    assert!(ok.parse::<f64>().unwrap() >= 3.0, "{ok}");
    // Every backup was taken today: one is kept.
    let files: Vec<String> = std::fs::read_dir(&backups)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".backup"))
        .collect();
    assert!(
        files.len() <= 2,
        "the retention keeps today's newest: {files:?}"
    );
    let newest = files.iter().max().unwrap();
    let target = TestDatabase::sqlite();
    let out = ucz_on(
        &target.url,
        &["restore", backups.join(newest).to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", stderr(&out));

    let out = Command::new(env!("CARGO_BIN_EXE_ucz"))
        .args(["config", "show"])
        .env("UCZ_BACKUP_DIR", &backups)
        .env("UCZ_BACKUP_EVERY", "often")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("backup_every = \"often\""),
        "{}",
        stderr(&out)
    );
}
