//! Firm files read into columns: CSV (`firms_csv`), Apache Parquet and Arrow IPC, told apart by
//! their first bytes (`PAR1`, `ARROW1`), whatever the file is named.
//!
//! Every reader cuts its input into pieces (blocks of CSV, record batches of a table) that are
//! read on every core into [`Part`]s and appended in order to one [`Builder`].

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::sync::{Mutex, mpsc};

use ucz_core::firm::columns::{Builder, Part, Setup};

use crate::firms_csv::{self, BadRow, FirmsFile};
use crate::input::{self, BadInput};

/// Reads pieces from `source` (which hands each to `send`, false once reading has stopped) on
/// `threads` threads with `work`, and appends the parts in the order sent. `work` also says how
/// many units (bytes, rows) its piece held: with the input's `total` units, the first part sizes
/// the columns once. Duplicate ids become bad rows, told by `unit` (`line`, `row`).
pub fn pipeline<'s, T: Send>(
    setup: &'s Setup<'s>,
    threads: usize,
    total: Option<u64>,
    unit: &'static str,
    source: impl FnOnce(&mut dyn FnMut(T) -> bool) -> Result<(), String>,
    work: impl Fn(T) -> (Part<'s>, Vec<BadRow>, u64) + Sync,
) -> Result<(Builder<'s>, Vec<BadRow>), String> {
    let threads = threads.max(1);
    let mut builder = Builder::new(setup);
    let mut bad = Vec::new();
    let (to_workers, pieces) = mpsc::sync_channel::<(usize, T)>(threads);
    let pieces = Mutex::new(pieces);
    let (to_main, results) = mpsc::channel::<(usize, Part<'s>, Vec<BadRow>, u64)>();
    let outcome = std::thread::scope(|scope| {
        for _ in 0..threads {
            let to_main = to_main.clone();
            let (pieces, work) = (&pieces, &work);
            scope.spawn(move || {
                loop {
                    let next = match pieces.lock() {
                        Ok(receiver) => receiver.recv(),
                        Err(_) => return,
                    };
                    let Ok((sequence, piece)) = next else {
                        return;
                    };
                    let (part, rows, units) = work(piece);
                    if to_main.send((sequence, part, rows, units)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(to_main);
        let mut waiting = BTreeMap::new();
        let mut next = 0usize;
        let mut sized = false;
        let mut merge = |(sequence, part, rows, units): (usize, Part<'s>, Vec<BadRow>, u64)| {
            waiting.insert(sequence, (part, rows, units));
            while let Some((part, rows, units)) = waiting.remove(&next) {
                if !sized && !part.is_empty() {
                    if let Some(total) = total {
                        let per_unit = part.len() as f64 / units.max(1) as f64;
                        let firms = (total as f64 * per_unit * 1.02) as usize + 1024;
                        let id_bytes = part.id_bytes() / part.len().max(1) * firms + firms;
                        builder.reserve(firms, id_bytes);
                    }
                    sized = true;
                }
                bad.extend(rows);
                for d in builder.append(part) {
                    bad.push(BadRow {
                        unit,
                        line: d.line,
                        column: "id".into(),
                        value: d.id,
                        reason: format!("duplicate id (first at {unit} {})", d.first_line),
                    });
                }
                next += 1;
            }
        };
        let mut sequence = 0usize;
        let outcome = source(&mut |piece| {
            if to_workers.send((sequence, piece)).is_err() {
                return false;
            }
            sequence += 1;
            while let Ok(result) = results.try_recv() {
                merge(result);
            }
            true
        });
        drop(to_workers);
        for result in results.iter() {
            merge(result);
        }
        outcome
    });
    outcome?;
    bad.sort_by_key(|b| b.line);
    Ok((builder, bad))
}

/// What a firm file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    Parquet,
    Arrow,
}

impl Format {
    /// By the first bytes: `PAR1` opens a Parquet file, `ARROW1` an Arrow IPC file.
    pub fn sniff(head: &[u8]) -> Format {
        if head.starts_with(b"PAR1") {
            Format::Parquet
        } else if head.starts_with(b"ARROW1") {
            Format::Arrow
        } else {
            Format::Csv
        }
    }
}

/// Reads a firm file (or standard input for `-`) of any of the formats into columns, within the
/// input limits (`--max-csv-bytes` holds for every format).
pub fn read(
    path: &Path,
    setup: &Setup<'_>,
    threads: usize,
    progress: impl FnMut(u64),
) -> Result<(FirmsFile, Format), BadInput> {
    let name = input::name(path);
    let limit = input::Limit::Csv(input::limits().csv);
    let opened = input::open(path, limit)?;
    let size = opened.size;
    let mut reader = input::Bounded::new(opened.reader, limit, u64::MAX);
    let mut head = [0u8; 6];
    let mut got = 0;
    while got < head.len() {
        match reader.read(&mut head[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(BadInput(format!("error: {name}: {e}"))),
        }
    }
    let head = &head[..got];
    let format = Format::sniff(head);
    let bad = |e: String| BadInput(format!("error: {name}: {e}"));
    let file = match format {
        Format::Csv => {
            // The line limit holds for text only.
            let reader = input::Bounded::new(
                std::io::Cursor::new(head.to_vec()).chain(reader.into_inner()),
                limit,
                input::MAX_CSV_LINE_BYTES,
            );
            let reading = firms_csv::Reading::new(threads, size);
            firms_csv::read(reader, setup, reading, progress).map_err(bad)?
        }
        Format::Parquet | Format::Arrow => {
            #[cfg(feature = "parquet")]
            {
                use crate::tables;
                if input::is_stdin(path) {
                    let mut bytes = head.to_vec();
                    reader
                        .read_to_end(&mut bytes)
                        .map_err(|e| bad(e.to_string()))?;
                    let bytes = bytes::Bytes::from(bytes);
                    match format {
                        Format::Parquet => tables::read_parquet(bytes, setup, threads),
                        _ => tables::read_arrow(std::io::Cursor::new(bytes), setup, threads),
                    }
                    .map_err(bad)?
                } else {
                    // A table is read where it lies (its footer first); the size was checked
                    // when it was opened.
                    let file = std::fs::File::open(path).map_err(|e| bad(e.to_string()))?;
                    match format {
                        Format::Parquet => tables::read_parquet(file, setup, threads),
                        _ => tables::read_arrow(file, setup, threads),
                    }
                    .map_err(bad)?
                }
            }
            #[cfg(not(feature = "parquet"))]
            {
                return Err(bad(
                    "is a Parquet or Arrow file; this ucz was built without the `parquet` feature"
                        .into(),
                ));
            }
        }
    };
    Ok((file, format))
}
