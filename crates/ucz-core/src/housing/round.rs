//! A round of special supply: the units it offers by type, its eligibility criteria, its tiers
//! of priority with quotas and scoring, and how each application is assessed against them.

use std::collections::{BTreeMap, BTreeSet};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::applicant::{Applicant, ApplicantSchema};
use super::draw::{self, Entry, Leftover};
use super::stock::is_code;
use crate::message::{Key, Message};
use crate::record::FieldProblem;
use crate::rule::{Rule, RuleError, Schema, Type};

/// The document every application carries: the resident register extract (주민등록등본) the
/// household is verified against.
pub const RESIDENT_REGISTER: &str = "resident_register";
/// The built-in check of the household.
pub const HOUSEHOLD: &str = "household";
/// The built-in check of the unit type asked for.
pub const UNIT_TYPE: &str = "unit_type";
/// The built-in check that some tier takes the applicant.
pub const TIER: &str = "tier";
/// Points a scoring line may give a unit, and at most.
const MAX_POINTS: i64 = 1000;

/// A criterion every applicant must meet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    pub id: String,
    pub label: String,
    /// CEL over `applicant`.
    pub rule: String,
    /// The documents that prove it (`employment_certificate`, `income_proof`).
    #[serde(default)]
    pub documents: Vec<String>,
    /// The employer must confirm the employment it rests on.
    #[serde(default)]
    pub employer_confirms: bool,
}

/// Points a tier gives for an int field: `per` points a unit, at most `max`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Points {
    pub field: String,
    pub per: i64,
    pub max: i64,
}

/// A tier of priority: who belongs (the first tier whose rule holds), its quotas by unit type,
/// and its scoring (none: everyone ranks equal before the draw).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TierRule {
    pub id: String,
    pub label: String,
    pub rule: String,
    #[serde(default)]
    pub quotas: BTreeMap<String, u32>,
    #[serde(default)]
    pub scoring: Vec<Points>,
}

fn default_offer_days() -> u32 {
    7
}
fn default_term_months() -> u32 {
    24
}
fn default_retention_days() -> u32 {
    365
}

/// The shortest retention: the offers' answers and the reserve list's moves come first.
const MIN_RETENTION_DAYS: u32 = 90;

/// A round as its operator sets it up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Setup {
    pub name: String,
    /// The prefix of applicant numbers (`DJ-2026-H1`): capitals, digits and `-`.
    pub code: String,
    /// Korean time: `2026-06-01T09:00`.
    pub opens_at: String,
    pub closes_at: String,
    /// The day tenancies signed from this round start.
    pub moves_in: crate::date::Date,
    /// Units offered by type.
    pub units: BTreeMap<String, u32>,
    pub criteria: Vec<Criterion>,
    /// Who may ask for a unit type (CEL over `applicant`), by type.
    #[serde(default)]
    pub unit_rules: BTreeMap<String, String>,
    pub tiers: Vec<TierRule>,
    pub leftover: Leftover,
    /// Reserve places per unit type.
    pub reserve: u32,
    /// Days an offer stays open.
    #[serde(default = "default_offer_days")]
    pub offer_days: u32,
    /// Months of a tenancy signed from this round.
    #[serde(default = "default_term_months")]
    pub term_months: u32,
    /// Days after the draw before the applications' personal data is erased.
    #[serde(default = "default_retention_days")]
    pub retention_days: u32,
}

type HRule = Rule<ApplicantSchema>;

/// A setup whose rules parsed and type-checked.
#[derive(Clone, Debug)]
pub struct Checked {
    pub setup: Setup,
    pub opens_at: i64,
    pub closes_at: i64,
    criteria: Vec<HRule>,
    unit_rules: BTreeMap<String, HRule>,
    tiers: Vec<HRule>,
}

fn rule_problem(field: String, e: RuleError) -> FieldProblem {
    FieldProblem::new(
        field,
        Message::new(Key::CallRuleRefused)
            .arg("column", e.column)
            .arg("reason", e.message),
    )
}

