//! Booking shared resources (migration 0015): resources with their rules, closures, trainings,
//! weekly series, bookings and the waitlist.
//!
//! No two bookings hold one resource at once. Every booking is written under the write lock
//! (`begin_audited`) after a check of the overlaps in the same transaction, on both databases;
//! on PostgreSQL an exclusion constraint over (resource, [start, held_until)) refuses an overlap
//! whatever wrote it. A booking's parts (a bundle's resources, a series' dates) are written in
//! one transaction: all of them or, for a series the firm accepted in part, every date that is
//! free, each date whole.

use serde::Serialize;
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::audit::{Author, append, value_of};
use crate::{Store, StoreError};

/// States in which a booking holds its slot.
pub const HOLDING: [&str; 4] = ["requested", "offered", "confirmed", "checked_in"];
const HOLDING_SQL: &str = "('requested', 'offered', 'confirmed', 'checked_in')";

/// A resource as stored: its setup (`ucz_core::booking::Resource`) and whose it is.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ResourceRow {
    pub id: String,
    pub zone_id: Option<String>,
    pub hub_id: Option<String>,
    pub body: Value,
    pub updated_at: String,
}

impl ResourceRow {
    /// `zone:<id>` or `hub:<id>`: where closures and trainings are kept.
    pub fn owner(&self) -> String {
        match (&self.zone_id, &self.hub_id) {
            (Some(z), _) => format!("zone:{z}"),
            (None, Some(h)) => format!("hub:{h}"),
            (None, None) => String::new(),
        }
    }
}

/// A booking as stored; times are Unix seconds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BookingRow {
    pub id: i64,
    pub resource_id: String,
    pub firm_id: String,
    pub user_id: Option<i64>,
    pub series_id: Option<i64>,
    pub bundle_of: Option<i64>,
    pub state: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub held_until: i64,
    pub grace_until: i64,
    pub applicant: String,
    pub price: i64,
    pub note: String,
    pub created_at: String,
    pub decided_at: Option<String>,
    pub checked_in_at: Option<String>,
    pub closed_at: Option<String>,
}

/// One resource's part of a booking.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slot {
    pub resource_id: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub held_until: i64,
    pub grace_until: i64,
    pub price: i64,
}

/// Bookings to write for one firm: one or more dates (a series), each of one or more slots (the
/// resource and its bundle).
pub struct NewBooking<'a> {
    pub firm_id: &'a str,
    pub user_id: Option<i64>,
    /// `requested` (waits for approval) or `confirmed`.
    pub state: &'a str,
    pub applicant: &'a str,
    pub note: &'a str,
    pub dates: Vec<Vec<Slot>>,
    /// Write the free dates when some are taken (else nothing is written).
    pub partial: bool,
    /// A series' definition, kept with its bookings.
    pub series: Option<Value>,
}

/// A date of a booking that could not be had: which date, and the booking in the way.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Taken {
    /// The date's place in `NewBooking::dates`.
    pub date: usize,
    pub resource_id: String,
    pub starts_at: i64,
    pub ends_at: i64,
}

/// What writing bookings came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Booked {
    /// Written (every row, a bundle's included); `taken` lists the dates left out.
    Done {
        rows: Vec<BookingRow>,
        taken: Vec<Taken>,
    },
    /// Nothing written: these dates are taken.
    Refused(Vec<Taken>),
}

/// A firm waiting for a slot that is taken.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WaitRow {
    pub id: i64,
    pub resource_id: String,
    pub firm_id: String,
    pub user_id: Option<i64>,
    pub starts_at: i64,
    pub ends_at: i64,
    pub held_until: i64,
    pub grace_until: i64,
    pub applicant: String,
    pub price: i64,
    /// `waiting`, `offered` (a booking holds the slot for the firm), `cancelled`.
    pub state: String,
    pub booking_id: Option<i64>,
    pub created_at: String,
}

/// A closure as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClosureRow {
    pub id: i64,
    pub owner: String,
    pub resource_id: Option<String>,
    pub from_day: String,
    pub until_day: String,
    pub reason: String,
}

