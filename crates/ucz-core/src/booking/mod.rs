//! Booking the zone's shared resources (rooms, equipment, desks, mentors' office hours): what a
//! resource is, the rules by kind of applicant and time window, the check of a booking against
//! them, weekly series, and iCalendar feeds. Pure: the service hands in the stored bookings,
//! closures and trainings; the store enforces that no two bookings hold one resource at once.
//!
//! Times are civil times in Korea (Asia/Seoul, no daylight saving); the store keeps them as Unix
//! seconds so that overlaps are integer comparisons on both databases.

pub mod check;
pub mod holiday;
pub mod ical;
pub mod series;

use jiff::civil::{DateTime, Time};
use jiff::{Timestamp, tz::TimeZone};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::date::Date;
use crate::message::{Key, Message};
use crate::record::FieldProblem;

pub use check::{Ask, Context, Refusal};
pub use holiday::{Closure, Holidays};

/// What is booked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    Room,
    Equipment,
    Desk,
    /// A mentor's office hours.
    Mentor,
}

/// What a firm is to the resource's zone (or hub): its tenant (the firm's zone is the
/// resource's), a firm of its region (시·도), or anyone. A tenant is also of the region.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Applicant {
    Tenant,
    Region,
    Anyone,
}

impl Applicant {
    /// Whether a rule set written for `kind` applies to this applicant.
    pub fn within(self, kind: Applicant) -> bool {
        self <= kind
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Applicant::Tenant => "tenant",
            Applicant::Region => "region",
            Applicant::Anyone => "anyone",
        }
    }
}

/// A resource as its operator sets it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Resource {
    /// Lower case letters, digits, `-` and `_`; unique in ucz (`daejeon-3dp-1`).
    pub id: String,
    pub name: String,
    pub kind: ResourceKind,
    /// The facility it is in (a zone's), or else the hub.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facility_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hub_id: Option<String>,
    /// Resources booked with this one, all or nothing (a room's projector).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub with: Vec<String>,
    /// The training or certification a firm must hold first (`3d_printer_safety`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub training: Option<String>,
    /// Bookings wait for the operator's approval (else they are confirmed at once).
    #[serde(default)]
    pub approval: bool,
    /// Minutes after the start a booking not checked in is a no-show and the slot is freed.
    #[serde(default = "default_grace")]
    pub grace_minutes: u32,
    #[serde(default)]
    pub price: Price,
    /// The rules by kind of applicant and time window; the most specific that applies is used.
    pub rules: Vec<RuleSet>,
}

fn default_grace() -> u32 {
    15
}

/// What a booking costs, in won (VAT excluded).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Price {
    #[serde(default)]
    pub tenant_per_hour: i64,
    #[serde(default)]
    pub other_per_hour: i64,
    /// Charged once per booking on top of the hours (a test chamber's set-up).
    #[serde(default)]
    pub per_use: i64,
    /// Hours a tenant books free each month before the hourly price applies.
    #[serde(default)]
    pub tenant_free_hours_month: i64,
}

impl Price {
    /// The price of `minutes` for `applicant`, before free hours.
    pub fn of(&self, applicant: Applicant, minutes: i64) -> i64 {
        let hourly = match applicant {
            Applicant::Tenant => self.tenant_per_hour,
            _ => self.other_per_hour,
        };
        self.per_use
            .saturating_add(hourly.saturating_mul(minutes) / 60)
    }
}

/// The rules of a resource for one kind of applicant in one time window.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleSet {
    pub applies_to: Applicant,
    /// The first day the rules hold; none for always.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Date>,
    /// The last day the rules hold; none for always.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<Date>,
    /// Opening hours by weekday.
    pub hours: Vec<Opening>,
    #[serde(default = "yes")]
    pub closed_on_holidays: bool,
    /// Bookings start and end on this grid, in minutes from midnight.
    #[serde(default = "default_slot")]
    pub slot_minutes: u32,
    #[serde(default = "default_slot")]
    pub min_minutes: u32,
    #[serde(default = "default_max")]
    pub max_minutes: u32,
    /// Hours ahead a booking must be made.
    #[serde(default)]
    pub notice_hours: u32,
    /// Days ahead a booking may be made.
    #[serde(default = "default_horizon")]
    pub horizon_days: u32,
    /// Minutes kept free after each booking (cleaning, cooling down).
    #[serde(default)]
    pub buffer_minutes: u32,
    /// Minutes one firm may hold in a week (Monday to Sunday).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota_week_minutes: Option<u32>,
    /// Minutes one firm may hold in a calendar month.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota_month_minutes: Option<u32>,
}

