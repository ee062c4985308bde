//! Every indicator of the catalog on a small hand-made dataset of one zone, its value worked out
//! by hand in the comments.

use std::collections::BTreeMap;

use super::dataset::*;
use super::*;
use crate::catalog::Catalog;
use crate::date::Date;

fn d(text: &str) -> Date {
    text.parse().expect("date")
}

fn firm(id: &str, zone: &str, founded: &str, employees: i64, youth: i64) -> FirmFact {
    FirmFact {
        id: id.into(),
        zone: zone.into(),
        founded: Some(d(founded)),
        closed: None,
        employees,
        youth_employees: youth,
    }
}

fn lease(
    firm: &str,
    zone: &str,
    province: &str,
    incubation: bool,
    starts: &str,
    ends: &str,
) -> LeaseFact {
    LeaseFact {
        firm: firm.into(),
        zone: zone.into(),
        province: province.into(),
        incubation,
        starts: d(starts),
        ends: d(ends),
        end: LeaseEnd::Open,
        left_to: None,
    }
}

/// Daejeon's year 2026, by hand.
fn dataset() -> Dataset {
    let mut a_graduates = lease("A", "daejeon", "daejeon", true, "2024-03-01", "2026-03-01");
    a_graduates.end = LeaseEnd::Graduated;
    let mut b_graduates = lease("B", "daejeon", "daejeon", true, "2024-05-01", "2026-06-01");
    b_graduates.end = LeaseEnd::Graduated;
    b_graduates.left_to = Some("gyeonggi".into());
    let mut c_closes = lease("C", "daejeon", "daejeon", true, "2025-01-01", "2026-09-01");
    c_closes.end = LeaseEnd::Closed;
    let mut closed = firm("C", "daejeon", "2024-06-01", 3, 3);
    closed.closed = Some(d("2026-08-31"));
    Dataset {
        zones: vec![ZoneFact {
            id: "daejeon".into(),
            region_provinces: vec![
                "daejeon".into(),
                "sejong".into(),
                "chungbuk".into(),
                "chungnam".into(),
            ],
            area_km2: 1.34,
            incubation_rooms: 10,
            principles: 6,
            principles_met: 4,
        }],
        capital_provinces: vec!["seoul".into(), "incheon".into(), "gyeonggi".into()],
        firms: vec![
            // A: graduated in March to a Post-BI space in Sejong; filed 12 jobs (5 young) for 2026.
            firm("A", "daejeon", "2023-01-10", 8, 4),
            // B: graduated in May and left for Gyeonggi; 6 jobs, 2 young on its record.
            firm("B", "daejeon", "2022-07-01", 6, 2),
            // C: closed in August 2026.
            closed,
            // D: founded in 2026 in the zone; 2 jobs, 2 young.
            firm("D", "daejeon", "2026-02-01", 2, 2),
            // E: founded in 2019 in Busan, moved into the zone in 2026 (its first lease here).
            firm("E", "busan", "2019-04-01", 20, 6),
            // F: another zone's firm, never counted.
            firm("F", "busan", "2020-01-01", 50, 10),
        ],
        leases: vec![
            a_graduates,
            lease("A", "", "sejong", false, "2026-03-01", "2028-03-01"),
            b_graduates,
            c_closes,
            lease("D", "daejeon", "daejeon", true, "2026-02-15", "2028-02-15"),
            lease("E", "daejeon", "daejeon", false, "2026-04-01", "2029-04-01"),
        ],
        filings: vec![
            FilingFact {
                firm: "A".into(),
                period_end: d("2025-12-31"),
                employees: Some(7),
                youth_employees: Some(3),
                investment_krw: 100_000_000,
            },
            FilingFact {
                firm: "A".into(),
                period_end: d("2026-12-31"),
                employees: Some(12),
                youth_employees: Some(5),
                investment_krw: 300_000_000,
            },
            FilingFact {
                firm: "E".into(),
                period_end: d("2026-06-30"),
                employees: None,
                youth_employees: None,
                investment_krw: 200_000_000,
            },
        ],
        investments: vec![
            InvestmentFact {
                id: "inv-1".into(),
                investor: "anchor".into(),
                zone: "daejeon".into(),
                day: d("2026-10-01"),
                amount_krw: 5_000_000_000,
            },
            InvestmentFact {
                id: "inv-2".into(),
                investor: "anchor".into(),
                zone: "daejeon".into(),
                day: d("2025-10-01"),
                amount_krw: 9_000_000_000,
            },
        ],
        bookings: vec![
            BookingFact {
                zone: "daejeon".into(),
                day: d("2026-03-03"),
                minutes: 120,
                used: true,
            },
            BookingFact {
                zone: "daejeon".into(),
                day: d("2026-03-04"),
                minutes: 60,
                used: false,
            },
            BookingFact {
                zone: "daejeon".into(),
                day: d("2026-05-05"),
                minutes: 180,
                used: true,
            },
        ],
        open_minutes: BTreeMap::from([(("daejeon".to_string(), 2026), 1200)]),
        awards: vec![
            AwardFact {
                zone: "daejeon".into(),
                firm: "A".into(),
                submitted: Some(d("2026-04-01")),
                selected: Some(d("2026-06-01")),
                amount_krw: 50_000_000,
            },
            AwardFact {
                zone: "daejeon".into(),
                firm: "D".into(),
                submitted: Some(d("2026-04-02")),
                selected: None,
                amount_krw: 0,
            },
            AwardFact {
                zone: "daejeon".into(),
                firm: "B".into(),
                submitted: Some(d("2023-04-01")),
                selected: Some(d("2023-06-01")),
                amount_krw: 30_000_000,
            },
            AwardFact {
                zone: "daejeon".into(),
                firm: "C".into(),
                submitted: Some(d("2023-04-01")),
                selected: Some(d("2023-06-01")),
                amount_krw: 30_000_000,
            },
        ],
        milestones: vec![
            MilestoneFact {
                id: "m1".into(),
                zone: "daejeon".into(),
                planned: d("2025-06-30"),
                done: Some(d("2025-08-01")),
            },
            MilestoneFact {
                id: "m2".into(),
                zone: "daejeon".into(),
                planned: d("2026-06-30"),
                done: None,
            },
            MilestoneFact {
                id: "m3".into(),
                zone: "daejeon".into(),
                planned: d("2026-12-31"),
                done: Some(d("2026-11-30")),
            },
            MilestoneFact {
                id: "m4".into(),
                zone: "daejeon".into(),
                planned: d("2027-06-30"),
                done: Some(d("2026-12-01")),
            },
        ],
    }
}