fn is_round_code(text: &str) -> bool {
    (2..=30).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
}

fn int_fields() -> String {
    ApplicantSchema::fields()
        .iter()
        .filter(|f| ApplicantSchema::field_type(**f) == Type::Int)
        .map(|f| ApplicantSchema::name(*f))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Setup {
    /// Checks the setup: every rule type-checks over `applicant`, every unit type named is
    /// offered, quotas fit the units, ids are codes and unique, the round closes after it opens.
    /// Every problem by field.
    pub fn check(self) -> Result<Checked, Vec<FieldProblem>> {
        let mut out = Vec::new();
        if self.name.trim().is_empty() {
            out.push(FieldProblem::new("name", Key::AwardRequired));
        }
        if !is_round_code(&self.code) {
            out.push(FieldProblem::new(
                "code",
                Message::new(Key::HousingBadRoundCode).arg("value", &self.code),
            ));
        }
        let time = |field: &str, text: &str, out: &mut Vec<FieldProblem>| {
            let at = crate::booking::parse_time(text).map(crate::booking::seconds);
            if at.is_none() {
                out.push(FieldProblem::new(
                    field,
                    Message::new(Key::BookingUnknownTime).arg("value", text),
                ));
            }
            at.unwrap_or_default()
        };
        let opens_at = time("opens_at", &self.opens_at, &mut out);
        let closes_at = time("closes_at", &self.closes_at, &mut out);
        if closes_at <= opens_at && opens_at != 0 && closes_at != 0 {
            out.push(FieldProblem::new("closes_at", Key::HousingCloseBeforeOpen));
        }
        if self.units.is_empty() {
            out.push(FieldProblem::new("units", Key::AwardRequired));
        }
        for (t, n) in &self.units {
            if !is_code(t) {
                out.push(FieldProblem::new(
                    format!("units.{t}"),
                    Message::new(Key::HousingBadCode).arg("value", t),
                ));
            } else if *n == 0 {
                out.push(FieldProblem::new(
                    format!("units.{t}"),
                    Message::new(Key::NotPositive).arg("value", n),
                ));
            }
        }
        let known_type = |t: &str| self.units.contains_key(t);
        let mut ids = BTreeSet::new();
        let mut criteria = Vec::new();
        for (i, c) in self.criteria.iter().enumerate() {
            if !is_code(&c.id) || [HOUSEHOLD, UNIT_TYPE, TIER].contains(&c.id.as_str()) {
                out.push(FieldProblem::new(
                    format!("criteria[{i}].id"),
                    Message::new(Key::HousingBadCode).arg("value", &c.id),
                ));
            } else if !ids.insert(c.id.clone()) {
                out.push(FieldProblem::new(
                    format!("criteria[{i}].id"),
                    Message::new(Key::AwardDuplicateId).arg("value", &c.id),
                ));
            }
            for (j, d) in c.documents.iter().enumerate() {
                if !is_code(d) {
                    out.push(FieldProblem::new(
                        format!("criteria[{i}].documents[{j}]"),
                        Message::new(Key::HousingBadCode).arg("value", d),
                    ));
                }
            }
            match HRule::parse_over(&c.rule) {
                Ok(rule) => criteria.push(rule),
                Err(e) => out.push(rule_problem(format!("criteria[{i}].rule"), e)),
            }
        }
        let mut unit_rules = BTreeMap::new();
        for (t, text) in &self.unit_rules {
            if !known_type(t) {
                out.push(FieldProblem::new(
                    format!("unit_rules.{t}"),
                    Message::new(Key::HousingUnknownUnitType).arg("value", t),
                ));
            }
            match HRule::parse_over(text) {
                Ok(rule) => {
                    unit_rules.insert(t.clone(), rule);
                }
                Err(e) => out.push(rule_problem(format!("unit_rules.{t}"), e)),
            }
        }
        if self.tiers.is_empty() {
            out.push(FieldProblem::new("tiers", Key::AwardRequired));
        }
        let mut tier_ids = BTreeSet::new();
        let mut tiers = Vec::new();
        let mut quota_sums: BTreeMap<&str, u64> = BTreeMap::new();
        for (i, t) in self.tiers.iter().enumerate() {
            if !is_code(&t.id) {
                out.push(FieldProblem::new(
                    format!("tiers[{i}].id"),
                    Message::new(Key::HousingBadCode).arg("value", &t.id),
                ));
            } else if !tier_ids.insert(t.id.clone()) {
                out.push(FieldProblem::new(
                    format!("tiers[{i}].id"),
                    Message::new(Key::AwardDuplicateId).arg("value", &t.id),
                ));
            }
            match HRule::parse_over(&t.rule) {
                Ok(rule) => tiers.push(rule),
                Err(e) => out.push(rule_problem(format!("tiers[{i}].rule"), e)),
            }
            for (ut, n) in &t.quotas {
                if !known_type(ut) {
                    out.push(FieldProblem::new(
                        format!("tiers[{i}].quotas.{ut}"),
                        Message::new(Key::HousingUnknownUnitType).arg("value", ut),
                    ));
                }
                *quota_sums.entry(ut).or_default() += u64::from(*n);
            }
            for (j, p) in t.scoring.iter().enumerate() {
                let int = ApplicantSchema::field(&p.field)
                    .is_some_and(|f| ApplicantSchema::field_type(f) == Type::Int);
                if !int {
                    out.push(FieldProblem::new(
                        format!("tiers[{i}].scoring[{j}].field"),
                        Message::new(Key::HousingNotIntField)
                            .arg("value", &p.field)
                            .arg("fields", int_fields()),
                    ));
                }
                for (name, v) in [("per", p.per), ("max", p.max)] {
                    if !(1..=MAX_POINTS).contains(&v) {
                        out.push(FieldProblem::new(
                            format!("tiers[{i}].scoring[{j}].{name}"),
                            Message::new(Key::OutOfRange)
                                .arg("value", v)
                                .arg("min", 1)
                                .arg("max", MAX_POINTS),
                        ));
                    }
                }
            }
        }
        for (ut, sum) in quota_sums {
            let units = self.units.get(ut).copied().unwrap_or_default();
            if self.units.contains_key(ut) && sum > u64::from(units) {
                out.push(FieldProblem::new(
                    format!("units.{ut}"),
                    Message::new(Key::HousingQuotasExceed)
                        .arg("unit_type", ut)
                        .arg("quotas", sum)
                        .arg("units", units),
                ));
            }
        }
        for (field, v, max) in [
            ("offer_days", self.offer_days, 60),
            ("term_months", self.term_months, 120),
            ("retention_days", self.retention_days, 3650),
            ("reserve", self.reserve.max(1), 1000),
        ] {
            if !(1..=max).contains(&v) {
                out.push(FieldProblem::new(
                    field,
                    Message::new(Key::OutOfRange)
                        .arg("value", v)
                        .arg("min", 1)
                        .arg("max", max),
                ));
            }
        }
        // Offers must be settled before the data they need is erased.
        let floor = MIN_RETENTION_DAYS.max(self.offer_days.saturating_mul(4));
        if self.retention_days < floor {
            out.push(FieldProblem::new(
                "retention_days",
                Message::new(Key::OutOfRange)
                    .arg("value", self.retention_days)
                    .arg("min", floor)
                    .arg("max", 3650),
            ));
        }
        if !out.is_empty() {
            return Err(out);
        }
        Ok(Checked {
            setup: self,
            opens_at,
            closes_at,
            criteria,
            unit_rules,
            tiers,
        })
    }
}

/// Where a check stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Met,
    NotMet,
    Unverified,
}

