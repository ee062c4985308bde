//! `/api/v1/firms`: firm profiles with the fields of the firm schema (docs/firm.md).
use serde_json::Value;
use ucz_core::SourceFile;
use ucz_core::firm::Firm;
use ucz_core::record::{Demo, LeaseStatus, SpaceId};
use ucz_store::Stored;

use crate::caller::{Caller, Role};
use crate::error::{Error, Key, Message};
use crate::records::{ListParams, Page, as_toml, same_id};
use crate::{Services, access};

/// A stored firm.
pub type FirmRecord = Stored<Demo<Firm>>;

/// Reads a firm body with the firm-file parser.
///
/// A firm may be a tenant of a designated zone (the catalog's) or of a zone created through the
/// API, in its own region.
pub async fn validate(state: &Services, body: &Value) -> Result<Firm, Error> {
    let zone = body["zone"].as_str().unwrap_or_default();
    let stored_zone = match stored_zone_id(state, zone) {
        Some(zone) => {
            crate::parts::Known::default()
                .zone_region(state, zone)
                .await?
        }
        None => None,
    };
    validate_in(state, body, stored_zone.as_deref())
}

/// The zone a firm names when it has to be looked up in the database (not a designated zone
/// of the catalog).
pub fn stored_zone_id<'a>(state: &Services, zone: &'a str) -> Option<&'a str> {
    (!zone.is_empty() && state.catalog.designated_zone(zone).is_none()).then_some(zone)
}

/// `validate` with the region of the stored zone already looked up (`stored_zone_id`): an
/// import looks each zone up once, not once per row.
pub fn validate_in(
    state: &Services,
    body: &Value,
    stored_zone_region: Option<&str>,
) -> Result<Firm, Error> {
    // Unknown fields are told as every record tells them, before the firm-file parser runs.
    crate::records::known_fields::<Firm>(body)?;
    let id = body["id"].as_str().unwrap_or_default();
    let mut missing = Vec::new();
    if id.is_empty()
        || id.len() > 64
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
    {
        missing.push(crate::error::FieldError::new("id", Key::FirmIdForm));
    }
    // The required fields, all at once: the firm parser stops at the first one missing.
    for (field, key) in [
        ("stage", Key::RequiredStageId),
        ("region", Key::RequiredRegionId),
        ("founder_age", Key::RequiredFounderAge),
    ] {
        if body[field].is_null() {
            missing.push(crate::error::FieldError::new(field, key));
        }
    }
    if !missing.is_empty() {
        return Err(Error::invalid(missing));
    }
    let zone = body["zone"].as_str().unwrap_or_default();
    let firm = match stored_zone_region {
        None => Firm::parse(SourceFile::new("body", &as_toml(body)?), &state.catalog)?,
        Some(region) => {
            let mut without_zone = body.clone();
            without_zone["zone"] = Value::Null;
            let mut firm = Firm::parse(
                SourceFile::new("body", &as_toml(&without_zone)?),
                &state.catalog,
            )?;
            if region != firm.region.as_str() {
                return Err(Error::invalid(vec![crate::error::FieldError {
                    field: "zone".into(),
                    message: Message::new(Key::ZoneInOtherRegion)
                        .arg("zone", zone)
                        .arg("zone_region", region)
                        .arg("region", &firm.region),
                }]));
            }
            firm.zone = zone.to_string();
            firm
        }
    };
    // A founding date after today would make every age-based rule meaningless.
    if let Some(problem) = firm.date_problem(state.clock.today()) {
        return Err(Error::invalid(vec![crate::error::FieldError::new(
            "founded", problem,
        )]));
    }
    Ok(firm)
}

pub async fn list(
    state: &Services,
    caller: &Caller,
    params: &ListParams,
) -> Result<Page<FirmRecord>, Error> {
    let mut equals = Vec::new();
    match caller.require_user()? {
        Role::Admin | Role::Coordinator => {
            if let Some(zone) = params.zone.as_ref().or(params.zone_id.as_ref()) {
                equals.push(("zone", zone.clone()));
            }
        }
        // An operator lists the tenants of its zone only; asking for another zone's is refused
        // rather than answered with its own.
        Role::Operator { zone } => {
            let asked = params.zone.as_ref().or(params.zone_id.as_ref());
            if asked.is_some_and(|asked| asked != zone) {
                return Err(Error::forbidden_because(
                    Message::new(Key::ZoneRefusedIn).arg("zone", asked.map_or("", |z| z.as_str())),
                ));
            }
            equals.push(("zone", zone.clone()));
        }
        Role::Firm { .. } | Role::Founder | Role::Evaluator | Role::Resident => {
            return Err(Error::forbidden_because(Key::FirmReadsItsOwn));
        }
    }
    if let Some(region) = &params.region {
        equals.push(("region", region.clone()));
    }
    if let Some(stage) = &params.stage {
        equals.push(("stage", stage.clone()));
    }
    crate::parts::page_of(state, equals, params).await
}

