//! Open calls: imports that update rather than duplicate (by source and source id), grouping of
//! the same call from both portals (`ucz_core::call::group`), reviews, groups set by hand, and
//! each account's marks (bookmarks, views, applications) and calendar-feed secret. Every change
//! to a call is audited and takes the next `revision`, so readers catch up from a number.

use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use ucz_core::account::UserId;
use ucz_core::call::group::{group_key, same_call};
use ucz_core::call::{CallBody, Review, RuleState, StoredCall};

use crate::audit::{Author, append};
use crate::{Store, StoreError};

const ENTITY: &str = "call";
const COLUMNS: &str = "id, group_id, grouped_by_hand, revision, body";

/// What an import did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct CallImport {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// New or changed calls that joined a call of the other portal.
    pub grouped: usize,
}

/// A mark an account puts on a call.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum MarkKind {
    /// 관심사업: on the account's calendar.
    Bookmarked,
    Viewed,
    /// The founder says it applied.
    Applied,
}

impl MarkKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MarkKind::Bookmarked => "bookmarked",
            MarkKind::Viewed => "viewed",
            MarkKind::Applied => "applied",
        }
    }
    pub fn parse(text: &str) -> Option<MarkKind> {
        [MarkKind::Bookmarked, MarkKind::Viewed, MarkKind::Applied]
            .into_iter()
            .find(|k| k.as_str() == text)
    }
}

/// One mark: which call, what, when.
#[derive(Clone, Debug, PartialEq, serde::Serialize, schemars::JsonSchema)]
pub struct Mark {
    pub call_id: i64,
    pub kind: MarkKind,
    pub at: String,
}

fn stored_call(row: &AnyRow) -> Result<StoredCall, StoreError> {
    let id: i64 = row.try_get("id")?;
    let body: String = row.try_get("body")?;
    let call: CallBody = serde_json::from_str(&body)
        .map_err(|e| StoreError::Corrupt(format!("calls: {id}: {e}")))?;
    Ok(StoredCall {
        id,
        group: row.try_get("group_id")?,
        grouped_by_hand: row.try_get::<i64, _>("grouped_by_hand")? != 0,
        revision: row.try_get("revision")?,
        call,
    })
}

fn body_text(call: &CallBody) -> Result<String, StoreError> {
    serde_json::to_string(call).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn shown(stored: &StoredCall) -> Value {
    serde_json::to_value(stored).unwrap_or(Value::Null)
}

async fn next_revision(tx: &mut Transaction<'static, Any>) -> Result<i64, StoreError> {
    let row = sqlx::query("SELECT COALESCE(MAX(revision), 0) AS r FROM calls")
        .fetch_one(&mut **tx)
        .await?;
    Ok(row.try_get::<i64, _>("r")? + 1)
}

async fn by_source(
    tx: &mut Transaction<'static, Any>,
    call: &CallBody,
) -> Result<Option<StoredCall>, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM calls WHERE source = $1 AND source_id = $2"
    )))
    .bind(call.source.as_str())
    .bind(call.source_id.clone())
    .fetch_optional(&mut **tx)
    .await?;
    row.as_ref().map(stored_call).transpose()
}

/// The group of another portal's call that is the same call, if one is (and not grouped by hand).
async fn group_of_same(
    tx: &mut Transaction<'static, Any>,
    call: &CallBody,
    key: &str,
    not: i64,
) -> Result<Option<i64>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM calls WHERE group_key = $1 AND source <> $2 AND id <> $3 ORDER BY id"
    )))
    .bind(key.to_string())
    .bind(call.source.as_str())
    .bind(not)
    .fetch_all(&mut **tx)
    .await?;
    for row in &rows {
        let other = stored_call(row)?;
        if !other.grouped_by_hand && same_call(call, &other.call) {
            return Ok(Some(other.group));
        }
    }
    Ok(None)
}

/// An imported call over what was stored: the portal's fields are the new record's; the review
/// stays once approved (flagged when the new draft differs from the approved one's), as do the
/// program and zone a person set.
fn merged(old: &CallBody, mut new: CallBody) -> CallBody {
    if old.review.state == RuleState::Approved {
        let changed = old.review.draft != new.review.draft;
        let draft = new.review.draft.clone();
        new.review = Review {
            draft,
            changed_since: old.review.changed_since || changed,
            ..old.review.clone()
        };
    }
    if new.program.is_none() {
        new.program = old.program.clone();
    }
    if new.zone.is_none() {
        new.zone = old.zone.clone();
    }
    new
}

