//! The pipeline's promises: firms are conserved, more Post-BI space never lowers retention on
//! common random numbers, the same seed gives the same result on any number of threads, and a
//! bad scenario is told at its line and field.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::model::{self, MEASURES, Measure, Model, Scratch};
use super::random::Stream;
use super::scenario::{
    BIRTH_SOURCES, Change, Figure, Param, Provenance, RegionSpec, Space, Variant,
};
use super::*;
use crate::{Catalog, SourceFile};

const EXAMPLE: &str = include_str!("../../../../examples/scenarios/daejeon-post-bi.toml");

fn catalog() -> Catalog {
    Catalog::bundled().expect("the bundled catalog")
}

fn example() -> Scenario {
    parse(SourceFile::new("daejeon-post-bi.toml", EXAMPLE), &catalog())
        .unwrap_or_else(|e| panic!("{e}"))
}

fn no_progress(_: u32) {}

fn value(values: &[f64], at: usize, m: Measure) -> f64 {
    values[at + m as usize]
}

/// Every (run, model, region, year) row of the values.
fn rows(models: &[Model], values: &[f64]) -> Vec<(usize, usize, usize, usize, usize)> {
    let size = model::run_size(models);
    let runs = values.len() / size.max(1);
    let mut out = Vec::new();
    for run in 0..runs {
        let mut at = run * size;
        for (v, m) in models.iter().enumerate() {
            for r in 0..m.regions.len() {
                for y in 0..m.years as usize {
                    out.push((at, run, v, r, y));
                    at += MEASURES;
                }
            }
        }
    }
    out
}

#[test]
fn the_example_scenario_reads() {
    let s = example();
    assert_eq!(s.regions.len(), 5);
    assert_eq!(s.variants.len(), 2);
    assert_eq!((s.years, s.runs, s.start_year), (10, 1000, 2026));
    let daejeon = s
        .regions
        .iter()
        .find(|r| r.id == "daejeon")
        .expect("daejeon");
    assert_eq!(daejeon.value("births.research_institutes"), 75.0);
    // From [defaults].
    assert_eq!(daejeon.value("incubation_months"), 30.0);
    assert!(matches!(
        daejeon.params["incubation_months"].provenance,
        Provenance::Source(_)
    ));
    let added = &s.regions_of(Some(0))[3];
    assert_eq!(added.spaces.len(), daejeon.spaces.len() + 1);
    assert_eq!(added.spaces.last().map(|s| s.m2.value), Some(30_000.0));
    assert_eq!(
        s.regions_of(Some(1))[3].spaces.len(),
        daejeon.spaces.len() + 3
    );
}

#[test]
fn firms_are_conserved_in_every_run_and_year() {
    let s = example();
    let models = models(&s);
    let values = model::run_all(&models, 7, 40, 2, &no_progress);
    for (at, run, v, r, y) in rows(&models, &values) {
        let get = |m| value(&values, at, m);
        let active = get(Measure::Active);
        assert_eq!(
            active,
            get(Measure::Incubating) + get(Measure::PostBi) + get(Measure::ScaledUp)
        );
        assert_eq!(
            get(Measure::Born),
            active + get(Measure::Closed) + get(Measure::Left),
            "run {run} model {v} region {r} year {y}"
        );
        assert!(get(Measure::Placed) <= get(Measure::Graduated));
    }
    // Firms were born, graduated and placed: the test is not vacuous.
    let last = rows(&models, &values)
        .into_iter()
        .filter(|(_, _, _, _, y)| *y == 9)
        .map(|(at, ..)| value(&values, at, Measure::Placed))
        .sum::<f64>();
    assert!(last > 0.0);
}

#[test]
fn the_same_seed_gives_the_same_result_and_another_seed_another() {
    let s = example();
    let options = Options {
        runs: 30,
        seed: 11,
        threads: 2,
    };
    let a = simulate(&s, &options, &no_progress).expect("runs");
    let b = simulate(&s, &options, &no_progress).expect("runs");
    assert_eq!(a, b);
    let c = simulate(
        &s,
        &Options {
            seed: 12,
            ..options
        },
        &no_progress,
    )
    .expect("runs");
    assert_ne!(a, c);
}

