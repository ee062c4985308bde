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

/// A new file only its owner may read: a backup holds password hashes and personal data.
fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// Writes the backup beside `out` and renames it into place once whole: a backup cut short by a
/// failure never stands where a good one is expected.
pub fn backup(settings: Settings, out: &Path) -> anyhow::Result<()> {
    let partial = out.with_extension("partial");
    let manifest = runtime()?.block_on(async {
        let store = crate::serve_cmd::open_existing(&settings).await?;
        let file = private_file(&partial)
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
    // A SQLite file the restore creates goes again if the restore is refused.
    let created = settings
        .database_url
        .strip_prefix("sqlite://")
        .map(|p| std::path::PathBuf::from(p.split('?').next().unwrap_or(p)))
        .filter(|p| !p.exists());
    let result = restore_into(&settings, file, &mut reader);
    if let (Err(_), Some(path)) = (&result, created) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
    result
}

fn restore_into(
    settings: &Settings,
    file: &Path,
    reader: &mut BufReader<std::fs::File>,
) -> anyhow::Result<()> {
    runtime()?.block_on(async {
        let url = &settings.database_url;
        let store = Store::connect(url)
            .await
            .map_err(|e| BadInput(format!("error: database {url}: {e}")))?;
        let started = std::time::Instant::now();
        let manifest = store
            .restore(reader, &mut |table, rows| {
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

/// Backups the server takes on its own: every `every`, into `dir`, keeping the newest of each of
/// the last `keep_daily` days and `keep_weekly` ISO weeks that have one.
#[derive(Clone, Debug)]
pub struct Schedule {
    pub dir: std::path::PathBuf,
    pub every: std::time::Duration,
    pub keep_daily: usize,
    pub keep_weekly: usize,
    /// What the backups' names and times are read from (a fixed clock names them alike: the
    /// later ones get `-2`, `-3`…).
    pub clock: ucz_core::Clock,
}

/// The name of a scheduled backup taken at `at`; [`taken_at`] reads it back.
fn scheduled_name(at: jiff::Timestamp) -> String {
    format!("ucz-{}.backup", at.strftime("%Y%m%dT%H%M%SZ"))
}

/// When a scheduled backup was taken, from its name; none for any other file.
fn taken_at(name: &str) -> Option<jiff::Timestamp> {
    let stamp = name.strip_prefix("ucz-")?.strip_suffix(".backup")?;
    // A second backup of the same second: `…Z-2`.
    let stamp = match stamp.split_once("Z-") {
        Some((time, n)) if n.chars().all(|c| c.is_ascii_digit()) => &stamp[..=time.len()],
        _ => stamp,
    };
    let time = jiff::civil::DateTime::strptime("%Y%m%dT%H%M%SZ", stamp).ok()?;
    time.to_zoned(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp())
}

/// The scheduled backups to delete: all but the newest of each of the `keep_daily` most recent
/// days and of the `keep_weekly` most recent ISO weeks (UTC) that have one, and never the newest.
pub fn to_delete(
    backups: &[(String, jiff::Timestamp)],
    keep_daily: usize,
    keep_weekly: usize,
) -> Vec<String> {
    let mut newest_first: Vec<&(String, jiff::Timestamp)> = backups.iter().collect();
    newest_first.sort_by_key(|b| std::cmp::Reverse(b.1));
    let mut kept = std::collections::BTreeSet::new();
    let mut days = Vec::new();
    let mut weeks = Vec::new();
    for (name, at) in &newest_first {
        let date = at.to_zoned(jiff::tz::TimeZone::UTC).date();
        let week = date.iso_week_date();
        let week = (week.year(), week.week());
        if !days.contains(&date) {
            days.push(date);
            if days.len() <= keep_daily {
                kept.insert(name.clone());
            }
        }
        if !weeks.contains(&week) {
            weeks.push(week);
            if weeks.len() <= keep_weekly {
                kept.insert(name.clone());
            }
        }
    }
    if let Some((newest, _)) = newest_first.first() {
        kept.insert(newest.clone());
    }
    newest_first
        .iter()
        .filter(|(name, _)| !kept.contains(name))
        .map(|(name, _)| name.clone())
        .collect()
}

/// Takes one scheduled backup and applies the retention; the backup's file name.
async fn take(store: &Store, schedule: &Schedule) -> anyhow::Result<String> {
    let first = scheduled_name(schedule.clock.now());
    let mut name = first.clone();
    for n in 2.. {
        if !schedule.dir.join(&name).exists() {
            break;
        }
        name = first.replace(".backup", &format!("-{n}.backup"));
    }
    let path = schedule.dir.join(&name);
    let partial = path.with_extension("partial");
    let mut writer = BufWriter::new(
        private_file(&partial).with_context(|| format!("cannot write {}", partial.display()))?,
    );
    if let Err(e) = store.backup(&mut writer, &mut |_, _| {}).await {
        let _ = std::fs::remove_file(&partial);
        return Err(e.into());
    }
    writer
        .into_inner()
        .map_err(|e| e.into_error())
        .and_then(|f| f.sync_all())
        .with_context(|| format!("cannot write {}", partial.display()))?;
    std::fs::rename(&partial, &path).with_context(|| format!("cannot write {}", path.display()))?;
    let backups: Vec<(String, jiff::Timestamp)> = std::fs::read_dir(&schedule.dir)?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            taken_at(&name).map(|at| (name, at))
        })
        .collect();
    for old in to_delete(&backups, schedule.keep_daily, schedule.keep_weekly) {
        std::fs::remove_file(schedule.dir.join(&old))
            .with_context(|| format!("cannot remove the old backup {old}"))?;
        tracing::info!(backup = %old, "removed by the retention");
    }
    Ok(name)
}

/// Runs the schedule until the process ends: a backup every `every`, each logged and counted
/// in the metrics (`ucz_jobs_total{job="backup"}`).
pub async fn run_schedule(
    store: Store,
    schedule: Schedule,
    metrics: std::sync::Arc<ucz_web::monitoring::Monitoring>,
    running: std::sync::Arc<tokio::sync::Mutex<()>>,
) {
    // The first backup is due one interval after the newest one in the folder: a server
    // restarted more often than the interval still takes its backups.
    let newest = std::fs::read_dir(&schedule.dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter_map(|e| taken_at(&e.file_name().to_string_lossy()))
        .max();
    let since = newest
        .and_then(|at| schedule.clock.now().duration_since(at).try_into().ok())
        .unwrap_or(schedule.every);
    let first = schedule.every.saturating_sub(since);
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + first, schedule.every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        ticks.tick().await;
        // Held while the backup runs: a stopping server waits for it.
        let _running = running.lock().await;
        let started = std::time::Instant::now();
        let result = take(&store, &schedule).await;
        let now = schedule.clock.now().as_millisecond() as f64 / 1000.0;
        match result {
            Ok(name) => {
                metrics.metrics.job("backup", true, now);
                tracing::info!(backup = %name, seconds = started.elapsed().as_secs_f64(), "scheduled backup taken");
            }
            Err(e) => {
                metrics.metrics.job("backup", false, now);
                tracing::error!(error = %format!("{e:#}"), "scheduled backup failed");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> jiff::Timestamp {
        text.parse().expect("a time")
    }

    #[test]
    fn names_carry_their_time() {
        let t = at("2026-11-30T17:39:27Z");
        assert_eq!(scheduled_name(t), "ucz-20261130T173927Z.backup");
        assert_eq!(taken_at(&scheduled_name(t)), Some(t));
        assert_eq!(taken_at("ucz-20261130T173927Z-2.backup"), Some(t));
        assert_eq!(taken_at("ucz-notes.backup"), None);
        assert_eq!(taken_at("other.backup"), None);
    }

    #[test]
    fn retention_keeps_the_newest_of_recent_days_and_weeks() {
        // Two a day from Monday 2026-11-02 to Monday 2026-11-30.
        let mut backups = Vec::new();
        for day in 0..29 {
            for hour in [3, 15] {
                let t =
                    at("2026-11-02T00:00:00Z") + jiff::SignedDuration::from_hours(24 * day + hour);
                backups.push((scheduled_name(t), t));
            }
        }
        let deleted = to_delete(&backups, 7, 4);
        let kept: Vec<&String> = backups
            .iter()
            .map(|(n, _)| n)
            .filter(|n| !deleted.contains(n))
            .collect();
        // The evening one of each of the last seven days, and of each of the last four weeks
        // (this week's is today's; a past week's, its Sunday evening's).
        assert_eq!(
            kept,
            [
                "ucz-20261115T150000Z.backup",
                "ucz-20261122T150000Z.backup",
                "ucz-20261124T150000Z.backup",
                "ucz-20261125T150000Z.backup",
                "ucz-20261126T150000Z.backup",
                "ucz-20261127T150000Z.backup",
                "ucz-20261128T150000Z.backup",
                "ucz-20261129T150000Z.backup",
                "ucz-20261130T150000Z.backup",
            ]
        );
        assert_eq!(
            to_delete(&backups, 0, 0).len(),
            backups.len() - 1,
            "the newest stays"
        );
        assert!(to_delete(&[], 7, 4).is_empty());
    }
}
