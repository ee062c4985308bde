//! The audit trail: who changed what, when, with the values before and after, in an append-only
//! table whose rows are hash-chained — each row's hash covers its content and the previous row's
//! hash, so altering or deleting a row breaks the chain from there on, and a recorded head hash
//! (`Verification::head`) shows when rows were removed from the end.
//!
//! Two digests, by the row's `version`:
//! - version 1 (rows written before migration 0005): the hash covers the payload text (`before`,
//!   `after`) itself. These rows keep verifying as they were written; their payload cannot be
//!   erased without breaking the chain.
//! - version 2: the row stores `payload_hash`, a hash of its payload and a random salt
//!   (`payload_salt`), and the chain covers that hash instead of the text. A payload can then be
//!   erased (replaced by [`ERASED`], the salt removed, the payload hash kept) and the chain still
//!   verifies; a payload that is present is hashed again by verification, so any other change to
//!   it is detected. Without the salt the kept hash cannot be used to confirm a guess of the
//!   erased data (a founder's age has a hundred values; the rest of a firm's record is often
//!   known).
//!
//! One writer at a time appends, across every process sharing the database: see
//! [`Store::begin_audited`].

use sha2::{Digest, Sha256};
use sqlx::{Any, Row, Transaction};

use crate::{Backend, Store, StoreError};

/// The hash before the first row.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The version of the rows written now.
const VERSION: i64 = 2;

/// What an erased payload (`before` or `after`) holds instead of the record.
pub const ERASED: &str = r#"{"erased":true}"#;

pub use ucz_core::account::{AuditEntry, Verification};

/// SHA-256 over the parts, each prefixed with its length, in hex.
fn digest<'a>(parts: impl IntoIterator<Item = &'a str>) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part.as_bytes());
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The hash of a row's payload and its salt; an absent side is the empty text (JSON text is
/// never empty).
fn payload_digest(salt: &str, before: Option<&str>, after: Option<&str>) -> String {
    digest([
        "payload",
        salt,
        before.unwrap_or_default(),
        after.unwrap_or_default(),
    ])
}

/// 32 random bytes in hex.
fn salt() -> Result<String, StoreError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| StoreError::Random(e.to_string()))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// A row's fields as the chain covers them.
struct Fields<'a> {
    at: &'a str,
    actor: &'a str,
    action: &'a str,
    entity: &'a str,
    entity_id: &'a str,
}

/// Version 1: the previous hash, the fields and the payload text.
fn row_digest_v1(prev: &str, f: &Fields, before: &str, after: &str) -> String {
    digest([
        prev,
        f.at,
        f.actor,
        f.action,
        f.entity,
        f.entity_id,
        before,
        after,
    ])
}

/// Version 2: the previous hash, the version, the fields and the payload's hash.
fn row_digest_v2(prev: &str, f: &Fields, payload_hash: &str) -> String {
    digest([
        prev,
        "audit/2",
        f.at,
        f.actor,
        f.action,
        f.entity,
        f.entity_id,
        payload_hash,
    ])
}

/// Who makes an audited write, and when: the store clock's time, read once the write holds the
/// write lock (so times never go back along the chain), carried by each of the write's rows.
pub(crate) struct Author<'a> {
    pub actor: &'a str,
    /// `YYYY-MM-DDTHH:MM:SSZ`, the form rows have always been hashed over.
    pub at: String,
    /// The hash of the write's last row: the next row follows it without reading it again (the
    /// write holds the write lock, so no other row comes in between).
    last: std::sync::Mutex<Option<String>>,
}

impl Store {
    pub(crate) fn author<'a>(&self, actor: &'a str) -> Author<'a> {
        Author {
            actor,
            at: self.clock().stamp(),
            last: std::sync::Mutex::new(None),
        }
    }
}

/// A payload as the audit trail keeps it.
pub(crate) fn value_of<T: serde::Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or_default()
}

