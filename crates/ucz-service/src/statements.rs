//! Monthly statements of a zone to its firms: the rent history of leases, a month's statements
//! (rent by the days each rent applied, usage of the shared resources with a tenant's free hours
//! deducted, VAT at 10% rounded down), credit notes, payments recorded by hand.
//!
//! | | firm | operator (the zone's) | admin |
//! |---|---|---|---|
//! | a lease's rent history | its own | yes | yes |
//! | set a rent; issue a month; credit a statement; record a payment; a zone's statements | | yes | yes |
//! | read a statement | its own | yes | yes |
//!
//! A statement is not a tax invoice (전자세금계산서): the operator's accounting system issues
//! those; every statement says so.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ucz_core::booking::{Resource, from_seconds, show};
use ucz_core::date::Date;
use ucz_core::record::{LeaseBody, LeaseId, SpaceId};
use ucz_core::statement::{
    self, Free, Leased, Line, Term, Totals, Used, credit_lines, parse_month, rent_lines, totals,
    usage_lines,
};
use ucz_store::{NewStatement, PaymentRow, StatementRow, TermRow};

use crate::Services;
use crate::access::{self, Owner};
use crate::caller::{Caller, Role};
use crate::error::{Error, Key, Message};

/// What every statement says of itself, in both languages.
pub const NOT_A_TAX_INVOICE_KO: &str = "이 명세서는 이용 내역 안내이며 전자세금계산서가 아닙니다. 세금계산서는 운영기관의 회계 시스템에서 발행됩니다.";
pub const NOT_A_TAX_INVOICE_EN: &str = "This is a statement of charges, not an electronic tax invoice (전자세금계산서); the operator's accounting system issues those.";

/// A statement or credit note as its readers see it.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct StatementView {
    pub id: i64,
    /// `<ZONE>-<year>-<0001>`, without gaps in a zone's year.
    pub number: String,
    /// `statement` or `credit` (a credit note reversing `credits`).
    pub kind: String,
    pub credits: Option<i64>,
    pub zone_id: String,
    pub firm_id: String,
    /// `2026-07`.
    pub month: String,
    pub lines: Vec<Line>,
    #[serde(flatten)]
    pub totals: Totals,
    pub reason: String,
    pub issued_at: String,
    /// Received so far, as recorded by hand.
    pub paid: i64,
    pub payments: Vec<PaymentRow>,
    pub notice_ko: String,
    pub notice_en: String,
}

/// A month to issue.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueBody {
    /// The zone (the operator's own when left out).
    #[serde(default)]
    pub zone: Option<String>,
    /// `2026-07`: a month that has ended.
    pub month: String,
}

/// Why a statement is credited.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreditBody {
    pub reason: String,
}

/// A payment received.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentBody {
    /// Won.
    pub amount: i64,
    pub paid_on: Date,
    #[serde(default)]
    pub note: String,
}

/// A rent from a day on.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RentBody {
    pub from: Date,
    /// Won a month, VAT excluded.
    pub rent: i64,
    #[serde(default)]
    pub deposit: i64,
}

/// A lease's rent history.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct RentHistory {
    pub lease_id: i64,
    pub terms: Vec<TermView>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct TermView {
    pub from: String,
    pub rent: i64,
    pub deposit: i64,
    /// When it was recorded; none for the space's listed rent (no history recorded).
    pub recorded_at: Option<String>,
}

fn month_text(first: Date) -> String {
    format!("{:04}-{:02}", first.year(), first.month())
}

fn view(row: StatementRow, payments: Vec<PaymentRow>) -> Result<StatementView, Error> {
    let lines: Vec<Line> = serde_json::from_value(row.lines.clone())
        .map_err(|e| Error::internal(format!("statement {}: {e}", row.number)))?;
    Ok(StatementView {
        id: row.id,
        number: row.number,
        kind: row.kind,
        credits: row.credits,
        zone_id: row.zone_id,
        firm_id: row.firm_id,
        month: row.month.get(..7).unwrap_or_default().to_string(),
        lines,
        totals: Totals {
            supply: row.supply,
            vat: row.vat,
            total: row.total,
        },
        reason: row.reason,
        issued_at: row.issued_at,
        paid: payments
            .iter()
            .fold(0i64, |sum, p| sum.saturating_add(p.amount)),
        payments,
        notice_ko: NOT_A_TAX_INVOICE_KO.into(),
        notice_en: NOT_A_TAX_INVOICE_EN.into(),
    })
}

