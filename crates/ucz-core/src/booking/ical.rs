//! Bookings as iCalendar (RFC 5545) for a resource's or a firm's calendar: one event per
//! booking, times in UTC, text escaped and lines folded as the calls' feed does.

use jiff::Timestamp;
use jiff::civil::DateTime;

use super::moment;
use crate::call::ical::{compact, escape, push};
use crate::date::utc_timestamp;

/// One booking in a feed.
#[derive(Clone, Debug)]
pub struct Event {
    /// Stable across feeds: `booking-<id>@ucz`.
    pub uid: String,
    pub start: DateTime,
    pub end: DateTime,
    pub summary: String,
    pub description: String,
    /// Confirmed (`CONFIRMED`) or waiting for approval (`TENTATIVE`).
    pub tentative: bool,
}

/// The calendar of `events`, made at `now`.
pub fn calendar(name: &str, events: &[Event], now: Timestamp) -> String {
    let mut out = String::new();
    let stamp = compact(&utc_timestamp(now));
    for line in [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//ucz//bookings//KO",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ] {
        push(&mut out, line);
    }
    push(&mut out, &format!("X-WR-CALNAME:{}", escape(name)));
    push(&mut out, "X-WR-TIMEZONE:Asia/Seoul");
    for e in events {
        push(&mut out, "BEGIN:VEVENT");
        push(&mut out, &format!("UID:{}", escape(&e.uid)));
        push(&mut out, &format!("DTSTAMP:{stamp}"));
        push(
            &mut out,
            &format!("DTSTART:{}", compact(&utc_timestamp(moment(e.start)))),
        );
        push(
            &mut out,
            &format!("DTEND:{}", compact(&utc_timestamp(moment(e.end)))),
        );
        push(&mut out, &format!("SUMMARY:{}", escape(&e.summary)));
        if !e.description.is_empty() {
            push(&mut out, &format!("DESCRIPTION:{}", escape(&e.description)));
        }
        push(
            &mut out,
            if e.tentative {
                "STATUS:TENTATIVE"
            } else {
                "STATUS:CONFIRMED"
            },
        );
        push(&mut out, "END:VEVENT");
    }
    push(&mut out, "END:VCALENDAR");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::booking::parse_time;

    #[test]
    fn events_in_utc() {
        let text = calendar(
            "세미나실 A",
            &[Event {
                uid: "booking-1@ucz".into(),
                start: parse_time("2026-12-07T10:00").expect("t"),
                end: parse_time("2026-12-07T11:30").expect("t"),
                summary: "예약, 세미나실".into(),
                description: String::new(),
                tentative: true,
            }],
            "2026-12-01T00:00:00Z".parse().expect("now"),
        );
        assert!(text.contains("DTSTART:20261207T010000Z\r\n"), "{text}");
        assert!(text.contains("DTEND:20261207T023000Z\r\n"));
        assert!(text.contains("SUMMARY:예약\\, 세미나실\r\n"));
        assert!(text.contains("STATUS:TENTATIVE"));
        assert!(text.ends_with("END:VCALENDAR\r\n"));
    }
}
