//! The compiled kernels must agree with the interpreter, firm by firm and rule by rule: on
//! hand-picked edge cases, and on random rules over random firms. On the random rules, the
//! interpreter must also agree with an independent CEL implementation (the `cel` crate), except
//! for the differences documented in `docs/rules.md`.

use proptest::prelude::*;

use super::*;
use crate::catalog::Catalog;
use crate::firm::{FirmFacts, FirmField};
use crate::rule::Schema;

/// The bundled catalog, loaded once for all tests.
fn catalog() -> &'static Catalog {
    static CATALOG: std::sync::OnceLock<Catalog> = std::sync::OnceLock::new();
    CATALOG.get_or_init(|| Catalog::bundled().unwrap_or_else(|e| panic!("{e}")))
}

fn as_of() -> Date {
    Date::new(2026, 6, 30).expect("date")
}

/// Asserts that both paths give the same result for every rule and firm.
fn assert_agree(rules: &[Rule], firms: &[Firm]) {
    let catalog = catalog();
    let matcher = Matcher::compile(rules);
    let population = Population::new(firms, as_of(), catalog, &matcher.fields());
    let matrix = matcher.matrix(&population).expect("every column");
    for (i, firm) in firms.iter().enumerate() {
        let facts = firm.facts(as_of(), catalog);
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
                closed: None,
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
                research_institute_share: 0,
                high_tech_sales_share: 0,
                strategic_industry: false,
                owns_home: false,
                assets_krw: export.saturating_mul(300),
            },
        )
}

use crate::id::Id;

const INT_FIELDS: [&str; 8] = [
    "employees",
    "youth_employees",
    "revenue_krw",
    "rnd_spend_krw",
    "export_revenue_krw",
    "founder_age",
    "age_years",
    "assets_krw",
];

fn int_expr() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        4 => proptest::sample::select(&INT_FIELDS[..]).prop_map(|f| format!("firm.{f}")),
        4 => prop_oneof![Just(0i64), -3i64..100, Just(i64::MAX)].prop_map(|i| i.to_string()),
        // Numbers computed from dictionary-encoded fields, one or several.
        1 => proptest::sample::select(
            &[
                "size(firm.designations)",
                "firm.sector.size()",
                "(firm.zone == firm.region ? 1 : 2)",
                "(firm.sector.startsWith('C') ? 10 : firm.stage.size())",
                "int(firm.in_incubator ? 2.5 : -1.5)",
            ][..]
        )
        .prop_map(String::from),
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
            inner
                .clone()
                .prop_map(|a| format!("int(double({a}) / 3.0)")),
            (inner.clone(), inner.clone())
                .prop_map(|(a, b)| format!("(firm.in_incubator ? {a} : {b})")),
            (inner.clone(), inner.clone(), inner.clone(), inner)
                .prop_map(|(a, b, x, y)| format!("({a} > {b} ? {x} : {y})")),
        ]
    })
}

fn double_expr() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        int_expr().prop_map(|i| format!("double({i})")),
        prop_oneof![Just(0.0f64), -2.0f64..2.0, Just(0.5)].prop_map(|d| format!("{d:?}")),
    ];
    leaf.prop_recursive(2, 6, 2, |inner| {
        prop_oneof![
            (
                inner.clone(),
                proptest::sample::select(&["+", "-", "*", "/"][..]),
                inner.clone(),
            )
                .prop_map(|(a, op, b)| format!("({a} {op} {b})")),
            (int_expr(), inner.clone(), inner)
                .prop_map(|(c, x, y)| format!("({c} >= 10 ? {x} : {y})")),
        ]
    })
}

/// A simple condition, for `?:` inside strings and lists (a full `bool_expr` there would recurse
/// without end).
fn condition() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("firm.in_incubator".to_string()),
        Just("firm.stage == 'early'".to_string()),
        (int_expr(), 0i64..50).prop_map(|(a, n)| format!("{a} > {n}")),
        (int_expr(), 0i64..50).prop_map(|(a, n)| format!("string({a}).startsWith('{n}')")),
    ]
}

