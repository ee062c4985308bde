//! Reading the user's files. Anything wrong with them becomes [`BadInput`], which `main` turns
//! into exit code 2.
//!
//! Every read is bounded: a TOML file is read whole up to `--max-input-bytes`
//! (`UCZ_MAX_INPUT_BYTES`, 16 MiB by default), a firm CSV is streamed up to `--max-csv-bytes`
//! (`UCZ_MAX_CSV_BYTES`, 1 GiB) with lines of at most 1 MiB. At most limit + 1 bytes are read,
//! whatever the file's size claims to be. Only regular files are opened by path; a stream (a pipe,
//! a device) is read from standard input, named `-`.

use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use ucz_core::catalog::{KINDS, TEST_FILES};
use ucz_core::{Catalog, CatalogSources, InputErrors};

/// An error the user can fix by changing a file or an argument.
#[derive(Debug)]
pub struct BadInput(pub String);

impl fmt::Display for BadInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadInput {}

impl From<InputErrors> for BadInput {
    fn from(errors: InputErrors) -> Self {
        let n = errors.0.len();
        let summary = if n == 1 {
            "1 error".to_string()
        } else {
            format!("{n} errors")
        };
        BadInput(format!("{errors}\n{summary}"))
    }
}

/// The largest inputs ucz reads, in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// A TOML file (zone, firm, catalog, settings) or a TOML document on standard input.
    pub text: u64,
    /// A firm CSV (`ucz match --firms`).
    pub csv: u64,
}

pub const DEFAULT_MAX_INPUT_BYTES: u64 = 16 << 20;
pub const DEFAULT_MAX_CSV_BYTES: u64 = 1 << 30;
/// The longest line of a firm CSV (a row of 18 fields is a few hundred bytes).
pub const MAX_CSV_LINE_BYTES: u64 = 1 << 20;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            text: DEFAULT_MAX_INPUT_BYTES,
            csv: DEFAULT_MAX_CSV_BYTES,
        }
    }
}

static LIMITS: OnceLock<Limits> = OnceLock::new();

/// Sets the limits for the rest of the run (from the command line); the first call wins.
pub fn set_limits(limits: Limits) {
    let _ = LIMITS.set(limits);
}

pub fn limits() -> Limits {
    LIMITS.get().copied().unwrap_or_default()
}

/// Parses a byte count: `1048576`, `512K`, `16M`, `1G` (binary multiples; `KiB`, `MB` … too).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, unit) = t.split_at(digits);
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        _ => {
            return Err(format!(
                "\"{text}\" is not a size (a number of bytes, or with K, M or G)"
            ));
        }
    };
    let n: u64 = number
        .parse()
        .map_err(|_| format!("\"{text}\" is not a size (a number of bytes, or with K, M or G)"))?;
    n.checked_mul(1 << shift)
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("\"{text}\" is out of range (1 byte to 16 EiB)"))
}

/// A byte count for people: `16 MiB`, `1 GiB`, `1000 bytes`.
pub fn show_size(bytes: u64) -> String {
    for (shift, unit) in [(30, "GiB"), (20, "MiB"), (10, "KiB")] {
        if bytes >= 1 << shift && bytes % (1 << shift) == 0 {
            return format!("{} {unit}", bytes >> shift);
        }
    }
    format!("{bytes} bytes")
}

/// `-` names standard input.
pub fn is_stdin(path: &Path) -> bool {
    path == Path::new("-")
}

/// How an input is named in messages.
pub fn name(path: &Path) -> String {
    if is_stdin(path) {
        "<stdin>".to_string()
    } else {
        path.display().to_string()
    }
}

/// Which limit an input is held to, for the message that names it.
#[derive(Clone, Copy)]
pub enum Limit {
    Text(u64),
    Csv(u64),
}

impl Limit {
    fn bytes(self) -> u64 {
        match self {
            Limit::Text(n) | Limit::Csv(n) => n,
        }
    }

