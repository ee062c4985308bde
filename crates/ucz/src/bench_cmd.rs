//! `ucz bench match`: the speed of eligibility matching, load excluded.
//!
//! The population is synthetic (`ucz synth firms`). The programs timed are, by default, the
//! bundled `bench/programs-2000.toml`: 2,000 rules of the catalog's shapes with thresholds,
//! regions, sectors, stages and ratios varied as real announcements vary them, so that few
//! kernels are shared. `--variants N` times the catalog's own rules with scaled thresholds
//! instead, and `--rules FILE` a rule set of one's own.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Instant;

use ucz_core::Catalog;
use ucz_core::date::Date;
use ucz_core::eligibility::Rulebook;
use ucz_core::rule::columnar::{Matcher, Population};
use ucz_core::rule::{Expr, ExprKind, Rule};

use crate::match_cmd::threads;
use crate::output;

/// The bundled programs, as `ucz_core::rule::set` reads them.
pub const PROGRAMS: &str = include_str!("../../../bench/programs-2000.toml");

/// The programs timed.
pub enum Programs {
    /// The first N bundled programs.
    Bundled(usize),
    /// The catalog's rules, then variants with other thresholds.
    Variants(usize),
    File(Vec<Rule>),
}

pub fn run(
    catalog: &Catalog,
    firms: usize,
    programs: Programs,
    seed: u64,
    as_of: Date,
) -> anyhow::Result<()> {
    if firms == 0 || matches!(programs, Programs::Variants(0) | Programs::Bundled(0)) {
        return Err(crate::input::BadInput(
            "error: --firms, --programs and --variants must be at least 1".into(),
        )
        .into());
    }
    let rulebook = Rulebook::new(catalog);
    let (rules, source) = match programs {
        Programs::Variants(count) => (
            variants(&rulebook.rules(), count),
            "the catalog's rules with scaled thresholds",
        ),
        Programs::Bundled(count) => {
            let all = bundled()?;
            if count > all.len() {
                return Err(crate::input::BadInput(format!(
                    "error: --programs: the bundled set has {} programs; --variants N times more",
                    all.len()
                ))
                .into());
            }
            (
                all.into_iter().take(count).collect(),
                "bench/programs-2000.toml",
            )
        }
        Programs::File(rules) => (rules, "the rule file"),
    };

    eprintln!("loading {firms} synthetic firms (not timed)…");
    let load = Instant::now();
    let population_firms = ucz_core::synth::firms(firms, seed, as_of);
    let started = Instant::now();
    let matcher = Matcher::compile(&rules);
    let compile_time = started.elapsed();
    let population = Population::new(&population_firms, as_of, catalog, &matcher.fields());
    let load_time = load.elapsed() - compile_time;
    // Kernels each rule would need compiled alone: what sharing saves.
    let unshared: usize = rules
        .iter()
        .map(|r| Matcher::compile(std::slice::from_ref(r)).kernel_count())
        .sum();

    let cpu_before = cpu_seconds();
    let started = Instant::now();
    let pairs = AtomicU64::new(0);
    let threads = threads();
    matcher.run(&population, threads, &AtomicUsize::new(0), &|_, chunk| {
        let found: u64 = (0..matcher.rule_count())
            .map(|r| u64::from(chunk.count(r)))
            .sum();
        pairs.fetch_add(found, Ordering::Relaxed);
    })?;
    let evaluation = started.elapsed();
    // On a shared machine the threads wait for cores; their CPU time says what the work cost.
    let cpu = match (cpu_before, cpu_seconds()) {
        (Some(before), Some(after)) => format!("{:.2} s", after - before),
        _ => "unknown".into(),
    };
    let wall = evaluation + compile_time;
    let evaluations = firms as f64 * rules.len() as f64;

    // One firm against the whole catalog, with explanations.
    let sample: Vec<_> = population_firms.iter().take(1000).collect();
    let one = Instant::now();
    let mut explained = 0usize;
    for firm in &sample {
        explained += rulebook.package(catalog, firm, as_of).ineligible.len();
    }
    let per_firm = one.elapsed() / sample.len().max(1) as u32;

    output::text(&format!(
        "firms: {firms}\nprograms: {}\nprograms timed: {source}\n\
         kernels (shared sub-expressions, compiled once): {} ({} by interpreter)\n\
         kernels if each rule were compiled alone: {unshared}\n\
         threads: {threads}\neligible pairs: {}\n\
         evaluations: {evaluations:.0}\nevaluations per second: {:.3e}\n\
         evaluation time: {:.3} s (CPU time of all threads: {cpu})\n\
         wall time: {:.3} s (compile {:.3} s; load {:.2} s not counted)\n\
         peak memory (VmHWM, whole process): {}\n\
         one firm, whole catalog ({} programs) with explanations: {:.1} µs (mean of {} firms, {explained} refusals explained)\n",
        rules.len(),
        matcher.kernel_count(),
        matcher.value_kernel_count(),
        pairs.load(Ordering::Relaxed),
        evaluations / wall.as_secs_f64(),
        evaluation.as_secs_f64(),
        wall.as_secs_f64(),
        compile_time.as_secs_f64(),
        load_time.as_secs_f64(),
        peak_memory().unwrap_or_else(|| "unknown".into()),
        rulebook.programs.len(),
        per_firm.as_secs_f64() * 1e6,
        sample.len(),
    ))
}

