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
use crate::error::{Error, Key, Message};

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
    match caller.require_user()? {
        Role::Admin | Role::Coordinator => Ok(()),
        Role::Operator { zone: own } if own == zone => Ok(()),
        // Zones are public: naming the one refused reveals nothing.
        Role::Operator { .. } => Err(Error::forbidden_because(
            Message::new(Key::ZoneRefusedIn).arg("zone", zone),
        )),
        Role::Firm { .. } | Role::Founder | Role::Evaluator | Role::Resident => {
            Err(Error::forbidden())
        }
    }
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
        Role::Coordinator
        | Role::Firm { .. }
        | Role::Founder
        | Role::Evaluator
        | Role::Resident => false,
    })
}

/// The tenant firms of a zone, listed together: admins, coordinators and the zone's operator
/// (a firm account reads only itself, through `read_firm`).
pub fn list_zone_firms(caller: &Caller, zone: &str) -> Result<(), Error> {
    allow(match caller.require_user()? {
        Role::Admin | Role::Coordinator => true,
        Role::Operator { zone: own } => own == zone,
        Role::Firm { .. } | Role::Founder | Role::Evaluator | Role::Resident => false,
    })
}

/// Whom a facility, space or institution answers to: a zone (its operator), or a hub outside
/// the zones (the region's network, kept by coordinators).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Owner {
    Zone(String),
    Hub(String),
}

impl Owner {
    /// The zone, for a part of one.
    pub fn zone(&self) -> Option<&str> {
        match self {
            Owner::Zone(zone) => Some(zone),
            Owner::Hub(_) => None,
        }
    }
}

/// Writing what a zone holds: its operator, or an admin; a hub's spaces: coordinators and
/// admins.
pub fn write_zone_part(caller: &Caller, owner: &Owner) -> Result<(), Error> {
    let allowed = match (caller.require_user()?, owner) {
        (Role::Admin, _) => true,
        (Role::Coordinator, Owner::Hub(_)) => true,
        (Role::Operator { zone: own }, Owner::Zone(zone)) => own == zone,
        _ => false,
    };
    if allowed {
        return Ok(());
    }
    // A refusal says whose the part is, so that the caller knows whom to ask.
    Err(match owner {
        Owner::Hub(hub) => {
            Error::forbidden_because(Message::new(Key::HubPartRefused).arg("hub", hub))
        }
        Owner::Zone(zone) if !zone.is_empty() => {
            Error::forbidden_because(Message::new(Key::ZonePartRefused).arg("zone", zone))
        }
        Owner::Zone(_) => Error::forbidden(),
    })
}

/// The zone or hub a keeper's page or list is about, and that the caller keeps it: the one
/// named, or an operator's own zone; admins and coordinators name one; others keep none.
pub fn keeper(caller: &Caller, zone: Option<&str>, hub: Option<&str>) -> Result<Owner, Error> {
    let owner = match (zone, hub) {
        (Some(z), _) => Owner::Zone(z.to_string()),
        (None, Some(h)) => Owner::Hub(h.to_string()),
        (None, None) => match caller.require_user()? {
            Role::Operator { zone } => Owner::Zone(zone.clone()),
            Role::Admin | Role::Coordinator => {
                return Err(Error::field(
                    "zone",
                    crate::error::Message::new(crate::error::Key::AwardRequired),
                ));
            }
            _ => return Err(Error::forbidden()),
        },
    };
    write_zone_part(caller, &owner)?;
    Ok(owner)
}

/// The zone the caller keeps (as `keeper`, for what only zones have: statements, occupancy).
pub fn kept_zone(caller: &Caller, zone: Option<&str>) -> Result<String, Error> {
    match keeper(caller, zone, None)? {
        Owner::Zone(zone) => Ok(zone),
        Owner::Hub(_) => Err(Error::forbidden()),
    }
}

/// Hubs outside the zones: coordinators and admins keep the region's network.
pub fn write_hub(caller: &Caller) -> Result<(), Error> {
    match caller.require_user()? {
        Role::Admin | Role::Coordinator => Ok(()),
        _ => Err(Error::forbidden_because(Key::HubsKeptByCoordinators)),
    }
}

/// Planning tools (site suitability, pipeline simulation): the staff who plan — admins,
/// coordinators and zone operators.
pub fn plan(caller: &Caller) -> Result<(), Error> {
    allow(matches!(
        caller.require_user()?,
        Role::Admin | Role::Coordinator | Role::Operator { .. }
    ))
}

