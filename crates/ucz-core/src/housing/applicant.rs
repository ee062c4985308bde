//! What a round's rules read: a person and their household (the variable `applicant`), built
//! from what the applicant declared, what the employer confirmed and the day the round closes.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::date::Date;
use crate::rule::{Schema, Type, Value};

/// A member of the household besides the applicant, as on the resident register extract.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Member {
    pub name: String,
    pub birth_date: Date,
    /// 배우자, 자녀, 부모…
    #[serde(default)]
    pub relation: String,
}

/// What an applicant declares.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Declaration {
    pub name: String,
    pub birth_date: Date,
    /// Months with the employer (a founder: since founding).
    #[serde(default)]
    pub months_employed: i64,
    /// Homes the household owns.
    #[serde(default)]
    pub homes_owned: i64,
    /// The household's average monthly income in won.
    #[serde(default)]
    pub household_income: i64,
    /// The other members of the household.
    #[serde(default)]
    pub members: Vec<Member>,
    /// The unit type asked for.
    pub unit_type: String,
}

/// A person's identity for the check that nobody is in two households: name without spaces and
/// birth date.
pub fn person_key(name: &str, birth_date: Date) -> String {
    let name: String = name.chars().filter(|c| !c.is_whitespace()).collect();
    format!("{name}|{birth_date}")
}

impl Declaration {
    /// Everyone in the household, the applicant first.
    pub fn people(&self) -> Vec<String> {
        std::iter::once(person_key(&self.name, self.birth_date))
            .chain(
                self.members
                    .iter()
                    .map(|m| person_key(&m.name, m.birth_date)),
            )
            .collect()
    }
}

/// An applicant as rules read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Applicant {
    pub declared: Declaration,
    /// The employer's firm id (a founder's own firm); empty without one.
    pub employer: String,
    /// The employer is a tenant firm of the round's zone.
    pub employer_tenant: bool,
    /// The applicant founded its employer.
    pub founder: bool,
    /// The day ages are counted on (the round's closing day).
    pub on: Date,
}

/// The fields of `applicant`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ApplicantField {
    Age,
    Employer,
    EmployerTenant,
    Founder,
    MonthsEmployed,
    HomesOwned,
    HouseholdIncome,
    HouseholdSize,
    Minors,
    UnitType,
}

/// Rules over applicants (`applicant.age <= 39`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ApplicantSchema;

const FIELDS: [ApplicantField; 10] = [
    ApplicantField::Age,
    ApplicantField::Employer,
    ApplicantField::EmployerTenant,
    ApplicantField::Founder,
    ApplicantField::MonthsEmployed,
    ApplicantField::HomesOwned,
    ApplicantField::HouseholdIncome,
    ApplicantField::HouseholdSize,
    ApplicantField::Minors,
    ApplicantField::UnitType,
];

impl Applicant {
    pub fn age(&self) -> i64 {
        self.declared.birth_date.whole_years_until(self.on)
    }

    /// Members under 19 on the round's day.
    pub fn minors(&self) -> i64 {
        self.declared
            .members
            .iter()
            .filter(|m| m.birth_date.whole_years_until(self.on) < 19)
            .count() as i64
    }
}

impl Schema for ApplicantSchema {
    type Field = ApplicantField;
    type Record<'r> = &'r Applicant;

    const VARIABLE: &'static str = "applicant";

    fn fields() -> &'static [ApplicantField] {
        &FIELDS
    }

    fn name(field: ApplicantField) -> &'static str {
        match field {
            ApplicantField::Age => "age",
            ApplicantField::Employer => "employer",
            ApplicantField::EmployerTenant => "employer_tenant",
            ApplicantField::Founder => "founder",
            ApplicantField::MonthsEmployed => "months_employed",
            ApplicantField::HomesOwned => "homes_owned",
            ApplicantField::HouseholdIncome => "household_income",
            ApplicantField::HouseholdSize => "household_size",
            ApplicantField::Minors => "minors",
            ApplicantField::UnitType => "unit_type",
        }
    }

    fn field_type(field: ApplicantField) -> Type {
        match field {
            ApplicantField::Employer | ApplicantField::UnitType => Type::String,
            ApplicantField::EmployerTenant | ApplicantField::Founder => Type::Bool,
            _ => Type::Int,
        }
    }

    fn value(a: &&Applicant, field: ApplicantField) -> Value {
        let d = &a.declared;
        match field {
            ApplicantField::Age => Value::Int(a.age()),
            ApplicantField::Employer => Value::String(a.employer.clone()),
            ApplicantField::EmployerTenant => Value::Bool(a.employer_tenant),
            ApplicantField::Founder => Value::Bool(a.founder),
            ApplicantField::MonthsEmployed => Value::Int(d.months_employed),
            ApplicantField::HomesOwned => Value::Int(d.homes_owned),
            ApplicantField::HouseholdIncome => Value::Int(d.household_income),
            ApplicantField::HouseholdSize => Value::Int(d.members.len() as i64 + 1),
            ApplicantField::Minors => Value::Int(a.minors()),
            ApplicantField::UnitType => Value::String(d.unit_type.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rule::Rule;

    #[test]
    fn rules_read_the_household_on_the_rounds_day() {
        let applicant = Applicant {
            declared: Declaration {
                name: "김 하늘".into(),
                birth_date: "1990-07-02".parse().expect("date"),
                months_employed: 14,
                homes_owned: 0,
                household_income: 4_200_000,
                members: vec![Member {
                    name: "김바다".into(),
                    birth_date: "2020-01-01".parse().expect("date"),
                    relation: "자녀".into(),
                }],
                unit_type: "two_room".into(),
            },
            employer: "acme".into(),
            employer_tenant: true,
            founder: false,
            on: "2026-07-01".parse().expect("date"),
        };
        let rule = Rule::<ApplicantSchema>::parse_over(
            "applicant.age <= 35 && applicant.household_size == 2 && applicant.minors == 1 && applicant.employer_tenant",
        )
        .expect("rule");
        assert!(rule.holds(&&applicant));
        let older = Rule::<ApplicantSchema>::parse_over("applicant.age <= 34").expect("rule");
        let failed = older.explain(&&applicant).failed.expect("fails");
        assert_eq!(failed.to_string(), "applicant.age <= 34: 35");
        assert!(Rule::<ApplicantSchema>::parse_over("applicant.income > 1").is_err());
        assert_eq!(
            applicant.declared.people(),
            ["김하늘|1990-07-02", "김바다|2020-01-01"]
        );
    }
}