/// A string that is not always one field's: fields, literals, numbers as text, and `?:` over them.
fn string_expr() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        proptest::sample::select(&["sector", "region", "zone", "stage"][..])
            .prop_map(|f| format!("firm.{f}")),
        proptest::sample::select(&["'C'", "''", "'daejeon'", "'1'", "'C26'"][..])
            .prop_map(String::from),
        int_expr().prop_map(|a| format!("string({a})")),
    ];
    leaf.prop_recursive(2, 6, 2, |inner| {
        prop_oneof![
            (condition(), inner.clone(), inner.clone())
                .prop_map(|(c, a, b)| format!("({c} ? {a} : {b})")),
            inner.prop_map(|s| format!("string({s})")),
        ]
    })
}

/// Conditions over strings, lists, `in`, `size`, several dictionary fields at once, bools
/// compared with bools, and ints compared with doubles.
fn value_condition() -> impl Strategy<Value = String> {
    let comparison = proptest::sample::select(&["==", "!=", "<", "<=", ">", ">="][..]);
    prop_oneof![
        (string_expr(), comparison.clone(), string_expr())
            .prop_map(|(a, op, b)| format!("{a} {op} {b}")),
        (
            string_expr(),
            proptest::sample::select(&["startsWith", "endsWith", "contains"][..]),
            string_expr()
        )
            .prop_map(|(a, m, b)| format!("{a}.{m}({b})")),
        (string_expr(), 0i64..4).prop_map(|(s, n)| format!("size({s}) > {n}")),
        (string_expr(), string_expr())
            .prop_map(|(a, b)| format!("{a} in [{b}, 'C26', firm.region]")),
        string_expr().prop_map(|s| format!("{s} in firm.designations")),
        (int_expr(), int_expr()).prop_map(|(a, b)| format!("{a} in [1, 2, {b}]")),
        Just("firm.employees in [1, 2, 3]".to_string()),
        double_expr().prop_map(|d| format!("{d} in [0.5, 1.0, 0.0]")),
        int_expr().prop_map(|a| format!("{a} in []")),
        condition()
            .prop_map(|c| format!("firm.stage in ({c} ? ['early'] : ['growth', firm.region])")),
        condition().prop_map(|c| format!(
            "'rnd_special_zone' in ({c} ? firm.designations : ['rnd_special_zone'])"
        )),
        int_expr().prop_map(|a| format!("size([{a}, 1]) == 2")),
        (condition(), 0i64..3)
            .prop_map(|(c, n)| format!("size({c} ? firm.designations : ['a', 'b']) > {n}")),
        int_expr().prop_map(|a| format!("size(firm.designations) * 2 > {a}")),
        int_expr().prop_map(|a| format!("(firm.sector.startsWith('C') ? 10 : 20) + {a} > 15")),
        Just("(firm.in_incubator ? firm.sector : firm.zone).startsWith('C')".to_string()),
        Just("firm.zone == firm.region".to_string()),
        Just("firm.sector < firm.region && firm.stage != firm.zone".to_string()),
        Just("firm.has_rnd_lab == firm.in_incubator".to_string()),
        int_expr().prop_map(|a| format!("({a} > 3) == firm.in_incubator")),
        (int_expr(), int_expr()).prop_map(|(a, b)| format!("({a} > 3) != ({b} < 2)")),
        (int_expr(), comparison.clone()).prop_map(|(a, op)| format!("{a} {op} 2.5")),
        (int_expr(), comparison).prop_map(|(a, op)| format!("double({a}) {op} firm.founder_age")),
        int_expr().prop_map(|a| format!("double(string({a})) >= 1.0")),
    ]
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
                "capital_region",
                "sme"
            ][..]
        )
        .prop_map(|f| format!("firm.{f}")),
        (0i64..3).prop_map(|n| format!("size(firm.designations) >= {n}")),
        (int_expr(), 0i64..3).prop_map(|(a, n)| format!("(firm.in_incubator ? {a} : 1) > {n}")),
        Just("true".to_string()),
        Just("1 / 0 == 1".to_string()),
        proptest::sample::select(&["6", "26", ""][..])
            .prop_map(|p| format!("firm.sector.endsWith('{p}')")),
        proptest::sample::select(&["2", "J", "C2"][..])
            .prop_map(|p| format!("firm.sector.contains('{p}')")),
        proptest::sample::select(&STAGES[..])
            .prop_map(|s| format!("firm.stage in ['{s}', 'growth']")),
        (0i64..4).prop_map(|n| format!("size(firm.sector) < {n} || firm.region.size() > {n}")),
        (int_expr(), 0i64..3).prop_map(|(a, n)| format!("string({a}).size() > {n}")),
        int_expr().prop_map(|a| format!("int(string({a})) == {a}")),
        Just("double('0.5') * 2.0 == 1.0".to_string()),
        Just("firm.zone == '' || firm.zone == firm.region".to_string()),
    ];
    let leaf = prop_oneof![3 => leaf, 2 => value_condition()];
    leaf.prop_recursive(4, 24, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} && {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} || {b})")),
            (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(c, a, b)| format!("({c} ? {a} : {b})")),
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
        assert_cel_agrees(&rules, &firms[..firms.len().min(8)]);
    }
}

