//! `ucz backup` and `ucz restore`: a consistent snapshot of a running server's database in ucz's
//! own portable format, and its restore into an empty database of either backend, checked against
//! its manifest and its audit head.

use std::io::{BufReader, BufWriter};
use std::path::Path;

use anyhow::Context;
use ucz_store::Store;
use ucz_store::backup::{BackupError, Manifest};

use crate::input::BadInput;
use crate::serve_cmd::{Settings, runtime};

/// Writes the backup beside `out` and renames it into place once whole: a backup cut short by a
/// failure never stands where a good one is expected.
pub fn backup(settings: Settings, out: &Path) -> anyhow::Result<()> {
    let partial = out.with_extension("partial");
    let manifest = runtime()?.block_on(async {
        let store = crate::serve_cmd::open_existing(&settings).await?;
        let file = std::fs::File::create(&partial)
            .map_err(|e| BadInput(format!("error: --out {}: {e}", out.display())))?;
        let mut writer = BufWriter::new(file);
        let started = std::time::Instant::now();
        let manifest = store
            .backup(&mut writer, &mut |table, rows| {
                eprintln!("  {table}: {rows} rows");
            })
            .await;
        let manifest = match manifest {
            Ok(m) => m,
            Err(e) => {
                let _ = std::fs::remove_file(&partial);
                return Err(anyhow::Error::from(e).context("backup failed"));
            }
        };
        writer
            .into_inner()
            .map_err(|e| e.into_error())
            .and_then(|f| f.sync_all())
            .with_context(|| format!("cannot write {}", partial.display()))?;
        eprintln!("read in {:.1} s", started.elapsed().as_secs_f64());
        anyhow::Ok(manifest)
    })?;
    std::fs::rename(&partial, out).with_context(|| format!("cannot write {}", out.display()))?;
    print_manifest("backup", out, &manifest);
    Ok(())
}

/// Restores into the settings' database, which must be empty; then checks the result: each
/// table's rows and the audit chain ending at the manifest's head.
pub fn restore(settings: Settings, file: &Path) -> anyhow::Result<()> {
    let input = std::fs::File::open(file)
        .map_err(|e| BadInput(format!("error: {}: {e}", file.display())))?;
    let mut reader = BufReader::new(input);
    runtime()?.block_on(async {
        let url = &settings.database_url;
        let store = Store::connect(url)
            .await
            .map_err(|e| BadInput(format!("error: database {url}: {e}")))?;
        let started = std::time::Instant::now();
        let manifest = store
            .restore(&mut reader, &mut |table, rows| {
                eprintln!("  {table}: {rows} rows");
            })
            .await
            .map_err(|e| match e {
                BackupError::Store(e) => {
                    anyhow::Error::from(e).context("restore failed; the target is unchanged")
                }
                other => BadInput(format!("error: {}: {other}", file.display())).into(),
            })?;
        eprintln!("restored in {:.1} s", started.elapsed().as_secs_f64());
        let verified = store.verify_audit().await?;
        if verified.broken_at.is_some() || verified.head != manifest.audit_head {
            anyhow::bail!(
                "the restored audit trail does not end at the backup's head {} (it ends at {}{})",
                manifest.audit_head,
                verified.head,
                verified
                    .broken_at
                    .map(|r| format!(", broken at row {r}"))
                    .unwrap_or_default()
            );
        }
        print_manifest("restored", file, &manifest);
        println!(
            "audit trail intact: {} rows, head as in the backup",
            verified.rows
        );
        Ok(())
    })
}

fn print_manifest(what: &str, path: &Path, manifest: &Manifest) {
    let rows: u64 = manifest.tables.iter().map(|t| t.rows).sum();
    println!(
        "{what} {}: ucz {}, {} database, schema version {}, {} tables, {rows} rows, taken {}",
        path.display(),
        manifest.ucz_version,
        manifest.backend,
        manifest.schema_versions.last().copied().unwrap_or(0),
        manifest.tables.len(),
        manifest.taken_at
    );
    println!("audit head: {}", manifest.audit_head);
    println!("sha256: {}", manifest.sha256);
}
