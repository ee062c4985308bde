//! Leases: a firm in a space from one day to another. The rules every lease keeps: it ends after
//! it starts; a space holds one lease at a time; a firm holds one space at a time. An incubation
//! lease is also held to a term and renewals (`Terms`): its facility's or hub's own, else the
//! catalog's default. Each centre sets its tenancy in its own rules and its operator may agree
//! to more, so a lease beyond them is written with a warning (`warnings`), not refused.
//! Periods are half-open: a lease ending on the day another starts does not overlap it.

use serde::Serialize;

use crate::catalog::{LeaseRule, LeaseRuleOverride};
use crate::date::Date;
use crate::message::{Key, Message};

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Lease {
    /// 0 for a lease not yet stored.
    pub id: i64,
    pub space: i64,
    pub firm: String,
    pub starts: Date,
    pub ends: Date,
    pub renewals: u32,
}

impl Lease {
    fn overlaps(&self, other: &Lease) -> bool {
        self.starts < other.ends && other.starts < self.ends
    }

    /// Whether the lease covers a day.
    pub fn covers(&self, day: Date) -> bool {
        self.starts <= day && day < self.ends
    }
}

/// Who set the terms an incubation lease is held to.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "of", rename_all = "snake_case")]
pub enum RuleOwner {
    /// The catalog's default (`lease_rule` of the facility type).
    Catalog,
    /// A zone's facility, by id.
    Facility { id: i64 },
    /// A hub outside the zones, by id.
    Hub { id: String },
}

/// The term and renewals an incubation lease is held to, and whose they are.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Terms {
    pub rule: LeaseRule,
    pub owner: RuleOwner,
}

impl Terms {
    /// The catalog's `default` with the facility's or hub's own terms, when it sets any.
    pub fn of(default: &LeaseRule, own: Option<&LeaseRuleOverride>, owner: RuleOwner) -> Terms {
        match own.filter(|o| !o.is_empty()) {
            Some(own) => Terms {
                rule: default.overridden(own),
                owner,
            },
            None => Terms {
                rule: default.clone(),
                owner: RuleOwner::Catalog,
            },
        }
    }

    /// Whose terms they are, to be named beside a warning.
    pub fn whose(&self) -> Message {
        match &self.owner {
            RuleOwner::Catalog => {
                Message::new(Key::LeaseRuleCatalog).arg("source", &self.rule.source)
            }
            RuleOwner::Facility { id } => Message::new(Key::LeaseRuleFacility).arg("id", id),
            RuleOwner::Hub { id } => Message::new(Key::LeaseRuleHub).arg("id", id),
        }
    }
}

/// What can be wrong with a new or changed lease: each is refused. The two that are another
/// lease in the way are conflicts; the other breaks the lease's own dates.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum LeaseProblem {
    /// It ends on or before the day it starts.
    EndsBeforeStart { starts: Date, ends: Date },
    /// The space is leased to another firm during the lease.
    SpaceTaken { other: Lease, wanted: Lease },
    /// The firm holds another space during the lease.
    FirmPlaced { other: Lease },
}

impl LeaseProblem {
    /// Another lease is in the way (409), rather than the lease breaking its own dates (422).
    pub fn is_conflict(&self) -> bool {
        matches!(
            self,
            LeaseProblem::SpaceTaken { .. } | LeaseProblem::FirmPlaced { .. }
        )
    }

    /// The field of the lease a problem is about.
    pub fn field(&self) -> &'static str {
        match self {
            LeaseProblem::SpaceTaken { .. } => "space_id",
            LeaseProblem::FirmPlaced { .. } => "firm_id",
            LeaseProblem::EndsBeforeStart { .. } => "ends",
        }
    }

    /// The message for a reader who may or may not open the firm's other lease: one who may not
    /// learns that the firm is placed elsewhere, not where.
    pub fn told(&self, lease: &Lease, firm_readable: bool) -> Message {
        match self {
            LeaseProblem::FirmPlaced { .. } if !firm_readable => {
                Message::new(Key::LeaseFirmPlacedHidden)
                    .arg("firm", &lease.firm)
                    .arg("starts", lease.starts)
                    .arg("ends", lease.ends)
            }
            _ => self.message(),
        }
    }

    /// The problem in full, in either language.
    pub fn message(&self) -> Message {
        match self {
            LeaseProblem::EndsBeforeStart { starts, ends } => {
                Message::new(Key::LeaseEndsBeforeStart)
                    .arg("starts", starts)
                    .arg("ends", ends)
            }
            LeaseProblem::SpaceTaken { other, wanted } => Message::new(Key::LeaseSpaceTaken)
                .arg("space", other.space)
                .arg("firm", &other.firm)
                .arg("starts", other.starts)
                .arg("ends", other.ends)
                .arg("lease", other.id)
                .arg("wanted_starts", wanted.starts)
                .arg("wanted_ends", wanted.ends),
            LeaseProblem::FirmPlaced { other } => Message::new(Key::LeaseFirmPlaced)
                .arg("firm", &other.firm)
                .arg("space", other.space)
                .arg("starts", other.starts)
                .arg("ends", other.ends)
                .arg("lease", other.id),
        }
    }
}

