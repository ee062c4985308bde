//! Backups that restore: every table of ucz read in one snapshot and written as JSON lines, with
//! a manifest (this build, the schema version, each table's rows, the audit head, a checksum), and
//! a restore into an empty database of either backend in one transaction, so that a zone can move
//! from the embedded SQLite file to a shared PostgreSQL server and back, and a failed restore
//! leaves the target as it was.
//!
//! The file: a first line naming the format, then for each table a line with its name and
//! columns followed by one JSON array per row, then the manifest as the last line. Values are
//! JSON numbers (integer and floating columns), strings (text, JSON text, dates) or null; the
//! checksum is the SHA-256 of every byte before the manifest line.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, Write};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::{Any, Row, Transaction};

use crate::{Backend, GENESIS, Store, StoreError};

/// A backup file as a restore reads it: checked from start to end first, then each table's rows
/// read again where they begin, so that rows are never all held at once.
pub trait BackupFile: BufRead + std::io::Seek + Send {}
impl<T: BufRead + std::io::Seek + Send> BackupFile for T {}

/// The format's name and version, on the first line.
pub const FORMAT: &str = "ucz-backup";
pub const FORMAT_VERSION: u32 = 1;

/// What a backup holds, written after the data and checked before a restore.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub format_version: u32,
    /// The ucz that wrote it.
    pub ucz_version: String,
    /// The backend it was read from (`sqlite`, `postgres`).
    pub backend: String,
    /// When it was taken, by the store's clock (RFC 3339).
    pub taken_at: String,
    /// The migrations applied to the database read, in order.
    pub schema_versions: Vec<i64>,
    /// Each table with its rows, in the order the file holds them.
    pub tables: Vec<TableCount>,
    /// The hash of the last audit row (the genesis hash when there is none).
    pub audit_head: String,
    /// SHA-256, hex, of the file's bytes before the manifest line.
    pub sha256: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableCount {
    pub name: String,
    pub rows: u64,
}

/// Why a backup cannot be restored, or a restore failed: what the operator reads.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("not a ucz backup: {0}")]
    NotABackup(String),
    #[error("the backup is damaged: {0}")]
    Damaged(String),
    #[error(
        "the backup was made by a newer ucz: schema versions {0:?} are unknown to this build; restore it with that version"
    )]
    Newer(Vec<i64>),
    #[error(
        "the backup's format version {0} is newer than this ucz reads ({FORMAT_VERSION}); restore it with the ucz that made it"
    )]
    NewerFormat(String),
    #[error(
        "the target database is not empty ({0}); restore into a new database, so that nothing is overwritten"
    )]
    NotEmpty(String),
    #[error("reading or writing the backup: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for BackupError {
    fn from(e: sqlx::Error) -> Self {
        BackupError::Store(StoreError::Database(e))
    }
}

impl From<sqlx::migrate::MigrateError> for BackupError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        BackupError::Store(StoreError::Migration(e))
    }
}

/// The kind of value a column holds, as the backup writes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Integer,
    Float,
    Text,
}

impl Kind {
    /// From a declared type (SQLite) or a data type (PostgreSQL).
    fn of(declared: &str) -> Kind {
        let t = declared.to_ascii_lowercase();
        if t.contains("int") || t.contains("serial") {
            Kind::Integer
        } else if t.contains("double") || t.contains("real") || t.contains("float") {
            Kind::Float
        } else {
            Kind::Text
        }
    }
}

/// A table's columns with their kinds, and for PostgreSQL each column's data type (for casts).
struct Table {
    name: String,
    columns: Vec<(String, Kind, String)>,
}

/// Identifiers come from the database's own catalog; quoted all the same.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

