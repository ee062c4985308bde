//! Running a zone's programs (migration 0014): a call's competition, its applications and their
//! files, evaluators, conflicts, assignments, scores, results, objections, agreements, filings,
//! and the dated facts of firms. Every change is audited; what must hold across requests (one
//! application per firm, a filing's version, the newest fact setting a firm's field) is checked
//! under the write lock, in the write's transaction.

use serde::Serialize;
use serde_json::Value;
use sqlx::Row;
use sqlx::any::AnyRow;
use ucz_core::account::UserId;

use crate::audit::{append, value_of};
use crate::{Store, StoreError};

/// A call's competition as stored.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CompetitionRow {
    pub call_id: i64,
    pub zone_id: String,
    pub setup: Value,
    pub updated_at: String,
    pub results: Option<Value>,
    pub published_at: Option<String>,
}

/// An application as stored.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ApplicationRow {
    pub id: i64,
    pub call_id: i64,
    pub firm_id: String,
    pub user_id: Option<i64>,
    /// `draft`, `submitted`, `withdrawn`.
    pub state: String,
    pub answers: Value,
    pub requested: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
    pub submitted_at: Option<String>,
    pub receipt: Option<String>,
    pub receipt_hash: Option<String>,
}

/// An evaluator of a call.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EvaluatorRow {
    pub user_id: i64,
    pub username: String,
    pub name: Option<String>,
    pub email: Option<String>,
    /// Firm ids and organisation names the evaluator works or worked for.
    pub affiliations: Vec<String>,
}

/// A stored score sheet.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ScoreRow {
    pub stage: String,
    pub application_id: i64,
    pub user_id: i64,
    pub sheet: Value,
    pub comment: String,
    pub scored_at: String,
}

/// An applicant's objection to its result.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ObjectionRow {
    pub id: i64,
    pub application_id: i64,
    pub text: String,
    pub filed_at: String,
    pub answer: Option<String>,
    pub answered_at: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AgreementRow {
    pub application_id: i64,
    pub call_id: i64,
    pub firm_id: String,
    pub body: Value,
    pub signed_at: String,
}

/// One version of a filing; a correction is a new version, the earlier ones stay.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FilingRow {
    pub id: i64,
    pub application_id: i64,
    pub period: i64,
    pub version: i64,
    pub body: Value,
    pub filed_at: String,
    pub filed_by: String,
}

/// A dated fact of a firm: a field's value on a day, from a filing or the firm's own edit.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FactRow {
    pub field: String,
    pub value: i64,
    pub as_of: String,
    /// `filing:<application>/<period>` or `edit`.
    pub source: String,
    pub recorded_at: String,
    /// When a corrected filing replaced it (RFC 3339, UTC); none while current.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub superseded_at: Option<String>,
}

/// A new application.
pub struct NewApplication<'a> {
    pub call_id: i64,
    pub firm_id: &'a str,
    pub user_id: Option<UserId>,
    pub answers: &'a Value,
    pub requested: Option<i64>,
    /// Applications one firm may have in the call (withdrawn ones not counted).
    pub per_firm: i64,
}

/// What creating an application came to.
pub enum Created {
    New(Box<ApplicationRow>),
    /// The firm has this many already.
    OverLimit(i64),
}

fn json(text: Option<String>) -> Result<Option<Value>, StoreError> {
    text.map(|t| serde_json::from_str(&t).map_err(|e| StoreError::Corrupt(e.to_string())))
        .transpose()
}

fn json_of(row: &AnyRow, column: &str) -> Result<Value, StoreError> {
    Ok(json(Some(row.try_get(column)?))?.unwrap_or(Value::Null))
}

const APPLICATION_COLUMNS: &str = "id, call_id, firm_id, user_id, state, answers, requested, created_at, updated_at, submitted_at, receipt, receipt_hash";

fn application(row: &AnyRow) -> Result<ApplicationRow, StoreError> {
    Ok(ApplicationRow {
        id: row.try_get("id")?,
        call_id: row.try_get("call_id")?,
        firm_id: row.try_get("firm_id")?,
        user_id: row.try_get("user_id")?,
        state: row.try_get("state")?,
        answers: json_of(row, "answers")?,
        requested: row.try_get("requested")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        submitted_at: row.try_get("submitted_at")?,
        receipt: row.try_get("receipt")?,
        receipt_hash: row.try_get("receipt_hash")?,
    })
}