/// The bundled programs' rules.
fn bundled() -> anyhow::Result<Vec<Rule>> {
    let file = ucz_core::SourceFile::new("bench/programs-2000.toml", PROGRAMS);
    ucz_core::rule::set::parse(file)
        .map(|rules| rules.into_iter().map(|r| r.rule).collect())
        .map_err(|errors| anyhow::anyhow!("the bundled programs: {errors}"))
}

/// The process's user and system CPU time so far, all threads (Linux, in clock ticks of
/// 10 ms).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

/// The process's peak resident memory, from `/proc/self/status` (Linux).
fn peak_memory() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(format!("{:.0} MiB", kib as f64 / 1024.0))
}

/// `count` rules: the catalog's, then variants whose thresholds move with each round: integers
/// above 1 by +round, doubles by ×(1 + round/100). Rules without thresholds repeat as they are.
pub fn variants(base: &[Rule], count: usize) -> Vec<Rule> {
    (0..count)
        .filter_map(|i| {
            let rule = &base[i % base.len()];
            let round = i / base.len();
            if round == 0 {
                return Some(rule.clone());
            }
            Rule::from_expr(scale(rule.expr(), round)).ok()
        })
        .collect()
}

fn scale(expr: &Expr, round: usize) -> Expr {
    let factor = round;
    let kind = match &expr.kind {
        ExprKind::Int(i) if *i > 1 => ExprKind::Int(i.saturating_add(round as i64)),
        ExprKind::Double(d) => ExprKind::Double(d * (1.0 + round as f64 / 100.0)),
        ExprKind::Unary(op, a) => ExprKind::Unary(*op, Box::new(scale(a, factor))),
        ExprKind::Binary(op, a, b) => {
            ExprKind::Binary(*op, Box::new(scale(a, factor)), Box::new(scale(b, factor)))
        }
        ExprKind::Conditional(c, a, b) => ExprKind::Conditional(
            Box::new(scale(c, factor)),
            Box::new(scale(a, factor)),
            Box::new(scale(b, factor)),
        ),
        other => other.clone(),
    };
    Expr {
        kind,
        span: expr.span.clone(),
    }
}

/// A small deterministic generator (splitmix64), so the bundled file can be made again.
struct Draw(u64);

impl Draw {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo + 1) as u64) as i64
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.next() as usize % items.len()]
    }

    fn percent(&mut self, p: u64) -> bool {
        self.next() % 100 < p
    }

    /// An amount of won between `lo` and `hi` million, in whole millions.
    fn won(&mut self, lo: i64, hi: i64) -> i64 {
        self.range(lo, hi) * 1_000_000
    }

    /// A ratio with two or three decimals.
    fn ratio(&mut self, lo: i64, hi: i64) -> String {
        format!("{:.3}", self.range(lo, hi) as f64 / 1000.0)
    }
}

const STAGES: [&str; 5] = ["pre_startup", "early", "growth", "scale_up", "established"];
const SECTIONS: [&str; 10] = ["C", "J", "M", "D", "E", "F", "G", "N", "Q", "H"];
const DIVISIONS: [&str; 10] = [
    "C10", "C20", "C21", "C26", "C27", "C28", "C29", "J58", "J62", "M70",
];
const REGIONS: [&str; 17] = [
    "seoul",
    "busan",
    "daegu",
    "incheon",
    "gwangju",
    "daejeon",
    "ulsan",
    "sejong",
    "gyeonggi",
    "gangwon",
    "chungbuk",
    "chungnam",
    "jeonbuk",
    "jeonnam",
    "gyeongbuk",
    "gyeongnam",
    "jeju",
];
const ZONES: [&str; 5] = ["busan", "daegu", "gwangju", "daejeon", "ulsan"];
const DESIGNATIONS: [&str; 11] = [
    "rnd_special_zone",
    "regulation_free_zone",
    "industry_academia_district",
    "knowledge_industry_cluster",
    "investment_leading_district",
    "national_innovation_complex",
    "campus_innovation_park",
    "higher_ed_innovation_area",
    "urban_hightech_complex",
    "opportunity_development_zone",
    "global_innovation_zone",
];

