//! `ucz bench backup`: backup and restore times of a large database on each backend, beside the
//! databases' own tools (SQLite's `VACUUM INTO`, PostgreSQL's `pg_dump` when it is installed).
//!
//! The large database is made from a real one: the demo data is backed up, its firms and leases
//! multiplied in the backup file (fresh ids, each lease on a demo space, the checksum and the
//! counts made anew), and that file restored, first into SQLite, then into a PostgreSQL schema of
//! its own; each is then backed up again.

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use sha2::{Digest, Sha256};
use ucz_core::Catalog;
use ucz_store::Store;
use ucz_web::AppState;

use crate::output;

pub fn run(
    catalog: Catalog,
    firms: usize,
    leases: usize,
    postgres: Option<String>,
    clock: ucz_core::Clock,
) -> anyhow::Result<()> {
    if firms == 0 && leases > 0 {
        return Err(crate::input::BadInput(
            "error: --leases needs --firms above 0: each lease is a firm's".into(),
        )
        .into());
    }
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let dir = tempfile::tempdir()?;
        let seed_url = format!("sqlite://{}", dir.path().join("seed.db").display());
        let seed = Store::connect(&seed_url).await?.with_clock(clock);
        seed.migrate().await?;
        let state = AppState::new(seed.clone(), catalog, false).with_clock(clock);
        ucz_web::demo::load(&state, 50, clock.today()).await?;
        ucz_web::demo::load_ladder(&state, clock.today()).await?;
        let template = dir.path().join("demo.backup");
        {
            let mut out = BufWriter::new(std::fs::File::create(&template)?);
            seed.backup(&mut out, &mut |_, _| {}).await?;
            out.flush()?;
        }
        seed.pool().close().await;
        let big = dir.path().join("big.backup");
        let started = Instant::now();
        multiply(&template, &big, firms, leases)?;
        eprintln!(
            "made a backup of {firms} firms and {leases} leases in {:.1} s ({} MB)",
            started.elapsed().as_secs_f64(),
            std::fs::metadata(&big)?.len() >> 20
        );

        let mut lines = vec![format!(
            "{firms} firms, {leases} leases; backup file {} MB",
            std::fs::metadata(&big)?.len() >> 20
        )];
        // SQLite.
        let sqlite_url = format!("sqlite://{}", dir.path().join("bench.db").display());
        let sqlite = Store::connect(&sqlite_url).await?;
        let restored = timed(|| restore(&sqlite, &big)).await?;
        let out = dir.path().join("sqlite.backup");
        let backed_up = timed(|| backup(&sqlite, &out)).await?;
        let copy = dir.path().join("vacuum-into.db");
        let vacuum = timed(|| async { Ok(sqlite.vacuum_into(&copy).await?) }).await?;
        lines.push(format!(
            "sqlite:     restore {restored:.1} s, backup {backed_up:.1} s (SQLite's VACUUM INTO: {vacuum:.1} s)"
        ));
        sqlite.pool().close().await;

        // PostgreSQL, in a schema of its own.
        let base = postgres
            .or_else(|| std::env::var("UCZ_TEST_POSTGRES").ok())
            .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/test".into());
        let schema = format!("ucz_bench_backup_{}", std::process::id());
        let admin = Store::connect(&base).await.with_context(|| format!("PostgreSQL at {base}"))?;
        admin.scratch_schema(&schema, false).await?;
        let separator = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{separator}options=-csearch_path%3D{schema}");
        let result = async {
            let postgres = Store::connect(&url).await?;
            let restored = timed(|| restore(&postgres, &big)).await?;
            let out = dir.path().join("postgres.backup");
            let backed_up = timed(|| backup(&postgres, &out)).await?;
            postgres.pool().close().await;
            let dump = dir.path().join("pg_dump.dump");
            let started = Instant::now();
            let pg_dump = std::process::Command::new("pg_dump")
                .args(["--format=custom", "--compress=0", "--schema", &schema, "--file"])
                .arg(&dump)
                .arg(base.split('?').next().unwrap_or(&base))
                .status();
            let pg_dump = match pg_dump {
                Ok(status) if status.success() => {
                    format!("pg_dump: {:.1} s", started.elapsed().as_secs_f64())
                }
                _ => "pg_dump not run: not installed or refused".into(),
            };
            anyhow::Ok(format!(
                "postgresql: restore {restored:.1} s, backup {backed_up:.1} s ({pg_dump})"
            ))
        }
        .await;
        admin.scratch_schema(&schema, true).await?;
        lines.push(result?);
        output::text(&(lines.join("\n") + "\n"))
    })
}

async fn timed<F, Fut>(f: F) -> anyhow::Result<f64>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let started = Instant::now();
    f().await?;
    Ok(started.elapsed().as_secs_f64())
}

async fn restore(store: &Store, file: &Path) -> anyhow::Result<()> {
    let mut reader = BufReader::new(std::fs::File::open(file)?);
    store.restore(&mut reader, &mut |_, _| {}).await?;
    let verified = store.verify_audit().await?;
    anyhow::ensure!(
        verified.broken_at.is_none(),
        "the restored audit trail is broken"
    );
    Ok(())
}