/// A firm's training as recorded by an operator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TrainingRow {
    pub training: String,
    pub firm_id: String,
    pub person: String,
    pub recorded_at: String,
}

const BOOKING_COLUMNS: &str = "id, resource_id, firm_id, user_id, series_id, bundle_of, state, starts_at, ends_at, held_until, grace_until, applicant, price, note, created_at, decided_at, checked_in_at, closed_at";
const WAIT_COLUMNS: &str = "id, resource_id, firm_id, user_id, starts_at, ends_at, held_until, grace_until, applicant, price, state, booking_id, created_at";

fn booking(row: &AnyRow) -> Result<BookingRow, StoreError> {
    Ok(BookingRow {
        id: row.try_get("id")?,
        resource_id: row.try_get("resource_id")?,
        firm_id: row.try_get("firm_id")?,
        user_id: row.try_get("user_id")?,
        series_id: row.try_get("series_id")?,
        bundle_of: row.try_get("bundle_of")?,
        state: row.try_get("state")?,
        starts_at: row.try_get("starts_at")?,
        ends_at: row.try_get("ends_at")?,
        held_until: row.try_get("held_until")?,
        grace_until: row.try_get("grace_until")?,
        applicant: row.try_get("applicant")?,
        price: row.try_get("price")?,
        note: row.try_get("note")?,
        created_at: row.try_get("created_at")?,
        decided_at: row.try_get("decided_at")?,
        checked_in_at: row.try_get("checked_in_at")?,
        closed_at: row.try_get("closed_at")?,
    })
}

fn wait(row: &AnyRow) -> Result<WaitRow, StoreError> {
    Ok(WaitRow {
        id: row.try_get("id")?,
        resource_id: row.try_get("resource_id")?,
        firm_id: row.try_get("firm_id")?,
        user_id: row.try_get("user_id")?,
        starts_at: row.try_get("starts_at")?,
        ends_at: row.try_get("ends_at")?,
        held_until: row.try_get("held_until")?,
        grace_until: row.try_get("grace_until")?,
        applicant: row.try_get("applicant")?,
        price: row.try_get("price")?,
        state: row.try_get("state")?,
        booking_id: row.try_get("booking_id")?,
        created_at: row.try_get("created_at")?,
    })
}

fn resource(row: &AnyRow) -> Result<ResourceRow, StoreError> {
    let body: String = row.try_get("body")?;
    Ok(ResourceRow {
        id: row.try_get("id")?,
        zone_id: row.try_get("zone_id")?,
        hub_id: row.try_get("hub_id")?,
        body: serde_json::from_str(&body).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// A booking's rows: the booking and its bundle's others, in the write's transaction.
async fn parts_of(tx: &mut Transaction<'_, Any>, id: i64) -> Result<Vec<BookingRow>, StoreError> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {BOOKING_COLUMNS} FROM bookings WHERE id = $1 OR bundle_of = $1 ORDER BY id"
    )))
    .bind(id)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(booking)
    .collect()
}

/// Whether the database refused a write by the exclusion constraint (PostgreSQL's 23P01).
fn excluded(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .and_then(|e| e.code())
        .is_some_and(|c| c == "23P01")
}

/// The holding booking in the way of `[starts, held_until)` on a resource, if any.
async fn in_the_way(
    tx: &mut Transaction<'_, Any>,
    resource_id: &str,
    starts: i64,
    held_until: i64,
) -> Result<Option<(i64, i64)>, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT starts_at, ends_at FROM bookings WHERE resource_id = $1 AND state IN {HOLDING_SQL} \
         AND starts_at < $2 AND held_until > $3 ORDER BY starts_at LIMIT 1"
    )))
    .bind(resource_id)
    .bind(held_until)
    .bind(starts)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|r| Ok((r.try_get("starts_at")?, r.try_get("ends_at")?)))
        .transpose()
}

struct Insert<'a> {
    slot: &'a Slot,
    firm_id: &'a str,
    user_id: Option<i64>,
    series_id: Option<i64>,
    bundle_of: Option<i64>,
    state: &'a str,
    applicant: &'a str,
    note: &'a str,
}

