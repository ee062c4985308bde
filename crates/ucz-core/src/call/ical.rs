//! A founder's deadline calendar as iCalendar (RFC 5545): one all-day event per call on its
//! closing day in Korea, text escaped (§3.3.11) and lines folded at 75 octets (§3.1), CRLF.

use jiff::Timestamp;

use crate::date::{Date, utc_timestamp};

/// One call's deadline.
#[derive(Clone, Debug)]
pub struct Deadline {
    /// Unique and stable across feeds: `call-<id>@<host>`.
    pub uid: String,
    pub title: String,
    pub closing_day: Date,
    /// The closing moment, said in the description (a day-only deadline closes at 23:59:59).
    pub closes_at: Option<Timestamp>,
    pub description: String,
    pub url: Option<String>,
}

/// The calendar of `deadlines`, made at `now`.
pub fn calendar(name: &str, deadlines: &[Deadline], now: Timestamp) -> String {
    let mut out = String::new();
    let stamp = compact(&utc_timestamp(now));
    for line in [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//ucz//calls//KO",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ] {
        push(&mut out, line);
    }
    push(&mut out, &format!("X-WR-CALNAME:{}", escape(name)));
    push(&mut out, "X-WR-TIMEZONE:Asia/Seoul");
    for d in deadlines {
        let day = d.closing_day;
        let next = day.add_days(1);
        push(&mut out, "BEGIN:VEVENT");
        push(&mut out, &format!("UID:{}", escape(&d.uid)));
        push(&mut out, &format!("DTSTAMP:{stamp}"));
        push(&mut out, &format!("DTSTART;VALUE=DATE:{}", date(day)));
        push(&mut out, &format!("DTEND;VALUE=DATE:{}", date(next)));
        push(
            &mut out,
            &format!("SUMMARY:{}", escape(&format!("[마감] {}", d.title))),
        );
        let mut description = d.description.clone();
        if let Some(closes) = d.closes_at {
            let seoul = closes.to_zoned(crate::date::seoul().clone());
            description = format!(
                "마감 {} (KST)\n{}",
                seoul.strftime("%Y-%m-%d %H:%M"),
                description
            );
        }
        push(
            &mut out,
            &format!("DESCRIPTION:{}", escape(description.trim_end())),
        );
        if let Some(url) = &d.url {
            push(&mut out, &format!("URL:{}", url.replace(['\r', '\n'], "")));
        }
        push(&mut out, "TRANSP:TRANSPARENT");
        push(&mut out, "BEGIN:VALARM");
        push(&mut out, "ACTION:DISPLAY");
        push(
            &mut out,
            &format!("DESCRIPTION:{}", escape(&format!("D-1 {}", d.title))),
        );
        push(&mut out, "TRIGGER:-P1D");
        push(&mut out, "END:VALARM");
        push(&mut out, "END:VEVENT");
    }
    push(&mut out, "END:VCALENDAR");
    out
}

fn date(d: Date) -> String {
    format!("{:04}{:02}{:02}", d.year(), d.month(), d.day())
}

/// `2026-11-27T10:45:00Z` → `20261127T104500Z`.
pub(crate) fn compact(stamp: &str) -> String {
    stamp.replace(['-', ':'], "")
}

/// TEXT escaping: backslash, semicolon, comma, and line breaks as `\n`.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A content line folded so that no line is longer than 75 octets, never inside a character.
pub(crate) fn push(out: &mut String, line: &str) {
    let mut width = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_fold_at_75_octets_and_text_is_escaped() {
        let now: Timestamp = "2026-11-30T00:00:00Z".parse().expect("moment");
        let deadline = Deadline {
            uid: "call-7@ucz".into(),
            title: "2026 하반기 서울 AI 허브 입주기업 모집 공고; 예비창업자, 1년 미만 기업 대상 — 아주 긴 제목".into(),
            closing_day: Date::new(2026, 12, 3).expect("date"),
            closes_at: Some("2026-12-03T14:59:59Z".parse().expect("moment")),
            description: "첫 줄\r\n둘째 줄 \\ 끝".into(),
            url: Some("https://www.k-startup.go.kr/x?a=1".into()),
        };
        let text = calendar("ucz 관심사업", &[deadline], now);
        assert!(text.ends_with("END:VCALENDAR\r\n"));
        for line in text.split("\r\n") {
            assert!(line.len() <= 75, "{line:?} is {} octets", line.len());
        }
        let unfolded = text.replace("\r\n ", "");
        assert!(unfolded.contains("DTSTART;VALUE=DATE:20261203\r\n"));
        assert!(unfolded.contains("DTEND;VALUE=DATE:20261204\r\n"));
        assert!(unfolded.contains("DTSTAMP:20261130T000000Z\r\n"));
        assert!(unfolded.contains("모집 공고\\; 예비창업자\\, 1년"));
        assert!(unfolded.contains("마감 2026-12-03 23:59 (KST)\\n첫 줄\\n둘째 줄 \\\\ 끝"));
    }
}
