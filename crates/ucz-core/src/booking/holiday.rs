//! Korean public holidays (`catalog/holidays.toml`) and the closures operators add (temporary
//! holidays, maintenance): the days a resource's rules close it.

use std::collections::BTreeMap;

use crate::catalog::Holiday;
use crate::date::Date;

/// The holidays of the catalog, by date, and the last year the table covers.
#[derive(Clone, Debug, Default)]
pub struct Holidays {
    days: BTreeMap<Date, (String, String)>,
    last_year: Option<i32>,
}

impl Holidays {
    pub fn of(holidays: &[Holiday]) -> Holidays {
        Holidays {
            days: holidays
                .iter()
                .map(|h| (h.date, (h.name_ko.clone(), h.name_en.clone())))
                .collect(),
            last_year: holidays.iter().map(|h| h.date.year()).max(),
        }
    }

    /// The holiday's Korean and English names, if `day` is one.
    pub fn on(&self, day: Date) -> Option<(&str, &str)> {
        self.days
            .get(&day)
            .map(|(ko, en)| (ko.as_str(), en.as_str()))
    }

    /// The last year the table lists; past it holidays are unknown (an operator's page warns).
    pub fn last_year(&self) -> Option<i32> {
        self.last_year
    }

    /// Whether `day` is past the table: its holidays are not known.
    pub fn unknown_after(&self, day: Date) -> bool {
        self.last_year.is_none_or(|last| day.year() > last)
    }

    /// The holidays from `from` to `until`, both included.
    pub fn between(&self, from: Date, until: Date) -> Vec<(Date, &str, &str)> {
        self.days
            .range(from..=until)
            .map(|(d, (ko, en))| (*d, ko.as_str(), en.as_str()))
            .collect()
    }
}

/// Days an operator closed: a temporary holiday for the whole zone (or hub), or one resource's
/// closure (maintenance), from one date to another, both included.
#[derive(
    Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(deny_unknown_fields)]
pub struct Closure {
    /// The resource closed; none for every resource of the zone or hub.
    #[serde(default)]
    pub resource_id: Option<String>,
    pub from: Date,
    pub until: Date,
    pub reason: String,
}

impl Closure {
    pub fn covers(&self, resource: &str, day: Date) -> bool {
        self.resource_id.as_deref().is_none_or(|r| r == resource)
            && self.from <= day
            && day <= self.until
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Catalog, CatalogSources};

    fn d(text: &str) -> Date {
        text.parse().expect("a date")
    }

    #[test]
    fn the_table_holds_2026s_substitute_holidays() {
        let catalog = Catalog::load(&CatalogSources::bundled()).expect("the catalog loads");
        let holidays = Holidays::of(&catalog.holidays);
        // 삼일절 on a Sunday, 부처님오신날 on a Sunday, 광복절 and 개천절 on Saturdays.
        for (day, sub) in [
            ("2026-03-02", "2026-03-01"),
            ("2026-05-25", "2026-05-24"),
            ("2026-08-17", "2026-08-15"),
            ("2026-10-05", "2026-10-03"),
        ] {
            let (ko, en) = holidays.on(d(day)).expect("a substitute holiday");
            assert!(ko.starts_with("대체공휴일"), "{day}: {ko}");
            assert!(en.starts_with("Substitute"), "{day}: {en}");
            assert_eq!(d(day).weekday_number(), 1, "{day} is a Monday");
            assert!(holidays.on(d(sub)).is_some(), "{sub}");
        }
        // 현충일 on a Saturday has no substitute; 추석 ending on a Saturday neither.
        assert!(holidays.on(d("2026-06-08")).is_none());
        assert!(holidays.on(d("2026-09-28")).is_none());
        // Election days are holidays.
        assert!(holidays.on(d("2026-06-03")).is_some());
        assert_eq!(holidays.last_year(), Some(2027));
        assert!(holidays.unknown_after(d("2028-01-03")));
        assert!(!holidays.unknown_after(d("2027-12-31")));
        let year: Vec<_> = holidays.between(d("2026-01-01"), d("2026-12-31"));
        assert_eq!(year.len(), 21);
    }

    #[test]
    fn a_closure_covers_its_days_and_resource() {
        let c = Closure {
            resource_id: Some("printer".into()),
            from: d("2026-12-24"),
            until: d("2026-12-26"),
            reason: "점검".into(),
        };
        assert!(c.covers("printer", d("2026-12-24")));
        assert!(c.covers("printer", d("2026-12-26")));
        assert!(!c.covers("printer", d("2026-12-27")));
        assert!(!c.covers("room", d("2026-12-25")));
        let all = Closure {
            resource_id: None,
            ..c
        };
        assert!(all.covers("room", d("2026-12-25")));
    }
}