impl Store {
    /// The tables of ucz in this database (not the migrations' bookkeeping), in a fixed order.
    async fn tables(&self, tx: &mut Transaction<'_, Any>) -> Result<Vec<Table>, StoreError> {
        let names: Vec<String> = match self.backend {
            Backend::Sqlite => sqlx::query_scalar(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations' ORDER BY name",
            )
            .fetch_all(&mut **tx)
            .await?,
            Backend::Postgres => sqlx::query_scalar(
                "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> '_sqlx_migrations' ORDER BY table_name",
            )
            .fetch_all(&mut **tx)
            .await?,
        };
        let mut tables = Vec::new();
        for name in names {
            let columns: Vec<(String, String)> = match self.backend {
                Backend::Sqlite => {
                    sqlx::query("SELECT name, type FROM pragma_table_info($1) ORDER BY cid")
                        .bind(&name)
                        .fetch_all(&mut **tx)
                        .await?
                        .iter()
                        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
                        .collect::<Result<_, sqlx::Error>>()?
                }
                Backend::Postgres => sqlx::query(
                    "SELECT column_name::text, data_type::text FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
                )
                .bind(&name)
                .fetch_all(&mut **tx)
                .await?
                .iter()
                .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
                .collect::<Result<_, sqlx::Error>>()?,
            };
            tables.push(Table {
                name,
                columns: columns
                    .into_iter()
                    .map(|(c, t)| {
                        let kind = Kind::of(&t);
                        (c, kind, t)
                    })
                    .collect(),
            });
        }
        Ok(tables)
    }

    /// Writes every table, read in one snapshot (a repeatable-read transaction on PostgreSQL; a
    /// read transaction on SQLite's write-ahead log), to `out`, with the manifest last; writers
    /// are not held up. `progress` hears each table's name and rows as it is written.
    pub async fn backup(
        &self,
        out: &mut (dyn Write + Send),
        progress: &mut (dyn FnMut(&str, u64) + Send),
    ) -> Result<Manifest, BackupError> {
        let mut tx = self.pool.begin().await?;
        match self.backend {
            Backend::Postgres => {
                sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    .execute(&mut *tx)
                    .await?;
            }
            // The snapshot starts at the first read.
            Backend::Sqlite => {
                sqlx::query("SELECT COUNT(*) FROM sqlite_master")
                    .execute(&mut *tx)
                    .await?;
            }
        }
        let applied: Vec<i64> = sqlx::query_scalar(
            "SELECT version FROM _sqlx_migrations WHERE success = TRUE ORDER BY version",
        )
        .fetch_all(&mut *tx)
        .await?;
        let tables: Vec<Table> = self
            .tables(&mut tx)
            .await?
            .into_iter()
            .filter(|t| !KEY_TABLES.iter().any(|(keys, _)| *keys == t.name))
            .collect();
        let counters = self.counters(&mut tx).await?;
        let mut hashing = Hashing {
            out,
            hash: Sha256::new(),
        };
        let header = serde_json::json!({"format": FORMAT, "format_version": FORMAT_VERSION});
        hashing.line(&header.to_string())?;
        let mut counts = Vec::new();
        let mut audit_head = GENESIS.to_string();
        for table in &tables {
            let names: Vec<&str> = table.columns.iter().map(|c| c.0.as_str()).collect();
            let head = serde_json::json!({"table": table.name, "columns": names});
            hashing.line(&head.to_string())?;
            let select: Vec<String> = table
                .columns
                .iter()
                .map(|(c, _, _)| match self.backend {
                    Backend::Sqlite => format!("CAST(t.{} AS TEXT)", quoted(c)),
                    Backend::Postgres => format!("t.{}::text", quoted(c)),
                })
                .collect();
            // Rows in a stable order: the first column is each table's key.
            // (Qualified: a bare name would order by the output column, the text.)
            let sql = format!(
                "SELECT {} FROM {} AS t ORDER BY t.{}",
                select.join(", "),
                quoted(&table.name),
                quoted(
                    &table
                        .columns
                        .first()
                        .map(|c| c.0.clone())
                        .unwrap_or_default()
                )
            );
            let mut rows = 0u64;
            let hash_column = (table.name == "audit")
                .then(|| table.columns.iter().position(|c| c.0 == "hash"))
                .flatten();
            {
                use futures_util::TryStreamExt;
                let mut stream = sqlx::query(sqlx::AssertSqlSafe(sql.clone())).fetch(&mut *tx);
                let mut line = String::new();
                while let Some(row) = stream.try_next().await? {
                    line.clear();
                    line.push('[');
                    for (i, (_, kind, _)) in table.columns.iter().enumerate() {
                        if i > 0 {
                            line.push(',');
                        }
                        let text: Option<String> = row.try_get(i)?;
                        match (text, kind) {
                            (None, _) => line.push_str("null"),
                            (Some(t), Kind::Integer) if t.parse::<i64>().is_ok() => {
                                line.push_str(&t)
                            }
                            (Some(t), Kind::Float)
                                if t.parse::<f64>().is_ok_and(f64::is_finite) =>
                            {
                                line.push_str(
                                    &serde_json::Value::from(t.parse::<f64>().unwrap_or(0.0))
                                        .to_string(),
                                )
                            }
                            (Some(t), _) => {
                                if Some(i) == hash_column {
                                    audit_head = t.clone();
                                }
                                line.push_str(&serde_json::Value::String(t).to_string())
                            }
                        }
                    }
                    line.push(']');
                    hashing.line(&line)?;
                    rows += 1;
                }
            }
            progress(&table.name, rows);
            counts.push(TableCount {
                name: table.name.clone(),
                rows,
            });
        }
        hashing.line(&serde_json::json!({ "counters": counters }).to_string())?;
        tx.rollback().await?;
        let manifest = Manifest {
            format: FORMAT.into(),
            format_version: FORMAT_VERSION,
            ucz_version: env!("CARGO_PKG_VERSION").into(),
            backend: match self.backend {
                Backend::Sqlite => "sqlite",
                Backend::Postgres => "postgres",
            }
            .into(),
            taken_at: self.clock.now().to_string(),
            schema_versions: applied,
            tables: counts,
            audit_head,
            sha256: hex(&hashing.hash.finalize_reset()),
        };
        let last = serde_json::json!({ "manifest": &manifest });
        writeln!(hashing.out, "{last}")?;
        hashing.out.flush()?;
        Ok(manifest)
    }

