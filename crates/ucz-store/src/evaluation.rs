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

/// A record's current version, in the writing transaction.
async fn current(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    zone: &str,
    kind: &str,
    key: &str,
) -> Result<Option<EvaluationRow>, StoreError> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM evaluation_records WHERE zone_id = $1 AND kind = $2 AND record_key = $3 AND valid_to IS NULL"
    )))
    .bind(zone)
    .bind(kind)
    .bind(key)
    .fetch_optional(&mut **tx)
    .await?
    .map(|r| row(&r))
    .transpose()
}

/// Ends a version's validity at `at`.
async fn close(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    version: i64,
    at: &str,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE evaluation_records SET valid_to = $1 WHERE version = $2")
        .bind(at)
        .bind(version)
        .execute(&mut **tx)
        .await?;
    Ok(())
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
        let current = current(&mut tx, zone, kind, key).await?;
        if let Some(current) = current.as_ref().filter(|c| &c.body == body) {
            return Ok(current.clone());
        }
        if let Some(current) = &current {
            close(&mut tx, current.version, &by.at).await?;
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
        let current = current(&mut tx, zone, kind, key).await?;
        let Some(current) = current else {
            return Ok(false);
        };
        close(&mut tx, current.version, &by.at).await?;
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
    /// payload of its last audit row up to then, unless that row deleted it; and every id that has
    /// an audit row at any time (an id with none was written before the trail began). A payload
    /// without every column of the table is the row's `body` alone (a filing's update of a
    /// firm's figures) and replaces the body of the row before it; an erased payload leaves the
    /// row as it was.
    pub(crate) async fn audited_as_of(
        &self,
        table: &crate::records::Table,
        as_of: &str,
    ) -> Result<(Vec<Value>, std::collections::HashSet<String>), StoreError> {
        let rows = sqlx::query(
            "SELECT entity_id, action, after, at FROM audit WHERE entity = $1 ORDER BY id",
        )
        .bind(table.entity)
        .fetch_all(&self.pool)
        .await?;
        let whole = |v: &Value| table.columns.iter().all(|(c, _)| v.get(*c).is_some());
        let mut state: std::collections::BTreeMap<String, Option<Value>> = Default::default();
        let mut audited = std::collections::HashSet::new();
        for r in &rows {
            let id: String = r.try_get("entity_id")?;
            audited.insert(id.clone());
            let at: String = r.try_get("at")?;
            if at.as_str() > as_of {
                continue;
            }
            let action: String = r.try_get("action")?;
            let after: Option<String> = r.try_get("after")?;
            match (action.as_str(), after) {
                ("delete", _) => {
                    state.insert(id, None);
                }
                (_, None) => {}
                (_, Some(text)) if text == crate::audit::ERASED => {}
                (_, Some(text)) => {
                    let value: Value = serde_json::from_str(&text)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                    if whole(&value) {
                        state.insert(id, Some(value));
                    } else if let Some(Some(row)) = state.get_mut(&id) {
                        row["body"] = value;
                    }
                }
            }
        }
        Ok((state.into_values().flatten().collect(), audited))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use ucz_core::clock::Clock;
    use ucz_core::firm::Firm;
    use ucz_core::record::Demo;

    use crate::Store;
    use crate::audit::{ERASED, append};

    async fn store_at(url: &str, at: &str) -> Store {
        Store::connect(url)
            .await
            .expect("a store")
            .with_clock(Clock::fixed_at(at).expect("a time"))
    }

    fn firm(id: &str, employees: i64) -> Demo<Firm> {
        let body = json!({"id": id, "name": "시험", "founded": "2024-03-01", "stage": "early",
            "employees": employees, "region": "daejeon", "zone": "daejeon", "founder_age": 33});
        Demo {
            record: serde_json::from_value(body).expect("a firm"),
            demo: false,
        }
    }

    /// A filing's update of a firm audits the body alone, an erasure replaces a payload with a
    /// marker, and rows written before the trail began have no audit row: the firms as of a
    /// moment are still read whole.
    #[tokio::test]
    async fn firms_as_of_a_moment_survive_body_updates_erasures_and_the_trails_start() {
        let dir = tempfile::tempdir().expect("a folder");
        let url = format!("sqlite://{}", dir.path().join("ucz.db").display());
        let early = store_at(&url, "2026-01-01T00:00:00Z").await;
        early.migrate().await.expect("migrated");
        early.repo().create("t", &firm("A", 4)).await.expect("A");
        early.repo().create("t", &firm("B", 9)).await.expect("B");
        let late = store_at(&url, "2026-03-01T00:00:00Z").await;
        let (_serial, mut tx) = late.begin_audited().await.expect("a transaction");
        let by = late.author("t");
        // A filing's update: the body alone, with 7 employees.
        let mut body = serde_json::to_value(&firm("A", 7).record).expect("json");
        body["employees"] = json!(7);
        append(&mut tx, &by, "update", "firm", "A", None, Some(&body))
            .await
            .expect("appended");
        append(
            &mut tx,
            &by,
            "update",
            "firm",
            "B",
            None,
            Some(&json!({"erased": true})),
        )
        .await
        .expect("appended");
        tx.commit().await.expect("committed");
        assert_eq!(ERASED, r#"{"erased":true}"#);
        // A firm written past the trail (as an old database has them).
        sqlx::query("INSERT INTO firms (id, zone, region, stage, body, demo) VALUES ('OLD', 'daejeon', 'daejeon', 'early', $1, 0)")
            .bind(serde_json::to_string(&firm("OLD", 2).record).expect("json"))
            .execute(late.pool())
            .await
            .expect("inserted");
        let employees = |firms: &[crate::Stored<Demo<Firm>>]| -> Vec<(String, i64)> {
            let mut out: Vec<(String, i64)> = firms
                .iter()
                .map(|f| (f.id.to_string(), f.record.record.employees))
                .collect();
            out.sort();
            out
        };
        let then = late
            .repo::<Demo<Firm>>()
            .as_of("2026-02-01T00:00:00Z")
            .await
            .expect("as of February");
        assert_eq!(
            employees(&then),
            [("A".into(), 4), ("B".into(), 9), ("OLD".into(), 2)]
        );
        let now = late
            .repo::<Demo<Firm>>()
            .as_of("2026-04-01T00:00:00Z")
            .await
            .expect("as of April");
        assert_eq!(
            employees(&now),
            [("A".into(), 7), ("B".into(), 9), ("OLD".into(), 2)]
        );
    }
}

#[cfg(test)]
mod corrected_filings {
    use ucz_core::clock::Clock;

    use crate::Store;

    /// A corrected filing supersedes the facts of the version before instead of deleting them:
    /// the firm's current facts are the correction's, and every fact keeps when it was replaced.
    #[tokio::test]
    async fn a_correction_keeps_the_facts_it_replaces() {
        let dir = tempfile::tempdir().expect("a folder");
        let url = format!("sqlite://{}", dir.path().join("ucz.db").display());
        async fn at(url: &str, t: &str) -> Store {
            Store::connect(url)
                .await
                .expect("a store")
                .with_clock(Clock::fixed_at(t).expect("a time"))
        }
        let first = at(&url, "2026-04-10T00:00:00Z").await;
        first.migrate().await.expect("migrated");
        let file = |store: Store, employees: i64| async move {
            let (_serial, mut tx) = store.begin_audited().await.expect("a transaction");
            let by = store.author("t");
            super::super::awards::record_facts(
                &mut tx,
                &by,
                "A",
                &[("employees", employees)],
                "2026-03-31",
                "filing:1/1",
            )
            .await
            .expect("recorded");
            tx.commit().await.expect("committed");
        };
        file(first.clone(), 10).await;
        let later = at(&url, "2026-05-10T00:00:00Z").await;
        file(later.clone(), 12).await;
        let all = later.facts_of_fields(&["employees"]).await.expect("facts");
        let seen: Vec<(i64, Option<&str>)> = all
            .iter()
            .map(|(_, f)| (f.value, f.superseded_at.as_deref()))
            .collect();
        assert_eq!(seen, [(12, None), (10, Some("2026-05-10T00:00:00Z"))]);
        let current: Vec<i64> = later
            .facts("A")
            .await
            .expect("facts")
            .iter()
            .map(|f| f.value)
            .collect();
        assert_eq!(current, [12]);
    }
}
