//! Inputs and outputs that are not ordinary small files: size limits, devices, FIFOs, standard
//! input and output. A test here never touches a real device: it makes FIFOs and sparse files in
//! a temporary folder, and reads `/dev/zero` only through its metadata (it is refused unopened).

use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::catalog::broken_catalog;
use crate::{root, stderr, stdout, ucz};

const ZONE: &str = "examples/zones/daejeon.toml";
const FIRM: &str = "examples/firms/seonhwa-robotics.toml";

/// `ucz` with a file (or nothing) as standard input and extra environment variables.
fn ucz_with(args: &[&str], stdin: Option<&Path>, env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ucz"));
    command
        .args(args)
        .current_dir(root())
        .env_remove("UCZ_CATALOG")
        .env_remove("UCZ_MAX_INPUT_BYTES")
        .env_remove("UCZ_MAX_CSV_BYTES")
        .envs(env.iter().copied());
    match stdin {
        Some(path) => command.stdin(std::fs::File::open(path).unwrap()),
        None => command.stdin(Stdio::null()),
    };
    command.output().unwrap()
}

/// `ucz` under a limit of its address space (`ulimit -v`, in KiB), reading `stdin` when given: a
/// program that tried to hold a huge input in memory would be killed or abort, not exit 2.
fn ucz_in_little_memory(kib: u64, args: &[&str], stdin: Option<&Path>) -> Output {
    let script = format!("ulimit -v {kib} && exec \"$0\" \"$@\"");
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_ucz"))
        .args(args)
        .current_dir(root())
        .env_remove("UCZ_CATALOG")
        .env_remove("UCZ_MAX_INPUT_BYTES")
        .env_remove("UCZ_MAX_CSV_BYTES");
    match stdin {
        Some(path) => command.stdin(std::fs::File::open(path).unwrap()),
        None => command.stdin(Stdio::null()),
    };
    command.output().unwrap()
}

/// A sparse file of `len` zero bytes: it takes no disk space.
fn sparse(dir: &Path, name: &str, len: u64) -> PathBuf {
    let path = dir.join(name);
    std::fs::File::create(&path).unwrap().set_len(len).unwrap();
    path
}

fn mkfifo(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    let status = Command::new("mkfifo").arg(&path).status().unwrap();
    assert!(status.success(), "mkfifo");
    path
}

/// Waits for a child at most `limit`; kills it (it is ours) when it takes longer.
fn wait_or_kill(mut child: Child, limit: Duration) -> Option<Output> {
    let started = Instant::now();
    while started.elapsed() < limit {
        if child.try_wait().unwrap().is_some() {
            return Some(child.wait_with_output().unwrap());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

#[test]
fn a_huge_zone_file_is_refused_by_its_size_under_a_memory_limit() {
    let dir = tempfile::tempdir().unwrap();
    let big = sparse(dir.path(), "big.toml", 4 << 30);
    let big = big.to_str().unwrap();
    let out = ucz_in_little_memory(1 << 20, &["diagnose", big], None);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!(
            "error: {big}: too large: 4294967296 bytes, more than 16 MiB (the limit; raise it with --max-input-bytes or UCZ_MAX_INPUT_BYTES)"
        )),
        "{}",
        stderr(&out)
    );
    let out = ucz_in_little_memory(1 << 20, &["match", "--firm", big], None);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("too large"), "{}", stderr(&out));
}

#[test]
fn a_huge_stream_on_standard_input_stops_at_the_limit_under_a_memory_limit() {
    let dir = tempfile::tempdir().unwrap();
    let big = sparse(dir.path(), "big", 4 << 30);
    let out = ucz_in_little_memory(1 << 20, &["diagnose", "-"], Some(&big));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("error: <stdin>: too large: more than 16 MiB (the limit; raise it with --max-input-bytes or UCZ_MAX_INPUT_BYTES)"),
        "{}",
        stderr(&out)
    );

    // Zeros without a line break: the CSV reader stops at the first megabyte.
    let matches = dir.path().join("m.csv");
    let args = ["match", "--firms", "-", "--out", matches.to_str().unwrap()];
    let out = ucz_in_little_memory(1 << 20, &args, Some(&big));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out)
            .contains("error: <stdin>: line 1: too long: more than 1 MiB without a line break"),
        "{}",
        stderr(&out)
    );
    assert!(!matches.exists(), "nothing written");
}