async fn full(state: &Services, row: StatementRow) -> Result<StatementView, Error> {
    let payments = state.store.payments_of(row.id).await?;
    view(row, payments)
}

/// A lease, its space's owner and the space's listed rent.
async fn lease_of(
    state: &Services,
    id: i64,
) -> Result<(LeaseBody, Owner, String, Option<u64>), Error> {
    let lease = state
        .store
        .repo::<LeaseBody>()
        .get(&LeaseId(id))
        .await?
        .ok_or_else(|| Error::not_found(Key::NounLease, &id.to_string()))?
        .record;
    let space = state
        .store
        .repo::<ucz_core::record::SpaceBody>()
        .get(&lease.space_id)
        .await?
        .ok_or_else(|| Error::not_found(Key::NounSpace, &lease.space_id.0.to_string()))?
        .record;
    let owner = crate::parts::space_zone(state, &space).await?;
    Ok((lease, owner, space.name, space.monthly_rent_krw))
}

/// The terms of a lease: its recorded history, and the space's listed rent from its start
/// until the first recorded rent (or throughout, when none is recorded).
fn terms_of(lease: &LeaseBody, rows: &[&TermRow], listed: Option<u64>) -> Vec<Term> {
    let mut recorded: Vec<Term> = rows
        .iter()
        .filter_map(|t| {
            Some(Term {
                from: t.from_day.parse().ok()?,
                rent: t.rent,
                deposit: t.deposit,
            })
        })
        .collect();
    let first = recorded.iter().map(|t| t.from).min();
    if let Some(rent) = listed.filter(|_| first.is_none_or(|f| f > lease.starts)) {
        recorded.push(Term {
            from: lease.starts,
            rent: i64::try_from(rent).unwrap_or(i64::MAX),
            deposit: 0,
        });
    }
    recorded
}

/// The most a rent, deposit or payment may be, in won (a typo of many zeros is refused).
pub const MAX_AMOUNT: i64 = 1_000_000_000_000;

fn within(field: &str, amount: i64) -> Result<(), Error> {
    if amount.abs() > MAX_AMOUNT {
        return Err(Error::field(
            field,
            Message::new(Key::AmountTooLarge).arg("max", MAX_AMOUNT),
        ));
    }
    Ok(())
}

/// Records a lease's rent and deposit from a day on (the zone's operator).
pub async fn set_rent(
    state: &Services,
    caller: &Caller,
    lease_id: i64,
    body: RentBody,
) -> Result<RentHistory, Error> {
    let (lease, owner, _, _) = lease_of(state, lease_id).await?;
    access::write_zone_part(caller, &owner)?;
    for (field, v) in [("rent", body.rent), ("deposit", body.deposit)] {
        if v < 0 {
            return Err(Error::field(
                field,
                Message::new(Key::NotPositive).arg("value", v),
            ));
        }
        within(field, v)?;
    }
    if body.from < lease.starts || body.from >= lease.ends {
        return Err(Error::field(
            "from",
            Message::new(Key::RentOutsideLease)
                .arg("starts", lease.starts)
                .arg("last", lease.ends.add_days(-1)),
        ));
    }
    state
        .store
        .add_lease_term(
            &caller.actor(),
            lease_id,
            &body.from.to_string(),
            body.rent,
            body.deposit,
        )
        .await?;
    rent_history(state, caller, lease_id).await
}

