//! What a zone holds: `/api/v1/facilities`, `/api/v1/spaces` (rooms and units of a facility) and
//! `/api/v1/institutions`. Any account reads them; the zone's operator (or an admin) writes them.

use serde_json::Value;
use std::collections::HashMap;
use ucz_store::{Aggregate, Filter, Key as _, Stored};

use ucz_core::record::{
    Demo, FacilityBody, FacilityId, HubBody, HubId, InstitutionBody, SpaceBody, SpacePlace, ZoneId,
    ZonePlan,
};

use crate::access::Owner;
use crate::caller::Caller;
use crate::error::{Error, FieldError, Key, Message};
use crate::records::{Findings, ListParams, Page};
use crate::{Services, access};

/// What checking records looked up — which zones and hubs exist, the zone of each facility —
/// kept for the next record: an import checks thousands of rows that name the same few.
#[derive(Default)]
pub struct Known {
    facts: std::sync::Mutex<HashMap<(Looked, String), Option<String>>>,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Looked {
    Zone,
    Hub,
    FacilityZone,
}

impl Known {
    /// A fact, from the database the first time it is asked for.
    async fn fact(
        &self,
        looked: Looked,
        id: &str,
        read: impl std::future::Future<Output = Result<Option<String>, Error>>,
    ) -> Result<Option<String>, Error> {
        let key = (looked, id.to_string());
        if let Some(found) = self.facts.lock().ok().and_then(|f| f.get(&key).cloned()) {
            return Ok(found);
        }
        let found = read.await?;
        if let Ok(mut facts) = self.facts.lock() {
            // Bounded: ids that differ on every row (a file of typos) are not all kept.
            if facts.len() < 10_000 {
                facts.insert(key, found.clone());
            }
        }
        Ok(found)
    }

    pub async fn zone_exists(&self, state: &Services, zone: &str) -> Result<bool, Error> {
        Ok(self.zone_region(state, zone).await?.is_some())
    }

    /// The region of a stored zone; `None` when there is no such zone.
    pub async fn zone_region(&self, state: &Services, zone: &str) -> Result<Option<String>, Error> {
        let read = async {
            let found = state.store.repo::<Demo<ZonePlan>>().find(zone).await?;
            Ok(found.map(|z| {
                z.record
                    .record
                    .text("region")
                    .unwrap_or_default()
                    .to_string()
            }))
        };
        self.fact(Looked::Zone, zone, read).await
    }

    pub async fn hub_exists(&self, state: &Services, hub: &HubId) -> Result<bool, Error> {
        let read = async {
            let found = state.store.repo::<Demo<HubBody>>().get(hub).await?;
            Ok(found.map(|h| h.id.0))
        };
        Ok(self.fact(Looked::Hub, hub.as_str(), read).await?.is_some())
    }

