//! `/api/v1/leases`: a firm in a space from one day to another. A lease keeps the rules of
//! `ucz_core::lease` (it ends after it starts, one lease per space and per firm at a time, an
//! incubation lease within its term and renewals); a lease that breaks one is refused with the
//! conflict named. Its `needs` say what the tenant will look for when it graduates; `left_to`
//! records the region a firm moved to when it left.
use serde_json::{Value, json};
use ucz_core::catalog::LeaseRule;
use ucz_core::lease::{Lease, problems};
use ucz_store::{FACILITIES, FIRMS, Filter, LEASES, LeaseScope, SPACES};

use crate::caller::{Caller, Role};
use crate::error::{Error, FieldError, Key, Message};
use crate::parts::space_zone;
use ucz_core::record::LeaseBody;

use crate::access::Owner;
use crate::records::{Findings, ListParams, Page};
use crate::{Services, access};

/// The rule an incubation room's lease keeps: its facility type's, or the incubation rule of the
/// catalog for rooms in hubs outside the zones.
async fn rule_of(state: &Services, space: &Value) -> Result<Option<LeaseRule>, Error> {
    if !state
        .catalog
        .is_incubation_kind(space["kind"].as_str().unwrap_or_default())
    {
        return Ok(None);
    }
    let own = match space["facility_id"].as_i64() {
        Some(facility) => state
            .store
            .get(&FACILITIES, &facility.to_string())
            .await?
            .and_then(|f| {
                state
                    .catalog
                    .facility_type(f["kind"].as_str().unwrap_or_default())
                    .and_then(|t| t.lease_rule.clone())
            }),
        None => None,
    };
    Ok(own.or_else(|| {
        state
            .catalog
            .facility_types
            .iter()
            .find_map(|t| t.lease_rule.clone())
    }))
}

/// The leases that could clash with `lease`.
fn scope(lease: &Lease) -> LeaseScope {
    LeaseScope {
        space_id: lease.space,
        firm_id: lease.firm.clone(),
        starts: lease.starts.to_string(),
        ends: lease.ends.to_string(),
    }
}

pub fn lease_of(record: &Value) -> Option<Lease> {
    Some(Lease {
        id: record["id"].as_i64().unwrap_or(0),
        space: record["space_id"].as_i64()?,
        firm: record["firm_id"].as_str()?.to_string(),
        starts: record["starts"].as_str()?.parse().ok()?,
        ends: record["ends"].as_str()?.parse().ok()?,
        renewals: record["renewals"].as_u64().unwrap_or(0) as u32,
    })
}

/// A lease body that passed the checks: the record to store, the owner of its space (for the
/// role rules), and the lease with its rule (checked again when it is written).
pub struct Checked {
    pub record: Value,
    pub owner: Owner,
    lease: Lease,
    rule: Option<LeaseRule>,
    /// Whether the caller may read the firm: if not, a clash with its other leases is told
    /// without naming them.
    firm_readable: bool,
}

/// The rule problems as the caller may read them.
impl Checked {
    /// Writes the lease (creates it, or updates lease `id`) if, under the store's write lock,
    /// no other lease of its space or firm has come in the way meanwhile.
    pub async fn write(
        &self,
        state: &Services,
        caller: &Caller,
        id: Option<&str>,
    ) -> Result<Option<Value>, Error> {
        let written = state
            .store
            .write_lease(
                &caller.actor(),
                id,
                &self.record,
                &scope(&self.lease),
                |rows| {
                    let mut others: Vec<Lease> = rows.iter().filter_map(lease_of).collect();
                    others.sort_by_key(|l| l.id);
                    others.dedup_by_key(|l| l.id);
                    let found: Vec<String> = problems(&self.lease, self.rule.as_ref(), &others)
                        .iter()
                        .map(|p| p.told(&self.lease, self.firm_readable))
                        .collect();
                    if found.is_empty() {
                        Ok(())
                    } else {
                        Err(found.join("; "))
                    }
                },
            )
            .await?;
        Ok(written.map(view))
    }
}