/// A lease's rent history: the firm's own, or the keeper's.
pub async fn rent_history(
    state: &Services,
    caller: &Caller,
    lease_id: i64,
) -> Result<RentHistory, Error> {
    let (lease, owner, _, listed) = lease_of(state, lease_id).await?;
    let own = matches!(caller.role(), Some(Role::Firm { firm }) if *firm == lease.firm_id.0);
    if !own {
        access::write_zone_part(caller, &owner)?;
    }
    let rows = state.store.lease_terms(&[lease_id]).await?;
    let terms = if rows.is_empty() {
        terms_of(&lease, &[], listed)
            .into_iter()
            .map(|t| TermView {
                from: t.from.to_string(),
                rent: t.rent,
                deposit: t.deposit,
                recorded_at: None,
            })
            .collect()
    } else {
        rows.into_iter()
            .map(|t| TermView {
                from: t.from_day,
                rent: t.rent,
                deposit: t.deposit,
                recorded_at: Some(t.recorded_at),
            })
            .collect()
    };
    Ok(RentHistory { lease_id, terms })
}

/// Issues a zone's statements of a month that has ended: for each firm with rent or usage that
/// month and no statement yet, numbered in order. The statements issued now.
pub async fn issue(
    state: &Services,
    caller: &Caller,
    body: IssueBody,
) -> Result<Vec<StatementView>, Error> {
    let zone = access::kept_zone(caller, body.zone.as_deref())?;
    let first = parse_month(&body.month).ok_or_else(|| {
        Error::field(
            "month",
            Message::new(Key::NotADate).arg("value", &body.month),
        )
    })?;
    let (_, next) = statement::month_bounds(first);
    if next > state.clock.today() {
        return Err(Error::conflict(
            Message::new(Key::StatementMonthOpen).arg("month", month_text(first)),
        ));
    }
    crate::bookings::sweep(state).await?;
    // Rent: the zone's leases running in the month, with their history.
    let leases = state.store.zone_leases(&zone).await?;
    let spaces: BTreeMap<SpaceId, (String, Option<u64>)> = state
        .store
        .zone_spaces(&zone)
        .await?
        .into_iter()
        .map(|s| (s.id, (s.record.name, s.record.monthly_rent_krw)))
        .collect();
    let ids: Vec<i64> = leases.iter().map(|l| l.id.0).collect();
    let mut all_terms = state.store.lease_terms(&ids).await?;
    // A lease billed on its space's listed rent has that rent recorded as its own from its
    // start, the first time: a later change of the listed rent does not rewrite billed months.
    for l in &leases {
        let billed = l.record.ends > first && l.record.starts < next;
        let recorded = all_terms.iter().any(|t| t.lease_id == l.id.0);
        let listed = spaces.get(&l.record.space_id).and_then(|(_, r)| *r);
        if let (true, false, Some(rent)) = (billed, recorded, listed) {
            all_terms.push(
                state
                    .store
                    .add_lease_term(
                        &caller.actor(),
                        l.id.0,
                        &l.record.starts.to_string(),
                        i64::try_from(rent).unwrap_or(i64::MAX),
                        0,
                    )
                    .await?,
            );
        }
    }
    let mut by_firm: BTreeMap<String, (Vec<Leased>, Vec<Used>)> = BTreeMap::new();
    for l in &leases {
        if l.record.ends <= first || l.record.starts >= next {
            continue;
        }
        let (space, listed) = spaces
            .get(&l.record.space_id)
            .cloned()
            .unwrap_or_else(|| (l.record.space_id.0.to_string(), None));
        let rows: Vec<&TermRow> = all_terms.iter().filter(|t| t.lease_id == l.id.0).collect();
        by_firm
            .entry(l.record.firm_id.0.clone())
            .or_default()
            .0
            .push(Leased {
                lease_id: l.id.0,
                space,
                starts: l.record.starts,
                ends: l.record.ends,
                terms: terms_of(&l.record, &rows, listed),
            });
    }
    // Usage: the month's bookings of the zone's resources that were held (a no-show is billed).
    let resources = state.store.resources_of(Some(&zone), None).await?;
    let mut setups: BTreeMap<String, Resource> = BTreeMap::new();
    for r in &resources {
        if let Ok(setup) = serde_json::from_value::<Resource>(r.body.clone()) {
            setups.insert(r.id.clone(), setup);
        }
    }
    let ids: Vec<String> = setups.keys().cloned().collect();
    let bookings = state
        .store
        .bookings_between(
            &ids,
            first.start_in_korea().as_second(),
            next.start_in_korea().as_second(),
        )
        .await?;
    for b in bookings.iter().filter(|b| {
        ["confirmed", "checked_in", "no_show"].contains(&b.state.as_str())
            && b.starts_at >= first.start_in_korea().as_second()
    }) {
        let name = setups
            .get(&b.resource_id)
            .map_or(b.resource_id.clone(), |s| s.name.clone());
        by_firm.entry(b.firm_id.clone()).or_default().1.push(Used {
            booking_id: b.id,
            resource_id: b.resource_id.clone(),
            resource: name,
            when: format!(
                "{}–{}",
                show(from_seconds(b.starts_at)),
                show(from_seconds(b.ends_at)).get(11..).unwrap_or_default()
            ),
            minutes: (b.ends_at - b.starts_at) / 60,
            tenant: b.applicant == "tenant",
            price: b.price,
            state: b.state.clone(),
        });
    }
    let free: BTreeMap<String, Free> = setups
        .iter()
        .filter(|(_, s)| s.price.tenant_free_hours_month > 0)
        .map(|(id, s)| {
            (
                id.clone(),
                Free {
                    hours: s.price.tenant_free_hours_month,
                    per_use: s.price.per_use,
                },
            )
        })
        .collect();
    let mut new = Vec::new();
    for (firm, (leased, used)) in by_firm {
        let mut lines = rent_lines(first, &leased);
        lines.extend(usage_lines(&used, &free));
        if lines.is_empty() {
            continue;
        }
        let t = totals(&lines);
        new.push(NewStatement {
            firm_id: firm,
            lines: serde_json::to_value(&lines).map_err(Error::internal)?,
            supply: t.supply,
            vat: t.vat,
            total: t.total,
        });
    }
    let written = state
        .store
        .issue_statements(
            &caller.actor(),
            &zone,
            &first.to_string(),
            new,
            i64::from(state.clock.today().year()),
        )
        .await?;
    let mut out = Vec::new();
    for row in written {
        out.push(view(row, Vec::new())?);
    }
    Ok(out)
}

