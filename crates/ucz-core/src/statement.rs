//! Monthly statements of a zone to a firm: rent of its leases (by the days of the month each
//! rent applied), usage of the shared resources it booked (a tenant's free hours deducted), and
//! VAT at 10% of the statement's supply total, rounded down to the won. Issued statements are
//! never edited: a credit note reverses one. These are statements, not legal electronic tax
//! invoices (전자세금계산서), which the operator's accounting system issues.
//!
//! Pure: the service hands in the leases with their rent history and the month's bookings.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::date::Date;

/// A rent and deposit from a day on (a lease's history of changes).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Term {
    /// The first day the rent applies.
    pub from: Date,
    /// Won a month, VAT excluded.
    pub rent: i64,
    /// Won held, not billed.
    pub deposit: i64,
}

/// A lease as a statement reads it.
#[derive(Clone, Debug)]
pub struct Leased {
    pub lease_id: i64,
    pub space: String,
    pub starts: Date,
    /// The first day after the lease.
    pub ends: Date,
    pub terms: Vec<Term>,
}

/// A booking as a statement reads it.
#[derive(Clone, Debug)]
pub struct Used {
    pub booking_id: i64,
    pub resource_id: String,
    pub resource: String,
    /// `2026-07-01 10:00–11:00`.
    pub when: String,
    pub minutes: i64,
    pub tenant: bool,
    /// What the booking cost when made (hours and per use), won.
    pub price: i64,
    /// `confirmed`, `checked_in`, `no_show`.
    pub state: String,
}

/// A resource's free hours for tenants, and the price per use its bookings' prices include.
#[derive(Clone, Debug)]
pub struct Free {
    pub hours: i64,
    pub per_use: i64,
}

/// What a line is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    Rent,
    Usage,
    FreeHours,
}

/// One line of a statement; amounts in won, VAT excluded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Line {
    pub kind: LineKind,
    pub description: String,
    /// Days of rent, or minutes of use.
    pub quantity: i64,
    pub amount: i64,
    /// The lease or booking (`lease:12`, `booking:40`, `resource:dj-seminar-a`).
    pub reference: String,
}

/// A statement's totals: VAT is 10% of the supply total, rounded down to the won (a credit
/// note's, toward zero).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Totals {
    pub supply: i64,
    pub vat: i64,
    pub total: i64,
}

pub fn totals(lines: &[Line]) -> Totals {
    let supply: i64 = lines.iter().map(|l| l.amount).sum();
    let vat = supply / 10;
    Totals {
        supply,
        vat,
        total: supply + vat,
    }
}

/// The first day of `month`'s month and of the next.
pub fn month_bounds(month: Date) -> (Date, Date) {
    let first = Date::new(month.year(), month.month(), 1).unwrap_or(month);
    (first, first.add_months(1))
}

/// `2026-07` as the month's first day.
pub fn parse_month(text: &str) -> Option<Date> {
    let (y, m) = text.trim().split_once('-')?;
    if y.len() != 4 || m.len() != 2 {
        return None;
    }
    Date::new(y.parse().ok()?, m.parse().ok()?, 1)
}

/// Rent lines of the month: for each lease and each rent in force during it, the days of the
/// month the lease ran under that rent, at the month's rent × days / days in the month.
pub fn rent_lines(month: Date, leases: &[Leased]) -> Vec<Line> {
    let (first, next) = month_bounds(month);
    let days_in_month = first.days_until(next);
    let mut out = Vec::new();
    for lease in leases {
        let mut terms = lease.terms.clone();
        terms.sort_by_key(|t| t.from);
        for (i, term) in terms.iter().enumerate() {
            let until = terms.get(i + 1).map_or(next, |t| t.from);
            let from = term.from.max(lease.starts).max(first);
            let to = until.min(lease.ends).min(next);
            let days = from.days_until(to);
            if days <= 0 || term.rent == 0 {
                continue;
            }
            out.push(Line {
                kind: LineKind::Rent,
                description: format!("{} 임대료 {from}–{}", lease.space, to.add_days(-1)),
                quantity: days,
                amount: term.rent.saturating_mul(days) / days_in_month,
                reference: format!("lease:{}", lease.lease_id),
            });
        }
    }
    out
}

/// Usage lines: each booking at its price; then, per resource, a tenant's free hours deducted
/// from its tenant bookings of the month in the order they were held: the hours' part of each
/// booking's own price (its price less the price per use), for the minutes the free hours
/// cover — never more than the bookings were charged.
pub fn usage_lines(bookings: &[Used], free: &BTreeMap<String, Free>) -> Vec<Line> {
    let mut out = Vec::new();
    // Per resource: free minutes covered and the amount they are worth.
    let mut freed: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    for b in bookings {
        out.push(Line {
            kind: LineKind::Usage,
            description: format!(
                "{} {}{}",
                b.resource,
                b.when,
                if b.state == "no_show" {
                    " (노쇼)"
                } else {
                    ""
                }
            ),
            quantity: b.minutes,
            amount: b.price,
            reference: format!("booking:{}", b.booking_id),
        });
        let Some(f) = free
            .get(&b.resource_id)
            .filter(|_| b.tenant && b.minutes > 0)
        else {
            continue;
        };
        let (minutes, amount) = freed.entry(&b.resource_id).or_default();
        let covered = (f.hours.saturating_mul(60) - *minutes).clamp(0, b.minutes);
        let hours_part = (b.price - f.per_use).max(0);
        *minutes += covered;
        *amount += hours_part.saturating_mul(covered) / b.minutes;
    }
    for (resource, (minutes, amount)) in freed {
        if amount > 0 {
            out.push(Line {
                kind: LineKind::FreeHours,
                description: format!("{resource} 입주기업 무료 이용 {minutes}분"),
                quantity: minutes,
                amount: -amount,
                reference: format!("resource:{resource}"),
            });
        }
    }
    out
}

