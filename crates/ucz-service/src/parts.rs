//! What a zone holds: `/api/v1/facilities`, `/api/v1/spaces` (rooms and units of a facility) and
//! `/api/v1/institutions`. Any account reads them; the zone's operator (or an admin) writes them.

use serde_json::{Value, json};
use std::sync::Arc;
use ucz_store::{FACILITIES, Filter, INSTITUTIONS, SPACES, Table};

use ucz_core::record::{FacilityBody, InstitutionBody, SpaceBody};

use crate::access::Owner;
use crate::caller::Caller;
use crate::error::{Error, FieldError, Key, Message};
use crate::records::{Findings, ListParams, Page};
use crate::{Services, access};

/// Zones, facilities and hubs read while checking records, kept for the next record: an import
/// checks thousands of rows that name the same few.
#[derive(Default)]
pub struct Known {
    records: std::sync::Mutex<KnownRecords>,
}

/// Records by table and id; `None` for one that does not exist.
type KnownRecords = std::collections::HashMap<(&'static str, String), Option<Arc<Value>>>;

impl Known {
    /// The record, from the database the first time it is asked for.
    pub async fn get(
        &self,
        state: &Services,
        table: &'static Table,
        id: &str,
    ) -> Result<Option<Arc<Value>>, Error> {
        let key = (table.name, id.to_string());
        if let Some(found) = self.records.lock().ok().and_then(|r| r.get(&key).cloned()) {
            return Ok(found);
        }
        let found = state.store.get(table, id).await?.map(Arc::new);
        if let Ok(mut records) = self.records.lock() {
            // Bounded: ids that differ on every row (a file of typos) are not all kept.
            if records.len() < 10_000 {
                records.insert(key, found.clone());
            }
        }
        Ok(found)
    }
}

async fn zone_exists(state: &Services, known: &Known, zone: &str) -> Result<(), Error> {
    match known.get(state, &ucz_store::ZONES, zone).await? {
        Some(_) => Ok(()),
        None => Err(Error::invalid(vec![FieldError {
            field: "zone_id".into(),
            message: Message::new(Key::NoZone).arg("id", zone),
        }])),
    }
}

async fn list(
    state: &Services,
    caller: &Caller,
    table: &Table,
    equals: Vec<(&'static str, String)>,
    params: &ListParams,
) -> Result<Page, Error> {
    access::read_zone_part(caller)?;
    let (limit, offset) = params.page()?;
    let (items, total) = state
        .store
        .list(
            table,
            &Filter {
                equals,
                limit,
                offset,
            },
        )
        .await?;
    Ok(Page {
        items: items.into_iter().map(|i| present(table, i)).collect(),
        total,
        limit,
        offset,
    })
}

/// A record as the API shows it: a facility's stored `kind` is its `type`, as in zone files.
pub fn present(table: &Table, mut record: Value) -> Value {
    if table.name == FACILITIES.name {
        if let Some(object) = record.as_object_mut() {
            if let Some(kind) = object.remove("kind") {
                object.insert("type".into(), kind);
            }
        }
    }
    record
}

async fn read(state: &Services, caller: &Caller, table: &Table, id: &str) -> Result<Value, Error> {
    access::read_zone_part(caller)?;
    state
        .store
        .get(table, id)
        .await?
        .map(|r| present(table, r))
        .ok_or_else(|| crate::error::not_found_in(table.entity, id))
}

async fn existing(state: &Services, table: &Table, id: &str) -> Result<Value, Error> {
    state
        .store
        .get(table, id)
        .await?
        .ok_or_else(|| crate::error::not_found_in(table.entity, id))
}

async fn remove(
    state: &Services,
    caller: &Caller,
    table: &Table,
    id: &str,
    owner: &Owner,
) -> Result<(), Error> {
    access::write_zone_part(caller, owner)?;
    // A space (or a facility of spaces) with leases, the history retention counts from, is
    // refused by the store under the lock lease writes take.
    state.store.delete(&caller.actor(), table, id).await?;
    Ok(())
}

// The use cases of the three records, alike but for their table, owner and checks.
macro_rules! resource {
    ($module:ident, $table:expr, $zone_of:path, $validate:path, $filters:expr) => {
        pub mod $module {
            use super::*;

            pub async fn list(
                state: &Services,
                caller: &Caller,
                params: &ListParams,
            ) -> Result<Page, Error> {
                let filters: fn(&ListParams) -> Vec<(&'static str, String)> = $filters;
                crate::parts::list(&state, &caller, &$table, filters(&params), &params).await
            }

            pub async fn read(state: &Services, caller: &Caller, id: &str) -> Result<Value, Error> {
                crate::parts::read(&state, &caller, &$table, &id).await
            }

            pub async fn create(
                state: &Services,
                caller: &Caller,
                payload: Value,
            ) -> Result<Value, Error> {
                caller.require_user()?;
                let record = $validate(&state, &payload).await?;
                let zone = $zone_of(&state, &record).await?;
                access::write_zone_part(&caller, &zone)?;
                let created = state
                    .store
                    .create(&caller.actor(), &$table, &record)
                    .await?;
                Ok(present(&$table, created))
            }

            pub async fn update(
                state: &Services,
                caller: &Caller,
                id: &str,
                payload: Value,
            ) -> Result<Value, Error> {
                caller.require_user()?;
                let before = existing(&state, &$table, &id).await?;
                access::write_zone_part(&caller, &$zone_of(&state, &before).await?)?;
                let record = $validate(&state, &payload).await?;
                access::write_zone_part(&caller, &$zone_of(&state, &record).await?)?;
                let updated = state
                    .store
                    .update(&caller.actor(), &$table, &id, &record)
                    .await?;
                updated
                    .map(|r| present(&$table, r))
                    .ok_or_else(|| crate::error::not_found_in($table.entity, &id))
            }

            pub async fn delete(state: &Services, caller: &Caller, id: &str) -> Result<(), Error> {
                caller.require_user()?;
                let before = existing(&state, &$table, &id).await?;
                remove(
                    &state,
                    &caller,
                    &$table,
                    &id,
                    &$zone_of(&state, &before).await?,
                )
                .await
            }
        }
    };
}

resource!(
    facilities,
    FACILITIES,
    crate::parts::facility_zone,
    crate::parts::facility,
    |p| p.zone_id.iter().map(|z| ("zone_id", z.clone())).collect()
);
resource!(
    spaces,
    SPACES,
    crate::parts::space_zone,
    crate::parts::space,
    |p| p
        .facility_id
        .iter()
        .map(|f| ("facility_id", f.clone()))
        .collect()
);
resource!(
    institutions,
    INSTITUTIONS,
    crate::parts::facility_zone,
    crate::parts::institution,
    |p| p.zone_id.iter().map(|z| ("zone_id", z.clone())).collect()
);

/// Facilities and institutions belong to the zone they name.
pub async fn facility_zone(_: &Services, record: &Value) -> Result<Owner, Error> {
    Ok(Owner::Zone(
        record["zone_id"].as_str().unwrap_or_default().to_string(),
    ))
}

/// A space belongs to the zone of its facility (or to its hub outside the zones).
pub async fn space_zone(state: &Services, record: &Value) -> Result<Owner, Error> {
    space_zone_in(state, &Known::default(), record).await
}

/// `space_zone`, its facility or hub read through `known`.
pub async fn space_zone_in(
    state: &Services,
    known: &Known,
    record: &Value,
) -> Result<Owner, Error> {
    if let Some(hub) = record["hub_id"].as_str() {
        return match known.get(state, &ucz_store::HUBS, hub).await? {
            Some(_) => Ok(Owner::Hub(hub.to_string())),
            None => Err(Error::invalid(vec![FieldError {
                field: "hub_id".into(),
                message: Message::new(Key::NoHub).arg("id", hub),
            }])),
        };
    }
    let facility = record["facility_id"].as_i64().unwrap_or(-1).to_string();
    let facility = known
        .get(state, &FACILITIES, &facility)
        .await?
        .ok_or_else(|| {
            Error::invalid(vec![FieldError {
                field: "facility_id".into(),
                message: Message::new(Key::NoFacility).arg("id", &facility),
            }])
        })?;
    Ok(Owner::Zone(
        facility["zone_id"].as_str().unwrap_or_default().to_string(),
    ))
}

pub async fn facility(state: &Services, body: &Value) -> Result<Value, Error> {
    facility_in(state, &Known::default(), body).await
}

/// `facility`, its zone read through `known`.
pub async fn facility_in(state: &Services, known: &Known, body: &Value) -> Result<Value, Error> {
    let mut findings = Findings::default();
    findings.and(crate::records::known_fields::<FacilityBody>(body))?;
    let facility = findings.parsed(FacilityBody::parse(body, &state.catalog));
    if let Some(zone) = body["zone_id"].as_str() {
        findings.and(zone_exists(state, known, zone).await)?;
    }
    findings.done()?;
    let facility = facility.ok_or_else(|| Error::invalid(vec![]))?;
    Ok(json!({
        "zone_id": facility.zone_id, "kind": facility.kind, "name": facility.name,
        "floor_area_m2": facility.floor_area_m2, "units": facility.units, "planned": facility.planned,
    }))
}

pub async fn space(state: &Services, body: &Value) -> Result<Value, Error> {
    space_in(state, &Known::default(), body).await
}

/// `space`, its facility or hub read through `known`.
pub async fn space_in(state: &Services, known: &Known, body: &Value) -> Result<Value, Error> {
    let mut findings = Findings::default();
    findings.and(crate::records::known_fields::<SpaceBody>(body))?;
    let space = findings.parsed(SpaceBody::parse(body, &state.catalog));
    if body["facility_id"].is_i64() || body["hub_id"].is_string() {
        findings.and(space_zone_in(state, known, body).await.map(|_| ()))?;
    }
    findings.done()?;
    let space = space.ok_or_else(|| Error::invalid(vec![]))?;
    Ok(json!({
        "facility_id": space.facility_id, "hub_id": space.hub_id, "name": space.name,
        "kind": space.kind, "area_m2": space.area_m2,
        "monthly_rent_krw": space.monthly_rent_krw, "admits": space.admits,
    }))
}

pub async fn institution(state: &Services, body: &Value) -> Result<Value, Error> {
    let mut findings = Findings::default();
    findings.and(crate::records::known_fields::<InstitutionBody>(body))?;
    let institution = findings.parsed(InstitutionBody::parse(body, &state.catalog));
    if let Some(zone) = body["zone_id"].as_str() {
        findings.and(zone_exists(state, &Known::default(), zone).await)?;
    }
    findings.done()?;
    let institution = institution.ok_or_else(|| Error::invalid(vec![]))?;
    Ok(json!({"zone_id": institution.zone_id, "kind": institution.kind, "name": institution.name}))
}
