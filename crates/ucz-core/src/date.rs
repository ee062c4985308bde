//! Calendar dates (`2026-11-27`), months (`2027-03`) and the timestamps the store writes
//! (`2026-11-27T10:45:00Z`), on jiff's calendar. `Date` wraps `jiff::civil::Date` to keep the one
//! strict text form: a date written or read is `YYYY-MM-DD` with a year from 1 to 9999 (jiff also
//! reads other ISO 8601 forms); arithmetic may reach jiff's years, -9999 to 9999.

use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use jiff::civil;
use jiff::tz::{Offset, TimeZone};
use jiff::{Span, Timestamp};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(civil::Date);

const EPOCH: civil::Date = civil::date(1970, 1, 1);

impl Date {
    /// The date of a year (1 to 9999), month and day, if there is one.
    pub fn new(year: i32, month: u8, day: u8) -> Option<Self> {
        if !(1..=9999).contains(&year) {
            return None;
        }
        let month = i8::try_from(month).ok()?;
        let day = i8::try_from(day).ok()?;
        civil::Date::new(year as i16, month, day).ok().map(Date)
    }

    pub fn year(self) -> i32 {
        i32::from(self.0.year())
    }

    pub fn month(self) -> u8 {
        self.0.month() as u8
    }

    pub fn day(self) -> u8 {
        self.0.day() as u8
    }

    /// The month of the date as `YYYY-MM`.
    pub fn month_text(self) -> String {
        format!("{:04}-{:02}", self.year(), self.month())
    }

    /// Whole years from `self` to `later` (negative if `later` is earlier), as a person's age:
    /// a year counts once its day is reached, so someone born on 29 February is a year older on
    /// 1 March of a common year (jiff's spans would count 28 February).
    pub fn whole_years_until(self, later: Date) -> i64 {
        let mut years = i64::from(later.year() - self.year());
        if (later.month(), later.day()) < (self.month(), self.day()) {
            years -= 1;
        }
        years
    }

    /// The date of a count of days since 1970-01-01 (the Unix epoch); none beyond jiff's years
    /// (-9999 to 9999).
    pub fn from_days_since_epoch(days: i64) -> Option<Date> {
        let span = Span::new().try_days(days).ok()?;
        EPOCH.checked_add(span).ok().map(Date)
    }

    /// The same day `months` later (or earlier), at the month's last day when it is shorter;
    /// the date itself beyond jiff's years.
    pub fn add_months(self, months: i32) -> Date {
        Span::new()
            .try_months(months)
            .and_then(|span| self.0.checked_add(span))
            .map_or(self, Date)
    }

    /// The day `days` later (or earlier); the date itself beyond jiff's years.
    pub fn add_days(self, days: i64) -> Date {
        Span::new()
            .try_days(days)
            .and_then(|span| self.0.checked_add(span))
            .map_or(self, Date)
    }

    /// Whole months from `self` to `later`, counting a month only when its day is reached.
    pub fn whole_months_until(self, later: Date) -> i32 {
        let mut months =
            (later.year() - self.year()) * 12 + i32::from(later.month()) - i32::from(self.month());
        if later.day() < self.day() {
            months -= 1;
        }
        months
    }

    /// The day of the week, Monday 1 to Sunday 7.
    pub fn weekday_number(self) -> i8 {
        self.0.weekday().to_monday_one_offset()
    }

    /// The civil date, for time-of-day arithmetic in Korea.
    pub fn civil(self) -> civil::Date {
        self.0
    }

    /// The `Date` of a civil date in the years a `Date` holds.
    pub fn of_civil(date: civil::Date) -> Option<Date> {
        Date::new(i32::from(date.year()), date.month() as u8, date.day() as u8)
    }

    /// Days since 1970-01-01.
    pub fn days_since_epoch(self) -> i64 {
        self.0.duration_since(EPOCH).as_secs().div_euclid(86_400)
    }

    /// The date in Korea at a moment: the date programs' ages and deadlines are counted in.
    pub fn in_korea(at: Timestamp) -> Date {
        Date(seoul().to_datetime(at).date())
    }

    /// The first moment of this date in Korea.
    pub fn start_in_korea(self) -> Timestamp {
        self.0
            .to_datetime(civil::Time::midnight())
            .to_zoned(seoul().clone())
            .map_or(Timestamp::UNIX_EPOCH, |z| z.timestamp())
    }

    /// The last second of this date in Korea: a deadline given as a date closes then.
    pub fn end_in_korea(self) -> Timestamp {
        self.0
            .to_datetime(civil::time(23, 59, 59, 0))
            .to_zoned(seoul().clone())
            .map_or(Timestamp::UNIX_EPOCH, |z| z.timestamp())
    }

    /// Whole days from this date to `later` (negative when `later` is earlier).
    pub fn days_until(self, later: Date) -> i64 {
        later.days_since_epoch() - self.days_since_epoch()
    }
}