async fn insert(
    tx: &mut Transaction<'_, Any>,
    by: &Author<'_>,
    b: Insert<'_>,
) -> Result<BookingRow, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO bookings (resource_id, firm_id, user_id, series_id, bundle_of, state, starts_at, ends_at, held_until, grace_until, applicant, price, note, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING {BOOKING_COLUMNS}"
    )))
    .bind(&b.slot.resource_id)
    .bind(b.firm_id)
    .bind(b.user_id)
    .bind(b.series_id)
    .bind(b.bundle_of)
    .bind(b.state)
    .bind(b.slot.starts_at)
    .bind(b.slot.ends_at)
    .bind(b.slot.held_until)
    .bind(b.slot.grace_until)
    .bind(b.applicant)
    .bind(b.slot.price)
    .bind(b.note)
    .bind(by.at.clone())
    .fetch_one(&mut **tx)
    .await?;
    let row = booking(&row)?;
    append(
        tx,
        by,
        "create",
        "booking",
        &row.id.to_string(),
        None,
        Some(&value_of(&row)),
    )
    .await?;
    Ok(row)
}

impl Store {
    /// Sets (or replaces) a resource. Audited.
    pub async fn set_resource(
        &self,
        actor: &str,
        id: &str,
        zone_id: Option<&str>,
        hub_id: Option<&str>,
        body: &Value,
    ) -> Result<ResourceRow, StoreError> {
        let (_serial, mut tx) = self.begin_audited().await?;
        let by = self.author(actor);
        let before = sqlx::query(
            "SELECT id, zone_id, hub_id, body, updated_at FROM resources WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| resource(&r))
        .transpose()?;
        sqlx::query(
            "INSERT INTO resources (id, zone_id, hub_id, body, updated_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (id) DO UPDATE SET zone_id = excluded.zone_id, hub_id = excluded.hub_id, body = excluded.body, updated_at = excluded.updated_at",
        )
        .bind(id)
        .bind(zone_id)
        .bind(hub_id)
        .bind(body.to_string())
        .bind(by.at.clone())
        .execute(&mut *tx)
        .await?;
        append(
            &mut tx,
            &by,
            if before.is_some() { "update" } else { "create" },
            "resource",
            id,
            before.as_ref().map(|b| &b.body),
            Some(body),
        )
        .await?;
        tx.commit().await?;
        self.resource(id)
            .await?
            .ok_or_else(|| StoreError::Corrupt("the resource just written is gone".into()))
    }

    /// Replaces resources (an Excel bulk update) in one transaction, each audited; a resource
    /// that is gone refuses the whole write. How many.
    pub async fn set_resources(
        &self,
        actor: &str,
        rows: &[(String, Option<String>, Option<String>, Value)],
    ) -> Result<usize, StoreError> {
        let (_serial, mut tx) = self.begin_audited().await?;
        let by = self.author(actor);
        for (id, zone_id, hub_id, body) in rows {
            let before = sqlx::query(
                "SELECT id, zone_id, hub_id, body, updated_at FROM resources WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| resource(&r))
            .transpose()?
            .ok_or_else(|| StoreError::Rejected(ucz_core::Key::ChangedMeanwhile.into()))?;
            sqlx::query("UPDATE resources SET zone_id = $1, hub_id = $2, body = $3, updated_at = $4 WHERE id = $5")
                .bind(zone_id.as_deref())
                .bind(hub_id.as_deref())
                .bind(body.to_string())
                .bind(by.at.clone())
                .bind(id)
                .execute(&mut *tx)
                .await?;
            append(
                &mut tx,
                &by,
                "update",
                "resource",
                id,
                Some(&before.body),
                Some(body),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(rows.len())
    }

    pub async fn resource(&self, id: &str) -> Result<Option<ResourceRow>, StoreError> {
        sqlx::query("SELECT id, zone_id, hub_id, body, updated_at FROM resources WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| resource(&r))
            .transpose()
    }

    /// The resources of a zone, or of a hub, by id.
    pub async fn resources_of(
        &self,
        zone_id: Option<&str>,
        hub_id: Option<&str>,
    ) -> Result<Vec<ResourceRow>, StoreError> {
        sqlx::query(
            "SELECT id, zone_id, hub_id, body, updated_at FROM resources \
             WHERE ($1 IS NULL OR zone_id = $1) AND ($2 IS NULL OR hub_id = $2) ORDER BY id",
        )
        .bind(zone_id)
        .bind(hub_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(resource)
        .collect()
    }

    /// Writes bookings for one firm, checking under the write lock that each slot is free.
    pub async fn book(&self, actor: &str, new: &NewBooking<'_>) -> Result<Booked, StoreError> {
        let (_serial, mut tx) = self.begin_audited().await?;
        let by = self.author(actor);
        let mut taken = Vec::new();
        let mut free: Vec<&Vec<Slot>> = Vec::new();
        for (date, slots) in new.dates.iter().enumerate() {
            let mut blocked = None;
            for (i, slot) in slots.iter().enumerate() {
                // The request's own slots count too: its other resources at this date and the
                // dates already accepted.
                let own = slots[..i]
                    .iter()
                    .chain(free.iter().flat_map(|d| d.iter()))
                    .find(|o| {
                        o.resource_id == slot.resource_id
                            && o.starts_at < slot.held_until
                            && o.held_until > slot.starts_at
                    })
                    .map(|o| (o.starts_at, o.ends_at));
                let found = match own {
                    Some(found) => Some(found),
                    None => {
                        in_the_way(&mut tx, &slot.resource_id, slot.starts_at, slot.held_until)
                            .await?
                    }
                };
                if let Some((s, e)) = found {
                    blocked = Some(Taken {
                        date,
                        resource_id: slot.resource_id.clone(),
                        starts_at: s,
                        ends_at: e,
                    });
                    break;
                }
            }
            match blocked {
                Some(t) => taken.push(t),
                None => free.push(slots),
            }
        }
        if free.is_empty() || (!taken.is_empty() && !new.partial) {
            return Ok(Booked::Refused(taken));
        }
        let series_id = match &new.series {
            Some(body) => {
                let resource = free
                    .first()
                    .and_then(|s| s.first())
                    .map(|s| s.resource_id.clone())
                    .unwrap_or_default();
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO booking_series (resource_id, firm_id, body, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
                )
                .bind(&resource)
                .bind(new.firm_id)
                .bind(body.to_string())
                .bind(by.at.clone())
                .fetch_one(&mut *tx)
                .await?;
                append(
                    &mut tx,
                    &by,
                    "create",
                    "booking_series",
                    &id.to_string(),
                    None,
                    Some(body),
                )
                .await?;
                Some(id)
            }
            None => None,
        };
        let mut rows = Vec::new();
        for slots in free {
            let mut head = None;
            for slot in slots {
                let written = insert(
                    &mut tx,
                    &by,
                    Insert {
                        slot,
                        firm_id: new.firm_id,
                        user_id: new.user_id,
                        series_id,
                        bundle_of: head,
                        state: new.state,
                        applicant: new.applicant,
                        note: new.note,
                    },
                )
                .await;
                // The check above saw every holding booking under the lock; the constraint
                // refusing now means a write outside ucz's lock: nothing is written.
                let written = match written {
                    Err(StoreError::Database(e)) if excluded(&e) => {
                        return Ok(Booked::Refused(vec![Taken {
                            date: new.dates.iter().position(|d| d.contains(slot)).unwrap_or(0),
                            resource_id: slot.resource_id.clone(),
                            starts_at: slot.starts_at,
                            ends_at: slot.ends_at,
                        }]));
                    }
                    other => other?,
                };
                head.get_or_insert(written.id);
                rows.push(written);
            }
        }
        tx.commit().await?;
        Ok(Booked::Done { rows, taken })
    }

    pub async fn booking(&self, id: i64) -> Result<Option<BookingRow>, StoreError> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {BOOKING_COLUMNS} FROM bookings WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .map(|r| booking(&r))
        .transpose()
    }

    /// The bookings of resources overlapping `[from, until)`, every state, by start.
    pub async fn bookings_between(
        &self,
        resources: &[String],
        from: i64,
        until: i64,
    ) -> Result<Vec<BookingRow>, StoreError> {
        let mut out = Vec::new();
        for r in resources {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {BOOKING_COLUMNS} FROM bookings WHERE resource_id = $1 AND starts_at < $2 AND ends_at > $3 ORDER BY starts_at, id"
            )))
            .bind(r)
            .bind(until)
            .bind(from)
            .fetch_all(&self.pool)
            .await?;
            for row in &rows {
                out.push(booking(row)?);
            }
        }
        out.sort_by_key(|b| (b.starts_at, b.id));
        Ok(out)
    }

    /// A firm's bookings ending after `after`, by start.
    pub async fn bookings_of_firm(
        &self,
        firm_id: &str,
        after: i64,
    ) -> Result<Vec<BookingRow>, StoreError> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {BOOKING_COLUMNS} FROM bookings WHERE firm_id = $1 AND ends_at > $2 ORDER BY starts_at, id"
        )))
        .bind(firm_id)
        .bind(after)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(booking)
        .collect()
    }

    /// Minutes a firm holds of a resource in bookings starting in `[from, until)`.
    pub async fn minutes_held(
        &self,
        firm_id: &str,
        resource_id: &str,
        from: i64,
        until: i64,
    ) -> Result<i64, StoreError> {
        let seconds: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT CAST(SUM(ends_at - starts_at) AS BIGINT) FROM bookings WHERE firm_id = $1 AND resource_id = $2 \
             AND state IN {HOLDING_SQL} AND starts_at >= $3 AND starts_at < $4"
        )))
        .bind(firm_id)
        .bind(resource_id)
        .bind(from)
        .bind(until)
        .fetch_one(&self.pool)
        .await?;
        Ok(seconds.unwrap_or(0) / 60)
    }

    /// Moves a booking (with its bundle) from one of `from` to `to`, stamping `column` (one of
    /// `decided_at`, `checked_in_at`, `closed_at`). A booking that releases its slot offers it
    /// to the waitlist in the same transaction. `None` when the booking is in none of `from`.
    pub async fn move_booking(
        &self,
        actor: &str,
        id: i64,
        from: &[&str],
        to: &str,
        column: &str,
        now: i64,
    ) -> Result<Option<Vec<BookingRow>>, StoreError> {
        if !["decided_at", "checked_in_at", "closed_at"].contains(&column) {
            return Err(StoreError::Corrupt(format!(
                "{column} is not a booking's stamp"
            )));
        }
        let (_serial, mut tx) = self.begin_audited().await?;
        let by = self.author(actor);
        let parts = parts_of(&mut tx, id).await?;
        if parts
            .first()
            .is_none_or(|b| !from.contains(&b.state.as_str()))
        {
            return Ok(None);
        }
        let moved = move_rows(&mut tx, &by, &parts, to, column).await?;
        if !HOLDING.contains(&to) {
            offer(&mut tx, &by, &parts, now).await?;
        }
        tx.commit().await?;
        Ok(Some(moved))
    }

    /// Confirmed bookings whose grace period passed without a check-in become no-shows, and
    /// their slots go to the waitlist. The no-shows.
    pub async fn sweep_no_shows(
        &self,
        actor: &str,
        now: i64,
    ) -> Result<Vec<BookingRow>, StoreError> {
        // Read first without the lock: most sweeps find nothing.
        let due: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM bookings WHERE state IN ('confirmed', 'requested', 'offered') AND bundle_of IS NULL AND grace_until <= $1",
        )
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        if due == 0 {
            return Ok(Vec::new());
        }
        let (_serial, mut tx) = self.begin_audited().await?;
        let by = self.author(actor);
        let heads: Vec<BookingRow> = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {BOOKING_COLUMNS} FROM bookings WHERE state IN ('confirmed', 'requested', 'offered') AND bundle_of IS NULL AND grace_until <= $1 ORDER BY id"
        )))
        .bind(now)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(booking)
        .collect::<Result<_, _>>()?;
        let mut out = Vec::new();
        for head in heads {
            let parts = parts_of(&mut tx, head.id).await?;
            // A confirmed booking not checked in is a no-show; one never approved or taken in
            // time lapses (declined), and is not billed.
            let to = if head.state == "confirmed" {
                "no_show"
            } else {
                "declined"
            };
            let moved = move_rows(&mut tx, &by, &parts, to, "closed_at").await?;
            offer(&mut tx, &by, &parts, now).await?;
            out.extend(
                moved
                    .into_iter()
                    .filter(|b| b.bundle_of.is_none() && b.state == "no_show"),
            );
        }
        tx.commit().await?;
        Ok(out)
    }

    /// Puts a firm on the waitlist of a taken slot. Audited.
    pub async fn join_waitlist(
        &self,
        actor: &str,
        w: &WaitRow,
    ) -> Result<Option<WaitRow>, StoreError> {
        let (_serial, mut tx) = self.begin_audited().await?;
        let by = self.author(actor);
        // Once per firm and slot, and not for a slot the firm holds.
        let waiting: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM waitlist WHERE firm_id = $1 AND resource_id = $2 AND starts_at = $3 AND state IN ('waiting', 'offered')",
        )
        .bind(&w.firm_id)
        .bind(&w.resource_id)
        .bind(w.starts_at)
        .fetch_one(&mut *tx)
        .await?;
        let held: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM bookings WHERE firm_id = $1 AND resource_id = $2 AND state IN {HOLDING_SQL} AND starts_at < $3 AND held_until > $4"
        )))
        .bind(&w.firm_id)
        .bind(&w.resource_id)
        .bind(w.held_until)
        .bind(w.starts_at)
        .fetch_one(&mut *tx)
        .await?;
        if waiting + held > 0 {
            return Ok(None);
        }
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO waitlist (resource_id, firm_id, user_id, starts_at, ends_at, held_until, grace_until, applicant, price, state, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'waiting', $10) RETURNING {WAIT_COLUMNS}"
        )))
        .bind(&w.resource_id)
        .bind(&w.firm_id)
        .bind(w.user_id)
        .bind(w.starts_at)
        .bind(w.ends_at)
        .bind(w.held_until)
        .bind(w.grace_until)
        .bind(&w.applicant)
        .bind(w.price)
        .bind(by.at.clone())
        .fetch_one(&mut *tx)
        .await?;
        let row = wait(&row)?;
        append(
            &mut tx,
            &by,
            "create",
            "waitlist",
            &row.id.to_string(),
            None,
            Some(&value_of(&row)),
        )
        .await?;
        tx.commit().await?;
        Ok(Some(row))
    }

    /// A firm's waitlist entries still waiting or offered.
    pub async fn waitlist_of_firm(&self, firm_id: &str) -> Result<Vec<WaitRow>, StoreError> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {WAIT_COLUMNS} FROM waitlist WHERE firm_id = $1 AND state IN ('waiting', 'offered') ORDER BY starts_at, id"
        )))
        .bind(firm_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(wait)
        .collect()
    }

    /// Takes a firm off a waitlist. `false` when the entry is not the firm's or not waiting.
    pub async fn leave_waitlist(
        &self,
        actor: &str,
        id: i64,
        firm_id: &str,
    ) -> Result<bool, StoreError> {
        let (_serial, mut tx) = self.begin_audited().await?;
        let by = self.author(actor);
        let done = sqlx::query(
            "UPDATE waitlist SET state = 'cancelled' WHERE id = $1 AND firm_id = $2 AND state = 'waiting'",
        )
        .bind(id)
        .bind(firm_id)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            > 0;
        if done {
            append(
                &mut tx,
                &by,
                "cancel",
                "waitlist",
                &id.to_string(),
                None,
                None,
            )
            .await?;
            tx.commit().await?;
        }
        Ok(done)
    }

    /// Adds a closure of a zone or hub (or one resource). Audited.
    pub async fn add_closure(
        &self,
        actor: &str,
        owner: &str,
        resource_id: Option<&str>,
        from_day: &str,
        until_day: &str,
        reason: &str,
    ) -> Result<ClosureRow, StoreError> {
        let (_serial, mut tx) = self.begin_audited().await?;
        let by = self.author(actor);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO booking_closures (owner, resource_id, from_day, until_day, reason, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(owner)
        .bind(resource_id)
        .bind(from_day)
        .bind(until_day)
        .bind(reason)
        .bind(by.at.clone())
        .fetch_one(&mut *tx)
        .await?;
        let row = ClosureRow {
            id,
            owner: owner.into(),
            resource_id: resource_id.map(str::to_string),
            from_day: from_day.into(),
            until_day: until_day.into(),
            reason: reason.into(),
        };
        append(
            &mut tx,
            &by,
            "create",
            "closure",
            &id.to_string(),
            None,
            Some(&value_of(&row)),
        )
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Cancels the bookings holding slots of `resources` that start in `[from, until)` (closed
    /// days), with their bundles, and the waitlist entries for them: nothing is offered. Audited;
    /// how many bookings and entries.
    pub async fn close_days(
        &self,
        actor: &str,
        resources: &[String],
        from: i64,
        until: i64,
    ) -> Result<usize, StoreError> {
        let (_serial, mut tx) = self.begin_audited().await?;
        let by = self.author(actor);
        let mut count = 0;
        for r in resources {
            let heads: Vec<BookingRow> = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {BOOKING_COLUMNS} FROM bookings WHERE resource_id = $1 AND bundle_of IS NULL \
                 AND state IN {HOLDING_SQL} AND starts_at >= $2 AND starts_at < $3 ORDER BY id"
            )))
            .bind(r)
            .bind(from)
            .bind(until)
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(booking)
            .collect::<Result<_, _>>()?;
            for head in heads {
                let parts = parts_of(&mut tx, head.id).await?;
                move_rows(&mut tx, &by, &parts, "cancelled", "closed_at").await?;
                count += 1;
            }
            let waiting: Vec<i64> = sqlx::query_scalar(
                "SELECT id FROM waitlist WHERE resource_id = $1 AND state = 'waiting' AND starts_at >= $2 AND starts_at < $3",
            )
            .bind(r)
            .bind(from)
            .bind(until)
            .fetch_all(&mut *tx)
            .await?;
            for id in waiting {
                sqlx::query("UPDATE waitlist SET state = 'cancelled' WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                append(
                    &mut tx,
                    &by,
                    "cancel",
                    "waitlist",
                    &id.to_string(),
                    None,
                    None,
                )
                .await?;
                count += 1;
            }
        }
        tx.commit().await?;
        Ok(count)
    }

    /// Closures of an owner ending on or after `from_day`.
    pub async fn closures_of(
        &self,
        owner: &str,
        from_day: &str,
    ) -> Result<Vec<ClosureRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, owner, resource_id, from_day, until_day, reason FROM booking_closures WHERE owner = $1 AND until_day >= $2 ORDER BY from_day, id",
        )
        .bind(owner)
        .bind(from_day)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ClosureRow {
                    id: r.try_get("id")?,
                    owner: r.try_get("owner")?,
                    resource_id: r.try_get("resource_id")?,
                    from_day: r.try_get("from_day")?,
                    until_day: r.try_get("until_day")?,
                    reason: r.try_get("reason")?,
                })
            })
            .collect()
    }

    /// Records that a firm holds a training of an owner's resources. Audited.
    pub async fn record_training(
        &self,
        actor: &str,
        owner: &str,
        training: &str,
        firm_id: &str,
        person: &str,
    ) -> Result<TrainingRow, StoreError> {
        let (_serial, mut tx) = self.begin_audited().await?;
        let by = self.author(actor);
        sqlx::query(
            "INSERT INTO trainings (owner, training, firm_id, person, recorded_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (owner, training, firm_id) DO UPDATE SET person = excluded.person, recorded_at = excluded.recorded_at",
        )
        .bind(owner)
        .bind(training)
        .bind(firm_id)
        .bind(person)
        .bind(by.at.clone())
        .execute(&mut *tx)
        .await?;
        let row = TrainingRow {
            training: training.into(),
            firm_id: firm_id.into(),
            person: person.into(),
            recorded_at: by.at.clone(),
        };
        append(
            &mut tx,
            &by,
            "record",
            "training",
            &format!("{owner}/{training}/{firm_id}"),
            None,
            Some(&value_of(&row)),
        )
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    pub async fn has_training(
        &self,
        owner: &str,
        training: &str,
        firm_id: &str,
    ) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM trainings WHERE owner = $1 AND training = $2 AND firm_id = $3",
        )
        .bind(owner)
        .bind(training)
        .bind(firm_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(n > 0)
    }

    pub async fn trainings_of(&self, owner: &str) -> Result<Vec<TrainingRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT training, firm_id, person, recorded_at FROM trainings WHERE owner = $1 ORDER BY training, firm_id",
        )
        .bind(owner)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(TrainingRow {
                    training: r.try_get("training")?,
                    firm_id: r.try_get("firm_id")?,
                    person: r.try_get("person")?,
                    recorded_at: r.try_get("recorded_at")?,
                })
            })
            .collect()
    }
}

