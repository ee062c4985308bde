//! `/api/v1/zones`: a zone's top-level plan (the zone file without its facilities and
//! institutions, which have their own resources).
use serde_json::Value;
use std::collections::HashMap;
use ucz_core::firm::Firm;
use ucz_core::record::{Demo, FacilityBody, HubBody, ZonePlan};
use ucz_core::{Diagnosis, SourceFile, Zone};
use ucz_store::{Aggregate, Filter, Stored};

use crate::caller::{Caller, Role};
use crate::error::{Error, Key, Message};
use crate::records::{ListParams, Page, as_toml, shown};
use crate::{Services, access};

/// A stored zone.
pub type ZoneRecord = Stored<Demo<ZonePlan>>;

/// Checks a zone body with the zone-file parser; returns the plan to store.
pub fn validate(state: &Services, body: &Value) -> Result<ZonePlan, Error> {
    if body.get("facility").is_some() || body.get("institution").is_some() {
        return Err(Error::bad_request(Key::ZoneBodyHasParts));
    }
    // Unknown fields are told as every record tells them, before the zone-file parser runs.
    crate::records::known_fields::<Zone>(body)?;
    let text = as_toml(body)?;
    Zone::parse(SourceFile::new("body", &text), &state.catalog)?;
    match body {
        Value::Object(fields) => Ok(ZonePlan(fields.clone())),
        // The parser refuses anything but a table.
        _ => Err(Error::invalid(vec![])),
    }
}

pub async fn list(state: &Services, params: &ListParams) -> Result<Page<ZoneRecord>, Error> {
    crate::parts::page_of(state, Vec::new(), params).await
}

pub async fn read(state: &Services, id: &str) -> Result<ZoneRecord, Error> {
    crate::parts::existing(state, id).await
}

pub async fn create(
    state: &Services,
    caller: &Caller,
    payload: Value,
) -> Result<ZoneRecord, Error> {
    access::create_zone(caller)?;
    let body = crate::records::without_read_only(payload);
    let plan = validate(state, &body)?;
    // Plans name zones and hubs alike: a zone may not take a hub's id.
    let id = plan.id();
    if state
        .store
        .repo::<Demo<HubBody>>()
        .find(id.as_str())
        .await?
        .is_some()
    {
        return Err(Error::invalid(vec![crate::error::FieldError {
            field: "id".into(),
            message: Message::new(Key::IdIsHub).arg("id", &id),
        }]));
    }
    let record = Demo {
        record: plan,
        demo: false,
    };
    let repo = state.store.repo::<Demo<ZonePlan>>();
    Ok(repo.create(&caller.actor(), &record).await?)
}

pub async fn update(
    state: &Services,
    caller: &Caller,
    id: &str,
    payload: Value,
) -> Result<ZoneRecord, Error> {
    access::update_zone(caller, id)?;
    let mut body = crate::records::without_read_only(payload);
    crate::records::same_id(&body, id)?;
    body["id"] = Value::from(id);
    let before = read(state, id).await?;
    if body.get("region").and_then(Value::as_str) != before.record.record.text("region") {
        access::change_zone_region(caller)?;
    }
    let record = Demo {
        record: validate(state, &body)?,
        demo: before.record.demo,
    };
    let repo = state.store.repo::<Demo<ZonePlan>>();
    repo.update(&caller.actor(), &before.id, &record)
        .await?
        .ok_or_else(|| Error::not_found(Key::NounZone, id))
}

pub async fn delete(state: &Services, caller: &Caller, id: &str) -> Result<(), Error> {
    access::delete_zone(caller)?;
    // Tenant firms name their zone; a later zone of the same id must not inherit them.
    let count = state
        .store
        .repo::<Demo<Firm>>()
        .count(&[("zone", id.to_string())])
        .await?;
    if count > 0 {
        return Err(Error::conflict(
            Message::new(Key::ZoneHasTenants)
                .arg("id", id)
                .arg("count", count),
        ));
    }
    let before = read(state, id).await?;
    // Leased spaces in its facilities are refused by the store.
    let repo = state.store.repo::<Demo<ZonePlan>>();
    if repo.delete(&caller.actor(), &before.id).await? {
        Ok(())
    } else {
        Err(Error::not_found(Key::NounZone, id))
    }
}

