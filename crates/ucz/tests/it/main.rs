//! Tests of the `ucz` binary as a user runs it: exit codes, output and error messages.

#![allow(clippy::unwrap_used)]

mod bad_input;
mod calls;
mod catalog;
mod diagnose;
mod generated_requests;
mod housing;
mod limits;
mod matching;
mod operations;
mod server;
mod simulate;
mod site;
mod tables;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root, where `examples/` and `catalog/` are.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// Runs `ucz` from the repository root.
pub fn ucz(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ucz"))
        .args(args)
        .current_dir(root())
        .env_remove("UCZ_CATALOG")
        .output()
        .unwrap()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}
