//! Importing records from a spreadsheet: each row checked as its API write would be (the same
//! rules and role checks), with what rows share looked up once, and the valid rows written all
//! or nothing. Reading the file into rows is the web's; this is what the rows mean.

use std::collections::HashSet;

use serde_json::Value;
use ucz_core::booking::Resource;
use ucz_core::firm::Firm;
use ucz_core::record::{Demo, FacilityBody, SpaceBody, SpaceId};

use crate::access::Owner;
use crate::caller::Caller;
use crate::error::{Error, FieldError, Key, Message};
use crate::parts::Known;
use crate::{Services, access, firms, parts};

/// The records an import may create (or, for spaces and bookable resources, update by id).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportKind {
    Firm,
    Facility,
    Space,
    /// Bookable resources: updated by id only (their rules stay; prices, names, approval…).
    Resource,
}

/// A row checked as its API write would be: the record it creates.
#[derive(Clone, Debug, PartialEq)]
pub enum Row {
    Firm(Firm),
    Facility(FacilityBody),
    Space(SpaceBody),
    /// A space replaced by id.
    SpaceUpdate(SpaceId, SpaceBody),
    /// A bookable resource replaced by id, with the zone or hub it is in.
    Resource {
        zone: Option<String>,
        hub: Option<String>,
        setup: Box<Resource>,
    },
}

/// What the rows of one import look up: zones, facilities and hubs once each, and which new
/// firm ids exist already, a chunk of rows at a time.
#[derive(Default)]
pub struct Lookups {
    pub known: Known,
    existing: HashSet<String>,
}

impl Lookups {
    /// Notes which of a chunk's new firm ids are taken, in one query.
    pub async fn firms_taken(&mut self, state: &Services, ids: &[String]) -> Result<(), Error> {
        self.existing = state.store.repo::<Demo<Firm>>().existing(ids).await?;
        Ok(())
    }
}

/// Checks a row's body as the API would, returning the record to store.
pub async fn check_row(
    state: &Services,
    caller: &Caller,
    kind: ImportKind,
    body: &Value,
    lookups: &Lookups,
) -> Result<Row, Error> {
    match kind {
        ImportKind::Firm => {
            let zone = body["zone"].as_str().unwrap_or_default();
            access::create_or_delete_firm(caller, zone)?;
            let stored_zone = match firms::stored_zone_id(state, zone) {
                Some(zone) => lookups.known.zone_region(state, zone).await?,
                None => None,
            };
            let firm = firms::validate_in(state, body, stored_zone.as_deref())?;
            if lookups.existing.contains(&firm.id) {
                return Err(Error::invalid(vec![FieldError {
                    field: "id".into(),
                    message: Message::new(Key::FirmExists).arg("id", &firm.id),
                }]));
            }
            Ok(Row::Firm(firm))
        }
        ImportKind::Facility => {
            let record = parts::facility_in(state, &lookups.known, body).await?;
            access::write_zone_part(caller, &Owner::Zone(record.zone_id.0.clone()))?;
            Ok(Row::Facility(record))
        }
        ImportKind::Space => {
            let record = parts::space_in(state, &lookups.known, body).await?;
            let owner = parts::space_owner(state, &lookups.known, &record).await?;
            access::write_zone_part(caller, &owner)?;
            match &body["id"] {
                Value::Null => Ok(Row::Space(record)),
                given => {
                    let id = given.as_i64().ok_or_else(|| {
                        Error::field(
                            "id",
                            Message::new(Key::NotFound)
                                .with("what", Key::NounSpace)
                                .arg("id", given),
                        )
                    })?;
                    // Updating moves what its keeper keeps: both the old and the new keeper's.
                    let stored = state
                        .store
                        .repo::<SpaceBody>()
                        .get(&SpaceId(id))
                        .await?
                        .ok_or_else(|| {
                            Error::field(
                                "id",
                                Message::new(Key::NotFound)
                                    .with("what", Key::NounSpace)
                                    .arg("id", id),
                            )
                        })?;
                    let before = parts::space_owner(state, &lookups.known, &stored.record).await?;
                    access::write_zone_part(caller, &before)?;
                    Ok(Row::SpaceUpdate(SpaceId(id), record))
                }
            }
        }
        ImportKind::Resource => {
            let id = body["id"].as_str().unwrap_or_default();
            let (setup, zone, hub) =
                crate::bookings::updated_setup(state, caller, id, body).await?;
            Ok(Row::Resource {
                zone,
                hub,
                setup: Box::new(setup),
            })
        }
    }
}

/// Writes the checked rows of an import in one transaction, each with its audit row; the
/// number written. The rows of one import are of one kind.
pub async fn write(state: &Services, caller: &Caller, rows: &[Row]) -> Result<usize, Error> {
    let (actor, store) = (caller.actor(), &state.store);
    let mut firms = Vec::new();
    let mut facilities = Vec::new();
    let mut spaces = Vec::new();
    let mut space_updates = Vec::new();
    let mut resources = Vec::new();
    for row in rows {
        match row {
            Row::Firm(firm) => firms.push(Demo {
                record: firm.clone(),
                demo: false,
            }),
            Row::Facility(facility) => facilities.push(facility.clone()),
            Row::Space(space) => spaces.push(space.clone()),
            Row::SpaceUpdate(id, space) => space_updates.push((*id, space.clone())),
            Row::Resource { zone, hub, setup } => {
                resources.push((zone.clone(), hub.clone(), setup.as_ref().clone()))
            }
        }
    }
    Ok(match rows.first() {
        None => 0,
        Some(Row::Firm(_)) => store.repo().create_all(&actor, &firms).await?,
        Some(Row::Facility(_)) => store.repo().create_all(&actor, &facilities).await?,
        Some(Row::Space(_) | Row::SpaceUpdate(..)) => {
            let (made, changed) = store
                .repo()
                .create_and_update(&actor, &spaces, &space_updates)
                .await?;
            made + changed
        }
        Some(Row::Resource { .. }) => crate::bookings::set_many(state, caller, &resources).await?,
    })
}