#[test]
fn every_indicator_of_the_catalog_has_its_value_worked_out_by_hand() {
    let catalog = Catalog::bundled().expect("catalog");
    let m = dataset().measures("daejeon", 2026);
    // Firms on 2026-12-31: A, B (records in the zone), D, E (leasing here); C closed. → 4.
    // Jobs: A filed 12 (5 young), B 6 (2), D 2 (2), E 20 (6; its filing has no jobs) → 40 (15).
    // A year before: A filed 7; B 6; C 3 (open then); D not founded; E not here → 16.
    // Investment 2026: A's 300M and E's 200M filings, the 5,000M record → 5,500M.
    // Attracted: E (first lease here 2026, founded 2019); D's first lease is 2026 but it was
    // founded in 2026 (founded here, not attracted) → 1. Founded: D → 1.
    // Incubation exits in 2026: A (last day 02-28), B (05-31), C (08-31) → 3 of 10 rooms.
    // Graduates: A (next lease in Sejong: in the region), B (left to Gyeonggi: the capital) → 2.
    // Bookings: 120 + 180 used of 1,200 open. Applications 2026: 2, awards 1 of 50M.
    // Supported in 2023: B, C; C closed → 1 of 2 survives. Principles 4 of 6.
    // Milestones due by 2026-12-31: three; done by then: 2026-11-30 only (the 2025 one was done
    // late but in 2025, so done) → 2 of 3.
    let expected: &[(&str, Option<f64>)] = &[
        ("jobs", Some(40.0)),
        ("jobs_created", Some(24.0)),
        ("youth_share", Some(15.0 / 40.0 * 100.0)),
        ("investment", Some(5_500_000_000.0)),
        ("firms_attracted", Some(1.0)),
        ("firms_founded", Some(1.0)),
        ("post_bi_retention", Some(50.0)),
        ("capital_departures", Some(1.0)),
        ("incubation_turnover", Some(30.0)),
        ("booking_utilisation", Some(25.0)),
        ("support_applications", Some(2.0)),
        ("support_awards", Some(1.0)),
        ("support_amount", Some(50_000_000.0)),
        ("survival_3y", Some(50.0)),
        ("principles_met", Some(4.0 / 6.0 * 100.0)),
        ("milestone_progress", Some(2.0 / 3.0 * 100.0)),
    ];
    let formulas: Vec<(String, IndicatorFormula, Normalise)> = catalog
        .indicators
        .iter()
        .map(|i| {
            (
                i.id.to_string(),
                formula(&i.formula).expect("checked"),
                i.normalise,
            )
        })
        .collect();
    let values = evaluate(&formulas, &m);
    assert_eq!(
        values
            .iter()
            .map(|v| v.indicator.as_str())
            .collect::<Vec<_>>(),
        expected.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
        "every indicator of the catalog is worked out here"
    );
    for (value, (id, want)) in values.iter().zip(expected) {
        match (value.value, want) {
            (Some(got), Some(want)) => assert!((got - want).abs() < 1e-9, "{id}: {got} ≠ {want}"),
            (got, want) => assert_eq!(got, *want, "{id}"),
        }
    }
    // Normalised for comparison: jobs per km², awards per firm.
    let jobs = values.iter().find(|v| v.indicator == "jobs").expect("jobs");
    assert!((jobs.compared.expect("by area") - 40.0 / 1.34).abs() < 1e-9);
    let awards = values
        .iter()
        .find(|v| v.indicator == "support_awards")
        .expect("awards");
    assert_eq!(awards.compared, Some(0.25));
}

