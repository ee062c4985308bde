//! The system of record of ucz on SQLite (embedded, the default) or PostgreSQL, through one set
//! of runtime queries: zones with their facilities, spaces and institutions, firms, accounts,
//! sessions and API tokens, and an append-only, hash-chained audit trail.
//!
//! Every write runs in one transaction with its audit row, so a change and its record land
//! together or not at all. Audited writes hold one write lock across every process sharing the
//! database (an advisory lock on PostgreSQL, `BEGIN IMMEDIATE` on SQLite), so the chain stays
//! linear whichever servers and commands write at once. Sessions (and migrations) are the only
//! writes without an audit row: docs/audit.md lists every write with its rows.
//!
//! Reads are scoped in SQL to what a request needs (`queries`): no request reads a whole table.

mod accounts;
mod audit;
mod awards;
pub mod backup;
mod bookings;
mod calls;
mod evaluation;
mod housing;
mod ladder;
mod notices;
mod planning;
mod queries;
mod records;
mod repo;
mod statements;

use std::str::FromStr;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions};
use ucz_core::Clock;

pub use accounts::{Joined, LinkPurpose, NewMember, Profile, SessionInfo, ZoneLink};
pub use audit::{AuditEntry, ERASED, GENESIS, Verification};
pub use awards::{
    AgreementRow, ApplicationChange, ApplicationRow, CompetitionRow, Created, EvaluatorRow,
    FactRow, FilingRow, NewApplication, ObjectionRow, ScoreRow, Upload,
};
pub use bookings::{
    Booked, BookingRow, ClosureRow, HOLDING, NewBooking, ResourceRow, Slot, Taken, TrainingRow,
    WaitRow,
};
pub use calls::{CallImport, Mark, MarkKind};
pub use evaluation::EvaluationRow;
pub use housing::{
    ApplicationRow as HousingApplicationRow, DocumentRow, Invited, NewDocument, NewTenancy,
    OfferRow, RoundRow, TenancyRow, UnitRow,
};
pub use ladder::RegionRows;
pub use notices::{JobInfo, NewMail, OutboxMail, Recipient, StoredNotice};
pub use queries::{LeaseScope, ZoneParts};
pub use records::*;
pub use repo::{
    Aggregate, Key, Listed, PlanId, Rejection, RejectionId, Repo, ShownPlan, ShownProposal, Stored,
};
pub use statements::{NewStatement, PaymentRow, StatementRow, TermRow};
pub use ucz_core::account::{RoleName, Session, TokenInfo, User, UserId};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    #[error("{entity} {id} already exists")]
    Conflict {
        entity: &'static str,
        /// What messages call the record, in either language.
        what: ucz_core::Key,
        id: String,
    },
    /// The system gave no random bytes (for an audit row's payload salt).
    #[error("no random bytes: {0}")]
    Random(String),
    /// A write refused by a rule across records (`Store::write_checked`), with the reason in
    /// either language.
    #[error("{0}")]
    Rejected(ucz_core::Message),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    writes: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// What the store reads the time from: audit rows' times, session and token expiry.
    clock: Clock,
    /// Where uploaded files are kept when not in the database: a directory every server
    /// process sharing the database reads (`Store::with_files_dir`).
    files_dir: Option<std::sync::Arc<std::path::PathBuf>>,
}