/// Appends a row in the caller's transaction, which must come from [`Store::begin_audited`].
pub(crate) async fn append(
    tx: &mut Transaction<'_, Any>,
    by: &Author<'_>,
    action: &str,
    entity: &str,
    entity_id: &str,
    before: Option<&serde_json::Value>,
    after: Option<&serde_json::Value>,
) -> Result<(), StoreError> {
    let known = by.last.lock().ok().and_then(|last| last.clone());
    let prev = match known {
        Some(prev) => prev,
        None => sqlx::query("SELECT hash FROM audit ORDER BY id DESC LIMIT 1")
            .fetch_optional(&mut **tx)
            .await?
            .map(|row| row.try_get("hash"))
            .transpose()?
            .unwrap_or_else(|| GENESIS.to_string()),
    };
    let (at, actor) = (by.at.as_str(), by.actor);
    let before = before.map(|v| v.to_string());
    let after = after.map(|v| v.to_string());
    let salt = salt()?;
    let payload_hash = payload_digest(&salt, before.as_deref(), after.as_deref());
    let hash = row_digest_v2(
        &prev,
        &Fields {
            at,
            actor,
            action,
            entity,
            entity_id,
        },
        &payload_hash,
    );
    sqlx::query(
        "INSERT INTO audit (at, actor, action, entity, entity_id, before, after, prev_hash, hash, version, payload_hash, payload_salt) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(at)
    .bind(actor)
    .bind(action)
    .bind(entity)
    .bind(entity_id)
    .bind(before)
    .bind(after)
    .bind(prev)
    .bind(hash.clone())
    .bind(VERSION)
    .bind(payload_hash)
    .bind(salt)
    .execute(&mut **tx)
    .await?;
    if let Ok(mut last) = by.last.lock() {
        *last = Some(hash);
    }
    Ok(())
}

/// The advisory lock of audited writes on PostgreSQL ("uczleases" folded into an i64: the key
/// lease checks and deletions took before every audited write took it).
const WRITE_LOCK: i64 = 0x7563_7a6c_6561_7365;

impl Store {
    /// Opens the transaction of an audited write, holding the one write lock of the database
    /// from its first statement to its commit, so that every process sharing the database
    /// appends to one linear chain (and a rule across records is checked against what is
    /// committed):
    ///
    /// - in the process, a mutex (writers wait their turn without holding a connection);
    /// - on PostgreSQL, a transaction-scoped advisory lock, taken before anything else in the
    ///   transaction. Taking it first — never after a row was locked — means no two writers can
    ///   each hold what the other waits for; taking it once, here, means it is never re-entered.
    ///   Without it two processes read the same previous hash and fork the chain;
    /// - on SQLite, `BEGIN IMMEDIATE`: the database's write lock from the start (waiting up to
    ///   the busy timeout), so the transaction reads the newest previous hash. A deferred
    ///   transaction that read first would fail with SQLITE_BUSY on its first write when another
    ///   process wrote meanwhile.
    ///
    /// Behind both, a unique index on `prev_hash` (version 2 rows) refuses a fork outright.
    ///
    /// A write that fails returns early and drops its transaction: the rollback, and with it the
    /// lock, is flushed when the connection goes back to the pool, which checks each connection
    /// it takes back (`a_refused_write_releases_the_write_lock_on_postgres`).
    pub(crate) async fn begin_audited(
        &self,
    ) -> Result<(tokio::sync::MutexGuard<'_, ()>, Transaction<'static, Any>), StoreError> {
        let serial = self.writes.lock().await;
        let tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => {
                let mut tx = self.pool.begin().await?;
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(WRITE_LOCK)
                    .execute(&mut *tx)
                    .await?;
                tx
            }
        };
        Ok((serial, tx))
    }

    /// Audit rows, newest first.
    pub async fn audit(&self, limit: i64, offset: i64) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, at, actor, action, entity, entity_id, before, after, hash, version, payload_hash, erased_at FROM audit ORDER BY id DESC LIMIT $1 OFFSET $2",
        )
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let json = |name: &str| -> Result<Option<serde_json::Value>, StoreError> {
                    let text: Option<String> = row.try_get(name)?;
                    text.map(|t| {
                        serde_json::from_str(&t).map_err(|e| StoreError::Corrupt(e.to_string()))
                    })
                    .transpose()
                };
                Ok(AuditEntry {
                    id: row.try_get("id")?,
                    at: row.try_get("at")?,
                    actor: row.try_get("actor")?,
                    action: row.try_get("action")?,
                    entity: row.try_get("entity")?,
                    entity_id: row.try_get("entity_id")?,
                    before: json("before")?,
                    after: json("after")?,
                    hash: row.try_get("hash")?,
                    version: row.try_get("version")?,
                    payload_hash: row.try_get("payload_hash")?,
                    erased_at: row.try_get("erased_at")?,
                })
            })
            .collect()
    }

    /// Recomputes every hash from the first row on.
    pub async fn verify_audit(&self) -> Result<Verification, StoreError> {
        let rows = sqlx::query(
            "SELECT id, at, actor, action, entity, entity_id, before, after, prev_hash, hash, version, payload_hash, payload_salt, erased_at FROM audit ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut prev = GENESIS.to_string();
        let mut head = GENESIS.to_string();
        let mut erased = 0;
        let mut broken_at = None;
        for row in &rows {
            let text = |name: &str| -> Result<String, StoreError> {
                Ok(row.try_get::<Option<String>, _>(name)?.unwrap_or_default())
            };
            let optional = |name: &str| -> Result<Option<String>, StoreError> {
                Ok(row.try_get::<Option<String>, _>(name)?)
            };
            let (at, actor, action, entity, entity_id) = (
                text("at")?,
                text("actor")?,
                text("action")?,
                text("entity")?,
                text("entity_id")?,
            );
            let fields = Fields {
                at: &at,
                actor: &actor,
                action: &action,
                entity: &entity,
                entity_id: &entity_id,
            };
            let (before, after) = (optional("before")?, optional("after")?);
            let is_erased = optional("erased_at")?.is_some();
            let expected = match row.try_get::<i64, _>("version")? {
                1 if !is_erased => Some(row_digest_v1(
                    &prev,
                    &fields,
                    before.as_deref().unwrap_or_default(),
                    after.as_deref().unwrap_or_default(),
                )),
                VERSION => {
                    let stored = optional("payload_hash")?.unwrap_or_default();
                    let payload_holds = if is_erased {
                        // Only the marker may stand where a payload was: the stored hash is
                        // then the only witness of the payload.
                        [&before, &after]
                            .iter()
                            .all(|side| side.as_deref().is_none_or(|t| t == ERASED))
                    } else {
                        let salt = optional("payload_salt")?.unwrap_or_default();
                        payload_digest(&salt, before.as_deref(), after.as_deref()) == stored
                    };
                    payload_holds.then(|| row_digest_v2(&prev, &fields, &stored))
                }
                _ => None,
            };
            head = text("hash")?;
            match expected {
                Some(expected) if text("prev_hash")? == prev && head == expected => {
                    prev = expected;
                    erased += i64::from(is_erased);
                }
                _ => {
                    broken_at = broken_at.or(Some(row.try_get::<i64, _>("id")?));
                    prev = head.clone();
                }
            }
        }
        Ok(Verification {
            rows: rows.len() as i64,
            broken_at,
            head,
            erased,
        })
    }

    /// The id of the row whose hash is `hash`, if any.
    pub async fn audit_row_with_hash(&self, hash: &str) -> Result<Option<i64>, StoreError> {
        sqlx::query("SELECT id FROM audit WHERE hash = $1 ORDER BY id LIMIT 1")
            .bind(hash.to_string())
            .fetch_optional(&self.pool)
            .await?
            .map(|row| row.try_get("id"))
            .transpose()
            .map_err(Into::into)
    }

    /// Erases the payload (`before` and `after`) of audit row `id` — the personal data of the
    /// records it holds — and its salt, keeping its payload hash, so the chain still verifies;
    /// the erasure is itself audited (`erase` of entity `audit`). `false` when there is no such
    /// row; a row already erased stays as it is. A row written before payload hashes (version 1)
    /// is refused with `StoreError::Rejected`: its hash covers the payload text itself.
    pub async fn erase_audit_payload(&self, actor: &str, id: i64) -> Result<bool, StoreError> {
        let (_serial, mut tx) = self.begin_audited().await?;
        let by = self.author(actor);
        let Some(row) = sqlx::query("SELECT version, erased_at FROM audit WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
        else {
            return Ok(false);
        };
        if row.try_get::<Option<String>, _>("erased_at")?.is_some() {
            return Ok(true);
        }
        if row.try_get::<i64, _>("version")? < VERSION {
            return Err(StoreError::Rejected(
                ucz_core::Message::new(ucz_core::Key::PayloadBeforeHashes).arg("id", id),
            ));
        }
        sqlx::query(
            "UPDATE audit SET before = CASE WHEN before IS NULL THEN NULL ELSE $1 END, after = CASE WHEN after IS NULL THEN NULL ELSE $2 END, payload_salt = NULL, erased_at = $3 WHERE id = $4",
        )
        .bind(ERASED)
        .bind(ERASED)
        .bind(by.at.clone())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        append(&mut tx, &by, "erase", "audit", &id.to_string(), None, None).await?;
        tx.commit().await?;
        Ok(true)
    }
}