#[test]
fn a_rate_of_nothing_has_no_value_and_other_zones_are_apart() {
    let catalog = Catalog::bundled().expect("catalog");
    let mut data = dataset();
    data.zones.push(ZoneFact {
        id: "busan".into(),
        ..ZoneFact::default()
    });
    let m = data.measures("busan", 2026);
    // Busan's firms by their records: E (which also counts for Daejeon, where it leases a space)
    // and F.
    assert_eq!(m.get(MeasureId::Firms), 2.0);
    assert_eq!(m.get(MeasureId::Jobs), 70.0);
    let formulas: Vec<(String, IndicatorFormula, Normalise)> = catalog
        .indicators
        .iter()
        .map(|i| {
            (
                i.id.to_string(),
                formula(&i.formula).expect("checked"),
                i.normalise,
            )
        })
        .collect();
    let values = evaluate(&formulas, &m);
    let of = |id: &str| values.iter().find(|v| v.indicator == id).expect(id).clone();
    assert_eq!(of("post_bi_retention").value, None, "no graduates: no rate");
    assert_eq!(of("jobs").compared, None, "no area: nothing to compare by");
    assert_eq!(data.measures("nowhere", 2026), Measures::default());
}

#[test]
fn formulas_are_type_checked() {
    assert!(formula("m.jobs / m.firms").is_ok());
    for (text, needle) in [
        ("m.jobs > 3.0", "a formula must be a number"),
        ("m.employees", "unknown m field 'employees'"),
        ("firm.jobs", "only fields of m can be selected"),
        ("m.jobs +", ""),
    ] {
        let error = formula(text).expect_err(text);
        assert!(error.message.contains(needle), "{text}: {error}");
    }
}

#[test]
fn each_number_drills_down_to_the_records_it_adds_up() {
    let data = dataset();
    let index = Index::new(&data);
    let m = index.measures("daejeon", 2026);
    for measure in MeasureId::ALL {
        let records = index.evidence("daejeon", 2026, *measure);
        if records.is_empty() {
            continue;
        }
        let sum: f64 = records.iter().map(|r| r.value).sum();
        assert!(
            (sum - m.get(*measure)).abs() < 1e-6,
            "{}: the records add up to {sum}, the measure is {}",
            measure.name(),
            m.get(*measure)
        );
    }
    let investment = index.evidence("daejeon", 2026, MeasureId::Investment);
    let kinds: Vec<&str> = investment.iter().map(|r| r.kind).collect();
    assert!(
        kinds.contains(&"investment") && kinds.contains(&"filing"),
        "{kinds:?}"
    );
    let done = index.evidence("daejeon", 2026, MeasureId::MilestonesDone);
    let ids: Vec<Option<&str>> = done.iter().map(|r| r.id.as_deref()).collect();
    assert_eq!(ids, [Some("m1"), Some("m3")]);
}

#[test]
fn before_its_first_filing_a_firm_counts_the_first_filed_figure() {
    let data = Dataset {
        zones: vec![ZoneFact {
            id: "z".into(),
            ..ZoneFact::default()
        }],
        firms: vec![firm("A", "z", "2020-01-01", 50, 20)],
        filings: vec![FilingFact {
            firm: "A".into(),
            period_end: d("2026-03-31"),
            employees: Some(10),
            youth_employees: Some(4),
            investment_krw: 0,
        }],
        ..Dataset::default()
    };
    // 2025 ends before the first filing: its figure, not the record's (today's 50).
    assert_eq!(data.measures("z", 2025).get(MeasureId::Jobs), 10.0);
    assert_eq!(data.measures("z", 2026).get(MeasureId::YouthJobs), 4.0);
    // With no filing at all, the record's.
    let unfiled = Dataset {
        filings: Vec::new(),
        ..data
    };
    assert_eq!(unfiled.measures("z", 2025).get(MeasureId::Jobs), 50.0);
}

#[test]
fn every_measure_is_defined_in_both_languages() {
    for m in MeasureId::ALL {
        let ko = m.definition_ko();
        assert!(
            ko.chars().any(|c| ('가'..='힣').contains(&c)),
            "{}: {ko}",
            m.name()
        );
        assert!(!m.definition().is_empty(), "{}", m.name());
    }
}