/// A check of one criterion with its reason.
#[derive(Clone, Debug, PartialEq)]
pub struct Check {
    /// A criterion's id, `household` or `unit_type`.
    pub id: String,
    pub status: Status,
    pub reason: Message,
}

/// A decision on a criterion: by the operator (verified against the documents), or by the
/// employer (the employment confirmed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Verdict {
    pub ok: bool,
    #[serde(default)]
    pub note: String,
}

/// What is known about an application besides its declaration.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Evidence {
    /// Kinds of the documents uploaded.
    pub documents: BTreeSet<String>,
    pub employer: Option<Verdict>,
    /// The operator's verdicts by criterion id (and `household`).
    pub verdicts: BTreeMap<String, Verdict>,
    /// Numbers of other applications of the round sharing a person with this household.
    pub shared_with: Vec<String>,
}

/// An application assessed: each check, and when every one is met, its tier and score.
#[derive(Clone, Debug, PartialEq)]
pub struct Assessment {
    pub checks: Vec<Check>,
    pub eligible: bool,
    pub tier: Option<String>,
    pub score: i64,
}

fn check(id: &str, status: Status, reason: Message) -> Check {
    Check {
        id: id.into(),
        status,
        reason,
    }
}

impl Checked {
    /// Whether the round accepts applications at `now` (Unix seconds).
    pub fn is_open(&self, now: i64) -> bool {
        self.opens_at <= now && now < self.closes_at
    }

