//! Notices (an account's inbox), the kinds of mail an account stopped, the outbox of mail on its
//! way, and scheduled jobs claimed by one process at a time.
//!
//! Exactly once, with several servers on one database: a notice is unique per account and key
//! (`ON CONFLICT DO NOTHING`), a digest per account and day (`mail_outbox.dedup`), a job's run by
//! a compare-and-set of its `next_run_at`, and a queued mail is claimed by one sender for a while
//! (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite has one writer at a time anyway).

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;
use ucz_core::account::UserId;

use crate::audit::append;
use crate::{Backend, Store, StoreError};

/// A notice as stored: its body is `ucz_core::notice::NoticeBody` as JSON.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct StoredNotice {
    pub id: i64,
    pub kind: String,
    pub body: serde_json::Value,
    pub created_at: String,
    pub read_at: Option<String>,
    pub digested_at: Option<String>,
}

/// A mail in the outbox.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct OutboxMail {
    pub id: i64,
    pub to: String,
    pub subject: String,
    pub body: String,
    /// `verify`, `reset`, `taken`, `digest`.
    pub kind: String,
    /// `queued`, `sent`, `held` (no relay: read here) or `failed` (no more tries).
    pub status: String,
    pub created_at: String,
    pub attempts: i64,
    pub next_attempt_at: String,
    pub last_error: Option<String>,
    pub sent_at: Option<String>,
}

/// A mail to queue.
#[derive(Clone, Debug)]
pub struct NewMail<'a> {
    pub user: Option<UserId>,
    pub to: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub kind: &'a str,
    /// Makes the mail one of a kind (a digest: per account and day).
    pub dedup: Option<String>,
    /// `queued`, or `held` when no relay is configured.
    pub status: &'a str,
}

/// A scheduled job as administrators see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct JobInfo {
    pub name: String,
    pub next_run_at: String,
    pub last_run_at: Option<String>,
    pub last_outcome: Option<String>,
    pub runs: i64,
    pub failures: i64,
}

/// An account notices may go to: a firm account with its firm.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recipient {
    pub user: UserId,
    pub username: String,
    pub firm_id: String,
    /// Its verified address, if it has one (accounts an administrator made have none).
    pub email: Option<String>,
}

fn notice(row: &AnyRow) -> Result<StoredNotice, StoreError> {
    let body: String = row.try_get("body")?;
    Ok(StoredNotice {
        id: row.try_get("id")?,
        kind: row.try_get("kind")?,
        body: serde_json::from_str(&body)
            .map_err(|e| StoreError::Corrupt(format!("notices.body: {e}")))?,
        created_at: row.try_get("created_at")?,
        read_at: row.try_get("read_at")?,
        digested_at: row.try_get("digested_at")?,
    })
}

fn mail(row: &AnyRow) -> Result<OutboxMail, StoreError> {
    Ok(OutboxMail {
        id: row.try_get("id")?,
        to: row.try_get("to_addr")?,
        subject: row.try_get("subject")?,
        body: row.try_get("body")?,
        kind: row.try_get("kind")?,
        status: row.try_get("status")?,
        created_at: row.try_get("created_at")?,
        attempts: row.try_get("attempts")?,
        next_attempt_at: row.try_get("next_attempt_at")?,
        last_error: row.try_get("last_error")?,
        sent_at: row.try_get("sent_at")?,
    })
}

const NOTICE_COLUMNS: &str = "id, kind, body, created_at, read_at, digested_at";
const MAIL_COLUMNS: &str = "id, to_addr, subject, body, kind, status, created_at, attempts, next_attempt_at, last_error, sent_at";

