//! Firm files read into columns: CSV (`firms_csv`), Apache Parquet and Arrow IPC, told apart by
//! their first bytes (`PAR1`, `ARROW1`), whatever the file is named.
//!
//! Every reader cuts its input into pieces (blocks of CSV, record batches of a table) that are
//! read on every core into [`Part`]s and appended in order to one [`Builder`].

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::sync::{Mutex, mpsc};

use ucz_core::firm::columns::{Builder, FirmBatch, Part, Setup};

use crate::firms_csv::{self, BadRow, FirmsFile};
use crate::input::{self, BadInput};

/// One part read from a piece: the firms, the rows refused, and the units (bytes, rows) it held.
pub type PartRead<'s> = (Part<'s>, Vec<BadRow>, u64);

/// A worker's parts: new ones (the merge's spent parts, emptied, where there are) and the ones
/// it has filled.
pub struct Parts<'a, 's> {
    setup: &'s Setup<'s>,
    spare: &'a Mutex<Vec<Part<'s>>>,
    emit: &'a mut dyn FnMut(PartRead<'s>),
}

impl<'s> Parts<'_, 's> {
    /// An empty part with room for `rows` firms.
    pub fn part(&self, rows: usize) -> Part<'s> {
        let spent = self.spare.lock().ok().and_then(|mut spare| spare.pop());
        match spent {
            Some(mut part) => {
                part.reserve(rows);
                part
            }
            None => Part::with_capacity(self.setup, rows),
        }
    }

    /// Hands a filled part to the merge.
    pub fn emit(&mut self, read: PartRead<'s>) {
        (self.emit)(read);
    }
}

/// What a worker tells the merging thread.
enum Report<'s> {
    /// Part `sub` of piece `piece`.
    Part {
        piece: usize,
        sub: usize,
        read: Box<PartRead<'s>>,
    },
    /// Piece `piece` gave `parts` parts, or failed.
    Done {
        piece: usize,
        parts: usize,
        outcome: Result<(), String>,
    },
}

/// Reads pieces from `source` (which hands each to `send`, false once reading has stopped) on
/// `threads` threads with `work`, which hands the parts of its piece, in order, to `emit` (a
/// large piece, such as a Parquet row group, gives several so that merging starts early). The
/// parts are appended in the order sent. With the input's `total` units, the first part sizes
/// the columns once. Repeated ids become bad rows, told by `unit` (`line`, `row`). The first
/// piece that fails (in input order) fails the read.
pub fn pipeline<'s, T: Send>(
    setup: &'s Setup<'s>,
    threads: usize,
    total: Option<u64>,
    unit: &'static str,
    source: impl FnOnce(&mut dyn FnMut(T) -> bool) -> Result<(), String>,
    work: impl Fn(T, &mut Parts<'_, 's>) -> Result<(), String> + Sync,
) -> Result<(FirmBatch, Vec<BadRow>), String> {
    let threads = threads.max(1);
    let mut builder = Builder::new(setup);
    let mut bad = Vec::new();
    let (to_workers, pieces) = mpsc::sync_channel::<(usize, T)>(threads);
    let pieces = Mutex::new(pieces);
    let (to_main, reports) = mpsc::channel::<Report<'s>>();
    let failed = std::sync::atomic::AtomicBool::new(false);
    let spare: Mutex<Vec<Part<'s>>> = Mutex::new(Vec::new());
    let outcome = std::thread::scope(|scope| {
        for _ in 0..threads {
            let to_main = to_main.clone();
            let (pieces, work, failed, spare) = (&pieces, &work, &failed, &spare);
            scope.spawn(move || {
                loop {
                    let next = match pieces.lock() {
                        Ok(receiver) => receiver.recv(),
                        Err(_) => return,
                    };
                    let Ok((piece, input)) = next else {
                        return;
                    };
                    let mut parts = 0;
                    let mut emit = |read| {
                        // The merging thread outlives the workers; a send fails only once it
                        // has stopped, and then nothing is waited for.
                        let _ = to_main.send(Report::Part {
                            piece,
                            sub: parts,
                            read: Box::new(read),
                        });
                        parts += 1;
                    };
                    let mut hands = Parts {
                        setup,
                        spare,
                        emit: &mut emit,
                    };
                    let outcome = work(input, &mut hands);
                    if outcome.is_err() {
                        failed.store(true, std::sync::atomic::Ordering::Relaxed);
                    }
                    let done = Report::Done {
                        piece,
                        parts,
                        outcome,
                    };
                    if to_main.send(done).is_err() {
                        return;
                    }
                }
            });
        }
        drop(to_main);
        let mut waiting: BTreeMap<(usize, usize), PartRead<'s>> = BTreeMap::new();
        let mut finished: BTreeMap<usize, usize> = BTreeMap::new();
        let mut error: Option<(usize, String)> = None;
        let (mut next, mut next_sub) = (0usize, 0usize);
        let mut sized = false;
        let mut merge = |report: Report<'s>| {
            match report {
                Report::Part { piece, sub, read } => {
                    waiting.insert((piece, sub), *read);
                }
                Report::Done {
                    piece,
                    parts,
                    outcome,
                } => {
                    if let Err(e) = outcome
                        && error.as_ref().is_none_or(|(p, _)| piece < *p)
                    {
                        error = Some((piece, e));
                    }
                    finished.insert(piece, parts);
                }
            }
            loop {
                if let Some((mut part, rows, units)) = waiting.remove(&(next, next_sub)) {
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
                    builder.append(&part);
                    part.clear();
                    if let Ok(mut spare) = spare.lock()
                        && spare.len() < 2 * threads
                    {
                        spare.push(part);
                    }
                    next_sub += 1;
                } else if finished.get(&next) == Some(&next_sub) {
                    finished.remove(&next);
                    next += 1;
                    next_sub = 0;
                } else {
                    break;
                }
            }
        };
        let mut sequence = 0usize;
        let outcome = source(&mut |piece| {
            if failed.load(std::sync::atomic::Ordering::Relaxed)
                || to_workers.send((sequence, piece)).is_err()
            {
                return false;
            }
            sequence += 1;
            while let Ok(report) = reports.try_recv() {
                merge(report);
            }
            true
        });
        drop(to_workers);
        for report in reports.iter() {
            merge(report);
        }
        match error {
            Some((_, e)) => Err(e),
            None => outcome,
        }
    });
    outcome?;
    let (batch, duplicates) = builder.finish(threads);
    bad.extend(duplicates.into_iter().map(|d| BadRow {
        unit,
        line: d.line,
        column: "id".into(),
        value: d.id,
        reason: format!("duplicate id (first at {unit} {})", d.first_line),
    }));
    bad.sort_by_key(|b| b.line);
    Ok((batch, bad))
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
                        Format::Parquet => {
                            tables::read_parquet(|| Ok(bytes.clone()), setup, threads)
                        }
                        _ => tables::read_arrow(std::io::Cursor::new(bytes), setup, threads),
                    }
                    .map_err(bad)?
                } else {
                    // A table is read where it lies (its footer first); the size was checked
                    // when it was opened.
                    let open = || std::fs::File::open(path).map_err(|e| e.to_string());
                    match format {
                        Format::Parquet => tables::read_parquet(open, setup, threads),
                        _ => tables::read_arrow(open().map_err(bad)?, setup, threads),
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
