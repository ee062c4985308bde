//! Worker housing (migration 0017): units, the employees firms invite, rounds, applications
//! with documents and verdicts, offers and tenancies.
//!
//! One tenancy per unit at a time: a tenancy is written under the write lock after a check of
//! the unit's signed tenancies in the same transaction, on both databases; on PostgreSQL an
//! exclusion constraint over (unit, [from_day, until_day)) refuses an overlap whatever wrote it.
//! A round moves open → frozen → drawn by compare-and-set, so it is frozen and drawn once. A
//! declaration is audited by its hash, a document by its name, type and hash: the audit trail
//! never holds the personal data erasure removes.

use serde::Serialize;
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::audit::{Author, append};
use crate::{Store, StoreError};
use ucz_core::account::UserId;
use ucz_core::{Key, Message};

fn json(row: &AnyRow, column: &str) -> Result<Value, StoreError> {
    let text: String = row.try_get(column)?;
    serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
}

fn json_opt(row: &AnyRow, column: &str) -> Result<Option<Value>, StoreError> {
    let text: Option<String> = row.try_get(column)?;
    text.map(|t| {
        serde_json::from_str(&t).map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
    })
    .transpose()
}

/// SHA-256 of text, hex.
pub fn sha256_hex(text: &[u8]) -> String {
    ucz_core::housing::draw::sha256_hex(text)
}

/// A unit as stored: its body is `ucz_core::housing::Unit`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UnitRow {
    pub id: String,
    pub zone_id: String,
    pub body: Value,
    pub updated_at: String,
}

/// A round as stored.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RoundRow {
    pub id: i64,
    pub zone_id: String,
    pub code: String,
    pub state: String,
    pub setup: Value,
    pub frozen: Option<Value>,
    pub published: Option<Value>,
    pub created_at: String,
    pub frozen_at: Option<String>,
    pub drawn_at: Option<String>,
    pub erased_at: Option<String>,
}

const ROUND_COLUMNS: &str = "id, zone_id, code, state, setup, frozen, published, created_at, frozen_at, drawn_at, erased_at";

fn round(row: &AnyRow) -> Result<RoundRow, StoreError> {
    Ok(RoundRow {
        id: row.try_get("id")?,
        zone_id: row.try_get("zone_id")?,
        code: row.try_get("code")?,
        state: row.try_get("state")?,
        setup: json(row, "setup")?,
        frozen: json_opt(row, "frozen")?,
        published: json_opt(row, "published")?,
        created_at: row.try_get("created_at")?,
        frozen_at: row.try_get("frozen_at")?,
        drawn_at: row.try_get("drawn_at")?,
        erased_at: row.try_get("erased_at")?,
    })
}

/// An application as stored.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ApplicationRow {
    pub id: i64,
    pub round_id: i64,
    pub user_id: i64,
    pub firm_id: String,
    pub founder: bool,
    pub number: Option<String>,
    pub state: String,
    /// `ucz_core::housing::Declaration`; `{}` once erased.
    pub declaration: Value,
    pub declaration_hash: String,
    pub employer_verdict: Option<Value>,
    /// Verdicts by criterion id.
    pub verdicts: Value,
    pub created_at: String,
    pub submitted_at: Option<String>,
    pub erased_at: Option<String>,
}

const APPLICATION_COLUMNS: &str = "id, round_id, user_id, firm_id, founder, number, state, declaration, declaration_hash, employer_verdict, verdicts, created_at, submitted_at, erased_at";

fn application(row: &AnyRow) -> Result<ApplicationRow, StoreError> {
    Ok(ApplicationRow {
        id: row.try_get("id")?,
        round_id: row.try_get("round_id")?,
        user_id: row.try_get("user_id")?,
        firm_id: row.try_get("firm_id")?,
        founder: row.try_get::<i64, _>("founder")? != 0,
        number: row.try_get("number")?,
        state: row.try_get("state")?,
        declaration: json(row, "declaration")?,
        declaration_hash: row.try_get("declaration_hash")?,
        employer_verdict: json_opt(row, "employer_verdict")?,
        verdicts: json(row, "verdicts")?,
        created_at: row.try_get("created_at")?,
        submitted_at: row.try_get("submitted_at")?,
        erased_at: row.try_get("erased_at")?,
    })
}

/// A document's record (its content is read on its own).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct DocumentRow {
    pub id: i64,
    pub application_id: i64,
    pub kind: String,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_at: String,
}

const DOCUMENT_COLUMNS: &str =
    "id, application_id, kind, file_name, content_type, size, sha256, uploaded_at";