fn quoted(items: &[&str]) -> String {
    let parts: Vec<String> = items.iter().map(|i| format!("\"{i}\"")).collect();
    format!("[{}]", parts.join(", "))
}

/// Some distinct items of a list, in its order.
fn some<'a>(draw: &mut Draw, items: &[&'a str], lo: usize, hi: usize) -> Vec<&'a str> {
    let count = draw.range(lo as i64, hi as i64) as usize;
    let mut chosen: Vec<usize> = Vec::new();
    while chosen.len() < count.min(items.len()) {
        let i = draw.next() as usize % items.len();
        if !chosen.contains(&i) {
            chosen.push(i);
        }
    }
    chosen.sort_unstable();
    chosen.into_iter().map(|i| items[i]).collect()
}

/// One clause of a program's eligibility, with its shape's name; `conditional` asks for a shape
/// with `?:`.
fn clause(draw: &mut Draw, conditional: bool) -> (&'static str, String) {
    if conditional {
        return match draw.range(0, 6) {
            0 => (
                "rnd_intensity",
                format!(
                    "(firm.revenue_krw > 0 ? double(firm.rnd_spend_krw) / double(firm.revenue_krw) : 0.0) >= {}",
                    draw.ratio(10, 200)
                ),
            ),
            1 => (
                "export_share",
                format!(
                    "(firm.revenue_krw > 0 ? double(firm.export_revenue_krw) / double(firm.revenue_krw) : 0.0) >= {}",
                    draw.ratio(50, 500)
                ),
            ),
            2 => (
                "youth_share",
                format!(
                    "(firm.employees > 0 ? firm.youth_employees * 100 / firm.employees : 0) >= {}",
                    draw.range(10, 70)
                ),
            ),
            3 => (
                "revenue_per_head",
                format!(
                    "(firm.employees > 0 ? firm.revenue_krw / firm.employees : 0) >= {}",
                    draw.won(30, 400)
                ),
            ),
            4 => (
                "size_by_sector",
                format!(
                    "firm.employees < (firm.sector.startsWith(\"{}\") ? {} : {})",
                    draw.pick(&SECTIONS),
                    draw.range(100, 1000),
                    draw.range(10, 300)
                ),
            ),
            5 => (
                "founder_by_incubator",
                format!(
                    "firm.founder_age <= (firm.in_incubator ? {} : {})",
                    draw.range(35, 49),
                    draw.range(29, 39)
                ),
            ),
            _ => (
                "revenue_by_stage",
                format!(
                    "firm.revenue_krw >= (firm.stage == \"scale_up\" ? {} : {})",
                    draw.won(1_000, 20_000),
                    draw.won(50, 2_000)
                ),
            ),
        };
    }
    match draw.range(0, 17) {
        0 => ("young", format!("firm.age_years < {}", draw.range(2, 15))),
        1 => {
            let from = draw.range(1, 7);
            (
                "age_band",
                format!(
                    "firm.age_years >= {from} && firm.age_years < {}",
                    from + draw.range(2, 8)
                ),
            )
        }
        2 => ("small", format!("firm.employees < {}", draw.range(5, 1000))),
        3 => (
            "employer",
            format!("firm.employees >= {}", draw.range(1, 50)),
        ),
        4 => ("regional", "!firm.capital_region".to_string()),
        5 => (
            "designation",
            format!("\"{}\" in firm.designations", draw.pick(&DESIGNATIONS)),
        ),
        6 => {
            let sections = some(draw, &SECTIONS, 1, 3);
            let tests: Vec<String> = sections
                .iter()
                .map(|s| format!("firm.sector.startsWith(\"{s}\")"))
                .collect();
            ("sectors", format!("({})", tests.join(" || ")))
        }
        7 => (
            "divisions",
            format!("firm.sector in {}", quoted(&some(draw, &DIVISIONS, 1, 4))),
        ),
        8 => (
            "regions",
            format!("firm.region in {}", quoted(&some(draw, &REGIONS, 1, 4))),
        ),
        9 => match draw.range(0, 2) {
            0 => ("zone_tenant", "firm.zone != \"\"".to_string()),
            _ => ("zone", format!("firm.zone == \"{}\"", draw.pick(&ZONES))),
        },
        10 => (
            "young_founder",
            format!("firm.founder_age <= {}", draw.range(29, 45)),
        ),
        11 => (
            "youth_hiring",
            format!(
                "firm.employees > 0 && firm.youth_employees * {} >= firm.employees",
                draw.range(2, 5)
            ),
        ),
        12 => (
            "rnd_ratio",
            format!(
                "double(firm.rnd_spend_krw) >= {} * double(firm.revenue_krw)",
                draw.ratio(10, 200)
            ),
        ),
        13 => {
            let lo = draw.won(100, 5_000);
            (
                "revenue_band",
                format!(
                    "firm.revenue_krw >= {lo} && firm.revenue_krw < {}",
                    lo + draw.won(500, 50_000)
                ),
            )
        }
        14 => (
            "research_capacity",
            format!(
                "(firm.has_rnd_lab || firm.venture_certified || firm.rnd_spend_krw >= {})",
                draw.won(50, 1_000)
            ),
        ),
        15 => match draw.range(0, 2) {
            0 => (
                "incubator_graduate",
                "firm.graduated_incubator && !firm.in_incubator".to_string(),
            ),
            _ => ("incubated", "firm.in_incubator".to_string()),
        },
        16 => (
            "rnd_active",
            format!("firm.rnd_spend_krw > {}", draw.won(0, 300)),
        ),
        _ => ("venture", "firm.venture_certified".to_string()),
    }
}