    /// The documents the round asks for: the resident register and each criterion's.
    pub fn document_kinds(&self) -> BTreeSet<String> {
        std::iter::once(RESIDENT_REGISTER.to_string())
            .chain(
                self.setup
                    .criteria
                    .iter()
                    .flat_map(|c| c.documents.iter().cloned()),
            )
            .collect()
    }

    /// Each criterion met, not met or unverified with the reason; the household and the unit
    /// type; the tier (the first whose rule holds) and the tier's score.
    pub fn assess(&self, applicant: &Applicant, evidence: &Evidence) -> Assessment {
        let mut checks = Vec::new();
        let verdict = |id: &str, docs: &[String]| -> (Status, Message) {
            if let Some(missing) = docs.iter().find(|d| !evidence.documents.contains(*d)) {
                return (
                    Status::Unverified,
                    Message::new(Key::HousingMissingDocument).arg("kind", missing),
                );
            }
            match evidence.verdicts.get(id) {
                Some(v) if v.ok => (Status::Met, Message::new(Key::HousingVerified)),
                Some(v) => (
                    Status::NotMet,
                    Message::new(Key::HousingRejected).arg("note", &v.note),
                ),
                // Nothing to check on paper: the declaration (and the employer) suffice.
                None if docs.is_empty() => (Status::Met, Message::new(Key::HousingVerified)),
                None => (Status::Unverified, Message::new(Key::HousingAwaitOperator)),
            }
        };
        for (c, rule) in self.setup.criteria.iter().zip(&self.criteria) {
            let outcome = rule.explain(&applicant);
            if let Some(failed) = outcome.failed {
                checks.push(check(
                    &c.id,
                    Status::NotMet,
                    Message::new(Key::HousingRuleFails).arg("clause", failed),
                ));
                continue;
            }
            if c.employer_confirms {
                match &evidence.employer {
                    None => {
                        checks.push(check(
                            &c.id,
                            Status::Unverified,
                            Message::new(Key::HousingAwaitEmployer),
                        ));
                        continue;
                    }
                    Some(v) if !v.ok => {
                        checks.push(check(
                            &c.id,
                            Status::NotMet,
                            Message::new(Key::HousingEmployerDenied).arg("note", &v.note),
                        ));
                        continue;
                    }
                    Some(_) => {}
                }
            }
            let (status, reason) = verdict(&c.id, &c.documents);
            checks.push(check(&c.id, status, reason));
        }
        // The operator's rejection says why first; a person shared with another household
        // keeps the household from being met until one of the two is rejected.
        let household = match evidence.verdicts.get(HOUSEHOLD) {
            Some(v) if !v.ok => (
                Status::NotMet,
                Message::new(Key::HousingRejected).arg("note", &v.note),
            ),
            _ if !evidence.shared_with.is_empty() => (
                Status::NotMet,
                Message::new(Key::HousingSamePerson)
                    .arg("numbers", evidence.shared_with.join(", ")),
            ),
            _ => verdict(HOUSEHOLD, &[RESIDENT_REGISTER.to_string()]),
        };
        checks.push(check(HOUSEHOLD, household.0, household.1));
        let unit_type = &applicant.declared.unit_type;
        let unit = if !self.setup.units.contains_key(unit_type) {
            (
                Status::NotMet,
                Message::new(Key::HousingUnknownUnitType).arg("value", unit_type),
            )
        } else {
            match self
                .unit_rules
                .get(unit_type)
                .and_then(|r| r.explain(&applicant).failed)
            {
                Some(failed) => (
                    Status::NotMet,
                    Message::new(Key::HousingRuleFails).arg("clause", failed),
                ),
                None => (Status::Met, Message::new(Key::HousingVerified)),
            }
        };
        checks.push(check(UNIT_TYPE, unit.0, unit.1));
        let tier = self
            .tiers
            .iter()
            .position(|r| r.holds(&applicant))
            .map(|i| &self.setup.tiers[i]);
        // An applicant no tier takes cannot be drawn: said as a check of its own.
        if tier.is_none() {
            checks.push(check(
                TIER,
                Status::NotMet,
                Message::new(Key::HousingNoTier),
            ));
        }
        let eligible = checks.iter().all(|c| c.status == Status::Met);
        let score = tier.map_or(0, |t| score(t, applicant));
        Assessment {
            checks,
            eligible,
            tier: tier.map(|t| t.id.clone()),
            score,
        }
    }