#[test]
fn the_number_of_threads_does_not_change_the_result() {
    let s = example();
    let models = models(&s);
    let one = model::run_all(&models, 3, 17, 1, &no_progress);
    for threads in [2, 3, 8] {
        let many = model::run_all(&models, 3, 17, threads, &no_progress);
        assert!(
            one.iter()
                .zip(&many)
                .all(|(a, b)| a == b || (a.is_nan() && b.is_nan())),
            "{threads} threads"
        );
    }
}

#[test]
fn progress_hears_of_every_run() {
    let s = example();
    let done = std::sync::atomic::AtomicU32::new(0);
    let count = |n: u32| {
        done.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
    };
    let options = Options {
        runs: 9,
        seed: 1,
        threads: 2,
    };
    simulate(&s, &options, &count).expect("runs");
    assert_eq!(done.load(std::sync::atomic::Ordering::Relaxed), 9);
    assert!(simulate(&s, &Options { runs: 0, ..options }, &no_progress).is_err());
}

#[test]
fn daejeon_keeps_more_graduates_with_more_space() {
    let s = example();
    let result = simulate(
        &s,
        &Options {
            runs: 60,
            seed: 5,
            threads: 2,
        },
        &no_progress,
    )
    .expect("runs");
    assert_eq!(result.variants.len(), 3);
    assert_eq!(result.variants[0].id, "base");
    let last = |v: usize, region: &str| {
        let r = result.variants[v]
            .regions
            .iter()
            .find(|r| r.region == region)
            .expect("region");
        r.years.last().cloned().expect("a year")
    };
    let base = last(0, "daejeon");
    let more = last(1, "daejeon");
    let base_retention = base.retention.expect("graduates").mean;
    let more_retention = more.retention.expect("graduates").mean;
    assert!(
        more_retention > base_retention + 0.05,
        "{base_retention} {more_retention}"
    );
    let versus = more.versus_base.expect("a variant");
    assert_eq!(versus.retention_lower_runs, 0);
    assert!(versus.retention_higher_runs > 50);
    assert!(versus.left.mean < 0.0);
    // Other regions are the same firms on the same draws: no difference at all.
    assert_eq!(last(0, "busan").born, last(1, "busan").born);
    assert_eq!(last(0, "busan").retention, last(1, "busan").retention);
    assert!(base.versus_base.is_none());
}

// ----------------------------------------------------------------------------------------------
// Monotonicity on common random numbers

fn param(value: f64) -> Param {
    Param::assumed(value)
}

#[derive(Clone, Debug)]
struct Drawn {
    births: [f64; 3],
    incubation_months: f64,
    survival: [f64; 3],
    post_bi_months: f64,
    leave: f64,
    close: f64,
    leave_after: f64,
    shares: [f64; 3],
    needs: [f64; 3],
    /// (kind, m², opens year offset)
    base: Vec<(usize, f64, i32)>,
    /// Added blocks.
    extra: Vec<(usize, f64, i32)>,
    /// m² added to base blocks (by index, wrapping).
    grow: Vec<(usize, f64)>,
}

fn drawn() -> impl Strategy<Value = Drawn> {
    let block = || (0usize..3, 0.0f64..1_500.0, -1i32..6);
    (
        (
            [0.0f64..40.0, 0.0f64..40.0, 0.0f64..40.0],
            1.0f64..40.0,
            [0.3f64..1.0, 0.3f64..1.0, 0.3f64..1.0],
            1.0f64..60.0,
            0.0f64..1.0,
            0.0f64..1.0,
            0.0f64..0.5,
        ),
        (
            [0.0f64..1.0, 0.0f64..1.0, 0.0f64..1.0],
            [50.0f64..300.0, 50.0f64..300.0, 50.0f64..300.0],
            prop::collection::vec(block(), 0..4),
            prop::collection::vec(block(), 0..3),
            prop::collection::vec((0usize..4, 0.0f64..800.0), 0..3),
        ),
    )
        .prop_map(
            |(
                (births, incubation_months, survival, post_bi_months, leave, close, leave_after),
                (shares, needs, base, extra, grow),
            )| {
                let total: f64 = shares.iter().sum::<f64>().max(1e-9);
                let mut shares = shares.map(|s| s / total);
                if shares.iter().sum::<f64>() == 0.0 {
                    shares = [1.0, 0.0, 0.0];
                }
                Drawn {
                    births,
                    incubation_months,
                    survival,
                    post_bi_months,
                    leave,
                    close: close * (1.0 - leave),
                    leave_after,
                    shares,
                    needs,
                    base,
                    extra,
                    grow,
                }
            },
        )
}