/// Reads a statement: its firm, or the zone's keeper.
async fn readable(state: &Services, caller: &Caller, id: i64) -> Result<StatementRow, Error> {
    let role = caller.require_user()?;
    let row = state
        .store
        .statement(id)
        .await?
        .ok_or_else(|| Error::not_found(Key::NounStatement, &id.to_string()))?;
    if matches!(role, Role::Firm { firm } if *firm == row.firm_id) {
        return Ok(row);
    }
    match access::write_zone_part(caller, &Owner::Zone(row.zone_id.clone())) {
        Ok(()) => Ok(row),
        Err(_) if matches!(role, Role::Firm { .. }) => {
            Err(Error::not_found(Key::NounStatement, &id.to_string()))
        }
        Err(e) => Err(e),
    }
}

pub async fn read(state: &Services, caller: &Caller, id: i64) -> Result<StatementView, Error> {
    let row = readable(state, caller, id).await?;
    full(state, row).await
}

/// A zone's statements of a month (every month when none).
pub async fn of_zone(
    state: &Services,
    caller: &Caller,
    zone: Option<&str>,
    month: Option<&str>,
) -> Result<Vec<StatementView>, Error> {
    let zone = access::kept_zone(caller, zone)?;
    let month = match month.filter(|m| !m.is_empty()) {
        Some(m) => Some(
            parse_month(m)
                .ok_or_else(|| Error::field("month", Message::new(Key::NotADate).arg("value", m)))?
                .to_string(),
        ),
        None => None,
    };
    let mut out = Vec::new();
    for row in state
        .store
        .statements_of_zone(&zone, month.as_deref())
        .await?
    {
        out.push(full(state, row).await?);
    }
    Ok(out)
}

