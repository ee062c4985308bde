//! The role rules, in one place: what each role may read and write.
//!
//! | | anonymous | firm | operator (zone Z) | coordinator | admin |
//! |---|---|---|---|---|---|
//! | catalog, zones, diagnoses | read | read | read | read | read |
//! | zones | | | update Z | create, update | all |
//! | facilities, spaces, institutions | | read | read; write in Z | read | all |
//! | firms, packages | | read/update its own | read/write firms of Z | read | all |
//! | audit | | | | read | read |

use crate::auth::{Caller, Role};
use crate::error::ApiError;

fn allow(ok: bool) -> Result<(), ApiError> {
    if ok {
        Ok(())
    } else {
        Err(ApiError::forbidden())
    }
}

pub fn create_zone(caller: &Caller) -> Result<(), ApiError> {
    allow(matches!(
        caller.require_user()?,
        Role::Admin | Role::Coordinator
    ))
}

pub fn update_zone(caller: &Caller, zone: &str) -> Result<(), ApiError> {
    allow(match caller.require_user()? {
        Role::Admin | Role::Coordinator => true,
        Role::Operator { zone: own } => own == zone,
        Role::Firm { .. } => false,
    })
}

pub fn delete_zone(caller: &Caller) -> Result<(), ApiError> {
    allow(matches!(caller.require_user()?, Role::Admin))
}

/// Facilities, spaces and institutions: any account reads them.
pub fn read_zone_part(caller: &Caller) -> Result<(), ApiError> {
    caller.require_user().map(|_| ())
}

/// Writing what a zone holds: its operator, or an admin.
pub fn write_zone_part(caller: &Caller, zone: &str) -> Result<(), ApiError> {
    allow(match caller.require_user()? {
        Role::Admin => true,
        Role::Operator { zone: own } => own == zone,
        _ => false,
    })
}

/// Firms: admins and coordinators read all; operators the firms of their zone; a firm itself.
pub fn read_firm(caller: &Caller, id: &str, zone: &str) -> Result<(), ApiError> {
    allow(match caller.require_user()? {
        Role::Admin | Role::Coordinator => true,
        Role::Operator { zone: own } => own == zone,
        Role::Firm { firm } => firm == id,
    })
}

pub fn write_firm(caller: &Caller, id: &str, zone: &str) -> Result<(), ApiError> {
    allow(match caller.require_user()? {
        Role::Admin => true,
        Role::Operator { zone: own } => own == zone,
        Role::Firm { firm } => firm == id,
        Role::Coordinator => false,
    })
}

pub fn create_or_delete_firm(caller: &Caller, zone: &str) -> Result<(), ApiError> {
    allow(match caller.require_user()? {
        Role::Admin => true,
        Role::Operator { zone: own } => own == zone,
        _ => false,
    })
}

pub fn read_audit(caller: &Caller) -> Result<(), ApiError> {
    allow(matches!(
        caller.require_user()?,
        Role::Admin | Role::Coordinator
    ))
}