    /// The list the draw runs on: each eligible application with a tier, by number, with its
    /// rank by score within the tier.
    pub fn list(&self, assessed: &[(String, String, &Assessment)]) -> Vec<Entry> {
        let mut by_tier: BTreeMap<&str, Vec<(usize, i64)>> = BTreeMap::new();
        let eligible: Vec<_> = assessed
            .iter()
            .filter(|(_, _, a)| a.eligible && a.tier.is_some())
            .collect();
        for (i, (_, _, a)) in eligible.iter().enumerate() {
            if let Some(t) = &a.tier {
                by_tier.entry(t).or_default().push((i, a.score));
            }
        }
        let mut ranks = vec![1; eligible.len()];
        for members in by_tier.values() {
            let scores: Vec<i64> = members.iter().map(|(_, s)| *s).collect();
            for ((i, _), r) in members.iter().zip(draw::score_ranks(&scores)) {
                ranks[*i] = r;
            }
        }
        let mut list: Vec<Entry> = eligible
            .iter()
            .zip(ranks)
            .map(|((number, unit_type, a), score_rank)| Entry {
                number: number.clone(),
                tier: a.tier.clone().unwrap_or_default(),
                unit_type: unit_type.clone(),
                score_rank,
            })
            .collect();
        list.sort_by(|a, b| a.number.cmp(&b.number));
        list
    }

    /// The draw's inputs for the frozen list and the public random value.
    pub fn inputs(&self, random: &str, list: Vec<Entry>) -> draw::Inputs {
        draw::Inputs {
            algorithm: draw::ALGORITHM.into(),
            units: self.setup.units.clone(),
            tiers: self
                .setup
                .tiers
                .iter()
                .map(|t| draw::Tier {
                    id: t.id.clone(),
                    quotas: t.quotas.clone(),
                })
                .collect(),
            leftover: self.setup.leftover,
            reserve: self.setup.reserve,
            random: random.into(),
            list,
        }
    }
}

