//! `ucz match`: one firm's package (`--firm`), or every eligible firm–program pair of a population
//! (`--firms … --out …`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use ucz_core::date::Date;
use ucz_core::eligibility::{Rulebook, report};
use ucz_core::firm::Firm;
use ucz_core::firm::columns::Setup;
use ucz_core::rule::Rule;
use ucz_core::rule::columnar::{CHUNK, Matcher, Population};
use ucz_core::{Catalog, Lang, SourceFile};

use crate::firms_csv::FirmsFile;
use crate::input::{self, BadInput};
use crate::{ListFormat, ingest, output, pairs_csv};

pub fn one(
    catalog: &Catalog,
    path: &Path,
    as_of: Date,
    format: ListFormat,
    lang: Lang,
) -> anyhow::Result<()> {
    let text = input::read_text(path)?;
    let name = input::name(path);
    let firm = Firm::parse(SourceFile::new(&name, &text), catalog).map_err(BadInput::from)?;
    if let Some(problem) = firm.date_problem(as_of) {
        return Err(BadInput(format!(
            "error: {name}: field `founded`: {problem} (see --as-of)"
        ))
        .into());
    }
    let package = Rulebook::new(catalog).package(catalog, &firm, as_of);
    match format {
        ListFormat::Json => output::json(&package),
        ListFormat::Text => output::text(&report::render(&package, catalog, lang)),
    }
}

