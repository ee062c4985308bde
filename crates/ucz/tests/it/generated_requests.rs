//! Generated requests against the running server: schemathesis reads `/api/openapi.json` and
//! sends requests made from every operation's schema (valid and invalid bodies, parameters and
//! ids) for a bounded time; not one may be answered with a server error. Schemathesis comes
//! from PyPI into a virtual environment under the build folder, made on the first run.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};

const SCHEMATHESIS: &str = "4.32.5";
/// The time the generated run may take, in seconds.
const MAX_TIME: &str = "60";

/// The `st` command: `UCZ_SCHEMATHESIS` when set, else a virtual environment made once.
fn schemathesis() -> PathBuf {
    if let Some(path) = std::env::var_os("UCZ_SCHEMATHESIS") {
        return PathBuf::from(path);
    }
    let venv =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("schemathesis-{SCHEMATHESIS}"));
    let st = venv.join("bin/st");
    if !st.exists() {
        let made = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .expect("python3 for the generated-request test");
        assert!(made.success(), "python3 -m venv {}", venv.display());
        let installed = Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet", "--disable-pip-version-check"])
            .arg(format!("schemathesis=={SCHEMATHESIS}"))
            .status()
            .unwrap();
        assert!(
            installed.success(),
            "pip install schemathesis=={SCHEMATHESIS}"
        );
    }
    st
}

#[test]
fn generated_requests_get_no_server_error() {
    let st = schemathesis();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("ucz.db").display());
    let mut server = Command::new(env!("CARGO_BIN_EXE_ucz"))
        .args(["serve", "--listen", "127.0.0.1:0", "--database-url", &url])
        .env("UCZ_DEMO", "true")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stderr.take().unwrap()).lines();
    let mut password = String::new();
    let address = loop {
        let line = lines.next().expect("server output").unwrap();
        if let Some(rest) = line.split("password ").nth(1) {
            password = rest.split_whitespace().next().unwrap().to_string();
        }
        if let Some(rest) = line.split("serving http://").nth(1) {
            break rest.split_whitespace().next().unwrap().to_string();
        }
    };
    // The rest of the server's log, kept for the failure message.
    let log = std::thread::spawn(move || lines.map_while(Result::ok).collect::<Vec<_>>());

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let token = runtime.block_on(async {
        let client = reqwest::Client::new();
        let login = client
            .post(format!("http://{address}/api/v1/session"))
            .json(&serde_json::json!({"username": "admin", "password": password}))
            .send()
            .await
            .unwrap();
        let cookie = login.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string();
        let session: serde_json::Value = login.json().await.unwrap();
        let made: serde_json::Value = client
            .post(format!("http://{address}/api/v1/tokens"))
            .header("cookie", cookie)
            .header("x-csrf-token", session["csrf_token"].as_str().unwrap())
            .json(&serde_json::json!({"name": "generated requests"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        made["token"].as_str().unwrap().to_string()
    });
    // Logging out with the token, or revoking it, would end the run's authentication.
    let run = Command::new(&st)
        .args(["run", &format!("http://{address}/api/openapi.json")])
        .args(["--checks", "not_a_server_error", "--max-time", MAX_TIME])
        .args(["--phases", "examples,fuzzing", "--workers", "2"])
        .args(["--suppress-health-check", "all", "--seed", "20261129"])
        .args(["--exclude-path", "/api/v1/session"])
        .args(["--exclude-path", "/api/v1/tokens/{id}"])
        .args(["-H", &format!("Authorization: Bearer {token}")])
        .env("NO_COLOR", "1")
        // Schemathesis keeps a cache in its working folder.
        .current_dir(dir.path())
        .output()
        .unwrap();
    server.kill().unwrap();
    server.wait().unwrap();
    let log = log.join().unwrap();
    let report = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{report}\n{}\nserver log:\n{}",
        String::from_utf8_lossy(&run.stderr),
        log.join("\n")
    );
    let generated = report
        .lines()
        .find(|l| l.contains(" generated,"))
        .unwrap_or_default()
        .to_string();
    println!("{generated}");
    assert!(generated.contains("passed"), "{report}");
    assert!(
        !log.iter().any(|l| l.contains("panicked")),
        "{}",
        log.join("\n")
    );
}