fn yes() -> bool {
    true
}
fn default_slot() -> u32 {
    30
}
fn default_max() -> u32 {
    480
}
fn default_horizon() -> u32 {
    60
}

/// Opening hours on some weekdays: `days` as `mon`…`sun`, times as `HH:MM`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Opening {
    pub days: Vec<String>,
    pub open: String,
    pub close: String,
}

const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// A weekday's number (Monday 1) from its short English name.
pub fn weekday(name: &str) -> Option<i8> {
    WEEKDAYS
        .iter()
        .position(|d| *d == name)
        .map(|i| i as i8 + 1)
}

/// `HH:MM` (to `24:00`) as minutes from midnight.
pub fn minutes_of(text: &str) -> Option<u32> {
    let (h, m) = text.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (m < 60 && (h < 24 || (h == 24 && m == 0))).then_some(h * 60 + m)
}

impl Opening {
    /// The open minutes of a weekday, if it opens that day.
    pub fn on(&self, weekday_number: i8) -> Option<(u32, u32)> {
        let day = WEEKDAYS[(weekday_number - 1).clamp(0, 6) as usize];
        if !self.days.iter().any(|d| d == day) {
            return None;
        }
        Some((minutes_of(&self.open)?, minutes_of(&self.close)?))
    }
}

impl RuleSet {
    /// Whether the rules hold on `day`.
    pub fn holds_on(&self, day: Date) -> bool {
        self.from.is_none_or(|f| f <= day) && self.until.is_none_or(|u| day <= u)
    }

    fn problems(&self, at: &str, out: &mut Vec<FieldProblem>) {
        let mut push = |field: &str, message: Message| {
            out.push(FieldProblem::new(format!("{at}.{field}"), message))
        };
        if self.hours.is_empty() {
            push("hours", Message::new(Key::AwardRequired));
        }
        for (i, o) in self.hours.iter().enumerate() {
            for d in &o.days {
                if weekday(d).is_none() {
                    push(
                        &format!("hours[{i}].days"),
                        Message::new(Key::BookingBadWeekday).arg("value", d),
                    );
                }
            }
            match (minutes_of(&o.open), minutes_of(&o.close)) {
                (Some(open), Some(close)) if open < close => {}
                (Some(_), Some(_)) => push(
                    &format!("hours[{i}].close"),
                    Message::new(Key::BookingCloseBeforeOpen),
                ),
                (None, _) => push(
                    &format!("hours[{i}].open"),
                    Message::new(Key::BookingBadTime).arg("value", &o.open),
                ),
                (_, None) => push(
                    &format!("hours[{i}].close"),
                    Message::new(Key::BookingBadTime).arg("value", &o.close),
                ),
            }
        }
        if self.slot_minutes == 0 || 1440 % self.slot_minutes != 0 {
            push(
                "slot_minutes",
                Message::new(Key::BookingSlotDividesDay).arg("value", self.slot_minutes),
            );
        } else {
            // Bookings start and end on the slot grid counted from midnight: so must the hours.
            for (i, o) in self.hours.iter().enumerate() {
                for (field, time) in [("open", &o.open), ("close", &o.close)] {
                    if minutes_of(time).is_some_and(|m| m % self.slot_minutes != 0) {
                        push(
                            &format!("hours[{i}].{field}"),
                            Message::new(Key::BookingOffGrid)
                                .arg("value", time)
                                .arg("slot", self.slot_minutes),
                        );
                    }
                }
            }
        }
        if self.buffer_minutes > 1440 {
            push("buffer_minutes", Message::new(Key::BookingBufferTooLong));
        }
        if self.min_minutes == 0 {
            push("min_minutes", Message::new(Key::AwardPositive));
        }
        if self.max_minutes < self.min_minutes {
            push(
                "max_minutes",
                Message::new(Key::BookingMaxUnderMin).arg("min", self.min_minutes),
            );
        }
        if self.horizon_days == 0 {
            push("horizon_days", Message::new(Key::AwardPositive));
        }
        if let (Some(f), Some(u)) = (self.from, self.until) {
            if u < f {
                push("until", Message::new(Key::BookingUntilBeforeFrom));
            }
        }
    }
}

