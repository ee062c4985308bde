//! The audit trail: who changed what, when, with the values before and after, in an append-only
//! table whose rows are hash-chained — each row's hash covers its content and the previous row's
//! hash, so altering or deleting a row breaks the chain from there on.

use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::{Any, Row, Transaction};

use crate::{Store, StoreError};

/// The hash before the first row.
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Clone, Debug, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub hash: String,
}

/// The result of checking the chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Verification {
    pub rows: i64,
    /// The first row whose hash does not match, if any.
    pub broken_at: Option<i64>,
}

/// SHA-256 over the previous hash and the row's fields, each prefixed with its length.
fn digest(prev: &str, fields: [&str; 7]) -> String {
    let mut hasher = Sha256::new();
    for part in std::iter::once(prev).chain(fields) {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part.as_bytes());
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub(crate) fn now() -> String {
    ucz_core::date::utc_timestamp(unix_seconds())
}

fn unix_seconds() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Appends a row in the caller's transaction.
pub(crate) async fn append(
    tx: &mut Transaction<'_, Any>,
    actor: &str,
    action: &str,
    entity: &str,
    entity_id: &str,
    before: Option<&serde_json::Value>,
    after: Option<&serde_json::Value>,
) -> Result<(), StoreError> {
    let prev: Option<String> = sqlx::query("SELECT hash FROM audit ORDER BY id DESC LIMIT 1")
        .fetch_optional(&mut **tx)
        .await?
        .map(|row| row.try_get("hash"))
        .transpose()?;
    let prev = prev.unwrap_or_else(|| GENESIS.to_string());
    let at = now();
    let before = before.map(|v| v.to_string());
    let after = after.map(|v| v.to_string());
    let hash = digest(
        &prev,
        [
            &at,
            actor,
            action,
            entity,
            entity_id,
            before.as_deref().unwrap_or(""),
            after.as_deref().unwrap_or(""),
        ],
    );
    sqlx::query(
        "INSERT INTO audit (at, actor, action, entity, entity_id, before, after, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(at)
    .bind(actor)
    .bind(action)
    .bind(entity)
    .bind(entity_id)
    .bind(before)
    .bind(after)
    .bind(prev)
    .bind(hash)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// Audit rows, newest first.
    pub async fn audit(&self, limit: i64, offset: i64) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, at, actor, action, entity, entity_id, before, after, hash FROM audit ORDER BY id DESC LIMIT $1 OFFSET $2",
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
                })
            })
            .collect()
    }

    /// Recomputes every hash from the first row on.
    pub async fn verify_audit(&self) -> Result<Verification, StoreError> {
        let rows = sqlx::query(
            "SELECT id, at, actor, action, entity, entity_id, before, after, prev_hash, hash FROM audit ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut prev = GENESIS.to_string();
        for row in &rows {
            let text = |name: &str| -> Result<String, StoreError> {
                Ok(row.try_get::<Option<String>, _>(name)?.unwrap_or_default())
            };
            let expected = digest(
                &prev,
                [
                    &text("at")?,
                    &text("actor")?,
                    &text("action")?,
                    &text("entity")?,
                    &text("entity_id")?,
                    &text("before")?,
                    &text("after")?,
                ],
            );
            let id: i64 = row.try_get("id")?;
            if text("prev_hash")? != prev || text("hash")? != expected {
                return Ok(Verification {
                    rows: rows.len() as i64,
                    broken_at: Some(id),
                });
            }
            prev = expected;
        }
        Ok(Verification {
            rows: rows.len() as i64,
            broken_at: None,
        })
    }
}