impl Store {
    /// Imports calls: creates those new to their source, updates those whose record changed,
    /// and groups each new or changed call with the same call of the other portal. One
    /// transaction, one audit row per call created or changed.
    pub async fn import_calls(
        &self,
        actor: &str,
        calls: Vec<CallBody>,
    ) -> Result<CallImport, StoreError> {
        let (_serial, mut tx) = self.begin_audited().await?;
        let by = self.author(actor);
        let mut revision = next_revision(&mut tx).await?;
        let mut done = CallImport::default();
        for call in calls {
            match by_source(&mut tx, &call).await? {
                Some(old) => {
                    let new = merged(&old.call, call);
                    if new == old.call {
                        done.unchanged += 1;
                        continue;
                    }
                    let key = group_key(&new);
                    let group = if old.grouped_by_hand {
                        old.group
                    } else {
                        match group_of_same(&mut tx, &new, &key, old.id).await? {
                            Some(group) => {
                                done.grouped += 1;
                                group
                            }
                            None => old.id,
                        }
                    };
                    let after = StoredCall {
                        id: old.id,
                        group,
                        grouped_by_hand: old.grouped_by_hand,
                        revision,
                        call: new,
                    };
                    write(&mut tx, &by, &after, &key, Some(&old)).await?;
                    done.updated += 1;
                }
                None => {
                    let key = group_key(&call);
                    let id = insert(&mut tx, &call, &key, revision).await?;
                    let group = match group_of_same(&mut tx, &call, &key, id).await? {
                        Some(group) => {
                            done.grouped += 1;
                            group
                        }
                        None => id,
                    };
                    let after = StoredCall {
                        id,
                        group,
                        grouped_by_hand: false,
                        revision,
                        call,
                    };
                    write(&mut tx, &by, &after, &key, None).await?;
                    done.created += 1;
                }
            }
            revision += 1;
        }
        tx.commit().await?;
        Ok(done)
    }