/// The space ladder of a 시·도 or 광역경제권 (forecast, placement, retention): admins,
/// coordinators, and the operators of a zone in one of its 시·도 (who see others' graduates as
/// counts, `ladder::visible_plan`).
pub fn ladder(
    caller: &Caller,
    own_zone_region: Option<&str>,
    regions: &[String],
) -> Result<(), Error> {
    allow(match caller.require_user()? {
        Role::Admin | Role::Coordinator => true,
        Role::Operator { .. } => {
            own_zone_region.is_some_and(|own| regions.iter().any(|r| r == own))
        }
        Role::Firm { .. } | Role::Founder | Role::Evaluator | Role::Resident => false,
    })
}

/// Firms: admins and coordinators read all; operators the firms of their zone; a firm itself.
pub fn read_firm(caller: &Caller, id: &str, zone: &str) -> Result<(), Error> {
    allow(match caller.require_user()? {
        Role::Admin | Role::Coordinator => true,
        Role::Operator { zone: own } => own == zone,
        Role::Firm { firm } => firm == id,
        Role::Founder | Role::Evaluator | Role::Resident => false,
    })
}

/// Writing a firm the caller may read (`read_firm` refuses the others without a reason), or
/// one of the zone it names.
pub fn write_firm(caller: &Caller, id: &str, zone: &str) -> Result<(), Error> {
    let role = caller.require_user()?;
    match role {
        Role::Admin => Ok(()),
        Role::Operator { zone: own } if own == zone => Ok(()),
        Role::Firm { firm } if firm == id => Ok(()),
        _ => Err(firm_refusal(role, zone)),
    }
}

/// Creating a firm in `zone`, or deleting one the caller may read.
pub fn create_or_delete_firm(caller: &Caller, zone: &str) -> Result<(), Error> {
    let role = caller.require_user()?;
    match role {
        Role::Admin => Ok(()),
        Role::Operator { zone: own } if own == zone => Ok(()),
        _ => Err(firm_refusal(role, zone)),
    }
}

/// Why a role may not write a firm of `zone` (the zone the caller gave or may read).
fn firm_refusal(role: &Role, zone: &str) -> Error {
    Error::forbidden_because(match role {
        Role::Operator { .. } if zone.is_empty() => Message::new(Key::GiveTheZone),
        Role::Operator { .. } => Message::new(Key::ZoneFirmsRefused).arg("zone", zone),
        Role::Coordinator => Message::new(Key::CoordinatorsReadFirms),
        Role::Firm { .. } | Role::Founder | Role::Evaluator | Role::Resident => {
            Message::new(Key::FirmWritesItsOwn)
        }
        Role::Admin => Message::new(Key::Forbidden),
    })
}

pub fn read_audit(caller: &Caller) -> Result<(), Error> {
    match caller.require_user()? {
        Role::Admin | Role::Coordinator => Ok(()),
        _ => Err(Error::forbidden_because(Key::AuditReaders)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(role: Role) -> Caller {
        Caller::User {
            user: ucz_store::User {
                id: ucz_store::UserId(1),
                username: "u".into(),
                email: None,
                password_hash: String::new(),
                role: ucz_store::RoleName::Admin,
                zone_id: None,
                firm_id: None,
                disabled: false,
            },
            role,
        }
    }

    #[test]
    fn a_zones_parts_are_its_operators_and_a_hubs_the_coordinators() {
        let zone = Owner::Zone("daejeon".into());
        let hub = Owner::Hub("daejeon".into());
        let operator = caller(Role::Operator {
            zone: "daejeon".into(),
        });
        assert!(write_zone_part(&operator, &zone).is_ok());
        // A hub named like the operator's zone is still not the zone's.
        assert!(write_zone_part(&operator, &hub).is_err());
        let coordinator = caller(Role::Coordinator);
        assert!(write_zone_part(&coordinator, &hub).is_ok());
        assert!(write_zone_part(&coordinator, &zone).is_err());
        assert!(write_zone_part(&caller(Role::Admin), &hub).is_ok());
        let firm = caller(Role::Firm { firm: "f".into() });
        assert!(write_zone_part(&firm, &zone).is_err());
        assert!(write_zone_part(&Caller::Anonymous, &zone).is_err());
    }
}