impl std::fmt::Display for LeaseProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.message().fmt(f)
    }
}

/// How an incubation lease goes beyond its terms. The lease is written all the same: the
/// operator may have agreed to it, and the warning lets a reader check that.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "warning", rename_all = "snake_case")]
pub enum LeaseWarning {
    /// More renewals than the terms allow.
    BeyondRenewals {
        renewals: u32,
        allowed: u32,
        terms: Terms,
    },
    /// It runs past the term with its renewals.
    BeyondTerm {
        latest: Date,
        renewals: u32,
        allowed_months: u32,
        terms: Terms,
    },
}

impl LeaseWarning {
    /// The field of the lease the warning is about.
    pub fn field(&self) -> &'static str {
        match self {
            LeaseWarning::BeyondRenewals { .. } => "renewals",
            LeaseWarning::BeyondTerm { .. } => "ends",
        }
    }

    /// The warning in full, in either language.
    pub fn message(&self) -> Message {
        match self {
            LeaseWarning::BeyondRenewals {
                renewals,
                allowed,
                terms,
            } => Message::new(Key::LeaseBeyondRenewals)
                .arg("renewals", renewals)
                .arg("allowed", allowed)
                .with("rule", terms.whose()),
            LeaseWarning::BeyondTerm {
                latest,
                renewals,
                allowed_months,
                terms,
            } => Message::new(Key::LeaseBeyondTerm)
                .arg("latest", latest)
                .arg("renewals", renewals)
                .arg("allowed_months", allowed_months)
                .arg("max_months", terms.rule.max_months)
                .arg("renewal_months", terms.rule.renewal_months)
                .with("rule", terms.whose()),
        }
    }
}

impl std::fmt::Display for LeaseWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.message().fmt(f)
    }
}

/// What is wrong with a new or changed lease, given the other leases of its space and of its
/// firm (a changed lease may be among them; it is skipped by id).
pub fn problems(lease: &Lease, others: &[Lease]) -> Vec<LeaseProblem> {
    let mut found = Vec::new();
    if lease.ends <= lease.starts {
        found.push(LeaseProblem::EndsBeforeStart {
            starts: lease.starts,
            ends: lease.ends,
        });
        return found;
    }
    for other in others.iter().filter(|o| o.id != lease.id || lease.id == 0) {
        if !lease.overlaps(other) {
            continue;
        }
        if other.space == lease.space {
            found.push(LeaseProblem::SpaceTaken {
                other: other.clone(),
                wanted: lease.clone(),
            });
        } else if other.firm == lease.firm {
            found.push(LeaseProblem::FirmPlaced {
                other: other.clone(),
            });
        }
    }
    found
}

