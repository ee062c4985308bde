//! Housing stock: the units of a zone's housing facilities, and a household's tenancy of one.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::date::Date;
use crate::message::{Key, Message};
use crate::record::FieldProblem;

/// A unit of worker housing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Unit {
    /// `dj-h1-0101`: lowercase letters, digits, `-` and `_`.
    pub id: String,
    /// The facility's name (a building of the zone's living function).
    pub facility: String,
    /// The type rounds offer and applicants ask for (`studio`, `two_room`).
    pub unit_type: String,
    /// Exclusive area in square metres.
    pub area_m2: f64,
    pub rooms: u32,
    /// Monthly rent in won.
    pub rent: i64,
    /// Deposit in won.
    pub deposit: i64,
    /// Barrier-free (wheelchair accessible).
    #[serde(default)]
    pub accessible: bool,
    /// The first day the unit can be lived in.
    pub available_from: Date,
}

const MAX_WON: i64 = 10_000_000_000;

/// `studio`, `two_room`: what rounds, tiers and quotas name.
pub fn is_code(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 40
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

impl Unit {
    /// Every problem of the unit, by field.
    pub fn problems(&self) -> Vec<FieldProblem> {
        let mut out = Vec::new();
        if !crate::booking::is_resource_id(&self.id) {
            out.push(FieldProblem::new(
                "id",
                Message::new(Key::BookingBadResourceId).arg("value", &self.id),
            ));
        }
        if self.facility.trim().is_empty() {
            out.push(FieldProblem::new("facility", Key::AwardRequired));
        }
        if !is_code(&self.unit_type) {
            out.push(FieldProblem::new(
                "unit_type",
                Message::new(Key::HousingBadCode).arg("value", &self.unit_type),
            ));
        }
        if !(self.area_m2.is_finite() && (5.0..=400.0).contains(&self.area_m2)) {
            out.push(FieldProblem::new(
                "area_m2",
                Message::new(Key::OutOfRange)
                    .arg("value", self.area_m2)
                    .arg("min", 5)
                    .arg("max", 400),
            ));
        }
        if !(1..=10).contains(&self.rooms) {
            out.push(FieldProblem::new(
                "rooms",
                Message::new(Key::OutOfRange)
                    .arg("value", self.rooms)
                    .arg("min", 1)
                    .arg("max", 10),
            ));
        }
        for (field, v) in [("rent", self.rent), ("deposit", self.deposit)] {
            if v < 0 {
                out.push(FieldProblem::new(
                    field,
                    Message::new(Key::NotPositive).arg("value", v),
                ));
            } else if v > MAX_WON {
                out.push(FieldProblem::new(field, Key::ImplausiblyLarge));
            }
        }
        out
    }
}

/// A household's contract for a unit: `[starts_on, ends_on]`, both days lived in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Term {
    pub starts_on: Date,
    pub ends_on: Date,
}

impl Term {
    /// A term of `months` from `starts_on` (its last day the day before the same date).
    pub fn of_months(starts_on: Date, months: u32) -> Term {
        let months = i32::try_from(months).unwrap_or(i32::MAX);
        Term {
            starts_on,
            ends_on: starts_on.add_months(months).add_days(-1),
        }
    }

    /// The days as the store's range: `[first, after_last)` in days since 1970-01-01.
    pub fn day_range(&self) -> (i64, i64) {
        (
            self.starts_on.days_since_epoch(),
            self.ends_on.days_since_epoch() + 1,
        )
    }

    /// Whether the two terms share a day.
    pub fn overlaps(&self, other: &Term) -> bool {
        self.starts_on <= other.ends_on && other.starts_on <= self.ends_on
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> Date {
        text.parse().expect("date")
    }

    #[test]
    fn a_unit_reports_each_bad_field() {
        let unit = Unit {
            id: "Bad Id".into(),
            facility: " ".into(),
            unit_type: "Two Room".into(),
            area_m2: f64::NAN,
            rooms: 0,
            rent: -1,
            deposit: MAX_WON + 1,
            accessible: false,
            available_from: date("2026-07-01"),
        };
        let fields: Vec<String> = unit.problems().into_iter().map(|p| p.field).collect();
        assert_eq!(
            fields,
            [
                "id",
                "facility",
                "unit_type",
                "area_m2",
                "rooms",
                "rent",
                "deposit"
            ]
        );
    }

    #[test]
    fn terms_count_months_and_share_days() {
        let term = Term::of_months(date("2026-09-01"), 24);
        assert_eq!(term.ends_on, date("2028-08-31"));
        let next = Term::of_months(date("2028-09-01"), 24);
        assert!(!term.overlaps(&next));
        let early = Term::of_months(date("2028-08-31"), 1);
        assert!(term.overlaps(&early) && early.overlaps(&term));
        let (from, until) = term.day_range();
        assert_eq!(until - from, 731);
    }
}