/// A tier's points for an applicant: each scored field times its points, capped.
pub fn score(tier: &TierRule, applicant: &Applicant) -> i64 {
    tier.scoring
        .iter()
        .filter_map(|p| {
            let field = ApplicantSchema::field(&p.field)?;
            let v = ApplicantSchema::int(&applicant, field).max(0);
            Some(v.saturating_mul(p.per).min(p.max))
        })
        .fold(0, i64::saturating_add)
}

#[cfg(test)]
mod tests {
    use super::super::applicant::Declaration;
    use super::*;

    pub(crate) fn setup() -> Setup {
        serde_json::from_value(serde_json::json!({
            "name": "2026 상반기 특별공급",
            "code": "DJ-2026-H1",
            "opens_at": "2026-06-01T09:00",
            "closes_at": "2026-06-15T18:00",
            "moves_in": "2026-09-01",
            "units": {"studio": 4, "two_room": 2},
            "criteria": [
                {"id": "no_home", "label": "무주택", "rule": "applicant.homes_owned == 0", "documents": ["home_record"]},
                {"id": "income", "label": "소득", "rule": "applicant.household_income <= 5000000", "documents": ["income_proof"]},
                {"id": "employed", "label": "입주기업 재직", "rule": "applicant.employer_tenant && applicant.months_employed >= 6", "employer_confirms": true}
            ],
            "unit_rules": {"two_room": "applicant.household_size >= 2"},
            "tiers": [
                {"id": "founders", "label": "창업자", "rule": "applicant.founder", "quotas": {"studio": 1}},
                {"id": "zone_employees", "label": "입주기업 근로자", "rule": "applicant.employer_tenant",
                 "quotas": {"studio": 2, "two_room": 1},
                 "scoring": [{"field": "months_employed", "per": 1, "max": 36}, {"field": "household_size", "per": 5, "max": 20}]},
                {"id": "general", "label": "일반", "rule": "true"}
            ],
            "leftover": "next_tier",
            "reserve": 3
        }))
        .expect("setup")
    }

    fn applicant(months: i64, members: usize, unit_type: &str, homes: i64) -> Applicant {
        Applicant {
            declared: Declaration {
                name: "이준".into(),
                birth_date: "1994-03-01".parse().expect("date"),
                months_employed: months,
                homes_owned: homes,
                household_income: 3_000_000,
                members: (0..members)
                    .map(|i| super::super::applicant::Member {
                        name: format!("가족{i}"),
                        birth_date: "2019-05-05".parse().expect("date"),
                        relation: "자녀".into(),
                    })
                    .collect(),
                unit_type: unit_type.into(),
            },
            employer: "acme".into(),
            employer_tenant: true,
            founder: false,
            on: "2026-06-15".parse().expect("date"),
        }
    }

    fn complete() -> Evidence {
        Evidence {
            documents: ["home_record", "income_proof", RESIDENT_REGISTER]
                .map(String::from)
                .into(),
            employer: Some(Verdict {
                ok: true,
                note: String::new(),
            }),
            verdicts: ["no_home", "income", HOUSEHOLD]
                .map(|k| {
                    (
                        k.to_string(),
                        Verdict {
                            ok: true,
                            note: String::new(),
                        },
                    )
                })
                .into(),
            shared_with: Vec::new(),
        }
    }

    #[test]
    fn a_bad_setup_names_every_field() {
        let mut bad = setup();
        bad.code = "dj 2026".into();
        bad.closes_at = "2026-05-01T09:00".into();
        bad.criteria[0].rule = "applicant.homes_owned == 'none'".into();
        bad.tiers[1].quotas.insert("studio".into(), 4);
        bad.tiers[2].quotas.insert("penthouse".into(), 1);
        bad.tiers[1].scoring[0].field = "employer".into();
        let fields: Vec<String> = bad
            .check()
            .expect_err("refused")
            .into_iter()
            .map(|p| p.field)
            .collect();
        assert_eq!(
            fields,
            [
                "code",
                "closes_at",
                "criteria[0].rule",
                "tiers[1].scoring[0].field",
                "tiers[2].quotas.penthouse",
                "units.studio"
            ]
        );
    }