/// How a lease goes beyond the terms it is held to (none for a space without terms).
pub fn warnings(lease: &Lease, terms: Option<&Terms>) -> Vec<LeaseWarning> {
    let mut found = Vec::new();
    let Some(terms) = terms else {
        return found;
    };
    let rule = &terms.rule;
    if lease.renewals > rule.max_renewals {
        found.push(LeaseWarning::BeyondRenewals {
            renewals: lease.renewals,
            allowed: rule.max_renewals,
            terms: terms.clone(),
        });
    }
    // Renewals beyond those allowed are warned about above; they add no months here.
    let allowed = rule.max_months + rule.renewal_months * lease.renewals.min(rule.max_renewals);
    let latest = lease.starts.add_months(allowed as i32);
    if lease.ends > latest {
        found.push(LeaseWarning::BeyondTerm {
            latest,
            renewals: lease.renewals,
            allowed_months: allowed,
            terms: terms.clone(),
        });
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(found: Vec<LeaseProblem>) -> Vec<String> {
        found.iter().map(ToString::to_string).collect()
    }

    fn d(text: &str) -> Date {
        text.parse().expect("date")
    }

    fn lease(id: i64, space: i64, firm: &str, starts: &str, ends: &str) -> Lease {
        Lease {
            id,
            space,
            firm: firm.into(),
            starts: d(starts),
            ends: d(ends),
            renewals: 0,
        }
    }

    /// The catalog's default for incubators: a common practice, not a national rule.
    fn default_rule() -> LeaseRule {
        LeaseRule {
            max_months: 24,
            renewal_months: 12,
            max_renewals: 1,
            source: "창업보육센터 운영요령".into(),
        }
    }

    fn default_terms() -> Terms {
        Terms::of(&default_rule(), None, RuleOwner::Catalog)
    }

    #[test]
    fn a_lease_ends_after_it_starts() {
        let found = texts(problems(&lease(0, 1, "a", "2027-01-01", "2026-12-31"), &[]));
        assert_eq!(
            found,
            ["the lease ends (2026-12-31) on or before the day it starts (2027-01-01)"]
        );
    }

    #[test]
    fn the_default_rule_warns_past_its_term_and_renewals() {
        let within = lease(0, 1, "a", "2025-01-01", "2027-01-01");
        assert!(warnings(&within, Some(&default_terms())).is_empty());
        let long = lease(0, 1, "a", "2025-01-01", "2027-01-02");
        let found = warnings(&long, Some(&default_terms()));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].field(), "ends");
        let text = found[0].to_string();
        assert!(
            text.contains("allows 24 months") && text.contains("the catalog default"),
            "{text}"
        );
        assert!(
            problems(&long, &[]).is_empty(),
            "a lease beyond its terms is not refused"
        );
        let renewed = Lease {
            renewals: 1,
            ..long.clone()
        };
        assert!(
            warnings(&renewed, Some(&default_terms())).is_empty(),
            "a renewal adds 12 months"
        );
        let twice = Lease {
            renewals: 2,
            ..long.clone()
        };
        let found = warnings(&twice, Some(&default_terms()));
        assert!(found[0].to_string().starts_with("2 renewals"), "{found:?}");
        assert_eq!(found[0].field(), "renewals");
        assert!(
            warnings(&long, None).is_empty(),
            "a space without terms (not an incubator) has nothing to warn about"
        );
    }

    #[test]
    fn a_facility_sets_its_own_terms() {
        // Three years basic, two renewals of a year: a centre's own 입주 rules.
        let own = LeaseRuleOverride {
            max_months: Some(36),
            max_renewals: Some(2),
            ..LeaseRuleOverride::default()
        };
        let terms = Terms::of(&default_rule(), Some(&own), RuleOwner::Facility { id: 7 });
        assert_eq!(
            (
                terms.rule.max_months,
                terms.rule.renewal_months,
                terms.rule.max_renewals
            ),
            (36, 12, 2),
            "what the facility does not set stays the default"
        );
        let three_years = lease(0, 1, "a", "2025-01-01", "2028-01-01");
        assert!(warnings(&three_years, Some(&terms)).is_empty());
        assert_eq!(
            warnings(&three_years, Some(&default_terms())).len(),
            1,
            "the default allows 24 months"
        );
        let longer = Lease {
            renewals: 2,
            ..lease(0, 1, "a", "2025-01-01", "2030-01-02")
        };
        let found = warnings(&longer, Some(&terms));
        assert_eq!(
            found[0].to_string(),
            "the lease runs past 2030-01-01: with 2 renewal(s) this space's rule allows 60 months (36 months, renewals of 12; facility 7's own rule)"
        );
        assert_eq!(
            found[0].message().render(crate::Lang::Ko),
            "임대가 2030-01-01을(를) 넘깁니다: 갱신 2회로 이 공간의 규정은 60개월까지입니다 (36개월, 갱신 12개월씩; 시설 7의 자체 규정)",
            "warned in Korean too"
        );
        let hub = Terms::of(
            &default_rule(),
            Some(&LeaseRuleOverride::default()),
            RuleOwner::Hub { id: "h".into() },
        );
        assert_eq!(hub, default_terms(), "setting nothing keeps the default");
    }

    #[test]
    fn a_space_and_a_firm_hold_one_lease_at_a_time() {
        let existing = [
            lease(7, 1, "a", "2026-01-01", "2027-01-01"),
            lease(8, 2, "b", "2026-01-01", "2028-01-01"),
        ];
        let same_space = lease(0, 1, "c", "2026-06-01", "2027-06-01");
        assert_eq!(
            texts(problems(&same_space, &existing)),
            [
                "space 1 is leased to firm a from 2026-01-01 to 2027-01-01 (lease 7), overlapping 2026-06-01 to 2027-06-01"
            ]
        );
        let twice = lease(0, 3, "b", "2027-06-01", "2029-01-01");
        let found = problems(&twice, &existing);
        assert!(
            found[0]
                .to_string()
                .starts_with("firm b already holds space 2")
        );
        assert!(found[0].is_conflict());
        assert_eq!(
            found[0].told(&twice, false).to_string(),
            "firm b holds another space during 2027-06-01 to 2029-01-01; a firm is placed once at a time",
            "where it is placed is not told to one who cannot open the firm"
        );
        assert_eq!(
            found[0].told(&twice, false).render(crate::Lang::Ko),
            "기업 b은(는) 2027-06-01–2029-01-01 동안 다른 공간을 쓰고 있습니다; 한 기업은 한 번에 한 공간에만 입주합니다",
            "told in Korean too"
        );
        // Moving out and in on the same day is not an overlap; a lease does not clash with itself.
        assert!(problems(&lease(0, 1, "c", "2027-01-01", "2028-01-01"), &existing).is_empty());
        assert!(problems(&existing[0], &existing).is_empty());
    }
}
