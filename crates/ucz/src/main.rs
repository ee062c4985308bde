//! `ucz`: the command line of the Urban Convergence Special Zone platform.
//!
//! Reads files, hands their text to `ucz-core`, prints what comes back. Exit codes: 0 success,
//! 1 an unexpected failure or failing rule tests, 2 bad input (a file or an argument the user
//! can fix).

mod backup_cmd;
mod bench_backup;
mod bench_bookings;
mod bench_calls;
mod bench_cmd;
mod bench_evaluate;
mod bench_import;
mod bench_nearest;
mod bench_placement;
mod bench_review;
mod bench_serve;
mod bench_simulate;
mod bench_site;
mod calls_cmd;
mod catalog_cmd;
mod diagnose_cmd;
mod evaluate_cmd;
mod firms_csv;
mod housing_cmd;
mod ingest;
mod input;
mod logging;
mod match_cmd;
mod output;
mod pairs_csv;
mod placement_cmd;
mod serve_cmd;
mod simulate_cmd;
mod site_cmd;
mod synth_cmd;
#[cfg(feature = "parquet")]
mod tables;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use ucz_core::date::Date;
use ucz_core::{Clock, Lang};

use crate::input::BadInput;

#[derive(Parser)]
#[command(
    name = "ucz",
    version,
    about = "Urban Convergence Special Zones (도심융합특구): the zone model's catalog, zone-plan diagnosis and program eligibility",
    after_help = "Exit codes: 0 success, 1 unexpected failure or failing rule tests, 2 bad input (the message names file, line, column and field)."
)]
struct Cli {
    /// Catalog folder to use instead of the catalog built into ucz [default: $UCZ_CATALOG if set]
    #[arg(long, global = true, value_name = "DIR")]
    catalog: Option<PathBuf>,

    /// Largest TOML input read (zone, firm, catalog or settings file), in bytes; K, M, G allowed
    #[arg(long, global = true, value_name = "BYTES", env = "UCZ_MAX_INPUT_BYTES", default_value = "16M", value_parser = input::parse_size)]
    max_input_bytes: u64,

