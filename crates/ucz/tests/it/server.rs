//! `ucz serve` as a user starts it: a fresh SQLite database with demo data and a first admin,
//! then `ucz user add`, `ucz audit verify` and `ucz bench serve`.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use ucz_test_support::TestDatabase;

use crate::{stderr, stdout, ucz};

#[test]
fn serve_comes_up_with_demo_data_and_the_cli_manages_its_database() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("ucz.db").display());
    let mut server = Command::new(env!("CARGO_BIN_EXE_ucz"))
        .args(["serve", "--listen", "127.0.0.1:0", "--database-url", &url])
        .env("UCZ_DEMO", "true")
        .env_remove("RUST_LOG")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stderr.take().unwrap()).lines();
    let mut log = Vec::new();
    let address = loop {
        let line = lines.next().expect("server output").unwrap();
        log.push(line.clone());
        if let Some(rest) = line.split("serving http://").nth(1) {
            break rest.split_whitespace().next().unwrap().to_string();
        }
    };
    assert!(
        log.iter()
            .any(|l| l.contains("created the first account: user \"admin\", password ")),
        "{log:?}"
    );
    assert!(
        log.iter()
            .any(|l| l.contains("loaded demo data: 5 zones and 300 synthetic firms")),
        "{log:?}"
    );

    // The rest of the log, line by line, as the server writes it.
    let (sender, later) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            if sender.send(line).is_err() {
                break;
            }
        }
    });

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let zones: serde_json::Value = runtime.block_on(async {
        let response = reqwest::Client::new()
            .get(format!("http://{address}/api/v1/zones?limit=50"))
            .header("x-request-id", "serve-test-1")
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["x-request-id"], "serve-test-1");
        response.json().await.unwrap()
    });
    assert_eq!(zones["total"], 5);
    assert!(
        zones["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|z| z["demo"] == true)
    );
    // By default each request is logged with its id, method, path and status.
    let request_line = std::iter::from_fn(|| later.recv_timeout(Duration::from_secs(10)).ok())
        .find(|l| l.contains("id=serve-test-1 "))
        .expect("a log line with the request's id");
    for part in [" INFO ", "method=GET", "path=/api/v1/zones}", "status=200"] {
        assert!(request_line.contains(part), "{part}: {request_line}");
    }
    assert!(!request_line.contains("limit=50"), "{request_line}");
    server.kill().unwrap();
    server.wait().unwrap();

    let out = ucz(&[
        "user",
        "add",
        "--username",
        "ops",
        "--role",
        "operator",
        "--zone",
        "daejeon",
        "--database-url",
        &url,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("user \"ops\" (operator) created; password "));
    let out = ucz(&[
        "user",
        "add",
        "--username",
        "ops",
        "--role",
        "operator",
        "--zone",
        "daejeon",
        "--database-url",
        &url,
    ]);
    assert_eq!(out.status.code(), Some(2), "a second user of the same name");
    for (args, why) in [
        (
            vec!["--username", "x", "--role", "operator"],
            "an operator needs a zone",
        ),
        (
            vec![
                "--username",
                "x",
                "--role",
                "operator",
                "--zone",
                "atlantis",
            ],
            "an existing zone",
        ),
        (
            vec!["--username", "x", "--role", "firm", "--firm", "NOPE"],
            "an existing firm",
        ),
        (vec!["--username", "", "--role", "admin"], "a user name"),
        (
            vec![
                "--username",
                "x",
                "--role",
                "coordinator",
                "--zone",
                "daejeon",
            ],
            "no zone for a coordinator",
        ),
    ] {
        let mut all = vec!["user", "add", "--database-url", &url];
        all.extend(args);
        let out = ucz(&all);
        assert_eq!(out.status.code(), Some(2), "{why}: {}", stderr(&out));
    }

    // The demo's Daejeon: some graduates placed, others told why not.
    let out = ucz(&[
        "placement",
        "plan",
        "--region",
        "daejeon",
        "--database-url",
        &url,
        "--lang",
        "en",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with("Post-BI placement plan — Daejeon") && text.contains("\nUnplaced\n"),
        "{text}"
    );
    assert!(
        text.contains("no space") && text.contains(" m² needed)"),
        "{text}"
    );
    let out = ucz(&[
        "placement",
        "plan",
        "--region",
        "daejeon",
        "--database-url",
        &url,
        "--format",
        "json",
    ]);
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let placed = plan["proposals"].as_array().unwrap().len();
    assert!(
        placed > 0 && placed < plan["graduates"].as_u64().unwrap() as usize,
        "{plan}"
    );
    let out = ucz(&[
        "placement",
        "plan",
        "--region",
        "narnia",
        "--database-url",
        &url,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unknown region \"narnia\""));

    // The demo's Daejeon evaluated: every indicator of the catalog, the principles from its
    // diagnosis; an unknown zone and an impossible year are refused.
    let out = ucz(&[
        "evaluate",
        "--zone",
        "daejeon",
        "--year",
        "2026",
        "--database-url",
        &url,
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let card: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let catalog = ucz_core::Catalog::bundled().unwrap();
    assert_eq!(
        card["lines"].as_array().unwrap().len(),
        catalog.indicators.len()
    );
    let principles = card["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["indicator"] == "principles_met")
        .unwrap();
    assert!(principles["value"].as_f64().is_some(), "{card}");
    let out = ucz(&[
        "evaluate",
        "--zone",
        "daejeon",
        "--year",
        "2026",
        "--database-url",
        &url,
        "--lang",
        "en",
    ]);
    assert!(
        stdout(&out).starts_with("daejeon 2026: evaluation indicators"),
        "{}",
        stdout(&out)
    );
    for (zone, year, words) in [
        ("atlantis", "2026", "atlantis"),
        ("daejeon", "12026", "a year from 1990 to 2100"),
    ] {
        let out = ucz(&[
            "evaluate",
            "--zone",
            zone,
            "--year",
            year,
            "--database-url",
            &url,
        ]);
        assert_eq!(out.status.code(), Some(2));
        assert!(stderr(&out).contains(words), "{}", stderr(&out));
    }

    let out = ucz(&["audit", "verify", "--database-url", &url]);
    assert!(out.status.success(), "{}", stdout(&out));
    assert!(
        stdout(&out).starts_with("audit trail intact: "),
        "{}",
        stdout(&out)
    );
}

#[test]
fn the_placement_benchmark_prints_its_figures() {
    let out = ucz(&["bench", "placement", "--graduates", "60", "--spaces", "240"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("graduates: 60\nspaces: 240\nplaced: "),
        "{text}"
    );
    assert!(text.contains("plan time: "), "{text}");
}

#[test]
fn the_server_benchmark_prints_its_figures() {
    let out = ucz(&["bench", "serve", "--requests", "80", "--concurrency", "4"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for needle in [
        "GET /api/v1/firms/{id}/package: 80 requests",
        "PUT /api/v1/firms/{id}: 20 requests",
        "p99",
        "failed 0",
        "chain intact: true",
    ] {
        assert!(text.contains(needle), "{needle}: {text}");
    }
}

#[test]
fn the_backup_benchmark_prints_its_figures() {
    let out = ucz(&["bench", "backup", "--firms", "500", "--leases", "50"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for needle in [
        "500 firms, 50 leases; backup file ",
        "sqlite:     restore ",
        "(SQLite's VACUUM INTO: ",
        "postgresql: restore ",
    ] {
        assert!(text.contains(needle), "{needle}: {text}");
    }
    let out = ucz(&["bench", "backup", "--firms", "0", "--leases", "5"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn the_import_benchmark_prints_its_figures() {
    let out = ucz(&["bench", "import", "--rows", "120"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for needle in [
        "database: sqlite\nrows per file: 120\n",
        "firms.xlsx: ",
        "firms.csv: ",
        "(valid 120, errors 0)",
        "120 records written",
        "audit rows for them: 120\n",
    ] {
        assert!(text.contains(needle), "{needle}: {text}");
    }
}

#[test]
fn import_limits_in_the_environment_must_be_whole_numbers() {
    let out = Command::new(env!("CARGO_BIN_EXE_ucz"))
        .args(["serve", "--listen", "127.0.0.1:0", "--no-demo"])
        .env("UCZ_IMPORT_MAX_ROWS", "many")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("UCZ_IMPORT_MAX_ROWS=many: a whole number above 0"),
        "{}",
        stderr(&out)
    );
}

/// `RUST_LOG=off` silences the request log but not the start-up lines (the first account's
/// password is shown only there); a `RUST_LOG` that does not parse is bad input.
#[test]
fn the_log_follows_rust_log_but_always_shows_the_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("ucz.db").display());
    let mut server = Command::new(env!("CARGO_BIN_EXE_ucz"))
        .args(["serve", "--listen", "127.0.0.1:0", "--database-url", &url])
        .args(["--no-demo"])
        .env("RUST_LOG", "off")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stderr.take().unwrap()).lines();
    let mut log = Vec::new();
    let address = loop {
        let line = lines.next().expect("server output").unwrap();
        log.push(line.clone());
        if let Some(rest) = line.split("serving http://").nth(1) {
            break rest.split_whitespace().next().unwrap().to_string();
        }
    };
    assert!(
        log.iter()
            .any(|l| l.contains("created the first account: user \"admin\", password ")),
        "{log:?}"
    );
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let response = reqwest::Client::new()
            .get(format!("http://{address}/api/v1/zones"))
            .header("x-request-id", "silent-1")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["x-request-id"], "silent-1");
    });
    server.kill().unwrap();
    server.wait().unwrap();
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(rest.is_empty(), "{rest:?}");

    let out = Command::new(env!("CARGO_BIN_EXE_ucz"))
        .args(["serve", "--listen", "127.0.0.1:0", "--database-url", &url])
        .env("RUST_LOG", "ucz_web=loud")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("RUST_LOG=ucz_web=loud"),
        "{}",
        stderr(&out)
    );
}

/// Runs `ucz` with `--database-url URL` appended.
fn ucz_on(url: &str, args: &[&str]) -> std::process::Output {
    let mut all = args.to_vec();
    all.extend(["--database-url", url]);
    ucz(&all)
}

/// The line of `ucz audit verify` that gives the head hash.
fn head_of(out: &std::process::Output) -> String {
    stdout(out)
        .lines()
        .find_map(|l| l.strip_prefix("head: "))
        .unwrap_or_else(|| panic!("no head line: {}", stdout(out)))
        .to_string()
}

/// Accounts added by `ucz user add` run several at once all land in one intact chain; `ucz audit
/// verify` prints the row count and the head hash; removing the newest row leaves a chain that
/// verifies, but `--expect-head` with the head printed before fails; an erased payload keeps the
/// chain intact.
#[test]
fn audit_verify_prints_the_head_and_catches_a_truncated_tail() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ucz.db");
    let url = format!("sqlite://{}", path.display());
    let out = ucz_on(&url, &["migrate"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let runs: Vec<_> = (0..6)
        .map(|i| {
            Command::new(env!("CARGO_BIN_EXE_ucz"))
                .args([
                    "user",
                    "add",
                    "--role",
                    "coordinator",
                    "--database-url",
                    &url,
                ])
                .args(["--username", &format!("coordinator{i}")])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for run in runs {
        let out = run.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    }

    let out = ucz_on(&url, &["audit", "verify"]);
    assert!(out.status.success(), "{}", stdout(&out));
    assert!(
        stdout(&out).starts_with("audit trail intact: 6 rows\nhead: "),
        "{}",
        stdout(&out)
    );
    let head = head_of(&out);
    assert_eq!(head.len(), 64, "{head}");
    let out = ucz_on(&url, &["audit", "verify", "--expect-head", &head]);
    assert!(out.status.success(), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("head as expected"),
        "{}",
        stdout(&out)
    );
    let out = ucz_on(&url, &["audit", "verify", "--expect-head", "abc"]);
    assert_eq!(out.status.code(), Some(2), "a malformed hash");
    assert!(stderr(&out).contains("64 hex digits"), "{}", stderr(&out));

    // The erasure of row 2's payload is audited; the chain verifies, and the head recorded
    // before it is now a row with rows after it.
    let out = ucz_on(&url, &["audit", "erase", "--row", "2"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = ucz_on(&url, &["audit", "erase", "--row", "99"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let out = ucz_on(&url, &["audit", "verify", "--expect-head", &head]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("audit trail intact: 7 rows")
            && stdout(&out).contains("erased payloads: 1")
            && stdout(&out).contains("that is row 6's hash, and rows were added after it"),
        "{}",
        stdout(&out)
    );
    let head = head_of(&out);

    // The newest row removed: the chain alone still verifies; the recorded head does not.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = ucz_store::Store::connect(&url).await.unwrap();
        sqlx::query("DELETE FROM audit WHERE id = (SELECT MAX(id) FROM audit)")
            .execute(store.pool())
            .await
            .unwrap();
        store.pool().close().await;
    });
    let out = ucz_on(&url, &["audit", "verify"]);
    assert!(out.status.success(), "{}", stdout(&out));
    assert!(
        stdout(&out).starts_with("audit trail intact: 6 rows\n"),
        "{}",
        stdout(&out)
    );
    assert_ne!(head_of(&out), head);
    let out = ucz_on(&url, &["audit", "verify", "--expect-head", &head]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains(&format!(
            "audit trail head is NOT the expected {head}: no row has that hash — the newest rows were removed"
        )),
        "{}",
        stdout(&out)
    );
}

/// A server process, stopped when the test ends, whether it passes or fails.
struct Stopped(std::process::Child);

impl Drop for Stopped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `ucz user add` run again and again while a starting server writes its demo data into the same
/// database: every account is added, and the chain the two processes wrote verifies.
fn a_server_and_user_add_write_one_chain(url: &str) {
    let out = ucz_on(url, &["migrate"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut server = Stopped(
        Command::new(env!("CARGO_BIN_EXE_ucz"))
            .args(["serve", "--listen", "127.0.0.1:0", "--database-url", url])
            .env("UCZ_DEMO", "true")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let lines = BufReader::new(server.0.stderr.take().unwrap()).lines();
    let (serving, up) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            if line.contains("serving http://") {
                let _ = serving.send(());
            }
        }
    });
    let mut added = 0;
    while up.try_recv().is_err() {
        assert!(added < 400, "the server did not come up");
        let runs: Vec<_> = (added..added + 4)
            .map(|i| {
                Command::new(env!("CARGO_BIN_EXE_ucz"))
                    .args([
                        "user",
                        "add",
                        "--role",
                        "coordinator",
                        "--database-url",
                        url,
                    ])
                    .args(["--username", &format!("staff{i}")])
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for run in runs {
            let out = run.wait_with_output().unwrap();
            assert!(out.status.success(), "{}", stderr(&out));
        }
        added += 4;
    }
    drop(server);
    let out = ucz_on(url, &["audit", "verify"]);
    assert!(
        out.status.success() && stdout(&out).starts_with("audit trail intact: "),
        "{added} accounts added while the server wrote: {}",
        stdout(&out)
    );
}

#[test]
fn a_server_and_user_add_write_one_chain_on_sqlite() {
    a_server_and_user_add_write_one_chain(&TestDatabase::sqlite().url);
}

#[test]
fn a_server_and_user_add_write_one_chain_on_postgres() {
    let database = TestDatabase::postgres_blocking();
    a_server_and_user_add_write_one_chain(&database.url);
}

/// `UCZ_NOW` holds the server's clock still: the start-up log names the day, the audit rows carry
/// the time, and a session made then lasts as long as the clock stands. A time without its offset
/// is refused.
#[test]
fn ucz_now_fixes_the_servers_clock() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("ucz.db").display());
    let mut server = Command::new(env!("CARGO_BIN_EXE_ucz"))
        .args(["serve", "--listen", "127.0.0.1:0", "--database-url", &url])
        .args(["--no-demo"])
        .env("UCZ_NOW", "2026-06-15T09:00:00+09:00")
        .env_remove("RUST_LOG")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stderr.take().unwrap()).lines();
    let mut log = Vec::new();
    let address = loop {
        let line = lines.next().expect("server output").unwrap();
        log.push(line.clone());
        if let Some(rest) = line.split("serving http://").nth(1) {
            break rest.split_whitespace().next().unwrap().to_string();
        }
    };
    assert!(
        log.iter().any(|l| l.contains(
            "the clock stands still at 2026-06-15T00:00:00Z (today 2026-06-15 in Korea)"
        )),
        "{log:?}"
    );
    let password = log
        .iter()
        .find_map(|l| l.split("password ").nth(1))
        .and_then(|rest| rest.split_whitespace().next())
        .expect("the first account's password")
        .to_string();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let audit: serde_json::Value = runtime.block_on(async {
        let client = reqwest::Client::new();
        let login = client
            .post(format!("http://{address}/api/v1/session"))
            .json(&serde_json::json!({"username": "admin", "password": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(login.status(), 200);
        let cookie = login.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string();
        client
            .get(format!("http://{address}/api/v1/audit?limit=50"))
            .header("cookie", cookie)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    let items = audit["items"].as_array().expect("audit rows");
    assert!(!items.is_empty(), "{audit}");
    assert!(
        items.iter().all(|e| e["at"] == "2026-06-15T00:00:00Z"),
        "{audit}"
    );
    assert_eq!(audit["chain"]["broken_at"], serde_json::Value::Null);
    server.kill().unwrap();
    server.wait().unwrap();

    let out = Command::new(env!("CARGO_BIN_EXE_ucz"))
        .args(["serve", "--listen", "127.0.0.1:0", "--no-demo"])
        .env("UCZ_NOW", "2026-06-15T09:00:00")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("error: now: \"2026-06-15T09:00:00\" is not a time with its offset"),
        "{}",
        stderr(&out)
    );
}

/// Two `ucz user add` loops run side by side, so two processes append to the chain at every
/// moment: each account is one row, the chain the two wrote verifies with exactly that many rows,
/// and removing its newest rows with SQL is caught by `--expect-head` with the head printed
/// before.
fn two_processes_append_and_a_truncated_tail_is_caught(url: &str) {
    let out = ucz_on(url, &["migrate"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let per_loop = 8;
    let loops: Vec<_> = ["a", "b"]
        .into_iter()
        .map(|side| {
            let url = url.to_string();
            std::thread::spawn(move || {
                for i in 0..per_loop {
                    let name = format!("staff-{side}{i}");
                    let out = ucz_on(
                        &url,
                        &["user", "add", "--role", "coordinator", "--username", &name],
                    );
                    assert!(out.status.success(), "{name}: {}", stderr(&out));
                }
            })
        })
        .collect();
    for run in loops {
        run.join().unwrap();
    }
    let out = ucz_on(url, &["audit", "verify"]);
    assert!(out.status.success(), "{}", stdout(&out));
    assert!(
        stdout(&out).starts_with(&format!("audit trail intact: {} rows\n", 2 * per_loop)),
        "{}",
        stdout(&out)
    );
    let head = head_of(&out);

    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let store = ucz_store::Store::connect(url).await.unwrap();
        sqlx::query(
            "DELETE FROM audit WHERE id IN (SELECT id FROM audit ORDER BY id DESC LIMIT 3)",
        )
        .execute(store.pool())
        .await
        .unwrap();
        store.pool().close().await;
    });
    let out = ucz_on(url, &["audit", "verify"]);
    assert!(
        out.status.success()
            && stdout(&out)
                .starts_with(&format!("audit trail intact: {} rows\n", 2 * per_loop - 3)),
        "a truncated chain alone verifies: {}",
        stdout(&out)
    );
    let out = ucz_on(url, &["audit", "verify", "--expect-head", &head]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("no row has that hash"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn two_processes_append_and_a_truncated_tail_is_caught_on_sqlite() {
    two_processes_append_and_a_truncated_tail_is_caught(&TestDatabase::sqlite().url);
}

#[test]
fn two_processes_append_and_a_truncated_tail_is_caught_on_postgres() {
    let database = TestDatabase::postgres_blocking();
    two_processes_append_and_a_truncated_tail_is_caught(&database.url);
}
