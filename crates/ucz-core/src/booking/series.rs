//! Weekly series: the same hours every week from a first booking, for a number of weeks or
//! until a date, skipping the dates given as exceptions.

use jiff::ToSpan;

use super::Ask;
use crate::date::Date;

/// The most occurrences one series makes (a year of weeks).
pub const MAX_WEEKS: u32 = 52;

/// The occurrences of a weekly series starting with `first`: `weeks` of them at most, none after
/// `until`, none on an `except` date.
pub fn weekly(first: Ask, weeks: Option<u32>, until: Option<Date>, except: &[Date]) -> Vec<Ask> {
    let weeks = weeks.unwrap_or(MAX_WEEKS).min(MAX_WEEKS);
    let mut out = Vec::new();
    for i in 0..weeks {
        let shift = (i64::from(i) * 7).days();
        let (Ok(start), Ok(end)) = (first.start.checked_add(shift), first.end.checked_add(shift))
        else {
            break;
        };
        let ask = Ask { start, end };
        let day = ask.day();
        if until.is_some_and(|u| day > u) {
            break;
        }
        if !except.contains(&day) {
            out.push(ask);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::booking::parse_time;

    #[test]
    fn weekly_with_exceptions_and_an_end() {
        let first = Ask {
            start: parse_time("2026-12-07T10:00").expect("t"),
            end: parse_time("2026-12-07T11:00").expect("t"),
        };
        let except = ["2026-12-21".parse().expect("d")];
        let days: Vec<String> = weekly(first, Some(5), None, &except)
            .iter()
            .map(|a| a.day().to_string())
            .collect();
        assert_eq!(
            days,
            ["2026-12-07", "2026-12-14", "2026-12-28", "2027-01-04"]
        );
        let until = weekly(first, None, Some("2026-12-20".parse().expect("d")), &[]);
        assert_eq!(until.len(), 2);
        assert_eq!(
            weekly(first, Some(500), None, &[]).len(),
            MAX_WEEKS as usize
        );
    }
}
