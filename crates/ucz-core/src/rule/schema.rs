//! What a rule is written over: one variable (`firm`), its fields with their CEL types, and how to
//! read a field's value from a record. The parser, type checker, interpreter, column-wise compiler
//! and explanations are generic over a [`Schema`]; firms are the first ([`crate::firm::FirmSchema`]).

use std::fmt::Debug;
use std::hash::Hash;

use super::eval::Value;
use super::types::Type;

/// A record type rules can read, as one CEL variable with typed fields.
pub trait Schema: 'static {
    /// A field of the record.
    type Field: Copy + Eq + Hash + Ord + Debug + Send + Sync + 'static;
    /// What one rule evaluation reads: the record and anything derived from it.
    type Record<'r>: Copy + Send + Sync;

    /// The variable rules use: `firm`.
    const VARIABLE: &'static str;

    /// Every field, in documentation order.
    fn fields() -> &'static [Self::Field];

    /// The field's name after `firm.`.
    fn name(field: Self::Field) -> &'static str;

    /// The field's CEL type.
    fn field_type(field: Self::Field) -> Type;

    /// The record's value of a field.
    fn value(record: &Self::Record<'_>, field: Self::Field) -> Value;

    /// The field named `name`, if there is one.
    fn field(name: &str) -> Option<Self::Field> {
        Self::fields()
            .iter()
            .copied()
            .find(|f| Self::name(*f) == name)
    }

    /// The record's value of an int field, read column by column (0 for a field of another type).
    fn int(record: &Self::Record<'_>, field: Self::Field) -> i64 {
        match Self::value(record, field) {
            Value::Int(i) => i,
            _ => 0,
        }
    }

    /// Whether the field has few enough distinct values to evaluate a condition on it once per
    /// value instead of once per record.
    fn categorical(field: Self::Field) -> bool {
        matches!(
            Self::field_type(field),
            Type::String | Type::Bool | Type::List(_)
        )
    }

    /// The record's value of a categorical field as a dictionary key.
    fn category<'r>(record: &Self::Record<'r>, field: Self::Field) -> Category<'r> {
        Category::Owned(Self::value(record, field).to_string())
    }
}