async fn backup(store: &Store, file: &Path) -> anyhow::Result<()> {
    let mut out = BufWriter::new(std::fs::File::create(file)?);
    store.backup(&mut out, &mut |_, _| {}).await?;
    out.flush()?;
    Ok(())
}

/// Copies a backup with `firms` more firms and `leases` more leases, made from its first firm
/// and first lease; the checksum and the manifest's counts made anew.
fn multiply(template: &Path, out: &Path, firms: usize, leases: usize) -> anyhow::Result<()> {
    let lines: Vec<String> = BufReader::new(std::fs::File::open(template)?)
        .lines()
        .collect::<Result<_, _>>()?;
    let mut out = Hashed {
        writer: BufWriter::new(std::fs::File::create(out)?),
        hash: Sha256::new(),
    };
    let mut section = Section::default();
    let mut spaces: Vec<serde_json::Value> = Vec::new();
    let mut manifest = serde_json::Value::Null;
    for line in &lines {
        let value: serde_json::Value = serde_json::from_str(line)?;
        if let Some(m) = value.get("manifest") {
            manifest = m.clone();
            continue;
        }
        if value.get("table").is_some() || value.get("counters").is_some() {
            let count = match section.table.as_str() {
                "firms" => firms,
                "leases" => leases,
                _ => 0,
            };
            for i in 0..count {
                if let Some(row) = section.extra(i, firms, &spaces) {
                    out.line(&serde_json::Value::Array(row).to_string())?;
                }
            }
            section = Section {
                table: value["table"].as_str().unwrap_or_default().to_string(),
                columns: value["columns"]
                    .as_array()
                    .map(|c| {
                        c.iter()
                            .filter_map(|c| c.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default(),
                ..Section::default()
            };
        } else if let serde_json::Value::Array(row) = &value {
            section.saw(row);
            if section.table == "spaces" {
                if let Some(id) = section.at("id") {
                    spaces.push(row[id].clone());
                }
            }
        }
        out.line(line)?;
    }
    let Some(tables) = manifest["tables"].as_array_mut() else {
        anyhow::bail!("the demo backup has no manifest");
    };
    for t in tables {
        let extra = match t["name"].as_str() {
            Some("firms") => firms,
            Some("leases") => leases,
            _ => 0,
        };
        t["rows"] = (t["rows"].as_u64().unwrap_or(0) + extra as u64).into();
    }
    let sha256: String = out
        .hash
        .finalize_reset()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    manifest["sha256"] = sha256.into();
    writeln!(
        out.writer,
        "{}",
        serde_json::json!({ "manifest": manifest })
    )?;
    out.writer.flush()?;
    Ok(())
}

/// Lines written and hashed, as a backup's checksum counts them.
struct Hashed {
    writer: BufWriter<std::fs::File>,
    hash: Sha256,
}

impl Hashed {
    fn line(&mut self, line: &str) -> std::io::Result<()> {
        self.hash.update(line.as_bytes());
        self.hash.update(b"\n");
        self.writer.write_all(line.as_bytes())?;
        self.writer.write_all(b"\n")
    }
}

/// The table being copied: its first row, the model of the extra ones, and its largest id.
#[derive(Default)]
struct Section {
    table: String,
    columns: Vec<String>,
    first: Option<Vec<serde_json::Value>>,
    largest: i64,
}

impl Section {
    fn at(&self, column: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == column)
    }

    fn saw(&mut self, row: &[serde_json::Value]) {
        let key = if self.table == "firms" { "key" } else { "id" };
        if let Some(n) = self.at(key).and_then(|k| row[k].as_i64()) {
            self.largest = self.largest.max(n);
        }
        if self.first.is_none() {
            self.first = Some(row.to_vec());
        }
    }

    /// The `i`th extra row: a firm `B0000001`… with a fresh key, or a lease with a fresh id of
    /// one of those firms on one of the demo spaces.
    fn extra(
        &self,
        i: usize,
        firms: usize,
        spaces: &[serde_json::Value],
    ) -> Option<Vec<serde_json::Value>> {
        let mut row = self.first.clone()?;
        let fresh = serde_json::Value::from(self.largest + 1 + i as i64);
        if self.table == "firms" {
            let id = format!("B{i:07}");
            if let Some(c) = self.at("key") {
                row[c] = fresh;
            }
            if let Some(c) = self.at("body") {
                let mut body: serde_json::Value = serde_json::from_str(row[c].as_str()?).ok()?;
                body["id"] = id.clone().into();
                row[c] = body.to_string().into();
            }
            row[self.at("id")?] = id.into();
        } else {
            row[self.at("id")?] = fresh;
            row[self.at("firm_id")?] = format!("B{:07}", i % firms.max(1)).into();
            if !spaces.is_empty() {
                row[self.at("space_id")?] = spaces[i % spaces.len()].clone();
            }
        }
        Some(row)
    }
}