impl Resource {
    /// Every problem of the setup, by field.
    pub fn problems(&self) -> Vec<FieldProblem> {
        let mut out = Vec::new();
        if !is_resource_id(&self.id) {
            out.push(FieldProblem::new(
                "id",
                Message::new(Key::BookingBadResourceId).arg("value", &self.id),
            ));
        }
        if self.name.trim().is_empty() {
            out.push(FieldProblem::new("name", Message::new(Key::AwardRequired)));
        }
        if self.facility_id.is_some() == self.hub_id.is_some() {
            out.push(FieldProblem::new(
                "facility_id",
                Message::new(Key::BookingFacilityOrHub),
            ));
        }
        for (i, w) in self.with.iter().enumerate() {
            if w == &self.id || !is_resource_id(w) || self.with[..i].contains(w) {
                out.push(FieldProblem::new(
                    format!("with[{i}]"),
                    Message::new(Key::BookingBadResourceId).arg("value", w),
                ));
            }
        }
        if self.rules.is_empty() {
            out.push(FieldProblem::new("rules", Message::new(Key::AwardRequired)));
        }
        for (i, r) in self.rules.iter().enumerate() {
            r.problems(&format!("rules[{i}]"), &mut out);
        }
        let p = &self.price;
        for (field, v) in [
            ("price.tenant_per_hour", p.tenant_per_hour),
            ("price.other_per_hour", p.other_per_hour),
            ("price.per_use", p.per_use),
            ("price.tenant_free_hours_month", p.tenant_free_hours_month),
        ] {
            if v < 0 {
                out.push(FieldProblem::new(
                    field,
                    Message::new(Key::NotPositive).arg("value", v),
                ));
            } else if v > MAX_PRICE {
                out.push(FieldProblem::new(
                    field,
                    Message::new(Key::ImplausiblyLarge),
                ));
            }
        }
        out
    }

    /// The rules for `applicant` on `day`: of the rule sets holding that day and applying to
    /// the applicant, the most specific kind (tenant before region before anyone); the first
    /// written among equals.
    pub fn rules_for(&self, applicant: Applicant, day: Date) -> Option<&RuleSet> {
        self.rules
            .iter()
            .filter(|r| applicant.within(r.applies_to) && r.holds_on(day))
            .min_by_key(|r| r.applies_to)
    }
}

/// The most any price of a resource may be, in won (a typo of many zeros is refused).
pub const MAX_PRICE: i64 = 100_000_000;

/// A resource id: 1 to 64 of `a-z`, `0-9`, `-`, `_`, starting with a letter.
pub fn is_resource_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id.starts_with(|c: char| c.is_ascii_lowercase())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// Korea's time zone.
pub fn seoul() -> &'static TimeZone {
    crate::date::seoul()
}

/// A civil time in Korea as a moment.
pub fn moment(at: DateTime) -> Timestamp {
    at.to_zoned(seoul().clone())
        .map_or(Timestamp::UNIX_EPOCH, |z| z.timestamp())
}

/// A moment as the civil time in Korea.
pub fn civil(at: Timestamp) -> DateTime {
    seoul().to_datetime(at)
}

/// A moment as Unix seconds, what the store keeps.
pub fn seconds(at: DateTime) -> i64 {
    moment(at).as_second()
}

