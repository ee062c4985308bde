//! `ucz bench evaluate`: every indicator of the catalog for 5 zones × 10 years over a synthetic
//! dataset of operations records (1,000,000 by default: firms, leases, filings, bookings,
//! applications, investment records and milestones), indexed once. Beside it, where the
//! `sqlite3` shell is installed, the same records imported into an in-memory SQLite database and
//! the measures SQL can count with GROUP BY (bookings, applications, awards, investment,
//! milestones, firms founded) queried for every zone and year — their totals must agree with
//! ucz's.

use std::time::Instant;

use ucz_core::Catalog;
use ucz_core::date::Date;
use ucz_core::evaluation::dataset::*;
use ucz_core::evaluation::{self, IndicatorFormula, MeasureId, Normalise};

use crate::output;

const ZONES: [&str; 5] = ["busan", "daegu", "gwangju", "daejeon", "ulsan"];
const FIRST_YEAR: i32 = 2017;
const YEARS: i32 = 10;

/// A small deterministic generator (xorshift64*): the same seed gives the same dataset. Days
/// fall in the ten years evaluated and the three before.
struct Draw(u64, Date);

impl Draw {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn day(&mut self) -> Date {
        let span = u64::try_from((YEARS + 3) * 365).unwrap_or(365);
        self.1.add_days(self.below(span) as i64)
    }

    fn zone(&mut self) -> &'static str {
        ZONES[self.below(ZONES.len() as u64) as usize]
    }
}

/// A dataset of about `records` records spread over the five zones.
pub fn dataset(records: usize, seed: u64) -> anyhow::Result<Dataset> {
    let first = Date::new(FIRST_YEAR - 3, 1, 1)
        .ok_or_else(|| anyhow::anyhow!("no first day of {}", FIRST_YEAR - 3))?;
    let mut d = Draw(seed.max(1), first);
    let firms = records * 15 / 100;
    let leases = records * 25 / 100;
    let filings = records * 30 / 100;
    let awards = records * 4 / 100;
    let other = records / 200;
    let bookings = records - firms - leases - filings - awards - 2 * other;
    let provinces = [
        "busan", "daegu", "gwangju", "daejeon", "ulsan", "sejong", "seoul", "gyeonggi",
    ];
    let mut data = Dataset {
        zones: ZONES
            .iter()
            .map(|z| ZoneFact {
                id: z.to_string(),
                region_provinces: vec![z.to_string(), "sejong".into()],
                area_km2: 1.0 + d.below(100) as f64 / 100.0,
                incubation_rooms: 100,
                principles: 6,
                principles_met: 3,
            })
            .collect(),
        capital_provinces: vec!["seoul".into(), "gyeonggi".into()],
        ..Dataset::default()
    };
    for i in 0..firms {
        let employees = d.below(60) as i64;
        data.firms.push(FirmFact {
            id: format!("F{i}"),
            zone: d.zone().into(),
            founded: Some(d.day()),
            closed: (d.below(10) == 0).then(|| d.day()),
            employees,
            youth_employees: employees / 2,
        });
    }
    for _ in 0..leases {
        let starts = d.day();
        let end = match d.below(4) {
            0 => LeaseEnd::Graduated,
            1 => LeaseEnd::Closed,
            _ => LeaseEnd::Open,
        };
        data.leases.push(LeaseFact {
            firm: format!("F{}", d.below(firms as u64)),
            zone: d.zone().into(),
            province: provinces[d.below(provinces.len() as u64) as usize].into(),
            incubation: d.below(2) == 0,
            starts,
            ends: starts.add_days(180 + d.below(900) as i64),
            end,
            left_to: (d.below(3) == 0).then(|| provinces[d.below(8) as usize].to_string()),
        });
    }
    for _ in 0..filings {
        data.filings.push(FilingFact {
            firm: format!("F{}", d.below(firms as u64)),
            period_end: d.day(),
            employees: Some(d.below(80) as i64),
            youth_employees: Some(d.below(40) as i64),
            investment_krw: d.below(1_000) as i64 * 1_000_000,
        });
    }
    for _ in 0..bookings {
        data.bookings.push(BookingFact {
            zone: d.zone().into(),
            day: d.day(),
            minutes: 30 * (1 + d.below(8) as i64),
            used: d.below(10) < 8,
        });
    }
    for z in ZONES {
        for y in FIRST_YEAR..FIRST_YEAR + YEARS {
            data.open_minutes
                .insert((z.to_string(), y), 40 * 250 * 9 * 60);
        }
    }
    for _ in 0..awards {
        let submitted = d.day();
        data.awards.push(AwardFact {
            zone: d.zone().into(),
            firm: format!("F{}", d.below(firms as u64)),
            submitted: Some(submitted),
            selected: (d.below(4) == 0).then(|| submitted.add_days(60)),
            amount_krw: d.below(100) as i64 * 1_000_000,
        });
    }
    for _ in 0..other {
        data.investments.push(InvestmentFact {
            id: format!("inv-{}", data.investments.len()),
            investor: "anchor".into(),
            zone: d.zone().into(),
            day: d.day(),
            amount_krw: d.below(10_000) as i64 * 1_000_000,
        });
        let planned = d.day();
        data.milestones.push(MilestoneFact {
            id: format!("m-{}", data.milestones.len()),
            zone: d.zone().into(),
            planned,
            done: (d.below(3) > 0).then(|| planned.add_days(d.below(200) as i64 - 100)),
        });
    }
    Ok(data)
}