    /// Restores a backup into this database, which must be empty: the schema of the backup's
    /// version, its rows, then this build's later migrations, in one transaction. The manifest
    /// is checked first (format, checksum, versions) and the rows against it (tables and counts);
    /// on any failure nothing is kept.
    pub async fn restore(
        &self,
        backup: &mut dyn BackupFile,
        progress: &mut (dyn FnMut(&str, u64) + Send),
    ) -> Result<Manifest, BackupError> {
        let Backup {
            manifest,
            sections: lines,
            counters,
        } = read_backup(backup)?;
        let schema = self.schema().await?;
        let unknown: Vec<i64> = manifest
            .schema_versions
            .iter()
            .copied()
            .filter(|v| !schema.known.iter().any(|(k, _)| k == v))
            .collect();
        if !unknown.is_empty() {
            return Err(BackupError::Newer(unknown));
        }
        let mut tx = self.pool.begin().await?;
        let existing = self.tables(&mut tx).await?;
        if !schema.applied.is_empty() || !existing.is_empty() {
            let names: Vec<&str> = existing.iter().map(|t| t.name.as_str()).take(5).collect();
            return Err(BackupError::NotEmpty(if names.is_empty() {
                "migrations applied".into()
            } else {
                format!("tables {}", names.join(", "))
            }));
        }
        let target = manifest.schema_versions.last().copied().unwrap_or(0);
        let migrator = self.migrator();
        migrator.run_to(target, &mut *tx).await?;
        if self.backend == Backend::Sqlite {
            // Rows go in table by table; their references are checked at commit.
            sqlx::query("PRAGMA defer_foreign_keys = ON")
                .execute(&mut *tx)
                .await?;
        }
        let tables: BTreeMap<String, Table> = self
            .tables(&mut tx)
            .await?
            .into_iter()
            .map(|t| (t.name.clone(), t))
            .collect();
        let order = self.load_order(&mut tx, &tables).await?;
        let mut written: BTreeMap<String, u64> = BTreeMap::new();
        for name in order {
            let Some(section) = lines.get(&name) else {
                continue;
            };
            let table = &tables[&name];
            let mut placed = Vec::new();
            for column in &section.columns {
                let Some(at) = table.columns.iter().position(|c| c.0 == *column) else {
                    return Err(BackupError::Damaged(format!(
                        "table {name}: column {column} is not in the schema of version {target}"
                    )));
                };
                placed.push(at);
            }
            let placeholder = |n: usize, at: usize| match self.backend {
                Backend::Sqlite => format!("${n}"),
                Backend::Postgres => format!("${n}::{}", table.columns[at].2),
            };
            let columns: Vec<String> = section.columns.iter().map(|c| quoted(c)).collect();
            // Many rows a statement, within both backends' limits on parameters.
            let per_statement = (30_000 / placed.len().max(1)).clamp(1, 500);
            let mut count = 0u64;
            backup.seek(std::io::SeekFrom::Start(section.offset))?;
            let mut line = String::new();
            let mut chunk: Vec<Vec<serde_json::Value>> = Vec::with_capacity(per_statement);
            while count < section.rows {
                chunk.clear();
                while chunk.len() < per_statement && count + (chunk.len() as u64) < section.rows {
                    line.clear();
                    backup.read_line(&mut line)?;
                    let row: Vec<serde_json::Value> = serde_json::from_str(line.trim_end())
                        .map_err(|e| {
                            BackupError::Damaged(format!(
                                "table {name}: a row changed since it was checked: {e}"
                            ))
                        })?;
                    chunk.push(row);
                }
                let tuples: Vec<String> = (0..chunk.len())
                    .map(|r| {
                        let values: Vec<String> = placed
                            .iter()
                            .enumerate()
                            .map(|(i, at)| placeholder(r * placed.len() + i + 1, *at))
                            .collect();
                        format!("({})", values.join(", "))
                    })
                    .collect();
                let sql = format!(
                    "INSERT INTO {} ({}) VALUES {}",
                    quoted(&name),
                    columns.join(", "),
                    tuples.join(", ")
                );
                let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
                for row in &chunk {
                    for (value, at) in row.iter().zip(&placed) {
                        let kind = table.columns[*at].1;
                        query = match (self.backend, value, kind) {
                            (_, serde_json::Value::Null, _) => query.bind(None::<String>),
                            (Backend::Postgres, serde_json::Value::String(s), _) => {
                                query.bind(s.clone())
                            }
                            (Backend::Postgres, other, _) => query.bind(other.to_string()),
                            (Backend::Sqlite, serde_json::Value::Number(n), Kind::Integer)
                                if n.is_i64() =>
                            {
                                query.bind(n.as_i64())
                            }
                            (Backend::Sqlite, serde_json::Value::Number(n), _) => {
                                query.bind(n.as_f64())
                            }
                            (Backend::Sqlite, serde_json::Value::String(s), _) => {
                                query.bind(s.clone())
                            }
                            (_, other, _) => query.bind(other.to_string()),
                        };
                    }
                }
                query.execute(&mut *tx).await?;
                count += chunk.len() as u64;
            }
            progress(&name, count);
            written.insert(name, count);
        }
        self.set_counters(&mut tx, &tables, &counters).await?;
        for table in &manifest.tables {
            if !tables.contains_key(&table.name) {
                return Err(BackupError::Damaged(format!(
                    "table {} is not in the schema of version {target}",
                    table.name
                )));
            }
        }
        // The rest of this build's migrations, on the restored rows.
        migrator.run(&mut *tx).await?;
        tx.commit().await?;
        Ok(manifest)
    }

