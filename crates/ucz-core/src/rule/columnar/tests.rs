//! The compiled kernels must agree with the interpreter, firm by firm and rule by rule: on
//! hand-picked edge cases, and on random rules over random firms.

use proptest::prelude::*;

use super::*;
use crate::catalog::Catalog;

fn catalog() -> Catalog {
    Catalog::bundled().unwrap_or_else(|e| panic!("{e}"))
}

fn as_of() -> Date {
    Date::new(2026, 6, 30).expect("date")
}

/// Asserts that both paths give the same result for every rule and firm.
fn assert_agree(rules: &[Rule], firms: &[Firm]) {
    let catalog = catalog();
    let population = Population::new(firms, as_of(), &catalog);
    let matrix = Matcher::compile(rules).matrix(&population);
    for (i, firm) in firms.iter().enumerate() {
        let facts = firm.facts(as_of(), &catalog);
        for (r, rule) in rules.iter().enumerate() {
            assert_eq!(
                matrix[i][r],
                rule.holds(&facts),
                "rule `{}` on firm {i}: {firm:?}, interpreter says {:?}",
                rule.text(),
                rule.evaluate(&facts)
            );
        }
    }
}

const STAGES: [&str; 5] = ["pre_startup", "early", "growth", "scale_up", "established"];
const REGIONS: [&str; 5] = ["seoul", "busan", "daejeon", "gyeonggi", "jeju"];
const SECTORS: [&str; 6] = ["C26", "C", "J62", "M70", "G47", ""];
const DESIGNATIONS: [&str; 3] = [
    "rnd_special_zone",
    "regulation_free_zone",
    "campus_innovation_park",
];

fn firm_strategy() -> impl Strategy<Value = Firm> {
    let amount = prop_oneof![
        Just(0i64),
        0i64..50,
        0i64..2_000_000_000,
        Just(i64::MAX),
        Just(i64::MAX / 2 + 1)
    ];
    (
        (
            0usize..5,
            0usize..5,
            0usize..6,
            proptest::collection::vec(0usize..3, 0..3),
        ),
        (
            amount.clone(),
            amount.clone(),
            amount.clone(),
            amount.clone(),
            amount,
        ),
        (any::<[bool; 4]>(), 0i64..80, proptest::option::of(0i32..40)),
    )
        .prop_map(
            |(
                (stage, region, sector, designations),
                (employees, youth, revenue, rnd, export),
                (flags, founder_age, founded),
            )| Firm {
                id: "f".into(),
                name: String::new(),
                founded: founded.and_then(|y| Date::new(1990 + y, 3, 15)),
                stage: Id::new(STAGES[stage]),
                employees,
                youth_employees: youth,
                revenue_krw: revenue,
                rnd_spend_krw: rnd,
                export_revenue_krw: export,
                sector: SECTORS[sector].into(),
                region: Id::new(REGIONS[region]),
                zone: if flags[0] {
                    "daejeon".into()
                } else {
                    String::new()
                },
                designations: designations
                    .into_iter()
                    .map(|d| Id::new(DESIGNATIONS[d]))
                    .collect(),
                in_incubator: flags[0],
                graduated_incubator: flags[1],
                venture_certified: flags[2],
                has_rnd_lab: flags[3],
                founder_age,
            },
        )
}

use crate::id::Id;

const INT_FIELDS: [&str; 7] = [
    "employees",
    "youth_employees",
    "revenue_krw",
    "rnd_spend_krw",
    "export_revenue_krw",
    "founder_age",
    "age_years",
];

fn int_expr() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        proptest::sample::select(&INT_FIELDS[..]).prop_map(|f| format!("firm.{f}")),
        prop_oneof![Just(0i64), -3i64..100, Just(i64::MAX)].prop_map(|i| i.to_string()),
    ];
    leaf.prop_recursive(3, 12, 2, |inner| {
        prop_oneof![
            (
                inner.clone(),
                proptest::sample::select(&["+", "-", "*", "/", "%"][..]),
                inner.clone()
            )
                .prop_map(|(a, op, b)| format!("({a} {op} {b})")),
            inner.clone().prop_map(|a| format!("-({a})")),
            inner.prop_map(|a| format!("int(double({a}) / 3.0)")),
        ]
    })
}