/// Checks a lease body against the API's fields and the lease rules.
///
/// `caller`, when given, must be allowed to write in the lease's space; that is checked as soon
/// as the space is known, before anything about other leases is looked at (a refusal must not
/// reveal who holds a space).
pub async fn validate(
    state: &Services,
    caller: Option<&Caller>,
    body: &Value,
    id: i64,
) -> Result<Checked, Error> {
    // Firms do not write leases; others only in spaces they keep.
    if let Some(caller) = caller {
        if matches!(caller.require_user()?, Role::Firm { .. }) {
            return Err(Error::forbidden());
        }
    }
    let space_id = body["space_id"].as_i64().unwrap_or(-1).to_string();
    let space = state.store.get(&SPACES, &space_id).await?;
    if let (Some(caller), Some(space)) = (caller, &space) {
        access::write_zone_part(caller, &space_zone(state, space).await?)?;
    }
    let mut findings = Findings::default();
    findings.and(crate::records::known_fields::<LeaseBody>(body))?;
    let parsed = findings.parsed(LeaseBody::parse(body, &state.catalog, state.clock.today()));
    let firm = referenced(state, body, space.is_some(), &mut findings).await?;
    findings.done()?;
    let (Some(space), Some(parsed)) = (space, parsed) else {
        return Err(Error::invalid(vec![]));
    };
    let owner = space_zone(state, &space).await?;
    let record = json!({
        "space_id": parsed.space_id, "firm_id": parsed.firm_id,
        "starts": parsed.starts, "ends": parsed.ends,
        "status": parsed.status.as_str(),
        "renewals": parsed.renewals,
        "body": {"needs": parsed.needs, "left_to": parsed.left_to, "note": parsed.note},
    });
    let mut lease = lease_of(&record).ok_or_else(|| Error::invalid(vec![]))?;
    lease.id = id;
    let rule = rule_of(state, &space).await?;
    // The other leases of the space and of the firm that overlap it.
    let others: Vec<Lease> = state
        .store
        .leases_in_the_way(&scope(&lease))
        .await?
        .iter()
        .filter_map(lease_of)
        .collect();
    let firm_zone = firm
        .as_ref()
        .and_then(|f| f["zone"].as_str())
        .unwrap_or_default();
    let firm_id = parsed.firm_id.as_str();
    let firm_readable = caller.is_none_or(|c| access::read_firm(c, firm_id, firm_zone).is_ok());
    let found = problems(&lease, rule.as_ref(), &others);
    if !found.is_empty() {
        return Err(refusal(&found, &lease, firm_readable));
    }
    Ok(Checked {
        record,
        owner,
        lease,
        rule,
        firm_readable,
    })
}

/// The records a lease body names, each checked to exist: the hubs or zones its tenant prefers,
/// its space (looked up by the caller, `space_found`) and its firm, which it returns.
async fn referenced(
    state: &Services,
    body: &Value,
    space_found: bool,
    findings: &mut Findings,
) -> Result<Option<Value>, Error> {
    let preferred = body["needs"]["preferred_hubs"].as_array();
    for hub in preferred.into_iter().flatten().filter_map(Value::as_str) {
        let known = state.store.get(&ucz_store::HUBS, hub).await?.is_some()
            || state.store.get(&ucz_store::ZONES, hub).await?.is_some();
        if !known {
            findings.and(Err(Error::invalid(vec![FieldError {
                field: "needs.preferred_hubs".into(),
                message: Message::new(Key::NoHubOrZone).arg("id", hub),
            }])))?;
        }
    }
    if let Some(space_id) = body["space_id"].as_i64().filter(|_| !space_found) {
        findings.and(Err(Error::invalid(vec![FieldError {
            field: "space_id".into(),
            message: Message::new(Key::NoSpace).arg("id", space_id),
        }])))?;
    }
    let firm_id = body["firm_id"].as_str().unwrap_or_default();
    let firm = match firm_id {
        "" => None,
        id => state.store.get(&FIRMS, id).await?,
    };
    if !firm_id.is_empty() && firm.is_none() {
        findings.and(Err(Error::invalid(vec![FieldError {
            field: "firm_id".into(),
            message: Message::new(Key::NoFirm).arg("id", firm_id),
        }])))?;
    }
    Ok(firm)
}

/// The refusal of a lease that breaks the lease rules, as the caller may read it: another lease
/// in the way is a conflict; a lease that breaks its own rules is invalid on its fields.
fn refusal(found: &[ucz_core::lease::LeaseProblem], lease: &Lease, firm_readable: bool) -> Error {
    if found.iter().any(|p| p.is_conflict()) {
        let told: Vec<String> = found.iter().map(|p| p.told(lease, firm_readable)).collect();
        return Error::conflict(Message::new(Key::LeaseProblem).arg("detail", told.join("; ")));
    }
    Error::invalid(
        found
            .iter()
            .map(|p| FieldError {
                field: p.field().into(),
                message: Message::new(Key::LeaseProblem)
                    .arg("detail", p.told(lease, firm_readable)),
            })
            .collect(),
    )
}

pub fn view(record: Value) -> Value {
    let mut lease = record.clone();
    if let Some(object) = lease.as_object_mut() {
        if let Some(Value::Object(extra)) = object.remove("body") {
            for (k, v) in extra {
                if !v.is_null() {
                    object.insert(k, v);
                }
            }
        }
    }
    lease
}