/// Asia/Seoul from the time zone database compiled into jiff; should it be missing, Korea's
/// offset since 1988 (UTC+9, no daylight saving).
pub(crate) fn seoul() -> &'static TimeZone {
    static SEOUL: OnceLock<TimeZone> = OnceLock::new();
    SEOUL.get_or_init(|| {
        TimeZone::get("Asia/Seoul").unwrap_or_else(|_| TimeZone::fixed(Offset::constant(9)))
    })
}

/// A stored moment (`2026-12-27T14:59:59Z`, or any RFC 3339 time) as a person in Korea reads it:
/// `2026-12-27 23:59`; `None` for text that is no moment.
pub fn korea_time(stamp: &str) -> Option<String> {
    let at: Timestamp = stamp.trim().parse().ok()?;
    Some(
        seoul()
            .to_datetime(at)
            .strftime("%Y-%m-%d %H:%M")
            .to_string(),
    )
}

/// A moment as the store writes it: `YYYY-MM-DDTHH:MM:SSZ`, whole seconds in UTC. Stored
/// expiries are compared as text, and audit rows are hashed over it, so the form never changes.
pub fn utc_timestamp(at: Timestamp) -> String {
    let utc = TimeZone::UTC.to_datetime(at);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        utc.year(),
        utc.month(),
        utc.day(),
        utc.hour(),
        utc.minute(),
        utc.second()
    )
}

impl FromStr for Date {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let invalid = || {
            crate::message::Message::new(crate::message::Key::NotADate)
                .arg("value", s)
                .to_string()
        };
        let mut parts = s.trim().splitn(3, '-');
        let (Some(y), Some(m), Some(d)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(invalid());
        };
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return Err(invalid());
        }
        let (Ok(y), Ok(m), Ok(d)) = (y.parse(), m.parse(), d.parse()) else {
            return Err(invalid());
        };
        Date::new(y, m, d).ok_or_else(invalid)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}",
            self.year(),
            self.month(),
            self.day()
        )
    }
}

/// In JSON and the API document: `YYYY-MM-DD`.
impl schemars::JsonSchema for Date {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Date".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({"type": "string", "format": "date"})
    }
}

impl serde::Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Date {
    /// From a string or a TOML date.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Toml(toml::value::Datetime),
        }
        let text = match Raw::deserialize(deserializer)? {
            Raw::Text(t) => t,
            Raw::Toml(d) => d.to_string(),
        };
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_moment_reads_in_korean_time() {
        assert_eq!(
            korea_time("2026-12-27T14:59:59Z").as_deref(),
            Some("2026-12-27 23:59")
        );
        assert_eq!(
            korea_time("2026-11-30T20:47:04Z").as_deref(),
            Some("2026-12-01 05:47")
        );
        assert_eq!(korea_time("soon"), None);
    }

    fn d(text: &str) -> Date {
        text.parse().expect("date")
    }

    fn at(text: &str) -> Timestamp {
        text.parse().expect("timestamp")
    }

    #[test]
    fn parses_and_validates() {
        let leap = d("2024-02-29");
        assert_eq!((leap.year(), leap.month(), leap.day()), (2024, 2, 29));
        assert_eq!(Date::new(2024, 2, 29), Some(leap));
        assert!("2023-02-29".parse::<Date>().is_err());
        assert!("2024-13-01".parse::<Date>().is_err());
        assert!("24-01-01".parse::<Date>().is_err());
        assert!("yesterday".parse::<Date>().is_err());
        // Forms jiff reads but a date field does not.
        assert!("20240229".parse::<Date>().is_err());
        assert!("2024-02-29T00:00".parse::<Date>().is_err());
        assert_eq!(Date::new(0, 1, 1), None);
        assert_eq!(Date::new(2024, 200, 1), None);
        assert_eq!(d("0001-01-01").to_string(), "0001-01-01");
    }

    #[test]
    fn whole_years_count_birthdays() {
        assert_eq!(d("2019-06-15").whole_years_until(d("2026-06-14")), 6);
        assert_eq!(d("2019-06-15").whole_years_until(d("2026-06-15")), 7);
        assert_eq!(d("2026-06-15").whole_years_until(d("2019-06-15")), -7);
    }

    #[test]
    fn whole_years_across_leap_days() {
        // Born on a leap day: a year older on 1 March of a common year, on 29 February of a
        // leap year.
        assert_eq!(d("2024-02-29").whole_years_until(d("2025-02-28")), 0);
        assert_eq!(d("2024-02-29").whole_years_until(d("2025-03-01")), 1);
        assert_eq!(d("2024-02-29").whole_years_until(d("2028-02-28")), 3);
        assert_eq!(d("2024-02-29").whole_years_until(d("2028-02-29")), 4);
        // A span that holds a leap day is no longer for it.
        assert_eq!(d("2023-03-01").whole_years_until(d("2024-02-29")), 0);
        assert_eq!(d("2023-03-01").whole_years_until(d("2024-03-01")), 1);
    }

    #[test]
    fn timestamps_as_stored() {
        assert_eq!(utc_timestamp(Timestamp::UNIX_EPOCH), "1970-01-01T00:00:00Z");
        assert_eq!(
            utc_timestamp(Timestamp::from_second(1_795_776_300).expect("time")),
            "2026-11-27T10:45:00Z"
        );
        // Fractions of a second are left out, as they always were.
        assert_eq!(
            utc_timestamp(at("2026-11-27T10:45:00.999+00:00")),
            "2026-11-27T10:45:00Z"
        );
        assert_eq!(
            utc_timestamp(at("2026-11-27T19:45:00+09:00")),
            "2026-11-27T10:45:00Z"
        );
    }

    #[test]
    fn the_date_in_korea_turns_at_15_utc() {
        // 15:00 UTC is midnight in Seoul: from then on it is the next day there.
        assert_eq!(Date::in_korea(at("2026-11-27T14:59:59Z")), d("2026-11-27"));
        assert_eq!(Date::in_korea(at("2026-11-27T15:00:00Z")), d("2026-11-28"));
        assert_eq!(Date::in_korea(at("2026-11-27T23:59:00Z")), d("2026-11-28"));
        assert_eq!(Date::in_korea(at("2026-11-27T00:00:00Z")), d("2026-11-27"));
        assert_eq!(
            Date::in_korea(Timestamp::from_second(1_795_791_600).expect("time")).to_string(),
            "2026-11-28"
        );
        // New Year's Eve in UTC is already New Year's Day in Seoul.
        assert_eq!(Date::in_korea(at("2026-12-31T23:59:00Z")), d("2027-01-01"));
    }

    #[test]
    fn epoch_days_round_trip() {
        let day = |n| Date::from_days_since_epoch(n).map(|d| d.to_string());
        assert_eq!(day(0).as_deref(), Some("1970-01-01"));
        assert_eq!(day(20_784).as_deref(), Some("2026-11-27"));
        for days in [-800_000, -1, 0, 59, 60, 11_016, 20_784, 100_000] {
            let date = Date::from_days_since_epoch(days).expect("in range");
            assert_eq!(date.days_since_epoch(), days);
        }
        // Beyond jiff's years there is no date, rather than a wrong one.
        assert_eq!(Date::from_days_since_epoch(3_000_000), None);
        assert_eq!(Date::from_days_since_epoch(-5_000_000), None);
        assert_eq!(Date::from_days_since_epoch(i64::MAX), None);
        assert_eq!(Date::from_days_since_epoch(i64::MIN), None);
    }
}