fn double_expr() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        int_expr().prop_map(|i| format!("double({i})")),
        prop_oneof![Just(0.0f64), -2.0f64..2.0, Just(0.5)].prop_map(|d| format!("{d:?}")),
    ];
    leaf.prop_recursive(2, 6, 2, |inner| {
        (
            inner.clone(),
            proptest::sample::select(&["+", "-", "*", "/"][..]),
            inner,
        )
            .prop_map(|(a, op, b)| format!("({a} {op} {b})"))
    })
}

fn bool_expr() -> impl Strategy<Value = String> {
    let comparison = proptest::sample::select(&["==", "!=", "<", "<=", ">", ">="][..]);
    let leaf = prop_oneof![
        (int_expr(), comparison.clone(), int_expr()).prop_map(|(a, op, b)| format!("{a} {op} {b}")),
        (double_expr(), comparison.clone(), int_expr())
            .prop_map(|(a, op, b)| format!("{a} {op} {b}")),
        (double_expr(), comparison, double_expr()).prop_map(|(a, op, b)| format!("{a} {op} {b}")),
        proptest::sample::select(&STAGES[..]).prop_map(|s| format!("firm.stage == '{s}'")),
        proptest::sample::select(&REGIONS[..]).prop_map(|r| format!("firm.region != '{r}'")),
        proptest::sample::select(&["C", "J6", "M"][..])
            .prop_map(|p| format!("firm.sector.startsWith('{p}')")),
        proptest::sample::select(&DESIGNATIONS[..])
            .prop_map(|d| format!("'{d}' in firm.designations")),
        proptest::sample::select(
            &[
                "in_incubator",
                "graduated_incubator",
                "venture_certified",
                "has_rnd_lab",
                "capital_region"
            ][..]
        )
        .prop_map(|f| format!("firm.{f}")),
        (0i64..3).prop_map(|n| format!("size(firm.designations) >= {n}")),
        (int_expr(), 0i64..3).prop_map(|(a, n)| format!("(firm.in_incubator ? {a} : 1) > {n}")),
        Just("true".to_string()),
        Just("1 / 0 == 1".to_string()),
    ];
    leaf.prop_recursive(4, 24, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} && {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} || {b})")),
            inner.prop_map(|a| format!("!({a})")),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn compiled_and_interpreted_rules_agree(
        rules in proptest::collection::vec(bool_expr(), 1..6),
        firms in proptest::collection::vec(firm_strategy(), 1..200),
    ) {
        let rules: Vec<Rule> = rules.iter().map(|r| Rule::parse(r).unwrap_or_else(|e| panic!("{r}: {e}"))).collect();
        assert_agree(&rules, &firms);
    }
}

#[test]
fn shared_sub_expressions_are_computed_once() {
    let rules: Vec<Rule> = [
        "firm.stage == 'early' && firm.employees < 10",
        "firm.stage == 'early' && firm.employees < 300",
    ]
    .iter()
    .map(|r| Rule::parse(r).expect("rule"))
    .collect();
    let matcher = Matcher::compile(&rules);
    // One stage test, one employees column, two thresholds, two comparisons, two ands.
    assert_eq!(matcher.kernel_count(), 8);
    assert_eq!(matcher.fallback_count(), 0);
}