/// A value as the `cel` crate represents it.
fn to_cel(value: Value) -> cel::Value {
    match value {
        Value::Int(i) => cel::Value::Int(i),
        Value::Double(d) => cel::Value::Float(d),
        Value::String(s) => cel::Value::String(s.into()),
        Value::Bool(b) => cel::Value::Bool(b),
        Value::List(items) => {
            cel::Value::List(items.into_iter().map(to_cel).collect::<Vec<_>>().into())
        }
    }
}

/// The firm as a CEL map with one entry per field, the values the interpreter reads.
fn cel_firm(facts: &FirmFacts<'_>) -> cel::Value {
    let map: std::collections::HashMap<String, cel::Value> = FirmField::ALL
        .iter()
        .map(|f| (f.name().to_string(), to_cel(FirmSchema::value(facts, *f))))
        .collect();
    cel::Value::from(map)
}

/// The rule's value by the `cel` crate: `Ok(Some(b))`, `Ok(None)` for an error, or why the crate
/// could not run it.
fn cel_value(
    program: &cel::Program,
    root: &cel::Context<'_, '_>,
    facts: &FirmFacts<'_>,
) -> Result<Option<bool>, String> {
    let mut context = root.new_inner_scope();
    context.add_variable_from_value("firm", cel_firm(facts));
    match program.execute(&context) {
        Ok(cel::Value::Bool(b)) => Ok(Some(b)),
        Ok(other) => Err(format!("not a bool: {other:?}")),
        Err(_) => Ok(None),
    }
}