fn document(row: &AnyRow) -> Result<DocumentRow, StoreError> {
    Ok(DocumentRow {
        id: row.try_get("id")?,
        application_id: row.try_get("application_id")?,
        kind: row.try_get("kind")?,
        file_name: row.try_get("file_name")?,
        content_type: row.try_get("content_type")?,
        size: row.try_get("size")?,
        sha256: row.try_get("sha256")?,
        uploaded_at: row.try_get("uploaded_at")?,
    })
}

/// An offer of a unit after the draw.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct OfferRow {
    pub id: i64,
    pub round_id: i64,
    pub application_id: i64,
    pub number: String,
    pub unit_id: String,
    /// offered, accepted, refused, lapsed.
    pub state: String,
    /// Unix seconds.
    pub deadline: i64,
    pub offered_at: String,
    pub decided_at: Option<String>,
}

const OFFER_COLUMNS: &str =
    "id, round_id, application_id, number, unit_id, state, deadline, offered_at, decided_at";

fn offer(row: &AnyRow) -> Result<OfferRow, StoreError> {
    Ok(OfferRow {
        id: row.try_get("id")?,
        round_id: row.try_get("round_id")?,
        application_id: row.try_get("application_id")?,
        number: row.try_get("number")?,
        unit_id: row.try_get("unit_id")?,
        state: row.try_get("state")?,
        deadline: row.try_get("deadline")?,
        offered_at: row.try_get("offered_at")?,
        decided_at: row.try_get("decided_at")?,
    })
}

/// A household's tenancy of a unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct TenancyRow {
    pub id: i64,
    pub unit_id: String,
    pub zone_id: String,
    pub application_id: Option<i64>,
    pub holder: String,
    pub starts_on: String,
    pub ends_on: String,
    pub rent: i64,
    pub deposit: i64,
    pub renewals: i64,
    /// signed, ended.
    pub state: String,
    pub signed_at: String,
}

const TENANCY_COLUMNS: &str = "id, unit_id, zone_id, application_id, holder, starts_on, ends_on, rent, deposit, renewals, state, signed_at";

fn tenancy(row: &AnyRow) -> Result<TenancyRow, StoreError> {
    Ok(TenancyRow {
        id: row.try_get("id")?,
        unit_id: row.try_get("unit_id")?,
        zone_id: row.try_get("zone_id")?,
        application_id: row.try_get("application_id")?,
        holder: row.try_get("holder")?,
        starts_on: row.try_get("starts_on")?,
        ends_on: row.try_get("ends_on")?,
        rent: row.try_get("rent")?,
        deposit: row.try_get("deposit")?,
        renewals: row.try_get("renewals")?,
        state: row.try_get("state")?,
        signed_at: row.try_get("signed_at")?,
    })
}

/// A tenancy to sign.
#[derive(Clone, Debug)]
pub struct NewTenancy {
    pub unit_id: String,
    pub zone_id: String,
    pub application_id: Option<i64>,
    pub holder: String,
    pub term: ucz_core::housing::Term,
    pub rent: i64,
    pub deposit: i64,
}

/// An employee invited: its account, whether this firm's invitation is new, and whether the
/// account has a password yet (one made by an invitation has none until its link is used).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Invited {
    pub user: UserId,
    pub linked: bool,
    pub password_set: bool,
}

/// A round's steps after opening.
#[derive(Clone, Copy)]
enum Step {
    Freeze,
    Draw,
}

/// A document to keep.
pub struct NewDocument<'a> {
    pub kind: &'a str,
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub bytes: &'a [u8],
}

fn rejected(message: Message) -> StoreError {
    StoreError::Rejected(message)
}

/// Refuses a term overlapping a signed tenancy of the unit (other than `except`), read in the
/// write's transaction.
async fn check_free(
    tx: &mut Transaction<'_, Any>,
    unit_id: &str,
    term: &ucz_core::housing::Term,
    except: Option<i64>,
) -> Result<(), StoreError> {
    let (from, until) = term.day_range();
    let clash = sqlx::query(
        "SELECT starts_on, ends_on FROM tenancies WHERE unit_id = $1 AND state = 'signed' \
         AND from_day < $2 AND until_day > $3 AND id <> $4 ORDER BY from_day LIMIT 1",
    )
    .bind(unit_id)
    .bind(until)
    .bind(from)
    .bind(except.unwrap_or(-1))
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(row) = clash {
        return Err(rejected(
            Message::new(Key::HousingTenancyOverlap)
                .arg("unit", unit_id)
                .arg("from", row.try_get::<String, _>("starts_on")?)
                .arg("to", row.try_get::<String, _>("ends_on")?),
        ));
    }
    Ok(())
}