pub fn run(catalog: Catalog, records: usize, seed: u64) -> anyhow::Result<()> {
    let formulas: Vec<(String, IndicatorFormula, Normalise)> = catalog
        .indicators
        .iter()
        .map(|i| {
            evaluation::formula(&i.formula)
                .map(|f| (i.id.to_string(), f, i.normalise))
                .map_err(|e| anyhow::anyhow!("indicator {}: {e}", i.id))
        })
        .collect::<anyhow::Result<_>>()?;
    let made = Instant::now();
    let data = dataset(records, seed)?;
    let made = made.elapsed();
    let total = data.firms.len()
        + data.leases.len()
        + data.filings.len()
        + data.bookings.len()
        + data.awards.len()
        + data.investments.len()
        + data.milestones.len();
    let started = Instant::now();
    let index = evaluation::dataset::Index::new(&data);
    let indexed = started.elapsed();
    let mut values = 0;
    let mut checksum = 0.0;
    for zone in ZONES {
        for year in FIRST_YEAR..FIRST_YEAR + YEARS {
            let measures = index.measures(zone, year);
            for v in evaluation::evaluate(&formulas, &measures) {
                values += 1;
                checksum += v.value.unwrap_or_default();
            }
        }
    }
    let all = started.elapsed();
    // The measures SQL counts with GROUP BY, summed over every zone-year, as ucz has them.
    let grouped = [
        MeasureId::BookedMinutes,
        MeasureId::Applications,
        MeasureId::Awards,
        MeasureId::AwardAmount,
        MeasureId::MilestonesDue,
        MeasureId::MilestonesDone,
        MeasureId::FirmsFounded,
    ];
    let mut ours = vec![0.0; grouped.len()];
    for zone in ZONES {
        for year in FIRST_YEAR..FIRST_YEAR + YEARS {
            let m = index.measures(zone, year);
            for (total, id) in ours.iter_mut().zip(grouped) {
                *total += m.get(id);
            }
        }
    }
    let beside = sqlite_beside(&data, &grouped, &ours)?;
    output::text(&format!(
        "records: {total} (firms {}, leases {}, filings {}, bookings {}, applications {}, investments {}, milestones {}; made in {:.2} s)\n\
         indicators: {} × {} zones × {YEARS} years = {values} values (checksum {checksum:.0})\n\
         index: {:.0} ms; all indicators: {:.0} ms in all, {:.1} ms per zone-year\n",
        data.firms.len(),
        data.leases.len(),
        data.filings.len(),
        data.bookings.len(),
        data.awards.len(),
        data.investments.len(),
        data.milestones.len(),
        made.as_secs_f64(),
        formulas.len(),
        ZONES.len(),
        indexed.as_secs_f64() * 1000.0,
        all.as_secs_f64() * 1000.0,
        (all - indexed).as_secs_f64() * 1000.0 / f64::from(YEARS * ZONES.len() as i32),
    ))?;
    output::text(&beside)
}

