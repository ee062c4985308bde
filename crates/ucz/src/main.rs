//! `ucz`: the command line of the Urban Convergence Special Zone platform.
//!
//! Reads files, hands their text to `ucz-core`, prints what comes back. Exit codes: 0 success,
//! 1 an unexpected failure, 2 bad input (a file or an argument the user can fix).

mod catalog_cmd;
mod diagnose_cmd;
mod input;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use ucz_core::Lang;

use crate::input::BadInput;

#[derive(Parser)]
#[command(
    name = "ucz",
    version,
    about = "Urban Convergence Special Zones (도심융합특구): catalog and zone-plan diagnosis"
)]
struct Cli {
    /// Catalog folder to use instead of the catalog built into ucz.
    #[arg(long, global = true, value_name = "DIR", env = "UCZ_CATALOG")]
    catalog: Option<PathBuf>,

    /// Language of reports: ko (Korean) or en (English).
    #[arg(long, global = true, default_value = "ko", value_parser = parse_lang)]
    lang: Lang,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Show the catalog (`--format json` prints it as one JSON object), or check it.
    Catalog {
        #[command(subcommand)]
        action: Option<CatalogAction>,
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Diagnose a zone plan against the model of the brief.
    Diagnose {
        /// The zone file (TOML).
        zone: PathBuf,
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
    },
    /// Print a JSON Schema of an output.
    Schema {
        #[arg(value_enum)]
        output: SchemaOutput,
    },
}

#[derive(Subcommand)]
enum CatalogAction {
    /// Validate the catalog: unique ids, every reference resolves, Korean and English names.
    Check,
}

#[derive(Clone, Copy, ValueEnum)]
enum ListFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum ReportFormat {
    Text,
    Json,
    Md,
}

#[derive(Clone, Copy, ValueEnum)]
enum SchemaOutput {
    /// The output of `ucz diagnose --format json`.
    Diagnosis,
}

fn parse_lang(s: &str) -> Result<Lang, String> {
    s.parse()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            if let Some(bad) = error.downcast_ref::<BadInput>() {
                eprintln!("{bad}");
                ExitCode::from(2)
            } else {
                eprintln!("error: {error:#}");
                ExitCode::from(1)
            }
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let catalog = || input::load_catalog(cli.catalog.as_deref());
    match cli.command {
        Command::Catalog {
            action: Some(CatalogAction::Check),
            ..
        } => catalog_cmd::check(cli.catalog.as_deref()),
        Command::Catalog {
            action: None,
            format,
        } => catalog_cmd::show(&catalog()?, format, cli.lang),
        Command::Diagnose { zone, format } => {
            diagnose_cmd::run(&catalog()?, &zone, format, cli.lang)
        }
        Command::Schema {
            output: SchemaOutput::Diagnosis,
        } => {
            println!(
                "{}",
                serde_json::to_string_pretty(&ucz_core::diagnosis::json_schema())?
            );
            Ok(())
        }
    }
}