/// `count` programs of the catalog's shapes as a rule-set file: each applies a range of stages
/// first, as the catalog's programs do, then one to three clauses; about a quarter have a `?:`.
pub fn generate_programs(count: usize, seed: u64) -> String {
    let mut draw = Draw(seed);
    let mut out = String::from(
        "# Benchmark programs: the shapes of the catalog's eligibility rules (stages, firm age, size,\n\
         # region, sector, designations, zone tenancy, founder age, R&D, export and youth ratios,\n\
         # revenue bands, `?:` thresholds) with their numbers, regions, sectors and stages varied as\n\
         # real announcements vary them. Made by `generate_programs` in crates/ucz/src/bench_cmd.rs\n\
         # (a test keeps this file equal to its output; `ucz bench match --write-programs FILE`\n\
         # writes it again).\n\
         # `ucz bench match` times these by default.\n",
    );
    for i in 0..count {
        let first = draw.range(0, 3) as usize;
        let last = (first + draw.range(0, 3) as usize).min(STAGES.len() - 1);
        let mut parts = vec![format!("firm.stage in {}", quoted(&STAGES[first..=last]))];
        let mut names = Vec::new();
        let conditional = draw.percent(25);
        let clauses = draw.range(1, 3);
        for c in 0..clauses {
            let (name, text) = clause(&mut draw, conditional && c == 0);
            names.push(name);
            parts.push(if text.contains(" || ") && !text.starts_with('(') {
                format!("({text})")
            } else {
                text
            });
        }
        let _ = write!(
            out,
            "\n[[rule]]\nid = \"p{:04}_{}\"\nrule = '{}'\n",
            i + 1,
            names.join("_"),
            parts.join(" && ")
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bundled file is the generator's output, and every program in it parses.
    #[test]
    fn the_bundled_programs_are_the_generators() {
        let generated = generate_programs(2_000, 2026);
        assert!(
            generated == PROGRAMS,
            "bench/programs-2000.toml differs from generate_programs; write it again with \
             `ucz bench match --write-programs bench/programs-2000.toml`"
        );
        let rules = bundled().expect("the bundled programs parse");
        assert_eq!(rules.len(), 2_000);
        let conditional = rules.iter().filter(|r| r.text().contains('?')).count();
        assert!((300..700).contains(&conditional), "{conditional}");
    }

    /// Amounts and ratios vary, so that few of their threshold kernels are shared across
    /// programs: most amounts of won and ratios the programs compare with are their own.
    #[test]
    fn the_bundled_programs_rarely_share_thresholds() {
        let rules = bundled().expect("the bundled programs parse");
        let mut numbers = Vec::new();
        for rule in &rules {
            ucz_core::rule::visit(rule.expr(), &mut |e| match &e.kind {
                ExprKind::Int(i) if *i >= 1_000_000 => numbers.push(i.to_string()),
                ExprKind::Double(d) if *d > 0.0 => numbers.push(d.to_string()),
                _ => {}
            });
        }
        let all = numbers.len();
        numbers.sort();
        numbers.dedup();
        assert!(all > 1_000, "{all}");
        assert!(
            numbers.len() * 3 > all * 2,
            "{} distinct of {all}",
            numbers.len()
        );
        let matcher = Matcher::compile(&rules);
        assert_eq!(matcher.value_kernel_count(), 0);
    }
}