    /// `too large: more than 16 MiB (the limit; …)`, with the size when it is known.
    fn too_large(self, size: Option<u64>) -> String {
        let (flag, var) = match self {
            Limit::Text(_) => ("--max-input-bytes", "UCZ_MAX_INPUT_BYTES"),
            Limit::Csv(_) => ("--max-csv-bytes", "UCZ_MAX_CSV_BYTES"),
        };
        let size = size.map(|n| format!("{n} bytes, ")).unwrap_or_default();
        format!(
            "too large: {size}more than {} (the limit; raise it with {flag} or {var})",
            show_size(self.bytes())
        )
    }
}

/// An opened input: standard input for `-`, else a regular file with its size.
pub struct Opened {
    pub reader: Box<dyn Read + Send>,
    /// The size of a regular file (for progress); `None` on standard input.
    pub size: Option<u64>,
}

/// Opens an input for reading. `-` is standard input; any other path must be a regular file: a
/// device or a FIFO is refused before it is opened (opening a FIFO would wait for a writer), and
/// checked again once open. A regular file already larger than the limit is refused unread.
pub fn open(path: &Path, limit: Limit) -> Result<Opened, BadInput> {
    let name = name(path);
    let cannot = |e: &dyn fmt::Display| BadInput(format!("error: {name}: cannot read: {e}"));
    if is_stdin(path) {
        return Ok(Opened {
            reader: Box::new(io::stdin()),
            size: None,
        });
    }
    let regular = |metadata: &std::fs::Metadata| -> Result<(), BadInput> {
        if metadata.is_dir() {
            Err(cannot(&"is a folder, not a file"))
        } else if !metadata.is_file() {
            Err(cannot(
                &"not a regular file (a device, FIFO or socket); to read a stream, give `-` and send it to standard input",
            ))
        } else if metadata.len() > limit.bytes() {
            Err(BadInput(format!(
                "error: {name}: {}",
                limit.too_large(Some(metadata.len()))
            )))
        } else {
            Ok(())
        }
    };
    regular(&std::fs::metadata(path).map_err(|e| cannot(&e))?)?;
    let file = File::open(path).map_err(|e| cannot(&e))?;
    let metadata = file.metadata().map_err(|e| cannot(&e))?;
    regular(&metadata)?;
    Ok(Opened {
        reader: Box::new(file),
        size: Some(metadata.len()),
    })
}

/// Reads a whole input, at most `limit` bytes: limit + 1 bytes are asked for, and getting them
/// means the input is too large, whatever its size said.
pub fn read_bytes(path: &Path, limit: Limit) -> Result<Vec<u8>, BadInput> {
    let opened = open(path, limit)?;
    let mut bytes = Vec::new();
    opened
        .reader
        .take(limit.bytes().saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| BadInput(format!("error: {}: cannot read: {e}", name(path))))?;
    if bytes.len() as u64 > limit.bytes() {
        return Err(BadInput(format!(
            "error: {}: {}",
            name(path),
            limit.too_large(None)
        )));
    }
    Ok(bytes)
}

/// Reads a UTF-8 text file (or standard input for `-`) of at most `--max-input-bytes`; a missing,
/// unreadable, too large, non-regular or non-UTF-8 file is bad input.
pub fn read_text(path: &Path) -> Result<String, BadInput> {
    read_text_within(path, limits().text)
}

pub fn read_text_within(path: &Path, limit: u64) -> Result<String, BadInput> {
    let bytes = read_bytes(path, Limit::Text(limit))?;
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|b| **b == b'\n').count() + 1;
        let column = String::from_utf8_lossy(valid).rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        BadInput(format!(
            "error: {}:{line}:{column}: not UTF-8 text (save the file as UTF-8; EUC-KR and CP949 are not read)",
            name(path)
        ))
    })
}

/// A reader that fails, with a message for the user, past `limit` bytes in all or past
/// `max_line` bytes without a line break.
pub struct Bounded<R> {
    inner: R,
    limit: Limit,
    max_line: u64,
    read: u64,
    line: u64,
    line_bytes: u64,
}

