//! `ucz simulate SCENARIO.toml`: the startup pipeline of a few regions, run many times for the base
//! and each variant on common random numbers (`ucz_core::pipeline`), shown side by side: a text
//! table with 90% intervals and small charts, JSON (the whole result) or CSV (one row per variant,
//! region, year and measure). `--detailed` runs one run firm by firm with the exact Post-BI plan.

use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::ValueEnum;
use indicatif::ProgressBar;
use ucz_core::pipeline::detailed::{Detailed, Event};
use ucz_core::pipeline::summary::{Interval, Year};
use ucz_core::pipeline::{self, Options, Scenario, Simulation};
use ucz_core::report::thousands;
use ucz_core::{Catalog, Lang, SourceFile};

use crate::input::{self, BadInput};
use crate::output;

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Csv,
}

/// What was asked on the command line.
pub struct Asked {
    pub scenario: PathBuf,
    pub runs: Option<u32>,
    pub seed: Option<u64>,
    pub format: Format,
    pub detailed: bool,
    pub out: Option<PathBuf>,
    /// Calibrate from this database first.
    pub calibrate: Option<crate::serve_cmd::Settings>,
    pub lang: Lang,
}

/// Reads and checks a scenario file: bad input (exit 2) names its file, line and field.
pub fn read_scenario(catalog: &Catalog, path: &Path) -> Result<Scenario, BadInput> {
    let text = input::read_text(path)?;
    let name = input::name(path);
    Ok(pipeline::parse(SourceFile::new(&name, &text), catalog)?)
}

pub fn run(catalog: &Catalog, asked: Asked) -> anyhow::Result<()> {
    let mut scenario = read_scenario(catalog, &asked.scenario)?;
    if let Some(settings) = &asked.calibrate {
        scenario = calibrated(catalog, settings, scenario)?;
    }
    let mut options = Options::of(&scenario);
    if let Some(runs) = asked.runs {
        if !(1..=pipeline::scenario::MAX_RUNS).contains(&runs) {
            return Err(BadInput(format!(
                "error: --runs {runs}: from 1 to {}",
                pipeline::scenario::MAX_RUNS
            ))
            .into());
        }
        options.runs = runs;
    }
    if let Some(seed) = asked.seed {
        options.seed = seed;
    }
    let text = if asked.detailed {
        let result = pipeline::detailed(&scenario, &catalog.placement, options.seed, 0)?;
        match asked.format {
            Format::Json => json(&result)?,
            Format::Csv => detailed_csv(&result)?,
            Format::Text => detailed_text(&result, catalog, asked.lang),
        }
    } else {
        let bar = if std::io::stderr().is_terminal() {
            crate::match_cmd::progress_bar(u64::from(options.runs), "simulating")
        } else {
            ProgressBar::hidden()
        };
        let result = pipeline::simulate(&scenario, &options, &|n| bar.inc(u64::from(n)));
        bar.finish_and_clear();
        let result = result?;
        match asked.format {
            Format::Json => json(&result)?,
            Format::Csv => csv(&result)?,
            Format::Text => text(&result, catalog, asked.lang),
        }
    };
    match &asked.out {
        None => output::text(&text),
        Some(path) => {
            crate::match_cmd::write_output(path, |w| w.write_all(text.as_bytes()))
                .map_err(|e| BadInput(format!("error: {}: cannot write: {e}", path.display())))?;
            Ok(())
        }
    }
}

/// The scenario calibrated from the database's leases and retention; what changed is told on
/// standard error.
fn calibrated(
    catalog: &Catalog,
    settings: &crate::serve_cmd::Settings,
    scenario: Scenario,
) -> anyhow::Result<Scenario> {
    use crate::serve_cmd::{existing_database, open, runtime};
    existing_database(settings)?;
    runtime()?.block_on(async {
        let store = open(settings).await?;
        let services = ucz_service::Services::new(store, catalog.clone());
        let observed = ucz_service::pipeline::observed(&services, &scenario)
            .await
            .map_err(|e| BadInput(format!("error: calibration: {}", e.detail.render(Lang::En))))?;
        let after = pipeline::calibrate(&scenario, &observed);
        let changes = ucz_service::pipeline::changes(&scenario, &after);
        if changes.is_empty() {
            eprintln!(
                "calibration: no region has {} or more records behind a figure; the file's values stand",
                pipeline::scenario::MIN_RECORDS
            );
        }
        for c in &changes {
            eprintln!("calibrated {} {} = {:.3} ({})", c.region, c.parameter, c.value, c.from);
        }
        Ok(after)
    })
}

fn json(value: &impl serde::Serialize) -> anyhow::Result<String> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    Ok(text)
}

// ---------------------------------------------------------------------------------------------
// CSV

