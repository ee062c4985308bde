//! Every parser of user text, fed arbitrary text, answers with a value or an error — never a
//! panic. Inputs are either random text or a valid file with random edits (deletions, insertions of
//! TOML punctuation, truncations), which reaches far deeper into the parsers than random text does.
//! What parses is used further (diagnosed, matched, rendered, error messages formatted), since a
//! strange but valid input may break code after the parser.

use std::sync::LazyLock;

use proptest::prelude::*;
use ucz_core::catalog::{KINDS, TEST_FILES};
use ucz_core::date::Date;
use ucz_core::eligibility::{Rulebook, cases};
use ucz_core::firm::Firm;
use ucz_core::report::{self, Style};
use ucz_core::rule::Rule;
use ucz_core::{Catalog, CatalogSources, Lang, SourceFile, Zone, diagnose};

static CATALOG: LazyLock<Catalog> =
    LazyLock::new(|| Catalog::bundled().unwrap_or_else(|e| panic!("{e}")));
static RULEBOOK: LazyLock<Rulebook> = LazyLock::new(|| Rulebook::new(&CATALOG));

const ZONE: &str = include_str!("../../../../examples/zones/daejeon.toml");
const FIRM: &str = include_str!("../../../../examples/firms/seonhwa-robotics.toml");

fn as_of() -> Date {
    "2026-06-30"
        .parse()
        .unwrap_or_else(|e: String| panic!("{e}"))
}

/// Text that matters to TOML and to rules: brackets, quotes, operators, digits, Hangul, breaks.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        "[\\[\\]{}=\",.#'\\n\\t a-z0-9_+:-]{0,8}",
        "[()!&|<>=+*/%.\"' a-z0-9_\\[\\],-]{0,8}",
        Just("\u{feff}".to_string()),
        Just("가나".to_string()),
        Just("\"\"\"".to_string()),
        Just("9999999999999999999999".to_string()),
        Just("-0.0e999".to_string()),
        Just("1979-05-27T07:32:00Z".to_string()),
        any::<String>(),
    ]
}

/// Up to `n` edits of a text: at a position, delete some characters and insert a fragment.
fn edits(n: usize) -> impl Strategy<Value = Vec<(usize, usize, String)>> {
    proptest::collection::vec((any::<usize>(), 0usize..6, fragment()), 1..=n)
}

fn mutate(base: &str, edits: &[(usize, usize, String)], cut: Option<usize>) -> String {
    let mut chars: Vec<char> = base.chars().collect();
    for (at, delete, insert) in edits {
        let at = at % (chars.len() + 1);
        let end = (at + delete).min(chars.len());
        chars.splice(at..end, insert.chars());
    }
    if let Some(cut) = cut {
        chars.truncate(cut % (chars.len() + 1));
    }
    chars.into_iter().collect()
}

/// A valid text with random edits, or random text.
fn text_like(base: &'static str) -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (edits(6), proptest::option::of(any::<usize>()))
            .prop_map(move |(e, cut)| mutate(base, &e, cut)),
        1 => any::<String>(),
        1 => proptest::collection::vec(fragment(), 0..20).prop_map(|v| v.concat()),
    ]
}

/// Formats errors as the command line does: file, line, column, field, expected values.
fn show(errors: &ucz_core::InputErrors) -> String {
    errors.to_string()
}

/// Every error names one of `files` (name and text) and, when it has a position, a line and
/// column inside that text; and there is at least one error.
fn located(errors: &ucz_core::InputErrors, files: &[(&str, &str)]) -> Result<(), TestCaseError> {
    prop_assert!(!errors.0.is_empty(), "an error without a message");
    for error in &errors.0 {
        let text = files
            .iter()
            .find(|(name, _)| *name == error.file)
            .map(|(_, t)| *t);
        prop_assert!(text.is_some(), "{error} names no file it was given");
        prop_assert!(!error.message.trim().is_empty(), "{error} has no message");
        if let (Some((line, column)), Some(text)) = (error.position, text) {
            let lines: Vec<&str> = text.split('\n').collect();
            prop_assert!(
                line >= 1 && line <= lines.len(),
                "{error}: line outside the text"
            );
            let width = lines[line - 1].chars().count();
            prop_assert!(
                column >= 1 && column <= width + 1,
                "{error}: column outside its line"
            );
        }
    }
    Ok(())
}

