//! The check of one booking against its resource's rules: each rule kind that refuses says so,
//! named (`hours`, `holiday`, `quota_week`, …) with its reason in both languages. Overlaps with
//! other bookings are the store's to refuse: only it sees every booking at the moment of writing.

use jiff::Timestamp;
use jiff::civil::DateTime;

use super::{Applicant, Closure, Holidays, Resource, minute_of_day, moment};
use crate::date::Date;
use crate::message::{Key, Message};

/// A booking asked for: from `start` to `end`, civil times in Korea.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ask {
    pub start: DateTime,
    pub end: DateTime,
}

impl Ask {
    pub fn minutes(&self) -> i64 {
        (moment(self.end).as_second() - moment(self.start).as_second()) / 60
    }

    /// The day the booking starts on.
    pub fn day(&self) -> Date {
        Date::of_civil(self.start.date()).unwrap_or_else(|| Date::in_korea(Timestamp::UNIX_EPOCH))
    }
}

/// What the check needs besides the resource and the ask.
#[derive(Clone, Debug)]
pub struct Context<'a> {
    pub applicant: Applicant,
    pub now: Timestamp,
    pub holidays: &'a Holidays,
    /// Closures of the resource's zone or hub (the check picks the resource's).
    pub closures: &'a [Closure],
    /// Minutes the firm already holds of the resource in the ask's week (Monday to Sunday) and
    /// calendar month.
    pub used_week: i64,
    pub used_month: i64,
    /// Whether the firm holds the resource's training.
    pub trained: bool,
}

/// Why a booking is refused, one rule at a time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// No rule set of the resource admits this kind of applicant on that day.
    NotAllowed {
        applicant: Applicant,
    },
    /// The end is not after the start.
    Order,
    /// The start has passed.
    Past,
    /// Outside the opening hours of the day (`open` lists them, empty when closed that day).
    Hours {
        open: String,
    },
    Holiday {
        name_ko: String,
        name_en: String,
    },
    Closure {
        reason: String,
    },
    /// Start or end off the slot grid.
    Grid {
        slot: u32,
    },
    TooShort {
        min: u32,
    },
    TooLong {
        max: u32,
    },
    Notice {
        hours: u32,
    },
    Horizon {
        days: u32,
    },
    QuotaWeek {
        quota: u32,
        used: i64,
    },
    QuotaMonth {
        quota: u32,
        used: i64,
    },
    Training {
        name: String,
    },
}

impl Refusal {
    /// The rule's name, as the API reports it.
    pub fn rule(&self) -> &'static str {
        match self {
            Refusal::NotAllowed { .. } => "applicant",
            Refusal::Order => "order",
            Refusal::Past => "past",
            Refusal::Hours { .. } => "hours",
            Refusal::Holiday { .. } => "holiday",
            Refusal::Closure { .. } => "closure",
            Refusal::Grid { .. } => "slot",
            Refusal::TooShort { .. } => "min_minutes",
            Refusal::TooLong { .. } => "max_minutes",
            Refusal::Notice { .. } => "notice",
            Refusal::Horizon { .. } => "horizon",
            Refusal::QuotaWeek { .. } => "quota_week",
            Refusal::QuotaMonth { .. } => "quota_month",
            Refusal::Training { .. } => "training",
        }
    }

    pub fn message(&self) -> Message {
        match self {
            Refusal::NotAllowed { applicant } => {
                Message::new(Key::BookingNotAllowed).arg("applicant", applicant.as_str())
            }
            Refusal::Order => Message::new(Key::BookingOrder),
            Refusal::Past => Message::new(Key::BookingPast),
            Refusal::Hours { open } if open.is_empty() => Message::new(Key::BookingClosedDay),
            Refusal::Hours { open } => Message::new(Key::BookingHours).arg("open", open),
            Refusal::Holiday { name_ko, name_en } => Message::new(Key::BookingHoliday)
                .arg("name_ko", name_ko)
                .arg("name_en", name_en),
            Refusal::Closure { reason } => Message::new(Key::BookingClosure).arg("reason", reason),
            Refusal::Grid { slot } => Message::new(Key::BookingGrid).arg("slot", slot),
            Refusal::TooShort { min } => Message::new(Key::BookingTooShort).arg("min", min),
            Refusal::TooLong { max } => Message::new(Key::BookingTooLong).arg("max", max),
            Refusal::Notice { hours } => Message::new(Key::BookingNotice).arg("hours", hours),
            Refusal::Horizon { days } => Message::new(Key::BookingHorizon).arg("days", days),
            Refusal::QuotaWeek { quota, used } => Message::new(Key::BookingQuotaWeek)
                .arg("quota", quota)
                .arg("used", used),
            Refusal::QuotaMonth { quota, used } => Message::new(Key::BookingQuotaMonth)
                .arg("quota", quota)
                .arg("used", used),
            Refusal::Training { name } => Message::new(Key::BookingTraining).arg("name", name),
        }
    }
}