fn csv(result: &Simulation) -> anyhow::Result<String> {
    ucz_service::pipeline::csv(result).map_err(anyhow::Error::msg)
}

fn detailed_csv(result: &Detailed) -> anyhow::Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["variant", "region", "year", "measure", "value"])?;
    for variant in &result.variants {
        for region in &variant.regions {
            for c in &region.years {
                let y = c.year.to_string();
                let values = [
                    ("born", c.born.to_string()),
                    ("incubating", c.incubating.to_string()),
                    ("post_bi", c.post_bi.to_string()),
                    ("scaled_up", c.scaled_up.to_string()),
                    ("active", c.active.to_string()),
                    ("closed", c.closed.to_string()),
                    ("left", c.left.to_string()),
                    ("graduated", c.graduated.to_string()),
                    ("placed", c.placed.to_string()),
                    (
                        "retention",
                        c.retention.map(|r| r.to_string()).unwrap_or_default(),
                    ),
                ];
                for (measure, value) in values {
                    w.write_record([
                        variant.id.as_str(),
                        region.region.as_str(),
                        &y,
                        measure,
                        &value,
                    ])?;
                }
            }
        }
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

// ---------------------------------------------------------------------------------------------
// Text

/// Columns a text takes on a terminal: Hangul and other wide characters take two.
fn width(text: &str) -> usize {
    text.chars()
        .map(|c| match c as u32 {
            0x1100..=0x115F
            | 0x2E80..=0xA4CF
            | 0xAC00..=0xD7A3
            | 0xF900..=0xFAFF
            | 0xFE30..=0xFE4F
            | 0xFF00..=0xFF60
            | 0xFFE0..=0xFFE6 => 2,
            _ => 1,
        })
        .sum()
}

fn pad(text: &str, to: usize) -> String {
    format!("{text}{}", " ".repeat(to.saturating_sub(width(text))))
}

fn region_name(catalog: &Catalog, id: &str, lang: Lang) -> String {
    catalog
        .regions
        .iter()
        .find(|r| r.id.as_str() == id)
        .map_or(id.to_string(), |r| {
            lang.pick(&r.name_ko, &r.name_en).to_string()
        })
}

fn percent(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

fn share_cell(i: Option<Interval>) -> String {
    match i {
        Some(i) => format!(
            "{} [{}–{}]",
            percent(i.mean),
            percent(i.p5).trim_end_matches('%'),
            percent(i.p95)
        ),
        None => "—".to_string(),
    }
}

fn count_cell(i: Interval) -> String {
    format!(
        "{} [{}–{}]",
        thousands(i.mean),
        thousands(i.p5),
        thousands(i.p95)
    )
}

fn signed(v: f64, text: String) -> String {
    if v > 0.0 { format!("+{text}") } else { text }
}

/// The eighths of a block, for bars and sparklines.
const BLOCKS: [char; 8] = ['▏', '▎', '▍', '▌', '▋', '▊', '▉', '█'];
const SPARKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

fn bar(share: f64, cells: usize) -> String {
    let eighths = (share.clamp(0.0, 1.0) * (cells * 8) as f64).round() as usize;
    let mut out = "█".repeat(eighths / 8);
    if eighths % 8 > 0 {
        out.push(BLOCKS[eighths % 8 - 1]);
    }
    pad(&out, cells)
}

fn spark(values: &[Option<f64>]) -> String {
    values
        .iter()
        .map(|v| match v {
            Some(v) => SPARKS[((v.clamp(0.0, 1.0) * 7.0).round() as usize).min(7)],
            None => ' ',
        })
        .collect()
}

fn text(result: &Simulation, catalog: &Catalog, lang: Lang) -> String {
    let ko = lang == Lang::Ko;
    let mut out = String::new();
    let end = result.start_year + result.years as i32 - 1;
    let _ = writeln!(
        out,
        "{} ({})",
        lang.pick(&result.scenario.name_ko, &result.scenario.name_en),
        result.scenario.id
    );
    let _ = writeln!(
        out,
        "{}",
        if ko {
            format!(
                "{}–{}년, {}회 실행, seed {}; 평균 [90% 구간: 5–95 백분위], {end}년 말",
                result.start_year,
                end,
                thousands(f64::from(result.runs)),
                result.seed
            )
        } else {
            format!(
                "{}–{end}, {} runs, seed {}; mean [90% interval: 5th–95th percentile], end of {end}",
                result.start_year,
                thousands(f64::from(result.runs)),
                result.seed
            )
        }
    );
    let _ = writeln!(out);
    let ids: Vec<&str> = result.variants.iter().map(|v| v.id.as_str()).collect();
    for v in &result.variants {
        let _ = writeln!(
            out,
            "  {:<w$}  {}",
            v.id,
            lang.pick(&v.name_ko, &v.name_en),
            w = ids.iter().map(|i| i.len()).max().unwrap_or(4)
        );
    }
    let labels: [(&str, &str); 6] = [
        ("잔류율", "Retention"),
        ("기준 대비 잔류율", "Retention vs base"),
        ("수도권 이탈 (누적)", "Left for the capital region"),
        ("활동 기업 (연말)", "Active firms (year end)"),
        ("Post-BI 입주 (누적)", "Placed in Post-BI space"),
        ("졸업 (누적)", "Graduated"),
    ];
    let label_width = labels
        .iter()
        .map(|(k, e)| width(lang.pick(k, e)))
        .max()
        .unwrap_or(10)
        + 2;
    let Some(base) = result.variants.first() else {
        return out;
    };
    for (r, region) in base.regions.iter().enumerate() {
        let last =
            |v: usize| -> Option<&Year> { result.variants.get(v)?.regions.get(r)?.years.last() };
        let mut rows: Vec<(String, Vec<String>)> = Vec::new();
        let cells = |f: &dyn Fn(&Year) -> String| -> Vec<String> {
            (0..result.variants.len())
                .map(|v| last(v).map_or(String::new(), f))
                .collect()
        };
        rows.push((
            lang.pick(labels[0].0, labels[0].1).to_string(),
            cells(&|y| share_cell(y.retention)),
        ));
        rows.push((
            lang.pick(labels[1].0, labels[1].1).to_string(),
            cells(&|y| match &y.versus_base {
                None => "—".to_string(),
                Some(v) => match v.retention {
                    None => "—".to_string(),
                    Some(d) => {
                        let pp = |x: f64| format!("{:.1}", x * 100.0);
                        format!(
                            "{}{} [{}–{}] {}↑ {}↓",
                            signed(d.mean, pp(d.mean)),
                            if ko { "%p" } else { " pp" },
                            pp(d.p5),
                            pp(d.p95),
                            v.retention_higher_runs,
                            v.retention_lower_runs
                        )
                    }
                },
            }),
        ));
        rows.push((
            lang.pick(labels[2].0, labels[2].1).to_string(),
            cells(&|y| count_cell(y.left)),
        ));
        rows.push((
            lang.pick(labels[3].0, labels[3].1).to_string(),
            cells(&|y| count_cell(y.active)),
        ));
        rows.push((
            lang.pick(labels[4].0, labels[4].1).to_string(),
            cells(&|y| count_cell(y.placed)),
        ));
        rows.push((
            lang.pick(labels[5].0, labels[5].1).to_string(),
            cells(&|y| count_cell(y.graduated)),
        ));
        let column_widths: Vec<usize> = (0..result.variants.len())
            .map(|v| {
                rows.iter()
                    .map(|(_, c)| width(&c[v]))
                    .chain([width(ids[v])])
                    .max()
                    .unwrap_or(0)
                    + 2
            })
            .collect();
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "■ {} ({})",
            region_name(catalog, &region.region, lang),
            region.region
        );
        let mut header = format!("  {}", pad("", label_width));
        for (v, id) in ids.iter().enumerate() {
            header.push_str(&pad(id, column_widths[v]));
        }
        let _ = writeln!(out, "{}", header.trim_end());
        for (label, cells) in &rows {
            let mut line = format!("  {}", pad(label, label_width));
            for (v, cell) in cells.iter().enumerate() {
                line.push_str(&pad(cell, column_widths[v]));
            }
            let _ = writeln!(out, "{}", line.trim_end());
        }
        // Charts: retention at the end as bars, and year by year as a sparkline (0 to 100%).
        let _ = writeln!(
            out,
            "  {}",
            if ko {
                format!(
                    "잔류율 (평균; 막대 {end}년 말, 추이 {}–{end}년)",
                    result.start_year
                )
            } else {
                format!(
                    "Retention (mean; bar at the end of {end}, trend {}–{end})",
                    result.start_year
                )
            }
        );
        let id_width = ids.iter().map(|i| width(i)).max().unwrap_or(4) + 2;
        for (v, variant) in result.variants.iter().enumerate() {
            let Some(reg) = variant.regions.get(r) else {
                continue;
            };
            let mean = last(v).and_then(|y| y.retention).map(|i| i.mean);
            let trend: Vec<Option<f64>> = reg
                .years
                .iter()
                .map(|y| y.retention.map(|i| i.mean))
                .collect();
            let _ = writeln!(
                out,
                "    {}{} {:>6}  {}",
                pad(ids[v], id_width),
                bar(mean.unwrap_or(0.0), 30),
                mean.map_or("—".to_string(), percent),
                spark(&trend)
            );
        }
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{}",
        if ko {
            "잔류율: 시작 이후 졸업기업 중 졸업 시 지역에 남은(Post-BI 입주 또는 공간 없이 잔류) 비율. ↑/↓: 기준보다 높은/낮은 실행 수 (공통 난수)."
        } else {
            "Retention: share of the graduates since the start that stayed in the region at graduation (placed in Post-BI space, or stayed without it). ↑/↓: runs above/below the base (common random numbers)."
        }
    );
    out
}

fn detailed_text(result: &Detailed, catalog: &Catalog, lang: Lang) -> String {
    let ko = lang == Lang::Ko;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} ({}) — {}",
        lang.pick(&result.scenario.name_ko, &result.scenario.name_en),
        result.scenario.id,
        if ko {
            format!(
                "상세 실행 (seed {}, 실행 {}): 매월 Post-BI 배치는 최적 배치 계획",
                result.seed, result.run
            )
        } else {
            format!(
                "detailed run (seed {}, run {}): each month's Post-BI placement is the optimal plan",
                result.seed, result.run
            )
        }
    );
    let head = if ko {
        [
            "연도",
            "창업",
            "보육",
            "Post-BI",
            "성장",
            "활동",
            "폐업",
            "이탈",
            "졸업",
            "입주",
            "잔류율",
        ]
    } else {
        [
            "year",
            "born",
            "incub.",
            "post-BI",
            "scaled",
            "active",
            "closed",
            "left",
            "grad.",
            "placed",
            "retention",
        ]
    };
    const SHOWN: usize = 8;
    for variant in &result.variants {
        for region in &variant.regions {
            let _ = writeln!(out);
            let _ = writeln!(
                out,
                "■ {} — {} ({})",
                lang.pick(&variant.name_ko, &variant.name_en),
                region_name(catalog, &region.region, lang),
                region.region
            );
            let line = |cells: &[String]| {
                let mut l = String::from("  ");
                for c in cells {
                    l.push_str(&pad(c, 10));
                }
                l.trim_end().to_string()
            };
            let _ = writeln!(out, "{}", line(&head.map(|h| h.to_string())));
            for c in &region.years {
                let cells = [
                    c.year.to_string(),
                    thousands(f64::from(c.born)),
                    thousands(f64::from(c.incubating)),
                    thousands(f64::from(c.post_bi)),
                    thousands(f64::from(c.scaled_up)),
                    thousands(f64::from(c.active)),
                    thousands(f64::from(c.closed)),
                    thousands(f64::from(c.left)),
                    thousands(f64::from(c.graduated)),
                    thousands(f64::from(c.placed)),
                    c.retention.map_or("—".to_string(), percent),
                ];
                let _ = writeln!(out, "{}", line(&cells));
            }
            let _ = writeln!(
                out,
                "  {}",
                if ko {
                    format!(
                        "기업 경로 (처음 {SHOWN}곳, 전체 {}곳은 --format json):",
                        region.firms.len()
                    )
                } else {
                    format!(
                        "Firm paths (first {SHOWN} of {}; all with --format json):",
                        region.firms.len()
                    )
                }
            );
            for firm in region.firms.iter().take(SHOWN) {
                let steps: Vec<String> = firm
                    .steps
                    .iter()
                    .map(|s| {
                        let word = match (s.event, ko) {
                            (Event::Born, true) => "창업",
                            (Event::Born, false) => "born",
                            (Event::Graduated, true) => "졸업",
                            (Event::Graduated, false) => "graduated",
                            (Event::Placed, true) => "입주",
                            (Event::Placed, false) => "placed",
                            (Event::StayedWithoutSpace, true) => "공간 없이 잔류",
                            (Event::StayedWithoutSpace, false) => "stayed without space",
                            (Event::ScaledUp, true) => "성장 이전",
                            (Event::ScaledUp, false) => "scaled up",
                            (Event::Closed, true) => "폐업",
                            (Event::Closed, false) => "closed",
                            (Event::Left, true) => "수도권 이탈",
                            (Event::Left, false) => "left for the capital region",
                        };
                        match &s.space {
                            Some(space) => format!("{} {word} ({space})", s.month),
                            None => format!("{} {word}", s.month),
                        }
                    })
                    .collect();
                let _ = writeln!(out, "    {}: {}", firm.firm, steps.join(" → "));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_characters_take_two_columns() {
        assert_eq!(width("대전"), 4);
        assert_eq!(width("ab"), 2);
        assert_eq!(pad("대", 4), "대  ");
    }

    #[test]
    fn bars_and_sparklines() {
        assert_eq!(bar(1.0, 3), "███");
        assert_eq!(bar(0.0, 2), "  ");
        assert_eq!(spark(&[Some(0.0), Some(1.0), None]), "▁█ ");
    }
}