/// The caller firm's statements, newest first.
pub async fn mine(state: &Services, caller: &Caller) -> Result<Vec<StatementView>, Error> {
    let firm = match caller.require_user()? {
        Role::Firm { firm } => firm.clone(),
        _ => return Err(Error::forbidden_because(Key::BookingNoFirm)),
    };
    let mut out = Vec::new();
    for row in state.store.statements_of_firm(&firm).await? {
        out.push(full(state, row).await?);
    }
    Ok(out)
}

/// Reverses a statement by a credit note, numbered next in the zone's year of issue.
pub async fn credit(
    state: &Services,
    caller: &Caller,
    id: i64,
    body: CreditBody,
) -> Result<StatementView, Error> {
    let row = readable(state, caller, id).await?;
    access::write_zone_part(caller, &Owner::Zone(row.zone_id.clone()))?;
    if body.reason.trim().is_empty() {
        return Err(Error::field("reason", Message::new(Key::AwardRequired)));
    }
    let lines: Vec<Line> = serde_json::from_value(row.lines.clone()).map_err(Error::internal)?;
    let reversed = credit_lines(&lines);
    let t = totals(&reversed);
    let written = state
        .store
        .credit_statement(
            &caller.actor(),
            id,
            NewStatement {
                firm_id: row.firm_id.clone(),
                lines: serde_json::to_value(&reversed).map_err(Error::internal)?,
                supply: t.supply,
                vat: t.vat,
                total: t.total,
            },
            body.reason.trim(),
            i64::from(state.clock.today().year()),
        )
        .await?
        .ok_or_else(|| {
            Error::conflict(Message::new(Key::StatementCredited).arg("number", &row.number))
        })?;
    view(written, Vec::new())
}

/// Records a payment received for a statement (the keeper; no payment gateway).
pub async fn pay(
    state: &Services,
    caller: &Caller,
    id: i64,
    body: PaymentBody,
) -> Result<StatementView, Error> {
    let row = readable(state, caller, id).await?;
    access::write_zone_part(caller, &Owner::Zone(row.zone_id.clone()))?;
    if body.amount <= 0 {
        return Err(Error::field("amount", Message::new(Key::AwardPositive)));
    }
    within("amount", body.amount)?;
    if body.paid_on > state.clock.today() {
        return Err(Error::field(
            "paid_on",
            Message::new(Key::PaidInFuture).arg("day", body.paid_on),
        ));
    }
    state
        .store
        .record_payment(
            &caller.actor(),
            id,
            body.amount,
            &body.paid_on.to_string(),
            body.note.trim(),
        )
        .await?;
    full(state, row).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(t: &str) -> Date {
        t.parse().expect("date")
    }

    #[test]
    fn the_listed_rent_runs_until_the_first_recorded_one() {
        let lease: LeaseBody = serde_json::from_value(serde_json::json!({
            "space_id": 1, "firm_id": "F", "starts": "2026-01-01", "ends": "2027-01-01"
        }))
        .expect("lease");
        let raise = TermRow {
            lease_id: 1,
            from_day: "2026-07-15".into(),
            rent: 600_000,
            deposit: 0,
            recorded_at: String::new(),
        };
        let terms = terms_of(&lease, &[&raise], Some(500_000));
        let mut got: Vec<(String, i64)> =
            terms.iter().map(|t| (t.from.to_string(), t.rent)).collect();
        got.sort();
        assert_eq!(
            got,
            [
                ("2026-01-01".to_string(), 500_000),
                ("2026-07-15".to_string(), 600_000)
            ]
        );
        // July: 14 days at 500,000/31, 17 at 600,000/31.
        let leased = Leased {
            lease_id: 1,
            space: "101".into(),
            starts: lease.starts,
            ends: lease.ends,
            terms,
        };
        let amounts: Vec<i64> = rent_lines(d("2026-07-01"), &[leased])
            .iter()
            .map(|l| l.amount)
            .collect();
        assert_eq!(amounts, [225_806, 329_032]);
        // A history from the lease's start replaces the listed rent.
        let from_start = TermRow {
            from_day: "2026-01-01".into(),
            ..raise
        };
        assert_eq!(terms_of(&lease, &[&from_start], Some(500_000)).len(), 1);
    }
}
