//! The server's log: events on standard error, filtered by `RUST_LOG` (by default the server's
//! start-up and one line per request at info). The start-up lines (the first account's password,
//! the address served) are written whatever the filter: a password shown once must be shown.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::input::BadInput;

/// What is logged when `RUST_LOG` is unset or empty.
pub const DEFAULT_FILTER: &str = "warn,ucz=info,ucz_service=info,ucz_web=info,tower_http=info";

/// The start-up lines' target, always at info.
const START_UP: &str = "ucz::serve_cmd=info";

/// Installs the log for `ucz serve`; a `RUST_LOG` that does not parse is bad input.
pub fn init() -> anyhow::Result<()> {
    let filter = match std::env::var("RUST_LOG") {
        Ok(value) if !value.trim().is_empty() => EnvFilter::try_new(&value)
            .map_err(|e| BadInput(format!("error: RUST_LOG={value}: {e}")))?,
        _ => EnvFilter::new(DEFAULT_FILTER),
    }
    .add_directive(START_UP.parse()?);
    // Already installed (a second start in one process) is no failure.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .try_init();
    Ok(())
}
