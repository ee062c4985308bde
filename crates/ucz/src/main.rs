//! `ucz`: the command line of the Urban Convergence Special Zone platform.
//!
//! Reads files, hands their text to `ucz-core`, prints what comes back. Exit codes: 0 success,
//! 1 an unexpected failure, 2 bad input (a file or an argument the user can fix).

mod catalog_cmd;
mod diagnose_cmd;
mod input;
mod output;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use ucz_core::Lang;

use crate::input::BadInput;

#[derive(Parser)]
#[command(
    name = "ucz",
    version,
    about = "Urban Convergence Special Zones (도심융합특구): the zone model's catalog and zone-plan diagnosis",
    after_help = "Exit codes: 0 success, 1 unexpected failure, 2 bad input (the message names file:line:column and field)."
)]
struct Cli {
    /// Catalog folder to use instead of the catalog built into ucz [default: $UCZ_CATALOG if set]
    #[arg(long, global = true, value_name = "DIR")]
    catalog: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Show the catalog (`--format json`: one JSON object, one array per kind), or check it
    Catalog {
        #[command(subcommand)]
        action: Option<CatalogAction>,
        /// Output format
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
        #[command(flatten)]
        lang: LangArg,
    },
    /// Diagnose a zone plan against the model of the brief
    Diagnose {
        /// The zone file (TOML; see docs/zone-file.md)
        zone: PathBuf,
        /// Output format: a text report, JSON (docs/diagnosis.schema.json) or Markdown
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
        #[command(flatten)]
        lang: LangArg,
    },
    /// Print the JSON Schema of an output
    Schema {
        #[arg(value_enum)]
        output: SchemaOutput,
    },
}

#[derive(Args)]
struct LangArg {
    /// Language of the output: ko (Korean) or en (English)
    #[arg(long = "lang", value_name = "ko|en", default_value = "ko", value_parser = parse_lang)]
    value: Lang,
}

#[derive(Subcommand)]
enum CatalogAction {
    /// Validate the catalog: unique ids, every reference resolved, Korean and English names
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
    /// The output of `ucz diagnose --format json`
    Diagnosis,
}

fn parse_lang(s: &str) -> Result<Lang, String> {
    s.to_ascii_lowercase().parse()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            if let Some(bad) = error.downcast_ref::<BadInput>() {
                eprintln!("{bad}");
                ExitCode::from(2)
            } else if output::is_closed_pipe(&error) {
                // `ucz … | head`: the reader has what it wanted.
                ExitCode::SUCCESS
            } else {
                eprintln!("error: {error:#}");
                ExitCode::from(1)
            }
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let folder = input::catalog_folder(cli.catalog);
    let catalog = || input::load_catalog(folder.as_ref());
    match cli.command {
        Command::Catalog {
            action: Some(CatalogAction::Check),
            ..
        } => catalog_cmd::check(folder.as_ref()),
        Command::Catalog {
            action: None,
            format,
            lang,
        } => catalog_cmd::show(&catalog()?, format, lang.value),
        Command::Diagnose { zone, format, lang } => {
            diagnose_cmd::run(&catalog()?, &zone, format, lang.value)
        }
        Command::Schema {
            output: SchemaOutput::Diagnosis,
        } => output::json(&ucz_core::diagnosis::json_schema()),
    }
}
