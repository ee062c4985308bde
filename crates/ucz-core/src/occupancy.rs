//! How a zone's space is used: occupancy of its rooms (leased space-days over space-days) by
//! facility or hub and month, booking utilisation of its shared resources by hour of the week
//! (booked minutes over open minutes, a heat map), no-show rates, and the leases ending within
//! 90, 60 or 30 days with their outlook — renewal, or graduation up the space ladder when an
//! incubation lease has used its renewals. Pure: the service hands in spaces, leases, bookings.

use jiff::civil::DateTime;
use schemars::JsonSchema;
use serde::Serialize;

use crate::booking::{Holidays, Resource, minute_of_day};
use crate::date::Date;

/// A space and the facility or hub it is in.
#[derive(Clone, Debug)]
pub struct Space {
    pub id: i64,
    pub place: String,
}

/// A lease of a space, from `starts` to the day before `ends`.
#[derive(Clone, Debug)]
pub struct Span {
    pub space_id: i64,
    pub starts: Date,
    pub ends: Date,
}

/// Occupancy of a place's spaces in a month.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct PlaceMonth {
    pub place: String,
    /// `2026-07`.
    pub month: String,
    pub spaces: usize,
    pub leased_days: i64,
    pub space_days: i64,
    /// Leased space-days over space-days, 0 to 1, to three decimals.
    pub rate: f64,
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Occupancy by place and month: each month's first days given in `months`.
pub fn space_occupancy(spaces: &[Space], leases: &[Span], months: &[Date]) -> Vec<PlaceMonth> {
    let mut places: Vec<&str> = spaces.iter().map(|s| s.place.as_str()).collect();
    places.sort_unstable();
    places.dedup();
    let mut out = Vec::new();
    for month in months {
        let (first, next) = crate::statement::month_bounds(*month);
        let days = first.days_until(next);
        for place in &places {
            let here: Vec<&Space> = spaces.iter().filter(|s| s.place == *place).collect();
            // A space leased twice on a day (an overlap the lease rules refuse) counts once.
            let mut leased = 0;
            for s in &here {
                let mut day = first;
                while day < next {
                    if leases
                        .iter()
                        .any(|l| l.space_id == s.id && l.starts <= day && day < l.ends)
                    {
                        leased += 1;
                    }
                    day = day.add_days(1);
                }
            }
            let space_days = days * here.len() as i64;
            out.push(PlaceMonth {
                place: place.to_string(),
                month: format!("{:04}-{:02}", first.year(), first.month()),
                spaces: here.len(),
                leased_days: leased,
                space_days,
                rate: if space_days == 0 {
                    0.0
                } else {
                    round3(leased as f64 / space_days as f64)
                },
            });
        }
    }
    out
}

/// A booking as the heat map reads it.
#[derive(Clone, Debug)]
pub struct Booked {
    pub start: DateTime,
    pub end: DateTime,
    /// `confirmed`, `checked_in`, `no_show`, … (held states count as used).
    pub state: String,
}

/// Booked and open minutes of a resource by weekday (Monday first) and hour, over a window.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct Heat {
    pub resource_id: String,
    pub name: String,
    /// `[weekday][hour]` minutes booked (held, checked in or a no-show).
    pub booked: Vec<Vec<i64>>,
    /// `[weekday][hour]` minutes open under the resource's rules (any applicant's).
    pub open: Vec<Vec<i64>>,
    /// Booked over open minutes in the window, 0 to 1.
    pub utilisation: f64,
    /// No-shows over the bookings that were due (past and held, checked in or no-show).
    pub no_shows: usize,
    pub due: usize,
    pub no_show_rate: f64,
}

const USED: [&str; 4] = ["confirmed", "checked_in", "no_show", "offered"];

/// The heat map of a resource over `[from, until)`, holidays closed as its rules say.
pub fn heat(
    resource: &Resource,
    bookings: &[Booked],
    from: Date,
    until: Date,
    holidays: &Holidays,
    now: DateTime,
) -> Heat {
    let mut booked = vec![vec![0i64; 24]; 7];
    let mut open = vec![vec![0i64; 24]; 7];
    let mut day = from;
    while day < until {
        let w = (day.weekday_number() - 1) as usize;
        // Open when any rule set holding that day opens it.
        let mut minutes = [false; 1440];
        for rules in resource.rules.iter().filter(|r| r.holds_on(day)) {
            if rules.closed_on_holidays && holidays.on(day).is_some() {
                continue;
            }
            for (o, c) in rules
                .hours
                .iter()
                .filter_map(|h| h.on(day.weekday_number()))
            {
                for m in minutes
                    .iter_mut()
                    .take((c as usize).min(1440))
                    .skip(o as usize)
                {
                    *m = true;
                }
            }
        }
        for (m, is_open) in minutes.iter().enumerate() {
            if *is_open {
                open[w][m / 60] += 1;
            }
        }
        day = day.add_days(1);
    }
    let (mut no_shows, mut due) = (0, 0);
    for b in bookings {
        if !USED.contains(&b.state.as_str()) {
            continue;
        }
        if b.start <= now && b.state != "offered" {
            due += 1;
            no_shows += usize::from(b.state == "no_show");
        }
        // Minute by minute within the booking's day (bookings end the day they start).
        let w = (b.start.date().weekday().to_monday_one_offset() - 1) as usize;
        let from = minute_of_day(b.start) as usize;
        let to = if b.end.date() == b.start.date() {
            minute_of_day(b.end) as usize
        } else {
            1440
        };
        for m in from..to.min(1440) {
            booked[w][m / 60] += 1;
        }
    }
    let total_open: i64 = open.iter().flatten().sum();
    let total_booked: i64 = booked.iter().flatten().sum();
    Heat {
        resource_id: resource.id.clone(),
        name: resource.name.clone(),
        booked,
        open,
        utilisation: if total_open == 0 {
            0.0
        } else {
            round3((total_booked as f64 / total_open as f64).min(1.0))
        },
        no_shows,
        due,
        no_show_rate: if due == 0 {
            0.0
        } else {
            round3(no_shows as f64 / due as f64)
        },
    }
}