/// Unix seconds as the civil time in Korea.
pub fn from_seconds(s: i64) -> DateTime {
    civil(Timestamp::from_second(s).unwrap_or(Timestamp::UNIX_EPOCH))
}

/// A time as people and the API write it: `2026-12-07T10:00` (Korea), or with an offset
/// (`2026-12-07T01:00:00Z`, `…+09:00`).
pub fn parse_time(text: &str) -> Option<DateTime> {
    let text = text.trim();
    if let Ok(t) = text.parse::<Timestamp>() {
        return Some(civil(t));
    }
    if text.contains('[') {
        return None;
    }
    let at: DateTime = text.parse().ok()?;
    Date::of_civil(at.date())?;
    Some(at)
}

/// `2026-12-07 10:00`, how a booking's time is shown.
pub fn show(at: DateTime) -> String {
    at.strftime("%Y-%m-%d %H:%M").to_string()
}

/// `2026-12-07T10:00`, how the API writes a booking's time.
pub fn write(at: DateTime) -> String {
    at.strftime("%Y-%m-%dT%H:%M").to_string()
}

/// The minutes from midnight of a civil time.
pub fn minute_of_day(at: DateTime) -> u32 {
    let t: Time = at.time();
    t.hour() as u32 * 60 + t.minute() as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn room() -> Resource {
        serde_json::from_value(serde_json::json!({
            "id": "room-a", "name": "세미나실 A", "kind": "room", "facility_id": 1,
            "rules": [
                {"applies_to": "anyone", "hours": [{"days": ["mon","tue","wed","thu","fri"], "open": "09:00", "close": "18:00"}]},
                {"applies_to": "tenant", "hours": [{"days": ["mon","tue","wed","thu","fri","sat"], "open": "08:00", "close": "22:00"}]}
            ]
        }))
        .expect("a resource")
    }

    #[test]
    fn the_most_specific_rules_apply() {
        let r = room();
        let day: Date = "2026-12-07".parse().expect("date");
        assert_eq!(
            r.rules_for(Applicant::Tenant, day).map(|r| r.applies_to),
            Some(Applicant::Tenant)
        );
        assert_eq!(
            r.rules_for(Applicant::Region, day).map(|r| r.applies_to),
            Some(Applicant::Anyone)
        );
        let mut only_tenants = r.clone();
        only_tenants.rules.remove(0);
        assert!(only_tenants.rules_for(Applicant::Anyone, day).is_none());
    }

    #[test]
    fn a_setup_says_every_problem_by_field() {
        let mut r = room();
        r.id = "Room A".into();
        r.hub_id = Some("h".into());
        r.rules[0].hours[0].days.push("monday".into());
        r.rules[0].hours[0].close = "08:00".into();
        r.rules[1].slot_minutes = 7;
        r.rules[1].max_minutes = 10;
        r.price.per_use = -1;
        r.with = vec!["projector".into(), "projector".into()];
        r.rules[0].buffer_minutes = 2000;
        let fields: Vec<String> = r.problems().into_iter().map(|p| p.field).collect();
        assert_eq!(
            fields,
            [
                "id",
                "facility_id",
                "with[1]",
                "rules[0].hours[0].days",
                "rules[0].hours[0].close",
                "rules[0].buffer_minutes",
                "rules[1].slot_minutes",
                "rules[1].max_minutes",
                "price.per_use"
            ]
        );
        assert!(room().problems().is_empty());
    }

    #[test]
    fn times_read_in_korea() {
        let a = parse_time("2026-12-07T10:00").expect("a civil time");
        let b = parse_time("2026-12-07T01:00:00Z").expect("a moment");
        assert_eq!(a, b);
        assert_eq!(write(a), "2026-12-07T10:00");
        assert_eq!(from_seconds(seconds(a)), a);
        assert!(parse_time("2026-13-07T10:00").is_none());
        assert!(parse_time("tomorrow").is_none());
        assert_eq!(minutes_of("24:00"), Some(1440));
        assert_eq!(minutes_of("9:00"), None);
        assert_eq!(minutes_of("12:60"), None);
    }
}
