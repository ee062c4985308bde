//! `/api/v1/zones`: a zone's top-level plan (the zone file without its facilities and
//! institutions, which have their own resources).
use serde_json::{Value, json};
use ucz_core::{Diagnosis, SourceFile, Zone};
use ucz_store::{FACILITIES, FIRMS, Filter, ZONES};

use crate::caller::{Caller, Role};
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
    let body = crate::records::without_read_only(payload);
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
    let mut body = crate::records::without_read_only(payload);
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

/// Every record of `table`, by id, read `batch` at a time.
async fn every(
    state: &Services,
    table: &'static ucz_store::Table,
    batch: i64,
) -> Result<Vec<Value>, Error> {
    let mut all: Vec<Value> = Vec::new();
    loop {
        let page = state
            .store
            .page_after(table, &[], all.last().map(|r| &r["id"]), batch)
            .await?;
        let done = (page.len() as i64) < batch;
        all.extend(page);
        if done {
            return Ok(all);
        }
    }
}

/// One zone of the national overview.
pub struct Summary {
    /// The stored zone: its id, `body` and `demo`.
    pub zone: Value,
    pub diagnosis: Diagnosis,
    /// How many tenant firms name the zone.
    pub tenants: i64,
}

/// Every zone with its diagnosis and tenant count, by id. Public like the zones and their
/// diagnoses: anyone reads it, anonymous visitors too.
pub async fn overview(state: &Services, _caller: &Caller) -> Result<Vec<Summary>, Error> {
    // Tenants of every zone in one statement; the zones a page at a time.
    let tenants = state.store.count_by(&FIRMS, "zone", &[]).await?;
    let mut rows = Vec::new();
    for zone in every(state, &ZONES, 100).await? {
        let id = zone["id"].as_str().unwrap_or_default().to_string();
        let diagnosis = crate::analysis::diagnosis_of(state, &id).await?;
        let tenants = tenants
            .iter()
            .find(|(zone, _)| *zone == id)
            .map_or(0, |(_, n)| *n);
        rows.push(Summary {
            zone,
            diagnosis,
            tenants,
        });
    }
    Ok(rows)
}

/// What a zone holds, each part as far as the caller may read it; an empty list where it may not.
pub struct Holdings {
    /// The zone's diagnosis: public, like the zone.
    pub diagnosis: Diagnosis,
    /// Tenant firms by stage id: counts only, public like the diagnosis.
    pub tenants_by_stage: Vec<(String, i64)>,
    /// The facilities as the API shows them, each with its `spaces`: any account.
    pub facilities: Vec<Value>,
    /// The institutions: any account.
    pub institutions: Vec<Value>,
    /// The leases of the zone's spaces (`access::list_zone_leases`), as the API shows them, in
    /// the order of the spaces in `facilities`, then by id.
    pub leases: Vec<Value>,
    /// The bodies of the zone's tenant firms, at most 200 (`access::list_zone_firms`).
    pub tenants: Vec<Value>,
}

/// A zone's facilities, spaces, institutions, leases and tenants, for its page.
pub async fn holdings(state: &Services, caller: &Caller, zone: &str) -> Result<Holdings, Error> {
    let parts = state.store.zone_parts(zone).await?;
    let diagnosis = crate::analysis::diagnosis_with(state, zone, &parts).await?;
    let tenants_by_stage = state
        .store
        .count_by(&FIRMS, "stage", &[("zone", zone.to_string())])
        .await?;
    let (facilities, institutions) = if access::read_zone_part(caller).is_ok() {
        // The zone's spaces in one statement, each under its facility.
        let spaces = state.store.zone_spaces(zone).await?;
        let facilities = parts
            .facilities
            .into_iter()
            .map(|facility| {
                let own: Vec<Value> = spaces
                    .iter()
                    .filter(|s| s["facility_id"] == facility["id"])
                    .cloned()
                    .collect();
                let mut facility = crate::parts::present(&FACILITIES, facility);
                facility["spaces"] = Value::from(own);
                facility
            })
            .collect();
        (facilities, parts.institutions)
    } else {
        (Vec::new(), Vec::new())
    };
    let mut leases = Vec::new();
    if access::list_zone_leases(caller, zone).is_ok() {
        let order: Vec<&Value> = facilities
            .iter()
            .flat_map(|f: &Value| f["spaces"].as_array().into_iter().flatten())
            .map(|s| &s["id"])
            .collect();
        let mut found = state.store.zone_leases(zone).await?;
        found.sort_by_key(|l| order.iter().position(|s| **s == l["space_id"]));
        leases.extend(found.into_iter().map(crate::leases::view));
    }
    let tenants = if access::list_zone_firms(caller, zone).is_ok() {
        let (firms, _) = state
            .store
            .list(
                &FIRMS,
                &Filter {
                    equals: vec![("zone", zone.to_string())],
                    limit: 200,
                    offset: 0,
                },
            )
            .await?;
        firms.into_iter().map(|f| f["body"].clone()).collect()
    } else {
        Vec::new()
    };
    Ok(Holdings {
        diagnosis,
        tenants_by_stage,
        facilities,
        institutions,
        leases,
        tenants,
    })
}

/// The regions that have zones, each once, in the order of their first zone's id; for an
/// operator only its own zone's region. Any account reads them.
pub async fn regions(state: &Services, caller: &Caller) -> Result<Vec<String>, Error> {
    if let Role::Operator { zone } = caller.require_user()? {
        if let Some(z) = state.store.get(&ZONES, zone).await? {
            return Ok(vec![
                z["body"]["region"].as_str().unwrap_or_default().to_string(),
            ]);
        }
    }
    Ok(state.store.zone_regions().await?)
}

/// The zones and facilities a record may be placed in, as stored, by id.
pub struct Choices {
    pub zones: Vec<Value>,
    pub facilities: Vec<Value>,
}

/// What the caller chooses among when writing a facility, institution, firm or space: an
/// operator its own zone and its facilities; admins and coordinators all of them; firm accounts
/// and anonymous visitors nothing. The writes themselves check their own rules.
pub async fn choices(state: &Services, caller: &Caller) -> Result<Choices, Error> {
    let (zones, facilities) = match caller.role() {
        Some(Role::Operator { zone }) => (
            state.store.get(&ZONES, zone).await?.into_iter().collect(),
            state.store.zone_parts(zone).await?.facilities,
        ),
        Some(Role::Firm { .. }) | None => (Vec::new(), Vec::new()),
        Some(Role::Admin | Role::Coordinator) => (
            every(state, &ZONES, 500).await?,
            every(state, &FACILITIES, 500).await?,
        ),
    };
    Ok(Choices { zones, facilities })
}