impl<R: Read> Bounded<R> {
    pub fn new(inner: R, limit: Limit, max_line: u64) -> Self {
        Bounded {
            inner,
            limit,
            max_line,
            read: 0,
            line: 1,
            line_bytes: 0,
        }
    }

    pub fn into_inner(self) -> R {
        self.inner
    }
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // Never more than one byte past the limit, so that a stream stops there.
        let room = self
            .limit
            .bytes()
            .saturating_add(1)
            .saturating_sub(self.read);
        let want = buf.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        if want == 0 && !buf.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                self.limit.too_large(None),
            ));
        }
        let n = self.inner.read(&mut buf[..want])?;
        let chunk = &buf[..n];
        self.read += n as u64;
        if self.read > self.limit.bytes() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                self.limit.too_large(None),
            ));
        }
        let too_long = |line: u64| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "line {line}: too long: more than {} without a line break",
                    show_size(self.max_line)
                ),
            )
        };
        if self.max_line == u64::MAX {
            return Ok(n);
        }
        let mut start = 0;
        for at in memchr::memchr_iter(b'\n', chunk) {
            self.line_bytes += (at - start) as u64;
            if self.line_bytes > self.max_line {
                return Err(too_long(self.line));
            }
            self.line += 1;
            self.line_bytes = 0;
            start = at + 1;
        }
        self.line_bytes += (chunk.len() - start) as u64;
        if self.line_bytes > self.max_line {
            return Err(too_long(self.line));
        }
        Ok(n)
    }
}

/// Where the catalog comes from: `--catalog`, else `UCZ_CATALOG` when set and not empty.
pub struct CatalogFolder {
    path: PathBuf,
    from_env: bool,
}

pub fn catalog_folder(flag: Option<PathBuf>) -> Option<CatalogFolder> {
    match flag {
        Some(path) => Some(CatalogFolder {
            path,
            from_env: false,
        }),
        None => std::env::var_os("UCZ_CATALOG")
            .filter(|v| !v.is_empty())
            .map(|v| CatalogFolder {
                path: PathBuf::from(v),
                from_env: true,
            }),
    }
}

/// The catalog files of a folder, or the built-in catalog when no folder is given.
pub fn catalog_sources(folder: Option<&CatalogFolder>) -> Result<CatalogSources, BadInput> {
    let Some(folder) = folder else {
        return Ok(CatalogSources::bundled());
    };
    let dir = folder.path.as_path();
    if !dir.is_dir() {
        let from = if folder.from_env {
            " (from UCZ_CATALOG)"
        } else {
            ""
        };
        return Err(BadInput(format!(
            "error: {}{from}: not a catalog folder",
            dir.display()
        )));
    }
    let mut files = std::collections::BTreeMap::new();
    for file in KINDS.iter().map(|(_, file, _)| *file).chain(TEST_FILES) {
        let path = dir.join(file);
        if path.exists() {
            files.insert(file.to_string(), read_text(&path)?);
        }
    }
    Ok(CatalogSources {
        folder: dir.display().to_string(),
        files,
    })
}

pub fn load_catalog(folder: Option<&CatalogFolder>) -> Result<Catalog, BadInput> {
    Ok(Catalog::load(&catalog_sources(folder)?)?)
}

/// The rules of a rule-set file (`[[rule]]` tables with `id` and `rule`), every bad rule told at
/// its line and column.
pub fn rule_set(path: &Path) -> Result<Vec<ucz_core::rule::Rule>, BadInput> {
    Ok(named_rule_set(path)?.into_iter().map(|r| r.rule).collect())
}