const KINDS: [&str; 3] = ["post_bi_office", "rental_unit", "lab"];

fn region_spec(id: &str, d: &Drawn) -> RegionSpec {
    let mut params = BTreeMap::new();
    for (i, source) in BIRTH_SOURCES.iter().enumerate() {
        params.insert(format!("births.{source}"), param(d.births[i]));
    }
    for (name, v) in [
        ("incubation_months", d.incubation_months),
        ("survival_incubation", d.survival[0]),
        ("post_bi_months", d.post_bi_months),
        ("survival_post_bi", d.survival[1]),
        ("survival_after", d.survival[2]),
        ("unplaced_leave_share", d.leave),
        ("unplaced_close_share", d.close),
        ("leave_per_year_after", d.leave_after),
    ] {
        params.insert(name.to_string(), param(v));
    }
    for (k, kind) in KINDS.iter().enumerate() {
        params.insert(format!("kind_share.{kind}"), param(d.shares[k]));
        params.insert(format!("need_m2.{kind}"), param(d.needs[k]));
    }
    RegionSpec {
        id: id.to_string(),
        params,
        spaces: d
            .base
            .iter()
            .enumerate()
            .map(|(i, &(kind, m2, opens))| Space {
                hub: format!("hub{i}"),
                kind: KINDS[kind].to_string(),
                m2: param(m2),
                opens: Some(2026 + opens),
            })
            .collect(),
        span: None,
    }
}

fn scenario_of(regions: Vec<RegionSpec>, variants: Vec<Variant>, years: u32) -> Scenario {
    Scenario {
        id: "t".into(),
        name_ko: "시험".into(),
        name_en: "Test".into(),
        start_year: 2026,
        years,
        runs: 10,
        seed: 1,
        regions,
        variants,
        kinds: KINDS.iter().map(|k| k.to_string()).collect(),
    }
}

/// The variant: extra blocks added, base blocks grown (in m², from their own opening).
fn more_space(d: &Drawn) -> Vec<Variant> {
    let mut grown = region_spec("daejeon", d);
    for &(i, m2) in &d.grow {
        if let Some(space) = grown.spaces.get_mut(i % d.base.len().max(1)) {
            space.m2.value += m2;
        }
    }
    for (i, &(kind, m2, opens)) in d.extra.iter().enumerate() {
        grown.spaces.push(Space {
            hub: format!("extra{i}"),
            kind: KINDS[kind].to_string(),
            m2: param(m2),
            opens: Some(2026 + opens),
        });
    }
    // Expressed as a change: the region's spaces replaced by the grown ones is not a change a
    // file can make, so the variant is built as a scenario of its own below.
    vec![Variant {
        id: "more".into(),
        name_ko: "더".into(),
        name_en: "More".into(),
        changes: vec![Change {
            region: "daejeon".into(),
            set: BTreeMap::new(),
            add_spaces: grown.spaces[d.base.len()..].to_vec(),
            span: None,
        }],
    }]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    /// More Post-BI capacity — blocks added at any opening year, or base blocks grown — never
    /// lowers retention (nor the number placed) in any paired run, region and year.
    #[test]
    fn more_post_bi_space_never_lowers_retention(d in drawn(), seed in 0u64..1_000) {
        let base = scenario_of(vec![region_spec("daejeon", &d)], Vec::new(), 6);
        // Grown base blocks: a scenario of its own with the same region id (so the same
        // streams), plus the added blocks as its variant.
        let mut grown_region = region_spec("daejeon", &d);
        for &(i, m2) in &d.grow {
            if let Some(space) = grown_region.spaces.get_mut(i % d.base.len().max(1)) {
                space.m2.value += m2;
            }
        }
        let grown = scenario_of(vec![grown_region], more_space(&d), 6);
        let base_models = models(&base);
        let grown_models = models(&grown);
        let runs = 6;
        let a = model::run_all(&base_models, seed, runs, 1, &no_progress);
        let b = model::run_all(&grown_models, seed, runs, 2, &no_progress);
        let size_a = model::run_size(&base_models);
        let size_b = model::run_size(&grown_models);
        for run in 0..runs as usize {
            // The base against the grown base, and against the grown base with blocks added.
            for v in 0..grown_models.len() {
                for y in 0..6 {
                    let at_a = run * size_a + y * MEASURES;
                    let at_b = run * size_b + v * 6 * MEASURES + y * MEASURES;
                    let get_a = |m| value(&a, at_a, m);
                    let get_b = |m| value(&b, at_b, m);
                    prop_assert_eq!(get_a(Measure::Graduated), get_b(Measure::Graduated));
                    prop_assert!(get_b(Measure::Placed) >= get_a(Measure::Placed));
                    let (ra, rb) = (get_a(Measure::Retention), get_b(Measure::Retention));
                    prop_assert!(ra.is_nan() == rb.is_nan());
                    prop_assert!(ra.is_nan() || rb >= ra - 1e-12, "run {} year {}: {} < {}", run, y, rb, ra);
                }
            }
        }
    }
}