/// `located` over every file of a catalog, as `Catalog::load` names them.
fn located_in_catalog(
    errors: &ucz_core::InputErrors,
    sources: &CatalogSources,
) -> Result<(), TestCaseError> {
    let paths: Vec<(String, &str)> = sources
        .files
        .iter()
        .map(|(name, text)| (sources.path(name), text.as_str()))
        .collect();
    let files: Vec<(&str, &str)> = paths.iter().map(|(p, t)| (p.as_str(), *t)).collect();
    located(errors, &files)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn the_zone_parser_never_panics(text in text_like(ZONE)) {
        match Zone::parse(SourceFile::new("zone.toml", &text), &CATALOG) {
            Ok(zone) => {
                let diagnosis = diagnose(&CATALOG, &zone);
                let _ = report::render(&diagnosis, &CATALOG, Lang::Ko, Style::Text);
                let _ = report::render(&diagnosis, &CATALOG, Lang::En, Style::Markdown);
                let _ = serde_json::to_string(&diagnosis);
            }
            Err(errors) => {
                let _ = show(&errors);
                located(&errors, &[("zone.toml", &text)])?;
            }
        }
    }

    #[test]
    fn the_firm_parser_never_panics(text in text_like(FIRM)) {
        match Firm::parse(SourceFile::new("firm.toml", &text), &CATALOG) {
            Ok(firm) => {
                let _ = firm.date_problem(as_of());
                let package = RULEBOOK.package(&CATALOG, &firm, as_of());
                let _ = ucz_core::eligibility::report::render(&package, &CATALOG, Lang::En);
            }
            Err(errors) => {
                let _ = show(&errors);
                located(&errors, &[("firm.toml", &text)])?;
            }
        }
    }

    #[test]
    fn the_rule_parser_and_type_checker_never_panic(
        text in prop_oneof![
            2 => proptest::sample::select(
                RULEBOOK.programs.iter().map(|p| p.rule.text().to_string()).collect::<Vec<_>>()
            )
            .prop_flat_map(|rule| (Just(rule), edits(4), proptest::option::of(any::<usize>())))
            .prop_map(|(rule, e, cut)| mutate(&rule, &e, cut)),
            1 => proptest::collection::vec(fragment(), 0..12).prop_map(|v| v.concat()),
            1 => any::<String>(),
        ]
    ) {
        match Rule::parse(&text) {
            Ok(rule) => {
                // A well-typed rule evaluates for a firm (to a value or an error) and explains itself.
                let firm = Firm::parse(SourceFile::new("firm.toml", FIRM), &CATALOG)
                    .unwrap_or_else(|e| panic!("{e}"));
                let facts = firm.facts(as_of(), &CATALOG);
                let _ = rule.evaluate(&facts);
                let _ = rule.explain(&facts);
            }
            Err(error) => {
                prop_assert!(error.offset <= text.len(), "{error:?} past the end of {text:?}");
                prop_assert!(
                    error.column >= 1 && error.column <= text.chars().count() + 1,
                    "{error:?}: column outside {text:?}"
                );
                prop_assert!(!error.message.is_empty());
                let _ = error.to_string();
            }
        }
    }

    #[test]
    fn the_date_parser_never_panics(text in prop_oneof![
        "[0-9]{0,5}-[0-9]{0,3}-[0-9]{0,3}",
        "[0-9+-]{0,12}",
        any::<String>(),
    ]) {
        let _ = text.parse::<Date>();
    }
}

