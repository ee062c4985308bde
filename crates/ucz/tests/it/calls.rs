//! `ucz calls import` on the example responses and on bad ones, and `ucz calls fetch` against a
//! local server serving fixture pages (no portal is reachable from a test): paging, retries, the
//! key from the environment and never from the command line.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::Command;
use std::sync::{Arc, Mutex};

use crate::{root, stderr, stdout, ucz};

fn database() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("calls.db").display());
    let migrated = ucz(&["migrate", "--database-url", &url]);
    assert!(migrated.status.success(), "{}", stderr(&migrated));
    (dir, url)
}

#[test]
fn import_creates_then_updates_and_tells_bad_records_by_index_and_field() {
    let (_dir, url) = database();
    let first = ucz(&[
        "calls",
        "import",
        "examples/calls/kstartup.json",
        "--source",
        "kstartup",
        "--database-url",
        &url,
    ]);
    assert!(first.status.success(), "{}", stderr(&first));
    assert_eq!(
        stdout(&first),
        "examples/calls/kstartup.json: 4 records, 4 created, 0 updated, 0 unchanged, 0 grouped with the other portal, 0 refused\n"
    );
    let again = ucz(&[
        "calls",
        "import",
        "examples/calls/kstartup.json",
        "--source",
        "kstartup",
        "--database-url",
        &url,
    ]);
    assert!(
        stdout(&again).contains("0 created, 0 updated, 4 unchanged"),
        "{}",
        stdout(&again)
    );
    let other = ucz(&[
        "calls",
        "import",
        "examples/calls/bizinfo.json",
        "--source",
        "bizinfo",
        "--database-url",
        &url,
    ]);
    assert!(
        stdout(&other).contains("3 created, 0 updated, 0 unchanged, 1 grouped"),
        "{}",
        stdout(&other)
    );

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        r#"{"data": [{"pbanc_sn": 9, "biz_pbanc_nm": "좋은 공고"}, {"pbanc_sn": 10, "biz_pbanc_nm": "없는 날", "pbanc_rcpt_end_dt": "20260230"}, {"biz_pbanc_nm": "번호 없음"}]}"#,
    )
    .unwrap();
    let bad_path = bad.display().to_string();
    let partly = ucz(&[
        "calls",
        "import",
        &bad_path,
        "--source",
        "kstartup",
        "--database-url",
        &url,
    ]);
    assert_eq!(partly.status.code(), Some(2));
    let told = stderr(&partly);
    assert!(
        told.contains("1 created") && told.contains("2 refused"),
        "{told}"
    );
    assert!(
        told.contains(&format!(
            "{bad_path}: record 1, field pbanc_rcpt_end_dt: \"20260230\" is not a date (YYYYMMDD)"
        )),
        "{told}"
    );
    assert!(
        told.contains(&format!(
            "{bad_path}: record 2, field pbanc_sn: pbanc_sn is missing or empty"
        )),
        "{told}"
    );

    // A file that is not a response at all: refused whole, nothing written.
    std::fs::write(&bad, "{\"data\": [1, 2,]}").unwrap();
    let broken = ucz(&[
        "calls",
        "import",
        &bad_path,
        "--source",
        "kstartup",
        "--database-url",
        &url,
    ]);
    assert_eq!(broken.status.code(), Some(2));
    assert!(
        stderr(&broken).contains("the file is not JSON: line 1, column"),
        "{}",
        stderr(&broken)
    );
    let wrong = ucz(&[
        "calls",
        "import",
        "examples/calls/bizinfo.json",
        "--source",
        "kstartup",
        "--database-url",
        &url,
    ]);
    assert_eq!(wrong.status.code(), Some(2));
    assert!(
        stderr(&wrong).contains("unknown envelope"),
        "{}",
        stderr(&wrong)
    );
    let source = ucz(&[
        "calls",
        "import",
        "examples/calls/bizinfo.json",
        "--source",
        "ucz",
        "--database-url",
        &url,
    ]);
    assert_eq!(source.status.code(), Some(2));
    assert!(
        stderr(&source).contains("expected kstartup or bizinfo"),
        "{}",
        stderr(&source)
    );
    // No database: not created by mistake.
    let missing = ucz(&[
        "calls",
        "import",
        "examples/calls/kstartup.json",
        "--source",
        "kstartup",
        "--database-url",
        "sqlite:///nonexistent/ucz.db",
    ]);
    assert_eq!(missing.status.code(), Some(2));
}

/// A portal on a local port: answers each request with the next of `answers` (status, body) and
/// keeps the request lines it saw.
fn portal(answers: Vec<(u16, String)>) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!(
        "http://{}/api/getAnnouncementInformation01",
        listener.local_addr().unwrap()
    );
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for (status, body) in answers {
            let Ok((stream, _)) = listener.accept() else {
                return;
            };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            // The rest of the head, up to the blank line.
            let mut header = String::new();
            while reader.read_line(&mut header).unwrap() > 2 {
                header.clear();
            }
            log.lock().unwrap().push(line.trim().to_string());
            let mut stream = stream;
            let reason = if status == 200 {
                "OK"
            } else {
                "Service Unavailable"
            };
            write!(
                stream,
                "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            )
            .unwrap();
        }
    });
    (address, seen)
}