/// May the caller read a lease?
async fn readable(state: &Services, caller: &Caller, record: &Value) -> Result<bool, Error> {
    Ok(match caller.require_user()? {
        Role::Admin | Role::Coordinator => true,
        Role::Firm { firm } => record["firm_id"].as_str() == Some(firm.as_str()),
        Role::Operator { zone } => {
            let space = state
                .store
                .get(&SPACES, &record["space_id"].to_string())
                .await?;
            match space {
                Some(space) => space_zone(state, &space).await?.zone() == Some(zone.as_str()),
                None => false,
            }
        }
    })
}

pub async fn list(state: &Services, caller: &Caller, params: &ListParams) -> Result<Page, Error> {
    caller.require_user()?;
    let (limit, offset) = params.page()?;
    let mut equals = Vec::new();
    if let Some(space) = &params.space_id {
        equals.push(("space_id", space.clone()));
    }
    if let Some(firm) = &params.firm_id {
        equals.push(("firm_id", firm.clone()));
    }
    // What `readable` allows, in SQL: a firm its own leases, an operator those of its zone.
    let zone = match caller.role() {
        Some(Role::Firm { firm }) => {
            equals.push(("firm_id", firm.clone()));
            None
        }
        Some(Role::Operator { zone }) => Some(zone.as_str()),
        _ => None,
    };
    let filter = Filter {
        equals,
        limit,
        offset,
    };
    let (items, total) = state.store.list_leases(&filter, zone).await?;
    Ok(Page {
        items: items.into_iter().map(view).collect(),
        total,
        limit,
        offset,
    })
}

pub async fn read(state: &Services, caller: &Caller, id: &str) -> Result<Value, Error> {
    caller.require_user()?;
    let record = state
        .store
        .get(&LEASES, id)
        .await?
        .ok_or_else(|| Error::not_found(Key::NounLease, id))?;
    if !readable(state, caller, &record).await? {
        return Err(Error::forbidden());
    }
    Ok(view(record))
}

/// Creates a lease for a caller allowed to write in its space.
pub async fn create_lease(state: &Services, caller: &Caller, body: &Value) -> Result<Value, Error> {
    caller.require_user()?;
    let checked = validate(state, Some(caller), body, 0).await?;
    access::write_zone_part(caller, &checked.owner)?;
    checked
        .write(state, caller, None)
        .await?
        .ok_or_else(|| Error::internal("a created lease was not returned"))
}

pub async fn create(state: &Services, caller: &Caller, payload: Value) -> Result<Value, Error> {
    create_lease(state, caller, &payload).await
}

pub async fn update(
    state: &Services,
    caller: &Caller,
    id: &str,
    payload: Value,
) -> Result<Value, Error> {
    caller.require_user()?;
    let before = state
        .store
        .get(&LEASES, id)
        .await?
        .ok_or_else(|| Error::not_found(Key::NounLease, id))?;
    let space = state
        .store
        .get(&SPACES, &before["space_id"].to_string())
        .await?;
    if let Some(space) = space {
        access::write_zone_part(caller, &space_zone(state, &space).await?)?;
    }
    let body = payload;
    let checked = validate(state, Some(caller), &body, id.parse().unwrap_or(0)).await?;
    access::write_zone_part(caller, &checked.owner)?;
    checked
        .write(state, caller, Some(id))
        .await?
        .ok_or_else(|| Error::not_found(Key::NounLease, id))
}

pub async fn delete(state: &Services, caller: &Caller, id: &str) -> Result<(), Error> {
    caller.require_user()?;
    let before = state
        .store
        .get(&LEASES, id)
        .await?
        .ok_or_else(|| Error::not_found(Key::NounLease, id))?;
    if let Some(space) = state
        .store
        .get(&SPACES, &before["space_id"].to_string())
        .await?
    {
        access::write_zone_part(caller, &space_zone(state, &space).await?)?;
    }
    state.store.delete(&caller.actor(), &LEASES, id).await?;
    Ok(())
}

/// Ends a lease: on its recorded last day or an earlier `ends` (the first day after it), and
/// where the firm went when it left the region (`left_to`, a region id), or nowhere.
pub async fn end(
    state: &Services,
    caller: &Caller,
    id: &str,
    ends: Option<&str>,
    left_to: Option<&str>,
) -> Result<Value, Error> {
    let mut changed = read(state, caller, id).await?;
    if let Some(object) = changed.as_object_mut() {
        object.remove("id");
    }
    changed["status"] = Value::from("ended");
    if let Some(ends) = ends {
        changed["ends"] = Value::from(ends);
    }
    changed["left_to"] = left_to.map_or(Value::Null, Value::from);
    update(state, caller, id, changed).await
}
