//! `/api/v1/zones`: a zone's top-level plan (the zone file without its facilities and
//! institutions, which have their own resources).
use serde_json::{Value, json};
use ucz_core::{SourceFile, Zone};
use ucz_store::{Filter, ZONES};

use crate::caller::Caller;
use crate::error::{Error, Key, Message};
use crate::records::{ListParams, Page, as_toml};
use crate::{Services, access};

/// Checks a zone body with the zone-file parser; returns the stored record.
pub fn validate(state: &Services, body: &Value, demo: bool) -> Result<Value, Error> {
    if body.get("facility").is_some() || body.get("institution").is_some() {
        return Err(Error::bad_request(Key::ZoneBodyHasParts));
    }
    let text = as_toml(body)?;
    Zone::parse(SourceFile::new("body", &text), &state.catalog)?;
    Ok(json!({"id": body["id"], "body": body, "demo": demo}))
}

fn view(record: Value) -> Value {
    let mut zone = record["body"].clone();
    zone["demo"] = record["demo"].clone();
    zone
}

pub async fn list(state: &Services, params: &ListParams) -> Result<Page, Error> {
    let (limit, offset) = params.page()?;
    let (items, total) = state
        .store
        .list(
            &ZONES,
            &Filter {
                equals: Vec::new(),
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

pub async fn read(state: &Services, id: &str) -> Result<Value, Error> {
    let record = state
        .store
        .get(&ZONES, id)
        .await?
        .ok_or_else(|| Error::not_found(Key::NounZone, id))?;
    Ok(view(record))
}

pub async fn create(state: &Services, caller: &Caller, payload: Value) -> Result<Value, Error> {
    access::create_zone(caller)?;
    let body = payload;
    let record = validate(state, &body, false)?;
    // Plans name zones and hubs alike: a zone may not take a hub's id.
    let id = body["id"].as_str().unwrap_or_default();
    if state.store.get(&ucz_store::HUBS, id).await?.is_some() {
        return Err(Error::invalid(vec![crate::error::FieldError {
            field: "id".into(),
            message: Message::new(Key::IdIsHub).arg("id", id),
        }]));
    }
    let created = state.store.create(&caller.actor(), &ZONES, &record).await?;
    Ok(view(created))
}

pub async fn update(
    state: &Services,
    caller: &Caller,
    id: &str,
    payload: Value,
) -> Result<Value, Error> {
    access::update_zone(caller, id)?;
    let mut body = payload;
    crate::records::same_id(&body, id)?;
    body["id"] = Value::from(id);
    let existing = state
        .store
        .get(&ZONES, id)
        .await?
        .ok_or_else(|| Error::not_found(Key::NounZone, id))?;
    if body["region"] != existing["body"]["region"] {
        access::change_zone_region(caller)?;
    }
    let record = validate(state, &body, existing["demo"].as_bool().unwrap_or(false))?;
    let updated = state
        .store
        .update(&caller.actor(), &ZONES, id, &record)
        .await?
        .ok_or_else(|| Error::not_found(Key::NounZone, id))?;
    Ok(view(updated))
}

pub async fn delete(state: &Services, caller: &Caller, id: &str) -> Result<(), Error> {
    access::delete_zone(caller)?;
    // Tenant firms name their zone; a later zone of the same id must not inherit them.
    let count = state
        .store
        .count(&ucz_store::FIRMS, &[("zone", id.to_string())])
        .await?;
    if count > 0 {
        return Err(Error::conflict(
            Message::new(Key::ZoneHasTenants)
                .arg("id", id)
                .arg("count", count),
        ));
    }
    // Leased spaces in its facilities are refused by the store.
    if state.store.delete(&caller.actor(), &ZONES, id).await? {
        Ok(())
    } else {
        Err(Error::not_found(Key::NounZone, id))
    }
}