#[cfg(test)]
mod month_tests {
    use super::Date;

    fn d(text: &str) -> Date {
        text.parse().expect("date")
    }

    #[test]
    fn months_are_added_and_counted_as_people_do() {
        assert_eq!(d("2026-01-31").add_months(1), d("2026-02-28"));
        assert_eq!(d("2026-11-15").add_months(3), d("2027-02-15"));
        assert_eq!(d("2026-03-15").add_months(-3), d("2025-12-15"));
        assert_eq!(d("2025-01-01").whole_months_until(d("2027-01-01")), 24);
        assert_eq!(d("2025-01-15").whole_months_until(d("2027-01-14")), 23);
    }

    #[test]
    fn days_are_added_across_months_and_years() {
        assert_eq!(d("2026-12-31").add_days(1), d("2027-01-01"));
        assert_eq!(d("2024-02-28").add_days(1), d("2024-02-29"));
        assert_eq!(d("2024-03-01").add_days(-1), d("2024-02-29"));
        assert_eq!(d("2027-01-01").add_days(364), d("2027-12-31"));
        assert_eq!(d("2026-06-15").add_days(i64::MAX), d("2026-06-15"));
    }

    #[test]
    fn adding_months_clamps_to_the_end_of_the_month() {
        assert_eq!(d("2024-01-31").add_months(1), d("2024-02-29"));
        assert_eq!(d("2026-03-31").add_months(1), d("2026-04-30"));
        assert_eq!(d("2026-05-31").add_months(-3), d("2026-02-28"));
        assert_eq!(d("2024-02-29").add_months(12), d("2025-02-28"));
        assert_eq!(d("2024-02-29").add_months(48), d("2028-02-29"));
        assert_eq!(d("2026-08-31").add_months(6), d("2027-02-28"));
        assert_eq!(d("2026-12-15").add_months(1), d("2027-01-15"));
        assert_eq!(d("2026-06-15").add_months(0), d("2026-06-15"));
        // Beyond the years jiff can name, the date stays.
        assert_eq!(d("9999-12-01").add_months(1), d("9999-12-01"));
        assert_eq!(d("2026-06-15").add_months(i32::MAX), d("2026-06-15"));
    }

    #[test]
    fn months_are_written_with_four_and_two_digits() {
        assert_eq!(d("2027-03-01").month_text(), "2027-03");
        assert_eq!(d("0987-11-30").month_text(), "0987-11");
    }
}
