//! Leases: a firm in a space from one day to another. The rules every lease keeps: it ends after
//! it starts; a space holds one lease at a time; a firm holds one space at a time; an incubation
//! lease stays within its facility type's term and renewals (`LeaseRule`, from the catalog).
//! Periods are half-open: a lease ending on the day another starts does not overlap it.

use serde::Serialize;

use crate::catalog::LeaseRule;
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

/// What can be wrong with a new or changed lease. Each problem names its conflict; the two that
/// are another lease in the way are conflicts, the others break the lease's own rules.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum LeaseProblem {
    /// It ends on or before the day it starts.
    EndsBeforeStart { starts: Date, ends: Date },
    /// More renewals than the space's rule allows.
    TooManyRenewals {
        renewals: u32,
        allowed: u32,
        source: String,
    },
    /// It runs past the space's term with its renewals.
    TooLong {
        latest: Date,
        renewals: u32,
        allowed_months: u32,
        rule: LeaseRule,
    },
    /// The space is leased to another firm during the lease.
    SpaceTaken { other: Lease, wanted: Lease },
    /// The firm holds another space during the lease.
    FirmPlaced { other: Lease },
}

impl LeaseProblem {
    /// Another lease is in the way (409), rather than the lease breaking its own rules (422).
    pub fn is_conflict(&self) -> bool {
        matches!(
            self,
            LeaseProblem::SpaceTaken { .. } | LeaseProblem::FirmPlaced { .. }
        )
    }

    /// The field of the lease a rule problem is about.
    pub fn field(&self) -> &'static str {
        match self {
            LeaseProblem::TooManyRenewals { .. } => "renewals",
            LeaseProblem::SpaceTaken { .. } => "space_id",
            LeaseProblem::FirmPlaced { .. } => "firm_id",
            LeaseProblem::EndsBeforeStart { .. } | LeaseProblem::TooLong { .. } => "ends",
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
            LeaseProblem::TooManyRenewals {
                renewals,
                allowed,
                source,
            } => Message::new(Key::LeaseTooManyRenewals)
                .arg("renewals", renewals)
                .arg("allowed", allowed)
                .arg("source", source),
            LeaseProblem::TooLong {
                latest,
                renewals,
                allowed_months,
                rule,
            } => Message::new(Key::LeaseTooLong)
                .arg("latest", latest)
                .arg("renewals", renewals)
                .arg("allowed_months", allowed_months)
                .arg("max_months", rule.max_months)
                .arg("renewal_months", rule.renewal_months)
                .arg("source", &rule.source),
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

/// What is wrong with a new or changed lease, given the other leases of its space and of its
/// firm (a changed lease may be among them; it is skipped by id).
pub fn problems(lease: &Lease, rule: Option<&LeaseRule>, others: &[Lease]) -> Vec<LeaseProblem> {
    let mut found = Vec::new();
    if lease.ends <= lease.starts {
        found.push(LeaseProblem::EndsBeforeStart {
            starts: lease.starts,
            ends: lease.ends,
        });
        return found;
    }
    if let Some(rule) = rule {
        if lease.renewals > rule.max_renewals {
            found.push(LeaseProblem::TooManyRenewals {
                renewals: lease.renewals,
                allowed: rule.max_renewals,
                source: rule.source.clone(),
            });
        }
        let allowed = rule.max_months + rule.renewal_months * lease.renewals.min(rule.max_renewals);
        let latest = lease.starts.add_months(allowed as i32);
        if lease.ends > latest {
            found.push(LeaseProblem::TooLong {
                latest,
                renewals: lease.renewals,
                allowed_months: allowed,
                rule: rule.clone(),
            });
        }
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

    fn rule() -> LeaseRule {
        LeaseRule {
            max_months: 24,
            renewal_months: 12,
            max_renewals: 1,
            source: "창업보육센터 운영요령".into(),
        }
    }

    #[test]
    fn a_lease_ends_after_it_starts() {
        let found = texts(problems(
            &lease(0, 1, "a", "2027-01-01", "2026-12-31"),
            None,
            &[],
        ));
        assert_eq!(
            found,
            ["the lease ends (2026-12-31) on or before the day it starts (2027-01-01)"]
        );
    }

    #[test]
    fn incubation_keeps_its_term_and_renewals() {
        assert!(
            problems(
                &lease(0, 1, "a", "2025-01-01", "2027-01-01"),
                Some(&rule()),
                &[]
            )
            .is_empty()
        );
        let long = lease(0, 1, "a", "2025-01-01", "2027-01-02");
        let found = texts(problems(&long, Some(&rule()), &[]));
        assert!(found[0].contains("allows 24 months"), "{found:?}");
        let renewed = Lease {
            renewals: 1,
            ..long.clone()
        };
        assert!(
            problems(&renewed, Some(&rule()), &[]).is_empty(),
            "a renewal adds 12 months"
        );
        let twice = Lease {
            renewals: 2,
            ..long
        };
        let found = problems(&twice, Some(&rule()), &[]);
        assert!(found[0].to_string().starts_with("2 renewals"));
        assert_eq!(
            (found[0].field(), found[0].is_conflict()),
            ("renewals", false)
        );
    }

    #[test]
    fn a_space_and_a_firm_hold_one_lease_at_a_time() {
        let existing = [
            lease(7, 1, "a", "2026-01-01", "2027-01-01"),
            lease(8, 2, "b", "2026-01-01", "2028-01-01"),
        ];
        let same_space = lease(0, 1, "c", "2026-06-01", "2027-06-01");
        assert_eq!(
            texts(problems(&same_space, None, &existing)),
            [
                "space 1 is leased to firm a from 2026-01-01 to 2027-01-01 (lease 7), overlapping 2026-06-01 to 2027-06-01"
            ]
        );
        let twice = lease(0, 3, "b", "2027-06-01", "2029-01-01");
        let found = problems(&twice, None, &existing);
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
        assert!(
            problems(
                &lease(0, 1, "c", "2027-01-01", "2028-01-01"),
                None,
                &existing
            )
            .is_empty()
        );
        assert!(problems(&existing[0], None, &existing).is_empty());
    }
}
