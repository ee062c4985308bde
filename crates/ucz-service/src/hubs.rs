//! `/api/v1/hubs`: the hubs of a region's network outside the zones (campus innovation parks,
//! innovation growth centers, public rental knowledge-industry centers, incubators), where
//! graduates can find space. Any account reads them; coordinators and admins keep them.
use serde_json::Value;
use ucz_store::Stored;

use crate::caller::Caller;
use crate::error::{Error, FieldError, Key, Message};
use ucz_core::record::{Demo, HubBody, ZonePlan};

use crate::records::{Findings, ListParams, Page, same_id};
use crate::{Services, access};

/// A stored hub.
pub type Hub = Stored<Demo<HubBody>>;

/// Reads a hub body into its record.
pub fn validate(state: &Services, body: &Value) -> Result<HubBody, Error> {
    let mut findings = Findings::default();
    findings.and(crate::records::known_fields::<HubBody>(body))?;
    let hub = findings.parsed(HubBody::parse(body, &state.catalog));
    findings.done()?;
    hub.ok_or_else(|| Error::invalid(vec![]))
}

pub async fn list(
    state: &Services,
    caller: &Caller,
    params: &ListParams,
) -> Result<Page<Hub>, Error> {
    caller.require_user()?;
    let equals = params
        .region
        .iter()
        .map(|r| ("region", r.clone()))
        .collect();
    crate::parts::page_of(state, equals, params).await
}

pub async fn read(state: &Services, caller: &Caller, id: &str) -> Result<Hub, Error> {
    caller.require_user()?;
    crate::parts::existing(state, id).await
}

pub async fn create(state: &Services, caller: &Caller, payload: Value) -> Result<Hub, Error> {
    access::write_hub(caller)?;
    let payload = crate::records::without_read_only(payload);
    let hub = validate(state, &payload)?;
    // Plans name hubs and zones alike: a hub may not take a zone's id.
    let zones = state.store.repo::<Demo<ZonePlan>>();
    if zones.find(hub.id.as_str()).await?.is_some() {
        return Err(Error::invalid(vec![FieldError {
            field: "id".into(),
            message: Message::new(Key::IdIsZone).arg("id", &hub.id),
        }]));
    }
    let record = Demo {
        record: hub,
        demo: false,
    };
    let repo = state.store.repo::<Demo<HubBody>>();
    Ok(repo.create(&caller.actor(), &record).await?)
}

pub async fn update(
    state: &Services,
    caller: &Caller,
    id: &str,
    payload: Value,
) -> Result<Hub, Error> {
    access::write_hub(caller)?;
    let mut body = crate::records::without_read_only(payload);
    same_id(&body, id)?;
    body["id"] = Value::from(id);
    let before: Hub = crate::parts::existing(state, id).await?;
    let record = Demo {
        record: validate(state, &body)?,
        demo: before.record.demo,
    };
    let repo = state.store.repo::<Demo<HubBody>>();
    repo.update(&caller.actor(), &before.id, &record)
        .await?
        .ok_or_else(|| Error::not_found(Key::NounHub, id))
}

pub async fn delete(state: &Services, caller: &Caller, id: &str) -> Result<(), Error> {
    access::write_hub(caller)?;
    // Leased spaces of the hub are refused by the store.
    let before: Hub = crate::parts::existing(state, id).await?;
    state
        .store
        .repo::<Demo<HubBody>>()
        .delete(&caller.actor(), &before.id)
        .await?;
    Ok(())
}