/// Imports the records into an in-memory SQLite database with the `sqlite3` shell and queries
/// the grouped measures for every zone and year; says the times and whether the totals agree.
fn sqlite_beside(data: &Dataset, grouped: &[MeasureId], ours: &[f64]) -> anyhow::Result<String> {
    use std::fmt::Write as _;
    let Ok(found) = std::process::Command::new("sqlite3")
        .arg("-version")
        .output()
    else {
        return Ok("beside: sqlite3 is not installed here; nothing measured beside ucz\n".into());
    };
    let version = String::from_utf8_lossy(&found.stdout)
        .split_whitespace()
        .next()
        .unwrap_or("?")
        .to_string();
    let dir = tempfile::tempdir()?;
    let write = |name: &str, rows: &mut dyn Iterator<Item = String>| -> anyhow::Result<()> {
        let mut text = String::new();
        for row in rows {
            text.push_str(&row);
            text.push('\n');
        }
        std::fs::write(dir.path().join(name), text)?;
        Ok(())
    };
    let year = |d: Date| d.year();
    write(
        "bookings.csv",
        &mut data.bookings.iter().map(|b| {
            format!(
                "{},{},{},{}",
                b.zone,
                year(b.day),
                b.minutes,
                u8::from(b.used)
            )
        }),
    )?;
    write(
        "awards.csv",
        &mut data.awards.iter().map(|a| {
            format!(
                "{},{},{},{}",
                a.zone,
                a.submitted.map(year).unwrap_or(0),
                a.selected.map(year).unwrap_or(0),
                a.amount_krw
            )
        }),
    )?;
    write(
        "milestones.csv",
        &mut data.milestones.iter().map(|m| {
            format!(
                "{},{},{}",
                m.zone,
                m.planned,
                m.done.map(|d| d.to_string()).unwrap_or_default()
            )
        }),
    )?;
    write(
        "firms.csv",
        &mut data
            .firms
            .iter()
            .map(|f| format!("{},{}", f.zone, f.founded.map(year).unwrap_or(0))),
    )?;
    let years: Vec<String> = (FIRST_YEAR..FIRST_YEAR + YEARS)
        .map(|y| format!("({y})"))
        .collect();
    let script = format!(
        "CREATE TABLE bookings (zone TEXT, year INT, minutes INT, used INT);\n\
         CREATE TABLE awards (zone TEXT, submitted INT, selected INT, amount INT);\n\
         CREATE TABLE milestones (zone TEXT, planned TEXT, done TEXT);\n\
         CREATE TABLE firms (zone TEXT, founded INT);\n\
         CREATE TABLE years (year INT);\n\
         INSERT INTO years VALUES {};\n\
         .mode csv\n\
         .import bookings.csv bookings\n\
         .import awards.csv awards\n\
         .import milestones.csv milestones\n\
         .import firms.csv firms\n\
         .timer on\n\
         SELECT 'booked_minutes', SUM(s) FROM (SELECT zone, year, SUM(minutes) s FROM bookings WHERE used = 1 AND year BETWEEN {FIRST_YEAR} AND {last} GROUP BY zone, year);\n\
         SELECT 'applications', SUM(n) FROM (SELECT zone, submitted, COUNT(*) n FROM awards WHERE submitted BETWEEN {FIRST_YEAR} AND {last} GROUP BY zone, submitted);\n\
         SELECT 'awards', SUM(n), SUM(a) FROM (SELECT zone, selected, COUNT(*) n, SUM(amount) a FROM awards WHERE selected BETWEEN {FIRST_YEAR} AND {last} GROUP BY zone, selected);\n\
         SELECT 'milestones', SUM(due), SUM(done) FROM (SELECT m.zone, y.year, COUNT(*) due, SUM(m.done != '' AND m.done <= y.year || '-12-31') done FROM milestones m JOIN years y ON m.planned <= y.year || '-12-31' GROUP BY m.zone, y.year);\n\
         SELECT 'firms_founded', SUM(n) FROM (SELECT zone, founded, COUNT(*) n FROM firms WHERE founded BETWEEN {FIRST_YEAR} AND {last} GROUP BY zone, founded);\n",
        years.join(", "),
        last = FIRST_YEAR + YEARS - 1,
    );
    let started = Instant::now();
    let run = std::process::Command::new("sqlite3")
        .arg(":memory:")
        .current_dir(dir.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()?;
    let output = {
        let mut run = run;
        if let Some(mut stdin) = run.stdin.take() {
            std::io::Write::write_all(&mut stdin, script.as_bytes())?;
        }
        run.wait_with_output()?
    };
    let wall = started.elapsed();
    let text = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        anyhow::bail!(
            "sqlite3 failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let mut theirs: std::collections::BTreeMap<String, Vec<f64>> = Default::default();
    let mut queried = 0.0;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("Run Time: real ") {
            queried += rest
                .split_whitespace()
                .next()
                .and_then(|t| t.parse::<f64>().ok())
                .unwrap_or(0.0);
        } else {
            let mut cells = line.split(',');
            if let Some(name) = cells.next() {
                theirs.insert(
                    name.to_string(),
                    cells.map(|c| c.parse().unwrap_or(0.0)).collect(),
                );
            }
        }
    }
    let get = |name: &str, i: usize| theirs.get(name).and_then(|v| v.get(i)).copied();
    let sql = [
        get("booked_minutes", 0),
        get("applications", 0),
        get("awards", 0),
        get("awards", 1),
        get("milestones", 0),
        get("milestones", 1),
        get("firms_founded", 0),
    ];
    let mut out = format!(
        "beside: SQLite {version} (sqlite3 shell, in memory): import and queries {:.0} ms, the grouped measures' queries {:.0} ms\n",
        wall.as_secs_f64() * 1000.0,
        queried * 1000.0
    );
    for ((id, ours), sql) in grouped.iter().zip(ours).zip(sql) {
        let agree = sql.is_some_and(|s| (s - ours).abs() < 0.5);
        let _ = writeln!(
            out,
            "  {:<16} ucz {:>16.0}  sqlite {:>16}  {}",
            id.name(),
            ours,
            sql.map_or("—".into(), |s| format!("{s:.0}")),
            if agree { "agree" } else { "DIFFER" }
        );
    }
    Ok(out)
}
