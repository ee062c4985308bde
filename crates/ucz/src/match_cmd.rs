//! `ucz match`: one firm's package (`--firm`), or every eligible firm–program pair of a population
//! (`--firms … --out …`).

use std::io::Write;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use ucz_core::date::Date;
use ucz_core::eligibility::{Rulebook, report};
use ucz_core::firm::Firm;
use ucz_core::rule::columnar::{CHUNK, Matcher, Population};
use ucz_core::{Catalog, Lang, SourceFile};

use crate::input::{self, BadInput};
use crate::{ListFormat, firms_csv, output};

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

pub fn many(
    catalog: &Catalog,
    path: &Path,
    out: &Path,
    as_of: Date,
    skip_bad_rows: bool,
) -> anyhow::Result<()> {
    check_output(path, out)?;
    let started = Instant::now();
    let name = input::name(path);
    let opened = input::open(path, input::Limit::Csv(input::limits().csv))?;
    let bar = progress_bar(opened.size.unwrap_or(0), "reading");
    let reader = input::Bounded::new(
        opened.reader,
        input::Limit::Csv(input::limits().csv),
        input::MAX_CSV_LINE_BYTES,
    );
    let read = firms_csv::read(
        std::io::BufReader::with_capacity(1 << 16, reader),
        catalog,
        as_of,
        |byte| bar.set_position(byte),
    )
    .map_err(|e| BadInput(format!("error: {name}: {e}")))?;
    bar.finish_and_clear();
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
        if !skip_bad_rows || read.firms.is_empty() {
            let hint = if skip_bad_rows {
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
    let read_time = started.elapsed();

    let rulebook = Rulebook::new(catalog);
    let matching = Instant::now();
    let matcher = Matcher::compile(&rulebook.rules());
    let population = Population::new(&read.firms, as_of, catalog, &matcher.fields());
    let chunks = population.len().div_ceil(CHUNK);
    let pairs: Mutex<Vec<Vec<(u32, u16)>>> = Mutex::new(vec![Vec::new(); chunks]);
    let errors = AtomicU64::new(0);
    let done = AtomicUsize::new(0);
    let bar = progress_bar(population.len() as u64, "matching");
    std::thread::scope(|scope| {
        let worker = scope.spawn(|| {
            matcher.run(&population, threads(), &done, &|start, chunk| {
                let mut found = Vec::new();
                let mut undecided = 0u64;
                for rule in 0..matcher.rule_count() {
                    undecided += u64::from(chunk.error_count(rule));
                }
                for firm in 0..chunk.len {
                    for rule in 0..matcher.rule_count() {
                        if chunk.holds(rule, firm) {
                            found.push(((start + firm) as u32, rule as u16));
                        }
                    }
                }
                errors.fetch_add(undecided, Ordering::Relaxed);
                if let Ok(mut pairs) = pairs.lock() {
                    pairs[start / CHUNK] = found;
                }
            })
        });
        while !worker.is_finished() {
            bar.set_position(done.load(Ordering::Relaxed) as u64);
            std::thread::sleep(Duration::from_millis(20));
        }
        worker
            .join()
            .map_err(|_| anyhow::anyhow!("matching stopped unexpectedly"))
    })??;
    bar.finish_and_clear();
    let match_time = matching.elapsed();

    let writing = Instant::now();
    let pairs = pairs.into_inner().unwrap_or_default();
    let total: usize = pairs.iter().map(Vec::len).sum();
    let write_pairs = |w: &mut dyn Write| -> std::io::Result<()> {
        writeln!(w, "firm_id,program_id")?;
        for (firm, rule) in pairs.iter().flatten() {
            let firm = &read.firms[*firm as usize].id;
            let program = &rulebook.programs[*rule as usize].id;
            if firm.contains([',', '"', '\n', '\r']) {
                writeln!(w, "\"{}\",{program}", firm.replace('"', "\"\""))?;
            } else {
                writeln!(w, "{firm},{program}")?;
            }
        }
        Ok(())
    };
    if out == Path::new("-") {
        let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
        write_pairs(&mut stdout)
            .and_then(|()| stdout.flush())
            .context("cannot write the output")?;
    } else {
        write_output(out, write_pairs)
            .with_context(|| format!("cannot write {}", out.display()))?;
    }
    let errors = errors.load(Ordering::Relaxed);
    let errors = if errors > 0 {
        format!(
            ", rule errors: {errors} firm–program pairs could not be evaluated and count as not eligible"
        )
    } else {
        String::new()
    };
    eprintln!(
        "firms: {}, programs: {}, pairs: {total}, skipped rows: {}{errors}, time: {:.2} s (read {:.2} s, match {:.2} s, write {:.2} s) → {}",
        read.firms.len(),
        rulebook.programs.len(),
        read.bad.len(),
        started.elapsed().as_secs_f64(),
        read_time.as_secs_f64(),
        match_time.as_secs_f64(),
        writing.elapsed().as_secs_f64(),
        if out == Path::new("-") {
            "standard output".to_string()
        } else {
            out.display().to_string()
        }
    );
    Ok(())
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
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
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
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
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