async fn move_rows(
    tx: &mut Transaction<'_, Any>,
    by: &Author<'_>,
    parts: &[BookingRow],
    to: &str,
    column: &str,
) -> Result<Vec<BookingRow>, StoreError> {
    let mut out = Vec::new();
    for b in parts {
        // The waitlist entry an offered booking came from follows it: booked, or lapsed.
        if b.state == "offered" {
            sqlx::query(
                "UPDATE waitlist SET state = $1 WHERE booking_id = $2 AND state = 'offered'",
            )
            .bind(if HOLDING.contains(&to) {
                "booked"
            } else {
                "lapsed"
            })
            .bind(b.id)
            .execute(&mut **tx)
            .await?;
        }
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE bookings SET state = $1, {column} = $2 WHERE id = $3 RETURNING {BOOKING_COLUMNS}"
        )))
        .bind(to)
        .bind(by.at.clone())
        .bind(b.id)
        .fetch_one(&mut **tx)
        .await?;
        let after = booking(&row)?;
        append(
            tx,
            by,
            to,
            "booking",
            &b.id.to_string(),
            Some(&value_of(b)),
            Some(&value_of(&after)),
        )
        .await?;
        out.push(after);
    }
    Ok(out)
}

/// Offers the slots `freed` released to the firms waiting for them, first come first served:
/// each waiting entry overlapping a freed slot, not yet over, whose whole slot is now free gets
/// a booking in `offered` that holds it until the firm takes it or lets it go.
async fn offer(
    tx: &mut Transaction<'_, Any>,
    by: &Author<'_>,
    freed: &[BookingRow],
    now: i64,
) -> Result<(), StoreError> {
    for f in freed {
        let waiting: Vec<WaitRow> = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {WAIT_COLUMNS} FROM waitlist WHERE resource_id = $1 AND state = 'waiting' \
             AND starts_at < $2 AND held_until > $3 AND ends_at > $4 ORDER BY id"
        )))
        .bind(&f.resource_id)
        .bind(f.held_until)
        .bind(f.starts_at)
        .bind(now)
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(wait)
        .collect::<Result<_, _>>()?;
        for w in waiting {
            if in_the_way(tx, &w.resource_id, w.starts_at, w.held_until)
                .await?
                .is_some()
            {
                continue;
            }
            // A slot offered after its start gives the firm its grace period from now.
            let grace = w.grace_until - w.starts_at;
            let slot = Slot {
                resource_id: w.resource_id.clone(),
                starts_at: w.starts_at,
                ends_at: w.ends_at,
                held_until: w.held_until,
                grace_until: w.grace_until.max(now + grace).min(w.ends_at),
                price: w.price,
            };
            let row = insert(
                tx,
                by,
                Insert {
                    slot: &slot,
                    firm_id: &w.firm_id,
                    user_id: w.user_id,
                    series_id: None,
                    bundle_of: None,
                    state: "offered",
                    applicant: &w.applicant,
                    note: "",
                },
            )
            .await?;
            sqlx::query("UPDATE waitlist SET state = 'offered', booking_id = $1 WHERE id = $2")
                .bind(row.id)
                .bind(w.id)
                .execute(&mut **tx)
                .await?;
            append(
                tx,
                by,
                "offer",
                "waitlist",
                &w.id.to_string(),
                Some(&value_of(&w)),
                Some(&serde_json::json!({"booking_id": row.id})),
            )
            .await?;
        }
    }
    Ok(())
}
