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
            }
            Err(errors) => {
                let _ = show(&errors);
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
            }
        }
    }
}
