//! The role rules, in one place: what each role may read and write.
//!
//! | | anonymous | firm | operator (zone Z) | coordinator | admin |
//! |---|---|---|---|---|---|
//! | catalog, zones, diagnoses | read | read | read | read | read |
//! | zones | | | update Z (not its region) | create, update | all |
//! | facilities, spaces, institutions | | read | read; write in Z | read | all |
//! | firms, packages | | read/update its own | read/write firms of Z | read | all |
//! | audit | | | | read | read |
//! | hubs outside zones, their spaces | | read | read | write | all |
//! | leases | | its own | spaces of Z | hub spaces | all |
//! | placement, retention of a region | | | Z's region: Z's graduates and Z's spaces; others as counts | all | all |
//!
//! An operator's reach is its zone's id, a fact only an admin sets (`ucz user add`); the zone's
//! region, which decides the regional views it opens, is changed by coordinators and admins only.

use crate::caller::{Caller, Role};
use crate::error::Error;

fn allow(ok: bool) -> Result<(), Error> {
    if ok { Ok(()) } else { Err(Error::forbidden()) }
}

pub fn create_zone(caller: &Caller) -> Result<(), Error> {
    allow(matches!(
        caller.require_user()?,
        Role::Admin | Role::Coordinator
    ))
}

pub fn update_zone(caller: &Caller, zone: &str) -> Result<(), Error> {
    allow(match caller.require_user()? {
        Role::Admin | Role::Coordinator => true,
        Role::Operator { zone: own } => own == zone,
        Role::Firm { .. } => false,
    })
}

/// A zone's region decides which regional views its operator reaches: only coordinators and
/// admins move a zone to another region.
pub fn change_zone_region(caller: &Caller) -> Result<(), Error> {
    match caller.require_user()? {
        Role::Admin | Role::Coordinator => Ok(()),
        _ => Err(Error::forbidden_because(
            crate::error::Key::OnlyCoordinatorsChangeRegion,
        )),
    }
}

pub fn delete_zone(caller: &Caller) -> Result<(), Error> {
    allow(matches!(caller.require_user()?, Role::Admin))
}

/// Facilities, spaces and institutions: any account reads them.
pub fn read_zone_part(caller: &Caller) -> Result<(), Error> {
    caller.require_user().map(|_| ())
}

/// The leases of a zone's spaces as its page lists them, to end them and say where a firm went:
/// those who write the zone's parts (its operator, or an admin). Coordinators read every lease
/// through `leases::list`, but the zone page lists them only for whoever ends them.
pub fn list_zone_leases(caller: &Caller, zone: &str) -> Result<(), Error> {
    allow(match caller.require_user()? {
        Role::Admin => true,
        Role::Operator { zone: own } => own == zone,
        Role::Coordinator | Role::Firm { .. } => false,
    })
}

/// The tenant firms of a zone, listed together: admins, coordinators and the zone's operator
/// (a firm account reads only itself, through `read_firm`).
pub fn list_zone_firms(caller: &Caller, zone: &str) -> Result<(), Error> {
    allow(match caller.require_user()? {
        Role::Admin | Role::Coordinator => true,
        Role::Operator { zone: own } => own == zone,
        Role::Firm { .. } => false,
    })
}

/// Writing what a zone holds: its operator, or an admin.
pub fn write_zone_part(caller: &Caller, zone: &str) -> Result<(), Error> {
    allow(match caller.require_user()? {
        Role::Admin => true,
        // Spaces of hubs outside the zones belong to the region's network.
        Role::Coordinator => zone.starts_with("hub:"),
        Role::Operator { zone: own } => own == zone,
        Role::Firm { .. } => false,
    })
}

/// Hubs outside the zones: coordinators and admins keep the region's network.
pub fn write_hub(caller: &Caller) -> Result<(), Error> {
    allow(matches!(
        caller.require_user()?,
        Role::Admin | Role::Coordinator
    ))
}

/// The space ladder of a region (forecast, placement, retention): admins, coordinators, and the
/// operators of the region's zones.
pub fn ladder(caller: &Caller, own_zone_region: Option<&str>, region: &str) -> Result<(), Error> {
    allow(match caller.require_user()? {
        Role::Admin | Role::Coordinator => true,
        Role::Operator { .. } => own_zone_region == Some(region),
        Role::Firm { .. } => false,
    })
}

/// Firms: admins and coordinators read all; operators the firms of their zone; a firm itself.
pub fn read_firm(caller: &Caller, id: &str, zone: &str) -> Result<(), Error> {
    allow(match caller.require_user()? {
        Role::Admin | Role::Coordinator => true,
        Role::Operator { zone: own } => own == zone,
        Role::Firm { firm } => firm == id,
    })
}

pub fn write_firm(caller: &Caller, id: &str, zone: &str) -> Result<(), Error> {
    allow(match caller.require_user()? {
        Role::Admin => true,
        Role::Operator { zone: own } => own == zone,
        Role::Firm { firm } => firm == id,
        Role::Coordinator => false,
    })
}

pub fn create_or_delete_firm(caller: &Caller, zone: &str) -> Result<(), Error> {
    allow(match caller.require_user()? {
        Role::Admin => true,
        Role::Operator { zone: own } => own == zone,
        _ => false,
    })
}

pub fn read_audit(caller: &Caller) -> Result<(), Error> {
    allow(matches!(
        caller.require_user()?,
        Role::Admin | Role::Coordinator
    ))
}
