//! Who is asking: an account's role and what it reaches, or nobody. The web edge finds the
//! caller of a request (session cookie or API token); the command line acts as an account it
//! names; every use case is handed one.

pub use ucz_core::account::{Role, RoleName, User};

use crate::error::Error;

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

    /// The caller's account; unauthenticated for nobody.
    pub fn user(&self) -> Result<&User, Error> {
        match self {
            Caller::User { user, .. } => Ok(user),
            Caller::Anonymous => Err(Error::unauthenticated()),
        }
    }

    pub fn require_user(&self) -> Result<&Role, Error> {
        self.role().ok_or_else(Error::unauthenticated)
    }
}