fn page(records: &[serde_json::Value], page: u32) -> String {
    serde_json::json!({"currentCount": records.len(), "data": records, "matchCount": 3, "page": page, "perPage": 2, "totalCount": 3}).to_string()
}

#[test]
fn fetch_pages_through_a_portal_with_retries_and_the_key_from_the_environment() {
    let (_dir, url) = database();
    let example: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("examples/calls/kstartup.json")).unwrap(),
    )
    .unwrap();
    let records = example["data"].as_array().unwrap();
    let (address, seen) = portal(vec![
        (503, "{}".into()),
        (200, page(&records[0..2], 1)),
        (200, page(&records[2..3], 2)),
    ]);
    let fetched = Command::new(env!("CARGO_BIN_EXE_ucz"))
        .args([
            "calls",
            "fetch",
            "--source",
            "kstartup",
            "--url",
            &address,
            "--per-page",
            "2",
            "--rate",
            "50",
            "--since",
            "2026-06-01",
            "--database-url",
            &url,
        ])
        .current_dir(root())
        .env("UCZ_KSTARTUP_KEY", "secret-key-123")
        .output()
        .unwrap();
    let told = stderr(&fetched);
    assert!(fetched.status.success(), "{told}");
    assert!(
        told.contains("kstartup page 1: HTTP 503 Service Unavailable; trying again"),
        "{told}"
    );
    assert!(
        told.contains("kstartup page 1: 2 records, 2 created"),
        "{told}"
    );
    assert!(
        told.contains("kstartup page 2: 1 records, 1 created"),
        "{told}"
    );
    assert!(
        !told.contains("secret-key-123"),
        "the key is never printed: {told}"
    );
    let lines = seen.lock().unwrap().clone();
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(lines[1].contains("serviceKey=secret-key-123"), "{lines:?}");
    assert!(
        lines[1].contains("page=1") && lines[2].contains("page=2"),
        "{lines:?}"
    );
    assert!(
        lines[1].contains("perPage=2") && lines[1].contains("returnType=json"),
        "{lines:?}"
    );
    assert!(
        lines[1].contains("cond%5Bpbanc_rcpt_end_dt%3A%3AGTE%5D=20260601"),
        "{lines:?}"
    );

    // No key: refused before any request.
    let keyless = Command::new(env!("CARGO_BIN_EXE_ucz"))
        .args([
            "calls",
            "fetch",
            "--source",
            "bizinfo",
            "--url",
            "http://127.0.0.1:9/x",
            "--database-url",
            &url,
        ])
        .env_remove("UCZ_BIZINFO_KEY")
        .output()
        .unwrap();
    assert_eq!(keyless.status.code(), Some(2));
    assert!(
        stderr(&keyless).contains("set UCZ_BIZINFO_KEY or give --key-file"),
        "{}",
        stderr(&keyless)
    );
    // There is no flag to give a key on the command line.
    let flagged = ucz(&[
        "calls",
        "fetch",
        "--source",
        "kstartup",
        "--url",
        "http://127.0.0.1:9/x",
        "--key",
        "k",
    ]);
    assert_eq!(flagged.status.code(), Some(2));
}

/// `ucz serve` with a portal's address and key fetches it on its schedule (`calls_fetch`), as
/// the system, and says so in its jobs.
#[test]
fn a_server_fetches_the_portal_on_its_schedule() {
    let (_dir, url) = database();
    let example: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("examples/calls/kstartup.json")).unwrap(),
    )
    .unwrap();
    let records = example["data"].as_array().unwrap();
    let mut first = serde_json::from_str::<serde_json::Value>(&page(&records[0..3], 1)).unwrap();
    first["perPage"] = 100.into();
    let (address, seen) = portal(vec![(200, first.to_string())]);
    let mut server = Command::new(env!("CARGO_BIN_EXE_ucz"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--no-demo",
            "--database-url",
            &url,
        ])
        .env("UCZ_KSTARTUP_URL", &address)
        .env("UCZ_KSTARTUP_KEY", "scheduled-key-456")
        .env("UCZ_CALLS_FETCH_EVERY", "6h")
        .env("RUST_LOG", "info")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let lines = BufReader::new(server.stderr.take().unwrap()).lines();
    let log = Arc::new(Mutex::new(Vec::new()));
    let kept = log.clone();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            kept.lock().unwrap().push(line);
        }
    });
    let mut fetched = false;
    for _ in 0..200 {
        if log
            .lock()
            .unwrap()
            .iter()
            .any(|l| l.contains("calls_fetch: kstartup page 1"))
        {
            fetched = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let _ = server.kill();
    let _ = server.wait();
    let told = log.lock().unwrap().join("\n");
    assert!(fetched, "the portal was fetched: {told}");
    assert!(told.contains("3 created"), "{told}");
    assert!(
        !told.contains("scheduled-key-456"),
        "the key is never logged: {told}"
    );
    let request = seen.lock().unwrap()[0].clone();
    assert!(
        request.contains("serviceKey=scheduled-key-456"),
        "{request}"
    );
    // The run is recorded, audited as the system's.
    let verified = ucz(&["audit", "verify", "--database-url", &url]);
    assert!(verified.status.success(), "{}", stderr(&verified));
}
