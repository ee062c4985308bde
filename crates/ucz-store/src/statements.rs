//! Monthly statements (migration 0016): the rent history of leases, statements and credit notes
//! numbered without gaps per zone and year, and payments recorded by hand. A statement is never
//! edited: its number is taken in the transaction that writes it (under the write lock), so a
//! failed write takes no number, and a credit note is a statement of its own.

use serde::Serialize;
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::audit::{Author, append, value_of};
use crate::{Store, StoreError};

/// A rent and deposit of a lease from a day on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TermRow {
    pub lease_id: i64,
    pub from_day: String,
    pub rent: i64,
    pub deposit: i64,
    pub recorded_at: String,
}

/// A statement or credit note as stored.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StatementRow {
    pub id: i64,
    pub zone_id: String,
    pub firm_id: String,
    pub month: String,
    pub number: String,
    /// `statement` or `credit`.
    pub kind: String,
    pub credits: Option<i64>,
    pub lines: Value,
    pub supply: i64,
    pub vat: i64,
    pub total: i64,
    pub reason: String,
    pub issued_at: String,
}

/// A statement to write.
pub struct NewStatement {
    pub firm_id: String,
    pub lines: Value,
    pub supply: i64,
    pub vat: i64,
    pub total: i64,
}

/// A payment recorded by hand.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct PaymentRow {
    pub id: i64,
    pub statement_id: i64,
    pub amount: i64,
    pub paid_on: String,
    pub note: String,
    pub recorded_at: String,
}

const COLUMNS: &str = "id, zone_id, firm_id, month, number, kind, credits, lines, supply, vat, total, reason, issued_at";

fn statement(row: &AnyRow) -> Result<StatementRow, StoreError> {
    let lines: String = row.try_get("lines")?;
    Ok(StatementRow {
        id: row.try_get("id")?,
        zone_id: row.try_get("zone_id")?,
        firm_id: row.try_get("firm_id")?,
        month: row.try_get("month")?,
        number: row.try_get("number")?,
        kind: row.try_get("kind")?,
        credits: row.try_get("credits")?,
        lines: serde_json::from_str(&lines).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        supply: row.try_get("supply")?,
        vat: row.try_get("vat")?,
        total: row.try_get("total")?,
        reason: row.try_get("reason")?,
        issued_at: row.try_get("issued_at")?,
    })
}

/// The next number of a zone's year: `<ZONE>-<year>-<0001>`.
async fn next_number(
    tx: &mut Transaction<'_, Any>,
    zone: &str,
    year: i64,
) -> Result<String, StoreError> {
    let last: Option<i64> =
        sqlx::query_scalar("SELECT last FROM statement_numbers WHERE zone_id = $1 AND year = $2")
            .bind(zone)
            .bind(year)
            .fetch_optional(&mut **tx)
            .await?;
    let next = last.unwrap_or(0) + 1;
    sqlx::query(
        "INSERT INTO statement_numbers (zone_id, year, last) VALUES ($1, $2, $3) \
         ON CONFLICT (zone_id, year) DO UPDATE SET last = excluded.last",
    )
    .bind(zone)
    .bind(year)
    .bind(next)
    .execute(&mut **tx)
    .await?;
    Ok(format!("{}-{year}-{next:04}", zone.to_uppercase()))
}

struct Insert<'a> {
    zone: &'a str,
    firm_id: &'a str,
    month: &'a str,
    kind: &'a str,
    credits: Option<i64>,
    lines: &'a Value,
    supply: i64,
    vat: i64,
    total: i64,
    reason: &'a str,
}

async fn insert(
    tx: &mut Transaction<'_, Any>,
    by: &Author<'_>,
    year: i64,
    s: Insert<'_>,
) -> Result<StatementRow, StoreError> {
    let number = next_number(tx, s.zone, year).await?;
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO statements (zone_id, firm_id, month, number, kind, credits, lines, supply, vat, total, reason, issued_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING {COLUMNS}"
    )))
    .bind(s.zone)
    .bind(s.firm_id)
    .bind(s.month)
    .bind(&number)
    .bind(s.kind)
    .bind(s.credits)
    .bind(s.lines.to_string())
    .bind(s.supply)
    .bind(s.vat)
    .bind(s.total)
    .bind(s.reason)
    .bind(by.at.clone())
    .fetch_one(&mut **tx)
    .await?;
    let row = statement(&row)?;
    append(
        tx,
        by,
        "issue",
        "statement",
        &row.number,
        None,
        Some(&value_of(&row)),
    )
    .await?;
    Ok(row)
}