fn filing(row: &AnyRow) -> Result<FilingRow, StoreError> {
    Ok(FilingRow {
        id: row.try_get("id")?,
        application_id: row.try_get("application_id")?,
        period: row.try_get("period")?,
        version: row.try_get("version")?,
        body: json_of(row, "body")?,
        filed_at: row.try_get("filed_at")?,
        filed_by: row.try_get("filed_by")?,
    })
}

fn io(e: std::io::Error) -> StoreError {
    StoreError::Corrupt(format!("files directory: {e}"))
}

/// A file's place in the files directory: `ab/abcdef…`, from a hash checked to be hex.
fn file_path(dir: &std::path::Path, sha256: &str) -> Result<std::path::PathBuf, StoreError> {
    if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(StoreError::Corrupt(format!("{sha256} is not a SHA-256")));
    }
    Ok(dir.join(&sha256[..2]).join(sha256))
}

impl Store {
    /// Sets (or replaces) a call's competition. Audited.
    pub async fn set_competition(
        &self,
        actor: &str,
        call_id: i64,
        zone_id: &str,
        setup: &Value,
    ) -> Result<CompetitionRow, StoreError> {
        let (_serial, mut tx) = self.begin_audited().await?;
        let by = self.author(actor);
        let before = sqlx::query("SELECT setup FROM competitions WHERE call_id = $1")
            .bind(call_id)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| json_of(&r, "setup"))
            .transpose()?;
        sqlx::query(
            "INSERT INTO competitions (call_id, zone_id, setup, updated_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (call_id) DO UPDATE SET setup = excluded.setup, updated_at = excluded.updated_at",
        )
        .bind(call_id)
        .bind(zone_id)
        .bind(setup.to_string())
        .bind(by.at.clone())
        .execute(&mut *tx)
        .await?;
        append(
            &mut tx,
            &by,
            if before.is_some() { "update" } else { "create" },
            "competition",
            &call_id.to_string(),
            before.as_ref(),
            Some(setup),
        )
        .await?;
        tx.commit().await?;
        self.competition(call_id)
            .await?
            .ok_or_else(|| StoreError::Corrupt("the competition just written is gone".into()))
    }

    pub async fn competition(&self, call_id: i64) -> Result<Option<CompetitionRow>, StoreError> {
        let row = sqlx::query(
            "SELECT call_id, zone_id, setup, updated_at, results, published_at FROM competitions WHERE call_id = $1",
        )
        .bind(call_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(CompetitionRow {
                call_id: row.try_get("call_id")?,
                zone_id: row.try_get("zone_id")?,
                setup: json_of(&row, "setup")?,
                updated_at: row.try_get("updated_at")?,
                results: json(row.try_get("results")?)?,
                published_at: row.try_get("published_at")?,
            })
        })
        .transpose()
    }

    /// The calls with a competition: of one zone, or all; newest first.
    pub async fn competitions(&self, zone: Option<&str>) -> Result<Vec<i64>, StoreError> {
        sqlx::query(
            "SELECT call_id FROM competitions WHERE ($1 = '' OR zone_id = $1) ORDER BY call_id DESC LIMIT 500",
        )
        .bind(zone.unwrap_or_default().to_string())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| Ok(r.try_get("call_id")?))
        .collect()
    }

    /// Keeps an uploaded file by its hash, once (the same content uploaded again is the same
    /// file): in the database as base64, or in the shared files directory.
    pub async fn put_file(
        &self,
        upload: &Upload<'_>,
        media_type: &str,
        content: &[u8],
    ) -> Result<(), StoreError> {
        let sha256 = upload.sha256;
        use base64::Engine;
        let text = match &self.files_dir {
            Some(dir) => {
                let path = file_path(dir, sha256)?;
                if !path.exists() {
                    if let Some(parent) = path.parent() {
                        std::fs::create_dir_all(parent).map_err(io)?;
                    }
                    // Written aside and renamed: a reader never sees half a file.
                    // Unique to this write: two uploads of the same content at once each write
                    // their own and the second rename replaces the first with the same bytes.
                    static WRITES: std::sync::atomic::AtomicU64 =
                        std::sync::atomic::AtomicU64::new(0);
                    let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let aside = path.with_extension(format!("part-{}-{n}", std::process::id()));
                    std::fs::write(&aside, content).map_err(io)?;
                    std::fs::rename(&aside, &path).map_err(io)?;
                }
                None
            }
            None => Some(base64::engine::general_purpose::STANDARD.encode(content)),
        };
        sqlx::query(
            "INSERT INTO award_files (sha256, media_type, size, content, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (sha256) DO NOTHING",
        )
        .bind(sha256)
        .bind(media_type)
        .bind(content.len() as i64)
        .bind(text)
        .bind(self.clock().stamp())
        .execute(&self.pool)
        .await?;
        sqlx::query(
            "INSERT INTO award_uploads (sha256, firm_id, call_id, question, name, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (firm_id, call_id, question, sha256) DO UPDATE SET name = excluded.name",
        )
        .bind(sha256)
        .bind(upload.firm_id)
        .bind(upload.call_id)
        .bind(upload.question)
        .bind(upload.name)
        .bind(self.clock().stamp())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A file a firm uploaded for a call's question: its name, size and media type; `None`
    /// when that firm did not upload it there.
    pub async fn upload_of(
        &self,
        firm_id: &str,
        call_id: i64,
        question: &str,
        sha256: &str,
    ) -> Result<Option<(String, i64, String)>, StoreError> {
        let row = sqlx::query(
            "SELECT u.name, f.size, f.media_type FROM award_uploads u JOIN award_files f ON f.sha256 = u.sha256 \
             WHERE u.firm_id = $1 AND u.call_id = $2 AND u.question = $3 AND u.sha256 = $4",
        )
        .bind(firm_id)
        .bind(call_id)
        .bind(question)
        .bind(sha256)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok((
                r.try_get("name")?,
                r.try_get("size")?,
                r.try_get("media_type")?,
            ))
        })
        .transpose()
    }

    /// A kept file: its media type and content.
    pub async fn file(&self, sha256: &str) -> Result<Option<(String, Vec<u8>)>, StoreError> {
        use base64::Engine;
        let Some(row) =
            sqlx::query("SELECT media_type, content FROM award_files WHERE sha256 = $1")
                .bind(sha256)
                .fetch_optional(&self.pool)
                .await?
        else {
            return Ok(None);
        };
        let media_type: String = row.try_get("media_type")?;
        let content: Option<String> = row.try_get("content")?;
        let bytes = match (content, &self.files_dir) {
            (Some(text), _) => base64::engine::general_purpose::STANDARD
                .decode(text)
                .map_err(|e| StoreError::Corrupt(format!("file {sha256}: {e}")))?,
            (None, Some(dir)) => std::fs::read(file_path(dir, sha256)?).map_err(io)?,
            (None, None) => {
                return Err(StoreError::Corrupt(format!(
                    "file {sha256} is kept in a files directory this server was not given"
                )));
            }
        };
        Ok(Some((media_type, bytes)))
    }

    /// A draft application, unless the firm has `per_firm` already. Audited.
    pub async fn create_application(
        &self,
        actor: &str,
        new: &NewApplication<'_>,
    ) -> Result<Created, StoreError> {
        let (_serial, mut tx) = self.begin_audited().await?;
        let by = self.author(actor);
        let count: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM applications WHERE call_id = $1 AND firm_id = $2 AND state <> 'withdrawn'",
        )
        .bind(new.call_id)
        .bind(new.firm_id)
        .fetch_one(&mut *tx)
        .await?
        .try_get("n")?;
        if count >= new.per_firm {
            return Ok(Created::OverLimit(count));
        }
        let sql = format!(
            "INSERT INTO applications (call_id, firm_id, user_id, state, answers, requested, created_at, updated_at) \
             VALUES ($1, $2, $3, 'draft', $4, $5, $6, $6) RETURNING {APPLICATION_COLUMNS}"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(new.call_id)
            .bind(new.firm_id)
            .bind(new.user_id.map(|u| u.0))
            .bind(new.answers.to_string())
            .bind(new.requested)
            .bind(by.at.clone())
            .fetch_one(&mut *tx)
            .await?;
        let created = application(&row)?;
        append(
            &mut tx,
            &by,
            "create",
            "application",
            &created.id.to_string(),
            None,
            Some(&value_of(&created)),
        )
        .await?;
        tx.commit().await?;
        Ok(Created::New(Box::new(created)))
    }

    /// Changes an application that is still in `from` state: its answers and amount, its state,
    /// and (on submission) its receipt. `None` when it is no longer in that state. Audited.
    pub async fn change_application(
        &self,
        actor: &str,
        id: i64,
        from: &str,
        change: &ApplicationChange<'_>,
    ) -> Result<Option<ApplicationRow>, StoreError> {
        let (_serial, mut tx) = self.begin_audited().await?;
        let by = self.author(actor);
        let sql = format!("SELECT {APPLICATION_COLUMNS} FROM applications WHERE id = $1");
        let Some(before) = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| application(&r))
            .transpose()?
        else {
            return Ok(None);
        };
        if before.state != from {
            return Ok(None);
        }
        let submitted = change.state == "submitted";
        let sql = format!(
            "UPDATE applications SET state = $1, answers = $2, requested = $3, updated_at = $4, \
             submitted_at = $5, receipt = $6, receipt_hash = $7 WHERE id = $8 RETURNING {APPLICATION_COLUMNS}"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(change.state)
            .bind(change.answers.unwrap_or(&before.answers).to_string())
            .bind(change.requested.or(before.requested))
            .bind(by.at.clone())
            .bind(if submitted {
                Some(by.at.clone())
            } else {
                before.submitted_at.clone()
            })
            .bind(
                change
                    .receipt
                    .map(str::to_string)
                    .or(before.receipt.clone()),
            )
            .bind(
                change
                    .receipt_hash
                    .map(str::to_string)
                    .or(before.receipt_hash.clone()),
            )
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        let after = application(&row)?;
        append(
            &mut tx,
            &by,
            "update",
            "application",
            &id.to_string(),
            Some(&value_of(&before)),
            Some(&value_of(&after)),
        )
        .await?;
        tx.commit().await?;
        Ok(Some(after))
    }

    pub async fn application(&self, id: i64) -> Result<Option<ApplicationRow>, StoreError> {
        let sql = format!("SELECT {APPLICATION_COLUMNS} FROM applications WHERE id = $1");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| application(&r))
            .transpose()
    }

    /// A call's applications (of one firm, or all), by number.
    pub async fn applications(
        &self,
        call_id: Option<i64>,
        firm_id: Option<&str>,
    ) -> Result<Vec<ApplicationRow>, StoreError> {
        let sql = format!(
            "SELECT {APPLICATION_COLUMNS} FROM applications WHERE ($1 = 0 OR call_id = $1) AND ($2 = '' OR firm_id = $2) ORDER BY id"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(call_id.unwrap_or(0))
            .bind(firm_id.unwrap_or_default().to_string())
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(application)
            .collect()
    }

    /// Adds an evaluator to a call by address: the account with that address, or a new
    /// evaluator account (no usable password: its owner sets one through the invitation link).
    /// `None` when the address belongs to an account of another role. Audited.
    pub async fn add_evaluator(
        &self,
        actor: &str,
        call_id: i64,
        email: &str,
        name: &str,
        affiliations: &[String],
    ) -> Result<Option<(UserId, bool)>, StoreError> {
        let (_serial, mut tx) = self.begin_audited().await?;
        let by = self.author(actor);
        let Some(account) =
            crate::accounts::invited_account(&mut tx, &by, email, name, "evaluator").await?
        else {
            return Ok(None);
        };
        let (user, new) = (account.id, account.new);
        let affiliations_json = value_of(&affiliations);
        sqlx::query(
            "INSERT INTO award_evaluators (call_id, user_id, affiliations, invited_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (call_id, user_id) DO UPDATE SET affiliations = excluded.affiliations",
        )
        .bind(call_id)
        .bind(user)
        .bind(affiliations_json.to_string())
        .bind(by.at.clone())
        .execute(&mut *tx)
        .await?;
        append(
            &mut tx,
            &by,
            "create",
            "evaluator",
            &format!("{call_id}/{user}"),
            None,
            Some(&serde_json::json!({"call": call_id, "user": user, "affiliations": affiliations})),
        )
        .await?;
        tx.commit().await?;
        Ok(Some((UserId(user), new)))
    }

    pub async fn evaluators(&self, call_id: i64) -> Result<Vec<EvaluatorRow>, StoreError> {
        sqlx::query(
            "SELECT e.user_id, u.username, u.name, u.email, e.affiliations FROM award_evaluators e \
             JOIN users u ON u.id = e.user_id WHERE e.call_id = $1 ORDER BY e.user_id",
        )
        .bind(call_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(EvaluatorRow {
                user_id: r.try_get("user_id")?,
                username: r.try_get("username")?,
                name: r.try_get("name")?,
                email: r.try_get("email")?,
                affiliations: serde_json::from_value(json_of(r, "affiliations")?)
                    .unwrap_or_default(),
            })
        })
        .collect()
    }

    /// The calls an account evaluates.
    pub async fn calls_evaluated_by(&self, user: UserId) -> Result<Vec<i64>, StoreError> {
        sqlx::query("SELECT call_id FROM award_evaluators WHERE user_id = $1 ORDER BY call_id")
            .bind(user.0)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| Ok(r.try_get("call_id")?))
            .collect()
    }

    /// An evaluator's declared conflict on an application; its assignments to it, and a score
    /// it gave, are removed. Audited.
    pub async fn declare_conflict(
        &self,
        actor: &str,
        application_id: i64,
        user: UserId,
        reason: &str,
    ) -> Result<(), StoreError> {
        let (_serial, mut tx) = self.begin_audited().await?;
        let by = self.author(actor);
        sqlx::query(
            "INSERT INTO award_conflicts (application_id, user_id, reason, declared_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (application_id, user_id) DO UPDATE SET reason = excluded.reason",
        )
        .bind(application_id)
        .bind(user.0)
        .bind(reason)
        .bind(by.at.clone())
        .execute(&mut *tx)
        .await?;
        for table in ["award_assignments", "award_scores"] {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DELETE FROM {table} WHERE application_id = $1 AND user_id = $2"
            )))
            .bind(application_id)
            .bind(user.0)
            .execute(&mut *tx)
            .await?;
        }
        append(
            &mut tx,
            &by,
            "create",
            "conflict",
            &format!("{application_id}/{user}"),
            None,
            Some(&serde_json::json!({"application": application_id, "user": user.0, "reason": reason})),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The declared conflicts on a call's applications: (application, evaluator, reason).
    pub async fn conflicts(&self, call_id: i64) -> Result<Vec<(i64, i64, String)>, StoreError> {
        sqlx::query(
            "SELECT c.application_id, c.user_id, c.reason FROM award_conflicts c \
             JOIN applications a ON a.id = c.application_id WHERE a.call_id = $1 ORDER BY c.application_id, c.user_id",
        )
        .bind(call_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("application_id")?, r.try_get("user_id")?, r.try_get("reason")?)))
        .collect()
    }

    /// Replaces a stage's assignments of a call. Audited as one row.
    pub async fn set_assignments(
        &self,
        actor: &str,
        call_id: i64,
        stage: &str,
        pairs: &[(i64, i64)],
    ) -> Result<(), StoreError> {
        let (_serial, mut tx) = self.begin_audited().await?;
        let by = self.author(actor);
        sqlx::query("DELETE FROM award_assignments WHERE call_id = $1 AND stage = $2")
            .bind(call_id)
            .bind(stage)
            .execute(&mut *tx)
            .await?;
        for chunk in pairs.chunks(300) {
            let mut sql = String::from(
                "INSERT INTO award_assignments (call_id, stage, application_id, user_id) VALUES ",
            );
            let mut n = 0;
            for i in 0..chunk.len() {
                if i > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!("(${}, ${}, ${}, ${})", n + 1, n + 2, n + 3, n + 4));
                n += 4;
            }
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (application, user) in chunk {
                query = query
                    .bind(call_id)
                    .bind(stage)
                    .bind(*application)
                    .bind(*user);
            }
            query.execute(&mut *tx).await?;
        }
        append(
            &mut tx,
            &by,
            "update",
            "assignment",
            &format!("{call_id}/{stage}"),
            None,
            Some(&serde_json::json!({"pairs": pairs.len()})),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A stage's assignments of a call: (application, evaluator), in that order.
    pub async fn assignments(
        &self,
        call_id: i64,
        stage: &str,
    ) -> Result<Vec<(i64, i64)>, StoreError> {
        sqlx::query(
            "SELECT application_id, user_id FROM award_assignments WHERE call_id = $1 AND stage = $2 ORDER BY application_id, user_id",
        )
        .bind(call_id)
        .bind(stage)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("application_id")?, r.try_get("user_id")?)))
        .collect()
    }

    /// Stores (or replaces) a score sheet, when the evaluator is still assigned the
    /// application: `false` when it is not (a conflict declared meanwhile). Audited.
    pub async fn put_score(
        &self,
        actor: &str,
        call_id: i64,
        score: &ScoreRow,
    ) -> Result<bool, StoreError> {
        let (_serial, mut tx) = self.begin_audited().await?;
        let by = self.author(actor);
        let assigned = sqlx::query(
            "SELECT 1 AS one FROM award_assignments WHERE stage = $1 AND application_id = $2 AND user_id = $3",
        )
        .bind(score.stage.clone())
        .bind(score.application_id)
        .bind(score.user_id)
        .fetch_optional(&mut *tx)
        .await?
        .is_some();
        if !assigned {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO award_scores (call_id, stage, application_id, user_id, sheet, comment, scored_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (stage, application_id, user_id) DO UPDATE SET sheet = excluded.sheet, comment = excluded.comment, scored_at = excluded.scored_at",
        )
        .bind(call_id)
        .bind(score.stage.clone())
        .bind(score.application_id)
        .bind(score.user_id)
        .bind(score.sheet.to_string())
        .bind(score.comment.clone())
        .bind(by.at.clone())
        .execute(&mut *tx)
        .await?;
        append(
            &mut tx,
            &by,
            "update",
            "score",
            &format!("{}/{}/{}", score.stage, score.application_id, score.user_id),
            None,
            Some(&serde_json::json!({"sheet": score.sheet, "comment": score.comment})),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// A stage's scores of a call, by application and evaluator.
    pub async fn scores(&self, call_id: i64, stage: &str) -> Result<Vec<ScoreRow>, StoreError> {
        sqlx::query(
            "SELECT stage, application_id, user_id, sheet, comment, scored_at FROM award_scores WHERE call_id = $1 AND stage = $2 ORDER BY application_id, user_id",
        )
        .bind(call_id)
        .bind(stage)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(ScoreRow {
                stage: r.try_get("stage")?,
                application_id: r.try_get("application_id")?,
                user_id: r.try_get("user_id")?,
                sheet: json_of(r, "sheet")?,
                comment: r.try_get("comment")?,
                scored_at: r.try_get("scored_at")?,
            })
        })
        .collect()
    }

    /// Stores a call's results (the ranking and selection) and, when `publish`, the moment they
    /// were published to applicants. Audited.
    pub async fn set_results(
        &self,
        actor: &str,
        call_id: i64,
        results: &Value,
        publish: bool,
    ) -> Result<Option<String>, StoreError> {
        let (_serial, mut tx) = self.begin_audited().await?;
        let by = self.author(actor);
        let published = publish.then(|| by.at.clone());
        // Once published, results stay published (a later revision keeps the first moment).
        sqlx::query(
            "UPDATE competitions SET results = $1, published_at = COALESCE(published_at, $2) WHERE call_id = $3",
        )
            .bind(results.to_string())
            .bind(published.clone())
            .bind(call_id)
            .execute(&mut *tx)
            .await?;
        append(
            &mut tx,
            &by,
            if publish { "publish" } else { "update" },
            "results",
            &call_id.to_string(),
            None,
            Some(results),
        )
        .await?;
        let published: Option<String> =
            sqlx::query("SELECT published_at FROM competitions WHERE call_id = $1")
                .bind(call_id)
                .fetch_optional(&mut *tx)
                .await?
                .map(|r| r.try_get("published_at"))
                .transpose()?
                .flatten();
        tx.commit().await?;
        Ok(published)
    }

    /// An applicant's objection to its result. Audited.
    pub async fn object(
        &self,
        actor: &str,
        application_id: i64,
        text: &str,
    ) -> Result<ObjectionRow, StoreError> {
        let (_serial, mut tx) = self.begin_audited().await?;
        let by = self.author(actor);
        let row = sqlx::query(
            "INSERT INTO award_objections (application_id, text, filed_at) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(application_id)
        .bind(text)
        .bind(by.at.clone())
        .fetch_one(&mut *tx)
        .await?;
        let objection = ObjectionRow {
            id: row.try_get("id")?,
            application_id,
            text: text.to_string(),
            filed_at: by.at.clone(),
            answer: None,
            answered_at: None,
        };
        append(
            &mut tx,
            &by,
            "create",
            "objection",
            &objection.id.to_string(),
            None,
            Some(&value_of(&objection)),
        )
        .await?;
        tx.commit().await?;
        Ok(objection)
    }

    /// The objections to a call's results.
    pub async fn objections(&self, call_id: i64) -> Result<Vec<ObjectionRow>, StoreError> {
        sqlx::query(
            "SELECT o.id, o.application_id, o.text, o.filed_at, o.answer, o.answered_at FROM award_objections o \
             JOIN applications a ON a.id = o.application_id WHERE a.call_id = $1 ORDER BY o.id",
        )
        .bind(call_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(ObjectionRow {
                id: r.try_get("id")?,
                application_id: r.try_get("application_id")?,
                text: r.try_get("text")?,
                filed_at: r.try_get("filed_at")?,
                answer: r.try_get("answer")?,
                answered_at: r.try_get("answered_at")?,
            })
        })
        .collect()
    }

    /// Signs (or replaces) a selected application's agreement. Audited.
    pub async fn sign_agreement(
        &self,
        actor: &str,
        application: &ApplicationRow,
        body: &Value,
    ) -> Result<AgreementRow, StoreError> {
        let (_serial, mut tx) = self.begin_audited().await?;
        let by = self.author(actor);
        sqlx::query(
            "INSERT INTO agreements (application_id, call_id, firm_id, body, signed_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (application_id) DO UPDATE SET body = excluded.body, signed_at = excluded.signed_at",
        )
        .bind(application.id)
        .bind(application.call_id)
        .bind(application.firm_id.clone())
        .bind(body.to_string())
        .bind(by.at.clone())
        .execute(&mut *tx)
        .await?;
        let agreement = AgreementRow {
            application_id: application.id,
            call_id: application.call_id,
            firm_id: application.firm_id.clone(),
            body: body.clone(),
            signed_at: by.at.clone(),
        };
        append(
            &mut tx,
            &by,
            "update",
            "agreement",
            &application.id.to_string(),
            None,
            Some(&value_of(&agreement)),
        )
        .await?;
        tx.commit().await?;
        Ok(agreement)
    }

    /// Agreements: of one application, or of one call.
    pub async fn agreements(
        &self,
        call_id: Option<i64>,
        application_id: Option<i64>,
    ) -> Result<Vec<AgreementRow>, StoreError> {
        sqlx::query(
            "SELECT application_id, call_id, firm_id, body, signed_at FROM agreements \
             WHERE ($1 = 0 OR call_id = $1) AND ($2 = 0 OR application_id = $2) ORDER BY application_id",
        )
        .bind(call_id.unwrap_or(0))
        .bind(application_id.unwrap_or(0))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(AgreementRow {
                application_id: r.try_get("application_id")?,
                call_id: r.try_get("call_id")?,
                firm_id: r.try_get("firm_id")?,
                body: json_of(r, "body")?,
                signed_at: r.try_get("signed_at")?,
            })
        })
        .collect()
    }

    /// Files a period's figures (a correction is the next version) and records the firm's dated
    /// facts from them; each fact newer than (or as new as) every fact of its field sets the
    /// firm's field. Audited: the filing, and the firm when a field changed.
    pub async fn file_filing(
        &self,
        actor: &str,
        application: &ApplicationRow,
        period: i64,
        body: &Value,
        facts: &[(&str, i64)],
        as_of: &str,
    ) -> Result<FilingRow, StoreError> {
        let (_serial, mut tx) = self.begin_audited().await?;
        let by = self.author(actor);
        let version: i64 = sqlx::query(
            "SELECT COALESCE(MAX(version), 0) AS v FROM filings WHERE application_id = $1 AND period = $2",
        )
        .bind(application.id)
        .bind(period)
        .fetch_one(&mut *tx)
        .await?
        .try_get("v")?;
        let row = sqlx::query(
            "INSERT INTO filings (application_id, period, version, body, filed_at, filed_by) VALUES ($1, $2, $3, $4, $5, $6) \
             RETURNING id, application_id, period, version, body, filed_at, filed_by",
        )
        .bind(application.id)
        .bind(period)
        .bind(version + 1)
        .bind(body.to_string())
        .bind(by.at.clone())
        .bind(actor)
        .fetch_one(&mut *tx)
        .await?;
        let filed = filing(&row)?;
        append(
            &mut tx,
            &by,
            "create",
            "filing",
            &filed.id.to_string(),
            None,
            Some(&value_of(&filed)),
        )
        .await?;
        let source = format!("filing:{}/{period}", application.id);
        record_facts(&mut tx, &by, &application.firm_id, facts, as_of, &source).await?;
        tx.commit().await?;
        Ok(filed)
    }

    /// Records a firm's own values of the fields rules read — at its creation or an edit — dated
    /// `as_of` (audited with the firm's create or update already; these rows only date them).
    pub async fn record_edit_facts(
        &self,
        firm_id: &str,
        facts: &[(&str, i64)],
        as_of: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let at = self.clock().stamp();
        for (field, value) in facts {
            insert_fact(&mut tx, firm_id, field, *value, as_of, "edit", &at).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Many firms' facts entered at once (`edit`), in one transaction: (firm, field, value, as of).
    pub async fn record_facts_batch(
        &self,
        facts: &[(String, &str, i64, String)],
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let at = self.clock().stamp();
        for (firm_id, field, value, as_of) in facts {
            insert_fact(&mut tx, firm_id, field, *value, as_of, "edit", &at).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Filings: of one application, or of one call; every version, oldest first.
    pub async fn filings(
        &self,
        call_id: Option<i64>,
        application_id: Option<i64>,
    ) -> Result<Vec<FilingRow>, StoreError> {
        sqlx::query(
            "SELECT f.id, f.application_id, f.period, f.version, f.body, f.filed_at, f.filed_by FROM filings f \
             JOIN applications a ON a.id = f.application_id \
             WHERE ($1 = 0 OR a.call_id = $1) AND ($2 = 0 OR f.application_id = $2) ORDER BY f.application_id, f.period, f.version",
        )
        .bind(call_id.unwrap_or(0))
        .bind(application_id.unwrap_or(0))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(filing)
        .collect()
    }

    /// Every firm's dated facts of `fields`, by firm, newest first — those a corrected filing
    /// superseded too, with when: what an evaluation (as of a moment) reads in one query.
    pub async fn facts_of_fields(
        &self,
        fields: &[&str],
    ) -> Result<Vec<(String, FactRow)>, StoreError> {
        let mut out = Vec::new();
        for field in fields {
            let rows = sqlx::query(
                "SELECT firm_id, field, value, as_of, source, recorded_at, superseded_at FROM firm_facts WHERE field = $1 ORDER BY firm_id, as_of DESC, id DESC",
            )
            .bind(*field)
            .fetch_all(&self.pool)
            .await?;
            for r in &rows {
                out.push((
                    r.try_get("firm_id")?,
                    FactRow {
                        field: r.try_get("field")?,
                        value: r.try_get("value")?,
                        as_of: r.try_get("as_of")?,
                        source: r.try_get("source")?,
                        recorded_at: r.try_get("recorded_at")?,
                        superseded_at: r.try_get("superseded_at")?,
                    },
                ));
            }
        }
        Ok(out)
    }

    /// A firm's current dated facts, newest first.
    pub async fn facts(&self, firm_id: &str) -> Result<Vec<FactRow>, StoreError> {
        sqlx::query(
            "SELECT field, value, as_of, source, recorded_at FROM firm_facts WHERE firm_id = $1 AND superseded_at IS NULL ORDER BY as_of DESC, id DESC",
        )
        .bind(firm_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(FactRow {
                field: r.try_get("field")?,
                value: r.try_get("value")?,
                as_of: r.try_get("as_of")?,
                source: r.try_get("source")?,
                recorded_at: r.try_get("recorded_at")?,
                superseded_at: None,
            })
        })
        .collect()
    }
}

/// Who uploads a file, for which call's question, under which name.
pub struct Upload<'a> {
    pub sha256: &'a str,
    pub firm_id: &'a str,
    pub call_id: i64,
    pub question: &'a str,
    pub name: &'a str,
}

/// What an application's change sets.
pub struct ApplicationChange<'a> {
    pub state: &'a str,
    pub answers: Option<&'a Value>,
    pub requested: Option<i64>,
    pub receipt: Option<&'a str>,
    pub receipt_hash: Option<&'a str>,
}