static SQLITE: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Store {
    /// Connects to `sqlite://path` (created if missing, WAL mode) or `postgres://…`.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        };
        let url = match backend {
            Backend::Sqlite if !url.contains('?') => format!("{url}?mode=rwc"),
            _ => url.to_string(),
        };
        // Statements are logged at trace only (`RUST_LOG=sqlx::query=trace`), never slow ones
        // at warn: the server's log is its requests.
        let options = AnyConnectOptions::from_str(&url)?
            .log_statements(log::LevelFilter::Trace)
            .log_slow_statements(log::LevelFilter::Off, std::time::Duration::MAX);
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 4 } else { 10 })
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // The busy timeout first: a connection opened while another writes
                        // waits for the lock instead of failing on the pragmas after it.
                        sqlx::query("PRAGMA busy_timeout = 5000")
                            .execute(&mut *conn)
                            .await?;
                        sqlx::query("PRAGMA journal_mode = WAL")
                            .execute(&mut *conn)
                            .await?;
                        sqlx::query("PRAGMA foreign_keys = ON")
                            .execute(&mut *conn)
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        Ok(Store {
            pool,
            backend,
            writes: Default::default(),
            clock: Clock::system(),
            files_dir: None,
        })
    }

    /// The store reading its time from `clock` (the system's unless given).
    pub fn with_clock(mut self, clock: Clock) -> Store {
        self.clock = clock;
        self
    }

    /// Keeps uploaded files in `dir` (named by their hash) instead of the database.
    pub fn with_files_dir(mut self, dir: std::path::PathBuf) -> Store {
        self.files_dir = Some(std::sync::Arc::new(dir));
        self
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Applies the migrations of the backend that are not applied yet.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match self.backend {
            Backend::Sqlite => SQLITE.run(&self.pool).await?,
            Backend::Postgres => POSTGRES.run(&self.pool).await?,
        }
        Ok(())
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    fn migrator(&self) -> &'static sqlx::migrate::Migrator {
        match self.backend {
            Backend::Sqlite => &SQLITE,
            Backend::Postgres => &POSTGRES,
        }
    }

    /// The database's schema against this build's migrations: what is applied, what would run,
    /// and what a newer ucz applied. Reads only; a database never migrated has nothing applied.
    pub async fn schema(&self) -> Result<Schema, StoreError> {
        let exists: i64 = match self.backend {
            Backend::Sqlite => sqlx::query_scalar(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
            ),
            Backend::Postgres => sqlx::query_scalar(
                "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = '_sqlx_migrations'",
            ),
        }
        .fetch_one(&self.pool)
        .await?;
        let applied: Vec<i64> = if exists > 0 {
            sqlx::query_scalar(
                "SELECT version FROM _sqlx_migrations WHERE success = TRUE ORDER BY version",
            )
            .fetch_all(&self.pool)
            .await?
        } else {
            Vec::new()
        };
        let known = self
            .migrator()
            .iter()
            .filter(|m| !m.migration_type.is_down_migration())
            .map(|m| (m.version, m.description.to_string()))
            .collect();
        Ok(Schema { applied, known })
    }
}

/// A database's schema against the migrations of this build (`Store::schema`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schema {
    /// Versions applied, in order.
    pub applied: Vec<i64>,
    /// This build's migrations: version and description, in order.
    pub known: Vec<(i64, String)>,
}

impl Schema {
    /// Migrations of this build not applied yet: what `ucz migrate` would run.
    pub fn pending(&self) -> Vec<&(i64, String)> {
        self.known
            .iter()
            .filter(|(v, _)| !self.applied.contains(v))
            .collect()
    }

    /// Versions applied that this build does not know: the database is a newer ucz's.
    pub fn newer(&self) -> Vec<i64> {
        self.applied
            .iter()
            .copied()
            .filter(|v| !self.known.iter().any(|(k, _)| k == v))
            .collect()
    }

    /// The newest version this build knows.
    pub fn latest_known(&self) -> Option<i64> {
        self.known.last().map(|(v, _)| *v)
    }

    /// `ok` when the schema is this build's, else what differs (for `/readyz`).
    pub fn summary(&self) -> String {
        let (pending, newer) = (self.pending(), self.newer());
        match (pending.is_empty(), newer.is_empty()) {
            (true, true) => "ok".into(),
            (_, false) => format!("database is newer than this build (versions {newer:?} unknown)"),
            (false, true) => format!("{} migrations pending", pending.len()),
        }
    }
}