// ----------------------------------------------------------------------------------------------
// Hand-checked cases

fn tiny(births: f64, space_m2: f64, leave: f64) -> Scenario {
    let d = Drawn {
        births: [births, 0.0, 0.0],
        incubation_months: 12.0,
        survival: [1.0, 1.0, 1.0],
        post_bi_months: 24.0,
        leave,
        close: 0.0,
        leave_after: 0.0,
        shares: [1.0, 0.0, 0.0],
        needs: [100.0, 100.0, 100.0],
        base: if space_m2 > 0.0 {
            vec![(0, space_m2, 0)]
        } else {
            Vec::new()
        },
        extra: Vec::new(),
        grow: Vec::new(),
    };
    scenario_of(vec![region_spec("daejeon", &d)], Vec::new(), 5)
}

fn one_run(s: &Scenario, run: u32) -> Vec<f64> {
    let models = models(s);
    let mut scratch = vec![Scratch::new(&models[0])];
    let mut out = vec![0.0; model::run_size(&models)];
    model::run_once(&models, 9, run, &mut scratch, &mut out);
    out
}

#[test]
fn no_births_no_firms() {
    let out = one_run(&tiny(0.0, 5_000.0, 0.5), 0);
    for row in out.chunks(MEASURES) {
        for m in Measure::ALL {
            if m == Measure::Retention {
                assert!(row[m as usize].is_nan());
            } else {
                assert_eq!(row[m as usize], 0.0, "{m:?}");
            }
        }
    }
}

#[test]
fn without_space_every_graduate_leaves_when_the_leave_share_is_one() {
    let out = one_run(&tiny(20.0, 0.0, 1.0), 3);
    let mut graduated = 0.0;
    for row in out.chunks(MEASURES) {
        assert_eq!(row[Measure::Placed as usize], 0.0);
        assert_eq!(
            row[Measure::Left as usize],
            row[Measure::Graduated as usize]
        );
        assert_eq!(row[Measure::PostBi as usize], 0.0);
        assert_eq!(row[Measure::ScaledUp as usize], 0.0);
        // Survival 1: nobody closes.
        assert_eq!(row[Measure::Closed as usize], 0.0);
        if row[Measure::Graduated as usize] > 0.0 {
            assert_eq!(row[Measure::Retention as usize], 0.0);
        }
        graduated = row[Measure::Graduated as usize];
    }
    assert!(graduated > 0.0);
}