proptest! {
    // Each case loads a whole catalog: fewer of them.
    #![proptest_config(ProptestConfig { cases: 96, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn the_catalog_parser_never_panics_on_any_of_its_files(
        kind in 0..KINDS.len(),
        e in edits(6),
        cut in proptest::option::of(any::<usize>()),
        random in proptest::option::of(any::<String>()),
    ) {
        let mut sources = CatalogSources::bundled();
        let file = KINDS[kind].1;
        let text = match random {
            Some(random) if cut.is_some_and(|c| c % 4 == 0) => random,
            _ => mutate(&sources.files[file], &e, cut.filter(|c| c % 3 == 0)),
        };
        sources.files.insert(file.to_string(), text);
        match Catalog::load(&sources) {
            Ok(catalog) => {
                // A catalog that loads can be matched against.
                let rulebook = Rulebook::new(&catalog);
                let firm = Firm::parse(SourceFile::new("firm.toml", FIRM), &catalog);
                if let Ok(firm) = firm {
                    let _ = rulebook.package(&catalog, &firm, as_of());
                }
                let _ = serde_json::to_string(&catalog);
                // A catalog that loads can plan placements with its policy.
                prop_assert!(!catalog.placement.expansion_kinds.is_empty());
                let _ = ucz_core::placement::plan(&[], &[], &catalog.placement);
            }
            Err(errors) => {
                let _ = show(&errors);
                located_in_catalog(&errors, &sources)?;
            }
        }
    }

    #[test]
    fn the_rule_test_files_parser_never_panics(
        which in 0..TEST_FILES.len(),
        e in edits(6),
        cut in proptest::option::of(any::<usize>()),
    ) {
        let sources = CatalogSources::bundled();
        let name = TEST_FILES[which];
        let text = mutate(&sources.files[name], &e, cut.filter(|c| c % 3 == 0));
        match cases::parse(SourceFile::new(name, &text), &CATALOG, &RULEBOOK) {
            Ok(parsed) => {
                let _ = cases::run(&CATALOG, &RULEBOOK, &parsed);
            }
            Err(errors) => {
                let _ = show(&errors);
                located(&errors, &[(name, &text)])?;
            }
        }
    }
}

/// The files of the space ladder, each edited alone: the catalog loads or says where it broke.
fn ladder_file() -> impl Strategy<Value = &'static str> {
    proptest::sample::select(vec!["space_kinds.toml", "placement.toml"])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn the_space_kinds_and_placement_files_never_panic_and_errors_are_located(
        file in ladder_file(),
        e in edits(6),
        cut in proptest::option::of(any::<usize>()),
        numbers in proptest::collection::vec(
            prop_oneof![
                Just("-1".to_string()),
                Just("1e308".to_string()),
                Just("nan".to_string()),
                Just("-inf".to_string()),
                Just("0.5".to_string()),
                Just("9223372036854775807".to_string()),
                Just("\"2\"".to_string()),
                Just("true".to_string()),
                (0i64..5000).prop_map(|n| n.to_string()),
            ],
            0..4,
        ),
    ) {
        let mut sources = CatalogSources::bundled();
        let base = sources.files[file].clone();
        // Values swapped for odd numbers (or no number at all) reach the range checks.
        let mut text = base.clone();
        for (i, number) in numbers.iter().enumerate() {
            let mut seen = 0;
            text = text
                .lines()
                .map(|l| {
                    if l.starts_with("value = ") || l.starts_with("expansion = ") {
                        seen += 1;
                        if seen == i * 3 + 1 {
                            return format!("{} = {number}", l.split(" =").next().unwrap_or("value"));
                        }
                    }
                    l.to_string()
                })
                .collect::<Vec<_>>()
                .join("\n");
        }
        let text = mutate(&text, &e, cut.filter(|c| c % 3 == 0));
        sources.files.insert(file.to_string(), text);
        match Catalog::load(&sources) {
            Ok(catalog) => {
                let policy = &catalog.placement;
                prop_assert!((1.0..=10.0).contains(&policy.growth_factor));
                prop_assert!(policy.misfit.max() >= 0);
                prop_assert!(!policy.expansion_kinds.is_empty());
            }
            Err(errors) => {
                let _ = show(&errors);
                located_in_catalog(&errors, &sources)?;
            }
        }
    }
}