    /// One call by its number.
    pub async fn call(&self, id: i64) -> Result<Option<StoredCall>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM calls WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(stored_call).transpose()
    }

    /// The revision of the last change to any call (0 for none).
    pub async fn calls_revision(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COALESCE(MAX(revision), 0) AS r FROM calls")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("r")?)
    }

    /// The calls changed after `revision`, by revision: what a reader that has seen up to
    /// `revision` must catch up with.
    pub async fn calls_since(&self, revision: i64) -> Result<Vec<StoredCall>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM calls WHERE revision > $1 ORDER BY revision"
        )))
        .bind(revision)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(stored_call).collect()
    }

    /// Replaces a call's review (edited or approved rule). `None` when there is no such call.
    pub async fn review_call(
        &self,
        actor: &str,
        id: i64,
        review: Review,
    ) -> Result<Option<StoredCall>, StoreError> {
        self.change_call(actor, id, |stored| stored.call.review = review)
            .await
    }

    /// Puts a call in a group by hand (`group` = its own number splits it off); imports keep it.
    pub async fn regroup_call(
        &self,
        actor: &str,
        id: i64,
        group: i64,
    ) -> Result<Option<StoredCall>, StoreError> {
        self.change_call(actor, id, |stored| {
            stored.group = group;
            stored.grouped_by_hand = true;
        })
        .await
    }

    /// The calls of a group.
    pub async fn calls_of_group(&self, group: i64) -> Result<Vec<StoredCall>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM calls WHERE group_id = $1 ORDER BY id"
        )))
        .bind(group)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(stored_call).collect()
    }

    async fn change_call(
        &self,
        actor: &str,
        id: i64,
        change: impl FnOnce(&mut StoredCall),
    ) -> Result<Option<StoredCall>, StoreError> {
        let (_serial, mut tx) = self.begin_audited().await?;
        let by = self.author(actor);
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM calls WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(old) = row.as_ref().map(stored_call).transpose()? else {
            return Ok(None);
        };
        let mut after = old.clone();
        change(&mut after);
        after.revision = next_revision(&mut tx).await?;
        let key = group_key(&after.call);
        write(&mut tx, &by, &after, &key, Some(&old)).await?;
        tx.commit().await?;
        Ok(Some(after))
    }

    /// Marks a call for an account (again: the time is the latest).
    pub async fn mark_call(
        &self,
        user: UserId,
        call: i64,
        kind: MarkKind,
    ) -> Result<bool, StoreError> {
        let at = self.clock().stamp();
        let exists = sqlx::query("SELECT 1 AS one FROM calls WHERE id = $1")
            .bind(call)
            .fetch_optional(&self.pool)
            .await?
            .is_some();
        if !exists {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO call_marks (user_id, call_id, kind, marked_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (user_id, call_id, kind) DO UPDATE SET marked_at = excluded.marked_at",
        )
        .bind(user.0)
        .bind(call)
        .bind(kind.as_str())
        .bind(at)
        .execute(&self.pool)
        .await?;
        Ok(true)
    }

    /// Takes a mark off; `false` when there was none.
    pub async fn unmark_call(
        &self,
        user: UserId,
        call: i64,
        kind: MarkKind,
    ) -> Result<bool, StoreError> {
        let done =
            sqlx::query("DELETE FROM call_marks WHERE user_id = $1 AND call_id = $2 AND kind = $3")
                .bind(user.0)
                .bind(call)
                .bind(kind.as_str())
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected() > 0)
    }

    /// An account's marks, latest first.
    pub async fn marks_of(&self, user: UserId) -> Result<Vec<Mark>, StoreError> {
        let rows = sqlx::query(
            "SELECT call_id, kind, marked_at FROM call_marks WHERE user_id = $1 \
             ORDER BY marked_at DESC, call_id DESC, kind",
        )
        .bind(user.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let kind: String = r.try_get("kind")?;
                Ok(Mark {
                    call_id: r.try_get("call_id")?,
                    kind: MarkKind::parse(&kind)
                        .ok_or_else(|| StoreError::Corrupt(format!("call_marks: kind {kind}")))?,
                    at: r.try_get("marked_at")?,
                })
            })
            .collect()
    }

    /// Sets an account's calendar-feed secret (its hash), replacing the one before.
    pub async fn set_calendar_secret(
        &self,
        user: UserId,
        secret_hash: &str,
    ) -> Result<(), StoreError> {
        let at = self.clock().stamp();
        sqlx::query(
            "INSERT INTO calendar_feeds (user_id, secret_hash, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id) DO UPDATE SET secret_hash = excluded.secret_hash, created_at = excluded.created_at",
        )
        .bind(user.0)
        .bind(secret_hash.to_string())
        .bind(at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The account whose calendar-feed secret hashes to `secret_hash`.
    pub async fn calendar_user(&self, secret_hash: &str) -> Result<Option<UserId>, StoreError> {
        let row = sqlx::query("SELECT user_id FROM calendar_feeds WHERE secret_hash = $1")
            .bind(secret_hash.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| Ok(UserId(r.try_get("user_id")?))).transpose()
    }

    /// Whether an account has a calendar feed.
    pub async fn has_calendar(&self, user: UserId) -> Result<bool, StoreError> {
        Ok(
            sqlx::query("SELECT 1 AS one FROM calendar_feeds WHERE user_id = $1")
                .bind(user.0)
                .fetch_optional(&self.pool)
                .await?
                .is_some(),
        )
    }
}

async fn insert(
    tx: &mut Transaction<'static, Any>,
    call: &CallBody,
    key: &str,
    revision: i64,
) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "INSERT INTO calls (source, source_id, group_id, grouped_by_hand, group_key, closes_at, rule_state, zone, revision, body) \
         VALUES ($1, $2, 0, 0, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(call.source.as_str())
    .bind(call.source_id.clone())
    .bind(key.to_string())
    .bind(call.period.closes_at.clone())
    .bind(call.review.state.as_str())
    .bind(call.zone.clone())
    .bind(revision)
    .bind(body_text(call)?)
    .fetch_one(&mut **tx)
    .await?;
    Ok(row.try_get("id")?)
}

/// Writes a call's row as `after` says, with its audit row (`create` when `before` is none).
async fn write(
    tx: &mut Transaction<'static, Any>,
    by: &Author<'_>,
    after: &StoredCall,
    key: &str,
    before: Option<&StoredCall>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE calls SET group_id = $1, grouped_by_hand = $2, group_key = $3, closes_at = $4, \
         rule_state = $5, zone = $6, revision = $7, body = $8 WHERE id = $9",
    )
    .bind(after.group)
    .bind(i64::from(after.grouped_by_hand))
    .bind(key.to_string())
    .bind(after.call.period.closes_at.clone())
    .bind(after.call.review.state.as_str())
    .bind(after.call.zone.clone())
    .bind(after.revision)
    .bind(body_text(&after.call)?)
    .bind(after.id)
    .execute(&mut **tx)
    .await?;
    let action = if before.is_some() { "update" } else { "create" };
    append(
        tx,
        by,
        action,
        ENTITY,
        &after.id.to_string(),
        before.map(shown).as_ref(),
        Some(&shown(after)),
    )
    .await
}