/// The rules of a rule-set file with their ids.
pub fn named_rule_set(path: &Path) -> Result<Vec<ucz_core::rule::set::NamedRule>, BadInput> {
    let text = read_text(path)?;
    let name = path.display().to_string();
    ucz_core::rule::set::parse(ucz_core::SourceFile::new(&name, &text))
        .map_err(|errors| BadInput(errors.to_string()))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn sizes_read_with_binary_units() {
        assert_eq!(parse_size("1000"), Ok(1000));
        assert_eq!(parse_size("512K"), Ok(512 << 10));
        assert_eq!(parse_size("16M"), Ok(16 << 20));
        assert_eq!(parse_size("16 MiB"), Ok(16 << 20));
        assert_eq!(parse_size("2g"), Ok(2 << 30));
        for bad in ["", "M", "-1", "1.5M", "12T", "0", "99999999999G"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
        assert_eq!(show_size(16 << 20), "16 MiB");
        assert_eq!(show_size(1 << 30), "1 GiB");
        assert_eq!(show_size(1000), "1000 bytes");
    }

    #[test]
    fn a_file_is_read_up_to_its_limit_and_no_further() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("zone.toml");
        std::fs::write(&path, "id = \"z\"\n").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            read_text_within(&path, 9).map_err(|e| e.0),
            Ok("id = \"z\"\n".to_string())
        );
        let error = read_text_within(&path, 8).map(|_| ()).map_err(|e| e.0);
        assert_eq!(
            error,
            Err(format!(
                "error: {}: too large: 9 bytes, more than 8 bytes (the limit; raise it with --max-input-bytes or UCZ_MAX_INPUT_BYTES)",
                path.display()
            ))
        );
        let error = read_text_within(dir.path(), 8).map(|_| ()).map_err(|e| e.0);
        assert_eq!(
            error,
            Err(format!(
                "error: {}: cannot read: is a folder, not a file",
                dir.path().display()
            ))
        );
    }

    fn bounded_read(input: &[u8], limit: u64, max_line: u64) -> Result<Vec<u8>, String> {
        let mut out = Vec::new();
        // Small reads, as a buffered reader above would make them.
        let mut reader = Bounded::new(
            io::BufReader::with_capacity(7, input),
            Limit::Csv(limit),
            max_line,
        );
        let mut buf = [0u8; 5];
        loop {
            match reader.read(&mut buf) {
                Ok(0) => return Ok(out),
                Ok(n) => out.extend_from_slice(&buf[..n]),
                Err(e) => return Err(e.to_string()),
            }
        }
    }

    #[test]
    fn a_stream_stops_at_its_limit_or_at_a_long_line() {
        assert_eq!(bounded_read(b"ab\ncd\n", 6, 2), Ok(b"ab\ncd\n".to_vec()));
        assert_eq!(
            bounded_read(b"ab\ncd\ne", 6, 2),
            Err("too large: more than 6 bytes (the limit; raise it with --max-csv-bytes or UCZ_MAX_CSV_BYTES)".to_string())
        );
        assert_eq!(
            bounded_read(b"ab\ncd\nefg\n", 100, 2),
            Err("line 3: too long: more than 2 bytes without a line break".to_string())
        );
        // A long line between two breaks of one read.
        assert_eq!(
            bounded_read(b"a\nbcd\ne", 100, 2),
            Err("line 2: too long: more than 2 bytes without a line break".to_string())
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

        /// A bounded stream gives the input unchanged when it is within both limits, and an error
        /// otherwise; it never hands on more than the limit.
        #[test]
        fn a_bounded_stream_is_the_input_or_an_error(
            input in proptest::collection::vec(prop_oneof![Just(b'\n'), Just(b'a'), any::<u8>()], 0..200),
            limit in 1u64..220,
            max_line in 1u64..40,
        ) {
            let longest = input.split(|b| *b == b'\n').map(<[u8]>::len).max().unwrap_or(0) as u64;
            let within = input.len() as u64 <= limit && longest <= max_line;
            match bounded_read(&input, limit, max_line) {
                Ok(out) => {
                    prop_assert!(within);
                    prop_assert_eq!(out, input);
                }
                Err(_) => prop_assert!(!within),
            }
        }
    }
}