async fn insert_fact(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    firm_id: &str,
    field: &str,
    value: i64,
    as_of: &str,
    source: &str,
    at: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO firm_facts (firm_id, field, value, as_of, source, recorded_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(firm_id)
    .bind(field)
    .bind(value)
    .bind(as_of)
    .bind(source)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Records facts from a filing — replacing those of the period's earlier version — and sets
/// each field of the firm to its newest fact (by `as_of`, then the latest recorded).
pub(crate) async fn record_facts(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    by: &crate::audit::Author<'_>,
    firm_id: &str,
    facts: &[(&str, i64)],
    as_of: &str,
    source: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE firm_facts SET superseded_at = $1 WHERE firm_id = $2 AND source = $3 AND superseded_at IS NULL",
    )
    .bind(by.at.clone())
    .bind(firm_id)
    .bind(source)
    .execute(&mut **tx)
    .await?;
    let mut newest = Vec::new();
    for (field, value) in facts {
        insert_fact(tx, firm_id, field, *value, as_of, source, &by.at).await?;
        let value: i64 = sqlx::query(
            "SELECT value FROM firm_facts WHERE firm_id = $1 AND field = $2 AND superseded_at IS NULL ORDER BY as_of DESC, id DESC LIMIT 1",
        )
        .bind(firm_id)
        .bind(*field)
        .fetch_one(&mut **tx)
        .await?
        .try_get("value")?;
        newest.push((*field, value));
    }
    let Some(row) = sqlx::query("SELECT body FROM firms WHERE id = $1")
        .bind(firm_id)
        .fetch_optional(&mut **tx)
        .await?
    else {
        return Ok(());
    };
    let before = json_of(&row, "body")?;
    let mut after = before.clone();
    for (field, value) in &newest {
        after[*field] = Value::from(*value);
    }
    if after != before {
        sqlx::query("UPDATE firms SET body = $1 WHERE id = $2")
            .bind(after.to_string())
            .bind(firm_id)
            .execute(&mut **tx)
            .await?;
        append(
            tx,
            by,
            "update",
            "firm",
            firm_id,
            Some(&before),
            Some(&after),
        )
        .await?;
    }
    Ok(())
}