async fn insert_tenancy(
    tx: &mut Transaction<'_, Any>,
    by: &Author<'_>,
    t: &NewTenancy,
) -> Result<TenancyRow, StoreError> {
    check_free(tx, &t.unit_id, &t.term, None).await?;
    let (from, until) = t.term.day_range();
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO tenancies (unit_id, zone_id, application_id, holder, starts_on, ends_on, from_day, until_day, rent, deposit, renewals, state, signed_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0, 'signed', $11) RETURNING {TENANCY_COLUMNS}"
    )))
    .bind(&t.unit_id)
    .bind(&t.zone_id)
    .bind(t.application_id)
    .bind(&t.holder)
    .bind(t.term.starts_on.to_string())
    .bind(t.term.ends_on.to_string())
    .bind(from)
    .bind(until)
    .bind(t.rent)
    .bind(t.deposit)
    .bind(by.at.clone())
    .fetch_one(&mut **tx)
    .await?;
    let row = tenancy(&row)?;
    // The holder's name is personal: the audit keeps the unit, the term and the amounts.
    append(
        tx,
        by,
        "sign",
        "tenancy",
        &row.id.to_string(),
        None,
        Some(
            &serde_json::json!({"unit": row.unit_id, "application": row.application_id,
            "starts_on": row.starts_on, "ends_on": row.ends_on, "rent": row.rent,
            "deposit": row.deposit}),
        ),
    )
    .await?;
    Ok(row)
}

impl Store {
    /// Creates or replaces a unit of a zone. Audited.
    pub async fn put_housing_unit(
        &self,
        actor: &str,
        id: &str,
        zone_id: &str,
        body: &Value,
    ) -> Result<UnitRow, StoreError> {
        let (_serial, mut tx) = self.begin_audited().await?;
        let by = self.author(actor);
        let before = sqlx::query("SELECT zone_id, body FROM housing_units WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        if let Some(b) = &before {
            let zone: String = b.try_get("zone_id")?;
            if zone != zone_id {
                return Err(rejected(Message::new(Key::UnknownValue).arg("value", id)));
            }
        }
        let before = before.map(|b| json(&b, "body")).transpose()?;
        sqlx::query(
            "INSERT INTO housing_units (id, zone_id, body, updated_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
        )
        .bind(id)
        .bind(zone_id)
        .bind(body.to_string())
        .bind(by.at.clone())
        .execute(&mut *tx)
        .await?;
        let action = if before.is_some() { "update" } else { "create" };
        append(
            &mut tx,
            &by,
            action,
            "housing unit",
            id,
            before.as_ref(),
            Some(body),
        )
        .await?;
        tx.commit().await?;
        Ok(UnitRow {
            id: id.into(),
            zone_id: zone_id.into(),
            body: body.clone(),
            updated_at: by.at.clone(),
        })
    }