impl Store {
    /// The enabled firm accounts with a firm: whom notices are made for.
    pub async fn recipients(&self) -> Result<Vec<Recipient>, StoreError> {
        let rows = sqlx::query(
            "SELECT users.id AS id, username, firms.id AS firm_id, CASE WHEN email_verified_at IS NULL THEN NULL ELSE email END AS email \
             FROM users JOIN firms ON firms.key = users.firm_key WHERE users.disabled = 0 AND users.role = 'firm' ORDER BY users.id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Recipient {
                    user: UserId(r.try_get("id")?),
                    username: r.try_get("username")?,
                    firm_id: r.try_get("firm_id")?,
                    email: r.try_get("email")?,
                })
            })
            .collect()
    }

    /// The enabled operator accounts with the zone each keeps: those reminded of their zone's
    /// leases ending.
    pub async fn zone_keepers(&self) -> Result<Vec<(UserId, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT users.id AS id, zones.id AS zone_id FROM users JOIN zones ON zones.key = users.zone_key \
             WHERE users.disabled = 0 AND users.role = 'operator' ORDER BY users.id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((UserId(r.try_get("id")?), r.try_get("zone_id")?)))
            .collect()
    }

    /// The enabled coordinators' and admins' accounts: they are told of every zone's statutory
    /// deadlines.
    pub async fn coordinators(&self) -> Result<Vec<UserId>, StoreError> {
        let rows = sqlx::query(
            "SELECT id FROM users WHERE disabled = 0 AND role IN ('coordinator', 'admin') ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok(UserId(r.try_get("id")?))).collect()
    }

    /// Adds notices to an account's inbox; one already there (same key) is left as it is.
    /// The number added.
    pub async fn add_notices(
        &self,
        user: UserId,
        notices: &[(String, String, serde_json::Value)],
    ) -> Result<u64, StoreError> {
        let mut added = 0;
        let at = self.clock().stamp();
        let mut tx = self.pool.begin().await?;
        for (kind, key, body) in notices {
            added += sqlx::query(
                "INSERT INTO notices (user_id, kind, dedup, body, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id, dedup) DO NOTHING",
            )
            .bind(user.0)
            .bind(kind.clone())
            .bind(key.clone())
            .bind(body.to_string())
            .bind(at.clone())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        }
        tx.commit().await?;
        Ok(added)
    }

    /// An account's notices, newest first, at most `limit`; with the number unread.
    pub async fn notices_of(
        &self,
        user: UserId,
        limit: i64,
    ) -> Result<(Vec<StoredNotice>, i64), StoreError> {
        let sql = format!(
            "SELECT {NOTICE_COLUMNS} FROM notices WHERE user_id = $1 ORDER BY id DESC LIMIT $2"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(user.0)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        let unread: i64 =
            sqlx::query("SELECT COUNT(*) AS n FROM notices WHERE user_id = $1 AND read_at IS NULL")
                .bind(user.0)
                .fetch_one(&self.pool)
                .await?
                .try_get("n")?;
        Ok((rows.iter().map(notice).collect::<Result<_, _>>()?, unread))
    }

    /// The latest notice of an account whose key starts with `prefix`.
    pub async fn last_notice(
        &self,
        user: UserId,
        prefix: &str,
    ) -> Result<Option<StoredNotice>, StoreError> {
        let sql = format!(
            "SELECT {NOTICE_COLUMNS} FROM notices WHERE user_id = $1 AND dedup LIKE $2 ORDER BY id DESC LIMIT 1"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(user.0)
            // Ids are letters, digits and `_` (which LIKE's one-character wildcard matches too).
            .bind(format!("{prefix}%"))
            .fetch_optional(&self.pool)
            .await?
            .map(|r| notice(&r))
            .transpose()
    }

    /// Marks an account's notice read (or all of them, with `None`); the number marked.
    pub async fn read_notices(&self, user: UserId, id: Option<i64>) -> Result<u64, StoreError> {
        Ok(sqlx::query(
            "UPDATE notices SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL AND ($3 = 0 OR id = $3)",
        )
        .bind(self.clock().stamp())
        .bind(user.0)
        .bind(id.unwrap_or(0))
        .execute(&self.pool)
        .await?
        .rows_affected())
    }

    /// The notices of an account not yet in a digest, of the kinds it did not stop, oldest
    /// first.
    pub async fn undigested(&self, user: UserId) -> Result<Vec<StoredNotice>, StoreError> {
        let sql = format!(
            "SELECT {NOTICE_COLUMNS} FROM notices WHERE user_id = $1 AND digested_at IS NULL \
             AND kind NOT IN (SELECT kind FROM mail_stops WHERE user_id = $1) ORDER BY id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(user.0)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(notice).collect()
    }

    /// Queues an account's digest, once per `dedup`, and marks the notices it carries as
    /// digested, in one transaction. `false` when the digest was queued already (by this or
    /// another process): nothing is changed then.
    pub async fn queue_digest(
        &self,
        mail: &NewMail<'_>,
        notices: &[i64],
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let at = self.clock().stamp();
        let queued = insert_mail(&mut tx, mail, &at).await?;
        if queued {
            for id in notices {
                sqlx::query("UPDATE notices SET digested_at = $1 WHERE id = $2")
                    .bind(at.clone())
                    .bind(*id)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(queued)
    }

    /// Queues a mail; `false` when one of the same `dedup` is there already.
    pub async fn queue_mail(&self, mail: &NewMail<'_>) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let queued = insert_mail(&mut tx, mail, &self.clock().stamp()).await?;
        tx.commit().await?;
        Ok(queued)
    }

    /// Claims up to `limit` queued mails due now for one sender, for `seconds`: another sender
    /// (another process) skips them meanwhile, and takes them back only if this one never said
    /// how they went.
    pub async fn claim_mail(
        &self,
        limit: i64,
        seconds: i64,
    ) -> Result<Vec<OutboxMail>, StoreError> {
        let now = self.clock().stamp();
        let until = self.clock().stamp_in(seconds);
        let lock = match self.backend {
            Backend::Postgres => "FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "UPDATE mail_outbox SET claimed_until = $1, attempts = attempts + 1 WHERE id IN (\
             SELECT id FROM mail_outbox WHERE status = 'queued' AND next_attempt_at <= $2 \
             AND (claimed_until IS NULL OR claimed_until < $2) ORDER BY id LIMIT $3 {lock}) \
             RETURNING {MAIL_COLUMNS}"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(until)
            .bind(now)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        let mut mails: Vec<OutboxMail> = rows.iter().map(mail).collect::<Result<_, _>>()?;
        mails.sort_by_key(|m| m.id);
        Ok(mails)
    }

    /// Says how a claimed mail went: sent, or failed with the error and either the time of the
    /// next try or (none) no more tries.
    pub async fn mail_outcome(
        &self,
        id: i64,
        error: Option<&str>,
        retry_at: Option<&str>,
    ) -> Result<(), StoreError> {
        let now = self.clock().stamp();
        let query = match (error, retry_at) {
            (None, _) => sqlx::query(
                "UPDATE mail_outbox SET status = 'sent', sent_at = $1, claimed_until = NULL, last_error = NULL WHERE id = $2",
            )
            .bind(now)
            .bind(id),
            (Some(error), Some(next)) => sqlx::query(
                "UPDATE mail_outbox SET next_attempt_at = $1, claimed_until = NULL, last_error = $2 WHERE id = $3",
            )
            .bind(next.to_string())
            .bind(error.chars().take(500).collect::<String>())
            .bind(id),
            (Some(error), None) => sqlx::query(
                "UPDATE mail_outbox SET status = 'failed', claimed_until = NULL, last_error = $1 WHERE id = $2",
            )
            .bind(error.chars().take(500).collect::<String>())
            .bind(id),
        };
        query.execute(&self.pool).await?;
        Ok(())
    }

    /// The outbox, newest first: of one status or all.
    pub async fn outbox(
        &self,
        status: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<OutboxMail>, i64), StoreError> {
        let sql = format!(
            "SELECT {MAIL_COLUMNS} FROM mail_outbox WHERE ($1 = '' OR status = $1) ORDER BY id DESC LIMIT $2 OFFSET $3"
        );
        let status = status.unwrap_or_default().to_string();
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(status.clone())
            .bind(limit)
            .bind(offset)
            .fetch_all(&self.pool)
            .await?;
        let total: i64 =
            sqlx::query("SELECT COUNT(*) AS n FROM mail_outbox WHERE ($1 = '' OR status = $1)")
                .bind(status)
                .fetch_one(&self.pool)
                .await?
                .try_get("n")?;
        Ok((rows.iter().map(mail).collect::<Result<_, _>>()?, total))
    }

    /// Deletes mails sent or failed before `before` (the privacy notice keeps them 90 days).
    pub async fn purge_mail(&self, before: &str) -> Result<u64, StoreError> {
        Ok(sqlx::query(
            "DELETE FROM mail_outbox WHERE status IN ('sent', 'failed', 'held') AND created_at < $1",
        )
        .bind(before)
        .execute(&self.pool)
        .await?
        .rows_affected())
    }

    /// The kinds of mail an account stopped.
    pub async fn mail_stops(&self, user: UserId) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query("SELECT kind FROM mail_stops WHERE user_id = $1 ORDER BY kind")
            .bind(user.0)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok(r.try_get::<String, _>("kind")?))
            .collect()
    }

    /// Stops (or starts again) one kind of mail for an account, audited.
    pub async fn set_mail_stop(
        &self,
        actor: &str,
        user: UserId,
        kind: &str,
        stop: bool,
    ) -> Result<(), StoreError> {
        let (_serial, mut tx) = self.begin_audited().await?;
        let by = self.author(actor);
        let changed = if stop {
            sqlx::query(
                "INSERT INTO mail_stops (user_id, kind) VALUES ($1, $2) ON CONFLICT (user_id, kind) DO NOTHING",
            )
        } else {
            sqlx::query("DELETE FROM mail_stops WHERE user_id = $1 AND kind = $2")
        }
        .bind(user.0)
        .bind(kind)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed > 0 {
            append(
                &mut tx,
                &by,
                "update",
                "user",
                &user.to_string(),
                None,
                Some(&serde_json::json!({"mail": kind, "stopped": stop})),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Claims the run of a job that is due: `true` for the one process whose compare-and-set of
    /// `next_run_at` (to `next`) went through. A job not yet known is due at `first`.
    pub async fn claim_job(&self, name: &str, first: &str, next: &str) -> Result<bool, StoreError> {
        sqlx::query(
            "INSERT INTO jobs (name, next_run_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(first)
        .execute(&self.pool)
        .await?;
        let now = self.clock().stamp();
        let Some(row) =
            sqlx::query("SELECT next_run_at FROM jobs WHERE name = $1 AND next_run_at <= $2")
                .bind(name)
                .bind(now.clone())
                .fetch_optional(&self.pool)
                .await?
        else {
            return Ok(false);
        };
        let due: String = row.try_get("next_run_at")?;
        let claimed = sqlx::query(
            "UPDATE jobs SET next_run_at = $1, last_run_at = $2, runs = runs + 1 WHERE name = $3 AND next_run_at = $4",
        )
        .bind(next)
        .bind(now)
        .bind(name)
        .bind(due)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(claimed == 1)
    }

    /// Records how a job's run went, audited as the system's.
    pub async fn job_done(
        &self,
        name: &str,
        outcome: &str,
        failed: bool,
    ) -> Result<(), StoreError> {
        let (_serial, mut tx) = self.begin_audited().await?;
        let by = self.author("system");
        sqlx::query(
            "INSERT INTO jobs (name, next_run_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(by.at.clone())
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE jobs SET last_outcome = $1, last_run_at = $2, failures = failures + $3 WHERE name = $4",
        )
        .bind(outcome.chars().take(500).collect::<String>())
        .bind(by.at.clone())
        .bind(i64::from(failed))
        .bind(name)
        .execute(&mut *tx)
        .await?;
        append(
            &mut tx,
            &by,
            "run",
            "job",
            name,
            None,
            Some(&serde_json::json!({"outcome": outcome, "failed": failed})),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The scheduled jobs.
    pub async fn jobs(&self) -> Result<Vec<JobInfo>, StoreError> {
        let rows = sqlx::query(
            "SELECT name, next_run_at, last_run_at, last_outcome, runs, failures FROM jobs ORDER BY name",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(JobInfo {
                    name: r.try_get("name")?,
                    next_run_at: r.try_get("next_run_at")?,
                    last_run_at: r.try_get("last_run_at")?,
                    last_outcome: r.try_get("last_outcome")?,
                    runs: r.try_get("runs")?,
                    failures: r.try_get("failures")?,
                })
            })
            .collect()
    }
}

async fn insert_mail(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    mail: &NewMail<'_>,
    at: &str,
) -> Result<bool, StoreError> {
    let sent_at = (mail.status == "held").then(|| at.to_string());
    Ok(sqlx::query(
        "INSERT INTO mail_outbox (user_id, to_addr, subject, body, kind, dedup, status, created_at, next_attempt_at, sent_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9) ON CONFLICT (dedup) DO NOTHING",
    )
    .bind(mail.user.map(|u| u.0))
    .bind(mail.to)
    .bind(mail.subject)
    .bind(mail.body)
    .bind(mail.kind)
    .bind(mail.dedup.clone())
    .bind(mail.status)
    .bind(at)
    .bind(sent_at)
    .execute(&mut **tx)
    .await?
    .rows_affected()
        == 1)
}