#[test]
fn with_ample_space_every_graduate_is_placed() {
    let out = one_run(&tiny(20.0, 10_000_000.0, 1.0), 1);
    for row in out.chunks(MEASURES) {
        assert_eq!(
            row[Measure::Placed as usize],
            row[Measure::Graduated as usize]
        );
        assert_eq!(row[Measure::Left as usize], 0.0);
        if row[Measure::Graduated as usize] > 0.0 {
            assert_eq!(row[Measure::Retention as usize], 1.0);
        }
    }
}

#[test]
fn a_unit_is_whole_and_frees_up_when_its_firm_scales_up() {
    // 250 m² of 100 m² units: two units. Births of 30 a year graduate after 6 to 18 months and
    // stay 12 to 36 months: at most two are ever in Post-BI space.
    let out = one_run(&tiny(30.0, 250.0, 0.0), 0);
    let mut placed = 0.0;
    for row in out.chunks(MEASURES) {
        assert!(row[Measure::PostBi as usize] <= 2.0);
        placed = row[Measure::Placed as usize];
    }
    // Units turn over: more than two firms were placed in five years.
    assert!(placed > 2.0, "{placed}");
}

#[test]
fn the_detailed_run_matches_the_aggregate_when_space_never_runs_out() {
    let catalog = catalog();
    let s = tiny(25.0, 10_000_000.0, 0.5);
    let models = models(&s);
    let start = crate::date::Date::new(2026, 1, 1).expect("a date");
    for run in 0..3 {
        let aggregate = one_run(&s, run);
        let exact = detailed::region_values(
            &models[0],
            &models[0].regions[0],
            Stream::run(9, run),
            start,
            &catalog.placement,
        );
        assert_eq!(aggregate.len(), exact.len());
        for (a, b) in aggregate.iter().zip(&exact) {
            assert!(a == b || (a.is_nan() && b.is_nan()), "run {run}: {a} {b}");
        }
    }
}

#[test]
fn the_detailed_run_places_as_many_and_conserves_firms() {
    let catalog = catalog();
    let s = example();
    let d = detailed(&s, &catalog.placement, 4, 0).expect("a run");
    assert_eq!(d.variants.len(), 3);
    for variant in &d.variants {
        for region in &variant.regions {
            for y in &region.years {
                assert_eq!(y.born, y.active + y.closed + y.left);
                assert!(y.placed <= y.graduated);
            }
            let last = region.years.last().expect("a year");
            assert_eq!(region.firms.len() as u32, last.born);
            let placed = region
                .firms
                .iter()
                .filter(|f| f.steps.iter().any(|s| s.event == detailed::Event::Placed))
                .count() as u32;
            assert_eq!(placed, last.placed);
            let left = region.firms.iter().filter(|f| f.state == "left").count() as u32;
            assert_eq!(left, last.left);
        }
    }
    // More space, placed more: the plan is exact, so the count placed can only grow.
    let placed = |v: usize| {
        let r = &d.variants[v].regions[3];
        assert_eq!(r.region, "daejeon");
        r.years.last().map_or(0, |y| y.placed)
    };
    assert!(placed(1) > placed(0));
    let hub = d.variants[1].regions[3]
        .firms
        .iter()
        .find_map(|f| f.hub.clone())
        .expect("someone was placed");
    assert!(!hub.contains('#'));
}

// ----------------------------------------------------------------------------------------------
// Bad scenarios

fn errors(text: &str) -> Vec<String> {
    match parse(SourceFile::new("s.toml", text), &catalog()) {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e.0.iter().map(|e| e.to_string()).collect(),
    }
}

fn with(find: &str, replace: &str) -> String {
    assert!(EXAMPLE.contains(find), "{find}");
    EXAMPLE.replacen(find, replace, 1)
}

fn line_of(text: &str, needle: &str) -> usize {
    let at = text.find(needle).expect("needle");
    text[..at].matches('\n').count() + 1
}

