//! Who is asking: an account's role and what it reaches, or nobody. The web edge finds the
//! caller of a request (session cookie or API token); the command line acts as an account it
//! names; every use case is handed one.

use ucz_store::User;

use crate::error::Error;

/// The four roles. An operator reaches one zone, a firm account one firm.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Role {
    Admin,
    Coordinator,
    Operator { zone: String },
    Firm { firm: String },
}

impl Role {
    /// The role of a stored account; `None` for one whose role lacks what it reaches.
    pub fn of(user: &User) -> Option<Role> {
        match (user.role.as_str(), &user.zone_id, &user.firm_id) {
            ("admin", _, _) => Some(Role::Admin),
            ("coordinator", _, _) => Some(Role::Coordinator),
            ("operator", Some(zone), _) => Some(Role::Operator { zone: zone.clone() }),
            ("firm", _, Some(firm)) => Some(Role::Firm { firm: firm.clone() }),
            _ => None,
        }
    }
}

/// The caller of a use case.
#[derive(Clone, Debug)]
pub enum Caller {
    Anonymous,
    User { user: User, role: Role },
}

impl Caller {
    pub fn role(&self) -> Option<&Role> {
        match self {
            Caller::Anonymous => None,
            Caller::User { role, .. } => Some(role),
        }
    }

    /// The name recorded in the audit trail.
    pub fn actor(&self) -> String {
        match self {
            Caller::Anonymous => "anonymous".into(),
            Caller::User { user, .. } => user.username.clone(),
        }
    }

    pub fn require_user(&self) -> Result<&Role, Error> {
        self.role().ok_or_else(Error::unauthenticated)
    }
}