/// Every rule the ask breaks; none when it may be booked (overlaps aside).
pub fn check(resource: &Resource, ask: &Ask, cx: &Context<'_>) -> Vec<Refusal> {
    let mut out = Vec::new();
    let day = ask.day();
    let Some(rules) = resource.rules_for(cx.applicant, day) else {
        return vec![Refusal::NotAllowed {
            applicant: cx.applicant,
        }];
    };
    let minutes = ask.minutes();
    if minutes <= 0 {
        return vec![Refusal::Order];
    }
    let start = moment(ask.start);
    if start <= cx.now {
        out.push(Refusal::Past);
    } else if start.as_second() - cx.now.as_second() < i64::from(rules.notice_hours) * 3600 {
        out.push(Refusal::Notice {
            hours: rules.notice_hours,
        });
    }
    let today = Date::in_korea(cx.now);
    if today.days_until(day) > i64::from(rules.horizon_days) {
        out.push(Refusal::Horizon {
            days: rules.horizon_days,
        });
    }
    // Opening hours of the start's day; a booking ends that day (or at midnight).
    let weekday = day.weekday_number();
    let open: Vec<(u32, u32)> = rules.hours.iter().filter_map(|o| o.on(weekday)).collect();
    let from = minute_of_day(ask.start);
    let until = if ask.end.date() == ask.start.date() {
        Some(minute_of_day(ask.end))
    } else if ask.end.date() == ask.start.date().tomorrow().unwrap_or(ask.start.date())
        && minute_of_day(ask.end) == 0
    {
        Some(1440)
    } else {
        None
    };
    let inside = until.is_some_and(|until| open.iter().any(|(o, c)| *o <= from && until <= *c));
    if !inside {
        out.push(Refusal::Hours {
            open: open
                .iter()
                .map(|(o, c)| format!("{:02}:{:02}–{:02}:{:02}", o / 60, o % 60, c / 60, c % 60))
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    if rules.closed_on_holidays {
        if let Some((ko, en)) = cx.holidays.on(day) {
            out.push(Refusal::Holiday {
                name_ko: ko.into(),
                name_en: en.into(),
            });
        }
    }
    if let Some(c) = cx.closures.iter().find(|c| c.covers(&resource.id, day)) {
        out.push(Refusal::Closure {
            reason: c.reason.clone(),
        });
    }
    let slot = rules.slot_minutes.max(1);
    let end_minute = until.unwrap_or_else(|| minute_of_day(ask.end));
    if from % slot != 0
        || end_minute % slot != 0
        || ask.start.second() != 0
        || ask.end.second() != 0
    {
        out.push(Refusal::Grid { slot });
    }
    if minutes < i64::from(rules.min_minutes) {
        out.push(Refusal::TooShort {
            min: rules.min_minutes,
        });
    }
    if minutes > i64::from(rules.max_minutes) {
        out.push(Refusal::TooLong {
            max: rules.max_minutes,
        });
    }
    if let Some(quota) = rules.quota_week_minutes {
        if cx.used_week + minutes > i64::from(quota) {
            out.push(Refusal::QuotaWeek {
                quota,
                used: cx.used_week,
            });
        }
    }
    if let Some(quota) = rules.quota_month_minutes {
        if cx.used_month + minutes > i64::from(quota) {
            out.push(Refusal::QuotaMonth {
                quota,
                used: cx.used_month,
            });
        }
    }
    if let Some(training) = &resource.training {
        if !cx.trained {
            out.push(Refusal::Training {
                name: training.clone(),
            });
        }
    }
    out
}

/// The Monday starting the week of `day` and the first of its month: where quotas are counted.
pub fn quota_windows(day: Date) -> ((Date, Date), (Date, Date)) {
    let monday = day.add_days(-(i64::from(day.weekday_number()) - 1));
    let first = Date::new(day.year(), day.month(), 1).unwrap_or(day);
    ((monday, monday.add_days(7)), (first, first.add_months(1)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::booking::tests::room;
    use crate::booking::{Price, parse_time};

    fn ask(start: &str, end: &str) -> Ask {
        Ask {
            start: parse_time(start).expect("start"),
            end: parse_time(end).expect("end"),
        }
    }

    fn now() -> Timestamp {
        "2026-12-01T00:00:00Z".parse().expect("now")
    }

    fn rules_of(refusals: Vec<Refusal>) -> Vec<&'static str> {
        refusals.iter().map(Refusal::rule).collect()
    }

    fn cx(holidays: &Holidays) -> Context<'_> {
        Context {
            applicant: Applicant::Region,
            now: now(),
            holidays,
            closures: &[],
            used_week: 0,
            used_month: 0,
            trained: true,
        }
    }

    fn holidays() -> Holidays {
        let catalog = crate::catalog::Catalog::load(&crate::catalog::CatalogSources::bundled())
            .expect("catalog");
        Holidays::of(&catalog.holidays)
    }

    #[test]
    fn a_booking_within_the_rules_passes() {
        let h = holidays();
        assert!(
            check(
                &room(),
                &ask("2026-12-07T10:00", "2026-12-07T12:00"),
                &cx(&h)
            )
            .is_empty()
        );
    }

    #[test]
    fn each_rule_kind_refuses_by_name() {
        let h = holidays();
        let r = room();
        let c = cx(&h);
        // Before opening, on a Saturday for a non-tenant, across midnight.
        assert_eq!(
            rules_of(check(&r, &ask("2026-12-07T08:00", "2026-12-07T09:30"), &c)),
            ["hours"]
        );
        let sat = check(&r, &ask("2026-12-05T10:00", "2026-12-05T11:00"), &c);
        assert_eq!(
            sat[0].message().render(crate::lang::Lang::En),
            "closed that day"
        );
        assert_eq!(
            rules_of(check(&r, &ask("2026-12-07T17:00", "2026-12-08T09:00"), &c)),
            ["hours", "max_minutes"]
        );
        // The tenant's rules open Saturdays.
        let tenant = Context {
            applicant: Applicant::Tenant,
            ..c.clone()
        };
        assert!(check(&r, &ask("2026-12-05T10:00", "2026-12-05T11:00"), &tenant).is_empty());
        // Christmas, and the substitute holiday 2027-10-11 (한글날 on a Saturday).
        let xmas = check(&r, &ask("2026-12-25T10:00", "2026-12-25T11:00"), &c);
        assert_eq!(rules_of(xmas.clone()), ["holiday"]);
        assert!(
            xmas[0]
                .message()
                .render(crate::lang::Lang::Ko)
                .contains("성탄절")
        );
        // Off the grid, too short, too long, in the past, beyond the horizon.
        assert_eq!(
            rules_of(check(&r, &ask("2026-12-07T10:10", "2026-12-07T11:00"), &c)),
            ["slot"]
        );
        let mut short = r.clone();
        short.rules[0].min_minutes = 60;
        short.rules[0].max_minutes = 90;
        assert_eq!(
            rules_of(check(
                &short,
                &ask("2026-12-07T10:00", "2026-12-07T10:30"),
                &c
            )),
            ["min_minutes"]
        );
        assert_eq!(
            rules_of(check(
                &short,
                &ask("2026-12-07T10:00", "2026-12-07T12:00"),
                &c
            )),
            ["max_minutes"]
        );
        assert_eq!(
            rules_of(check(&r, &ask("2026-11-30T10:00", "2026-11-30T11:00"), &c)),
            ["past"]
        );
        assert_eq!(
            rules_of(check(&r, &ask("2027-03-02T10:00", "2027-03-02T11:00"), &c)),
            ["horizon"]
        );
        assert_eq!(
            rules_of(check(&r, &ask("2026-12-07T11:00", "2026-12-07T10:00"), &c)),
            ["order"]
        );
        // Notice: 48 hours ahead; now is 09:00 on the 1st in Korea.
        let mut notice = r.clone();
        notice.rules[0].notice_hours = 48;
        assert_eq!(
            rules_of(check(
                &notice,
                &ask("2026-12-02T10:00", "2026-12-02T11:00"),
                &c
            )),
            ["notice"]
        );
        assert!(check(&notice, &ask("2026-12-03T10:00", "2026-12-03T11:00"), &c).is_empty());
    }

    #[test]
    fn quotas_trainings_closures_and_applicants() {
        let h = holidays();
        let mut r = room();
        r.rules[0].quota_week_minutes = Some(240);
        r.rules[0].quota_month_minutes = Some(600);
        r.training = Some("3d_printer_safety".into());
        let c = Context {
            used_week: 180,
            used_month: 0,
            trained: false,
            ..cx(&h)
        };
        let refused = check(&r, &ask("2026-12-07T10:00", "2026-12-07T11:30"), &c);
        assert_eq!(rules_of(refused.clone()), ["quota_week", "training"]);
        assert_eq!(
            refused[0].message().render(crate::lang::Lang::En),
            "over the weekly quota of 240 minutes (180 already booked)"
        );
        let c = Context {
            used_week: 0,
            used_month: 570,
            trained: true,
            ..cx(&h)
        };
        assert_eq!(
            rules_of(check(&r, &ask("2026-12-07T10:00", "2026-12-07T11:00"), &c)),
            ["quota_month"]
        );
        let closures = [Closure {
            resource_id: None,
            from: "2026-12-07".parse().expect("date"),
            until: "2026-12-07".parse().expect("date"),
            reason: "개소식".into(),
        }];
        let c = Context {
            closures: &closures,
            ..cx(&h)
        };
        assert_eq!(
            rules_of(check(
                &room(),
                &ask("2026-12-07T10:00", "2026-12-07T11:00"),
                &c
            )),
            ["closure"]
        );
        let mut tenants_only = room();
        tenants_only.rules.remove(0);
        assert_eq!(
            rules_of(check(
                &tenants_only,
                &ask("2026-12-07T10:00", "2026-12-07T11:00"),
                &cx(&h)
            )),
            ["applicant"]
        );
    }

    #[test]
    fn quota_windows_are_the_week_and_month() {
        let ((mon, next_mon), (first, next_first)) =
            quota_windows("2026-12-03".parse().expect("d"));
        assert_eq!(mon.to_string(), "2026-11-30");
        assert_eq!(next_mon.to_string(), "2026-12-07");
        assert_eq!(first.to_string(), "2026-12-01");
        assert_eq!(next_first.to_string(), "2027-01-01");
    }

    #[test]
    fn prices_by_applicant() {
        let p = Price {
            tenant_per_hour: 10_000,
            other_per_hour: 20_000,
            per_use: 5_000,
            tenant_free_hours_month: 4,
        };
        assert_eq!(p.of(Applicant::Tenant, 90), 20_000);
        assert_eq!(p.of(Applicant::Anyone, 90), 35_000);
    }
}