/// Where the pairs go: a file (written whole or not at all), or standard output for `-`.
pub fn check_output(input: &Path, out: &Path) -> Result<(), BadInput> {
    if out == Path::new("-") {
        return Ok(());
    }
    if out.is_dir() {
        return Err(BadInput(format!(
            "error: --out {}: is a folder; give a file name",
            out.display()
        )));
    }
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !parent.is_dir() {
        return Err(BadInput(format!(
            "error: --out {}: the folder {} does not exist",
            out.display(),
            parent.display()
        )));
    }
    let same = match (std::fs::canonicalize(input), std::fs::canonicalize(out)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if same {
        return Err(BadInput(format!(
            "error: --out {}: is the input file; refusing to overwrite it",
            out.display()
        )));
    }
    Ok(())
}

/// What `match --firms` is asked besides its files.
pub struct Batch {
    pub skip_bad_rows: bool,
    /// A rule set of one's own instead of the catalog's programs.
    pub rules: Option<PathBuf>,
    /// Where to write the run's summary as JSON.
    pub summary: Option<PathBuf>,
}

/// The summary of a run, as `--summary` writes it (a script reads these names).
#[derive(serde::Serialize)]
struct Summary {
    firms: usize,
    programs: usize,
    pairs: usize,
    skipped_rows: usize,
    seconds: Seconds,
    peak_memory_bytes: Option<u64>,
}

#[derive(serde::Serialize)]
struct Seconds {
    read: f64,
    compile: f64,
    evaluate: f64,
    write: f64,
    total: f64,
}

pub fn many(
    catalog: &Catalog,
    path: &Path,
    out: &Path,
    as_of: Date,
    batch: &Batch,
) -> anyhow::Result<()> {
    check_output(path, out)?;
    let parquet_out = out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet"));
    if parquet_out && !cfg!(feature = "parquet") {
        return Err(BadInput(format!(
            "error: --out {}: this ucz was built without the `parquet` feature; write CSV",
            out.display()
        ))
        .into());
    }
    let started = Instant::now();

    // Compiled first: the rules say which columns to keep.
    let (programs, rules): (Vec<String>, Vec<Rule>) = match &batch.rules {
        Some(file) => input::named_rule_set(file)?
            .into_iter()
            .map(|r| (r.id, r.rule))
            .unzip(),
        None => {
            let rulebook = Rulebook::new(catalog);
            let ids = rulebook.programs.iter().map(|p| p.id.to_string()).collect();
            (ids, rulebook.rules())
        }
    };
    if rules.len() > usize::from(u16::MAX) {
        return Err(BadInput(format!(
            "error: {} rules; at most {} are matched at once",
            rules.len(),
            u16::MAX
        ))
        .into());
    }
    let matcher = Matcher::compile(&rules);
    let setup = Setup::new(catalog, as_of, &matcher.fields());
    let compiled = Instant::now();

    let name = input::name(path);
    let bar = progress_bar(std::fs::metadata(path).map_or(0, |m| m.len()), "reading");
    let (read, _) = ingest::read(path, &setup, threads(), |byte| bar.set_position(byte))?;
    bar.finish_and_clear();
    let firms = read.batch.len;
    if !read.bad.is_empty() {
        let listed: Vec<String> = read
            .bad
            .iter()
            .take(20)
            .map(|b| format!("  {name}: {b}"))
            .collect();
        let more = read.bad.len().saturating_sub(20);
        let more = if more > 0 {
            format!("\n  … and {more} more")
        } else {
            String::new()
        };
        if !batch.skip_bad_rows || firms == 0 {
            let hint = if batch.skip_bad_rows {
                "no row is good"
            } else {
                "use --skip-bad-rows to match the good rows"
            };
            return Err(BadInput(format!(
                "error: {} bad rows in {name}; nothing was written ({hint}):\n{}{more}",
                read.bad.len(),
                listed.join("\n")
            ))
            .into());
        }
        eprintln!(
            "warning: skipped {} bad rows:\n{}{more}",
            read.bad.len(),
            listed.join("\n")
        );
    }
    let FirmsFile {
        batch: firm_batch,
        bad,
    } = read;
    let ids = firm_batch.ids;
    let population = Population::from_columns(firm_batch.len, firm_batch.columns)?;
    let read_done = Instant::now();

    let chunks = population.len().div_ceil(CHUNK);
    let pairs: Mutex<Vec<Vec<(u32, u16)>>> = Mutex::new(vec![Vec::new(); chunks]);
    let errors = AtomicU64::new(0);
    let done = AtomicUsize::new(0);
    let bar = progress_bar(population.len() as u64, "matching");
    std::thread::scope(|scope| {
        let worker = scope.spawn(|| {
            matcher.run(&population, threads(), &done, &|start, chunk| {
                let mut undecided = 0u64;
                let mut count = 0usize;
                for rule in 0..matcher.rule_count() {
                    undecided += u64::from(chunk.error_count(rule));
                    count += chunk.count(rule) as usize;
                }
                let mut found = Vec::with_capacity(count);
                chunk.for_each_pair(|firm, rule| found.push(((start + firm) as u32, rule as u16)));
                errors.fetch_add(undecided, Ordering::Relaxed);
                if let Ok(mut pairs) = pairs.lock() {
                    pairs[start / CHUNK] = found;
                }
            })
        });
        while !worker.is_finished() {
            bar.set_position(done.load(Ordering::Relaxed) as u64);
            std::thread::sleep(Duration::from_millis(5));
        }
        worker
            .join()
            .map_err(|_| anyhow::anyhow!("matching stopped unexpectedly"))
    })??;
    bar.finish_and_clear();
    let pairs = pairs.into_inner().unwrap_or_default();
    let total: usize = pairs.iter().map(Vec::len).sum();
    let evaluated = Instant::now();

    let write_pairs = |w: &mut (dyn Write + Send)| -> std::io::Result<()> {
        if parquet_out {
            #[cfg(feature = "parquet")]
            return crate::tables::write_pairs(w, &pairs, &ids, &programs, threads());
        }
        pairs_csv::write(w, &pairs, &ids, &programs, threads())
    };
    if out == Path::new("-") {
        let mut stdout = std::io::BufWriter::with_capacity(1 << 20, std::io::stdout());
        write_pairs(&mut stdout)
            .and_then(|()| stdout.flush())
            .context("cannot write the output")?;
    } else {
        write_output(out, write_pairs)
            .with_context(|| format!("cannot write {}", out.display()))?;
    }
    // The columns, ids and pairs are freed by the process's exit, all at once: freeing them one
    // by one would take longer than the rest of the write.
    std::mem::forget(population);
    std::mem::forget(pairs);
    std::mem::forget(ids);
    let written = Instant::now();

    let peak = peak_memory();
    let seconds = Seconds {
        compile: (compiled - started).as_secs_f64(),
        read: (read_done - compiled).as_secs_f64(),
        evaluate: (evaluated - read_done).as_secs_f64(),
        write: (written - evaluated).as_secs_f64(),
        total: (written - started).as_secs_f64(),
    };
    let summary = Summary {
        firms,
        programs: programs.len(),
        pairs: total,
        skipped_rows: bad.len(),
        seconds,
        peak_memory_bytes: peak,
    };
    if let Some(file) = &batch.summary {
        write_output(file, |w| {
            serde_json::to_writer_pretty(&mut *w, &summary)?;
            writeln!(w)
        })
        .with_context(|| format!("cannot write {}", file.display()))?;
    }
    let errors = errors.load(Ordering::Relaxed);
    let errors = if errors > 0 {
        format!(
            ", rule errors: {errors} firm–program pairs could not be evaluated and count as not eligible"
        )
    } else {
        String::new()
    };
    let s = &summary.seconds;
    eprintln!(
        "firms: {firms}, programs: {}, pairs: {total}, skipped rows: {}{errors}, time: {:.2} s (read {:.2} s, compile {:.2} s, evaluate {:.2} s, write {:.2} s), peak memory: {} → {}",
        summary.programs,
        summary.skipped_rows,
        s.total,
        s.read,
        s.compile,
        s.evaluate,
        s.write,
        peak.map_or("unknown".to_string(), |b| format!("{} MB", b / 1_000_000)),
        if out == Path::new("-") {
            "standard output".to_string()
        } else {
            out.display().to_string()
        }
    );
    Ok(())
}

/// The process's peak resident memory (`VmHWM`), where the system tells it.
pub fn peak_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Threads for column-wise matching: every core.
pub fn threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// A progress bar on a terminal; hidden when standard error is not one.
pub fn progress_bar(len: u64, label: &'static str) -> ProgressBar {
    let bar = ProgressBar::new(len);
    if let Ok(style) = ProgressStyle::with_template("{msg:>9} [{bar:40}] {percent:>3}% {eta}") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(label);
    bar
}

/// Writes an output file. A regular file (or a new one) is written whole or not at all
/// ([`write_atomically`]); a device or a FIFO (`/dev/null`, a named pipe) is written to directly,
/// since renaming a file over it would replace the device with a plain file.
pub fn write_output(
    path: &Path,
    write: impl FnOnce(&mut (dyn Write + Send)) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let special = std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir());
    if !special {
        return write_atomically(path, write);
    }
    let file = std::fs::OpenOptions::new().write(true).open(path)?;
    let mut writer = std::io::BufWriter::with_capacity(1 << 16, file);
    write(&mut writer)?;
    writer.flush()
}

/// Writes a whole file or nothing: into a temporary file beside it, renamed at the end.
pub fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut (dyn Write + Send)) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let temporary = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let file = std::fs::File::create(&temporary)?;
        let mut writer = std::io::BufWriter::with_capacity(1 << 20, file);
        write(&mut writer)?;
        writer
            .into_inner()
            .map_err(|e| e.into_error())?
            .sync_all()?;
        std::fs::rename(&temporary, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result
}