/// A stored firm, for whoever may read it.
pub async fn read(state: &Services, caller: &Caller, id: &str) -> Result<FirmRecord, Error> {
    caller.require_user()?;
    let record = state.store.repo::<Demo<Firm>>().find(id).await?;
    // Someone who may not read a firm learns nothing about it, not even that it exists.
    match record {
        Some(record) => {
            access::read_firm(caller, id, &record.record.record.zone)?;
            Ok(record)
        }
        None => match caller.role() {
            Some(Role::Admin | Role::Coordinator | Role::Operator { .. }) => {
                Err(Error::not_found(Key::NounFirm, id))
            }
            _ => Err(Error::forbidden()),
        },
    }
}

/// The space of a firm's latest lease while that lease runs: where it incubates now; whoever
/// may read the firm (`access::read_firm`) reads this.
pub async fn running_space(
    state: &Services,
    caller: &Caller,
    firm: &Firm,
) -> Result<Option<SpaceId>, Error> {
    access::read_firm(caller, &firm.id, &firm.zone)?;
    Ok(state
        .store
        .latest_lease_of_firm(&firm.id)
        .await?
        .filter(|l| l.record.status == LeaseStatus::Active)
        .map(|l| l.record.space_id))
}

pub async fn create(
    state: &Services,
    caller: &Caller,
    payload: Value,
) -> Result<FirmRecord, Error> {
    caller.require_user()?;
    let body = crate::records::without_read_only(payload);
    // Who may create here is decided before the body is examined.
    access::create_or_delete_firm(caller, body["zone"].as_str().unwrap_or_default())?;
    let firm = validate(state, &body).await?;
    access::create_or_delete_firm(caller, &firm.zone)?;
    let record = Demo {
        record: firm,
        demo: false,
    };
    match state.store.repo().create(&caller.actor(), &record).await {
        Ok(created) => {
            // The fields filings report are dated facts from the firm's first day in ucz.
            crate::awards::record_created(state, &created.record.record).await?;
            Ok(created)
        }
        // Only those who may read the existing firm learn that its id is taken.
        Err(ucz_store::StoreError::Conflict { .. })
            if !matches!(caller.role(), Some(Role::Admin | Role::Coordinator)) =>
        {
            Err(Error::forbidden())
        }
        Err(error) => Err(error.into()),
    }
}

pub async fn update(
    state: &Services,
    caller: &Caller,
    id: &str,
    payload: Value,
) -> Result<FirmRecord, Error> {
    let before = read(state, caller, id).await?;
    let zone_before = &before.record.record.zone;
    access::write_firm(caller, id, zone_before)?;
    let mut body = crate::records::without_read_only(payload);
    same_id(&body, id)?;
    body["id"] = Value::from(id);
    let firm = validate(state, &body).await?;
    // A firm edits its profile but does not move itself into another zone.
    if matches!(caller.role(), Some(Role::Firm { .. })) && firm.zone != *zone_before {
        return Err(Error::forbidden_because(Key::FirmStaysInItsZone));
    }
    access::write_firm(caller, id, &firm.zone)?;
    let record = Demo {
        record: firm,
        demo: before.record.demo,
    };
    let updated = state
        .store
        .repo()
        .update(&caller.actor(), &before.id, &record)
        .await?
        .ok_or_else(|| Error::not_found(Key::NounFirm, id))?;
    // The fields filings report are dated facts: an edit is one too, dated today.
    crate::awards::record_edit(state, &before.record.record, &updated.record.record).await?;
    Ok(updated)
}

pub async fn delete(state: &Services, caller: &Caller, id: &str) -> Result<(), Error> {
    let before = read(state, caller, id).await?;
    access::create_or_delete_firm(caller, &before.record.record.zone)?;
    // A firm with leases (the record retention counts from) is refused by the store, under
    // the lock lease writes take.
    state
        .store
        .repo::<Demo<Firm>>()
        .delete(&caller.actor(), &before.id)
        .await?;
    Ok(())
}