    /// The zone of a facility; `None` when there is no such facility.
    pub async fn facility_zone(
        &self,
        state: &Services,
        facility: FacilityId,
    ) -> Result<Option<ZoneId>, Error> {
        let read = async {
            let found = state.store.repo::<FacilityBody>().get(&facility).await?;
            Ok(found.map(|f| f.record.zone_id.0))
        };
        let zone = self
            .fact(Looked::FacilityZone, &facility.to_string(), read)
            .await?;
        Ok(zone.map(ZoneId))
    }
}

async fn zone_exists(state: &Services, known: &Known, zone: &str) -> Result<(), Error> {
    if known.zone_exists(state, zone).await? {
        Ok(())
    } else {
        Err(Error::invalid(vec![FieldError {
            field: "zone_id".into(),
            message: Message::new(Key::NoZone).arg("id", zone),
        }]))
    }
}

/// A page of the records of `T` matching `equals`.
pub async fn page_of<T: Aggregate>(
    state: &Services,
    equals: Vec<(&'static str, String)>,
    params: &ListParams,
) -> Result<Page<Stored<T>>, Error> {
    let (limit, offset) = params.page(&state.catalog)?;
    let filter = Filter {
        equals,
        limit,
        offset,
    };
    let (items, total) = state.store.repo::<T>().list(&filter).await?;
    Ok(Page {
        items,
        total,
        limit,
        offset,
    })
}

/// The record a path's id names, or not found.
pub async fn existing<T: Aggregate>(state: &Services, id: &str) -> Result<Stored<T>, Error> {
    state
        .store
        .repo::<T>()
        .find(id)
        .await?
        .ok_or_else(|| Error::not_found(T::TABLE.noun, id))
}

// The use cases of the three records, alike but for their type, owner, checks and filters.
macro_rules! resource {
    ($module:ident, $record:ty, $owner:path, $checked:path, $filters:expr) => {
        pub mod $module {
            use super::*;

            pub async fn list(
                state: &Services,
                caller: &Caller,
                params: &ListParams,
            ) -> Result<Page<Stored<$record>>, Error> {
                access::read_zone_part(caller)?;
                let filters: fn(&ListParams) -> Vec<(&'static str, String)> = $filters;
                page_of::<$record>(state, filters(params), params).await
            }

            pub async fn read(
                state: &Services,
                caller: &Caller,
                id: &str,
            ) -> Result<Stored<$record>, Error> {
                access::read_zone_part(caller)?;
                existing::<$record>(state, id).await
            }

            pub async fn create(
                state: &Services,
                caller: &Caller,
                payload: Value,
            ) -> Result<Stored<$record>, Error> {
                caller.require_user()?;
                let known = Known::default();
                let record = $checked(state, &known, &payload).await?;
                access::write_zone_part(caller, &$owner(state, &known, &record).await?)?;
                let repo = state.store.repo::<$record>();
                Ok(repo.create(&caller.actor(), &record).await?)
            }

            pub async fn update(
                state: &Services,
                caller: &Caller,
                id: &str,
                payload: Value,
            ) -> Result<Stored<$record>, Error> {
                caller.require_user()?;
                let known = Known::default();
                let before = existing::<$record>(state, id).await?;
                access::write_zone_part(caller, &$owner(state, &known, &before.record).await?)?;
                let record = $checked(state, &known, &payload).await?;
                access::write_zone_part(caller, &$owner(state, &known, &record).await?)?;
                let repo = state.store.repo::<$record>();
                repo.update(&caller.actor(), &before.id, &record)
                    .await?
                    .ok_or_else(|| Error::not_found(<$record>::TABLE.noun, id))
            }

            pub async fn delete(state: &Services, caller: &Caller, id: &str) -> Result<(), Error> {
                caller.require_user()?;
                let before = existing::<$record>(state, id).await?;
                let owner = $owner(state, &Known::default(), &before.record).await?;
                access::write_zone_part(caller, &owner)?;
                // A space (or a facility of spaces) with leases, the history retention counts
                // from, is refused by the store under the lock lease writes take.
                let repo = state.store.repo::<$record>();
                repo.delete(&caller.actor(), &before.id).await?;
                Ok(())
            }
        }
    };
}

resource!(
    facilities,
    FacilityBody,
    crate::parts::facility_owner,
    crate::parts::facility_in,
    |p| p.zone_id.iter().map(|z| ("zone_id", z.clone())).collect()
);
resource!(
    spaces,
    SpaceBody,
    crate::parts::space_owner,
    crate::parts::space_in,
    |p| p
        .facility_id
        .iter()
        .map(|f| ("facility_id", f.clone()))
        .chain(p.hub_id.iter().map(|h| ("hub_id", h.clone())))
        .collect()
);
resource!(
    institutions,
    InstitutionBody,
    crate::parts::institution_owner,
    crate::parts::institution_in,
    |p| p.zone_id.iter().map(|z| ("zone_id", z.clone())).collect()
);

/// A facility belongs to the zone it names.
pub async fn facility_owner(_: &Services, _: &Known, f: &FacilityBody) -> Result<Owner, Error> {
    Ok(Owner::Zone(f.zone_id.0.clone()))
}

/// An institution belongs to the zone it names.
pub async fn institution_owner(
    _: &Services,
    _: &Known,
    i: &InstitutionBody,
) -> Result<Owner, Error> {
    Ok(Owner::Zone(i.zone_id.0.clone()))
}

/// A space belongs to the zone of its facility (or to its hub outside the zones).
pub async fn space_owner(
    state: &Services,
    known: &Known,
    space: &SpaceBody,
) -> Result<Owner, Error> {
    place_owner(state, known, space.place()).await
}

/// Whom a place answers to; a field error when its facility or hub does not exist.
async fn place_owner(state: &Services, known: &Known, place: SpacePlace) -> Result<Owner, Error> {
    match place {
        SpacePlace::Hub(hub) => {
            if known.hub_exists(state, &hub).await? {
                Ok(Owner::Hub(hub.0))
            } else {
                Err(Error::invalid(vec![FieldError {
                    field: "hub_id".into(),
                    message: Message::new(Key::NoHub).arg("id", &hub),
                }]))
            }
        }
        SpacePlace::Facility(facility) => match known.facility_zone(state, facility).await? {
            Some(zone) => Ok(Owner::Zone(zone.0)),
            None => Err(Error::invalid(vec![FieldError {
                field: "facility_id".into(),
                message: Message::new(Key::NoFacility).arg("id", facility),
            }])),
        },
    }
}

/// The owner of a stored space.
pub async fn space_zone(state: &Services, space: &SpaceBody) -> Result<Owner, Error> {
    space_owner(state, &Known::default(), space).await
}

/// A facility body read into its record, its zone checked to exist (through `known`).
pub async fn facility_in(
    state: &Services,
    known: &Known,
    body: &Value,
) -> Result<FacilityBody, Error> {
    let mut findings = Findings::default();
    findings.and(crate::records::known_fields::<FacilityBody>(body))?;
    let facility = findings.parsed(FacilityBody::parse(body, &state.catalog));
    if let Some(zone) = body["zone_id"].as_str() {
        findings.and(zone_exists(state, known, zone).await)?;
    }
    findings.done()?;
    facility.ok_or_else(|| Error::invalid(vec![]))
}

/// A space body read into its record, its facility or hub checked to exist (through `known`).
pub async fn space_in(state: &Services, known: &Known, body: &Value) -> Result<SpaceBody, Error> {
    let mut findings = Findings::default();
    findings.and(crate::records::known_fields::<SpaceBody>(body))?;
    let space = findings.parsed(SpaceBody::parse(body, &state.catalog));
    // Where the space is, checked even when other fields fail, so that all are told at once.
    let place = match (body["hub_id"].as_str(), body["facility_id"].as_i64()) {
        (Some(hub), _) => Some(SpacePlace::Hub(HubId(hub.to_string()))),
        (None, Some(facility)) => Some(SpacePlace::Facility(FacilityId(facility))),
        (None, None) => None,
    };
    if let Some(place) = place {
        findings.and(place_owner(state, known, place).await.map(|_| ()))?;
    }
    findings.done()?;
    space.ok_or_else(|| Error::invalid(vec![]))
}

/// An institution body read into its record, its zone checked to exist.
pub async fn institution_in(
    state: &Services,
    known: &Known,
    body: &Value,
) -> Result<InstitutionBody, Error> {
    let mut findings = Findings::default();
    findings.and(crate::records::known_fields::<InstitutionBody>(body))?;
    let institution = findings.parsed(InstitutionBody::parse(body, &state.catalog));
    if let Some(zone) = body["zone_id"].as_str() {
        findings.and(zone_exists(state, known, zone).await)?;
    }
    findings.done()?;
    institution.ok_or_else(|| Error::invalid(vec![]))
}

/// Whether `id` names a hub or a zone (plans name both alike).
pub async fn hub_or_zone_exists(state: &Services, known: &Known, id: &str) -> Result<bool, Error> {
    let hub = HubId::parse(id).unwrap_or(HubId(String::new()));
    Ok(known.hub_exists(state, &hub).await? || known.zone_exists(state, id).await?)
}