/// A categorical field's value, as a key of the dictionary of its distinct values; borrowed from
/// the record where it can be.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Category<'r> {
    Text(&'r str),
    Flag(bool),
    Ids(&'r [crate::id::Id]),
    Owned(String),
}

#[cfg(test)]
mod tests {
    //! A second schema, an applicant with an int and a string field, goes through the same parser,
    //! type checker, interpreter, explanations and column-wise compiler as firms.

    use super::*;
    use crate::rule::columnar::{Matcher, Population};
    use crate::rule::{Rule, Value};

    struct Applicant {
        age: i64,
        nationality: String,
    }

    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
    enum ApplicantField {
        Age,
        Nationality,
    }

    #[derive(Clone, Copy, Debug, PartialEq)]
    struct ApplicantSchema;

    impl Schema for ApplicantSchema {
        type Field = ApplicantField;
        type Record<'r> = &'r Applicant;

        const VARIABLE: &'static str = "applicant";

        fn fields() -> &'static [ApplicantField] {
            &[ApplicantField::Age, ApplicantField::Nationality]
        }

        fn name(field: ApplicantField) -> &'static str {
            match field {
                ApplicantField::Age => "age",
                ApplicantField::Nationality => "nationality",
            }
        }

        fn field_type(field: ApplicantField) -> Type {
            match field {
                ApplicantField::Age => Type::Int,
                ApplicantField::Nationality => Type::String,
            }
        }

        fn value(record: &&Applicant, field: ApplicantField) -> Value {
            match field {
                ApplicantField::Age => Value::Int(record.age),
                ApplicantField::Nationality => Value::String(record.nationality.clone()),
            }
        }
    }

    fn applicant(age: i64, nationality: &str) -> Applicant {
        Applicant {
            age,
            nationality: nationality.into(),
        }
    }

    type ApplicantRule = Rule<ApplicantSchema>;

    #[test]
    fn rules_over_another_schema_parse_check_and_evaluate() {
        let rule = ApplicantRule::parse_over(
            "applicant.nationality == 'KR' && applicant.age >= 19 && applicant.age <= 34",
        )
        .expect("rule");
        assert_eq!(
            rule.fields(),
            vec![ApplicantField::Nationality, ApplicantField::Age]
        );
        let young = applicant(25, "KR");
        let old = applicant(40, "KR");
        assert!(rule.holds(&&young));
        assert!(!rule.holds(&&old));
        assert_eq!(
            ApplicantRule::parse_over("applicant.age / (applicant.age - 25) > 0")
                .expect("rule")
                .evaluate(&&young),
            Err(crate::rule::EvalError::DivisionByZero)
        );

        let failed = rule.explain(&&old).failed.expect("fails");
        assert_eq!(failed.values, vec![(ApplicantField::Age, Value::Int(40))]);
        assert_eq!(failed.to_string(), "applicant.age <= 34: 40");
        let either =
            ApplicantRule::parse_over("applicant.age < 19 || applicant.nationality != 'KR'")
                .expect("rule");
        assert_eq!(
            either.explain(&&old).failed.expect("fails").to_string(),
            "applicant.age < 19 || applicant.nationality != 'KR': applicant.age = 40, applicant.nationality = \"KR\""
        );

        for (text, needle) in [
            (
                "firm.employees > 1",
                "only fields of applicant can be selected",
            ),
            (
                "age > 1",
                "unknown variable 'age'; rules can only read applicant",
            ),
            (
                "applicant.employees > 1",
                "unknown applicant field 'employees'; expected one of: age, nationality",
            ),
            ("applicant.nationality > 1", "no operator >"),
            (
                "applicant == 1",
                "use a field of the applicant, such as applicant.age",
            ),
        ] {
            let error = ApplicantRule::parse_over(text).expect_err(text);
            assert!(error.message.contains(needle), "{text}: {error}");
        }
        // The firm's rules do not read applicants, and the other way round.
        assert!(Rule::parse("applicant.age > 1").is_err());
    }

    #[test]
    fn the_column_wise_compiler_runs_another_schema() {
        let applicants: Vec<Applicant> = (0..5000)
            .map(|i| applicant(i % 70, ["KR", "VN", "US", ""][i as usize % 4]))
            .collect();
        let rules: Vec<ApplicantRule> = [
            "applicant.nationality == 'KR' && applicant.age >= 19 && applicant.age <= 34",
            "applicant.nationality.startsWith('V') || applicant.age * 2 > 100",
            "100 / applicant.age > 3",
            "true",
            "size(applicant.nationality) == 0 || double(applicant.age) / 2.0 < 10.5",
        ]
        .iter()
        .map(|r| ApplicantRule::parse_over(r).expect("rule"))
        .collect();
        let matcher = Matcher::compile(&rules);
        let records: Vec<&Applicant> = applicants.iter().collect();
        let population = Population::<ApplicantSchema>::from_records(&records, &matcher.fields());
        assert_eq!(matcher.value_kernel_count(), 0);
        let matrix = matcher.matrix(&population).expect("every column");
        let mut counts = vec![0; rules.len()];
        for (i, a) in applicants.iter().enumerate() {
            for (r, rule) in rules.iter().enumerate() {
                assert_eq!(matrix[i][r], rule.holds(&a), "`{}` on {i}", rule.text());
                counts[r] += usize::from(matrix[i][r]);
            }
        }
        // 16 ages of 70 in KR, a quarter; every one for `true`; none at age 0 for the division.
        assert_eq!(counts[3], 5000);
        assert!(counts.iter().all(|c| *c > 0), "{counts:?}");
    }
}