    #[test]
    fn each_criterion_is_met_not_met_or_unverified_with_its_reason() {
        let round = setup().check().expect("valid");
        let status = |a: &Applicant, e: &Evidence| -> Vec<(String, Status)> {
            round
                .assess(a, e)
                .checks
                .into_iter()
                .map(|c| (c.id, c.status))
                .collect()
        };
        let ok = applicant(14, 1, "two_room", 0);
        let a = round.assess(&ok, &complete());
        assert!(a.eligible, "{:?}", a.checks);
        assert_eq!(a.tier.as_deref(), Some("zone_employees"));
        assert_eq!(a.score, 14 + 10);

        let owner = applicant(14, 1, "two_room", 1);
        let a = round.assess(&owner, &complete());
        assert!(!a.eligible);
        assert_eq!(a.checks[0].status, Status::NotMet);
        assert_eq!(
            a.checks[0].reason.render(crate::lang::Lang::En),
            "the rule does not hold: applicant.homes_owned == 0: 1"
        );

        let mut waiting = complete();
        waiting.employer = None;
        waiting.documents.remove("income_proof");
        waiting.verdicts.remove(HOUSEHOLD);
        assert_eq!(
            status(&ok, &waiting),
            [
                ("no_home".into(), Status::Met),
                ("income".into(), Status::Unverified),
                ("employed".into(), Status::Unverified),
                (HOUSEHOLD.into(), Status::Unverified),
                (UNIT_TYPE.into(), Status::Met),
            ]
        );
        let mut denied = complete();
        denied.employer = Some(Verdict {
            ok: false,
            note: "퇴사".into(),
        });
        denied.shared_with = vec!["DJ-2026-H1-004".into()];
        let checks = round.assess(&ok, &denied).checks;
        assert_eq!(checks[2].status, Status::NotMet);
        assert!(
            checks[2]
                .reason
                .render(crate::lang::Lang::Ko)
                .contains("퇴사")
        );
        assert!(
            checks[3]
                .reason
                .render(crate::lang::Lang::En)
                .contains("DJ-2026-H1-004")
        );

        // A single person may not ask for two rooms.
        let single = applicant(14, 0, "two_room", 0);
        assert_eq!(
            round.assess(&single, &complete()).checks[4].status,
            Status::NotMet
        );
    }

    #[test]
    fn the_list_ranks_scores_within_each_tier_and_reads_by_number() {
        let round = setup().check().expect("valid");
        let people = [
            applicant(30, 1, "two_room", 0),
            applicant(10, 0, "studio", 0),
            applicant(30, 1, "studio", 0),
            applicant(2, 0, "studio", 0),
        ];
        let assessed: Vec<Assessment> = people
            .iter()
            .map(|p| round.assess(p, &complete()))
            .collect();
        let rows: Vec<(String, String, &Assessment)> = assessed
            .iter()
            .enumerate()
            .map(|(i, a)| {
                (
                    format!("N-{}", 4 - i),
                    people[i].declared.unit_type.clone(),
                    a,
                )
            })
            .collect();
        let list = round.list(&rows);
        let seen: Vec<(&str, u32)> = list
            .iter()
            .map(|e| (e.number.as_str(), e.score_rank))
            .collect();
        // N-1 (2 months) is not eligible (employed ≥ 6 months); N-4 and N-2 score 40, N-3 10.
        assert_eq!(seen, [("N-2", 1), ("N-3", 2), ("N-4", 1)]);
        let inputs = round.inputs("7 13 21", list);
        assert!(draw::draw(&inputs).is_ok());
    }
}