/// A credit note's lines: the statement's, negated.
pub fn credit_lines(lines: &[Line]) -> Vec<Line> {
    lines
        .iter()
        .map(|l| Line {
            amount: -l.amount,
            ..l.clone()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(t: &str) -> Date {
        t.parse().expect("date")
    }

    #[test]
    fn rent_is_prorated_by_the_days_of_each_rent() {
        let lease = Leased {
            lease_id: 7,
            space: "창업보육실 301".into(),
            starts: d("2026-07-11"),
            ends: d("2027-07-11"),
            terms: vec![
                Term {
                    from: d("2026-07-11"),
                    rent: 310_000,
                    deposit: 1_000_000,
                },
                Term {
                    from: d("2026-07-21"),
                    rent: 620_000,
                    deposit: 1_000_000,
                },
            ],
        };
        let lines = rent_lines(d("2026-07-01"), std::slice::from_ref(&lease));
        let got: Vec<(i64, i64)> = lines.iter().map(|l| (l.quantity, l.amount)).collect();
        // 10 days at 310,000/31 and 11 days at 620,000/31.
        assert_eq!(got, [(10, 100_000), (11, 220_000)]);
        // A whole month under the second rent.
        let august = rent_lines(d("2026-08-01"), std::slice::from_ref(&lease));
        assert_eq!(august[0].amount, 620_000);
        // Before the lease: nothing.
        assert!(rent_lines(d("2026-06-01"), &[lease]).is_empty());
    }

    #[test]
    fn free_hours_are_deducted_from_what_was_charged() {
        let used = |id, minutes, price| Used {
            booking_id: id,
            resource_id: "room".into(),
            resource: "세미나실".into(),
            when: String::new(),
            minutes,
            tenant: true,
            price,
            state: "confirmed".into(),
        };
        // Booked at 10,000 an hour with 5,000 per use; the free 2 hours cover the first
        // booking and half of the second: 10,000 + 10,000 of their hours' parts.
        let free = BTreeMap::from([(
            "room".to_string(),
            Free {
                hours: 2,
                per_use: 5_000,
            },
        )]);
        let lines = usage_lines(&[used(1, 60, 15_000), used(2, 120, 25_000)], &free);
        assert_eq!(
            lines.last().map(|l| (l.quantity, l.amount)),
            Some((120, -20_000))
        );
        // Three 20-minute bookings charged 333 each never get more than 999 back.
        let free = BTreeMap::from([(
            "room".to_string(),
            Free {
                hours: 1,
                per_use: 0,
            },
        )]);
        let lines = usage_lines(
            &[used(1, 20, 333), used(2, 20, 333), used(3, 20, 333)],
            &free,
        );
        assert_eq!(lines.last().map(|l| l.amount), Some(-999));
    }

    #[test]
    fn free_hours_and_vat_rounded_down() {
        let used = |id, minutes, price, tenant| Used {
            booking_id: id,
            resource_id: "room".into(),
            resource: "세미나실".into(),
            when: "2026-07-01 10:00".into(),
            minutes,
            tenant,
            price,
            state: "confirmed".into(),
        };
        let free = BTreeMap::from([(
            "room".to_string(),
            Free {
                hours: 2,
                per_use: 0,
            },
        )]);
        let lines = usage_lines(
            &[
                used(1, 90, 15_000, true),
                used(2, 60, 10_000, true),
                used(3, 60, 20_000, false),
            ],
            &free,
        );
        assert_eq!(
            lines.last().map(|l| (l.quantity, l.amount)),
            Some((120, -20_000))
        );
        let t = totals(&lines);
        assert_eq!(t.supply, 25_000);
        assert_eq!(t.vat, 2_500);
        let odd = [Line {
            kind: LineKind::Usage,
            description: String::new(),
            quantity: 1,
            amount: 12_345,
            reference: String::new(),
        }];
        assert_eq!(
            totals(&odd),
            Totals {
                supply: 12_345,
                vat: 1_234,
                total: 13_579
            }
        );
        let credit = totals(&credit_lines(&odd));
        assert_eq!(
            credit,
            Totals {
                supply: -12_345,
                vat: -1_234,
                total: -13_579
            }
        );
    }

    #[test]
    fn months_read_as_written() {
        assert_eq!(parse_month("2026-07"), Some(d("2026-07-01")));
        assert_eq!(parse_month("2026-7"), None);
        assert_eq!(parse_month("2026-13"), None);
        assert_eq!(month_bounds(d("2026-12-15")).1, d("2027-01-01"));
    }
}
