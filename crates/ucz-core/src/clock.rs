//! The one reading of the time. Whatever needs "now" or "today" is handed a `Clock`: the
//! system's in service, a fixed one in tests and demos (`ucz serve` with `now`), so that a
//! day's answers do not depend on the day they are asked.

use jiff::Timestamp;

use crate::date::{Date, utc_timestamp};

/// The system clock, or a clock that stands still at one moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Clock {
    fixed: Option<Timestamp>,
}

/// A fixed clock's time that is not an RFC 3339 time with its offset.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{text}\" is not a time with its offset (2026-06-15T09:00:00+09:00)")]
pub struct BadTime {
    pub text: String,
}

impl Clock {
    /// The system's clock.
    pub fn system() -> Clock {
        Clock { fixed: None }
    }

    /// A clock that always reads `at`.
    pub fn fixed(at: Timestamp) -> Clock {
        Clock { fixed: Some(at) }
    }

    /// A clock fixed at an RFC 3339 time with its offset (`2026-06-15T09:00:00+09:00`,
    /// `2026-06-15T00:00:00Z`).
    pub fn fixed_at(text: &str) -> Result<Clock, BadTime> {
        let bad = || BadTime {
            text: text.to_string(),
        };
        let text = text.trim();
        // jiff also reads a bracketed zone name after the offset; a setting names the offset
        // only, so what it means cannot depend on the time zone database.
        if text.contains('[') {
            return Err(bad());
        }
        text.parse::<Timestamp>()
            .map(Clock::fixed)
            .map_err(|_| bad())
    }

    /// Whether the clock stands still.
    pub fn is_fixed(&self) -> bool {
        self.fixed.is_some()
    }

    pub fn now(&self) -> Timestamp {
        self.fixed.unwrap_or_else(Timestamp::now)
    }

    /// Today's date in Korea (Asia/Seoul), where the programs' ages and deadlines are counted.
    pub fn today(&self) -> Date {
        Date::in_korea(self.now())
    }

    /// Now as the store writes it (`2026-11-27T10:45:00Z`).
    pub fn stamp(&self) -> String {
        utc_timestamp(self.now())
    }

    /// `seconds` from now as the store writes it: an expiry.
    pub fn stamp_in(&self, seconds: i64) -> String {
        let now = self.now();
        let later = now
            .checked_add(jiff::SignedDuration::from_secs(seconds))
            .unwrap_or(if seconds < 0 {
                Timestamp::MIN
            } else {
                Timestamp::MAX
            });
        utc_timestamp(later)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().expect("timestamp")
    }

    fn d(text: &str) -> Date {
        text.parse().expect("date")
    }

    #[test]
    fn a_fixed_clock_stands_still() {
        let clock = Clock::fixed(at("2026-06-15T09:00:00+09:00"));
        assert!(clock.is_fixed());
        assert_eq!(clock.now(), at("2026-06-15T00:00:00Z"));
        assert_eq!(clock.now(), clock.now());
        assert_eq!(clock.today(), d("2026-06-15"));
        assert_eq!(clock.stamp(), "2026-06-15T00:00:00Z");
        assert_eq!(clock.stamp_in(90 * 86_400), "2026-09-13T00:00:00Z");
        assert_eq!(clock.stamp_in(-1), "2026-06-14T23:59:59Z");
        // Past the last moment jiff knows, an expiry is that moment.
        assert!(clock.stamp_in(i64::MAX).starts_with("9999-12-"));
    }

    #[test]
    fn today_is_the_date_in_seoul() {
        // 23:59 UTC is 08:59 the next morning in Seoul.
        assert_eq!(
            Clock::fixed(at("2026-11-27T23:59:00Z")).today(),
            d("2026-11-28")
        );
        // 15:00 UTC is midnight in Seoul; a second earlier it is still the day before.
        assert_eq!(
            Clock::fixed(at("2026-11-27T15:00:00Z")).today(),
            d("2026-11-28")
        );
        assert_eq!(
            Clock::fixed(at("2026-11-27T14:59:59Z")).today(),
            d("2026-11-27")
        );
        // The stamp stays in UTC.
        assert_eq!(
            Clock::fixed(at("2026-11-27T23:59:00Z")).stamp(),
            "2026-11-27T23:59:00Z"
        );
    }

    #[test]
    fn fixed_clocks_are_read_from_rfc_3339() {
        let clock = Clock::fixed_at("2026-06-15T09:00:00+09:00").expect("time");
        assert_eq!(clock.now(), at("2026-06-15T00:00:00Z"));
        assert_eq!(
            Clock::fixed_at(" 2026-06-14T15:00:00Z ")
                .expect("time")
                .today(),
            d("2026-06-15")
        );
        for bad in [
            "",
            "2026-06-15",
            "2026-06-15T09:00:00",
            "2026-06-15T09:00:00+09:00[Asia/Seoul]",
            "tomorrow",
        ] {
            assert_eq!(
                Clock::fixed_at(bad),
                Err(BadTime { text: bad.into() }),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_system_clock_moves() {
        let clock = Clock::system();
        assert!(!clock.is_fixed());
        assert_eq!(Clock::default(), clock);
        let first = clock.now();
        assert!(first > at("2025-01-01T00:00:00Z"));
        assert!(clock.now() >= first);
    }
}