/// A documented difference between ucz and the `cel` crate that this firm reaches in this rule:
/// an ordering comparison with NaN (false in ucz, as cel-spec says; an error in the crate), or
/// `int()` of exactly -2^63 as a double (an int in ucz; an error in the crate).
fn known_difference(expr: &Expr, facts: &FirmFacts<'_>) -> Option<&'static str> {
    let nan =
        |e: &Expr| matches!(eval::eval::<FirmSchema>(e, facts), Ok(Value::Double(d)) if d.is_nan());
    let mut found = None;
    super::super::visit(expr, &mut |e| match &e.kind {
        ExprKind::Binary(BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge, a, b)
            if nan(a) || nan(b) =>
        {
            found = Some("NaN ordering");
        }
        ExprKind::Call(name, args)
            if name == "int"
                && args.len() == 1
                && eval::eval::<FirmSchema>(&args[0], facts)
                    == Ok(Value::Double(-9_223_372_036_854_775_808.0)) =>
        {
            found = Some("int(-2^63 as double)");
        }
        _ => {}
    });
    found
}

/// The interpreter and the `cel` crate agree on every rule and firm: the same bool, or both an
/// error. Returns how many (rule, firm) pairs were compared and how many skipped as documented
/// differences.
fn assert_cel_agrees(rules: &[Rule], firms: &[Firm]) -> (usize, usize) {
    let catalog = catalog();
    let root = cel::Context::default();
    let (mut compared, mut skipped) = (0, 0);
    for rule in rules {
        let program = cel::Program::compile(rule.text())
            .unwrap_or_else(|e| panic!("the cel crate refuses `{}`: {e}", rule.text()));
        for firm in firms {
            let facts = firm.facts(as_of(), catalog);
            if known_difference(rule.expr(), &facts).is_some() {
                skipped += 1;
                continue;
            }
            let ours = match rule.evaluate(&facts) {
                Ok(Value::Bool(b)) => Some(b),
                Ok(other) => panic!("`{}` gave {other}", rule.text()),
                Err(_) => None,
            };
            let theirs = cel_value(&program, &root, &facts)
                .unwrap_or_else(|e| panic!("`{}`: {e}", rule.text()));
            assert_eq!(
                ours,
                theirs,
                "rule `{}` on {firm:?}: ucz says {:?}, the cel crate {theirs:?} (None: an error)",
                rule.text(),
                rule.evaluate(&facts)
            );
            compared += 1;
        }
    }
    (compared, skipped)
}

/// Each difference from the `cel` crate listed in `docs/rules.md`, shown on its example; and the
/// behaviours the two share where CEL implementations often differ.
#[test]
fn differences_from_the_cel_crate_are_the_documented_ones() {
    let catalog = catalog();
    let firm = Firm {
        id: "f".into(),
        name: String::new(),
        founded: Date::new(2020, 1, 1),
        closed: None,
        stage: Id::new("early"),
        employees: 10,
        youth_employees: 0,
        revenue_krw: 0,
        rnd_spend_krw: 5,
        export_revenue_krw: 0,
        sector: "C26".into(),
        region: Id::new("daejeon"),
        zone: String::new(),
        designations: vec![Id::new("rnd_special_zone")],
        in_incubator: true,
        graduated_incubator: false,
        venture_certified: false,
        has_rnd_lab: false,
        founder_age: 40,
        research_institute_share: 0,
        high_tech_sales_share: 0,
        strategic_industry: false,
        owns_home: false,
        assets_krw: 0,
    };
    let facts = firm.facts(as_of(), catalog);
    let root = cel::Context::default();
    let both = |text: &str| -> (Option<bool>, Option<bool>) {
        let ours = match Rule::parse(text).map(|r| r.evaluate(&facts)) {
            Ok(Ok(Value::Bool(b))) => Some(b),
            Ok(_) => None,
            Err(e) => panic!("{text}: {e}"),
        };
        let program = cel::Program::compile(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        let theirs = cel_value(&program, &root, &facts).unwrap_or_else(|e| panic!("{e}"));
        (ours, theirs)
    };
    // Differences.
    assert_eq!(both("0.0 / 0.0 < 1.0"), (Some(false), None));
    assert_eq!(both("!(0.0 / 0.0 >= 1.0)"), (Some(true), None));
    assert_eq!(both("int(-9223372036854775808.0) < 0"), (Some(true), None));
    for refused in [
        "1 == 'a'",
        "firm.in_incubator ? 1 : 'a'",
        "firm.employees + 1.5 > 2.0",
        "firm.nope == 1",
    ] {
        assert!(Rule::parse(refused).is_err(), "{refused}");
        assert!(cel::Program::compile(refused).is_ok(), "{refused}");
    }
    // Shared: mixed int and double comparisons, error absorption by && and || in either order,
    // overflow, string functions, `in` on lists, size in code points, no digit separators.
    for (text, expected) in [
        (
            "1 == 1.0 && 2 < 2.5 && 9223372036854775807 == 9223372036854775807.0",
            Some(true),
        ),
        ("9007199254740993 > 9007199254740992.0", Some(false)),
        ("0.0 / 0.0 != 0.0 / 0.0", Some(true)),
        (
            "firm.revenue_krw / firm.revenue_krw > 0 && false",
            Some(false),
        ),
        (
            "firm.revenue_krw / firm.revenue_krw > 0 || true",
            Some(true),
        ),
        ("firm.revenue_krw / firm.revenue_krw > 0 || false", None),
        ("9223372036854775807 + 1 > 0", None),
        ("-(-9223372036854775807 - 1) > 0", None),
        ("int(1e19) > 0", None),
        (
            "firm.sector.startsWith('C') && firm.sector.endsWith('26') && firm.sector.contains('2')",
            Some(true),
        ),
        (
            "'rnd_special_zone' in firm.designations && 1 in [1.0, 2.0]",
            Some(true),
        ),
        (
            "size('한국') == 2 && firm.designations.size() == 1",
            Some(true),
        ),
        ("'é' > 'z' && 'Z' < 'a'", Some(true)),
        (
            "string(1.0) == '1' && string(1e20) == '100000000000000000000'",
            Some(true),
        ),
    ] {
        assert_eq!(both(text), (expected, expected), "{text}");
    }
    assert!(Rule::parse("1_000 > 0").is_err());
    assert!(cel::Program::compile("1_000 > 0").is_err());
}

#[test]
fn the_cel_crate_agrees_on_every_catalog_rule() {
    let catalog = catalog();
    let rules = crate::eligibility::Rulebook::new(catalog).rules();
    let firms = crate::synth::firms(300, 2026, as_of());
    let (compared, skipped) = assert_cel_agrees(&rules, &firms);
    assert_eq!(skipped, 0);
    assert_eq!(compared, rules.len() * firms.len());
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
    // One stage table, two comparisons of the employees column with a threshold, two ands.
    assert_eq!(matcher.kernel_count(), 5);
    assert_eq!(matcher.value_kernel_count(), 0);
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
        closed: None,
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
        research_institute_share: 0,
        high_tech_sales_share: 0,
        strategic_industry: false,
        owns_home: false,
        assets_krw: 0,
    };
    let catalog = catalog();
    let firms = vec![zero.clone()];
    let matcher = Matcher::compile(&rules);
    let population = Population::new(&firms, as_of(), catalog, &matcher.fields());
    assert_eq!(
        matcher.matrix(&population).expect("every column")[0],
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
            closed: None,
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
            research_institute_share: 0,
            high_tech_sales_share: 0,
            strategic_industry: false,
            owns_home: false,
            assets_krw: 0,
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
    let matcher = Matcher::compile(&rules);
    let population = Population::new(&firms, as_of(), catalog, &matcher.fields());
    let counts = std::sync::Mutex::new(vec![0u32; 2]);
    matcher
        .run(&population, 2, &AtomicUsize::new(0), &|_, chunk| {
            let mut counts = counts.lock().expect("lock");
            for (rule, count) in counts.iter_mut().enumerate() {
                *count += chunk.count(rule);
            }
        })
        .expect("every column");
    let expected: Vec<u32> = (0..2)
        .map(|r| {
            firms
                .iter()
                .filter(|f| rules[r].holds(&f.facts(as_of(), catalog)))
                .count() as u32
        })
        .collect();
    assert_eq!(*counts.lock().expect("lock"), expected);
}

#[test]
fn every_catalog_rule_agrees_on_100_000_synthetic_firms() {
    let catalog = catalog();
    let rules = crate::eligibility::Rulebook::new(catalog).rules();
    assert!(rules.len() >= 50);
    let firms = crate::synth::firms(100_000, 2026, as_of());
    let matcher = Matcher::compile(&rules);
    let population = Population::new(&firms, as_of(), catalog, &matcher.fields());
    assert_eq!(
        matcher.value_kernel_count(),
        0,
        "every catalog rule compiles to bit, vector or table kernels"
    );
    let matrix = matcher.matrix(&population).expect("every column");
    let mut eligible = vec![0usize; rules.len()];
    for (i, firm) in firms.iter().enumerate() {
        let facts = firm.facts(as_of(), catalog);
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

/// `?:` runs column-wise, over numbers and over conditions, and agrees with the interpreter:
/// an error in the condition errs the whole, an error in the branch not taken does not.
#[test]
fn conditionals_compile_to_kernels() {
    let rules: Vec<Rule> = [
        "(firm.employees > 0 ? double(firm.rnd_spend_krw) / double(firm.revenue_krw + 1) : 0.0) >= 0.05",
        "(firm.in_incubator ? firm.employees : firm.youth_employees * 2) >= 10",
        "(firm.employees > 10 ? firm.revenue_krw / firm.employees : 1 / 0) > 1000",
        "(1 / firm.founder_age > 0 ? firm.employees : 5) > 3",
        "(firm.employees > 5 ? firm.stage == 'growth' : firm.revenue_krw > 100) || firm.has_rnd_lab",
    ]
    .iter()
    .map(|r| Rule::parse(r).expect("rule"))
    .collect();
    assert_eq!(Matcher::compile(&rules).value_kernel_count(), 0);
    let mut firms = crate::synth::firms(2_000, 2026, as_of());
    firms[0].founder_age = 0;
    firms[1].employees = 0;
    assert_agree(&rules, &firms);
}

/// What used to fall back to the interpreter compiles to kernels: a condition on two dictionary
/// fields is one table, `in` a list an or of equalities, numbers from dictionary fields a
/// gathered vector, strings computed from numbers per-firm values.
#[test]
fn the_whole_language_compiles_to_kernels() {
    let compiled = |text: &str| Matcher::compile(&[Rule::parse(text).expect("rule")]);
    // One table over the combinations of zone and region.
    assert_eq!(compiled("firm.zone == firm.region").kernel_count(), 1);
    assert_eq!(
        compiled("(firm.in_incubator ? firm.sector : firm.zone).startsWith('C')").kernel_count(),
        1
    );
    // Three comparisons of the column with a constant, or-ed.
    assert_eq!(compiled("firm.employees in [1, 2, 3]").kernel_count(), 4);
    // A table of `size(firm.designations) * 2` by designations, the employees column and a
    // comparison.
    let sizes = compiled("size(firm.designations) * 2 > firm.employees");
    assert_eq!(sizes.kernel_count(), 3);
    assert_eq!(sizes.value_kernel_count(), 0);
    assert!(compiled("string(firm.employees).size() > 2").value_kernel_count() > 0);

    let rules: Vec<Rule> = [
        "firm.zone == firm.region",
        "(firm.in_incubator ? firm.sector : firm.zone).startsWith('C')",
        "firm.employees in [1, 2, 3]",
        "size(firm.designations) * 2 > firm.employees",
        "double(firm.employees) / 3.0 in [1.0, 2.0] || firm.employees > 2.5",
        "string(firm.employees).size() == 2 && int(string(firm.founder_age)) > 30",
        "firm.stage in (firm.employees > 10 ? ['growth', 'scale_up'] : [firm.region, 'early'])",
        "(firm.employees > 3) == firm.has_rnd_lab",
        "firm.employees / (firm.youth_employees - 1) in []",
        "firm.employees / (firm.youth_employees - 1) > 1 || firm.sector.startsWith('C')",
    ]
    .iter()
    .map(|r| Rule::parse(r).expect("rule"))
    .collect();
    let mut firms = crate::synth::firms(3_000, 7, as_of());
    firms[0].zone = firms[0].region.to_string();
    firms[1].youth_employees = 1;
    assert_agree(&rules, &firms);
}

/// Int columns are kept in the narrowest width their values fit; a constant beyond that width
/// still compares as the interpreter compares it.
#[test]
fn narrow_columns_compare_with_constants_beyond_their_width() {
    let firms: Vec<Firm> = (0..300)
        .map(|i| Firm {
            id: format!("f{i}"),
            name: String::new(),
            founded: None,
            closed: None,
            stage: Id::new("early"),
            employees: i % 120,
            youth_employees: i * 100,
            revenue_krw: i * 1_000_000,
            rnd_spend_krw: i64::from(i % 2 == 0) * i64::MAX,
            export_revenue_krw: -i,
            sector: "C26".into(),
            region: Id::new("busan"),
            zone: String::new(),
            designations: Vec::new(),
            in_incubator: false,
            graduated_incubator: false,
            venture_certified: false,
            has_rnd_lab: false,
            founder_age: 30,
            research_institute_share: 0,
            high_tech_sales_share: 0,
            strategic_industry: false,
            owns_home: false,
            assets_krw: 0,
        })
        .collect();
    let mut rules = Vec::new();
    for field in [
        "employees",
        "youth_employees",
        "revenue_krw",
        "rnd_spend_krw",
        "export_revenue_krw",
    ] {
        for c in [
            "-1000",
            "-129",
            "-128",
            "0",
            "127",
            "128",
            "1000",
            "32768",
            "29900",
            "9223372036854775807",
            "-9223372036854775807",
        ] {
            for op in ["==", "!=", "<", "<=", ">", ">="] {
                rules.push(format!("firm.{field} {op} {c}"));
                rules.push(format!("{c} {op} firm.{field}"));
            }
        }
    }
    let rules: Vec<Rule> = rules
        .iter()
        .map(|r| Rule::parse(r).expect("rule"))
        .collect();
    assert_agree(&rules, &firms);
}

/// Columns built elsewhere, with more than 256 distinct values (wider codes) and two
/// dictionary fields with many combinations (interned rather than in mixed radix).
#[test]
fn wide_dictionaries_and_many_combinations() {
    let len = 70_000;
    let sectors: Vec<Value> = (0..400).map(|i| Value::String(format!("C{i}"))).collect();
    let names: Vec<Value> = (0..len)
        .map(|i| Value::String(format!("n{}", i % 500)))
        .collect();
    let population = Population::from_columns(
        len,
        vec![
            (
                FirmField::Sector,
                Column::codes((0..len as u32).map(|i| i % 400).collect(), sectors),
            ),
            (
                FirmField::Name,
                Column::codes((0..len as u32).collect(), names),
            ),
            (
                FirmField::Employees,
                Column::ints((0..len as i64).collect()),
            ),
        ],
    )
    .expect("columns");
    let rules: Vec<Rule> = [
        "firm.sector.endsWith('7')",
        "firm.name.endsWith('7') && firm.sector.startsWith('C1')",
        "firm.sector.size() + firm.name.size() > 7",
        "(firm.employees > 100 ? firm.sector : firm.name).endsWith('9')",
    ]
    .iter()
    .map(|r| Rule::parse(r).expect("rule"))
    .collect();
    let matcher = Matcher::compile(&rules);
    let matrix = matcher.matrix(&population).expect("every column");
    for i in 0..len {
        let (sector, name) = (format!("C{}", i % 400), format!("n{}", i % 500));
        let expected = [
            sector.ends_with('7'),
            name.ends_with('7') && sector.starts_with("C1"),
            sector.chars().count() + name.chars().count() > 7,
            if i > 100 { &sector } else { &name }.ends_with('9'),
        ];
        assert_eq!(matrix[i], expected, "firm {i}");
    }
}

/// Columns unfit for a population are refused, the first in the columns' order told.
#[test]
fn columns_that_do_not_fit_are_told() {
    {
        let refused = |columns: Vec<(FirmField, Column)>| {
            Population::<FirmSchema>::from_columns(3, columns)
                .err()
                .map(|e| e.to_string())
        };
        let ages = || (FirmField::FounderAge, Column::ints(vec![30, 40, 50]));
        let stages = |codes: Vec<u32>| {
            (
                FirmField::Stage,
                Column::Codes {
                    codes: Codes::U32(codes),
                    values: vec![Value::String("early".into())],
                },
            )
        };
        assert_eq!(refused(vec![ages(), stages(vec![0, 0, 0])]), None);
        let short = refused(vec![ages(), stages(vec![0, 0])]);
        let bad_code = refused(vec![stages(vec![0, 1, 0]), ages()]);
        let wrong_kind = refused(vec![
            ages(),
            (FirmField::Region, Column::ints(vec![1, 2, 3])),
        ]);
        let first = refused(vec![
            stages(vec![0, 5, 0]),
            (FirmField::Employees, Column::ints(vec![1])),
        ]);
        for (got, part) in [
            (short, "stage"),
            (bad_code, "stage"),
            (wrong_kind, "region"),
            (first, "stage"),
        ] {
            let got = got.unwrap_or_default();
            assert!(got.contains(part), "{got}");
        }
    }
}

/// A chunk's pairs, firm by firm, are the bits `holds` reads: with more than 64 rules, and a last
/// chunk that ends inside a word.
#[test]
fn pairs_are_the_bits_firm_by_firm() {
    let catalog = catalog();
    let mut rules = crate::eligibility::Rulebook::new(catalog).rules();
    rules.extend(rules.clone());
    assert!(rules.len() > 64);
    let firms = crate::synth::firms(CHUNK + 1_000 + 37, 7, as_of());
    let matcher = Matcher::compile(&rules);
    let population = Population::new(&firms, as_of(), catalog, &matcher.fields());
    let seen = std::sync::Mutex::new(0usize);
    matcher
        .run(&population, 2, &AtomicUsize::new(0), &|start, chunk| {
            let mut pairs = Vec::new();
            chunk.for_each_pair(|firm, rule| pairs.push((firm, rule)));
            let mut expected = Vec::new();
            for firm in 0..chunk.len {
                for rule in 0..rules.len() {
                    if chunk.holds(rule, firm) {
                        expected.push((firm, rule));
                    }
                }
            }
            assert!(!expected.is_empty(), "chunk at {start}");
            assert_eq!(pairs, expected, "chunk at {start}");
            *seen.lock().expect("lock") += chunk.len;
        })
        .expect("every column");
    assert_eq!(*seen.lock().expect("lock"), firms.len());
}