/// Every record of `T`, by key, read `batch` at a time.
async fn every<T: Aggregate>(state: &Services, batch: i64) -> Result<Vec<Stored<T>>, Error> {
    let mut all: Vec<Stored<T>> = Vec::new();
    loop {
        let after = all.last().map(|r| &r.id);
        let page = state
            .store
            .repo::<T>()
            .page_after(&[], after, batch)
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
    pub zone: ZoneRecord,
    pub diagnosis: Diagnosis,
    /// How many tenant firms name the zone.
    pub tenants: i64,
}

/// Every zone with its diagnosis and tenant count, by id. Public like the zones and their
/// diagnoses: anyone reads it, anonymous visitors too.
pub async fn overview(state: &Services, _caller: &Caller) -> Result<Vec<Summary>, Error> {
    // Tenants of every zone in one statement; the zones a page at a time.
    let tenants = state
        .store
        .count_by(Demo::<Firm>::TABLE, "zone", &[])
        .await?;
    let mut rows = Vec::new();
    for zone in every::<Demo<ZonePlan>>(state, 100).await? {
        let id = zone.id.to_string();
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

/// A zone that runs a program, by id and name.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Runner {
    pub id: String,
    pub name: String,
    pub name_en: Option<String>,
}

/// The zones that run each zone-run program (the support programs of Figure 2 and the linkage
/// programs of Figure 3 a zone plan lists), by program id. Public like the zones.
pub async fn runners(state: &Services) -> Result<HashMap<String, Vec<Runner>>, Error> {
    let mut runs: HashMap<String, Vec<Runner>> = HashMap::new();
    for zone in every::<Demo<ZonePlan>>(state, 100).await? {
        let plan = &zone.record.record;
        let runner = Runner {
            id: zone.id.to_string(),
            name: plan.text("name").unwrap_or(zone.id.as_str()).to_string(),
            name_en: plan.text("name_en").map(str::to_string),
        };
        for field in ["support_programs", "linkage_programs"] {
            let ids = plan
                .0
                .get(field)
                .and_then(Value::as_array)
                .into_iter()
                .flatten();
            for program in ids.filter_map(Value::as_str) {
                runs.entry(program.to_string())
                    .or_default()
                    .push(runner.clone());
            }
        }
    }
    Ok(runs)
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
    /// How each of `leases` that goes beyond its facility's terms does, by lease id.
    pub lease_warnings: std::collections::BTreeMap<i64, Vec<crate::error::FieldError>>,
    /// The bodies of the zone's tenant firms, at most 200 (`access::list_zone_firms`).
    pub tenants: Vec<Value>,
}

/// A zone's facilities, spaces, institutions, leases and tenants, for its page.
pub async fn holdings(state: &Services, caller: &Caller, zone: &str) -> Result<Holdings, Error> {
    let parts = state.store.zone_parts(zone).await?;
    let diagnosis = crate::analysis::diagnosis_with(state, zone, &parts).await?;
    let tenants_by_stage = state
        .store
        .count_by(Demo::<Firm>::TABLE, "stage", &[("zone", zone.to_string())])
        .await?;
    // The zone's spaces in one statement, each under its facility.
    let spaces = if access::read_zone_part(caller).is_ok() {
        state.store.zone_spaces(zone).await?
    } else {
        Vec::new()
    };
    let (facilities, institutions) = if access::read_zone_part(caller).is_ok() {
        let facilities = parts
            .facilities
            .iter()
            .map(|facility| {
                let own: Vec<Value> = spaces
                    .iter()
                    .filter(|s| s.record.facility_id == Some(facility.id))
                    .map(shown)
                    .collect();
                let mut facility = shown(facility);
                facility["spaces"] = Value::from(own);
                facility
            })
            .collect();
        (facilities, parts.institutions.iter().map(shown).collect())
    } else {
        (Vec::new(), Vec::new())
    };
    let mut leases = Vec::new();
    let mut lease_warnings = std::collections::BTreeMap::new();
    if access::list_zone_leases(caller, zone).is_ok() {
        let order: Vec<&Value> = facilities
            .iter()
            .flat_map(|f: &Value| f["spaces"].as_array().into_iter().flatten())
            .map(|s| &s["id"])
            .collect();
        let stored = state.store.zone_leases(zone).await?;
        for lease in &stored {
            let space = spaces.iter().find(|s| s.id == lease.record.space_id);
            let facility = space
                .and_then(|s| s.record.facility_id)
                .and_then(|id| parts.facilities.iter().find(|f| f.id == id));
            let terms = space.and_then(|s| {
                crate::leases::terms(
                    &state.catalog,
                    &s.record,
                    facility.map(|f| (&f.id, &f.record)),
                    None,
                )
            });
            let found =
                crate::leases::warnings_of(&crate::leases::stored_lease(lease), terms.as_ref());
            if !found.is_empty() {
                lease_warnings.insert(lease.id.0, found);
            }
        }
        let mut found: Vec<Value> = stored.iter().map(shown).collect();
        found.sort_by_key(|l| order.iter().position(|s| **s == l["space_id"]));
        leases.extend(found);
    }
    let tenants = if access::list_zone_firms(caller, zone).is_ok() {
        let (firms, _) = state
            .store
            .repo::<Demo<Firm>>()
            .list(&Filter {
                equals: vec![("zone", zone.to_string())],
                limit: 200,
                offset: 0,
            })
            .await?;
        firms.iter().map(|f| shown(&f.record.record)).collect()
    } else {
        Vec::new()
    };
    Ok(Holdings {
        diagnosis,
        tenants_by_stage,
        facilities,
        institutions,
        leases,
        lease_warnings,
        tenants,
    })
}

/// The regions that have zones, each once, in the order of their first zone's id; for an
/// operator only its own zone's region. Any account reads them.
pub async fn regions(state: &Services, caller: &Caller) -> Result<Vec<String>, Error> {
    if let Role::Operator { zone } = caller.require_user()? {
        if let Some(z) = state.store.repo::<Demo<ZonePlan>>().find(zone).await? {
            let region = z.record.record.text("region").unwrap_or_default();
            return Ok(vec![region.to_string()]);
        }
    }
    Ok(state.store.zone_regions().await?)
}

/// The zones and facilities a record may be placed in, by id.
pub struct Choices {
    pub zones: Vec<ZoneRecord>,
    pub facilities: Vec<Stored<FacilityBody>>,
}

/// What the caller chooses among when writing a facility, institution, firm or space: an
/// operator its own zone and its facilities; admins and coordinators all of them; a founder every
/// zone to ask for, no facility; firm accounts and anonymous visitors nothing. The writes themselves check their own rules.
pub async fn choices(state: &Services, caller: &Caller) -> Result<Choices, Error> {
    let (zones, facilities) = match caller.role() {
        Some(Role::Operator { zone }) => (
            state
                .store
                .repo::<Demo<ZonePlan>>()
                .find(zone)
                .await?
                .into_iter()
                .collect(),
            state.store.zone_parts(zone).await?.facilities,
        ),
        // A founder chooses the zone its firm asks to be a tenant of (the operator decides).
        Some(Role::Founder) => (every(state, 500).await?, Vec::new()),
        Some(Role::Firm { .. } | Role::Evaluator | Role::Resident) | None => {
            (Vec::new(), Vec::new())
        }
        Some(Role::Admin | Role::Coordinator) => {
            (every(state, 500).await?, every(state, 500).await?)
        }
    };
    Ok(Choices { zones, facilities })
}
