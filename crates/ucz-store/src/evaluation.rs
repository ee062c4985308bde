//! The evaluation's own records (migration 0018): a zone's basic plan, targets, milestones,
//! investment records and procedure dates, each kept as versions — a change closes the current
//! version and writes the next, a delete closes it — so an evaluation as of a past moment reads
//! what was valid then. Every write is audited.

use serde::Serialize;
use serde_json::Value;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::audit::append;
use crate::{Store, StoreError};

/// A version of an evaluation record.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EvaluationRow {
    pub version: i64,
    pub zone_id: String,
    /// `plan`, `target`, `milestone`, `investment` or `procedure`.
    pub kind: String,
    pub key: String,
    pub body: Value,
    /// When this version was written (RFC 3339, UTC).
    pub valid_from: String,
    /// When the next version replaced it or it was deleted; `None` while current.
    pub valid_to: Option<String>,
    pub actor: String,
}

const COLUMNS: &str = "version, zone_id, kind, record_key, body, valid_from, valid_to, actor";

fn row(r: &AnyRow) -> Result<EvaluationRow, StoreError> {
    let body: String = r.try_get("body")?;
    Ok(EvaluationRow {
        version: r.try_get("version")?,
        zone_id: r.try_get("zone_id")?,
        kind: r.try_get("kind")?,
        key: r.try_get("record_key")?,
        body: serde_json::from_str(&body).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        valid_from: r.try_get("valid_from")?,
        valid_to: r.try_get("valid_to")?,
        actor: r.try_get("actor")?,
    })
}

impl Store {
    /// Writes a record's next version (the current one closed), unless its body is what is
    /// current already. Audited as `evaluation <kind>` `<zone>/<key>`.
    pub async fn put_evaluation_record(
        &self,
        actor: &str,
        zone: &str,
        kind: &str,
        key: &str,
        body: &Value,
    ) -> Result<EvaluationRow, StoreError> {
        let (_serial, mut tx) = self.begin_audited().await?;
        let by = self.author(actor);
        let current = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM evaluation_records WHERE zone_id = $1 AND kind = $2 AND record_key = $3 AND valid_to IS NULL"
        )))
        .bind(zone)
        .bind(kind)
        .bind(key)
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| row(&r))
        .transpose()?;
        if let Some(current) = current.as_ref().filter(|c| &c.body == body) {
            return Ok(current.clone());
        }
        if current.is_some() {
            sqlx::query(
                "UPDATE evaluation_records SET valid_to = $1 WHERE zone_id = $2 AND kind = $3 AND record_key = $4 AND valid_to IS NULL",
            )
            .bind(by.at.clone())
            .bind(zone)
            .bind(kind)
            .bind(key)
            .execute(&mut *tx)
            .await?;
        }
        let written = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO evaluation_records (zone_id, kind, record_key, body, valid_from, actor) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING {COLUMNS}"
        )))
        .bind(zone)
        .bind(kind)
        .bind(key)
        .bind(body.to_string())
        .bind(by.at.clone())
        .bind(actor)
        .fetch_one(&mut *tx)
        .await?;
        let written = row(&written)?;
        append(
            &mut tx,
            &by,
            if current.is_some() {
                "update"
            } else {
                "create"
            },
            &format!("evaluation {kind}"),
            &format!("{zone}/{key}"),
            current.as_ref().map(|c| &c.body),
            Some(body),
        )
        .await?;
        tx.commit().await?;
        Ok(written)
    }

    /// Closes a record's current version; false when there was none. Audited.
    pub async fn delete_evaluation_record(
        &self,
        actor: &str,
        zone: &str,
        kind: &str,
        key: &str,
    ) -> Result<bool, StoreError> {
        let (_serial, mut tx) = self.begin_audited().await?;
        let by = self.author(actor);
        let current = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM evaluation_records WHERE zone_id = $1 AND kind = $2 AND record_key = $3 AND valid_to IS NULL"
        )))
        .bind(zone)
        .bind(kind)
        .bind(key)
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| row(&r))
        .transpose()?;
        let Some(current) = current else {
            return Ok(false);
        };
        sqlx::query("UPDATE evaluation_records SET valid_to = $1 WHERE version = $2")
            .bind(by.at.clone())
            .bind(current.version)
            .execute(&mut *tx)
            .await?;
        append(
            &mut tx,
            &by,
            "delete",
            &format!("evaluation {kind}"),
            &format!("{zone}/{key}"),
            Some(&current.body),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The records of a kind (of a zone, or every zone) valid at `as_of` (RFC 3339, UTC), or
    /// current; by zone and key.
    pub async fn evaluation_records(
        &self,
        zone: Option<&str>,
        kind: &str,
        as_of: Option<&str>,
    ) -> Result<Vec<EvaluationRow>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM evaluation_records WHERE kind = $1 \
             AND ($2 IS NULL OR zone_id = $2) \
             AND (($3 IS NULL AND valid_to IS NULL) \
                  OR ($3 IS NOT NULL AND valid_from <= $3 AND (valid_to IS NULL OR valid_to > $3))) \
             ORDER BY zone_id, record_key"
        )))
        .bind(kind)
        .bind(zone)
        .bind(as_of)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(row).collect()
    }

    /// Every version of one record, oldest first.
    pub async fn evaluation_history(
        &self,
        zone: &str,
        kind: &str,
        key: &str,
    ) -> Result<Vec<EvaluationRow>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM evaluation_records WHERE zone_id = $1 AND kind = $2 AND record_key = $3 ORDER BY version"
        )))
        .bind(zone)
        .bind(kind)
        .bind(key)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(row).collect()
    }

    /// The rows of an audited entity (`lease`, `firm`) as they stood at `as_of`: for each id, the
    /// payload of its last audit row up to then, unless that row deleted it. Rows written without
    /// an audit row (before the trail began) are not seen.
    pub(crate) async fn audited_as_of(
        &self,
        entity: &str,
        as_of: &str,
    ) -> Result<Vec<Value>, StoreError> {
        let rows = sqlx::query(
            "SELECT entity_id, action, after FROM audit WHERE entity = $1 AND at <= $2 ORDER BY id",
        )
        .bind(entity)
        .bind(as_of)
        .fetch_all(&self.pool)
        .await?;
        let mut state: std::collections::BTreeMap<String, Option<Value>> = Default::default();
        for r in &rows {
            let id: String = r.try_get("entity_id")?;
            let action: String = r.try_get("action")?;
            let after: Option<String> = r.try_get("after")?;
            let value = match (action.as_str(), after) {
                ("delete", _) | (_, None) => None,
                (_, Some(text)) => Some(
                    serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                ),
            };
            state.insert(id, value);
        }
        Ok(state.into_values().flatten().collect())
    }
}
