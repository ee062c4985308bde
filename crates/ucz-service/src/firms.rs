//! `/api/v1/firms`: firm profiles with the fields of the firm schema (docs/firm.md).
use serde_json::{Value, json};
use ucz_core::SourceFile;
use ucz_core::firm::Firm;
use ucz_store::{FIRMS, Filter};

use crate::caller::{Caller, Role};
use crate::error::{Error, Key, Message};
use crate::records::{ListParams, Page, as_toml, same_id};
use crate::{Services, access};

/// Checks a firm with the firm-file parser; returns the stored record.
///
/// A firm may be a tenant of a designated zone (the catalog's) or of a zone created through the
/// API, in its own region.
pub async fn validate(state: &Services, body: &Value, demo: bool) -> Result<Value, Error> {
    let zone = body["zone"].as_str().unwrap_or_default();
    let stored_zone = match stored_zone_id(state, zone) {
        Some(zone) => state.store.get(&ucz_store::ZONES, zone).await?,
        None => None,
    };
    validate_in(state, body, demo, stored_zone.as_ref())
}

/// The zone a firm names when it has to be looked up in the database (not a designated zone
/// of the catalog).
pub fn stored_zone_id<'a>(state: &Services, zone: &'a str) -> Option<&'a str> {
    (!zone.is_empty() && state.catalog.designated_zone(zone).is_none()).then_some(zone)
}

/// `validate` with the stored zone already looked up (`stored_zone_id`): an import looks each
/// zone up once, not once per row.
pub fn validate_in(
    state: &Services,
    body: &Value,
    demo: bool,
    stored_zone: Option<&Value>,
) -> Result<Value, Error> {
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
    let firm = match stored_zone {
        None => Firm::parse(SourceFile::new("body", &as_toml(body)?), &state.catalog)?,
        Some(stored) => {
            let mut without_zone = body.clone();
            without_zone["zone"] = Value::Null;
            let mut firm = Firm::parse(
                SourceFile::new("body", &as_toml(&without_zone)?),
                &state.catalog,
            )?;
            let region = stored["body"]["region"].as_str().unwrap_or_default();
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
    Ok(json!({
        "id": firm.id, "zone": firm.zone, "region": firm.region.as_str(), "stage": firm.stage.as_str(),
        "body": body, "demo": demo,
    }))
}

/// The stored firm as a `Firm`.
/// The zone was checked when the firm was written, possibly against a zone of the database.
pub fn firm_of(state: &Services, record: &Value) -> Result<Firm, Error> {
    let mut body = record["body"].clone();
    let zone = body["zone"].as_str().unwrap_or_default().to_string();
    body["zone"] = Value::Null;
    let mut firm = Firm::parse(
        SourceFile::new("stored firm", &as_toml(&body)?),
        &state.catalog,
    )
    .map_err(|e| Error::internal(e.to_string()))?;
    firm.zone = zone;
    Ok(firm)
}

fn view(record: Value) -> Value {
    let mut firm = record["body"].clone();
    firm["demo"] = record["demo"].clone();
    firm
}

pub async fn list(state: &Services, caller: &Caller, params: &ListParams) -> Result<Page, Error> {
    let (limit, offset) = params.page()?;
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
        Role::Firm { .. } => return Err(Error::forbidden()),
    }
    if let Some(region) = &params.region {
        equals.push(("region", region.clone()));
    }
    if let Some(stage) = &params.stage {
        equals.push(("stage", stage.clone()));
    }
    let (items, total) = state
        .store
        .list(
            &FIRMS,
            &Filter {
                equals,
                limit,
                offset,
            },
        )
        .await?;
    Ok(Page {
        items: items.into_iter().map(view).collect(),
        total,
        limit,
        offset,
    })
}

pub async fn stored(state: &Services, caller: &Caller, id: &str) -> Result<Value, Error> {
    caller.require_user()?;
    let record = state.store.get(&FIRMS, id).await?;
    // Someone who may not read a firm learns nothing about it, not even that it exists.
    match record {
        Some(record) => {
            access::read_firm(caller, id, record["zone"].as_str().unwrap_or_default())?;
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

/// The space of a firm's latest lease while that lease runs: where it incubates now. `record` is
/// the stored firm; whoever may read the firm (`access::read_firm`) reads this.
pub async fn running_space(
    state: &Services,
    caller: &Caller,
    record: &Value,
) -> Result<Option<i64>, Error> {
    let id = record["id"].as_str().unwrap_or_default();
    access::read_firm(caller, id, record["zone"].as_str().unwrap_or_default())?;
    Ok(state
        .store
        .latest_lease_of_firm(id)
        .await?
        .filter(|l| l["status"] == "active")
        .and_then(|l| l["space_id"].as_i64()))
}

pub async fn read(state: &Services, caller: &Caller, id: &str) -> Result<Value, Error> {
    Ok(view(stored(state, caller, id).await?))
}

pub async fn create(state: &Services, caller: &Caller, payload: Value) -> Result<Value, Error> {
    caller.require_user()?;
    let body = crate::records::without_read_only(payload);
    // Who may create here is decided before the body is examined.
    access::create_or_delete_firm(caller, body["zone"].as_str().unwrap_or_default())?;
    let record = validate(state, &body, false).await?;
    access::create_or_delete_firm(caller, record["zone"].as_str().unwrap_or_default())?;
    match state.store.create(&caller.actor(), &FIRMS, &record).await {
        Ok(created) => Ok(view(created)),
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
) -> Result<Value, Error> {
    let before = stored(state, caller, id).await?;
    access::write_firm(caller, id, before["zone"].as_str().unwrap_or_default())?;
    let mut body = crate::records::without_read_only(payload);
    same_id(&body, id)?;
    body["id"] = Value::from(id);
    let record = validate(state, &body, before["demo"].as_bool().unwrap_or(false)).await?;
    // A firm edits its profile but does not move itself into another zone.
    if matches!(caller.role(), Some(Role::Firm { .. })) && record["zone"] != before["zone"] {
        return Err(Error::forbidden());
    }
    access::write_firm(caller, id, record["zone"].as_str().unwrap_or_default())?;
    let updated = state
        .store
        .update(&caller.actor(), &FIRMS, id, &record)
        .await?;
    updated
        .map(view)
        .ok_or_else(|| Error::not_found(Key::NounFirm, id))
}

pub async fn delete(state: &Services, caller: &Caller, id: &str) -> Result<(), Error> {
    let before = stored(state, caller, id).await?;
    access::create_or_delete_firm(caller, before["zone"].as_str().unwrap_or_default())?;
    // A firm with leases (the record retention counts from) is refused by the store, under
    // the lock lease writes take.
    state.store.delete(&caller.actor(), &FIRMS, id).await?;
    Ok(())
}