/// What comes after a lease that ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outlook {
    /// It may be renewed (a rental, or an incubation lease with renewals left).
    Renew,
    /// An incubation lease that has used its renewals: the firm graduates to expansion space.
    Graduate,
}

/// A lease ending soon.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct Ending {
    pub lease_id: i64,
    pub firm_id: String,
    pub space: String,
    /// The last day of the lease.
    pub last_day: Date,
    pub days_left: i64,
    /// 30, 60 or 90: the reminder it falls in.
    pub band: i64,
    pub outlook: Outlook,
}

/// A lease as the reminders read it: its renewals, and those its terms allow (none for a lease
/// without incubation terms).
#[derive(Clone, Debug)]
pub struct Running {
    pub lease_id: i64,
    pub firm_id: String,
    pub space: String,
    pub ends: Date,
    pub renewals: u32,
    pub max_renewals: Option<u32>,
}

/// The leases ending within 90 days of `today`, soonest first, each in its band.
pub fn ending(leases: &[Running], today: Date) -> Vec<Ending> {
    let mut out: Vec<Ending> = leases
        .iter()
        .filter_map(|l| {
            let last_day = l.ends.add_days(-1);
            let days_left = today.days_until(last_day);
            if !(0..=90).contains(&days_left) {
                return None;
            }
            let band = [30, 60, 90].into_iter().find(|b| days_left <= *b)?;
            Some(Ending {
                lease_id: l.lease_id,
                firm_id: l.firm_id.clone(),
                space: l.space.clone(),
                last_day,
                days_left,
                band,
                outlook: match l.max_renewals {
                    Some(max) if l.renewals >= max => Outlook::Graduate,
                    _ => Outlook::Renew,
                },
            })
        })
        .collect();
    out.sort_by_key(|e| (e.days_left, e.lease_id));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::booking::parse_time;

    fn d(t: &str) -> Date {
        t.parse().expect("date")
    }

    #[test]
    fn occupancy_counts_leased_space_days() {
        let spaces = [
            Space {
                id: 1,
                place: "센터".into(),
            },
            Space {
                id: 2,
                place: "센터".into(),
            },
        ];
        let leases = [
            Span {
                space_id: 1,
                starts: d("2026-06-01"),
                ends: d("2026-08-01"),
            },
            Span {
                space_id: 2,
                starts: d("2026-07-17"),
                ends: d("2027-01-01"),
            },
        ];
        let months = [d("2026-06-01"), d("2026-07-01")];
        let got = space_occupancy(&spaces, &leases, &months);
        assert_eq!((got[0].leased_days, got[0].space_days), (30, 60));
        assert_eq!(got[0].rate, 0.5);
        // July: 31 days of space 1, 15 of space 2 (17th to 31st).
        assert_eq!((got[1].leased_days, got[1].space_days), (46, 62));
    }

    #[test]
    fn heat_maps_booked_over_open_minutes_and_no_shows() {
        let resource: Resource = serde_json::from_value(serde_json::json!({
            "id": "room", "name": "회의실", "kind": "room", "facility_id": 1,
            "rules": [{"applies_to": "anyone", "hours": [{"days": ["mon"], "open": "09:00", "close": "11:00"}]}]
        }))
        .expect("resource");
        let booked = |s: &str, e: &str, state: &str| Booked {
            start: parse_time(s).expect("t"),
            end: parse_time(e).expect("t"),
            state: state.into(),
        };
        let holidays = Holidays::default();
        let h = heat(
            &resource,
            &[
                booked("2026-07-06T09:00", "2026-07-06T10:00", "checked_in"),
                booked("2026-07-13T09:30", "2026-07-13T10:00", "no_show"),
                booked("2026-07-13T10:00", "2026-07-13T11:00", "cancelled"),
            ],
            d("2026-07-06"),
            d("2026-07-20"),
            &holidays,
            parse_time("2026-07-20T00:00").expect("now"),
        );
        assert_eq!(h.open[0][9], 120);
        assert_eq!(h.open[0][10], 120);
        assert_eq!(h.booked[0][9], 90);
        assert_eq!(h.booked[0][10], 0);
        assert_eq!(h.utilisation, 0.375);
        assert_eq!((h.no_shows, h.due, h.no_show_rate), (1, 2, 0.5));
    }

    #[test]
    fn leases_ending_fall_in_bands_with_their_outlook() {
        let running = |id, ends: &str, renewals, max| Running {
            lease_id: id,
            firm_id: format!("F{id}"),
            space: "101".into(),
            ends: d(ends),
            renewals,
            max_renewals: max,
        };
        let got = ending(
            &[
                running(1, "2026-07-21", 0, Some(1)),
                running(2, "2026-09-01", 1, Some(1)),
                running(3, "2026-09-20", 0, None),
                running(4, "2027-01-01", 0, None),
            ],
            d("2026-07-01"),
        );
        let bands: Vec<(i64, i64, Outlook)> = got
            .iter()
            .map(|e| (e.lease_id, e.band, e.outlook))
            .collect();
        assert_eq!(
            bands,
            [
                (1, 30, Outlook::Renew),
                (2, 90, Outlook::Graduate),
                (3, 90, Outlook::Renew)
            ]
        );
        assert_eq!(got[0].last_day, d("2026-07-20"));
    }
}