#[test]
fn a_probability_above_one_is_told_at_its_line_and_field() {
    let text = with(
        "survival_incubation = { value = 0.92, assumed = true }",
        "survival_incubation = { value = 0.92, assumed = true }\n[[region]]\nid = \"sejong\"\nsurvival_incubation = { value = 1.5, assumed = true }",
    );
    // Put the bad region after [defaults]' tables: move it to the end instead.
    let text = text.replacen(
        "\n[[region]]\nid = \"sejong\"\nsurvival_incubation = { value = 1.5, assumed = true }",
        "",
        1,
    ) + "\n[[region]]\nid = \"sejong\"\nsurvival_incubation = { value = 1.5, assumed = true }\n[region.births]\nuniversities = { value = 1, assumed = true }\nresearch_institutes = { value = 1, assumed = true }\nspinoffs = { value = 1, assumed = true }\n";
    let line = line_of(&text, "survival_incubation = { value = 1.5");
    let errors = errors(&text);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with(&format!(
            "s.toml:{line}:33: field `region[5].survival_incubation.value`: 1.5 is out of range: a probability or share from 0 to 1"
        )),
        "{errors:?}"
    );
}

#[test]
fn an_unknown_region_is_told_with_the_known_ones() {
    let text = with("id = \"ulsan\"", "id = \"ulsann\"");
    let line = line_of(&text, "id = \"ulsann\"");
    let errors = errors(&text);
    assert!(
        errors.iter().any(|e| e.starts_with(&format!(
            "s.toml:{line}:6: field `region[4].id`: unknown region id \"ulsann\"; expected one of: busan, daegu"
        ))),
        "{errors:?}"
    );
    let text = with("id = \"ulsan\"", "id = \"seoul\"");
    assert!(
        errors_contain(
            &text,
            "field `region[4].id`: \"seoul\" is in the capital region"
        ),
        "capital"
    );
    let text = with("region = \"daejeon\"", "region = \"sejong\"");
    assert!(errors_contain(
        &text,
        "field `variant[0].change[0].region`: region \"sejong\" has no [[region]] table"
    ));
}

fn errors_contain(text: &str, needle: &str) -> bool {
    let errors = errors(text);
    let found = errors.iter().any(|e| e.contains(needle));
    if !found {
        eprintln!("{errors:#?}");
    }
    found
}

#[test]
fn a_parameter_without_provenance_is_refused() {
    let text = with(
        "post_bi_months = { value = 36, assumed = true }",
        "post_bi_months = { value = 36 }",
    );
    let line = line_of(&text, "post_bi_months = { value = 36 }");
    let errors = errors(&text);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with(&format!(
            "s.toml:{line}:18: field `defaults.post_bi_months`: no provenance"
        )),
        "{errors:?}"
    );
    let text = with(
        "post_bi_months = { value = 36, assumed = true }",
        "post_bi_months = { value = 36, assumed = false }",
    );
    assert!(errors_contain(
        &text,
        "`defaults.post_bi_months`: no provenance"
    ));
    let text = with(
        "post_bi_months = { value = 36, assumed = true }",
        "post_bi_months = 36",
    );
    assert!(errors_contain(
        &text,
        "`defaults.post_bi_months`: a parameter needs its provenance: write `{ value = 36, source = \"…\" }`"
    ));
    let text = with(
        "post_bi_months = { value = 36, assumed = true }",
        "post_bi_months = { value = 36, assumed = true, source = \"x\" }",
    );
    assert!(errors_contain(&text, "give one provenance"));
}

#[test]
fn other_mistakes_are_told_too_all_at_once() {
    let text = with(
        "lab = { value = 0.15, assumed = true }",
        "lab = { value = 0.25, assumed = true }",
    )
    .replacen("years = 10", "years = 0", 1)
    .replacen(
        "hub = \"대구 삼성창조캠퍼스\"",
        "hub = \"대구 삼성창조캠퍼스\"\nfloor = 3",
        1,
    )
    .replacen(
        "kind = \"post_bi_office\"\nm2 = { value = 3000",
        "kind = \"office\"\nm2 = { value = 3000",
        1,
    )
    .replacen(
        "unplaced_close_share = { value = 0.15",
        "unplaced_close_share = { value = 0.65",
        1,
    )
    .replacen("post_bi_m2 = \"+30000\"", "post_bi_m2 = \"-30000\"", 1);
    let errors = errors(&text);
    let expect = [
        "field `scenario.years`: 0 is out of range",
        "field `region[1].space[0].floor`: unknown field `floor`",
        "field `region[2].space[0].kind`: unknown expansion space kind \"office\"; expected one of: post_bi_office, rental_unit, lab",
        "field `region[0].kind_share`: the shares add up to 1.1",
        "field `region[0].unplaced_close_share`: unplaced_leave_share 0.45 and unplaced_close_share 0.65 add up to more than 1",
        "field `variant[0].change[0].post_bi_m2`: expected m² added",
    ];
    for e in expect {
        assert!(errors.iter().any(|x| x.contains(e)), "{e}\n{errors:#?}");
    }
    // Sorted by place in the file.
    assert!(
        errors.iter().position(|e| e.contains("scenario.years"))
            < errors.iter().position(|e| e.contains("floor"))
    );
}