#[test]
fn errors_make_firms_ineligible_but_are_absorbed_by_and_or() {
    let rules: Vec<Rule> = [
        "firm.rnd_spend_krw / firm.revenue_krw >= 0",
        "firm.revenue_krw == 0 || firm.rnd_spend_krw / firm.revenue_krw >= 0",
        "!(firm.rnd_spend_krw / firm.revenue_krw >= 0)",
        "firm.employees * 9223372036854775807 > 0",
    ]
    .iter()
    .map(|r| Rule::parse(r).expect("rule"))
    .collect();
    let mut zero = Firm {
        id: "z".into(),
        name: String::new(),
        founded: None,
        stage: Id::new("early"),
        employees: 2,
        youth_employees: 0,
        revenue_krw: 0,
        rnd_spend_krw: 5,
        export_revenue_krw: 0,
        sector: "C26".into(),
        region: Id::new("busan"),
        zone: String::new(),
        designations: Vec::new(),
        in_incubator: false,
        graduated_incubator: false,
        venture_certified: false,
        has_rnd_lab: false,
        founder_age: 30,
    };
    let catalog = catalog();
    let firms = vec![zero.clone()];
    let population = Population::new(&firms, as_of(), &catalog);
    assert_eq!(
        Matcher::compile(&rules).matrix(&population)[0],
        vec![false, true, false, false]
    );
    zero.revenue_krw = 10;
    assert_agree(&rules, &[zero]);
}

#[test]
fn chunks_and_threads_do_not_change_results() {
    let catalog = catalog();
    let firms: Vec<Firm> = (0..(CHUNK * 2 + 77))
        .map(|i| Firm {
            id: format!("f{i}"),
            name: String::new(),
            founded: Date::new(2000 + (i % 26) as i32, 1, 1),
            stage: Id::new(STAGES[i % 5]),
            employees: (i % 500) as i64,
            youth_employees: (i % 7) as i64,
            revenue_krw: (i * 1_000_003 % 9_000_000) as i64,
            rnd_spend_krw: (i % 3) as i64,
            export_revenue_krw: 0,
            sector: SECTORS[i % 6].into(),
            region: Id::new(REGIONS[i % 5]),
            zone: String::new(),
            designations: Vec::new(),
            in_incubator: i % 2 == 0,
            graduated_incubator: i % 3 == 0,
            venture_certified: false,
            has_rnd_lab: i % 5 == 0,
            founder_age: (20 + i % 50) as i64,
        })
        .collect();
    let rules: Vec<Rule> = [
        "firm.employees < 300 && firm.age_years < 7",
        "firm.sector.startsWith('C') || firm.rnd_spend_krw / firm.youth_employees > 0",
    ]
    .iter()
    .map(|r| Rule::parse(r).expect("rule"))
    .collect();
    assert_agree(&rules, &firms);
    let population = Population::new(&firms, as_of(), &catalog);
    let matcher = Matcher::compile(&rules);
    let counts = std::sync::Mutex::new(vec![0u32; 2]);
    matcher.run(&population, 2, &AtomicUsize::new(0), &|_, chunk| {
        let mut counts = counts.lock().expect("lock");
        for (rule, count) in counts.iter_mut().enumerate() {
            *count += chunk.count(rule);
        }
    });
    let expected: Vec<u32> = (0..2)
        .map(|r| {
            firms
                .iter()
                .filter(|f| rules[r].holds(&f.facts(as_of(), &catalog)))
                .count() as u32
        })
        .collect();
    assert_eq!(*counts.lock().expect("lock"), expected);
}

#[test]
fn every_catalog_rule_agrees_on_100_000_synthetic_firms() {
    let catalog = catalog();
    let rules = crate::eligibility::Rulebook::new(&catalog).rules();
    assert!(rules.len() >= 50);
    let firms = crate::synth::firms(100_000, 2026, as_of());
    let population = Population::new(&firms, as_of(), &catalog);
    let matcher = Matcher::compile(&rules);
    assert_eq!(
        matcher.fallback_count(),
        0,
        "every catalog rule compiles to kernels"
    );
    let matrix = matcher.matrix(&population);
    let mut eligible = vec![0usize; rules.len()];
    for (i, firm) in firms.iter().enumerate() {
        let facts = firm.facts(as_of(), &catalog);
        for (r, rule) in rules.iter().enumerate() {
            assert_eq!(
                matrix[i][r],
                rule.holds(&facts),
                "rule `{}` on {firm:?}",
                rule.text()
            );
            eligible[r] += usize::from(matrix[i][r]);
        }
    }
    // The population exercises both outcomes of most rules.
    let decided = eligible
        .iter()
        .filter(|n| **n > 0 && **n < firms.len())
        .count();
    assert!(decided * 10 >= rules.len() * 9, "{eligible:?}");
}