    /// Largest firm CSV read by `match --firms`, in bytes; K, M, G allowed
    #[arg(long, global = true, value_name = "BYTES", env = "UCZ_MAX_CSV_BYTES", default_value = "1G", value_parser = input::parse_size)]
    max_csv_bytes: u64,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Show the catalog (`--format json`: one JSON object, one array per kind), check it, or run its rule tests
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
        /// The zone file (TOML; see docs/zone-file.md); `-` reads standard input
        zone: PathBuf,
        /// Output format: a text report, JSON (docs/diagnosis.schema.json) or Markdown
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
        #[command(flatten)]
        lang: LangArg,
    },
    /// Programs a firm qualifies for (--firm), or every eligible firm–program pair of a CSV (--firms … --out …)
    Match {
        /// One firm profile (TOML; see docs/firm.md); `-` reads standard input
        #[arg(long, value_name = "FIRM.toml", conflicts_with_all = ["firms", "out", "skip_bad_rows", "rules", "summary"], required_unless_present = "firms")]
        firm: Option<PathBuf>,
        /// Firms as CSV, Parquet or Arrow IPC (told by their first bytes), one row per firm, columns
        /// named as the firm fields; `-` reads standard input
        #[arg(long, value_name = "FIRMS.csv", requires = "out")]
        firms: Option<PathBuf>,
        /// Where to write `firm_id,program_id`, one row per eligible pair (Parquet when the name
        /// ends in .parquet, CSV otherwise); `-` is standard output
        #[arg(long, value_name = "MATCHES.csv")]
        out: Option<PathBuf>,
        /// Leave out bad rows (they are counted and listed) instead of stopping
        #[arg(long)]
        skip_bad_rows: bool,
        /// Match these rules instead of the catalog's programs (a TOML file of `[[rule]]` tables
        /// with `id` and `rule`, e.g. bench/rules-20.toml)
        #[arg(long, value_name = "RULES.toml", requires = "firms")]
        rules: Option<PathBuf>,
        /// Write the run's summary as JSON: firms, programs, pairs, skipped_rows, seconds, peak_memory_bytes
        #[arg(long, value_name = "SUMMARY.json", requires = "firms")]
        summary: Option<PathBuf>,
        #[command(flatten)]
        as_of: AsOf,
        /// Output format of --firm
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
        #[command(flatten)]
        lang: LangArg,
    },
    /// Generate synthetic data
    Synth {
        #[command(subcommand)]
        what: SynthWhat,
    },
    /// Measure how fast ucz is
    Bench {
        #[command(subcommand)]
        what: BenchWhat,
    },
    /// Run the platform server (JSON API under /api/v1) on SQLite (default ucz.db) or PostgreSQL
    Serve {
        #[command(flatten)]
        server: ServerArgs,
        /// Address to listen on [default: 127.0.0.1:8080]
        #[arg(long)]
        listen: Option<String>,
        /// Do not load demo data on first start
        #[arg(long)]
        no_demo: bool,
    },
    /// Open calls (공고) from K-Startup and 기업마당: import a response, or fetch a live API page by page
    Calls {
        #[command(subcommand)]
        action: CallsAction,
    },
    /// Site suitability: score a region's cells by weighted criteria and rank candidate hub sites (docs/site-suitability.md)
    Site {
        #[command(subcommand)]
        action: SiteAction,
    },
    /// Worker housing: a round's verifiable draw (docs/housing-draw.md)
    Housing {
        #[command(subcommand)]
        action: HousingAction,
    },
    /// The space ladder of a region: graduation forecast and optimal Post-BI placement
    Placement {
        #[command(subcommand)]
        what: PlacementWhat,
    },
    /// The startup pipeline of a few regions simulated (births, incubation, graduation, Post-BI
    /// placement, growth, leaving): Monte Carlo runs of a scenario's base and variants on common
    /// random numbers, side by side (see examples/scenarios/README.md)
    Simulate {
        /// The scenario file (TOML); `-` reads standard input
        #[arg(value_name = "SCENARIO.toml")]
        scenario: PathBuf,
        /// Runs of the base and of each variant [default: the file's `runs`]
        #[arg(long)]
        runs: Option<u32>,
        /// Seed of the random streams [default: the file's `seed`]
        #[arg(long)]
        seed: Option<u64>,
        /// text: a side-by-side table with 90% intervals and charts; json: every measure; csv: one
        /// row per variant, region, year and measure
        #[arg(long, value_enum, default_value = "text")]
        format: simulate_cmd::Format,
        /// One run, firm by firm, each month's Post-BI placement by the exact plan
        #[arg(long)]
        detailed: bool,
        /// Write the output to this file instead of standard output
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// First calibrate the regions from the platform's database (incubation leases, their
        /// graduates' retention), where at least 20 records back a figure
        #[arg(long)]
        calibrate: bool,
        #[command(flatten)]
        lang: LangArg,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// A zone's performance evaluation of a year: every indicator of the catalog computed from
    /// the operations records (docs/evaluation.md)
    Evaluate {
        /// The zone's id
        #[arg(long)]
        zone: String,
        /// The calendar year
        #[arg(long)]
        year: i32,
        /// text or json: the scorecard; xlsx: the whole report, one sheet per section
        #[arg(long, value_enum, default_value = "text")]
        format: EvaluateFormat,
        /// Read the records as they stood then: a day (its end in Korea) or an RFC 3339 time
        #[arg(long)]
        as_of: Option<String>,
        /// Where to write the workbook [default: ucz-evaluation-<zone>-<year>.xlsx]
        #[arg(long)]
        out: Option<std::path::PathBuf>,
        #[command(flatten)]
        lang: LangArg,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Apply the database migrations (forward only; back up first: docs/operations.md)
    Migrate {
        #[command(flatten)]
        server: ServerArgs,
        /// Say which migrations would run, and run none
        #[arg(long)]
        check: bool,
    },
    /// Manage accounts
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// Back up the database while the server runs: every table in one snapshot, with a manifest
    /// (version, schema, rows per table, audit head, checksum); docs/operations.md
    Backup {
        /// The backup file to write (written beside it, then renamed into place)
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Restore a backup into an empty database (SQLite or PostgreSQL, whichever it came from),
    /// then check its rows and its audit head; a failed restore changes nothing
    Restore {
        /// The backup file
        #[arg(value_name = "FILE")]
        file: PathBuf,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Check the audit trail
    Audit {
        #[command(subcommand)]
        action: AuditAction,
    },
    /// The server's settings: `config show` prints each with its default (secrets masked)
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
    /// Print the JSON Schema of an output
    Schema {
        #[arg(value_enum)]
        output: SchemaOutput,
    },
}

#[derive(Subcommand)]
enum HousingAction {
    /// Draw a round from its inputs (the frozen list, tiers, quotas, units and the public
    /// random value, as JSON) and print what is published
    Draw {
        #[arg(value_name = "INPUTS.json")]
        file: PathBuf,
        /// The round's name in what is printed
        #[arg(long, default_value = "round")]
        round: String,
    },
    /// Re-run a published draw and say whether it matches (exit 0) or which parts differ (exit 1)
    Verify {
        #[arg(value_name = "ROUND.json")]
        file: PathBuf,
    },
}

#[derive(Subcommand)]
enum CallsAction {
    /// Import a K-Startup or 기업마당 response (JSON, either envelope) into the database: new calls
    /// created, changed ones updated, the same call from both portals grouped; records that
    /// cannot be read are told by index and field (exit code 2) and the others imported
    Import {
        /// The response file (`-` for standard input)
        #[arg(value_name = "FILE.json")]
        file: PathBuf,
        /// Which portal it comes from: kstartup or bizinfo
        #[arg(long, value_parser = calls_cmd::parse_source)]
        source: ucz_core::call::CallSource,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Page through a portal's API and import every page (for deployments with an API key)
    Fetch {
        /// kstartup or bizinfo
        #[arg(long, value_parser = calls_cmd::parse_source)]
        source: ucz_core::call::CallSource,
        /// The API's address, without paging or key (e.g. the K-Startup service's
        /// getAnnouncementInformation01 operation)
        #[arg(long)]
        url: String,
        /// Only calls closing on or after this day (K-Startup)
        #[arg(long, value_parser = parse_date)]
        since: Option<Date>,
        /// Records asked for per page (1 to 1000)
        #[arg(long, default_value_t = 100)]
        per_page: u32,
        /// Pages at most
        #[arg(long, default_value_t = 100)]
        max_pages: u32,
        /// Requests per second, at most
        #[arg(long, default_value_t = 2.0)]
        rate: f64,
        /// Attempts after the first on a connection error, 429 or 5xx (waiting 0.5 s, then twice as long each time)
        #[arg(long, default_value_t = 3)]
        retries: u32,
        /// Read the API key from this file (else from $UCZ_KSTARTUP_KEY or $UCZ_BIZINFO_KEY);
        /// a key is never given on the command line
        #[arg(long, value_name = "FILE")]
        key_file: Option<PathBuf>,
        #[command(flatten)]
        server: ServerArgs,
    },
}

#[derive(Subcommand)]
enum PlacementWhat {
    /// Plan a 시·도 or a 광역경제권: who graduates when, which space each gets and why, or why none fits
    Plan {
        /// 시·도 id (catalog/regions.toml) or 광역경제권 id (catalog/economic_regions.toml): a
        /// 광역경제권's graduates may be placed in any of its hubs
        #[arg(long)]
        region: String,
        #[command(flatten)]
        as_of: AsOf,
        /// Months ahead to forecast
        #[arg(long, default_value_t = 12)]
        horizon: u32,
        #[arg(long, value_enum, default_value = "text")]
        format: ListFormat,
        #[command(flatten)]
        lang: LangArg,
        #[command(flatten)]
        server: ServerArgs,
    },
}

#[derive(Args)]
struct ServerArgs {
    /// Settings file (TOML; every setting and its default: `ucz config show`, docs/operations.md)
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// sqlite://FILE or postgres://… [default: sqlite://ucz.db, or $UCZ_DATABASE_URL]
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
}

impl ServerArgs {
    fn settings(&self) -> anyhow::Result<serve_cmd::Settings> {
        let mut settings = serve_cmd::Settings::load(self.config.as_deref())?;
        if let Some(url) = &self.database_url {
            serve_cmd::refuse_secret_flag(url)?;
            settings.database_url = url.clone();
        }
        Ok(settings)
    }
}

#[derive(Subcommand)]
enum ConfigAction {
    /// Every setting as the server would use it (file, then UCZ_* environment, then flags), with
    /// its default; secrets masked
    Show {
        #[command(flatten)]
        server: ServerArgs,
    },
}

#[derive(Subcommand)]
enum UserAction {
    /// Create an account; its password is printed once
    Add {
        #[arg(long)]
        username: String,
        /// admin, coordinator, operator or firm
        #[arg(long)]
        role: String,
        /// The zone of an operator
        #[arg(long)]
        zone: Option<String>,
        /// The firm of a firm account
        #[arg(long)]
        firm: Option<String>,
        #[command(flatten)]
        server: ServerArgs,
    },
}

#[derive(Subcommand)]
enum AuditAction {
    /// Recompute the hash chain and print its row count and head hash; exit code 1 when a row was
    /// altered, or when the head is not --expect-head
    Verify {
        /// The head hash printed by an earlier run: the chain must still end there (rows removed
        /// from the end, or added since, make exit code 1)
        #[arg(long, value_name = "HASH")]
        expect_head: Option<String>,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Erase the payload (the records' values, with their personal data) of one audit row,
    /// keeping its hash: the chain still verifies, and the erasure is audited
    Erase {
        /// The audit row's id
        #[arg(long, value_name = "ID")]
        row: i64,
        #[command(flatten)]
        server: ServerArgs,
    },
}

#[derive(Args)]
struct LangArg {
    /// Language of the output: ko (Korean) or en (English)
    #[arg(long = "lang", value_name = "ko|en", default_value = "ko", value_parser = parse_lang)]
    lang: Lang,
}

#[derive(Args)]
struct AsOf {
    /// Evaluation date (YYYY-MM-DD) for firm ages [default: today in Korea, by $UCZ_NOW when set]
    #[arg(long = "as-of", value_name = "DATE", value_parser = parse_date)]
    as_of: Option<Date>,
}

impl AsOf {
    fn date(&self, clock: &Clock) -> Date {
        self.as_of.unwrap_or_else(|| clock.today())
    }
}

#[derive(Subcommand)]
enum CatalogAction {
    /// Validate the catalog: unique ids, every reference resolved, names in both languages, every rule well-typed
    Check,
    /// Run the rule tests beside the rules (catalog/tests/*.toml)
    Test,
}

#[derive(Subcommand)]
enum SynthWhat {
    /// A firm population with the shares of published Korean statistics, as CSV (Parquet when the
    /// name ends in .parquet)
    Firms {
        #[arg(long, default_value_t = 10_000)]
        count: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, value_name = "FIRMS.csv")]
        out: PathBuf,
        #[command(flatten)]
        as_of: AsOf,
    },
}

#[derive(Subcommand)]
enum SiteAction {
    /// Score the grid of a suitability file (e.g. examples/site/daejeon.toml) and list the best sites
    Score {
        /// The suitability file (TOML); its layers are read relative to it
        file: PathBuf,
        /// Replace a criterion's weight, e.g. --weight station=4 (repeatable)
        #[arg(long = "weight", value_name = "CRITERION=WEIGHT")]
        weights: Vec<String>,
        /// Write score.tif (GeoTIFF, EPSG:5179), sites.geojson (WGS84) and sites-5179.geojson here
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Also write PNG map tiles (DIR/tiles/z/x/y.png) for these zooms, e.g. 9-12
        #[arg(long, value_name = "ZOOMS", requires = "out")]
        tiles: Option<String>,
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
        #[command(flatten)]
        lang: LangArg,
    },
}

#[derive(Subcommand)]
enum BenchWhat {
    /// Site suitability on a synthetic national 100 m grid (about 10 M cells, 6 criteria), beside SciPy's distance transform when installed
    Site {
        #[arg(long, default_value_t = 3_200)]
        cols: usize,
        #[arg(long, default_value_t = 3_125)]
        rows: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Match a synthetic population against many programs; prints evaluations per second and wall time
    Match {
        #[arg(long, default_value_t = 4_000_000)]
        firms: usize,
        /// Programs: the first N of the bundled bench/programs-2000.toml (the catalog's rule
        /// shapes with varied thresholds, regions, sectors and stages)
        #[arg(long, default_value_t = 2_000)]
        programs: usize,
        /// Time the catalog's own rules, then variants of them with other thresholds, N in all
        #[arg(long, value_name = "N", conflicts_with_all = ["programs", "rules"])]
        variants: Option<usize>,
        /// Time these rules instead (a TOML file of `[[rule]]` tables with `id` and `rule`, e.g.
        /// bench/rules-20.toml)
        #[arg(long, value_name = "RULES.toml", conflicts_with = "programs")]
        rules: Option<PathBuf>,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Write the bundled programs' generator output to this file and stop (how
        /// bench/programs-2000.toml is made)
        #[arg(long, value_name = "FILE", hide = true)]
        write_programs: Option<PathBuf>,
        #[command(flatten)]
        as_of: AsOf,
    },
    /// Time to plan the Post-BI placement of one synthetic region (most placed, best fit, shortest move)
    Placement {
        #[arg(long, default_value_t = 5_000)]
        graduates: usize,
        #[arg(long, default_value_t = 20_000)]
        spaces: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Nearest of N facilities to M points in a Korea-sized EPSG:5179 box (R-tree), beside shapely's STRtree when installed (scripts/bench-python.sh)
    Nearest {
        #[arg(long, default_value_t = 10_000)]
        facilities: usize,
        /// Query points
        #[arg(long, default_value_t = 1_000_000)]
        queries: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// A pipeline simulation of the example scenario (1,000 runs × 10 years × 5 regions, base and variants); prints seconds and runs per second
    Simulate {
        #[arg(long, default_value_t = 1_000)]
        runs: u32,
        /// Threads [default: every core]
        #[arg(long)]
        threads: Option<usize>,
    },
    /// Assignment of applications to evaluators with conflicts (k each, balanced), then ranking and selection from every score
    Review {
        #[arg(long, default_value_t = 5_000)]
        applications: usize,
        #[arg(long, default_value_t = 300)]
        evaluators: usize,
        /// Evaluators per application
        #[arg(long, default_value_t = 3)]
        k: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Every indicator for 5 zones × 10 years over a synthetic dataset of operations records
    Evaluate {
        /// Operations records to generate (firms, leases, filings, bookings, applications, …)
        #[arg(long, default_value_t = 1_000_000)]
        records: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Bookings confirmed per second under concurrent clients with p50/p99, through the API on SQLite and PostgreSQL; then every client at once for one slot
    Bookings {
        /// Bookings of free slots to make
        #[arg(long, default_value_t = 4_000)]
        bookings: usize,
        /// Concurrent clients (each a firm of its own)
        #[arg(long, default_value_t = 64)]
        clients: usize,
        /// The PostgreSQL database to make a schema in [default: $UCZ_TEST_POSTGRES or postgres://postgres@127.0.0.1:5432/test]
        #[arg(long, value_name = "URL")]
        postgres: Option<String>,
    },
    /// Requests per second and p50/p99 latency of the server for a package read and a firm write
    Serve {
        /// Requests of the read; the write gets a quarter as many
        #[arg(long, default_value_t = 4_000)]
        requests: usize,
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
        /// Benchmark this database instead of a temporary SQLite file (its tables get demo data)
        #[arg(long, value_name = "URL")]
        database_url: Option<String>,
    },
    /// A firm import through the server's /import pages from a generated .xlsx and .csv: preview and confirm times, peak memory, records written and audited
    Import {
        /// Rows of each generated file
        #[arg(long, default_value_t = 50_000)]
        rows: usize,
        /// Import into this database instead of a temporary SQLite file (its tables get demo data; the imported firms stay)
        #[arg(long, value_name = "URL")]
        database_url: Option<String>,
    },
    /// Open calls: 10,000 calls' approved rules matched against 100,000 firms (columnar), and a firm's /calls page p50/p99 over HTTP
    Calls {
        #[arg(long, default_value_t = 10_000)]
        calls: usize,
        #[arg(long, default_value_t = 100_000)]
        firms: usize,
        /// Requests of a firm's /calls page
        #[arg(long, default_value_t = 400)]
        requests: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Backup and restore times of a large database on SQLite and PostgreSQL, beside SQLite's VACUUM INTO and pg_dump
    Backup {
        /// Firms in the database
        #[arg(long, default_value_t = 1_000_000)]
        firms: usize,
        /// Leases in the database
        #[arg(long, default_value_t = 100_000)]
        leases: usize,
        /// The PostgreSQL database to make a schema in [default: $UCZ_TEST_POSTGRES or postgres://postgres@127.0.0.1:5432/test]
        #[arg(long, value_name = "URL")]
        postgres: Option<String>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum ListFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum EvaluateFormat {
    Text,
    Json,
    Xlsx,
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

fn parse_date(s: &str) -> Result<Date, String> {
    s.parse()
}

/// The clock of the commands without server settings: fixed by `UCZ_NOW` as `ucz serve`'s is,
/// else the system's.
fn clock() -> Result<Clock, BadInput> {
    let now = std::env::var("UCZ_NOW").ok().filter(|v| !v.is_empty());
    serve_cmd::clock_at(now.as_deref())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
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

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    input::set_limits(input::Limits {
        text: cli.max_input_bytes,
        csv: cli.max_csv_bytes,
    });
    let folder = input::catalog_folder(cli.catalog);
    let catalog = || input::load_catalog(folder.as_ref());
    match cli.command {
        Command::Catalog {
            action: Some(CatalogAction::Check),
            ..
        } => catalog_cmd::check(folder.as_ref())?,
        Command::Catalog {
            action: Some(CatalogAction::Test),
            ..
        } => return catalog_cmd::test(folder.as_ref()),
        Command::Catalog {
            action: None,
            format,
            lang,
        } => catalog_cmd::show(&catalog()?, format, lang.lang)?,
        Command::Diagnose { zone, format, lang } => {
            diagnose_cmd::run(&catalog()?, &zone, format, lang.lang)?
        }
        Command::Match {
            firm: Some(firm),
            as_of,
            format,
            lang,
            ..
        } => match_cmd::one(&catalog()?, &firm, as_of.date(&clock()?), format, lang.lang)?,
        Command::Match {
            firms: Some(firms),
            out: Some(out),
            as_of,
            skip_bad_rows,
            rules,
            summary,
            ..
        } => match_cmd::many(
            &catalog()?,
            &firms,
            &out,
            as_of.date(&clock()?),
            &match_cmd::Batch {
                skip_bad_rows,
                rules,
                summary,
            },
        )?,
        Command::Match { .. } => {
            return Err(BadInput(
                "error: give --firm FIRM.toml, or --firms FIRMS.csv with --out MATCHES.csv".into(),
            )
            .into());
        }
        Command::Synth {
            what:
                SynthWhat::Firms {
                    count,
                    seed,
                    out,
                    as_of,
                },
        } => synth_cmd::firms(count, seed, as_of.date(&clock()?), &out)?,
        Command::Bench {
            what:
                BenchWhat::Match {
                    firms,
                    programs,
                    variants,
                    rules,
                    seed,
                    write_programs,
                    as_of,
                },
        } => {
            if let Some(path) = write_programs {
                std::fs::write(&path, bench_cmd::generate_programs(2_000, 2026))
                    .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
                return Ok(ExitCode::SUCCESS);
            }
            let catalog = catalog()?;
            let rules = match (rules, variants) {
                (Some(path), _) => bench_cmd::Programs::File(input::rule_set(&path)?),
                (None, Some(count)) => bench_cmd::Programs::Variants(count),
                (None, None) => bench_cmd::Programs::Bundled(programs),
            };
            bench_cmd::run(&catalog, firms, rules, seed, as_of.date(&clock()?))?
        }
        Command::Bench {
            what:
                BenchWhat::Placement {
                    graduates,
                    spaces,
                    seed,
                },
        } => bench_placement::run(&catalog()?, graduates, spaces, seed)?,
        Command::Bench {
            what: BenchWhat::Site { cols, rows, seed },
        } => bench_site::run(cols, rows, seed)?,
        Command::Site {
            action:
                SiteAction::Score {
                    file,
                    weights,
                    out,
                    tiles,
                    format,
                    lang,
                },
        } => site_cmd::score(
            &catalog()?,
            site_cmd::Asked {
                file,
                weights,
                out,
                tiles,
                format,
                lang: lang.lang,
            },
        )?,
        Command::Bench {
            what:
                BenchWhat::Nearest {
                    facilities,
                    queries,
                    seed,
                },
        } => bench_nearest::run(facilities, queries, seed)?,
        Command::Bench {
            what:
                BenchWhat::Review {
                    applications,
                    evaluators,
                    k,
                    seed,
                },
        } => bench_review::run(applications, evaluators, k, seed)?,
        Command::Bench {
            what:
                BenchWhat::Serve {
                    requests,
                    concurrency,
                    database_url,
                },
        } => bench_serve::run(catalog()?, database_url, requests, concurrency, clock()?)?,
        Command::Bench {
            what: BenchWhat::Evaluate { records, seed },
        } => bench_evaluate::run(catalog()?, records, seed)?,
        Command::Bench {
            what:
                BenchWhat::Bookings {
                    bookings,
                    clients,
                    postgres,
                },
        } => bench_bookings::run(catalog()?, bookings, clients, postgres, clock()?)?,
        Command::Bench {
            what: BenchWhat::Import { rows, database_url },
        } => bench_import::run(catalog()?, database_url, rows, clock()?)?,
        Command::Bench {
            what:
                BenchWhat::Backup {
                    firms,
                    leases,
                    postgres,
                },
        } => bench_backup::run(catalog()?, firms, leases, postgres, clock()?)?,
        Command::Bench {
            what:
                BenchWhat::Calls {
                    calls,
                    firms,
                    requests,
                    seed,
                },
        } => bench_calls::run(catalog()?, calls, firms, requests, seed, clock()?)?,
        Command::Simulate {
            scenario,
            runs,
            seed,
            format,
            detailed,
            out,
            calibrate,
            lang,
            server,
        } => simulate_cmd::run(
            &catalog()?,
            simulate_cmd::Asked {
                scenario,
                runs,
                seed,
                format,
                detailed,
                out,
                calibrate: calibrate.then(|| server.settings()).transpose()?,
                lang: lang.lang,
            },
        )?,
        Command::Bench {
            what: BenchWhat::Simulate { runs, threads },
        } => bench_simulate::run(&catalog()?, runs, threads)?,
        Command::Config {
            action: ConfigAction::Show { server },
        } => print!("{}", server.settings()?.show()),
        Command::Schema {
            output: SchemaOutput::Diagnosis,
        } => output::json(&ucz_core::diagnosis::json_schema())?,
        Command::Serve {
            server,
            listen,
            no_demo,
        } => {
            let mut settings = server.settings()?;
            if let Some(listen) = listen {
                settings.listen = listen;
            }
            if no_demo {
                settings.demo = false;
            }
            logging::init()?;
            serve_cmd::serve(catalog()?, settings)?
        }
        Command::Migrate { server, check } => serve_cmd::migrate(server.settings()?, check)?,
        Command::Backup { out, server } => backup_cmd::backup(server.settings()?, &out)?,
        Command::Restore { file, server } => backup_cmd::restore(server.settings()?, &file)?,
        Command::Evaluate {
            zone,
            year,
            format,
            as_of,
            out,
            lang,
            server,
        } => evaluate_cmd::run(
            catalog()?,
            server.settings()?,
            evaluate_cmd::Asked {
                zone,
                year,
                format,
                as_of,
                out,
                lang: lang.lang,
            },
        )?,
        Command::Placement {
            what:
                PlacementWhat::Plan {
                    region,
                    as_of,
                    horizon,
                    format,
                    lang,
                    server,
                },
        } => {
            let settings = server.settings()?;
            let day = as_of.date(&settings.clock()?);
            placement_cmd::plan(
                catalog()?,
                settings,
                &region,
                day,
                horizon,
                matches!(format, ListFormat::Json),
                lang.lang,
            )?
        }
        Command::Housing {
            action: HousingAction::Draw { file, round },
        } => return housing_cmd::run_draw(&file, &round),
        Command::Housing {
            action: HousingAction::Verify { file },
        } => return housing_cmd::verify(&file),
        Command::Calls {
            action:
                CallsAction::Import {
                    file,
                    source,
                    server,
                },
        } => return calls_cmd::import(catalog()?, server.settings()?, &file, source),
        Command::Calls {
            action:
                CallsAction::Fetch {
                    source,
                    url,
                    since,
                    per_page,
                    max_pages,
                    rate,
                    retries,
                    key_file,
                    server,
                },
        } => {
            let key_env = match source {
                ucz_core::call::CallSource::Kstartup => "UCZ_KSTARTUP_KEY",
                _ => "UCZ_BIZINFO_KEY",
            };
            let fetch = calls_cmd::Fetch {
                source,
                url,
                since,
                per_page,
                max_pages,
                rate,
                retries,
                key_file,
                key_env: key_env.into(),
            };
            return calls_cmd::fetch(catalog()?, server.settings()?, &fetch);
        }
        Command::User {
            action:
                UserAction::Add {
                    username,
                    role,
                    zone,
                    firm,
                    server,
                },
        } => serve_cmd::add_user(
            server.settings()?,
            &username,
            &role,
            zone.as_deref(),
            firm.as_deref(),
        )?,
        Command::Audit {
            action:
                AuditAction::Verify {
                    server,
                    expect_head,
                },
        } => return serve_cmd::verify_audit(server.settings()?, expect_head.as_deref()),
        Command::Audit {
            action: AuditAction::Erase { server, row },
        } => serve_cmd::erase_audit_payload(server.settings()?, row)?,
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_is_well_formed() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
