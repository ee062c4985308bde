//! What the tests of ucz share: a fresh database for one test — a SQLite file in a temporary
//! folder, or a PostgreSQL schema of its own — removed when the test is done.
//!
//! PostgreSQL is the machine's (`postgres://postgres@127.0.0.1:5432/test`) unless
//! `UCZ_TEST_POSTGRES` names another.

#![allow(clippy::unwrap_used)]

pub mod mail_sink;

use std::sync::atomic::{AtomicU64, Ordering};

use ucz_store::Store;

/// The PostgreSQL database the tests make their schemas in.
pub fn postgres_base() -> String {
    std::env::var("UCZ_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A database of one test's own. Dropping it removes the SQLite folder or the PostgreSQL
/// schema with everything in it.
pub struct TestDatabase {
    /// The URL a store or a `ucz` process connects with.
    pub url: String,
    schema: Option<String>,
    dir: Option<tempfile::TempDir>,
}

impl TestDatabase {
    /// A SQLite file in a fresh temporary folder.
    pub fn sqlite() -> TestDatabase {
        let dir = tempfile::tempdir().unwrap();
        TestDatabase {
            url: format!("sqlite://{}", dir.path().join("ucz.db").display()),
            schema: None,
            dir: Some(dir),
        }
    }

    /// A fresh PostgreSQL schema, the search path of every connection made with `url`.
    pub async fn postgres() -> TestDatabase {
        let schema = unique_schema();
        let admin = Store::connect(&postgres_base()).await.unwrap();
        // The extensions the migrations need, made once per database before any schema: the
        // migrations of tests running at once would otherwise race to create them.
        let mut tx = admin.pool().begin().await.unwrap();
        sqlx::query("SELECT pg_advisory_xact_lock(7568237001)")
            .execute(&mut *tx)
            .await
            .unwrap();
        sqlx::query("CREATE EXTENSION IF NOT EXISTS btree_gist SCHEMA public")
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
            .execute(admin.pool())
            .await
            .unwrap();
        admin.pool().close().await;
        let base = postgres_base();
        let separator = if base.contains('?') { '&' } else { '?' };
        TestDatabase {
            url: format!("{base}{separator}options=-csearch_path%3D{schema}"),
            schema: Some(schema),
            dir: None,
        }
    }

    /// `postgres`, for a test without an async runtime (one that runs `ucz` processes).
    pub fn postgres_blocking() -> TestDatabase {
        on_own_runtime(TestDatabase::postgres())
    }

    /// A store on this database.
    pub async fn store(&self) -> Store {
        Store::connect(&self.url).await.unwrap()
    }

    /// The folder of the SQLite file, where a test may keep files beside it.
    pub fn dir(&self) -> Option<&std::path::Path> {
        self.dir.as_ref().map(|d| d.path())
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some(schema) = self.schema.take() else {
            return;
        };
        // On a thread of its own, not waited for: the test's runtime may still hold a
        // connection whose transaction is being rolled back, and waiting for the schema's locks
        // here would keep that runtime from finishing it. The lock wait is bounded; a schema
        // that could not be dropped in time is left behind.
        std::thread::spawn(move || {
            on_own_runtime(async move {
                if let Ok(admin) = Store::connect(&postgres_base()).await {
                    let _ = sqlx::query("SET lock_timeout = '10s'")
                        .execute(admin.pool())
                        .await;
                    let drop = format!("DROP SCHEMA IF EXISTS {schema} CASCADE");
                    let _ = sqlx::query(sqlx::AssertSqlSafe(drop))
                        .execute(admin.pool())
                        .await;
                    admin.pool().close().await;
                }
            })
        });
    }
}

/// A schema name no other test of any process uses.
fn unique_schema() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    use std::hash::{BuildHasher, Hasher};
    // Random per call, so that a process id reused by a later run cannot collide either.
    let random = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    format!(
        "t{}_{random:x}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

fn on_own_runtime<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

/// `python3` of a virtual environment under `dir` with `package==version` from PyPI, made once:
/// tests read ucz's outputs with other projects' parsers (Prometheus's text format, iCalendar).
/// One test makes it; another waits for it rather than installing into it at once.
pub fn python_with(dir: &std::path::Path, package: &str, version: &str) -> std::path::PathBuf {
    static MAKING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _making = MAKING.lock().unwrap_or_else(|e| e.into_inner());
    let venv = dir.join(format!("{package}-{version}"));
    if !venv.join("ready").exists() {
        let made = std::process::Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .expect("python3 runs");
        assert!(made.success(), "python3 -m venv {}", venv.display());
        let installed = std::process::Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet", "--disable-pip-version-check"])
            .arg(format!("{package}=={version}"))
            .status()
            .expect("pip runs");
        assert!(installed.success(), "pip install {package}=={version}");
        std::fs::write(venv.join("ready"), "").expect("the venv's mark");
    }
    venv.join("bin/python3")
}

/// The lines `python` prints running `script` with `input` on its standard input; a script that
/// fails (the parser refused the input) fails the test with `what` and its error.
pub fn run_python(python: &std::path::Path, script: &str, input: &str, what: &str) -> Vec<String> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(python)
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python runs");
    child
        .stdin
        .take()
        .expect("its standard input")
        .write_all(input.as_bytes())
        .expect("the input written");
    let out = child.wait_with_output().expect("its output");
    assert!(
        out.status.success(),
        "{what}: {}\n{input}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_postgres_schema_is_made_and_dropped() {
        let database = TestDatabase::postgres().await;
        let schema = database.schema.clone().unwrap();
        let store = database.store().await;
        store.migrate().await.unwrap();
        store.pool().close().await;
        drop(database);
        let admin = Store::connect(&postgres_base()).await.unwrap();
        let query = format!(
            "SELECT schema_name::text FROM information_schema.schemata WHERE schema_name = '{schema}'"
        );
        // The schema is dropped in the background, soon.
        let mut left: Option<(String,)> = Some((schema.clone(),));
        for _ in 0..100 {
            left = sqlx::query_as(sqlx::AssertSqlSafe(query.clone()))
                .fetch_optional(admin.pool())
                .await
                .unwrap();
            if left.is_none() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(left, None);
    }

    #[test]
    fn a_sqlite_folder_is_removed() {
        let database = TestDatabase::sqlite();
        let dir = database.dir().unwrap().to_path_buf();
        assert!(dir.exists());
        drop(database);
        assert!(!dir.exists());
    }
}