    /// A zone's units, by id.
    pub async fn housing_units(&self, zone_id: &str) -> Result<Vec<UnitRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, zone_id, body, updated_at FROM housing_units WHERE zone_id = $1 ORDER BY id",
        )
        .bind(zone_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(UnitRow {
                    id: r.try_get("id")?,
                    zone_id: r.try_get("zone_id")?,
                    body: json(r, "body")?,
                    updated_at: r.try_get("updated_at")?,
                })
            })
            .collect()
    }

    /// Makes (or finds) the resident account of `email` and records that `firm_id` employs it;
    /// `None` when the address belongs to an account of another kind. Audited.
    pub async fn add_housing_employee(
        &self,
        actor: &str,
        firm_id: &str,
        email: &str,
        name: &str,
    ) -> Result<Option<Invited>, StoreError> {
        let (_serial, mut tx) = self.begin_audited().await?;
        let by = self.author(actor);
        let Some(account) =
            crate::accounts::invited_account(&mut tx, &by, email, name, "resident").await?
        else {
            return Ok(None);
        };
        let (user, password_set) = (account.id, account.password_set);
        let known =
            sqlx::query("SELECT 1 FROM housing_employees WHERE firm_id = $1 AND user_id = $2")
                .bind(firm_id)
                .bind(user)
                .fetch_optional(&mut *tx)
                .await?;
        if known.is_none() {
            sqlx::query(
                "INSERT INTO housing_employees (firm_id, user_id, name, invited_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(firm_id)
            .bind(user)
            .bind(name)
            .bind(by.at.clone())
            .execute(&mut *tx)
            .await?;
            append(
                &mut tx,
                &by,
                "create",
                "housing employee",
                &format!("{firm_id}/{user}"),
                None,
                Some(&serde_json::json!({"firm": firm_id, "user": user})),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(Some(Invited {
            user: UserId(user),
            linked: known.is_none(),
            password_set,
        }))
    }

    /// The firms that invited a resident account, by id.
    pub async fn housing_employers(&self, user_id: i64) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT firm_id FROM housing_employees WHERE user_id = $1 ORDER BY firm_id",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// A firm's invited employees: (account id, address, name).
    pub async fn housing_employees(
        &self,
        firm_id: &str,
    ) -> Result<Vec<(i64, String, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT u.id, COALESCE(u.email, u.username) AS email, e.name \
             FROM housing_employees e JOIN users u ON u.id = e.user_id WHERE e.firm_id = $1 ORDER BY u.id",
        )
        .bind(firm_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("id")?, r.try_get("email")?, r.try_get("name")?)))
            .collect()
    }

    /// Opens a round. Audited.
    pub async fn create_housing_round(
        &self,
        actor: &str,
        zone_id: &str,
        code: &str,
        setup: &Value,
    ) -> Result<RoundRow, StoreError> {
        let (_serial, mut tx) = self.begin_audited().await?;
        let by = self.author(actor);
        let taken = sqlx::query("SELECT id FROM housing_rounds WHERE code = $1")
            .bind(code)
            .fetch_optional(&mut *tx)
            .await?;
        if taken.is_some() {
            return Err(rejected(
                Message::new(Key::HousingCodeTaken).arg("value", code),
            ));
        }
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO housing_rounds (zone_id, code, state, setup, created_at) VALUES ($1, $2, 'open', $3, $4) RETURNING {ROUND_COLUMNS}"
        )))
        .bind(zone_id)
        .bind(code)
        .bind(setup.to_string())
        .bind(by.at.clone())
        .fetch_one(&mut *tx)
        .await?;
        let row = round(&row)?;
        append(
            &mut tx,
            &by,
            "create",
            "housing round",
            &row.id.to_string(),
            None,
            Some(setup),
        )
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    pub async fn housing_round(&self, id: i64) -> Result<Option<RoundRow>, StoreError> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ROUND_COLUMNS} FROM housing_rounds WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .map(|r| round(&r))
        .transpose()
    }

    /// Rounds, newest first: a zone's, or every zone's.
    pub async fn housing_rounds(&self, zone_id: Option<&str>) -> Result<Vec<RoundRow>, StoreError> {
        let rows =
            match zone_id {
                Some(zone) => sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {ROUND_COLUMNS} FROM housing_rounds WHERE zone_id = $1 ORDER BY id DESC"
                )))
                .bind(zone)
                .fetch_all(&self.pool)
                .await?,
                None => {
                    sqlx::query(sqlx::AssertSqlSafe(format!(
                        "SELECT {ROUND_COLUMNS} FROM housing_rounds ORDER BY id DESC"
                    )))
                    .fetch_all(&self.pool)
                    .await?
                }
            };
        rows.iter().map(round).collect()
    }

    /// Writes an application's declaration (a new draft, or an edit while `check` accepts the
    /// round as it is in the transaction). Audited by the declaration's hash.
    #[allow(clippy::too_many_arguments)]
    pub async fn save_housing_application(
        &self,
        actor: &str,
        round_id: i64,
        user_id: i64,
        firm_id: &str,
        founder: bool,
        declaration: &Value,
        check: impl FnOnce(&RoundRow) -> Result<(), Message>,
    ) -> Result<ApplicationRow, StoreError> {
        let (_serial, mut tx) = self.begin_audited().await?;
        let by = self.author(actor);
        let current = round_in(&mut tx, round_id).await?;
        check(&current).map_err(rejected)?;
        let text = declaration.to_string();
        let hash = sha256_hex(text.as_bytes());
        let existing = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {APPLICATION_COLUMNS} FROM housing_applications WHERE round_id = $1 AND user_id = $2"
        )))
        .bind(round_id)
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| application(&r))
        .transpose()?;
        let row = match &existing {
            // A changed declaration or employer is checked again: what was confirmed and verified
            // was the earlier one.
            Some(a) => sqlx::query(sqlx::AssertSqlSafe(format!(
                "UPDATE housing_applications SET firm_id = $1, founder = $2, declaration = $3, declaration_hash = $4, \
                 state = CASE WHEN state = 'withdrawn' THEN 'draft' ELSE state END, \
                 employer_verdict = CASE WHEN $6 = 1 THEN NULL ELSE employer_verdict END, \
                 verdicts = CASE WHEN $6 = 1 THEN '{{}}' ELSE verdicts END \
                 WHERE id = $5 RETURNING {APPLICATION_COLUMNS}"
            )))
            .bind(firm_id)
            .bind(i64::from(founder))
            .bind(&text)
            .bind(&hash)
            .bind(a.id)
            .bind(i64::from(a.declaration_hash != hash || a.firm_id != firm_id))
            .fetch_one(&mut *tx)
            .await?,
            None => sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO housing_applications (round_id, user_id, firm_id, founder, state, declaration, declaration_hash, verdicts, created_at) \
                 VALUES ($1, $2, $3, $4, 'draft', $5, $6, '{{}}', $7) RETURNING {APPLICATION_COLUMNS}"
            )))
            .bind(round_id)
            .bind(user_id)
            .bind(firm_id)
            .bind(i64::from(founder))
            .bind(&text)
            .bind(&hash)
            .bind(by.at.clone())
            .fetch_one(&mut *tx)
            .await?,
        };
        let row = application(&row)?;
        let payload = |a: &ApplicationRow| {
            serde_json::json!({"round": a.round_id, "user": a.user_id, "firm": a.firm_id,
                "founder": a.founder, "state": a.state, "declaration_sha256": a.declaration_hash})
        };
        append(
            &mut tx,
            &by,
            if existing.is_some() {
                "update"
            } else {
                "create"
            },
            "housing application",
            &row.id.to_string(),
            existing.as_ref().map(payload).as_ref(),
            Some(&payload(&row)),
        )
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Moves an application to `state` (`submitted` gives it the round's next number the first
    /// time; `withdrawn`) while `check` accepts the round. Audited.
    pub async fn set_housing_application_state(
        &self,
        actor: &str,
        id: i64,
        state: &str,
        check: impl FnOnce(&RoundRow, &ApplicationRow) -> Result<(), Message>,
    ) -> Result<ApplicationRow, StoreError> {
        let (_serial, mut tx) = self.begin_audited().await?;
        let by = self.author(actor);
        let before = application_in(&mut tx, id).await?;
        let current = round_in(&mut tx, before.round_id).await?;
        check(&current, &before).map_err(rejected)?;
        let number = match (&before.number, state) {
            (None, "submitted") => {
                let count: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM housing_applications WHERE round_id = $1 AND number IS NOT NULL",
                )
                .bind(before.round_id)
                .fetch_one(&mut *tx)
                .await?;
                Some(format!("{}-{:03}", current.code, count + 1))
            }
            (n, _) => n.clone(),
        };
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE housing_applications SET state = $1, number = $2, submitted_at = COALESCE(submitted_at, $3) \
             WHERE id = $4 RETURNING {APPLICATION_COLUMNS}"
        )))
        .bind(state)
        .bind(number)
        .bind(if state == "submitted" { Some(by.at.clone()) } else { None })
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        let row = application(&row)?;
        append(
            &mut tx,
            &by,
            state,
            "housing application",
            &id.to_string(),
            Some(&serde_json::json!({"state": before.state})),
            Some(&serde_json::json!({"state": row.state, "number": row.number})),
        )
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// The employer's confirmation (`Some`) or the operator's verdict on `criterion`, while
    /// `check` accepts the round. Audited.
    pub async fn set_housing_verdict(
        &self,
        actor: &str,
        id: i64,
        criterion: Option<&str>,
        verdict: &Value,
        check: impl FnOnce(&RoundRow, &ApplicationRow) -> Result<(), Message>,
    ) -> Result<ApplicationRow, StoreError> {
        let (_serial, mut tx) = self.begin_audited().await?;
        let by = self.author(actor);
        let before = application_in(&mut tx, id).await?;
        let current = round_in(&mut tx, before.round_id).await?;
        check(&current, &before).map_err(rejected)?;
        let (sql, value, entity) = match criterion {
            None => (
                "UPDATE housing_applications SET employer_verdict = $1 WHERE id = $2",
                verdict.to_string(),
                "employment".to_string(),
            ),
            Some(c) => {
                let mut all = before.verdicts.clone();
                if let Some(map) = all.as_object_mut() {
                    map.insert(c.to_string(), verdict.clone());
                }
                (
                    "UPDATE housing_applications SET verdicts = $1 WHERE id = $2",
                    all.to_string(),
                    c.to_string(),
                )
            }
        };
        sqlx::query(sql)
            .bind(value)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        append(
            &mut tx,
            &by,
            "verify",
            "housing application",
            &format!("{id}/{entity}"),
            None,
            // A note may name people: the audit keeps the verdict and the note's hash.
            Some(&serde_json::json!({"ok": verdict.get("ok"),
                "note_sha256": sha256_hex(verdict.get("note").and_then(Value::as_str).unwrap_or_default().as_bytes())})),
        )
        .await?;
        let row = application_in(&mut tx, id).await?;
        tx.commit().await?;
        Ok(row)
    }

    pub async fn housing_application(&self, id: i64) -> Result<Option<ApplicationRow>, StoreError> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {APPLICATION_COLUMNS} FROM housing_applications WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .map(|r| application(&r))
        .transpose()
    }

    /// A round's applications, by id.
    pub async fn housing_applications(
        &self,
        round_id: i64,
    ) -> Result<Vec<ApplicationRow>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {APPLICATION_COLUMNS} FROM housing_applications WHERE round_id = $1 ORDER BY id"
        )))
        .bind(round_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(application).collect()
    }

    /// An account's applications, newest first.
    pub async fn housing_applications_of(
        &self,
        user_id: i64,
    ) -> Result<Vec<ApplicationRow>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {APPLICATION_COLUMNS} FROM housing_applications WHERE user_id = $1 ORDER BY id DESC"
        )))
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(application).collect()
    }

    /// The applications naming a firm as employer, newest first.
    pub async fn housing_applications_for_firm(
        &self,
        firm_id: &str,
    ) -> Result<Vec<ApplicationRow>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {APPLICATION_COLUMNS} FROM housing_applications WHERE firm_id = $1 AND founder = 0 ORDER BY id DESC"
        )))
        .bind(firm_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(application).collect()
    }

    /// Keeps a document of an application while `check` accepts the round. Audited by its name,
    /// type, size and hash.
    pub async fn add_housing_document(
        &self,
        actor: &str,
        application_id: i64,
        doc: NewDocument<'_>,
        clears: &[String],
        check: impl FnOnce(&RoundRow, &ApplicationRow) -> Result<(), Message>,
    ) -> Result<DocumentRow, StoreError> {
        use base64::Engine as _;
        let (_serial, mut tx) = self.begin_audited().await?;
        let by = self.author(actor);
        let app = application_in(&mut tx, application_id).await?;
        let current = round_in(&mut tx, app.round_id).await?;
        check(&current, &app).map_err(rejected)?;
        let content = base64::engine::general_purpose::STANDARD.encode(doc.bytes);
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO housing_documents (application_id, kind, file_name, content_type, size, sha256, content, uploaded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {DOCUMENT_COLUMNS}"
        )))
        .bind(application_id)
        .bind(doc.kind)
        .bind(doc.file_name)
        .bind(doc.content_type)
        .bind(doc.bytes.len() as i64)
        .bind(ucz_core::housing::draw::sha256_hex(doc.bytes))
        .bind(content)
        .bind(by.at.clone())
        .fetch_one(&mut *tx)
        .await?;
        let row = document(&row)?;
        // The verdicts the new document bears on are given again.
        let mut verdicts = app.verdicts.clone();
        if let Some(map) = verdicts.as_object_mut() {
            let before = map.len();
            map.retain(|k, _| !clears.contains(k));
            if map.len() != before {
                sqlx::query("UPDATE housing_applications SET verdicts = $1 WHERE id = $2")
                    .bind(verdicts.to_string())
                    .bind(application_id)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        append(
            &mut tx,
            &by,
            "upload",
            "housing document",
            &row.id.to_string(),
            None,
            Some(
                &serde_json::json!({"application": application_id, "kind": row.kind,
                "content_type": row.content_type, "size": row.size, "sha256": row.sha256}),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// The documents of applications, by application and upload.
    pub async fn housing_documents(
        &self,
        application_ids: &[i64],
    ) -> Result<Vec<DocumentRow>, StoreError> {
        let mut out = Vec::new();
        for id in application_ids {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {DOCUMENT_COLUMNS} FROM housing_documents WHERE application_id = $1 ORDER BY id"
            )))
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
            for r in &rows {
                out.push(document(r)?);
            }
        }
        Ok(out)
    }

    /// A document with its bytes (empty once erased).
    pub async fn housing_document(
        &self,
        id: i64,
    ) -> Result<Option<(DocumentRow, Vec<u8>)>, StoreError> {
        use base64::Engine as _;
        let Some(row) = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {DOCUMENT_COLUMNS}, content FROM housing_documents WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let content: String = row.try_get("content")?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(content)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        Ok(Some((document(&row)?, bytes)))
    }

    /// Freezes an open round: `make` gets the round and its applications read in the write's
    /// transaction and gives what to publish (the list, its hash, the random value's source and
    /// time) or a refusal. Audited.
    pub async fn freeze_housing_round(
        &self,
        actor: &str,
        id: i64,
        make: impl FnOnce(&RoundRow, &[ApplicationRow]) -> Result<Value, Message>,
    ) -> Result<RoundRow, StoreError> {
        self.step_round(actor, id, Step::Freeze, make).await
    }

    /// Draws a frozen round: `make` gets the round and its applications read in the write's
    /// transaction and gives the published draw, or a refusal (the list changed). Audited.
    pub async fn draw_housing_round(
        &self,
        actor: &str,
        id: i64,
        make: impl FnOnce(&RoundRow, &[ApplicationRow]) -> Result<Value, Message>,
    ) -> Result<RoundRow, StoreError> {
        self.step_round(actor, id, Step::Draw, make).await
    }

    /// Moves a round one step on by compare-and-set on its state, so each step happens once,
    /// writing what `make` gives into the step's column.
    async fn step_round(
        &self,
        actor: &str,
        id: i64,
        step: Step,
        make: impl FnOnce(&RoundRow, &[ApplicationRow]) -> Result<Value, Message>,
    ) -> Result<RoundRow, StoreError> {
        let (_serial, mut tx) = self.begin_audited().await?;
        let by = self.author(actor);
        let current = round_in(&mut tx, id).await?;
        let apps = applications_in(&mut tx, id).await?;
        let written = make(&current, &apps).map_err(rejected)?;
        let set = match step {
            Step::Freeze => {
                "state = 'frozen', frozen = $1, frozen_at = $2 WHERE id = $3 AND state = 'open'"
            }
            Step::Draw => {
                "state = 'drawn', published = $1, drawn_at = $2 WHERE id = $3 AND state = 'frozen'"
            }
        };
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE housing_rounds SET {set} RETURNING {ROUND_COLUMNS}"
        )))
        .bind(written.to_string())
        .bind(by.at.clone())
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| {
            rejected(Message::new(Key::HousingRoundState).arg("state", &current.state))
        })?;
        let row = round(&row)?;
        let action = match step {
            Step::Freeze => "freeze",
            Step::Draw => "draw",
        };
        append(
            &mut tx,
            &by,
            action,
            "housing round",
            &id.to_string(),
            None,
            Some(&written),
        )
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// A round's offers, by id.
    pub async fn housing_offers(&self, round_id: i64) -> Result<Vec<OfferRow>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {OFFER_COLUMNS} FROM housing_offers WHERE round_id = $1 ORDER BY id"
        )))
        .bind(round_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(offer).collect()
    }

    /// Makes offers: `plan` gets the round's offers read in the write's transaction and gives
    /// the offers to add (application, number, unit) — so two operators' clicks never offer a
    /// unit twice. Audited.
    pub async fn make_housing_offers(
        &self,
        actor: &str,
        round_id: i64,
        deadline: i64,
        plan: impl FnOnce(&[OfferRow]) -> Vec<(i64, String, String)>,
    ) -> Result<Vec<OfferRow>, StoreError> {
        let (_serial, mut tx) = self.begin_audited().await?;
        let by = self.author(actor);
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {OFFER_COLUMNS} FROM housing_offers WHERE round_id = $1 ORDER BY id"
        )))
        .bind(round_id)
        .fetch_all(&mut *tx)
        .await?;
        let existing: Vec<OfferRow> = rows.iter().map(offer).collect::<Result<_, _>>()?;
        let mut out = Vec::new();
        for (application_id, number, unit_id) in plan(&existing) {
            let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO housing_offers (round_id, application_id, number, unit_id, state, deadline, offered_at) \
                 VALUES ($1, $2, $3, $4, 'offered', $5, $6) RETURNING {OFFER_COLUMNS}"
            )))
            .bind(round_id)
            .bind(application_id)
            .bind(&number)
            .bind(&unit_id)
            .bind(deadline)
            .bind(by.at.clone())
            .fetch_one(&mut *tx)
            .await?;
            let row = offer(&row)?;
            append(
                &mut tx,
                &by,
                "offer",
                "housing offer",
                &row.id.to_string(),
                None,
                Some(&serde_json::json!({"round": round_id, "number": number, "unit": unit_id, "deadline": deadline})),
            )
            .await?;
            out.push(row);
        }
        tx.commit().await?;
        Ok(out)
    }

    /// Decides an open offer: `refused` or `lapsed`, or `accepted` with the tenancy signed in
    /// the same transaction (refused if the unit is let for a day of its term). Audited.
    pub async fn decide_housing_offer(
        &self,
        actor: &str,
        id: i64,
        state: &str,
        tenancy: Option<&NewTenancy>,
        check: impl FnOnce(&OfferRow) -> Result<(), Message>,
    ) -> Result<(OfferRow, Option<TenancyRow>), StoreError> {
        let (_serial, mut tx) = self.begin_audited().await?;
        let by = self.author(actor);
        let before = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {OFFER_COLUMNS} FROM housing_offers WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| offer(&r))
        .transpose()?
        .ok_or_else(|| rejected(Message::new(Key::UnknownValue).arg("value", id)))?;
        check(&before).map_err(rejected)?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE housing_offers SET state = $1, decided_at = $2 WHERE id = $3 AND state = 'offered' RETURNING {OFFER_COLUMNS}"
        )))
        .bind(state)
        .bind(by.at.clone())
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| {
            rejected(Message::new(Key::HousingOfferClosed).arg("state", &before.state))
        })?;
        let row = offer(&row)?;
        append(
            &mut tx,
            &by,
            state,
            "housing offer",
            &id.to_string(),
            Some(&serde_json::json!({"state": before.state})),
            Some(&serde_json::json!({"state": row.state})),
        )
        .await?;
        let signed = match tenancy {
            Some(t) if state == "accepted" => Some(insert_tenancy(&mut tx, &by, t).await?),
            _ => None,
        };
        tx.commit().await?;
        Ok((row, signed))
    }

    /// Signs a tenancy outside a round (a household moved in before ucz). Audited.
    pub async fn sign_tenancy(
        &self,
        actor: &str,
        t: &NewTenancy,
    ) -> Result<TenancyRow, StoreError> {
        let (_serial, mut tx) = self.begin_audited().await?;
        let by = self.author(actor);
        let row = insert_tenancy(&mut tx, &by, t).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Renews a signed tenancy to a new last day (refused if the unit is let then). Audited.
    pub async fn renew_tenancy(
        &self,
        actor: &str,
        id: i64,
        ends_on: ucz_core::date::Date,
    ) -> Result<Option<TenancyRow>, StoreError> {
        let (_serial, mut tx) = self.begin_audited().await?;
        let by = self.author(actor);
        let Some(before) = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {TENANCY_COLUMNS} FROM tenancies WHERE id = $1 AND state = 'signed'"
        )))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| tenancy(&r))
        .transpose()?
        else {
            return Ok(None);
        };
        let starts_on: ucz_core::date::Date = before
            .starts_on
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("tenancy {id}: starts_on")))?;
        let term = ucz_core::housing::Term { starts_on, ends_on };
        check_free(&mut tx, &before.unit_id, &term, Some(id)).await?;
        let (_, until) = term.day_range();
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE tenancies SET ends_on = $1, until_day = $2, renewals = renewals + 1 WHERE id = $3 RETURNING {TENANCY_COLUMNS}"
        )))
        .bind(ends_on.to_string())
        .bind(until)
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        let row = tenancy(&row)?;
        append(
            &mut tx,
            &by,
            "renew",
            "tenancy",
            &id.to_string(),
            Some(&serde_json::json!({"ends_on": before.ends_on})),
            Some(&serde_json::json!({"ends_on": row.ends_on, "renewals": row.renewals})),
        )
        .await?;
        tx.commit().await?;
        Ok(Some(row))
    }

    /// A zone's tenancies, by unit and start.
    pub async fn tenancies(&self, zone_id: &str) -> Result<Vec<TenancyRow>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {TENANCY_COLUMNS} FROM tenancies WHERE zone_id = $1 ORDER BY unit_id, from_day"
        )))
        .bind(zone_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(tenancy).collect()
    }

    /// Erases a round's personal data: declarations (their hashes kept), the employer's and the
    /// operator's verdicts with their notes, documents' names and contents (their hashes kept).
    /// Tenancy holders' names stay with their tenancy, a contract in force. The erasure is
    /// audited; the audit rows of the applications hold only hashes.
    pub async fn erase_housing_round(&self, actor: &str, id: i64) -> Result<u64, StoreError> {
        let (_serial, mut tx) = self.begin_audited().await?;
        let by = self.author(actor);
        let erased = sqlx::query(
            "UPDATE housing_applications SET declaration = '{}', employer_verdict = NULL, verdicts = '{}', erased_at = $1 \
             WHERE round_id = $2 AND erased_at IS NULL",
        )
        .bind(by.at.clone())
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        sqlx::query(
            "UPDATE housing_documents SET content = '', file_name = '' WHERE application_id IN \
             (SELECT id FROM housing_applications WHERE round_id = $1)",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE housing_rounds SET erased_at = $1 WHERE id = $2")
            .bind(by.at.clone())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        append(
            &mut tx,
            &by,
            "erase",
            "housing round",
            &id.to_string(),
            None,
            Some(&serde_json::json!({"applications": erased})),
        )
        .await?;
        tx.commit().await?;
        Ok(erased)
    }
}

async fn round_in(tx: &mut Transaction<'_, Any>, id: i64) -> Result<RoundRow, StoreError> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {ROUND_COLUMNS} FROM housing_rounds WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    .map(|r| round(&r))
    .transpose()?
    .ok_or_else(|| rejected(Message::new(Key::UnknownValue).arg("value", id)))
}

async fn application_in(
    tx: &mut Transaction<'_, Any>,
    id: i64,
) -> Result<ApplicationRow, StoreError> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {APPLICATION_COLUMNS} FROM housing_applications WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    .map(|r| application(&r))
    .transpose()?
    .ok_or_else(|| rejected(Message::new(Key::UnknownValue).arg("value", id)))
}

async fn applications_in(
    tx: &mut Transaction<'_, Any>,
    round_id: i64,
) -> Result<Vec<ApplicationRow>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {APPLICATION_COLUMNS} FROM housing_applications WHERE round_id = $1 ORDER BY id"
    )))
    .bind(round_id)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter().map(application).collect()
}