    /// SQLite's own copy of the whole database into a new file (`VACUUM INTO`), the mechanism
    /// `ucz bench backup` measures beside its own.
    pub async fn vacuum_into(&self, file: &std::path::Path) -> Result<(), StoreError> {
        sqlx::query("VACUUM INTO $1")
            .bind(file.display().to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Creates the extensions the migrations need in the `public` schema (PostgreSQL), before a
    /// benchmark's scratch schema is migrated: created there, they would go with the schema.
    pub async fn public_extensions(&self) -> Result<(), StoreError> {
        if self.backend == crate::Backend::Postgres {
            sqlx::query("CREATE EXTENSION IF NOT EXISTS btree_gist SCHEMA public")
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    /// Creates (or with `drop`, removes with its contents) a PostgreSQL schema of a benchmark or
    /// a test; the name is lower-case letters, digits and `_`.
    pub async fn scratch_schema(&self, name: &str, drop: bool) -> Result<(), StoreError> {
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Err(StoreError::Corrupt(format!("not a schema name: {name}")));
        }
        let sql = if drop {
            format!("DROP SCHEMA {name} CASCADE")
        } else {
            format!("CREATE SCHEMA {name}")
        };
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Tables in an order where each comes after those it refers to (PostgreSQL checks each
    /// row's references as it goes in); SQLite defers its checks, so any order does.
    async fn load_order(
        &self,
        tx: &mut Transaction<'_, Any>,
        tables: &BTreeMap<String, Table>,
    ) -> Result<Vec<String>, StoreError> {
        let edges: Vec<(String, String)> = match self.backend {
            Backend::Sqlite => Vec::new(),
            Backend::Postgres => sqlx::query(
                "SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint WHERE contype = 'f' AND connamespace = current_schema()::regnamespace",
            )
            .fetch_all(&mut **tx)
            .await?
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect::<Result<_, sqlx::Error>>()?,
        };
        let bare = |name: &str| {
            name.rsplit('.')
                .next()
                .unwrap_or(name)
                .trim_matches('"')
                .to_string()
        };
        let mut order = Vec::new();
        let mut placed = BTreeSet::new();
        while placed.len() < tables.len() {
            let before = placed.len();
            for name in tables.keys() {
                if placed.contains(name) {
                    continue;
                }
                let ready = edges
                    .iter()
                    .filter(|(from, to)| bare(from) == *name && bare(to) != *name)
                    .all(|(_, to)| placed.contains(&bare(to)) || !tables.contains_key(&bare(to)));
                if ready {
                    placed.insert(name.clone());
                    order.push(name.clone());
                }
            }
            if placed.len() == before {
                // A cycle: the rest in name order (a reference in it fails the restore whole).
                order.extend(tables.keys().filter(|n| !placed.contains(*n)).cloned());
                break;
            }
        }
        Ok(order)
    }

    /// Each id generator's high-water mark, `table.column` → the largest id it gave (deleted rows
    /// included: an id named in the audit trail is never given again). SQLite: its
    /// AUTOINCREMENT counters, and the key tables standing for sequences; PostgreSQL: its
    /// sequences, by the column that owns each.
    async fn counters(
        &self,
        tx: &mut Transaction<'_, Any>,
    ) -> Result<BTreeMap<String, i64>, StoreError> {
        let mut counters = BTreeMap::new();
        match self.backend {
            Backend::Sqlite => {
                let exists: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM sqlite_master WHERE name = 'sqlite_sequence'",
                )
                .fetch_one(&mut **tx)
                .await?;
                if exists == 0 {
                    return Ok(counters);
                }
                for row in sqlx::query("SELECT name, seq FROM sqlite_sequence")
                    .fetch_all(&mut **tx)
                    .await?
                {
                    let (name, seq): (String, i64) = (row.try_get(0)?, row.try_get(1)?);
                    let key = match KEY_TABLES.iter().find(|(keys, _)| *keys == name) {
                        Some((_, parent)) => format!("{parent}.key"),
                        None => format!("{name}.id"),
                    };
                    counters.insert(key, seq);
                }
            }
            Backend::Postgres => {
                for (table, column, sequence) in self.sequences(tx).await? {
                    let sql = format!(
                        "SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM {}",
                        quoted(&sequence)
                    );
                    let value: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                        .fetch_one(&mut **tx)
                        .await?;
                    counters.insert(format!("{table}.{column}"), value);
                }
            }
        }
        Ok(counters)
    }

    /// PostgreSQL's sequences with the table and column owning each.
    async fn sequences(
        &self,
        tx: &mut Transaction<'_, Any>,
    ) -> Result<Vec<(String, String, String)>, StoreError> {
        Ok(sqlx::query(
            "SELECT t.relname::text, a.attname::text, s.relname::text FROM pg_class s JOIN pg_depend d ON d.objid = s.oid AND d.classid = 'pg_class'::regclass JOIN pg_class t ON t.oid = d.refobjid JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid WHERE s.relkind = 'S' AND s.relnamespace = current_schema()::regnamespace ORDER BY 1, 2",
        )
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
        .collect::<Result<_, sqlx::Error>>()?)
    }

    /// After the rows, each id generator continues after both its counter and the largest id
    /// present. SQLite's key tables are filled with the keys present.
    async fn set_counters(
        &self,
        tx: &mut Transaction<'_, Any>,
        tables: &BTreeMap<String, Table>,
        counters: &BTreeMap<String, i64>,
    ) -> Result<(), StoreError> {
        let largest = |table: &str, column: &str| {
            format!(
                "SELECT COALESCE(MAX({}), 0) FROM {}",
                quoted(column),
                quoted(table)
            )
        };
        match self.backend {
            Backend::Sqlite => {
                for (keys, parent) in KEY_TABLES {
                    if !tables.contains_key(keys) || !tables.contains_key(parent) {
                        continue;
                    }
                    let fill = format!(
                        "INSERT INTO {} (key) SELECT key FROM {} WHERE key IS NOT NULL ORDER BY key",
                        quoted(keys),
                        quoted(parent)
                    );
                    sqlx::query(sqlx::AssertSqlSafe(fill))
                        .execute(&mut **tx)
                        .await?;
                }
                for (counter, value) in counters {
                    let Some((table, column)) = counter.split_once('.') else {
                        continue;
                    };
                    let sequence = match KEY_TABLES.iter().find(|(_, p)| *p == table) {
                        Some((keys, _)) if column == "key" => *keys,
                        _ => table,
                    };
                    let counted: i64 = sqlx::query_scalar(
                        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $1 AND sql LIKE '%AUTOINCREMENT%'",
                    )
                    .bind(sequence)
                    .fetch_one(&mut **tx)
                    .await?;
                    if counted == 0 || !tables.contains_key(table) {
                        continue;
                    }
                    let present: i64 =
                        sqlx::query_scalar(sqlx::AssertSqlSafe(largest(table, column)))
                            .fetch_one(&mut **tx)
                            .await?;
                    sqlx::query("DELETE FROM sqlite_sequence WHERE name = $1")
                        .bind(sequence)
                        .execute(&mut **tx)
                        .await?;
                    sqlx::query("INSERT INTO sqlite_sequence (name, seq) VALUES ($1, $2)")
                        .bind(sequence)
                        .bind((*value).max(present))
                        .execute(&mut **tx)
                        .await?;
                }
            }
            Backend::Postgres => {
                for (table, column, sequence) in self.sequences(tx).await? {
                    let present: i64 =
                        sqlx::query_scalar(sqlx::AssertSqlSafe(largest(&table, &column)))
                            .fetch_one(&mut **tx)
                            .await?;
                    let counter = counters
                        .get(&format!("{table}.{column}"))
                        .copied()
                        .unwrap_or(0);
                    let value = counter.max(present);
                    let sql = format!(
                        "SELECT setval({}, {}, {})::text",
                        sql_string(&sequence),
                        value.max(1),
                        value > 0
                    );
                    let _: Option<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                        .fetch_one(&mut **tx)
                        .await?;
                }
            }
        }
        Ok(())
    }
}

/// SQLite's tables that stand for sequences (an AUTOINCREMENT key per row given), with the
/// table whose `key` column they number; PostgreSQL numbers that column with a sequence.
const KEY_TABLES: [(&str, &str); 3] = [
    ("firm_keys", "firms"),
    ("zone_keys", "zones"),
    ("hub_keys", "hubs"),
];

/// A name from the database's own catalog as an SQL string literal.
fn sql_string(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// Writes lines and hashes what it writes.
struct Hashing<'w> {
    out: &'w mut (dyn Write + Send),
    hash: Sha256,
}

impl Hashing<'_> {
    fn line(&mut self, line: &str) -> std::io::Result<()> {
        self.hash.update(line.as_bytes());
        self.hash.update(b"\n");
        self.out.write_all(line.as_bytes())?;
        self.out.write_all(b"\n")
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// One table's part of a backup.
struct Section {
    columns: Vec<String>,
    /// Rows, and the byte where the first begins.
    rows: u64,
    offset: u64,
}

/// Reads and checks a whole backup: the format line, the sections, the manifest, the checksum,
/// and the tables and counts against the manifest, keeping where each table's rows begin.
/// Nothing is written before all of it holds.
fn read_backup(input: &mut dyn BackupFile) -> Result<Backup, BackupError> {
    let mut hash = Sha256::new();
    let mut sections: BTreeMap<String, Section> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    let mut manifest: Option<Manifest> = None;
    let mut counters: Option<BTreeMap<String, i64>> = None;
    let mut first = true;
    let mut offset = 0u64;
    let mut buffer = String::new();
    for number in 0.. {
        buffer.clear();
        let read = input.read_line(&mut buffer)?;
        if read == 0 {
            break;
        }
        offset += read as u64;
        let line = buffer.strip_suffix('\n').unwrap_or(&buffer).to_string();
        let at = number + 1;
        if manifest.is_some() {
            return Err(BackupError::Damaged(format!(
                "line {at}: data after the manifest"
            )));
        }
        let whole = buffer.ends_with('\n');
        let value: serde_json::Value = serde_json::from_str(&line).map_err(|e| {
            if first {
                BackupError::NotABackup(format!("line 1 is not JSON ({e})"))
            } else if !whole {
                BackupError::Damaged(format!("the file was cut short in line {at}"))
            } else {
                BackupError::Damaged(format!("line {at} is not JSON ({e})"))
            }
        })?;
        if first {
            first = false;
            if value["format"] != FORMAT {
                return Err(BackupError::NotABackup(
                    "line 1 does not name the ucz-backup format".into(),
                ));
            }
            if value["format_version"] != FORMAT_VERSION {
                return Err(BackupError::NewerFormat(
                    value["format_version"].to_string(),
                ));
            }
        } else if let Some(m) = value.get("manifest") {
            manifest = Some(
                serde_json::from_value(m.clone())
                    .map_err(|e| BackupError::Damaged(format!("line {at}: the manifest: {e}")))?,
            );
            continue;
        } else if let Some(c) = value.get("counters") {
            counters =
                Some(serde_json::from_value(c.clone()).map_err(|e| {
                    BackupError::Damaged(format!("line {at}: the id counters: {e}"))
                })?);
        } else if let Some(name) = value.get("table").and_then(|t| t.as_str()) {
            let columns = value["columns"]
                .as_array()
                .map(|c| {
                    c.iter()
                        .filter_map(|c| c.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            if sections.contains_key(name) {
                return Err(BackupError::Damaged(format!(
                    "line {at}: table {name} a second time"
                )));
            }
            order.push(name.to_string());
            sections.insert(
                name.to_string(),
                Section {
                    columns,
                    rows: 0,
                    offset,
                },
            );
        } else if let serde_json::Value::Array(row) = value {
            let Some(section) = order.last().and_then(|n| sections.get_mut(n)) else {
                return Err(BackupError::Damaged(format!(
                    "line {at}: a row before any table"
                )));
            };
            if row.len() != section.columns.len() {
                return Err(BackupError::Damaged(format!(
                    "line {at}: {} values for {} columns",
                    row.len(),
                    section.columns.len()
                )));
            }
            section.rows += 1;
        } else {
            return Err(BackupError::Damaged(format!(
                "line {at}: neither a table, a row nor the manifest"
            )));
        }
        hash.update(line.as_bytes());
        hash.update(b"\n");
    }
    let Some(manifest) = manifest else {
        return Err(if first {
            BackupError::NotABackup("the file is empty".into())
        } else {
            BackupError::Damaged("no manifest: the file was cut short".into())
        });
    };
    if hex(&hash.finalize()) != manifest.sha256 {
        return Err(BackupError::Damaged(
            "the checksum does not match: the file was altered or cut".into(),
        ));
    }
    let listed: Vec<(&str, u64)> = manifest
        .tables
        .iter()
        .map(|t| (t.name.as_str(), t.rows))
        .collect();
    let found: Vec<(&str, u64)> = order
        .iter()
        .map(|n| (n.as_str(), sections[n].rows))
        .collect();
    if listed != found {
        return Err(BackupError::Damaged(format!(
            "the tables and rows differ from the manifest's ({found:?} against {listed:?})"
        )));
    }
    let Some(counters) = counters else {
        return Err(BackupError::Damaged("no id counters".into()));
    };
    Ok(Backup {
        manifest,
        sections,
        counters,
    })
}

/// A backup read whole and checked.
struct Backup {
    manifest: Manifest,
    sections: BTreeMap<String, Section>,
    /// The next ids' high-water marks, `table.column` → the largest id ever given.
    counters: BTreeMap<String, i64>,
}