#[test]
fn a_huge_firm_csv_is_refused_by_its_size_under_a_memory_limit() {
    let dir = tempfile::tempdir().unwrap();
    let big = sparse(dir.path(), "big.csv", 4 << 30);
    let matches = dir.path().join("m.csv");
    let out = ucz_in_little_memory(
        1 << 20,
        &[
            "match",
            "--firms",
            big.to_str().unwrap(),
            "--out",
            matches.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("too large: 4294967296 bytes, more than 1 GiB (the limit; raise it with --max-csv-bytes or UCZ_MAX_CSV_BYTES)"),
        "{}",
        stderr(&out)
    );
    assert!(!matches.exists(), "nothing written");
}

#[test]
fn the_size_limits_are_set_by_flag_or_environment() {
    let out = ucz_with(&["diagnose", ZONE], None, &[("UCZ_MAX_INPUT_BYTES", "1K")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(&format!("error: {ZONE}: too large: "))
            && stderr(&out).contains("more than 1 KiB"),
        "{}",
        stderr(&out)
    );
    let out = ucz_with(&["diagnose", ZONE, "--max-input-bytes", "1000"], None, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("more than 1000 bytes"),
        "{}",
        stderr(&out)
    );
    // The flag wins over the environment.
    let out = ucz_with(
        &["diagnose", ZONE, "--max-input-bytes", "1M"],
        None,
        &[("UCZ_MAX_INPUT_BYTES", "1K")],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    // The limit holds for every file of a catalog folder too.
    let catalog = broken_catalog("functions.toml", |t| t + &"# padding\n".repeat(1000));
    let out = ucz_with(
        &[
            "catalog",
            "check",
            "--catalog",
            catalog.path().to_str().unwrap(),
        ],
        None,
        &[("UCZ_MAX_INPUT_BYTES", "4K")],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("functions.toml: too large"),
        "{}",
        stderr(&out)
    );

    let out = ucz_with(&["diagnose", ZONE, "--max-input-bytes", "lots"], None, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("\"lots\" is not a size"),
        "{}",
        stderr(&out)
    );

    let dir = tempfile::tempdir().unwrap();
    let firms = dir.path().join("firms.csv");
    std::fs::write(
        &firms,
        "id,stage,region,founded,founder_age\na,early,daejeon,2025-01-01,30\n",
    )
    .unwrap();
    let out = ucz_with(
        &[
            "match",
            "--firms",
            firms.to_str().unwrap(),
            "--out",
            "-",
            "--max-csv-bytes",
            "20",
        ],
        None,
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(
            "more than 20 bytes (the limit; raise it with --max-csv-bytes or UCZ_MAX_CSV_BYTES)"
        ),
        "{}",
        stderr(&out)
    );
}

#[test]
fn devices_and_fifos_are_refused_as_input_files() {
    // Only its metadata is read: a device is refused before it is opened. (Under a memory
    // limit, so that a reader without bound fails fast instead of filling the machine's memory.)
    let out = ucz_in_little_memory(1 << 20, &["diagnose", "/dev/zero"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("error: /dev/zero: cannot read: not a regular file (a device, FIFO or socket); to read a stream, give `-`"),
        "{}",
        stderr(&out)
    );

    // A FIFO nobody writes to: opening it would wait forever.
    let dir = tempfile::tempdir().unwrap();
    let fifo = mkfifo(dir.path(), "zone.toml");
    let fifo = fifo.to_str().unwrap();
    for args in [
        vec!["diagnose", fifo],
        vec!["match", "--firm", fifo],
        vec!["match", "--firms", fifo, "--out", "-"],
    ] {
        let child = Command::new(env!("CARGO_BIN_EXE_ucz"))
            .args(&args)
            .current_dir(root())
            .env_remove("UCZ_CATALOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let out = wait_or_kill(child, Duration::from_secs(20))
            .unwrap_or_else(|| panic!("ucz {args:?} waited on the FIFO"));
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&out).contains("not a regular file"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn a_dash_reads_standard_input() {
    let zone = root().join(ZONE);
    let from_file = ucz(&["diagnose", ZONE, "--format", "json"]);
    let from_stdin = ucz_with(&["diagnose", "-", "--format", "json"], Some(&zone), &[]);
    assert!(from_stdin.status.success(), "{}", stderr(&from_stdin));
    assert_eq!(stdout(&from_stdin), stdout(&from_file));

    let firm = root().join(FIRM);
    let out = ucz_with(
        &["match", "--firm", "-", "--as-of", "2026-06-30"],
        Some(&firm),
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));

    // Messages name standard input.
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "id = \"z\nname = \"x\"\n").unwrap();
    let out = ucz_with(&["diagnose", "-"], Some(&bad), &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with("error: <stdin>:1:"),
        "{}",
        stderr(&out)
    );

    let firms = dir.path().join("firms.csv");
    std::fs::write(
        &firms,
        "id,stage,region,founded,founder_age\na,early,daejeon,2025-01-01,30\n",
    )
    .unwrap();
    let out = ucz_with(
        &[
            "match",
            "--firms",
            "-",
            "--out",
            "-",
            "--as-of",
            "2026-06-30",
        ],
        Some(&firms),
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("firm_id,program_id\na,"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn matches_written_to_a_fifo_go_through_it_and_leave_it_a_fifo() {
    let dir = tempfile::tempdir().unwrap();
    let firms = dir.path().join("firms.csv");
    std::fs::write(
        &firms,
        "id,stage,region,founded,founder_age\na,early,daejeon,2025-01-01,30\n",
    )
    .unwrap();
    let fifo = mkfifo(dir.path(), "matches.csv");
    // The reader: `cat` waits for a writer on the FIFO and copies what comes through.
    let reader = Command::new("cat")
        .arg(&fifo)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let out = ucz(&[
        "match",
        "--firms",
        firms.to_str().unwrap(),
        "--out",
        fifo.to_str().unwrap(),
        "--as-of",
        "2026-06-30",
    ]);
    let still_a_fifo = std::fs::symlink_metadata(&fifo)
        .unwrap()
        .file_type()
        .is_fifo();
    let received = wait_or_kill(reader, Duration::from_secs(20));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(still_a_fifo, "the FIFO was replaced by a file");
    let received = received.expect("the FIFO's reader got an end of file");
    let text = String::from_utf8(received.stdout).unwrap();
    assert!(text.starts_with("firm_id,program_id\na,"), "{text}");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        2,
        "no temporary file left beside the FIFO"
    );
}

#[test]
fn synthetic_firms_written_to_a_fifo_leave_it_a_fifo() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = mkfifo(dir.path(), "firms.csv");
    let reader = Command::new("cat")
        .arg(&fifo)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let out = ucz(&[
        "synth",
        "firms",
        "--count",
        "10",
        "--as-of",
        "2026-06-30",
        "--out",
        fifo.to_str().unwrap(),
    ]);
    let still_a_fifo = std::fs::symlink_metadata(&fifo)
        .unwrap()
        .file_type()
        .is_fifo();
    let received = wait_or_kill(reader, Duration::from_secs(20));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(still_a_fifo, "the FIFO was replaced by a file");
    let text = String::from_utf8(received.expect("end of file").stdout).unwrap();
    assert_eq!(text.lines().count(), 11, "{text}");
}

#[test]
fn matches_written_to_a_null_device_leave_it_a_device() {
    // A null device of our own in a temporary folder (`mknod` needs root; elsewhere the FIFO test
    // above covers the same path through the code).
    let dir = tempfile::tempdir().unwrap();
    let null = dir.path().join("null");
    let made = Command::new("mknod")
        .arg(&null)
        .args(["c", "1", "3"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !made {
        eprintln!("mknod not permitted here; the device case is left to the FIFO tests");
        return;
    }
    let firms = dir.path().join("firms.csv");
    std::fs::write(
        &firms,
        "id,stage,region,founded,founder_age\na,early,daejeon,2025-01-01,30\n",
    )
    .unwrap();
    let out = ucz(&[
        "match",
        "--firms",
        firms.to_str().unwrap(),
        "--out",
        null.to_str().unwrap(),
        "--as-of",
        "2026-06-30",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let file_type = std::fs::symlink_metadata(&null).unwrap().file_type();
    assert!(
        file_type.is_char_device(),
        "the device was replaced by a file"
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        2,
        "no temporary file left"
    );
}
