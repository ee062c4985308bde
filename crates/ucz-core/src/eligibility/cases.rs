//! Rule tests beside the rules (`catalog/tests/*.toml`), in the manner of OpenFisca: a firm on a
//! date, whether the program's rule must hold, and the clause that must fail when it does not.
//! `ucz catalog test` runs them.

use serde::Deserialize;

use super::Rulebook;
use crate::catalog::Catalog;
use crate::date::Date;
use crate::firm::Firm;
use crate::id::Id;
use crate::source::{Errors, InputErrors, SourceFile};

/// Every program must have at least this many cases.
pub const MIN_CASES_PER_PROGRAM: usize = 2;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expected {
    Eligible,
    Ineligible,
}

/// One rule test.
#[derive(Clone, Debug)]
pub struct RuleCase {
    pub file: String,
    pub line: usize,
    pub program: Id,
    pub name: String,
    pub as_of: Date,
    pub expected: Expected,
    pub failing: Option<String>,
    pub firm: Firm,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCase {
    program: Id,
    name: String,
    as_of: Date,
    expected: Expected,
    failing: Option<String>,
    firm: toml::Table,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    test: Vec<RawCase>,
}

/// Reads one test file; every case's program and firm are checked against the catalog.
pub fn parse(
    file: SourceFile<'_>,
    catalog: &Catalog,
    rulebook: &Rulebook,
) -> Result<Vec<RuleCase>, InputErrors> {
    let raw: RawFile =
        toml::from_str(file.text).map_err(|e| InputErrors::from(file.toml_error(&e)))?;
    let mut errors = Errors::default();
    let mut cases = Vec::new();
    for (i, case) in raw.test.into_iter().enumerate() {
        let line = case.program.span().map_or(0, |s| file.locate(s.start).line);
        if rulebook.get(&case.program).is_none() {
            errors.push(
                file.error_at(
                    &case.program,
                    format!("unknown program \"{}\"", case.program),
                )
                .field(format!("test[{i}].program"))
                .expected(rulebook.programs.iter().map(|p| p.id.clone())),
            );
            continue;
        }
        // Firm problems are reported at the case's `firm =` line.
        let firm_at = case.program.span().and_then(|s| {
            file.text[s.start..]
                .find("\nfirm")
                .map(|i| s.start + i + 1..s.start + i + 2)
        });
        let at_firm =
            |message: String| file.error(firm_at.clone().or(case.program.span()), message);
        let mut table = case.firm;
        table
            .entry("id")
            .or_insert_with(|| toml::Value::String("test".into()));
        // Identifiers read their place from the TOML parser, so the firm is read as TOML text.
        let firm: Result<Firm, String> = toml::to_string(&table)
            .map_err(|e| e.to_string())
            .and_then(|text| toml::from_str(&text).map_err(|e| e.message().to_string()));
        let firm = match firm {
            Ok(firm) => firm,
            Err(e) => {
                errors.push(at_firm(e).field(format!("test[{i}].firm")));
                continue;
            }
        };
        for (field, message, expected) in firm.problems(catalog) {
            errors.push(
                at_firm(message.to_string())
                    .field(format!("test[{i}].firm.{field}"))
                    .expected(expected),
            );
        }
        cases.push(RuleCase {
            file: file.name.to_string(),
            line,
            program: case.program,
            name: case.name,
            as_of: case.as_of,
            expected: case.expected,
            failing: case.failing,
            firm,
        });
    }
    errors.finish(cases)
}

/// The result of one case.
#[derive(Clone, Debug)]
pub struct CaseResult {
    pub case: RuleCase,
    /// `None` when the case passed, else what went wrong.
    pub failure: Option<String>,
}

pub fn run(catalog: &Catalog, rulebook: &Rulebook, cases: &[RuleCase]) -> Vec<CaseResult> {
    cases
        .iter()
        .map(|case| {
            let failure = match rulebook.get(&case.program) {
                None => Some(format!("unknown program {}", case.program)),
                Some(program) => {
                    let outcome = program.rule.explain(&case.firm.facts(case.as_of, catalog));
                    match (case.expected, outcome.failed) {
                        (Expected::Eligible, None) => None,
                        (Expected::Eligible, Some(failed)) => {
                            Some(format!("expected eligible, but {failed}"))
                        }
                        (Expected::Ineligible, None) => {
                            Some("expected ineligible, but the rule holds".to_string())
                        }
                        (Expected::Ineligible, Some(failed)) => match &case.failing {
                            Some(clause) if *clause != failed.clause => Some(format!(
                                "expected `{clause}` to fail, but `{}` failed ({failed})",
                                failed.clause
                            )),
                            _ => None,
                        },
                    }
                }
            };
            CaseResult {
                case: case.clone(),
                failure,
            }
        })
        .collect()
}

/// Programs with fewer than [`MIN_CASES_PER_PROGRAM`] cases.
pub fn undertested(rulebook: &Rulebook, cases: &[RuleCase]) -> Vec<Id> {
    rulebook
        .programs
        .iter()
        .filter(|p| cases.iter().filter(|c| c.program == p.id).count() < MIN_CASES_PER_PROGRAM)
        .map(|p| p.id.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{CatalogSources, TEST_FILES};

    fn all_cases() -> (Catalog, Rulebook, Vec<RuleCase>) {
        let catalog = Catalog::bundled().unwrap_or_else(|e| panic!("{e}"));
        let rulebook = Rulebook::new(&catalog);
        let sources = CatalogSources::bundled();
        let mut cases = Vec::new();
        for name in TEST_FILES {
            let path = sources.path(name);
            let text = sources.files.get(name).expect("test file");
            cases.extend(
                parse(SourceFile::new(&path, text), &catalog, &rulebook)
                    .unwrap_or_else(|e| panic!("{e}")),
            );
        }
        (catalog, rulebook, cases)
    }

    #[test]
    fn every_catalog_rule_test_passes() {
        let (catalog, rulebook, cases) = all_cases();
        let failures: Vec<String> = run(&catalog, &rulebook, &cases)
            .into_iter()
            .filter_map(|r| {
                r.failure
                    .map(|f| format!("{}:{} {}: {f}", r.case.file, r.case.line, r.case.name))
            })
            .collect();
        assert!(failures.is_empty(), "{failures:#?}");
    }

    #[test]
    fn every_program_has_a_rule_a_reference_and_two_cases() {
        let (catalog, rulebook, cases) = all_cases();
        assert_eq!(
            rulebook.programs.len(),
            catalog.programs.len()
                + catalog.support_programs.len()
                + catalog.linkage_programs.len()
        );
        assert!(
            rulebook
                .programs
                .iter()
                .all(|p| !p.reference.is_empty() && !p.stages.is_empty())
        );
        assert_eq!(undertested(&rulebook, &cases), Vec::<Id>::new());
    }

    #[test]
    fn a_wrong_expectation_fails_with_the_reason() {
        let (catalog, rulebook, mut cases) = all_cases();
        let case = cases
            .iter_mut()
            .find(|c| c.expected == Expected::Ineligible && c.failing.is_some())
            .expect("case");
        case.failing = Some("firm.nothing".into());
        let result = run(&catalog, &rulebook, std::slice::from_ref(case));
        assert!(
            result[0]
                .failure
                .as_deref()
                .is_some_and(|f| f.contains("expected `firm.nothing` to fail"))
        );
        case.expected = Expected::Eligible;
        let result = run(&catalog, &rulebook, std::slice::from_ref(case));
        assert!(
            result[0]
                .failure
                .as_deref()
                .is_some_and(|f| f.starts_with("expected eligible, but "))
        );
    }
}
