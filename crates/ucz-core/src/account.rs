//! Accounts: who signs in, in which role, reaching which zone or firm; the API tokens they hold;
//! and the entries of the audit trail their changes leave.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::record::{FirmId, ZoneId};

/// The kinds of account, as stored and as the API names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RoleName {
    Admin,
    Coordinator,
    Operator,
    Firm,
    /// An outside expert scoring the applications of the calls it is invited to.
    Evaluator,
    /// A tenant firm's employee invited to apply for worker housing.
    Resident,
}

impl RoleName {
    pub const ALL: [RoleName; 6] = [
        RoleName::Admin,
        RoleName::Coordinator,
        RoleName::Operator,
        RoleName::Firm,
        RoleName::Evaluator,
        RoleName::Resident,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RoleName::Admin => "admin",
            RoleName::Coordinator => "coordinator",
            RoleName::Operator => "operator",
            RoleName::Firm => "firm",
            RoleName::Evaluator => "evaluator",
            RoleName::Resident => "resident",
        }
    }

    /// The role a name gives; `None` for any other text.
    pub fn parse(text: &str) -> Option<RoleName> {
        RoleName::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

impl fmt::Display for RoleName {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an account may do: its role with what it reaches. An operator reaches one zone, a firm
/// account one firm.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Role {
    Admin,
    Coordinator,
    Operator {
        zone: String,
    },
    Firm {
        firm: String,
    },
    /// A founder's own account before it made its firm profile: it cares for its account and
    /// makes the profile, nothing more.
    Founder,
    /// An evaluator: it reaches the applications assigned to it in the calls it was invited to.
    Evaluator,
    /// An employee invited by its firm: it reaches its own housing applications.
    Resident,
}

impl Role {
    /// The role of an account; `None` for one whose role lacks what it reaches (an operator
    /// whose zone was deleted).
    pub fn of(user: &User) -> Option<Role> {
        match (user.role, &user.zone_id, &user.firm_id) {
            (RoleName::Admin, _, _) => Some(Role::Admin),
            (RoleName::Coordinator, _, _) => Some(Role::Coordinator),
            (RoleName::Operator, Some(zone), _) => Some(Role::Operator {
                zone: zone.0.clone(),
            }),
            (RoleName::Firm, _, Some(firm)) => Some(Role::Firm {
                firm: firm.0.clone(),
            }),
            // A firm account whose firm was deleted is disabled; one without a firm yet is a
            // founder's, signed up on its own.
            (RoleName::Firm, _, None) if !user.disabled => Some(Role::Founder),
            (RoleName::Evaluator, _, _) => Some(Role::Evaluator),
            (RoleName::Resident, _, _) => Some(Role::Resident),
            _ => None,
        }
    }
}

/// An account's number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct UserId(pub i64);

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// An account. An operator account holds its zone's internal key and a firm account its firm's;
/// `zone_id` and `firm_id` are those records' public ids read through the keys, so an account
/// never reaches a later record given the same public id.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct User {
    pub id: UserId,
    pub username: String,
    /// The verified address of an account made by sign-up (none for accounts an administrator
    /// made, and once removed).
    pub email: Option<String>,
    #[serde(skip)]
    pub password_hash: String,
    pub role: RoleName,
    pub zone_id: Option<ZoneId>,
    pub firm_id: Option<FirmId>,
    /// Set when the account's zone or firm was deleted: it can no longer log in or use its
    /// tokens.
    pub disabled: bool,
}

/// A live session of an enabled account: who it is and the token its forms must carry
/// (CSRF). Sessions last twelve hours and end with logout or the account's disabling.
#[derive(Clone, Debug, PartialEq)]
pub struct Session {
    pub user: User,
    pub csrf: String,
    pub expires_at: String,
}

/// An API token as its owner sees it: never the secret, only an id made from its hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct TokenInfo {
    pub id: String,
    pub name: String,
    pub created_at: String,
    pub expires_at: String,
}

/// A row of the audit trail: who changed what when, the record before and after, and the hash
/// that chains it to the row before. `before` and `after` may hold personal data (an account's
/// username, a firm's founder age); erasing them keeps the chain verifiable (docs/audit.md).
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub hash: String,
    /// 1: the hash covers the payload text; 2: it covers `payload_hash`.
    pub version: i64,
    /// The hash of `before` and `after` as written (version 2 rows).
    pub payload_hash: Option<String>,
    /// When the payload was erased (`before` and `after` then hold `{"erased": true}`).
    pub erased_at: Option<String>,
}

/// The result of checking the audit chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Verification {
    pub rows: i64,
    /// The first row whose hash does not match, if any.
    pub broken_at: Option<i64>,
    /// The stored hash of the newest row (all zeros when there is none): an operator who
    /// records it can later tell that rows were removed from the end (`ucz audit verify
    /// --expect-head`).
    pub head: String,
    /// Rows whose payload was erased.
    pub erased: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(role: RoleName, zone: Option<&str>, firm: Option<&str>) -> User {
        User {
            id: UserId(1),
            username: "u".into(),
            email: None,
            password_hash: String::new(),
            role,
            zone_id: zone.map(|z| ZoneId(z.into())),
            firm_id: firm.map(|f| FirmId(f.into())),
            disabled: false,
        }
    }

    #[test]
    fn a_role_needs_what_it_reaches() {
        assert_eq!(
            Role::of(&user(RoleName::Admin, None, None)),
            Some(Role::Admin)
        );
        assert_eq!(
            Role::of(&user(RoleName::Operator, Some("daejeon"), None)),
            Some(Role::Operator {
                zone: "daejeon".into()
            })
        );
        assert_eq!(Role::of(&user(RoleName::Operator, None, None)), None);
        assert_eq!(
            Role::of(&user(RoleName::Firm, None, None)),
            Some(Role::Founder)
        );
        let mut gone = user(RoleName::Firm, None, None);
        gone.disabled = true;
        assert_eq!(Role::of(&gone), None);
    }

    #[test]
    fn role_names_read_back() {
        for role in RoleName::ALL {
            assert_eq!(RoleName::parse(role.as_str()), Some(role));
            assert_eq!(
                serde_json::to_value(role).ok(),
                Some(serde_json::Value::from(role.as_str()))
            );
        }
        assert_eq!(RoleName::parse("root"), None);
    }
}
