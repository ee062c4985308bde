//! `/api/v1/hubs`: the hubs of a region's network outside the zones (campus innovation parks,
//! innovation growth centers, public rental knowledge-industry centers, incubators), where
//! graduates can find space. Any account reads them; coordinators and admins keep them.
use serde_json::{Value, json};
use ucz_store::{Filter, HUBS};

use crate::caller::Caller;
use crate::error::{Error, FieldError, Key, Message};
use ucz_core::record::HubBody;

use crate::records::{Findings, ListParams, Page, same_id};
use crate::{Services, access};

/// Checks a hub; returns the stored record.
pub fn validate(state: &Services, body: &Value, demo: bool) -> Result<Value, Error> {
    let mut findings = Findings::default();
    findings.and(crate::records::known_fields::<HubBody>(body))?;
    let hub = findings.parsed(HubBody::parse(body, &state.catalog));
    findings.done()?;
    let hub = hub.ok_or_else(|| Error::invalid(vec![]))?;
    Ok(json!({
        "id": hub.id, "name": hub.name, "kind": hub.kind, "region": hub.region,
        "body": hub, "demo": demo,
    }))
}

fn view(record: Value) -> Value {
    let mut hub = record["body"].clone();
    hub["demo"] = record["demo"].clone();
    hub
}

pub async fn list(state: &Services, caller: &Caller, params: &ListParams) -> Result<Page, Error> {
    caller.require_user()?;
    let (limit, offset) = params.page()?;
    let equals = params
        .region
        .iter()
        .map(|r| ("region", r.clone()))
        .collect();
    let (items, total) = state
        .store
        .list(
            &HUBS,
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

pub async fn read(state: &Services, caller: &Caller, id: &str) -> Result<Value, Error> {
    caller.require_user()?;
    state
        .store
        .get(&HUBS, id)
        .await?
        .map(view)
        .ok_or_else(|| Error::not_found(Key::NounHub, id))
}

pub async fn create(state: &Services, caller: &Caller, payload: Value) -> Result<Value, Error> {
    access::write_hub(caller)?;
    let payload = crate::records::without_read_only(payload);
    let record = validate(state, &payload, false)?;
    let id = record["id"].as_str().unwrap_or_default();
    // Plans name hubs and zones alike: a hub may not take a zone's id.
    if state.store.get(&ucz_store::ZONES, id).await?.is_some() {
        return Err(Error::invalid(vec![FieldError {
            field: "id".into(),
            message: Message::new(Key::IdIsZone).arg("id", id),
        }]));
    }
    let created = state.store.create(&caller.actor(), &HUBS, &record).await?;
    Ok(view(created))
}

pub async fn update(
    state: &Services,
    caller: &Caller,
    id: &str,
    payload: Value,
) -> Result<Value, Error> {
    access::write_hub(caller)?;
    let mut body = crate::records::without_read_only(payload);
    same_id(&body, id)?;
    body["id"] = Value::from(id);
    let existing = state
        .store
        .get(&HUBS, id)
        .await?
        .ok_or_else(|| Error::not_found(Key::NounHub, id))?;
    let record = validate(state, &body, existing["demo"].as_bool().unwrap_or(false))?;
    state
        .store
        .update(&caller.actor(), &HUBS, id, &record)
        .await?
        .map(view)
        .ok_or_else(|| Error::not_found(Key::NounHub, id))
}

pub async fn delete(state: &Services, caller: &Caller, id: &str) -> Result<(), Error> {
    access::write_hub(caller)?;
    // Leased spaces of the hub are refused by the store.
    if state.store.delete(&caller.actor(), &HUBS, id).await? {
        Ok(())
    } else {
        Err(Error::not_found(Key::NounHub, id))
    }
}
