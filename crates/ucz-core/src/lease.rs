//! Leases: a firm in a space from one day to another. The rules every lease keeps: it ends after
//! it starts; a space holds one lease at a time; a firm holds one space at a time; an incubation
//! lease stays within its facility type's term and renewals (`LeaseRule`, from the catalog).
//! Periods are half-open: a lease ending on the day another starts does not overlap it.

use serde::Serialize;

use crate::catalog::LeaseRule;
use crate::date::Date;

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

/// What is wrong with a new or changed lease, given the other leases of its space and of its
/// firm (a changed lease may be among them; it is skipped by id). Each message names the
/// conflict.
pub fn problems(lease: &Lease, rule: Option<&LeaseRule>, others: &[Lease]) -> Vec<String> {
    let mut found = Vec::new();
    if lease.ends <= lease.starts {
        found.push(format!(
            "the lease ends ({}) on or before the day it starts ({})",
            lease.ends, lease.starts
        ));
        return found;
    }
    if let Some(rule) = rule {
        if lease.renewals > rule.max_renewals {
            found.push(format!(
                "{} renewals: this space allows at most {} ({})",
                lease.renewals, rule.max_renewals, rule.source
            ));
        }
        let allowed = rule.max_months + rule.renewal_months * lease.renewals.min(rule.max_renewals);
        let latest = lease.starts.add_months(allowed as i32);
        if lease.ends > latest {
            found.push(format!(
                "the lease runs past {latest}: with {} renewal(s) this space allows {allowed} months ({} months, renewals of {}) ({})",
                lease.renewals, rule.max_months, rule.renewal_months, rule.source
            ));
        }
    }
    for other in others.iter().filter(|o| o.id != lease.id || lease.id == 0) {
        if !lease.overlaps(other) {
            continue;
        }
        if other.space == lease.space {
            found.push(format!(
                "space {} is leased to firm {} from {} to {} (lease {}), overlapping {} to {}",
                other.space,
                other.firm,
                other.starts,
                other.ends,
                other.id,
                lease.starts,
                lease.ends
            ));
        } else if other.firm == lease.firm {
            found.push(format!(
                "firm {} already holds space {} from {} to {} (lease {}); a firm is placed once at a time",
                other.firm, other.space, other.starts, other.ends, other.id
            ));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let found = problems(&lease(0, 1, "a", "2027-01-01", "2026-12-31"), None, &[]);
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
        let found = problems(&long, Some(&rule()), &[]);
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
        assert!(problems(&twice, Some(&rule()), &[])[0].starts_with("2 renewals"));
    }

    #[test]
    fn a_space_and_a_firm_hold_one_lease_at_a_time() {
        let existing = [
            lease(7, 1, "a", "2026-01-01", "2027-01-01"),
            lease(8, 2, "b", "2026-01-01", "2028-01-01"),
        ];
        let same_space = lease(0, 1, "c", "2026-06-01", "2027-06-01");
        assert_eq!(
            problems(&same_space, None, &existing),
            [
                "space 1 is leased to firm a from 2026-01-01 to 2027-01-01 (lease 7), overlapping 2026-06-01 to 2027-06-01"
            ]
        );
        let twice = lease(0, 3, "b", "2027-06-01", "2029-01-01");
        assert!(problems(&twice, None, &existing)[0].starts_with("firm b already holds space 2"));
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