impl Store {
    /// Adds a rent and deposit to a lease's history from a day on. Audited.
    pub async fn add_lease_term(
        &self,
        actor: &str,
        lease_id: i64,
        from_day: &str,
        rent: i64,
        deposit: i64,
    ) -> Result<TermRow, StoreError> {
        let (_serial, mut tx) = self.begin_audited().await?;
        let by = self.author(actor);
        sqlx::query(
            "INSERT INTO lease_terms (lease_id, from_day, rent, deposit, recorded_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(lease_id)
        .bind(from_day)
        .bind(rent)
        .bind(deposit)
        .bind(by.at.clone())
        .execute(&mut *tx)
        .await?;
        let row = TermRow {
            lease_id,
            from_day: from_day.into(),
            rent,
            deposit,
            recorded_at: by.at.clone(),
        };
        append(
            &mut tx,
            &by,
            "create",
            "lease term",
            &lease_id.to_string(),
            None,
            Some(&value_of(&row)),
        )
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// The rent history of leases, by lease and day (the later of two rows for one day wins).
    pub async fn lease_terms(&self, lease_ids: &[i64]) -> Result<Vec<TermRow>, StoreError> {
        let mut out = Vec::new();
        for id in lease_ids {
            let rows = sqlx::query(
                "SELECT lease_id, from_day, rent, deposit, recorded_at FROM lease_terms WHERE lease_id = $1 ORDER BY from_day, id",
            )
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
            for r in &rows {
                out.push(TermRow {
                    lease_id: r.try_get("lease_id")?,
                    from_day: r.try_get("from_day")?,
                    rent: r.try_get("rent")?,
                    deposit: r.try_get("deposit")?,
                    recorded_at: r.try_get("recorded_at")?,
                });
            }
        }
        Ok(out)
    }

    /// Issues a month's statements of a zone: one per firm not issued that month yet (or whose
    /// statement was credited), numbered in order in `year` (the year of issue). The statements
    /// written (firms issued before are left out).
    pub async fn issue_statements(
        &self,
        actor: &str,
        zone: &str,
        month: &str,
        statements: Vec<NewStatement>,
        year: i64,
    ) -> Result<Vec<StatementRow>, StoreError> {
        let (_serial, mut tx) = self.begin_audited().await?;
        let by = self.author(actor);
        let mut out = Vec::new();
        for s in statements {
            // A month is issued once per firm; a statement credited in full no longer counts,
            // so the corrected month can be issued again.
            let issued: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM statements s WHERE s.zone_id = $1 AND s.firm_id = $2 AND s.month = $3 AND s.kind = 'statement' \
                 AND NOT EXISTS (SELECT 1 FROM statements c WHERE c.kind = 'credit' AND c.credits = s.id)",
            )
            .bind(zone)
            .bind(&s.firm_id)
            .bind(month)
            .fetch_one(&mut *tx)
            .await?;
            if issued > 0 {
                continue;
            }
            out.push(
                insert(
                    &mut tx,
                    &by,
                    year,
                    Insert {
                        zone,
                        firm_id: &s.firm_id,
                        month,
                        kind: "statement",
                        credits: None,
                        lines: &s.lines,
                        supply: s.supply,
                        vat: s.vat,
                        total: s.total,
                        reason: "",
                    },
                )
                .await?,
            );
        }
        tx.commit().await?;
        Ok(out)
    }

    /// Writes a credit note reversing a statement (its lines given, negated by the caller).
    /// `None` when the statement is not one, or is credited already.
    pub async fn credit_statement(
        &self,
        actor: &str,
        id: i64,
        credit: NewStatement,
        reason: &str,
        year: i64,
    ) -> Result<Option<StatementRow>, StoreError> {
        let (_serial, mut tx) = self.begin_audited().await?;
        let by = self.author(actor);
        let original = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM statements WHERE id = $1 AND kind = 'statement'"
        )))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| statement(&r))
        .transpose()?;
        let Some(original) = original else {
            return Ok(None);
        };
        let credited: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM statements WHERE credits = $1 AND kind = 'credit'",
        )
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        if credited > 0 {
            return Ok(None);
        }
        let row = insert(
            &mut tx,
            &by,
            year,
            Insert {
                zone: &original.zone_id,
                firm_id: &original.firm_id,
                month: &original.month,
                kind: "credit",
                credits: Some(id),
                lines: &credit.lines,
                supply: credit.supply,
                vat: credit.vat,
                total: credit.total,
                reason,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Some(row))
    }

    pub async fn statement(&self, id: i64) -> Result<Option<StatementRow>, StoreError> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM statements WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .map(|r| statement(&r))
        .transpose()
    }

    /// A zone's statements of a month (every month when none), by number.
    pub async fn statements_of_zone(
        &self,
        zone: &str,
        month: Option<&str>,
    ) -> Result<Vec<StatementRow>, StoreError> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM statements WHERE zone_id = $1 AND ($2 IS NULL OR month = $2) ORDER BY id"
        )))
        .bind(zone)
        .bind(month)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(statement)
        .collect()
    }

    /// A firm's statements, newest first.
    pub async fn statements_of_firm(&self, firm_id: &str) -> Result<Vec<StatementRow>, StoreError> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM statements WHERE firm_id = $1 ORDER BY id DESC"
        )))
        .bind(firm_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(statement)
        .collect()
    }

    /// Records a payment received for a statement. Audited.
    pub async fn record_payment(
        &self,
        actor: &str,
        statement_id: i64,
        amount: i64,
        paid_on: &str,
        note: &str,
    ) -> Result<PaymentRow, StoreError> {
        let (_serial, mut tx) = self.begin_audited().await?;
        let by = self.author(actor);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO payments (statement_id, amount, paid_on, note, recorded_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(statement_id)
        .bind(amount)
        .bind(paid_on)
        .bind(note)
        .bind(by.at.clone())
        .fetch_one(&mut *tx)
        .await?;
        let row = PaymentRow {
            id,
            statement_id,
            amount,
            paid_on: paid_on.into(),
            note: note.into(),
            recorded_at: by.at.clone(),
        };
        append(
            &mut tx,
            &by,
            "create",
            "payment",
            &id.to_string(),
            None,
            Some(&value_of(&row)),
        )
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    pub async fn payments_of(&self, statement_id: i64) -> Result<Vec<PaymentRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, statement_id, amount, paid_on, note, recorded_at FROM payments WHERE statement_id = $1 ORDER BY id",
        )
        .bind(statement_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(PaymentRow {
                    id: r.try_get("id")?,
                    statement_id: r.try_get("statement_id")?,
                    amount: r.try_get("amount")?,
                    paid_on: r.try_get("paid_on")?,
                    note: r.try_get("note")?,
                    recorded_at: r.try_get("recorded_at")?,
                })
            })
            .collect()
    }
}