#[test]
fn a_missing_parameter_is_named_at_its_region() {
    let text = with(
        "leave_per_year_after = { value = 0.03, assumed = true }\n",
        "",
    );
    let errors = errors(&text);
    assert_eq!(errors.len(), 5, "{errors:#?}");
    assert!(errors[0].contains("field `region[0].leave_per_year_after`: missing"));
    let text = with(
        "[[variant.change]]\nregion = \"daejeon\"\npost_bi_m2",
        "[[variant.change]]\nregion = \"daejeon\"\nunplaced_leave_share = { value = 0.9, assumed = true }\npost_bi_m2",
    );
    assert!(errors_contain(
        &text,
        "field `variant[0].change[0]`: with this change, daejeon.unplaced_close_share"
    ));
}

#[test]
fn toml_syntax_errors_are_told_at_their_line() {
    let errors = errors("[scenario]\nid = \"x\nname_ko = 1\n");
    assert!(errors[0].starts_with("s.toml:2:"), "{errors:?}");
}

// ----------------------------------------------------------------------------------------------
// Calibration

#[test]
fn calibration_fills_values_backed_by_enough_records() {
    let s = example();
    let observed = Observed {
        regions: vec![
            ObservedRegion {
                region: "daejeon".into(),
                incubation_months: Some(Figure {
                    value: 24.0,
                    records: 120,
                }),
                graduating_share: Some(Figure {
                    value: 0.81,
                    records: 120,
                }),
                retention_share: Some(Figure {
                    value: 0.7,
                    records: 40,
                }),
                placed_share: Some(Figure {
                    value: 0.4,
                    records: 40,
                }),
            },
            ObservedRegion {
                region: "busan".into(),
                incubation_months: Some(Figure {
                    value: 20.0,
                    records: 3,
                }),
                ..ObservedRegion::default()
            },
        ],
    };
    let c = calibrate(&s, &observed);
    let daejeon = c
        .regions
        .iter()
        .find(|r| r.id == "daejeon")
        .expect("daejeon");
    assert_eq!(daejeon.value("incubation_months"), 24.0);
    // 0.81 over 24 months: 0.9 a year.
    assert!((daejeon.value("survival_incubation") - 0.9).abs() < 1e-9);
    // 30% left, all from the 60% unplaced: half of them.
    assert!((daejeon.value("unplaced_leave_share") - 0.5).abs() < 1e-9);
    assert!(matches!(
        &daejeon.params["incubation_months"].provenance,
        Provenance::Calibrated(text) if text.contains("120")
    ));
    // Three records are too few: Busan keeps the scenario's value.
    let busan = c.regions.iter().find(|r| r.id == "busan").expect("busan");
    assert_eq!(busan.value("incubation_months"), 30.0);
    // A calibrated file reads back.
    let text = EXAMPLE.replacen(
        "survival_incubation = { value = 0.92, assumed = true }",
        "survival_incubation = { value = 0.9, calibrated = \"ucz: 120 incubation leases\" }",
        1,
    );
    let back = parse(SourceFile::new("s.toml", &text), &catalog()).expect("reads");
    assert!(matches!(
        back.regions[0].params["survival_incubation"].provenance,
        Provenance::Calibrated(_)
    ));
}
